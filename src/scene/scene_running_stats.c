/* The 'running-stats' scene: running mean and variance converging to the population under two momenta and three conventions (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/batchnorm.h"
#include "engine/dataset.h"
#include "engine/stats.h"
#include "scene/netrun.h"
#include "scene/scene.h"
#include "scene/bnlabels.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "util/pcg32.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"
#include "view/table.h"

enum {
    RS_FEATURES_MAX = 16,
    RS_STEPS_MAX = 5000,    /* batches kept; the scene stops there */
};

static const double rs_alpha_presets[] = {0.01, 0.03, 0.1, 0.3, 0.5};

/* One momentum's running statistics: the state now, before the last update, and over the batches. */
typedef struct RsTrack {
    double alpha;
    double mean[RS_FEATURES_MAX], var[RS_FEATURES_MAX];
    double old_mean[RS_FEATURES_MAX], old_var[RS_FEATURES_MAX];
    long seen;
    double *hist_mean, *hist_var;   /* (F, T+1): feature f's curve is hist + f·(T+1) */
} RsTrack;

typedef struct RunStats {
    Dataset *train, *test;
    int dim, nf;                    /* input width, features watched */
    double *w;                      /* (dim, nf) the fixed layer whose outputs BN sees */
    double b[RS_FEATURES_MAX];
    double *z;                      /* (n, nf) the layer's output for the whole training set */
    double pop_mean[RS_FEATURES_MAX], pop_var[RS_FEATURES_MAX];   /* over the whole set, var biased */
    BatchSampler sampler;
    int batch;
    int *idx;                       /* (batch) */
    double *bz;                     /* (batch, nf) */
    long steps_max, step;
    double *batch_mean, *batch_var; /* (F, T) every batch's statistics (var biased), for replays */
    double *xs;                     /* (T+1) 0, 1, 2, ... */
    RsTrack track[2];
    int ntracks;                    /* 2 when alpha2 > 0 */
    BnConvention conv;
    int watch;
    int alpha_preset;               /* index into rs_alpha_presets, -1: the page's alpha */
} RunStats;

static long rs_t(const RunStats *s) { return s->steps_max + 1; }

static void rs_track_reset(RunStats *s, RsTrack *k)
{
    for (int f = 0; f < s->nf; f++) {
        k->mean[f] = k->old_mean[f] = 0.0;
        k->var[f] = k->old_var[f] = 1.0;
        k->hist_mean[f * rs_t(s)] = 0.0;
        k->hist_var[f * rs_t(s)] = 1.0;
    }
    k->seen = 0;
}

/* Folds batch t into a track with the engine's update and records the result at step t+1. */
static void rs_track_update(RunStats *s, RsTrack *k, long t)
{
    double mean[RS_FEATURES_MAX], var[RS_FEATURES_MAX];
    for (int f = 0; f < s->nf; f++) {
        mean[f] = s->batch_mean[f * s->steps_max + t];
        var[f] = s->batch_var[f * s->steps_max + t];
        k->old_mean[f] = k->mean[f];
        k->old_var[f] = k->var[f];
    }
    batchnorm_update_running(k->mean, k->var, &k->seen, mean, var, s->conv, bnrule_momentum(s->conv, k->alpha),
                             s->batch, s->nf);
    for (int f = 0; f < s->nf; f++) {
        k->hist_mean[f * rs_t(s) + t + 1] = k->mean[f];
        k->hist_var[f * rs_t(s) + t + 1] = k->var[f];
    }
}

/* Recomputes every track over the batches seen so far (after a convention or α change). */
static void rs_replay(RunStats *s)
{
    for (int a = 0; a < s->ntracks; a++) {
        rs_track_reset(s, &s->track[a]);
        for (long t = 0; t < s->step; t++)
            rs_track_update(s, &s->track[a], t);
    }
}

static void rs_destroy(void *self)
{
    RunStats *s = self;
    if (!s)
        return;
    dataset_destroy(s->train);
    dataset_destroy(s->test);
    if (s->sampler.order)
        sampler_free(&s->sampler);
    free(s->w);
    free(s->z);
    free(s->idx);
    free(s->bz);
    free(s->batch_mean);
    free(s->batch_var);
    free(s->xs);
    for (int a = 0; a < 2; a++) {
        free(s->track[a].hist_mean);
        free(s->track[a].hist_var);
    }
    free(s);
}

static void *rs_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    RunStats *s = xcalloc(1, sizeof *s);
    uint64_t mixed = netrun_seed(seed, lesson_page_int(page, "seed"));
    const char *name = dataset_resolve(lesson_page_enum(page, "dataset"), false, "synth784", NULL);
    bool big = strcmp(name, "synth784") == 0;
    if (!dataset_load(name, mixed, big ? 1000 : 0, big ? 10 : 10, &s->train, &s->test, err)) {
        rs_destroy(s);
        return NULL;
    }
    s->dim = s->train->dim;
    long nf = lesson_page_int(page, "features");
    s->nf = nf > RS_FEATURES_MAX ? RS_FEATURES_MAX : (int)nf;  /* the scene watches at most this many */
    int n = s->train->n;
    /* The inputs are standardized first, then a fixed random layer makes features with their own
     * centres and spreads: what a BN layer deep in a network would see. */
    double *x = xmalloc(sizeof *x * (size_t)n * (size_t)s->dim);
    dataset_rows(s->train, 0, n, x);
    stats_standardize_columns(x, NULL, NULL, x, n, s->dim);
    Pcg32 rng;
    pcg32_seed(&rng, mixed, 0x7275); /* "ru" */
    s->w = xcalloc((size_t)s->dim * (size_t)s->nf, sizeof *s->w);
    for (int d = 0; d < s->dim; d++)
        for (int f = 0; f < s->nf; f++)
            s->w[d * s->nf + f] = pcg32_normal(&rng) * 1.2 / sqrt((double)s->dim);
    for (int f = 0; f < s->nf; f++)
        s->b[f] = (pcg32_uniform(&rng) < 0.5 ? -1 : 1) * (1.0 + 2.0 * pcg32_uniform(&rng));
    s->z = xcalloc((size_t)n * (size_t)s->nf, sizeof *s->z);
    for (int r = 0; r < n; r++)
        for (int f = 0; f < s->nf; f++) {
            double acc = s->b[f];
            for (int d = 0; d < s->dim; d++)
                acc += x[(size_t)r * s->dim + d] * s->w[d * s->nf + f];
            s->z[(size_t)r * s->nf + f] = acc;
        }
    free(x);
    stats_column_mean_var(s->pop_mean, s->pop_var, s->z, n, s->nf, 0);
    long batch = lesson_page_int(page, "batch");
    s->batch = batch > n ? n : (int)batch;     /* no larger than the data set */
    sampler_init(&s->sampler, n, mixed ^ 0xB47C4ULL);
    s->idx = xcalloc((size_t)s->batch, sizeof *s->idx);
    s->bz = xcalloc((size_t)s->batch * (size_t)s->nf, sizeof *s->bz);
    long steps = lesson_page_int(page, "steps");
    s->steps_max = steps < 1 ? 1 : steps > RS_STEPS_MAX ? RS_STEPS_MAX : steps;   /* the charts' span */
    s->batch_mean = xcalloc((size_t)s->nf * (size_t)s->steps_max, sizeof *s->batch_mean);
    s->batch_var = xcalloc((size_t)s->nf * (size_t)s->steps_max, sizeof *s->batch_var);
    s->xs = xcalloc((size_t)rs_t(s), sizeof *s->xs);
    for (long t = 0; t < rs_t(s); t++)
        s->xs[t] = (double)t;
    BnRule rule = bnrule_of_page(page);
    double alpha2 = lesson_page_real(page, "alpha2");
    s->track[0].alpha = rule.alpha;
    s->track[1].alpha = alpha2;
    s->ntracks = alpha2 > 0 ? 2 : 1;
    for (int a = 0; a < 2; a++) {
        s->track[a].hist_mean = xcalloc((size_t)s->nf * (size_t)rs_t(s), sizeof(double));
        s->track[a].hist_var = xcalloc((size_t)s->nf * (size_t)rs_t(s), sizeof(double));
    }
    s->conv = rule.convention;
    s->alpha_preset = -1;
    rs_replay(s);
    return s;
}

static void rs_step(void *self)
{
    RunStats *s = self;
    if (s->step >= s->steps_max)
        return;
    sampler_next(&s->sampler, s->idx, s->batch);
    for (int r = 0; r < s->batch; r++)
        memcpy(s->bz + (size_t)r * s->nf, s->z + (size_t)s->idx[r] * s->nf, sizeof(double) * (size_t)s->nf);
    double mean[RS_FEATURES_MAX], var[RS_FEATURES_MAX];
    stats_column_mean_var(mean, var, s->bz, s->batch, s->nf, 0);
    for (int f = 0; f < s->nf; f++) {
        s->batch_mean[f * s->steps_max + s->step] = mean[f];
        s->batch_var[f * s->steps_max + s->step] = var[f];
    }
    for (int a = 0; a < s->ntracks; a++)
        rs_track_update(s, &s->track[a], s->step);
    s->step++;
}

static bool rs_key_convention(void *self, int key)
{
    RunStats *s = self;
    s->conv = (BnConvention)((s->conv + 1) % 3);
    rs_replay(s);
    return true;
}

/* Steps through the presets; the first press goes to the smallest preset above the page's α. */
static bool rs_key_alpha(void *self, int key)
{
    RunStats *s = self;
    int n = (int)(sizeof rs_alpha_presets / sizeof rs_alpha_presets[0]);
    int next = 0;
    if (s->alpha_preset >= 0) {
        next = (s->alpha_preset + 1) % n;
    } else {
        while (next < n && rs_alpha_presets[next] <= s->track[0].alpha)
            next++;
        next %= n;
    }
    s->alpha_preset = next;
    s->track[0].alpha = rs_alpha_presets[next];
    rs_replay(s);
    return true;
}

static bool rs_key_feature(void *self, int key)
{
    RunStats *s = self;
    s->watch = (s->watch + 1) % s->nf;
    return true;
}

static const SceneKeyAction rs_keys[] = {
    { "c", "convention", rs_key_convention },
    { "a", "alpha", rs_key_alpha },
    { "f", "next feature", rs_key_feature },
};

/* Feature index[0] of a per-feature figure. */
static bool rs_feature(const RunStats *s, const double *v, const int *index, double *out)
{
    if (index[0] < 0 || index[0] >= s->nf)
        return false;
    *out = v[index[0]];
    return true;
}

/* The latest batch's statistic (none before the first batch). */
static bool rs_latest(const RunStats *s, const double *per_step, const int *index, double *out)
{
    if (s->step <= 0 || index[0] < 0 || index[0] >= s->nf)
        return false;
    *out = per_step[index[0] * s->steps_max + s->step - 1];
    return true;
}

static bool live_running_mean(const void *self, const int *index, double *out)
{
    return rs_feature(self, ((const RunStats *)self)->track[0].mean, index, out);
}

static bool live_running_var(const void *self, const int *index, double *out)
{
    return rs_feature(self, ((const RunStats *)self)->track[0].var, index, out);
}

/* The second track (alpha2); none when the page has no alpha2. */
static bool rs_second(const RunStats *s, const double *v, const int *index, double *out)
{
    return s->ntracks > 1 && rs_feature(s, v, index, out);
}

static bool live_running_mean2(const void *self, const int *index, double *out)
{
    return rs_second(self, ((const RunStats *)self)->track[1].mean, index, out);
}

static bool live_running_var2(const void *self, const int *index, double *out)
{
    return rs_second(self, ((const RunStats *)self)->track[1].var, index, out);
}

static bool live_population_mean(const void *self, const int *index, double *out)
{
    return rs_feature(self, ((const RunStats *)self)->pop_mean, index, out);
}

static bool live_population_var(const void *self, const int *index, double *out)
{
    return rs_feature(self, ((const RunStats *)self)->pop_var, index, out);
}

static bool live_batch_mean(const void *self, const int *index, double *out)
{
    return rs_latest(self, ((const RunStats *)self)->batch_mean, index, out);
}

static bool live_batch_var(const void *self, const int *index, double *out)
{
    return rs_latest(self, ((const RunStats *)self)->batch_var, index, out);
}

static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const RunStats *)self)->step;
    return true;
}

static const CatalogLive rs_lives[] = {
    { "running_mean", 1, "running mean of feature i", live_running_mean },
    { "running_var", 1, "running variance of feature i", live_running_var },
    { "running_mean2", 1, "running mean of feature i with momentum alpha2 (none without alpha2)", live_running_mean2 },
    { "running_var2", 1, "running variance of feature i with momentum alpha2", live_running_var2 },
    { "batch_mean", 1, "latest batch mean of feature i", live_batch_mean },
    { "batch_var", 1, "latest batch variance", live_batch_var },
    { "population_mean", 1, "mean of feature i over the whole data set", live_population_mean },
    { "population_var", 1, "variance of feature i over the whole data set", live_population_var },
    { "step", 0, "batches seen", live_step },
};

/* The settings that bound their indices, so `bntutor check` can warn about one out of range. */
static const CatalogLiveExtent rs_extents[] = {
    { "running_mean", { "features" } },
    { "running_var", { "features" } },
    { "batch_mean", { "features" } },
    { "batch_var", { "features" } },
    { "population_mean", { "features" } },
    { "population_var", { "features" } },
};

static const CatalogSetting setting_alpha2 = {
    .name = "alpha2", .type = SETTING_REAL, .min = 0, .max = 1, .fallback = "0",
    .help = "a second momentum drawn beside alpha for comparison (0: none)" };

static const CatalogSceneSetting rs_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, NULL }, { &setting_batch, "16" }, { &setting_features, NULL },
    { &setting_alpha, NULL }, { &setting_alpha2, NULL }, { &setting_convention, NULL }, { &setting_eps, NULL },
    { &setting_steps, "300" }, { &setting_autoplay, NULL }, { &setting_speed, NULL },
};

/* ---- drawing --------------------------------------------------------------------------------- */

/* The convention's rule for the mean (which 0) or variance (1) of the watched feature, with numbers. */
static void rs_formula(const RunStats *s, int which, bool u, char *line, size_t size)
{
    const RsTrack *k = &s->track[0];
    int f = s->watch;
    char o[FORMAT_MAX], b[FORMAT_MAX], r[FORMAT_MAX], a[FORMAT_MAX], m[FORMAT_MAX];
    const char *dot = bnlabels_symbols(u)->dot;
    const char *what = which == 0 ? "mean" : "var ";
    if (s->step == 0) {
        if (which == 0)
            snprintf(line, size, "running mean starts at 0 and running var at 1:" FITLINE_SEP " step to draw a batch");
        else
            snprintf(line, size, "pop = population value over all %d samples" FITLINE_SEP " (flat line)", s->train->n);
        return;
    }
    double bm = s->batch_mean[f * s->steps_max + s->step - 1];
    double bv = s->batch_var[f * s->steps_max + s->step - 1];
    double old = which == 0 ? k->old_mean[f] : k->old_var[f];
    double now = which == 0 ? k->mean[f] : k->var[f];
    bnlabels_number(r, now, 4, u);
    /* Bessel's n/(n-1); a batch of one has none (the engine uses 1), so never print "1/0". */
    char bes[32];
    if (s->batch > 1)
        snprintf(bes, sizeof bes, "%d/%d", s->batch, s->batch - 1);
    else
        snprintf(bes, sizeof bes, "1");
    switch (s->conv) {
    case BN_CONVENTION_PYTORCH:
        bnlabels_number(a, 1.0 - k->alpha, 4, u);
        bnlabels_number(m, k->alpha, 4, u);
        if (which == 0)
            snprintf(line, size, "%s = (1-%s)%sold + %s%sbatch" FITLINE_SEP " = %s%s%s + %s%s%s = %s", what, u ? "α" : "a", dot,
                     u ? "α" : "a", dot, a, dot, bnlabels_number(o, old, 4, u), m, dot, bnlabels_number(b, bm, 4, u), r);
        else
            snprintf(line, size, "%s = %s%s%s + %s%s(%s%s%s) = %s" FITLINE_SEP "  (%s)", what, a, dot, bnlabels_number(o, old, 4, u), m, dot,
                     bnlabels_number(b, bv, 4, u), dot, bes, r, s->batch > 1 ? "unbiased batch var" : "batch of 1: no unbiased var");
        break;
    case BN_CONVENTION_KERAS:
        bnlabels_number(a, 1.0 - k->alpha, 4, u);
        bnlabels_number(m, k->alpha, 4, u);
        if (which == 0)
            snprintf(line, size, "%s = m%sold + (1-m)%sbatch, m = 1-%s = %s:" FITLINE_SEP " %s%s%s + %s%s%s = %s", what, dot, dot,
                     u ? "α" : "a", a, a, dot, bnlabels_number(o, old, 4, u), m, dot, bnlabels_number(b, bm, 4, u), r);
        else
            snprintf(line, size, "%s = %s%s%s + %s%s%s = %s" FITLINE_SEP "  (biased batch var%s%s)", what, a, dot,
                     bnlabels_number(o, old, 4, u), m, dot, bnlabels_number(b, bv, 4, u), r, s->batch > 1 ? ", no " : "", s->batch > 1 ? bes : "");
        break;
    case BN_CONVENTION_PAPER:
        if (which == 0)
            snprintf(line, size, "%s = average of all %ld batch means = %s" FITLINE_SEP "  (no %s)", what, k->seen, r,
                     bnlabels_symbols(u)->alpha);
        else
            snprintf(line, size, "%s = average of all %ld batch vars %s %s = %s%s", what, k->seen,
                     bnlabels_symbols(u)->times, bes, r, s->batch > 1 ? "" : FITLINE_SEP "  (batch of 1: no n/(n-1))");
        break;
    }
}

/* Running mean (which 0) or variance (1) of the watched feature over the batches, population flat. */
static void rs_chart(const RunStats *s, Canvas *cv, Rect area, int which, bool with_batches)
{
    int f = s->watch;
    bool u = cv->unicode;
    static char names[3][32];
    double pop = which == 0 ? s->pop_mean[f] : s->pop_var[f];
    double px[2] = {0, (double)s->steps_max}, py[2] = {pop, pop};
    LineSeries series[4];
    int ns = 0;
    int tracks = s->conv == BN_CONVENTION_PAPER ? 1 : s->ntracks;
    for (int a = 0; a < tracks; a++) {
        const RsTrack *k = &s->track[a];
        if (s->conv == BN_CONVENTION_PAPER)
            snprintf(names[a], sizeof names[a], "average");
        else
            snprintf(names[a], sizeof names[a], "%s%g", u ? "α" : "a", k->alpha);
        series[ns++] = (LineSeries){s->xs, (which == 0 ? k->hist_mean : k->hist_var) + f * rs_t(s), (int)s->step + 1,
                                    names[a]};
    }
    while (ns < 2)
        series[ns++] = (LineSeries){NULL, NULL, 0, NULL};
    series[ns++] = (LineSeries){px, py, 2, "pop"};
    if (with_batches && s->step > 0)
        series[ns++] = (LineSeries){s->xs + 1, (which == 0 ? s->batch_mean : s->batch_var) + f * s->steps_max,
                                    (int)s->step, "batch"};
    LineChartSpec spec = {.series = series, .nseries = ns, .legend = true};
    spec.y.label = which == 0 ? "run mean" : "run var";
    spec.x = (AxisSpec){.fixed = true, .lo = 0, .hi = (double)s->steps_max, .label = "batch"};
    linechart_draw(cv, area, &spec);
}

/* Every feature: population, each track and the latest batch (columns that have no value yet, or
 * a second track that is switched off, are left out rather than shown as nan). */
static void rs_table(const RunStats *s, Canvas *cv, Rect area)
{
    enum { COLS_MAX = 8 };
    int rows = area.h - 1 < s->nf ? area.h - 1 : s->nf;
    if (rows < 1)
        return;
    char r1[32], r2[32];
    bool paper = s->conv == BN_CONVENTION_PAPER;
    /* The paper's average ignores α: both tracks hold the same numbers, so one column, named so. */
    if (paper)
        snprintf(r1, sizeof r1, "run avg");
    else
        snprintf(r1, sizeof r1, "run %s%g", cv->unicode ? "α" : "a", s->track[0].alpha);
    snprintf(r2, sizeof r2, "run %s%g", cv->unicode ? "α" : "a", s->track[1].alpha);
    bool two = s->ntracks > 1 && !paper, batch = s->step > 0;
    const char *cols[COLS_MAX];
    int ncols = 0;
    cols[ncols++] = "pop mean";
    cols[ncols++] = r1;
    if (two)
        cols[ncols++] = r2;
    if (batch)
        cols[ncols++] = "batch mean";
    cols[ncols++] = "pop var";
    cols[ncols++] = r1;
    if (two)
        cols[ncols++] = r2;
    if (batch)
        cols[ncols++] = "batch var";
    double v[RS_FEATURES_MAX * COLS_MAX];
    TableLabels row_names = TABLE_LABELS_INIT;
    table_labels_number(&row_names, "", 1, rows);
    for (int f = 0; f < rows; f++) {
        double *row = v + f * ncols;
        int c = 0;
        long last = f * s->steps_max + s->step - 1;
        row[c++] = s->pop_mean[f];
        row[c++] = s->track[0].mean[f];
        if (two)
            row[c++] = s->track[1].mean[f];
        if (batch)
            row[c++] = s->batch_mean[last];
        row[c++] = s->pop_var[f];
        row[c++] = s->track[0].var[f];
        if (two)
            row[c++] = s->track[1].var[f];
        if (batch)
            row[c++] = s->batch_var[last];
    }
    TableSpec spec = {.values = v, .rows = rows, .cols = ncols, .row_names = table_labels_names(&row_names),
                      .col_names = cols, .corner = "feat", .sig = 4, .hl_row = s->watch, .hl_col = -1};
    table_draw(cv, area, &spec, NULL);
    table_labels_free(&row_names);
}

static void rs_draw(const void *self, Canvas *cv, Rect area)
{
    const RunStats *s = self;
    bool u = cv->unicode;
    char line[512], a1[FORMAT_MAX], a2[FORMAT_MAX];
    const char *sep = u ? " · " : " - ";
    char alphas[96];
    if (s->conv == BN_CONVENTION_PAPER)
        snprintf(alphas, sizeof alphas, "frozen-net average, no %s", bnlabels_symbols(u)->alpha);
    else if (s->ntracks > 1)
        snprintf(alphas, sizeof alphas, "%s = %s vs %s", bnlabels_symbols(u)->alpha, bnlabels_number(a1, s->track[0].alpha, 4, u),
                 bnlabels_number(a2, s->track[1].alpha, 4, u));
    else
        snprintf(alphas, sizeof alphas, "%s = %s", bnlabels_symbols(u)->alpha, bnlabels_number(a1, s->track[0].alpha, 4, u));
    /* A shorter wording before anything is dropped; segments (FITLINE_SEP) drop whole, never mid-word. */
    char line_short[512];
    snprintf(line, sizeof line, "feature %d of %d%sbatch %ld of %ld (%d samples)%s%s%s%s", s->watch + 1, s->nf, sep,
             s->step, s->steps_max, s->batch, sep, batchnorm_convention_name(s->conv), sep, alphas);
    snprintf(line_short, sizeof line_short,
             "feature %d/%d" FITLINE_SEP "%sbatch %ld/%ld (%d samples)" FITLINE_SEP "%s%s" FITLINE_SEP "%s%s", s->watch + 1,
             s->nf, sep, s->step, s->steps_max, s->batch, sep, batchnorm_convention_name(s->conv), sep, alphas);
    const char *alts[2] = {line, line_short};
    SceneHead h = scene_head_begin(cv, area);
    scene_head_title_first(&h, alts, 2, ROLE_TITLE);
    for (int k = 0; k < 2; k++) {
        rs_formula(s, k, u, line, sizeof line);
        scene_head_line(&h, line, ROLE_DEFAULT, 0);
    }
    Rect below = scene_head_body(&h, 0);
    int row = below.y, rest = below.h;
    int table_h = 0;
    if (rest >= LAYOUT_H_ROW_BELOW && area.w >= LAYOUT_W_FULL)
        table_h = s->nf + 1 < rest / 3 ? s->nf + 1 : rest / 3;
    Rect charts = rect_make(area.x, row, area.w, rest - (table_h ? table_h + 1 : 0));
    Rect left, right;
    rect_split_cols(charts, (area.w - 2) / 2, 2, &left, &right);
    bool batches = layout_fits(area, LAYOUT_W_WIDE, 0);

    rs_chart(s, cv, left, 0, batches);
    rs_chart(s, cv, right, 1, batches);
    if (table_h)
        rs_table(s, cv, rect_make(area.x, area.y + area.h - table_h, area.w > 110 ? 110 : area.w, table_h));
}

const SceneClass scene_running_stats = {
    .schema = SCENE_SCHEMA_BOUNDED("running-stats", "running mean and variance converging under momentum alpha",
                                   rs_settings, rs_lives, rs_extents),
    .headline = "running_mean[0]",
    .headline_label = "running mean of feature 1",
    .create = rs_create,
    .destroy = rs_destroy,
    .step = rs_step,
    .steps_per_second = 10,
    .draw = rs_draw,
    .keys = rs_keys,
    .key_count = SCENE_COUNT(rs_keys),
};
