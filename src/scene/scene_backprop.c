/* Back-propagation through BN: dx, dγ and dβ of a small batch, beside a central-difference check (scene layer). */
#include "scene/scene.h"
#include "scene/settings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/batchnorm.h"
#include "scene/bnlabels.h"
#include "util/alloc.h"
#include "util/pcg32.h"
#include "view/fitline.h"
#include "view/plot.h"
#include "view/table.h"
#include "view/text.h"

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
    double *scratch_col;                              /* (n) one feature's column of x */
    double *scratch_stats;                            /* (3c) */
    double max_error;
    bool ok;
    char error[ERROR_MESSAGE_MAX];
    bool check;
    bool inputs;                /* 'v': the right-hand table shows the watched feature's inputs */
    int feature, sample;
    /* For the large-screen panels, filled with the gradients (never in draw). */
    double *col_sum;            /* (c) Σ over the batch of dx, per feature: 0 up to rounding */
    double *sum_dy, *sum_dyx;   /* (c) Σ dy and Σ dy·xhat over the batch, in sample order: dβ and dγ */
    double diag_hi;             /* the scatter's range is −diag_hi..diag_hi on both axes */
} Backprop;

/* The part of L = ½·Σ(y − t)² that feature j contributes, after a training-mode forward pass of its
 * column. BN normalizes each feature on its own, so x[·][j], γj and βj move only this part: its
 * derivatives are L's, at O(n) a pass instead of O(n·c) (a 4096×64 batch took minutes to check). */
static double backprop_loss(Backprop *s, int j)
{
    int n = s->n, c = s->c;
    double *m = s->scratch_stats, *v = m + 1, *r = v + 1;
    for (int i = 0; i < n; i++)
        s->scratch_col[i] = s->x[i * c + j];
    if (!batchnorm_forward_train(s->scratch_y, s->scratch_xhat, m, v, r, s->scratch_col, &s->gamma[j], &s->beta[j],
                                 s->eps, n, 1, NULL))
        return NAN;
    double loss = 0.0;
    for (int i = 0; i < n; i++) {
        double d = s->scratch_y[i] - s->t[i * c + j];
        loss += 0.5 * d * d;
    }
    return loss;
}

/* Central difference of the loss in one parameter p of feature j (perturbed in place and restored),
 * the fourth-order form: (−L(p+2h) + 8·L(p+h) − 8·L(p−h) + L(p−2h)) / 12h. */
static double central_difference(Backprop *s, double *p, double scale, int j)
{
    double keep = *p, at[4], h = FD_STEP * scale;
    static const double offsets[4] = { 2.0, 1.0, -1.0, -2.0 };
    for (int k = 0; k < 4; k++) {
        *p = keep + offsets[k] * h;
        at[k] = backprop_loss(s, j);
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

/* Samples whose dx the numerical check covers: the ones the tables show. Each value costs four
 * forward passes, so checking every row of a large batch would stall the tutor. */
static int checked_rows(const Backprop *s) { return s->n < ROWS_SHOWN_MAX ? s->n : ROWS_SHOWN_MAX; }

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
    int checked = checked_rows(s) * c;
    for (int i = 0; i < checked; i++) {
        s->num_dx[i] = central_difference(s, &s->x[i], 1.0 / s->rstd[i % c], i % c);
        s->max_error = fmax(s->max_error, relative_error(s->dx[i], s->num_dx[i]));
    }
    for (int i = checked; i < n * c; i++)
        s->num_dx[i] = s->dx[i];    /* not checked and never shown; set so nothing reads a stale value */
    for (int j = 0; j < c; j++) {
        s->num_dgamma[j] = central_difference(s, &s->gamma[j], fmax(1.0, fabs(s->gamma[j])), j);
        s->num_dbeta[j] = central_difference(s, &s->beta[j], fmax(1.0, fabs(s->beta[j])), j);
        s->max_error = fmax(s->max_error, relative_error(s->dgamma[j], s->num_dgamma[j]));
        s->max_error = fmax(s->max_error, relative_error(s->dbeta[j], s->num_dbeta[j]));
    }
    /* The panels: column sums of dx (summed in sample order, as a reader would), and one range for
     * both axes of the check scatter so that agreement is the picture's diagonal. */
    double top = 0.0;
    for (int j = 0; j < c; j++) {
        s->col_sum[j] = s->sum_dy[j] = s->sum_dyx[j] = 0.0;
        for (int i = 0; i < n; i++) {
            s->col_sum[j] += s->dx[i * c + j];
            s->sum_dy[j] += s->dy[i * c + j];
            s->sum_dyx[j] += s->dy[i * c + j] * s->xhat[i * c + j];
        }
        top = fmax(top, fmax(fabs(s->dgamma[j]), fabs(s->dbeta[j])));
        top = fmax(top, fmax(fabs(s->num_dgamma[j]), fabs(s->num_dbeta[j])));
    }
    for (int i = 0; i < checked; i++)
        top = fmax(top, fmax(fabs(s->dx[i]), fabs(s->num_dx[i])));
    s->diag_hi = top > 0.0 ? ticks_nice_step(top / 4.0) * ceil(top / ticks_nice_step(top / 4.0)) : 1.0;
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
    free(s->col_sum);
    free(s);
}

static void *backprop_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    Backprop *s = xcalloc(1, sizeof *s);
    s->n = (int)lesson_page_int(page, "batch");
    s->c = (int)lesson_page_int(page, "features");
    s->eps = bnrule_of_page(page).eps;
    s->check = lesson_page_bool(page, "check");
    size_t nc = (size_t)s->n * (size_t)s->c, c = (size_t)s->c;
    s->x = xcalloc(9 * nc + (size_t)s->n, sizeof *s->x);
    s->t = s->x + nc;
    s->y = s->t + nc;
    s->xhat = s->y + nc;
    s->dy = s->xhat + nc;
    s->dx = s->dy + nc;
    s->num_dx = s->dx + nc;
    s->scratch_y = s->num_dx + nc;
    s->scratch_xhat = s->scratch_y + nc;
    s->scratch_col = s->scratch_xhat + nc;
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
    s->col_sum = xcalloc(3 * c, sizeof *s->col_sum);
    s->sum_dy = s->col_sum + c;
    s->sum_dyx = s->sum_dy + c;
    for (int j = 0; j < s->c; j++) {
        s->gamma[j] = setting_list_item(page, "gamma", j);
        s->beta[j] = setting_list_item(page, "beta", j);
    }
    pcg32_seed(&s->rng, seed, STREAM_DATA);
    backprop_new_batch(s);
    return s;
}

static bool backprop_key_batch(void *self, int key)
{
    backprop_new_batch(self);
    return true;
}

static bool backprop_key_feature(void *self, int key)
{
    Backprop *s = self;
    s->feature = (s->feature + 1) % s->c;
    return true;
}

static bool backprop_key_sample(void *self, int key)
{
    Backprop *s = self;
    s->sample = (s->sample + 1) % s->n;
    return true;
}

static bool backprop_key_check(void *self, int key)
{
    Backprop *s = self;
    s->check = !s->check;
    return true;
}

static bool backprop_key_inputs(void *self, int key)
{
    Backprop *s = self;
    s->inputs = !s->inputs;
    return true;
}

static const SceneKeyAction backprop_keys[] = {
    { "v", "inputs/check", backprop_key_inputs },
    { "b", "new batch", backprop_key_batch },
    { "f", "next feature", backprop_key_feature },
    { "x", "next sample", backprop_key_sample },
    { "c", "check on/off", backprop_key_check },
};

/* Element [r][c] of an (n, c) matrix, or [i] of a (c) vector, of a batch that computed. */
static bool backprop_matrix(const Backprop *s, const double *m, const int *index, double *out)
{
    if (!s->ok || index[0] < 0 || index[0] >= s->n || index[1] < 0 || index[1] >= s->c)
        return false;
    *out = m[index[0] * s->c + index[1]];
    return true;
}

static bool backprop_vector(const Backprop *s, const double *v, const int *index, double *out)
{
    if (!s->ok || index[0] < 0 || index[0] >= s->c)
        return false;
    *out = v[index[0]];
    return true;
}

static bool live_dx(const void *self, const int *index, double *out)
{
    return backprop_matrix(self, ((const Backprop *)self)->dx, index, out);
}

static bool live_x(const void *self, const int *index, double *out)
{
    return backprop_matrix(self, ((const Backprop *)self)->x, index, out);
}

static bool live_dy(const void *self, const int *index, double *out)
{
    return backprop_matrix(self, ((const Backprop *)self)->dy, index, out);
}

static bool live_dgamma(const void *self, const int *index, double *out)
{
    return backprop_vector(self, ((const Backprop *)self)->dgamma, index, out);
}

static bool live_dbeta(const void *self, const int *index, double *out)
{
    return backprop_vector(self, ((const Backprop *)self)->dbeta, index, out);
}

static bool live_max_error(const void *self, const int *index, double *out)
{
    const Backprop *s = self;
    *out = s->max_error;
    return s->ok;
}

static const CatalogLive backprop_lives[] = {
    { "dx", 2, "gradient of the loss with respect to x[r][c]", live_dx },
    { "dgamma", 1, "gradient with respect to gamma of feature i", live_dgamma },
    { "dbeta", 1, "gradient with respect to beta of feature i", live_dbeta },
    { "max_error", 0, "largest relative difference between analytic and numerical gradients", live_max_error },
    { "x", 2, "input x[r][c] of the batch", live_x },
    { "dy", 2, "upstream gradient dy[r][c] = y - t", live_dy },
};

/* The settings that bound their indices, so `bntutor check` can warn about one out of range. */
static const CatalogLiveExtent backprop_extents[] = {
    { "dx", { "batch", "features" } },
    { "dgamma", { "features" } },
    { "dbeta", { "features" } },
    { "x", { "batch", "features" } },
    { "dy", { "batch", "features" } },
};

static const CatalogSetting setting_check = {
    .name = "check", .type = SETTING_BOOL, .fallback = "yes",
    .help = "show the numerical (central difference) gradient check beside the analytic gradients" };

static const CatalogSceneSetting backprop_settings[] = {
    { &setting_seed, NULL }, { &setting_batch, "4" }, { &setting_features, NULL }, { &setting_gamma, NULL },
    { &setting_beta, NULL }, { &setting_eps, NULL }, { &setting_check, NULL },
};

/* ---- drawing ------------------------------------------------------------------------------- */

/* A table of a per-sample matrix (rows #1..) with, when given, the per-feature rows dγ and dβ under it. */
static void draw_grad_table(const Backprop *s, Canvas *cv, Rect r, const char *const *col_names,
                            const char *corner, const double *m, const double *dg, const double *db)
{
    const BnSymbols *sym = bnlabels_symbols(cv->unicode);
    int c = s->c < COLS_MAX ? s->c : COLS_MAX;
    int shown = s->n < ROWS_SHOWN_MAX ? s->n : ROWS_SHOWN_MAX;
    double vals[(ROWS_SHOWN_MAX + 2) * COLS_MAX];
    TableLabels row_names = TABLE_LABELS_INIT;
    int rows = 0;
    for (int i = 0; i < shown; i++, rows++) {
        for (int j = 0; j < c; j++)
            vals[rows * c + j] = m[i * s->c + j];
    }
    table_labels_number(&row_names, "#", 1, shown);
    if (dg && db) {
        table_labels_add(&row_names, "%s", sym->dgamma);
        for (int j = 0; j < c; j++)
            vals[rows * c + j] = dg[j];
        rows++;
        table_labels_add(&row_names, "%s", sym->dbeta);
        for (int j = 0; j < c; j++)
            vals[rows * c + j] = db[j];
        rows++;
    }
    TableSpec t = {
        .values = vals, .rows = rows, .cols = c, .row_names = table_labels_names(&row_names),
        .col_names = col_names, .corner = corner, .sig = 4, .hl_row = s->sample, .hl_col = s->feature,
    };
    table_draw(cv, r, &t, NULL);
    table_labels_free(&row_names);
}

/* ---- large screens: the check as a scatter, and dx per feature with its column sum ---------- */

/* Every gradient as a point (analytic across, numerical up) on equal axes: agreement is the diagonal.
 * No reference line: on a cell grid it would share cells with the points and hide their glyphs. */
static void draw_check_scatter(const Backprop *s, Canvas *cv, Rect r)
{
    const BnSymbols *sym = bnlabels_symbols(cv->unicode);
    /* Wordings from long to short, so a narrow panel gets a whole sentence rather than a cut one. */
    char title[96], title_short[96];
    if (checked_rows(s) < s->n) {
        snprintf(title, sizeof title, "Gradients of the first %d samples: analytic vs numerical", checked_rows(s));
        snprintf(title_short, sizeof title_short, "First %d samples: analytic vs numerical", checked_rows(s));
    } else {
        snprintf(title, sizeof title, "Every gradient as a point: analytic vs numerical");
        snprintf(title_short, sizeof title_short, "Each gradient: analytic vs numerical");
    }
    const char *titles[2] = { title, title_short };
    fitline_draw_first(cv, r.x, r.y, titles, 2, ROLE_TITLE, ATTR_BOLD, r.w);
    ScatterSet sets[3] = {
        { .x = s->dx, .y = s->num_dx, .n = checked_rows(s) * s->c, .name = "dx" },
        { .x = s->dgamma, .y = s->num_dgamma, .n = s->c, .name = sym->dgamma },
        { .x = s->dbeta, .y = s->num_dbeta, .n = s->c, .name = sym->dbeta },
    };
    ScatterSpec spec = {
        .sets = sets, .nsets = 3, .legend = true,
        .x = { .fixed = true, .lo = -s->diag_hi, .hi = s->diag_hi, .label = "analytic" },
        .y = { .fixed = true, .lo = -s->diag_hi, .hi = s->diag_hi, .label = "numerical" },
    };
    scatter_draw(cv, rect_make(r.x, r.y + 1, r.w, r.h - 2), &spec);
    static const char *const notes[3] = { "Equal axes: on the diagonal, both methods agree.",
                                           "On the diagonal, both methods agree.", "Diagonal: they agree." };
    fitline_draw_first(cv, r.x, r.y + r.h - 1, notes, 3, ROLE_TEXT_DIM, 0, r.w);
}

/* One feature's dx as signed bars from a shared zero line, and the column's sum under them. */
static void draw_dx_block(const Backprop *s, Canvas *cv, Rect r, int j, double scale)
{
    bool u = cv->unicode;
    int shown = s->n < ROWS_SHOWN_MAX ? s->n : ROWS_SHOWN_MAX;
    char buf[96], num[FORMAT_MAX];
    if (s->n > shown)
        snprintf(buf, sizeof buf, "dx of feat %d (first %d of %d samples)", j + 1, shown, s->n);
    else
        snprintf(buf, sizeof buf, "dx of feat %d", j + 1);
    canvas_text(cv, r.x, r.y, buf, j == s->feature ? ROLE_HIGHLIGHT : ROLE_TITLE, ATTR_BOLD, r.w);
    int lw = 4, vw = 10;
    int half = (r.w - lw - 1 - vw) / 2;
    if (half > 20)
        half = 20;      /* longer bars add nothing but distance to their numbers */
    int zero = r.x + lw + half;
    for (int i = 0; i < shown; i++) {
        int row = r.y + 1 + i;
        double v = s->dx[i * s->c + j];
        snprintf(buf, sizeof buf, "#%d", i + 1);
        bool hl = i == s->sample && j == s->feature;
        canvas_text(cv, r.x, row, buf, hl ? ROLE_HIGHLIGHT : ROLE_TEXT_DIM, 0, lw);
        canvas_put(cv, zero, row, u ? 0x2502 : '|', ROLE_AXIS, 0);
        /* Length in half cells (Unicode) or whole cells (ASCII), at least a sliver when not 0. */
        int units = u ? 2 : 1;
        int len = scale > 0 ? (int)lround(fabs(v) / scale * half * units) : 0;
        if (len == 0 && fabs(v) > 0 && fabs(v) >= 1e-3 * scale)
            len = 1;
        for (int k = 0; k < (len + units - 1) / units; k++) {
            bool partial = u && k == len / 2 && len % 2;
            uint32_t ch = !u ? '#' : !partial ? 0x2588 : v > 0 ? 0x258C : 0x2590;   /* █ ▌ ▐ */
            canvas_put(cv, v > 0 ? zero + 1 + k : zero - 1 - k, row, ch, ROLE_SERIES1, 0);
        }
        format_number(num, sizeof num, v, 4, u);
        canvas_text(cv, zero + half + 2, row, num, hl ? ROLE_HIGHLIGHT : ROLE_DEFAULT, 0, vw - 1);
    }
    format_number(num, sizeof num, s->col_sum[j], 4, u);
    snprintf(buf, sizeof buf, "%s dx = %s", bnlabels_symbols(u)->sum, num);
    canvas_text(cv, r.x, r.y + 1 + shown, buf, ROLE_GOOD, ATTR_BOLD, r.w);
}

static void draw_dx_columns(const Backprop *s, Canvas *cv, Rect r)
{
    static const char why[] =
        "**Each column of dx sums to 0.** Adding the same amount to every x of one feature moves its "
        "batch \\mu by that amount and leaves xhat, y and the loss as they were: the loss has no slope in "
        "that direction, so \\Sigma dx = 0. The tiny sums shown are rounding error.";
    int why_h = text_height(why, r.w, cv->unicode);
    int shown = s->n < ROWS_SHOWN_MAX ? s->n : ROWS_SHOWN_MAX;
    int bh = 1 + shown + 1, min_w = 28;
    int avail = r.h - why_h - 1;
    if (avail < bh || r.w < min_w)
        return;
    /* The fewest columns of blocks that fit every feature, for the longest bars. */
    int kmax = (r.w + 2) / (min_w + 2), k = 1;
    while (k < kmax && ((s->c + k - 1) / k) * (bh + 1) - 1 > avail)
        k++;
    int rows = (avail + 1) / (bh + 1), fit = rows * k < s->c ? rows * k : s->c;
    int bw = (r.w - 2 * (k - 1)) / k;
    double scale = 0.0;
    for (int i = 0; i < shown * s->c; i++)
        scale = fmax(scale, fabs(s->dx[i]));
    /* When not all fit, the page of features holding the highlighted one (f moves it). */
    int first = fit < s->c ? s->feature / fit * fit : 0, last = first + fit < s->c ? first + fit : s->c;
    for (int f = first; f < last; f++)
        draw_dx_block(s, cv, rect_make(r.x + ((f - first) % k) * (bw + 2), r.y + ((f - first) / k) * (bh + 1), bw, bh),
                      f, scale);
    int used = ((fit + k - 1) / k) * (bh + 1);
    if (fit < s->c) {
        char more[96];
        snprintf(more, sizeof more, "(features %d to %d of %d shown: f moves on)", first + 1, last, s->c);
        canvas_text(cv, r.x, r.y + used - 1, more, ROLE_TEXT_DIM, 0, r.w);
    }
    text_draw(cv, rect_make(r.x, r.y + used, r.w, r.h - used), why, ROLE_DEFAULT, 0);
}

/* Below the tables and formulas, when the area has room to spare (never at 80×22). */
static void draw_panels(const Backprop *s, Canvas *cv, Rect p)
{
    if (!s->check) {
        canvas_text(cv, p.x, p.y + p.h - 1, "(the check's scatter shows when the check is on: press c)",
                    ROLE_TEXT_DIM, 0, p.w);
        draw_dx_columns(s, cv, rect_make(p.x, p.y, p.w, p.h - 2));
    } else if (layout_fits(p, LAYOUT_W_SCATTER_BESIDE, 0)) {
        int sw = p.w * 2 / 5;
        int sh = sw / 2 + 3 < p.h ? sw / 2 + 3 : p.h;
        draw_check_scatter(s, cv, rect_make(p.x, p.y, sw, sh));
        draw_dx_columns(s, cv, rect_make(p.x + sw + 4, p.y, p.w - sw - 4, p.h));
    } else if (layout_fits(p, 0, LAYOUT_H_TALL)) {
        int sh = p.h / 2;
        draw_check_scatter(s, cv, rect_make(p.x, p.y, p.w, sh));
        draw_dx_columns(s, cv, rect_make(p.x, p.y + sh + 1, p.w, p.h - sh - 1));
    } else {
        draw_dx_columns(s, cv, p);
    }
}

/* v as format_number prints it with `sig` significant digits, read back. */
static double shown_value(double v, int sig)
{
    double a = fabs(v);
    if (!isfinite(v) || a == 0)
        return v;
    char buf[64];
    if (a < 1e-4 || a >= 1e6) {
        snprintf(buf, sizeof buf, "%.*e", sig - 1, v);
    } else {
        int decimals = sig - 1 - (int)floor(log10(a));
        snprintf(buf, sizeof buf, "%.*f", decimals < 0 ? 0 : decimals, v);
    }
    return strtod(buf, NULL);
}

/* Digits for the worked dx line: its terms nearly cancel (N·dy against Σdy and xhat·Σdy·xhat), so
 * four digits each can add up to a different dx. The fewest digits (4 to 9) with which the printed
 * terms, worked through, give the printed dx (4 digits), so a learner checking by hand gets it. */
static int worked_dx_digits(double gamma, int n, double dy, double sum_dy, double xhat, double sum_dyx, double sd,
                            double dx)
{
    double want = shown_value(dx, 4);
    for (int sig = 4; sig < 9; sig++) {
        double g = shown_value(gamma, sig), d = shown_value(dy, sig), s1 = shown_value(sum_dy, sig);
        double xh = shown_value(xhat, sig), s2 = shown_value(sum_dyx, sig), sdv = shown_value(sd, sig);
        double got = g * (n * d - s1 - xh * s2) / (n * sdv);
        if (shown_value(got, 4) == want)
            return sig;
    }
    return 9;
}

/* The gradient formulas from row fy: general, worked for the watched sample and feature, and the check. */
static void backprop_draw_formulas(const Backprop *s, Canvas *cv, Rect a, int fy)
{
    const BnSymbols *y = bnlabels_symbols(cv->unicode);
    BnNumbers nb;
    bnlabels_numbers_init(&nb, cv->unicode, 4);
    char line[320];
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
    double sd = 1.0 / s->rstd[j], dx = s->dx[i * c + j];
    BnNumbers terms;
    bnlabels_numbers_init(&terms, cv->unicode,
                          worked_dx_digits(s->gamma[j], n, s->dy[i * c + j], sum_dy, s->xhat[i * c + j], sum_dyx, sd, dx));
    char head[40], body[224], tail[48];
    snprintf(head, sizeof head, "#%d, feat %d: ", i + 1, j + 1);
    snprintf(body, sizeof body, "dx = %s%s(%d%s%s %s %s %s %s%s%s) / (%d%s%s)", bnlabels_num(&terms, s->gamma[j]),
             y->dot, n, y->dot, bnlabels_term(&terms, s->dy[i * c + j]), y->minus, bnlabels_term(&terms, sum_dy),
             y->minus, bnlabels_term(&terms, s->xhat[i * c + j]), y->dot, bnlabels_term(&terms, sum_dyx), n, y->dot,
             bnlabels_num(&terms, sd));
    snprintf(tail, sizeof tail, " = %s", bnlabels_num(&nb, dx));
    snprintf(line, sizeof line, "%s%s%s", head, body, tail);
    if (fitline_width(line, cv->unicode) <= a.w || fy + 2 >= a.y + a.h) {
        if (fy + 2 < a.y + a.h)
            fitline_draw(cv, a.x, fy + 2, line, ROLE_HIGHLIGHT, 0, a.w);
    } else {
        /* Too long for one row with the digits it needs: the worked line takes the general formula's
         * row too, rather than losing its result. */
        for (int k = fy + 1; k <= fy + 2; k++)
            for (int x = a.x; x < a.x + a.w; x++)
                canvas_put(cv, x, k, ' ', ROLE_DEFAULT, 0);
        snprintf(line, sizeof line, "%s%s", head, body);
        fitline_draw(cv, a.x, fy + 1, line, ROLE_HIGHLIGHT, 0, a.w);
        fitline_draw(cv, a.x + (int)strlen(head), fy + 2, tail + 1, ROLE_HIGHLIGHT, 0, a.w - (int)strlen(head));
    }
    if (fy + 3 < a.y + a.h) {
        if (s->check) {
            char err[FORMAT_MAX];
            format_number(err, sizeof err, s->max_error, 2, cv->unicode);
            snprintf(line, sizeof line, "max relative error %s (analytic vs central differences, %d values)",
                     err, checked_rows(s) * c + 2 * c);
            canvas_text(cv, a.x, fy + 3, line, s->max_error < 1e-6 ? ROLE_GOOD : ROLE_WARNING, ATTR_BOLD, a.w);
        } else {
            canvas_text(cv, a.x, fy + 3, "numerical check off (press c to show it)", ROLE_TEXT_DIM, 0, a.w);
        }
    }
}

/* The watched feature's inputs beside its gradients: x, xhat, dy and dy·xhat per sample, then the sums
 * that make dβ and dγ, so both can be checked by hand on a small screen. */
static void draw_feature_inputs(const Backprop *s, Canvas *cv, Rect r)
{
    const BnSymbols *sym = bnlabels_symbols(cv->unicode);
    int j = s->feature, c = s->c;
    int shown = s->n < ROWS_SHOWN_MAX ? s->n : ROWS_SHOWN_MAX;
    int rows = shown < r.h - 3 ? shown : r.h - 3;    /* the header and the two sums below */
    if (rows < 1)
        return;
    double vals[ROWS_SHOWN_MAX * 4];
    for (int i = 0; i < rows; i++) {
        vals[i * 4 + 0] = s->x[i * c + j];
        vals[i * 4 + 1] = s->xhat[i * c + j];
        vals[i * 4 + 2] = s->dy[i * c + j];
        vals[i * 4 + 3] = s->dy[i * c + j] * s->xhat[i * c + j];
    }
    const char *const cols[] = { "x", "xhat", "dy", cv->unicode ? "dy·xhat" : "dy*xhat" };
    char corner[24];
    snprintf(corner, sizeof corner, "feat %d", j + 1);
    TableLabels row_names = TABLE_LABELS_INIT;
    table_labels_number(&row_names, "#", 1, rows);
    TableSpec t = { .values = vals, .rows = rows, .cols = 4, .row_names = table_labels_names(&row_names),
                    .col_names = cols, .corner = corner, .sig = 4, .hl_row = s->sample, .hl_col = -1 };
    table_draw(cv, rect_make(r.x, r.y, r.w, rows + 1), &t, NULL);
    table_labels_free(&row_names);
    BnNumbers nb;
    bnlabels_numbers_init(&nb, cv->unicode, 4);
    char line[160];
    snprintf(line, sizeof line, "%s = %s = %s", cv->unicode ? "Σ dy" : "sum(dy)", bnlabels_num(&nb, s->sum_dy[j]),
             sym->dbeta);
    canvas_text(cv, r.x, r.y + rows + 1, line, ROLE_HIGHLIGHT, 0, r.w);
    snprintf(line, sizeof line, "%s = %s = %s", cv->unicode ? "Σ dy·xhat" : "sum(dy*xhat)",
             bnlabels_num(&nb, s->sum_dyx[j]), sym->dgamma);
    canvas_text(cv, r.x, r.y + rows + 2, line, ROLE_HIGHLIGHT, 0, r.w);
}

static void backprop_draw(const void *self, Canvas *cv, Rect a)
{
    const Backprop *s = self;
    canvas_text(cv, a.x, a.y,
                cv->unicode ? "dy = y − t: the gradient of the loss L = ½Σ(y − t)² against random targets t"
                            : "dy = y - t: the gradient of the loss L = 0.5*sum((y - t)^2), random targets t",
                ROLE_TEXT_DIM, 0, a.w);
    if (!s->ok) {
        canvas_text(cv, a.x, a.y + 2, "no gradients: the forward pass refused this batch", ROLE_WARNING, ATTR_BOLD,
                    a.w);
        /* Wrapped: the engine's reason is the lesson here (a batch of one has no spread). */
        text_draw(cv, rect_make(a.x, a.y + 3, a.w, a.h - 3), s->error, ROLE_WARNING, 0);
        return;
    }
    int cc = s->c < COLS_MAX ? s->c : COLS_MAX;
    TableLabels features = TABLE_LABELS_INIT;
    table_labels_number(&features, "feat ", 1, cc);
    const char *const *names = table_labels_names(&features);
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
        draw_grad_table(s, cv, r1, names, "x", s->x, NULL, NULL);
        char corner[32];
        snprintf(corner, sizeof corner, "dy");
        draw_grad_table(s, cv, r2, names, corner, s->dy, NULL, NULL);
        if (a.w >= 3 * (tw + 3)) {
            Rect r3 = rect_make(a.x + 2 * (tw + 3), y0, tw, in_h);
            draw_grad_table(s, cv, r3, names, "xhat", s->xhat, NULL, NULL);
        }
        y0 += in_h + 1;
    }
    int avail = a.y + a.h - formula_h - y0;
    if (avail > grad_h)
        avail = grad_h;
    Rect g1 = rect_make(a.x, y0, tw, avail);
    draw_grad_table(s, cv, g1, names, "dx", s->dx, s->dgamma, s->dbeta);
    if (s->inputs || !s->check) {
        int x = a.x + tw + 3;
        draw_feature_inputs(s, cv, rect_make(x, y0, a.x + a.w - x, avail));
    } else {
        Rect g2 = rect_make(a.x + tw + 3, y0, tw, avail);
        draw_grad_table(s, cv, g2, names, "numeric", s->num_dx, s->num_dgamma, s->num_dbeta);
    }
    table_labels_free(&features);

    int fy = a.y + a.h - formula_h;
    if (fy > y0 + avail + 1)
        fy = y0 + avail + 1;     /* a blank row between the tables and the formulas */
    backprop_draw_formulas(s, cv, a, fy);
    Rect panels = rect_make(a.x, fy + 5, a.w, a.y + a.h - (fy + 5));
    if (panels.h >= LAYOUT_H_PANEL_BELOW && a.w >= LAYOUT_W_FULL)

        draw_panels(s, cv, panels);
}

const SceneClass scene_backprop = {
    .schema = SCENE_SCHEMA_BOUNDED("backprop", "gradients through BN for x, gamma and beta, checked numerically",
                                   backprop_settings, backprop_lives, backprop_extents),
    .headline = "max_error",
    .headline_label = "gradient check: max relative error",
    .create = backprop_create,
    .destroy = backprop_destroy,
    .draw = backprop_draw,
    .keys = backprop_keys,
    .key_count = SCENE_COUNT(backprop_keys),
};
