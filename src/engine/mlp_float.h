/* Single-precision twin of an Mlp for fast training steps (engine layer).
 *
 * `bntutor train` and the benchmark train through it; the lessons' scenes keep the double Mlp, so every
 * number a learner reads there is computed in double. The twin holds the parameters in float (same
 * layout as Mlp.params) and computes forward, loss, backward and update in float, except that the loss
 * and the BN running statistics are kept in double in the Mlp itself. mlp_float_store writes the
 * parameters back, so the Mlp can then evaluate, predict and be drawn as usual. */
#ifndef BNTUTOR_ENGINE_MLP_FLOAT_H
#define BNTUTOR_ENGINE_MLP_FLOAT_H

#include <stdbool.h>

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

/* Argmax class of each row of the last step's forward. classes: (n). */
void mlp_float_predict(const MlpFloat *twin, int *classes);

/* Copies the twin's parameters into its Mlp (as double). */
void mlp_float_store(const MlpFloat *twin);
/* Copies the Mlp's parameters into the twin (after they were changed on the double side). */
void mlp_float_load(MlpFloat *twin);

#endif
