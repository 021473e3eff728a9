/* Back-propagation through BN: dx, dγ and dβ of a small batch, beside a central-difference check (scene layer). */
#include "scene/scenes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/batchnorm.h"
#include "scene/bnlabels.h"
#include "util/alloc.h"
#include "util/pcg32.h"
#include "view/table.h"

enum { STREAM_DATA = 61, ROWS_SHOWN_MAX = 16, COLS_MAX = 64 };

/* The step of the central differences, relative to the scale a parameter varies on (a feature's
 * spread for x, the parameter itself for γ and β). The fourth-order stencil's truncation error grows
 * like h⁴ (about 1e-12 here) and rounding like 1e-16/h (1e-13), so the check reaches ~1e-10 even
 * for small gradients; the plain two-point version stalls near 1e-8 for those. */
static const double FD_STEP = 1e-3;

typedef struct Backprop {
    int n, c;
    double eps;
    Pcg32 rng;
    double *x, *t;              /* (n, c) inputs and the random targets */
    double *y, *xhat, *dy;      /* (n, c) */
    double *dx, *num_dx;        /* (n, c) analytic and numerical */
    double *mean, *var, *rstd;  /* (c) */
    double *gamma, *beta;       /* (c) */
    double *dgamma, *dbeta, *num_dgamma, *num_dbeta;  /* (c) */
    double *scratch_y, *scratch_xhat;                 /* (n, c) for the perturbed passes */
    double *scratch_stats;                            /* (3c) */
    double max_error;
    bool ok;
    char error[ERROR_MESSAGE_MAX];
    bool check;
    int feature, sample;
} Backprop;

static double list_item(const LessonPage *page, const char *name, int i, double fallback)
{
    const double *items = NULL;
    int count = lesson_page_list(page, name, &items);
    if (count <= 0 || !items)
        return fallback;
    return items[i < count ? i : count - 1];
}

/* L = ½·Σ(y − t)² over the whole batch, after a training-mode forward pass of x with γ, β. */
static double backprop_loss(Backprop *s, const double *x, const double *gamma, const double *beta)
{
    double *m = s->scratch_stats, *v = m + s->c, *r = v + s->c;
    if (!batchnorm_forward_train(s->scratch_y, s->scratch_xhat, m, v, r, x, gamma, beta, s->eps, s->n, s->c, NULL))
        return NAN;
    double loss = 0.0;
    for (int i = 0; i < s->n * s->c; i++) {
        double d = s->scratch_y[i] - s->t[i];
        loss += 0.5 * d * d;
    }
    return loss;
}

/* Central difference of the loss in one parameter p (perturbed in place and restored), the
 * fourth-order form: (−L(p+2h) + 8·L(p+h) − 8·L(p−h) + L(p−2h)) / 12h. */
static double central_difference(Backprop *s, double *p, double scale, double *x, double *gamma, double *beta)
{
    double keep = *p, at[4], h = FD_STEP * scale;
    static const double offsets[4] = { 2.0, 1.0, -1.0, -2.0 };
    for (int k = 0; k < 4; k++) {
        *p = keep + offsets[k] * h;
        at[k] = backprop_loss(s, x, gamma, beta);
    }
    *p = keep;
    return (-at[0] + 8.0 * at[1] - 8.0 * at[2] + at[3]) / (12.0 * h);
}

/* |a − b| relative to the larger of the two; gradients below 1e-6 are compared against 1e-6, since a
 * gradient that is zero in exact arithmetic (dx for a batch of two is one) has no relative error. */
static double relative_error(double a, double b)
{
    double scale = fmax(fmax(fabs(a), fabs(b)), 1e-6);
    return fabs(a - b) / scale;
}

static void backprop_compute(Backprop *s)
{
    int n = s->n, c = s->c;
    BnError err = {0};
    s->ok = batchnorm_forward_train(s->y, s->xhat, s->mean, s->var, s->rstd, s->x, s->gamma, s->beta, s->eps, n, c,
                                    &err);
    if (!s->ok) {
        snprintf(s->error, sizeof s->error, "%s", err.message);
        return;
    }
    for (int i = 0; i < n * c; i++)
        s->dy[i] = s->y[i] - s->t[i];   /* dL/dy of L = ½Σ(y − t)² */
    memset(s->dgamma, 0, sizeof *s->dgamma * (size_t)c);
    memset(s->dbeta, 0, sizeof *s->dbeta * (size_t)c);
    batchnorm_backward(s->dx, s->dgamma, s->dbeta, s->dy, s->xhat, s->rstd, s->gamma, n, c);

    s->max_error = 0.0;
    for (int i = 0; i < n * c; i++) {
        s->num_dx[i] = central_difference(s, &s->x[i], 1.0 / s->rstd[i % c], s->x, s->gamma, s->beta);
        s->max_error = fmax(s->max_error, relative_error(s->dx[i], s->num_dx[i]));
    }
    for (int j = 0; j < c; j++) {
        s->num_dgamma[j] = central_difference(s, &s->gamma[j], fmax(1.0, fabs(s->gamma[j])), s->x, s->gamma, s->beta);
        s->num_dbeta[j] = central_difference(s, &s->beta[j], fmax(1.0, fabs(s->beta[j])), s->x, s->gamma, s->beta);
        s->max_error = fmax(s->max_error, relative_error(s->dgamma[j], s->num_dgamma[j]));
        s->max_error = fmax(s->max_error, relative_error(s->dbeta[j], s->num_dbeta[j]));
    }
}

/* A fresh batch: each feature its own center and spread, targets standard normal. */
static void backprop_new_batch(Backprop *s)
{
    for (int j = 0; j < s->c; j++) {
        double center = -2.0 + 4.0 * pcg32_uniform(&s->rng);
        double spread = 0.5 + 1.5 * pcg32_uniform(&s->rng);
        for (int i = 0; i < s->n; i++)
            s->x[i * s->c + j] = center + spread * pcg32_normal(&s->rng);
    }
    for (int i = 0; i < s->n * s->c; i++)
        s->t[i] = pcg32_normal(&s->rng);
    backprop_compute(s);
}

static void backprop_destroy(void *self)
{
    Backprop *s = self;
    if (!s)
        return;
    free(s->x);
    free(s->mean);
    free(s);
}

static void *backprop_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    (void)err;
    Backprop *s = xcalloc(1, sizeof *s);
    s->n = (int)lesson_page_int(page, "batch");
    s->c = (int)lesson_page_int(page, "features");
    if (s->n < 1)
        s->n = 4;
    if (s->c < 1)
        s->c = 3;
    s->eps = lesson_page_setting(page, "eps") ? lesson_page_real(page, "eps") : 1e-5;
    s->check = lesson_page_setting(page, "check") ? lesson_page_bool(page, "check") : true;
    size_t nc = (size_t)s->n * (size_t)s->c, c = (size_t)s->c;
    s->x = xcalloc(9 * nc, sizeof *s->x);
    s->t = s->x + nc;
    s->y = s->t + nc;
    s->xhat = s->y + nc;
    s->dy = s->xhat + nc;
    s->dx = s->dy + nc;
    s->num_dx = s->dx + nc;
    s->scratch_y = s->num_dx + nc;
    s->scratch_xhat = s->scratch_y + nc;
    s->mean = xcalloc(12 * c, sizeof *s->mean);
    s->var = s->mean + c;
    s->rstd = s->var + c;
    s->gamma = s->rstd + c;
    s->beta = s->gamma + c;
    s->dgamma = s->beta + c;
    s->dbeta = s->dgamma + c;
    s->num_dgamma = s->dbeta + c;
    s->num_dbeta = s->num_dgamma + c;
    s->scratch_stats = s->num_dbeta + c;
    for (int j = 0; j < s->c; j++) {
        s->gamma[j] = list_item(page, "gamma", j, 1.0);
        s->beta[j] = list_item(page, "beta", j, 0.0);
    }
    pcg32_seed(&s->rng, seed, STREAM_DATA);
    backprop_new_batch(s);
    return s;
}

static bool backprop_key(void *self, int key)
{
    Backprop *s = self;
    switch (key) {
    case 'b': backprop_new_batch(s); return true;
    case 'f': s->feature = (s->feature + 1) % s->c; return true;
    case 'x': s->sample = (s->sample + 1) % s->n; return true;
    case 'c': s->check = !s->check; return true;
    default: return false;
    }
}

static int backprop_keys(const void *self, SceneKey *out)
{
    (void)self;
    static const SceneKey keys[] = {
        { "b", "new batch" }, { "f", "next feature" }, { "x", "next sample" }, { "c", "check on/off" },
    };
    memcpy(out, keys, sizeof keys);
    return (int)(sizeof keys / sizeof keys[0]);
}

static bool backprop_live(const void *self, const char *name, const int *index, double *out)
{
    const Backprop *s = self;
    if (!s->ok)
        return false;
    int a = index ? index[0] : 0, b = index ? index[1] : 0;
    bool one = index && a >= 0 && a < s->c;
    bool two = index && a >= 0 && a < s->n && b >= 0 && b < s->c;
    if (strcmp(name, "dx") == 0 && two)
        *out = s->dx[a * s->c + b];
    else if (strcmp(name, "dgamma") == 0 && one)
        *out = s->dgamma[a];
    else if (strcmp(name, "dbeta") == 0 && one)
        *out = s->dbeta[a];
    else if (strcmp(name, "max_error") == 0)
        *out = s->max_error;
    else if (strcmp(name, "x") == 0 && two)
        *out = s->x[a * s->c + b];
    else if (strcmp(name, "dy") == 0 && two)
        *out = s->dy[a * s->c + b];
    else
        return false;
    return true;
}

/* ---- drawing ------------------------------------------------------------------------------- */

typedef struct Names {
    char rows[ROWS_SHOWN_MAX + 2][16];
    const char *row_ptr[ROWS_SHOWN_MAX + 2];
    char cols[COLS_MAX][24];
    const char *col_ptr[COLS_MAX];
} Names;

/* A table of a per-sample matrix (rows #1..) with, when given, the per-feature rows dγ and dβ under it. */
static void draw_grad_table(const Backprop *s, Canvas *cv, Rect r, Names *nm, const char *corner,
                            const double *m, const double *dg, const double *db)
{
    const BnSymbols *sym = bnlabels_symbols(cv->unicode);
    int c = s->c < COLS_MAX ? s->c : COLS_MAX;
    int shown = s->n < ROWS_SHOWN_MAX ? s->n : ROWS_SHOWN_MAX;
    double vals[(ROWS_SHOWN_MAX + 2) * COLS_MAX];
    int rows = 0;
    for (int i = 0; i < shown; i++, rows++) {
        snprintf(nm->rows[rows], sizeof nm->rows[rows], "#%d", i + 1);
        for (int j = 0; j < c; j++)
            vals[rows * c + j] = m[i * s->c + j];
    }
    if (dg && db) {
        snprintf(nm->rows[rows], sizeof nm->rows[rows], "%s", sym->dgamma);
        for (int j = 0; j < c; j++)
            vals[rows * c + j] = dg[j];
        rows++;
        snprintf(nm->rows[rows], sizeof nm->rows[rows], "%s", sym->dbeta);
        for (int j = 0; j < c; j++)
            vals[rows * c + j] = db[j];
        rows++;
    }
    for (int i = 0; i < rows; i++)
        nm->row_ptr[i] = nm->rows[i];
    TableSpec t = {
        .values = vals, .rows = rows, .cols = c, .row_names = nm->row_ptr, .col_names = nm->col_ptr,
        .corner = corner, .sig = 4, .hl_row = s->sample, .hl_col = s->feature,
    };
    table_draw(cv, r, &t, NULL);
}

static void backprop_draw(void *self, Canvas *cv, Rect a)
{
    Backprop *s = self;
    if (a.w < 40 || a.h < 6) {
        bnlabels_too_small(cv, a);
        return;
    }
    const BnSymbols *y = bnlabels_symbols(cv->unicode);
    BnNumbers nb;
    bnlabels_numbers_init(&nb, cv->unicode, 4);
    char line[320];
    canvas_text(cv, a.x, a.y,
                cv->unicode ? "dy = y − t: the gradient of the loss L = ½Σ(y − t)² against random targets t"
                            : "dy = y - t: the gradient of the loss L = 0.5*sum((y - t)^2), random targets t",
                ROLE_TEXT_DIM, 0, a.w);
    if (!s->ok) {
        canvas_text(cv, a.x, a.y + 2, "no gradients: the forward pass refused this batch", ROLE_WARNING, ATTR_BOLD,
                    a.w);
        canvas_text(cv, a.x, a.y + 3, s->error, ROLE_WARNING, 0, a.w);
        return;
    }
    Names names;
    int cc = s->c < COLS_MAX ? s->c : COLS_MAX;
    for (int j = 0; j < cc; j++) {
        snprintf(names.cols[j], sizeof names.cols[j], "feat %d", j + 1);
        names.col_ptr[j] = names.cols[j];
    }
    int shown = s->n < ROWS_SHOWN_MAX ? s->n : ROWS_SHOWN_MAX;
    int grad_h = 1 + shown + 2;
    int in_h = 1 + shown;
    int formula_h = 4;
    int y0 = a.y + 1;
    int tw = 7 + cc * 9;
    int half = (a.w - 3) / 2;
    if (tw > half)
        tw = half;
    bool inputs = a.h >= 1 + in_h + 1 + grad_h + 1 + formula_h;
    if (inputs) {
        Rect r1 = rect_make(a.x, y0, tw, in_h), r2 = rect_make(a.x + tw + 3, y0, tw, in_h);
        draw_grad_table(s, cv, r1, &names, "x", s->x, NULL, NULL);
        char corner[32];
        snprintf(corner, sizeof corner, "dy");
        draw_grad_table(s, cv, r2, &names, corner, s->dy, NULL, NULL);
        if (a.w >= 3 * (tw + 3)) {
            Rect r3 = rect_make(a.x + 2 * (tw + 3), y0, tw, in_h);
            draw_grad_table(s, cv, r3, &names, "xhat", s->xhat, NULL, NULL);
        }
        y0 += in_h + 1;
    }
    int avail = a.y + a.h - formula_h - y0;
    if (avail > grad_h)
        avail = grad_h;
    Rect g1 = rect_make(a.x, y0, tw, avail);
    draw_grad_table(s, cv, g1, &names, "dx", s->dx, s->dgamma, s->dbeta);
    if (s->check) {
        Rect g2 = rect_make(a.x + tw + 3, y0, tw, avail);
        draw_grad_table(s, cv, g2, &names, "numeric", s->num_dx, s->num_dgamma, s->num_dbeta);
    }

    int fy = a.y + a.h - formula_h;
    if (fy > y0 + avail + 1)
        fy = y0 + avail + 1;     /* a blank row between the tables and the formulas */
    int i = s->sample, j = s->feature, n = s->n, c = s->c;
    double sum_dy = 0, sum_dyx = 0;
    for (int k = 0; k < n; k++) {
        sum_dy += s->dy[k * c + j];
        sum_dyx += s->dy[k * c + j] * s->xhat[k * c + j];
    }
    if (cv->unicode) {
        canvas_text(cv, a.x, fy, "dβ = Σ dy    dγ = Σ dy·xhat    (each sum runs over the batch, per feature)", ROLE_TEXT_DIM,
                    0, a.w);
        canvas_text(cv, a.x, fy + 1, "dx = γ·(N·dy − Σ dy − xhat·Σ dy·xhat) / (N·√(σ² + ε))", ROLE_TEXT_DIM, 0, a.w);
    } else {
        canvas_text(cv, a.x, fy, "dbeta = sum(dy)   dgamma = sum(dy*xhat)   (sums over the batch, per feature)",
                    ROLE_TEXT_DIM, 0, a.w);
        canvas_text(cv, a.x, fy + 1, "dx = gamma*(N*dy - sum(dy) - xhat*sum(dy*xhat)) / (N*sqrt(var + eps))",
                    ROLE_TEXT_DIM, 0, a.w);
    }
    snprintf(line, sizeof line, "#%d, feat %d: dx = %s%s(%d%s%s %s %s %s %s%s%s) / (%d%s%s) = %s", i + 1, j + 1,
             bnlabels_num(&nb, s->gamma[j]), y->dot, n, y->dot, bnlabels_term(&nb, s->dy[i * c + j]), y->minus,
             bnlabels_term(&nb, sum_dy), y->minus, bnlabels_term(&nb, s->xhat[i * c + j]), y->dot,
             bnlabels_term(&nb, sum_dyx), n, y->dot, bnlabels_num(&nb, 1.0 / s->rstd[j]),
             bnlabels_num(&nb, s->dx[i * c + j]));
    if (fy + 2 < a.y + a.h)
        canvas_text(cv, a.x, fy + 2, line, ROLE_HIGHLIGHT, 0, a.w);
    if (fy + 3 < a.y + a.h) {
        if (s->check) {
            char err[FORMAT_MAX];
            format_number(err, sizeof err, s->max_error, 2, cv->unicode);
            snprintf(line, sizeof line, "max relative error %s (analytic vs central differences, %d values)",
                     err, n * c + 2 * c);
            canvas_text(cv, a.x, fy + 3, line, s->max_error < 1e-6 ? ROLE_GOOD : ROLE_WARNING, ATTR_BOLD, a.w);
        } else {
            canvas_text(cv, a.x, fy + 3, "numerical check off (press c to show it)", ROLE_TEXT_DIM, 0, a.w);
        }
    }
}

const SceneClass scene_backprop = {
    .name = "backprop",
    .headline = "max_error",
    .headline_label = "gradient check: max relative error",
    .create = backprop_create,
    .destroy = backprop_destroy,
    .draw = backprop_draw,
    .key = backprop_key,
    .keys = backprop_keys,
    .live = backprop_live,
};
