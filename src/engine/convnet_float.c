/* Training step of a ConvNet in single precision: per-sample im2col and matrix products, run-wise norms (engine layer). */
#include "engine/convnet_float.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/batchnorm.h"
#include "engine/kernels_f32.h"
#include "engine/loss.h"
#include "util/alloc.h"

enum { TAPS = CONV_KSIZE * CONV_KSIZE };

typedef struct FloatBlock {
    int c_in, c_out, side, plane;   /* plane = side² */
    int k;                          /* C_in·9, the length of a weight row */
    /* Parameters and gradients, cut out of ConvNetFloat.params and .grads at the ConvNet's offsets. */
    float *w, *dw;                  /* (C_out, C_in, 3, 3) */
    float *b, *db;                  /* (C_out) or NULL with a norm */
    float *gamma, *dgamma;          /* norm parameters or NULL without a norm */
    float *beta, *dbeta;
    /* The last forward and backward, for capacity samples. */
    float *conv;                    /* (N, C_out, side, side) */
    /* The separate passes' maps, NULL on the fused path (max pooling, a norm other than layer norm). */
    float *xhat;                    /* (N, C_out, side, side) with a norm */
    float *normed;                  /* (N, C_out, side, side); = conv without a norm */
    float *out;                     /* (N, C_out, side/2, side/2) */
    int32_t *arg;                   /* (N, C_out, side/2, side/2) max pooling's pick, 0 to 3 */
    float *pick;                    /* (N, C_out, side/2, side/2) x̂ of the pick (fused path) */
    float *affine;                  /* (N·C_out, 4) per plane: mean, rstd, γ, β (fused path) */
    float *coef;                    /* (N·C_out, 3) per plane: the backward's a, b, c (fused path) */
    float *dout;                    /* (N, C_out, side/2, side/2) */
    float *dnormed;                 /* (N, C_out, side, side) */
    float *dconv;                   /* (N, C_out, side, side); = dnormed without a norm (separate passes) */
    float *rstd;                    /* (sets) of the last batch-statistics forward */
    double *mean, *var;             /* (sets) the same statistics in double, for the running update */
    double *sum_g, *sum_gx;         /* (sets) the backward's sums */
    /* (N·C_out) Σ of each plane of conv, taken while the plane was in cache by a per-sample forward that a
     * batch-statistics pass over the same maps may follow (an eval forward with running statistics), so
     * that pass reads the maps twice rather than three times; valid while sums_kept. */
    double *plane_sum;
    bool sums_kept;
} FloatBlock;

struct ConvNetFloat {
    ConvNet *net;
    FloatBlock block[CONVNET_BLOCKS];
    float *w_fc, *dw_fc, *b_fc, *db_fc;
    float *params, *grads, *velocity;   /* (num_params) each, ConvNet.params' layout */
    int capacity, batch;
    ConvNetMode mode;
    float *acts;                        /* every per-sample float buffer, one block */
    int32_t *iacts;
    double *dacts;
    float *input;                       /* (N, side²) */
    float *logits, *dlogits;            /* (N, classes) */
    double *logits_d, *dlogits_d;       /* (N, classes) the loss is computed in double */
    /* Per-sample scratch: one sample's im2col (C_in·9, side²), its gradient, and a weight gradient. */
    float *cols, *dcols, *wtmp;
};

static float *twin_of(float *block, const ConvNet *net, const double *p)
{
    return p ? block + (p - net->params) : NULL;
}

ConvNetFloat *convnet_float_create(ConvNet *net)
{
    ConvNetFloat *t = xcalloc(1, sizeof *t);
    t->net = net;
    t->params = xcalloc_aligned(net->num_params, sizeof(float));
    t->grads = xcalloc_aligned(net->num_params, sizeof(float));
    t->velocity = xcalloc_aligned(net->num_params, sizeof(float));
    size_t cols = 1, dcols = 1, wtmp = 1;
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        const ConvNetBlock *B = &net->block[b];
        FloatBlock *F = &t->block[b];
        F->c_in = B->c_in;
        F->c_out = B->c_out;
        F->side = B->side;
        F->plane = B->side * B->side;
        F->k = B->c_in * TAPS;
        F->w = twin_of(t->params, net, B->w);
        F->dw = twin_of(t->grads, net, B->w);
        F->b = twin_of(t->params, net, B->b);
        F->db = twin_of(t->grads, net, B->b);
        F->gamma = twin_of(t->params, net, B->gamma);
        F->dgamma = twin_of(t->grads, net, B->gamma);
        F->beta = twin_of(t->params, net, B->beta);
        F->dbeta = twin_of(t->grads, net, B->beta);
        size_t c = (size_t)F->k * (size_t)F->plane, pad = kernels_f32_conv3x3_scratch(F->c_in, F->side, F->side);
        cols = cols > c ? cols : c;
        cols = cols > pad ? cols : pad;     /* cols is also the direct convolution's padded copy */
        if (b > 0)
            dcols = dcols > c ? dcols : c;
        wtmp = wtmp > (size_t)F->c_out * F->k ? wtmp : (size_t)F->c_out * F->k;
    }
    t->w_fc = twin_of(t->params, net, net->w_fc);
    t->dw_fc = twin_of(t->grads, net, net->w_fc);
    t->b_fc = twin_of(t->params, net, net->b_fc);
    t->db_fc = twin_of(t->grads, net, net->b_fc);
    t->cols = xcalloc_aligned(cols, sizeof(float));
    t->dcols = xcalloc_aligned(dcols, sizeof(float));
    t->wtmp = xcalloc_aligned(wtmp, sizeof(float));
    convnet_float_load(t);
    return t;
}

void convnet_float_destroy(ConvNetFloat *t)
{
    if (!t)
        return;
    free(t->params);
    free(t->grads);
    free(t->velocity);
    free(t->acts);
    free(t->iacts);
    free(t->dacts);
    free(t->cols);
    free(t->dcols);
    free(t->wtmp);
    free(t);
}

void convnet_float_store(const ConvNetFloat *t)
{
    for (size_t i = 0; i < t->net->num_params; i++)
        t->net->params[i] = t->params[i];
}

void convnet_float_load(ConvNetFloat *t)
{
    for (size_t i = 0; i < t->net->num_params; i++)
        t->params[i] = (float)t->net->params[i];
}

static bool fused(const ConvNetFloat *t);

static float *take(float **cursor, size_t count)
{
    float *p = *cursor;
    *cursor += count;
    return p;
}

/* Room for n samples: per block conv, dnormed, (with a norm) xhat, normed, dconv, then out and dout;
 * the input, logits and dlogits. */
static void reserve(ConvNetFloat *t, int n)
{
    if (n <= t->capacity)
        return;
    bool norm = t->net->config.norm != CONV_NORM_NONE;
    int side = t->net->config.side, classes = t->net->config.classes;
    size_t total = (size_t)n * side * side + 2 * (size_t)n * classes, itotal = 0, dtotal = 2 * (size_t)n * classes;
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        const FloatBlock *F = &t->block[b];
        size_t maps = (size_t)n * F->c_out * F->plane, sets = (size_t)n * F->c_out;
        total += maps * (fused(t) ? 2 : norm ? 5 : 2) + maps / 4 * 3 + sets * 8;
        itotal += maps / 4;
        dtotal += 5 * sets;
    }
    free(t->acts);
    free(t->iacts);
    free(t->dacts);
    t->acts = xcalloc_aligned(total, sizeof(float));
    t->iacts = xcalloc_aligned(itotal, sizeof(int32_t));
    t->dacts = xcalloc(dtotal, sizeof(double));
    float *a = t->acts;
    int32_t *ia = t->iacts;
    double *da = t->dacts;
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        FloatBlock *F = &t->block[b];
        size_t maps = (size_t)n * F->c_out * F->plane, sets = (size_t)n * F->c_out;
        F->conv = take(&a, maps);
        if (fused(t)) {
            /* Normalization, relu and pooling in one pass each way: no map of their own. */
            F->xhat = F->normed = F->dnormed = NULL;
            F->dconv = take(&a, maps);
        } else if (norm) {
            F->dnormed = take(&a, maps);
            F->xhat = take(&a, maps);
            F->normed = take(&a, maps);
            F->dconv = take(&a, maps);
        } else {
            F->dnormed = take(&a, maps);
            F->xhat = NULL;
            F->normed = F->conv;
            F->dconv = F->dnormed;
        }
        F->out = take(&a, maps / 4);
        F->dout = take(&a, maps / 4);
        F->pick = take(&a, maps / 4);
        F->rstd = take(&a, sets);
        F->affine = take(&a, 4 * sets);
        F->coef = take(&a, 3 * sets);
        F->arg = ia;
        ia += maps / 4;
        F->mean = da;
        F->var = da + sets;
        F->sum_g = da + 2 * sets;
        F->sum_gx = da + 3 * sets;
        F->plane_sum = da + 4 * sets;
        F->sums_kept = false;
        da += 5 * sets;
    }
    t->input = take(&a, (size_t)n * side * side);
    t->logits = take(&a, (size_t)n * classes);
    t->dlogits = take(&a, (size_t)n * classes);
    t->logits_d = da;
    t->dlogits_d = da + (size_t)n * classes;
    t->capacity = n;
}

float *convnet_float_input(ConvNetFloat *t, int n)
{
    reserve(t, n > 0 ? n : 1);
    return t->input;
}

/* ---------- convolution: one sample at a time, im2col (C_in·9, H·W) and a matrix product ---------- */

/* Which rows i of the output a tap row di reaches inside the image, and where a tap's copy starts. */
static int first_row(int di)
{
    return di == 0 ? 1 : 0;
}

static int last_row(int di, int h)
{
    return di == CONV_KSIZE - 1 ? h - 2 : h - 1;
}

/* cols (C_in·9, H·W): row ci·9 + di·3 + dj holds x[ci] shifted by (di − 1, dj − 1), 0 outside the image:
 * the transpose of conv.c's rows, so a weight row times it is the convolution. Each row is one copy of
 * the plane, then the column the shift wrapped around is cleared. */
static void im2col(float *cols, const float *x, int c_in, int h, int w)
{
    int hw = h * w;
    for (int ci = 0; ci < c_in; ci++) {
        const float *plane = x + (size_t)ci * hw;
        for (int di = 0; di < CONV_KSIZE; di++)
            for (int dj = 0; dj < CONV_KSIZE; dj++) {
                float *dst = cols + ((size_t)ci * TAPS + di * CONV_KSIZE + dj) * hw;
                int shift = (di - 1) * w + (dj - 1);
                int i0 = first_row(di), i1 = last_row(di, h);
                int q0 = i0 * w, q1 = (i1 + 1) * w;
                /* The first (dj = 0) or last (dj = 2) value of the range may lie outside the plane. */
                int c0 = q0 + (dj == 0), c1 = q1 - (dj == CONV_KSIZE - 1);
                memset(dst, 0, sizeof(float) * (size_t)c0);
                if (c1 > c0)
                    memcpy(dst + c0, plane + c0 + shift, sizeof(float) * (size_t)(c1 - c0));
                memset(dst + c1, 0, sizeof(float) * (size_t)(hw - c1));
                if (dj != 1)
                    for (int i = i0; i <= i1; i++)
                        dst[i * w + (dj == 0 ? 0 : w - 1)] = 0.0f;
            }
    }
}

/* The adjoint of im2col: dx (C_in, H, W) overwritten with the sum of every row shifted back. dcols is
 * scratch: the entries im2col would have cleared are cleared in it first. */
static void col2im(float *dx, float *dcols, int c_in, int h, int w)
{
    int hw = h * w;
    memset(dx, 0, sizeof(float) * (size_t)c_in * hw);
    for (int ci = 0; ci < c_in; ci++) {
        float *plane = dx + (size_t)ci * hw;
        for (int di = 0; di < CONV_KSIZE; di++)
            for (int dj = 0; dj < CONV_KSIZE; dj++) {
                float *src = dcols + ((size_t)ci * TAPS + di * CONV_KSIZE + dj) * hw;
                int shift = (di - 1) * w + (dj - 1);
                int i0 = first_row(di), i1 = last_row(di, h);
                int c0 = i0 * w + (dj == 0), c1 = (i1 + 1) * w - (dj == CONV_KSIZE - 1);
                if (dj != 1)
                    for (int i = i0; i <= i1; i++)
                        src[i * w + (dj == 0 ? 0 : w - 1)] = 0.0f;
                if (c1 > c0)
                    kernels_f32_add(plane + c0 + shift, src + c0, c1 - c0);
            }
    }
}

/* Output channels [c0, c1) of sample s's convolution into y (c1 − c0, H·W): y = W · im2col(x), built
 * or (the AVX2 kernel) read straight from a padded copy, the same sums either way. */
static void conv_rows_sample(ConvNetFloat *t, FloatBlock *F, float *y, const float *in, int s, int c0, int c1)
{
    const float *x = in + (size_t)s * F->c_in * F->plane, *w = F->w + (size_t)c0 * F->k;
    if (kernels_f32_conv3x3(y, w, x, c1 - c0, F->c_in, F->side, F->side, t->cols))
        return;
    im2col(t->cols, x, F->c_in, F->side, F->side);
    kernels_f32_matmul(y, F->plane, w, F->k, 1, t->cols, F->plane, c1 - c0, F->plane, F->k);
}

/* Sample s's convolution: F->conv's planes of s from the block's input in. */
static void conv_forward_sample(ConvNetFloat *t, FloatBlock *F, const float *in, int s)
{
    float *y = F->conv + (size_t)s * F->c_out * F->plane;
    conv_rows_sample(t, F, y, in, s, 0, F->c_out);
    if (F->b)
        for (int co = 0; co < F->c_out; co++)
            for (int p = 0; p < F->plane; p++)
                y[(size_t)co * F->plane + p] += F->b[co];
}

static void conv_forward_f(ConvNetFloat *t, FloatBlock *F, const float *in, int n)
{
    for (int s = 0; s < n; s++)
        conv_forward_sample(t, F, in, s);
}

/* Sample s: dW and db accumulated, dx (the block's input gradient) overwritten when not NULL. */
static void conv_backward_sample(ConvNetFloat *t, FloatBlock *F, float *dx, const float *in, int s)
{
    int wsize = F->c_out * F->k;
    const float *dy = F->dconv + (size_t)s * F->c_out * F->plane;
    im2col(t->cols, in + (size_t)s * F->c_in * F->plane, F->c_in, F->side, F->side);
    /* dW += dy (C_out, H·W) · colsᵀ: dot products along the plane. */
    kernels_f32_matmul_bt(t->wtmp, dy, t->cols, NULL, F->c_out, F->k, F->plane);
    kernels_f32_add(F->dw, t->wtmp, wsize);
    if (F->db)
        for (int co = 0; co < F->c_out; co++)
            F->db[co] += (float)kernels_f32_sum(dy + (size_t)co * F->plane, F->plane);
    if (dx) {
        /* dcols (C_in·9, H·W) = Wᵀ · dy, then back into the input's planes. */
        kernels_f32_matmul(t->dcols, F->plane, F->w, 1, F->k, dy, F->plane, F->k, F->plane, F->c_out);
        col2im(dx + (size_t)s * F->c_in * F->plane, t->dcols, F->c_in, F->side, F->side);
    }
}

/* ---------- normalization, one set at a time, over runs of one (sample, channel) plane ---------- */

typedef struct SetRange {
    int n0, n1, c0, c1;     /* the set's planes: samples [n0, n1) × channels [c0, c1) */
} SetRange;

static NormShape norm_shape(const ConvNetFloat *t, const FloatBlock *F, int n)
{
    return (NormShape){ .n = n, .c = F->c_out, .h = F->side, .w = F->side, .groups = t->net->config.groups };
}

/* Where set `set` lies, from the method's descriptor (norm.h numbers the sets). */
static SetRange set_of(const ConvNetFloat *t, NormMethod method, int set, const FloatBlock *F, int n)
{
    NormShape ns = norm_shape(t, F, n);
    NormSetPlace p = norm_set_place(method, &ns, set);
    return (SetRange){ p.sample < 0 ? 0 : p.sample, p.sample < 0 ? n : p.sample + 1, p.channel_first,
                       p.channel_last + 1 };
}

/* The set of plane (sample s, channel ch). */
static int set_index(const ConvNetFloat *t, NormMethod method, const FloatBlock *F, int n, int s, int ch)
{
    NormShape ns = norm_shape(t, F, n);
    return norm_set_of(method, &ns, s, ch, 0);
}

/* Whether the norm keeps running statistics and eval mode uses them in place of the batch's. */
static bool uses_running_stats(const ConvNetFloat *t, ConvNetMode mode)
{
    return convnet_norm_has_running_stats(t->net->config.norm) && mode == CONVNET_MODE_EVAL;
}

/* Mean, variance and rstd of every set of the conv output (two passes per set), and batch norm's
 * running update in training mode. */
static void norm_statistics(ConvNetFloat *t, FloatBlock *F, ConvNetBlock *B, int n, ConvNetMode mode)
{
    const ConvNet *net = t->net;
    NormMethod method = convnet_norm_method(net->config.norm);
    int plane = F->plane, c = F->c_out;
    NormShape ns = { .n = n, .c = c, .h = F->side, .w = F->side, .groups = net->config.groups };
    int sets = norm_num_sets(method, &ns), size = norm_set_size(method, &ns);
    for (int set = 0; set < sets; set++) {
        SetRange r = set_of(t, method, set, F, n);
        double sum = 0.0, sq = 0.0;
        for (int s = r.n0; s < r.n1; s++)
            for (int ch = r.c0; ch < r.c1; ch++)
                sum += F->sums_kept ? F->plane_sum[(size_t)s * c + ch]
                                    : kernels_f32_sum(F->conv + ((size_t)s * c + ch) * plane, plane);
        /* A method without centring (RMS norm) takes the mean square about 0. */
        double mean = norm_descriptor(method)->no_centering ? 0.0 : sum / size;
        for (int s = r.n0; s < r.n1; s++)
            for (int ch = r.c0; ch < r.c1; ch++)
                sq += kernels_f32_sum_sq_dev(F->conv + ((size_t)s * c + ch) * plane, (float)mean, plane);
        double var = sq / size;
        F->mean[set] = mean;
        F->var[set] = var;
        F->rstd[set] = (float)(1.0 / sqrt(var + net->eps));
    }
    if (convnet_norm_has_running_stats(net->config.norm) && mode == CONVNET_MODE_TRAIN)
        batchnorm_update_running(B->running_mean, B->running_var, &B->batches_seen, F->mean, F->var,
                                 BN_CONVENTION_PYTORCH, net->bn_momentum, n * plane, c);
}

/* Whether relu, pooling and a per-channel norm run fused (max pooling, and no norm or one with a γ per
 * channel, not layer norm's per element), so that no normalized map is ever written. */
static bool fused(const ConvNetFloat *t)
{
    ConvNorm norm = t->net->config.norm;
    return t->net->config.pool == POOL_MAX &&
           (norm == CONV_NORM_NONE || !norm_descriptor(convnet_norm_method(norm))->params_per_element);
}

/* The fused path's per-plane (mean, rstd, γ, β) into F->affine: from the running statistics in eval
 * mode, else from the sets' statistics, which norm_statistics must have computed. */
static void fused_affine(ConvNetFloat *t, FloatBlock *F, ConvNetBlock *B, int n, ConvNetMode mode)
{
    const ConvNet *net = t->net;
    ConvNorm norm = net->config.norm;
    NormMethod method = convnet_norm_method(norm);
    int c = F->c_out;
    bool eval_batch = uses_running_stats(t, mode);
    for (int s = 0; s < n; s++)
        for (int ch = 0; ch < c; ch++) {
            float *af = F->affine + 4 * ((size_t)s * c + ch);
            if (norm == CONV_NORM_NONE) {
                af[0] = 0.0f, af[1] = 1.0f, af[2] = 1.0f, af[3] = 0.0f;
                continue;
            }
            if (eval_batch) {
                af[0] = (float)B->running_mean[ch];
                af[1] = (float)(1.0 / sqrt(B->running_var[ch] + net->eps));
            } else {
                int set = set_index(t, method, F, n, s, ch);
                af[0] = (float)F->mean[set];
                af[1] = F->rstd[set];
            }
            af[2] = F->gamma[ch];
            af[3] = norm_descriptor(method)->no_shift ? 0.0f : F->beta[ch];
        }
}

/* The fused path's forward after the convolution: each plane's (mean, rstd, γ, β), then one pass. */
static void fused_forward(ConvNetFloat *t, FloatBlock *F, ConvNetBlock *B, int n, ConvNetMode mode)
{
    if (t->net->config.norm != CONV_NORM_NONE && !uses_running_stats(t, mode))
        norm_statistics(t, F, B, n, mode);
    fused_affine(t, F, B, n, mode);
    /* Which value each window picked matters only to a training step's backward. */
    bool picks = mode == CONVNET_MODE_TRAIN;
    kernels_f32_norm_relu_maxpool(F->out, picks ? F->arg : NULL, picks ? F->pick : NULL, F->conv, F->affine,
                                  n * F->c_out, F->side, F->side);
}

/* The fused path's backward coefficients: each plane's Σ dy and Σ dy·x̂ read off the pooled arrays, dγ
 * and dβ, the sets' sums, then per plane the a, b, c of dconv = a·g + b·conv + c. */
static void fused_backward_coefs(ConvNetFloat *t, FloatBlock *F, int n)
{
    const ConvNet *net = t->net;
    ConvNorm norm = net->config.norm;
    NormMethod method = convnet_norm_method(norm);
    int c = F->c_out, windows = F->plane / 4, groups = net->config.groups;
    if (norm == CONV_NORM_NONE) {
        for (int p = 0; p < n * c; p++) {
            F->coef[3 * p] = 1.0f;
            F->coef[3 * p + 1] = F->coef[3 * p + 2] = 0.0f;
        }
    } else {
        NormShape ns = { .n = n, .c = c, .h = F->side, .w = F->side, .groups = groups };
        int sets = norm_num_sets(method, &ns), size = norm_set_size(method, &ns);
        /* A set that spans several γ (group norm) keeps them inside its sums (dx̂ = γ·dy). */
        const NormDescriptor *d = norm_descriptor(method);
        bool group = d->params_vary_in_set;
        for (int set = 0; set < sets; set++)
            F->sum_g[set] = F->sum_gx[set] = 0.0;
        for (int s = 0; s < n; s++)
            for (int ch = 0; ch < c; ch++) {
                size_t at = ((size_t)s * c + ch) * windows;
                double a, ax;
                kernels_f32_pool_grad_sums(&a, &ax, F->dout + at, F->out + at, F->pick + at, windows);
                if (!d->no_shift)
                    F->dbeta[ch] += (float)a;
                F->dgamma[ch] += (float)ax;
                /* Group norm's set spans several γ, which go inside its sums (dx̂ = γ·dy). */
                double weight = group ? F->gamma[ch] : 1.0;
                int set = set_index(t, method, F, n, s, ch);
                F->sum_g[set] += d->no_centering ? 0.0 : weight * a;   /* no Σdx̂ without centring */
                F->sum_gx[set] += weight * ax;
            }
        /* dx = rstd/M · (M·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)) with x̂ = (conv − mean)·rstd, per plane a·g + b·conv + c. */
        for (int s = 0; s < n; s++)
            for (int ch = 0; ch < c; ch++) {
                int set = set_index(t, method, F, n, s, ch);
                double rstd = F->rstd[set], mean = F->mean[set];
                double scale = group ? rstd / size : F->gamma[ch] * rstd / size;
                double xcoef = -scale * F->sum_gx[set] * rstd;
                float *cf = F->coef + 3 * ((size_t)s * c + ch);
                cf[0] = (float)(scale * size * (group ? F->gamma[ch] : 1.0));
                cf[1] = (float)xcoef;
                cf[2] = (float)(-scale * F->sum_g[set] - xcoef * mean);
            }
    }
}

static void norm_forward_f(ConvNetFloat *t, FloatBlock *F, ConvNetBlock *B, int n, ConvNetMode mode)
{
    const ConvNet *net = t->net;
    NormMethod method = convnet_norm_method(net->config.norm);
    bool shift = !norm_descriptor(method)->no_shift;
    int plane = F->plane, c = F->c_out;
    if (uses_running_stats(t, mode)) {
        for (int ch = 0; ch < c; ch++) {
            float r = (float)(1.0 / sqrt(B->running_var[ch] + net->eps)), m = (float)B->running_mean[ch];
            for (int s = 0; s < n; s++) {
                size_t at = ((size_t)s * c + ch) * plane;
                kernels_f32_norm_apply(F->normed + at, F->xhat + at, F->conv + at, m, r, F->gamma[ch], F->beta[ch],
                                       plane);
            }
        }
        return;
    }
    NormShape ns = { .n = n, .c = c, .h = F->side, .w = F->side, .groups = net->config.groups };
    int sets = norm_num_sets(method, &ns);
    norm_statistics(t, F, B, n, mode);
    for (int set = 0; set < sets; set++) {
        SetRange r = set_of(t, method, set, F, n);
        float rstd = F->rstd[set], m = (float)F->mean[set];
        for (int s = r.n0; s < r.n1; s++)
            for (int ch = r.c0; ch < r.c1; ch++) {
                size_t at = ((size_t)s * c + ch) * plane;
                if (!norm_descriptor(method)->params_per_element) {
                    kernels_f32_norm_apply(F->normed + at, F->xhat + at, F->conv + at, m, rstd, F->gamma[ch],
                                           shift ? F->beta[ch] : 0.0f, plane);
                    continue;
                }
                /* Layer norm: a γ and β per element of the sample. */
                const float *g = F->gamma + (size_t)ch * plane, *b = F->beta + (size_t)ch * plane;
                for (int k = 0; k < plane; k++) {
                    float h = (F->conv[at + k] - m) * rstd;
                    F->xhat[at + k] = h;
                    F->normed[at + k] = g[k] * h + (shift ? b[k] : 0.0f);
                }
            }
    }
}

/* Backward of norm_forward_f's batch-statistics forward: dconv overwritten, dγ and dβ accumulated. */
static void norm_backward_f(const ConvNetFloat *t, FloatBlock *F, int n)
{
    NormMethod method = convnet_norm_method(t->net->config.norm);
    int plane = F->plane, c = F->c_out;
    NormShape ns = { .n = n, .c = c, .h = F->side, .w = F->side, .groups = t->net->config.groups };
    int sets = norm_num_sets(method, &ns), size = norm_set_size(method, &ns);
    /* One γ per set (batch, instance) factors out of the sums; group and layer sets span several γ,
     * which go inside them, on dx̂ = γ·dy (as in norm_backward). */
    const NormDescriptor *d = norm_descriptor(method);
    bool per_element = d->params_per_element || d->params_vary_in_set;
    for (int set = 0; set < sets; set++) {
        SetRange r = set_of(t, method, set, F, n);
        double sum_g = 0.0, sum_gx = 0.0;
        for (int s = r.n0; s < r.n1; s++)
            for (int ch = r.c0; ch < r.c1; ch++) {
                size_t at = ((size_t)s * c + ch) * plane;
                const float *dy = F->dnormed + at, *xh = F->xhat + at;
                if (d->params_per_element) {
                    float *dg = F->dgamma + (size_t)ch * plane, *db = F->dbeta + (size_t)ch * plane;
                    const float *g = F->gamma + (size_t)ch * plane;
                    float a = 0.0f, ax = 0.0f;
                    for (int k = 0; k < plane; k++) {
                        if (!d->no_shift)
                            db[k] += dy[k];
                        dg[k] += dy[k] * xh[k];
                        float gdy = g[k] * dy[k];
                        a += gdy;
                        ax += gdy * xh[k];
                    }
                    sum_g += a;
                    sum_gx += ax;
                    continue;
                }
                double a, ax;
                kernels_f32_sum_dot(&a, &ax, dy, xh, plane);
                if (!d->no_shift)
                    F->dbeta[ch] += (float)a;
                F->dgamma[ch] += (float)ax;
                double weight = per_element ? F->gamma[ch] : 1.0;
                sum_g += weight * a;
                sum_gx += weight * ax;
            }
        /* dx = rstd/M · (M·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)) over the M values of the set (no Σdx̂ without
         * centring) */
        double rstd = F->rstd[set];
        if (d->no_centering)
            sum_g = 0.0;
        for (int s = r.n0; s < r.n1; s++)
            for (int ch = r.c0; ch < r.c1; ch++) {
                size_t at = ((size_t)s * c + ch) * plane;
                const float *dy = F->dnormed + at, *xh = F->xhat + at;
                double scale = per_element ? rstd / size : F->gamma[ch] * rstd / size;
                float b = (float)(-scale * sum_gx), cc = (float)(-scale * sum_g);
                if (d->params_per_element) {
                    const float *g = F->gamma + (size_t)ch * plane;
                    float a = (float)(scale * size);
                    for (int k = 0; k < plane; k++)
                        F->dconv[at + k] = a * g[k] * dy[k] + b * xh[k] + cc;
                    continue;
                }
                float a = (float)(scale * size * (per_element ? F->gamma[ch] : 1.0));
                kernels_f32_norm_backward_apply(F->dconv + at, dy, xh, a, b, cc, plane);
            }
    }
}

/* ---------- relu and pooling ---------- */

static void pool_forward_f(const ConvNetFloat *t, FloatBlock *F, int n)
{
    int planes = n * F->c_out, side = F->side, half = side / 2;
    if (t->net->config.pool == POOL_MAX) {
        kernels_f32_relu_maxpool(F->out, F->arg, F->normed, planes, side, side);
        return;
    }
    for (int p = 0; p < planes; p++) {
        const float *in = F->normed + (size_t)p * F->plane;
        float *out = F->out + (size_t)p * half * half;
        for (int i = 0; i < half; i++)
            for (int j = 0; j < half; j++) {
                const float *r0 = in + 2 * i * side + 2 * j, *r1 = r0 + side;
                float v[4] = { r0[0], r0[1], r1[0], r1[1] };
                for (int k = 0; k < 4; k++)
                    v[k] = v[k] < 0.0f ? 0.0f : v[k];
                out[i * half + j] = 0.25f * (v[0] + v[1] + v[2] + v[3]);
            }
    }
}

static void pool_backward_f(const ConvNetFloat *t, FloatBlock *F, int n)
{
    int planes = n * F->c_out, side = F->side, half = side / 2;
    if (t->net->config.pool == POOL_MAX) {
        kernels_f32_relu_maxpool_backward(F->dnormed, F->dout, F->out, F->arg, planes, side, side);
        return;
    }
    for (int p = 0; p < planes; p++) {
        const float *in = F->normed + (size_t)p * F->plane, *dout = F->dout + (size_t)p * half * half;
        float *d = F->dnormed + (size_t)p * F->plane;
        for (int i = 0; i < side; i++)
            for (int j = 0; j < side; j++) {
                int at = i * side + j;
                d[at] = in[at] > 0.0f ? 0.25f * dout[(i / 2) * half + j / 2] : 0.0f;
            }
    }
}

/* ---------- the network ---------- */

static bool forward_blocks(ConvNetFloat *t, int n, ConvNetMode mode, bool keep_first_conv);

/* A forward of n samples taken from x (double) or xf (float). */
static bool forward_from(ConvNetFloat *t, const double *x, const float *xf, int n, ConvNetMode mode, BnError *err)
{
    if (n < 1) {
        error_set(err, "network", "a forward pass needs at least 1 sample, got %d", n);
        return false;
    }
    /* No set of a single value is possible: convnet_create asks for a side of at least 4. */
    ConvNet *net = t->net;
    reserve(t, n);
    t->batch = n;
    t->mode = mode;
    for (int b = 0; b < CONVNET_BLOCKS; b++)
        t->block[b].sums_kept = false;     /* new samples: new maps */
    int side = net->config.side;
    size_t count = (size_t)n * side * side;
    if (xf) {
        if (xf != t->input)     /* a caller may have filled the input buffer itself */
            memcpy(t->input, xf, sizeof(float) * count);
    } else
        for (size_t i = 0; i < count; i++)
            t->input[i] = (float)x[i];
    return forward_blocks(t, n, mode, false);
}

bool convnet_float_forward(ConvNetFloat *t, const double *x, int n, ConvNetMode mode, BnError *err)
{
    return forward_from(t, x, NULL, n, mode, err);
}

bool convnet_float_forward_f32(ConvNetFloat *t, const float *x, int n, ConvNetMode mode, BnError *err)
{
    return forward_from(t, NULL, x, n, mode, err);
}

bool convnet_float_reforward(ConvNetFloat *t, ConvNetMode mode, BnError *err)
{
    if (t->batch < 1) {
        error_set(err, "network", "a second pass needs a forward pass first");
        return false;
    }
    t->mode = mode;
    return forward_blocks(t, t->batch, mode, true);
}

/* Whether every plane's normalization is known before any convolution runs (no norm, or eval mode's
 * running statistics), so that a forward may take the samples one at a time through every block. */
static bool per_sample_forward(const ConvNetFloat *t, ConvNetMode mode)
{
    return fused(t) && (t->net->config.norm == CONV_NORM_NONE || uses_running_stats(t, mode));
}

/* forward_blocks when per_sample_forward: the same arithmetic on every value, but each sample's maps
 * are pooled while they are still in cache rather than after the whole batch's convolution. */
static void forward_by_sample(ConvNetFloat *t, int n, ConvNetMode mode, bool keep_first_conv)
{
    ConvNet *net = t->net;
    for (int b = 0; b < CONVNET_BLOCKS; b++)
        fused_affine(t, &t->block[b], &net->block[b], n, mode);
    bool picks = mode == CONVNET_MODE_TRAIN;     /* as in fused_forward */
    /* The first block's maps outlive this forward (convnet_float_reforward keeps them): with running
     * statistics in use, a batch-statistics pass may follow, whose sums are taken here. */
    FloatBlock *first = &t->block[0];
    bool sums = !keep_first_conv && uses_running_stats(t, mode);
    for (int s = 0; s < n; s++) {
        const float *in = t->input;
        for (int b = 0; b < CONVNET_BLOCKS; b++) {
            FloatBlock *F = &t->block[b];
            if (b > 0 || !keep_first_conv)
                conv_forward_sample(t, F, in, s);
            if (b == 0 && sums)
                for (int ch = 0; ch < F->c_out; ch++)
                    F->plane_sum[(size_t)s * F->c_out + ch] =
                        kernels_f32_sum(F->conv + ((size_t)s * F->c_out + ch) * F->plane, F->plane);
            size_t planes = (size_t)s * F->c_out, windows = (size_t)F->plane / 4;
            kernels_f32_norm_relu_maxpool(F->out + planes * windows, picks ? F->arg + planes * windows : NULL,
                                          picks ? F->pick + planes * windows : NULL, F->conv + planes * F->plane,
                                          F->affine + 4 * planes, F->c_out, F->side, F->side);
            in = F->out;
        }
    }
    first->sums_kept = first->sums_kept || sums;
    kernels_f32_matmul_bt(t->logits, t->block[CONVNET_BLOCKS - 1].out, t->w_fc, t->b_fc, n, net->config.classes,
                          net->features);
}

static bool forward_blocks(ConvNetFloat *t, int n, ConvNetMode mode, bool keep_first_conv)
{
    ConvNet *net = t->net;
    if (per_sample_forward(t, mode)) {
        forward_by_sample(t, n, mode, keep_first_conv);
        return true;
    }
    const float *in = t->input;
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        FloatBlock *F = &t->block[b];
        if (b > 0 || !keep_first_conv)
            conv_forward_f(t, F, in, n);
        if (fused(t)) {
            fused_forward(t, F, &net->block[b], n, mode);
        } else {
            if (net->config.norm != CONV_NORM_NONE)
                norm_forward_f(t, F, &net->block[b], n, mode);
            pool_forward_f(t, F, n);
        }
        in = F->out;
    }
    kernels_f32_matmul_bt(t->logits, in, t->w_fc, t->b_fc, n, net->config.classes, net->features);
    return true;
}

double convnet_float_loss(ConvNetFloat *t, const double *labels)
{
    size_t outs = (size_t)t->batch * (size_t)t->net->config.classes;
    for (size_t i = 0; i < outs; i++)
        t->logits_d[i] = t->logits[i];
    return loss_softmax_cross_entropy(t->dlogits_d, NULL, t->logits_d, labels, t->batch, t->net->config.classes);
}

static void backward(ConvNetFloat *t)
{
    const ConvNet *net = t->net;
    int n = t->batch, k = net->config.classes, features = net->features;
    size_t outs = (size_t)n * k;
    for (size_t i = 0; i < outs; i++)
        t->dlogits[i] = (float)t->dlogits_d[i];
    FloatBlock *last = &t->block[CONVNET_BLOCKS - 1];
    /* dW_fc = dlogitsᵀ·h, db_fc = Σ rows, dh = dlogits·W_fc. */
    kernels_f32_matmul(t->dw_fc, features, t->dlogits, 1, k, last->out, features, k, features, n);
    for (int o = 0; o < k; o++)
        t->db_fc[o] = 0.0f;
    for (int r = 0; r < n; r++)
        for (int o = 0; o < k; o++)
            t->db_fc[o] += t->dlogits[r * k + o];
    kernels_f32_matmul(last->dout, features, t->dlogits, k, 1, t->w_fc, features, n, features, k);
    for (int b = CONVNET_BLOCKS - 1; b >= 0; b--) {
        FloatBlock *F = &t->block[b];
        float *dx = b > 0 ? t->block[b - 1].dout : NULL;
        const float *in = b > 0 ? t->block[b - 1].out : t->input;
        if (!fused(t)) {
            pool_backward_f(t, F, n);
            if (net->config.norm != CONV_NORM_NONE)
                norm_backward_f(t, F, n);
            for (int s = 0; s < n; s++)
                conv_backward_sample(t, F, dx, in, s);
            continue;
        }
        /* Sample by sample, so each sample's dconv is read back while it is still in cache. */
        fused_backward_coefs(t, F, n);
        int c = F->c_out, windows = F->plane / 4;
        for (int s = 0; s < n; s++) {
            size_t planes = (size_t)s * c;
            kernels_f32_norm_relu_maxpool_backward(F->dconv + planes * F->plane, F->dout + planes * windows,
                                                   F->out + planes * windows, F->arg + planes * windows,
                                                   F->conv + planes * F->plane, F->coef + 3 * planes, c, F->side,
                                                   F->side);
            conv_backward_sample(t, F, dx, in, s);
        }
    }
}

static bool train_step(ConvNetFloat *t, Sgd *sgd, const double *x, const float *xf, const double *labels, int n,
                       double *loss, BnError *err)
{
    if (!forward_from(t, x, xf, n, CONVNET_MODE_TRAIN, err))
        return false;
    double value = convnet_float_loss(t, labels);
    if (loss)
        *loss = value;
    if (!isfinite(value)) {
        error_set(err, "train", "the loss is %g: the learning rate is too large", value);
        return false;
    }
    /* Gradients accumulate over the samples, so they start from zero. */
    memset(t->grads, 0, sizeof(float) * t->net->num_params);
    backward(t);
    kernels_f32_sgd(t->params, t->velocity, t->grads, (long)t->net->num_params, (float)sgd->lr, (float)sgd->momentum);
    return true;
}

bool convnet_float_train_step(ConvNetFloat *t, Sgd *sgd, const double *x, const double *labels, int n,
                              double *loss, BnError *err)
{
    return train_step(t, sgd, x, NULL, labels, n, loss, err);
}

bool convnet_float_train_step_f32(ConvNetFloat *t, Sgd *sgd, const float *x, const double *labels, int n,
                                  double *loss, BnError *err)
{
    return train_step(t, sgd, NULL, x, labels, n, loss, err);
}

bool convnet_float_add_gradient(ConvNetFloat *t, const float *x, const double *labels, int n, float weight,
                                float *accum, double *loss, BnError *err)
{
    if (!forward_from(t, NULL, x, n, CONVNET_MODE_TRAIN, err))
        return false;
    double value = convnet_float_loss(t, labels);
    if (loss)
        *loss = value;
    if (!isfinite(value)) {
        error_set(err, "train", "the loss is %g: the learning rate is too large", value);
        return false;
    }
    memset(t->grads, 0, sizeof(float) * t->net->num_params);
    backward(t);
    for (size_t i = 0; i < t->net->num_params; i++)
        accum[i] += weight * t->grads[i];
    return true;
}

void convnet_float_sgd_step(ConvNetFloat *t, const Sgd *sgd, const float *grads)
{
    kernels_f32_sgd(t->params, t->velocity, grads, (long)t->net->num_params, (float)sgd->lr, (float)sgd->momentum);
}

void convnet_float_predict(const ConvNetFloat *t, int *classes)
{
    int k = t->net->config.classes;
    for (int s = 0; s < t->batch; s++) {
        const float *row = t->logits + (size_t)s * k;
        int best = 0;
        for (int c = 1; c < k; c++)
            if (row[c] > row[best])
                best = c;
        classes[s] = best;
    }
}

double convnet_float_accuracy(const ConvNetFloat *t, const double *labels)
{
    if (t->batch < 1)
        return 0.0;
    int k = t->net->config.classes, correct = 0;
    for (int s = 0; s < t->batch; s++) {
        const float *row = t->logits + (size_t)s * k;
        int best = 0;
        for (int c = 1; c < k; c++)
            if (row[c] > row[best])
                best = c;
        correct += best == (int)labels[s];
    }
    return (double)correct / t->batch;
}

/* The last block's convolution for output channels [c0, c1) only: rows c0..c1−1 of each sample's product. */
static void conv_forward_rows(ConvNetFloat *t, FloatBlock *F, const float *in, int n, int c0, int c1)
{
    for (int s = 0; s < n; s++) {
        float *y = F->conv + ((size_t)s * F->c_out + c0) * F->plane;
        conv_rows_sample(t, F, y, in, s, c0, c1);
        if (F->b)
            for (int co = c0; co < c1; co++)
                for (int p = 0; p < F->plane; p++)
                    y[(size_t)(co - c0) * F->plane + p] += F->b[co];
    }
}

int convnet_float_channel_values_again(double *values, ConvNetFloat *t, ConvNetMode mode, int channel, BnError *err)
{
    ConvNet *net = t->net;
    enum { LAST = CONVNET_BLOCKS - 1 };
    FloatBlock *F = &t->block[LAST];
    if (channel < 0 || channel >= F->c_out) {
        error_set(err, "network", "there is no channel %d in the last block (0 to %d)", channel, F->c_out - 1);
        return -1;
    }
    ConvNorm norm = net->config.norm;
    /* Only the fused path with a norm over sets that name their channels, in a mode without a running
     * update, is cut short; everything else takes the whole second pass. */
    if (!fused(t) || norm == CONV_NORM_NONE || mode == CONVNET_MODE_TRAIN || uses_running_stats(t, mode) ||
        t->batch < 1 || CONVNET_BLOCKS != 2) {
        if (!convnet_float_reforward(t, mode, err))
            return -1;
        return convnet_float_channel_values(values, t, LAST, channel);
    }
    int n = t->batch;
    t->mode = mode;
    fused_forward(t, &t->block[0], &net->block[0], n, mode);
    NormMethod method = convnet_norm_method(norm);
    /* The channels the channel's sets span (one for batch and instance norm, its group for group norm). */
    SetRange first = set_of(t, method, set_index(t, method, F, n, 0, channel), F, n);
    conv_forward_rows(t, F, t->block[0].out, n, first.c0, first.c1);
    NormShape ns = norm_shape(t, F, n);
    int sets = norm_num_sets(method, &ns), size = norm_set_size(method, &ns), plane = F->plane, c = F->c_out;
    int count = 0;
    for (int set = 0; set < sets; set++) {
        SetRange r = set_of(t, method, set, F, n);
        if (channel < r.c0 || channel >= r.c1)
            continue;
        /* norm_statistics' sums, for this set. */
        double sum = 0.0, sq = 0.0;
        for (int sm = r.n0; sm < r.n1; sm++)
            for (int ch = r.c0; ch < r.c1; ch++)
                sum += kernels_f32_sum(F->conv + ((size_t)sm * c + ch) * plane, plane);
        double mean = sum / size;
        for (int sm = r.n0; sm < r.n1; sm++)
            for (int ch = r.c0; ch < r.c1; ch++)
                sq += kernels_f32_sum_sq_dev(F->conv + ((size_t)sm * c + ch) * plane, (float)mean, plane);
        double var = sq / size;
        F->mean[set] = mean;
        F->var[set] = var;
        F->rstd[set] = (float)(1.0 / sqrt(var + net->eps));
    }
    for (int sm = 0; sm < n; sm++) {
        size_t at = (size_t)sm * c + channel;
        int set = set_index(t, method, F, n, sm, channel);
        float *af = F->affine + 4 * at;
        af[0] = (float)F->mean[set];
        af[1] = F->rstd[set];
        af[2] = F->gamma[channel];
        af[3] = F->beta[channel];
        const float *p = F->conv + at * plane;
        for (int k = 0; k < plane; k++)
            values[count++] = af[2] * ((p[k] - af[0]) * af[1]) + af[3];
    }
    return count;
}

int convnet_float_channel_values(double *values, const ConvNetFloat *t, int block, int channel)
{
    if (block < 0 || block >= CONVNET_BLOCKS || t->capacity < 1)
        return 0;
    const FloatBlock *F = &t->block[block];
    if (channel < 0 || channel >= F->c_out)
        return 0;
    int count = 0;
    bool from_conv = fused(t) && t->net->config.norm != CONV_NORM_NONE;
    for (int s = 0; s < t->batch; s++) {
        size_t plane = (size_t)s * F->c_out + channel;
        if (!from_conv) {
            const float *p = (F->normed ? F->normed : F->conv) + plane * F->plane;
            for (int k = 0; k < F->plane; k++)
                values[count++] = p[k];
            continue;
        }
        /* The fused path never wrote the normalized map: it is formed again as the pooling formed it. */
        const float *p = F->conv + plane * F->plane, *af = F->affine + 4 * plane;
        for (int k = 0; k < F->plane; k++)
            values[count++] = af[2] * ((p[k] - af[0]) * af[1]) + af[3];
    }
    return count;
}

int convnet_float_conv_values(double *values, const ConvNetFloat *t, int block, int channel)
{
    if (block < 0 || block >= CONVNET_BLOCKS || t->capacity < 1)
        return 0;
    const FloatBlock *F = &t->block[block];
    if (channel < 0 || channel >= F->c_out)
        return 0;
    int count = 0;
    for (int s = 0; s < t->batch; s++) {
        const float *p = F->conv + ((size_t)s * F->c_out + channel) * F->plane;
        for (int k = 0; k < F->plane; k++)
            values[count++] = p[k];
    }
    return count;
}

bool convnet_float_channel_stats(const ConvNetFloat *t, int block, int channel, double *mean, double *var)
{
    if (block < 0 || block >= CONVNET_BLOCKS || t->capacity < 1 || t->net->config.norm != CONV_NORM_BATCH ||
        uses_running_stats(t, t->mode))
        return false;
    const FloatBlock *F = &t->block[block];
    if (channel < 0 || channel >= F->c_out)
        return false;
    /* Batch norm's sets are its channels. */
    *mean = F->mean[channel];
    *var = F->var[channel];
    return true;
}
