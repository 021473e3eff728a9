/* The MLP's dropout (masks, placement, eval mode, gradients), its γ/β-fixed frozen steps and copying a
 * network's state. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mlp.h"
#include "support/check.h"
#include "util/pcg32.h"

static Mlp *make(const int *sizes, int num_sizes, Activation act, BnPlacement bn, uint64_t seed)
{
    MlpConfig config;
    mlp_config_init(&config, sizes, num_sizes);
    config.act = act;
    config.bn = bn;
    config.seed = seed;
    BnError err = { 0 };
    Mlp *mlp = mlp_create(&config, &err);
    cr_assert_not_null(mlp, "mlp_create failed: %s", err.message);
    return mlp;
}

static void fill(double *v, int count, uint64_t seed)
{
    Pcg32 rng;
    pcg32_seed(&rng, seed, 3);
    for (int i = 0; i < count; i++)
        v[i] = pcg32_normal(&rng);
}

Test(mlp_dropout, before_bn_drops_every_hidden_output_but_the_last_and_after_bn_only_the_last)
{
    int sizes[5] = { 2, 4, 4, 4, 3 };
    Mlp *mlp = make(sizes, 5, ACTIVATION_RELU, BN_PLACEMENT_BEFORE, 1);
    for (int l = 0; l < 3; l++)
        cr_assert(!mlp_layer_dropped(mlp, l), "no dropout before it is enabled (layer %d)", l);
    mlp_dropout_enable(mlp, 0.5, MLP_DROP_BEFORE_BN, 7);
    cr_assert(mlp_layer_dropped(mlp, 0) && mlp_layer_dropped(mlp, 1) && !mlp_layer_dropped(mlp, 2),
              "before-bn: layers 1 and 2 feed a BN, layer 3 feeds the output layer");
    mlp_dropout_enable(mlp, 0.5, MLP_DROP_AFTER_BN, 7);
    cr_assert(!mlp_layer_dropped(mlp, 0) && !mlp_layer_dropped(mlp, 1) && mlp_layer_dropped(mlp, 2),
              "after-bn: only the last hidden layer");
    mlp_dropout_enable(mlp, 0.0, MLP_DROP_AFTER_BN, 7);
    cr_assert(!mlp_layer_dropped(mlp, 2), "rate 0 turns dropout off");
    mlp_destroy(mlp);
}

/* Inverted dropout: about p of the values zeroed, the rest scaled by exactly 1/(1-p). */
Test(mlp_dropout, a_training_forward_zeroes_about_p_of_the_values_and_scales_the_rest)
{
    enum { N = 400, W = 50 };
    int sizes[4] = { 3, W, W, 2 };
    Mlp *mlp = make(sizes, 4, ACTIVATION_SIGMOID, BN_PLACEMENT_BEFORE, 2);
    const double p = 0.3;
    mlp_dropout_enable(mlp, p, MLP_DROP_BEFORE_BN, 11);
    double *x = malloc(sizeof(double) * N * 3);
    fill(x, N * 3, 5);
    BnError err = { 0 };
    cr_assert(mlp_forward(mlp, x, N, MLP_MODE_TRAIN, &err), "%s", err.message);
    const MlpLayer *L = &mlp->hidden[0];
    int zeros = 0;
    for (int k = 0; k < N * W; k++) {
        if (L->mask[k] == 0.0) {
            zeros++;
            cr_assert_eq(L->dropped[k], 0.0, "a dropped value is 0 (at %d)", k);
        } else {
            cr_assert_eq(L->mask[k], 1.0 / (1.0 - p), "a kept value's mask is 1/(1-p) (at %d)", k);
            cr_assert_eq(L->dropped[k], L->y[k] * (1.0 / (1.0 - p)), "a kept value is y/(1-p) (at %d)", k);
        }
    }
    double share = (double)zeros / (N * W);
    /* 20000 Bernoulli(0.3) draws: the share is within 0.015 of p by over 4 standard deviations. */
    cr_assert(fabs(share - p) < 0.015, "share of zeros %.4f, expected about %.2f", share, p);
    free(x);
    mlp_destroy(mlp);
}

/* Eval and batch-statistics forwards never drop: they match a network without dropout bitwise. */
Test(mlp_dropout, eval_and_batch_statistics_forwards_are_untouched_by_dropout)
{
    enum { N = 16 };
    int sizes[4] = { 3, 6, 5, 3 };
    Mlp *with = make(sizes, 4, ACTIVATION_TANH, BN_PLACEMENT_AFTER, 4);
    Mlp *without = make(sizes, 4, ACTIVATION_TANH, BN_PLACEMENT_AFTER, 4);
    mlp_dropout_enable(with, 0.5, MLP_DROP_BEFORE_BN, 3);
    double x[N * 3];
    fill(x, N * 3, 8);
    BnError err = { 0 };
    MlpMode modes[2] = { MLP_MODE_EVAL, MLP_MODE_BATCH_STATS };
    for (int m = 0; m < 2; m++) {
        cr_assert(mlp_forward(with, x, N, modes[m], &err) && mlp_forward(without, x, N, modes[m], &err), "%s",
                  err.message);
        cr_assert(memcmp(with->logits, without->logits, sizeof(double) * N * 3) == 0,
                  "mode %d: the outputs differ with dropout enabled", m);
    }
    /* ...while a training forward does drop, so its outputs differ. */
    cr_assert(mlp_forward(with, x, N, MLP_MODE_TRAIN, &err) && mlp_forward(without, x, N, MLP_MODE_TRAIN, &err),
              "%s", err.message);
    cr_assert(memcmp(with->logits, without->logits, sizeof(double) * N * 3) != 0,
              "a training forward with dropout should differ from one without");
    mlp_destroy(with);
    mlp_destroy(without);
}

/* The loss of a forward in mode with the masks drawn from the saved generator state, so every probe of
 * the central differences sees the same masks. */
static double loss_with_masks(Mlp *mlp, const Pcg32 *masks, const double *x, const double *t, int n, MlpMode mode)
{
    BnError err = { 0 };
    mlp->drop_rng = *masks;
    cr_assert(mlp_forward(mlp, x, n, mode, &err), "forward: %s", err.message);
    return mlp_loss(mlp, t);
}

static void check_dropout_gradients(BnPlacement bn, MlpDropPlace place, MlpMode mode)
{
    enum { N = 6 };
    int sizes[5] = { 3, 5, 4, 4, 3 };
    Mlp *mlp = make(sizes, 5, ACTIVATION_TANH, bn, 21);
    mlp_dropout_enable(mlp, 0.4, place, 9);
    Pcg32 rng;
    pcg32_seed(&rng, 77, (uint64_t)bn);
    for (size_t i = 0; i < mlp->num_params; i++)
        mlp->params[i] += 0.3 * pcg32_normal(&rng);
    for (int l = 0; l < mlp->num_hidden && mlp->hidden[l].running_mean; l++)
        for (int j = 0; j < mlp->hidden[l].out; j++) {
            mlp->hidden[l].running_mean[j] = 0.4 * pcg32_normal(&rng);
            mlp->hidden[l].running_var[j] = 0.5 + fabs(pcg32_normal(&rng));
        }
    double x[N * 3], t[N], dx[N * 3];
    fill(x, N * 3, 31);
    for (int r = 0; r < N; r++)
        t[r] = r % 3;
    Pcg32 masks = mlp->drop_rng;
    /* Training-mode forwards move the running statistics; the loss of a training forward does not read
     * them, and a frozen forward does not move them, so every probe computes the same function. */
    BnError err = { 0 };
    optimizer_zero_grad(mlp->grads, mlp->num_params);
    loss_with_masks(mlp, &masks, x, t, N, mode);
    cr_assert(mlp_backward(mlp, dx, &err), "backward: %s", err.message);
    double *analytic = malloc(sizeof(double) * mlp->num_params);
    memcpy(analytic, mlp->grads, sizeof(double) * mlp->num_params);
    const double h = 1e-5;
    double largest = 0.0;
    for (size_t i = 0; i < mlp->num_params; i++) {
        double saved = mlp->params[i];
        mlp->params[i] = saved + h;
        double up = loss_with_masks(mlp, &masks, x, t, N, mode);
        mlp->params[i] = saved - h;
        double down = loss_with_masks(mlp, &masks, x, t, N, mode);
        mlp->params[i] = saved;
        check_close(analytic[i], (up - down) / (2 * h), 1e-5, 1e-5, "dropout %s, BN %s: dparam[%zu]",
                    mlp_drop_place_name(place), mlp_placement_name(bn), i);
        largest = fmax(largest, fabs(analytic[i]));
    }
    cr_assert_gt(largest, 1e-3, "parameter gradients are all zero");
    largest = 0.0;
    for (int i = 0; i < N * 3; i++) {
        double saved = x[i];
        x[i] = saved + h;
        double up = loss_with_masks(mlp, &masks, x, t, N, mode);
        x[i] = saved - h;
        double down = loss_with_masks(mlp, &masks, x, t, N, mode);
        x[i] = saved;
        check_close(dx[i], (up - down) / (2 * h), 1e-5, 1e-5, "dropout %s: dx[%d]", mlp_drop_place_name(place), i);
        largest = fmax(largest, fabs(dx[i]));
    }
    cr_assert_gt(largest, 1e-4, "input gradients are all zero");
    /* The masks really dropped something, or this test would not test them. */
    int zeros = 0;
    for (int l = 0; l < mlp->num_hidden; l++)
        if (mlp_layer_dropped(mlp, l))
            for (int k = 0; k < N * mlp->hidden[l].out; k++)
                zeros += mlp->hidden[l].mask[k] == 0.0;
    cr_assert_gt(zeros, 0, "no value was dropped");
    free(analytic);
    mlp_destroy(mlp);
}

Test(mlp_dropout, gradients_through_the_masks_match_central_differences)
{
    check_dropout_gradients(BN_PLACEMENT_BEFORE, MLP_DROP_BEFORE_BN, MLP_MODE_TRAIN);
    check_dropout_gradients(BN_PLACEMENT_BEFORE, MLP_DROP_AFTER_BN, MLP_MODE_TRAIN);
    check_dropout_gradients(BN_PLACEMENT_AFTER, MLP_DROP_BEFORE_BN, MLP_MODE_FROZEN);
    check_dropout_gradients(BN_PLACEMENT_NONE, MLP_DROP_BEFORE_BN, MLP_MODE_TRAIN);
}

/* The variance shift, computed directly: behind dropout, the batch variance BN collects in training is
 * larger than the variance of the same rows' BN input without dropout. */
Test(mlp_dropout, a_bn_behind_dropout_sees_a_larger_variance_in_training_than_in_eval)
{
    enum { N = 2000 };
    int sizes[4] = { 2, 8, 8, 2 };
    Mlp *mlp = make(sizes, 4, ACTIVATION_RELU, BN_PLACEMENT_BEFORE, 6);
    mlp_dropout_enable(mlp, 0.5, MLP_DROP_BEFORE_BN, 2);
    double *x = malloc(sizeof(double) * N * 2);
    fill(x, N * 2, 12);
    BnError err = { 0 };
    cr_assert(mlp_forward(mlp, x, N, MLP_MODE_BATCH_STATS, &err), "%s", err.message);
    double clean[8];
    memcpy(clean, mlp->hidden[1].var, sizeof clean);
    cr_assert(mlp_forward(mlp, x, N, MLP_MODE_TRAIN, &err), "%s", err.message);
    for (int j = 0; j < 8; j++)
        if (clean[j] > 1e-9)
            cr_assert_gt(mlp->hidden[1].var[j], 1.2 * clean[j], "unit %d: training variance %g vs %g without dropout",
                         j, mlp->hidden[1].var[j], clean[j]);
    free(x);
    mlp_destroy(mlp);
}

/* Keras's trainable=False: a frozen step with freeze_affine leaves γ and β bitwise where they were, even
 * with momentum left over from earlier steps, while the weights move; without it they move. */
Test(mlp_dropout, frozen_steps_with_freeze_affine_keep_gamma_and_beta_and_train_the_weights)
{
    enum { N = 8 };
    int sizes[4] = { 3, 4, 4, 2 };
    Mlp *mlp = make(sizes, 4, ACTIVATION_TANH, BN_PLACEMENT_BEFORE, 8);
    Sgd *sgd = sgd_create(mlp->num_params, 0.1, 0.9);
    double x[N * 3], t[N];
    fill(x, N * 3, 4);
    for (int r = 0; r < N; r++)
        t[r] = r % 2;
    BnError err = { 0 };
    double loss;
    for (int s = 0; s < 3; s++)
        cr_assert(mlp_train_step(mlp, sgd, x, t, N, &loss, &err), "%s", err.message);
    double *before = malloc(sizeof(double) * mlp->num_params);
    memcpy(before, mlp->params, sizeof(double) * mlp->num_params);
    mlp->freeze_affine = true;
    cr_assert(mlp_train_step_mode(mlp, sgd, x, t, N, MLP_MODE_FROZEN, &loss, &err), "%s", err.message);
    for (int l = 0; l < mlp->num_hidden; l++) {
        const MlpLayer *L = &mlp->hidden[l];
        size_t g = (size_t)(L->gamma - mlp->params), b = (size_t)(L->beta - mlp->params);
        cr_assert(memcmp(L->gamma, before + g, sizeof(double) * 4) == 0, "layer %d: gamma moved", l + 1);
        cr_assert(memcmp(L->beta, before + b, sizeof(double) * 4) == 0, "layer %d: beta moved", l + 1);
    }
    cr_assert(memcmp(mlp->hidden[0].w, before, sizeof(double) * 12) != 0, "the first weights should move");
    mlp->freeze_affine = false;
    cr_assert(mlp_train_step_mode(mlp, sgd, x, t, N, MLP_MODE_FROZEN, &loss, &err), "%s", err.message);
    size_t g = (size_t)(mlp->hidden[0].gamma - mlp->params);
    cr_assert(memcmp(mlp->hidden[0].gamma, before + g, sizeof(double) * 4) != 0,
              "without freeze_affine a frozen step trains gamma");
    free(before);
    sgd_destroy(sgd);
    mlp_destroy(mlp);
}

Test(mlp_dropout, copying_state_needs_the_same_shape_and_copies_parameters_and_running_statistics)
{
    int a_sizes[3] = { 2, 4, 2 }, b_sizes[3] = { 2, 5, 2 };
    Mlp *a = make(a_sizes, 3, ACTIVATION_RELU, BN_PLACEMENT_BEFORE, 1);
    Mlp *b = make(a_sizes, 3, ACTIVATION_RELU, BN_PLACEMENT_BEFORE, 2);
    Mlp *c = make(b_sizes, 3, ACTIVATION_RELU, BN_PLACEMENT_BEFORE, 1);
    a->hidden[0].running_mean[2] = 0.75;
    a->hidden[0].running_var[1] = 3.5;
    a->hidden[0].batches_seen = 12;
    BnError err = { 0 };
    cr_assert(mlp_copy_state(b, a, &err), "%s", err.message);
    cr_assert(memcmp(a->params, b->params, sizeof(double) * a->num_params) == 0, "parameters copied");
    cr_assert_eq(b->hidden[0].running_mean[2], 0.75);
    cr_assert_eq(b->hidden[0].running_var[1], 3.5);
    cr_assert_eq(b->hidden[0].batches_seen, 12);
    BnError err2 = { 0 };
    cr_assert(!mlp_copy_state(c, a, &err2), "a 2-5-2 network cannot take a 2-4-2 one's state");
    cr_assert(err2.set && strstr(err2.message, "shape"), "message: %s", err2.message);
    mlp_destroy(a);
    mlp_destroy(b);
    mlp_destroy(c);
}
