/* Single-precision twin of a ConvNet for fast training steps (engine layer).
 *
 * Like mlp_float.h for the Mlp: `bntutor train --net=conv` and the benchmark train through it. The twin
 * holds the parameters in float (same layout as ConvNet.params) and computes forward, backward and update
 * in float with kernels_f32.h (AVX2 with FMA where the CPU has it); the loss is computed in double, and
 * batch norm's running statistics are kept in double in the ConvNet itself (running_mean, running_var,
 * batches_seen). Nothing else of the ConvNet changes: its parameters only on convnet_float_store, and its
 * feature maps and batch statistics never (the twin has its own; convnet_float_channel_values reads
 * them). Every norm and both poolings are supported. */
#ifndef BNTUTOR_ENGINE_CONVNET_FLOAT_H
#define BNTUTOR_ENGINE_CONVNET_FLOAT_H

#include <stdbool.h>

#include "engine/convnet.h"
#include "engine/optimizer.h"
#include "util/error.h"

typedef struct ConvNetFloat ConvNetFloat;

/* A twin of net, starting from its current parameters. net must outlive the twin; its norm settings
 * (net->eps, net->bn_momentum) are read on every forward. */
ConvNetFloat *convnet_float_create(ConvNet *net);
void convnet_float_destroy(ConvNetFloat *twin);             /* accepts NULL */

/* Runs x: (n, side²) through the twin in mode, as convnet_forward does; with CONVNET_MODE_TRAIN and
 * batch norm the ConvNet's running statistics are updated. Buffers grow with n. False with a message
 * when n < 1. */
bool convnet_float_forward(ConvNetFloat *twin, const double *x, int n, ConvNetMode mode, BnError *err);

/* The same with the samples already in float: the result of convnet_float_forward on the doubles
 * they were rounded from. */
bool convnet_float_forward_f32(ConvNetFloat *twin, const float *x, int n, ConvNetMode mode, BnError *err);

/* The twin's own input buffer, with room for n samples: a caller that fills it and passes it as x to
 * convnet_float_forward_f32 or convnet_float_train_step_f32 saves a copy. Valid until the next larger
 * forward. */
float *convnet_float_input(ConvNetFloat *twin, int n);

/* The last forward's samples again in mode (e.g. batch statistics after eval), reusing the first
 * convolution's output, which no mode changes. False with a message before any forward. */
bool convnet_float_reforward(ConvNetFloat *twin, ConvNetMode mode, BnError *err);

/* Mean softmax cross-entropy of the last forward against labels (n class indices as doubles), computed
 * in double; keeps the gradient for a following step's backward. */
double convnet_float_loss(ConvNetFloat *twin, const double *labels);

/* One SGD step on a mini-batch, like convnet_train_step: training forward, loss, backward, update with
 * sgd->lr and sgd->momentum (the twin keeps its own float velocity; sgd->velocity is not used). When the
 * loss is not finite nothing is updated and false comes back with a message. */
bool convnet_float_train_step(ConvNetFloat *twin, Sgd *sgd, const double *x, const double *labels, int n,
                              double *loss, BnError *err);

/* convnet_float_train_step with the mini-batch already in float (e.g. from dataset_gather_float). */
bool convnet_float_train_step_f32(ConvNetFloat *twin, Sgd *sgd, const float *x, const double *labels, int n,
                                  double *loss, BnError *err);

/* Gradients summed over several mini-batches ("ghost batches" normalized separately, one SGD step):
 * convnet_float_add_gradient runs a training forward of x (n samples, float; running statistics are
 * updated as by a step), the mean loss into *loss, and its backward, and adds weight times that
 * gradient into accum (num_params floats); the parameters are not touched. False with err when the
 * loss is not finite. convnet_float_sgd_step then takes one SGD step with grads. */
bool convnet_float_add_gradient(ConvNetFloat *twin, const float *x, const double *labels, int n, float weight,
                                float *accum, double *loss, BnError *err);
void convnet_float_sgd_step(ConvNetFloat *twin, const Sgd *sgd, const float *grads);

/* Argmax class of each sample of the last forward. classes: (n). */
void convnet_float_predict(const ConvNetFloat *twin, int *classes);
/* Fraction of the last forward's samples whose argmax equals the label. labels: (n). */
double convnet_float_accuracy(const ConvNetFloat *twin, const double *labels);

/* Channel `channel` of block `block`'s norm output (post-norm, pre-relu maps; the convolution's output
 * without a norm) in the last forward, all samples, into values: (n·side²). Returns the count written. */
int convnet_float_channel_values(double *values, const ConvNetFloat *twin, int block, int channel);

/* convnet_float_reforward in mode, then convnet_float_channel_values of the last block's channel: the same
 * values (tests compare them bit for bit), but where the norm's sets name their channels (batch, instance,
 * group norm on the fused path) and mode keeps no running update, only the first block and the channels of
 * the channel's sets are computed again. The twin's other outputs then mix both passes: run a forward
 * before reading anything else. Returns the count written, or -1 with err (a bad channel, no forward). */
int convnet_float_channel_values_again(double *values, ConvNetFloat *twin, ConvNetMode mode, int channel,
                                       BnError *err);

/* Channel `channel` of block `block`'s convolution output (before any norm) in the last forward, all
 * samples, into values: (n·side²). Returns the count written (0 for a bad block or channel). */
int convnet_float_conv_values(double *values, const ConvNetFloat *twin, int block, int channel);

/* The mean and biased variance (in double, as the running update takes them) that batch norm used for
 * channel `channel` of block `block` in the last forward with batch statistics. False when the norm is
 * not batch norm, the last forward used the running statistics, or block or channel do not exist. */
bool convnet_float_channel_stats(const ConvNetFloat *twin, int block, int channel, double *mean, double *var);

/* Copies the twin's parameters into its ConvNet (as double). */
void convnet_float_store(const ConvNetFloat *twin);
/* Copies the ConvNet's parameters into the twin (after they were changed on the double side). */
void convnet_float_load(ConvNetFloat *twin);

#endif
