/* The 'small-batch' scene: one small conv net trained with batch, group and layer normalization at batch sizes from 2 to 32 (same seed, same pictures), test error against batch size, and batch norm's train/eval gap (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/convnet.h"
#include "engine/convnet_float.h"
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
 * batch norm's running statistics are updated once per group. One run's result is within its own noise
 * of the next, so the experiment is repeated SB_REPEATS times, each repeat with its own initial weights
 * and picture order (shared by every run of that repeat, so that its runs differ only in B and the
 * norm), and the scene shows the median and the range over the repeats. BN runs at every B; group and
 * layer norm, whose result cannot depend on B, at the two ends (32 and 2) to show that it does not.
 * The runs train the float twin of the net (convnet_float.h): the learner reads test errors, which
 * float changes by far less than a picture. To fit in a few seconds of CPU and in the tutor's memory
 * budget, the pictures are shrunk to 16×16 (padded to 32×32, then 2×2 averages), the net has 4 and 8
 * channels, and only one run's network exists at a time. Every run sees SB_IMAGES training pictures
 * (SB_EPOCHS passes over SB_TRAIN). A scene step is one SGD step. */
enum {
    SB_SIDE = 16, SB_PIXELS = SB_SIDE * SB_SIDE, SB_SHRINK = 32 / SB_SIDE,
    SB_TRAIN = 1024, SB_TEST = 512, SB_EPOCHS = 4,
    SB_IMAGES = SB_TRAIN * SB_EPOCHS,
    SB_STEP = 32,
    SB_SIZES = 5, SB_METHODS = 3,
    SB_REPEATS = 5,
    SB_PER_REPEAT = SB_SIZES + 2 * (SB_METHODS - 1),     /* BN at every B, GN and LN at 32 and 2 */
    SB_RUNS = SB_PER_REPEAT * SB_REPEATS,
    SB_GROUPS = 2,
};

static const int sb_sizes[SB_SIZES] = { 32, 16, 8, 4, 2 };
static const ConvNorm sb_norms[SB_METHODS] = { CONV_NORM_BATCH, CONV_NORM_GROUP, CONV_NORM_LAYER };
static const char *const sb_names[SB_METHODS] = { "BN", "GN", "LN" };
/* One repeat's runs in order: (method, batch size index). */
static const int sb_plan[SB_PER_REPEAT][2] = {
    { 0, 0 }, { 1, 0 }, { 2, 0 }, { 0, 1 }, { 0, 2 }, { 0, 3 }, { 0, 4 }, { 1, 4 }, { 2, 4 },
};

typedef struct SmallBatch {
    char label[64];
    bool fell_back;
    char notice[256];               /* why it fell back (imagesrc) */
    float *train_x, *test_x;        /* (SB_TRAIN, 256), (SB_TEST, 256) the shrunk pictures */
    double *train_y, *test_y;       /* (SB_TRAIN), (SB_TEST) */
    int *order;                     /* (SB_IMAGES) the current repeat's picture order */
    uint64_t seed;
    double lr;                      /* at batch 32 */
    BnRule rule;                    /* ε and momentum of the norm layers */
    int run;                        /* the run in progress, SB_RUNS when all are done */
    long seen;                      /* pictures the current run has trained on */
    ConvNet *net;                   /* the current run's network and its float twin, NULL between runs */
    ConvNetFloat *twin;
    Sgd *sgd;
    float *grads;                   /* (num_params) one step's gradient, summed over its groups */
    double loss;
    /* Results per method, batch size and repeat: test error (0..1), NaN until the run is done. */
    double error[SB_METHODS][SB_SIZES][SB_REPEATS];
    double bn_train_error[SB_SIZES][SB_REPEATS]; /* BN with batch statistics of test batches of the same size */
    bool diverged[SB_METHODS][SB_SIZES][SB_REPEATS];
    long step;                      /* scene steps taken */
} SmallBatch;

static int sb_repeat_of(int run) { return run / SB_PER_REPEAT; }
static int sb_method_of(int run) { return sb_plan[run % SB_PER_REPEAT][0]; }
static int sb_size_index_of(int run) { return sb_plan[run % SB_PER_REPEAT][1]; }
static int sb_size_of(int run) { return sb_sizes[sb_size_index_of(run)]; }

/* Pads a 28×28 picture to 32×32 with zeros and averages 2×2 blocks: (784) → (256). */
static void sb_shrink(float *out, const double *in)
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
            out[r * SB_SIDE + c] = (float)(sum / (SB_SHRINK * SB_SHRINK));
        }
}

static void sb_shrink_set(float **x, double **y, const Dataset *set, int n)
{
    *x = xmalloc(sizeof **x * (size_t)n * SB_PIXELS);
    *y = xmalloc(sizeof **y * (size_t)n);
    double big[784];
    for (int i = 0; i < n; i++) {
        dataset_gather(set, &i, 1, big, *y + i);
        sb_shrink(*x + (size_t)i * SB_PIXELS, big);
    }
}

/* Repeat r's picture order: each epoch a fresh shuffle of the training pictures, from the seed and r. */
static void sb_make_order(SmallBatch *s, int r)
{
    BatchSampler sampler;
    sampler_init(&sampler, SB_TRAIN, (s->seed ^ LOCKSTEP_SAMPLER_STREAM) + 0x9e3779b9u * (uint64_t)r);
    for (int k = 0; k < SB_IMAGES; k += SB_TRAIN)
        sampler_next(&sampler, s->order + k, SB_TRAIN);
    sampler_free(&sampler);
}

static void sb_end_run(SmallBatch *s)
{
    convnet_float_destroy(s->twin);
    convnet_destroy(s->net);
    sgd_destroy(s->sgd);
    free(s->grads);
    s->twin = NULL;
    s->net = NULL;
    s->sgd = NULL;
    s->grads = NULL;
    s->seen = 0;
    s->run++;
    if (s->run < SB_RUNS && s->run % SB_PER_REPEAT == 0)
        sb_make_order(s, sb_repeat_of(s->run));
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
    /* The same weights for every run of a repeat: they depend only on the seed and the repeat. */
    config.seed = s->seed + 7919u * (uint64_t)sb_repeat_of(s->run);
    config.eps = s->rule.eps;
    config.bn_momentum = s->rule.momentum;
    BnError err = { 0 };
    s->net = convnet_create(&config, &err);
    if (!s->net)
        return false;
    s->twin = convnet_float_create(s->net);
    s->sgd = sgd_create(s->net->num_params, s->lr, 0.0);
    s->grads = xcalloc(s->net->num_params, sizeof *s->grads);
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
        if (!convnet_float_forward_f32(s->twin, s->test_x + (size_t)start * SB_PIXELS, chunk, mode, &err))
            return NAN;
        right += (int)lround(convnet_float_accuracy(s->twin, s->test_y + start) * chunk);
        seen += chunk;
    }
    return seen ? 1.0 - (double)right / seen : NAN;
}

static void sb_finish_run(SmallBatch *s)
{
    int m = sb_method_of(s->run), k = sb_size_index_of(s->run), r = sb_repeat_of(s->run), b = sb_size_of(s->run);
    if (!s->diverged[m][k][r]) {
        s->error[m][k][r] = sb_test_error(s, CONVNET_MODE_EVAL, 32);
        if (sb_norms[m] == CONV_NORM_BATCH)
            s->bn_train_error[k][r] = sb_test_error(s, CONVNET_MODE_BATCH_STATS, b);
    }
    sb_end_run(s);
}

static void sb_destroy(void *self)
{
    SmallBatch *s = self;
    if (!s)
        return;
    convnet_float_destroy(s->twin);
    convnet_destroy(s->net);
    sgd_destroy(s->sgd);
    free(s->grads);
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
    s->seed = seed;
    s->order = xmalloc(sizeof *s->order * SB_IMAGES);
    sb_make_order(s, 0);
    s->lr = lesson_page_real(page, "lr");
    s->rule = bnrule_of_page(page);
    for (int m = 0; m < SB_METHODS; m++)
        for (int k = 0; k < SB_SIZES; k++)
            for (int r = 0; r < SB_REPEATS; r++)
                s->error[m][k][r] = NAN;
    for (int k = 0; k < SB_SIZES; k++)
        for (int r = 0; r < SB_REPEATS; r++)
            s->bn_train_error[k][r] = NAN;
    return s;
}

/* One SGD step of the current run (starting it first if needed): the gradient of the next SB_STEP
 * pictures, summed over groups of B pictures each normalized on its own, then averaged. */
static void sb_step(void *self)
{
    SmallBatch *s = self;
    if (s->run >= SB_RUNS)
        return;
    int m = sb_method_of(s->run), k = sb_size_index_of(s->run), r = sb_repeat_of(s->run), b = sb_size_of(s->run);
    if (!s->net && !sb_start_run(s)) {
        s->diverged[m][k][r] = true;
        sb_end_run(s);
        return;
    }
    double y[SB_STEP];
    float x[SB_STEP * SB_PIXELS];
    for (int i = 0; i < SB_STEP; i++) {
        int row = s->order[s->seen + i];
        memcpy(x + i * SB_PIXELS, s->train_x + (size_t)row * SB_PIXELS, sizeof x[0] * SB_PIXELS);
        y[i] = s->train_y[row];
    }
    memset(s->grads, 0, sizeof *s->grads * s->net->num_params);
    double loss = 0.0;
    bool ok = true;
    /* Each group's mean gradient, weighted B/SB_STEP: the mean over the groups. */
    for (int g = 0; g < SB_STEP && ok; g += b) {
        BnError err = { 0 };
        double group_loss = NAN;
        ok = convnet_float_add_gradient(s->twin, x + g * SB_PIXELS, y + g, b, (float)b / SB_STEP, s->grads,
                                        &group_loss, &err);
        loss += group_loss * b / SB_STEP;
    }
    if (!ok || !isfinite(loss) || loss > LOCKSTEP_LOSS_LIMIT) {
        s->diverged[m][k][r] = true;
    } else {
        convnet_float_sgd_step(s->twin, s->sgd, s->grads);
        s->loss = loss;
    }
    s->seen += SB_STEP;
    s->step++;
    if (s->diverged[m][k][r] || s->seen >= SB_IMAGES)
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

/* Median, smallest and largest over the finished repeats of one cell; false when none has finished.
 * The median, not the mean: one run that trains badly (it happens at B = 2) moves it little. */
typedef struct SbSpread {
    double median, lo, hi;
    int count;
} SbSpread;

static bool sb_spread(const double *v, SbSpread *out)
{
    *out = (SbSpread){ NAN, INFINITY, -INFINITY, 0 };
    double done[SB_REPEATS];
    for (int r = 0; r < SB_REPEATS; r++)
        if (isfinite(v[r])) {
            /* Insertion into the sorted finished values. */
            int at = out->count++;
            while (at > 0 && done[at - 1] > v[r]) {
                done[at] = done[at - 1];
                at--;
            }
            done[at] = v[r];
        }
    if (out->count == 0)
        return false;
    int n = out->count;
    out->lo = done[0];
    out->hi = done[n - 1];
    out->median = n % 2 ? done[n / 2] : 0.5 * (done[n / 2 - 1] + done[n / 2]);
    return true;
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

/* What a cell's live value reads: which results, and median (0), smallest (1) or largest (2). */
enum { SB_BN = 0, SB_GN = 1, SB_LN = 2, SB_BN_BATCH = 3, SB_BN_GAP = 4 };

static bool sb_value(const SmallBatch *s, int what, int part, const int *index, double *out)
{
    int k = sb_size_index(index[0]);
    if (k < 0)
        return false;
    double gap[SB_REPEATS];
    const double *v = what <= SB_LN ? s->error[what][k] : what == SB_BN_BATCH ? s->bn_train_error[k] : gap;
    if (what == SB_BN_GAP)
        for (int r = 0; r < SB_REPEATS; r++)
            gap[r] = s->error[0][k][r] - s->bn_train_error[k][r];
    SbSpread sp;
    if (!sb_spread(v, &sp))
        return false;
    return scene_finite(part == 0 ? sp.median : part == 1 ? sp.lo : sp.hi, out);
}

#define SB_LIVE(name, what, part)                                                     \
    static bool name(const void *self, const int *index, double *out)                 \
    {                                                                                 \
        return sb_value(self, what, part, index, out);                                \
    }
SB_LIVE(live_bn_error, SB_BN, 0)
SB_LIVE(live_bn_error_min, SB_BN, 1)
SB_LIVE(live_bn_error_max, SB_BN, 2)
SB_LIVE(live_gn_error, SB_GN, 0)
SB_LIVE(live_ln_error, SB_LN, 0)
SB_LIVE(live_bn_train_error, SB_BN_BATCH, 0)
SB_LIVE(live_bn_train_error_min, SB_BN_BATCH, 1)
SB_LIVE(live_bn_train_error_max, SB_BN_BATCH, 2)
SB_LIVE(live_bn_gap, SB_BN_GAP, 0)

/* How many repeats have BN's error at batch size i above its error at 32 (0 to SB_REPEATS, counted over
 * the repeats where both are done). */
static bool live_bn_worse_runs(const void *self, const int *index, double *out)
{
    const SmallBatch *s = self;
    int k = sb_size_index(index[0]), count = 0, both = 0;
    if (k < 0)
        return false;
    for (int r = 0; r < SB_REPEATS; r++)
        if (isfinite(s->error[0][k][r]) && isfinite(s->error[0][0][r])) {
            both++;
            count += s->error[0][k][r] > s->error[0][0][r];
        }
    *out = count;
    return both > 0;
}

static const CatalogLive sb_lives[] = {
    { "step", 0, "SGD steps taken (32 training pictures each)", live_step },
    { "runs_done", 0, "runs finished, of 45", live_runs_done },
    { "bn_error", 1, "median test error (0 to 1) over the repeats with batch norm, eval mode, at batch size i (2, 4, "
      "8, 16, 32)", live_bn_error },
    { "bn_error_min", 1, "the smallest of those test errors", live_bn_error_min },
    { "bn_error_max", 1, "the largest of those test errors", live_bn_error_max },
    { "gn_error", 1, "median test error with group norm at batch size i (2 or 32)", live_gn_error },
    { "ln_error", 1, "median test error with layer norm at batch size i (2 or 32)", live_ln_error },
    { "bn_train_error", 1, "median test error of the BN nets at batch size i with batch statistics of i test pictures",
      live_bn_train_error },
    { "bn_train_error_min", 1, "the smallest of those test errors", live_bn_train_error_min },
    { "bn_train_error_max", 1, "the largest of those test errors", live_bn_train_error_max },
    { "bn_gap", 1, "median over the repeats of each run's eval-mode error minus its batch-statistics error at batch size i", live_bn_gap },
    { "bn_worse_runs", 1, "repeats in which BN's test error at batch size i is above its error at 32",
      live_bn_worse_runs },
};

static const CatalogSceneSetting sb_settings[] = {
    { &setting_seed, NULL }, { &setting_images, NULL }, { &setting_lr, "0.1" }, { &setting_autoplay, NULL },
};

/* ---- drawing ---- */

/* The median of each cell over its finished repeats, in percent; NaN for none. */
static double sb_median_percent(const double *v)
{
    SbSpread sp;
    return sb_spread(v, &sp) ? 100.0 * sp.median : NAN;
}

static void sb_draw_chart(const SmallBatch *s, Canvas *cv, Rect r)
{
    if (!layout_chart_fits(r))

        return;
    double xs[SB_SIZES], bn[SB_SIZES], batch[SB_SIZES], lo[SB_SIZES], hi[SB_SIZES];
    double ends_x[2] = { 32, 2 }, gn[2], ln[2];
    for (int k = 0; k < SB_SIZES; k++) {
        xs[k] = sb_sizes[k];
        bn[k] = sb_median_percent(s->error[0][k]);
        batch[k] = sb_median_percent(s->bn_train_error[k]);
        SbSpread sp;
        bool any = sb_spread(s->error[0][k], &sp);
        lo[k] = any ? 100.0 * sp.lo : NAN;
        hi[k] = any ? 100.0 * sp.hi : NAN;
    }
    for (int e = 0; e < 2; e++) {
        gn[e] = sb_median_percent(s->error[1][e ? SB_SIZES - 1 : 0]);
        ln[e] = sb_median_percent(s->error[2][e ? SB_SIZES - 1 : 0]);
    }
    LineSeries series[4] = {
        { xs, bn, SB_SIZES, "BN" }, { ends_x, gn, 2, "GN" }, { ends_x, ln, 2, "LN" },
        { xs, batch, SB_SIZES, "BN batch stats" },
    };
    LineBand band = { xs, lo, hi, SB_SIZES, ROLE_SERIES1 };
    /* The y range fits the results (errors differ by a few points); 0 to 10 until there is one. */
    double y_lo = INFINITY, y_hi = -INFINITY;
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < series[i].n; k++)
            if (isfinite(series[i].y[k])) {
                y_lo = fmin(y_lo, series[i].y[k]);
                y_hi = fmax(y_hi, series[i].y[k]);
            }
    for (int k = 0; k < SB_SIZES; k++)
        if (isfinite(lo[k])) {
            y_lo = fmin(y_lo, lo[k]);
            y_hi = fmax(y_hi, hi[k]);
        }
    if (!isfinite(y_lo)) {
        y_lo = 0;
        y_hi = 10;
    }
    y_lo = fmax(0.0, floor(y_lo / 2.0) * 2.0 - 2.0);
    y_hi = ceil(y_hi / 2.0) * 2.0 + 2.0;
    LineChartSpec spec = {
        .series = series, .nseries = 4, .band = &band,
        .x = { .fixed = true, .lo = 2, .hi = 32, .log = true, .label = "batch" },
        .y = { .fixed = true, .lo = y_lo, .hi = y_hi, .label = "test error %" },
        .legend = true,
    };
    linechart_draw(cv, r, &spec);
}

enum { SB_TABLE_ROWS = 6, SB_LABEL_W = 16, SB_CELL_W = 7 };

/* Median test error per method and batch size over the repeats done, with BN's range (smallest to
 * largest) below it; "-" until a cell has a result, blank where a method never runs (GN and LN
 * between the ends), the run in progress highlighted. Written by hand rather than with the table
 * widget, which shows "nan". */
static void sb_draw_table(const SmallBatch *s, Canvas *cv, Rect r)
{
    static const char *const rows[SB_TABLE_ROWS] = { "BN", "  range", "GN", "LN", "BN, batch stats", "  range" };
    static const int row_method[SB_TABLE_ROWS] = { 0, 0, 1, 2, 0, 0 };
    if (r.w < SB_LABEL_W + SB_SIZES * SB_CELL_W || r.h < SB_TABLE_ROWS + 1)
        return;
    char title[32];
    snprintf(title, sizeof title, "median test err %%");
    canvas_text(cv, r.x, r.y, title, ROLE_TEXT_DIM, 0, SB_LABEL_W + 2);
    for (int k = 0; k < SB_SIZES; k++) {
        char head[16];
        snprintf(head, sizeof head, "%s%d", k == 0 ? "B=" : "", sb_sizes[k]);
        int len = (int)strlen(head);
        canvas_text(cv, r.x + SB_LABEL_W + (k + 1) * SB_CELL_W - len, r.y, head, ROLE_TEXT_DIM, 0, len);
    }
    int now_m = s->run < SB_RUNS ? sb_method_of(s->run) : -1, now_k = s->run < SB_RUNS ? sb_size_index_of(s->run) : -1;
    for (int row = 0; row < SB_TABLE_ROWS; row++) {
        int y = r.y + 1 + row, m = row_method[row];
        bool range = row == 1 || row == 5, batch = row >= 4;
        ColorRole role = range || batch ? ROLE_TEXT_DIM : (ColorRole)(ROLE_SERIES1 + m);
        canvas_text(cv, r.x, y, rows[row], role, 0, SB_LABEL_W);
        for (int k = 0; k < SB_SIZES; k++) {
            if (m > 0 && k > 0 && k < SB_SIZES - 1)
                continue;       /* GN and LN run at the two ends only */
            const double *v = batch ? s->bn_train_error[k] : s->error[m][k];
            SbSpread sp;
            bool any = sb_spread(v, &sp);
            bool now = !range && !batch && m == now_m && k == now_k;
            bool failed = false;
            for (int rep = 0; rep < SB_REPEATS; rep++)
                failed |= !batch && s->diverged[m][k][rep];
            char text[16];
            if (range && any)
                snprintf(text, sizeof text, "%.0f-%.0f", 100.0 * sp.lo, 100.0 * sp.hi);
            else if (any)
                snprintf(text, sizeof text, "%.1f", 100.0 * sp.median);
            else
                snprintf(text, sizeof text, "%s", failed ? "fail" : now ? "..." : "-");
            if (range && !any)
                continue;
            int len = (int)strlen(text);
            canvas_text(cv, r.x + SB_LABEL_W + (k + 1) * SB_CELL_W - len, y, text,
                        now ? ROLE_HIGHLIGHT : range ? ROLE_TEXT_DIM : ROLE_DEFAULT, now ? ATTR_BOLD : 0, len);
        }
    }
}

static void sb_draw(const void *self, Canvas *cv, Rect area)
{
    const SmallBatch *s = self;
    char head[256];
    if (s->run < SB_RUNS) {
        int m = sb_method_of(s->run), b = sb_size_of(s->run);
        snprintf(head, sizeof head, "run %d of %d (repeat %d of %d): %s at batch %d" FITLINE_SEP ", %ld/%d pictures"
                 FITLINE_SEP "  (%s 16x16, %d passes over %d)", s->run + 1, SB_RUNS, sb_repeat_of(s->run) + 1,
                 SB_REPEATS, sb_names[m], b, s->seen, SB_IMAGES, s->label, SB_EPOCHS, SB_TRAIN);
    } else {
        snprintf(head, sizeof head, "all %d runs done" FITLINE_SEP "  (%s 16x16, %d passes over %d pictures)",
                 SB_RUNS, s->label, SB_EPOCHS, SB_TRAIN);
    }
    SceneHead h = scene_head_begin(cv, area);
    scene_head_title(&h, head, ROLE_TITLE);
    if (s->fell_back)
        scene_head_text(&h, s->notice, ROLE_WARNING, 0);
    Rect body = scene_head_body(&h, 0);
    int table_h = SB_TABLE_ROWS + 1, table_w = SB_LABEL_W + SB_SIZES * SB_CELL_W;
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
    .headline_label = "runs done, of 45",
    .min_h = 8,
    .create = sb_create,
    .destroy = sb_destroy,
    .step = sb_step,
    .steps_per_second = 96,     /* 45 runs of 128 steps in about a minute */
    .draw = sb_draw,
    .halted = sb_halted,
};
