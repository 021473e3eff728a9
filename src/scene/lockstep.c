/* Networks that differ only in BN placement, trained in lockstep on the same mini-batches (scene layer). */
#include "scene/lockstep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stats.h"
#include "scene/netrun.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"

void lockstep_config_from_page(LockstepConfig *config, const LessonPage *page, uint64_t seed)
{
    *config = (LockstepConfig){ 0 };
    config->dataset = dataset_resolve(lesson_page_enum(page, "dataset"), true, "synth784", NULL);
    if (strncmp(config->dataset, "idx:", 4) == 0) {
        config->n_train = 10000;
        config->n_test = 1000;
    }
    config->seed = seed;
    config->rule = bnrule_of_page(page);
    config->num_hidden = lesson_page_list(page, "hidden", &config->hidden);
    activation_parse(lesson_page_enum(page, "act"), &config->act);
    config->batch = (int)lesson_page_int(page, "batch");
    config->lr = lesson_page_real(page, "lr");
}

void lockstep_data_label(char *buf, size_t size, const LessonPage *page)
{
    bool substituted = false;
    const char *used = dataset_resolve(lesson_page_enum(page, "dataset"), true, "synth784", &substituted);
    if (substituted)
        snprintf(buf, size, "%s (stand-in)", used);
    else if (strncmp(used, "idx:", 4) == 0)
        snprintf(buf, size, "Fashion-MNIST");
    else
        snprintf(buf, size, "%s", used);
}

bool lockstep_init(Lockstep *ls, const LockstepConfig *config, BnError *err)
{
    memset(ls, 0, sizeof *ls);
    if (config->nets < 1 || config->nets > LOCKSTEP_MAX_NETS || config->num_hidden < 1 ||
        config->num_hidden > MLP_MAX_SIZES - 2) {
        error_set(err, "", "a lockstep run needs 1 to %d nets and at least one hidden layer", LOCKSTEP_MAX_NETS);
        return false;
    }
    if (!dataset_load(config->dataset, config->seed, config->n_train, config->n_test, &ls->train, &ls->test, err))
        return false;
    if (ls->train->classes < 2) {
        error_set(err, config->dataset, "this scene needs a classification set (blobs, moons, spirals, synth784)");
        lockstep_free(ls);
        return false;
    }
    int sizes[MLP_MAX_SIZES];
    int num = 0;
    sizes[num++] = ls->train->dim;
    for (int i = 0; i < config->num_hidden; i++)
        sizes[num++] = (int)config->hidden[i];
    sizes[num++] = ls->train->classes;
    ls->nets = config->nets;
    for (int k = 0; k < config->nets; k++) {
        MlpConfig mc;
        mlp_config_init(&mc, sizes, num);
        mc.act = config->act;
        mc.bn = config->placements[k];
        mc.seed = config->seed;         /* the same seed for every net: the same initial weights */
        mc.convention = config->rule.convention;
        mc.eps = config->rule.eps;
        mc.bn_momentum = config->rule.momentum;
        ls->placement[k] = config->placements[k];
        ls->mlp[k] = mlp_create(&mc, err);
        if (!ls->mlp[k]) {
            lockstep_free(ls);
            return false;
        }
        ls->sgd[k] = sgd_create(ls->mlp[k]->num_params, config->lrs[k] > 0 ? config->lrs[k] : config->lr, 0.0);
        ls->noisy[k] = config->noisy[k] && config->placements[k] != BN_PLACEMENT_NONE;
        if (ls->noisy[k])
            mlp_noise_enable(ls->mlp[k]);
        if (config->float_steps && !ls->noisy[k])     /* the float twin has no noise */
            ls->twin[k] = mlp_float_create(ls->mlp[k]);
    }
    ls->noise_mean_sd = config->noise_mean_sd;
    ls->noise_scale_sd = config->noise_scale_sd;
    pcg32_seed(&ls->noise_rng, config->seed, LOCKSTEP_NOISE_STREAM);
    /* A batch larger than the set is clamped: the sampler cannot fill it otherwise. */
    ls->batch = config->batch < ls->train->n ? config->batch : ls->train->n;
    if (ls->batch < 2)
        ls->batch = 2;
    sampler_init(&ls->sampler, ls->train->n, config->seed ^ LOCKSTEP_SAMPLER_STREAM);
    ls->idx = xmalloc(sizeof *ls->idx * (size_t)ls->batch);
    ls->x = xmalloc(sizeof *ls->x * (size_t)ls->batch * (size_t)ls->train->dim);
    ls->y = xmalloc(sizeof *ls->y * (size_t)ls->batch);
    return true;
}

void lockstep_free(Lockstep *ls)
{
    if (!ls)
        return;
    for (int k = 0; k < LOCKSTEP_MAX_NETS; k++) {
        mlp_float_destroy(ls->twin[k]);
        mlp_destroy(ls->mlp[k]);
        sgd_destroy(ls->sgd[k]);
    }
    if (ls->idx)
        sampler_free(&ls->sampler);
    dataset_destroy(ls->train);
    dataset_destroy(ls->test);
    free(ls->idx);
    free(ls->x);
    free(ls->y);
    memset(ls, 0, sizeof *ls);
}

bool lockstep_step(Lockstep *ls)
{
    if (ls->diverged)
        return false;
    sampler_next(&ls->sampler, ls->idx, ls->batch);
    dataset_gather(ls->train, ls->idx, ls->batch, ls->x, ls->y);
    int training = 0;
    for (int k = 0; k < ls->nets; k++) {
        if (!lockstep_alive(ls, k))
            continue;
        BnError err = { 0 };
        double loss = NAN;
        if (ls->noisy[k])
            mlp_noise_draw(ls->mlp[k], &ls->noise_rng, ls->noise_mean_sd, ls->noise_scale_sd);
        if (ls->before_step)
            ls->before_step(ls->before_step_ctx, ls, k);
        bool ok = ls->twin[k] ? mlp_float_train_step(ls->twin[k], ls->sgd[k], ls->x, ls->y, ls->batch, &loss, &err)
                              : mlp_train_step(ls->mlp[k], ls->sgd[k], ls->x, ls->y, ls->batch, &loss, &err);
        if (!ok || !isfinite(loss) || loss > LOCKSTEP_LOSS_LIMIT) {
            ls->diverged_at[k] = ls->step + 1;
            ls->loss[k] = NAN;
            continue;
        }
        ls->loss[k] = loss;
        training++;
    }
    if (training == 0) {
        ls->diverged = true;
        return false;
    }
    ls->step++;
    return true;
}

int lockstep_diverged_count(const Lockstep *ls)
{
    int count = 0;
    for (int k = 0; k < ls->nets; k++)
        count += !lockstep_alive(ls, k);
    return count;
}

const char *lockstep_series_name(const Lockstep *ls, int k, const char *name, char *buf, int size)
{
    if (lockstep_alive(ls, k))
        return name;
    snprintf(buf, (size_t)size, "%s (diverged at step %ld)", name, ls->diverged_at[k]);
    return buf;
}

void lockstep_sync(const Lockstep *ls, int k)
{
    /* Before the first step the double net holds the initial weights themselves, not their floats; a
     * diverged twin's weights are not worth copying. */
    if (ls->twin[k] && ls->step > 0 && lockstep_alive(ls, k))
        mlp_float_store(ls->twin[k]);
}

bool lockstep_probe(const Lockstep *ls, int k, int rows, const MlpInferTap *taps, int num_taps)
{
    if (!lockstep_alive(ls, k))
        return false;
    lockstep_sync(ls, k);
    if (rows > ls->test->n)
        rows = ls->test->n;
    if (rows < 2)
        return false;
    /* Layer by layer, a few input rows at a time: the probe never grows the net's training buffers. */
    BnError err = { 0 };
    return mlp_infer_rows(ls->mlp[k], ls->test, 0, rows, MLP_MODE_BATCH_STATS, NULL, taps, num_taps, &err);
}

double lockstep_test_accuracy(Lockstep *ls, int k, int rows)
{
    if (!lockstep_alive(ls, k))
        return NAN;
    lockstep_sync(ls, k);
    if (rows > ls->test->n)
        rows = ls->test->n;
    if (rows < 2)
        return NAN;
    /* A batch at a time through the mini-batch buffer, free between steps: the networks' buffers
     * grow to the largest pass they see, so one pass over every test row would cost the most. */
    return netrun_set_accuracy(ls->mlp[k], ls->test, rows, ls->x, ls->batch);
}

const char *lockstep_net_label(BnPlacement placement)
{
    switch (placement) {
    case BN_PLACEMENT_BEFORE: return "BN before";
    case BN_PLACEMENT_AFTER: return "BN after";
    default: return "no BN";
    }
}
