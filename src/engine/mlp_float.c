/* Training step of an Mlp in single precision, with fused element-wise passes (engine layer). */
#include "engine/mlp_float.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/kernels_f32.h"
#include "engine/loss.h"
#include "util/alloc.h"

typedef struct FloatLayer {
    int in, out;
    /* Parameters and gradients, cut out of MlpFloat.params and .grads at the Mlp's offsets. */
    float *w, *dw;                  /* (OUT,IN) */
    float *b, *db;                  /* (OUT) or NULL (BN before) */
    float *gamma, *dgamma;          /* (OUT) or NULL (no BN) */
    float *beta, *dbeta;            /* (OUT) or NULL (no BN) */
    /* The last forward and backward, (batch, OUT) each. */
    float *z;                       /* linear output */
    float *act;                     /* activation output */
    float *y;                       /* layer output: act, or BN(act) with BN after */
    float *xhat;                    /* BN's normalized input */
    float *dout;                    /* ∂loss/∂y */
    float *dmid;                    /* ∂loss/∂act with BN after, ∂loss/∂pre with BN before */
    float *dz;                      /* ∂loss/∂z */
    float *mean, *var, *rstd;       /* (OUT) BN batch statistics */
} FloatLayer;

struct MlpFloat {
    Mlp *mlp;
    int num_hidden, n_in, n_out;
    FloatLayer *hidden;             /* (num_hidden) */
    float *w_out, *dw_out;          /* (n_out, last width) */
    float *b_out, *db_out;          /* (n_out) */
    float *params, *grads, *velocity;   /* (num_params) each, Mlp.params' layout */
    float *stats;                   /* 3 vectors per BN layer */
    /* Activations, for up to capacity rows, in one block. */
    int capacity, batch;
    float *acts;
    float *input;                   /* (batch, n_in) */
    float *logits, *dlogits;        /* (batch, n_out) */
    double *logits_d, *dlogits_d;   /* (batch, n_out) the loss is computed in double */
    /* mlp_float_infer's buffers for up to infer_rows rows, kept between calls (a fresh mapping of this
     * size would fault in every page on every evaluation). */
    int infer_rows;
    float *infer;
};

/* The float twin of a parameter pointer of the Mlp: the same offset into the twin's block. */
static float *twin_of(float *block, const Mlp *mlp, const double *p)
{
    return p ? block + (p - mlp->params) : NULL;
}

MlpFloat *mlp_float_create(Mlp *mlp)
{
    MlpFloat *t = xcalloc(1, sizeof *t);
    t->mlp = mlp;
    t->num_hidden = mlp->num_hidden;
    t->n_in = mlp->n_in;
    t->n_out = mlp->n_out;
    t->params = xcalloc_aligned(mlp->num_params ? mlp->num_params : 1, sizeof(float));
    t->grads = xcalloc_aligned(mlp->num_params ? mlp->num_params : 1, sizeof(float));
    t->velocity = xcalloc_aligned(mlp->num_params ? mlp->num_params : 1, sizeof(float));
    t->hidden = xcalloc(t->num_hidden ? (size_t)t->num_hidden : 1, sizeof *t->hidden);
    size_t stats = 0;
    for (int l = 0; l < t->num_hidden; l++)
        stats += 3 * (size_t)mlp->hidden[l].out;
    t->stats = xcalloc(stats ? stats : 1, sizeof(float));
    float *s = t->stats;
    for (int l = 0; l < t->num_hidden; l++) {
        const MlpLayer *L = &mlp->hidden[l];
        FloatLayer *F = &t->hidden[l];
        F->in = L->in;
        F->out = L->out;
        F->w = twin_of(t->params, mlp, L->w);
        F->dw = twin_of(t->grads, mlp, L->w);
        F->b = twin_of(t->params, mlp, L->b);
        F->db = twin_of(t->grads, mlp, L->b);
        F->gamma = twin_of(t->params, mlp, L->gamma);
        F->dgamma = twin_of(t->grads, mlp, L->gamma);
        F->beta = twin_of(t->params, mlp, L->beta);
        F->dbeta = twin_of(t->grads, mlp, L->beta);
        F->mean = s;
        F->var = s + L->out;
        F->rstd = s + 2 * L->out;
        s += 3 * L->out;
    }
    t->w_out = twin_of(t->params, mlp, mlp->w_out);
    t->dw_out = twin_of(t->grads, mlp, mlp->w_out);
    t->b_out = twin_of(t->params, mlp, mlp->b_out);
    t->db_out = twin_of(t->grads, mlp, mlp->b_out);
    mlp_float_load(t);
    return t;
}

void mlp_float_destroy(MlpFloat *t)
{
    if (!t)
        return;
    free(t->hidden);
    free(t->params);
    free(t->grads);
    free(t->velocity);
    free(t->stats);
    free(t->acts);
    free(t->logits_d);
    free(t->infer);
    free(t);
}

void mlp_float_store(const MlpFloat *t)
{
    for (size_t i = 0; i < t->mlp->num_params; i++)
        t->mlp->params[i] = t->params[i];
}

void mlp_float_load(MlpFloat *t)
{
    for (size_t i = 0; i < t->mlp->num_params; i++)
        t->params[i] = (float)t->mlp->params[i];
}

/* Room for n rows: input, per layer z, act, y, xhat, dout, dmid, dz, then logits and dlogits. */
static void reserve(MlpFloat *t, int n)
{
    if (n <= t->capacity)
        return;
    size_t rows = (size_t)n, total = rows * (size_t)t->n_in + 2 * rows * (size_t)t->n_out;
    for (int l = 0; l < t->num_hidden; l++)
        total += 7 * rows * (size_t)t->hidden[l].out;
    free(t->acts);
    free(t->logits_d);
    t->acts = xcalloc_aligned(total, sizeof(float));
    t->logits_d = xcalloc(2 * rows * (size_t)t->n_out, sizeof(double));
    t->dlogits_d = t->logits_d + rows * (size_t)t->n_out;
    t->capacity = n;
    float *p = t->acts;
    t->input = p;
    p += rows * (size_t)t->n_in;
    BnPlacement bn = t->mlp->config.bn;
    for (int l = 0; l < t->num_hidden; l++) {
        FloatLayer *F = &t->hidden[l];
        size_t s = rows * (size_t)F->out;
        F->z = p;
        F->act = p + s;
        F->y = bn == BN_PLACEMENT_AFTER ? p + 2 * s : F->act;
        F->xhat = p + 3 * s;
        F->dout = p + 4 * s;
        F->dmid = p + 5 * s;
        F->dz = p + 6 * s;
        p += 7 * s;
    }
    t->logits = p;
    t->dlogits = p + rows * (size_t)t->n_out;
}

float *mlp_float_input(MlpFloat *t, int n)
{
    reserve(t, n > 0 ? n : 1);
    return t->input;
}

/* y = act(y) in place, count values. */
static void activate(float *y, int count, Activation act)
{
    switch (act) {
    case ACTIVATION_SIGMOID:
        kernels_f32_sigmoid(y, y, count);
        break;
    case ACTIVATION_TANH:
        for (int i = 0; i < count; i++)
            y[i] = tanhf(y[i]);
        break;
    case ACTIVATION_RELU:
        for (int i = 0; i < count; i++)
            y[i] = y[i] > 0.0f ? y[i] : 0.0f;
        break;
    }
}

/* y = f(x) for count values, y and x apart: the values activate would give y after a copy of x, without
 * the copy. */
static void activate_into(float *y, const float *x, int count, Activation act)
{
    if (act == ACTIVATION_SIGMOID) {
        kernels_f32_sigmoid(y, x, count);
        return;
    }
    memcpy(y, x, sizeof(float) * (size_t)count);
    activate(y, count, act);
}

/* dx = dy·f′, with f′ read from the activation's output y (relu: y > 0 exactly where its input is). */
static void activate_backward(float *dx, const float *dy, const float *y, int count, Activation act)
{
    switch (act) {
    case ACTIVATION_SIGMOID:
        for (int i = 0; i < count; i++)
            dx[i] = dy[i] * y[i] * (1.0f - y[i]);
        break;
    case ACTIVATION_TANH:
        for (int i = 0; i < count; i++)
            dx[i] = dy[i] * (1.0f - y[i] * y[i]);
        break;
    case ACTIVATION_RELU:
        for (int i = 0; i < count; i++)
            dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
        break;
    }
}

/* Training-mode BN of x (n, c) into y, with xhat and the batch statistics kept in F. */
static void bn_forward(FloatLayer *F, float *y, const float *x, float eps, int n, bool then_sigmoid)
{
    kernels_f32_bn_forward(y, F->xhat, F->mean, F->var, F->rstd, x, F->gamma, F->beta, eps, n, F->out,
                           then_sigmoid);
}

/* Hands the batch statistics to the Mlp (double) and folds them into its running statistics. */
static void bn_publish(Mlp *mlp, int l, const FloatLayer *F, int n, bool update_running)
{
    MlpLayer *L = &mlp->hidden[l];
    for (int j = 0; j < F->out; j++) {
        L->mean[j] = F->mean[j];
        L->var[j] = F->var[j];
        L->rstd[j] = F->rstd[j];
    }
    if (update_running && mlp->convention != BN_CONVENTION_PAPER)   /* the paper: after training only */
        batchnorm_update_running(L->running_mean, L->running_var, &L->batches_seen, L->mean, L->var,
                                 mlp->convention, mlp->bn_momentum, n, L->out);
}

/* The training forward of n rows, taken from x (double) or xf (float) into the twin's input. */
static bool forward(MlpFloat *t, const double *x, const float *xf, int n, BnError *err)
{
    Mlp *mlp = t->mlp;
    BnPlacement bn = mlp->config.bn;
    Activation act = mlp->config.act;
    if (bn != BN_PLACEMENT_NONE && n < 2) {
        error_set(err, "", "a batch of %d sample%s has no spread: training-mode batch norm needs at "
                  "least 2 samples per batch (use eval mode for a single sample)", n, n == 1 ? "" : "s");
        return false;
    }
    reserve(t, n);
    t->batch = n;
    size_t count_in = (size_t)n * (size_t)t->n_in;
    if (xf) {
        if (xf != t->input)     /* a caller may have filled the input buffer itself */
            memcpy(t->input, xf, sizeof(float) * count_in);
    } else
        for (size_t i = 0; i < count_in; i++)
            t->input[i] = (float)x[i];
    float eps = (float)mlp->eps;
    const float *h = t->input;
    for (int l = 0; l < t->num_hidden; l++) {
        FloatLayer *F = &t->hidden[l];
        int count = n * F->out;
        kernels_f32_matmul_bt(F->z, h, F->w, F->b, n, F->out, F->in);
        switch (bn) {
        case BN_PLACEMENT_NONE:
            memcpy(F->act, F->z, sizeof(float) * (size_t)count);
            activate(F->act, count, act);
            break;
        case BN_PLACEMENT_BEFORE:
            /* BN writes the activation's input into act, which the activation then overwrites; a
             * sigmoid is applied in BN's own pass. */
            bn_forward(F, F->act, F->z, eps, n, act == ACTIVATION_SIGMOID);
            if (act != ACTIVATION_SIGMOID)
                activate(F->act, count, act);
            bn_publish(mlp, l, F, n, true);
            break;
        case BN_PLACEMENT_AFTER:
            memcpy(F->act, F->z, sizeof(float) * (size_t)count);
            activate(F->act, count, act);
            bn_forward(F, F->y, F->act, eps, n, false);
            bn_publish(mlp, l, F, n, true);
            break;
        }
        h = F->y;
    }
    int last = t->num_hidden ? t->hidden[t->num_hidden - 1].out : t->n_in;
    kernels_f32_matmul_bt(t->logits, h, t->w_out, t->b_out, n, t->n_out, last);
    return true;
}

/* SGD on the parameters [from, to) of the block, right after their gradients were computed, while
 * they are still in cache. */
static void update(MlpFloat *t, const Sgd *sgd, const float *from, const float *to)
{
    size_t at = (size_t)(from - t->params);
    kernels_f32_sgd(t->params + at, t->velocity + at, t->grads + at, (long)(to - from), (float)sgd->lr,
                    (float)sgd->momentum);
}

/* Back-propagates dlogits and updates each layer's parameters as soon as nothing else needs them. */
static void backward(MlpFloat *t, const Sgd *sgd)
{
    Mlp *mlp = t->mlp;
    BnPlacement bn = mlp->config.bn;
    Activation act = mlp->config.act;
    int n = t->batch, nh = t->num_hidden, k = t->n_out;
    int last = nh ? t->hidden[nh - 1].out : t->n_in;
    const float *h_last = nh ? t->hidden[nh - 1].y : t->input;
    /* dW_out = dlogitsᵀ·h, db_out = Σ rows, dh = dlogits·W_out. */
    kernels_f32_matmul(t->dw_out, last, t->dlogits, 1, k, h_last, last, k, last, n);
    for (int o = 0; o < k; o++)
        t->db_out[o] = 0.0f;
    for (int r = 0; r < n; r++)
        for (int o = 0; o < k; o++)
            t->db_out[o] += t->dlogits[r * k + o];
    if (nh)
        kernels_f32_matmul(t->hidden[nh - 1].dout, last, t->dlogits, k, 1, t->w_out, last, n, last, k);
    update(t, sgd, t->w_out, t->b_out + k);
    for (int l = nh - 1; l >= 0; l--) {
        FloatLayer *F = &t->hidden[l];
        int count = n * F->out;
        switch (bn) {
        case BN_PLACEMENT_NONE:
            activate_backward(F->dz, F->dout, F->act, count, act);
            break;
        case BN_PLACEMENT_BEFORE:
            /* A sigmoid's derivative is formed inside BN's backward pass, not in a pass of its own. */
            if (act == ACTIVATION_SIGMOID) {
                kernels_f32_bn_backward(F->dz, F->dgamma, F->dbeta, F->dout, F->act, F->xhat, F->rstd, F->gamma,
                                        n, F->out);
            } else {
                activate_backward(F->dmid, F->dout, F->act, count, act);
                kernels_f32_bn_backward(F->dz, F->dgamma, F->dbeta, F->dmid, NULL, F->xhat, F->rstd, F->gamma,
                                        n, F->out);
            }
            break;
        case BN_PLACEMENT_AFTER:
            kernels_f32_bn_backward(F->dmid, F->dgamma, F->dbeta, F->dout, NULL, F->xhat, F->rstd, F->gamma, n,
                                    F->out);
            activate_backward(F->dz, F->dmid, F->act, count, act);
            break;
        }
        const float *h = l > 0 ? t->hidden[l - 1].y : t->input;
        /* dW = dzᵀ·h; then dh = dz·W for the layer below (the first layer needs none). */
        kernels_f32_matmul(F->dw, F->in, F->dz, 1, F->out, h, F->in, F->out, F->in, n);
        if (F->db) {
            for (int o = 0; o < F->out; o++)
                F->db[o] = 0.0f;
            for (int r = 0; r < n; r++)
                for (int o = 0; o < F->out; o++)
                    F->db[o] += F->dz[r * F->out + o];
        }
        if (l > 0)
            kernels_f32_matmul(t->hidden[l - 1].dout, F->in, F->dz, F->out, 1, F->w, F->in, n, F->in, F->out);
        /* The layer's block runs from W to its last vector: β with BN, else b. */
        const float *end = F->beta ? F->beta + F->out : F->b + F->out;
        update(t, sgd, F->w, end);
    }
}

static bool train_step(MlpFloat *t, Sgd *sgd, const double *x, const float *xf, const double *targets, int n,
                       double *loss, BnError *err)
{
    if (n < 1) {
        error_set(err, "network", "a forward pass needs at least one row, got %d", n);
        return false;
    }
    if (!forward(t, x, xf, n, err))
        return false;
    size_t outs = (size_t)n * (size_t)t->n_out;
    for (size_t i = 0; i < outs; i++)
        t->logits_d[i] = t->logits[i];
    double value = t->mlp->config.task == MLP_TASK_REGRESS
        ? loss_mse(t->dlogits_d, t->logits_d, targets, (int)outs)
        : loss_softmax_cross_entropy(t->dlogits_d, NULL, t->logits_d, targets, n, t->n_out);
    if (loss)
        *loss = value;
    if (!isfinite(value)) {
        error_set(err, "network", "the loss became %g", value);
        return false;
    }
    for (size_t i = 0; i < outs; i++)
        t->dlogits[i] = (float)t->dlogits_d[i];
    backward(t, sgd);
    return true;
}

bool mlp_float_train_step(MlpFloat *t, Sgd *sgd, const double *x, const double *targets, int n,
                          double *loss, BnError *err)
{
    return train_step(t, sgd, x, NULL, targets, n, loss, err);
}

bool mlp_float_train_step_f32(MlpFloat *t, Sgd *sgd, const float *x, const double *targets, int n,
                              double *loss, BnError *err)
{
    return train_step(t, sgd, NULL, x, targets, n, loss, err);
}

void mlp_float_predict(const MlpFloat *t, int *classes)
{
    for (int r = 0; r < t->batch; r++) {
        const double *z = t->logits_d + (size_t)r * (size_t)t->n_out;
        int best = 0;
        for (int j = 1; j < t->n_out; j++)
            if (z[j] > z[best])
                best = j;
        classes[r] = best;
    }
}

/* Input rows converted at a time for the first layer's product. */
enum { INFER_CHUNK_ROWS = 64 };

/* The tapped unit's activation input at layer l of infer_pass, when nothing past it is wanted: that unit's
 * product and normalization alone, with the same arithmetic per value as the whole layer's (each output
 * of the products and each column of the normalization is computed on its own), so the column is the
 * same to the bit. in is the layer's input (NULL for the first layer, read from first); z, normed and
 * stats are free scratch. */
static void tap_column(MlpFloat *t, int l, const float *first, const float *in, int n, bool eval, int unit,
                       double *column, float *z, float *normed, float *stats)
{
    const Mlp *mlp = t->mlp;
    const FloatLayer *F = &t->hidden[l];
    const MlpLayer *L = &mlp->hidden[l];
    if (l == 0)
        for (int i = 0; i < n; i++)
            z[i] = first[(size_t)i * F->out + unit];
    else
        kernels_f32_matmul_bt(z, in, F->w + (size_t)unit * F->in, F->b ? F->b + unit : NULL, n, 1, F->in);
    const float *p = z;
    if (mlp->config.bn == BN_PLACEMENT_BEFORE) {
        if (eval) {
            double r = 1.0 / sqrt(L->running_var[unit] + mlp->eps), g = F->gamma[unit];
            float scale = (float)(g * r), shift = (float)(F->beta[unit] - g * r * L->running_mean[unit]);
            for (int i = 0; i < n; i++)
                normed[i] = z[i] * scale + shift;
        } else {
            kernels_f32_bn_forward(normed, stats + 3, stats, stats + 1, stats + 2, z, F->gamma + unit,
                                   F->beta + unit, (float)mlp->eps, n, 1, false);
        }
        p = normed;
    }
    for (int i = 0; i < n; i++)
        column[i] = p[i];
}

/* One pass of mlp_float_infer over n rows in mode (eval: the running statistics; else this batch's),
 * starting from the first layer's linear output `first`; the tapped unit's activation input into
 * column when not NULL, the outputs into logits (float, (n, n_out)) when not NULL. */
static void infer_pass(MlpFloat *t, const float *first, int n, bool eval, int layer, int unit, double *column,
                       float *logits, float *z, float *pre, float *h, float *stats)
{
    const Mlp *mlp = t->mlp;
    BnPlacement bn = mlp->config.bn;
    Activation act = mlp->config.act;
    float eps = (float)mlp->eps;
    const float *in = NULL;
    for (int l = 0; l < t->num_hidden; l++) {
        const FloatLayer *F = &t->hidden[l];
        const MlpLayer *L = &mlp->hidden[l];
        int count = n * F->out;
        const float *zl = first;
        if (column && l == layer && !logits) {
            tap_column(t, l, first, in, n, eval, unit, column, z, pre, stats);
            return;
        }
        if (l > 0) {
            kernels_f32_matmul_bt(z, in, F->w, F->b, n, F->out, F->in);
            zl = z;
        }
        /* The activation's input (pre) and the layer's output (h). */
        const float *p = zl;
        if (bn == BN_PLACEMENT_BEFORE || bn == BN_PLACEMENT_AFTER) {
            const float *src = zl;
            float *dst = bn == BN_PLACEMENT_BEFORE ? pre : h;
            if (bn == BN_PLACEMENT_AFTER) {
                activate_into(pre, zl, count, act);
                src = pre;
            }
            if (eval) {
                for (int j = 0; j < F->out; j++) {
                    /* y = γ·(x − μ)/σ + β folded to x·a + b, in double, then rounded once; γ and β are
                     * the twin's (the Mlp's parameters are stale until mlp_float_store), μ and σ² the
                     * Mlp's running statistics. */
                    double r = 1.0 / sqrt(L->running_var[j] + mlp->eps), g = F->gamma[j];
                    stats[j] = (float)(g * r);
                    stats[F->out + j] = (float)(F->beta[j] - g * r * L->running_mean[j]);
                }
                kernels_f32_scale_shift_columns(dst, src, stats, stats + F->out, n, F->out);
            } else {
                float *xhat = stats + 3 * F->out;
                kernels_f32_bn_forward(dst, xhat, stats, stats + F->out, stats + 2 * F->out, src, F->gamma, F->beta,
                                       eps, n, F->out, false);
            }
            if (bn == BN_PLACEMENT_BEFORE) {
                p = pre;
                activate_into(h, pre, count, act);
            } else {
                p = zl;
            }
        } else {
            activate_into(h, zl, count, act);
        }
        if (column && l == layer)
            for (int i = 0; i < n; i++)
                column[i] = p[(size_t)i * F->out + unit];
        in = h;
        /* The next layer's product reads h while writing z; h becomes free after it. */
    }
    if (logits)
        kernels_f32_matmul_bt(logits, in, t->w_out, t->b_out, n, t->n_out,
                              t->num_hidden ? t->hidden[t->num_hidden - 1].out : t->n_in);
}

bool mlp_float_infer(MlpFloat *t, const Dataset *set, int first, int n, double *logits, int layer, int unit,
                     double *column, BnError *err)
{
    const Mlp *mlp = t->mlp;
    bool bn = mlp->config.bn != BN_PLACEMENT_NONE;
    if (t->num_hidden < 1 || n < 1 || first < 0 || first > set->n - n || set->dim != t->n_in ||
        layer < 0 || layer >= t->num_hidden || unit < 0 || unit >= t->hidden[layer].out || (bn && n < 2)) {
        error_set(err, "network", "float inference needs hidden layers, rows of the set (%d to %d of %d, width %d "
                  "for %d inputs; 2 or more with BN) and a hidden unit (%d of layer %d)", first, first + n - 1,
                  set->n, set->dim, t->n_in, unit, layer);
        return false;
    }
    int widest = 1;
    for (int l = 0; l < t->num_hidden; l++)
        widest = t->hidden[l].out > widest ? t->hidden[l].out : widest;
    size_t cells = (size_t)n * (size_t)widest;
    int w0 = t->hidden[0].out;
    size_t chunk_size = INFER_CHUNK_ROWS * (size_t)t->n_in, first_size = (size_t)n * (size_t)w0,
           stats_size = 3 * (size_t)widest + cells, out_size = (size_t)n * (size_t)t->n_out;
    if (n > t->infer_rows) {
        free(t->infer);
        /* Each piece rounded up to a cache line's 16 floats, so every piece starts aligned. */
        size_t total = 0;
        size_t sizes[7] = { chunk_size, first_size, cells, cells, cells, stats_size, out_size };
        for (int i = 0; i < 7; i++)
            total += (sizes[i] + 15) / 16 * 16;
        t->infer = xcalloc_aligned(total, sizeof(float));
        t->infer_rows = n;
    }
    float *next = t->infer;
    float *pieces[7];
    size_t sizes[7] = { chunk_size, first_size, cells, cells, cells, stats_size, out_size };
    for (int i = 0; i < 7; i++) {
        pieces[i] = next;
        next += (sizes[i] + 15) / 16 * 16;
    }
    float *chunk = pieces[0], *first_z = pieces[1], *z = pieces[2], *pre = pieces[3], *h = pieces[4],
          *stats = pieces[5], *out = pieces[6];
    const FloatLayer *F0 = &t->hidden[0];
    for (int r = 0; r < n; r += INFER_CHUNK_ROWS) {
        int m = n - r < INFER_CHUNK_ROWS ? n - r : INFER_CHUNK_ROWS;
        /* Rows the set keeps in float are read where they are, not copied first. */
        const float *rows = dataset_float_rows(set, first + r, m);
        if (!rows) {
            dataset_rows_float(set, first + r, m, chunk);
            rows = chunk;
        }
        kernels_f32_matmul_bt(first_z + (size_t)r * w0, rows, F0->w, F0->b, m, w0, F0->in);
    }
    /* Without BN the two modes are one pass; with BN the column comes from the batch-statistics pass. */
    infer_pass(t, first_z, n, true, layer, unit, bn ? NULL : column, out, z, pre, h, stats);
    for (size_t i = 0; i < (size_t)n * (size_t)t->n_out; i++)
        logits[i] = out[i];
    if (bn)
        infer_pass(t, first_z, n, false, layer, unit, column, NULL, z, pre, h, stats);
    return true;
}
