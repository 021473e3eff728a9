/* The 'stale-stats' scene: running statistics that no longer match the weights or the data (collected early, or a shifted test domain), and what recomputing them (PreciseBN, AdaBN) does (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mlp_infer.h"
#include "scene/layout.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"

/* Accuracy on the first test rows, every few steps while training (both statistics), and at the end. */
enum { STALE_TEST_ROWS = 1000, STALE_CURVE_ROWS = 500, STALE_EVERY = 50, STALE_LAYERS_MAX = 8 };

typedef enum StaleCase { STALE_EARLY, STALE_SHIFT } StaleCase;
/* The three statistics the scene compares: the net's own running averages, the stale ones, recomputed. */
enum { STATS_RUNNING, STATS_STALE, STATS_FIXED, STATS_COUNT };

typedef struct StaleStats {
    Lockstep ls;
    char data[48];                  /* what the data are, for the header: the page's set or its stand-in */
    StaleCase kind;
    long steps_max;
    long freeze;                    /* early: the step whose running statistics are kept */
    double shift;                   /* shift: added to every test input */
    int recompute;                  /* batches averaged when recomputing */
    int rows;                       /* test rows */
    int num_hidden;
    size_t stats_len;               /* Σ widths: one running mean (or variance) of every BN layer */
    double *saved;                  /* (2, stats_len) the net's running statistics while another set is in */
    double *stale;                  /* (2, stats_len) early: the statistics at step `freeze` */
    double *fixed;                  /* (2, stats_len) recomputed (PreciseBN or AdaBN), when done */
    bool have_stale, done;
    int used;                       /* batches the recomputation averaged */
    History at;                     /* (points) step */
    History acc[2];                 /* (points) STATS_RUNNING and STATS_STALE accuracy while training */
    /* done: the running statistics on the unshifted test rows, the stale ones (shift: the running ones on
     * the shifted rows) and the recomputed ones (shift: on the shifted rows) */
    double acc_final[STATS_COUNT];
    double gap[STATS_COUNT][STALE_LAYERS_MAX]; /* done: mean |μ − μ_fixed| / σ_fixed over each layer's units */
} StaleStats;

static const char *const stale_choices[] = { "early", "shift", NULL };
static const CatalogSetting setting_stale = {
    .name = "stale", .type = SETTING_ENUM, .choices = stale_choices, .fallback = "early",
    .help = "early: statistics kept from step `freeze` while the weights train on; shift: the test inputs shifted" };
static const CatalogSetting setting_freeze = {
    .name = "freeze", .type = SETTING_INT, .min = 0, .max = 1000000, .fallback = "10",
    .help = "stale = early: the step whose running statistics are kept (0: the untrained start, mean 0, variance 1)" };
static const CatalogSetting setting_shift = {
    .name = "shift", .type = SETTING_REAL, .min = -10, .max = 10, .fallback = "0.5",
    .help = "stale = shift: added to every test input (brighter pictures)" };
static const CatalogSetting setting_recompute = {
    .name = "recompute", .type = SETTING_INT, .min = 1, .max = 1000, .fallback = "50",
    .help = "batches averaged when the statistics are recomputed (PreciseBN on training batches, AdaBN on test batches)" };

/* Copies every BN layer's running mean and variance into buf (2, stats_len), or back from it. */
static void stats_copy(StaleStats *s, double *buf, bool into_net)
{
    Mlp *net = s->ls.mlp[0];
    size_t at = 0;
    for (int l = 0; l < net->num_hidden; l++) {
        MlpLayer *L = &net->hidden[l];
        size_t w = (size_t)L->out;
        double *m = buf + at, *v = buf + s->stats_len + at;
        if (into_net) {
            memcpy(L->running_mean, m, w * sizeof *m);
            memcpy(L->running_var, v, w * sizeof *v);
        } else {
            memcpy(m, L->running_mean, w * sizeof *m);
            memcpy(v, L->running_var, w * sizeof *v);
        }
        at += w;
    }
}

/* Test accuracy with the statistics `which` in the net (on the shifted rows when shifted), leaving the
 * net's own running statistics in place afterwards. */
static double stale_accuracy(StaleStats *s, int which, bool shifted, int rows)
{
    lockstep_sync(&s->ls, 0);
    if (which != STATS_RUNNING) {
        stats_copy(s, s->saved, false);
        stats_copy(s, which == STATS_STALE ? s->stale : s->fixed, true);
    }
    dataset_shift_inputs(s->ls.test, shifted ? s->shift : 0.0, 1.0);
    double acc = lockstep_test_accuracy(&s->ls, 0, rows);
    dataset_shift_inputs(s->ls.test, 0.0, 1.0);
    if (which != STATS_RUNNING)
        stats_copy(s, s->saved, true);
    return acc;
}

static void stale_record(StaleStats *s)
{
    history_push(&s->at, s->ls.step, (double)s->ls.step);
    bool shift = s->kind == STALE_SHIFT;
    history_push(&s->acc[STATS_RUNNING], s->ls.step, stale_accuracy(s, STATS_RUNNING, false, STALE_CURVE_ROWS));
    double stale = shift ? stale_accuracy(s, STATS_RUNNING, true, STALE_CURVE_ROWS)
                 : s->have_stale ? stale_accuracy(s, STATS_STALE, false, STALE_CURVE_ROWS) : NAN;
    history_push(&s->acc[STATS_STALE], s->ls.step, stale);
}

/* Mean over a layer's units of |μ − μ_fixed| / √(σ²_fixed + ε): how many standard deviations off. */
static void stale_gaps(StaleStats *s, int which, const double *stats)
{
    Mlp *net = s->ls.mlp[0];
    size_t at = 0;
    for (int l = 0; l < net->num_hidden && l < STALE_LAYERS_MAX; l++) {
        int w = net->hidden[l].out;
        double sum = 0.0;
        for (int j = 0; j < w; j++)
            sum += fabs(stats[at + j] - s->fixed[at + j]) / sqrt(s->fixed[s->stats_len + at + j] + net->eps);
        s->gap[which][l] = sum / w;
        at += (size_t)w;
    }
}

/* Training is over: recompute the statistics (PreciseBN from training batches, or AdaBN from the
 * shifted test inputs) and judge every set of statistics once. */
static void stale_finish(StaleStats *s)
{
    lockstep_sync(&s->ls, 0);
    Mlp *net = s->ls.mlp[0];
    stats_copy(s, s->saved, false);
    BnError err = { 0 };
    bool shift = s->kind == STALE_SHIFT;
    dataset_shift_inputs(s->ls.test, shift ? s->shift : 0.0, 1.0);
    const Dataset *from = shift ? s->ls.test : s->ls.train;
    bool ok = mlp_recompute_stats(net, from, s->recompute, s->ls.batch, &s->used, &err);
    dataset_shift_inputs(s->ls.test, 0.0, 1.0);
    stats_copy(s, s->fixed, false);
    stats_copy(s, s->saved, true);
    if (!ok)
        return;
    s->acc_final[STATS_RUNNING] = stale_accuracy(s, STATS_RUNNING, false, s->rows);
    /* Statistics kept from a step the run never reached (freeze past steps) do not exist: no figures. */
    bool stale = shift || s->have_stale;
    s->acc_final[STATS_STALE] = shift ? stale_accuracy(s, STATS_RUNNING, true, s->rows)
                              : stale ? stale_accuracy(s, STATS_STALE, false, s->rows) : NAN;
    s->acc_final[STATS_FIXED] = stale_accuracy(s, STATS_FIXED, shift, s->rows);
    stale_gaps(s, STATS_RUNNING, s->saved);
    if (stale)
        stale_gaps(s, STATS_STALE, shift ? s->saved : s->stale);
    else
        for (int l = 0; l < STALE_LAYERS_MAX; l++)
            s->gap[STATS_STALE][l] = NAN;
    s->done = true;
}

static void stale_destroy(void *self)
{
    StaleStats *s = self;
    if (!s)
        return;
    lockstep_free(&s->ls);
    history_free(&s->at);
    for (int k = 0; k < 2; k++)
        history_free(&s->acc[k]);
    free(s->saved);
    free(s->stale);
    free(s->fixed);
    free(s);
}

static void *stale_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    StaleStats *s = xcalloc(1, sizeof *s);
    LockstepConfig c;
    lockstep_config_from_page(&c, page, seed);
    lockstep_data_label(s->data, sizeof s->data, page);
    c.placements[0] = BN_PLACEMENT_BEFORE;
    c.nets = 1;
    c.float_steps = true;
    if (c.num_hidden > STALE_LAYERS_MAX) {
        error_set(err, "hidden", "this scene shows at most %d hidden layers", STALE_LAYERS_MAX);
        free(s);
        return NULL;
    }
    if (!lockstep_init(&s->ls, &c, err)) {
        free(s);
        return NULL;
    }
    s->kind = strcmp(lesson_page_enum(page, "stale"), "shift") == 0 ? STALE_SHIFT : STALE_EARLY;
    s->steps_max = lesson_page_int(page, "steps");
    s->freeze = lesson_page_int(page, "freeze");
    s->shift = lesson_page_real(page, "shift");
    s->recompute = (int)lesson_page_int(page, "recompute");
    s->rows = s->ls.test->n < STALE_TEST_ROWS ? s->ls.test->n : STALE_TEST_ROWS;
    s->num_hidden = c.num_hidden;
    for (int l = 0; l < s->ls.mlp[0]->num_hidden; l++)
        s->stats_len += (size_t)s->ls.mlp[0]->hidden[l].out;
    s->saved = xcalloc(2 * s->stats_len, sizeof *s->saved);
    s->stale = xcalloc(2 * s->stats_len, sizeof *s->stale);
    s->fixed = xcalloc(2 * s->stats_len, sizeof *s->fixed);
    if (s->kind == STALE_EARLY && s->freeze == 0) {
        stats_copy(s, s->stale, false);
        s->have_stale = true;
    }
    stale_record(s);
    if (s->steps_max == 0)
        stale_finish(s);
    return s;
}

static void stale_step(void *self)
{
    StaleStats *s = self;
    if (s->ls.diverged || s->ls.step >= s->steps_max)
        return;
    if (!lockstep_step(&s->ls))
        return;
    if (s->kind == STALE_EARLY && s->ls.step == s->freeze) {
        stats_copy(s, s->stale, false);
        s->have_stale = true;
    }
    if (s->ls.step % STALE_EVERY == 0 || s->ls.step == s->steps_max)
        stale_record(s);
    if (s->ls.step == s->steps_max)
        stale_finish(s);
}

static bool stale_halted(const void *self)
{
    return ((const StaleStats *)self)->ls.diverged;
}

/* ---- live values ---- */

static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const StaleStats *)self)->ls.step;
    return true;
}

static bool final_acc(const StaleStats *s, int which, double *out)
{
    return s->done && scene_finite(s->acc_final[which], out);
}
static bool live_acc_running(const void *self, const int *index, double *out) { return final_acc(self, STATS_RUNNING, out); }
static bool live_acc_stale(const void *self, const int *index, double *out) { return final_acc(self, STATS_STALE, out); }
static bool live_acc_fixed(const void *self, const int *index, double *out) { return final_acc(self, STATS_FIXED, out); }


static bool live_acc_now(const void *self, const int *index, double *out)
{
    return scene_finite(history_last(&((const StaleStats *)self)->acc[STATS_RUNNING], 0), out);
}

static bool gap(const StaleStats *s, int which, const int *index, double *out)
{
    return s->done && index[0] >= 0 && index[0] < s->num_hidden && scene_finite(s->gap[which][index[0]], out);
}
static bool live_gap_running(const void *self, const int *index, double *out) { return gap(self, STATS_RUNNING, index, out); }
static bool live_gap_stale(const void *self, const int *index, double *out) { return gap(self, STATS_STALE, index, out); }

static const CatalogLive stale_lives[] = {
    { "acc_running", 0, "test accuracy with the running statistics on the unshifted inputs, 0..1", live_acc_running },
    { "acc_stale", 0, "test accuracy with the stale statistics (early: kept from step freeze; shift: the running "
      "statistics on the shifted inputs)", live_acc_stale },
    { "acc_fixed", 0, "test accuracy with recomputed statistics (early: PreciseBN; shift: AdaBN, shifted inputs)",
      live_acc_fixed },
    { "gap_running", 1, "layer i: mean over its units of |running mean - recomputed mean| / recomputed sd",
      live_gap_running },
    { "gap_stale", 1, "layer i: the same for the stale statistics", live_gap_stale },
    { "acc_now", 0, "test accuracy with the running statistics at the latest point of the chart", live_acc_now },
    { "step", 0, "training steps taken", live_step },
};

static const CatalogSceneSetting stale_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, "fashion-mnist" }, { &setting_hidden, "32,32" },
    { &setting_act, "relu" }, { &setting_batch, "50" }, { &setting_lr, NULL }, { &setting_steps, "300" },
    { &setting_stale, NULL }, { &setting_freeze, NULL }, { &setting_shift, NULL }, { &setting_recompute, NULL },
    { &setting_autoplay, NULL }, { &setting_speed, "30" },
};

/* ---- drawing ---- */

static void stale_header(const StaleStats *s, SceneHead *head)
{
    if (s->ls.diverged) {
        scene_head_diverged(head, s->ls.step, NULL);
        return;
    }
    char line[256], num[FORMAT_MAX];
    if (s->kind == STALE_EARLY)
        snprintf(line, sizeof line, "%s, step %ld/%ld%s" FITLINE_SEP "  stale: statistics kept from step %ld",
                 s->data, s->ls.step, s->steps_max, s->done ? " done" : "", s->freeze);
    else
        snprintf(line, sizeof line, "%s, step %ld/%ld%s" FITLINE_SEP "  test inputs shifted by %s", s->data,
                 s->ls.step, s->steps_max, s->done ? " done" : "",
                 format_number(num, sizeof num, s->shift, 3, head->canvas->unicode));
    scene_head_title(head, line, ROLE_TITLE);
}

static void acc_text(char *buf, size_t size, double v)
{
    if (isfinite(v))
        snprintf(buf, size, "%5.1f%%", 100.0 * v);
    else
        snprintf(buf, size, "    - ");
}

/* The verdict: one line per set of statistics, its accuracy and how far its means are off. */
static void stale_table(const StaleStats *s, Canvas *canvas, Rect area)
{
    bool shift = s->kind == STALE_SHIFT;
    char line[256], acc[32];
    const char *names[STATS_COUNT];
    char fixed_name[64];
    snprintf(fixed_name, sizeof fixed_name, shift ? "AdaBN (%d shifted test batches)" : "PreciseBN (%d training batches)",
             s->done ? s->used : s->recompute);
    names[STATS_RUNNING] = shift ? "running stats, clean test" : "running stats (EMA)";
    char stale_name[64];
    snprintf(stale_name, sizeof stale_name, "stale: kept from step %ld", s->freeze);
    names[STATS_STALE] = shift ? "running stats, shifted test" : stale_name;
    names[STATS_FIXED] = fixed_name;
    snprintf(line, sizeof line, "%-32s accuracy" FITLINE_SEP "   means off by (sd), layer 1..%d", "", s->num_hidden);
    fitline_draw(canvas, area.x, area.y, line, ROLE_TEXT_DIM, 0, area.w);
    for (int k = 0; k < STATS_COUNT && k + 1 < area.h; k++) {
        double v = s->done ? s->acc_final[k] : NAN;
        acc_text(acc, sizeof acc, v);
        int used = snprintf(line, sizeof line, "%-32s %7s", names[k], acc);
        if (s->done && k != STATS_FIXED && !(shift && k == STATS_RUNNING) && isfinite(s->gap[k][0])) {
            used += snprintf(line + used, sizeof line - (size_t)used, FITLINE_SEP "  ");
            for (int l = 0; l < s->num_hidden && used < (int)sizeof line; l++) {
                char num[FORMAT_MAX];
                used += snprintf(line + used, sizeof line - (size_t)used, " %s",
                                 format_number(num, sizeof num, s->gap[k][l], 2, canvas->unicode));
            }
        }
        ColorRole role = k == STATS_FIXED ? ROLE_SERIES2 : k == STATS_STALE ? ROLE_SERIES1 : ROLE_DEFAULT;
        fitline_draw(canvas, area.x, area.y + 1 + k, line, role, 0, area.w);
    }
}

static void stale_draw(const void *self, Canvas *canvas, Rect area)
{
    const StaleStats *s = self;
    SceneHead head = scene_head_begin(canvas, area);
    stale_header(s, &head);
    Rect body = scene_head_body(&head, 0);
    int table_h = 1 + STATS_COUNT;
    Rect table = rect_make(body.x, body.y, body.w, table_h < body.h ? table_h : body.h);
    stale_table(s, canvas, table);
    Rect rest = rect_make(body.x, body.y + table.h + 1, body.w, body.h - table.h - 1);
    /* The chart under its title line, only where it keeps a few plotted rows. */
    if (!layout_chart_fits(rect_make(rest.x, rest.y + 1, rest.w, rest.h - 1)))
        return;
    LineSeries series[2] = {
        { history_col(&s->at, 0), history_col(&s->acc[STATS_STALE], 0), s->at.n,
          s->kind == STALE_SHIFT ? "shifted" : "stale" },
        { history_col(&s->at, 0), history_col(&s->acc[STATS_RUNNING], 0), s->at.n,
          s->kind == STALE_SHIFT ? "clean" : "running" },
    };
    /* Short series names, so the labels at the lines' ends fit at 80 columns. */
    canvas_text(canvas, rest.x, rest.y, s->kind == STALE_SHIFT ? "test accuracy while training: shifted and clean test"
                : "test accuracy while training: stale and running statistics", ROLE_TITLE, 0, rest.w);
    LineChartSpec spec = { .series = series, .nseries = 2,
                           .x = { .fixed = true, .lo = 0, .hi = (double)(s->steps_max > 0 ? s->steps_max : 1),
                                  .label = "step" },
                           .y = { .fixed = true, .lo = 0, .hi = 1 }, .legend = true };
    linechart_draw(canvas, rect_make(rest.x, rest.y + 1, rest.w, rest.h - 1), &spec);
}

const SceneClass scene_stale_stats = {
    .schema = SCENE_SCHEMA("stale-stats", "running statistics that no longer match the weights or the data, "
                           "and recomputing them (PreciseBN, AdaBN)", stale_settings, stale_lives),
    .headline = "acc_now",
    .headline_label = "test accuracy, running statistics",
    .create = stale_create,
    .destroy = stale_destroy,
    .step = stale_step,
    .steps_per_second = 30,
    .draw = stale_draw,
    .halted = stale_halted,
};
