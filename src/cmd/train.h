/* 'bntutor train': its options, and the network interface its one training loop drives (top layer).
 *
 * A network for the loop is a TrainNet: a class (step on a mini-batch, predicted classes of that
 * batch, evaluation on the fixed test batch, destroy) and the figures the loop needs. cmd_train.c
 * owns the loop (sampling, rows, divergence); each network is one file (train_mlp.c, train_conv.c)
 * with a create function that checks the options against the data and builds it. */
#ifndef BNTUTOR_CMD_TRAIN_H
#define BNTUTOR_CMD_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "engine/activation.h"
#include "engine/convnet.h"
#include "engine/dataset.h"
#include "engine/mlp.h"
#include "engine/mlp_float.h"
#include "engine/optimizer.h"
#include "engine/resmlp.h"
#include "util/error.h"

typedef enum TrainProbeKind {
    TRAIN_PROBE_NONE,
    TRAIN_PROBE_LANDSCAPE,      /* loss_range, grad_pred, beta_smooth */
    TRAIN_PROBE_ICS,            /* ics_l2, ics_cos */
} TrainProbeKind;

typedef struct TrainOptions {
    const char *dataset;
    bool dataset_given;
    bool paper;
    bool conv;                  /* --net=conv */
    ConvNorm norm;
    bool norm_given, bn_given;
    long groups;
    bool groups_given;
    int hidden[MLP_MAX_SIZES];
    int num_hidden;
    bool hidden_given, act_given;
    Activation act;
    BnPlacement bn;
    long steps, batch, every, unit;
    double lr, momentum;
    unsigned long long seed;
    const char *csv;
    bool double_steps;      /* --precision=double: train through the double Mlp, not its float twin */
    bool precision_given;
    bool test_shifted;      /* --test-shift: test inputs read as test_scale·x + test_offset */
    bool freeze_bn;         /* --freeze-bn=K: BN frozen (eval-mode statistics, not updated) after step K */
    long freeze_bn_after;
    bool freeze_affine;     /* --freeze-bn=K,all: γ and β frozen too (Keras's trainable=False) */
    double dropout;         /* --dropout=P[,WHERE]: rate, 0 for none */
    MlpDropPlace drop_place;
    const char *save;       /* --save=FILE: the trained network, written after the last step */
    const char *finetune_from;  /* --finetune-from=FILE: start from this saved network */
    double test_offset, test_scale;
    /* Recomputed BN statistics, measured beside the run without changing it (train_mlp.c). */
    bool recompute_stats;       /* --recompute-stats=train[:N]: PreciseBN from N training batches */
    long recompute_batches;
    bool adapt_stats;           /* --adapt-stats: AdaBN from the (shifted) test inputs */
    /* The experiments of "why does BN help" (train_probe.c). */
    bool bn_noise;              /* --bn-noise=MEAN_SD,SCALE_SD */
    double noise_mean_sd, noise_scale_sd;
    double weight_decay;        /* --weight-decay=λ, 0 for none */
    TrainProbeKind probe;       /* --probe */
    long probe_every;           /* --probe-every=N */
    bool probe_every_given;
    long probe_layer;           /* --probe-layer=K, 1-based weight layer; 0: the last hidden layer */
    bool probe_layer_given;
    /* Scale invariance (lesson 16). */
    long track_norm;            /* --track-norm=K: 1-based hidden layer whose ‖W‖ and lr/‖W‖² are columns; 0: none */
    bool bias_before_bn;        /* --bias-before-bn: the linear layers before BN keep their bias */
    /* The residual stack (--net=residual, train_residual.c). */
    bool residual;
    NormPlace norm_place;       /* --norm-place=pre|post */
    long blocks, width;         /* --blocks=B, --width=D */
    bool zero_init_last;        /* --zero-init-last */
    bool residual_option;       /* one of the four above was given (they need --net=residual) */
    const char *residual_where; /* which, for the message */
    long warmup;                /* --warmup=N: the rate of step t ≤ N is lr·t/N; 0 for none */
} TrainOptions;

/* One evaluation on the fixed test batch: eval-mode accuracy (R² for regression) and loss, and the
 * 15th/50th/85th percentiles of the followed unit's input. */
typedef struct TrainEval {
    double test_acc, test_loss, p[3];
    double var_ratio;       /* with --dropout: see TrainNet.var_ratio */
} TrainEval;

typedef struct TrainNet TrainNet;

typedef struct TrainNetClass {
    /* One SGD step on x: (batch, dim) with targets y: (batch); the mean loss into *loss. False when the
     * step failed: a loss that is not finite means the run diverged, else err says why. */
    bool (*step)(TrainNet *net, Sgd *sgd, const double *x, const double *y, int batch, double *loss,
                 BnError *err);
    /* For a net with takes_floats: where the next mini-batch of `batch` rows goes in float (the float
     * twin's own input, so it is not copied again), and the step on it. */
    float *(*input_f32)(TrainNet *net, int batch);
    bool (*step_f32)(TrainNet *net, Sgd *sgd, const float *x, const double *y, int batch, double *loss,
                     BnError *err);
    /* The class the last step's forward predicts for each of its rows: pred (batch). Classifiers only. */
    void (*predict)(const TrainNet *net, int *pred);
    /* Eval-mode figures on the first n rows of test, and the percentiles of unit `unit`'s input. */
    bool (*evaluate)(TrainNet *net, const Dataset *test, int n, int unit, TrainEval *ev, BnError *err);
    /* Columns of the network's own after the common ones: the header's (",name,...") and a row's,
     * which also starts the next row's sums. NULL for none. */
    void (*write_header)(const TrainNet *net, FILE *out);
    void (*write_row)(TrainNet *net, FILE *out);
    /* The same evaluation with every BN layer's statistics recomputed first (mlp_recompute_stats over
     * `batches` batches of `batch` rows of `from`), then the running statistics put back as they were:
     * the run goes on unchanged. NULL for a network that cannot (the conv net). */
    bool (*evaluate_recomputed)(TrainNet *net, const Dataset *from, int batches, int batch, const Dataset *test,
                                int n, int unit, TrainEval *ev, BnError *err);
    void (*destroy)(TrainNet *net);
    /* Writes the network to out (named path in messages); NULL for a network that cannot be saved. */
    bool (*save)(TrainNet *net, FILE *out, const char *path, BnError *err);
} TrainNetClass;

/* The part every network shares; an implementation embeds it first. */
typedef struct TrainHooks TrainHooks;

struct TrainNet {
    const TrainNetClass *cls;
    TrainHooks *hooks;      /* noisy BN, weight decay and probes (train_probe.c); NULL when none */
    size_t num_params;      /* length of the parameter block the optimizer steps */
    bool classifies;        /* false for regression: no predictions, no train_acc */
    bool bn_frozen;         /* set by the loop: the next steps run BN frozen (--freeze-bn) */
    bool takes_floats;      /* steps through step_f32 on float rows (the float twin), else step */
    bool var_ratio;         /* evaluate fills TrainEval.var_ratio (the var_ratio column of --dropout) */
};

/* The constructors: 0 and *net on success, else the exit status of an error already printed (2 for
 * options that do not fit the data, 1 for a runtime failure). n_test: rows of the fixed test batch. */
int train_mlp_create(const TrainOptions *o, const Dataset *train, const Dataset *test, int n_test, TrainNet **net);
int train_conv_create(const TrainOptions *o, const Dataset *train, const Dataset *test, int n_test,
                      TrainNet **net);
int train_residual_create(const TrainOptions *o, const Dataset *train, const Dataset *test, int n_test,
                          TrainNet **net);

/* The experiments around an MLP's step (train_probe.c). NULL when the options ask for none of them. */
TrainHooks *train_hooks_create(const TrainOptions *o, Mlp *mlp);
void train_hooks_destroy(TrainHooks *hooks);                /* accepts NULL */
/* Before the step on x, y: draws the step's noise and, when a probe is due, measures θ (after storing
 * the float twin's parameters into mlp when twin is not NULL). False with a message in err. */
bool train_hooks_before_step(TrainHooks *hooks, Mlp *mlp, const MlpFloat *twin, const double *x,
                             const double *y, int n, BnError *err);
/* After a successful step: weight decay. */
void train_hooks_after_step(TrainHooks *hooks, Mlp *mlp);
/* The extra CSV columns: the probe's (the means of the probes since the previous row, empty fields when
 * there were none), then w_norm,eff_lr (--track-norm) and bias_grad (--bias-before-bn) at the row's
 * step; the header's (",name,...") and a row's. Nothing without them. Accept NULL. */
void train_hooks_write_header(const TrainHooks *hooks, FILE *out);
void train_hooks_write_row(TrainHooks *hooks, FILE *out);

/* Accepts NULL. */
static inline void train_net_destroy(TrainNet *net)
{
    if (net)
        net->cls->destroy(net);
}

#endif
