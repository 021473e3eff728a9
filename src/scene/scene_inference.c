/* Train mode vs inference: batch vs running statistics, the batch-of-one pitfall, BN folded into the linear layer (scene layer). */
#include "scene/scenes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/batchnorm.h"
#include "engine/linear.h"
#include "scene/bnlabels.h"
#include "scene/bnsource.h"
#include "util/alloc.h"
#include "util/pcg32.h"
#include "view/table.h"
#include "view/text.h"

enum { STREAM_AFFINE = 71, COLS_MAX = 64, WEIGHTS_SHOWN_MAX = 8 };
enum { MODE_TRAIN, MODE_EVAL, MODE_BOTH };

typedef struct Inference {
    BnSource source;
    int n, c, dim;
    BnConvention convention;
    double alpha, momentum, eps;
    double *gamma, *beta;           /* (c) fixed values standing in for learned ones */
    double *run_mean, *run_var;     /* (c) */
    double *mean, *var, *rstd;      /* (c) statistics of the current batch */
    double *z, *in;                 /* (n, c) BN inputs, (n, dim) linear-layer inputs of the current batch */
    double *train_y, *xhat, *eval_y, *fold_y;   /* (n, c) */
    double *w_fold, *b_fold;        /* (c, dim), (c) */
    double *scratch;                /* (n, c) training batches */
    double fold_diff;               /* max |fold_y − eval_y| over the batch */
    long trained;                   /* training batches folded into the running statistics */
    long batches_seen;
    int mode;
    bool fold, one;                 /* show folding; show the batch of one */
    char one_error[ERROR_MESSAGE_MAX];
} Inference;

/* One training batch: a training-mode forward pass whose statistics update the running ones. */
static void inference_train_batch(Inference *s)
{
    size_t nc = (size_t)s->n * (size_t)s->c;
    double *z = s->scratch, *y = z + nc, *h = y + nc;
    double m[COLS_MAX], v[COLS_MAX], r[COLS_MAX];
    bnsource_next(&s->source, z, NULL);
    if (!batchnorm_forward_train(y, h, m, v, r, z, s->gamma, s->beta, s->eps, s->n, s->c, NULL))
        return;     /* a batch of one cannot train: the running statistics stay at their start */
    batchnorm_update_running(s->run_mean, s->run_var, &s->batches_seen, m, v, s->convention, s->momentum, s->n,
                             s->c);
    s->trained++;
}

/* Everything shown for the current batch, from the current running statistics. */
static void inference_compute(Inference *s)
{
    int n = s->n, c = s->c;
    if (!batchnorm_forward_train(s->train_y, s->xhat, s->mean, s->var, s->rstd, s->z, s->gamma, s->beta, s->eps,
                                 n, c, NULL)) {
        for (int i = 0; i < n * c; i++)
            s->train_y[i] = s->xhat[i] = NAN;
    }
    batchnorm_forward_eval(s->eval_y, s->z, s->run_mean, s->run_var, s->gamma, s->beta, s->eps, n, c);
    batchnorm_fold_linear(s->w_fold, s->b_fold, s->source.w, s->source.b, s->run_mean, s->run_var, s->gamma, s->beta,
                          s->eps, s->dim, c);
    linear_forward(s->fold_y, s->in, s->w_fold, s->b_fold, n, s->dim, c);
    s->fold_diff = 0.0;
    for (int i = 0; i < n * c; i++)
        s->fold_diff = fmax(s->fold_diff, fabs(s->fold_y[i] - s->eval_y[i]));
}

static void inference_new_input(Inference *s)
{
    bnsource_next(&s->source, s->z, s->in);
    inference_compute(s);
}

static void inference_destroy(void *self)
{
    Inference *s = self;
    if (!s)
        return;
    bnsource_free(&s->source);
    free(s->gamma);
    free(s->z);
    free(s->w_fold);
    free(s);
}

static void *inference_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    Inference *s = xcalloc(1, sizeof *s);
    s->n = (int)lesson_page_int(page, "batch");
    s->c = (int)lesson_page_int(page, "features");
    if (s->n < 1)
        s->n = 16;
    if (s->c < 1 || s->c > COLS_MAX)
        s->c = s->c < 1 ? 3 : COLS_MAX;
    if (!bnsource_init(&s->source, lesson_page_enum(page, "dataset"), seed, s->n, s->c, err)) {
        free(s);
        return NULL;
    }
    s->dim = s->source.dim;
    const char *conv = lesson_page_enum(page, "convention");
    if (!conv || !batchnorm_convention_parse(conv, &s->convention))
        s->convention = BN_CONVENTION_PYTORCH;
    const LessonSetting *eps_set = lesson_page_setting(page, "eps");
    const LessonSetting *alpha_set = lesson_page_setting(page, "alpha");
    s->eps = eps_set && eps_set->line ? lesson_page_real(page, "eps") : batchnorm_default_eps(s->convention);
    if (alpha_set && alpha_set->line)
        s->alpha = lesson_page_real(page, "alpha");
    else
        s->alpha = s->convention == BN_CONVENTION_KERAS ? 1.0 - batchnorm_default_momentum(s->convention) : 0.1;
    s->momentum = s->convention == BN_CONVENTION_KERAS ? 1.0 - s->alpha : s->alpha;
    s->mode = (int)lesson_page_int(page, "mode");
    s->fold = lesson_page_bool(page, "fold");

    size_t c = (size_t)s->c, nc = (size_t)s->n * c;
    s->gamma = xcalloc(7 * c, sizeof *s->gamma);
    s->beta = s->gamma + c;
    s->run_mean = s->beta + c;
    s->run_var = s->run_mean + c;
    s->mean = s->run_var + c;
    s->var = s->mean + c;
    s->rstd = s->var + c;
    s->z = xcalloc(8 * nc + (size_t)s->n * (size_t)s->dim, sizeof *s->z);
    s->train_y = s->z + nc;
    s->xhat = s->train_y + nc;
    s->eval_y = s->xhat + nc;
    s->fold_y = s->eval_y + nc;
    s->scratch = s->fold_y + nc;    /* 3 nc */
    s->in = s->scratch + 3 * nc;
    s->w_fold = xcalloc(c * (size_t)s->dim + c, sizeof *s->w_fold);
    s->b_fold = s->w_fold + c * (size_t)s->dim;

    Pcg32 rng;
    pcg32_seed(&rng, seed, STREAM_AFFINE);
    for (int j = 0; j < s->c; j++) {
        s->gamma[j] = 0.5 + 1.5 * pcg32_uniform(&rng);
        s->beta[j] = -1.0 + 2.0 * pcg32_uniform(&rng);
        s->run_mean[j] = 0.0;
        s->run_var[j] = 1.0;
    }
    long steps = lesson_page_int(page, "steps");
    for (long k = 0; k < steps; k++)
        inference_train_batch(s);
    /* What PyTorch would say to a training-mode pass over one sample, in the engine's words. */
    double one_y[COLS_MAX], one_h[COLS_MAX], m[COLS_MAX], v[COLS_MAX], r[COLS_MAX];
    BnError one = {0};
    batchnorm_forward_train(one_y, one_h, m, v, r, s->z, s->gamma, s->beta, s->eps, 1, s->c, &one);
    snprintf(s->one_error, sizeof s->one_error, "%s", one.message);
    inference_new_input(s);
    return s;
}

/* Playing keeps training: more batches refine the running statistics the eval column uses. */
static void inference_step(void *self)
{
    Inference *s = self;
    inference_train_batch(s);
    inference_compute(s);
}

static bool inference_key(void *self, int key)
{
    Inference *s = self;
    switch (key) {
    case 'i': inference_new_input(s); return true;
    case 'o': s->one = !s->one; return true;
    case 'f': s->fold = !s->fold; return true;
    case 'v': s->mode = (s->mode + 1) % 3; return true;
    default: return false;
    }
}

static int inference_keys(const void *self, SceneKey *out)
{
    (void)self;
    static const SceneKey keys[] = {
        { "i", "new input" }, { "o", "batch of one" }, { "f", "fold on/off" }, { "v", "train/eval/both" },
    };
    memcpy(out, keys, sizeof keys);
    return (int)(sizeof keys / sizeof keys[0]);
}

static bool inference_live(const void *self, const char *name, const int *index, double *out)
{
    const Inference *s = self;
    int a = index ? index[0] : 0, b = index ? index[1] : 0;
    bool one = index && a >= 0 && a < s->c;
    bool two = index && a >= 0 && a < s->n && b >= 0 && b < s->c;
    if (strcmp(name, "train_y") == 0 && two && isfinite(s->train_y[a * s->c + b]))
        *out = s->train_y[a * s->c + b];
    else if (strcmp(name, "eval_y") == 0 && two)
        *out = s->eval_y[a * s->c + b];
    else if (strcmp(name, "running_mean") == 0 && one)
        *out = s->run_mean[a];
    else if (strcmp(name, "running_var") == 0 && one)
        *out = s->run_var[a];
    else if (strcmp(name, "z") == 0 && two)
        *out = s->z[a * s->c + b];
    else if (strcmp(name, "gamma") == 0 && one)
        *out = s->gamma[a];
    else if (strcmp(name, "beta") == 0 && one)
        *out = s->beta[a];
    else if (strcmp(name, "fold_diff") == 0)
        *out = s->fold_diff;
    else
        return false;
    return true;
}

/* ---- drawing ------------------------------------------------------------------------------- */

typedef struct Rows {
    double vals[12 * COLS_MAX];
    char names[12][32];
    const char *ptr[12];
    int n, c;
} Rows;

static void rows_add(Rows *r, const char *name, const double *v)
{
    snprintf(r->names[r->n], sizeof r->names[r->n], "%s", name);
    r->ptr[r->n] = r->names[r->n];
    memcpy(r->vals + r->n * r->c, v, sizeof(double) * (size_t)r->c);
    r->n++;
}

static void rows_draw(Rows *r, Canvas *cv, Rect area, const char *const *cols, const char *corner, int hl_row)
{
    TableSpec t = {
        .values = r->vals, .rows = r->n, .cols = r->c, .row_names = r->ptr, .col_names = cols,
        .corner = corner, .sig = 4, .hl_row = hl_row, .hl_col = -1,
    };
    table_draw(cv, area, &t, NULL);
}

/* Prose under the tables, wrapped, as many lines as fit. Our text is plain, so markup characters
 * (the ASCII "*" of a product) are escaped before the wrapping widget sees them. */
static void put_line(Canvas *cv, Rect a, int *y, const char *text, ColorRole role, int attr)
{
    if (*y >= a.y + a.h)
        return;
    char esc[1024];
    size_t k = 0;
    for (const char *p = text; *p && k + 2 < sizeof esc; p++) {
        if (*p == '*' || *p == '`' || *p == '\\')
            esc[k++] = '\\';
        esc[k++] = *p;
    }
    esc[k] = '\0';
    Rect r = rect_make(a.x, *y, a.w, a.y + a.h - *y);
    int lines = text_height(esc, a.w, cv->unicode);
    if (lines > r.h)
        lines = r.h;
    text_draw(cv, r, esc, role, 0);
    if (attr)
        for (int row = 0; row < lines; row++)
            for (int x = 0; x < a.w; x++) {
                const Cell *cell = canvas_cell(cv, a.x + x, *y + row);
                if (cell && cell->ch != ' ')
                    canvas_put(cv, a.x + x, *y + row, cell->ch, role, attr);
            }
    *y += lines;
}

static void inference_draw(void *self, Canvas *cv, Rect a)
{
    Inference *s = self;
    if (a.w < 40 || a.h < 6) {
        bnlabels_too_small(cv, a);
        return;
    }
    const BnSymbols *y = bnlabels_symbols(cv->unicode);
    BnNumbers nb;
    bnlabels_numbers_init(&nb, cv->unicode, 3);
    int c = s->c;
    char line[ERROR_MESSAGE_MAX + 64], lab[64];

    if (s->convention == BN_CONVENTION_PYTORCH)
        snprintf(lab, sizeof lab, "pytorch, %s = %s", y->alpha, bnlabels_num(&nb, s->alpha));
    else if (s->convention == BN_CONVENTION_KERAS)
        snprintf(lab, sizeof lab, "keras, momentum %s", bnlabels_num(&nb, s->momentum));
    else
        snprintf(lab, sizeof lab, "paper averaging");
    snprintf(line, sizeof line, "running stats after %ld batches of %d: %s, %s = %s", s->trained,
             s->n, lab, y->eps, bnlabels_num(&nb, s->eps));
    canvas_text(cv, a.x, a.y, line, ROLE_TEXT_DIM, 0, a.w);

    char colnames[COLS_MAX][24];
    const char *cols[COLS_MAX];
    for (int j = 0; j < c; j++) {
        snprintf(colnames[j], sizeof colnames[j], "feat %d", j + 1);
        cols[j] = colnames[j];
    }
    int tw = 11 + 9 * (c < 8 ? c : 8);
    int half = (a.w - 3) / 2;
    if (tw > half)
        tw = half;
    int th = a.h - 1 < 7 ? a.h - 1 : 7;
    Rect left = rect_make(a.x, a.y + 1, tw, th), right = rect_make(a.x + tw + 3, a.y + 1, a.w - tw - 3, th);

    Rows st = { .c = c }, sm = { .c = c };
    char name[32];
    if (s->one) {
        snprintf(name, sizeof name, "running %s", y->mu);
        rows_add(&st, name, s->run_mean);
        snprintf(name, sizeof name, "running %s", y->var);
        rows_add(&st, name, s->run_var);
        rows_add(&st, y->gamma, s->gamma);
        rows_add(&st, y->beta, s->beta);
        /* The batch of one, by hand: its only sample is its mean, its spread is 0. */
        double zero[COLS_MAX] = {0};
        rows_add(&sm, "input z", s->z);
        snprintf(name, sizeof name, "batch %s = z", y->mu);
        rows_add(&sm, name, s->z);
        snprintf(name, sizeof name, "batch %s", y->var);
        rows_add(&sm, name, zero);
        rows_add(&sm, "xhat", zero);
        rows_add(&sm, "train y", s->beta);
        int hl = sm.n - 1;
        if (s->mode != MODE_TRAIN)
            rows_add(&sm, "eval y", s->eval_y);
        rows_draw(&st, cv, left, cols, "layer", -1);
        rows_draw(&sm, cv, right, cols, "one sample", hl);
    } else {
        snprintf(name, sizeof name, "batch %s", y->mu);
        rows_add(&st, name, s->mean);
        snprintf(name, sizeof name, "batch %s", y->var);
        rows_add(&st, name, s->var);
        snprintf(name, sizeof name, "running %s", y->mu);
        rows_add(&st, name, s->run_mean);
        snprintf(name, sizeof name, "running %s", y->var);
        rows_add(&st, name, s->run_var);
        rows_add(&sm, "input z", s->z);
        if (s->mode != MODE_EVAL)
            rows_add(&sm, "train y", s->train_y);
        if (s->mode != MODE_TRAIN)
            rows_add(&sm, "eval y", s->eval_y);
        if (s->fold)
            rows_add(&sm, "folded y", s->fold_y);
        rows_draw(&st, cv, left, cols, "statistics", -1);
        rows_draw(&sm, cv, right, cols, "sample #1", -1);
    }

    int below = s->one ? 8 : 6;
    if (below > a.h - 1)
        below = a.h - 1;
    Rect text = rect_make(a.x, a.y + 1 + below, a.w, a.h - 1 - below);
    int ty = text.y;
    if (s->one) {
        snprintf(line, sizeof line, "engine: %s", s->one_error);
        put_line(cv, text, &ty, line, ROLE_WARNING, ATTR_BOLD);
        snprintf(line, sizeof line, "With one sample, %s = z and %s = 0: xhat = 0 and y = %s whatever the input.",
                 y->mu, y->var, y->beta);
        put_line(cv, text, &ty, line, ROLE_DEFAULT, 0);
        put_line(cv, text, &ty, "Eval mode has no such problem: it never looks at the batch.", ROLE_TEXT_DIM, 0);
    } else {
        if (s->mode == MODE_BOTH) {
            snprintf(line, sizeof line, "train y: this batch's %s, %s (%d other samples matter); eval y: the "
                     "running ones.", y->mu, y->var, s->n - 1);
            put_line(cv, text, &ty, line, ROLE_DEFAULT, 0);
        } else if (s->mode == MODE_TRAIN) {
            snprintf(line, sizeof line, "train y uses this batch's %s and %s: the other %d samples change it.", y->mu,
                     y->var, s->n - 1);
            put_line(cv, text, &ty, line, ROLE_DEFAULT, 0);
        } else {
            snprintf(line, sizeof line, "eval y uses the running %s and %s: the same output in any batch, or alone.",
                     y->mu, y->var);
            put_line(cv, text, &ty, line, ROLE_DEFAULT, 0);
        }
        if (s->fold) {
            snprintf(line, sizeof line, "folded: W' = W%ss, b' = (b %s running %s)%ss + %s, s = %s/%s(running %s + %s)",
                     y->dot, y->minus, y->mu, y->dot, y->beta, y->gamma, y->sqrt, y->var, y->eps);
            put_line(cv, text, &ty, line, ROLE_TEXT_DIM, 0);
            char diff[FORMAT_MAX];
            format_number(diff, sizeof diff, s->fold_diff, 2, cv->unicode);
            snprintf(line, sizeof line, "one linear layer, same output as linear then BN (eval): max |diff| = %s over "
                     "the batch", diff);
            put_line(cv, text, &ty, line, s->fold_diff < 1e-9 ? ROLE_GOOD : ROLE_WARNING, ATTR_BOLD);
        } else if (s->mode != MODE_TRAIN) {
            put_line(cv, text, &ty, "At inference the running statistics are all BN needs: no training data is kept.",
                     ROLE_TEXT_DIM, 0);
        }
    }
    /* With room: the folded layer itself, when it is small enough to read. */
    if (s->fold && !s->one && s->dim <= WEIGHTS_SHOWN_MAX && ty + 2 + c <= text.y + text.h) {
        ty++;
        double wb[COLS_MAX * (WEIGHTS_SHOWN_MAX + 1)];
        char wn[WEIGHTS_SHOWN_MAX + 1][24], rn[COLS_MAX][24];
        const char *wcols[WEIGHTS_SHOWN_MAX + 1], *rows[COLS_MAX];
        for (int i = 0; i < s->dim; i++) {
            snprintf(wn[i], sizeof wn[i], "W' in %d", i + 1);
            wcols[i] = wn[i];
        }
        snprintf(wn[s->dim], sizeof wn[s->dim], "b'");
        wcols[s->dim] = wn[s->dim];
        for (int j = 0; j < c; j++) {
            snprintf(rn[j], sizeof rn[j], "feat %d", j + 1);
            rows[j] = rn[j];
            for (int i = 0; i < s->dim; i++)
                wb[j * (s->dim + 1) + i] = s->w_fold[j * s->dim + i];
            wb[j * (s->dim + 1) + s->dim] = s->b_fold[j];
        }
        TableSpec t = {
            .values = wb, .rows = c, .cols = s->dim + 1, .row_names = rows, .col_names = wcols,
            .corner = "folded", .sig = 4, .hl_row = -1, .hl_col = -1,
        };
        table_draw(cv, rect_make(a.x, ty, a.w, text.y + text.h - ty), &t, NULL);
    }
}

const SceneClass scene_inference = {
    .name = "inference",
    .headline = "running_mean[0]",
    .headline_label = "running mean of feature 1",
    .create = inference_create,
    .destroy = inference_destroy,
    .step = inference_step,
    .steps_per_second = 5.0,
    .draw = inference_draw,
    .key = inference_key,
    .keys = inference_keys,
    .live = inference_live,
};
