/* The 'lr-sweep' scene: one network with and without BN trained in lockstep at a sweep of learning rates, with each rate's test accuracy and the curves at the rate the knob picks (scene layer). */
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
#include "view/format.h"
#include "view/plot.h"

/* A point every step for the first SWEEP_EVERY steps, then every SWEEP_EVERY: the mean loss of the
 * mini-batches since the last point and the test accuracy (eval mode) of every net. Nets are numbered rate by rate, no BN then BN: net 2i + role. */
enum { SWEEP_MAX_RATES = LOCKSTEP_MAX_NETS / 2, SWEEP_EVERY = 10, SWEEP_TEST_ROWS = 500 };

enum { PLAIN, WITH_BN, ROLES };

static const char *const role_names[ROLES] = { "no BN", "BN" };

/* A net "failed" when it diverged or its test accuracy stays within this much of chance. */
#define SWEEP_NEAR_CHANCE 0.1

typedef struct LrSweep {
    Lockstep ls;
    int rates;
    double rate[SWEEP_MAX_RATES];
    int picked;                             /* the rate whose curves show */
    long steps_max;
    double trains_at;                       /* test accuracy at which a run counts as trained */
    double chance;                          /* 1 / classes */
    double loss_sum[LOCKSTEP_MAX_NETS];     /* since the last point */
    int loss_count;
    History at;                             /* (points) the step of each point */
    History loss[LOCKSTEP_MAX_NETS];        /* (points) mean mini-batch loss, NaN at step 0 */
    History acc[LOCKSTEP_MAX_NETS];         /* (points) test accuracy 0..1 */
    /* Derived in update, for draw and the live values: */
    double acc_now[ROLES][SWEEP_MAX_RATES]; /* latest test accuracy, NaN once diverged */
    bool trained[ROLES][SWEEP_MAX_RATES];
    bool failed[ROLES][SWEEP_MAX_RATES];
    int trained_count[ROLES];
} LrSweep;

static int net_of(int rate, int role) { return 2 * rate + role; }

static void sweep_record(LrSweep *s)
{
    history_push(&s->at, s->ls.step, (double)s->ls.step);
    for (int k = 0; k < s->ls.nets; k++) {
        history_push(&s->loss[k], s->ls.step, s->loss_count ? s->loss_sum[k] / s->loss_count : NAN);
        s->loss_sum[k] = 0.0;
        history_push(&s->acc[k], s->ls.step, lockstep_test_accuracy(&s->ls, k, SWEEP_TEST_ROWS));
    }
    s->loss_count = 0;
}

static void sweep_destroy(void *self)
{
    LrSweep *s = self;
    if (!s)
        return;
    lockstep_free(&s->ls);
    history_free(&s->at);
    for (int k = 0; k < LOCKSTEP_MAX_NETS; k++) {
        history_free(&s->loss[k]);
        history_free(&s->acc[k]);
    }
    free(s);
}

static const CatalogSetting setting_rates = {
    .name = "rates", .type = SETTING_LIST, .min = 1e-4, .max = 100, .list_min = 2, .list_max = SWEEP_MAX_RATES,
    .fallback = "0.05,0.1,0.2,0.5,1,2,5", .help = "the learning rates of the sweep, smallest first" };
static const CatalogSetting setting_trains_at = {
    .name = "trains_at", .type = SETTING_REAL, .min = 0, .max = 1, .fallback = "0.9",
    .help = "test accuracy at which a run counts as trained" };

/* The rate nearest to lr on a log scale: where the knob starts. */
static int sweep_nearest(const LrSweep *s, double lr)
{
    int best = 0;
    for (int i = 1; i < s->rates; i++)
        if (fabs(log(s->rate[i] / lr)) < fabs(log(s->rate[best] / lr)))
            best = i;
    return best;
}

/* Each rate trains twice, with and without BN: the budget prices them all (CatalogScene.networks). */
static int sweep_networks(const LessonPage *page)
{
    const double *rates;
    int n = lesson_page_list(page, "rates", &rates);
    return 2 * (n < SWEEP_MAX_RATES ? n : SWEEP_MAX_RATES);
}

static void *sweep_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    LrSweep *s = xcalloc(1, sizeof *s);
    LockstepConfig c;
    lockstep_config_from_page(&c, page, seed);
    const double *rates;
    s->rates = lesson_page_list(page, "rates", &rates);
    if (s->rates > SWEEP_MAX_RATES)
        s->rates = SWEEP_MAX_RATES;
    for (int i = 0; i < s->rates; i++) {
        s->rate[i] = rates[i];
        for (int role = 0; role < ROLES; role++) {
            int k = net_of(i, role);
            c.lrs[k] = rates[i];
            c.placements[k] = role == WITH_BN ? BN_PLACEMENT_BEFORE : BN_PLACEMENT_NONE;
        }
    }
    c.nets = 2 * s->rates;
    /* The learner reads accuracies and losses: float steps are enough, at half the cost. */
    c.float_steps = true;
    if (!lockstep_init(&s->ls, &c, err)) {
        free(s);
        return NULL;
    }
    s->picked = sweep_nearest(s, lesson_page_real(page, "lr"));
    s->steps_max = lesson_page_int(page, "steps");
    s->trains_at = lesson_page_real(page, "trains_at");
    s->chance = 1.0 / s->ls.train->classes;
    sweep_record(s);
    return s;
}

static void sweep_step(void *self)
{
    LrSweep *s = self;
    if (s->ls.diverged || s->ls.step >= s->steps_max)
        return;
    if (!lockstep_step(&s->ls))
        return;
    for (int k = 0; k < s->ls.nets; k++)
        s->loss_sum[k] += s->ls.loss[k];
    s->loss_count++;
    /* Every step at first: a net that diverges within a few steps still draws its rise. */
    if (s->ls.step <= SWEEP_EVERY || s->ls.step % SWEEP_EVERY == 0 || s->ls.step == s->steps_max)
        sweep_record(s);
}

static void sweep_update(void *self)
{
    LrSweep *s = self;
    for (int role = 0; role < ROLES; role++) {
        s->trained_count[role] = 0;
        for (int i = 0; i < s->rates; i++) {
            int k = net_of(i, role);
            double a = lockstep_alive(&s->ls, k) ? history_last(&s->acc[k], 0) : NAN;
            s->acc_now[role][i] = a;
            s->trained[role][i] = isfinite(a) && a >= s->trains_at;
            s->failed[role][i] = !lockstep_alive(&s->ls, k) || (isfinite(a) && a < s->chance + SWEEP_NEAR_CHANCE);
            s->trained_count[role] += s->trained[role][i];
        }
    }
}

/* Every net diverged (the run cannot go on) or the sweep is done. */
static bool sweep_halted(const void *self)
{
    return ((const LrSweep *)self)->ls.diverged;
}

static bool sweep_key_rate(void *self, int key)
{
    LrSweep *s = self;
    int next = s->picked + (key == ']' ? 1 : -1);
    if (next < 0 || next >= s->rates)
        return false;
    s->picked = next;
    return true;
}

static const SceneKeyAction sweep_keys[] = {
    { "[/]", "rate", sweep_key_rate },
};

/* ---- live values ---- */

static bool rate_index(const LrSweep *s, const int *index, int *i)
{
    *i = index[0];
    return *i >= 0 && *i < s->rates;
}

static bool live_lr(const void *self, const int *index, double *out)
{
    const LrSweep *s = self;
    int i;
    return rate_index(s, index, &i) && scene_finite(s->rate[i], out);
}

static bool sweep_acc(const LrSweep *s, int role, const int *index, double *out)
{
    int i;
    return rate_index(s, index, &i) && scene_finite(s->acc_now[role][i], out);
}
static bool live_acc_plain(const void *self, const int *index, double *out) { return sweep_acc(self, PLAIN, index, out); }
static bool live_acc_bn(const void *self, const int *index, double *out) { return sweep_acc(self, WITH_BN, index, out); }

static bool sweep_loss(const LrSweep *s, int role, const int *index, double *out)
{
    int i;
    return rate_index(s, index, &i) && scene_finite(history_last(&s->loss[net_of(i, role)], 0), out);
}
static bool live_loss_plain(const void *self, const int *index, double *out) { return sweep_loss(self, PLAIN, index, out); }
static bool live_loss_bn(const void *self, const int *index, double *out) { return sweep_loss(self, WITH_BN, index, out); }

static bool sweep_diverged(const LrSweep *s, int role, const int *index, double *out)
{
    int i;
    if (!rate_index(s, index, &i))
        return false;
    *out = lockstep_alive(&s->ls, net_of(i, role)) ? 0.0 : 1.0;
    return true;
}
static bool live_diverged_plain(const void *self, const int *index, double *out) { return sweep_diverged(self, PLAIN, index, out); }
static bool live_diverged_bn(const void *self, const int *index, double *out) { return sweep_diverged(self, WITH_BN, index, out); }

/* 1 or 0; none before the first accuracy is measured on a net still training. */
static bool sweep_flag(const LrSweep *s, const bool flags[ROLES][SWEEP_MAX_RATES], int role, const int *index, double *out)
{
    int i;
    if (!rate_index(s, index, &i) || (lockstep_alive(&s->ls, net_of(i, role)) && !isfinite(s->acc_now[role][i])))
        return false;
    *out = flags[role][i] ? 1.0 : 0.0;
    return true;
}
static bool live_trained_plain(const void *self, const int *index, double *out)
{
    const LrSweep *s = self;
    return sweep_flag(s, s->trained, PLAIN, index, out);
}
static bool live_trained_bn(const void *self, const int *index, double *out)
{
    const LrSweep *s = self;
    return sweep_flag(s, s->trained, WITH_BN, index, out);
}
static bool live_failed_plain(const void *self, const int *index, double *out)
{
    const LrSweep *s = self;
    return sweep_flag(s, s->failed, PLAIN, index, out);
}
static bool live_failed_bn(const void *self, const int *index, double *out)
{
    const LrSweep *s = self;
    return sweep_flag(s, s->failed, WITH_BN, index, out);
}

static bool live_range_plain(const void *self, const int *index, double *out)
{
    *out = ((const LrSweep *)self)->trained_count[PLAIN];
    return true;
}
static bool live_range_bn(const void *self, const int *index, double *out)
{
    *out = ((const LrSweep *)self)->trained_count[WITH_BN];
    return true;
}
static bool live_picked_lr(const void *self, const int *index, double *out)
{
    const LrSweep *s = self;
    *out = s->rate[s->picked];
    return true;
}
static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const LrSweep *)self)->ls.step;
    return true;
}

static const CatalogLive sweep_lives[] = {
    { "lr", 1, "the i-th learning rate of the sweep (i from 0)", live_lr },
    { "acc_plain", 1, "test accuracy without BN at rate i (eval mode, 0..1); none once it diverged", live_acc_plain },
    { "acc_bn", 1, "test accuracy with BN at rate i", live_acc_bn },
    { "loss_plain", 1, "training loss without BN at rate i (mean of the mini-batches since the previous point)", live_loss_plain },
    { "loss_bn", 1, "training loss with BN at rate i", live_loss_bn },
    { "diverged_plain", 1, "1 once the net without BN at rate i diverged, else 0", live_diverged_plain },
    { "diverged_bn", 1, "1 once the net with BN at rate i diverged, else 0", live_diverged_bn },
    { "trained_plain", 1, "1 when the net without BN at rate i reaches trains_at test accuracy, else 0",
      live_trained_plain },
    { "trained_bn", 1, "the same with BN", live_trained_bn },
    { "failed_plain", 1, "1 when the net without BN at rate i diverged or is within 0.1 of chance accuracy, else 0",
      live_failed_plain },
    { "failed_bn", 1, "the same with BN", live_failed_bn },
    { "range_plain", 0, "how many rates the net without BN trained at (trained_plain summed)", live_range_plain },
    { "range_bn", 0, "how many rates the net with BN trained at", live_range_bn },
    { "picked_lr", 0, "the rate whose curves show", live_picked_lr },
    { "step", 0, "training steps taken", live_step },
};

static const CatalogSceneSetting sweep_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, "moons" }, { &setting_hidden, "16,16,16,16,16,16" },
    { &setting_act, "relu" }, { &setting_batch, "60" }, { &setting_rates, NULL }, { &setting_lr, "2" },
    { &setting_steps, "300" }, { &setting_trains_at, NULL }, { &setting_autoplay, NULL }, { &setting_speed, NULL },
};

/* ---- drawing ---- */

/* One cell of the table: "98%", "div 12" (diverged at step 12) or "-" before training (every net of a
 * role starts from the same weights: the same accuracy at every rate says nothing yet). */
static void sweep_cell(const LrSweep *s, int role, int i, char *buf, int size, ColorRole *cell_role)
{
    int k = net_of(i, role);
    *cell_role = ROLE_DEFAULT;
    if (!lockstep_alive(&s->ls, k)) {
        snprintf(buf, (size_t)size, "div %ld", s->ls.diverged_at[k]);
        *cell_role = ROLE_WARNING;
    } else if (s->ls.step > 0 && isfinite(s->acc_now[role][i])) {
        snprintf(buf, (size_t)size, "%.0f%%", 100.0 * s->acc_now[role][i]);
        if (s->failed[role][i])
            *cell_role = ROLE_WARNING;
        else if (s->trained[role][i])
            *cell_role = ROLE_GOOD;
    } else {
        snprintf(buf, (size_t)size, "-");
    }
}

/* The sweep as a table: a row of rates, then test accuracy without and with BN; the picked rate's
 * column is highlighted. Returns the rows used. */
static int sweep_table(const LrSweep *s, Canvas *canvas, Rect area)
{
    static const char *const row_names[] = { "lr", "no BN", "BN" };
    const int label_w = 7;
    int col_w = (area.w - label_w) / s->rates;
    if (col_w > 9)
        col_w = 9;
    if (col_w < 5 || area.h < 3)
        return 0;
    for (int r = 0; r < 3 && r < area.h; r++) {
        canvas_text(canvas, area.x, area.y + r, row_names[r], r ? (r == 1 ? ROLE_SERIES1 : ROLE_SERIES2) : ROLE_TITLE,
                    ATTR_BOLD, label_w);
        for (int i = 0; i < s->rates; i++) {
            char cell[FORMAT_MAX];
            ColorRole role = ROLE_TITLE;
            int attr = 0;
            if (r == 0) {
                format_number(cell, sizeof cell, s->rate[i], 3, canvas->unicode);
                attr = ATTR_BOLD;
            } else {
                sweep_cell(s, r - 1, i, cell, (int)sizeof cell, &role);
            }
            if (i == s->picked)
                attr |= ATTR_REVERSE;
            int x = area.x + label_w + i * col_w;
            /* Right-aligned in its column, one blank on the left to separate it. */
            int len = fitline_width(cell, canvas->unicode);
            int pad = col_w - 1 - len;
            canvas_text(canvas, x + 1 + (pad > 0 ? pad : 0), area.y + r, cell, role, attr, col_w - 1);
        }
    }
    return 3;
}

/* Test accuracy at the end of the run so far against the learning rate (log scale), both nets. */
static void sweep_rate_chart(const LrSweep *s, Canvas *canvas, Rect area)
{
    if (!layout_chart_fits(area))
        return;
    fitline_draw(canvas, area.x, area.y, "test accuracy by learning rate" FITLINE_SEP " (no point: div)",
                 ROLE_TITLE, ATTR_BOLD, area.w);
    LineSeries series[ROLES];
    for (int role = 0; role < ROLES; role++)
        series[role] = (LineSeries){ s->rate, s->acc_now[role], s->ls.step > 0 ? s->rates : 0, role_names[role] };
    LineChartSpec spec = {
        .series = series, .nseries = ROLES,
        .x = { .fixed = true, .lo = s->rate[0], .hi = s->rate[s->rates - 1], .log = true, .label = "lr" },
        .y = { .fixed = true, .lo = 0, .hi = 1 },
        .legend = true,
    };
    linechart_draw(canvas, rect_make(area.x, area.y + 1, area.w, area.h - 1), &spec);
}

/* The training loss (log scale) of both nets at the picked rate over the steps; a diverged net's curve
 * ends where it diverged. */
static void sweep_curves(const LrSweep *s, Canvas *canvas, Rect area)
{
    if (!layout_chart_fits(area))
        return;
    char title[160], num[FORMAT_MAX];
    format_number(num, sizeof num, s->rate[s->picked], 3, canvas->unicode);
    snprintf(title, sizeof title, "training loss at lr %s" FITLINE_SEP " ([ ] other rates)", num);
    fitline_draw(canvas, area.x, area.y, title, ROLE_TITLE, ATTR_BOLD, area.w);
    LineSeries series[ROLES];
    char names[ROLES][80];
    for (int role = 0; role < ROLES; role++) {
        int k = net_of(s->picked, role);
        series[role] = (LineSeries){ history_col(&s->at, 0), history_col(&s->loss[k], 0), s->loss[k].n,
                                     lockstep_series_name(&s->ls, k, role_names[role], names[role], (int)sizeof names[role]) };
    }
    LineChartSpec spec = {
        .series = series, .nseries = ROLES,
        .x = { .fixed = true, .lo = 0, .hi = (double)(s->steps_max > 0 ? s->steps_max : 1), .label = "step" },
        .y = { .log = true },
        .legend = true,
    };
    linechart_draw(canvas, rect_make(area.x, area.y + 1, area.w, area.h - 1), &spec);
}

static void sweep_draw(const void *self, Canvas *canvas, Rect area)
{
    const LrSweep *s = self;
    SceneHead h = scene_head_begin(canvas, area);
    if (s->ls.diverged) {
        scene_head_diverged(&h, s->ls.step, "every rate");
    } else {
        /* What "trained" and "failed" mean comes first: the table's colours and the question need it. */
        char head[256];
        snprintf(head, sizeof head, "step %ld/%ld%s" FITLINE_SEP "  trained: test acc %s %.0f%%" FITLINE_SEP
                 ", failed: div or < %.0f%%" FITLINE_SEP "  %d rates, each without and with BN",
                 s->ls.step, s->steps_max, s->ls.step >= s->steps_max ? " done" : "",
                 canvas->unicode ? "\xE2\x89\xA5" : ">=", 100.0 * s->trains_at, 100.0 * (s->chance + SWEEP_NEAR_CHANCE),
                 s->rates);
        scene_head_title(&h, head, ROLE_TITLE);
    }
    Rect body = scene_head_body(&h, 0);
    int used = sweep_table(s, canvas, rect_make(body.x, body.y, body.w, 3));
    if (used > 0 && body.h - used > LAYOUT_H_CHART_MIN)
        used++;     /* a blank row between the table and the charts */
    Rect charts = rect_make(body.x, body.y + used, body.w, body.h - used);
    int gap = 2;
    if (layout_fits(charts, LAYOUT_W_TWO_PANELS, 0)) {
        Rect left, right;
        rect_split_cols(charts, (charts.w - gap) / 2, gap, &left, &right);
        sweep_rate_chart(s, canvas, left);
        sweep_curves(s, canvas, right);
    } else {
        sweep_curves(s, canvas, charts);
    }
}

const SceneClass scene_lr_sweep = {
    .schema = SCENE_SCHEMA_NETWORKS("lr-sweep", "one network with and without BN at a sweep of learning rates",
                                    sweep_settings, sweep_lives, sweep_networks),
    .headline = "range_bn",
    .headline_label = "rates at which BN trained",
    .create = sweep_create,
    .destroy = sweep_destroy,
    .step = sweep_step,
    /* 14 nets take about 0.7 ms a step: 12 a second keeps a playing tutor under 1% of a core, and the
     * 300 steps take 25 s. */
    .steps_per_second = 12,
    .update = sweep_update,
    .draw = sweep_draw,
    .keys = sweep_keys,
    .key_count = SCENE_COUNT(sweep_keys),
    .halted = sweep_halted,
};
