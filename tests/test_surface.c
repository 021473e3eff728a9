/* Loss surfaces: gradients by central differences, the fitted minimum, conditioning, GD stability limits, grids. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/surface.h"
#include "support/check.h"

static Dataset *train_set, *test_set;
static Surface raw, bowl;

static void setup(void)
{
    BnError err = { 0 };
    cr_assert(dataset_load("scaled2d", 1, 0, 0, &train_set, &test_set, &err), "scaled2d: %s", err.message);
    cr_assert(surface_from_dataset(&raw, train_set, false, &err), "raw surface: %s", err.message);
    cr_assert(surface_from_dataset(&bowl, train_set, true, &err), "standardized surface: %s", err.message);
}

static void teardown(void)
{
    dataset_destroy(train_set);
    dataset_destroy(test_set);
}

TestSuite(surface, .init = setup, .fini = teardown);

/* Central differences of the loss along each weight, compared with the analytic gradient. */
static void check_gradient(const Surface *s, const double w[2], const char *what)
{
    double g[2];
    surface_gradient(s, w, g);
    cr_assert(fabs(g[0]) + fabs(g[1]) > 0, "%s: the gradient is all zero away from the minimum", what);
    for (int k = 0; k < 2; k++) {
        double h = 1e-4 * fabs(w[k] - s->w_min[k]);
        double up[2] = { w[0], w[1] }, down[2] = { w[0], w[1] };
        up[k] += h;
        down[k] -= h;
        double numeric = (surface_loss(s, up) - surface_loss(s, down)) / (2 * h);
        check_close(g[k], numeric, 1e-5, 1e-9 * (fabs(g[0]) + fabs(g[1])), "%s: d loss / d w%d", what, k + 1);
    }
}

Test(surface, the_gradient_matches_central_differences_of_the_loss)
{
    double wb[2] = { bowl.w_min[0] + 0.7, bowl.w_min[1] - 0.4 };
    check_gradient(&bowl, wb, "standardized");
    double wr[2] = { raw.w_min[0] + 0.7, raw.w_min[1] - 2e-5 };
    check_gradient(&raw, wr, "raw");
}

Test(surface, the_loss_is_the_mean_squared_residual_of_the_model_with_its_best_bias)
{
    /* Straight from the data: 1/(2n) Σ (y − w·x/scale − bias)², at an arbitrary w. */
    const Surface *ss[2] = { &raw, &bowl };
    for (int k = 0; k < 2; k++) {
        const Surface *s = ss[k];
        double w[2] = { s->w_min[0] * 0.5 + 0.1, s->w_min[1] * 1.5 };
        double bias = surface_bias(s, w), sum = 0;
        for (int i = 0; i < train_set->n; i++) {
            double r = train_set->y[i] - bias - w[0] * dataset_values(train_set)[i * 2] / s->scale[0] -
                       w[1] * dataset_values(train_set)[i * 2 + 1] / s->scale[1];
            sum += r * r;
        }
        check_close(surface_loss(s, w), sum / (2 * train_set->n), 1e-9, 0.0, "surface %d", k);
    }
}

Test(surface, the_minimum_solves_the_normal_equations_of_the_data)
{
    const Surface *ss[2] = { &raw, &bowl };
    for (int k = 0; k < 2; k++) {
        const Surface *s = ss[k];
        double bias = surface_bias(s, s->w_min);
        double r_sum = 0, r_x[2] = { 0, 0 }, scale_x[2] = { 0, 0 };
        for (int i = 0; i < train_set->n; i++) {
            double u = dataset_values(train_set)[i * 2] / s->scale[0], v = dataset_values(train_set)[i * 2 + 1] / s->scale[1];
            double r = train_set->y[i] - bias - s->w_min[0] * u - s->w_min[1] * v;
            r_sum += r;
            r_x[0] += r * (u - s->mean[0] / s->scale[0]);
            r_x[1] += r * (v - s->mean[1] / s->scale[1]);
            scale_x[0] += fabs(train_set->y[i] * u);
            scale_x[1] += fabs(train_set->y[i] * v);
        }
        /* Residuals are orthogonal to the constant and to each (centred) feature. */
        cr_assert(fabs(r_sum) < 1e-9 * train_set->n, "surface %d: residuals sum to %g", k, r_sum);
        cr_assert(fabs(r_x[0]) < 1e-10 * scale_x[0], "surface %d: residuals correlate with x1: %g", k, r_x[0]);
        cr_assert(fabs(r_x[1]) < 1e-10 * scale_x[1], "surface %d: residuals correlate with x2: %g", k, r_x[1]);
        double g[2], g_near[2];
        surface_gradient(s, s->w_min, g);
        double near[2] = { s->w_min[0] + 1e-3, s->w_min[1] };
        surface_gradient(s, near, g_near);
        cr_assert(fabs(g[0]) + fabs(g[1]) <= 1e-12 * (fabs(g_near[0]) + fabs(g_near[1])), "surface %d: gradient at w*", k);
        cr_assert(surface_excess(s, s->w_min) == 0.0);
    }
    /* The data were made with y ≈ 3 + 2·rooms − 3e-5·distance: the raw fit finds those slopes. */
    check_close(raw.w_min[0], 2.0, 0.05, 0.0, "raw slope for rooms");
    check_close(raw.w_min[1], -3e-5, 0.1, 0.0, "raw slope for distance");
    /* Standardized weights are the raw ones times each feature's std. */
    check_close(bowl.w_min[0], raw.w_min[0] * bowl.scale[0], 1e-9, 0.0, "standardized w1");
    check_close(bowl.w_min[1], raw.w_min[1] * bowl.scale[1], 1e-9, 0.0, "standardized w2");
    check_close(bowl.loss_min, raw.loss_min, 1e-9, 0.0, "scaling does not change the best loss");
}

Test(surface, eigenpairs_satisfy_the_definition)
{
    const Surface *ss[2] = { &raw, &bowl };
    for (int k = 0; k < 2; k++) {
        const Surface *s = ss[k];
        cr_assert(s->eig[0] > 0 && s->eig[0] <= s->eig[1]);
        for (int e = 0; e < 2; e++) {
            const double *v = s->evec[e];
            check_close(hypot(v[0], v[1]), 1.0, 1e-14, 0.0, "unit eigenvector %d", e);
            for (int r = 0; r < 2; r++)
                check_close(s->a[r][0] * v[0] + s->a[r][1] * v[1], s->eig[e] * v[r], 1e-9, 1e-9 * s->eig[1],
                            "surface %d: (A v%d)[%d] = λ v", k, e, r);
        }
        double det = s->a[0][0] * s->a[1][1] - s->a[0][1] * s->a[1][0];
        check_close(s->eig[0] * s->eig[1], det, 1e-9, 0.0, "λ1·λ2 = det A");
        check_close(s->eig[0] + s->eig[1], s->a[0][0] + s->a[1][1], 1e-12, 0.0, "λ1 + λ2 = trace A");
    }
}

Test(surface, standardizing_turns_the_canyon_into_a_round_bowl)
{
    cr_assert(bowl.condition >= 1.0 && bowl.condition < 1.5, "standardized condition number %g", bowl.condition);
    cr_assert(raw.condition > 1e8, "raw condition number %g should be huge", raw.condition);
    check_close(raw.condition, raw.eig[1] / raw.eig[0], 1e-12, 0.0, "condition = λmax/λmin");
}

Test(surface, gradient_descent_just_below_the_limit_converges_and_just_above_diverges)
{
    double w0[2] = { 0, 0 };
    double limit = surface_max_stable_lr(&bowl, 0.0);
    check_close(limit, 2.0 / bowl.eig[1], 1e-15, 0.0, "2/λmax");
    SurfaceRun ok = surface_run(&bowl, w0, 0.98 * limit, 0.0, 1e-6, 100000, NULL, 0);
    cr_assert_eq(ok.outcome, SURFACE_CONVERGED, "lr 0.98·limit: outcome %d after %ld steps", ok.outcome, ok.steps);
    cr_assert(ok.excess <= 1e-6 * ok.excess0);
    SurfaceRun bad = surface_run(&bowl, w0, 1.02 * limit, 0.0, 1e-6, 100000, NULL, 0);
    cr_assert_eq(bad.outcome, SURFACE_DIVERGED, "lr 1.02·limit: outcome %d after %ld steps", bad.outcome, bad.steps);
    cr_assert(isfinite(bad.w[0]) && isfinite(bad.w[1]) && !isnan(bad.excess), "diverged run left w = (%g, %g)",
              bad.w[0], bad.w[1]);
    cr_assert(bad.excess > ok.excess0, "a diverged run should end farther off than it began");
}

Test(surface, momentum_raises_the_stable_learning_rate_as_promised)
{
    double w0[2] = { -1, 2 };
    double mu = 0.5, limit = surface_max_stable_lr(&bowl, mu);
    check_close(limit, 3.0 / bowl.eig[1], 1e-15, 0.0, "2(1+μ)/λmax");
    SurfaceRun ok = surface_run(&bowl, w0, 0.98 * limit, mu, 1e-6, 100000, NULL, 0);
    cr_assert_eq(ok.outcome, SURFACE_CONVERGED, "momentum, lr 0.98·limit: outcome %d", ok.outcome);
    SurfaceRun bad = surface_run(&bowl, w0, 1.02 * limit, mu, 1e-6, 100000, NULL, 0);
    cr_assert_eq(bad.outcome, SURFACE_DIVERGED, "momentum, lr 1.02·limit: outcome %d", bad.outcome);
}

Test(surface, the_bowl_takes_few_steps_and_the_canyon_is_still_crawling_after_ten_thousand)
{
    double w0[2] = { 0, 0 };
    double lr_bowl = 0.5 * surface_max_stable_lr(&bowl, 0.0);
    SurfaceRun fast = surface_run(&bowl, w0, lr_bowl, 0.0, 1e-6, 10000, NULL, 0);
    cr_assert_eq(fast.outcome, SURFACE_CONVERGED);
    cr_assert(fast.steps > 0 && fast.steps < 100, "the bowl took %ld steps", fast.steps);
    double predicted = surface_predicted_steps(&bowl, lr_bowl, 1e-6);
    cr_assert(fast.steps <= predicted, "took %ld steps, the worst-case bound says %g", fast.steps, predicted);

    double lr_raw = 0.5 * surface_max_stable_lr(&raw, 0.0);
    SurfaceRun slow = surface_run(&raw, w0, lr_raw, 0.0, 1e-6, 10000, NULL, 0);
    cr_assert_eq(slow.outcome, SURFACE_STEP_CAP, "the canyon outcome %d after %ld steps", slow.outcome, slow.steps);
    cr_assert_eq(slow.steps, 10000);
    cr_assert(slow.excess > 0.01 * slow.excess0, "after 10000 steps the canyon is at %g of its start",
              slow.excess / slow.excess0);
    /* Along the flat direction each step removes about lr·λmin = λmin/λmax of the distance. */
    double need = surface_predicted_steps(&raw, lr_raw, 1e-6);
    cr_assert(need > 1e7, "predicted steps for the canyon: %g", need);
    check_close(need, ceil(log(1e-6) / (2 * log1p(-lr_raw * raw.eig[0]))), 1e-9, 0.0, "predicted canyon steps");
}

Test(surface, a_wild_learning_rate_is_flagged_without_nan)
{
    double w[2] = { 1, 1 }, v[2] = { 0, 0 };
    SurfaceRun run = surface_run(&raw, w, 1e300, 0.9, 1e-6, 1000, NULL, 0);
    cr_assert_eq(run.outcome, SURFACE_DIVERGED);
    cr_assert(isfinite(run.w[0]) && isfinite(run.w[1]));
    /* A single step that would overflow refuses and leaves w and v as they were. */
    double big[2] = { 1e300, -1e300 };
    cr_assert_not(surface_step(&raw, big, v, 1e300, 0.0));
    cr_assert_eq(big[0], 1e300);
    cr_assert_eq(big[1], -1e300);
    double huge[2] = { 1e200, 1e200 };
    cr_assert(isinf(surface_loss(&raw, huge)), "overflow reads as +inf, not NaN");
    double nan_w[2] = { NAN, 0 };
    cr_assert(isinf(surface_excess(&raw, nan_w)));
}

Test(surface, the_path_records_the_start_and_every_step_up_to_its_capacity)
{
    double w0[2] = { 0, 0 }, path[2 * 5];
    SurfaceRun run = surface_run(&bowl, w0, 0.5 * surface_max_stable_lr(&bowl, 0), 0, 1e-12, 20, path, 5);
    cr_assert_eq(run.path_len, 5);
    cr_assert_eq(path[0], 0.0);
    cr_assert_eq(path[1], 0.0);
    double w[2] = { 0, 0 };
    for (int k = 1; k < 5; k++) {
        surface_step(&bowl, w, NULL, 0.5 * surface_max_stable_lr(&bowl, 0), 0);
        cr_assert_eq(path[k * 2], w[0], "path point %d", k);
        cr_assert_eq(path[k * 2 + 1], w[1], "path point %d", k);
    }
    SurfaceRun none = surface_run(&bowl, bowl.w_min, 0.1, 0, 1e-6, 20, NULL, 0);
    cr_assert_eq(none.outcome, SURFACE_CONVERGED);
    cr_assert_eq(none.steps, 0);
}

Test(surface, the_grid_samples_the_loss_on_the_promised_points)
{
    double w0[2] = { bowl.w_min[0] - 2, bowl.w_min[1] + 1 };
    double lo[2], hi[2];
    surface_window(&bowl, w0, 0.25, lo, hi);
    check_close(hi[0] - lo[0], 5.0, 1e-12, 0.0, "window width: 2·2·1.25");
    check_close(hi[1] - lo[1], 5.0, 1e-12, 0.0, "window height equals the width");
    cr_assert(lo[0] <= w0[0] && w0[0] <= hi[0] && lo[1] <= w0[1] && w0[1] <= hi[1], "w0 inside the window");
    enum { NX = 5, NY = 3 };
    double z[NX * NY], e[NX * NY];
    surface_grid(z, &bowl, lo, hi, NX, NY, false);
    surface_grid(e, &bowl, lo, hi, NX, NY, true);
    for (int j = 0; j < NY; j++)
        for (int i = 0; i < NX; i++) {
            double w[2] = { lo[0] + (hi[0] - lo[0]) * i / (NX - 1), lo[1] + (hi[1] - lo[1]) * j / (NY - 1) };
            check_close(z[j * NX + i], surface_loss(&bowl, w), 1e-12, 0.0, "loss at grid (%d, %d)", i, j);
            check_close(e[j * NX + i], surface_excess(&bowl, w), 1e-12, 0.0, "excess at grid (%d, %d)", i, j);
        }
    /* The centre of an odd grid on a window centred at w* is the minimum itself. */
    check_close(z[1 * NX + 2], bowl.loss_min, 1e-12, 0.0, "centre of the grid");
    cr_assert_eq(e[1 * NX + 2], 0.0);
}

Test(surface, degenerate_data_is_refused_with_a_message)
{
    Surface s;
    BnError err = { 0 };
    const double x_line[] = { 1, 2, 2, 4, 3, 6, 4, 8 };   /* x2 = 2·x1: collinear */
    const double y[] = { 1, 2, 3, 4 };
    cr_assert_not(surface_fit(&s, x_line, y, 4, false, &err));
    cr_assert_not_null(strstr(err.message, "collinear"), "message: %s", err.message);
    error_clear(&err);
    const double x_const[] = { 1, 5, 2, 5, 3, 5, 4, 5 };
    cr_assert_not(surface_fit(&s, x_const, y, 4, true, &err));
    cr_assert_not_null(strstr(err.message, "constant"), "message: %s", err.message);
    error_clear(&err);
    cr_assert_not(surface_fit(&s, x_line, y, 1, false, &err));
    cr_assert(err.set);
    error_clear(&err);
    const double x_nan[] = { 1, 2, NAN, 4, 3, 1, 4, 8 };
    cr_assert_not(surface_fit(&s, x_nan, y, 4, false, &err));
    cr_assert_not_null(strstr(err.message, "finite"), "message: %s", err.message);
    error_clear(&err);
    cr_assert_not(surface_from_dataset(&s, &(Dataset){ .name = "wide", .n = 4, .dim = 3 }, false, &err));
    cr_assert_str_eq(err.where, "wide");
}

Test(surface, an_intermediate_scale_gives_an_intermediate_condition)
{
    /* Distance in units of 10,000: a narrow ellipse, not a hopeless canyon. */
    Surface s;
    BnError err = { 0 };
    const double scale[2] = { 1, 1e4 };
    cr_assert(surface_fit_scaled(&s, dataset_values(train_set), train_set->y, train_set->n, scale, &err), "%s", err.message);
    cr_assert(s.condition > bowl.condition && s.condition < raw.condition, "condition %g", s.condition);
    /* The excess loss is the same function of the model, whatever the units of w. */
    double w_raw[2] = { 1.5, -2e-5 }, w_s[2] = { 1.5, -2e-5 * 1e4 };
    check_close(surface_loss(&s, w_s), surface_loss(&raw, w_raw), 1e-9, 0.0, "loss in km vs in m");
}
