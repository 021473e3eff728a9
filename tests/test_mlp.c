/* The MLP: shapes and errors, whole-network gradients in every BN placement, learning, BN's speed-up on
 * the paper network, eval mode after training, determinism. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/mlp.h"
#include "support/check.h"
#include "util/pcg32.h"
#include "support/inputs.h"

static Mlp *make(const int *sizes, int num_sizes, Activation act, BnPlacement bn, MlpTask task,
                 uint64_t seed)
{
    MlpConfig config;
    mlp_config_init(&config, sizes, num_sizes);
    config.act = act;
    config.bn = bn;
    config.task = task;
    config.seed = seed;
    BnError err = { 0 };
    Mlp *mlp = mlp_create(&config, &err);
    cr_assert_not_null(mlp, "mlp_create failed: %s", err.message);
    return mlp;
}

/* Loss of a batch-statistics or frozen forward (running statistics untouched, so probing changes nothing). */
static double probe_loss(Mlp *mlp, const double *x, const double *t, int n, MlpMode mode)
{
    BnError err = { 0 };
    cr_assert(mlp_forward(mlp, x, n, mode, &err), "forward: %s", err.message);
    return mlp_loss(mlp, t);
}

static void check_network_gradients_in(Activation act, BnPlacement bn, MlpTask task, MlpMode mode)
{
    enum { N = 6 };
    int sizes[4] = { 3, 5, 4, task == MLP_TASK_CLASSIFY ? 3 : 2 };
    Mlp *mlp = make(sizes, 4, act, bn, task, 17);
    Pcg32 rng;
    pcg32_seed(&rng, 99, (uint64_t)bn * 3 + (uint64_t)act);
    /* Move every parameter off its initial value so biases, γ and β have generic gradients. */
    for (size_t i = 0; i < mlp->num_params; i++)
        mlp->params[i] += 0.3 * pcg32_normal(&rng);
    /* Frozen BN uses the running statistics: make them something other than 0 and 1. */
    for (int l = 0; l < mlp->num_hidden; l++)
        for (int j = 0; j < mlp->hidden[l].out && mlp->hidden[l].running_mean; j++) {
            mlp->hidden[l].running_mean[j] = 0.5 * pcg32_normal(&rng);
            mlp->hidden[l].running_var[j] = 0.5 + fabs(pcg32_normal(&rng));
        }
    double x[N * 3], t[N * 2], dx[N * 3];
    for (int i = 0; i < N * 3; i++)
        x[i] = pcg32_normal(&rng);
    for (int r = 0; r < N * 2; r++)
        t[r] = task == MLP_TASK_CLASSIFY ? (double)(r % 3) : pcg32_normal(&rng);

    BnError err = { 0 };
    optimizer_zero_grad(mlp->grads, mlp->num_params);
    probe_loss(mlp, x, t, N, mode);
    cr_assert(mlp_backward(mlp, dx, &err), "backward: %s", err.message);
    double *analytic = malloc(sizeof(double) * mlp->num_params);
    memcpy(analytic, mlp->grads, sizeof(double) * mlp->num_params);

    const double h = 1e-5;
    double largest = 0.0;
    const char *where = mlp_placement_name(bn);
    for (size_t i = 0; i < mlp->num_params; i++) {
        double saved = mlp->params[i];
        mlp->params[i] = saved + h;
        double up = probe_loss(mlp, x, t, N, mode);
        mlp->params[i] = saved - h;
        double down = probe_loss(mlp, x, t, N, mode);
        mlp->params[i] = saved;
        check_close(analytic[i], (up - down) / (2 * h), 1e-5, 1e-5, "BN %s, %s: dparam[%zu]", where,
                    activation_name(act), i);
        largest = fmax(largest, fabs(analytic[i]));
    }
    cr_assert_gt(largest, 1e-3, "BN %s: parameter gradients are all zero", where);
    largest = 0.0;
    for (int i = 0; i < N * 3; i++) {
        double saved = x[i];
        x[i] = saved + h;
        double up = probe_loss(mlp, x, t, N, mode);
        x[i] = saved - h;
        double down = probe_loss(mlp, x, t, N, mode);
        x[i] = saved;
        check_close(dx[i], (up - down) / (2 * h), 1e-5, 1e-5, "BN %s, %s: dx[%d]", where,
                    activation_name(act), i);
        largest = fmax(largest, fabs(dx[i]));
    }
    cr_assert_gt(largest, 1e-4, "BN %s: input gradients are all zero", where);
    free(analytic);
    mlp_destroy(mlp);
}

static void check_network_gradients(Activation act, BnPlacement bn, MlpTask task)
{
    check_network_gradients_in(act, bn, task, MLP_MODE_BATCH_STATS);
}

Test(mlp, gradients_with_frozen_bn_match_central_differences)
{
    check_network_gradients_in(ACTIVATION_SIGMOID, BN_PLACEMENT_BEFORE, MLP_TASK_CLASSIFY, MLP_MODE_FROZEN);
    check_network_gradients_in(ACTIVATION_TANH, BN_PLACEMENT_AFTER, MLP_TASK_REGRESS, MLP_MODE_FROZEN);
}

/* Frozen BN computes what eval mode computes, leaves the running statistics alone while γ, β and the
 * weights learn, and a sample's output does not depend on the rest of its batch. */
Test(mlp, a_frozen_step_uses_and_keeps_the_running_statistics_and_trains_gamma_and_beta)
{
    enum { N = 8 };
    int sizes[3] = { 3, 4, 2 };
    Mlp *mlp = make(sizes, 3, ACTIVATION_TANH, BN_PLACEMENT_BEFORE, MLP_TASK_CLASSIFY, 5);
    MlpLayer *L = &mlp->hidden[0];
    for (int j = 0; j < 4; j++) {
        L->running_mean[j] = 0.2 * j - 0.3;
        L->running_var[j] = 0.5 + j;
    }
    double x[N * 3], t[N], eval_logits[N * 2];
    for (int i = 0; i < N * 3; i++)
        x[i] = sin(1.7 * i);
    for (int i = 0; i < N; i++)
        t[i] = i % 2;
    BnError err = { 0 };
    cr_assert(mlp_forward(mlp, x, N, MLP_MODE_EVAL, &err), "%s", err.message);
    memcpy(eval_logits, mlp->logits, sizeof eval_logits);
    cr_assert(mlp_forward(mlp, x, N, MLP_MODE_FROZEN, &err), "%s", err.message);
    for (int k = 0; k < N * 2; k++)
        check_close(mlp->logits[k], eval_logits[k], 1e-14, 1e-14, "frozen logit %d equals eval", k);
    cr_assert(mlp_forward(mlp, x + 3, 1, MLP_MODE_FROZEN, &err), "a batch of one is fine frozen: %s", err.message);
    for (int k = 0; k < 2; k++)
        check_close(mlp->logits[k], eval_logits[2 + k], 1e-14, 1e-14, "sample 1 alone, logit %d", k);
    double rm[4], rv[4], gamma[4];
    memcpy(rm, L->running_mean, sizeof rm);
    memcpy(rv, L->running_var, sizeof rv);
    memcpy(gamma, L->gamma, sizeof gamma);
    Sgd *sgd = sgd_create(mlp->num_params, 0.5, 0.0);
    double loss;
    cr_assert(mlp_train_step_mode(mlp, sgd, x, t, N, MLP_MODE_FROZEN, &loss, &err), "%s", err.message);
    cr_assert_eq(memcmp(rm, L->running_mean, sizeof rm), 0, "frozen: running mean untouched");
    cr_assert_eq(memcmp(rv, L->running_var, sizeof rv), 0, "frozen: running variance untouched");
    cr_assert_neq(memcmp(gamma, L->gamma, sizeof gamma), 0, "frozen: gamma still learns");
    cr_assert(mlp_train_step_mode(mlp, sgd, x, t, N, MLP_MODE_TRAIN, &loss, &err), "%s", err.message);
    cr_assert_neq(memcmp(rm, L->running_mean, sizeof rm), 0, "a training step does update them");
    cr_assert_not(mlp_train_step_mode(mlp, sgd, x, t, N, MLP_MODE_EVAL, &loss, &err), "no eval-mode steps");
    cr_assert(err.set);
    sgd_destroy(sgd);
    mlp_destroy(mlp);
}

Test(mlp, gradients_without_bn_match_central_differences)
{
    check_network_gradients(ACTIVATION_SIGMOID, BN_PLACEMENT_NONE, MLP_TASK_CLASSIFY);
    check_network_gradients(ACTIVATION_RELU, BN_PLACEMENT_NONE, MLP_TASK_CLASSIFY);
}

Test(mlp, gradients_with_bn_before_the_activation_match_central_differences)
{
    check_network_gradients(ACTIVATION_SIGMOID, BN_PLACEMENT_BEFORE, MLP_TASK_CLASSIFY);
    check_network_gradients(ACTIVATION_TANH, BN_PLACEMENT_BEFORE, MLP_TASK_REGRESS);
}

Test(mlp, gradients_with_bn_after_the_activation_match_central_differences)
{
    check_network_gradients(ACTIVATION_SIGMOID, BN_PLACEMENT_AFTER, MLP_TASK_CLASSIFY);
    check_network_gradients(ACTIVATION_TANH, BN_PLACEMENT_AFTER, MLP_TASK_REGRESS);
}

Test(mlp, create_refuses_bad_shapes_with_a_message)
{
    int one[1] = { 4 }, zero[3] = { 4, 0, 2 }, single_class[3] = { 4, 8, 1 };
    struct { const int *sizes; int count; } bad[3] = { { one, 1 }, { zero, 3 }, { single_class, 3 } };
    for (int i = 0; i < 3; i++) {
        MlpConfig config;
        mlp_config_init(&config, bad[i].sizes, bad[i].count);
        BnError err = { 0 };
        cr_assert_null(mlp_create(&config, &err), "bad shape %d accepted", i);
        cr_assert(err.set && err.message[0], "bad shape %d gave no message", i);
    }
}

Test(mlp, parameters_are_one_block_with_the_expected_count)
{
    int sizes[4] = { 784, 100, 100, 10 };
    Mlp *none = make(sizes, 4, ACTIVATION_SIGMOID, BN_PLACEMENT_NONE, MLP_TASK_CLASSIFY, 1);
    Mlp *before = make(sizes, 4, ACTIVATION_SIGMOID, BN_PLACEMENT_BEFORE, MLP_TASK_CLASSIFY, 1);
    Mlp *after = make(sizes, 4, ACTIVATION_SIGMOID, BN_PLACEMENT_AFTER, MLP_TASK_CLASSIFY, 1);
    size_t weights = 784 * 100 + 100 * 100 + 100 * 10;
    cr_assert_eq(none->num_params, weights + 100 + 100 + 10);
    cr_assert_eq(before->num_params, weights + 2 * (100 + 100) + 10, "BN before: γ, β, no bias");
    cr_assert_eq(after->num_params, weights + 3 * (100 + 100) + 10, "BN after: bias, γ, β");
    /* The last gradient sits at the end of the gradient block, so one flat loop covers everything. */
    cr_assert(after->db_out + 10 == after->grads + after->num_params);
    cr_assert(after->hidden[1].gamma[99] == 1.0 && after->hidden[1].beta[0] == 0.0);
    mlp_destroy(none);
    mlp_destroy(before);
    mlp_destroy(after);
}

/* The matrix kernels read rows four doubles at a time; a block that starts mid-cache-line makes half of
 * those reads straddle two lines (measured: about a fifth slower per step). */
Test(mlp, parameter_gradient_and_batch_blocks_start_on_a_cache_line)
{
    int sizes[4] = { 784, 100, 100, 10 };
    Mlp *mlp = make(sizes, 4, ACTIVATION_SIGMOID, BN_PLACEMENT_BEFORE, MLP_TASK_CLASSIFY, 1);
    double x[3 * 784] = { 0 };
    BnError err = { 0 };
    cr_assert(mlp_forward(mlp, x, 3, MLP_MODE_BATCH_STATS, &err), "forward: %s", err.message);
    const void *blocks[] = { mlp->params, mlp->grads, mlp->input, mlp->hidden[0].w };
    for (unsigned i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        cr_assert_eq((uintptr_t)blocks[i] % 64, 0, "block %u starts at %p", i, blocks[i]);
    mlp_destroy(mlp);
}

Test(mlp, the_same_seed_gives_the_same_weights_in_every_placement)
{
    int sizes[4] = { 2, 8, 8, 3 };
    Mlp *nets[3];
    BnPlacement placements[3] = { BN_PLACEMENT_NONE, BN_PLACEMENT_BEFORE, BN_PLACEMENT_AFTER };
    for (int p = 0; p < 3; p++)
        nets[p] = make(sizes, 4, ACTIVATION_SIGMOID, placements[p], MLP_TASK_CLASSIFY, 42);
    for (int p = 1; p < 3; p++) {
        for (int l = 0; l < 2; l++)
            cr_assert(memcmp(nets[0]->hidden[l].w, nets[p]->hidden[l].w,
                             sizeof(double) * (size_t)(nets[p]->hidden[l].in * nets[p]->hidden[l].out)) == 0,
                      "layer %d weights differ for BN %s", l, mlp_placement_name(placements[p]));
        cr_assert(memcmp(nets[0]->w_out, nets[p]->w_out, sizeof(double) * 8 * 3) == 0);
    }
    Mlp *other = make(sizes, 4, ACTIVATION_SIGMOID, BN_PLACEMENT_NONE, MLP_TASK_CLASSIFY, 43);
    cr_assert(memcmp(nets[0]->hidden[0].w, other->hidden[0].w, sizeof(double) * 16) != 0,
              "another seed should give other weights");
    for (int p = 0; p < 3; p++)
        mlp_destroy(nets[p]);
    mlp_destroy(other);
}

Test(mlp, a_batch_of_one_in_training_mode_with_bn_is_an_error_not_nan)
{
    int sizes[3] = { 2, 4, 2 };
    Mlp *mlp = make(sizes, 3, ACTIVATION_SIGMOID, BN_PLACEMENT_BEFORE, MLP_TASK_CLASSIFY, 1);
    Sgd *sgd = sgd_create(mlp->num_params, 0.1, 0.0);
    double x[2] = { 0.5, -1.0 }, y[1] = { 1 }, loss = 0.0;
    double *before = malloc(sizeof(double) * mlp->num_params);
    memcpy(before, mlp->params, sizeof(double) * mlp->num_params);
    BnError err = { 0 };
    cr_assert_not(mlp_train_step(mlp, sgd, x, y, 1, &loss, &err), "one-row training step accepted");
    cr_assert(err.set && strstr(err.message, "2"), "message: %s", err.message);
    cr_assert(memcmp(before, mlp->params, sizeof(double) * mlp->num_params) == 0, "parameters changed");
    /* At inference a single sample is fine: the running statistics stand in. */
    error_clear(&err);
    cr_assert(mlp_forward(mlp, x, 1, MLP_MODE_EVAL, &err), "eval forward: %s", err.message);
    cr_assert(isfinite(mlp->logits[0]) && isfinite(mlp->logits[1]));
    cr_assert_not(mlp_backward(mlp, NULL, &err), "backward after an eval forward of a BN net");
    free(before);
    sgd_destroy(sgd);
    mlp_destroy(mlp);
}

/* Trains on a named set with the given settings; returns the net (caller destroys). */
static Mlp *train_on(const Dataset *train, const int *sizes, int num_sizes, Activation act,
                     BnPlacement bn, int steps, int batch, double lr, double momentum, uint64_t seed)
{
    Mlp *mlp = make(sizes, num_sizes, act, bn, MLP_TASK_CLASSIFY, seed);
    Sgd *sgd = sgd_create(mlp->num_params, lr, momentum);
    BatchSampler sampler;
    sampler_init(&sampler, train->n, seed);
    int *idx = malloc(sizeof(int) * (size_t)batch);
    double *x = malloc(sizeof(double) * (size_t)batch * (size_t)train->dim), *y = malloc(sizeof(double) * (size_t)batch);
    BnError err = { 0 };
    for (int k = 0; k < steps; k++) {
        sampler_next(&sampler, idx, batch);
        dataset_gather(train, idx, batch, x, y);
        double loss;
        cr_assert(mlp_train_step(mlp, sgd, x, y, batch, &loss, &err), "step %d: %s", k, err.message);
    }
    free(idx);
    free(x);
    free(y);
    sampler_free(&sampler);
    sgd_destroy(sgd);
    return mlp;
}

static double test_accuracy(Mlp *mlp, const Dataset *test, MlpMode mode)
{
    BnError err = { 0 };
    double *x = inputs_of(test);
    cr_assert(mlp_forward(mlp, x, test->n, mode, &err), "%s", err.message);
    free(x);
    return mlp_accuracy(mlp, test->y);
}

Test(mlp, training_on_moons_lifts_accuracy_far_above_chance)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("moons", 5, 0, 0, &train, &test, &err), "%s", err.message);
    int sizes[4] = { 2, 16, 16, 2 };
    for (int bn = BN_PLACEMENT_NONE; bn <= BN_PLACEMENT_AFTER; bn++) {
        Mlp *mlp = train_on(train, sizes, 4, ACTIVATION_TANH, (BnPlacement)bn, 600, 32, 0.1, 0.9, 5);
        double acc = test_accuracy(mlp, test, MLP_MODE_EVAL);
        cr_assert_gt(acc, 0.9, "BN %s: test accuracy %.3f (chance is 0.5)", mlp_placement_name(bn), acc);
        mlp_destroy(mlp);
    }
    dataset_destroy(train);
    dataset_destroy(test);
}

/* Steps until the test accuracy first reaches target, checked every `every` steps; budget+1 if never. */
static int steps_to_reach(const Dataset *train, const Dataset *test, BnPlacement bn, double lr,
                          double target, int budget, int every)
{
    int sizes[5] = { 784, 100, 100, 100, 10 };
    Mlp *mlp = make(sizes, 5, ACTIVATION_SIGMOID, bn, MLP_TASK_CLASSIFY, 3);
    Sgd *sgd = sgd_create(mlp->num_params, lr, 0.0);
    BatchSampler sampler;
    sampler_init(&sampler, train->n, 3);
    int idx[60];
    static double x[60 * 784];
    double y[60];
    BnError err = { 0 };
    int reached = budget + 1;
    for (int k = 1; k <= budget; k++) {
        sampler_next(&sampler, idx, 60);
        dataset_gather(train, idx, 60, x, y);
        double loss;
        cr_assert(mlp_train_step(mlp, sgd, x, y, 60, &loss, &err), "step %d: %s", k, err.message);
        if (k % every == 0 && test_accuracy(mlp, test, MLP_MODE_EVAL) >= target) {
            reached = k;
            break;
        }
    }
    sampler_free(&sampler);
    sgd_destroy(sgd);
    mlp_destroy(mlp);
    return reached;
}

Test(mlp, the_paper_network_with_bn_reaches_80_percent_in_fewer_steps_than_without)
{
    /* 784-100-100-100-10 sigmoid, batch 60, plain SGD with one learning rate for both runs. Sigmoid
     * without BN starts on a plateau (the saturation the paper describes), BN leaves it at once. */
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("synth784", 3, 1200, 300, &train, &test, &err), "%s", err.message);
    const int budget = 200;
    int with_bn = steps_to_reach(train, test, BN_PLACEMENT_BEFORE, 0.5, 0.8, budget, 10);
    int without = steps_to_reach(train, test, BN_PLACEMENT_NONE, 0.5, 0.8, with_bn, 10);
    cr_assert_leq(with_bn, budget, "with BN the test accuracy never reached 80%% in %d steps", budget);
    cr_assert_gt(without, with_bn, "without BN: %d steps, with BN: %d steps", without, with_bn);
    dataset_destroy(train);
    dataset_destroy(test);
}

Test(mlp, eval_mode_after_training_predicts_like_batch_statistics_on_a_large_batch)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("blobs", 8, 0, 0, &train, &test, &err), "%s", err.message);
    int sizes[4] = { 2, 16, 16, 3 };
    for (int bn = BN_PLACEMENT_BEFORE; bn <= BN_PLACEMENT_AFTER; bn++) {
        Mlp *mlp = train_on(train, sizes, 4, ACTIVATION_SIGMOID, (BnPlacement)bn, 400, 32, 0.2, 0.0, 8);
        int n = train->n;
        int *with_batch = malloc(sizeof(int) * (size_t)n), *with_running = malloc(sizeof(int) * (size_t)n);
        cr_assert(mlp_forward(mlp, dataset_values(train), n, MLP_MODE_BATCH_STATS, &err), "%s", err.message);
        mlp_predict(mlp, with_batch);
        cr_assert(mlp_forward(mlp, dataset_values(train), n, MLP_MODE_EVAL, &err), "%s", err.message);
        mlp_predict(mlp, with_running);
        int agree = 0;
        for (int r = 0; r < n; r++)
            agree += with_batch[r] == with_running[r];
        cr_assert_geq(agree, n * 97 / 100, "BN %s: only %d of %d predictions agree",
                      mlp_placement_name(bn), agree, n);
        cr_assert_gt(mlp->hidden[0].batches_seen, 0);
        free(with_batch);
        free(with_running);
        mlp_destroy(mlp);
    }
    dataset_destroy(train);
    dataset_destroy(test);
}

Test(mlp, two_runs_with_one_seed_end_with_identical_parameters)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("spirals", 2, 0, 0, &train, &test, &err), "%s", err.message);
    int sizes[4] = { 2, 12, 12, 2 };
    Mlp *a = train_on(train, sizes, 4, ACTIVATION_RELU, BN_PLACEMENT_AFTER, 100, 16, 0.1, 0.9, 4);
    Mlp *b = train_on(train, sizes, 4, ACTIVATION_RELU, BN_PLACEMENT_AFTER, 100, 16, 0.1, 0.9, 4);
    cr_assert(memcmp(a->params, b->params, sizeof(double) * a->num_params) == 0, "parameters differ");
    cr_assert(memcmp(a->hidden[1].running_var, b->hidden[1].running_var, sizeof(double) * 12) == 0,
              "running variances differ");
    Mlp *fresh = make(sizes, 4, ACTIVATION_RELU, BN_PLACEMENT_AFTER, MLP_TASK_CLASSIFY, 4);
    cr_assert(memcmp(a->params, fresh->params, sizeof(double) * a->num_params) != 0, "training changed nothing");
    mlp_destroy(a);
    mlp_destroy(b);
    mlp_destroy(fresh);
    dataset_destroy(train);
    dataset_destroy(test);
}

Test(mlp, the_paper_convention_tracks_nothing_while_training_and_averages_frozen_batches_afterwards)
{
    /* Ioffe & Szegedy, Algorithm 2: population statistics come after training, from mini-batches run
     * through the frozen network: E[x] = average of the batch means, Var[x] = m/(m-1)·average of the
     * batch variances. Nothing may be folded in while the weights are still changing. */
    enum { M = 8, BATCHES = 5 };
    int sizes[3] = { 3, 4, 2 };
    MlpConfig config;
    mlp_config_init(&config, sizes, 3);
    config.bn = BN_PLACEMENT_BEFORE;
    config.convention = BN_CONVENTION_PAPER;
    config.bn_momentum = 0.0;
    BnError err = { 0 };
    Mlp *mlp = mlp_create(&config, &err);
    cr_assert_not_null(mlp, "%s", err.message);
    Sgd *sgd = sgd_create(mlp->num_params, 0.1, 0.0);
    Pcg32 rng;
    pcg32_seed(&rng, 5, 7);
    double x[BATCHES][M * 3], t[M];
    for (int b = 0; b < BATCHES; b++)
        for (int k = 0; k < M * 3; k++)
            x[b][k] = 2.0 * pcg32_normal(&rng) + (k % 3);
    for (int r = 0; r < M; r++)
        t[r] = r % 2;
    for (int step = 0; step < 20; step++) {
        double loss;
        cr_assert(mlp_train_step(mlp, sgd, x[step % BATCHES], t, M, &loss, &err), "%s", err.message);
    }
    MlpLayer *L = &mlp->hidden[0];
    cr_assert_eq(L->batches_seen, 0, "training folded %ld batches into the paper's statistics", L->batches_seen);
    for (int j = 0; j < L->out; j++)
        cr_assert(L->running_mean[j] == 0.0 && L->running_var[j] == 1.0, "feature %d moved during training", j);

    /* The frozen network's batch statistics, by hand, then the population pass. */
    double sum_mean[4] = { 0 }, sum_var[4] = { 0 };
    double *before = malloc(sizeof(double) * mlp->num_params);
    memcpy(before, mlp->params, sizeof(double) * mlp->num_params);
    for (int b = 0; b < BATCHES; b++) {
        cr_assert(mlp_forward(mlp, x[b], M, MLP_MODE_BATCH_STATS, &err), "%s", err.message);
        for (int j = 0; j < L->out; j++) {
            sum_mean[j] += L->mean[j];
            sum_var[j] += L->var[j];
        }
    }
    mlp_reset_running_stats(mlp);
    for (int b = 0; b < BATCHES; b++)
        cr_assert(mlp_population_add(mlp, x[b], M, &err), "%s", err.message);
    cr_assert_eq(L->batches_seen, BATCHES);
    for (int j = 0; j < L->out; j++) {
        check_close(L->running_mean[j], sum_mean[j] / BATCHES, 1e-12, 1e-12, "feature %d: E[mu_B]", j);
        check_close(L->running_var[j], (double)M / (M - 1) * sum_var[j] / BATCHES, 1e-12, 0.0,
                    "feature %d: m/(m-1)·E[sigma²_B]", j);
    }
    cr_assert(memcmp(before, mlp->params, sizeof(double) * mlp->num_params) == 0, "the pass changed a parameter");
    free(before);
    sgd_destroy(sgd);
    mlp_destroy(mlp);
}

/* ---- scale invariance and the bias before BN (lesson 16) ---- */

/* A 3-5-4-3 sigmoid classifier with BN before each activation, every parameter moved off its initial
 * value, ε almost 0, and a batch of 8: the identities below are exact for ε = 0, and ε = 1e-14 leaves
 * a trace far under 1e-9 (with PyTorch's 1e-5 they hold to about ε/σ², see the scene's pages). */
enum { SI_N = 8 };

static Mlp *scale_net(BnPlacement bn, bool bias_before_bn, double x[SI_N * 3], double t[SI_N])
{
    int sizes[4] = { 3, 5, 4, 3 };
    MlpConfig config;
    mlp_config_init(&config, sizes, 4);
    config.bn = bn;
    config.bias_before_bn = bias_before_bn;
    config.eps = 1e-14;
    config.seed = 23;
    BnError err = { 0 };
    Mlp *mlp = mlp_create(&config, &err);
    cr_assert_not_null(mlp, "%s", err.message);
    Pcg32 rng;
    pcg32_seed(&rng, 5, 6);
    for (size_t i = 0; i < mlp->num_params; i++)
        mlp->params[i] += 0.3 * pcg32_normal(&rng);
    for (int i = 0; i < SI_N * 3; i++)
        x[i] = pcg32_normal(&rng);
    for (int r = 0; r < SI_N; r++)
        t[r] = (double)(r % 3);
    return mlp;
}

static void scale_layer(Mlp *mlp, int layer, double c)
{
    MlpLayer *L = &mlp->hidden[layer];
    for (int i = 0; i < L->in * L->out; i++)
        L->w[i] *= c;
}

Test(mlp, scaling_a_weight_matrix_followed_by_bn_changes_neither_the_loss_nor_the_outputs)
{
    static const double factors[] = { 0.1, 0.25, 0.5, 2.0, 3.7, 10.0 };
    double x[SI_N * 3], t[SI_N], logits[SI_N * 3];
    Mlp *mlp = scale_net(BN_PLACEMENT_BEFORE, false, x, t);
    double base = probe_loss(mlp, x, t, SI_N, MLP_MODE_BATCH_STATS);
    memcpy(logits, mlp->logits, sizeof logits);
    for (int l = 0; l < mlp->num_hidden; l++)
        for (size_t k = 0; k < sizeof factors / sizeof factors[0]; k++) {
            scale_layer(mlp, l, factors[k]);
            check_close(probe_loss(mlp, x, t, SI_N, MLP_MODE_BATCH_STATS), base, 1e-9, 1e-9, "layer %d, c = %g",
                        l + 1, factors[k]);
            for (int i = 0; i < SI_N * 3; i++)
                check_close(mlp->logits[i], logits[i], 1e-9, 1e-9, "output %d, layer %d, c = %g", i, l + 1,
                            factors[k]);
            scale_layer(mlp, l, 1.0 / factors[k]);
        }
    mlp_destroy(mlp);

    /* The same network without BN: the first layer's scale moves the loss (so the check above can fail). */
    Mlp *plain = scale_net(BN_PLACEMENT_NONE, false, x, t);
    double plain_base = probe_loss(plain, x, t, SI_N, MLP_MODE_TRAIN);
    scale_layer(plain, 0, 2.0);
    double doubled = probe_loss(plain, x, t, SI_N, MLP_MODE_TRAIN);
    cr_assert(fabs(doubled - plain_base) > 1e-3, "without BN, doubling W moved the loss only from %.17g to %.17g",
              plain_base, doubled);
    mlp_destroy(plain);
}

Test(mlp, the_gradient_of_each_weight_row_before_bn_is_orthogonal_to_that_row)
{
    double x[SI_N * 3], t[SI_N];
    Mlp *mlp = scale_net(BN_PLACEMENT_BEFORE, false, x, t);
    BnError err = { 0 };
    optimizer_zero_grad(mlp->grads, mlp->num_params);
    cr_assert(mlp_forward(mlp, x, SI_N, MLP_MODE_BATCH_STATS, &err), "%s", err.message);
    mlp_loss(mlp, t);
    cr_assert(mlp_backward(mlp, NULL, &err), "%s", err.message);
    for (int l = 0; l < mlp->num_hidden; l++) {
        const MlpLayer *L = &mlp->hidden[l];
        for (int j = 0; j < L->out; j++) {
            const double *w = L->w + (size_t)j * (size_t)L->in, *g = L->dw + (size_t)j * (size_t)L->in;
            double dot = 0.0, ww = 0.0, gg = 0.0;
            for (int i = 0; i < L->in; i++) {
                dot += w[i] * g[i];
                ww += w[i] * w[i];
                gg += g[i] * g[i];
            }
            /* A zero gradient would be orthogonal to anything: make sure this one is not. */
            cr_assert(sqrt(gg) > 1e-4, "layer %d unit %d has a vanishing gradient (%g)", l + 1, j, sqrt(gg));
            cr_assert(fabs(dot) <= 1e-9 * sqrt(ww * gg), "layer %d unit %d: W·g = %.3g, |W| |g| = %.3g", l + 1, j,
                      dot, sqrt(ww * gg));
        }
    }
    /* Without BN the same rows are not orthogonal to their gradients. */
    Mlp *plain = scale_net(BN_PLACEMENT_NONE, false, x, t);
    optimizer_zero_grad(plain->grads, plain->num_params);
    cr_assert(mlp_forward(plain, x, SI_N, MLP_MODE_TRAIN, &err));
    mlp_loss(plain, t);
    cr_assert(mlp_backward(plain, NULL, &err));
    const MlpLayer *P = &plain->hidden[0];
    double dot = 0.0;
    for (int i = 0; i < P->in * P->out; i++)
        dot += P->w[i] * P->dw[i];
    cr_assert(fabs(dot) > 1e-4, "without BN, W·g = %.3g", dot);
    mlp_destroy(plain);
    mlp_destroy(mlp);
}

Test(mlp, a_bias_before_bn_is_a_parameter_whose_gradient_is_zero_and_which_changes_no_output)
{
    double x[SI_N * 3], t[SI_N];
    Mlp *with = scale_net(BN_PLACEMENT_BEFORE, true, x, t);
    Mlp *without = scale_net(BN_PLACEMENT_BEFORE, false, x, t);
    size_t extra = 0;
    for (int l = 0; l < with->num_hidden; l++) {
        cr_assert_not_null(with->hidden[l].b, "layer %d has its bias", l + 1);
        cr_assert_null(without->hidden[l].b, "layer %d has no bias by default", l + 1);
        extra += (size_t)with->hidden[l].out;
    }
    cr_assert_eq(with->num_params, without->num_params + extra);
    /* The same weights, γ, β and output layer in both; the biases are whatever the random moves made them. */
    for (int l = 0; l < with->num_hidden; l++) {
        MlpLayer *A = &with->hidden[l], *B = &without->hidden[l];
        memcpy(A->w, B->w, sizeof(double) * (size_t)A->in * (size_t)A->out);
        memcpy(A->gamma, B->gamma, sizeof(double) * (size_t)A->out);
        memcpy(A->beta, B->beta, sizeof(double) * (size_t)A->out);
        for (int j = 0; j < A->out; j++)
            cr_assert(fabs(A->b[j]) > 1e-3, "bias %d of layer %d is not trivially 0", j, l + 1);
    }
    memcpy(with->w_out, without->w_out, sizeof(double) * (size_t)with->n_out * 4);
    memcpy(with->b_out, without->b_out, sizeof(double) * (size_t)with->n_out);
    BnError err = { 0 };
    double loss_with = probe_loss(with, x, t, SI_N, MLP_MODE_BATCH_STATS);
    double loss_without = probe_loss(without, x, t, SI_N, MLP_MODE_BATCH_STATS);
    check_close(loss_with, loss_without, 1e-9, 1e-9, "the loss with and without the biases");
    for (int i = 0; i < SI_N * 3; i++)
        check_close(with->logits[i], without->logits[i], 1e-9, 1e-9, "output %d", i);
    optimizer_zero_grad(with->grads, with->num_params);
    mlp_loss(with, t);
    cr_assert(mlp_backward(with, NULL, &err), "%s", err.message);
    for (int l = 0; l < with->num_hidden; l++) {
        const MlpLayer *L = &with->hidden[l];
        double beta_grad = 0.0;
        for (int j = 0; j < L->out; j++) {
            cr_assert(fabs(L->db[j]) < 1e-9, "layer %d: bias %d gets gradient %.3g", l + 1, j, L->db[j]);
            beta_grad = fmax(beta_grad, fabs(L->dbeta[j]));
        }
        /* β, the bias after BN, does learn: the zero above is BN's doing, not a dead layer. */
        cr_assert(beta_grad > 1e-3, "layer %d: largest dβ %.3g", l + 1, beta_grad);
    }
    /* Training steps leave the biases where they were (to rounding). */
    double b0 = with->hidden[0].b[0];
    Sgd *sgd = sgd_create(with->num_params, 0.5, 0.0);
    double loss;
    for (int s = 0; s < 20; s++)
        cr_assert(mlp_train_step(with, sgd, x, t, SI_N, &loss, &err), "%s", err.message);
    cr_assert(fabs(with->hidden[0].b[0] - b0) < 1e-12, "the bias moved from %.17g to %.17g", b0,
              with->hidden[0].b[0]);
    sgd_destroy(sgd);
    mlp_destroy(with);
    mlp_destroy(without);
}
