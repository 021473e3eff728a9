/* Convolutional network forward, backward and training step over flat parameter blocks (engine layer). */
#include "engine/convnet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/batchnorm.h"
#include "engine/linear.h"
#include "engine/loss.h"
#include "util/alloc.h"
#include "util/pcg32.h"

/* The stream of the weight generator: fixed so that only the seed chooses the weights. */
enum { CONVNET_WEIGHT_STREAM = 0x636e6e };

const char *convnet_norm_name(ConvNorm norm)
{
    return norm >= 0 && norm < norm_method_count() ? norm_method_name((NormMethod)norm) : "none";
}

bool convnet_norm_parse(const char *name, ConvNorm *norm)
{
    NormMethod method;
    if (strcmp(name, "none") == 0) {
        *norm = CONV_NORM_NONE;
        return true;
    }
    if (!norm_method_parse(name, &method))
        return false;
    *norm = (ConvNorm)method;
    return true;
}

NormMethod convnet_norm_method(ConvNorm norm)
{
    return norm >= 0 && norm < norm_method_count() ? (NormMethod)norm : NORM_BATCH;
}

bool convnet_norm_has_running_stats(ConvNorm norm)
{
    return norm != CONV_NORM_NONE && norm_descriptor(convnet_norm_method(norm))->running_stats;
}

void convnet_config_init(ConvNetConfig *config)
{
    memset(config, 0, sizeof *config);
    config->side = 28;
    config->channels[0] = 8;
    config->channels[1] = 16;
    config->classes = 10;
    config->norm = CONV_NORM_NONE;
    config->groups = 4;
    config->pool = POOL_MAX;
    config->eps = batchnorm_default_eps(BN_CONVENTION_PYTORCH);
    config->bn_momentum = batchnorm_default_momentum(BN_CONVENTION_PYTORCH);
    config->seed = 1;
}

static bool config_check(const ConvNetConfig *c, BnError *err)
{
    if (c->side < 4 || c->side > 4096 || c->side % 4 != 0) {
        error_set(err, "network", "images must be square with a side divisible by 4 (two 2x2 poolings), "
                  "from 4 to 4096; got %d", c->side);
        return false;
    }
    for (int b = 0; b < CONVNET_BLOCKS; b++)
        if (c->channels[b] < 1 || c->channels[b] > 1024) {
            error_set(err, "network", "block %d has %d channels; 1 to 1024 are allowed", b + 1, c->channels[b]);
            return false;
        }
    if (c->classes < 2 || c->classes > 1 << 16) {
        error_set(err, "network", "a classifier needs 2 to %d classes, got %d", 1 << 16, c->classes);
        return false;
    }
    if (c->norm < CONV_NORM_NONE || c->norm >= norm_method_count() || (unsigned)c->pool > POOL_AVG) {
        error_set(err, "network", "unknown norm or pooling");
        return false;
    }
    if (c->norm != CONV_NORM_NONE && norm_descriptor(convnet_norm_method(c->norm))->needs_groups)
        for (int b = 0; b < CONVNET_BLOCKS; b++)
            if (c->groups < 1 || c->channels[b] % c->groups != 0) {
                error_set(err, "network", "group norm's %d groups must divide the %d channels of block %d",
                          c->groups, c->channels[b], b + 1);
                return false;
            }
    if (c->norm != CONV_NORM_NONE) {
        if (!(c->eps > 0.0) || !isfinite(c->eps)) {
            error_set(err, "network", "norm epsilon must be positive, got %g", c->eps);
            return false;
        }
        if (!(c->bn_momentum >= 0.0 && c->bn_momentum <= 1.0)) {
            error_set(err, "network", "batch norm momentum must be in [0, 1], got %g", c->bn_momentum);
            return false;
        }
    }
    return true;
}

static NormShape block_norm_shape(const ConvNet *net, const ConvNetBlock *blk, int n)
{
    return (NormShape){ .n = n, .c = blk->c_out, .h = blk->side, .w = blk->side, .groups = net->config.groups };
}

static ConvShape block_conv_shape(const ConvNetBlock *blk, int n)
{
    return (ConvShape){ .n = n, .c_in = blk->c_in, .c_out = blk->c_out, .h = blk->side, .w = blk->side };
}

/* Hands out consecutive pieces of one allocation. */
static double *take(double **cursor, size_t count)
{
    double *p = *cursor;
    *cursor += count;
    return p;
}

ConvNet *convnet_create(const ConvNetConfig *config, BnError *err)
{
    if (!config_check(config, err))
        return NULL;
    ConvNet *net = xcalloc(1, sizeof *net);
    net->config = *config;
    net->bn_momentum = config->bn_momentum;
    net->eps = config->eps;
    bool norm = config->norm != CONV_NORM_NONE;
    bool batch_norm = convnet_norm_has_running_stats(config->norm);
    int c_in = 1, side = config->side;
    size_t total = 0, fixed = 0;
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        ConvNetBlock *blk = &net->block[b];
        blk->c_in = c_in;
        blk->c_out = config->channels[b];
        blk->side = side;
        if (norm) {
            NormShape ns = block_norm_shape(net, blk, 1);
            blk->num_norm_params = norm_num_params(convnet_norm_method(config->norm), &ns);
        }
        total += (size_t)blk->c_out * blk->c_in * 9 + (size_t)(norm ? 2 * blk->num_norm_params : blk->c_out);
        fixed += (size_t)blk->c_out * (batch_norm ? 4 : 2);
        c_in = blk->c_out;
        side /= 2;
    }
    net->features = c_in * side * side;
    total += (size_t)config->classes * net->features + config->classes;
    net->num_params = total;
    net->params = xcalloc(total, sizeof *net->params);
    net->grads = xcalloc(total, sizeof *net->grads);

    double *p = net->params, *g = net->grads;
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        ConvNetBlock *blk = &net->block[b];
        size_t nw = (size_t)blk->c_out * blk->c_in * 9;
        blk->w = take(&p, nw), blk->dw = take(&g, nw);
        if (norm) {
            blk->gamma = take(&p, (size_t)blk->num_norm_params), blk->dgamma = take(&g, (size_t)blk->num_norm_params);
            blk->beta = take(&p, (size_t)blk->num_norm_params), blk->dbeta = take(&g, (size_t)blk->num_norm_params);
        } else {
            blk->b = take(&p, (size_t)blk->c_out), blk->db = take(&g, (size_t)blk->c_out);
        }
    }
    net->w_fc = take(&p, (size_t)config->classes * net->features);
    net->dw_fc = take(&g, (size_t)config->classes * net->features);
    net->b_fc = take(&p, (size_t)config->classes), net->db_fc = take(&g, (size_t)config->classes);

    /* Statistics that do not grow with the batch: one small block, cut the same way. */
    double *stats = xcalloc(fixed, sizeof *stats);
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        ConvNetBlock *blk = &net->block[b];
        blk->chan_mean = take(&stats, (size_t)blk->c_out);
        blk->chan_var = take(&stats, (size_t)blk->c_out);
        if (batch_norm) {
            blk->running_mean = take(&stats, (size_t)blk->c_out);
            blk->running_var = take(&stats, (size_t)blk->c_out);
        }
    }

    /* Weights in a fixed order from one stream, whatever the norm: conv 1, conv 2, head. */
    Pcg32 rng;
    pcg32_seed(&rng, config->seed, CONVNET_WEIGHT_STREAM);
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        ConvNetBlock *blk = &net->block[b];
        double scale = sqrt(2.0 / (blk->c_in * 9.0));     /* He: relu follows */
        for (size_t k = 0; k < (size_t)blk->c_out * blk->c_in * 9; k++)
            blk->w[k] = scale * pcg32_normal(&rng);
        for (int k = 0; k < blk->num_norm_params; k++)
            blk->gamma[k] = 1.0;
    }
    double scale = sqrt(2.0 / (net->features + config->classes));
    for (size_t k = 0; k < (size_t)config->classes * net->features; k++)
        net->w_fc[k] = scale * pcg32_normal(&rng);
    convnet_reset_running_stats(net);
    return net;
}

void convnet_destroy(ConvNet *net)
{
    if (!net)
        return;
    free(net->block[0].chan_mean);      /* the start of the statistics block */
    free(net->params);
    free(net->grads);
    free(net->acts);
    free(net->iacts);
    free(net->rows);
    free(net->dcols);
    free(net);
}

void convnet_reset_running_stats(ConvNet *net)
{
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        ConvNetBlock *blk = &net->block[b];
        if (!blk->running_mean)
            continue;
        for (int c = 0; c < blk->c_out; c++) {
            blk->running_mean[c] = 0.0;
            blk->running_var[c] = 1.0;
        }
        blk->batches_seen = 0;
    }
}

/* (Re)cuts every per-sample buffer for n samples. */
static void ensure_capacity(ConvNet *net, int n)
{
    if (n <= net->capacity)
        return;
    bool norm = net->config.norm != CONV_NORM_NONE;
    size_t total = 0, itotal = 0, rows = 0, dcols = 0;
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        const ConvNetBlock *blk = &net->block[b];
        ConvShape cs = block_conv_shape(blk, n);
        size_t maps = (size_t)n * blk->c_out * blk->side * blk->side;
        /* cols; conv, act, dact, dnormed; out, dout; mean, var, rstd; with a norm xhat, normed, dconv. */
        total += conv_cols_size(&cs) + maps * (norm ? 7 : 4) + maps / 4 * 2 + 3 * (size_t)n * blk->c_out;
        itotal += maps / 4;
        rows = rows > conv_rows_size(&cs) ? rows : conv_rows_size(&cs);
        if (b > 0)
            dcols = dcols > conv_cols_size(&cs) ? dcols : conv_cols_size(&cs);
    }
    total += (size_t)n * net->config.side * net->config.side + 3 * (size_t)n * net->config.classes;
    free(net->acts);
    free(net->iacts);
    free(net->rows);
    free(net->dcols);
    net->acts = xcalloc(total, sizeof *net->acts);
    net->iacts = xcalloc(itotal, sizeof *net->iacts);
    net->rows = xcalloc(rows, sizeof *net->rows);
    net->dcols = xcalloc(dcols ? dcols : 1, sizeof *net->dcols);
    double *a = net->acts;
    int *ia = net->iacts;
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        ConvNetBlock *blk = &net->block[b];
        ConvShape cs = block_conv_shape(blk, n);
        size_t maps = (size_t)n * blk->c_out * blk->side * blk->side;
        blk->cols = take(&a, conv_cols_size(&cs));
        blk->conv = take(&a, maps);
        blk->act = take(&a, maps);
        blk->dact = take(&a, maps);
        blk->dnormed = take(&a, maps);
        blk->out = take(&a, maps / 4);
        blk->dout = take(&a, maps / 4);
        /* A set per (sample, channel) is the most any method has (instance norm). */
        blk->mean = take(&a, (size_t)n * blk->c_out);
        blk->var = take(&a, (size_t)n * blk->c_out);
        blk->rstd = take(&a, (size_t)n * blk->c_out);
        if (norm) {
            blk->xhat = take(&a, maps);
            blk->normed = take(&a, maps);
            blk->dconv = take(&a, maps);
        } else {
            blk->xhat = NULL;
            blk->normed = blk->conv;
            blk->dconv = blk->dnormed;
        }
        blk->argmax = ia;
        ia += maps / 4;
    }
    net->input = take(&a, (size_t)n * net->config.side * net->config.side);
    net->logits = take(&a, (size_t)n * net->config.classes);
    net->probs = take(&a, (size_t)n * net->config.classes);
    net->dlogits = take(&a, (size_t)n * net->config.classes);
    net->capacity = n;
}

/* Per-channel mean and biased variance of an (N, C, S, S) map, two passes. */
static void channel_stats(double *mean, double *var, const double *x, int n, int c, int plane)
{
    double count = (double)n * plane;
    for (int ch = 0; ch < c; ch++) {
        double sum = 0.0;
        for (int s = 0; s < n; s++) {
            const double *p = x + ((size_t)s * c + ch) * plane;
            for (int k = 0; k < plane; k++)
                sum += p[k];
        }
        double m = sum / count, ss = 0.0;
        for (int s = 0; s < n; s++) {
            const double *p = x + ((size_t)s * c + ch) * plane;
            for (int k = 0; k < plane; k++)
                ss += (p[k] - m) * (p[k] - m);
        }
        mean[ch] = m;
        var[ch] = ss / count;
    }
}

static bool block_forward(ConvNet *net, ConvNetBlock *blk, const double *in, int n, ConvNetMode mode,
                          BnError *err)
{
    ConvShape cs = block_conv_shape(blk, n);
    int plane = blk->side * blk->side;
    size_t maps = (size_t)n * blk->c_out * plane;
    conv_forward(blk->conv, blk->cols, net->rows, in, blk->w, blk->b, &cs);
    channel_stats(blk->chan_mean, blk->chan_var, blk->conv, n, blk->c_out, plane);
    ConvNorm norm = net->config.norm;
    if (norm != CONV_NORM_NONE) {
        NormMethod method = convnet_norm_method(norm);
        NormShape ns = block_norm_shape(net, blk, n);
        if (convnet_norm_has_running_stats(norm) && mode == CONVNET_MODE_EVAL) {
            norm_forward_eval_batch(blk->normed, blk->conv, blk->running_mean, blk->running_var, blk->gamma,
                                    blk->beta, net->eps, &ns);
        } else {
            if (!norm_forward_train(blk->normed, blk->xhat, blk->mean, blk->var, blk->rstd, blk->conv,
                                    blk->gamma, blk->beta, net->eps, method, &ns, err))
                return false;
            blk->num_sets = norm_num_sets(method, &ns);
            if (convnet_norm_has_running_stats(norm) && mode == CONVNET_MODE_TRAIN)
                batchnorm_update_running(blk->running_mean, blk->running_var, &blk->batches_seen, blk->mean,
                                         blk->var, BN_CONVENTION_PYTORCH, net->bn_momentum, n * plane,
                                         blk->c_out);
        }
    }
    for (size_t k = 0; k < maps; k++)
        blk->act[k] = blk->normed[k] < 0.0 ? 0.0 : blk->normed[k];    /* NaN passes, as in PyTorch */
    return pool_forward(blk->out, blk->argmax, blk->act, net->config.pool, n, blk->c_out, blk->side, blk->side,
                        err);
}

bool convnet_forward(ConvNet *net, const double *x, int n, ConvNetMode mode, BnError *err)
{
    if (n < 1) {
        error_set(err, "network", "a forward pass needs at least 1 sample, got %d", n);
        return false;
    }
    ensure_capacity(net, n);
    net->batch = n;
    net->mode = mode;
    net->backward_ready = false;
    memcpy(net->input, x, sizeof *x * (size_t)n * net->config.side * net->config.side);
    const double *in = net->input;
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        if (!block_forward(net, &net->block[b], in, n, mode, err))
            return false;
        in = net->block[b].out;
    }
    linear_forward(net->logits, in, net->w_fc, net->b_fc, n, net->features, net->config.classes);
    net->backward_ready = !(mode == CONVNET_MODE_EVAL && convnet_norm_has_running_stats(net->config.norm));
    return true;
}

double convnet_loss(ConvNet *net, const double *labels)
{
    return loss_softmax_cross_entropy(net->dlogits, net->probs, net->logits, labels, net->batch,
                                      net->config.classes);
}

bool convnet_backward(ConvNet *net, BnError *err)
{
    if (!net->backward_ready) {
        error_set(err, "network", "backward needs a forward with batch statistics (train mode) first");
        return false;
    }
    int n = net->batch;
    ConvNetBlock *last = &net->block[CONVNET_BLOCKS - 1];
    linear_backward(last->dout, net->dw_fc, net->db_fc, net->dlogits, last->out, net->w_fc, n, net->features,
                    net->config.classes);
    for (int b = CONVNET_BLOCKS - 1; b >= 0; b--) {
        ConvNetBlock *blk = &net->block[b];
        size_t maps = (size_t)n * blk->c_out * blk->side * blk->side;
        pool_backward(blk->dact, blk->dout, blk->argmax, net->config.pool, n, blk->c_out, blk->side, blk->side);
        for (size_t k = 0; k < maps; k++)
            blk->dnormed[k] = blk->normed[k] > 0.0 ? blk->dact[k] : 0.0;
        if (net->config.norm != CONV_NORM_NONE) {
            NormShape ns = block_norm_shape(net, blk, n);
            norm_backward(blk->dconv, blk->dgamma, blk->dbeta, blk->dnormed, blk->xhat, blk->rstd, blk->gamma,
                          convnet_norm_method(net->config.norm), &ns);
        }
        ConvShape cs = block_conv_shape(blk, n);
        conv_backward(b > 0 ? net->block[b - 1].dout : NULL, blk->dw, blk->db, net->dcols, net->rows, blk->dconv,
                      blk->cols, blk->w, &cs);
    }
    return true;
}

bool convnet_train_step(ConvNet *net, Sgd *sgd, const double *x, const double *labels, int n, double *loss,
                        BnError *err)
{
    optimizer_zero_grad(net->grads, net->num_params);
    if (!convnet_forward(net, x, n, CONVNET_MODE_TRAIN, err))
        return false;
    *loss = convnet_loss(net, labels);
    if (!isfinite(*loss)) {
        error_set(err, "train", "the loss is %g: the learning rate is too large", *loss);
        return false;
    }
    if (!convnet_backward(net, err))
        return false;
    sgd_step(sgd, net->params, net->grads);
    return true;
}

void convnet_predict(const ConvNet *net, int *classes)
{
    int k = net->config.classes;
    for (int s = 0; s < net->batch; s++) {
        const double *row = net->logits + (size_t)s * k;
        int best = 0;
        for (int c = 1; c < k; c++)
            if (row[c] > row[best])
                best = c;
        classes[s] = best;
    }
}

double convnet_accuracy(const ConvNet *net, const double *labels)
{
    if (net->batch < 1)
        return 0.0;
    int k = net->config.classes, correct = 0;
    for (int s = 0; s < net->batch; s++) {
        const double *row = net->logits + (size_t)s * k;
        int best = 0;
        for (int c = 1; c < k; c++)
            if (row[c] > row[best])
                best = c;
        correct += best == (int)labels[s];
    }
    return (double)correct / net->batch;
}

int convnet_channel_values(double *values, const ConvNet *net, int block, const double *buffer, int channel)
{
    if (block < 0 || block >= CONVNET_BLOCKS || !buffer)
        return 0;
    const ConvNetBlock *blk = &net->block[block];
    if (channel < 0 || channel >= blk->c_out)
        return 0;
    int plane = blk->side * blk->side, count = 0;
    for (int s = 0; s < net->batch; s++) {
        const double *p = buffer + ((size_t)s * blk->c_out + channel) * plane;
        for (int k = 0; k < plane; k++)
            values[count++] = p[k];
    }
    return count;
}
