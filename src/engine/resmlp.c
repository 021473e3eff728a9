/* A residual MLP with pre-norm or post-norm layer norm: forward, backward, per-block gradient norms (engine layer). */
#include "engine/resmlp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/linear.h"
#include "engine/loss.h"
#include "engine/norm.h"
#include "engine/optimizer.h"
#include "util/alloc.h"
#include "util/pcg32.h"

/* The weights' own stream, so they share no numbers with data or mini-batch order drawn from the seed. */
#define RESMLP_WEIGHT_STREAM 0x7265736du

const char *resmlp_place_name(NormPlace place) { return place == NORM_PLACE_POST ? "post" : "pre"; }

bool resmlp_place_parse(const char *name, NormPlace *place)
{
    if (strcmp(name, "pre") == 0)
        *place = NORM_PLACE_PRE;
    else if (strcmp(name, "post") == 0)
        *place = NORM_PLACE_POST;
    else
        return false;
    return true;
}

void resmlp_config_init(ResMlpConfig *config, int n_in, int n_out)
{
    *config = (ResMlpConfig){ .n_in = n_in, .width = 32, .blocks = 12, .n_out = n_out, .place = NORM_PLACE_PRE,
                              .act = ACTIVATION_RELU, .eps = 1e-5, .seed = 1 };
}

static bool config_check(const ResMlpConfig *c, BnError *err)
{
    if (c->blocks < 1 || c->blocks > RESMLP_MAX_BLOCKS) {
        error_set(err, "", "blocks must be 1 to %d, not %d", RESMLP_MAX_BLOCKS, c->blocks);
        return false;
    }
    if (c->width < 2 || c->width > RESMLP_MAX_WIDTH) {
        error_set(err, "", "width must be 2 to %d, not %d", RESMLP_MAX_WIDTH, c->width);
        return false;
    }
    if (c->n_in < 1) {
        error_set(err, "", "a residual network needs at least 1 input");
        return false;
    }
    if (c->n_out < 2) {
        error_set(err, "", "a residual network needs at least 2 classes");
        return false;
    }
    if (!(c->eps > 0) || !isfinite(c->eps)) {
        error_set(err, "", "eps must be a positive number");
        return false;
    }
    return true;
}

/* Cuts every parameter (and its gradient) out of the two blocks; with NULL blocks only counts. */
static size_t layout_params(ResMlp *net, double *p, double *g)
{
    const ResMlpConfig *c = &net->config;
    size_t d = (size_t)c->width, at = 0;
#define TAKE(ptr, dptr, count)                                                                                   \
    do {                                                                                                         \
        if (p) {                                                                                                 \
            ptr = p + at;                                                                                        \
            dptr = g + at;                                                                                       \
        }                                                                                                        \
        at += (count);                                                                                           \
    } while (0)
    TAKE(net->w_in, net->dw_in, d * (size_t)c->n_in);
    TAKE(net->b_in, net->db_in, d);
    for (int l = 0; l < c->blocks; l++) {
        ResMlpBlock *b = &net->block[l];
        size_t start = at;
        TAKE(b->g1, b->dg1, d);
        TAKE(b->b1, b->db1, d);
        TAKE(b->w1, b->dw1, d * d);
        TAKE(b->c1, b->dc1, d);
        TAKE(b->w2, b->dw2, d * d);
        TAKE(b->c2, b->dc2, d);
        if (c->zero_init_last) {
            TAKE(b->g2, b->dg2, d);
            TAKE(b->b2, b->db2, d);
        }
        b->offset = start;
        b->count = at - start;
    }
    if (c->place == NORM_PLACE_PRE) {
        TAKE(net->gf, net->dgf, d);
        TAKE(net->bf, net->dbf, d);
    }
    TAKE(net->w_out, net->dw_out, (size_t)c->n_out * d);
    TAKE(net->b_out, net->db_out, (size_t)c->n_out);
#undef TAKE
    return at;
}

static void fill_normal(double *w, size_t count, double std, Pcg32 *rng)
{
    for (size_t i = 0; i < count; i++)
        w[i] = std * pcg32_normal(rng);
}

static void fill_const(double *v, int count, double value)
{
    for (int i = 0; v && i < count; i++)
        v[i] = value;
}

ResMlp *resmlp_create(const ResMlpConfig *config, BnError *err)
{
    if (!config_check(config, err))
        return NULL;
    ResMlp *net = xcalloc(1, sizeof *net);
    net->config = *config;
    net->block = xcalloc((size_t)config->blocks, sizeof *net->block);
    net->num_params = layout_params(net, NULL, NULL);
    net->params = xcalloc(net->num_params, sizeof(double));
    net->grads = xcalloc(net->num_params, sizeof(double));
    layout_params(net, net->params, net->grads);

    int d = config->width;
    Pcg32 rng;
    pcg32_seed(&rng, config->seed, RESMLP_WEIGHT_STREAM);
    /* Fixed order, whatever the placement: embedding, each block's W₁ and W₂, head. */
    fill_normal(net->w_in, (size_t)d * (size_t)config->n_in, sqrt(2.0 / config->n_in), &rng);
    for (int l = 0; l < config->blocks; l++) {
        ResMlpBlock *b = &net->block[l];
        fill_normal(b->w1, (size_t)d * (size_t)d, sqrt(2.0 / d), &rng);
        fill_normal(b->w2, (size_t)d * (size_t)d, sqrt(1.0 / d), &rng);
        fill_const(b->g1, d, 1.0);
        fill_const(b->g2, d, 0.0);     /* zero_init_last: every branch starts at exactly 0 */
    }
    fill_const(net->gf, d, 1.0);
    fill_normal(net->w_out, (size_t)config->n_out * (size_t)d, sqrt(2.0 / (d + config->n_out)), &rng);
    return net;
}

void resmlp_destroy(ResMlp *net)
{
    if (!net)
        return;
    free(net->block);
    free(net->params);
    free(net->grads);
    free(net->acts);
    free(net->scratch);
    free(net);
}

/* Per block: in, u, xhat1, a, h, f, xhat2, e, out as (N, D) and rstd1, rstd2 as (N). */
enum { BLOCK_MATRICES = 9, BLOCK_VECTORS = 2 };

/* Grows the activation buffers to hold n rows, one allocation cut into pieces. */
static void ensure_capacity(ResMlp *net, int n)
{
    if (n <= net->capacity)
        return;
    const ResMlpConfig *c = &net->config;
    size_t rows = (size_t)n, d = (size_t)c->width;
    size_t per_block = BLOCK_MATRICES * rows * d + BLOCK_VECTORS * rows;
    size_t total = rows * (size_t)c->n_in + 3 * rows * d + rows + 2 * rows * (size_t)c->n_out
                   + (size_t)c->blocks * per_block;
    free(net->acts);
    free(net->scratch);
    net->acts = xcalloc(total, sizeof(double));
    net->scratch = xcalloc(4 * rows * d + 2 * rows, sizeof(double));
    double *p = net->acts;
#define CUT(ptr, count)                                                                                          \
    do {                                                                                                         \
        ptr = p;                                                                                                 \
        p += (count);                                                                                            \
    } while (0)
    CUT(net->input, rows * (size_t)c->n_in);
    CUT(net->x0, rows * d);
    CUT(net->z, rows * d);
    CUT(net->xhatf, rows * d);
    CUT(net->rstdf, rows);
    CUT(net->logits, rows * (size_t)c->n_out);
    CUT(net->dlogits, rows * (size_t)c->n_out);
    for (int l = 0; l < c->blocks; l++) {
        ResMlpBlock *b = &net->block[l];
        CUT(b->in, rows * d);
        CUT(b->u, rows * d);
        CUT(b->xhat1, rows * d);
        CUT(b->a, rows * d);
        CUT(b->h, rows * d);
        CUT(b->f, rows * d);
        CUT(b->xhat2, rows * d);
        CUT(b->e, rows * d);
        CUT(b->out, rows * d);
        CUT(b->rstd1, rows);
        CUT(b->rstd2, rows);
    }
#undef CUT
    net->capacity = n;
}

/* Layer norm of n rows of d features: y, xhat (n, d), rstd (n); mean and var go to scratch. */
static void layer_norm(ResMlp *net, double *y, double *xhat, double *rstd, const double *x, const double *gamma,
                       const double *beta, int n)
{
    int d = net->config.width;
    NormShape shape = { .n = n, .c = d, .h = 1, .w = 1 };
    double *mean = net->scratch + 4 * (size_t)n * (size_t)d, *var = mean + n;
    /* The shape was checked at creation (d ≥ 2, n ≥ 1), so this cannot fail. */
    norm_forward_train(y, xhat, mean, var, rstd, x, gamma, beta, net->config.eps, NORM_LAYER, &shape, NULL);
}

static void layer_norm_backward(const ResMlp *net, double *dx, double *dgamma, double *dbeta, const double *dy,
                                const double *xhat, const double *rstd, const double *gamma, int n)
{
    NormShape shape = { .n = n, .c = net->config.width, .h = 1, .w = 1 };
    norm_backward(dx, dgamma, dbeta, dy, xhat, rstd, gamma, NORM_LAYER, &shape);
}

static void block_forward(ResMlp *net, ResMlpBlock *b, const double *x, int n)
{
    int d = net->config.width, count = n * d;
    bool pre = net->config.place == NORM_PLACE_PRE;
    memcpy(b->in, x, (size_t)count * sizeof *x);
    if (pre)
        layer_norm(net, b->u, b->xhat1, b->rstd1, b->in, b->g1, b->b1, n);
    else
        memcpy(b->u, b->in, (size_t)count * sizeof *x);
    linear_forward(b->a, b->u, b->w1, b->c1, n, d, d);
    activation_forward(b->h, b->a, count, net->config.act);
    linear_forward(b->f, b->h, b->w2, b->c2, n, d, d);
    const double *branch = b->f;
    if (b->g2) {
        layer_norm(net, b->e, b->xhat2, b->rstd2, b->f, b->g2, b->b2, n);
        branch = b->e;
    }
    if (pre) {
        for (int i = 0; i < count; i++)
            b->out[i] = b->in[i] + branch[i];
    } else {
        /* The sum goes to `a`'s neighbour in scratch, then LN₁ writes the block's output. */
        double *sum = net->scratch;
        for (int i = 0; i < count; i++)
            sum[i] = b->in[i] + branch[i];
        layer_norm(net, b->out, b->xhat1, b->rstd1, sum, b->g1, b->b1, n);
    }
}

void resmlp_forward(ResMlp *net, const double *x, int n)
{
    const ResMlpConfig *c = &net->config;
    ensure_capacity(net, n);
    net->batch = n;
    memcpy(net->input, x, (size_t)n * (size_t)c->n_in * sizeof *x);
    linear_forward(net->x0, net->input, net->w_in, net->b_in, n, c->n_in, c->width);
    const double *h = net->x0;
    for (int l = 0; l < c->blocks; l++) {
        block_forward(net, &net->block[l], h, n);
        h = net->block[l].out;
    }
    if (c->place == NORM_PLACE_PRE)
        layer_norm(net, net->z, net->xhatf, net->rstdf, h, net->gf, net->bf, n);
    else
        memcpy(net->z, h, (size_t)n * (size_t)c->width * sizeof *h);
    linear_forward(net->logits, net->z, net->w_out, net->b_out, n, c->width, c->n_out);
}

double resmlp_loss(ResMlp *net, const double *labels)
{
    return loss_softmax_cross_entropy(net->dlogits, NULL, net->logits, labels, net->batch, net->config.n_out);
}

/* dout: (N, D) ∂L/∂x_l on entry; on return ∂L/∂x_{l−1}. Uses the scratch's first three (N, D) rows. */
static void block_backward(ResMlp *net, ResMlpBlock *b, double *dout, int n)
{
    int d = net->config.width, count = n * d;
    bool pre = net->config.place == NORM_PLACE_PRE;
    double *ds = net->scratch, *t1 = ds + count, *t2 = t1 + count;
    /* ∂L/∂(x_{l−1} + branch): through LN₁ after the addition (post) or straight (pre). */
    if (pre)
        memcpy(ds, dout, (size_t)count * sizeof *ds);
    else
        layer_norm_backward(net, ds, b->dg1, b->db1, dout, b->xhat1, b->rstd1, b->g1, n);
    const double *dbranch = ds;
    if (b->g2) {
        layer_norm_backward(net, t1, b->dg2, b->db2, ds, b->xhat2, b->rstd2, b->g2, n);
        dbranch = t1;
    }
    /* F backward: t2 = ∂L/∂h, then ∂L/∂a in place, then ∂L/∂u into t1. */
    linear_backward(t2, b->dw2, b->dc2, dbranch, b->h, b->w2, n, d, d);
    activation_backward(t2, t2, b->a, b->h, count, net->config.act);
    linear_backward(t1, b->dw1, b->dc1, t2, b->u, b->w1, n, d, d);
    if (pre) {
        /* u = LN₁(x_{l−1}): back through it, then add the identity path. */
        layer_norm_backward(net, t2, b->dg1, b->db1, t1, b->xhat1, b->rstd1, b->g1, n);
        for (int i = 0; i < count; i++)
            dout[i] = ds[i] + t2[i];
    } else {
        for (int i = 0; i < count; i++)
            dout[i] = ds[i] + t1[i];
    }
}

void resmlp_backward(ResMlp *net)
{
    const ResMlpConfig *c = &net->config;
    int n = net->batch, count = n * c->width;
    double *dz = net->scratch + 3 * (size_t)count;
    linear_backward(dz, net->dw_out, net->db_out, net->dlogits, net->z, net->w_out, n, c->width, c->n_out);
    if (c->place == NORM_PLACE_PRE) {
        /* dz → ∂L/∂x_B, through the final norm (scratch row 0 as a bounce buffer). */
        layer_norm_backward(net, net->scratch, net->dgf, net->dbf, dz, net->xhatf, net->rstdf, net->gf, n);
        memcpy(dz, net->scratch, (size_t)count * sizeof *dz);
    }
    for (int l = c->blocks - 1; l >= 0; l--)
        block_backward(net, &net->block[l], dz, n);
    linear_backward(NULL, net->dw_in, net->db_in, dz, net->input, net->w_in, n, c->n_in, c->width);
}

double resmlp_block_grad_norm(const ResMlp *net, int l)
{
    const ResMlpBlock *b = &net->block[l];
    double sum = 0;
    for (size_t i = 0; i < b->count; i++)
        sum += net->grads[b->offset + i] * net->grads[b->offset + i];
    return sqrt(sum);
}

double resmlp_accuracy(const ResMlp *net, const double *labels)
{
    int k = net->config.n_out, right = 0;
    for (int r = 0; r < net->batch; r++) {
        const double *row = net->logits + (size_t)r * (size_t)k;
        int best = 0;
        for (int j = 1; j < k; j++)
            if (row[j] > row[best])
                best = j;
        right += best == (int)labels[r];
    }
    return net->batch ? (double)right / net->batch : 0.0;
}

bool resmlp_train_step(ResMlp *net, Sgd *sgd, const double *x, const double *labels, int n, double *loss)
{
    optimizer_zero_grad(net->grads, net->num_params);
    resmlp_forward(net, x, n);
    *loss = resmlp_loss(net, labels);
    if (!isfinite(*loss))
        return false;
    resmlp_backward(net);
    sgd_step(sgd, net->params, net->grads);
    return true;
}
