/* Networks that differ only in BN placement, trained in lockstep on the same mini-batches (scene layer). */
#ifndef BNTUTOR_SCENE_LOCKSTEP_H
#define BNTUTOR_SCENE_LOCKSTEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/dataset.h"
#include "engine/mlp.h"
#include "engine/mlp_float.h"
#include "engine/mlp_infer.h"
#include "scene/bandchart.h"
#include "scene/history.h"
#include "scene/settings.h"
#include "util/error.h"
#include "view/canvas.h"
#include "view/rect.h"

/* Enough for a learning-rate sweep: up to 8 rates, each with and without BN. */
enum { LOCKSTEP_MAX_NETS = 16 };

/* The mini-batch order's seed is the scene seed XOR this, so it shares no numbers with the data or
 * the weights (tests replay a run with it). */
#define LOCKSTEP_SAMPLER_STREAM 0x5a17u
/* The stream of noisy BN's draws. */
#define LOCKSTEP_NOISE_STREAM 0x6e6f6973u

/* Loss above this (cross-entropy starts near ln 10 ≈ 2.3) counts as diverged, like a non-finite one. */
#define LOCKSTEP_LOSS_LIMIT 1e3

typedef struct LockstepConfig {
    const char *dataset;            /* dataset_load name: synthetic or "idx:DIR" */
    uint64_t seed;                  /* data, initial weights (shared by every net) and mini-batch order */
    int n_train, n_test;            /* ≤ 0: the set's default size */
    const double *hidden;           /* (num_hidden) widths, as a lesson list gives them */
    int num_hidden;
    Activation act;
    int batch;
    double lr;
    double lrs[LOCKSTEP_MAX_NETS];  /* a net's own learning rate (a sweep); 0: lr */
    BnPlacement placements[LOCKSTEP_MAX_NETS];
    int nets;                       /* 1..LOCKSTEP_MAX_NETS */
    BnRule rule;                    /* convention, ε and momentum of every BN layer (bnrule_of_page) */
    bool noisy[LOCKSTEP_MAX_NETS];  /* noisy BN (mlp_noise_draw) on this net; needs a placement */
    double noise_mean_sd, noise_scale_sd;
    bool float_steps;               /* train through each net's float twin (mlp_float.h), for a scene whose
                                     * learner reads nothing that needs double; the probes stay double */
} LockstepConfig;

typedef struct Lockstep Lockstep;

struct Lockstep {
    Dataset *train, *test;
    int nets;
    BnPlacement placement[LOCKSTEP_MAX_NETS];
    Mlp *mlp[LOCKSTEP_MAX_NETS];    /* same seed and shapes, so the same initial weights */
    Sgd *sgd[LOCKSTEP_MAX_NETS];
    MlpFloat *twin[LOCKSTEP_MAX_NETS];  /* with float_steps: the float twins that take the steps */
    BatchSampler sampler;           /* one sampler: every net sees the same mini-batches */
    int batch;
    int *idx;                       /* (batch) */
    double *x, *y;                  /* (batch, dim), (batch) the current mini-batch */
    long step;                      /* mini-batches trained */
    double loss[LOCKSTEP_MAX_NETS]; /* loss on the last mini-batch, NaN once the net diverged */
    /* 0 while net k trains; else the step at which its loss went non-finite or above
     * LOCKSTEP_LOSS_LIMIT. A diverged net stops alone: it takes no more steps, and its (possibly NaN)
     * weights are never probed or measured, while the other nets go on. */
    long diverged_at[LOCKSTEP_MAX_NETS];
    bool diverged;                  /* every net diverged: the run can take no more steps */
    bool noisy[LOCKSTEP_MAX_NETS];
    double noise_mean_sd, noise_scale_sd;
    Pcg32 noise_rng;                /* its own stream: noise never moves the batches or the weights */
    /* Called for each net after its noise is drawn and before it steps on the mini-batch in ls->x,
     * ls->y (e.g. to probe it there); NULL for none. */
    void (*before_step)(void *ctx, const Lockstep *ls, int k);
    void *before_step_ctx;
};

/* Loads the data and builds the nets. False with a message (dataset errors, bad shapes). */
/* The page's network settings into config (zeroed first): dataset (synth784 standing in when no real data is
 * installed; 10000/1000 rows of real data, enough without a slow first frame), seed, convention, hidden, act,
 * batch, lr. The caller adds the nets and their placements. */
void lockstep_config_from_page(LockstepConfig *config, const LessonPage *page, uint64_t seed);
/* The page's data as a scene header names them: "Fashion-MNIST", the synthetic set, or the set standing in
 * for real data that is not installed ("synth784 (stand-in)"). */
void lockstep_data_label(char *buf, size_t size, const LessonPage *page);
bool lockstep_init(Lockstep *ls, const LockstepConfig *config, BnError *err);
void lockstep_free(Lockstep *ls);                   /* accepts a zeroed struct */
/* One mini-batch for every net still training (with float_steps through the twins: the double nets'
 * parameters are then behind until lockstep_sync, which lockstep_probe and lockstep_test_accuracy call).
 * A net whose loss is not finite or huge is marked diverged (diverged_at) and stops; the others go on.
 * False (and ls->diverged, the step count standing) when no net is left training. */
bool lockstep_step(Lockstep *ls);
/* Whether net k still trains (has not diverged). */
static inline bool lockstep_alive(const Lockstep *ls, int k) { return ls->diverged_at[k] == 0; }
/* How many nets diverged so far. */
int lockstep_diverged_count(const Lockstep *ls);
/* A net's name for a legend or a title: `name`, or "name (diverged at step N)" once it diverged. */
const char *lockstep_series_name(const Lockstep *ls, int k, const char *name, char *buf, int size);
/* With float_steps, copies net k's twin's parameters into the double net (nothing without). */
void lockstep_sync(const Lockstep *ls, int k);
/* Runs the first `rows` test rows through net k with their own batch statistics (rows clamped to the
 * test size, ≥ 2), filling the taps; the net and its training buffers are left as they were. False for
 * a diverged net. */
bool lockstep_probe(const Lockstep *ls, int k, int rows, const MlpInferTap *taps, int num_taps);
/* Eval-mode accuracy of net k on the first `rows` test rows, 0..1 (NaN on failure or once it diverged). */
double lockstep_test_accuracy(Lockstep *ls, int k, int rows);

/* The name of a net for labels: "no BN", "BN before", "BN after". */
const char *lockstep_net_label(BnPlacement placement);

#endif
