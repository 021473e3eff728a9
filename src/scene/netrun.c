/* A small network training on a dataset for the live scenes, and bounded histories of numbers over steps (scene layer). */
#include "scene/netrun.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/budget.h"
#include "scene/settings.h"
#include "util/alloc.h"

/* A loss this large means the run has left any useful region; we stop before it turns into inf/NaN. */
#define NETRUN_LOSS_LIMIT 1e4

bool netrun_init(NetRun *run, const NetRunConfig *c, BnError *err)
{
    memset(run, 0, sizeof *run);
    const char *name = c->dataset ? c->dataset : "moons";
    /* Real images are the real-data scene's business; here the synthetic 784-pixel set stands in. */
    name = dataset_resolve(name, false, "synth784", &run->fallback);
    int n_train = c->n_train, n_test = c->n_test;
    if (strcmp(name, "synth784") == 0) {
        n_train = n_train > 0 ? n_train : 2000;
        n_test = n_test > 0 ? n_test : 300;
    }
    if (!dataset_load(name, c->seed, n_train, n_test, &run->train, &run->test, err))
        return false;
    if (run->train->classes < 2) {
        error_set(err, name, "this scene needs a classification data set (blobs, moons, spirals, synth784)");
        netrun_free(run);
        return false;
    }
    int sizes[MLP_MAX_SIZES];
    int ns = 0;
    sizes[ns++] = run->train->dim;
    for (int i = 0; i < c->num_hidden && ns < MLP_MAX_SIZES - 1; i++)
        sizes[ns++] = (int)c->hidden[i];
    sizes[ns++] = run->train->classes;
    /* A key that grows the batch or the layers must not take a tutor past the classroom budget. */
    StepCost cost = budget_mlp_step(sizes, ns, c->batch > 0 ? c->batch : 1);
    char why[400];
    if (!budget_fits(&cost, why, sizeof why)) {
        error_set(err, "", "%s", why);
        netrun_free(run);
        return false;
    }
    MlpConfig mc;
    mlp_config_init(&mc, sizes, ns);
    mc.act = c->act;
    mc.bn = c->placement;
    mc.task = MLP_TASK_CLASSIFY;
    mc.convention = c->convention;
    mc.bn_momentum = bnrule_momentum(c->convention, c->alpha);
    mc.eps = c->eps;
    mc.seed = c->seed;
    run->mlp = mlp_create(&mc, err);
    if (!run->mlp) {
        netrun_free(run);
        return false;
    }
    run->sgd = sgd_create(run->mlp->num_params, c->lr, 0.0);
    run->batch = c->batch < 1 ? 1 : c->batch > run->train->n ? run->train->n : c->batch;
    sampler_init(&run->sampler, run->train->n, c->seed ^ 0x5A5A5A5AULL);
    run->idx = xcalloc((size_t)run->batch, sizeof *run->idx);
    run->bx = xcalloc((size_t)run->batch * (size_t)run->train->dim, sizeof *run->bx);
    run->by = xcalloc((size_t)run->batch, sizeof *run->by);
    run->loss = NAN;
    if (c->placement != BN_PLACEMENT_NONE && run->batch < 2) {
        run->state = NETRUN_FAILED;
        snprintf(run->message, sizeof run->message,
                 "batch of one: BN has no variance to normalize with, so it cannot train");
    }
    return true;
}

void netrun_free(NetRun *run)
{
    if (!run)
        return;
    dataset_destroy(run->train);
    dataset_destroy(run->test);
    mlp_destroy(run->mlp);
    sgd_destroy(run->sgd);
    if (run->sampler.order)
        sampler_free(&run->sampler);
    free(run->idx);
    free(run->bx);
    free(run->by);
    memset(run, 0, sizeof *run);
}

bool netrun_finite(const Mlp *mlp)
{
    for (size_t i = 0; i < mlp->num_params; i++)
        if (!isfinite(mlp->params[i]))
            return false;
    for (int l = 0; l < mlp->num_hidden; l++) {
        const MlpLayer *L = &mlp->hidden[l];
        for (int j = 0; L->running_mean && j < L->out; j++)
            if (!isfinite(L->running_mean[j]) || !isfinite(L->running_var[j]))
                return false;
    }
    return true;
}

bool netrun_step(NetRun *run)
{
    if (run->state != NETRUN_OK)
        return false;
    sampler_next(&run->sampler, run->idx, run->batch);
    dataset_gather(run->train, run->idx, run->batch, run->bx, run->by);
    BnError err = {0};
    double loss = NAN;
    bool ok = mlp_train_step(run->mlp, run->sgd, run->bx, run->by, run->batch, &loss, &err);
    run->loss = loss;
    if (ok && isfinite(loss) && loss < NETRUN_LOSS_LIMIT && netrun_finite(run->mlp)) {
        run->step++;
        return true;
    }
    if (!ok && err.set && strstr(err.message, "loss became") == NULL) {
        run->state = NETRUN_FAILED;
        snprintf(run->message, sizeof run->message, "%s", err.message);
        return false;
    }
    run->state = NETRUN_DIVERGED;
    snprintf(run->message, sizeof run->message,
             "diverged at step %ld: the loss is no longer a usable number", run->step + 1);
    return false;
}

double netrun_set_accuracy(Mlp *net, const Dataset *set, int rows, double *scratch, int chunk)
{
    if (rows > set->n)
        rows = set->n;
    if (rows < 1 || chunk < 1)
        return NAN;
    long correct = 0;
    for (int first = 0; first < rows; first += chunk) {
        int m = rows - first < chunk ? rows - first : chunk;
        dataset_rows(set, first, m, scratch);
        if (!mlp_forward(net, scratch, m, MLP_MODE_EVAL, NULL))
            return NAN;
        /* mlp_accuracy is correct/m exactly, so this recovers the count. */
        correct += lround(mlp_accuracy(net, set->y + first) * m);
    }
    return (double)correct / rows;
}

double netrun_accuracy(NetRun *run, Mlp *mlp, int limit)
{
    Mlp *net = mlp ? mlp : run->mlp;
    int n = run->test->n;
    if (limit > 0 && limit < n)
        n = limit;
    /* The mini-batch buffer is free between steps: the test rows pass through it a batch at a time. */
    return netrun_set_accuracy(net, run->test, n, run->bx, run->batch);
}
