/* The conv net: whole-network central differences for every norm, running statistics, modes, learning on shapes28. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/convnet.h"
#include "engine/dataset.h"
#include "engine/optimizer.h"
#include "support/check.h"
#include "util/pcg32.h"

static ConvNet *make_net(ConvNorm norm, PoolKind pool, int side, int c1, int c2, int classes, uint64_t seed)
{
    ConvNetConfig config;
    convnet_config_init(&config);
    config.side = side;
    config.channels[0] = c1;
    config.channels[1] = c2;
    config.classes = classes;
    config.norm = norm;
    config.groups = 2;
    config.pool = pool;
    config.seed = seed;
    BnError err = { 0 };
    ConvNet *net = convnet_create(&config, &err);
    cr_assert_not_null(net, "convnet_create (%s): %s", convnet_norm_name(norm), err.message);
    return net;
}

static void random_batch(double *x, double *labels, int n, int side, int classes, uint64_t seed)
{
    Pcg32 rng;
    pcg32_seed(&rng, seed, 11);
    for (int k = 0; k < n * side * side; k++)
        x[k] = pcg32_uniform(&rng);
    for (int s = 0; s < n; s++)
        labels[s] = s % classes;
}

static double batch_loss(ConvNet *net, const double *x, const double *labels, int n)
{
    BnError err = { 0 };
    cr_assert(convnet_forward(net, x, n, CONVNET_MODE_BATCH_STATS, &err), "%s", err.message);
    return convnet_loss(net, labels);
}

/* Every parameter's gradient against a central difference of the mean loss. */
static void gradient_check(ConvNorm norm, PoolKind pool)
{
    enum { N = 4, SIDE = 8, CLASSES = 3 };
    ConvNet *net = make_net(norm, pool, SIDE, 2, 4, CLASSES, 5);
    /* Small random β and biases, so no parameter starts where its gradient is zero by symmetry. */
    Pcg32 rng;
    pcg32_seed(&rng, 77, 1);
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        ConvNetBlock *blk = &net->block[b];
        for (int k = 0; k < blk->num_norm_params; k++) {
            blk->gamma[k] = 1.0 + 0.2 * pcg32_normal(&rng);
            blk->beta[k] = 0.2 * pcg32_normal(&rng);
        }
        for (int k = 0; blk->b && k < blk->c_out; k++)
            blk->b[k] = 0.1 * pcg32_normal(&rng);
    }
    double x[N * SIDE * SIDE], labels[N];
    random_batch(x, labels, N, SIDE, CLASSES, 3);
    optimizer_zero_grad(net->grads, net->num_params);
    batch_loss(net, x, labels, N);
    BnError err = { 0 };
    cr_assert(convnet_backward(net, &err), "%s", err.message);
    double *analytic = malloc(sizeof *analytic * net->num_params);
    memcpy(analytic, net->grads, sizeof *analytic * net->num_params);
    const double h = 1e-5;
    double largest = 0.0;
    for (size_t k = 0; k < net->num_params; k++) {
        double saved = net->params[k];
        net->params[k] = saved + h;
        double up = batch_loss(net, x, labels, N);
        net->params[k] = saved - h;
        double down = batch_loss(net, x, labels, N);
        net->params[k] = saved;
        check_close(analytic[k], (up - down) / (2 * h), 1e-5, 1e-7, "norm %s, pool %s, parameter %zu of %zu",
                    convnet_norm_name(norm), pool_kind_name(pool), k, net->num_params);
        largest = fmax(largest, fabs(analytic[k]));
    }
    cr_assert_gt(largest, 1e-3, "all gradients ~0 (norm %s): the check would pass for anything",
                 convnet_norm_name(norm));
    free(analytic);
    convnet_destroy(net);
}

Test(convnet, whole_network_gradients_match_central_differences_for_every_norm)
{
    for (ConvNorm norm = CONV_NORM_NONE; norm < NORM_METHOD_COUNT; norm++)
        gradient_check(norm, POOL_AVG);
    gradient_check(CONV_NORM_NONE, POOL_MAX);
    gradient_check(CONV_NORM_BATCH, POOL_MAX);
}

Test(convnet, the_default_network_has_the_documented_shapes_and_one_flat_parameter_block)
{
    ConvNet *net = make_net(CONV_NORM_BATCH, POOL_MAX, 28, 8, 16, 10, 1);
    cr_assert_eq(net->features, 16 * 7 * 7);
    cr_assert_eq(net->block[1].c_in, 8);
    cr_assert_eq(net->block[1].side, 14);
    /* conv 8·9 + γβ 2·8, conv 16·8·9 + γβ 2·16, head 10·784 + 10 */
    cr_assert_eq(net->num_params, (size_t)(72 + 16 + 1152 + 32 + 7840 + 10), "%zu", net->num_params);
    cr_assert(net->w_fc + 7840 == net->b_fc && net->b_fc + 10 == net->params + net->num_params,
              "the head is not the end of the parameter block");
    cr_assert(net->block[0].b == NULL && net->block[0].running_mean != NULL, "bias or running stats");
    convnet_destroy(net);
    ConvNet *plain = make_net(CONV_NORM_NONE, POOL_MAX, 28, 8, 16, 10, 1);
    cr_assert_eq(plain->num_params, (size_t)(72 + 8 + 1152 + 16 + 7840 + 10), "%zu", plain->num_params);
    cr_assert(plain->block[0].gamma == NULL && plain->block[0].b != NULL);
    convnet_destroy(plain);
    ConvNet *layer = make_net(CONV_NORM_LAYER, POOL_MAX, 28, 8, 16, 10, 1);
    cr_assert_eq(layer->block[0].num_norm_params, 8 * 28 * 28, "layer norm has a γ per element");
    convnet_destroy(layer);
}

Test(convnet, weights_depend_on_the_seed_only_not_on_the_norm)
{
    ConvNet *a = make_net(CONV_NORM_BATCH, POOL_MAX, 28, 8, 16, 10, 4);
    ConvNet *b = make_net(CONV_NORM_GROUP, POOL_MAX, 28, 8, 16, 10, 4);
    ConvNet *c = make_net(CONV_NORM_BATCH, POOL_MAX, 28, 8, 16, 10, 5);
    cr_assert(memcmp(a->block[1].w, b->block[1].w, sizeof(double) * 16 * 72) == 0, "conv 2 differs by norm");
    cr_assert(memcmp(a->w_fc, b->w_fc, sizeof(double) * 7840) == 0, "head differs by norm");
    cr_assert(memcmp(a->block[0].w, c->block[0].w, sizeof(double) * 72) != 0, "the seed changes nothing");
    convnet_destroy(a), convnet_destroy(b), convnet_destroy(c);
}

Test(convnet, batch_norm_running_statistics_follow_pytorch_over_n_h_w_values)
{
    enum { N = 3, SIDE = 8 };
    ConvNet *net = make_net(CONV_NORM_BATCH, POOL_MAX, SIDE, 2, 4, 3, 2);
    double x[N * SIDE * SIDE], labels[N];
    random_batch(x, labels, N, SIDE, 3, 8);
    BnError err = { 0 };
    cr_assert(convnet_forward(net, x, N, CONVNET_MODE_BATCH_STATS, &err));
    cr_assert_eq(net->block[0].running_mean[0], 0.0, "observing changed the running mean");
    cr_assert_eq(net->block[0].running_var[1], 1.0, "observing changed the running variance");
    cr_assert(convnet_forward(net, x, N, CONVNET_MODE_TRAIN, &err));
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        const ConvNetBlock *blk = &net->block[b];
        double m = (double)N * blk->side * blk->side;
        for (int c = 0; c < blk->c_out; c++) {
            /* chan_mean/var are computed apart from the norm: an independent check of its statistics. */
            check_close(blk->running_mean[c], 0.1 * blk->chan_mean[c], 1e-12, 1e-15, "block %d channel %d", b, c);
            check_close(blk->running_var[c], 0.9 + 0.1 * blk->chan_var[c] * m / (m - 1), 1e-12, 0.0,
                        "block %d channel %d", b, c);
            check_close(blk->mean[c], blk->chan_mean[c], 1e-12, 1e-15, "batch mean, block %d channel %d", b, c);
        }
        cr_assert_eq(blk->batches_seen, 1);
    }
    convnet_reset_running_stats(net);
    cr_assert(net->block[1].running_mean[2] == 0.0 && net->block[1].running_var[2] == 1.0);
    convnet_destroy(net);
}

Test(convnet, eval_mode_gives_each_sample_the_same_answer_alone_or_in_a_batch)
{
    enum { N = 5, SIDE = 8, K = 3 };
    for (ConvNorm norm = CONV_NORM_NONE; norm < NORM_METHOD_COUNT; norm++) {
        if (norm == CONV_NORM_LAYER)
            continue;
        ConvNet *net = make_net(norm, POOL_MAX, SIDE, 2, 4, K, 6);
        double x[N * SIDE * SIDE], labels[N], batch_logits[N * K];
        random_batch(x, labels, N, SIDE, K, 9);
        BnError err = { 0 };
        Sgd *sgd = sgd_create(net->num_params, 0.05, 0.0);
        double loss;
        for (int s = 0; s < 5; s++)
            cr_assert(convnet_train_step(net, sgd, x, labels, N, &loss, &err), "%s", err.message);
        cr_assert(convnet_forward(net, x, N, CONVNET_MODE_EVAL, &err), "%s", err.message);
        memcpy(batch_logits, net->logits, sizeof batch_logits);
        for (int s = 0; s < N; s++) {
            cr_assert(convnet_forward(net, x + s * SIDE * SIDE, 1, CONVNET_MODE_EVAL, &err), "%s", err.message);
            for (int k = 0; k < K; k++)
                check_close(net->logits[k], batch_logits[s * K + k], 1e-12, 1e-12, "norm %s sample %d logit %d",
                            convnet_norm_name(norm), s, k);
        }
        if (norm == CONV_NORM_BATCH) {
            /* Batch statistics of this batch differ from the running ones: train mode answers differently. */
            cr_assert(convnet_forward(net, x, N, CONVNET_MODE_BATCH_STATS, &err));
            cr_assert(fabs(net->logits[0] - batch_logits[0]) > 1e-6, "eval used the batch statistics");
        }
        sgd_destroy(sgd);
        convnet_destroy(net);
    }
}

Test(convnet, backward_after_an_eval_forward_with_batch_norm_is_refused)
{
    enum { N = 2, SIDE = 4 };
    ConvNet *net = make_net(CONV_NORM_BATCH, POOL_MAX, SIDE, 2, 2, 2, 1);
    double x[N * SIDE * SIDE], labels[N];
    random_batch(x, labels, N, SIDE, 2, 1);
    BnError err = { 0 };
    cr_assert(convnet_forward(net, x, N, CONVNET_MODE_EVAL, &err));
    convnet_loss(net, labels);
    cr_assert_not(convnet_backward(net, &err));
    cr_assert(strstr(err.message, "batch statistics"), "message: %s", err.message);
    convnet_destroy(net);
    ConvNet *group = make_net(CONV_NORM_GROUP, POOL_MAX, SIDE, 2, 2, 2, 1);
    cr_assert(convnet_forward(group, x, N, CONVNET_MODE_EVAL, &err));
    convnet_loss(group, labels);
    cr_assert(convnet_backward(group, &err), "group norm has no running statistics to forbid it: %s", err.message);
    convnet_destroy(group);
}

Test(convnet, bad_configurations_are_refused_with_a_message)
{
    struct { int side, c1, c2, classes, groups; ConvNorm norm; double eps; const char *says; } bad[] = {
        { 30, 8, 16, 10, 4, CONV_NORM_NONE, 1e-5, "divisible by 4" },
        { 0, 8, 16, 10, 4, CONV_NORM_NONE, 1e-5, "divisible by 4" },
        { 28, 0, 16, 10, 4, CONV_NORM_NONE, 1e-5, "block 1 has 0 channels" },
        { 28, 8, 16, 1, 4, CONV_NORM_NONE, 1e-5, "2 to" },
        { 28, 8, 16, 10, 3, CONV_NORM_GROUP, 1e-5, "3 groups must divide the 8 channels" },
        { 28, 8, 6, 10, 4, CONV_NORM_GROUP, 1e-5, "4 groups must divide the 6 channels of block 2" },
        { 28, 8, 16, 10, 0, CONV_NORM_GROUP, 1e-5, "0 groups" },
        { 28, 8, 16, 10, 4, CONV_NORM_BATCH, 0.0, "epsilon must be positive" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        ConvNetConfig config;
        convnet_config_init(&config);
        config.side = bad[k].side;
        config.channels[0] = bad[k].c1;
        config.channels[1] = bad[k].c2;
        config.classes = bad[k].classes;
        config.groups = bad[k].groups;
        config.norm = bad[k].norm;
        config.eps = bad[k].eps;
        BnError err = { 0 };
        ConvNet *net = convnet_create(&config, &err);
        cr_assert_null(net, "case %zu was accepted", k);
        cr_assert(strstr(err.message, bad[k].says), "case %zu: '%s' lacks '%s'", k, err.message, bad[k].says);
    }
    ConvNorm norm;
    cr_assert(convnet_norm_parse("instance", &norm) && norm == CONV_NORM_INSTANCE);
    cr_assert(convnet_norm_parse("none", &norm) && norm == CONV_NORM_NONE);
    cr_assert_not(convnet_norm_parse("batchnorm", &norm));
}

Test(convnet, a_non_finite_loss_updates_nothing)
{
    enum { N = 2, SIDE = 4 };
    ConvNet *net = make_net(CONV_NORM_NONE, POOL_MAX, SIDE, 2, 2, 2, 1);
    double x[N * SIDE * SIDE], labels[N];
    random_batch(x, labels, N, SIDE, 2, 1);
    x[3] = NAN;
    double *before = malloc(sizeof *before * net->num_params);
    memcpy(before, net->params, sizeof *before * net->num_params);
    Sgd *sgd = sgd_create(net->num_params, 0.1, 0.0);
    BnError err = { 0 };
    double loss = 0.0;
    cr_assert_not(convnet_train_step(net, sgd, x, labels, N, &loss, &err));
    cr_assert(!isfinite(loss) && err.set, "loss %g", loss);
    cr_assert(memcmp(before, net->params, sizeof *before * net->num_params) == 0, "parameters moved");
    free(before);
    sgd_destroy(sgd);
    convnet_destroy(net);
}

Test(convnet, channel_values_copy_one_channel_of_every_sample)
{
    enum { N = 2, SIDE = 4 };
    ConvNet *net = make_net(CONV_NORM_BATCH, POOL_MAX, SIDE, 2, 2, 2, 1);
    double x[N * SIDE * SIDE], labels[N], values[N * SIDE * SIDE];
    random_batch(x, labels, N, SIDE, 2, 1);
    cr_assert(convnet_forward(net, x, N, CONVNET_MODE_TRAIN, NULL));
    const ConvNetBlock *blk = &net->block[0];
    int count = convnet_channel_values(values, net, 0, blk->normed, 1);
    cr_assert_eq(count, N * SIDE * SIDE);
    /* Batch norm output with γ = 1, β = 0: mean 0 over the channel's N·H·W values. */
    double mean = 0.0;
    for (int k = 0; k < count; k++)
        mean += values[k] / count;
    cr_assert(fabs(mean) < 1e-12, "post-norm channel mean %g", mean);
    cr_assert_eq(values[SIDE * SIDE], blk->normed[(1 * 2 + 1) * SIDE * SIDE], "sample 1 of channel 1");
    cr_assert_eq(convnet_channel_values(values, net, 0, blk->normed, 2), 0, "channel out of range");
    cr_assert_eq(convnet_channel_values(values, net, 2, blk->normed, 0), 0, "block out of range");
    convnet_destroy(net);
}

/* A few hundred steps on shapes28 must take the test accuracy far above chance (10%). */
static double train_and_test(ConvNorm norm, int steps)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("shapes28", 3, 2000, 500, &train, &test, &err), "%s", err.message);
    ConvNet *net = make_net(norm, POOL_MAX, 28, 8, 16, 10, 1);
    net->config.groups = 4;
    Sgd *sgd = sgd_create(net->num_params, 0.05, 0.9);
    BatchSampler sampler;
    sampler_init(&sampler, train->n, 3);
    enum { B = 32 };
    int idx[B];
    double *x = malloc(sizeof *x * B * 784), y[B], loss = 0.0;
    for (int s = 0; s < steps; s++) {
        sampler_next(&sampler, idx, B);
        dataset_gather(train, idx, B, x, y);
        cr_assert(convnet_train_step(net, sgd, x, y, B, &loss, &err), "step %d: %s", s, err.message);
    }
    /* The test set in chunks of B: a forward of all 500 would hold hundreds of MB of feature maps. */
    double correct = 0.0;
    for (int start = 0; start < test->n; start += B) {
        int m = test->n - start < B ? test->n - start : B;
        for (int k = 0; k < m; k++)
            idx[k] = start + k;
        dataset_gather(test, idx, m, x, y);
        cr_assert(convnet_forward(net, x, m, CONVNET_MODE_EVAL, &err), "%s", err.message);
        correct += convnet_accuracy(net, y) * m;
    }
    double acc = correct / test->n;
    free(x);
    sampler_free(&sampler);
    sgd_destroy(sgd);
    convnet_destroy(net);
    dataset_destroy(train);
    dataset_destroy(test);
    return acc;
}

Test(convnet, a_few_hundred_steps_on_shapes28_learn_with_and_without_batch_norm, .timeout = 0)
{
    double with_bn = train_and_test(CONV_NORM_BATCH, 300);
    double without = train_and_test(CONV_NORM_NONE, 300);
    cr_log_info("shapes28 test accuracy after 300 steps: batch norm %.3f, none %.3f", with_bn, without);
    cr_assert_gt(with_bn, 0.7, "batch norm: test accuracy %.3f after 300 steps", with_bn);
    cr_assert_gt(without, 0.5, "no norm: test accuracy %.3f after 300 steps", without);
}
