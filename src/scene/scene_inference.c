/* Train mode vs inference: batch vs running statistics, the batch-of-one pitfall, BN folded into the linear layer (scene layer). */
#include "scene/scene.h"
#include "scene/settings.h"

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
#include "view/fitline.h"
#include "view/plot.h"
#include "view/table.h"
#include "view/text.h"

enum { STREAM_AFFINE = 71, COLS_MAX = 64, WEIGHTS_SHOWN_MAX = 8, HIST_MAX = 1000, TE_SETS_MAX = 4 };
/* The per-feature buffers on the stack hold every feature the 'features' setting allows (1 to 64). */
_Static_assert(COLS_MAX >= 64, "COLS_MAX must cover the features setting's maximum");
enum { MODE_TRAIN, MODE_EVAL, MODE_BOTH };
/* Pretraining at most this many batches and multiply-adds of the source layer (about 50 ms). */
enum { PRETRAIN_MAX = 5000 };
#define PRETRAIN_WORK 3e7

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
    /* For the large-screen panels, filled in create, step and keys (never in draw). The charts watch
     * feature 1, the headline's. */
    double pop_mean, pop_var;       /* feature 1 over the whole training split (biased variance) */
    double *hist_batch, *hist_rm, *hist_rv, *hist_bm, *hist_bv;     /* (HIST_MAX) one point per batch */
    int hist_n;                     /* the last HIST_MAX batches: batch number, running μ, σ², batch μ, σ² */
    double pop_x[2], pop_m[2], pop_v[2];    /* the population values as flat lines across the chart */
    double *te_train, *te_eval;     /* (c, n) per feature: train-mode and eval-mode y of the current batch */
    double te_lo, te_hi;            /* one range for both axes of the train/eval scatter */
    double te_diff;                 /* max |train y − eval y| over the batch, every feature */
} Inference;

/* One point of the charts: the running statistics after a batch, and what that batch fed in (its μ,
 * and its σ² as the update uses it: unbiased except for Keras). NaN for the start, which has no batch. */
static void inference_record(Inference *s, double batch_mean, double batch_var)
{
    if (s->hist_n == HIST_MAX) {
        double *all[5] = { s->hist_batch, s->hist_rm, s->hist_rv, s->hist_bm, s->hist_bv };
        for (int k = 0; k < 5; k++)
            memmove(all[k], all[k] + 1, sizeof(double) * (HIST_MAX - 1));
        s->hist_n--;
    }
    int k = s->hist_n++;
    s->hist_batch[k] = (double)s->trained;
    s->hist_rm[k] = s->run_mean[0];
    s->hist_rv[k] = s->run_var[0];
    s->hist_bm[k] = batch_mean;
    s->hist_bv[k] = batch_var;
    s->pop_x[0] = s->hist_batch[0];
    s->pop_x[1] = s->hist_batch[k];
    s->pop_m[0] = s->pop_m[1] = s->pop_mean;
    s->pop_v[0] = s->pop_v[1] = s->pop_var;
}

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
    double bessel = s->convention == BN_CONVENTION_KERAS ? 1.0 : (double)s->n / (s->n - 1);
    inference_record(s, m[0], v[0] * bessel);
}

/* The train/eval scatter's points: each sample's y both ways, per feature. Alone (the batch of one),
 * train mode gives β whatever the input, so those points stand in a vertical line. */
static void inference_fill_scatter(Inference *s)
{
    int n = s->n, c = s->c, shown = c < TE_SETS_MAX ? c : TE_SETS_MAX;
    double lo = INFINITY, hi = -INFINITY;
    s->te_diff = 0.0;
    for (int j = 0; j < c; j++)
        for (int i = 0; i < n; i++) {
            double train = s->one ? s->beta[j] : s->train_y[i * c + j], eval = s->eval_y[i * c + j];
            s->te_train[j * n + i] = train;
            s->te_eval[j * n + i] = eval;
            if (!isfinite(train) || !isfinite(eval))
                continue;
            s->te_diff = fmax(s->te_diff, fabs(train - eval));
            if (j < shown) {
                lo = fmin(lo, fmin(train, eval));
                hi = fmax(hi, fmax(train, eval));
            }
        }
    if (!(lo < hi))
        lo = isfinite(lo) ? lo - 1.0 : -1.0, hi = isfinite(hi) ? hi + 1.0 : 1.0;
    double step = ticks_nice_step((hi - lo) / 4.0);
    s->te_lo = floor(lo / step) * step;
    s->te_hi = ceil(hi / step) * step;
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
    inference_fill_scatter(s);
}

static void inference_new_input(Inference *s)
{
    bnsource_next(&s->source, s->z, s->in);
    inference_compute(s);
}

/* Batches trained before the page shows: the page's `steps`, within a budget of work, so a page with
 * steps = 1000000 (or big batches of 784-pixel images) still opens at once; the header says how many
 * batches the running statistics have seen, and they settle long before the budget runs out. */
static long pretrain_batches(const Inference *s, long steps)
{
    double per_batch = (double)s->n * (double)(s->dim + 1) * (double)s->c;     /* multiply-adds */
    double budget = PRETRAIN_WORK / per_batch;
    long cap = budget < 1.0 ? 1 : budget > PRETRAIN_MAX ? PRETRAIN_MAX : (long)budget;
    return steps < cap ? steps : cap;
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
    free(s->hist_batch);
    free(s->te_train);
    free(s);
}

static void *inference_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    Inference *s = xcalloc(1, sizeof *s);
    s->n = (int)lesson_page_int(page, "batch");
    s->c = (int)lesson_page_int(page, "features");
    if (!bnsource_init(&s->source, lesson_page_enum(page, "dataset"), seed, s->n, s->c, err)) {
        free(s);
        return NULL;
    }
    s->dim = s->source.dim;
    BnRule rule = bnrule_of_page(page);
    s->convention = rule.convention;
    s->eps = rule.eps;
    s->alpha = rule.alpha;
    s->momentum = rule.momentum;
    s->mode = (int)lesson_page_int(page, "mode");
    s->fold = lesson_page_bool(page, "fold");
    /* batch = 1 is the pitfall itself: train mode has no statistics to show (and would show NaN). */
    s->one = s->n < 2;

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
    s->hist_batch = xcalloc(5 * HIST_MAX, sizeof *s->hist_batch);
    s->hist_rm = s->hist_batch + HIST_MAX;
    s->hist_rv = s->hist_rm + HIST_MAX;
    s->hist_bm = s->hist_rv + HIST_MAX;
    s->hist_bv = s->hist_bm + HIST_MAX;
    s->te_train = xcalloc(2 * nc, sizeof *s->te_train);
    s->te_eval = s->te_train + nc;
    double pm[COLS_MAX], pv[COLS_MAX];
    bnsource_population(&s->source, pm, pv);
    s->pop_mean = pm[0];
    s->pop_var = pv[0];

    Pcg32 rng;
    pcg32_seed(&rng, seed, STREAM_AFFINE);
    for (int j = 0; j < s->c; j++) {
        /* Round to tenths: the table shows them exactly, so a learner can recompute y by hand. */
        s->gamma[j] = round(5.0 + 15.0 * pcg32_uniform(&rng)) / 10.0;
        s->beta[j] = round(-10.0 + 20.0 * pcg32_uniform(&rng)) / 10.0;
        s->run_mean[j] = 0.0;
        s->run_var[j] = 1.0;
    }
    inference_record(s, NAN, NAN);     /* the start: mean 0, variance 1 */
    for (long k = pretrain_batches(s, lesson_page_int(page, "steps")); k > 0; k--)
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

static bool inference_key_input(void *self, int key)
{
    inference_new_input(self);
    return true;
}

static bool inference_key_one(void *self, int key)
{
    Inference *s = self;
    s->one = !s->one || s->n < 2;   /* a batch of one has no batch view to go back to */
    inference_fill_scatter(s);      /* alone, the train-mode points move to y = β */
    return true;
}

static bool inference_key_fold(void *self, int key)
{
    Inference *s = self;
    s->fold = !s->fold;
    return true;
}

static bool inference_key_view(void *self, int key)
{
    Inference *s = self;
    s->mode = (s->mode + 1) % 3;
    return true;
}

static const SceneKeyAction inference_keys[] = {
    { "i", "new input", inference_key_input },
    { "o", "batch of one", inference_key_one },
    { "f", "fold on/off", inference_key_fold },
    { "v", "train/eval/both", inference_key_view },
};

/* Element [r][c] of an (n, c) matrix, [i] of a (c) vector, [k] of a chart's (hist_n) points. */
static bool inference_matrix(const Inference *s, const double *m, const int *index, double *out)
{
    if (index[0] < 0 || index[0] >= s->n || index[1] < 0 || index[1] >= s->c)
        return false;
    *out = m[index[0] * s->c + index[1]];
    return true;
}

static bool inference_vector(const Inference *s, const double *v, const int *index, double *out)
{
    if (index[0] < 0 || index[0] >= s->c)
        return false;
    *out = v[index[0]];
    return true;
}

static bool inference_chart(const Inference *s, const double *v, const int *index, double *out)
{
    if (index[0] < 0 || index[0] >= s->hist_n)
        return false;
    *out = v[index[0]];
    return true;
}

#define INFERENCE_LIVE(name, kind, field) \
    static bool live_##name(const void *self, const int *index, double *out) \
    { \
        return inference_##kind(self, ((const Inference *)self)->field, index, out); \
    }
INFERENCE_LIVE(eval_y, matrix, eval_y)
INFERENCE_LIVE(z, matrix, z)
INFERENCE_LIVE(running_mean, vector, run_mean)
INFERENCE_LIVE(running_var, vector, run_var)
INFERENCE_LIVE(gamma, vector, gamma)
INFERENCE_LIVE(beta, vector, beta)
INFERENCE_LIVE(chart_batch, chart, hist_batch)
INFERENCE_LIVE(chart_running_mean, chart, hist_rm)
INFERENCE_LIVE(chart_running_var, chart, hist_rv)
INFERENCE_LIVE(chart_batch_mean, chart, hist_bm)
INFERENCE_LIVE(chart_batch_var, chart, hist_bv)
#undef INFERENCE_LIVE

/* Train mode has no output for a batch of one (NaN): no value then. */
static bool live_train_y(const void *self, const int *index, double *out)
{
    return inference_matrix(self, ((const Inference *)self)->train_y, index, out) && isfinite(*out);
}

#define INFERENCE_FIGURE(name, expr) \
    static bool live_##name(const void *self, const int *index, double *out) \
    { \
        const Inference *s = self; \
        *out = (expr); \
        return true; \
    }
INFERENCE_FIGURE(fold_diff, s->fold_diff)
INFERENCE_FIGURE(chart_points, s->hist_n)
INFERENCE_FIGURE(population_mean, s->pop_mean)
INFERENCE_FIGURE(population_var, s->pop_var)
INFERENCE_FIGURE(train_eval_diff, s->te_diff)
#undef INFERENCE_FIGURE

static const CatalogLive inference_lives[] = {
    { "train_y", 2, "train-mode output y[r][c] (batch statistics)", live_train_y },
    { "eval_y", 2, "eval-mode output y[r][c] (running statistics)", live_eval_y },
    { "running_mean", 1, "running mean of feature i", live_running_mean },
    { "running_var", 1, "running variance of feature i", live_running_var },
    { "z", 2, "BN input z[r][c] of the current batch (sample 0 is the one shown)", live_z },
    { "gamma", 1, "gamma of feature i", live_gamma },
    { "beta", 1, "beta of feature i", live_beta },
    { "fold_diff", 0, "largest |folded - (linear then BN eval)| over the batch", live_fold_diff },
    /* The large-screen panels' data; the charts watch feature 1. */
    { "population_mean", 0, "mean of feature 1 over the whole training split", live_population_mean },
    { "population_var", 0, "variance of feature 1 over the whole training split (biased)", live_population_var },
    { "train_eval_diff", 0, "largest |train-mode y - eval-mode y| over the batch, every feature", live_train_eval_diff },
    { "chart_points", 0, "how many batches the running-statistics chart shows", live_chart_points },
    { "chart_batch", 1, "batch number of chart point k", live_chart_batch },
    { "chart_running_mean", 1, "running mean of feature 1 after chart point k's batch", live_chart_running_mean },
    { "chart_running_var", 1, "running variance of feature 1 after it", live_chart_running_var },
    { "chart_batch_mean", 1, "that batch's mean of feature 1", live_chart_batch_mean },
    { "chart_batch_var", 1, "that batch's variance of feature 1 as the update uses it", live_chart_batch_var },
};

/* The settings that bound their indices, so `bntutor check` can warn about one out of range. */
static const CatalogLiveExtent inference_extents[] = {
    { "train_y", { "batch", "features" } },
    { "eval_y", { "batch", "features" } },
    { "running_mean", { "features" } },
    { "running_var", { "features" } },
    { "z", { "batch", "features" } },
    { "gamma", { "features" } },
    { "beta", { "features" } },
};

static const char *const mode_choices[] = { "train", "eval", "both", NULL };
static const CatalogSetting setting_mode = {
    .name = "mode", .type = SETTING_ENUM, .choices = mode_choices, .fallback = "both",
    .help = "show train-mode output, eval-mode output, or both" };
static const CatalogSetting setting_fold = {
    .name = "fold", .type = SETTING_BOOL, .fallback = "no",
    .help = "show BN folded into the preceding linear layer" };

static const CatalogSceneSetting inference_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, NULL }, { &setting_batch, "16" }, { &setting_features, NULL },
    { &setting_mode, NULL }, { &setting_fold, NULL }, { &setting_convention, NULL }, { &setting_eps, NULL },
    { &setting_alpha, NULL }, { &setting_steps, "200" },
};

/* ---- drawing ------------------------------------------------------------------------------- */

typedef struct Rows {
    double vals[12 * COLS_MAX];
    TableLabels names;
    int n, c;
} Rows;

static void rows_add(Rows *r, const char *name, const double *v)
{
    table_labels_add(&r->names, "%s", name);
    memcpy(r->vals + r->n * r->c, v, sizeof(double) * (size_t)r->c);
    r->n++;
}

/* Draws the rows as a table, then lets go of their names. */
static void rows_draw(Rows *r, Canvas *cv, Rect area, const char *const *cols, const char *corner, int hl_row)
{
    TableSpec t = {
        .values = r->vals, .rows = r->n, .cols = r->c, .row_names = table_labels_names(&r->names),
        .col_names = cols, .corner = corner, .sig = 4, .hl_row = hl_row, .hl_col = -1,
    };
    table_draw(cv, area, &t, NULL);
    table_labels_free(&r->names);
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

/* ---- large screens: feature 1's statistics over training, and train vs eval over the batch ---- */

/* Running μ (or σ²) of feature 1 after each training batch, over the noisy batch values it averages
 * and the population value they scatter around. */
static void draw_stat_chart(const Inference *s, Canvas *cv, Rect r, bool var)
{
    const BnSymbols *y = bnlabels_symbols(cv->unicode);
    BnNumbers nb;
    bnlabels_numbers_init(&nb, cv->unicode, 4);
    const char *sym = var ? y->var : y->mu;
    char title[160], run[32], batch[48], pop[48];
    const char *now = bnlabels_num(&nb, var ? s->run_var[0] : s->run_mean[0]);
    const char *pop_now = bnlabels_num(&nb, var ? s->pop_var : s->pop_mean);
    /* Long wording first; the short one drops whole segments, so no figure is cut short. */
    char title_short[160];
    snprintf(title, sizeof title, "feat 1: running %s = %s after %ld batches; %s of all training data = %s", sym,
             now, s->trained, sym, pop_now);
    snprintf(title_short, sizeof title_short, "feat 1: running %s = %s" FITLINE_SEP ", all data %s", sym, now, pop_now);
    const char *alts[2] = { title, title_short };
    fitline_draw_first(cv, r.x, r.y, alts, 2, ROLE_TITLE, ATTR_BOLD, r.w);
    snprintf(run, sizeof run, "running %s", sym);
    if (var && s->convention != BN_CONVENTION_KERAS)
        snprintf(batch, sizeof batch, "batch %s, unbiased", sym);
    else
        snprintf(batch, sizeof batch, "batch %s", sym);
    snprintf(pop, sizeof pop, "all data %s", sym);
    LineSeries ls[3] = {
        { .x = s->hist_batch, .y = var ? s->hist_rv : s->hist_rm, .n = s->hist_n, .name = run },
        { .x = s->hist_batch, .y = var ? s->hist_bv : s->hist_bm, .n = s->hist_n, .name = batch },
        { .x = s->pop_x, .y = var ? s->pop_v : s->pop_m, .n = 2, .name = pop },
    };
    LineChartSpec spec = {
        .series = ls, .nseries = 3, .legend = true,
        .y = { .label = sym },
        /* A few batches (or none yet) still get a readable axis of ten. */
        .x = { .fixed = s->pop_x[1] - s->pop_x[0] < 10, .lo = s->pop_x[0], .hi = s->pop_x[0] + 10,
               .label = "training batch" },
    };
    linechart_draw(cv, rect_make(r.x, r.y + 1, r.w, r.h - 1), &spec);
}

/* Each sample's output both ways, on equal axes: the diagonal is where the modes agree. */
static void draw_mode_scatter(const Inference *s, Canvas *cv, Rect r)
{
    const BnSymbols *y = bnlabels_symbols(cv->unicode);
    canvas_text(cv, r.x, r.y, s->one ? "Each sample alone: train y against eval y" : "This batch: train y against eval y",
                ROLE_TITLE, ATTR_BOLD, r.w);
    char line[256], diff[FORMAT_MAX], names[TE_SETS_MAX][24];
    ScatterSet sets[TE_SETS_MAX];
    int ns = s->c < TE_SETS_MAX ? s->c : TE_SETS_MAX;
    for (int j = 0; j < ns; j++) {
        snprintf(names[j], sizeof names[j], "feat %d", j + 1);
        sets[j] = (ScatterSet){ .x = s->te_train + j * s->n, .y = s->te_eval + j * s->n, .n = s->n,
                                .name = names[j] };
    }
    if (s->one)
        snprintf(line, sizeof line, "Alone, train mode gives y = %s whatever the input (the vertical lines); "
                 "eval mode still follows the input.", y->beta);
    else
        snprintf(line, sizeof line, "max |train y %s eval y| = %s over the batch. On the diagonal the modes "
                 "agree; the closer the running %s, %s to this batch's, the closer the points.", y->minus,
                 format_number(diff, sizeof diff, s->te_diff, 3, cv->unicode), y->mu, y->var);
    int cap = text_height(line, r.w, cv->unicode);
    ScatterSpec spec = {
        .sets = sets, .nsets = ns, .legend = true,
        .x = { .fixed = true, .lo = s->te_lo, .hi = s->te_hi, .label = "train y" },
        .y = { .fixed = true, .lo = s->te_lo, .hi = s->te_hi, .label = "eval y" },
    };
    scatter_draw(cv, rect_make(r.x, r.y + 1, r.w, r.h - 2 - cap), &spec);
    int ty = r.y + r.h - cap;
    put_line(cv, rect_make(r.x, ty, r.w, cap), &ty, line, ROLE_DEFAULT, 0);
}

/* Below the tables and text, when the area has room to spare (never at 80 columns). */
static void draw_panels(const Inference *s, Canvas *cv, Rect p)
{
    if (layout_fits(p, LAYOUT_W_WIDE, 0)) {
        int lw = p.w * 3 / 5, h1 = p.h / 2;
        draw_stat_chart(s, cv, rect_make(p.x, p.y, lw, h1 - 1), false);
        draw_stat_chart(s, cv, rect_make(p.x, p.y + h1, lw, p.h - h1), true);
        int sw = p.w - lw - 4, sh = sw / 2 + 8 < p.h ? sw / 2 + 8 : p.h;
        draw_mode_scatter(s, cv, rect_make(p.x + lw + 4, p.y, sw, sh));
    } else {
        bool stacked = layout_fits(p, 0, LAYOUT_H_CHARTS_STACKED);
        int ch = stacked ? p.h / 2 : p.h, cw = (p.w - 3) / 2;
        draw_stat_chart(s, cv, rect_make(p.x, p.y, cw, ch), false);
        draw_stat_chart(s, cv, rect_make(p.x + cw + 3, p.y, p.w - cw - 3, ch), true);
        if (stacked)
            draw_mode_scatter(s, cv, rect_make(p.x, p.y + ch + 1, p.w, p.h - ch - 1));
    }
}

/* The statistics table (left) and the shown sample's outputs (right), below the title line. */
static void inference_draw_tables(const Inference *s, Canvas *cv, Rect a, const BnSymbols *y)
{
    int c = s->c;
    TableLabels features = TABLE_LABELS_INIT;
    table_labels_number(&features, "feat ", 1, c);
    const char *const *cols = table_labels_names(&features);
    int tw = 11 + 9 * (c < 8 ? c : 8);
    int half = (a.w - 3) / 2;
    if (tw > half)
        tw = half;
    int th = a.h < 7 ? a.h : 7;
    Rect left = rect_make(a.x, a.y, tw, th), right = rect_make(a.x + tw + 3, a.y, a.w - tw - 3, th);

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
        /* With γ and β beside the statistics, train y and eval y can be worked out by hand. */
        rows_add(&st, y->gamma, s->gamma);
        rows_add(&st, y->beta, s->beta);
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
    table_labels_free(&features);
}

/* What the tables mean, one line each from *ty down in text. */
static void inference_draw_notes(const Inference *s, Canvas *cv, Rect text, int *ty_out, const BnSymbols *y)
{
    char line[ERROR_MESSAGE_MAX + 64];
    int ty = *ty_out;
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
            snprintf(line, sizeof line, "folded: W' = diag(s)%sW, b' = (b %s running %s)%ss + %s, s = %s/%s(running %s + %s)",
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
    *ty_out = ty;
}

/* With room: the folded layer itself, when it is small enough to read. */
static void inference_draw_folded(const Inference *s, Canvas *cv, Rect a, Rect text, int *ty_out)
{
    int c = s->c, ty = *ty_out;
    if (s->fold && !s->one && s->dim <= WEIGHTS_SHOWN_MAX && ty + 2 + c <= text.y + text.h) {
        ty++;
        double wb[COLS_MAX * (WEIGHTS_SHOWN_MAX + 1)];
        TableLabels wcols = TABLE_LABELS_INIT, rows = TABLE_LABELS_INIT;
        table_labels_number(&wcols, "W' in ", 1, s->dim);
        table_labels_add(&wcols, "b'");
        table_labels_number(&rows, "feat ", 1, c);
        for (int j = 0; j < c; j++) {
            for (int i = 0; i < s->dim; i++)
                wb[j * (s->dim + 1) + i] = s->w_fold[j * s->dim + i];
            wb[j * (s->dim + 1) + s->dim] = s->b_fold[j];
        }
        TableSpec t = {
            .values = wb, .rows = c, .cols = s->dim + 1, .row_names = table_labels_names(&rows),
            .col_names = table_labels_names(&wcols), .corner = "folded", .sig = 4, .hl_row = -1, .hl_col = -1,
        };
        table_draw(cv, rect_make(a.x, ty, a.w, text.y + text.h - ty), &t, NULL);
        table_labels_free(&wcols);
        table_labels_free(&rows);
        ty += 1 + c;
    }
    *ty_out = ty;
}

static void inference_draw(const void *self, Canvas *cv, Rect a)
{
    const Inference *s = self;
    const BnSymbols *y = bnlabels_symbols(cv->unicode);
    BnNumbers nb;
    bnlabels_numbers_init(&nb, cv->unicode, 3);
    char line[ERROR_MESSAGE_MAX + 64], lab[64];
    if (s->convention == BN_CONVENTION_PYTORCH)
        snprintf(lab, sizeof lab, "pytorch, %s = %s", y->alpha, bnlabels_num(&nb, s->alpha));
    else if (s->convention == BN_CONVENTION_KERAS)
        snprintf(lab, sizeof lab, "keras, momentum %s", bnlabels_num(&nb, s->momentum));
    else
        snprintf(lab, sizeof lab, "paper: frozen-net average");
    snprintf(line, sizeof line, "running stats after %ld batches of %d:" FITLINE_SEP " %s," FITLINE_SEP " %s = %s", s->trained,
             s->n, lab, y->eps, bnlabels_num(&nb, s->eps));
    SceneHead head = scene_head_begin(cv, a);
    scene_head_line(&head, line, ROLE_TEXT_DIM, 0);
    Rect body = scene_head_body(&head, 0);

    inference_draw_tables(s, cv, body, y);

    int below = 8;
    if (below > body.h)
        below = body.h;
    Rect text = rect_make(body.x, body.y + below, body.w, body.h - below);
    int ty = text.y;
    inference_draw_notes(s, cv, text, &ty, y);
    inference_draw_folded(s, cv, a, text, &ty);
    Rect panels = rect_make(a.x, ty + 1, a.w, a.y + a.h - ty - 1);
    if (a.w >= LAYOUT_W_TWO_PANELS && panels.h >= LAYOUT_H_PANELS_BELOW)

        draw_panels(s, cv, panels);
}

const SceneClass scene_inference = {
    .schema = SCENE_SCHEMA_BOUNDED("inference", "train-mode vs eval-mode output, batch of one, folding",
                                   inference_settings, inference_lives, inference_extents),
    .headline = "running_mean[0]",
    .headline_label = "running mean of feature 1",
    .create = inference_create,
    .destroy = inference_destroy,
    .step = inference_step,
    .steps_per_second = 5.0,
    .draw = inference_draw,
    .keys = inference_keys,
    .key_count = SCENE_COUNT(inference_keys),
};
