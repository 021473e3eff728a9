/* The 'bn-probe' scene: the same network with and without BN in lockstep, probed every few steps for internal covariate shift or the loss landscape along the gradient (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/probe.h"
#include "scene/layout.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "scene/history.h"
#include "view/format.h"
#include "view/plot.h"

/* Probed before the steps 1, 11, 21, ... on their own mini-batch: a landscape probe costs nine
 * forward and backward passes, so one in ten steps keeps a playing scene cheap. */
enum { PROBE_EVERY = 10, PROBE_NETS = 2, LINE_POINTS = PROBE_LINE_POINTS + 1 };

enum { NONE, WITH_BN };

typedef enum ProbeMeasure { MEASURE_LANDSCAPE, MEASURE_ICS } ProbeMeasure;

enum { M_RANGE, M_PRED, M_BETA, M_L2 = 0, M_COS = 1, MEASURES = 3 };

static const char *const probe_names[PROBE_NETS] = { "no BN", "BN" };

typedef struct BnProbe {
    Lockstep ls;
    ProbeMeasure measure;
    long steps_max;
    int layer;                          /* ICS: 0-based weight layer */
    int shown;                          /* landscape on a narrow screen: which measure's chart */
    Probe *probe[PROBE_NETS];
    bool failed;                        /* a probe's forward failed (never with a batch of 2 or more) */
    History at;                           /* (probes) the step probed (weights after that many steps) */
    History value[PROBE_NETS][MEASURES];  /* (probes) each measure of each probe */
    double sum[PROBE_NETS][MEASURES];   /* their sums, for the means over the run */
    double line[PROBE_NETS][LINE_POINTS];   /* the latest probe's loss at s = 0, 0.5, ..., 4 */
    double line_s[LINE_POINTS];
    double loss_sum[PROBE_NETS];        /* mini-batch losses since the last probe */
    int loss_count;
    double loss[PROBE_NETS];            /* their mean at the last probe */
} BnProbe;

/* The lockstep's hook: net k is about to step on ls->x, ls->y from the weights after ls->step steps. */
static void probe_before_step(void *ctx, const Lockstep *ls, int k)
{
    BnProbe *p = ctx;
    if (ls->step % PROBE_EVERY != 0 || p->failed)
        return;
    /* A net that diverged is not probed again (lockstep skips it): the first net still training
     * records the step, the last one closes the loss window. */
    int first = 0, last = PROBE_NETS - 1;
    while (first < last && !lockstep_alive(ls, first))
        first++;
    while (last > first && !lockstep_alive(ls, last))
        last--;
    if (k == first)
        history_push(&p->at, ls->step, (double)ls->step);
    BnError err = { 0 };
    double v[MEASURES] = { NAN, NAN, NAN };
    if (p->measure == MEASURE_LANDSCAPE) {
        ProbeLandscape land;
        if (probe_landscape(p->probe[k], ls->mlp[k], ls->x, ls->y, ls->batch, ls->sgd[k]->lr, &land, &err)) {
            v[M_RANGE] = land.loss_range;
            v[M_PRED] = land.grad_pred;
            v[M_BETA] = land.beta_smooth;
            p->line[k][0] = land.loss0;
            for (int i = 0; i < PROBE_LINE_POINTS; i++)
                p->line[k][i + 1] = land.loss[i];
        } else {
            p->failed = true;
        }
    } else {
        ProbeIcs ics;
        if (probe_ics(p->probe[k], ls->mlp[k], ls->x, ls->y, ls->batch, ls->sgd[k]->lr, p->layer, &ics, &err)) {
            v[M_L2] = ics.l2;
            v[M_COS] = ics.cos;
        } else {
            p->failed = true;
        }
    }
    for (int m = 0; m < MEASURES; m++) {
        /* A loss that blew up along the line is infinitely rough: the mean says so (no value), the
         * chart breaks its line there. */
        history_push(&p->value[k][m], ls->step, isfinite(v[m]) ? v[m] : NAN);
        p->sum[k][m] += v[m];
    }
    p->loss[k] = p->loss_count ? p->loss_sum[k] / p->loss_count : NAN;
    p->loss_sum[k] = 0.0;
    if (k == last)
        p->loss_count = 0;
}

static void bnprobe_destroy(void *self)
{
    BnProbe *p = self;
    if (!p)
        return;
    lockstep_free(&p->ls);
    history_free(&p->at);
    for (int k = 0; k < PROBE_NETS; k++) {
        probe_destroy(p->probe[k]);
        for (int m = 0; m < MEASURES; m++)
            history_free(&p->value[k][m]);
    }
    free(p);
}

static const char *const measure_choices[] = { "landscape", "ics", NULL };
static const CatalogSetting setting_measure = {
    .name = "measure", .type = SETTING_ENUM, .choices = measure_choices, .fallback = "landscape",
    .help = "landscape: loss and gradient along the gradient; ics: a layer's gradient change from the step below" };

static void *bnprobe_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    BnProbe *p = xcalloc(1, sizeof *p);
    LockstepConfig c;
    lockstep_config_from_page(&c, page, seed);
    c.placements[NONE] = BN_PLACEMENT_NONE;
    c.placements[WITH_BN] = BN_PLACEMENT_BEFORE;
    c.nets = PROBE_NETS;
    if (!lockstep_init(&p->ls, &c, err)) {
        free(p);
        return NULL;
    }
    p->measure = strcmp(lesson_page_enum(page, "measure"), "ics") == 0 ? MEASURE_ICS : MEASURE_LANDSCAPE;
    p->steps_max = lesson_page_int(page, "steps");
    long layer = lesson_page_int(page, "layer");
    p->layer = layer <= 0 || layer > c.num_hidden ? c.num_hidden - 1 : (int)layer - 1;
    for (int k = 0; k < PROBE_NETS; k++)
        p->probe[k] = probe_create(p->ls.mlp[k]);
    for (int i = 0; i < LINE_POINTS; i++)
        p->line_s[i] = 0.5 * i;
    for (int k = 0; k < PROBE_NETS; k++)
        for (int i = 0; i < LINE_POINTS; i++)
            p->line[k][i] = NAN;
    for (int k = 0; k < PROBE_NETS; k++)
        p->loss[k] = NAN;
    p->ls.before_step = probe_before_step;
    p->ls.before_step_ctx = p;
    return p;
}

static void bnprobe_step(void *self)
{
    BnProbe *p = self;
    if (p->ls.diverged || p->failed || p->ls.step >= p->steps_max)
        return;
    if (!lockstep_step(&p->ls))
        return;
    for (int k = 0; k < PROBE_NETS; k++)
        p->loss_sum[k] += p->ls.loss[k];
    p->loss_count++;
}

static bool bnprobe_halted(const void *self)
{
    const BnProbe *p = self;
    return p->ls.diverged || p->failed;
}

static bool bnprobe_key_measure(void *self, int key)
{
    BnProbe *p = self;
    if (p->measure != MEASURE_LANDSCAPE)
        return false;
    p->shown = (p->shown + 1) % MEASURES;
    return true;
}

static const SceneKeyAction bnprobe_keys[] = {
    { "v", "next measure", bnprobe_key_measure },
};

/* 'v' is the only key, and only the landscape has more measures than its layout shows. */
static bool bnprobe_key_offered(const void *self, int i)
{
    return ((const BnProbe *)self)->measure == MEASURE_LANDSCAPE;
}

/* ---- live values ---- */

/* The mean of measure m of net k over the probes so far; only for the page's own measure. */
static bool run_mean(const BnProbe *p, ProbeMeasure measure, int k, int m, double *out)
{
    int n = p->value[k][m].n;
    return p->measure == measure && n > 0 && lockstep_alive(&p->ls, k) && scene_finite(p->sum[k][m] / n, out);
}

#define BNPROBE_MEAN(fn, measure, k, m)                                                            \
    static bool fn(const void *self, const int *index, double *out)                               \
    {                                                                                              \
        return run_mean(self, measure, k, m, out);                                                \
    }
BNPROBE_MEAN(live_range_none, MEASURE_LANDSCAPE, NONE, M_RANGE)
BNPROBE_MEAN(live_range_bn, MEASURE_LANDSCAPE, WITH_BN, M_RANGE)
BNPROBE_MEAN(live_pred_none, MEASURE_LANDSCAPE, NONE, M_PRED)
BNPROBE_MEAN(live_pred_bn, MEASURE_LANDSCAPE, WITH_BN, M_PRED)
BNPROBE_MEAN(live_beta_none, MEASURE_LANDSCAPE, NONE, M_BETA)
BNPROBE_MEAN(live_beta_bn, MEASURE_LANDSCAPE, WITH_BN, M_BETA)
BNPROBE_MEAN(live_l2_none, MEASURE_ICS, NONE, M_L2)
BNPROBE_MEAN(live_l2_bn, MEASURE_ICS, WITH_BN, M_L2)
BNPROBE_MEAN(live_cos_none, MEASURE_ICS, NONE, M_COS)
BNPROBE_MEAN(live_cos_bn, MEASURE_ICS, WITH_BN, M_COS)

static bool line_value(const BnProbe *p, int k, const int *index, double *out)
{
    return p->measure == MEASURE_LANDSCAPE && index[0] >= 0 && index[0] < LINE_POINTS && lockstep_alive(&p->ls, k) &&
           scene_finite(p->line[k][index[0]], out);
}
static bool live_line_none(const void *self, const int *index, double *out) { return line_value(self, NONE, index, out); }
static bool live_line_bn(const void *self, const int *index, double *out) { return line_value(self, WITH_BN, index, out); }

static bool live_loss_none(const void *self, const int *index, double *out)
{
    const BnProbe *p = self;
    return lockstep_alive(&p->ls, NONE) && scene_finite(p->loss[NONE], out);
}
static bool live_loss_bn(const void *self, const int *index, double *out)
{
    const BnProbe *p = self;
    return lockstep_alive(&p->ls, WITH_BN) && scene_finite(p->loss[WITH_BN], out);
}
static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const BnProbe *)self)->ls.step;
    return true;
}

static const CatalogLive bnprobe_lives[] = {
    { "range_none", 0, "landscape: loss range along the gradient, mean over the probes so far, no BN", live_range_none },
    { "range_bn", 0, "landscape: the same with BN", live_range_bn },
    { "pred_none", 0, "landscape: largest gradient change along the gradient (mean over probes), no BN", live_pred_none },
    { "pred_bn", 0, "landscape: the same with BN", live_pred_bn },
    { "beta_none", 0, "landscape: effective beta-smoothness (mean over probes), no BN", live_beta_none },
    { "beta_bn", 0, "landscape: the same with BN", live_beta_bn },
    { "line_none", 1, "landscape: loss at s = i/2 step sizes along the gradient, latest probe, no BN (i 0..8)",
      live_line_none },
    { "line_bn", 1, "landscape: the same with BN", live_line_bn },
    { "ics_l2_none", 0, "ics: |G - G'| of the watched layer (mean over probes), no BN", live_l2_none },
    { "ics_l2_bn", 0, "ics: the same with BN", live_l2_bn },
    { "ics_cos_none", 0, "ics: cos(G, G') of the watched layer (mean over probes), no BN", live_cos_none },
    { "ics_cos_bn", 0, "ics: the same with BN", live_cos_bn },
    { "loss_none", 0, "training loss without BN (mean of the mini-batches before the latest probe)", live_loss_none },
    { "loss_bn", 0, "training loss with BN", live_loss_bn },
    { "step", 0, "training steps taken", live_step },
};

static const CatalogSceneSetting bnprobe_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, "synth784" }, { &setting_hidden, "16,16,16" }, { &setting_act, NULL },
    { &setting_batch, "60" }, { &setting_lr, "0.3" }, { &setting_steps, "800" }, { &setting_measure, NULL },
    { &setting_layer, NULL }, { &setting_autoplay, NULL }, { &setting_speed, NULL },
};

/* ---- drawing ---- */

static const char *const measure_titles[2][MEASURES] = {
    { "loss range", "grad change", "beta-smooth" },
    { "|G-G'|", "cos(G,G')", NULL },
};

/* Measure m over the training steps for both nets; the title holds the means over the run so far. */
static void bnprobe_measure_chart(const BnProbe *p, Canvas *canvas, Rect area, int m)
{
    if (!layout_chart_fits(area))
        return;
    bool ics = p->measure == MEASURE_ICS;
    char title[200], num[FORMAT_MAX];
    int used = snprintf(title, sizeof title, "%s mean:", measure_titles[ics][m]);
    for (int k = 0; k < PROBE_NETS && used < (int)sizeof title; k++) {
        int n = p->value[k][m].n;
        double mean = n ? p->sum[k][m] / n : NAN;
        format_number(num, sizeof num, mean, 3, canvas->unicode);
        used += snprintf(title + used, sizeof title - (size_t)used, FITLINE_SEP " %s %s", k == NONE ? "none" : "BN",
                         !lockstep_alive(&p->ls, k) ? "diverged" : isfinite(mean) ? num : "-");
    }
    fitline_draw(canvas, area.x, area.y, title, ROLE_TITLE, ATTR_BOLD, area.w);
    LineSeries series[PROBE_NETS];
    char names[PROBE_NETS][80];
    for (int k = 0; k < PROBE_NETS; k++)
        series[k] = (LineSeries){ history_col(&p->at, 0), history_col(&p->value[k][m], 0), p->value[k][m].n,
                                  lockstep_series_name(&p->ls, k, probe_names[k], names[k], (int)sizeof names[k]) };
    bool cos = ics && m == M_COS;
    LineChartSpec spec = {
        .series = series, .nseries = PROBE_NETS,
        .x = { .fixed = true, .lo = 0, .hi = (double)(p->steps_max > 0 ? p->steps_max : 1), .label = "step" },
        /* The two nets differ by orders of magnitude: a log scale shows both. */
        .y = cos ? (AxisSpec){ .fixed = true, .lo = -1, .hi = 1 } : (AxisSpec){ .log = true },
        .legend = true,
    };
    linechart_draw(canvas, rect_make(area.x, area.y + 1, area.w, area.h - 1), &spec);
}

/* The loss along the gradient at the latest probe, s = 0 .. 4 step sizes. */
static void bnprobe_line_chart(const BnProbe *p, Canvas *canvas, Rect area)
{
    if (!layout_chart_fits(area))
        return;
    char title[120];
    long at = p->at.n ? (long)history_last(&p->at, 0) : 0;
    snprintf(title, sizeof title, "loss along g at step %ld" FITLINE_SEP ", s = step sizes", at);
    fitline_draw(canvas, area.x, area.y, title, ROLE_TITLE, ATTR_BOLD, area.w);
    LineSeries series[PROBE_NETS];
    char names[PROBE_NETS][80];
    /* A diverged net's last line is from before it diverged: it is not the line at this step. */
    for (int k = 0; k < PROBE_NETS; k++)
        series[k] = (LineSeries){ p->line_s, p->line[k], p->at.n && lockstep_alive(&p->ls, k) ? LINE_POINTS : 0,
                                  lockstep_series_name(&p->ls, k, probe_names[k], names[k], (int)sizeof names[k]) };
    LineChartSpec spec = {
        .series = series, .nseries = PROBE_NETS,
        .x = { .fixed = true, .lo = 0, .hi = 4, .label = "s" },
        .y = { .label = NULL },
        .legend = true,
    };
    linechart_draw(canvas, rect_make(area.x, area.y + 1, area.w, area.h - 1), &spec);
}

static void bnprobe_draw(const void *self, Canvas *canvas, Rect area)
{
    const BnProbe *p = self;
    char head[256], num[2][FORMAT_MAX];
    SceneHead h = scene_head_begin(canvas, area);
    if (p->ls.diverged || p->failed) {
        scene_head_diverged(&h, p->ls.step, NULL);
    } else {
        for (int k = 0; k < PROBE_NETS; k++) {
            format_number(num[k], sizeof num[k], p->loss[k], 3, canvas->unicode);
            if (!lockstep_alive(&p->ls, k))
                snprintf(num[k], sizeof num[k], "diverged");
        }
        int used = snprintf(head, sizeof head, "step %ld/%ld%s" FITLINE_SEP "  loss: none %s BN %s" FITLINE_SEP
                            "  probed every %d steps on the step's own batch",
                            p->ls.step, p->steps_max, p->ls.step >= p->steps_max ? " done" : "",
                            isfinite(p->loss[0]) || !lockstep_alive(&p->ls, 0) ? num[0] : "-",
                            isfinite(p->loss[1]) || !lockstep_alive(&p->ls, 1) ? num[1] : "-", PROBE_EVERY);
        if (p->measure == MEASURE_ICS && used < (int)sizeof head)
            snprintf(head + used, sizeof head - (size_t)used, FITLINE_SEP ", layer %d", p->layer + 1);
        scene_head_title(&h, head, ROLE_TITLE);
    }
    Rect body = scene_head_body(&h, 0);
    int gap = 2;
    if (p->measure == MEASURE_ICS) {
        Rect left, right;
        rect_split_cols(body, (body.w - gap) / 2, gap, &left, &right);
        bnprobe_measure_chart(p, canvas, left, M_L2);
        bnprobe_measure_chart(p, canvas, right, M_COS);
        return;
    }
    if (layout_fits(body, LAYOUT_W_VERY_WIDE, 0)) {
        int col = (body.w - 3 * gap) / 4;
        for (int m = 0; m < MEASURES; m++)
            bnprobe_measure_chart(p, canvas, rect_make(body.x + m * (col + gap), body.y, col, body.h), m);
        bnprobe_line_chart(p, canvas, rect_make(body.x + 3 * (col + gap), body.y, body.w - 3 * (col + gap), body.h));
    } else if (layout_fits(body, LAYOUT_W_WIDE, 0)) {
        int col = (body.w - 2 * gap) / 3;
        bnprobe_measure_chart(p, canvas, rect_make(body.x, body.y, col, body.h), M_RANGE);
        bnprobe_measure_chart(p, canvas, rect_make(body.x + col + gap, body.y, col, body.h), M_PRED);
        bnprobe_line_chart(p, canvas, rect_make(body.x + 2 * (col + gap), body.y, body.w - 2 * (col + gap), body.h));
    } else {
        /* Narrow: one measure ('v' picks which) and the line. */
        Rect left, right;
        rect_split_cols(body, (body.w - gap) / 2, gap, &left, &right);
        bnprobe_measure_chart(p, canvas, left, p->shown);
        bnprobe_line_chart(p, canvas, right);
    }
}

/* Both nets, without and with BN, for the page's budget (CatalogScene.networks). */
static int bnprobe_networks(const LessonPage *page) { return PROBE_NETS; }

const SceneClass scene_bn_probe = {
    .schema = SCENE_SCHEMA_NETWORKS("bn-probe", "the same network with and without BN, probed for covariate shift or "
                                    "the loss landscape along the gradient", bnprobe_settings, bnprobe_lives,
                                    bnprobe_networks),
    .create = bnprobe_create,
    .destroy = bnprobe_destroy,
    .step = bnprobe_step,
    .steps_per_second = 20,
    .draw = bnprobe_draw,
    .keys = bnprobe_keys,
    .key_count = SCENE_COUNT(bnprobe_keys),
    .key_offered = bnprobe_key_offered,
    .halted = bnprobe_halted,
};
