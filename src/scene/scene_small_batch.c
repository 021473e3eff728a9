/* The 'small-batch' scene: one small conv net trained with batch, group and layer normalization at batch sizes from 2 to 32 (same seed, same pictures), test error against batch size, and batch norm's train/eval gap (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/convnet.h"
#include "engine/optimizer.h"
#include "scene/imagesrc.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"

/* As in Wu and He's Figure 1 (8 GPUs, BN over each GPU's B images), the batch size B here is what a
 * normalization statistic sees; every SGD step averages the gradient over the same SB_STEP pictures,
 * cut into SB_STEP/B groups normalized separately ("ghost batches"). So runs differ only in the
 * statistics: group and layer norm, which never look across pictures, learn the same at every B, and
 * batch norm's running statistics are updated once per group. Fifteen runs must fit in a few seconds
 * of CPU and in the tutor's memory budget, so the pictures are shrunk to 16×16 (padded to 32×32, then
 * 2×2 averages), the net has 4 and 8 channels, and only one run's network exists at a time. Every run
 * sees the same SB_IMAGES training pictures in the same order (SB_EPOCHS passes over SB_TRAIN). A
 * scene step is one SGD step. */
enum {
    SB_SIDE = 16, SB_PIXELS = SB_SIDE * SB_SIDE, SB_SHRINK = 32 / SB_SIDE,
    SB_TRAIN = 1024, SB_TEST = 512, SB_EPOCHS = 4,
    SB_IMAGES = SB_TRAIN * SB_EPOCHS,
    SB_STEP = 32,
    SB_SIZES = 5, SB_METHODS = 3,
    SB_RUNS = SB_SIZES * SB_METHODS,
    SB_GROUPS = 2,
};

static const int sb_sizes[SB_SIZES] = { 32, 16, 8, 4, 2 };
static const ConvNorm sb_norms[SB_METHODS] = { CONV_NORM_BATCH, CONV_NORM_GROUP, CONV_NORM_LAYER };
static const char *const sb_names[SB_METHODS] = { "BN", "GN", "LN" };

typedef struct SmallBatch {
    char label[64];
    bool fell_back;
    char notice[256];               /* why it fell back (imagesrc) */
    double *train_x, *train_y;      /* (SB_TRAIN, 256), (SB_TRAIN) the shrunk pictures */
    double *test_x, *test_y;        /* (SB_TEST, 256), (SB_TEST) */
    int *order;                     /* (SB_IMAGES) the one picture order every run follows */
    uint64_t seed;
    double lr;                      /* at batch 32 */
    BnRule rule;                    /* ε and momentum of the norm layers */
    int run;                        /* the run in progress, SB_RUNS when all are done */
    long seen;                      /* pictures the current run has trained on */
    ConvNet *net;                   /* the current run's network, NULL between runs */
    Sgd *sgd;
    double loss;
    /* Results: test error (0..1) per method and batch size; NaN until the run is done. */
    double error[SB_METHODS][SB_SIZES];
    double bn_train_error[SB_SIZES]; /* BN with batch statistics of test batches of the same size */
    bool diverged[SB_METHODS][SB_SIZES];
    long step;                      /* scene steps taken */
} SmallBatch;

static int sb_size_of(int run) { return sb_sizes[run / SB_METHODS]; }
static int sb_method_of(int run) { return run % SB_METHODS; }

/* Pads a 28×28 picture to 32×32 with zeros and averages 2×2 blocks: (784) → (256). */
static void sb_shrink(double *out, const double *in)
{
    for (int r = 0; r < SB_SIDE; r++)
        for (int c = 0; c < SB_SIDE; c++) {
            double sum = 0;
            for (int dr = 0; dr < SB_SHRINK; dr++)
                for (int dc = 0; dc < SB_SHRINK; dc++) {
                    int y = SB_SHRINK * r + dr - 2, x = SB_SHRINK * c + dc - 2;
                    if (y >= 0 && y < 28 && x >= 0 && x < 28)
                        sum += in[y * 28 + x];
                }
            out[r * SB_SIDE + c] = sum / (SB_SHRINK * SB_SHRINK);
        }
}

static void sb_shrink_set(double **x, double **y, const Dataset *set, int n)
{
    *x = xmalloc(sizeof **x * (size_t)n * SB_PIXELS);
    *y = xmalloc(sizeof **y * (size_t)n);
    double big[784];
    for (int i = 0; i < n; i++) {
        dataset_gather(set, &i, 1, big, *y + i);
        sb_shrink(*x + (size_t)i * SB_PIXELS, big);
    }
}

static void sb_end_run(SmallBatch *s)
{
    convnet_destroy(s->net);
    sgd_destroy(s->sgd);
    s->net = NULL;
    s->sgd = NULL;
    s->seen = 0;
    s->run++;
}

static bool sb_start_run(SmallBatch *s)
{
    int m = sb_method_of(s->run);
    ConvNetConfig config;
    convnet_config_init(&config);
    config.side = SB_SIDE;
    config.channels[0] = 4;
    config.channels[1] = 8;
    config.norm = sb_norms[m];
    config.groups = SB_GROUPS;
    config.seed = s->seed;          /* the same weights for every run: they depend only on the seed */
    config.eps = s->rule.eps;
    config.bn_momentum = s->rule.momentum;
    BnError err = { 0 };
    s->net = convnet_create(&config, &err);
    if (!s->net)
        return false;
    s->sgd = sgd_create(s->net->num_params, s->lr, 0.0);
    s->seen = 0;
    return true;
}

/* Error on the test pictures in chunks of `chunk` (the run's batch size for the batch-statistics
 * measure, 32 in eval mode): 1 − accuracy, NaN when a forward fails. */
static double sb_test_error(SmallBatch *s, ConvNetMode mode, int chunk)
{
    int right = 0, seen = 0;
    for (int start = 0; start + chunk <= SB_TEST; start += chunk) {
        BnError err = { 0 };
        if (!convnet_forward(s->net, s->test_x + (size_t)start * SB_PIXELS, chunk, mode, &err))
            return NAN;
        right += (int)lround(convnet_accuracy(s->net, s->test_y + start) * chunk);
        seen += chunk;
    }
    return seen ? 1.0 - (double)right / seen : NAN;
}

static void sb_finish_run(SmallBatch *s)
{
    int m = sb_method_of(s->run), k = s->run / SB_METHODS, b = sb_size_of(s->run);
    if (!s->diverged[m][k]) {
        s->error[m][k] = sb_test_error(s, CONVNET_MODE_EVAL, 32);
        if (sb_norms[m] == CONV_NORM_BATCH)
            s->bn_train_error[k] = sb_test_error(s, CONVNET_MODE_BATCH_STATS, b);
    }
    sb_end_run(s);
}

static void sb_destroy(void *self)
{
    SmallBatch *s = self;
    if (!s)
        return;
    convnet_destroy(s->net);
    sgd_destroy(s->sgd);
    free(s->train_x);
    free(s->train_y);
    free(s->test_x);
    free(s->test_y);
    free(s->order);
    free(s);
}

static void *sb_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    SmallBatch *s = xcalloc(1, sizeof *s);
    /* The training and the test pictures are loaded one split at a time and shrunk at once, so the
     * full-size pictures of both never sit in memory together. */
    const char *images = lesson_page_enum(page, "images");
    for (int split = 0; split < 2; split++) {
        ImageSource src;
        int want = split == 0 ? SB_TRAIN : SB_TEST;
        if (!imagesrc_load(&src, images, seed, split == 0 ? SB_TRAIN : 1, split == 0 ? 1 : SB_TEST, err)) {
            sb_destroy(s);
            return NULL;
        }
        const Dataset *set = split == 0 ? src.train : src.test;
        if (set->n < want) {
            error_set(err, src.label, "needs %d training and %d test pictures", SB_TRAIN, SB_TEST);
            imagesrc_free(&src);
            sb_destroy(s);
            return NULL;
        }
        snprintf(s->label, sizeof s->label, "%s", src.label);
        s->fell_back = src.fell_back;
        snprintf(s->notice, sizeof s->notice, "%s", src.notice);
        if (split == 0)
            sb_shrink_set(&s->train_x, &s->train_y, set, SB_TRAIN);
        else
            sb_shrink_set(&s->test_x, &s->test_y, set, SB_TEST);
        imagesrc_free(&src);
    }
    /* One order for all runs: each epoch a fresh shuffle of the training pictures from the seed. */
    BatchSampler sampler;
    sampler_init(&sampler, SB_TRAIN, seed ^ LOCKSTEP_SAMPLER_STREAM);
    s->order = xmalloc(sizeof *s->order * SB_IMAGES);
    for (int k = 0; k < SB_IMAGES; k += SB_TRAIN)
        sampler_next(&sampler, s->order + k, SB_TRAIN);
    sampler_free(&sampler);
    s->seed = seed;
    s->lr = lesson_page_real(page, "lr");
    s->rule = bnrule_of_page(page);
    for (int m = 0; m < SB_METHODS; m++)
        for (int k = 0; k < SB_SIZES; k++)
            s->error[m][k] = NAN;
    for (int k = 0; k < SB_SIZES; k++)
        s->bn_train_error[k] = NAN;
    return s;
}

/* One SGD step of the current run (starting it first if needed): the gradient of the next SB_STEP
 * pictures, accumulated over groups of B pictures each normalized on its own, then averaged. */
static void sb_step(void *self)
{
    SmallBatch *s = self;
    if (s->run >= SB_RUNS)
        return;
    int m = sb_method_of(s->run), k = s->run / SB_METHODS, b = sb_size_of(s->run);
    if (!s->net && !sb_start_run(s)) {
        s->diverged[m][k] = true;
        sb_end_run(s);
        return;
    }
    double x[SB_STEP * SB_PIXELS], y[SB_STEP];
    for (int i = 0; i < SB_STEP; i++) {
        int row = s->order[s->seen + i];
        memcpy(x + i * SB_PIXELS, s->train_x + (size_t)row * SB_PIXELS, sizeof x[0] * SB_PIXELS);
        y[i] = s->train_y[row];
    }
    optimizer_zero_grad(s->net->grads, s->net->num_params);
    double loss = 0.0;
    bool ok = true;
    for (int g = 0; g < SB_STEP && ok; g += b) {
        BnError err = { 0 };
        ok = convnet_forward(s->net, x + g * SB_PIXELS, b, CONVNET_MODE_TRAIN, &err);
        double group_loss = ok ? convnet_loss(s->net, y + g) : NAN;
        ok = ok && isfinite(group_loss) && convnet_backward(s->net, &err);
        loss += group_loss * b / SB_STEP;
    }
    if (!ok || !isfinite(loss) || loss > LOCKSTEP_LOSS_LIMIT) {
        s->diverged[m][k] = true;
    } else {
        /* Each group's backward added the mean gradient of its B pictures: average over the groups. */
        double scale = (double)b / SB_STEP;
        for (size_t i = 0; i < s->net->num_params; i++)
            s->net->grads[i] *= scale;
        sgd_step(s->sgd, s->net->params, s->net->grads);
        s->loss = loss;
    }
    s->seen += SB_STEP;
    s->step++;
    if (s->diverged[m][k] || s->seen >= SB_IMAGES)
        sb_finish_run(s);
}

static bool sb_halted(const void *self) { return ((const SmallBatch *)self)->run >= SB_RUNS; }

/* ---- live values ---- */

static int sb_size_index(int size)
{
    for (int k = 0; k < SB_SIZES; k++)
        if (sb_sizes[k] == size)
            return k;
    return -1;
}

static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const SmallBatch *)self)->step;
    return true;
}

static bool live_runs_done(const void *self, const int *index, double *out)
{
    *out = ((const SmallBatch *)self)->run;
    return true;
}

/* Method m's test error at batch size index[0] (2, 4, 8, 16 or 32); m = -1: the BN net with batch
 * statistics, m = -2: the gap between the two. */
static bool sb_error(const SmallBatch *s, int m, const int *index, double *out)
{
    int k = sb_size_index(index[0]);
    if (k < 0)
        return false;
    double v = m >= 0 ? s->error[m][k] : m == -1 ? s->bn_train_error[k] : s->error[0][k] - s->bn_train_error[k];
    return scene_finite(v, out);
}

static bool live_bn_error(const void *self, const int *index, double *out) { return sb_error(self, 0, index, out); }
static bool live_gn_error(const void *self, const int *index, double *out) { return sb_error(self, 1, index, out); }
static bool live_ln_error(const void *self, const int *index, double *out) { return sb_error(self, 2, index, out); }
static bool live_bn_train_error(const void *self, const int *index, double *out) { return sb_error(self, -1, index, out); }
static bool live_bn_gap(const void *self, const int *index, double *out) { return sb_error(self, -2, index, out); }

static const CatalogLive sb_lives[] = {
    { "step", 0, "SGD steps taken (32 training pictures each)", live_step },
    { "runs_done", 0, "runs finished, of 15", live_runs_done },
    { "bn_error", 1, "test error (0 to 1) with batch norm, eval mode, of the run at batch size i (2, 4, 8, 16, 32)",
      live_bn_error },
    { "gn_error", 1, "test error with group norm at batch size i", live_gn_error },
    { "ln_error", 1, "test error with layer norm at batch size i", live_ln_error },
    { "bn_train_error", 1, "test error of the BN net at batch size i with batch statistics of i test pictures",
      live_bn_train_error },
    { "bn_gap", 1, "bn_error[i] - bn_train_error[i]: what eval mode costs (or gains) at batch size i", live_bn_gap },
};

static const CatalogSceneSetting sb_settings[] = {
    { &setting_seed, NULL }, { &setting_images, NULL }, { &setting_lr, "0.1" }, { &setting_autoplay, NULL },
};

/* ---- drawing ---- */

static void sb_draw_chart(const SmallBatch *s, Canvas *cv, Rect r)
{
    if (!layout_chart_fits(r))

        return;
    double xs[SB_SIZES], ys[SB_METHODS + 1][SB_SIZES];
    for (int k = 0; k < SB_SIZES; k++) {
        xs[k] = sb_sizes[k];
        for (int m = 0; m < SB_METHODS; m++)
            ys[m][k] = 100.0 * s->error[m][k];
        ys[SB_METHODS][k] = 100.0 * s->bn_train_error[k];
    }
    LineSeries series[4] = {
        { xs, ys[0], SB_SIZES, "BN" }, { xs, ys[1], SB_SIZES, "GN" }, { xs, ys[2], SB_SIZES, "LN" },
        { xs, ys[3], SB_SIZES, "BN batch stats" },
    };
    /* The y range fits the results (errors differ by a few points); 0 to 10 until there is one. */
    double lo = INFINITY, hi = -INFINITY;
    for (int m = 0; m <= SB_METHODS; m++)
        for (int k = 0; k < SB_SIZES; k++)
            if (isfinite(ys[m][k])) {
                lo = fmin(lo, ys[m][k]);
                hi = fmax(hi, ys[m][k]);
            }
    if (!isfinite(lo)) {
        lo = 0;
        hi = 10;
    }
    lo = fmax(0.0, floor(lo / 2.0) * 2.0 - 2.0);
    hi = ceil(hi / 2.0) * 2.0 + 2.0;
    LineChartSpec spec = {
        .series = series, .nseries = 4,
        .x = { .fixed = true, .lo = 2, .hi = 32, .log = true, .label = "batch" },
        .y = { .fixed = true, .lo = lo, .hi = hi, .label = "test error %" },
        .legend = true,
    };
    linechart_draw(cv, r, &spec);
}

/* Test error per method (rows) and batch size (columns), "-" until a run is done, the run in
 * progress highlighted. Written by hand rather than with the table widget, which shows "nan". */
static void sb_draw_table(const SmallBatch *s, Canvas *cv, Rect r)
{
    static const char *const rows[SB_METHODS + 1] = { "BN", "GN", "LN", "BN, batch stats" };
    int label = 16, cell = 7;
    if (r.w < label + SB_SIZES * cell || r.h < SB_METHODS + 2)
        return;
    canvas_text(cv, r.x, r.y, "test error %", ROLE_TEXT_DIM, 0, label);
    for (int k = 0; k < SB_SIZES; k++) {
        char head[16];
        snprintf(head, sizeof head, "%s%d", k == 0 ? "B=" : "", sb_sizes[k]);
        int len = (int)strlen(head);
        canvas_text(cv, r.x + label + (k + 1) * cell - len, r.y, head, ROLE_TEXT_DIM, 0, len);
    }
    for (int m = 0; m <= SB_METHODS; m++) {
        int y = r.y + 1 + m;
        canvas_text(cv, r.x, y, rows[m], m == SB_METHODS ? ROLE_TEXT_DIM : (ColorRole)(ROLE_SERIES1 + m), 0, label);
        for (int k = 0; k < SB_SIZES; k++) {
            double v = m < SB_METHODS ? s->error[m][k] : s->bn_train_error[k];
            bool now = s->run < SB_RUNS && m == sb_method_of(s->run) && k == s->run / SB_METHODS;
            bool failed = m < SB_METHODS && s->diverged[m][k];
            char text[16];
            if (isfinite(v))
                snprintf(text, sizeof text, "%.1f", 100.0 * v);
            else
                snprintf(text, sizeof text, "%s", failed ? "fail" : now ? "..." : "-");
            int len = (int)strlen(text);
            canvas_text(cv, r.x + label + (k + 1) * cell - len, y, text, now ? ROLE_HIGHLIGHT : ROLE_DEFAULT,
                        now ? ATTR_BOLD : 0, len);
        }
    }
}

static void sb_draw(const void *self, Canvas *cv, Rect area)
{
    const SmallBatch *s = self;
    char head[256];
    if (s->run < SB_RUNS) {
        int m = sb_method_of(s->run), b = sb_size_of(s->run);
        snprintf(head, sizeof head, "run %d of %d: %s at batch %d" FITLINE_SEP ", %ld/%d pictures" FITLINE_SEP
                 "  (%s 16x16, %d passes over %d)", s->run + 1, SB_RUNS, sb_names[m], b, s->seen, SB_IMAGES, s->label,
                 SB_EPOCHS, SB_TRAIN);
    } else {
        snprintf(head, sizeof head, "all %d runs done" FITLINE_SEP "  (%s 16x16, %d passes over %d pictures)",
                 SB_RUNS, s->label, SB_EPOCHS, SB_TRAIN);
    }
    SceneHead h = scene_head_begin(cv, area);
    scene_head_title(&h, head, ROLE_TITLE);
    if (s->fell_back)
        scene_head_text(&h, s->notice, ROLE_WARNING, 0);
    Rect body = scene_head_body(&h, 0);
    int table_h = SB_METHODS + 2, table_w = 16 + SB_SIZES * 7;
    if (body.w >= table_w + 40) {
        Rect chart, side;
        rect_split_cols(body, body.w - table_w - 2, 2, &chart, &side);
        sb_draw_chart(s, cv, chart);
        sb_draw_table(s, cv, rect_make(side.x, side.y, side.w, table_h));
    } else {
        /* The numbers first; the chart below them when there is room for one. */
        Rect table, chart;
        rect_split_rows(body, table_h, 1, &table, &chart);
        sb_draw_table(s, cv, table);
        sb_draw_chart(s, cv, chart);
    }
}

const SceneClass scene_small_batch = {
    .schema = SCENE_SCHEMA("small-batch", "batch, group and layer norm trained at batch sizes 2 to 32: test error against batch size",
                           sb_settings, sb_lives),
    .headline = "runs_done",
    .headline_label = "runs done, of 15",
    .min_h = 8,
    .create = sb_create,
    .destroy = sb_destroy,
    .step = sb_step,
    .steps_per_second = 32,
    .draw = sb_draw,
    .halted = sb_halted,
};
