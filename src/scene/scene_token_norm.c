/* The 'token-norm' scene: a small batch of sentences × tokens × features, the set one statistic of per-token layer norm, RMS norm or batch norm averages highlighted, and one token's outputs under each (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/norm.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "util/pcg32.h"
#include "view/fitline.h"
#include "view/format.h"

/* Small on purpose: every number of a token fits on one line of an 80-column screen. */
enum {
    TN_SENT_MAX = 4, TN_TOK_MIN = 2, TN_TOK_MAX = 6, TN_FEAT_MIN = 2, TN_FEAT_MAX = 8,
    TN_VALUES_MAX = TN_SENT_MAX * TN_TOK_MAX * TN_FEAT_MAX,
    TN_SETS_MAX = TN_SENT_MAX * TN_TOK_MAX,         /* layer and RMS norm: one set per token */
    TN_SENTENCE_MAX = TN_TOK_MAX * TN_FEAT_MAX,     /* the values of one sentence */
    TN_NUMBER_W = 7,                                /* a number cell of the token panel: "−12.34 " */
};
/* The data's own stream, apart from any other scene's. */
static const uint64_t TN_STREAM = 0x746f6b656e73ULL;
/* Each token's features are its own mean plus a centred pattern: mean uniform in ±TN_MEAN_RANGE,
 * pattern u − mean(u) with u uniform in ±1, times a spread uniform in [TN_SPREAD_LO, TN_SPREAD_HI].
 * So every feature lies within 2·TN_SPREAD_HI = 2 of its token's mean: an offset above 2 makes every
 * feature positive. */
static const double TN_MEAN_RANGE = 2.0, TN_SPREAD_LO = 0.4, TN_SPREAD_HI = 1.0;
static const double TN_OFFSET_MAX = 10.0;

typedef struct TokenNorm {
    Pcg32 rng;
    int n, t, c;                        /* sentences, tokens per sentence, features per token */
    NormShape shape;                    /* norm_shape_tokens(n, t, c) */
    double eps;
    bool centred;                       /* tokens' own means left out: each token's features average 0 */
    double offset;                      /* added to every feature of every token */
    long batches, swaps;                /* batches drawn; times this batch's other sentences were replaced */
    double token_mean[TN_SETS_MAX];     /* (N·T) each token's own mean */
    double pattern[TN_VALUES_MAX];      /* (N, T, C) each token's centred pattern */
    double x[TN_VALUES_MAX];            /* (N, T, C) the inputs: mean (unless centred) + pattern + offset */
    double x_plain[TN_VALUES_MAX];      /* (N, T, C) the same without the offset */
    int methods[NORM_METHODS_MAX];      /* the engine's methods that have a per-token form */
    int method_count;
    int shown;                          /* index into methods: the method whose sets are highlighted */
    double y[NORM_METHODS_MAX][TN_VALUES_MAX];          /* (N, T, C) each method's output, γ = 1, β = 0 */
    double y_plain[NORM_METHODS_MAX][TN_VALUES_MAX];    /* the same for x_plain */
    double mean[NORM_METHODS_MAX][TN_SETS_MAX], var[NORM_METHODS_MAX][TN_SETS_MAX];
    int sets[NORM_METHODS_MAX];
    double before_swap[NORM_METHODS_MAX][TN_SENTENCE_MAX];  /* sentence 1's outputs before the last swap */
    bool swapped;                       /* before_swap holds the outputs before the latest swap */
    int token, feature;                 /* the token in the panel (n·T + t) and the feature batch norm shows */
    /* Derived by tn_update. */
    double moved[NORM_METHODS_MAX];     /* largest change of sentence 1's outputs in the last swap */
    double offset_change[NORM_METHODS_MAX]; /* largest change the offset makes to any output */
    double diff_max;                    /* largest |layer − rms| over the batch */
    double lo[NORM_METHODS_MAX], hi[NORM_METHODS_MAX];  /* each method's smallest and largest output */
    double token_mean_max;              /* largest |mean of a token's features| */
    double x_min, x_max;                /* the smallest and largest input */
} TokenNorm;

static NormMethod tn_method(const TokenNorm *s) { return (NormMethod)s->methods[s->shown]; }

/* Index into s->methods of a method, or -1 when it has no per-token form. */
static int tn_slot(const TokenNorm *s, NormMethod m)
{
    for (int k = 0; k < s->method_count; k++)
        if (s->methods[k] == (int)m)
            return k;
    return -1;
}

/* ---- the data ---- */

/* Draws sentence i afresh: each token's mean, spread and centred pattern. */
static void tn_draw_sentence(TokenNorm *s, int i)
{
    for (int t = 0; t < s->t; t++) {
        int tok = i * s->t + t;
        s->token_mean[tok] = TN_MEAN_RANGE * (2.0 * pcg32_uniform(&s->rng) - 1.0);
        double spread = TN_SPREAD_LO + (TN_SPREAD_HI - TN_SPREAD_LO) * pcg32_uniform(&s->rng);
        double *p = s->pattern + tok * s->c, sum = 0;
        for (int f = 0; f < s->c; f++) {
            p[f] = 2.0 * pcg32_uniform(&s->rng) - 1.0;
            sum += p[f];
        }
        for (int f = 0; f < s->c; f++)
            p[f] = spread * (p[f] - sum / s->c);
    }
}

/* The inputs from the drawn tokens, and every method's forward pass with and without the offset. */
static void tn_compute(TokenNorm *s)
{
    int tokens = s->n * s->t;
    for (int tok = 0; tok < tokens; tok++)
        for (int f = 0; f < s->c; f++) {
            int k = tok * s->c + f;
            s->x_plain[k] = (s->centred ? 0.0 : s->token_mean[tok]) + s->pattern[k];
            s->x[k] = s->x_plain[k] + s->offset;
        }
    double gamma[TN_FEAT_MAX], beta[TN_FEAT_MAX] = { 0 }, xhat[TN_VALUES_MAX], rstd[TN_SETS_MAX];
    double mean[TN_SETS_MAX], var[TN_SETS_MAX];
    for (int f = 0; f < TN_FEAT_MAX; f++)
        gamma[f] = 1.0;
    for (int k = 0; k < s->method_count; k++) {
        NormMethod m = (NormMethod)s->methods[k];
        BnError err = { 0 };
        /* The settings' ranges keep every set at two values or more, so the engine always accepts. */
        norm_forward_train(s->y[k], xhat, s->mean[k], s->var[k], rstd, s->x, gamma, beta, s->eps, m, &s->shape, &err);
        norm_forward_train(s->y_plain[k], xhat, mean, var, rstd, s->x_plain, gamma, beta, s->eps, m, &s->shape, &err);
    }
}

static void tn_new_batch(TokenNorm *s)
{
    for (int i = 0; i < s->n; i++)
        tn_draw_sentence(s, i);
    s->batches++;
    s->swaps = 0;
    s->swapped = false;
    tn_compute(s);
}

/* One step: every sentence but the first is replaced, so what sentence 1's outputs owe to the rest
 * of the batch shows as the change. */
static void tn_swap_others(TokenNorm *s)
{
    for (int k = 0; k < s->method_count; k++)
        memcpy(s->before_swap[k], s->y[k], sizeof s->before_swap[k][0] * (size_t)(s->t * s->c));
    for (int i = 1; i < s->n; i++)
        tn_draw_sentence(s, i);
    s->swaps++;
    s->swapped = true;
    tn_compute(s);
}

static void tn_step(void *self) { tn_swap_others(self); }

static void tn_destroy(void *self) { free(self); }

static bool tn_range(const char *what, long v, long lo, long hi, BnError *err)
{
    if (v >= lo && v <= hi)
        return true;
    error_set(err, "", "the token-norm scene takes %s from %ld to %ld (%s = %ld)", what, lo, hi, what, v);
    return false;
}

static void *tn_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    long n = lesson_page_int(page, "sentences"), t = lesson_page_int(page, "tokens");
    long c = lesson_page_int(page, "features");
    if (!tn_range("sentences", n, 1, TN_SENT_MAX, err) || !tn_range("tokens", t, TN_TOK_MIN, TN_TOK_MAX, err) ||
        !tn_range("features", c, TN_FEAT_MIN, TN_FEAT_MAX, err))
        return NULL;
    NormMethod first = NORM_LAYER;
    norm_method_parse(lesson_page_enum(page, "norm"), &first);
    if (!norm_descriptor(first)->token_averages) {
        char with[128] = "";
        for (int m = 0, used = 0; m < norm_method_count() && used < (int)sizeof with; m++)
            if (norm_descriptor((NormMethod)m)->token_averages)
                used += snprintf(with + used, sizeof with - (size_t)used, "%s%s", used ? ", " : "",
                                 norm_method_name((NormMethod)m));
        error_set(err, "", "norm = %s has no per-token form: the token-norm scene shows %s", norm_method_name(first), with);
        return NULL;
    }
    TokenNorm *s = xcalloc(1, sizeof *s);
    s->n = (int)n;
    s->t = (int)t;
    s->c = (int)c;
    s->shape = norm_shape_tokens(s->n, s->t, s->c);
    s->eps = lesson_page_real(page, "eps");
    s->centred = lesson_page_bool(page, "centred");
    s->offset = lesson_page_real(page, "offset");
    for (int m = 0; m < norm_method_count(); m++)
        if (norm_descriptor((NormMethod)m)->token_averages) {
            s->sets[s->method_count] = norm_num_sets((NormMethod)m, &s->shape);
            s->methods[s->method_count++] = m;
        }
    s->shown = tn_slot(s, first);
    pcg32_seed(&s->rng, seed, TN_STREAM);
    tn_new_batch(s);
    return s;
}

/* ---- derived values ---- */

static double tn_max_abs_diff(const double *a, const double *b, int count)
{
    double d = 0;
    for (int k = 0; k < count; k++)
        d = fmax(d, fabs(a[k] - b[k]));
    return d;
}

static void tn_update(void *self)
{
    TokenNorm *s = self;
    int values = s->n * s->t * s->c, tokens = s->n * s->t;
    for (int k = 0; k < s->method_count; k++) {
        s->moved[k] = s->swapped ? tn_max_abs_diff(s->before_swap[k], s->y[k], s->t * s->c) : NAN;
        s->offset_change[k] = tn_max_abs_diff(s->y[k], s->y_plain[k], values);
        s->lo[k] = INFINITY;
        s->hi[k] = -INFINITY;
        for (int v = 0; v < values; v++) {
            s->lo[k] = fmin(s->lo[k], s->y[k][v]);
            s->hi[k] = fmax(s->hi[k], s->y[k][v]);
        }
    }
    int layer = tn_slot(s, NORM_LAYER), rms = tn_slot(s, NORM_RMS);
    s->diff_max = layer >= 0 && rms >= 0 ? tn_max_abs_diff(s->y[layer], s->y[rms], values) : NAN;
    s->x_min = INFINITY;
    s->x_max = -INFINITY;
    for (int v = 0; v < values; v++) {
        s->x_min = fmin(s->x_min, s->x[v]);
        s->x_max = fmax(s->x_max, s->x[v]);
    }
    s->token_mean_max = 0;
    for (int tok = 0; tok < tokens; tok++) {
        double sum = 0;
        for (int f = 0; f < s->c; f++)
            sum += s->x[tok * s->c + f];
        s->token_mean_max = fmax(s->token_mean_max, fabs(sum / s->c));
    }
}

/* ---- the highlighted set ---- */

/* The set of the shown method that the panel's token and feature lie in. */
static int tn_set(const TokenNorm *s)
{
    return norm_set_of(tn_method(s), &s->shape, s->token, s->feature, 0);
}

static bool tn_in_set(const TokenNorm *s, int token, int feature)
{
    return norm_set_of(tn_method(s), &s->shape, token, feature, 0) == tn_set(s);
}

/* A set of every token (batch norm's) is a feature; the others are one token each. */
static bool tn_set_is_feature(const TokenNorm *s)
{
    return norm_set_place(tn_method(s), &s->shape, 0).sample < 0;
}

/* ---- keys ---- */

static bool tn_key_method(void *self, int key)
{
    TokenNorm *s = self;
    s->shown = (s->shown + 1) % s->method_count;
    return true;
}

static bool tn_key_set(void *self, int key)
{
    TokenNorm *s = self;
    int dir = key == 's' ? 1 : -1;
    if (tn_set_is_feature(s))
        s->feature = (s->feature + dir + s->c) % s->c;
    else
        s->token = (s->token + dir + s->n * s->t) % (s->n * s->t);
    return true;
}

static bool tn_key_swap(void *self, int key)
{
    tn_swap_others(self);
    return true;
}

static bool tn_key_batch(void *self, int key)
{
    tn_new_batch(self);
    return true;
}

static bool tn_key_offset(void *self, int key)
{
    TokenNorm *s = self;
    double next = s->offset + (key == 'o' ? 1.0 : -1.0);
    if (fabs(next) > TN_OFFSET_MAX)
        return false;
    s->offset = next;
    s->swapped = false;
    tn_compute(s);
    return true;
}

static bool tn_key_means(void *self, int key)
{
    TokenNorm *s = self;
    s->centred = !s->centred;
    s->swapped = false;
    tn_compute(s);
    return true;
}

/* None of a-d (the answer keys of the pages' questions) nor the tutor's own keys (n, m, ...). */
static const SceneKeyAction tn_keys[] = {
    { "k", "next method", tn_key_method },
    { "s", "next set", tn_key_set },
    { "S", "previous set", tn_key_set },
    { "w", "swap other sentences", tn_key_swap },
    { "f", "fresh batch", tn_key_batch },
    { "o/O", "offset +1/-1", tn_key_offset },
    { "u", "token means on/off", tn_key_means },
};

/* ---- live values ---- */

static bool tn_of(const TokenNorm *s, NormMethod m, int *slot)
{
    *slot = tn_slot(s, m);
    return *slot >= 0;
}

static bool live_set_mean(const void *self, const int *index, double *out)
{
    const TokenNorm *s = self;
    return scene_finite(s->mean[s->shown][tn_set(s)], out);
}

static bool live_set_var(const void *self, const int *index, double *out)
{
    const TokenNorm *s = self;
    return scene_finite(s->var[s->shown][tn_set(s)], out);
}

static bool live_set_size(const void *self, const int *index, double *out)
{
    const TokenNorm *s = self;
    return scene_finite(norm_set_size(tn_method(s), &s->shape), out);
}

static bool live_sets(const void *self, const int *index, double *out)
{
    const TokenNorm *s = self;
    return scene_finite(s->sets[s->shown], out);
}

static bool live_set(const void *self, const int *index, double *out)
{
    const TokenNorm *s = self;
    return scene_finite(tn_set(s), out);
}

static bool live_mean(const void *self, const int *index, double *out)
{
    const TokenNorm *s = self;
    return index[0] >= 0 && index[0] < s->sets[s->shown] && scene_finite(s->mean[s->shown][index[0]], out);
}

static bool live_var(const void *self, const int *index, double *out)
{
    const TokenNorm *s = self;
    return index[0] >= 0 && index[0] < s->sets[s->shown] && scene_finite(s->var[s->shown][index[0]], out);
}

static bool live_x(const void *self, const int *index, double *out)
{
    const TokenNorm *s = self;
    return index[0] >= 0 && index[0] < s->c && scene_finite(s->x[s->token * s->c + index[0]], out);
}

/* Feature i of the panel's token after method m. */
static bool tn_token_out(const TokenNorm *s, NormMethod m, const int *index, double *out)
{
    int k;
    return tn_of(s, m, &k) && index[0] >= 0 && index[0] < s->c && scene_finite(s->y[k][s->token * s->c + index[0]], out);
}

static bool live_layer_y(const void *self, const int *index, double *out) { return tn_token_out(self, NORM_LAYER, index, out); }
static bool live_rms_y(const void *self, const int *index, double *out) { return tn_token_out(self, NORM_RMS, index, out); }
static bool live_batch_y(const void *self, const int *index, double *out) { return tn_token_out(self, NORM_BATCH, index, out); }

static bool live_diff_max(const void *self, const int *index, double *out)
{
    return scene_finite(((const TokenNorm *)self)->diff_max, out);
}

static bool live_token_mean_max(const void *self, const int *index, double *out)
{
    return scene_finite(((const TokenNorm *)self)->token_mean_max, out);
}

static bool live_x_min(const void *self, const int *index, double *out)
{
    return scene_finite(((const TokenNorm *)self)->x_min, out);
}

static bool live_x_max(const void *self, const int *index, double *out)
{
    return scene_finite(((const TokenNorm *)self)->x_max, out);
}

static bool live_offset(const void *self, const int *index, double *out)
{
    return scene_finite(((const TokenNorm *)self)->offset, out);
}

#define TN_PER_METHOD(field, m, name)                                                                           \
    static bool live_##name(const void *self, const int *index, double *out)                                    \
    {                                                                                                            \
        const TokenNorm *s = self;                                                                               \
        int k;                                                                                                   \
        return tn_of(s, m, &k) && scene_finite(s->field[k], out);                                                \
    }
TN_PER_METHOD(moved, NORM_LAYER, moved_layer)
TN_PER_METHOD(moved, NORM_RMS, moved_rms)
TN_PER_METHOD(moved, NORM_BATCH, moved_batch)
TN_PER_METHOD(offset_change, NORM_LAYER, offset_change_layer)
TN_PER_METHOD(offset_change, NORM_RMS, offset_change_rms)
TN_PER_METHOD(offset_change, NORM_BATCH, offset_change_batch)
TN_PER_METHOD(lo, NORM_LAYER, layer_min)
TN_PER_METHOD(hi, NORM_LAYER, layer_max)
TN_PER_METHOD(lo, NORM_RMS, rms_min)
TN_PER_METHOD(hi, NORM_RMS, rms_max)

static const CatalogLive tn_lives[] = {
    { "set_mean", 0, "mean the shown method subtracts from the highlighted set (0 for rms)", live_set_mean },
    { "set_var", 0, "variance of the highlighted set (biased; for rms its mean square)", live_set_var },
    { "set_size", 0, "how many values the highlighted set averages", live_set_size },
    { "sets", 0, "how many statistics (sets) the shown method computes for this batch", live_sets },
    { "set", 0, "number of the highlighted set, from 0", live_set },
    { "mean", 1, "mean of set i of the shown method (0 for rms)", live_mean },
    { "var", 1, "variance of set i (biased; for rms its mean square)", live_var },
    { "x", 1, "feature i of the token in the panel", live_x },
    { "layer_y", 1, "feature i of that token after layer norm", live_layer_y },
    { "rms_y", 1, "feature i of that token after RMS norm", live_rms_y },
    { "batch_y", 1, "feature i of that token after batch norm", live_batch_y },
    { "diff_max", 0, "largest |layer norm output - RMS norm output| over the batch", live_diff_max },
    { "token_mean_max", 0, "largest |mean of one token's features| over the batch", live_token_mean_max },
    { "x_min", 0, "smallest input in the batch", live_x_min },
    { "x_max", 0, "largest input in the batch", live_x_max },
    { "offset", 0, "the offset added to every feature", live_offset },
    { "moved_layer", 0, "largest change of sentence 1's layer-norm outputs in the last swap (after a step)",
      live_moved_layer },
    { "moved_rms", 0, "the same for RMS norm", live_moved_rms },
    { "moved_batch", 0, "the same for batch norm", live_moved_batch },
    { "offset_change_layer", 0, "largest change the offset makes to a layer-norm output", live_offset_change_layer },
    { "offset_change_rms", 0, "the same for RMS norm", live_offset_change_rms },
    { "offset_change_batch", 0, "the same for batch norm", live_offset_change_batch },
    { "layer_min", 0, "smallest layer-norm output in the batch", live_layer_min },
    { "layer_max", 0, "largest layer-norm output in the batch", live_layer_max },
    { "rms_min", 0, "smallest RMS-norm output in the batch", live_rms_min },
    { "rms_max", 0, "largest RMS-norm output in the batch", live_rms_max },
};

static const CatalogSetting setting_sentences = {
    .name = "sentences", .type = SETTING_INT, .min = 1, .max = TN_SENT_MAX, .fallback = "2",
    .help = "sentences in the batch (N)" };
static const CatalogSetting setting_tokens = {
    .name = "tokens", .type = SETTING_INT, .min = TN_TOK_MIN, .max = TN_TOK_MAX, .fallback = "5",
    .help = "tokens per sentence (T)" };
static const CatalogSetting setting_centred = {
    .name = "centred", .type = SETTING_BOOL, .fallback = "no",
    .help = "leave out the tokens' own means, so each token's features average 0 (before the offset)" };
static const CatalogSetting setting_offset = {
    .name = "offset", .type = SETTING_REAL, .min = -10, .max = 10, .fallback = "0",
    .help = "added to every feature of every token" };

static const CatalogSceneSetting tn_settings[] = {
    { &setting_seed, NULL }, { &setting_sentences, NULL }, { &setting_tokens, NULL }, { &setting_features, "6" },
    { &setting_norm, "layer" }, { &setting_centred, NULL }, { &setting_offset, NULL }, { &setting_eps, NULL },
    { &setting_autoplay, NULL }, { &setting_speed, "1" },
};

/* ---- drawing ---- */

/* A shade for v in [lo, hi]: five steps of ░▒▓█ (ASCII " .:*#"). */
static uint32_t tn_shade(double v, double lo, double hi, bool unicode)
{
    static const uint32_t blocks[5] = { ' ', 0x2591, 0x2592, 0x2593, 0x2588 };
    static const uint32_t ascii[5] = { ' ', '.', ':', '*', '#' };
    double u = hi > lo ? (v - lo) / (hi - lo) : 0.0;
    int k = (int)(u * 5.0);
    k = k < 0 ? 0 : k > 4 ? 4 : k;
    return unicode ? blocks[k] : ascii[k];
}

/* Which set is highlighted, in words: "sentence 1, token 3" or "feature 2, every token". */
static void tn_describe(const TokenNorm *s, char *buf, size_t size)
{
    if (tn_set_is_feature(s))
        snprintf(buf, size, "feature %d, every token of every sentence", s->feature + 1);
    else
        snprintf(buf, size, "sentence %d, token %d", s->token / s->t + 1, s->token % s->t + 1);
}

/* Width of the block: a label column, then each sentence's C cells (numbers when `numbers`). */
static int tn_block_width(const TokenNorm *s, bool numbers)
{
    return 7 + s->n * (s->c * (numbers ? 6 : 1) + 2);
}

/* The block: tokens down, sentences across, each token a row of its C features (shades of `values`,
 * the inputs or a method's outputs, or the numbers themselves with room); the highlighted set's cells
 * in reverse video, and (axis_w > 0) under them a line that wide saying which way is which. */
static void tn_draw_block(const TokenNorm *s, Canvas *cv, Rect r, bool numbers, const double *values, int axis_w)
{
    bool uni = cv->unicode;
    int cell = numbers ? 6 : 1, sw = s->c * cell + 2;
    /* Each sentence shaded over its own range: a sentence that stays keeps its shades when the others
     * are swapped, and its tokens' differences show in full. */
    double lo[TN_SENT_MAX], hi[TN_SENT_MAX];
    for (int i = 0; i < s->n; i++) {
        lo[i] = INFINITY;
        hi[i] = -INFINITY;
        for (int k = i * s->t * s->c; k < (i + 1) * s->t * s->c; k++) {
            lo[i] = fmin(lo[i], values[k]);
            hi[i] = fmax(hi[i], values[k]);
        }
    }
    /* The sentences that fit whole: a narrow area shows the first ones. */
    int shown = (r.w - 7 + 2) / sw;
    shown = shown > s->n ? s->n : shown;
    if (shown < 1 || r.h < 2)
        return;
    for (int i = 0; i < shown; i++) {
        bool in = false;
        for (int tok = i * s->t; tok < (i + 1) * s->t; tok++)
            in |= tn_in_set(s, tok, s->feature);
        char head[32];
        snprintf(head, sizeof head, sw >= 9 ? "sent %d%s" : "s%d%s", i + 1, in ? (uni ? "\xe2\x96\xbc" : "v") : "");
        canvas_text(cv, r.x + 7 + i * sw, r.y, head, in ? ROLE_HIGHLIGHT : ROLE_TEXT_DIM, in ? ATTR_BOLD : 0, sw - 1);
    }
    for (int t = 0; t < s->t && t + 1 < r.h; t++) {
        int y = r.y + 1 + t;
        bool row_in = false;
        for (int i = 0; i < s->n; i++)
            for (int f = 0; f < s->c; f++)
                row_in |= tn_in_set(s, i * s->t + t, f);
        char name[16];
        snprintf(name, sizeof name, "tok %d", t + 1);
        canvas_text(cv, r.x, y, name, row_in ? ROLE_HIGHLIGHT : ROLE_TEXT_DIM, row_in ? ATTR_BOLD : 0, 6);
        if (row_in)
            canvas_put(cv, r.x + 5, y, uni ? 0x25B6 : '>', ROLE_HIGHLIGHT, ATTR_BOLD);
        for (int i = 0; i < shown; i++)
            for (int f = 0; f < s->c; f++) {
                int tok = i * s->t + t, x0 = r.x + 7 + i * sw + f * cell;
                bool in = tn_in_set(s, tok, f);
                ColorRole role = in ? ROLE_HIGHLIGHT : ROLE_TEXT_DIM;
                int attr = in ? ATTR_REVERSE | ATTR_BOLD : 0;
                double v = values[tok * s->c + f];
                if (numbers) {
                    char num[FORMAT_MAX];
                    format_fixed(num, sizeof num, v, 2, uni);
                    char padded[FORMAT_MAX + 8];
                    snprintf(padded, sizeof padded, "%*s", cell - 1 + (int)(strlen(num) - (size_t)fitline_width(num, uni)),
                             num);
                    canvas_text(cv, x0, y, padded, role, attr, cell - 1);
                } else {
                    uint32_t ch = tn_shade(v, lo[i], hi[i], uni);
                    canvas_put(cv, x0, y, !in && ch == ' ' ? (uni ? 0x00B7 : '.') : ch, role, attr);
                }
            }
    }
    if (axis_w > 0 && s->t + 1 < r.h) {
        char line[160];
        snprintf(line, sizeof line, "tokens %s, sentences %s;" FITLINE_SEP " a row is one token's %d features",
                 uni ? "\xe2\x86\x93" : "down", uni ? "\xe2\x86\x92" : "across", s->c);
        fitline_draw(cv, r.x, r.y + s->t + 1, line, ROLE_TEXT_DIM, 0, axis_w);
    }
}

/* Every set's statistics of the shown method, one line each (as many sets as fit), the highlighted set
 * marked: what the method computes for the whole batch. */
static void tn_draw_set_stats(const TokenNorm *s, Canvas *cv, Rect r)
{
    bool uni = cv->unicode, centres = !norm_descriptor(tn_method(s))->no_centering;
    char label[64];
    snprintf(label, sizeof label, "every set of %s norm (%d):", norm_method_name(tn_method(s)), s->sets[s->shown]);
    canvas_text(cv, r.x, r.y, label, ROLE_TITLE, ATTR_BOLD, r.w);
    const char *names[2] = { centres ? "mean" : "mean x\xc2\xb2", centres ? "var" : "" };
    if (!uni)
        names[0] = centres ? "mean" : "mean x^2";
    const double *rows[2] = { centres ? s->mean[s->shown] : s->var[s->shown], centres ? s->var[s->shown] : NULL };
    for (int row = 0; row < 2 && rows[row] && row + 1 < r.h; row++) {
        int y = r.y + 1 + row;
        canvas_text(cv, r.x, y, names[row], ROLE_TEXT_DIM, 0, 9);
        for (int k = 0; k < s->sets[s->shown]; k++) {
            int x0 = r.x + 9 + k * TN_NUMBER_W;
            if (x0 + TN_NUMBER_W - 1 > r.x + r.w)
                break;
            char num[FORMAT_MAX], padded[FORMAT_MAX + 8];
            format_fixed(num, sizeof num, rows[row][k], 2, uni);
            snprintf(padded, sizeof padded, "%*s", TN_NUMBER_W - 1 + (int)(strlen(num) - (size_t)fitline_width(num, uni)),
                     num);
            bool in = k == tn_set(s);
            canvas_text(cv, x0, y, padded, in ? ROLE_HIGHLIGHT : ROLE_DEFAULT, in ? ATTR_REVERSE | ATTR_BOLD : 0,
                        TN_NUMBER_W - 1);
        }
    }
}

/* Width of the token panel: a label, then C numbers. */
static int tn_panel_width(const TokenNorm *s) { return 7 + s->c * TN_NUMBER_W; }

/* One row of the panel: a label and C numbers, the highlighted feature (batch norm's set) marked. */
static void tn_panel_row(const TokenNorm *s, Canvas *cv, int x, int y, int w, const char *label, const double *v,
                         bool current)
{
    bool uni = cv->unicode;
    canvas_text(cv, x, y, label, current ? ROLE_HIGHLIGHT : ROLE_TEXT_DIM, current ? ATTR_BOLD : 0, w < 6 ? w : 6);
    for (int f = 0; f < s->c; f++) {
        int x0 = x + 7 + f * TN_NUMBER_W;
        if (x0 + TN_NUMBER_W - 1 > x + w)
            break;  /* the features that fit whole */
        char num[FORMAT_MAX], padded[FORMAT_MAX + 8];
        format_fixed(num, sizeof num, v[f], 2, uni);
        snprintf(padded, sizeof padded, "%*s", TN_NUMBER_W - 1 + (int)(strlen(num) - (size_t)fitline_width(num, uni)), num);
        bool mark = current && tn_set_is_feature(s) && f == s->feature;
        canvas_text(cv, x0, y, padded, current ? ROLE_HIGHLIGHT : ROLE_DEFAULT,
                    mark ? ATTR_REVERSE | ATTR_BOLD : current ? ATTR_BOLD : 0, TN_NUMBER_W - 1);
    }
}

/* "0.000" for a figure that is 0 to the shown digits, else its value. */
static const char *tn_small(char *buf, int size, double v, bool uni)
{
    return format_fixed(buf, size, v, 3, uni);
}

/* The panel: the token's inputs and its outputs under every method, then what changed them. Returns
 * the rows used. */
static int tn_draw_panel(const TokenNorm *s, Canvas *cv, Rect r)
{
    bool uni = cv->unicode;
    int y = r.y, bottom = r.y + r.h;
    char line[256], a[FORMAT_MAX];
    double tok_mean = 0;
    for (int f = 0; f < s->c; f++)
        tok_mean += s->x[s->token * s->c + f] / s->c;
    format_fixed(a, sizeof a, tok_mean, 2, uni);
    snprintf(line, sizeof line, "sentence %d, token %d" FITLINE_SEP " (mean %s)" FITLINE_SEP ", %s = 1, %s = 0",
             s->token / s->t + 1, s->token % s->t + 1, a, uni ? "\xce\xb3" : "gamma", uni ? "\xce\xb2" : "beta");
    fitline_draw(cv, r.x, y++, line, ROLE_TITLE, ATTR_BOLD, r.w);
    if (y < bottom)
        tn_panel_row(s, cv, r.x, y++, r.w, "x", s->x + s->token * s->c, false);
    /* The per-token methods first, beside each other; then those whose sets span the batch. */
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < s->method_count && y < bottom; k++) {
            NormMethod m = (NormMethod)s->methods[k];
            if ((norm_set_place(m, &s->shape, 0).sample < 0) == (pass == 0))
                continue;
            tn_panel_row(s, cv, r.x, y++, r.w, norm_method_name(m), s->y[k] + s->token * s->c, k == s->shown);
        }
    return y - r.y;
}

/* What the comparisons found, one line each under the block and the panel: layer against RMS norm,
 * the last swap of the other sentences, the offset. Returns the rows used. */
static int tn_draw_status(const TokenNorm *s, Canvas *cv, Rect r)
{
    bool uni = cv->unicode;
    int y = r.y, bottom = r.y + r.h;
    char line[256], a[FORMAT_MAX], b[FORMAT_MAX], c[FORMAT_MAX];
    int layer = tn_slot(s, NORM_LAYER), rms = tn_slot(s, NORM_RMS), batch = tn_slot(s, NORM_BATCH);
    const char *minus = uni ? "\xe2\x88\x92" : "-";
    if (y < bottom && layer >= 0 && rms >= 0) {
        snprintf(line, sizeof line, "largest |layer %s rms| in the batch: %s", minus, tn_small(a, sizeof a, s->diff_max, uni));
        fitline_draw(cv, r.x, y++, line, ROLE_DEFAULT, 0, r.w);
    }
    if (y < bottom && layer >= 0 && rms >= 0 && batch >= 0) {
        if (s->swapped)
            snprintf(line, sizeof line, "the last swap moved sentence 1's outputs by:" FITLINE_SEP " layer %s, rms %s, batch %s",
                     tn_small(a, sizeof a, s->moved[layer], uni), tn_small(b, sizeof b, s->moved[rms], uni),
                     tn_small(c, sizeof c, s->moved[batch], uni));
        else
            snprintf(line, sizeof line, "w (or a step): new other sentences, sentence 1 stays");
        fitline_draw(cv, r.x, y++, line, s->swapped ? ROLE_DEFAULT : ROLE_TEXT_DIM, 0, r.w);
    }
    if (y < bottom && layer >= 0 && rms >= 0 && batch >= 0 && s->offset != 0) {
        char off[FORMAT_MAX];
        format_number(off, sizeof off, s->offset, 3, uni);
        snprintf(line, sizeof line, "the offset %s%s changed the outputs by:" FITLINE_SEP " layer %s, rms %s, batch %s",
                 s->offset > 0 ? "+" : "", off, tn_small(a, sizeof a, s->offset_change[layer], uni),
                 tn_small(b, sizeof b, s->offset_change[rms], uni), tn_small(c, sizeof c, s->offset_change[batch], uni));
        fitline_draw(cv, r.x, y++, line, ROLE_DEFAULT, 0, r.w);
    }
    return y - r.y;
}

static void tn_draw(const void *self, Canvas *cv, Rect area)
{
    const TokenNorm *s = self;
    bool uni = cv->unicode;
    NormMethod m = tn_method(s);
    char head[256], who[96], stats[256], mean[FORMAT_MAX], var[FORMAT_MAX];
    tn_describe(s, who, sizeof who);
    char draw[48] = "";
    if (s->swaps > 0)
        snprintf(draw, sizeof draw, ", %ld swap%s", s->swaps, s->swaps == 1 ? "" : "s");
    snprintf(head, sizeof head, "%s norm, set %d of %d:" FITLINE_SEP " %s" FITLINE_SEP "   (batch %ld%s: %d%s%d%s%d)",
             norm_method_name(m), tn_set(s) + 1, s->sets[s->shown], who, s->batches, draw, s->n, uni ? "\xc3\x97" : "x",
             s->t, uni ? "\xc3\x97" : "x", s->c);
    SceneHead h = scene_head_begin(cv, area);
    scene_head_title(&h, head, ROLE_TITLE);
    int set = tn_set(s), size = norm_set_size(m, &s->shape);
    format_number(mean, sizeof mean, s->mean[s->shown][set], 4, uni);
    format_number(var, sizeof var, s->var[s->shown][set], 4, uni);
    /* Segments from the essential to the detail, so a narrow screen keeps the figures. */
    if (norm_descriptor(m)->no_centering)
        snprintf(stats, sizeof stats, "mean(x%s) %s" FITLINE_SEP " over %d values" FITLINE_SEP ", no mean subtracted"
                 FITLINE_SEP " (%s)", uni ? "\xc2\xb2" : "^2", var, size, norm_descriptor(m)->token_averages);
    else
        snprintf(stats, sizeof stats, "mean %s  var %s" FITLINE_SEP "  over %d values" FITLINE_SEP " (%s)", mean, var, size,
                 norm_descriptor(m)->token_averages);
    scene_head_title(&h, stats, ROLE_HIGHLIGHT);
    Rect body = scene_head_body(&h, 0);
    int panel_w = tn_panel_width(s), panel_rows = 1 + 1 + s->method_count;
    bool numbers = body.w >= tn_block_width(s, true) + 3 + panel_w;
    int block_w = tn_block_width(s, numbers), block_rows = s->t + 2;
    Rect block, panel, rest;
    if (body.w >= block_w + 2 + panel_w - 2 * TN_NUMBER_W) {
        /* Side by side; what is left below takes every set's statistics. */
        int top = block_rows > panel_rows ? block_rows : panel_rows;
        rect_split_rows(body, top < body.h ? top : body.h, 0, &block, &rest);
        rect_split_cols(block, block_w, 2, &block, &panel);
    } else {
        rect_split_rows(body, block_rows < body.h ? block_rows : body.h, 0, &block, &panel);
        rest = rect_make(panel.x, panel.y + panel_rows, panel.w, panel.h - panel_rows);
    }
    /* The line under the inputs may run on under the panel when the panel is shorter than the block. */
    int axis_w = panel_rows <= s->t + 1 && block.x + block.w < body.x + body.w ? body.x + body.w - block.x : block.w;
    tn_draw_block(s, cv, block, numbers, s->x, axis_w);
    if (panel.h > 0 && panel.w > 0)
        tn_draw_panel(s, cv, panel);
    if (rest.h > 0) {
        int used = tn_draw_status(s, cv, rest);
        rest = rect_make(rest.x, rest.y + used + 1, rest.w, rest.h - used - 1);
    }
    /* With room: the whole batch after the shown method, then every set's statistics. */
    if (rest.h >= block_rows + 1 && rest.w >= block_w) {
        char title[96];
        const char *gamma = uni ? "\xce\xb3" : "gamma", *beta = uni ? "\xce\xb2" : "beta";
        if (norm_descriptor(m)->no_shift)
            snprintf(title, sizeof title, "after %s norm (%s = 1, it has no %s):", norm_method_name(m), gamma, beta);
        else
            snprintf(title, sizeof title, "after %s norm (%s = 1, %s = 0):", norm_method_name(m), gamma, beta);
        canvas_text(cv, rest.x, rest.y, title, ROLE_TITLE, ATTR_BOLD, rest.w);
        tn_draw_block(s, cv, rect_make(rest.x, rest.y + 1, block_w, block_rows - 1), numbers, s->y[s->shown], 0);
        rest = rect_make(rest.x, rest.y + block_rows + 1, rest.w, rest.h - block_rows - 1);
    }
    if (rest.h >= 3 && rest.w >= 20)
        tn_draw_set_stats(s, cv, rest);
}

const SceneClass scene_token_norm = {
    .schema = SCENE_SCHEMA("token-norm", "per-token layer norm, RMS norm and batch norm on sentences of tokens",
                           tn_settings, tn_lives),
    .headline = "diff_max",
    .headline_label = "largest |layer - rms| in the batch",
    .min_h = 8,
    .create = tn_create,
    .destroy = tn_destroy,
    .step = tn_step,
    .steps_per_second = 1,
    .update = tn_update,
    .draw = tn_draw,
    .keys = tn_keys,
    .key_count = SCENE_COUNT(tn_keys),
};
