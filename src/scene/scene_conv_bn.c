/* The 'conv-bn' scene: batch norm inside a small conv net training on 28×28 images (in float): one channel's feature maps before and after BN, every channel's statistics, and the running statistics converging (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/convnet.h"
#include "engine/convnet_float.h"
#include "engine/optimizer.h"
#include "engine/stats.h"
#include "scene/imagesrc.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"
#include "view/table.h"

/* Small enough to train live and to stay well inside the tutor's memory budget: 4 and 8 channels,
 * 400 training images (the population the running statistics estimate) and 120 test images. */
enum {
    CB_TRAIN = 400, CB_TEST = 120,
    CB_C1 = 4, CB_C2 = 8, CB_CMAX = 8,
    CB_BATCH_MAX = 64,          /* larger batches would make the feature-map buffers too big */
    CB_PROBE_EVERY = 50,        /* steps between population statistics and test accuracy */
    CB_BINS = 24,
};

typedef struct ConvBn {
    ImageSource src;
    ConvNet *net;                   /* the network's shape, its running statistics (in double) and, after
                                     * every step, a copy of the twin's parameters (γ and β shown) */
    ConvNetFloat *twin;             /* takes the steps and every forward, in float */
    Sgd *sgd;
    BatchSampler sampler;
    int batch;
    int idx[CB_BATCH_MAX];
    float *bx;                      /* (batch, 784) */
    double by[CB_BATCH_MAX];        /* (batch) */
    double *values;                 /* (batch · 28²) one channel's values, for the histograms */
    long step, steps_max;
    double loss;
    bool diverged;
    char why[ERROR_MESSAGE_MAX];
    int block, channel;             /* the watched channel */
    /* Every step: each channel's batch mean/var of the conv output and its running mean/var after
     * the update. Every CB_PROBE_EVERY steps: the probe's statistics and the test accuracy. */
    History batch_mean[CONVNET_BLOCKS][CB_CMAX], batch_var[CONVNET_BLOCKS][CB_CMAX];
    History run_mean[CONVNET_BLOCKS][CB_CMAX], run_var[CONVNET_BLOCKS][CB_CMAX];
    History pop_mean[CONVNET_BLOCKS][CB_CMAX], pop_var[CONVNET_BLOCKS][CB_CMAX];
    History accuracy;
    /* Derived by cb_update from the current batch, for the watched block: its channels' BN output
     * mean and variance, and the watched channel's histograms (0: conv output, 1: after BN). */
    double bn_mean[CB_CMAX], bn_var[CB_CMAX];
    double hist[2][CB_BINS], hist_lo[2], hist_hi[2], hist_mean[2], hist_var[2];
} ConvBn;

static int cb_channels(const ConvBn *s, int block) { return s->net->block[block].c_out; }

/* Population statistics of every channel over the whole training set at the current weights (batch
 * statistics, running ones untouched), and eval-mode accuracy on the test images, in chunks of the
 * training batch so no buffer grows. */
static void cb_probe(ConvBn *s)
{
    double sum[CONVNET_BLOCKS][CB_CMAX] = { { 0 } }, sq[CONVNET_BLOCKS][CB_CMAX] = { { 0 } };
    int chunks = 0, right = 0, seen = 0;
    /* The twin's own input buffer: the chunks need no copy (the batch shown is kept in s->bx). */
    float *x = convnet_float_input(s->twin, s->batch);
    double y[CB_BATCH_MAX];
    int idx[CB_BATCH_MAX];
    for (int start = 0; start + s->batch <= s->src.train->n; start += s->batch) {
        for (int k = 0; k < s->batch; k++)
            idx[k] = start + k;
        dataset_gather_float(s->src.train, idx, s->batch, x, y);
        BnError err = { 0 };
        if (!convnet_float_forward_f32(s->twin, x, s->batch, CONVNET_MODE_BATCH_STATS, &err))
            break;
        for (int b = 0; b < CONVNET_BLOCKS; b++)
            for (int c = 0; c < cb_channels(s, b); c++) {
                double m = NAN, v = NAN;
                convnet_float_channel_stats(s->twin, b, c, &m, &v);
                sum[b][c] += m;
                sq[b][c] += v + m * m;
            }
        chunks++;
    }
    for (int start = 0; start + s->batch <= s->src.test->n; start += s->batch) {
        for (int k = 0; k < s->batch; k++)
            idx[k] = start + k;
        dataset_gather_float(s->src.test, idx, s->batch, x, y);
        BnError err = { 0 };
        if (!convnet_float_forward_f32(s->twin, x, s->batch, CONVNET_MODE_EVAL, &err))
            break;
        right += (int)lround(convnet_float_accuracy(s->twin, y) * s->batch);
        seen += s->batch;
    }
    for (int b = 0; b < CONVNET_BLOCKS; b++)
        for (int c = 0; c < cb_channels(s, b); c++) {
            double m = chunks ? sum[b][c] / chunks : NAN;
            history_push(&s->pop_mean[b][c], s->step, m);
            history_push(&s->pop_var[b][c], s->step, chunks ? sq[b][c] / chunks - m * m : NAN);
        }
    history_push(&s->accuracy, s->step, seen ? (double)right / seen : NAN);
}

/* Records the statistics of the last training forward (or, at step 0, of a first observing one). */
static void cb_record(ConvBn *s)
{
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        const ConvNetBlock *k = &s->net->block[b];
        for (int c = 0; c < k->c_out; c++) {
            double m = NAN, v = NAN;
            convnet_float_channel_stats(s->twin, b, c, &m, &v);
            history_push(&s->batch_mean[b][c], s->step, m);
            history_push(&s->batch_var[b][c], s->step, v);
            history_push(&s->run_mean[b][c], s->step, k->running_mean[c]);
            history_push(&s->run_var[b][c], s->step, k->running_var[c]);
        }
    }
}

static void cb_next_batch(ConvBn *s)
{
    sampler_next(&s->sampler, s->idx, s->batch);
    dataset_gather_float(s->src.train, s->idx, s->batch, s->bx, s->by);
}

static void cb_destroy(void *self)
{
    ConvBn *s = self;
    if (!s)
        return;
    imagesrc_free(&s->src);
    convnet_float_destroy(s->twin);
    convnet_destroy(s->net);
    sgd_destroy(s->sgd);
    if (s->sampler.order)
        sampler_free(&s->sampler);
    free(s->bx);
    free(s->values);
    history_free(&s->accuracy);
    for (int b = 0; b < CONVNET_BLOCKS; b++)
        for (int c = 0; c < CB_CMAX; c++) {
            history_free(&s->batch_mean[b][c]);
            history_free(&s->batch_var[b][c]);
            history_free(&s->run_mean[b][c]);
            history_free(&s->run_var[b][c]);
            history_free(&s->pop_mean[b][c]);
            history_free(&s->pop_var[b][c]);
        }
    free(s);
}

static void *cb_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    long batch = lesson_page_int(page, "batch");
    if (batch < 2 || batch > CB_BATCH_MAX) {
        error_set(err, "", "the conv-bn scene trains with batches of 2 to %d images (batch = %ld)", CB_BATCH_MAX, batch);
        return NULL;
    }
    ConvBn *s = xcalloc(1, sizeof *s);
    if (!imagesrc_load(&s->src, lesson_page_enum(page, "images"), seed, CB_TRAIN, CB_TEST, err)) {
        cb_destroy(s);
        return NULL;
    }
    ConvNetConfig config;
    convnet_config_init(&config);
    config.channels[0] = CB_C1;
    config.channels[1] = CB_C2;
    config.norm = CONV_NORM_BATCH;
    BnRule rule = bnrule_of_page(page);       /* the conv net keeps PyTorch's convention */
    config.bn_momentum = rule.momentum;
    config.eps = rule.eps;
    config.seed = seed;
    s->net = convnet_create(&config, err);
    if (!s->net) {
        cb_destroy(s);
        return NULL;
    }
    s->twin = convnet_float_create(s->net);
    s->sgd = sgd_create(s->net->num_params, lesson_page_real(page, "lr"), 0.0);
    s->batch = (int)batch;
    s->steps_max = lesson_page_int(page, "steps");
    s->bx = xmalloc(sizeof *s->bx * (size_t)s->batch * 784);
    s->values = xmalloc(sizeof *s->values * (size_t)s->batch * 784);
    sampler_init(&s->sampler, s->src.train->n, seed ^ LOCKSTEP_SAMPLER_STREAM);
    /* Step 0 shows the first batch as it arrives: an observing forward leaves the running statistics
     * at 0 and 1, and the first training step then uses this very batch. */
    cb_next_batch(s);
    BnError ferr = { 0 };
    if (!convnet_float_forward_f32(s->twin, s->bx, s->batch, CONVNET_MODE_BATCH_STATS, &ferr)) {
        error_set(err, "", "%s", ferr.message);
        cb_destroy(s);
        return NULL;
    }
    cb_record(s);
    cb_probe(s);
    /* cb_probe ran other images through the net: put the first batch's forward back for drawing. */
    convnet_float_forward_f32(s->twin, s->bx, s->batch, CONVNET_MODE_BATCH_STATS, &ferr);
    return s;
}

static void cb_step(void *self)
{
    ConvBn *s = self;
    if (s->diverged || s->step >= s->steps_max)
        return;
    if (s->step > 0)
        cb_next_batch(s);
    BnError err = { 0 };
    double loss = NAN;
    if (!convnet_float_train_step_f32(s->twin, s->sgd, s->bx, s->by, s->batch, &loss, &err) || !isfinite(loss) ||
        loss > LOCKSTEP_LOSS_LIMIT) {
        s->diverged = true;
        snprintf(s->why, sizeof s->why, "%s", err.set ? err.message : "the loss is not finite");
        return;
    }
    convnet_float_store(s->twin);   /* γ and β as the table and the live values read them */
    s->loss = loss;
    s->step++;
    cb_record(s);
    if (s->step % CB_PROBE_EVERY == 0 || s->step == s->steps_max)
        cb_probe(s);
    /* The maps drawn are this batch through the updated weights (the training forward ran before the
     * update), so BN's output shows exactly mean β and variance γ². Observing leaves the running
     * statistics alone. */
    convnet_float_forward_f32(s->twin, s->bx, s->batch, CONVNET_MODE_BATCH_STATS, &err);
}

static bool cb_halted(const void *self) { return ((const ConvBn *)self)->diverged; }

/* ---- keys and live values ---- */

/* The watched block's BN output statistics per channel, and the watched channel's histograms (0: the
 * convolution's output, 1: BN's). BN's output is computed here in double from the float convolution's
 * output and that output's batch mean and variance, as a double network would: the mean of what is
 * shown is β to rounding, where the float forward's own statistics (summed in float) would leave it a
 * few millionths off. */
static void cb_update(void *self)
{
    ConvBn *s = self;
    const ConvNetBlock *k = &s->net->block[s->block];
    for (int c = 0; c < k->c_out; c++) {
        int n = convnet_float_conv_values(s->values, s->twin, s->block, c);
        double mean, var;
        stats_mean_var(&mean, &var, s->values, n, 0);
        bool watched = c == s->channel;
        for (int h = 0; h < 2; h++) {
            if (h == 1) {
                double rstd = 1.0 / sqrt(var + s->net->eps);
                for (int i = 0; i < n; i++)
                    s->values[i] = k->gamma[c] * ((s->values[i] - mean) * rstd) + k->beta[c];
                stats_mean_var(&s->bn_mean[c], &s->bn_var[c], s->values, n, 0);
            }
            if (!watched)
                continue;
            int counts[CB_BINS];
            stats_min_max(&s->hist_lo[h], &s->hist_hi[h], s->values, n);
            stats_histogram(counts, NULL, NULL, s->values, n, s->hist_lo[h], s->hist_hi[h], CB_BINS);
            s->hist_mean[h] = h == 0 ? mean : s->bn_mean[c];
            s->hist_var[h] = h == 0 ? var : s->bn_var[c];
            for (int b = 0; b < CB_BINS; b++)
                s->hist[h][b] = counts[b];
        }
    }
}

static bool cb_key_channel(void *self, int key)
{
    ConvBn *s = self;
    s->channel = (s->channel + 1) % cb_channels(s, s->block);
    return true;
}

static bool cb_key_block(void *self, int key)
{
    ConvBn *s = self;
    s->block = (s->block + 1) % CONVNET_BLOCKS;
    s->channel = 0;
    return true;
}

static const SceneKeyAction cb_keys[] = {
    { "c", "next channel", cb_key_channel },
    { "v", "other conv block", cb_key_block },
};

static bool live_loss(const void *self, const int *index, double *out)
{
    const ConvBn *s = self;
    return scene_finite(s->step > 0 ? s->loss : NAN, out);
}

static bool live_accuracy(const void *self, const int *index, double *out)
{
    return scene_finite(history_last(&((const ConvBn *)self)->accuracy, 0), out);
}

static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const ConvBn *)self)->step;
    return true;
}

static bool live_set_size(const void *self, const int *index, double *out)
{
    const ConvBn *s = self;
    const ConvNetBlock *k = &s->net->block[s->block];
    *out = (double)s->batch * k->side * k->side;
    return true;
}

static bool live_channels(const void *self, const int *index, double *out)
{
    const ConvBn *s = self;
    *out = s->net->block[s->block].c_out;
    return true;
}

/* Channel index[0] of the watched block: the latest value of a per-channel history, or of an array. */
static bool cb_channel(const ConvBn *s, const History tracks[CONVNET_BLOCKS][CB_CMAX], const double *array,
                       const int *index, double *out)
{
    int c = index[0];
    if (c < 0 || c >= cb_channels(s, s->block))
        return false;
    return scene_finite(tracks ? history_last(&tracks[s->block][c], 0) : array[c], out);
}

#define CB_TRACK_LIVE(name, field) \
    static bool live_##name(const void *self, const int *index, double *out) \
    { \
        return cb_channel(self, ((const ConvBn *)self)->field, NULL, index, out); \
    }
#define CB_ARRAY_LIVE(name, expr) \
    static bool live_##name(const void *self, const int *index, double *out) \
    { \
        const ConvBn *s = self; \
        return cb_channel(s, NULL, (expr), index, out); \
    }
CB_TRACK_LIVE(batch_mean, batch_mean)
CB_TRACK_LIVE(batch_var, batch_var)
CB_TRACK_LIVE(pop_mean, pop_mean)
CB_TRACK_LIVE(pop_var, pop_var)
CB_ARRAY_LIVE(running_mean, s->net->block[s->block].running_mean)
CB_ARRAY_LIVE(running_var, s->net->block[s->block].running_var)
CB_ARRAY_LIVE(gamma, s->net->block[s->block].gamma)
CB_ARRAY_LIVE(beta, s->net->block[s->block].beta)
CB_ARRAY_LIVE(bn_mean, s->bn_mean)
CB_ARRAY_LIVE(bn_var, s->bn_var)
#undef CB_TRACK_LIVE
#undef CB_ARRAY_LIVE

static const CatalogLive cb_lives[] = {
    { "loss", 0, "training loss of the last mini-batch", live_loss },
    { "accuracy", 0, "test accuracy (eval mode), 0 to 1", live_accuracy },
    { "step", 0, "training steps taken", live_step },
    { "set_size", 0, "values one channel's BN statistic averages in the watched block (batch x H x W)", live_set_size },
    { "channels", 0, "channels of the watched block", live_channels },
    { "batch_mean", 1, "mean of channel i of the watched block's conv output over this batch", live_batch_mean },
    { "batch_var", 1, "its variance over this batch (biased)", live_batch_var },
    { "running_mean", 1, "running mean of channel i", live_running_mean },
    { "running_var", 1, "running variance of channel i", live_running_var },
    { "pop_mean", 1, "mean of channel i over the whole training set at the current weights (every 50 steps)",
      live_pop_mean },
    { "pop_var", 1, "variance of channel i over the whole training set at the current weights (biased)", live_pop_var },
    { "bn_mean", 1, "mean of channel i after BN over this batch (beta, up to epsilon)", live_bn_mean },
    { "bn_var", 1, "variance of channel i after BN over this batch (gamma squared, up to epsilon)", live_bn_var },
    { "gamma", 1, "gamma of channel i", live_gamma },
    { "beta", 1, "beta of channel i", live_beta },
};

static const CatalogSceneSetting cb_settings[] = {
    { &setting_seed, NULL }, { &setting_images, NULL }, { &setting_batch, "12" }, { &setting_lr, "0.05" },
    { &setting_alpha, NULL }, { &setting_steps, "600" }, { &setting_autoplay, NULL }, { &setting_speed, NULL },
};

/* ---- drawing ---- */

/* The watched channel's values in the current batch: conv output (before BN) up, BN output down. */
static void cb_draw_hist(const ConvBn *s, Canvas *cv, Rect r)
{
    if (!layout_chart_fits(r))
        return;
    HistSeries hs[2] = {
        { .counts = s->hist[0], .bins = CB_BINS, .lo = s->hist_lo[0], .hi = s->hist_hi[0], .name = "conv out",
          .stats = true, .mean = s->hist_mean[0], .sd = sqrt(s->hist_var[0]) },
        { .counts = s->hist[1], .bins = CB_BINS, .lo = s->hist_lo[1], .hi = s->hist_hi[1], .name = "after BN",
          .stats = true, .mean = s->hist_mean[1], .sd = sqrt(s->hist_var[1]) },
    };
    HistogramSpec spec = { .series = hs, .nseries = 2, .layout = HIST_MIRROR, .separate_axes = true };
    histogram_draw(cv, r, &spec);
}

/* Every channel of the watched block: this batch's and the running statistics. */
static void cb_draw_table(const ConvBn *s, Canvas *cv, Rect r)
{
    const ConvNetBlock *k = &s->net->block[s->block];
    int n = k->c_out;
    double values[CB_CMAX * 4];
    TableLabels row_names = TABLE_LABELS_INIT;
    table_labels_number(&row_names, "ch", 1, n);
    for (int c = 0; c < n; c++) {
        values[c * 4 + 0] = history_last(&s->batch_mean[s->block][c], 0);
        values[c * 4 + 1] = history_last(&s->batch_var[s->block][c], 0);
        values[c * 4 + 2] = k->running_mean[c];
        values[c * 4 + 3] = k->running_var[c];
    }
    static const char *const cols[4] = { "batch mean", "batch var", "run mean", "run var" };
    TableSpec spec = {
        .values = values, .rows = n, .cols = 4, .row_names = table_labels_names(&row_names), .col_names = cols,
        .corner = "",
        .sig = 3, .hl_row = s->channel, .hl_col = -1,
    };
    table_draw(cv, r, &spec, NULL);
    table_labels_free(&row_names);
}

/* The watched channel's running mean against each batch's mean and the whole training set's. */
static void cb_draw_chart(const ConvBn *s, Canvas *cv, Rect r, bool var)
{
    if (!layout_chart_fits(r))
        return;
    int b = s->block, c = s->channel;
    const History *run = var ? &s->run_var[b][c] : &s->run_mean[b][c];
    const History *bat = var ? &s->batch_var[b][c] : &s->batch_mean[b][c];
    const History *pop = var ? &s->pop_var[b][c] : &s->pop_mean[b][c];
    char title[96];
    char v[FORMAT_MAX];
    format_number(v, sizeof v, history_last(run, 0), 3, cv->unicode);
    snprintf(title, sizeof title, "running %s of ch%d: %s", var ? "var" : "mean", c + 1, v);
    fitline_draw(cv, r.x, r.y, title, ROLE_TITLE, ATTR_BOLD, r.w);
    /* The number the running statistic should approach, beside it, where a row can be spared. */
    if (r.h >= LAYOUT_H_CHART_MIN + 2) {
        if (pop->n > 0) {
            format_number(v, sizeof v, history_last(pop, 0), 3, cv->unicode);
            snprintf(title, sizeof title, "train-set %s: %s" FITLINE_SEP " (step %.0f)", var ? "var" : "mean", v,
                     pop->x[pop->n - 1]);
        } else {
            snprintf(title, sizeof title, "train-set %s: every %d steps", var ? "var" : "mean", CB_PROBE_EVERY);
        }
        fitline_draw(cv, r.x, r.y + 1, title, ROLE_TEXT_DIM, 0, r.w);
        r = rect_make(r.x, r.y + 1, r.w, r.h - 1);
    }
    LineSeries series[3] = {
        { run->x, history_col(run, 0), run->n, "running" },
        { bat->x, history_col(bat, 0), bat->n, "batch" },
        { pop->x, history_col(pop, 0), pop->n, "train set" },
    };
    LineChartSpec spec = {
        .series = series, .nseries = 3,
        .x = { .fixed = true, .lo = 0, .hi = (double)(s->steps_max > 0 ? s->steps_max : 1), .label = "step" },
        .y = { .fixed = false },
        .legend = true,
    };
    linechart_draw(cv, rect_make(r.x, r.y + 1, r.w, r.h - 1), &spec);
}

static void cb_draw(const void *self, Canvas *cv, Rect area)
{
    const ConvBn *s = self;
    char head[768], loss[FORMAT_MAX], acc[FORMAT_MAX];
    format_number(loss, sizeof loss, s->loss, 3, cv->unicode);
    snprintf(acc, sizeof acc, "%.1f%%", 100.0 * history_last(&s->accuracy, 0));
    SceneHead h = scene_head_begin(cv, area);
    if (s->diverged) {
        scene_head_diverged(&h, s->step, s->why);
    } else {
        snprintf(head, sizeof head, "step %ld/%ld" FITLINE_SEP "  loss %s" FITLINE_SEP "  test acc %s" FITLINE_SEP
                 "  (%s, batch %d)", s->step, s->steps_max, s->step > 0 ? loss : "-", acc, s->src.label, s->batch);
        scene_head_title(&h, head, ROLE_TITLE);
    }
    const ConvNetBlock *k = &s->net->block[s->block];
    char what[192], vals[FORMAT_MAX];
    format_number(vals, sizeof vals, (double)s->batch * k->side * k->side, 6, cv->unicode);
    const char *x = cv->unicode ? "\xc3\x97" : "x";
    snprintf(what, sizeof what, "block %d, channel %d of %d:" FITLINE_SEP " BN averages %d images %s %d%s%d = %s values",
             s->block + 1, s->channel + 1, k->c_out, s->batch, x, k->side, x, k->side, vals);
    scene_head_title(&h, what, ROLE_HIGHLIGHT);
    if (s->src.fell_back)
        scene_head_text(&h, s->src.notice, ROLE_WARNING, 0);
    Rect body = scene_head_body(&h, 0);
    int gap = 2;
    if (layout_fits(body, LAYOUT_W_WIDE, 0)) {

        int col = (body.w - 2 * gap) / 3;
        Rect a = rect_make(body.x, body.y, col, body.h);
        Rect b = rect_make(body.x + col + gap, body.y, col, body.h);
        Rect c = rect_make(body.x + 2 * (col + gap), body.y, body.w - 2 * (col + gap), body.h);
        cb_draw_hist(s, cv, a);
        if (b.h >= k->c_out + 10) {
            cb_draw_table(s, cv, rect_make(b.x, b.y, b.w, k->c_out + 1));
            cb_draw_chart(s, cv, rect_make(b.x, b.y + k->c_out + 2, b.w, b.h - k->c_out - 2), true);
        } else {
            cb_draw_table(s, cv, b);
        }
        cb_draw_chart(s, cv, c, false);
    } else {
        int col = (body.w - gap) / 2;
        cb_draw_hist(s, cv, rect_make(body.x, body.y, col, body.h));
        cb_draw_chart(s, cv, rect_make(body.x + col + gap, body.y, body.w - col - gap, body.h), false);
    }
}

const SceneClass scene_conv_bn = {
    .schema = SCENE_SCHEMA("conv-bn", "batch norm in a small conv net: per-channel statistics, before/after, running statistics",
                           cb_settings, cb_lives),
    .headline = "running_mean[0]",
    .headline_label = "running mean, channel 1",
    .min_h = 8,
    .create = cb_create,
    .destroy = cb_destroy,
    .step = cb_step,
    .steps_per_second = 20,
    .update = cb_update,
    .draw = cb_draw,
    .keys = cb_keys,
    .key_count = SCENE_COUNT(cb_keys),
    .halted = cb_halted,
};
