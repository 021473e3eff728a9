/* Quadratic loss surfaces of a two-weight linear model: fit, eigen-analysis, gradient descent, grids (engine layer). */
#include "engine/surface.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stats.h"
#include "util/alloc.h"

/* A run that grows its excess loss this many times over the start has left the bowl for good. */
#define SURFACE_DIVERGE_FACTOR 1e10

static void surface_eigen(Surface *s)
{
    double a = s->a[0][0], b = s->a[0][1], d = s->a[1][1];
    double half_gap = hypot(0.5 * (a - d), b);
    double big = 0.5 * (a + d) + half_gap;
    /* det/λmax instead of tr/2 − gap: the subtraction would lose ~9 digits on the raw canyon. */
    double det = a * d - b * b;
    s->eig[1] = big;
    s->eig[0] = big > 0 ? det / big : 0.0;
    double v[2];
    if (b == 0.0) {
        v[0] = a >= d ? 1.0 : 0.0;
        v[1] = a >= d ? 0.0 : 1.0;
    } else {
        /* Two equivalent forms of the λmax eigenvector; the longer one is the better conditioned. */
        double p[2] = { b, big - a }, q[2] = { big - d, b };
        double np = hypot(p[0], p[1]), nq = hypot(q[0], q[1]);
        v[0] = np >= nq ? p[0] / np : q[0] / nq;
        v[1] = np >= nq ? p[1] / np : q[1] / nq;
    }
    s->evec[1][0] = v[0];
    s->evec[1][1] = v[1];
    s->evec[0][0] = -v[1];
    s->evec[0][1] = v[0];
    s->condition = s->eig[0] > 0 ? s->eig[1] / s->eig[0] : INFINITY;
}

bool surface_fit_scaled(Surface *s, const double *x, const double *y, int n, const double scale[2], BnError *err)
{
    memset(s, 0, sizeof *s);
    if (n < 2) {
        error_set(err, "surface", "need at least 2 points, got %d", n);
        return false;
    }
    for (int k = 0; k < 2; k++)
        if (!(scale[k] > 0) || !isfinite(scale[k])) {
            error_set(err, "surface", "scale %g of feature %d is not a positive number", scale[k], k + 1);
            return false;
        }
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i * 2]) || !isfinite(x[i * 2 + 1]) || !isfinite(y[i])) {
            error_set(err, "surface", "point %d is not finite", i + 1);
            return false;
        }
    stats_column_mean_var(s->mean, NULL, x, n, 2, 0);
    s->y_mean = stats_mean(y, n);
    s->scale[0] = scale[0];
    s->scale[1] = scale[1];
    double saa = 0, sab = 0, sbb = 0, say = 0, sby = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        double u = (x[i * 2] - s->mean[0]) / scale[0], v = (x[i * 2 + 1] - s->mean[1]) / scale[1];
        double t = y[i] - s->y_mean;
        saa += u * u, sab += u * v, sbb += v * v;
        say += u * t, sby += v * t, syy += t * t;
    }
    s->a[0][0] = saa / n;
    s->a[0][1] = s->a[1][0] = sab / n;
    s->a[1][1] = sbb / n;
    s->b[0] = say / n;
    s->b[1] = sby / n;
    s->c = syy / (2.0 * n);
    surface_eigen(s);
    /* Raw scaled2d sits near 1e9; beyond ~1e15 the matrix is singular in double precision. */
    if (!(s->eig[0] > 0) || !(s->condition < 1e15)) {
        error_set(err, "surface", "the features are constant or collinear: no unique minimum (condition %g)",
                  s->condition);
        return false;
    }
    double det = s->a[0][0] * s->a[1][1] - s->a[0][1] * s->a[0][1];
    s->w_min[0] = (s->a[1][1] * s->b[0] - s->a[0][1] * s->b[1]) / det;
    s->w_min[1] = (s->a[0][0] * s->b[1] - s->a[0][1] * s->b[0]) / det;
    double ss = 0;
    for (int i = 0; i < n; i++) {
        double u = (x[i * 2] - s->mean[0]) / scale[0], v = (x[i * 2 + 1] - s->mean[1]) / scale[1];
        double r = (y[i] - s->y_mean) - s->w_min[0] * u - s->w_min[1] * v;
        ss += r * r;
    }
    s->loss_min = ss / (2.0 * n);
    return true;
}

bool surface_fit(Surface *s, const double *x, const double *y, int n, bool standardize, BnError *err)
{
    double scale[2] = { 1.0, 1.0 };
    if (standardize && n > 0) {
        double var[2], mean[2];
        stats_column_mean_var(mean, var, x, n, 2, 0);
        for (int k = 0; k < 2; k++)
            scale[k] = var[k] > 0 ? sqrt(var[k]) : 0.0;   /* 0 is rejected below as "constant" */
        if (scale[0] == 0 || scale[1] == 0) {
            memset(s, 0, sizeof *s);
            error_set(err, "surface", "feature %d is constant: no unique minimum", scale[0] == 0 ? 1 : 2);
            return false;
        }
    }
    return surface_fit_scaled(s, x, y, n, scale, err);
}

bool surface_from_dataset(Surface *s, const Dataset *set, bool standardize, BnError *err)
{
    if (set->dim != 2) {
        memset(s, 0, sizeof *s);
        error_set(err, set->name, "a loss surface needs exactly 2 features, this set has %d", set->dim);
        return false;
    }
    const double *values = dataset_values(set);
    if (values)
        return surface_fit(s, values, set->y, set->n, standardize, err);
    double *x = xmalloc(sizeof *x * (size_t)set->n * 2);    /* (n, 2): a set not held as doubles */
    dataset_rows(set, 0, set->n, x);
    bool ok = surface_fit(s, x, set->y, set->n, standardize, err);
    free(x);
    return ok;
}

double surface_excess(const Surface *s, const double w[2])
{
    double d0 = w[0] - s->w_min[0], d1 = w[1] - s->w_min[1];
    double e = 0.5 * (s->a[0][0] * d0 * d0 + 2.0 * s->a[0][1] * d0 * d1 + s->a[1][1] * d1 * d1);
    if (isnan(e))
        return INFINITY;
    return e > 0 ? e : 0.0;   /* A is positive definite; a tiny negative is rounding */
}

double surface_loss(const Surface *s, const double w[2])
{
    return s->loss_min + surface_excess(s, w);
}

void surface_gradient(const Surface *s, const double w[2], double grad[2])
{
    double d0 = w[0] - s->w_min[0], d1 = w[1] - s->w_min[1];
    grad[0] = s->a[0][0] * d0 + s->a[0][1] * d1;
    grad[1] = s->a[1][0] * d0 + s->a[1][1] * d1;
}

double surface_bias(const Surface *s, const double w[2])
{
    return s->y_mean - w[0] * s->mean[0] / s->scale[0] - w[1] * s->mean[1] / s->scale[1];
}

double surface_max_stable_lr(const Surface *s, double momentum)
{
    double mu = momentum > 0 ? momentum : 0.0;
    return 2.0 * (1.0 + mu) / s->eig[1];
}

double surface_best_lr(const Surface *s)
{
    return 2.0 / (s->eig[0] + s->eig[1]);
}

/* log|1 − t|, via log1p when t is tiny so 1 − 1e-9 (the raw canyon) keeps its digits. */
static double log_abs_one_minus(double t)
{
    return t < 1.0 ? log1p(-t) : log(t - 1.0);
}

double surface_predicted_steps(const Surface *s, double lr, double tol)
{
    if (tol >= 1)
        return 0;
    if (!(tol > 0) || !(lr > 0))
        return -1;
    double l0 = log_abs_one_minus(lr * s->eig[0]), l1 = log_abs_one_minus(lr * s->eig[1]);
    double log_rho = l0 > l1 ? l0 : l1;   /* the slowest direction sets the pace */
    if (!(log_rho < 0))
        return -1;
    if (isinf(log_rho))
        return 1;   /* ρ = 0: lr = 1/λ on a round bowl lands on w* in one step */
    return ceil(log(tol) / (2.0 * log_rho));
}

bool surface_step(const Surface *s, double w[2], double v[2], double lr, double momentum)
{
    double g[2];
    surface_gradient(s, w, g);
    double nv[2], nw[2];
    for (int k = 0; k < 2; k++) {
        nv[k] = (momentum > 0 && v ? momentum * v[k] : 0.0) - lr * g[k];
        nw[k] = w[k] + nv[k];
    }
    if (!isfinite(nw[0]) || !isfinite(nw[1]) || !isfinite(nv[0]) || !isfinite(nv[1]))
        return false;
    w[0] = nw[0], w[1] = nw[1];
    if (v)
        v[0] = nv[0], v[1] = nv[1];
    return true;
}

SurfaceRun surface_run(const Surface *s, const double w0[2], double lr, double momentum, double tol,
                       long max_steps, double *path, long path_cap)
{
    SurfaceRun run = { .outcome = SURFACE_STEP_CAP, .w = { w0[0], w0[1] } };
    double v[2] = { 0.0, 0.0 };
    run.excess0 = run.excess = surface_excess(s, w0);
    if (path && path_cap > 0) {
        path[0] = w0[0], path[1] = w0[1];
        run.path_len = 1;
    }
    if (!isfinite(run.excess0)) {
        run.outcome = SURFACE_DIVERGED;
        return run;
    }
    if (run.excess0 <= tol * run.excess0) {
        run.outcome = SURFACE_CONVERGED;
        return run;
    }
    double limit = SURFACE_DIVERGE_FACTOR * run.excess0;
    while (run.steps < max_steps) {
        if (!surface_step(s, run.w, v, lr, momentum)) {
            run.outcome = SURFACE_DIVERGED;
            return run;
        }
        run.steps++;
        run.excess = surface_excess(s, run.w);
        if (path && run.path_len < path_cap) {
            path[run.path_len * 2] = run.w[0], path[run.path_len * 2 + 1] = run.w[1];
            run.path_len++;
        }
        if (!(run.excess <= limit)) {
            run.outcome = SURFACE_DIVERGED;
            return run;
        }
        if (run.excess <= tol * run.excess0) {
            run.outcome = SURFACE_CONVERGED;
            return run;
        }
    }
    return run;
}

void surface_grid(double *z, const Surface *s, const double lo[2], const double hi[2], int nx, int ny,
                  bool excess_only)
{
    for (int j = 0; j < ny; j++) {
        double w[2];
        w[1] = ny > 1 ? lo[1] + (hi[1] - lo[1]) * j / (ny - 1) : lo[1];
        for (int i = 0; i < nx; i++) {
            w[0] = nx > 1 ? lo[0] + (hi[0] - lo[0]) * i / (nx - 1) : lo[0];
            double e = surface_excess(s, w);
            z[(size_t)j * (size_t)nx + (size_t)i] = excess_only ? e : s->loss_min + e;
        }
    }
}

void surface_window(const Surface *s, const double w0[2], double margin, double lo[2], double hi[2])
{
    double reach = fmax(fabs(w0[0] - s->w_min[0]), fabs(w0[1] - s->w_min[1]));
    double half = reach > 0 && isfinite(reach) ? reach * (1.0 + (margin > 0 ? margin : 0.0)) : 1.0;
    for (int k = 0; k < 2; k++) {
        lo[k] = s->w_min[k] - half;
        hi[k] = s->w_min[k] + half;
    }
}
