/* The 'noisy-bn' scene: no BN, BN and BN followed by injected noise trained in lockstep, with loss and accuracy curves and the watched unit's percentile bands (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scene/layout.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "scene/history.h"
#include "view/format.h"
#include "view/plot.h"

/* A point every few steps: the mean loss of those mini-batches, the test accuracy (eval mode, on the
 * first 500 test rows: enough for a percent, at half the cost of 1000), and the bands of
 * the watched unit measured on the first test rows (batch statistics, and for the noisy net the noise
 * of the step just taken: what its next layer saw). */
enum { NOISY_EVERY = 10, NOISY_PROBE_ROWS = 200, NOISY_TEST_ROWS = 500 };

enum { NONE, PLAIN_BN, NOISY, NOISY_NETS };    /* lockstep index of each net */

static const char *const noisy_names[NOISY_NETS] = { "no BN", "BN", "noisy BN" };
static const char *const noisy_short[NOISY_NETS] = { "none", "BN", "noisy" };

typedef struct NoisyBn {
    Lockstep ls;
    long steps_max;
    int layer, unit;                /* watched layer (0-based) and unit (clamped to its width) */
    int probe_rows;
    int shown;                      /* the net whose bands a narrow screen shows */
    double loss_sum[NOISY_NETS];    /* since the last point */
    int loss_count;
    History at;                       /* (points) step of each point */
    History loss[NOISY_NETS];         /* (points) mean mini-batch loss, NaN at step 0 */
    History acc[NOISY_NETS];          /* (points) test accuracy 0..1, eval mode */
    History pct[NOISY_NETS][3];       /* (points) p15, p50, p85 of the watched unit's input */
    double move_sum[NOISY_NETS];    /* Σ |Δ median| between successive points */
    double *values;                 /* (probe_rows) scratch for one net's probe */
    double band_lo, band_hi;        /* one y range for every band chart, so their movements compare */
} NoisyBn;

static void noisy_record(NoisyBn *s)
{
    history_push(&s->at, s->ls.step, (double)s->ls.step);
    for (int k = 0; k < NOISY_NETS; k++) {
        history_push(&s->loss[k], s->ls.step, s->loss_count ? s->loss_sum[k] / s->loss_count : NAN);
        s->loss_sum[k] = 0.0;
        history_push(&s->acc[k], s->ls.step, lockstep_test_accuracy(&s->ls, k, NOISY_TEST_ROWS));
        MlpInferTap tap = { .layer = s->layer, .unit = s->unit, .values = s->values };
        double p[3] = { NAN, NAN, NAN };
        if (lockstep_probe(&s->ls, k, s->probe_rows, &tap, 1))
            bandchart_percentiles(p, s->values, s->probe_rows);
        double last = history_last(&s->pct[k][1], 0);
        if (isfinite(last) && isfinite(p[1]))
            s->move_sum[k] += fabs(p[1] - last);
        for (int q = 0; q < 3; q++)
            history_push(&s->pct[k][q], s->ls.step, p[q]);
    }
    s->loss_count = 0;
}

static void noisy_destroy(void *self)
{
    NoisyBn *s = self;
    if (!s)
        return;
    lockstep_free(&s->ls);
    history_free(&s->at);
    for (int k = 0; k < NOISY_NETS; k++) {
        history_free(&s->loss[k]);
        history_free(&s->acc[k]);
        for (int q = 0; q < 3; q++)
            history_free(&s->pct[k][q]);
    }
    free(s->values);
    free(s);
}

static const CatalogSetting setting_noise_mean = {
    .name = "noise_mean", .type = SETTING_REAL, .min = 0, .max = 5, .fallback = "1",
    .help = "noisy BN: standard deviation of each unit's random shift, drawn afresh every step" };
static const CatalogSetting setting_noise_scale = {
    .name = "noise_scale", .type = SETTING_REAL, .min = 0, .max = 2, .fallback = "0.5",
    .help = "noisy BN: each unit's random scale is exp(noise_scale * N(0,1)), drawn afresh every step" };

static void *noisy_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    NoisyBn *s = xcalloc(1, sizeof *s);
    LockstepConfig c;
    lockstep_config_from_page(&c, page, seed);
    c.placements[NONE] = BN_PLACEMENT_NONE;
    c.placements[PLAIN_BN] = BN_PLACEMENT_BEFORE;
    c.placements[NOISY] = BN_PLACEMENT_BEFORE;
    c.noisy[NOISY] = true;
    c.noise_mean_sd = lesson_page_real(page, "noise_mean");
    c.noise_scale_sd = lesson_page_real(page, "noise_scale");
    c.nets = NOISY_NETS;
    if (!lockstep_init(&s->ls, &c, err)) {
        free(s);
        return NULL;
    }
    s->steps_max = lesson_page_int(page, "steps");
    long layer = lesson_page_int(page, "layer");
    s->layer = layer <= 0 || layer > c.num_hidden ? c.num_hidden - 1 : (int)layer - 1;
    int width = s->ls.mlp[0]->hidden[s->layer].out;
    long unit = lesson_page_int(page, "unit");
    s->unit = unit < width ? (int)unit : width - 1;
    s->shown = NOISY;
    s->probe_rows = s->ls.test->n < NOISY_PROBE_ROWS ? s->ls.test->n : NOISY_PROBE_ROWS;
    s->values = xcalloc((size_t)s->probe_rows, sizeof *s->values);
    noisy_record(s);
    return s;
}

static void noisy_step(void *self)
{
    NoisyBn *s = self;
    if (s->ls.diverged || s->ls.step >= s->steps_max)
        return;
    if (!lockstep_step(&s->ls))
        return;
    for (int k = 0; k < NOISY_NETS; k++)
        s->loss_sum[k] += s->ls.loss[k];
    s->loss_count++;
    if (s->ls.step % NOISY_EVERY == 0 || s->ls.step == s->steps_max)
        noisy_record(s);
}

static void noisy_update(void *self)
{
    NoisyBn *s = self;
    s->band_lo = INFINITY;
    s->band_hi = -INFINITY;
    for (int k = 0; k < NOISY_NETS; k++) {
        const double *arrays[2] = { history_col(&s->pct[k][0], 0), history_col(&s->pct[k][2], 0) };
        double a, b;
        bandchart_range(&a, &b, arrays, 2, s->at.n);
        s->band_lo = fmin(s->band_lo, a);
        s->band_hi = fmax(s->band_hi, b);
    }
}

static bool noisy_halted(const void *self)
{
    return ((const NoisyBn *)self)->ls.diverged;
}

static bool noisy_key_shown(void *self, int key)
{
    NoisyBn *s = self;
    s->shown = (s->shown + 1) % NOISY_NETS;
    return true;
}

static const SceneKeyAction noisy_keys[] = {
    { "v", "next net's bands", noisy_key_shown },
};

/* ---- live values ---- */

static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const NoisyBn *)self)->ls.step;
    return true;
}

#define NOISY_TRACK_GETTER(fn, field, k)                                                          \
    static bool fn(const void *self, const int *index, double *out)                               \
    {                                                                                              \
        return scene_finite(history_last(&((const NoisyBn *)self)->field[k], 0), out);         \
    }
NOISY_TRACK_GETTER(live_loss_none, loss, NONE)
NOISY_TRACK_GETTER(live_loss_bn, loss, PLAIN_BN)
NOISY_TRACK_GETTER(live_loss_noisy, loss, NOISY)
NOISY_TRACK_GETTER(live_acc_none, acc, NONE)
NOISY_TRACK_GETTER(live_acc_bn, acc, PLAIN_BN)
NOISY_TRACK_GETTER(live_acc_noisy, acc, NOISY)

static bool percentile(const NoisyBn *s, int k, int q, double *out)
{
    return scene_finite(history_last(&s->pct[k][q], 0), out);
}

static bool live_spread_none(const void *self, const int *index, double *out)
{
    double a, b;
    return percentile(self, NONE, 0, &a) && percentile(self, NONE, 2, &b) && scene_finite(b - a, out);
}
static bool live_spread_bn(const void *self, const int *index, double *out)
{
    double a, b;
    return percentile(self, PLAIN_BN, 0, &a) && percentile(self, PLAIN_BN, 2, &b) && scene_finite(b - a, out);
}
static bool live_spread_noisy(const void *self, const int *index, double *out)
{
    double a, b;
    return percentile(self, NOISY, 0, &a) && percentile(self, NOISY, 2, &b) && scene_finite(b - a, out);
}
static bool live_p50_none(const void *self, const int *index, double *out) { return percentile(self, NONE, 1, out); }
static bool live_p50_bn(const void *self, const int *index, double *out) { return percentile(self, PLAIN_BN, 1, out); }
static bool live_p50_noisy(const void *self, const int *index, double *out) { return percentile(self, NOISY, 1, out); }

/* The mean distance the median moved between successive points, over the run so far. */
static bool move(const NoisyBn *s, int k, double *out)
{
    int moves = s->at.n - 1;
    return moves > 0 && lockstep_alive(&s->ls, k) && scene_finite(s->move_sum[k] / moves, out);
}
static bool live_move_none(const void *self, const int *index, double *out) { return move(self, NONE, out); }
static bool live_move_bn(const void *self, const int *index, double *out) { return move(self, PLAIN_BN, out); }
static bool live_move_noisy(const void *self, const int *index, double *out) { return move(self, NOISY, out); }

static const CatalogLive noisy_lives[] = {
    { "loss_none", 0, "training loss without BN (mean of the last 10 mini-batches)", live_loss_none },
    { "loss_bn", 0, "training loss with BN", live_loss_bn },
    { "loss_noisy", 0, "training loss with noisy BN", live_loss_noisy },
    { "acc_none", 0, "test accuracy without BN (eval mode, first 500 test rows, 0..1)", live_acc_none },
    { "acc_bn", 0, "test accuracy with BN", live_acc_bn },
    { "acc_noisy", 0, "test accuracy with noisy BN (eval mode: no noise)", live_acc_noisy },
    { "p50_none", 0, "median of the watched unit's input without BN", live_p50_none },
    { "p50_bn", 0, "median of the watched unit's input with BN", live_p50_bn },
    { "p50_noisy", 0, "median of the watched unit's input with noisy BN (after the noise)", live_p50_noisy },
    { "spread_none", 0, "85th minus 15th percentile of the watched input without BN", live_spread_none },
    { "spread_bn", 0, "85th minus 15th percentile with BN", live_spread_bn },
    { "spread_noisy", 0, "85th minus 15th percentile with noisy BN", live_spread_noisy },
    { "move_none", 0, "mean distance the median moved every 10 steps, without BN", live_move_none },
    { "move_bn", 0, "mean distance the median moved every 10 steps, with BN", live_move_bn },
    { "move_noisy", 0, "mean distance the median moved every 10 steps, with noisy BN", live_move_noisy },
    { "step", 0, "training steps taken", live_step },
};

static const CatalogSceneSetting noisy_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, "synth784" }, { &setting_hidden, "16,16,16" }, { &setting_act, NULL },
    { &setting_batch, "60" }, { &setting_lr, "0.3" }, { &setting_steps, NULL }, { &setting_noise_mean, NULL },
    { &setting_noise_scale, NULL }, { &setting_layer, NULL }, { &setting_unit, NULL }, { &setting_autoplay, NULL },
    { &setting_speed, NULL },
};

/* ---- drawing ---- */

static void noisy_curves(const NoisyBn *s, Canvas *canvas, Rect area, const History *tracks, bool accuracy)
{
    if (!layout_chart_fits(area))
        return;
    char title[200], title_short[200], num[FORMAT_MAX];
    int used = snprintf(title, sizeof title, "%s", accuracy ? "test accuracy:" : "training loss:");
    for (int k = 0; k < NOISY_NETS && used < (int)sizeof title; k++) {
        double v = history_last(&tracks[k], 0);
        if (accuracy && isfinite(v))
            snprintf(num, sizeof num, "%.1f%%", 100.0 * v);
        else
            format_number(num, sizeof num, v, 3, canvas->unicode);
        used += snprintf(title + used, sizeof title - (size_t)used, FITLINE_SEP " %s %s", noisy_short[k],
                         !lockstep_alive(&s->ls, k) ? "diverged" : isfinite(v) ? num : "-");
    }
    snprintf(title_short, sizeof title_short, "%s%s", accuracy ? "acc:" : "loss:", strchr(title, ':') + 1);
    const char *alts[2] = { title, title_short };
    fitline_draw_first(canvas, area.x, area.y, alts, 2, ROLE_TITLE, ATTR_BOLD, area.w);
    LineSeries series[NOISY_NETS];
    char names[NOISY_NETS][80];
    for (int k = 0; k < NOISY_NETS; k++)
        series[k] = (LineSeries){ history_col(&s->at, 0), history_col(&tracks[k], 0), tracks[k].n,
                                  lockstep_series_name(&s->ls, k, noisy_names[k], names[k], (int)sizeof names[k]) };
    LineChartSpec spec = {
        .series = series, .nseries = NOISY_NETS,
        .x = { .fixed = true, .lo = 0, .hi = (double)(s->steps_max > 0 ? s->steps_max : 1), .label = "step" },
        .y = accuracy ? (AxisSpec){ .fixed = true, .lo = 0, .hi = 1 } : (AxisSpec){ .label = NULL },
        .legend = true,
    };
    linechart_draw(canvas, rect_make(area.x, area.y + 1, area.w, area.h - 1), &spec);
}

static void noisy_bands(const NoisyBn *s, Canvas *canvas, Rect area, int k, double lo, double hi)
{
    char title[200], p[3][FORMAT_MAX];
    for (int q = 0; q < 3; q++)
        format_number(p[q], sizeof p[q], history_last(&s->pct[k][q], 0), 3, canvas->unicode);
    char who[80];
    snprintf(title, sizeof title, "%s:" FITLINE_SEP " %s  %s  %s",
             lockstep_series_name(&s->ls, k, noisy_names[k], who, (int)sizeof who), p[0], p[1], p[2]);
    static const ColorRole roles[NOISY_NETS] = { ROLE_SERIES1, ROLE_SERIES2, ROLE_SERIES3 };
    bandchart_draw(canvas, area, title, history_col(&s->at, 0), history_col(&s->pct[k][0], 0), history_col(&s->pct[k][1], 0), history_col(&s->pct[k][2], 0), s->at.n, lo, hi,
                   (double)(s->steps_max > 0 ? s->steps_max : 1), roles[k]);
}

/* "test accuracy: no BN 67.4%  BN 99.6%  noisy BN 98.8%", the latest points, for layouts without the chart. */
static void noisy_accuracy_line(const NoisyBn *s, Canvas *canvas, Rect row)
{
    char line[160], pct[FORMAT_MAX];
    int used = snprintf(line, sizeof line, "test accuracy (eval mode):");
    for (int k = 0; k < NOISY_NETS && used < (int)sizeof line; k++) {
        double v = history_last(&s->acc[k], 0);
        if (isfinite(v))
            snprintf(pct, sizeof pct, "%.1f%%", 100.0 * v);
        else
            snprintf(pct, sizeof pct, "%s", lockstep_alive(&s->ls, k) ? "-" : "diverged");
        used += snprintf(line + used, sizeof line - (size_t)used, "%s %s %s", k ? FITLINE_SEP " " : " ",
                         noisy_names[k], pct);
    }
    fitline_draw(canvas, row.x, row.y, line, ROLE_TEXT_DIM, 0, row.w);
}

static void noisy_draw(const void *self, Canvas *canvas, Rect area)
{
    const NoisyBn *s = self;
    SceneHead h = scene_head_begin(canvas, area);
    if (s->ls.diverged) {
        scene_head_diverged(&h, s->ls.step, NULL);
    } else {
        char head[256];
        snprintf(head, sizeof head, "step %ld/%ld%s" FITLINE_SEP "  same data, seed, weights, batches"
                 FITLINE_SEP "  bands: layer %d, unit %d input, 15th/median/85th pct",
                 s->ls.step, s->steps_max, s->ls.step >= s->steps_max ? " done" : "", s->layer + 1, s->unit + 1);
        scene_head_title(&h, head, ROLE_TITLE);
    }
    Rect body = scene_head_body(&h, 0);
    double lo = s->band_lo, hi = s->band_hi;
    int gap = 2;
    if (layout_fits(body, LAYOUT_W_WIDE, LAYOUT_H_CHARTS_STACKED)) {
        /* Large: the two curve charts over the three band charts. */
        Rect top, bottom, left, right;
        rect_split_rows(body, body.h * 2 / 5, 1, &top, &bottom);
        rect_split_cols(top, (top.w - gap) / 2, gap, &left, &right);
        noisy_curves(s, canvas, left, s->loss, false);
        noisy_curves(s, canvas, right, s->acc, true);
        int col = (bottom.w - 2 * gap) / 3;
        for (int k = 0; k < NOISY_NETS; k++)
            noisy_bands(s, canvas, rect_make(bottom.x + k * (col + gap), bottom.y, col, bottom.h), k, lo, hi);
        return;
    }
    /* Smaller layouts have no accuracy chart: its latest values get a line of their own. */
    noisy_accuracy_line(s, canvas, rect_make(body.x, body.y, body.w, 1));
    body = rect_make(body.x, body.y + 1, body.w, body.h - 1);
    if (layout_fits(body, LAYOUT_W_WIDE, 0)) {
        /* Wide: the loss curves and the three band charts in one row. */
        int col = (body.w - 3 * gap) / 4;
        noisy_curves(s, canvas, rect_make(body.x, body.y, col, body.h), s->loss, false);
        for (int k = 0; k < NOISY_NETS; k++)
            noisy_bands(s, canvas, rect_make(body.x + (k + 1) * (col + gap), body.y, col, body.h), k, lo, hi);
    } else {
        /* Narrow: the loss curves and one net's bands ('v' picks which). */
        Rect left, right;
        rect_split_cols(body, (body.w - gap) / 2, gap, &left, &right);
        noisy_curves(s, canvas, left, s->loss, false);
        noisy_bands(s, canvas, right, s->shown, lo, hi);
    }
}

/* No BN, BN and noisy BN, for the page's budget (CatalogScene.networks). */
static int noisy_networks(const LessonPage *page) { return NOISY_NETS; }

const SceneClass scene_noisy_bn = {
    .schema = SCENE_SCHEMA_NETWORKS("noisy-bn", "no BN, BN and noisy BN (random shift and scale after BN) side by side",
                                    noisy_settings, noisy_lives, noisy_networks),
    .headline = "acc_noisy",
    .headline_label = "test accuracy, noisy BN",
    .create = noisy_create,
    .destroy = noisy_destroy,
    .step = noisy_step,
    .steps_per_second = 20,
    .update = noisy_update,
    .draw = noisy_draw,
    .keys = noisy_keys,
    .key_count = SCENE_COUNT(noisy_keys),
    .halted = noisy_halted,
};
