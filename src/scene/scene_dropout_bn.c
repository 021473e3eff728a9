/* The 'dropout-bn' scene: dropout in front of a BN layer makes the running variance it collects in training differ from the variance its input has in eval mode (Li et al. 2019's variance shift), next to dropout after the last BN (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/mlp.h"
#include "engine/optimizer.h"
#include "engine/stats.h"
#include "scene/history.h"
#include "scene/netrun.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"
#include "view/table.h"

/* The eval-mode variance is measured on a fixed batch of test rows every few steps. */
enum { DB_NETS = 2, DB_EVERY = 10, DB_TEST_ROWS = 300 };

enum { DB_BEFORE, DB_AFTER };

/* Small networks keep a playing tutor near 1% of a core. */
enum { DB_WIDTH_MAX = 64, DB_LAYERS_MAX = 4 };

static const char *const db_names[DB_NETS] = { "dropout before BN", "dropout after BN" };

#define DB_DATASET "spirals"
/* The masks' stream: both nets draw the same masks from it (their shapes are the same). */
#define DB_DROP_STREAM 0x6462u

typedef struct DropoutBn {
    NetGroup g;                     /* the DB_NETS nets, dropout before and after BN */
    long steps_max;
    double rate;                    /* dropout rate p */
    int unit;                       /* watched unit of the watched (last hidden) layer */
    History ratio;                  /* DB_NETS columns: mean over units of running var / eval var */
    double *column;                 /* (test rows) scratch */
    /* The latest measurement, per net. */
    double mean_ratio[DB_NETS];
    double run_var[DB_NETS], eval_var[DB_NETS];     /* of the watched unit */
    double acc[DB_NETS];            /* eval-mode test accuracy */
} DropoutBn;

static int db_width(const DropoutBn *d)
{
    return d->g.net[0]->hidden[d->g.net[0]->num_hidden - 1].out;
}

/* One eval-mode pass of the test rows through net k: accuracy, and for the last hidden layer's BN each
 * unit's running variance against the unbiased variance of its input. */
static void db_measure(DropoutBn *d, int k)
{
    Mlp *m = d->g.net[k];
    BnError err = { 0 };
    int n = d->g.test->n, width = db_width(d);
    if (!mlp_forward(m, d->g.test_x, n, MLP_MODE_EVAL, &err)) {
        d->g.diverged = true;
        return;
    }
    d->acc[k] = mlp_accuracy(m, d->g.test->y);
    const MlpLayer *L = &m->hidden[m->num_hidden - 1];
    double sum = 0.0;
    for (int j = 0; j < width; j++) {
        for (int r = 0; r < n; r++)
            d->column[r] = L->bn_in[(size_t)r * (size_t)width + (size_t)j];
        double mean, var;
        stats_mean_var(&mean, &var, d->column, n, 1);
        double ratio = L->running_var[j] / var;
        sum += ratio;
        if (j == d->unit) {
            d->run_var[k] = L->running_var[j];
            d->eval_var[k] = var;
        }
    }
    d->mean_ratio[k] = sum / width;
}

/* Measures both nets; the chart starts after the first steps, as the running variance starts at 1
 * whatever the input's variance is. */
static void db_probe(DropoutBn *d)
{
    for (int k = 0; k < DB_NETS; k++)
        db_measure(d, k);
    if (d->g.step > 0)
        history_add(&d->ratio, d->g.step, d->mean_ratio);
}

static void db_destroy(void *self)
{
    DropoutBn *d = self;
    if (!d)
        return;
    netgroup_free(&d->g);
    history_free(&d->ratio);
    free(d->column);
    free(d);
}

static void *db_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    DropoutBn *d = xcalloc(1, sizeof *d);
    d->steps_max = lesson_page_int(page, "steps");
    d->rate = lesson_page_real(page, "rate");
    d->unit = (int)lesson_page_int(page, "unit");
    MlpConfig config;
    static const NetGroupLimits limits = { "dropout-bn", 2, DB_LAYERS_MAX, DB_WIDTH_MAX,
                                           "dropout in front of a BN needs a second hidden layer" };
    if (!netgroup_page_config(&config, page, seed, &limits, err)) {
        free(d);
        return NULL;
    }
    Dataset *train = NULL, *test = NULL;
    if (!dataset_load(DB_DATASET, seed, 0, DB_TEST_ROWS, &train, &test, err)) {
        db_destroy(d);
        return NULL;
    }
    int batch = (int)lesson_page_int(page, "batch");
    if (batch > train->n)
        batch = train->n;
    if (!netgroup_init(&d->g, train, test, DB_NETS, &config, lesson_page_real(page, "lr"), batch, err)) {
        db_destroy(d);
        return NULL;
    }
    for (int k = 0; k < DB_NETS; k++)
        mlp_dropout_enable(d->g.net[k], d->rate, k == DB_BEFORE ? MLP_DROP_BEFORE_BN : MLP_DROP_AFTER_BN,
                           seed ^ DB_DROP_STREAM);
    int width = config.sizes[config.num_sizes - 2];
    if (d->unit >= width)
        d->unit = width - 1;
    d->column = xmalloc(sizeof(double) * (size_t)test->n);
    history_init(&d->ratio, DB_NETS, 0);
    /* The same weights, masks and batches for both nets; step 0 measured. */
    netgroup_restart(&d->g, seed);
    db_probe(d);
    return d;
}

static void db_step(void *self)
{
    DropoutBn *d = self;
    if (d->g.diverged || d->g.step >= d->steps_max)
        return;
    netgroup_step(&d->g);
    if (d->g.step % DB_EVERY == 0 || d->g.step == d->steps_max)
        db_probe(d);
}

static bool db_halted(const void *self)
{
    const DropoutBn *d = self;
    return d->g.diverged || d->g.step >= d->steps_max;
}

static bool db_key_unit(void *self, int key)
{
    DropoutBn *d = self;
    int width = db_width(d);
    d->unit = (d->unit + (key == 'u' ? 1 : width - 1)) % width;
    for (int k = 0; k < DB_NETS && !d->g.diverged; k++)
        db_measure(d, k);
    return true;
}

static const SceneKeyAction db_keys[] = {
    { "u/U", "next/prev unit", db_key_unit },
};

/* ---- live values ---- */

static bool db_live(const DropoutBn *d, double v, double *out)
{
    return !d->g.diverged && scene_finite(v, out);
}
static bool live_ratio_before(const void *self, const int *index, double *out) { const DropoutBn *d = self; return db_live(d, d->mean_ratio[DB_BEFORE], out); }
static bool live_ratio_after(const void *self, const int *index, double *out) { const DropoutBn *d = self; return db_live(d, d->mean_ratio[DB_AFTER], out); }
static bool live_acc_before(const void *self, const int *index, double *out) { const DropoutBn *d = self; return db_live(d, d->acc[DB_BEFORE], out); }
static bool live_acc_after(const void *self, const int *index, double *out) { const DropoutBn *d = self; return db_live(d, d->acc[DB_AFTER], out); }

static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const DropoutBn *)self)->g.step;
    return true;
}

static const CatalogLive db_lives[] = {
    { "ratio_before", 0, "dropout before BN: last BN layer's running variance / eval-mode input variance, mean over units", live_ratio_before },
    { "ratio_after", 0, "the same with dropout after the last BN", live_ratio_after },
    { "acc_before", 0, "eval-mode test accuracy, dropout before BN", live_acc_before },
    { "acc_after", 0, "eval-mode test accuracy, dropout after BN", live_acc_after },
    { "step", 0, "training steps taken", live_step },
};

static const CatalogSetting setting_rate = {
    .name = "rate", .type = SETTING_REAL, .min = 0.05, .max = 0.8, .fallback = "0.5",
    .help = "dropout rate p: the share of values zeroed in a training step" };

static const CatalogSceneSetting db_settings[] = {
    { &setting_seed, NULL }, { &setting_hidden, "32,32" }, { &setting_act, "relu" }, { &setting_batch, "64" },
    { &setting_lr, "0.1" }, { &setting_steps, "600" }, { &setting_rate, NULL }, { &setting_unit, NULL },
    { &setting_autoplay, NULL }, { &setting_speed, NULL },
};

/* ---- drawing ---- */

static void db_table(const DropoutBn *d, Canvas *canvas, Rect area)
{
    double values[DB_NETS * 4];
    for (int k = 0; k < DB_NETS; k++) {
        values[k * 4 + 0] = d->run_var[k];
        values[k * 4 + 1] = d->eval_var[k];
        values[k * 4 + 2] = d->mean_ratio[k];
        values[k * 4 + 3] = 100.0 * d->acc[k];
    }
    char c0[48], c1[48];
    snprintf(c0, sizeof c0, "running var u%d", d->unit + 1);
    snprintf(c1, sizeof c1, "eval var u%d", d->unit + 1);
    const char *cols[] = { c0, c1, "ratio (mean)", "test acc %" };
    TableSpec spec = { .values = values, .rows = DB_NETS, .cols = 4, .row_names = db_names, .col_names = cols,
                       .corner = "last BN layer", .sig = 3, .hl_row = -1, .hl_col = 2 };
    table_draw(canvas, area, &spec, NULL);
}

static void db_chart(const DropoutBn *d, Canvas *canvas, Rect area)
{
    LineSeries series[DB_NETS];
    static const char *const legend[DB_NETS] = { "dropout before BN", "after BN" };
    for (int k = 0; k < DB_NETS; k++)
        series[k] = (LineSeries){ d->ratio.x, history_col(&d->ratio, k), d->ratio.n, legend[k] };
    LineChartSpec spec = { .series = series, .nseries = DB_NETS, .legend = true,
                           .x = { .fixed = true, .lo = 0, .hi = (double)d->steps_max, .label = "step" },
                           .y = { .label = "running var / eval var" } };
    linechart_draw(canvas, area, &spec);
}

static void db_draw(const void *self, Canvas *canvas, Rect area)
{
    const DropoutBn *d = self;
    SceneHead head = scene_head_begin(canvas, area);
    char buf[256], num[FORMAT_MAX];
    if (d->g.diverged) {
        scene_head_diverged(&head, d->g.step, NULL);
    } else {
        snprintf(buf, sizeof buf, "step %ld/%ld%s" FITLINE_SEP "   dropout p = %s" FITLINE_SEP
                 "   last hidden layer's BN: running var vs its input's var in eval mode", d->g.step, d->steps_max,
                 d->g.step >= d->steps_max ? " done" : "", format_number(num, sizeof num, d->rate, 2, canvas->unicode));
        scene_head_title(&head, buf, ROLE_TITLE);
    }
    Rect body = scene_head_body(&head, 0);
    if (d->g.step == 0) {
        /* Before any step the running variance is its starting 1, not a measurement. */
        canvas_text(canvas, body.x, body.y, "The running variances start at 1 and are collected from the first step:",
                    ROLE_DEFAULT, 0, body.w);
        canvas_text(canvas, body.x, body.y + 1, "the table and the chart appear as the networks train.", ROLE_DEFAULT, 0,
                    body.w);
        return;
    }
    int table_h = DB_NETS + 1;
    if (body.h < table_h + 1 + LAYOUT_H_CHART_MIN) {
        db_table(d, canvas, body);
        return;
    }
    Rect top, bottom;
    rect_split_rows(body, table_h, 1, &top, &bottom);
    db_table(d, canvas, top);
    db_chart(d, canvas, bottom);
}

/* Dropout before and after BN, for the page's budget (CatalogScene.networks). */
static int db_networks(const LessonPage *page) { return DB_NETS; }

const SceneClass scene_dropout_bn = {
    .schema = SCENE_SCHEMA_NETWORKS("dropout-bn", "dropout before BN vs after: the running variance a BN layer "
                                    "collects in training against its input's variance in eval mode", db_settings,
                                    db_lives, db_networks),
    .headline = "ratio_before",
    .headline_label = "running var / eval var, dropout before BN",
    .create = db_create,
    .destroy = db_destroy,
    .step = db_step,
    .steps_per_second = 20,
    .draw = db_draw,
    .keys = db_keys,
    .key_count = SCENE_COUNT(db_keys),
    .halted = db_halted,
};
