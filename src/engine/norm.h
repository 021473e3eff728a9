/* Batch, layer, instance, group and RMS normalization of an N×C×H×W tensor, in double (engine layer).
 *
 * Tensors are row-major (N, C, H, W): sample, then channel, then row, then column, the order of
 * PyTorch's x.reshape(N, -1). H = W = 1 is the N×C matrix of batchnorm.h. Each method normalizes the
 * values of one "set" with that set's mean and biased variance:
 *   batch:    one set per channel c, over N·H·W values          (BatchNorm1d/2d)
 *   layer:    one set per sample n, over C·H·W values           (LayerNorm over the last three dims)
 *   instance: one set per (n, c), over H·W values               (InstanceNorm2d, affine)
 *   group:    one set per (n, g), over C/G channels × H·W values (GroupNorm with G groups)
 * then applies γ and β: one per channel, except layer norm's one per element (C·H·W).
 *   rms:      layer norm's sets and per-element γ, but no centring and no β (PyTorch's RMSNorm, a
 *             weight only): x̂ = x / √(mean(x²) + ε), y = γ·x̂. Its "mean" is 0, its "var" mean(x²).
 * Sets are numbered: batch c; layer and rms n; instance n·C + c; group n·G + g.
 *
 * Tokens (N×T×C, as transformers hold them, x[n][t][c]) are the shape norm_shape_tokens gives: each
 * token a sample of C channels at one position. Layer and RMS norm then normalize each token over its
 * C features (F.layer_norm(x, (C,))), with one γ per feature; batch norm each feature over all N·T
 * tokens (BatchNorm1d on x.transpose(1, 2)). */
#ifndef BNTUTOR_ENGINE_NORM_H
#define BNTUTOR_ENGINE_NORM_H

#include <stdbool.h>

#include "util/error.h"

/* The methods. Adding one: its constant here (last, and named in NORM_METHOD_COUNT), its descriptor
 * in norm.c's table, and its kernels; the calculator, the conv net, the lessons' settings and the
 * scenes take everything else from the table. */
typedef enum NormMethod {
    NORM_BATCH,
    NORM_LAYER,
    NORM_INSTANCE,
    NORM_GROUP,
    NORM_RMS,
} NormMethod;
enum { NORM_METHOD_COUNT = NORM_RMS + 1 };

typedef struct NormShape {
    int n, c, h, w;
    int groups;     /* G, group norm only (must divide c); ignored by the other methods */
} NormShape;

/* Where one set lies in the tensor: which samples and which channels it takes, every position of
 * each. For prose ("channel 2, every sample") and for walking the set. */
typedef struct NormSetPlace {
    int sample;                     /* the one sample it lies in, or -1: every sample */
    int group;                      /* its group of channels (group norm), else -1 */
    int channel_first, channel_last;/* the channels it takes */
    bool every_channel;             /* it is a whole sample (layer norm), whatever C is */
} NormSetPlace;

typedef struct NormDescriptor NormDescriptor;

/* Forward with the set's own statistics, and its backward, over sets laid out as the descriptor says
 * (buffers as in norm_forward_train and norm_backward below; the shape is already checked). */
typedef void NormForwardKernel(const NormDescriptor *d, double *y, double *xhat, double *mean, double *var,
                               double *rstd, const double *x, const double *gamma, const double *beta, double eps,
                               const NormShape *shape);
typedef void NormBackwardKernel(const NormDescriptor *d, double *dx, double *dgamma, double *dbeta,
                                const double *dy, const double *xhat, const double *rstd, const double *gamma,
                                const NormShape *shape);

/* One normalization method: everything the calculator, the conv net and the scenes need to know. */
struct NormDescriptor {
    NormMethod method;
    const char *name;               /* "batch": option values and lesson settings */
    const char *title;              /* "Batch", as in "Batch normalization" */
    const char *averages;           /* what one set averages, in words: "a channel over samples and positions" */
    const char *set_values;         /* the same as a count, for messages: "N*H*W values per channel" */
    bool running_stats;             /* keeps running statistics for eval mode (else eval = training) */
    bool params_per_element;        /* γ and β per element of a sample (C·H·W), not per channel */
    bool params_vary_in_set;        /* a set spans several γ (so backward keeps γ inside its sums) */
    bool needs_groups;              /* reads NormShape.groups */
    bool no_centering;              /* subtracts no mean: x̂ = x·rstd, rstd = 1/√(mean(x²) + ε) (RMS norm);
                                     * its statistics are mean = 0 and var = mean(x²) */
    bool no_shift;                  /* has no β: y = γ·x̂, and dβ stays untouched */
    const char *token_averages;     /* with tokens (norm_shape_tokens): what one set averages, in words;
                                     * NULL when the method has no per-token form */
    int (*num_sets)(const NormShape *shape);
    int (*set_size)(const NormShape *shape);
    NormSetPlace (*set_place)(const NormShape *shape, int set);
    int (*set_of)(const NormShape *shape, int sample, int channel);
    NormForwardKernel *forward;
    NormBackwardKernel *backward;
};

/* The descriptor of a method (any NormMethod below NORM_METHOD_COUNT). */
const NormDescriptor *norm_descriptor(NormMethod method);
const char *norm_method_name(NormMethod method);            /* "batch", "layer", "instance", "group", "rms" */
bool norm_method_parse(const char *name, NormMethod *method);
/* Every method's name in table order, NULL-terminated: a list of choices for options and settings. */
const char *const *norm_method_names(void);
/* "batch, layer, instance, group, rms" into buf (the valid values, for messages); returns buf. */
const char *norm_method_list(char *buf, int size);

/* The shape of N samples of T tokens of C features (x[n][t][c]): N·T samples of C channels, H = W = 1,
 * so a set of layer or RMS norm is one token's C features. Set n·T + t is token t of sample n. */
NormShape norm_shape_tokens(int n, int tokens, int c);

/* Number of sets (statistics), values in each set, and γ/β values for the method and shape.
 * These and norm_set_of expect a shape norm_check accepts (group norm divides by C/G). */
int norm_num_sets(NormMethod method, const NormShape *shape);
int norm_set_size(NormMethod method, const NormShape *shape);
int norm_num_params(NormMethod method, const NormShape *shape);
/* The set that element (sample, channel, position = row·W + column) belongs to. */
int norm_set_of(NormMethod method, const NormShape *shape, int sample, int channel, int position);
/* Where set `set` lies (see NormSetPlace). */
NormSetPlace norm_set_place(NormMethod method, const NormShape *shape, int set);

/* False with a message for a shape the method cannot normalize: a dimension < 1, G not dividing C,
 * or (training) a set of a single value, which has no variance to normalize with. */
bool norm_check(NormMethod method, const NormShape *shape, bool training, BnError *err);

/* Forward with the statistics of the batch itself (training mode for batch norm; the only mode of the
 * others). y, xhat, x: N·C·H·W  mean, var (biased), rstd = 1/sqrt(var + eps): one per set; for every
 * method xhat = (x − mean)·rstd (mean = 0 and var = mean(x²) without centring).
 * gamma, beta: norm_num_params values (beta unread by a method without β). Calls norm_check(…, true, …)
 * first. */
bool norm_forward_train(double *y, double *xhat, double *mean, double *var, double *rstd,
                        const double *x, const double *gamma, const double *beta, double eps,
                        NormMethod method, const NormShape *shape, BnError *err);

/* Batch norm's eval forward with stored per-channel statistics (running_mean, running_var: C). */
void norm_forward_eval_batch(double *y, const double *x, const double *running_mean,
                             const double *running_var, const double *gamma, const double *beta,
                             double eps, const NormShape *shape);

/* Backward of norm_forward_train. dx: N·C·H·W overwritten; dgamma, dbeta: norm_num_params values,
 * accumulated into (dbeta untouched by a method without β). dy, xhat: N·C·H·W  rstd: one per set  gamma: norm_num_params. */
void norm_backward(double *dx, double *dgamma, double *dbeta, const double *dy, const double *xhat,
                   const double *rstd, const double *gamma, NormMethod method, const NormShape *shape);

/* Running statistics of batch norm use batchnorm_update_running (batchnorm.h) with the count
 * N·H·W in place of the batch size, so the unbiased variance divides by N·H·W − 1 as PyTorch does. */

#endif
