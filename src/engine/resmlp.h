/* A residual MLP: a stack of blocks x + F(x) with layer norm before the branch (pre-norm) or after the addition (post-norm), in double (engine layer).
 *
 * The network, for a mini-batch of N rows (every buffer row-major):
 *     x₀ = W_in·input + b_in                                  the embedding, (N, D)
 *     block l (l = 1 … B), with F(u) = W₂·act(W₁·u + c₁) + c₂ (D → D → D):
 *       pre-norm:   x_l = x_{l−1} + E(F(LN₁(x_{l−1})))
 *       post-norm:  x_l = LN₁(x_{l−1} + E(F(x_{l−1})))
 *     head: logits = W_out·LN_f(x_B) + b_out (pre-norm: a final norm, as pre-norm transformers have)
 *           logits = W_out·x_B + b_out           (post-norm: the last block already normalized)
 * LN is layer norm of each row over its D features (norm.c's "layer" method with H = W = 1), with a
 * γ and β per feature, ε 1e-5. E is the identity, except with zero_init_last: then E is a second layer
 * norm LN₂ at the very end of every branch whose γ starts at 0 (β at 0), the way torchvision's
 * zero_init_residual zeroes the γ of each residual block's last BN. Every branch then outputs exactly 0
 * at initialization, so a pre-norm block starts as the identity (x_l = x_{l−1}) and a post-norm block
 * as LN₁(x_{l−1}); the branch weights get no gradient until γ of LN₂ has moved away from 0.
 *
 * All parameters live in one block (params) and their gradients in a second block of the same layout
 * (grads): the embedding, then each block's LN₁ γ, β, W₁, c₁, W₂, c₂ (and LN₂ γ, β), then the final
 * norm (pre-norm) and the head, so a block's parameters are one contiguous run. */
#ifndef BNTUTOR_ENGINE_RESMLP_H
#define BNTUTOR_ENGINE_RESMLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/activation.h"
#include "engine/optimizer.h"
#include "util/error.h"

typedef enum NormPlace {
    NORM_PLACE_PRE,     /* inside the branch, before F (and a final norm before the head) */
    NORM_PLACE_POST,    /* after the addition */
} NormPlace;

const char *resmlp_place_name(NormPlace place);             /* "pre", "post" */
bool resmlp_place_parse(const char *name, NormPlace *place);

enum { RESMLP_MAX_BLOCKS = 64, RESMLP_MAX_WIDTH = 1024 };

typedef struct ResMlpConfig {
    int n_in, width, blocks, n_out;     /* input features, D, B, classes (≥ 2) */
    NormPlace place;
    bool zero_init_last;                /* LN₂ with γ = 0 at the end of every branch (see above) */
    Activation act;                     /* inside F; relu by default */
    double eps;                         /* of every layer norm */
    uint64_t seed;                      /* initial weights */
} ResMlpConfig;

/* Fills config with the defaults: 12 blocks of width 32, pre-norm, relu, ε 1e-5, seed 1. */
void resmlp_config_init(ResMlpConfig *config, int n_in, int n_out);

typedef struct ResMlpBlock {
    /* Parameters (cut out of ResMlp.params) and their gradients (same offsets in ResMlp.grads). */
    double *g1, *b1, *dg1, *db1;        /* (D) LN₁ */
    double *w1, *dw1, *w2, *dw2;        /* (D, D) */
    double *c1, *dc1, *c2, *dc2;        /* (D) */
    double *g2, *b2, *dg2, *db2;        /* (D) LN₂, NULL without zero_init_last */
    size_t offset, count;               /* where the block's parameters lie in params/grads */
    /* The last forward, (N, D) each unless said. */
    double *in;                         /* x_{l−1} */
    double *u;                          /* what F reads: LN₁(x_{l−1}) (pre) or x_{l−1} (post: == in) */
    double *xhat1;                      /* LN₁'s normalized input */
    double *a, *h;                      /* W₁·u + c₁ and act(a) */
    double *f;                          /* F(u) */
    double *xhat2, *e;                  /* LN₂'s normalized input and output E(F(u)) (NULL without LN₂) */
    double *out;                        /* x_l */
    double *rstd1, *rstd2;              /* (N) */
} ResMlpBlock;

typedef struct ResMlp {
    ResMlpConfig config;
    double *w_in, *b_in, *dw_in, *db_in;    /* (D, IN), (D) */
    ResMlpBlock *block;                     /* (B) */
    double *gf, *bf, *dgf, *dbf;            /* (D) the final norm, NULL with post-norm */
    double *w_out, *b_out, *dw_out, *db_out;/* (OUT, D), (OUT) */
    size_t num_params;
    double *params, *grads;
    /* The last forward. */
    int batch;
    double *input;                          /* (N, IN) */
    double *x0;                             /* (N, D) the embedding */
    double *z, *xhatf, *rstdf;              /* (N, D) the head's input (final norm's output or x_B), (N, D), (N) */
    double *logits, *dlogits;               /* (N, OUT) */
    /* Private: rows the buffers hold, their block, and scratch for backward. */
    int capacity;
    double *acts;
    double *scratch;
} ResMlp;

/* Checks the sizes (1 ≤ B ≤ RESMLP_MAX_BLOCKS, 2 ≤ D ≤ RESMLP_MAX_WIDTH, n_in ≥ 1, ≥ 2 classes, ε > 0)
 * and draws the weights from PCG32(seed): He normals (std √(2/fan-in)) for W_in and W₁, std √(1/D) for
 * W₂, Xavier for W_out; biases and β 0, γ 1 (LN₂'s γ 0). The draws do not depend on the placement or
 * on zero_init_last, so a pre-norm and a post-norm stack of one seed start from the same weights.
 * NULL with a message on bad sizes. */
ResMlp *resmlp_create(const ResMlpConfig *config, BnError *err);
void resmlp_destroy(ResMlp *net);                           /* accepts NULL */

/* Runs x: (n, n_in) through the stack (n ≥ 1: layer norm works on each row alone); logits land in
 * net->logits. Buffers grow when n exceeds the capacity. */
void resmlp_forward(ResMlp *net, const double *x, int n);
/* Mean softmax cross-entropy of the last forward against labels (n class indices as doubles);
 * writes net->dlogits. */
double resmlp_loss(ResMlp *net, const double *labels);
/* Back-propagates net->dlogits, accumulating into net->grads. */
void resmlp_backward(ResMlp *net);
/* ‖∂L/∂θ‖ over every parameter of block l (0-based) from the gradients in net->grads. */
double resmlp_block_grad_norm(const ResMlp *net, int l);
/* Classification accuracy of the last forward (0 to 1). */
double resmlp_accuracy(const ResMlp *net, const double *labels);

/* One SGD step on a mini-batch: zero the gradients, forward, loss (*loss), backward, update with sgd at
 * its lr as set now (a warm-up changes sgd->lr between steps). The gradients stay readable for
 * resmlp_block_grad_norm. False, nothing updated, when the loss is not finite. */
bool resmlp_train_step(ResMlp *net, Sgd *sgd, const double *x, const double *labels, int n, double *loss);

#endif
