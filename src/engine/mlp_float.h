/* Single-precision twin of an Mlp for fast training steps (engine layer).
 *
 * `bntutor train`, the benchmark and the drift scene (through lockstep.h) train through it; the other
 * scenes keep the double Mlp. The twin holds the parameters in float (same
 * layout as Mlp.params) and computes forward, loss, backward and update in float, except that the loss
 * and the BN running statistics are kept in double in the Mlp itself. mlp_float_store writes the
 * parameters back, so the Mlp can then evaluate, predict and be drawn as usual. */
#ifndef BNTUTOR_ENGINE_MLP_FLOAT_H
#define BNTUTOR_ENGINE_MLP_FLOAT_H

#include <stdbool.h>

#include "engine/dataset.h"
#include "engine/mlp.h"
#include "engine/optimizer.h"
#include "util/error.h"

typedef struct MlpFloat MlpFloat;

/* A twin of mlp, starting from its current parameters. mlp must outlive the twin; its BN settings
 * (convention, momentum, ε) are read on every step, and its running statistics are updated in place. */
MlpFloat *mlp_float_create(Mlp *mlp);
void mlp_float_destroy(MlpFloat *twin);                     /* accepts NULL */

/* One SGD step on a mini-batch, like mlp_train_step: training forward, loss, backward, update with
 * sgd->lr and sgd->momentum (the twin keeps its own float velocity; sgd->velocity is not used).
 * x: (n, n_in)  targets: (n) labels or (n, n_out) values. When the loss is not finite nothing is
 * updated and false comes back with a message. The Mlp's parameters are not touched until
 * mlp_float_store; its running and batch statistics are. */
bool mlp_float_train_step(MlpFloat *twin, Sgd *sgd, const double *x, const double *targets, int n,
                          double *loss, BnError *err);

/* The same step with its mini-batch already in float (e.g. from dataset_gather_float): the same
 * result as mlp_float_train_step on the doubles those floats were rounded from. */
bool mlp_float_train_step_f32(MlpFloat *twin, Sgd *sgd, const float *x, const double *targets, int n,
                              double *loss, BnError *err);

/* The twin's own input buffer, with room for n rows of n_in floats: a caller that fills it and passes
 * it as x to mlp_float_train_step_f32 saves a copy. Valid until the next larger step or forward. */
float *mlp_float_input(MlpFloat *twin, int n);

/* `bntutor train`'s evaluation in float: rows first .. first+n-1 of set through the twin's current
 * parameters, leaving the networks untouched. logits: (n, n_out) in eval mode (the Mlp's running
 * statistics). column: (n) unit `unit`'s input to its activation in hidden layer `layer`, in
 * batch-statistics mode over these n rows with BN (the one pass without). The first layer's product is
 * computed once for both modes. Within float rounding of mlp_infer_rows_both on the stored parameters
 * (tests bound it); fails (err) on rows outside the set, a bad width or unit, or BN with one row. */
bool mlp_float_infer(MlpFloat *twin, const Dataset *set, int first, int n, double *logits, int layer, int unit,
                     double *column, BnError *err);

/* Argmax class of each row of the last step's forward. classes: (n). */
void mlp_float_predict(const MlpFloat *twin, int *classes);

/* Copies the twin's parameters into its Mlp (as double). */
void mlp_float_store(const MlpFloat *twin);
/* Copies the Mlp's parameters into the twin (after they were changed on the double side). */
void mlp_float_load(MlpFloat *twin);

#endif
