/* The 'norm-sets' scene: a mini-batch of images as an N×C×(H·W) block, the set of values one statistic of batch, layer, instance or group normalization averages highlighted, with its live mean and variance (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conv.h"
#include "engine/dataset.h"
#include "engine/norm.h"
#include "engine/stats.h"
#include "scene/imagesrc.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/keys.h"
#include "view/plot.h"

/* Each 28×28 image goes through a convolution with four fixed 3×3 filters and 2×2 average pooling:
 * four 14×14 feature maps, real channels (one feature at every position, as the Group Normalization
 * paper draws them), whose statistics differ from one another. Fixed filters keep the pictures
 * readable and the same for every seed. */
enum {
    NS_SIDE = 28, NS_HALF = 14,
    NS_C = 4, NS_HW = NS_HALF * NS_HALF,
    NS_POOL = 256,              /* training images the mini-batches are drawn from */
    NS_BATCH_MAX = 8,           /* images the block can draw */
    NS_BINS = 24,
};

static const char *const ns_feature[NS_C] = { "blur", "horizontal edges", "vertical edges", "outlines" };
static const char *const ns_feature_short[NS_C] = { "blur", "horiz", "vert", "outln" };
/* (C, 1, 3, 3): a box blur, Sobel filters for horizontal and vertical edges, a Laplacian for outlines. */
static const double ns_filters[NS_C * 9] = {
    1.0 / 9, 1.0 / 9, 1.0 / 9, 1.0 / 9, 1.0 / 9, 1.0 / 9, 1.0 / 9, 1.0 / 9, 1.0 / 9,
    -1, -2, -1, 0, 0, 0, 1, 2, 1,
    -1, 0, 1, -2, 0, 2, -1, 0, 1,
    0, 1, 0, 1, -4, 1, 0, 1, 0,
};

typedef struct NormSets {
    ImageSource src;
    BatchSampler sampler;
    long batches;                   /* mini-batches drawn so far */
    NormShape shape;
    int groups;
    double eps;                     /* ε of every method (the page's rule) */
    double *img;                    /* (N, 784) the images of the mini-batch */
    double *x;                      /* (N, C, H, W) their feature maps: the channels */
    double *conv, *cols, *rows;     /* (N, C, 28, 28) filtered images; the convolution's scratch */
    double *y, *xhat;               /* (N, C, H, W) the forward pass's output (γ = 1, β = 0) and x̂ */
    double *rstd;                   /* (N·C, the most sets any method has) */
    double *gamma, *beta;           /* (C·H·W) 1 and 0: layer norm needs the most */
    double *mean[NORM_METHODS_MAX], *var[NORM_METHODS_MAX];     /* (sets) each method's statistics */
    int sets[NORM_METHODS_MAX];
    bool ok[NORM_METHODS_MAX];             /* the method can normalize this shape */
    char why[NORM_METHODS_MAX][ERROR_MESSAGE_MAX];
    NormMethod method;
    int set;                        /* highlighted set of the current method */
    double *values;                 /* (largest set) the highlighted set's values, then normalized */
    /* The histograms of the highlighted set before and after normalizing, derived by ns_update. */
    double hist_before[NS_BINS], hist_after[NS_BINS];
    double before_lo, before_hi, after_lo, after_hi;
    double after_mean, after_var;   /* of the normalized set, recomputed rather than assumed */
    double before_mean, before_var; /* of the set itself: a method without centring subtracts no mean */
} NormSets;

/* The batch's feature maps: the fixed filters, then 2×2 average pooling into x. */
static void ns_features(NormSets *s)
{
    ConvShape shape = { .n = s->shape.n, .c_in = 1, .c_out = NS_C, .h = NS_SIDE, .w = NS_SIDE };
    conv_forward(s->conv, s->cols, s->rows, s->img, ns_filters, NULL, &shape);
    pool_forward(s->x, NULL, s->conv, POOL_AVG, s->shape.n, NS_C, NS_SIDE, NS_SIDE, NULL);
}

/* Every method's statistics; y and x̂ are shared, so the method shown runs last and they stay its own. */
static void ns_compute(NormSets *s)
{
    for (int k = 1; k <= norm_method_count(); k++) {
        int m = ((int)s->method + k) % norm_method_count();
        BnError err = { 0 };
        s->ok[m] = norm_forward_train(s->y, s->xhat, s->mean[m], s->var[m], s->rstd, s->x, s->gamma, s->beta, s->eps,
                                      (NormMethod)m, &s->shape, &err);
        snprintf(s->why[m], sizeof s->why[m], "%s", s->ok[m] ? "" : err.message);
    }
}

static void ns_new_batch(NormSets *s)
{
    int idx[NS_BATCH_MAX];
    double labels[NS_BATCH_MAX];
    sampler_next(&s->sampler, idx, s->shape.n);
    dataset_gather(s->src.train, idx, s->shape.n, s->img, labels);
    s->batches++;
    ns_features(s);
    ns_compute(s);
}

static void ns_destroy(void *self)
{
    NormSets *s = self;
    if (!s)
        return;
    imagesrc_free(&s->src);
    if (s->sampler.order)
        sampler_free(&s->sampler);
    free(s->img);
    free(s->x);
    free(s->conv);
    free(s->cols);
    free(s->rows);
    free(s->y);
    free(s->xhat);
    free(s->rstd);
    free(s->gamma);
    free(s->beta);
    free(s->values);
    for (int m = 0; m < norm_method_count(); m++) {
        free(s->mean[m]);
        free(s->var[m]);
    }
    free(s);
}

static void *ns_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    long batch = lesson_page_int(page, "batch");
    long groups = lesson_page_int(page, "groups");
    if (batch > NS_BATCH_MAX) {
        error_set(err, "", "the norm-sets scene draws at most %d images (batch = %ld)", NS_BATCH_MAX, batch);
        return NULL;
    }
    if (groups < 1 || NS_C % groups != 0) {
        error_set(err, "", "groups = %ld does not divide the %d channels (allowed: 1, 2, 4)", groups, NS_C);
        return NULL;
    }
    NormSets *s = xcalloc(1, sizeof *s);
    if (!imagesrc_load(&s->src, lesson_page_enum(page, "images"), seed, NS_POOL, 1, err)) {
        ns_destroy(s);
        return NULL;
    }
    s->shape = (NormShape){ .n = (int)batch, .c = NS_C, .h = NS_HALF, .w = NS_HALF, .groups = (int)groups };
    s->groups = (int)groups;
    int n = s->shape.n, total = n * NS_C * NS_HW;
    s->img = xmalloc(sizeof *s->img * (size_t)n * NS_SIDE * NS_SIDE);
    s->x = xmalloc(sizeof *s->x * (size_t)total);
    ConvShape conv_shape = { .n = n, .c_in = 1, .c_out = NS_C, .h = NS_SIDE, .w = NS_SIDE };
    s->conv = xmalloc(sizeof *s->conv * (size_t)n * NS_C * NS_SIDE * NS_SIDE);
    s->cols = xmalloc(sizeof *s->cols * conv_cols_size(&conv_shape));
    s->rows = xmalloc(sizeof *s->rows * conv_rows_size(&conv_shape));
    s->y = xmalloc(sizeof *s->y * (size_t)total);
    s->xhat = xmalloc(sizeof *s->xhat * (size_t)total);
    s->rstd = xmalloc(sizeof *s->rstd * (size_t)n * NS_C);
    s->values = xmalloc(sizeof *s->values * (size_t)total);
    s->gamma = xmalloc(sizeof *s->gamma * NS_C * NS_HW);
    s->beta = xcalloc(NS_C * NS_HW, sizeof *s->beta);
    for (int k = 0; k < NS_C * NS_HW; k++)
        s->gamma[k] = 1.0;
    for (int m = 0; m < norm_method_count(); m++) {
        s->sets[m] = norm_num_sets((NormMethod)m, &s->shape);
        s->mean[m] = xcalloc((size_t)s->sets[m], sizeof *s->mean[m]);
        s->var[m] = xcalloc((size_t)s->sets[m], sizeof *s->var[m]);
    }
    norm_method_parse(lesson_page_enum(page, "norm"), &s->method);
    s->eps = bnrule_of_page(page).eps;
    sampler_init(&s->sampler, s->src.train->n, seed ^ LOCKSTEP_SAMPLER_STREAM);
    ns_new_batch(s);
    return s;
}

/* ---- the highlighted set ---- */

static bool ns_in_set(const NormSets *s, int sample, int channel)
{
    /* Every method's sets take whole H·W planes, so position 0 speaks for the plane. */
    return norm_set_of(s->method, &s->shape, sample, channel, 0) == s->set;
}

/* The highlighted set's values into s->values; returns how many. */
static int ns_gather_set(NormSets *s, const double *from)
{
    int k = 0;
    for (int i = 0; i < s->shape.n; i++)
        for (int c = 0; c < NS_C; c++)
            if (ns_in_set(s, i, c))
                for (int p = 0; p < NS_HW; p++)
                    s->values[k++] = from[(i * NS_C + c) * NS_HW + p];
    return k;
}

/* Which set it is ("image 1, channels 1–2"; numbered from 1 on screen, as every scene does) and what it averages ("2 channels × 14×14 = 392 values"),
 * in the canvas's own symbols. */
static void ns_describe(const NormSets *s, char *who, size_t who_size, char *count, size_t count_size, bool unicode)
{
    const char *x = unicode ? "\xc3\x97" : "x", *dash = unicode ? "\xe2\x80\x93" : "-";
    int n = s->shape.n, size_of = norm_set_size(s->method, &s->shape);
    NormSetPlace at = norm_set_place(s->method, &s->shape, s->set);
    int first = at.channel_first, channels = at.channel_last - first + 1;
    if (at.sample < 0)
        snprintf(who, who_size, "channel %d (%s), every image", first + 1, ns_feature[first]);
    else if (at.group >= 0 && channels == 1)
        snprintf(who, who_size, "image %d, group %d = channel %d", at.sample + 1, at.group + 1, first + 1);
    else if (at.group >= 0)
        snprintf(who, who_size, "image %d, group %d = channels %d%s%d", at.sample + 1, at.group + 1, first + 1,
                 dash, at.channel_last + 1);
    else if (at.every_channel)
        snprintf(who, who_size, "image %d, every channel", at.sample + 1);
    else
        snprintf(who, who_size, "image %d, channel %d (%s)", at.sample + 1, first + 1, ns_feature[first]);
    char members[48] = "";
    if (at.sample < 0)
        snprintf(members, sizeof members, "%d image%s %s ", n, n == 1 ? "" : "s", x);
    else if (at.group >= 0 || at.every_channel)
        snprintf(members, sizeof members, "%d channel%s %s ", channels, channels == 1 ? "" : "s", x);
    snprintf(count, count_size, "%s14%s14 positions = %d values", members, x, size_of);
}

/* ---- keys and live values ---- */

static bool ns_key_method(void *self, int key)
{
    NormSets *s = self;
    s->method = (NormMethod)((s->method + 1) % norm_method_count());
    s->set = 0;
    ns_compute(s);
    return true;
}

static bool ns_key_set(void *self, int key)
{
    NormSets *s = self;
    int sets = s->sets[s->method];
    s->set = (s->set + (key == 's' ? 1 : sets - 1)) % sets;
    return true;
}

static bool ns_key_batch(void *self, int key)
{
    ns_new_batch(self);
    return true;
}

static const SceneKeyAction ns_keys[] = {
    { "k", "next method", ns_key_method },
    { "s", "next set", ns_key_set },
    { "S", "previous set", ns_key_set },
    { "b", "new batch", ns_key_batch },
};

/* A figure of the method shown, when it can normalize this batch. */
static bool ns_figure(const NormSets *s, double v, double *out)
{
    if (!s->ok[s->method])
        return false;
    *out = v;
    return true;
}

static bool live_set_mean(const void *self, const int *index, double *out)
{
    const NormSets *s = self;
    return ns_figure(s, s->mean[s->method][s->set], out);
}

static bool live_set_var(const void *self, const int *index, double *out)
{
    const NormSets *s = self;
    return ns_figure(s, s->var[s->method][s->set], out);
}

static bool live_set_size(const void *self, const int *index, double *out)
{
    const NormSets *s = self;
    return ns_figure(s, norm_set_size(s->method, &s->shape), out);
}

static bool live_sets(const void *self, const int *index, double *out)
{
    const NormSets *s = self;
    return ns_figure(s, s->sets[s->method], out);
}

static bool live_set(const void *self, const int *index, double *out)
{
    const NormSets *s = self;
    return ns_figure(s, s->set, out);
}

static bool live_mean(const void *self, const int *index, double *out)
{
    const NormSets *s = self;
    int m = (int)s->method;
    return index[0] >= 0 && index[0] < s->sets[m] && ns_figure(s, s->mean[m][index[0]], out);
}

static bool live_var(const void *self, const int *index, double *out)
{
    const NormSets *s = self;
    int m = (int)s->method;
    return index[0] >= 0 && index[0] < s->sets[m] && ns_figure(s, s->var[m][index[0]], out);
}

static const CatalogLive ns_lives[] = {
    { "set_mean", 0, "mean the method subtracts from the highlighted set (0 for rms)", live_set_mean },
    { "set_var", 0, "variance of the highlighted set (biased; for rms its mean square)", live_set_var },
    { "set_size", 0, "how many values the highlighted set averages", live_set_size },
    { "sets", 0, "how many statistics (sets) the method computes for this batch", live_sets },
    { "set", 0, "number of the highlighted set, from 0", live_set },
    { "mean", 1, "mean of set i (0 for rms)", live_mean },
    { "var", 1, "variance of set i (biased; for rms its mean square)", live_var },
};

static const CatalogSetting setting_groups = {
    .name = "groups", .type = SETTING_INT, .min = 1, .max = 64, .fallback = "2",
    .help = "groups of channels for group normalization (must divide the channels)" };

static const CatalogSceneSetting ns_settings[] = {
    { &setting_seed, NULL }, { &setting_images, NULL }, { &setting_batch, "4" }, { &setting_norm, NULL },
    { &setting_groups, NULL },
};

/* ---- drawing ---- */

/* A shade for v in [lo, hi]: five steps of ░▒▓█ (ASCII " .:*#"), so the strips show the pixels. */
static uint32_t ns_shade(double v, double lo, double hi, bool unicode)
{
    static const uint32_t blocks[5] = { ' ', 0x2591, 0x2592, 0x2593, 0x2588 };
    static const uint32_t ascii[5] = { ' ', '.', ':', '*', '#' };
    double t = hi > lo ? (v - lo) / (hi - lo) : 0.0;
    int k = (int)(t * 5.0);
    k = k < 0 ? 0 : k > 4 ? 4 : k;
    return unicode ? blocks[k] : ascii[k];
}

/* Rows each channel takes in an area `rows` tall: 1 (a strip) or, with room, 4 to 7 (a picture). */
static int ns_channel_rows(int rows)
{
    int h = (rows - 2) / NS_C;
    return h >= 4 ? (h > 7 ? 7 : h) : 1;
}

/* The block: channels down, images across. Each (image, channel) is a strip of cells standing for its
 * 14×14 positions in reading order (each cell the mean of a run of them) or, with room, a small
 * picture of the feature map. The set's rows and columns are marked with ▶/▼ (ASCII > and v) and its
 * cells drawn highlighted. */
static void ns_draw_block(const NormSets *s, Canvas *cv, Rect r)
{
    int n = s->shape.n, label = 8;
    int ch_h = ns_channel_rows(r.h);
    int strip = (r.w - label) / n - 1;
    if (strip > 14)
        strip = 14;
    if (ch_h > 1 && strip > 2 * ch_h)
        strip = 2 * ch_h;          /* a cell is about twice as tall as wide: keep the map square */
    if (ch_h > 1 && strip < 8)
        ch_h = 1;
    if (strip < 2 || r.h < NS_C * ch_h + 2)
        return;
    bool uni = cv->unicode;
    /* Column heads: the image number, ▼ over images that take part in the set. */
    for (int i = 0; i < n; i++) {
        bool col_in = false;
        for (int c = 0; c < NS_C; c++)
            col_in |= ns_in_set(s, i, c);
        int x0 = r.x + label + i * (strip + 1);
        char head[32];
        snprintf(head, sizeof head, strip >= 7 ? "img %d %s" : "%d%s", i + 1, col_in ? (uni ? "\xe2\x96\xbc" : "v") : "");
        canvas_text(cv, x0, r.y, head, col_in ? ROLE_HIGHLIGHT : ROLE_TEXT_DIM, col_in ? ATTR_BOLD : 0, strip);
    }
    for (int c = 0; c < NS_C; c++) {
        int y = r.y + 1 + c * ch_h;
        bool row_in = false;
        for (int i = 0; i < n; i++)
            row_in |= ns_in_set(s, i, c);
        char name[16];
        snprintf(name, sizeof name, "%d %s", c + 1, ns_feature_short[c]);
        canvas_text(cv, r.x, y + (ch_h - 1) / 2, name, row_in ? ROLE_HIGHLIGHT : ROLE_TEXT_DIM, row_in ? ATTR_BOLD : 0,
                    label - 1);
        if (row_in)
            canvas_put(cv, r.x + label - 1, y + (ch_h - 1) / 2, uni ? 0x25B6 : '>', ROLE_HIGHLIGHT, ATTR_BOLD);
        /* One shading range per channel: a blur and an edge map live on very different scales. */
        double lo = INFINITY, hi = -INFINITY;
        for (int i = 0; i < n; i++) {
            double l, h;
            stats_min_max(&l, &h, s->x + (i * NS_C + c) * NS_HW, NS_HW);
            lo = fmin(lo, l);
            hi = fmax(hi, h);
        }
        for (int i = 0; i < n; i++) {
            bool in = ns_in_set(s, i, c);
            const double *plane = s->x + (i * NS_C + c) * NS_HW;
            int x0 = r.x + label + i * (strip + 1);
            for (int j = 0; j < ch_h; j++)
                for (int k = 0; k < strip; k++) {
                    double mean;
                    if (ch_h == 1) {
                        int a = k * NS_HW / strip, b = (k + 1) * NS_HW / strip;
                        mean = stats_mean(plane + a, b - a);
                    } else {
                        int r0 = j * NS_HALF / ch_h, r1 = (j + 1) * NS_HALF / ch_h;
                        int c0 = k * NS_HALF / strip, c1 = (k + 1) * NS_HALF / strip;
                        double sum = 0;
                        for (int rr = r0; rr < r1; rr++)
                            for (int cc = c0; cc < c1; cc++)
                                sum += plane[rr * NS_HALF + cc];
                        mean = sum / ((r1 - r0) * (c1 - c0));
                    }
                    uint32_t ch = ns_shade(mean, lo, hi, uni);
                    /* Outside the set a blank cell shows as a dot, so the cell's extent stays visible. */
                    if (!in && ch == ' ')
                        ch = uni ? 0x00B7 : '.';
                    canvas_put(cv, x0 + k, y + j, ch, in ? ROLE_HIGHLIGHT : ROLE_TEXT_DIM,
                               in ? ATTR_REVERSE | ATTR_BOLD : 0);
                }
        }
    }
    char axis[128];
    const char *dot = uni ? " \xc2\xb7" : ",", *times = uni ? "\xc3\x97" : "x";
    if (ch_h == 1)
        snprintf(axis, sizeof axis, "rows: channels C%s columns: images N" FITLINE_SEP "%s strips: 14%s14 positions H%sW",
                 dot, dot, times, uni ? "\xc2\xb7" : "*");
    else
        snprintf(axis, sizeof axis, "rows: channels C%s columns: images N" FITLINE_SEP "%s cells: 14%s14 positions H%sW",
                 dot, dot, times, times);
    fitline_draw(cv, r.x, r.y + NS_C * ch_h + 1, axis, ROLE_TEXT_DIM, 0, r.w);
}

/* Bins the highlighted set's values before and after normalizing with the set's own statistics. */
static void ns_update(void *self)
{
    NormSets *s = self;
    if (!s->ok[s->method])
        return;
    int k = ns_gather_set(s, s->x);
    int counts[NS_BINS];
    s->before_mean = s->before_var = 0;
    stats_mean_var(&s->before_mean, &s->before_var, s->values, k, 0);
    stats_min_max(&s->before_lo, &s->before_hi, s->values, k);
    stats_histogram(counts, NULL, NULL, s->values, k, s->before_lo, s->before_hi, NS_BINS);
    for (int b = 0; b < NS_BINS; b++)
        s->hist_before[b] = counts[b];
    ns_gather_set(s, s->xhat);
    stats_min_max(&s->after_lo, &s->after_hi, s->values, k);
    stats_histogram(counts, NULL, NULL, s->values, k, s->after_lo, s->after_hi, NS_BINS);
    for (int b = 0; b < NS_BINS; b++)
        s->hist_after[b] = counts[b];
    s->after_mean = s->after_var = 0;
    stats_mean_var(&s->after_mean, &s->after_var, s->values, k, 0);
}

static void ns_draw_hist(const NormSets *s, Canvas *cv, Rect r)
{
    if (!layout_chart_fits(r))
        return;
    int m = (int)s->method;
    /* The method's own statistics where they are the set's mean and variance (it centres). */
    bool centred = !norm_descriptor(s->method)->no_centering;
    HistSeries hs[2] = {
        { .counts = s->hist_before, .bins = NS_BINS, .lo = s->before_lo, .hi = s->before_hi, .name = "x",
          .stats = true, .mean = centred ? s->mean[m][s->set] : s->before_mean,
          .sd = sqrt(centred ? s->var[m][s->set] : s->before_var) },
        { .counts = s->hist_after, .bins = NS_BINS, .lo = s->after_lo, .hi = s->after_hi, .name = "xhat",
          .stats = true, .mean = s->after_mean, .sd = sqrt(s->after_var) },
    };
    HistogramSpec spec = {
        .series = hs, .nseries = 2, .layout = HIST_MIRROR, .separate_axes = true,
        .x = { .fixed = false, .label = NULL },
    };
    histogram_draw(cv, r, &spec);
}

static void ns_draw(const void *self, Canvas *cv, Rect area)
{
    const NormSets *s = self;
    int m = (int)s->method;
    char head[256], who[96], count[96];
    ns_describe(s, who, sizeof who, count, sizeof count, cv->unicode);
    snprintf(head, sizeof head, "%s norm, set %d of %d:" FITLINE_SEP " %s" FITLINE_SEP "   (%s, mini-batch %ld)",
             norm_method_name(s->method), s->set + 1, s->sets[m], who, s->src.label, s->batches);
    SceneHead h = scene_head_begin(cv, area);
    scene_head_title(&h, head, ROLE_TITLE);
    char stats[256], mean[FORMAT_MAX], var[FORMAT_MAX];
    if (s->ok[m]) {
        format_number(mean, sizeof mean, s->mean[m][s->set], 4, cv->unicode);
        format_number(var, sizeof var, s->var[m][s->set], 4, cv->unicode);
        if (norm_descriptor(s->method)->no_centering)
            snprintf(stats, sizeof stats, "mean(x%s) %s, no mean subtracted" FITLINE_SEP "  over %s",
                     cv->unicode ? "\xc2\xb2" : "^2", var, count);
        else
            snprintf(stats, sizeof stats, "mean %s  var %s" FITLINE_SEP "  over %s", mean, var, count);
        scene_head_title(&h, stats, ROLE_HIGHLIGHT);
    } else {
        scene_head_title(&h, s->why[m], ROLE_WARNING);
    }
    if (s->src.fell_back)
        scene_head_text(&h, s->src.notice, ROLE_WARNING, 0);
    Rect body = scene_head_body(&h, 0);
    int block_w = 8 + s->shape.n * 15;
    Rect block, hist;
    if (body.w - block_w >= LAYOUT_W_CHART_BESIDE) {

        rect_split_cols(body, block_w, 2, &block, &hist);
    } else if (body.h >= NS_C + 2 + 8) {
        /* Stacked: the block takes what leaves the histograms 10 rows, pictures when that is enough. */
        int rows = NS_C * ns_channel_rows(body.h - 10) + 2;
        rect_split_rows(body, rows, 1, &block, &hist);
    } else {
        rect_split_cols(body, body.w * 3 / 5, 2, &block, &hist);
    }
    ns_draw_block(s, cv, block);
    if (s->ok[m])
        ns_draw_hist(s, cv, hist);
}

const SceneClass scene_norm_sets = {
    .schema = SCENE_SCHEMA("norm-sets", "which values batch, layer, instance and group normalization average",
                           ns_settings, ns_lives),
    .headline = "set_mean",
    .headline_label = "mean of the highlighted set",
    .min_h = 8,
    .create = ns_create,
    .destroy = ns_destroy,
    .update = ns_update,
    .draw = ns_draw,
    .keys = ns_keys,
    .key_count = SCENE_COUNT(ns_keys),
};
