/* The 'placement' scene: BN before vs after the activation (and optionally no BN) trained in lockstep, with loss and accuracy curves and activation histograms (scene layer). */
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
#include "view/plot.h"

/* A point every few steps: the loss is the mean over those mini-batches (one batch is noisy). */
enum { PLACE_EVERY = 5, PLACE_PROBE_ROWS = 200, PLACE_BINS = 24 };

typedef struct Placement {
    Lockstep ls;
    long steps_max;
    int probe_rows;
    double loss_sum[LOCKSTEP_MAX_NETS];     /* since the last point */
    int loss_count;
    History loss[LOCKSTEP_MAX_NETS];        /* (points) mean mini-batch loss, NaN at step 0 */
    History acc[LOCKSTEP_MAX_NETS];         /* (points) test accuracy 0..1 */
    double *out;                            /* (nets, probe_rows · width) last hidden layer's output */
    int out_n;                              /* values per net in out */
    bool outputs;                           /* 'v': the output histograms take the curves' place */
} Placement;

static const char *const place_names[LOCKSTEP_MAX_NETS] = { "BN before", "BN after", "no BN" };

/* Test accuracy (eval mode) and the last hidden layer's output on the probe rows (batch statistics). */
static void placement_record(Placement *p)
{
    for (int k = 0; k < p->ls.nets; k++) {
        history_push(&p->loss[k], p->ls.step, p->loss_count ? p->loss_sum[k] / p->loss_count : NAN);
        p->loss_sum[k] = 0.0;
        history_push(&p->acc[k], p->ls.step, lockstep_test_accuracy(&p->ls, k, p->ls.test->n));
        MlpInferTap outputs = { .layer = p->ls.mlp[k]->num_hidden - 1, .unit = -1, .output = true,
                                .values = p->out + (size_t)k * (size_t)p->out_n };
        lockstep_probe(&p->ls, k, p->probe_rows, &outputs, 1);
    }
    p->loss_count = 0;
}

static void placement_destroy(void *self)
{
    Placement *p = self;
    if (!p)
        return;
    lockstep_free(&p->ls);
    for (int k = 0; k < LOCKSTEP_MAX_NETS; k++) {
        history_free(&p->loss[k]);
        history_free(&p->acc[k]);
    }
    free(p->out);
    free(p);
}

static void *placement_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    Placement *p = xcalloc(1, sizeof *p);
    LockstepConfig c = { 0 };
    c.dataset = lesson_page_enum(page, "dataset");
    c.dataset = dataset_resolve(c.dataset, true, "synth784", NULL);
    if (strncmp(c.dataset, "idx:", 4) == 0) {
        c.n_train = 10000;
        c.n_test = 1000;
    }
    c.seed = seed;
    c.rule = bnrule_of_page(page);
    c.num_hidden = lesson_page_list(page, "hidden", &c.hidden);
    activation_parse(lesson_page_enum(page, "act"), &c.act);
    c.batch = (int)lesson_page_int(page, "batch");
    c.lr = lesson_page_real(page, "lr");
    c.placements[c.nets++] = BN_PLACEMENT_BEFORE;
    c.placements[c.nets++] = BN_PLACEMENT_AFTER;
    if (lesson_page_bool(page, "baseline"))
        c.placements[c.nets++] = BN_PLACEMENT_NONE;
    if (!lockstep_init(&p->ls, &c, err)) {
        free(p);
        return NULL;
    }
    p->steps_max = lesson_page_int(page, "steps");
    p->probe_rows = p->ls.test->n < PLACE_PROBE_ROWS ? p->ls.test->n : PLACE_PROBE_ROWS;
    p->out_n = p->probe_rows * (int)c.hidden[c.num_hidden - 1];
    p->out = xcalloc((size_t)LOCKSTEP_MAX_NETS * (size_t)p->out_n, sizeof *p->out);
    placement_record(p);
    return p;
}

static void placement_step(void *self)
{
    Placement *p = self;
    if (p->ls.diverged || p->ls.step >= p->steps_max)
        return;
    if (!lockstep_step(&p->ls))
        return;
    for (int k = 0; k < p->ls.nets; k++)
        p->loss_sum[k] += p->ls.loss[k];
    p->loss_count++;
    if (p->ls.step % PLACE_EVERY == 0 || p->ls.step == p->steps_max)
        placement_record(p);
}


static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const Placement *)self)->ls.step;
    return true;
}

static bool live_loss_before(const void *self, const int *index, double *out)
{
    return scene_finite(history_last(&((const Placement *)self)->loss[0], 0), out);
}

static bool live_loss_after(const void *self, const int *index, double *out)
{
    return scene_finite(history_last(&((const Placement *)self)->loss[1], 0), out);
}

static bool live_acc_before(const void *self, const int *index, double *out)
{
    return scene_finite(history_last(&((const Placement *)self)->acc[0], 0), out);
}

static bool live_acc_after(const void *self, const int *index, double *out)
{
    return scene_finite(history_last(&((const Placement *)self)->acc[1], 0), out);
}

/* The network without BN is the third one, there only with `baseline`. */
static bool live_loss_none(const void *self, const int *index, double *out)
{
    const Placement *p = self;
    return p->ls.nets > 2 && scene_finite(history_last(&p->loss[2], 0), out);
}

static bool live_acc_none(const void *self, const int *index, double *out)
{
    const Placement *p = self;
    return p->ls.nets > 2 && scene_finite(history_last(&p->acc[2], 0), out);
}

static const CatalogLive placement_lives[] = {
    { "loss_before", 0, "loss with BN before the activation", live_loss_before },
    { "loss_after", 0, "loss with BN after the activation", live_loss_after },
    { "acc_before", 0, "test accuracy with BN before", live_acc_before },
    { "acc_after", 0, "test accuracy with BN after", live_acc_after },
    { "loss_none", 0, "loss without BN (with baseline = yes)", live_loss_none },
    { "acc_none", 0, "test accuracy without BN (with baseline = yes)", live_acc_none },
    { "step", 0, "training steps taken", live_step },
};

static const CatalogSetting setting_baseline = {
    .name = "baseline", .type = SETTING_BOOL, .fallback = "no",
    .help = "also run the network without BN as a third contestant" };

static const CatalogSceneSetting placement_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, "spirals" }, { &setting_hidden, NULL }, { &setting_act, "relu" },
    { &setting_batch, NULL }, { &setting_lr, NULL }, { &setting_steps, NULL }, { &setting_baseline, NULL },
    { &setting_autoplay, NULL }, { &setting_speed, NULL },
};

/* ---- drawing ---- */

static void placement_chart(const Placement *p, Canvas *canvas, Rect area, const History *tracks, bool accuracy)
{
    if (!layout_chart_fits(area))

        return;
    /* Each net's figure is a segment (FITLINE_SEP) kept or dropped whole, so "76.5%" never reads "76.5";
     * the short label is tried before any figure is dropped. */
    char title[160], title_short[160], num[FORMAT_MAX];
    int used = snprintf(title, sizeof title, "%s", accuracy ? "test accuracy:" : "training loss:");
    for (int k = 0; k < p->ls.nets && used < (int)sizeof title; k++) {
        double v = history_last(&tracks[k], 0);
        if (accuracy && isfinite(v))
            snprintf(num, sizeof num, "%.1f%%", 100.0 * v);
        else
            format_number(num, sizeof num, v, 3, canvas->unicode);
        used += snprintf(title + used, sizeof title - (size_t)used, FITLINE_SEP " %s %s", k == 0 ? "B" : k == 1 ? "A" : "N",
                         !lockstep_alive(&p->ls, k) ? "diverged" : isfinite(v) ? num : "-");
    }
    snprintf(title_short, sizeof title_short, "%s%s", accuracy ? "accuracy:" : "loss:", strchr(title, ':') + 1);
    const char *alts[2] = { title, title_short };
    fitline_draw_first(canvas, area.x, area.y, alts, 2, ROLE_TITLE, ATTR_BOLD, area.w);
    LineSeries series[LOCKSTEP_MAX_NETS];
    char names[LOCKSTEP_MAX_NETS][80];
    for (int k = 0; k < p->ls.nets; k++)
        series[k] = (LineSeries){ tracks[k].x, history_col(&tracks[k], 0), tracks[k].n,
                                  lockstep_series_name(&p->ls, k, place_names[k], names[k], (int)sizeof names[k]) };
    double x_hi = (double)(p->steps_max > 0 ? p->steps_max : 1);
    LineChartSpec spec = {
        .series = series, .nseries = p->ls.nets,
        .x = { .fixed = true, .lo = 0, .hi = x_hi, .label = "step" },
        .y = accuracy ? (AxisSpec){ .fixed = true, .lo = 0, .hi = 1, .label = NULL } : (AxisSpec){ .label = NULL },
        .legend = true,
    };
    linechart_draw(canvas, rect_make(area.x, area.y + 1, area.w, area.h - 1), &spec);
}

/* One histogram per net of what the last hidden layer hands on, pooled over its units. */
static void placement_histograms(const Placement *p, Canvas *canvas, Rect area)
{
    int gap = 2, nets = p->ls.nets;
    int col_w = (area.w - gap * (nets - 1)) / nets;
    if (col_w < LAYOUT_W_HIST_MIN || area.h < 1 + LAYOUT_H_CHART_MIN)     /* a title row above each */


        return;
    const Mlp *m = p->ls.mlp[0];
    for (int k = 0; k < nets; k++) {
        Rect cell = rect_make(area.x + k * (col_w + gap), area.y, col_w, area.h);
        if (!lockstep_alive(&p->ls, k)) {     /* its last output is from before it diverged */
            char title[96];
            snprintf(title, sizeof title, "%s: diverged at step %ld", place_names[k], p->ls.diverged_at[k]);
            canvas_text(canvas, cell.x, cell.y, title, ROLE_WARNING, 0, cell.w);
            continue;
        }
        const double *v = p->out + (size_t)k * (size_t)p->out_n;
        double lo, hi, mean, var;
        stats_min_max(&lo, &hi, v, p->out_n);
        if (!(hi > lo)) {
            lo -= 1.0;
            hi += 1.0;
        }
        int c[PLACE_BINS];
        double counts[PLACE_BINS];
        stats_histogram(c, NULL, NULL, v, p->out_n, lo, hi, PLACE_BINS);
        for (int b = 0; b < PLACE_BINS; b++)
            counts[b] = c[b];
        stats_mean_var(&mean, &var, v, p->out_n, 0);
        char title[96];
        snprintf(title, sizeof title, "%s: layer %d output", place_names[k], m->num_hidden);
        canvas_text(canvas, cell.x, cell.y, title, ROLE_TITLE, 0, cell.w);
        HistSeries s = { counts, PLACE_BINS, lo, hi, NULL, true, mean, sqrt(var) };
        HistogramSpec spec = { &s, 1, HIST_OVERLAY, false, { .label = NULL }, { .label = NULL } };
        histogram_draw(canvas, rect_make(cell.x, cell.y + 1, cell.w, cell.h - 1), &spec);
    }
}

/* Where the screen is too small for both, what the next layer receives replaces the curves. */
static bool placement_key_outputs(void *self, int key)
{
    Placement *p = self;
    p->outputs = !p->outputs;
    return true;
}

static const SceneKeyAction placement_keys[] = {
    { "v", "outputs/curves", placement_key_outputs },
};

static void placement_draw(const void *self, Canvas *canvas, Rect area)
{
    const Placement *p = self;
    char head[200];
    int used = snprintf(head, sizeof head,
                        "step %ld/%ld" FITLINE_SEP "  B=BN before A=after%s" FITLINE_SEP "  same data, seed, weights, batches",
                        p->ls.step, p->steps_max, p->ls.nets == 3 ? " N=none" : "");
    if (p->ls.step >= p->steps_max && used < (int)sizeof head - 12)
        snprintf(head + used, sizeof head - (size_t)used, FITLINE_SEP "  (done)");
    SceneHead h = scene_head_begin(canvas, area);
    if (p->ls.diverged)
        scene_head_diverged(&h, p->ls.step, NULL);
    else
        scene_head_title(&h, head, ROLE_TITLE);
    /* Honesty first: this run is one data set and one seed. */
    fitline_draw(canvas, area.x, area.y + area.h - 1,
                 "One data set, one seed:" FITLINE_SEP " R tries another seed; other data can change the order.",
                 ROLE_TEXT_DIM, 0, area.w);
    Rect body = scene_head_body(&h, 1);
    if (p->outputs) {
        placement_histograms(p, canvas, body);
        return;
    }
    Rect charts = body, hists = { 0, 0, 0, 0 };
    if (layout_fits(body, 0, LAYOUT_H_ROW_BELOW))

        rect_split_rows(body, body.h - body.h * 2 / 5 - 1, 1, &charts, &hists);
    Rect left, right;
    rect_split_cols(charts, (charts.w - 2) / 2, 2, &left, &right);
    placement_chart(p, canvas, left, p->loss, false);
    placement_chart(p, canvas, right, p->acc, true);
    if (hists.h > 0)
        placement_histograms(p, canvas, hists);
}

/* BN before and after, and the net without BN with `baseline`, for the page's budget (CatalogScene.networks). */
static int placement_networks(const LessonPage *page) { return lesson_page_bool(page, "baseline") ? 3 : 2; }

const SceneClass scene_placement = {
    .schema = SCENE_SCHEMA_NETWORKS("placement", "BN before vs after the activation, trained side by side",
                                    placement_settings, placement_lives, placement_networks),
    .headline = "acc_before",
    .headline_label = "test accuracy, BN before",
    .create = placement_create,
    .destroy = placement_destroy,
    .step = placement_step,
    .steps_per_second = 30,
    .draw = placement_draw,
    .keys = placement_keys,
    .key_count = SCENE_COUNT(placement_keys),
};
