/* Training step of an Mlp in single precision, with fused element-wise passes (engine layer). */
#include "engine/mlp_float.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

static bool forward(MlpFloat *t, const double *x, int n, BnError *err)
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

bool mlp_float_train_step(MlpFloat *t, Sgd *sgd, const double *x, const double *targets, int n,
                          double *loss, BnError *err)
{
    if (n < 1) {
        error_set(err, "network", "a forward pass needs at least one row, got %d", n);
        return false;
    }
    if (!forward(t, x, n, err))
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
