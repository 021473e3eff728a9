/* The 'finetune' scene: a BN network trained at batch 64, fine-tuned on shifted data at a tiny batch with BN in training mode, frozen as eval() does, or frozen as trainable=False does (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/mlp.h"
#include "engine/optimizer.h"
#include "scene/history.h"
#include "scene/netrun.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"
#include "view/table.h"

/* Pretraining: the usual batch and enough steps for a well-trained network on every seed. The new task
 * is small, as fine-tuning sets are; its test rows are read once. */
enum { FT_NETS = 3, FT_PRE_BATCH = 64, FT_PRE_STEPS = 1500, FT_TRAIN_ROWS = 200, FT_TEST_ROWS = 300,
       FT_EVERY = 10, FT_WINDOW = 30 };

/* The three ways to fine-tune, in the order of the table and the chart's series. */
enum { FT_TRAINING, FT_EVAL, FT_KERAS };

static const char *const ft_names[FT_NETS] = { "BN in training mode", "BN frozen: eval()", "frozen: trainable=False" };

/* The fine-tuning batch sizes the knob steps through. */
static const int ft_batches[] = { 2, 3, 4, 8, 16, 32 };

#define FT_DATASET "spirals"
#define FT_PRE_LR 0.1
/* The 1500 pretraining steps stay a blink at the page's opening with layers this small. */
enum { FT_WIDTH_MAX = 64, FT_LAYERS_MAX = 4 };
/* The new task's data come from their own stream of the seed, so they are fresh samples. */
#define FT_TASK_STREAM 0x7475u

typedef struct Finetune {
    NetGroup g;                     /* the FT_NETS nets on the new task: fresh samples, inputs shifted */
    Mlp *base;                      /* the pretrained network */
    long steps_max;
    double lr, shift;

    uint64_t seed;
    History acc;                    /* FT_NETS columns: eval-mode test accuracy every FT_EVERY steps */
    double acc_start;               /* the pretrained network's accuracy on the new task */
    double acc_recent[FT_NETS];     /* mean of the last FT_WINDOW evaluations */
    double stat_drift[FT_NETS];     /* mean |running mean − pretrained running mean| over every BN unit */
    double affine_drift[FT_NETS];   /* mean |γ − γ₀| + |β − β₀| over every BN unit */
} Finetune;

/* Eval-mode accuracy of m on the new task's test rows. */
static double ft_accuracy(Mlp *m, const Finetune *f)
{
    BnError err = { 0 };
    if (!mlp_forward(m, f->g.test_x, f->g.test->n, MLP_MODE_EVAL, &err))
        return NAN;
    return mlp_accuracy(m, f->g.test->y);
}

/* How far net k's running statistics and γ/β moved from the pretrained network's. */
static void ft_measure_drift(Finetune *f, int k)
{
    const Mlp *a = f->g.net[k], *b = f->base;
    double stat = 0.0, affine = 0.0;
    int units = 0;
    for (int l = 0; l < a->num_hidden; l++) {
        const MlpLayer *A = &a->hidden[l], *B = &b->hidden[l];
        for (int j = 0; j < A->out; j++) {
            stat += fabs(A->running_mean[j] - B->running_mean[j]);
            affine += fabs(A->gamma[j] - B->gamma[j]) + fabs(A->beta[j] - B->beta[j]);
        }
        units += A->out;
    }
    f->stat_drift[k] = stat / units;
    f->affine_drift[k] = affine / units;
}

/* Evaluates every net and records the row of the current step. */
static void ft_probe(Finetune *f)
{
    double row[FT_NETS];
    for (int k = 0; k < FT_NETS; k++) {
        row[k] = ft_accuracy(f->g.net[k], f);
        ft_measure_drift(f, k);
    }
    history_add(&f->acc, f->g.step, row);
    int n = f->acc.n, from = n > FT_WINDOW ? n - FT_WINDOW : 0;
    for (int k = 0; k < FT_NETS; k++) {
        double sum = 0.0;
        for (int i = from; i < n; i++)
            sum += history_col(&f->acc, k)[i];
        f->acc_recent[k] = sum / (n - from);
    }
}

/* Starts fine-tuning over: every net a copy of the pretrained one, the same batches for all. */
static void ft_restart(Finetune *f)
{
    BnError err = { 0 };
    for (int k = 0; k < FT_NETS; k++) {
        mlp_copy_state(f->g.net[k], f->base, &err);
        sgd_reset(f->g.sgd[k]);
    }
    netgroup_restart(&f->g, f->seed ^ FT_TASK_STREAM);
    history_clear(&f->acc);
    ft_probe(f);
}

/* Trains the base network at batch 64 on the original data (the same blobs, unshifted). */
static bool ft_pretrain(Finetune *f, BnError *err)
{
    Dataset *train = NULL, *test = NULL;
    if (!dataset_load(FT_DATASET, f->seed, 0, 0, &train, &test, err))
        return false;
    Sgd *sgd = sgd_create(f->base->num_params, FT_PRE_LR, 0.0);
    BatchSampler sampler;
    sampler_init(&sampler, train->n, f->seed);
    int idx[FT_PRE_BATCH];
    double x[FT_PRE_BATCH * 2], y[FT_PRE_BATCH];
    bool ok = true;
    for (int s = 0; s < FT_PRE_STEPS && ok; s++) {
        sampler_next(&sampler, idx, FT_PRE_BATCH);
        dataset_gather(train, idx, FT_PRE_BATCH, x, y);
        double loss;
        ok = mlp_train_step(f->base, sgd, x, y, FT_PRE_BATCH, &loss, err);
    }
    sampler_free(&sampler);
    sgd_destroy(sgd);
    dataset_destroy(train);
    dataset_destroy(test);
    return ok;
}

static void ft_destroy(void *self)
{
    Finetune *f = self;
    if (!f)
        return;
    netgroup_free(&f->g);
    mlp_destroy(f->base);
    history_free(&f->acc);
    free(f);
}

static int ft_batch_index(int batch)
{
    int best = 0;
    for (int i = 0; i < SCENE_COUNT(ft_batches); i++)
        if (ft_batches[i] <= batch)
            best = i;
    return best;
}

static void *ft_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    Finetune *f = xcalloc(1, sizeof *f);
    f->seed = seed;
    f->steps_max = lesson_page_int(page, "steps");
    f->lr = lesson_page_real(page, "lr");
    f->shift = lesson_page_real(page, "task_shift");

    MlpConfig config;
    static const NetGroupLimits limits = { "finetune", 1, FT_LAYERS_MAX, FT_WIDTH_MAX,
                                           "it pretrains at the page's opening" };
    if (!netgroup_page_config(&config, page, seed, &limits, err)) {
        free(f);
        return NULL;
    }
    Dataset *train = NULL, *test = NULL;
    f->base = mlp_create(&config, err);
    bool ok = f->base && ft_pretrain(f, err) &&
              dataset_load(FT_DATASET, seed ^ FT_TASK_STREAM, FT_TRAIN_ROWS, FT_TEST_ROWS, &train, &test, err);
    if (ok) {
        dataset_shift_inputs(train, f->shift, 1.0);
        dataset_shift_inputs(test, f->shift, 1.0);
        ok = netgroup_init(&f->g, train, test, FT_NETS, &config, f->lr, ft_batches[SCENE_COUNT(ft_batches) - 1], err);
    }
    if (!ok) {
        ft_destroy(f);
        return NULL;
    }
    f->g.batch = ft_batches[ft_batch_index((int)lesson_page_int(page, "batch"))];
    f->g.net[FT_KERAS]->freeze_affine = true;
    f->g.mode[FT_EVAL] = MLP_MODE_FROZEN;
    f->g.mode[FT_KERAS] = MLP_MODE_FROZEN;
    history_init(&f->acc, FT_NETS, 0);
    f->acc_start = ft_accuracy(f->base, f);
    ft_restart(f);
    return f;
}

static void ft_step(void *self)
{
    Finetune *f = self;
    if (f->g.diverged || f->g.step >= f->steps_max)
        return;
    netgroup_step(&f->g);
    if (f->g.step % FT_EVERY == 0 || f->g.step == f->steps_max)
        ft_probe(f);
}

static bool ft_halted(const void *self)
{
    const Finetune *f = self;
    return f->g.diverged || f->g.step >= f->steps_max;
}

static long ft_position(const void *self)
{
    return ((const Finetune *)self)->g.step;
}

static bool ft_key_batch(void *self, int key)
{
    Finetune *f = self;
    int i = ft_batch_index(f->g.batch) + (key == ']' ? 1 : -1);
    if (i < 0 || i >= SCENE_COUNT(ft_batches))
        return false;
    f->g.batch = ft_batches[i];
    ft_restart(f);
    return true;
}

static const SceneKeyAction ft_keys[] = {
    { "[/]", "fine-tuning batch", ft_key_batch },
};

/* ---- live values ---- */

static bool ft_recent(const void *self, int k, double *out)
{
    const Finetune *f = self;
    return !f->g.diverged && scene_finite(f->acc_recent[k], out);
}
static bool live_acc_training(const void *self, const int *index, double *out) { return ft_recent(self, FT_TRAINING, out); }
static bool live_acc_eval(const void *self, const int *index, double *out) { return ft_recent(self, FT_EVAL, out); }
static bool live_acc_keras(const void *self, const int *index, double *out) { return ft_recent(self, FT_KERAS, out); }
static bool live_acc_start(const void *self, const int *index, double *out)
{
    return scene_finite(((const Finetune *)self)->acc_start, out);
}
static bool live_stat_training(const void *self, const int *index, double *out) { return scene_finite(((const Finetune *)self)->stat_drift[FT_TRAINING], out); }
static bool live_stat_eval(const void *self, const int *index, double *out) { return scene_finite(((const Finetune *)self)->stat_drift[FT_EVAL], out); }
static bool live_stat_keras(const void *self, const int *index, double *out) { return scene_finite(((const Finetune *)self)->stat_drift[FT_KERAS], out); }
static bool live_affine_training(const void *self, const int *index, double *out) { return scene_finite(((const Finetune *)self)->affine_drift[FT_TRAINING], out); }
static bool live_affine_eval(const void *self, const int *index, double *out) { return scene_finite(((const Finetune *)self)->affine_drift[FT_EVAL], out); }
static bool live_affine_keras(const void *self, const int *index, double *out) { return scene_finite(((const Finetune *)self)->affine_drift[FT_KERAS], out); }
static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const Finetune *)self)->g.step;
    return true;
}
static bool live_batch(const void *self, const int *index, double *out)
{
    *out = ((const Finetune *)self)->g.batch;
    return true;
}

static const CatalogLive ft_lives[] = {
    { "acc_training", 0, "test accuracy on the new task, BN in training mode (mean of the last 10 evaluations)", live_acc_training },
    { "acc_eval", 0, "the same, BN frozen as eval() does (statistics fixed, gamma/beta learn)", live_acc_eval },
    { "acc_keras", 0, "the same, BN frozen as trainable=False does (statistics and gamma/beta fixed)", live_acc_keras },
    { "acc_start", 0, "the pretrained network's test accuracy on the new task, before fine-tuning", live_acc_start },
    { "stat_training", 0, "mean |running mean - pretrained| over all BN units, BN in training mode", live_stat_training },
    { "stat_eval", 0, "the same, frozen as eval() does", live_stat_eval },
    { "stat_keras", 0, "the same, frozen as trainable=False does", live_stat_keras },
    { "affine_training", 0, "mean |gamma - pretrained| + |beta - pretrained| over all BN units, training mode", live_affine_training },
    { "affine_eval", 0, "the same, frozen as eval() does", live_affine_eval },
    { "affine_keras", 0, "the same, frozen as trainable=False does", live_affine_keras },
    { "step", 0, "fine-tuning steps taken", live_step },
    { "batch", 0, "fine-tuning batch size", live_batch },
};

static const CatalogSetting setting_task_shift = {
    .name = "task_shift", .type = SETTING_REAL, .min = -3, .max = 3, .fallback = "0.4",
    .help = "the new task's inputs are the old task's plus this (fresh samples)" };

static const CatalogSceneSetting ft_settings[] = {
    { &setting_seed, NULL }, { &setting_hidden, "32,32" }, { &setting_act, "relu" }, { &setting_batch, "2" },
    { &setting_lr, "0.03" }, { &setting_steps, "600" }, { &setting_task_shift, NULL }, { &setting_autoplay, NULL },
    { &setting_speed, NULL },
};

/* ---- drawing ---- */

static void ft_table(const Finetune *f, Canvas *canvas, Rect area)
{
    double values[FT_NETS * 3];
    for (int k = 0; k < FT_NETS; k++) {
        values[k * 3 + 0] = 100.0 * history_last(&f->acc, k);
        values[k * 3 + 1] = f->stat_drift[k];
        values[k * 3 + 2] = f->affine_drift[k];
    }
    static const char *const cols[] = { "test acc %", "run.stat drift", "γ/β drift" };
    static const char *const cols_ascii[] = { "test acc %", "run.stat drift", "gamma/beta drift" };
    TableSpec spec = { .values = values, .rows = FT_NETS, .cols = 3, .row_names = ft_names,
                       .col_names = canvas->unicode ? cols : cols_ascii, .corner = "fine-tuned with", .sig = 3,
                       .hl_row = -1, .hl_col = -1 };
    table_draw(canvas, area, &spec, NULL);
}

static void ft_chart(const Finetune *f, Canvas *canvas, Rect area)
{
    LineSeries series[FT_NETS];
    static const char *const legend[FT_NETS] = { "training", "eval()", "all fixed" };
    double pct[FT_NETS][512];
    int n = f->acc.n < 512 ? f->acc.n : 512;
    for (int k = 0; k < FT_NETS; k++) {
        for (int i = 0; i < n; i++)
            pct[k][i] = 100.0 * history_col(&f->acc, k)[i];
        series[k] = (LineSeries){ f->acc.x, pct[k], n, legend[k] };
    }
    LineChartSpec spec = { .series = series, .nseries = FT_NETS, .legend = true,
                           .x = { .fixed = true, .lo = 0, .hi = (double)f->steps_max, .label = "fine-tuning step" },
                           .y = { .fixed = true, .lo = 0, .hi = 100, .label = "test acc %" } };
    linechart_draw(canvas, area, &spec);
}

static void ft_draw(const void *self, Canvas *canvas, Rect area)
{
    const Finetune *f = self;
    SceneHead head = scene_head_begin(canvas, area);
    char buf[256], num[FORMAT_MAX];
    if (f->g.diverged) {
        scene_head_diverged(&head, f->g.step, NULL);
    } else {
        snprintf(buf, sizeof buf, "step %ld/%ld%s" FITLINE_SEP "   batch %d ([/])" FITLINE_SEP
                 "   before fine-tuning: %s%%" FITLINE_SEP "   (pretrained at batch 64)", f->g.step, f->steps_max,
                 f->g.step >= f->steps_max ? " done" : "", f->g.batch,
                 format_number(num, sizeof num, 100.0 * f->acc_start, 3, canvas->unicode));
        scene_head_title(&head, buf, ROLE_TITLE);
    }
    Rect body = scene_head_body(&head, 0);
    int table_h = FT_NETS + 1;
    Rect top, bottom;
    if (body.h < table_h + 1 + LAYOUT_H_CHART_MIN) {
        ft_table(f, canvas, body);
        return;
    }
    rect_split_rows(body, table_h, 1, &top, &bottom);
    ft_table(f, canvas, top);
    if (f->acc.n >= 2)
        ft_chart(f, canvas, bottom);
    else
        canvas_text(canvas, bottom.x, bottom.y, "The accuracy chart fills as fine-tuning runs (every 10 steps).",
                    ROLE_DEFAULT, 0, bottom.w);
}

/* The pretrained network and its three copies, for the page's budget (CatalogScene.networks). */
static int ft_networks(const LessonPage *page) { return 1 + FT_NETS; }

const SceneClass scene_finetune = {
    .schema = SCENE_SCHEMA_NETWORKS("finetune", "a pretrained BN network fine-tuned at a tiny batch: BN in training "
                                    "mode, frozen as eval() does, frozen as trainable=False does", ft_settings,
                                    ft_lives, ft_networks),
    .headline = "acc_training",
    .headline_label = "test accuracy, BN in training mode",
    .create = ft_create,
    .destroy = ft_destroy,
    .step = ft_step,
    .steps_per_second = 20,
    .draw = ft_draw,
    .keys = ft_keys,
    .key_count = SCENE_COUNT(ft_keys),
    .halted = ft_halted,
    .position = ft_position,
};
