/* The BN stage stepper: one live mini-batch through the five stages of a training-mode BN forward pass (scene layer). */
#include "scene/scene.h"
#include "scene/settings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/batchnorm.h"
#include "engine/stats.h"
#include "scene/bnlabels.h"
#include "scene/bnsource.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/plot.h"
#include "view/table.h"
#include "view/unicode.h"

typedef enum Stage { STAGE_ARRIVE, STAGE_STATS, STAGE_NORMALIZE, STAGE_SCALE, STAGE_RUNNING, STAGE_COUNT } Stage;

enum { HISTORY_MAX = 200, HIST_BINS = 10, TABLE_ROWS_MAX = 16 };

typedef struct BnStages {
    BnSource source;
    int n, c;                   /* batch size, features */
    BnConvention convention;
    double alpha;               /* weight of the new batch (PyTorch's meaning) */
    double momentum;            /* the engine's momentum in the convention's own meaning */
    double eps;
    double *x, *xhat, *y;       /* (n, c) */
    double *mean, *var, *rstd;  /* (c) batch statistics */
    double *gamma, *beta;       /* (c) */
    double *run_mean_old, *run_var_old;     /* (c) before this batch's update */
    double *run_mean, *run_var;             /* (c) after it */
    double *pop_mean, *pop_var;             /* (c) over the whole training split */
    long batches_seen;          /* batches folded into the running statistics, this one included */
    bool ok;                    /* the forward pass succeeded (false for a batch of one) */
    char error[ERROR_MESSAGE_MAX];
    int stage, feature, sample;
    /* Per batch, for the convergence chart: (HISTORY_MAX, c) each, oldest first. */
    double *hist_batch_mean, *hist_run_mean;
    double hist_x[HISTORY_MAX];
    int hist_n;
} BnStages;

static const char *const stage_names_u[] = { "(a) arrive", "(b) μ, σ²", "(c) normalize", "(d) γ, β",
                                             "(e) running μ, σ²" };
static const char *const stage_names_a[] = { "(a) arrive", "(b) mu, var", "(c) normalize", "(d) gamma, beta",
                                             "(e) running stats" };

/* Draws the next batch: the previous batch's update becomes the "before" of this one. */
static void stages_new_batch(BnStages *s)
{
    memcpy(s->run_mean_old, s->run_mean, sizeof *s->run_mean * (size_t)s->c);
    memcpy(s->run_var_old, s->run_var, sizeof *s->run_var * (size_t)s->c);
    bnsource_next(&s->source, s->x, NULL);
    BnError err = {0};
    s->ok = batchnorm_forward_train(s->y, s->xhat, s->mean, s->var, s->rstd, s->x, s->gamma, s->beta, s->eps,
                                    s->n, s->c, &err);
    if (!s->ok) {
        snprintf(s->error, sizeof s->error, "%s", err.message);
        return;
    }
    batchnorm_update_running(s->run_mean, s->run_var, &s->batches_seen, s->mean, s->var, s->convention,
                             s->momentum, s->n, s->c);
    if (s->hist_n == HISTORY_MAX) {
        size_t keep = (size_t)(HISTORY_MAX - 1) * (size_t)s->c;
        memmove(s->hist_batch_mean, s->hist_batch_mean + s->c, keep * sizeof(double));
        memmove(s->hist_run_mean, s->hist_run_mean + s->c, keep * sizeof(double));
        memmove(s->hist_x, s->hist_x + 1, (HISTORY_MAX - 1) * sizeof(double));
        s->hist_n--;
    }
    memcpy(s->hist_batch_mean + (size_t)s->hist_n * (size_t)s->c, s->mean, sizeof(double) * (size_t)s->c);
    memcpy(s->hist_run_mean + (size_t)s->hist_n * (size_t)s->c, s->run_mean, sizeof(double) * (size_t)s->c);
    s->hist_x[s->hist_n] = (double)s->batches_seen;
    s->hist_n++;
}

static void stages_destroy(void *self)
{
    BnStages *s = self;
    if (!s)
        return;
    bnsource_free(&s->source);
    free(s->x);
    free(s->mean);
    free(s->hist_batch_mean);
    free(s->hist_run_mean);
    free(s);
}

static void *stages_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    BnStages *s = xcalloc(1, sizeof *s);
    s->n = (int)lesson_page_int(page, "batch");
    s->c = (int)lesson_page_int(page, "features");
    if (!bnsource_init(&s->source, lesson_page_enum(page, "dataset"), seed, s->n, s->c, err)) {
        free(s);
        return NULL;
    }
    BnRule rule = bnrule_of_page(page);
    s->convention = rule.convention;
    s->eps = rule.eps;
    s->alpha = rule.alpha;
    s->momentum = rule.momentum;

    size_t nc = (size_t)s->n * (size_t)s->c, c = (size_t)s->c;
    s->x = xcalloc(3 * nc, sizeof *s->x);
    s->xhat = s->x + nc;
    s->y = s->xhat + nc;
    s->mean = xcalloc(11 * c, sizeof *s->mean);
    s->var = s->mean + c;
    s->rstd = s->var + c;
    s->gamma = s->rstd + c;
    s->beta = s->gamma + c;
    s->run_mean_old = s->beta + c;
    s->run_var_old = s->run_mean_old + c;
    s->run_mean = s->run_var_old + c;
    s->run_var = s->run_mean + c;
    s->pop_mean = s->run_var + c;
    s->pop_var = s->pop_mean + c;
    s->hist_batch_mean = xcalloc((size_t)HISTORY_MAX * c, sizeof(double));
    s->hist_run_mean = xcalloc((size_t)HISTORY_MAX * c, sizeof(double));
    for (int j = 0; j < s->c; j++) {
        s->gamma[j] = setting_list_item(page, "gamma", j);
        s->beta[j] = setting_list_item(page, "beta", j);
        s->run_mean[j] = 0.0;   /* every framework starts from mean 0, variance 1 */
        s->run_var[j] = 1.0;
    }
    bnsource_population(&s->source, s->pop_mean, s->pop_var);
    s->stage = (int)lesson_page_int(page, "stage");
    stages_new_batch(s);
    return s;
}

static void stages_step(void *self)
{
    BnStages *s = self;
    if (s->stage + 1 < STAGE_COUNT) {
        s->stage++;
        return;
    }
    s->stage = STAGE_ARRIVE;
    stages_new_batch(s);
}

static bool stages_key_next(void *self, int key)
{
    stages_step(self);
    return true;
}

static bool stages_key_back(void *self, int key)
{
    BnStages *s = self;
    if (s->stage > 0)
        s->stage--;
    return true;
}

static bool stages_key_batch(void *self, int key)
{
    stages_new_batch(self);
    return true;
}

static bool stages_key_feature(void *self, int key)
{
    BnStages *s = self;
    s->feature = (s->feature + 1) % s->c;
    return true;
}

static bool stages_key_sample(void *self, int key)
{
    BnStages *s = self;
    s->sample = (s->sample + 1) % s->n;
    return true;
}

static const SceneKeyAction stages_keys[] = {
    { "s", "next stage", stages_key_next },
    { "S", "stage back", stages_key_back },
    { "b", "new batch", stages_key_batch },
    { "f", "next feature", stages_key_feature },
    { "x", "next sample", stages_key_sample },
};

/* Element [r][c] of an (n, c) matrix, or [i] of a (c) vector; only x exists when the pass failed. */
static bool stages_matrix(const BnStages *s, const double *m, bool needs_pass, const int *index, double *out)
{
    if ((needs_pass && !s->ok) || index[0] < 0 || index[0] >= s->n || index[1] < 0 || index[1] >= s->c)
        return false;
    *out = m[index[0] * s->c + index[1]];
    return true;
}

static bool stages_vector(const BnStages *s, const double *v, const int *index, double *out)
{
    if (!s->ok || index[0] < 0 || index[0] >= s->c)
        return false;
    *out = v[index[0]];
    return true;
}

static bool live_x(const void *self, const int *index, double *out)
{
    return stages_matrix(self, ((const BnStages *)self)->x, false, index, out);
}

static bool live_xhat(const void *self, const int *index, double *out)
{
    return stages_matrix(self, ((const BnStages *)self)->xhat, true, index, out);
}

static bool live_y(const void *self, const int *index, double *out)
{
    return stages_matrix(self, ((const BnStages *)self)->y, true, index, out);
}

static bool live_mean(const void *self, const int *index, double *out)
{
    return stages_vector(self, ((const BnStages *)self)->mean, index, out);
}

static bool live_var(const void *self, const int *index, double *out)
{
    return stages_vector(self, ((const BnStages *)self)->var, index, out);
}

static bool live_running_mean(const void *self, const int *index, double *out)
{
    return stages_vector(self, ((const BnStages *)self)->run_mean, index, out);
}

static bool live_running_var(const void *self, const int *index, double *out)
{
    return stages_vector(self, ((const BnStages *)self)->run_var, index, out);
}

static const CatalogLive stages_lives[] = {
    { "x", 2, "input activation x[r][c] (sample r, feature c)", live_x },
    { "mean", 1, "batch mean of feature i", live_mean },
    { "var", 1, "batch variance of feature i (biased)", live_var },
    { "xhat", 2, "normalized activation", live_xhat },
    { "y", 2, "output after scale and shift", live_y },
    { "running_mean", 1, "running mean of feature i after the update", live_running_mean },
    { "running_var", 1, "running variance of feature i after the update", live_running_var },
};

/* The settings that bound their indices, so `bntutor check` can warn about one out of range. */
static const CatalogLiveExtent stages_extents[] = {
    { "x", { "batch", "features" } },
    { "mean", { "features" } },
    { "var", { "features" } },
    { "xhat", { "batch", "features" } },
    { "y", { "batch", "features" } },
    { "running_mean", { "features" } },
    { "running_var", { "features" } },
};

static const char *const stage_choices[] = { "arrive", "stats", "normalize", "scale-shift", "running", NULL };
static const CatalogSetting setting_stage = {
    .name = "stage", .type = SETTING_ENUM, .choices = stage_choices, .fallback = "arrive",
    .help = "the BN stage highlighted when the page opens" };

static const CatalogSceneSetting stages_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, NULL }, { &setting_batch, "8" }, { &setting_features, NULL },
    { &setting_stage, NULL }, { &setting_gamma, NULL }, { &setting_beta, NULL }, { &setting_eps, NULL },
    { &setting_alpha, NULL }, { &setting_convention, NULL }, { &setting_autoplay, NULL },
};

/* ---- drawing ------------------------------------------------------------------------------- */

/* Columns are "feat k" or a number like "−12.34": 6–7 characters plus 2 between. */
static int table_width(int c, int name_w)
{
    return name_w + c * 9;
}

/* The widest row name (or corner) the stage table shows now: sized to it, the table keeps every
 * column at full precision ("sqrt(var+eps)" is 13 columns on an ASCII canvas). */
static int stage_names_width(const BnStages *s, bool unicode)
{
    const BnSymbols *y = bnlabels_symbols(unicode);
    char buf[48];
    int w = 8;
    if (s->stage == STAGE_STATS) {
        snprintf(buf, sizeof buf, "%s(%s+%s)", y->sqrt, y->var, y->eps);
        w = utf8_width(buf) > w ? utf8_width(buf) : w;
    } else if (s->stage == STAGE_RUNNING || s->stage == STAGE_ARRIVE) {
        snprintf(buf, sizeof buf, "batch %s", y->var);
        w = utf8_width(buf) > w ? utf8_width(buf) : w;
    }
    return w;
}

static void draw_strip(const BnStages *s, Canvas *cv, Rect a)
{
    const char *const *names = cv->unicode ? stage_names_u : stage_names_a;
    int x = a.x;
    for (int i = 0; i < STAGE_COUNT; i++) {
        if (i) {
            x += canvas_text(cv, x, a.y, cv->unicode ? " › " : " > ", ROLE_TEXT_DIM, 0, a.x + a.w - x);
        }
        bool cur = i == s->stage;
        x += canvas_text(cv, x, a.y, names[i], cur ? ROLE_HIGHLIGHT : ROLE_TEXT_DIM,
                         cur ? ATTR_BOLD | ATTR_REVERSE : 0, a.x + a.w - x);
    }
    char right[48];
    snprintf(right, sizeof right, "batch %ld", s->batches_seen + (s->ok ? 0 : 1));
    int len = (int)strlen(right);
    if (a.x + a.w - x >= len + 2)
        canvas_text(cv, a.x + a.w - len, a.y, right, ROLE_TEXT_DIM, 0, len);
}

/* The left table: the activations x as they arrived, one row per sample. */
static void draw_x_table(const BnStages *s, Canvas *cv, Rect r, const char *const *col_names)
{
    int rows = s->n;
    if (rows > TABLE_ROWS_MAX)
        rows = TABLE_ROWS_MAX;
    TableLabels row_names = TABLE_LABELS_INIT;
    table_labels_number(&row_names, "#", 1, rows);
    bool cell = s->stage == STAGE_ARRIVE || s->stage == STAGE_NORMALIZE || s->stage == STAGE_SCALE;
    TableSpec t = {
        .values = s->x, .rows = rows, .cols = s->c, .row_names = table_labels_names(&row_names),
        .col_names = col_names, .corner = "x", .sig = 4, .hl_row = cell ? s->sample : -1,
        .hl_col = s->stage == STAGE_RUNNING ? -1 : s->feature,
    };
    table_draw(cv, r, &t, NULL);
    table_labels_free(&row_names);
}

/* The right table: what the current stage computes. */
static void draw_stage_table(const BnStages *s, Canvas *cv, Rect r, const char *const *col_names)
{
    const BnSymbols *sym = bnlabels_symbols(cv->unicode);
    int c = s->c;
    double vals[(TABLE_ROWS_MAX + 8) * 64];
    int rows = 0, hl_row = -1;
    const char *corner = "";
    int cc = c < 64 ? c : 64;
    TableLabels row_names = TABLE_LABELS_INIT;
#define ROW(label, expr)                                                                           \
    do {                                                                                           \
        table_labels_add(&row_names, "%s", label);                                                 \
        for (int j = 0; j < cc; j++)                                                               \
            vals[rows * cc + j] = (expr);                                                          \
        rows++;                                                                                    \
    } while (0)
    char l1[24], l2[24], l3[24];
    switch (s->stage) {
    case STAGE_ARRIVE:
        corner = "layer";
        ROW(sym->gamma, s->gamma[j]);
        ROW(sym->beta, s->beta[j]);
        snprintf(l1, sizeof l1, "run %s", sym->mu);
        snprintf(l2, sizeof l2, "run %s", sym->var);
        ROW(l1, s->run_mean_old[j]);
        ROW(l2, s->run_var_old[j]);
        break;
    case STAGE_STATS:
        corner = "batch";
        ROW(sym->mu, s->mean[j]);
        ROW(sym->var, s->var[j]);
        snprintf(l1, sizeof l1, "%s(%s+%s)", sym->sqrt, sym->var, sym->eps);
        ROW(l1, 1.0 / s->rstd[j]);
        break;
    case STAGE_NORMALIZE:
    case STAGE_SCALE: {
        const double *m = s->stage == STAGE_NORMALIZE ? s->xhat : s->y;
        corner = s->stage == STAGE_NORMALIZE ? "xhat" : "y";
        int shown = s->n < TABLE_ROWS_MAX ? s->n : TABLE_ROWS_MAX;
        int extra = r.h - 1 - shown >= 2 ? 2 : 0;   /* the check rows, when the table has room */
        for (int i = 0; i < shown; i++) {
            char lab[16];
            snprintf(lab, sizeof lab, "#%d", i + 1);
            ROW(lab, m[i * c + j]);
        }
        hl_row = s->sample;
        if (extra && s->stage == STAGE_NORMALIZE) {
            /* The promise of this stage, checked on the numbers: each column has mean 0 and variance 1. */
            double cm[64], cv2[64];
            stats_column_mean_var(cm, cv2, s->xhat, s->n, c < 64 ? c : 64, 0);
            snprintf(l1, sizeof l1, "%s", sym->mu);
            snprintf(l2, sizeof l2, "%s", sym->var);
            ROW(l1, cm[j]);
            ROW(l2, cv2[j]);
        } else if (extra) {
            ROW(sym->gamma, s->gamma[j]);
            ROW(sym->beta, s->beta[j]);
        }
        break;
    }
    case STAGE_RUNNING:
        corner = "running";
        snprintf(l1, sizeof l1, "old %s", sym->mu);
        snprintf(l2, sizeof l2, "batch %s", sym->mu);
        snprintf(l3, sizeof l3, "new %s", sym->mu);
        ROW(l1, s->run_mean_old[j]);
        ROW(l2, s->mean[j]);
        ROW(l3, s->run_mean[j]);
        hl_row = 2;
        snprintf(l1, sizeof l1, "old %s", sym->var);
        snprintf(l2, sizeof l2, "batch %s", sym->var);
        snprintf(l3, sizeof l3, "new %s", sym->var);
        ROW(l1, s->run_var_old[j]);
        ROW(l2, s->var[j]);
        ROW(l3, s->run_var[j]);
        break;
    }
#undef ROW
    TableSpec t = {
        .values = vals, .rows = rows, .cols = cc, .row_names = table_labels_names(&row_names),
        .col_names = col_names, .corner = corner, .sig = 4, .hl_row = hl_row, .hl_col = s->feature,
    };
    if (s->stage == STAGE_RUNNING || s->stage == STAGE_STATS)
        t.hl_row = -1;
    table_draw(cv, r, &t, NULL);
    table_labels_free(&row_names);
}

static void draw_histogram(const BnStages *s, Canvas *cv, Rect r)
{
    int c = s->c, j = s->feature;
    double before[4096];
    int n = s->n < 4096 ? s->n : 4096;
    const double *out = s->stage == STAGE_NORMALIZE ? s->xhat : s->y;
    bool two = s->stage >= STAGE_NORMALIZE;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) {
        before[i] = s->x[i * c + j];
        lo = fmin(lo, before[i]);
        hi = fmax(hi, before[i]);
        if (two) {
            lo = fmin(lo, out[i * c + j]);
            hi = fmax(hi, out[i * c + j]);
        }
    }
    if (!(hi > lo)) {
        lo -= 0.5;
        hi += 0.5;
    }
    double after[4096];
    for (int i = 0; i < n && two; i++)
        after[i] = out[i * c + j];
    int cb[HIST_BINS], ca[HIST_BINS];
    double db[HIST_BINS], da[HIST_BINS];
    stats_histogram(cb, NULL, NULL, before, n, lo, hi, HIST_BINS);
    stats_histogram(ca, NULL, NULL, after, two ? n : 0, lo, hi, HIST_BINS);
    for (int k = 0; k < HIST_BINS; k++) {
        db[k] = cb[k];
        da[k] = ca[k];
    }
    double m_after = 0, v_after = 0;
    if (two)
        stats_mean_var(&m_after, &v_after, after, n, 0);
    HistSeries hs[2] = {
        { .counts = db, .bins = HIST_BINS, .lo = lo, .hi = hi, .name = "x", .stats = s->stage >= STAGE_STATS,
          .mean = s->mean[j], .sd = sqrt(s->var[j]) },
        { .counts = da, .bins = HIST_BINS, .lo = lo, .hi = hi,
          .name = s->stage == STAGE_NORMALIZE ? "xhat" : "y", .stats = false, .mean = m_after,
          .sd = sqrt(v_after) },
    };
    char xlabel[32];
    snprintf(xlabel, sizeof xlabel, "feat %d", j + 1);
    HistogramSpec spec = {
        .series = hs, .nseries = two ? 2 : 1, .layout = r.h >= LAYOUT_H_MIRROR ? HIST_MIRROR : HIST_OVERLAY,
        .x = { .fixed = true, .lo = lo, .hi = hi, .label = xlabel },
    };
    histogram_draw(cv, r, &spec);
}

/* Batch means and the running mean of the watched feature over the batches: the running one settles. */
static void draw_history(const BnStages *s, Canvas *cv, Rect r)
{
    const BnSymbols *sym = bnlabels_symbols(cv->unicode);
    double bm[HISTORY_MAX + 1], rm[HISTORY_MAX + 1], pm[HISTORY_MAX + 1], hx[HISTORY_MAX + 1];
    int j = s->feature, n = 0;
    /* The running statistics start at 0 before the first batch (stages_create): show that start. */
    if (s->hist_n > 0 && s->hist_x[0] == 1.0) {
        hx[n] = 0.0;
        bm[n] = NAN;
        rm[n] = 0.0;
        pm[n] = s->pop_mean[j];
        n++;
    }
    for (int i = 0; i < s->hist_n; i++, n++) {
        hx[n] = s->hist_x[i];
        bm[n] = s->hist_batch_mean[i * s->c + j];
        rm[n] = s->hist_run_mean[i * s->c + j];
        pm[n] = s->pop_mean[j];
    }
    /* The newest batch is folded in on arrival (so every stage can show its numbers), but the chart
     * agrees with the table: its μ from stage (b), the running update only from stage (e). */
    if (n > 0 && s->hist_n > 0) {
        if (s->stage < STAGE_STATS)
            bm[n - 1] = NAN;
        if (s->stage < STAGE_RUNNING)
            rm[n - 1] = NAN;
    }
    char n1[32], n2[32], n3[32], ylab[32];
    snprintf(n1, sizeof n1, "running %s", sym->mu);
    snprintf(n2, sizeof n2, "batch %s", sym->mu);
    snprintf(n3, sizeof n3, "data %s", sym->mu);
    snprintf(ylab, sizeof ylab, "feat %d", j + 1);
    LineSeries ls[3] = {
        { .x = hx, .y = rm, .n = n, .name = n1 },
        { .x = hx, .y = bm, .n = n, .name = n2 },
        { .x = hx, .y = pm, .n = n, .name = n3 },
    };
    LineChartSpec spec = {
        .series = ls, .nseries = 3, .legend = true,
        .x = { .label = "batch" }, .y = { .label = ylab },
    };
    if (n < 3) {
        spec.x.fixed = true;
        spec.x.lo = 0;
        spec.x.hi = 10;
    }
    linechart_draw(cv, r, &spec);
}

/* The current stage's formula, then the same formula with the highlighted numbers plugged in, then
 * (when there is room) a sentence on why. */
/* Stage (e): the convention's update rule, worked for the watched feature (l1..l4 hold size bytes). */
static void formula_running(const BnStages *s, const BnSymbols *y, BnNumbers *nb, char *l1, char *l2, char *l3,
                            char *l4, size_t size)
{
    int j = s->feature, n = s->n;
    double a = s->alpha;
    const char *om = bnlabels_num(nb, s->run_mean_old[j]), *ov = bnlabels_num(nb, s->run_var_old[j]);
    const char *bm = bnlabels_num(nb, s->mean[j]), *bv = bnlabels_num(nb, s->var[j]);
    const char *nm = bnlabels_num(nb, s->run_mean[j]), *nv = bnlabels_num(nb, s->run_var[j]);
    switch (s->convention) {
    case BN_CONVENTION_PYTORCH:
        snprintf(l1, size, "pytorch, %s = %s: new = (1 %s %s)%sold + %s%sbatch;" FITLINE_SEP " %s stored %s N/(N%s1)",
                 y->alpha, bnlabels_num(nb, a), y->minus, y->alpha, y->dot, y->alpha, y->dot, y->var, y->times,
                 y->minus);
        snprintf(l2, size, "feature %d: running %s = %s%s%s + %s%s%s = %s", j + 1, y->mu,
                 bnlabels_num(nb, 1 - a), y->dot, om, bnlabels_num(nb, a), y->dot, bm, nm);
        snprintf(l3, size, "feature %d: running %s = %s%s%s + %s%s%s%s%d/%d = %s", j + 1, y->var,
                 bnlabels_num(nb, 1 - a), y->dot, ov, bnlabels_num(nb, a), y->dot, bv, y->dot, n, n - 1, nv);
        break;
    case BN_CONVENTION_KERAS:
        snprintf(l1, size, "keras, momentum m = %s: new = m%sold + (1 %s m)%sbatch;" FITLINE_SEP " %s stored as is",
                 bnlabels_num(nb, s->momentum), y->dot, y->minus, y->dot, y->var);
        snprintf(l2, size, "feature %d: running %s = %s%s%s + %s%s%s = %s", j + 1, y->mu,
                 bnlabels_num(nb, s->momentum), y->dot, om, bnlabels_num(nb, 1 - s->momentum), y->dot, bm, nm);
        snprintf(l3, size, "feature %d: running %s = %s%s%s + %s%s%s = %s", j + 1, y->var,
                 bnlabels_num(nb, s->momentum), y->dot, ov, bnlabels_num(nb, 1 - s->momentum), y->dot, bv, nv);
        break;
    case BN_CONVENTION_PAPER:
        snprintf(l1, size, "paper (Algorithm 2): the average over k batches of a frozen net;" FITLINE_SEP " %s %s N/(N%s1)", y->var, y->times,
                 y->minus);
        snprintf(l2, size, "feature %d, k = %ld: running %s = %s + (%s %s %s)/%ld = %s", j + 1,
                 s->batches_seen, y->mu, om, bm, y->minus, bnlabels_term(nb, s->run_mean_old[j]),
                 s->batches_seen, nm);
        snprintf(l3, size, "feature %d, k = %ld: running %s = %s + (%s%s%d/%d %s %s)/%ld = %s", j + 1,
                 s->batches_seen, y->var, ov, bv, y->dot, n, n - 1, y->minus, ov, s->batches_seen, nv);
        break;
    }
    if (s->convention == BN_CONVENTION_PAPER)
        snprintf(l4, size, "No momentum: the layer before BN is fixed here, so every batch counts the same.");
    else
        snprintf(l4, size, "%s is the running statistics' momentum, not the optimizer's.", y->alpha);
}

static void draw_formula(const BnStages *s, Canvas *cv, Rect r)
{
    const BnSymbols *y = bnlabels_symbols(cv->unicode);
    BnNumbers nb;
    bnlabels_numbers_init(&nb, cv->unicode, 4);
    char l1[256] = "", l2[256] = "", l3[256] = "", l4[256] = "";
    /* Shorter wordings for narrow screens (empty: none); segments (FITLINE_SEP) drop whole. */
    char s1[256] = "", s2[256] = "", s3[256] = "", s4[256] = "";
    int j = s->feature, i = s->sample, c = s->c, n = s->n;
    double xv = s->x[i * c + j];
    char src[128];
    bnsource_describe(&s->source, src, sizeof src, cv->unicode);
    switch (s->stage) {
    case STAGE_ARRIVE:
        snprintf(l1, sizeof l1, "x: %d samples %s %d features," FITLINE_SEP " from %s", n, y->times, c, src);
        snprintf(l2, sizeof l2, "sample #%d, feature %d: x = %s. BN treats every column on its own.", i + 1, j + 1,
                 bnlabels_num(&nb, xv));
        snprintf(l3, sizeof l3, "The highlighted cell feeds the formulas below (f: feature, x: sample).");
        snprintf(s3, sizeof s3, "The highlighted cell feeds the formulas (f: feature, x: sample).");
        break;
    case STAGE_STATS: {
        double sum = 0, sq = 0;
        for (int k = 0; k < n; k++) {
            sum += s->x[k * c + j];
            sq += (s->x[k * c + j] - s->mean[j]) * (s->x[k * c + j] - s->mean[j]);
        }
        const char *rule = cv->unicode ? "μ = Σx / N    σ² = Σ(x − μ)² / N" : "mu = sum(x) / N    var = sum((x - mu)^2) / N";
        snprintf(l1, sizeof l1, "%s    over the N = %d samples of a column", rule, n);
        snprintf(s1, sizeof s1, "%s" FITLINE_SEP "    (N = %d samples)", rule, n);
        snprintf(l2, sizeof l2, "feature %d: %s = %s / %d = %s" FITLINE_SEP "    %s = %s / %d = %s", j + 1, y->mu,
                 bnlabels_num(&nb, sum), n, bnlabels_num(&nb, s->mean[j]), y->var, bnlabels_num(&nb, sq), n,
                 bnlabels_num(&nb, s->var[j]));
        snprintf(l3, sizeof l3, "Batch statistics: they change with every mini-batch (press b for another).");
        snprintf(s3, sizeof s3, "Batch statistics: every mini-batch has its own (b: another batch).");
        break;
    }
    case STAGE_NORMALIZE:
        /* eps = 0 is allowed (to show why it exists): then nothing guards the division. */
        snprintf(l1, sizeof l1, "xhat = (x %s %s) / %s(%s + %s)" FITLINE_SEP "    %s = %s %s when %s is 0",
                 y->minus, y->mu, y->sqrt, y->var, y->eps, y->eps, bnlabels_num(&nb, s->eps),
                 s->eps > 0 ? "keeps the division safe" : "leaves the division unguarded", y->var);
        snprintf(l2, sizeof l2, "#%d, feature %d: xhat = (%s %s %s) / %s(%s + %s) = %s", i + 1, j + 1,
                 bnlabels_num(&nb, xv), y->minus, bnlabels_num(&nb, s->mean[j]), y->sqrt,
                 bnlabels_num(&nb, s->var[j]), bnlabels_num(&nb, s->eps), bnlabels_num(&nb, s->xhat[i * c + j]));
        if (s->eps > 0) {
            snprintf(l3, sizeof l3, "Every column now has mean 0 and variance 1 (a hair under 1, because of %s).",
                     y->eps);
            snprintf(s3, sizeof s3, "Every column now has mean 0 and variance 1 (a hair under: %s).", y->eps);
        } else
            snprintf(l3, sizeof l3, "Every column now has mean 0 and variance exactly 1 (%s = 0 takes nothing off).",
                     y->eps);
        break;
    case STAGE_SCALE:
        snprintf(l1, sizeof l1, "y = %s%sxhat + %s" FITLINE_SEP "    %s and %s are learned, one pair per feature", y->gamma, y->dot,
                 y->beta, y->gamma, y->beta);
        snprintf(l2, sizeof l2, "#%d, feature %d: y = %s%s%s + %s = %s", i + 1, j + 1, bnlabels_num(&nb, s->gamma[j]),
                 y->dot, bnlabels_num(&nb, s->xhat[i * c + j]), bnlabels_num(&nb, s->beta[j]),
                 bnlabels_num(&nb, s->y[i * c + j]));
        snprintf(l3, sizeof l3, "%s = 1, %s = 0 leave xhat as it is; learned values can rescale it, or undo it.",
                 y->gamma, y->beta);
        snprintf(s3, sizeof s3, "%s = 1, %s = 0 leave xhat as is; learned ones can rescale it, or undo it.",
                 y->gamma, y->beta);
        break;
    case STAGE_RUNNING:
        formula_running(s, y, &nb, l1, l2, l3, l4, sizeof l1);
        break;
    }
    const char *lines[4] = { l1, l2, l3, l4 }, *shorter[4] = { s1, s2, s3, s4 };
    bool numbers[4] = { false, true, s->stage == STAGE_RUNNING, false };
    for (int k = 0; k < r.h && k < 4; k++) {
        const char *alts[2] = { lines[k], shorter[k] };
        fitline_draw_first(cv, r.x, r.y + k, alts, shorter[k][0] ? 2 : 1, numbers[k] ? ROLE_HIGHLIGHT : ROLE_TEXT_DIM,
                           0, r.w);
    }
}

/* The plots: a histogram of the watched feature and, with room, the running mean over the batches. */
static void draw_plots(const BnStages *s, Canvas *cv, Rect r)
{
    if (!layout_chart_fits(r))

        return;
    Rect one, two;
    if (layout_fits(r, LAYOUT_W_CHART_BESIDE, LAYOUT_H_STACK_TWO)) {
        rect_split_rows(r, r.h / 2, 1, &one, &two);
    } else if (layout_fits(r, LAYOUT_W_SIDE_PANEL, 0)) {
        rect_split_cols(r, r.w / 2, 2, &one, &two);
    } else {
        draw_histogram(s, cv, r);
        return;
    }
    draw_histogram(s, cv, one);
    draw_history(s, cv, two);
}

static void draw_error(const BnStages *s, Canvas *cv, Rect msg)
{
    const BnSymbols *y = bnlabels_symbols(cv->unicode);
    char line[ERROR_MESSAGE_MAX + 200];
    snprintf(line, sizeof line, "Training-mode BN refuses: %s. With one sample %s = x and %s = 0, so every xhat "
             "would be 0.", s->error, y->mu, y->var);
    canvas_text(cv, msg.x, msg.y, "no batch statistics", ROLE_WARNING, ATTR_BOLD, msg.w);
    /* Wrapped by hand into the free rows: the message carries the lesson. */
    const char *p = line;
    for (int row = 1; row < msg.h && *p; row++) {
        int len = (int)strlen(p), take = len < msg.w ? len : msg.w;
        if (take < len)
            while (take > 0 && p[take] != ' ')
                take--;
        if (take <= 0)
            take = len < msg.w ? len : msg.w;
        char buf[sizeof line];
        memcpy(buf, p, (size_t)take);
        buf[take] = '\0';
        canvas_text(cv, msg.x, msg.y + row, buf, ROLE_WARNING, 0, msg.w);
        p += take;
        while (*p == ' ')
            p++;
    }
}

static void stages_draw(const void *self, Canvas *cv, Rect a)
{
    const BnStages *s = self;
    draw_strip(s, cv, rect_make(a.x, a.y, a.w, 1));
    bool roomy = a.h >= LAYOUT_H_FORMULA_4;
    int flines = roomy ? 4 : a.h >= LAYOUT_H_FORMULA_3 ? 3 : 2;
    int top = a.y + 1 + (a.h >= LAYOUT_H_TALL ? 1 : 0);
    int bottom = a.y + a.h - flines - (roomy ? 1 : 0);
    Rect body = rect_make(a.x, top, a.w, bottom - top);
    Rect formula = rect_make(a.x, a.y + a.h - flines, a.w, flines);

    TableLabels features = TABLE_LABELS_INIT;
    table_labels_number(&features, "feat ", 1, s->c < 64 ? s->c : 64);
    int shown = s->n < TABLE_ROWS_MAX ? s->n : TABLE_ROWS_MAX;
    int th = 1 + shown;
    if (body.h - th >= 10)
        th += 2;                /* room for the check rows under xhat and y */
    if (th > body.h)
        th = body.h;
    int tw = table_width(s->c, 3), tw2 = table_width(s->c, stage_names_width(s, cv->unicode));
    if (tw + tw2 + 2 > body.w) {
        tw = (body.w - 2) / 2;
        tw2 = body.w - 2 - tw;
    }
    Rect tables = rect_make(body.x, body.y, tw + 2 + tw2, th);
    Rect left, right;
    rect_split_cols(tables, tw, 2, &left, &right);
    draw_x_table(s, cv, left, table_labels_names(&features));
    Rect side = rect_make(tables.x + tables.w + 3, body.y, body.w - tables.w - 3, body.h);
    Rect below = rect_make(body.x, body.y + th + 1, body.w, body.h - th - 1);
    if (s->ok)
        draw_stage_table(s, cv, right, table_labels_names(&features));
    table_labels_free(&features);
    if (!s->ok) {
        draw_error(s, cv, rect_make(right.x, right.y, body.x + body.w - right.x, body.h));
        return;
    }
    if (layout_fits(side, LAYOUT_W_SIDE_COLUMN, 0))

        draw_plots(s, cv, side);
    else
        draw_plots(s, cv, below);
    draw_formula(s, cv, formula);
}

const SceneClass scene_bn_stages = {
    .schema = SCENE_SCHEMA_BOUNDED("bn-stages", "one BN forward pass on a live mini-batch, stage by stage",
                                   stages_settings, stages_lives, stages_extents),
    .headline = "mean[0]",
    .headline_label = "batch mean of feature 1",
    .create = stages_create,
    .destroy = stages_destroy,
    .step = stages_step,
    .steps_per_second = 1.0,
    .draw = stages_draw,
    .keys = stages_keys,
    .key_count = SCENE_COUNT(stages_keys),
};
