/* 'bntutor train': the multilayer perceptron (--hidden, --net=paper) behind the training loop's network interface (top layer). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd_util.h"
#include "cmd/train.h"
#include "engine/budget.h"
#include "engine/loss.h"
#include "engine/mlp_file.h"
#include "engine/mlp_float.h"
#include "engine/mlp_infer.h"
#include "engine/stats.h"
#include "util/alloc.h"

/* The memory a training run may ask for (estimated from layer sizes and batch, engine/budget.h). */
#define TRAIN_BYTES_MAX (1024.0 * 1024 * 1024)

typedef struct TrainMlp {
    TrainNet base;
    Mlp *mlp;
    MlpFloat *twin;     /* the float twin that takes the steps, NULL with --precision=double */
    /* One evaluation of the fixed test batch: (n_test, n_out) each but the column, (n_test). */
    double *logits, *probs, *dlogits, *column;
    bool freeze_affine;     /* --freeze-bn=K,all */
    double *rows;           /* with --dropout and BN: (n_test, n_in) the test batch, for var_ratio */
} TrainMlp;

static bool mlp_step(TrainNet *net, Sgd *sgd, const double *x, const double *y, int batch, double *loss,
                     BnError *err)
{
    TrainMlp *m = (TrainMlp *)net;
    if (!train_hooks_before_step(net->hooks, m->mlp, m->twin, x, y, batch, err))
        return false;
    /* --freeze-bn runs in double (cmd_train.c sees to it): the float twin has no frozen mode. */
    MlpMode mode = net->bn_frozen ? MLP_MODE_FROZEN : MLP_MODE_TRAIN;
    m->mlp->freeze_affine = m->freeze_affine;
    bool ok = m->twin ? mlp_float_train_step(m->twin, sgd, x, y, batch, loss, err)
                      : mlp_train_step_mode(m->mlp, sgd, x, y, batch, mode, loss, err);
    if (ok)
        train_hooks_after_step(net->hooks, m->mlp);
    return ok;
}

static bool mlp_step_f32(TrainNet *net, Sgd *sgd, const float *x, const double *y, int batch, double *loss,
                         BnError *err)
{
    return mlp_float_train_step_f32(((TrainMlp *)net)->twin, sgd, x, y, batch, loss, err);
}

static float *mlp_input_f32(TrainNet *net, int batch)
{
    return mlp_float_input(((TrainMlp *)net)->twin, batch);
}

static void mlp_predict_batch(const TrainNet *net, int *pred)
{
    const TrainMlp *m = (const TrainMlp *)net;
    if (m->twin)
        mlp_float_predict(m->twin, pred);
    else
        mlp_predict(m->mlp, pred);
}

/* R² of single-output predictions pred (n) against target (n). */
static double r_squared(const double *pred, const double *target, int n)
{
    double mean = 0.0;
    for (int r = 0; r < n; r++)
        mean += target[r] / n;
    double ss_res = 0.0, ss_tot = 0.0;
    for (int r = 0; r < n; r++) {
        double e = pred[r] - target[r], d = target[r] - mean;
        ss_res += e * e;
        ss_tot += d * d;
    }
    return ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : 0.0;
}

static bool all_finite(const double *v, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!isfinite(v[i]))
            return false;
    return true;
}

/* var_ratio: the last hidden layer's BN, mean over units of running variance / the unbiased variance of
 * its input over the n test rows in an eval-mode forward (no dropout). The forward reuses the network's
 * own buffers, which the next training step overwrites. */
static bool mlp_var_ratio(TrainMlp *m, const Dataset *test, int n, double *ratio, BnError *err)
{
    Mlp *mlp = m->mlp;
    dataset_rows(test, 0, n, m->rows);
    if (!mlp_forward(mlp, m->rows, n, MLP_MODE_EVAL, err))
        return false;
    const MlpLayer *L = &mlp->hidden[mlp->num_hidden - 1];
    double *column = m->column, sum = 0.0;
    for (int j = 0; j < L->out; j++) {
        for (int r = 0; r < n; r++)
            column[r] = L->bn_in[(size_t)r * (size_t)L->out + (size_t)j];
        double mean, var;
        stats_mean_var(&mean, &var, column, n, 1);
        sum += L->running_var[j] / var;
    }
    *ratio = sum / L->out;
    return true;
}

/* Eval-mode figures on the fixed test batch, and the percentiles of the followed unit's input, in the
 * precision of the steps: the float twin's mlp_float_infer, or the double mlp_infer_rows, which never
 * holds the network's training buffers for the test rows. */
static bool mlp_evaluate(TrainNet *net, const Dataset *test, int n, int unit, TrainEval *ev, BnError *err)
{
    TrainMlp *m = (TrainMlp *)net;
    const Mlp *mlp = m->mlp;
    int last = mlp->num_hidden - 1;
    bool bn = mlp->config.bn != BN_PLACEMENT_NONE;
    MlpInferTap column = { .layer = last, .unit = unit, .values = m->column };
    /* Without BN both modes are the same pass, so the column comes from the eval pass; with BN it comes
     * from a batch-statistics pass sharing the eval pass's first layer. */
    bool in_float = m->twin != NULL;
    if (in_float) {
        if (!mlp_float_infer(m->twin, test, 0, n, m->logits, last, unit, m->column, err))
            return false;
        /* Past float's range (a diverging run) the double pass decides, as it did before float. */
        in_float = all_finite(m->logits, (size_t)n * (size_t)mlp->n_out) && all_finite(m->column, (size_t)n);
        if (!in_float)
            mlp_float_store(m->twin);
    }
    if (!in_float &&
        !(bn ? mlp_infer_rows_both(mlp, test, 0, n, m->logits, NULL, 0, &column, 1, err)
             : mlp_infer_rows(mlp, test, 0, n, MLP_MODE_EVAL, m->logits, &column, 1, err)))
        return false;
    if (mlp->config.task == MLP_TASK_REGRESS) {
        ev->test_loss = loss_mse(m->dlogits, m->logits, test->y, n * mlp->n_out);
        ev->test_acc = r_squared(m->logits, test->y, n);
    } else {
        ev->test_loss = loss_softmax_cross_entropy(m->dlogits, m->probs, m->logits, test->y, n, mlp->n_out);
        ev->test_acc = mlp_logits_accuracy(m->logits, test->y, n, mlp->n_out);
    }
    static const double ps[3] = { 15.0, 50.0, 85.0 };
    stats_percentiles(ev->p, m->column, n, ps, 3);
    ev->var_ratio = NAN;
    return !net->var_ratio || mlp_var_ratio(m, test, n, &ev->var_ratio, err);
}

static bool mlp_save(TrainNet *net, FILE *out, const char *path, BnError *err)
{
    TrainMlp *m = (TrainMlp *)net;
    if (m->twin)
        mlp_float_store(m->twin);
    return mlp_file_write(m->mlp, out, path, err);
}

/* PreciseBN or AdaBN beside the run: the statistics are recomputed in double from the current weights
 * (the float twin's, stored first), the test batch evaluated with them, and the running statistics and
 * batch counts put back, so the training that follows is exactly what it would have been. */
static bool mlp_evaluate_recomputed(TrainNet *net, const Dataset *from, int batches, int batch,
                                    const Dataset *test, int n, int unit, TrainEval *ev, BnError *err)
{
    TrainMlp *m = (TrainMlp *)net;
    Mlp *mlp = m->mlp;
    if (m->twin)
        mlp_float_store(m->twin);
    size_t total = 0;
    for (int l = 0; l < mlp->num_hidden; l++)
        total += (size_t)mlp->hidden[l].out;
    double *saved = xmalloc(sizeof *saved * 2 * total);
    long seen[MLP_MAX_SIZES];
    size_t at = 0;
    for (int l = 0; l < mlp->num_hidden; l++) {
        const MlpLayer *L = &mlp->hidden[l];
        memcpy(saved + at, L->running_mean, sizeof *saved * (size_t)L->out);
        memcpy(saved + total + at, L->running_var, sizeof *saved * (size_t)L->out);
        seen[l] = L->batches_seen;
        at += (size_t)L->out;
    }
    bool ok = mlp_recompute_stats(mlp, from, batches, batch, NULL, err) && mlp_evaluate(net, test, n, unit, ev, err);
    at = 0;
    for (int l = 0; l < mlp->num_hidden; l++) {
        MlpLayer *L = &mlp->hidden[l];
        memcpy(L->running_mean, saved + at, sizeof *saved * (size_t)L->out);
        memcpy(L->running_var, saved + total + at, sizeof *saved * (size_t)L->out);
        L->batches_seen = seen[l];
        at += (size_t)L->out;
    }
    free(saved);
    return ok;
}

static void mlp_net_destroy(TrainNet *net)
{
    TrainMlp *m = (TrainMlp *)net;
    train_hooks_destroy(net->hooks);
    mlp_float_destroy(m->twin);
    mlp_destroy(m->mlp);
    free(m->logits);
    free(m->probs);
    free(m->dlogits);
    free(m->column);
    free(m->rows);
    free(m);
}

static const TrainNetClass mlp_class = {
    .step = mlp_step, .step_f32 = mlp_step_f32, .input_f32 = mlp_input_f32, .predict = mlp_predict_batch,
    .evaluate = mlp_evaluate, .destroy = mlp_net_destroy, .save = mlp_save,
    .evaluate_recomputed = mlp_evaluate_recomputed,
};

/* The layer widths the options ask for on this data (inputs, hidden..., outputs) into sizes; their count. */
static int mlp_sizes(const TrainOptions *o, const Dataset *train, int sizes[MLP_MAX_SIZES])
{
    int num = 0;
    sizes[num++] = train->dim;
    if (o->paper) {
        for (int k = 0; k < 3; k++)
            sizes[num++] = 100;
    } else {
        for (int k = 0; k < o->num_hidden; k++)
            sizes[num++] = o->hidden[k];
    }
    sizes[num++] = train->classes == 0 ? 1 : train->classes;
    return num;
}

/* --finetune-from: the saved network's parameters and running statistics into mlp, which the options
 * built; 0, or 1 for a file that cannot be read, 2 for one whose network the options do not describe. */
static int load_saved(const TrainOptions *o, Mlp *mlp)
{
    FILE *f = fopen(o->finetune_from, "r");
    if (!f)
        return cmd_fail(1, o->finetune_from, "%s", strerror(errno));
    BnError err = { 0 };
    Mlp *saved = mlp_file_read(f, o->finetune_from, &err);
    fclose(f);
    if (!saved)
        return cmd_fail_error(1, &err, o->finetune_from);
    const MlpConfig *a = &saved->config, *b = &mlp->config;
    char have[MLP_MAX_SIZES * 8] = "", want[MLP_MAX_SIZES * 8] = "";
    for (int i = 0; i < a->num_sizes; i++)
        snprintf(have + strlen(have), sizeof have - strlen(have), "%s%d", i ? "-" : "", a->sizes[i]);
    for (int i = 0; i < b->num_sizes; i++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", i ? "-" : "", b->sizes[i]);
    int status = 0;
    if (strcmp(have, want) != 0 || a->task != b->task)
        status = cmd_fail(2, o->finetune_from, "the saved network is %s, but these options and data make %s "
                          "(match --hidden/--net and --dataset)", have, want);
    else if (a->act != b->act || a->bn != b->bn)
        status = cmd_fail(2, o->finetune_from, "the saved network has --act=%s --bn=%s; give the same",
                          activation_name(a->act), mlp_placement_name(a->bn));
    else if (!mlp_copy_state(mlp, saved, &err))
        status = cmd_fail_error(1, &err, o->finetune_from);
    /* Its BN rule too: the running statistics were kept under it. */
    mlp->convention = saved->convention;
    mlp->bn_momentum = saved->bn_momentum;
    mlp->eps = saved->eps;
    mlp_destroy(saved);
    return status;
}

int train_mlp_create(const TrainOptions *o, const Dataset *train, const Dataset *test, int n_test, TrainNet **net)
{
    *net = NULL;
    if (o->paper && train->dim != 784)
        return cmd_fail(2, "--net", "the paper network takes 784 inputs, but '%s' has %d feature%s; "
                        "use --dataset=synth784 (or idx:DIR for MNIST files), or --hidden=LIST for '%s' "
                        "(e.g. --hidden=16,16)", o->dataset, train->dim, train->dim == 1 ? "" : "s", o->dataset);
    if (o->batch > train->n)
        return cmd_fail(2, "--batch", "%ld is larger than the training set of '%s' (%d samples)",
                        o->batch, o->dataset, train->n);
    if (o->bn != BN_PLACEMENT_NONE && o->batch < 2)
        return cmd_fail(2, "--batch", "batch norm needs at least 2 samples per batch to have a variance");
    if (test->n < 2)
        return cmd_fail(1, "--dataset", "the test set of '%s' needs at least 2 samples", o->dataset);
    int sizes[MLP_MAX_SIZES];
    int num = mlp_sizes(o, train, sizes);
    /* A shared server: refuse a network that would not fit rather than let the allocator abort. */
    StepCost cost = budget_mlp_step(sizes, num, (int)o->batch);
    if (cost.bytes > TRAIN_BYTES_MAX)
        return cmd_fail(2, o->hidden_given ? "--hidden" : "--batch", "that network and batch need about %.0f MB; "
                        "train allows at most %.0f MB (use narrower layers or a smaller batch)",
                        cost.bytes / 1048576.0, TRAIN_BYTES_MAX / 1048576.0);
    if (o->unit >= sizes[num - 2])
        return cmd_fail(2, "--unit", "%ld is not a unit of the last hidden layer (0 to %d)", o->unit,
                        sizes[num - 2] - 1);
    if (o->track_norm > num - 2)
        return cmd_fail(2, "--track-norm", "%ld is not a hidden layer of this network (1 to %d)", o->track_norm,
                        num - 2);
    if (o->probe_layer > num - 1)
        return cmd_fail(2, "--probe-layer", "%ld is not a weight layer of this network (1 to %d, %d the output "
                        "layer)", o->probe_layer, num - 1, num - 1);

    bool regress = train->classes == 0;
    MlpConfig config;
    mlp_config_init(&config, sizes, num);
    config.act = o->paper ? ACTIVATION_SIGMOID : o->act;
    config.bn = o->bn;
    config.bias_before_bn = o->bias_before_bn;
    config.task = regress ? MLP_TASK_REGRESS : MLP_TASK_CLASSIFY;
    config.seed = o->seed;
    BnError err = { 0 };
    Mlp *mlp = mlp_create(&config, &err);
    if (!mlp)
        return cmd_fail_error(1, &err, "train");
    if (o->finetune_from) {
        int status = load_saved(o, mlp);
        if (status != 0) {
            mlp_destroy(mlp);
            return status;
        }
    }
    if (o->dropout > 0.0)
        mlp_dropout_enable(mlp, o->dropout, o->drop_place, o->seed);
    TrainMlp *m = xcalloc(1, sizeof *m);
    m->base = (TrainNet){ .cls = &mlp_class, .num_params = mlp->num_params, .classifies = !regress };
    m->mlp = mlp;
    m->freeze_affine = o->freeze_affine;
    if (o->dropout > 0.0 && o->bn != BN_PLACEMENT_NONE) {
        m->base.var_ratio = true;
        m->rows = xmalloc(sizeof(double) * (size_t)n_test * (size_t)mlp->n_in);
    }
    if (!o->double_steps)
        m->twin = mlp_float_create(mlp);
    m->base.hooks = train_hooks_create(o, mlp);
    /* The hooks (probes, noise, decay) work on the double network beside each step: a run with them
     * steps through mlp_step on double rows, never the float-rows path. */
    m->base.takes_floats = m->twin && !m->base.hooks;
    size_t outputs = (size_t)n_test * (size_t)mlp->n_out;
    m->logits = xmalloc(sizeof(double) * outputs);
    m->probs = xmalloc(sizeof(double) * outputs);
    m->dlogits = xmalloc(sizeof(double) * outputs);
    m->column = xmalloc(sizeof(double) * (size_t)n_test);
    *net = &m->base;
    return 0;
}
