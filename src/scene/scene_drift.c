/* The 'drift' scene: a hidden unit's input distribution over training, with and without BN, as percentile bands and per-layer histograms (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stats.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/keys.h"
#include "view/plot.h"

/* The distribution is measured on a fixed probe batch (the first test rows) every few steps, so
 * the bands show the weights changing, not mini-batch noise. */
enum { DRIFT_PROBE_ROWS = 200, DRIFT_EVERY = 10, DRIFT_NETS = 2, DRIFT_BINS = 24 };

enum { PLAIN, WITH_BN };    /* the two roles a net can have here */

typedef struct Drift {
    Lockstep ls;
    int net_of[DRIFT_NETS];         /* lockstep index of the plain and the BN net, -1 when absent */
    BnPlacement placement;          /* of the BN net */
    long steps_max;
    int num_hidden;
    int layer;                      /* watched layer, 0-based */
    int unit;                       /* watched unit (the same index in every layer, clamped to its width) */
    int probe_rows;
    History *pct;                   /* (DRIFT_NETS, num_hidden, 3) p15/p50/p85 per probe */
    History loss[DRIFT_NETS];       /* (probes) mini-batch loss at each probe */
    double *values;                 /* (DRIFT_NETS, num_hidden, probe_rows) the latest probe's inputs */
    double current[DRIFT_NETS][3];  /* latest percentiles of the watched layer */
    bool histograms;                /* 'v': the per-layer histograms take the band charts' place */
} Drift;

static History *drift_track(const Drift *d, int role, int layer, int q)
{
    return &d->pct[((size_t)role * (size_t)d->num_hidden + (size_t)layer) * 3 + (size_t)q];
}

static double *drift_values(const Drift *d, int role, int layer)
{
    return d->values + ((size_t)role * (size_t)d->num_hidden + (size_t)layer) * (size_t)d->probe_rows;
}

static int unit_in(const Drift *d, int layer)
{
    int width = d->ls.mlp[0]->hidden[layer].out;
    return d->unit < width ? d->unit : width - 1;
}

/* Runs the probe batch through both nets (batch statistics, running statistics untouched) and
 * records the watched unit's input percentiles in every layer. */
static void drift_probe(Drift *d)
{
    for (int role = 0; role < DRIFT_NETS; role++) {
        int k = d->net_of[role];
        if (k < 0)
            continue;
        history_push(&d->loss[role], d->ls.step, d->ls.step > 0 ? d->ls.loss[k] : NAN);
        MlpInferTap taps[MLP_MAX_SIZES];
        for (int l = 0; l < d->num_hidden; l++)
            taps[l] = (MlpInferTap){ .layer = l, .unit = unit_in(d, l), .values = drift_values(d, role, l) };
        bool ok = lockstep_probe(&d->ls, k, d->probe_rows, taps, d->num_hidden);
        for (int l = 0; l < d->num_hidden; l++) {
            double p[3] = { NAN, NAN, NAN };
            if (ok)
                bandchart_percentiles(p, drift_values(d, role, l), d->probe_rows);
            for (int q = 0; q < 3; q++)
                history_push(drift_track(d, role, l, q), d->ls.step, p[q]);
            if (l == d->layer)
                memcpy(d->current[role], p, sizeof p);
        }
    }
}

static void drift_destroy(void *self)
{
    Drift *d = self;
    if (!d)
        return;
    lockstep_free(&d->ls);
    for (int i = 0; d->pct && i < DRIFT_NETS * d->num_hidden * 3; i++)
        history_free(&d->pct[i]);
    for (int r = 0; r < DRIFT_NETS; r++)
        history_free(&d->loss[r]);
    free(d->pct);
    free(d->values);
    free(d);
}

static void *drift_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    Drift *d = xcalloc(1, sizeof *d);
    LockstepConfig c;
    lockstep_config_from_page(&c, page, seed);
    mlp_placement_parse(lesson_page_enum(page, "placement"), &d->placement);
    bool compare = lesson_page_bool(page, "compare");
    d->net_of[PLAIN] = d->net_of[WITH_BN] = -1;
    if (d->placement == BN_PLACEMENT_NONE || compare) {
        d->net_of[PLAIN] = c.nets;
        c.placements[c.nets++] = BN_PLACEMENT_NONE;
    }
    if (d->placement != BN_PLACEMENT_NONE) {
        d->net_of[WITH_BN] = c.nets;
        c.placements[c.nets++] = d->placement;
    }
    /* The learner reads percentiles of the probe, which the double nets compute: the steps may be float. */
    c.float_steps = true;
    if (!lockstep_init(&d->ls, &c, err)) {
        free(d);
        return NULL;
    }
    d->steps_max = lesson_page_int(page, "steps");
    d->num_hidden = c.num_hidden;
    long layer = lesson_page_int(page, "layer");
    d->layer = layer <= 0 || layer > d->num_hidden ? d->num_hidden - 1 : (int)layer - 1;
    d->unit = (int)lesson_page_int(page, "unit");
    d->probe_rows = d->ls.test->n < DRIFT_PROBE_ROWS ? d->ls.test->n : DRIFT_PROBE_ROWS;
    d->pct = xcalloc((size_t)DRIFT_NETS * (size_t)d->num_hidden * 3, sizeof *d->pct);
    d->values = xcalloc((size_t)DRIFT_NETS * (size_t)d->num_hidden * (size_t)d->probe_rows, sizeof *d->values);
    drift_probe(d);
    return d;
}

static void drift_step(void *self)
{
    Drift *d = self;
    if (d->ls.diverged || d->ls.step >= d->steps_max)
        return;
    if (!lockstep_step(&d->ls))
        return;
    if (d->ls.step % DRIFT_EVERY == 0 || d->ls.step == d->steps_max)
        drift_probe(d);
}

/* Forgets the band history (the watched unit changed) and measures afresh at the current step. */
static void drift_restart_history(Drift *d)
{
    for (int i = 0; i < DRIFT_NETS * d->num_hidden * 3; i++)
        history_clear(&d->pct[i]);
    for (int r = 0; r < DRIFT_NETS; r++)
        history_clear(&d->loss[r]);
    drift_probe(d);
}

static bool drift_key_layer(void *self, int key)
{
    Drift *d = self;
    d->layer = (d->layer + 1) % d->num_hidden;
    for (int role = 0; role < DRIFT_NETS; role++)
        for (int q = 0; q < 3; q++) {
            const History *t = drift_track(d, role, d->layer, q);
            d->current[role][q] = history_last(t, 0);
        }
    return true;
}

static bool drift_key_unit(void *self, int key)
{
    Drift *d = self;
    int widest = 0;
    for (int l = 0; l < d->num_hidden; l++)
        if (d->ls.mlp[0]->hidden[l].out > widest)
            widest = d->ls.mlp[0]->hidden[l].out;
    d->unit = (d->unit + (key == 'u' ? 1 : widest - 1)) % widest;
    if (!d->ls.diverged)
        drift_restart_history(d);
    return true;
}

/* Where the screen is too small for both, the histograms of every layer replace the band charts. */
static bool drift_key_histograms(void *self, int key)
{
    Drift *d = self;
    d->histograms = !d->histograms;
    return true;
}

static const SceneKeyAction drift_keys[] = {
    { "w", "watch next layer", drift_key_layer },
    { "u/U", "next/prev unit", drift_key_unit },
    { "v", "histograms/bands", drift_key_histograms },
};

/* Percentile q (0: p15, 1: p50, 2: p85) of the watched unit's input in the net of this role. */
static bool drift_percentile(const Drift *d, int role, int q, double *out)
{
    if (d->net_of[role] < 0 || !isfinite(d->current[role][q]))
        return false;
    *out = d->current[role][q];
    return true;
}

static bool live_p15(const void *self, const int *index, double *out) { return drift_percentile(self, PLAIN, 0, out); }
static bool live_p50(const void *self, const int *index, double *out) { return drift_percentile(self, PLAIN, 1, out); }
static bool live_p85(const void *self, const int *index, double *out) { return drift_percentile(self, PLAIN, 2, out); }
static bool live_bn_p15(const void *self, const int *index, double *out) { return drift_percentile(self, WITH_BN, 0, out); }
static bool live_bn_p50(const void *self, const int *index, double *out) { return drift_percentile(self, WITH_BN, 1, out); }
static bool live_bn_p85(const void *self, const int *index, double *out) { return drift_percentile(self, WITH_BN, 2, out); }

static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const Drift *)self)->ls.step;
    return true;
}

static bool live_loss(const void *self, const int *index, double *out)
{
    const Drift *d = self;
    int k = d->net_of[WITH_BN] >= 0 ? d->net_of[WITH_BN] : d->net_of[PLAIN];
    if (d->ls.step == 0 || d->ls.diverged || !isfinite(d->ls.loss[k]))
        return false;
    *out = d->ls.loss[k];
    return true;
}

static const CatalogLive drift_lives[] = {
    { "p15", 0, "15th percentile of the watched unit's input (without BN)", live_p15 },
    { "p50", 0, "median of the watched unit's input (without BN)", live_p50 },
    { "p85", 0, "85th percentile of the watched unit's input (without BN)", live_p85 },
    { "bn_p15", 0, "15th percentile with BN", live_bn_p15 },
    { "bn_p50", 0, "median with BN", live_bn_p50 },
    { "bn_p85", 0, "85th percentile with BN", live_bn_p85 },
    { "loss", 0, "current training loss", live_loss },
    { "step", 0, "training steps taken", live_step },
};

static const CatalogSetting setting_compare = {
    .name = "compare", .type = SETTING_BOOL, .fallback = "yes",
    .help = "also run the same network without BN, side by side" };

static const CatalogSceneSetting drift_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, "synth784" }, { &setting_hidden, "100,100,100" },
    { &setting_act, NULL }, { &setting_batch, "60" }, { &setting_lr, NULL }, { &setting_steps, "2000" },
    { &setting_placement, NULL }, { &setting_compare, NULL }, { &setting_layer, NULL }, { &setting_unit, NULL },
    { &setting_autoplay, NULL }, { &setting_speed, NULL },
};

/* ---- drawing ---- */

static void drift_header(const Drift *d, SceneHead *head)
{
    if (d->ls.diverged) {
        scene_head_diverged(head, d->ls.step, NULL);
        return;
    }
    char buf[256], num[FORMAT_MAX];
    bool done = d->ls.step >= d->steps_max && !d->ls.diverged;
    /* Segments (FITLINE_SEP) drop whole from the end: the losses come before the charts' description,
     * so an 80-column screen keeps them (and a loss is never cut to a shorter number). */
    int used = snprintf(buf, sizeof buf, "step %ld/%ld%s" FITLINE_SEP "  layer %d/%d, unit %d", d->ls.step,
                        d->steps_max, done ? " done" : "", d->layer + 1, d->num_hidden, unit_in(d, d->layer) + 1);
    {
        const char *lead = FITLINE_SEP "   loss:";
        for (int r = 0; r < DRIFT_NETS && d->ls.step > 0; r++) {
            int k = d->net_of[r];
            if (k < 0 || used >= (int)sizeof buf)
                continue;
            if (lockstep_alive(&d->ls, k))
                format_number(num, sizeof num, d->ls.loss[k], 3, head->canvas->unicode);
            else
                snprintf(num, sizeof num, "diverged at %ld", d->ls.diverged_at[k]);
            used += snprintf(buf + used, sizeof buf - (size_t)used, "%s %s %s", lead, r == PLAIN ? "no BN" : "BN", num);
            lead = " ";
        }
        if (used < (int)sizeof buf)
            snprintf(buf + used, sizeof buf - (size_t)used, FITLINE_SEP "   %s",
                     d->histograms ? "input of each layer's unit" : "input 15th/median/85th pct");
    }
    scene_head_title(head, buf, ROLE_TITLE);
}

static void drift_bands(const Drift *d, Canvas *canvas, Rect area)
{
    int roles[DRIFT_NETS], count = 0;
    for (int r = 0; r < DRIFT_NETS; r++)
        if (d->net_of[r] >= 0)
            roles[count++] = r;
    int n = count ? drift_track(d, roles[0], d->layer, 0)->n : 0;
    const double *arrays[6] = { NULL };
    for (int i = 0; i < count; i++)
        for (int q = 0; q < 3; q++)
            arrays[i * 3 + q] = history_col(drift_track(d, roles[i], d->layer, q), 0);
    double lo, hi;
    bandchart_range(&lo, &hi, arrays, 6, n);
    int gap = 2;
    int col_w = count == 2 ? (area.w - gap) / 2 : area.w;
    for (int i = 0; i < count; i++) {
        int r = roles[i];
        char title[256], p[3][FORMAT_MAX];
        for (int q = 0; q < 3; q++)
            format_number(p[q], sizeof p[q], d->current[r][q], 3, canvas->unicode);
        char who_buf[80];
        const char *who = lockstep_series_name(&d->ls, d->net_of[r],
                                               r == PLAIN ? "no BN" : d->placement == BN_PLACEMENT_BEFORE ? "BN before act"
                                                                                                          : "BN after act",
                                               who_buf, (int)sizeof who_buf);
        /* The numbers are the latest probe's 15th, median and 85th; the lines are their history. */
        snprintf(title, sizeof title, "%s:" FITLINE_SEP " %s  %s  %s", who, p[0], p[1], p[2]);
        Rect cell = rect_make(area.x + i * (col_w + gap), area.y, col_w, area.h);
        const History *p15 = drift_track(d, r, d->layer, 0);
        bandchart_draw(canvas, cell, title, p15->x, history_col(p15, 0), history_col(drift_track(d, r, d->layer, 1), 0),
                       history_col(drift_track(d, r, d->layer, 2), 0), n, lo, hi,
                       (double)(d->steps_max > 0 ? d->steps_max : 1), r == PLAIN ? ROLE_SERIES1 : ROLE_SERIES2);
    }
}

/* One mirrored histogram per hidden layer: without BN up, with BN down, on a shared x range. */
static void drift_histograms(const Drift *d, Canvas *canvas, Rect area)
{
    int gap = 2;
    int col_w = (area.w - gap * (d->num_hidden - 1)) / d->num_hidden;
    if (col_w < LAYOUT_W_HIST_MIN)
        return;
    for (int l = 0; l < d->num_hidden; l++) {
        Rect cell = rect_make(area.x + l * (col_w + gap), area.y, col_w, area.h);
        double lo = INFINITY, hi = -INFINITY;
        for (int r = 0; r < DRIFT_NETS; r++) {
            if (d->net_of[r] < 0 || !lockstep_alive(&d->ls, d->net_of[r]))
                continue;
            double a, b;
            stats_min_max(&a, &b, drift_values(d, r, l), d->probe_rows);
            lo = fmin(lo, a);
            hi = fmax(hi, b);
        }
        if (!(hi > lo)) {
            lo -= 1.0;
            hi += 1.0;
        }
        double counts[DRIFT_NETS][DRIFT_BINS];
        HistSeries series[DRIFT_NETS];
        int ns = 0;
        for (int r = 0; r < DRIFT_NETS; r++) {
            if (d->net_of[r] < 0 || !lockstep_alive(&d->ls, d->net_of[r]))    /* its values predate the divergence */
                continue;
            int c[DRIFT_BINS];
            const double *v = drift_values(d, r, l);
            stats_histogram(c, NULL, NULL, v, d->probe_rows, lo, hi, DRIFT_BINS);
            for (int b = 0; b < DRIFT_BINS; b++)
                counts[ns][b] = c[b];
            double mean, var;
            stats_mean_var(&mean, &var, v, d->probe_rows, 0);
            series[ns] = (HistSeries){ counts[ns], DRIFT_BINS, lo, hi, r == PLAIN ? "no BN" : "BN", false, mean,
                                       sqrt(var) };
            ns++;
        }
        char title[64];
        snprintf(title, sizeof title, "layer %d, unit %d%s", l + 1, unit_in(d, l) + 1, l == d->layer ? " (watched)" : "");
        canvas_text(canvas, cell.x, cell.y, title, l == d->layer ? ROLE_HIGHLIGHT : ROLE_TITLE, 0, cell.w);
        if (ns == 0)
            continue;
        HistogramSpec spec = { series, ns, ns == 2 ? HIST_MIRROR : HIST_OVERLAY, false,
                               { .label = "input" }, { .label = NULL } };
        histogram_draw(canvas, rect_make(cell.x, cell.y + 1, cell.w, cell.h - 1), &spec);
    }
}

static void drift_draw(const void *self, Canvas *canvas, Rect area)
{
    const Drift *d = self;
    SceneHead head = scene_head_begin(canvas, area);
    drift_header(d, &head);
    Rect body = scene_head_body(&head, 0);
    if (d->histograms) {
        drift_histograms(d, canvas, body);
        return;
    }
    /* Histograms only where the band charts keep enough height to read. */
    if (layout_fits(body, layout_columns_w(3, LAYOUT_W_HIST_MIN, 2), LAYOUT_H_CHARTS_STACKED)) {

        Rect top, bottom;
        int hist_h = body.h * 2 / 5;
        rect_split_rows(body, body.h - hist_h - 1, 1, &top, &bottom);
        drift_bands(d, canvas, top);
        drift_histograms(d, canvas, bottom);
    } else {
        drift_bands(d, canvas, body);
    }
}

/* The net without BN (unless the BN net is shown alone) and the BN net, for the page's budget. */
static int drift_networks(const LessonPage *page)
{
    BnPlacement placement = BN_PLACEMENT_BEFORE;
    mlp_placement_parse(lesson_page_enum(page, "placement"), &placement);
    return placement != BN_PLACEMENT_NONE && lesson_page_bool(page, "compare") ? 2 : 1;
}

const SceneClass scene_drift = {
    .schema = SCENE_SCHEMA_NETWORKS("drift", "a hidden unit's input distribution over training, with and without BN",
                                    drift_settings, drift_lives, drift_networks),
    .headline = "bn_p50",
    .headline_label = "median input with BN",
    .create = drift_create,
    .destroy = drift_destroy,
    .step = drift_step,
    .steps_per_second = 30,
    .draw = drift_draw,
    .keys = drift_keys,
    .key_count = SCENE_COUNT(drift_keys),
};
