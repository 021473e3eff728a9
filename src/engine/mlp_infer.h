/* Inference over many rows in little memory: a network's outputs without its training buffers (engine layer). */
#ifndef BNTUTOR_ENGINE_MLP_INFER_H
#define BNTUTOR_ENGINE_MLP_INFER_H

#include "engine/dataset.h"
#include "engine/mlp.h"
#include "util/error.h"

/* A value mlp_infer_rows copies out of one hidden layer on its way through. */
typedef struct MlpInferTap {
    int layer;              /* hidden layer */
    int unit;               /* one unit, or -1 for every unit of the layer */
    bool output;            /* the layer's output (what the next layer reads), not the input to its activation */
    double *values;         /* (n) for one unit, (n, layer width) row-major for every unit */
} MlpInferTap;

/* Runs rows first .. first+n-1 of set through mlp in mode MLP_MODE_EVAL or MLP_MODE_BATCH_STATS,
 * leaving the network (parameters, running statistics, buffers) untouched. It reads the inputs a few
 * rows at a time and holds one hidden layer for the n rows at a time, so 1000 test images cost a few
 * MB where mlp_forward would keep every training buffer for them. Every value equals mlp_forward's
 * on the same rows, bit for bit.
 *   logits: (n, n_out) the outputs, or NULL when only the taps are wanted.
 *   taps:   num_taps copies to make on the way: a unit's input to its activation is what
 *           mlp_unit_values(values, mlp, hidden[layer].pre, layer, unit) gives after that forward,
 *           a layer's output what hidden[layer].y holds.
 * Fails (err) on a bad mode, rows outside the set, an input width other than set->dim, a tap's bad
 * layer or unit, or the batch statistics of a single row. */
bool mlp_infer_rows(const Mlp *mlp, const Dataset *set, int first, int n, MlpMode mode, double *logits,
                    const MlpInferTap *taps, int num_taps, BnError *err);

/* mlp_infer_rows in eval mode (logits and eval_taps), then in batch-statistics mode (batch_taps) over
 * the same rows, with the inputs read and the first layer's product computed once for both passes:
 * the same values as the two calls, bit for bit, in a little more than half their time. */
bool mlp_infer_rows_both(const Mlp *mlp, const Dataset *set, int first, int n, double *eval_logits,
                         const MlpInferTap *eval_taps, int num_eval_taps, const MlpInferTap *batch_taps,
                         int num_batch_taps, BnError *err);

/* PreciseBN and AdaBN: forgets every BN layer's running statistics and re-estimates them, with the
 * weights fixed, as the paper's population statistics (mlp_population_add: the plain average of the
 * batch means, and of the unbiased batch variances) over `batches` batches of `batch` consecutive
 * rows of set: batch k starts at row k·batch (wrapping around the set; a batch cut short by the end of
 * the set stops there, and one of fewer than 2 rows is skipped). Run on the training set it is the
 * paper's Algorithm 2 (PreciseBN); on a new domain's inputs it is AdaBN. Labels are not read. Fails
 * (err) without BN, with batch < 2, or when no batch could be used. *used (may be NULL): batches averaged. */
bool mlp_recompute_stats(Mlp *mlp, const Dataset *set, int batches, int batch, int *used, BnError *err);

#endif
