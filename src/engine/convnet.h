/* A small convolutional network for single-channel square images, with a choice of normalization (engine layer).
 *
 * Two blocks, then a linear layer to the class logits:
 *   block b:  conv 3×3 (C_in → C_out, same size) → norm → relu → 2×2 pool (halves the size)
 *   head:     flatten (C2·(S/4)²) → linear → logits → softmax cross-entropy
 * For 28×28 images and the default 8 and 16 channels: 1×28×28 → 8×28×28 → 8×14×14 → 16×14×14 →
 * 16×7×7 → 784 → 10. norm is none or one of norm.h's methods (batch, layer, instance, group, rms); with a
 * norm the convolution has no bias (β takes its place), without one it has a bias.
 * Batch norm keeps running statistics in PyTorch's convention (momentum 0.1, unbiased variance over
 * N·H·W values). All parameters live in one block (params) and their gradients in a second block of
 * the same layout (grads), so an optimizer is one flat loop over num_params. Every buffer of the last
 * forward and backward stays readable in the block structs, for lessons to draw. */
#ifndef BNTUTOR_ENGINE_CONVNET_H
#define BNTUTOR_ENGINE_CONVNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/conv.h"
#include "engine/norm.h"
#include "engine/optimizer.h"
#include "util/error.h"

enum { CONVNET_BLOCKS = 2 };

/* Normalization inside each block: CONV_NORM_NONE, or any norm.h method by its NormMethod value, so a
 * method added to norm.h's table is a conv-net norm too. The CONV_NORM_ names of the first four are
 * spellings of their NormMethod. */
typedef int ConvNorm;
enum {
    CONV_NORM_NONE = -1,
    CONV_NORM_BATCH = NORM_BATCH,
    CONV_NORM_LAYER = NORM_LAYER,
    CONV_NORM_INSTANCE = NORM_INSTANCE,
    CONV_NORM_GROUP = NORM_GROUP,
};

const char *convnet_norm_name(ConvNorm norm);               /* "none", "batch", "layer", ... */
bool convnet_norm_parse(const char *name, ConvNorm *norm);
/* The norm.h method of a norm other than none. */
NormMethod convnet_norm_method(ConvNorm norm);
/* Whether the norm keeps running statistics (batch norm), so eval mode differs from training. */
bool convnet_norm_has_running_stats(ConvNorm norm);

typedef enum ConvNetMode {
    CONVNET_MODE_TRAIN,         /* batch norm uses the batch statistics and updates the running ones */
    CONVNET_MODE_BATCH_STATS,   /* batch statistics, running statistics untouched (observing) */
    CONVNET_MODE_EVAL,          /* batch norm uses the running statistics; the other norms have none
                                 * and normalize each sample (or the batch, for layer norm: per sample)
                                 * exactly as in training */
} ConvNetMode;

typedef struct ConvNetConfig {
    int side;                   /* images are side × side, one channel; side divisible by 4 (28) */
    int channels[CONVNET_BLOCKS]; /* output channels of each block's convolution (8, 16) */
    int classes;                /* ≥ 2 (10) */
    ConvNorm norm;              /* in both blocks (none) */
    int groups;                 /* group norm's G; must divide every channel count (4) */
    PoolKind pool;              /* (max) */
    double eps;                 /* norm ε (1e-5) */
    double bn_momentum;         /* batch norm running statistics, PyTorch meaning (0.1) */
    uint64_t seed;              /* initial weights (1) */
} ConvNetConfig;

/* Fills config with the defaults in parentheses above. */
void convnet_config_init(ConvNetConfig *config);

typedef struct ConvNetBlock {
    int c_in, c_out;            /* channels into and out of the convolution */
    int side;                   /* H = W of the convolution and the norm; the pool halves it */
    int num_norm_params;        /* γ (and β) values: C_out, or C_out·side² for layer norm; 0 without */
    /* Parameters (cut out of ConvNet.params) and their gradients (same offsets in ConvNet.grads). */
    double *w, *dw;             /* (C_out, C_in, 3, 3) */
    double *b, *db;             /* (C_out), NULL with a norm */
    double *gamma, *dgamma;     /* (num_norm_params), NULL without a norm */
    double *beta, *dbeta;       /* (num_norm_params), NULL without a norm */
    /* Batch norm's running statistics (not learnable), NULL for the other norms; start at 0 and 1. */
    double *running_mean, *running_var; /* (C_out) */
    long batches_seen;
    /* The last forward, batch N. */
    double *cols;               /* (N·side², C_in·9) im2col of the block's input */
    double *conv;               /* (N, C_out, side, side) convolution output: the pre-norm feature maps */
    double *xhat;               /* (N, C_out, side, side) normalized conv, NULL without a norm;
                                 * undefined after an eval-mode forward with batch norm */
    double *normed;             /* (N, C_out, side, side) norm output (post-norm maps); = conv without */
    double *act;                /* (N, C_out, side, side) relu(normed) */
    double *out;                /* (N, C_out, side/2, side/2) pooled: the block's output */
    int *argmax;                /* (N, C_out, side/2, side/2) max pooling's choice */
    /* Statistics of the norm's sets in the last batch-statistics forward (norm.h numbers the sets):
     * num_sets of each. */
    int num_sets;
    double *mean, *var, *rstd;
    /* Per-channel mean and biased variance of conv over N·side² values, every forward and every norm
     * (also none): what the norm's input looks like, for drawing. (C_out) each. */
    double *chan_mean, *chan_var;
    /* The last backward, same shapes as the forward buffers. */
    double *dout, *dact, *dnormed, *dconv; /* dconv = dnormed without a norm */
} ConvNetBlock;

typedef struct ConvNet {
    ConvNetConfig config;
    ConvNetBlock block[CONVNET_BLOCKS];
    int features;               /* inputs of the linear head: C2·(side/4)² */
    double *w_fc, *dw_fc;       /* (classes, features) */
    double *b_fc, *db_fc;       /* (classes) */
    size_t num_params;
    double *params;             /* (num_params) every learnable value */
    double *grads;              /* (num_params) same layout */
    /* Norm settings in use; may be changed between steps (e.g. a lesson's momentum slider). */
    double bn_momentum, eps;
    /* The last forward. */
    int batch;                  /* samples */
    ConvNetMode mode;
    bool backward_ready;        /* the last forward saved what backward needs */
    double *input;              /* (batch, side²) copy of the input */
    double *logits;             /* (batch, classes) */
    double *probs;              /* (batch, classes) softmax, after convnet_loss */
    double *dlogits;            /* (batch, classes) written by convnet_loss */
    /* Private: capacity in samples of the activation buffers, their blocks, and scratch. */
    int capacity;
    double *acts;
    int *iacts;
    double *rows, *dcols;
} ConvNet;

/* Checks the configuration (side ≥ 4 and divisible by 4, channels ≥ 1, classes ≥ 2, G ≥ 1 dividing
 * every channel count for group norm, ε > 0, momentum in [0, 1]) and draws the weights from
 * PCG32(seed): He-scaled normals for the convolutions, Xavier for the head, biases and β zero, γ one.
 * The weights depend only on the seed and the shapes, not on the norm, so networks that differ only in
 * their norm start from the same convolution weights. NULL with a message on error. */
ConvNet *convnet_create(const ConvNetConfig *config, BnError *err);
void convnet_destroy(ConvNet *net);                         /* accepts NULL */

/* Runs x: (n, side²) pixels (as Dataset.x holds them) through the network; logits land in
 * net->logits. Buffers grow when n exceeds the capacity, so pointers in the block structs are valid
 * until the next larger forward. False with a message when n < 1, or when norm_check refuses the
 * shape (it cannot here: with side ≥ 4 every set holds several values). */
bool convnet_forward(ConvNet *net, const double *x, int n, ConvNetMode mode, BnError *err);

/* Softmax cross-entropy of the last forward against labels: (batch) class indices as doubles;
 * writes net->probs and net->dlogits, returns the mean loss. */
double convnet_loss(ConvNet *net, const double *labels);

/* Back-propagates net->dlogits, accumulating into net->grads and filling each block's d* buffers.
 * False after an eval-mode forward with batch norm (its backward needs batch statistics). */
bool convnet_backward(ConvNet *net, BnError *err);

/* One SGD step: zero_grad, training forward, loss, backward, update. *loss gets the mini-batch loss.
 * When the loss is not finite nothing is updated and false comes back with a message. */
bool convnet_train_step(ConvNet *net, Sgd *sgd, const double *x, const double *labels, int n, double *loss,
                        BnError *err);

/* Batch norm's running statistics back to mean 0, variance 1, batch count 0 (no-op for other norms). */
void convnet_reset_running_stats(ConvNet *net);

/* Argmax class of each sample of the last forward. classes: (batch). */
void convnet_predict(const ConvNet *net, int *classes);
/* Fraction of the last forward's samples whose argmax equals the label. labels: (batch). */
double convnet_accuracy(const ConvNet *net, const double *labels);

/* Copies channel `channel` of a block buffer of the last forward shaped (N, C_out, side, side), e.g.
 * block->conv or block->normed, for all samples into values: (batch·side²), the plain array a
 * histogram wants. Returns the count written. */
int convnet_channel_values(double *values, const ConvNet *net, int block, const double *buffer, int channel);

#endif
