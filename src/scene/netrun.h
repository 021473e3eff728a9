/* A small network training on a dataset for the live scenes, and copies of one trained side by side (scene layer). */
#ifndef BNTUTOR_SCENE_NETRUN_H
#define BNTUTOR_SCENE_NETRUN_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/dataset.h"
#include "engine/mlp.h"
#include "engine/optimizer.h"
#include "lesson/lesson.h"
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

/* The paper convention's statistics for eval mode (Algorithm 2): the plain average over up to
 * NETRUN_POPULATION_BATCHES consecutive training batches run through `net` frozen at its current
 * weights. netrun_accuracy calls it first when `net` follows the paper convention. */
enum { NETRUN_POPULATION_BATCHES = 50 };
void netrun_population_stats(NetRun *run, Mlp *net);

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

/* ---- NetGroup: copies of one small network trained side by side on the same mini-batches -------- */

enum { NETGROUP_MAX = 4 };

typedef struct NetGroup {
    Dataset *train, *test;
    double *test_x;                 /* (test rows, dim) every test input, for eval-mode passes */
    int nets;
    Mlp *net[NETGROUP_MAX];         /* created from one config, so the same initial weights */
    Sgd *sgd[NETGROUP_MAX];
    MlpMode mode[NETGROUP_MAX];     /* the forward of net k's training steps: MLP_MODE_TRAIN unless set */
    BatchSampler sampler;           /* one sampler: every net sees the same rows */
    bool sampling;                  /* sampler initialised */
    int batch;                      /* rows per step, at most batch_max */
    int batch_max;
    int *idx;                       /* (batch_max) */
    double *x, *y;                  /* (batch_max, dim), (batch_max) the current mini-batch */
    long step;
    bool diverged;                  /* a net failed a step or its loss reached 1e3: no more steps */
} NetGroup;

/* How large a network a side-by-side scene takes, and why (for the message when a page asks for more). */
typedef struct NetGroupLimits {
    const char *scene;
    int min_layers, max_layers, max_width;
    const char *why;
} NetGroupLimits;

/* The page's `hidden` and `act` as a network from a two-feature set's 2 inputs to its 2 classes, BN before
 * each activation, initial weights from seed. False with a message naming the scene and its limits when
 * hidden has too few or too many layers or a layer too wide. */
bool netgroup_page_config(MlpConfig *config, const LessonPage *page, uint64_t seed, const NetGroupLimits *limits,
                          BnError *err);
/* Takes over train and test (freed on failure too), copies the test inputs, creates `nets` networks of
 * config with SGD at rate lr and buffers for batches of up to batch_max rows (batch starts there). Call
 * netgroup_restart before the first step. */
bool netgroup_init(NetGroup *g, Dataset *train, Dataset *test, int nets, const MlpConfig *config, double lr,
                   int batch_max, BnError *err);
void netgroup_free(NetGroup *g);                    /* accepts a zeroed or freed group */
/* Step 0 again with a new sampler from sampler_seed; the networks are left as they are. */
void netgroup_restart(NetGroup *g, uint64_t sampler_seed);
/* One mini-batch of `batch` rows, one training step of every net on it; false once diverged. */
bool netgroup_step(NetGroup *g);

#endif
