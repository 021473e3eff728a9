/* A small network training on a dataset for the live scenes (scene layer). */
#ifndef BNTUTOR_SCENE_NETRUN_H
#define BNTUTOR_SCENE_NETRUN_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/dataset.h"
#include "engine/mlp.h"
#include "engine/optimizer.h"
#include "scene/history.h"
#include "util/error.h"

/* ---- NetRun: dataset + network + optimizer + mini-batch sampler ----------------------------- */

typedef struct NetRunConfig {
    const char *dataset;    /* a synthetic set name; "fashion-mnist" falls back to synth784 */
    const double *hidden;   /* (num_hidden) widths */
    int num_hidden;
    Activation act;
    BnPlacement placement;
    int batch;
    double lr;
    double alpha;           /* running-statistics momentum in PyTorch's meaning (weight of the batch) */
    double eps;
    BnConvention convention;
    uint64_t seed;
    int n_train, n_test;    /* ≤ 0: the set's defaults */
} NetRunConfig;

typedef enum NetRunState {
    NETRUN_OK,
    NETRUN_DIVERGED,        /* the loss or a parameter stopped being finite (or exploded) */
    NETRUN_FAILED,          /* training cannot run, e.g. BN with a batch of one */
} NetRunState;

typedef struct NetRun {
    Dataset *train, *test;
    Mlp *mlp;
    Sgd *sgd;
    BatchSampler sampler;
    int batch;
    int *idx;               /* (batch) */
    double *bx, *by;        /* (batch, dim), (batch) */
    long step;              /* training steps taken */
    double loss;            /* mini-batch loss of the last step */
    NetRunState state;
    char message[ERROR_MESSAGE_MAX]; /* why, when not NETRUN_OK */
    bool fallback;          /* the requested dataset was replaced (fashion-mnist → synth784) */
} NetRun;

/* The scene's seed: the tutor's seed mixed with the page's `seed` setting, so either one changes the data. */
static inline uint64_t netrun_seed(uint64_t seed, long page_seed)
{
    return seed ^ ((uint64_t)page_seed * 0x9E3779B97F4A7C15ULL);
}
bool netrun_init(NetRun *run, const NetRunConfig *config, BnError *err);
void netrun_free(NetRun *run);                      /* accepts a zeroed or freed run */
/* One SGD step; false (and state set) when training cannot go on. */
bool netrun_step(NetRun *run);
/* Test accuracy (0..1) in eval mode over at most `limit` test rows (≤ 0: all), or the classification
 * accuracy of `mlp` when given (a snapshot network with the same shapes). */
double netrun_accuracy(NetRun *run, Mlp *mlp, int limit);
/* Eval-mode accuracy (0..1, NaN on failure) of net over the first `rows` rows of set, fed `chunk`
 * rows at a time through scratch (chunk, dim): eval mode treats each row on its own, so this is the
 * very figure of one pass over all rows, without holding all of them (or the network's buffers for
 * all of them) at once. */
double netrun_set_accuracy(Mlp *net, const Dataset *set, int rows, double *scratch, int chunk);
/* Whether every parameter and running statistic is finite. */
bool netrun_finite(const Mlp *mlp);

#endif
