/* Multilayer perceptron forward, backward and training step over flat parameter blocks (engine layer). */
#include "engine/mlp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/linear.h"
#include "engine/loss.h"
#include "util/alloc.h"
#include "util/pcg32.h"

/* The stream of the weight generator: fixed so that only the seed chooses the weights. */
enum { MLP_WEIGHT_STREAM = 0x6d6c70 };

const char *mlp_placement_name(BnPlacement placement)
{
    switch (placement) {
    case BN_PLACEMENT_BEFORE: return "before";
    case BN_PLACEMENT_AFTER: return "after";
    case BN_PLACEMENT_NONE: break;
    }
    return "none";
}

bool mlp_placement_parse(const char *name, BnPlacement *placement)
{
    static const BnPlacement all[] = { BN_PLACEMENT_NONE, BN_PLACEMENT_BEFORE, BN_PLACEMENT_AFTER };
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, mlp_placement_name(all[i])) == 0) {
            *placement = all[i];
            return true;
        }
    }
    return false;
}

const char *mlp_drop_place_name(MlpDropPlace place)
{
    return place == MLP_DROP_BEFORE_BN ? "before-bn" : "after-bn";
}

bool mlp_drop_place_parse(const char *name, MlpDropPlace *place)
{
    if (strcmp(name, "before-bn") == 0)
        *place = MLP_DROP_BEFORE_BN;
    else if (strcmp(name, "after-bn") == 0)
        *place = MLP_DROP_AFTER_BN;
    else
        return false;
    return true;
}

void mlp_config_init(MlpConfig *config, const int *sizes, int num_sizes)
{
    memset(config, 0, sizeof *config);
    config->num_sizes = num_sizes;
    for (int i = 0; i < num_sizes && i < MLP_MAX_SIZES; i++)
        config->sizes[i] = sizes[i];
    config->act = ACTIVATION_SIGMOID;
    config->bn = BN_PLACEMENT_NONE;
    config->task = MLP_TASK_CLASSIFY;
    config->convention = BN_CONVENTION_PYTORCH;
    config->bn_momentum = batchnorm_default_momentum(BN_CONVENTION_PYTORCH);
    config->eps = batchnorm_default_eps(BN_CONVENTION_PYTORCH);
    config->seed = 1;
}

static bool config_check(const MlpConfig *c, BnError *err)
{
    if (c->num_sizes < 2 || c->num_sizes > MLP_MAX_SIZES) {
        error_set(err, "network", "a network needs 2 to %d layer sizes (input, hidden..., output), "
                  "got %d", MLP_MAX_SIZES, c->num_sizes);
        return false;
    }
    for (int i = 0; i < c->num_sizes; i++) {
        if (c->sizes[i] < 1 || c->sizes[i] > 1 << 20) {
            error_set(err, "network", "layer size %d is %d; sizes must be between 1 and %d",
                      i + 1, c->sizes[i], 1 << 20);
            return false;
        }
    }
    if (c->task == MLP_TASK_CLASSIFY && c->sizes[c->num_sizes - 1] < 2) {
        error_set(err, "network", "a classifier needs at least 2 outputs, got %d",
                  c->sizes[c->num_sizes - 1]);
        return false;
    }
    if (c->bn != BN_PLACEMENT_NONE) {
        if (!(c->eps > 0.0) || !isfinite(c->eps)) {
            error_set(err, "network", "batch norm epsilon must be positive, got %g", c->eps);
            return false;
        }
        if (!(c->bn_momentum >= 0.0 && c->bn_momentum <= 1.0)) {
            error_set(err, "network", "batch norm momentum must be in [0, 1], got %g", c->bn_momentum);
            return false;
        }
    }
    return true;
}

/* Cuts one layer's parameter pointers out of a block at *offset; the same offsets serve the grads. */
static double *cut(double *block, size_t *offset, size_t count)
{
    double *p = block + *offset;
    *offset += count;
    return p;
}

/* Lays the parameters out: per hidden layer W, b?, γ?, β?, then W_out, b_out. With base NULL it only
 * counts (the returned total). */
static size_t layout_params(Mlp *mlp, double *params, double *grads)
{
    size_t off = 0;
    bool bn = mlp->config.bn != BN_PLACEMENT_NONE;
    bool bias = mlp->config.bn != BN_PLACEMENT_BEFORE || mlp->config.bias_before_bn;
    for (int l = 0; l < mlp->num_hidden; l++) {
        MlpLayer *L = &mlp->hidden[l];
        size_t w = (size_t)L->in * (size_t)L->out, c = (size_t)L->out;
        size_t at = off;
        L->w = params ? cut(params, &off, w) : (off += w, NULL);
        L->dw = grads ? grads + at : NULL;
        if (bias) {
            at = off;
            L->b = params ? cut(params, &off, c) : (off += c, NULL);
            L->db = grads ? grads + at : NULL;
        }
        if (bn) {
            at = off;
            L->gamma = params ? cut(params, &off, c) : (off += c, NULL);
            L->dgamma = grads ? grads + at : NULL;
            at = off;
            L->beta = params ? cut(params, &off, c) : (off += c, NULL);
            L->dbeta = grads ? grads + at : NULL;
        }
    }
    int last = mlp->num_hidden ? mlp->hidden[mlp->num_hidden - 1].out : mlp->n_in;
    size_t at = off;
    mlp->w_out = params ? cut(params, &off, (size_t)mlp->n_out * (size_t)last) :
                          (off += (size_t)mlp->n_out * (size_t)last, NULL);
    mlp->dw_out = grads ? grads + at : NULL;
    at = off;
    mlp->b_out = params ? cut(params, &off, (size_t)mlp->n_out) : (off += (size_t)mlp->n_out, NULL);
    mlp->db_out = grads ? grads + at : NULL;
    return off;
}

static void fill_normal(double *w, size_t count, double std, Pcg32 *rng)
{
    for (size_t i = 0; i < count; i++)
        w[i] = std * pcg32_normal(rng);
}

Mlp *mlp_create(const MlpConfig *config, BnError *err)
{
    if (!config_check(config, err))
        return NULL;
    Mlp *mlp = xcalloc(1, sizeof *mlp);
    mlp->config = *config;
    mlp->num_hidden = config->num_sizes - 2;
    mlp->n_in = config->sizes[0];
    mlp->n_out = config->sizes[config->num_sizes - 1];
    mlp->convention = config->convention;
    mlp->bn_momentum = config->bn_momentum;
    mlp->eps = config->eps;
    mlp->hidden = xcalloc(mlp->num_hidden ? (size_t)mlp->num_hidden : 1, sizeof *mlp->hidden);
    for (int l = 0; l < mlp->num_hidden; l++) {
        mlp->hidden[l].in = config->sizes[l];
        mlp->hidden[l].out = config->sizes[l + 1];
    }
    mlp->num_params = layout_params(mlp, NULL, NULL);
    mlp->params = xcalloc_aligned(mlp->num_params, sizeof(double));
    mlp->grads = xcalloc_aligned(mlp->num_params, sizeof(double));
    layout_params(mlp, mlp->params, mlp->grads);

    /* Weights in one fixed order, layer by layer, independent of the placement; biases and β stay 0. */
    Pcg32 rng;
    pcg32_seed(&rng, config->seed, MLP_WEIGHT_STREAM);
    for (int l = 0; l < mlp->num_hidden; l++) {
        MlpLayer *L = &mlp->hidden[l];
        double std = config->act == ACTIVATION_RELU ? sqrt(2.0 / L->in) : sqrt(2.0 / (L->in + L->out));
        fill_normal(L->w, (size_t)L->in * (size_t)L->out, std, &rng);
        if (L->gamma)
            for (int j = 0; j < L->out; j++)
                L->gamma[j] = 1.0;
    }
    int last = mlp->num_hidden ? mlp->hidden[mlp->num_hidden - 1].out : mlp->n_in;
    fill_normal(mlp->w_out, (size_t)mlp->n_out * (size_t)last, sqrt(2.0 / (last + mlp->n_out)), &rng);

    if (config->bn != BN_PLACEMENT_NONE) {
        /* Running statistics and batch statistics: 5 vectors per layer, one block. */
        size_t total = 0;
        for (int l = 0; l < mlp->num_hidden; l++)
            total += 5 * (size_t)mlp->hidden[l].out;
        double *stats = xcalloc(total ? total : 1, sizeof(double));
        for (int l = 0; l < mlp->num_hidden; l++) {
            MlpLayer *L = &mlp->hidden[l];
            L->running_mean = stats;
            L->running_var = stats + L->out;
            L->mean = stats + 2 * L->out;
            L->var = stats + 3 * L->out;
            L->rstd = stats + 4 * L->out;
            stats += 5 * (size_t)L->out;
        }
        mlp_reset_running_stats(mlp);
    }
    mlp->mode = MLP_MODE_EVAL;
    return mlp;
}

void mlp_destroy(Mlp *mlp)
{
    if (!mlp)
        return;
    if (mlp->num_hidden > 0) {
        free(mlp->hidden[0].running_mean);     /* the start of the statistics block, or NULL */
        free(mlp->hidden[0].noise_scale);      /* the start of the noise block, or NULL */
    }
    free(mlp->hidden);
    free(mlp->params);
    free(mlp->grads);
    free(mlp->acts);
    free(mlp);
}

void mlp_reset_running_stats(Mlp *mlp)
{
    for (int l = 0; l < mlp->num_hidden; l++) {
        MlpLayer *L = &mlp->hidden[l];
        if (!L->running_mean)
            continue;
        for (int j = 0; j < L->out; j++) {
            L->running_mean[j] = 0.0;
            L->running_var[j] = 1.0;
        }
        L->batches_seen = 0;
    }
}

/* Makes room for n rows: one block holding the input copy, per layer z, bny, act, xhat, dout, dpre, dz,
 * dmid (and with dropout its mask and dropped output), and the output's logits, probs and dlogits; then
 * re-points every buffer into it. */
static void reserve(Mlp *mlp, int n)
{
    if (n <= mlp->capacity)
        return;
    size_t rows = (size_t)n;
    size_t per_layer = mlp->dropout > 0.0 ? 10 : 8;
    size_t total = rows * (size_t)mlp->n_in + 3 * rows * (size_t)mlp->n_out;
    for (int l = 0; l < mlp->num_hidden; l++)
        total += per_layer * rows * (size_t)mlp->hidden[l].out;
    free(mlp->acts);
    mlp->acts = xcalloc_aligned(total, sizeof(double));
    mlp->capacity = n;
    double *p = mlp->acts;
    mlp->input = p;
    p += rows * (size_t)mlp->n_in;
    BnPlacement bn = mlp->config.bn;
    for (int l = 0; l < mlp->num_hidden; l++) {
        MlpLayer *L = &mlp->hidden[l];
        size_t s = rows * (size_t)L->out;
        double *z = p, *bny = p + s, *act = p + 2 * s, *xhat = p + 3 * s;
        L->z = z;
        L->act = act;
        L->pre = bn == BN_PLACEMENT_BEFORE ? bny : z;
        L->y = bn == BN_PLACEMENT_AFTER ? bny : act;
        L->xhat = bn == BN_PLACEMENT_NONE ? NULL : xhat;
        L->bn_in = bn == BN_PLACEMENT_BEFORE ? z : bn == BN_PLACEMENT_AFTER ? act : NULL;
        L->dout = p + 4 * s;
        L->dpre = p + 5 * s;
        L->dz = p + 6 * s;
        /* p + 7s: the gradient between BN and the activation (BN after), kept private. */
        L->mask = per_layer > 8 ? p + 8 * s : NULL;
        L->dropped = per_layer > 8 ? p + 9 * s : NULL;
        p += per_layer * s;
    }
    mlp->logits = p;
    mlp->probs = p + rows * (size_t)mlp->n_out;
    mlp->dlogits = p + 2 * rows * (size_t)mlp->n_out;
}

/* Noisy BN's fixed affine map on BN's output y: (n, OUT). */
static void noise_forward(const MlpLayer *L, double *y, int n)
{
    for (int r = 0; r < n; r++) {
        double *row = y + (size_t)r * (size_t)L->out;
        for (int j = 0; j < L->out; j++)
            row[j] = row[j] * L->noise_scale[j] + L->noise_shift[j];
    }
}

/* ∂loss/∂(BN output) into dbn from ∂loss/∂(noisy output) dy: both (n, OUT). */
static void noise_backward(const MlpLayer *L, double *dbn, const double *dy, int n)
{
    for (int r = 0; r < n; r++) {
        size_t at = (size_t)r * (size_t)L->out;
        for (int j = 0; j < L->out; j++)
            dbn[at + j] = dy[at + j] * L->noise_scale[j];
    }
}

/* Whether the last forward put noisy BN's noise after L's BN: only where BN used batch statistics. */
static bool noise_on(const Mlp *mlp, const MlpLayer *L)
{
    return L->noise_scale && (mlp->mode == MLP_MODE_TRAIN || mlp->mode == MLP_MODE_BATCH_STATS);
}

/* One BN over bn_in into y in the given mode, then the noise (batch statistics only). */
static bool bn_forward(Mlp *mlp, MlpLayer *L, double *y, int n, MlpMode mode, BnError *err)
{
    if (mode == MLP_MODE_FROZEN) {
        /* Eval-mode arithmetic, keeping x̂ for bn_backward_frozen. */
        for (int j = 0; j < L->out; j++) {
            double m = L->running_mean[j], r = 1.0 / sqrt(L->running_var[j] + mlp->eps);
            for (int i = 0; i < n; i++) {
                size_t k = (size_t)i * (size_t)L->out + (size_t)j;
                L->xhat[k] = (L->bn_in[k] - m) * r;
                y[k] = L->gamma[j] * L->xhat[k] + L->beta[j];
            }
        }
        return true;
    }
    if (mode == MLP_MODE_EVAL) {
        batchnorm_forward_eval(y, L->bn_in, L->running_mean, L->running_var, L->gamma, L->beta,
                               mlp->eps, n, L->out);
        return true;
    }
    if (!batchnorm_forward_train(y, L->xhat, L->mean, L->var, L->rstd, L->bn_in, L->gamma, L->beta,
                                 mlp->eps, n, L->out, err))
        return false;
    /* The paper computes its statistics after training (mlp_population_add), not while weights move. */
    if (mode == MLP_MODE_TRAIN && mlp->convention != BN_CONVENTION_PAPER)
        batchnorm_update_running(L->running_mean, L->running_var, &L->batches_seen, L->mean, L->var,
                                 mlp->convention, mlp->bn_momentum, n, L->out);
    if (L->noise_scale)
        noise_forward(L, y, n);
    return true;
}

bool mlp_population_add(Mlp *mlp, const double *x, int n, BnError *err)
{
    if (!mlp_forward(mlp, x, n, MLP_MODE_BATCH_STATS, err))
        return false;
    for (int l = 0; l < mlp->num_hidden; l++) {
        MlpLayer *L = &mlp->hidden[l];
        if (L->running_mean)
            batchnorm_update_running(L->running_mean, L->running_var, &L->batches_seen, L->mean, L->var,
                                     BN_CONVENTION_PAPER, 0.0, n, L->out);
    }
    return true;
}

bool mlp_layer_dropped(const Mlp *mlp, int l)
{
    if (!(mlp->dropout > 0.0) || l < 0 || l >= mlp->num_hidden)
        return false;
    return mlp->drop_place == MLP_DROP_BEFORE_BN ? l < mlp->num_hidden - 1 : l == mlp->num_hidden - 1;
}

/* Whether the last forward (its mode set) dropped layer l's output: training steps only. */
static bool drops_now(const Mlp *mlp, int l)
{
    return (mlp->mode == MLP_MODE_TRAIN || mlp->mode == MLP_MODE_FROZEN) && mlp_layer_dropped(mlp, l);
}

/* Draws L's mask for n rows and writes the dropped output; returns it, for the next layer to read. */
static const double *dropout_forward(Mlp *mlp, MlpLayer *L, int n)
{
    double keep = 1.0 - mlp->dropout, scale = 1.0 / keep;
    size_t count = (size_t)n * (size_t)L->out;
    for (size_t k = 0; k < count; k++) {
        L->mask[k] = pcg32_uniform(&mlp->drop_rng) < keep ? scale : 0.0;
        L->dropped[k] = L->y[k] * L->mask[k];
    }
    return L->dropped;
}

void mlp_dropout_enable(Mlp *mlp, double p, MlpDropPlace place, uint64_t seed)
{
    bool grows = p > 0.0 && !(mlp->dropout > 0.0);
    mlp->dropout = p > 0.0 && p < 1.0 ? p : 0.0;
    mlp->drop_place = place;
    pcg32_seed(&mlp->drop_rng, seed, 0x64726f70u);
    if (grows)
        mlp->capacity = 0;      /* the next forward makes room for the masks */
}

bool mlp_forward(Mlp *mlp, const double *x, int n, MlpMode mode, BnError *err)
{
    if (n < 1) {
        error_set(err, "network", "a forward pass needs at least one row, got %d", n);
        return false;
    }
    reserve(mlp, n);
    mlp->batch = n;
    mlp->mode = mode;
    memcpy(mlp->input, x, sizeof(double) * (size_t)n * (size_t)mlp->n_in);
    const double *h = mlp->input;
    Activation act = mlp->config.act;
    for (int l = 0; l < mlp->num_hidden; l++) {
        MlpLayer *L = &mlp->hidden[l];
        int count = n * L->out;
        linear_forward(L->z, h, L->w, L->b, n, L->in, L->out);
        switch (mlp->config.bn) {
        case BN_PLACEMENT_NONE:
            activation_forward(L->act, L->z, count, act);
            break;
        case BN_PLACEMENT_BEFORE:
            if (!bn_forward(mlp, L, L->pre, n, mode, err))
                return false;
            activation_forward(L->act, L->pre, count, act);
            break;
        case BN_PLACEMENT_AFTER:
            activation_forward(L->act, L->z, count, act);
            if (!bn_forward(mlp, L, L->y, n, mode, err))
                return false;
            break;
        }
        h = drops_now(mlp, l) ? dropout_forward(mlp, L, n) : L->y;
    }
    int last = mlp->num_hidden ? mlp->hidden[mlp->num_hidden - 1].out : mlp->n_in;
    linear_forward(mlp->logits, h, mlp->w_out, mlp->b_out, n, last, mlp->n_out);
    return true;
}

double mlp_loss(Mlp *mlp, const double *targets)
{
    if (mlp->config.task == MLP_TASK_REGRESS)
        return loss_mse(mlp->dlogits, mlp->logits, targets, mlp->batch * mlp->n_out);
    return loss_softmax_cross_entropy(mlp->dlogits, mlp->probs, mlp->logits, targets, mlp->batch,
                                      mlp->n_out);
}

/* Backward of a frozen BN: the statistics are constants, so dx = γ·dy/√(running_var + ε) alone, with
 * no terms through a mean or a variance; dγ = Σ dy·x̂ and dβ = Σ dy as in training. */
static void bn_backward_frozen(const Mlp *mlp, const MlpLayer *L, double *dx, const double *dy, int n)
{
    for (int j = 0; j < L->out; j++) {
        double r = 1.0 / sqrt(L->running_var[j] + mlp->eps), dg = 0.0, db = 0.0;
        for (int i = 0; i < n; i++) {
            size_t k = (size_t)i * (size_t)L->out + (size_t)j;
            dg += dy[k] * L->xhat[k];
            db += dy[k];
            dx[k] = L->gamma[j] * r * dy[k];
        }
        L->dgamma[j] += dg;
        L->dbeta[j] += db;
    }
}

/* One BN's backward after a forward in mode (training or batch statistics, or frozen). */
static void bn_backward(const Mlp *mlp, const MlpLayer *L, double *dx, const double *dy, int n)
{
    if (mlp->mode == MLP_MODE_FROZEN)
        bn_backward_frozen(mlp, L, dx, dy, n);
    else
        batchnorm_backward(dx, L->dgamma, L->dbeta, dy, L->xhat, L->rstd, L->gamma, n, L->out);
}

bool mlp_backward(Mlp *mlp, double *dx, BnError *err)
{
    BnPlacement bn = mlp->config.bn;
    if (bn != BN_PLACEMENT_NONE && mlp->mode == MLP_MODE_EVAL) {
        error_set(err, "network", "backward needs a training-mode forward: batch norm in eval mode "
                  "kept no batch statistics");
        return false;
    }
    int n = mlp->batch;
    Activation act = mlp->config.act;
    int nh = mlp->num_hidden;
    int last = nh ? mlp->hidden[nh - 1].out : mlp->n_in;
    const double *h_last = !nh ? mlp->input : drops_now(mlp, nh - 1) ? mlp->hidden[nh - 1].dropped
                                                                     : mlp->hidden[nh - 1].y;
    linear_backward(nh ? mlp->hidden[nh - 1].dout : dx, mlp->dw_out, mlp->db_out, mlp->dlogits, h_last,
                    mlp->w_out, n, last, mlp->n_out);
    for (int l = nh - 1; l >= 0; l--) {
        MlpLayer *L = &mlp->hidden[l];
        int count = n * L->out;
        /* What came back is ∂loss/∂(dropped output); through the mask it becomes ∂loss/∂y. */
        if (drops_now(mlp, l))
            for (int k = 0; k < count; k++)
                L->dout[k] *= L->mask[k];
        switch (bn) {
        case BN_PLACEMENT_NONE:
            activation_backward(L->dz, L->dout, L->z, L->act, count, act);
            memcpy(L->dpre, L->dz, sizeof(double) * (size_t)count);
            break;
        case BN_PLACEMENT_BEFORE: {
            activation_backward(L->dpre, L->dout, L->pre, L->act, count, act);
            const double *dbn = L->dpre;
            if (noise_on(mlp, L)) {
                double *scratch = L->dz + (size_t)mlp->capacity * (size_t)L->out;    /* the private dmid */
                noise_backward(L, scratch, L->dpre, n);
                dbn = scratch;
            }
            bn_backward(mlp, L, L->dz, dbn, n);
            break;
        }
        case BN_PLACEMENT_AFTER: {
            double *dact = L->dz + (size_t)mlp->capacity * (size_t)L->out;  /* the private dmid */
            const double *dbn = L->dout;
            if (noise_on(mlp, L)) {
                noise_backward(L, L->dpre, L->dout, n);     /* dpre is rewritten below */
                dbn = L->dpre;
            }
            bn_backward(mlp, L, dact, dbn, n);
            activation_backward(L->dz, dact, L->z, L->act, count, act);
            memcpy(L->dpre, L->dz, sizeof(double) * (size_t)count);
            break;
        }
        }
        const double *h = l == 0 ? mlp->input : drops_now(mlp, l - 1) ? mlp->hidden[l - 1].dropped
                                                                       : mlp->hidden[l - 1].y;
        double *dh = l > 0 ? mlp->hidden[l - 1].dout : dx;
        linear_backward(dh, L->dw, L->db, L->dz, h, L->w, n, L->in, L->out);
    }
    return true;
}

/* An SGD step that leaves every γ and β where it was (Keras's trainable=False BN): their gradients and
 * their momentum are zeroed first, so the step moves them by exactly nothing. */
static void step_keeping_affine(Mlp *mlp, Sgd *sgd)
{
    for (int l = 0; l < mlp->num_hidden; l++) {
        MlpLayer *L = &mlp->hidden[l];
        if (!L->gamma)
            continue;
        size_t bytes = sizeof(double) * (size_t)L->out;
        memset(L->dgamma, 0, bytes);
        memset(L->dbeta, 0, bytes);
        memset(sgd->velocity + (L->gamma - mlp->params), 0, bytes);
        memset(sgd->velocity + (L->beta - mlp->params), 0, bytes);
    }
    sgd_step(sgd, mlp->params, mlp->grads);
}

bool mlp_train_step(Mlp *mlp, Sgd *sgd, const double *x, const double *targets, int n, double *loss,
                    BnError *err)
{
    return mlp_train_step_mode(mlp, sgd, x, targets, n, MLP_MODE_TRAIN, loss, err);
}

bool mlp_train_step_mode(Mlp *mlp, Sgd *sgd, const double *x, const double *targets, int n, MlpMode mode,
                         double *loss, BnError *err)
{
    if (mode == MLP_MODE_EVAL) {
        error_set(err, "network", "a training step needs a training, batch-statistics or frozen forward");
        return false;
    }
    optimizer_zero_grad(mlp->grads, mlp->num_params);
    if (!mlp_forward(mlp, x, n, mode, err))
        return false;
    double value = mlp_loss(mlp, targets);
    if (loss)
        *loss = value;
    if (!isfinite(value)) {
        error_set(err, "network", "the loss became %g", value);
        return false;
    }
    if (!mlp_backward(mlp, NULL, err))
        return false;
    if (mode == MLP_MODE_FROZEN && mlp->freeze_affine)
        step_keeping_affine(mlp, sgd);
    else
        sgd_step(sgd, mlp->params, mlp->grads);
    return true;
}

void mlp_noise_enable(Mlp *mlp)
{
    if (mlp->config.bn == BN_PLACEMENT_NONE || mlp->num_hidden == 0 || mlp->hidden[0].noise_scale)
        return;
    size_t total = 0;
    for (int l = 0; l < mlp->num_hidden; l++)
        total += 2 * (size_t)mlp->hidden[l].out;
    double *block = xcalloc(total, sizeof(double));
    for (int l = 0; l < mlp->num_hidden; l++) {
        MlpLayer *L = &mlp->hidden[l];
        L->noise_scale = block;
        L->noise_shift = block + L->out;
        for (int j = 0; j < L->out; j++)
            L->noise_scale[j] = 1.0;
        block += 2 * (size_t)L->out;
    }
}

void mlp_noise_draw(Mlp *mlp, Pcg32 *rng, double mean_sd, double scale_sd)
{
    for (int l = 0; l < mlp->num_hidden; l++) {
        MlpLayer *L = &mlp->hidden[l];
        if (!L->noise_scale)
            continue;
        for (int j = 0; j < L->out; j++) {
            L->noise_shift[j] = mean_sd * pcg32_normal(rng);
            L->noise_scale[j] = exp(scale_sd * pcg32_normal(rng));
        }
    }
}

void mlp_noise_copy(Mlp *dst, const Mlp *src)
{
    for (int l = 0; l < dst->num_hidden && l < src->num_hidden; l++) {
        MlpLayer *D = &dst->hidden[l];
        const MlpLayer *S = &src->hidden[l];
        if (!D->noise_scale || !S->noise_scale || D->out != S->out)
            continue;
        memcpy(D->noise_scale, S->noise_scale, sizeof(double) * (size_t)D->out);
        memcpy(D->noise_shift, S->noise_shift, sizeof(double) * (size_t)D->out);
    }
}

bool mlp_copy_state(Mlp *dst, const Mlp *src, BnError *err)
{
    const MlpConfig *a = &dst->config, *b = &src->config;
    bool same = a->num_sizes == b->num_sizes && a->act == b->act && a->bn == b->bn && a->task == b->task &&
                dst->num_params == src->num_params;
    for (int i = 0; same && i < a->num_sizes; i++)
        same = a->sizes[i] == b->sizes[i];
    if (!same) {
        error_set(err, "network", "the two networks differ in shape, activation or batch norm placement");
        return false;
    }
    memcpy(dst->params, src->params, sizeof(double) * src->num_params);
    for (int l = 0; l < src->num_hidden; l++) {
        MlpLayer *D = &dst->hidden[l];
        const MlpLayer *S = &src->hidden[l];
        if (!S->running_mean)
            continue;
        memcpy(D->running_mean, S->running_mean, sizeof(double) * (size_t)S->out);
        memcpy(D->running_var, S->running_var, sizeof(double) * (size_t)S->out);
        D->batches_seen = S->batches_seen;
    }
    return true;
}

void mlp_scale_weights(Mlp *mlp, double factor)
{
    for (int l = 0; l < mlp->num_hidden; l++) {
        MlpLayer *L = &mlp->hidden[l];
        size_t count = (size_t)L->in * (size_t)L->out;
        for (size_t i = 0; i < count; i++)
            L->w[i] *= factor;
    }
    int last = mlp->num_hidden ? mlp->hidden[mlp->num_hidden - 1].out : mlp->n_in;
    size_t count = (size_t)mlp->n_out * (size_t)last;
    for (size_t i = 0; i < count; i++)
        mlp->w_out[i] *= factor;
}

void mlp_predict(const Mlp *mlp, int *classes)
{
    for (int r = 0; r < mlp->batch; r++) {
        const double *z = mlp->logits + (size_t)r * (size_t)mlp->n_out;
        int best = 0;
        for (int j = 1; j < mlp->n_out; j++)
            if (z[j] > z[best])
                best = j;
        classes[r] = best;
    }
}

double mlp_logits_accuracy(const double *logits, const double *labels, int n, int classes)
{
    if (n < 1)
        return 0.0;
    int correct = 0;
    for (int r = 0; r < n; r++) {
        const double *z = logits + (size_t)r * (size_t)classes;
        int best = 0;
        for (int j = 1; j < classes; j++)
            if (z[j] > z[best])
                best = j;
        correct += best == (int)labels[r];
    }
    return (double)correct / n;
}

double mlp_accuracy(const Mlp *mlp, const double *labels)
{
    return mlp_logits_accuracy(mlp->logits, labels, mlp->batch, mlp->n_out);
}

int mlp_unit_values(double *values, const Mlp *mlp, const double *buffer, int layer, int unit)
{
    if (!buffer || layer < 0 || layer >= mlp->num_hidden || unit < 0 || unit >= mlp->hidden[layer].out)
        return 0;
    int width = mlp->hidden[layer].out;
    for (int r = 0; r < mlp->batch; r++)
        values[r] = buffer[(size_t)r * (size_t)width + (size_t)unit];
    return mlp->batch;
}
