/* Multilayer perceptron with optional batch norm before or after every hidden activation (engine layer).
 *
 * Hidden layer ℓ, by placement:  none:   z = linear(x)+b → act → out
 *                                 before: z = linear(x)   → BN → act → out  (the original paper;
 *                                         z = linear(x)+b with config.bias_before_bn)
 *                                 after:  z = linear(x)+b → act → BN → out
 * then a linear output layer to logits (classification) or values (regression).
 * All parameters live in one block (params) and all gradients in a second block of the same layout
 * (grads), so an optimizer is one flat loop over num_params. Every buffer of the last forward and
 * backward stays readable in the layer structs, for the lessons to draw. */
#ifndef BNTUTOR_ENGINE_MLP_H
#define BNTUTOR_ENGINE_MLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/activation.h"
#include "engine/batchnorm.h"
#include "engine/optimizer.h"
#include "util/error.h"
#include "util/pcg32.h"

typedef enum BnPlacement {
    BN_PLACEMENT_NONE,
    BN_PLACEMENT_BEFORE,    /* linear (no bias) → BN → activation */
    BN_PLACEMENT_AFTER,     /* linear (+bias) → activation → BN */
} BnPlacement;

const char *mlp_placement_name(BnPlacement placement);     /* "none", "before", "after" */
bool mlp_placement_parse(const char *name, BnPlacement *placement);

/* Where dropout (mlp_dropout_enable) sits. Inverted dropout: in a training step each value is kept with
 * probability 1-p and divided by 1-p, or zeroed; eval mode has none. */
typedef enum MlpDropPlace {
    MLP_DROP_BEFORE_BN,     /* on the output of every hidden layer but the last: in front of the next
                             * layer's BN, whose batch statistics then see the dropped values */
    MLP_DROP_AFTER_BN,      /* on the output of the last hidden layer only: after every BN, in front of
                             * the output layer (the usual fix of Li, Chen, Hu & Yang 2019) */
} MlpDropPlace;

const char *mlp_drop_place_name(MlpDropPlace place);       /* "before-bn", "after-bn" */
bool mlp_drop_place_parse(const char *name, MlpDropPlace *place);

typedef enum MlpTask {
    MLP_TASK_CLASSIFY,      /* outputs are logits; softmax cross-entropy against class labels */
    MLP_TASK_REGRESS,       /* outputs are values; mean squared error against targets */
} MlpTask;

typedef enum MlpMode {
    MLP_MODE_TRAIN,         /* BN uses the batch statistics and updates the running statistics
                             * (not in the paper convention: see mlp_population_add) */
    MLP_MODE_BATCH_STATS,   /* BN uses the batch statistics, running statistics untouched (observing) */
    MLP_MODE_EVAL,          /* BN uses the running statistics: inference, any batch size */
    MLP_MODE_FROZEN,        /* BN frozen for fine-tuning: the running statistics as in eval mode, left
                             * as they are, and x̂ kept so that backward trains γ, β and the weights
                             * (PyTorch's eval() on the BN modules during training); with
                             * Mlp.freeze_affine γ and β stay fixed too (Keras's trainable=False) */
} MlpMode;

enum { MLP_MAX_SIZES = 34 };    /* input + up to 32 hidden + output */

typedef struct MlpConfig {
    int num_sizes;              /* ≥ 2 */
    int sizes[MLP_MAX_SIZES];   /* input, hidden..., output (classes, or values for regression) */
    Activation act;             /* of every hidden layer */
    BnPlacement bn;             /* for every hidden layer */
    bool bias_before_bn;        /* with BN before: keep the linear layer's bias b anyway, as a network
                                 * written without `bias=False` does (BN's mean cancels it: lesson 16) */
    MlpTask task;
    BnConvention convention;    /* running-statistics convention */
    double bn_momentum;         /* in the convention's own meaning */
    double eps;
    uint64_t seed;              /* initial weights */
} MlpConfig;

/* Fills config with sizes and the defaults: sigmoid, no BN, classification, PyTorch convention
 * (momentum 0.1, ε 1e-5), seed 1. Sizes beyond MLP_MAX_SIZES are dropped (mlp_create then refuses). */
void mlp_config_init(MlpConfig *config, const int *sizes, int num_sizes);

typedef struct MlpLayer {
    int in, out;                    /* widths */
    /* Parameters (cut out of Mlp.params) and their gradients (same offsets in Mlp.grads). */
    double *w, *dw;                 /* (OUT,IN) */
    double *b, *db;                 /* (OUT), NULL with BN before (BN's β replaces the bias) unless
                                     * config.bias_before_bn */
    double *gamma, *dgamma;         /* (OUT), NULL without BN */
    double *beta, *dbeta;           /* (OUT), NULL without BN */
    /* Running statistics (not learnable), NULL without BN. */
    double *running_mean, *running_var; /* (OUT); start at 0 and 1 */
    long batches_seen;              /* training batches folded in (the paper convention's divisor) */
    /* Activations of the last forward, (batch, OUT) each, row-major. */
    double *z;                      /* linear output */
    double *pre;                    /* input to the activation ("input to a sigmoid"): BN output or z */
    double *act;                    /* activation output */
    double *y;                      /* layer output: act, or BN(act) with BN after */
    double *xhat;                   /* BN's normalized input, NULL without BN; undefined after eval */
    double *bn_in;                  /* what BN normalizes: z (before) or act (after); NULL without BN */
    double *mean, *var, *rstd;      /* (OUT) BN batch statistics of the last training-mode forward */
    /* Gradients of the last backward, (batch, OUT) each. */
    double *dout;                   /* ∂loss/∂y */
    double *dpre;                   /* ∂loss/∂pre */
    double *dz;                     /* ∂loss/∂z */
    /* Noisy BN (mlp_noise_enable): after BN, y·scale + shift per unit, in batch-statistics forwards
     * only; NULL when off or without BN. */
    double *noise_scale, *noise_shift;  /* (OUT) */
    /* Dropout on this layer's output in the last forward (mlp_dropout_enable), else NULL: the mask
     * (0 or 1/(1-p)) and the dropped output y·mask, which the next layer reads; (batch, OUT) each. */
    double *mask, *dropped;
} MlpLayer;

typedef struct Mlp {
    MlpConfig config;
    int num_hidden;
    int n_in, n_out;
    MlpLayer *hidden;               /* (num_hidden) */
    double *w_out, *dw_out;         /* (n_out, last width) */
    double *b_out, *db_out;         /* (n_out) */
    size_t num_params;
    double *params;                 /* (num_params) every learnable value */
    double *grads;                  /* (num_params) same layout */
    /* BN settings in use; may be changed between steps (e.g. a lesson's momentum slider). */
    BnConvention convention;
    double bn_momentum, eps;
    /* The last forward. */
    int batch;                      /* rows */
    MlpMode mode;
    double *input;                  /* (batch, n_in) copy of the input */
    double *logits;                 /* (batch, n_out) outputs */
    double *probs;                  /* (batch, n_out) softmax after mlp_loss (classification) */
    double *dlogits;                /* (batch, n_out) written by mlp_loss */
    /* Dropout (mlp_dropout_enable): rate 0 is off. Masks are drawn from drop_rng in training-mode and
     * frozen-mode forwards only (a test replays a mask by copying drop_rng). */
    double dropout;
    MlpDropPlace drop_place;
    Pcg32 drop_rng;
    /* With MLP_MODE_FROZEN steps: γ and β are not updated either (Keras's trainable=False), while
     * mlp_backward still computes their gradients. */
    bool freeze_affine;
    /* Private: capacity in rows of the activation buffers, and the buffers' one block. */
    int capacity;
    double *acts;
} Mlp;

/* Checks the shapes (≥ 2 sizes, every size ≥ 1, ≥ 2 classes for classification) and the BN settings,
 * then draws the weights from PCG32(seed): Xavier-scaled normals (He for relu), biases and β zero,
 * γ one. The weights depend only on the seed and the shapes, never on the BN placement, so three
 * networks that differ only in placement start from the same weights. NULL with a message on error. */
Mlp *mlp_create(const MlpConfig *config, BnError *err);
void mlp_destroy(Mlp *mlp);                                 /* accepts NULL */

/* Runs x: (n, n_in) through the network; the outputs land in mlp->logits. Buffers grow when n exceeds
 * the capacity, so pointers in the layer structs are valid until the next larger forward.
 * Fails (message from batchnorm_forward_train) when a training-mode BN sees fewer than 2 rows. */
bool mlp_forward(Mlp *mlp, const double *x, int n, MlpMode mode, BnError *err);

/* Loss of the last forward; writes mlp->dlogits (and mlp->probs for classification).
 * targets: (batch) class labels as doubles, or (batch, n_out) values for regression. */
double mlp_loss(Mlp *mlp, const double *targets);

/* Back-propagates mlp->dlogits: accumulates into mlp->grads and fills each layer's dout/dpre/dz;
 * dx: (batch, n_in) written when not NULL. Fails after an eval-mode forward of a BN network (BN
 * backward needs the batch statistics, or a frozen-mode forward's x̂). */
bool mlp_backward(Mlp *mlp, double *dx, BnError *err);

/* One SGD step on a mini-batch: zero_grad, training forward, loss, backward, update. *loss gets the
 * mini-batch loss. When the loss is not finite nothing is updated and false comes back with a message. */
bool mlp_train_step(Mlp *mlp, Sgd *sgd, const double *x, const double *targets, int n, double *loss,
                    BnError *err);
/* The same step with the forward in `mode`: MLP_MODE_TRAIN (mlp_train_step), MLP_MODE_BATCH_STATS
 * (running statistics untouched) or MLP_MODE_FROZEN (BN frozen: running statistics used, not updated). */
bool mlp_train_step_mode(Mlp *mlp, Sgd *sgd, const double *x, const double *targets, int n, MlpMode mode,
                         double *loss, BnError *err);

/* Resets every BN layer's running statistics to mean 0, variance 1 and its batch count to 0. */
void mlp_reset_running_stats(Mlp *mlp);

/* The paper's population statistics (Ioffe & Szegedy, Algorithm 2, steps 8-11), one mini-batch at a
 * time: after mlp_reset_running_stats, each call runs x: (n, n_in) through the frozen network with
 * batch statistics and folds every BN layer's batch mean and unbiased variance into a plain average
 * over the batches so far (E[mu_B] and m/(m-1)·E[sigma²_B]). Parameters are untouched. The paper
 * convention keeps no running statistics while training; this pass computes them afterwards. */
bool mlp_population_add(Mlp *mlp, const double *x, int n, BnError *err);

/* Noisy BN (Santurkar, Tsipras, Ilyas & Madry 2018): after every BN, each unit's output is multiplied
 * by a scale and shifted by a shift that change from step to step, so the next layer's input
 * distribution moves more than without BN. Backward treats them as a fixed affine map. They act in
 * training-mode and batch-statistics forwards, never in eval mode. mlp_noise_enable sets scale 1 and
 * shift 0 (no effect until drawn); a network without BN has nothing to enable. */
void mlp_noise_enable(Mlp *mlp);
/* New noise for the next step from rng: shift ~ N(0, mean_sd²) and scale = exp(scale_sd·N(0, 1))
 * (positive, median 1) for every unit of every BN layer, layer by layer, shift before scale. */
void mlp_noise_draw(Mlp *mlp, Pcg32 *rng, double mean_sd, double scale_sd);
/* Copies src's current noise into dst (same shape, both enabled). */
void mlp_noise_copy(Mlp *dst, const Mlp *src);

/* Turns dropout on at rate p (0 ≤ p < 1; 0 turns it off) in place, its masks drawn from PCG32(seed).
 * Only training-mode and frozen-mode forwards drop; eval and batch-statistics forwards never do. */
void mlp_dropout_enable(Mlp *mlp, double p, MlpDropPlace place, uint64_t seed);
/* Whether hidden layer l's output is dropped in training under the current settings. */
bool mlp_layer_dropped(const Mlp *mlp, int l);

/* Copies src's parameters, running statistics and batch counts into dst, which must have the same
 * configuration shape (sizes, activation, placement); false with a message otherwise. */
bool mlp_copy_state(Mlp *dst, const Mlp *src, BnError *err);

/* Decoupled weight decay: multiplies every weight matrix (hidden W and the output's) by factor;
 * biases, γ and β are left alone. */
void mlp_scale_weights(Mlp *mlp, double factor);

/* Argmax class of each row of the last forward. classes: (batch). */
void mlp_predict(const Mlp *mlp, int *classes);
/* Fraction of rows of the last forward whose argmax equals the label. labels: (batch). */
double mlp_accuracy(const Mlp *mlp, const double *labels);
/* The same for any (n, classes) block of outputs, e.g. mlp_infer_rows'. */
double mlp_logits_accuracy(const double *logits, const double *labels, int n, int classes);

/* Copies one unit's column of a layer buffer of the last forward (e.g. layer->pre) into
 * values: (batch), the plain array a histogram widget wants. Returns the count written. */
int mlp_unit_values(double *values, const Mlp *mlp, const double *buffer, int layer, int unit);

#endif
