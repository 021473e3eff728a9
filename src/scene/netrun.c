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

void netrun_population_stats(NetRun *run, Mlp *net)
{
    if (net->config.bn == BN_PLACEMENT_NONE || run->batch < 2)
        return;
    int batches = run->train->n / run->batch;
    batches = batches < 1 ? 1 : batches > NETRUN_POPULATION_BATCHES ? NETRUN_POPULATION_BATCHES : batches;
    mlp_reset_running_stats(net);
    for (int k = 0; k < batches; k++) {
        int first = (int)(((long)k * run->batch) % run->train->n);
        int m = run->train->n - first < run->batch ? run->train->n - first : run->batch;
        if (m < 2)
            break;
        /* The mini-batch buffer is free between steps: the frozen network's batches pass through it. */
        dataset_rows(run->train, first, m, run->bx);
        if (!mlp_population_add(net, run->bx, m, NULL))
            break;
    }
}

double netrun_accuracy(NetRun *run, Mlp *mlp, int limit)
{
    Mlp *net = mlp ? mlp : run->mlp;
    if (net->convention == BN_CONVENTION_PAPER)
        netrun_population_stats(run, net);
    int n = run->test->n;
    if (limit > 0 && limit < n)
        n = limit;
    /* The mini-batch buffer is free between steps: the test rows pass through it a batch at a time. */
    return netrun_set_accuracy(net, run->test, n, run->bx, run->batch);
}

/* ---- NetGroup ---- */

/* A loss this large ends a side-by-side run: a few steps more would make it inf or NaN. */
#define NETGROUP_LOSS_LIMIT 1e3

bool netgroup_page_config(MlpConfig *config, const LessonPage *page, uint64_t seed, const NetGroupLimits *limits,
                          BnError *err)
{
    const double *hidden;
    int num_hidden = lesson_page_list(page, "hidden", &hidden);
    bool fits = num_hidden >= limits->min_layers && num_hidden <= limits->max_layers &&
                num_hidden <= MLP_MAX_SIZES - 2;
    for (int l = 0; l < num_hidden; l++)
        fits = fits && hidden[l] <= limits->max_width;
    if (!fits) {
        char layers[32];
        if (limits->min_layers > 1)
            snprintf(layers, sizeof layers, "%d to %d", limits->min_layers, limits->max_layers);
        else
            snprintf(layers, sizeof layers, "at most %d", limits->max_layers);
        error_set(err, limits->scene, "hidden takes %s layers of at most %d units here (%s)", layers,
                  limits->max_width, limits->why);
        return false;
    }
    int sizes[MLP_MAX_SIZES] = { 2 };
    for (int l = 0; l < num_hidden; l++)
        sizes[l + 1] = (int)hidden[l];
    sizes[num_hidden + 1] = 2;
    mlp_config_init(config, sizes, num_hidden + 2);
    activation_parse(lesson_page_enum(page, "act"), &config->act);
    config->bn = BN_PLACEMENT_BEFORE;
    config->seed = seed;
    return true;
}

bool netgroup_init(NetGroup *g, Dataset *train, Dataset *test, int nets, const MlpConfig *config, double lr,
                   int batch_max, BnError *err)
{
    memset(g, 0, sizeof *g);
    g->train = train;
    g->test = test;
    g->nets = nets < 1 ? 1 : nets > NETGROUP_MAX ? NETGROUP_MAX : nets;
    for (int k = 0; k < g->nets; k++) {
        if (!(g->net[k] = mlp_create(config, err))) {
            netgroup_free(g);
            return false;
        }
        g->sgd[k] = sgd_create(g->net[k]->num_params, lr, 0.0);
        g->mode[k] = MLP_MODE_TRAIN;
    }
    size_t dim = (size_t)train->dim;
    g->test_x = xmalloc(sizeof(double) * (size_t)test->n * (size_t)test->dim);
    dataset_rows(test, 0, test->n, g->test_x);
    g->batch = g->batch_max = batch_max;
    g->idx = xmalloc(sizeof(int) * (size_t)batch_max);
    g->x = xmalloc(sizeof(double) * (size_t)batch_max * dim);
    g->y = xmalloc(sizeof(double) * (size_t)batch_max);
    return true;
}

void netgroup_free(NetGroup *g)
{
    if (!g)
        return;
    for (int k = 0; k < NETGROUP_MAX; k++) {
        mlp_destroy(g->net[k]);
        sgd_destroy(g->sgd[k]);
    }
    dataset_destroy(g->train);
    dataset_destroy(g->test);
    if (g->sampling)
        sampler_free(&g->sampler);
    free(g->test_x);
    free(g->idx);
    free(g->x);
    free(g->y);
    memset(g, 0, sizeof *g);
}

void netgroup_restart(NetGroup *g, uint64_t sampler_seed)
{
    if (g->sampling)
        sampler_free(&g->sampler);
    sampler_init(&g->sampler, g->train->n, sampler_seed);
    g->sampling = true;
    g->step = 0;
    g->diverged = false;
}

bool netgroup_step(NetGroup *g)
{
    if (g->diverged)
        return false;
    sampler_next(&g->sampler, g->idx, g->batch);
    dataset_gather(g->train, g->idx, g->batch, g->x, g->y);
    /* Every net takes the step, even after one failed, so they stay on the same batches. */
    for (int k = 0; k < g->nets; k++) {
        BnError err = { 0 };
        double loss;
        if (!mlp_train_step_mode(g->net[k], g->sgd[k], g->x, g->y, g->batch, g->mode[k], &loss, &err) ||
            !(loss < NETGROUP_LOSS_LIMIT))
            g->diverged = true;
    }
    g->step++;
    return !g->diverged;
}
