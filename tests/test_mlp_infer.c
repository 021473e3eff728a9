/* Inference over many rows: every value bit for bit mlp_forward's, the network untouched, and bad requests refused. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/mlp.h"
#include "engine/mlp_infer.h"
#include "engine/optimizer.h"
#include "support/inputs.h"

enum { FIRST = 7, ROWS = 150 };     /* more rows than one input chunk, not starting at row 0 */

/* A synth784 network trained a few steps so that weights and running statistics are not their defaults. */
static Mlp *trained(BnPlacement bn, Activation act, Dataset *train)
{
    int sizes[] = { 784, 12, 9, 10 };
    MlpConfig config;
    mlp_config_init(&config, sizes, 4);
    config.bn = bn;
    config.act = act;
    config.seed = 5;
    BnError err = { 0 };
    Mlp *mlp = mlp_create(&config, &err);
    cr_assert_not_null(mlp, "%s", err.message);
    Sgd *sgd = sgd_create(mlp->num_params, 0.1, 0.0);
    enum { B = 20 };
    double *x = malloc(sizeof(double) * B * 784), y[B], loss;
    for (int step = 0; step < 5; step++) {
        dataset_rows(train, step * B, B, x);
        for (int r = 0; r < B; r++)
            y[r] = train->y[step * B + r];
        cr_assert(mlp_train_step(mlp, sgd, x, y, B, &loss, &err), "%s", err.message);
    }
    free(x);
    sgd_destroy(sgd);
    return mlp;
}

static void compare(BnPlacement bn, Activation act, MlpMode mode)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("synth784", 3, 200, 200, &train, &test, &err), "%s", err.message);
    Mlp *mlp = trained(bn, act, train);
    size_t bytes = sizeof(double) * mlp->num_params;
    double *params_before = malloc(bytes);
    memcpy(params_before, mlp->params, bytes);
    double before_mean = mlp->hidden[1].running_mean ? mlp->hidden[1].running_mean[2] : 0.0;

    double *logits = malloc(sizeof(double) * ROWS * 10), column[ROWS], *outputs = malloc(sizeof(double) * ROWS * 12);
    for (int layer = 0; layer < 2; layer++) {
        int unit = layer ? 8 : 3;
        MlpInferTap taps[] = { { .layer = layer, .unit = unit, .values = column },
                               { .layer = layer, .unit = -1, .output = true, .values = outputs } };
        cr_assert(mlp_infer_rows(mlp, test, FIRST, ROWS, mode, logits, taps, 2, &err), "%s", err.message);
        cr_assert(memcmp(mlp->params, params_before, bytes) == 0, "inference changed a parameter");
        if (mlp->hidden[1].running_mean)
            cr_assert_eq(mlp->hidden[1].running_mean[2], before_mean, "inference moved the running mean");

        double *x = inputs_of(test);
        cr_assert(mlp_forward(mlp, x + (size_t)FIRST * 784, ROWS, mode, &err), "%s", err.message);
        free(x);
        cr_assert(memcmp(logits, mlp->logits, sizeof(double) * ROWS * 10) == 0,
                  "logits differ from mlp_forward's (bn %d, act %d, mode %d)", bn, act, mode);
        double want[ROWS];
        cr_assert_eq(mlp_unit_values(want, mlp, mlp->hidden[layer].pre, layer, unit), ROWS);
        cr_assert(memcmp(column, want, sizeof want) == 0, "layer %d unit %d's column differs", layer, unit);
        size_t width = (size_t)mlp->hidden[layer].out;
        cr_assert(memcmp(outputs, mlp->hidden[layer].y, sizeof(double) * ROWS * width) == 0,
                  "layer %d's outputs differ", layer);
        /* Taps alone, without the output layer, give the same column. */
        double again[ROWS];
        MlpInferTap alone = { .layer = layer, .unit = unit, .values = again };
        cr_assert(mlp_infer_rows(mlp, test, FIRST, ROWS, mode, NULL, &alone, 1, &err), "%s", err.message);
        cr_assert(memcmp(again, want, sizeof want) == 0, "layer %d unit %d's column differs without logits", layer,
                  unit);

        double labels[ROWS];
        for (int r = 0; r < ROWS; r++)
            labels[r] = test->y[FIRST + r];
        cr_assert_eq(mlp_logits_accuracy(logits, labels, ROWS, 10), mlp_accuracy(mlp, labels));
    }
    free(logits);
    free(outputs);
    free(params_before);
    mlp_destroy(mlp);
    dataset_destroy(train);
    dataset_destroy(test);
}

Test(mlp_infer, eval_mode_equals_mlp_forward_bit_for_bit_in_every_placement)
{
    compare(BN_PLACEMENT_NONE, ACTIVATION_SIGMOID, MLP_MODE_EVAL);
    compare(BN_PLACEMENT_BEFORE, ACTIVATION_SIGMOID, MLP_MODE_EVAL);
    compare(BN_PLACEMENT_AFTER, ACTIVATION_RELU, MLP_MODE_EVAL);
}

Test(mlp_infer, batch_statistics_mode_equals_mlp_forward_bit_for_bit)
{
    compare(BN_PLACEMENT_BEFORE, ACTIVATION_TANH, MLP_MODE_BATCH_STATS);
    compare(BN_PLACEMENT_AFTER, ACTIVATION_SIGMOID, MLP_MODE_BATCH_STATS);
}

Test(mlp_infer, both_modes_at_once_equal_two_separate_calls_bit_for_bit_in_every_placement)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("synth784", 3, 200, 200, &train, &test, &err), "%s", err.message);
    for (int bn = BN_PLACEMENT_NONE; bn <= BN_PLACEMENT_AFTER; bn++) {
        Mlp *mlp = trained((BnPlacement)bn, ACTIVATION_SIGMOID, train);
        double *logits = malloc(sizeof(double) * ROWS * 10), *logits_both = malloc(sizeof(double) * ROWS * 10);
        double eval_col[ROWS], batch_col[ROWS], eval_both[ROWS], batch_both[ROWS];
        /* The first layer's tap reads the shared product; the second's a layer computed in each mode. */
        for (int layer = 0; layer < 2; layer++) {
            MlpInferTap eval_tap = { .layer = layer, .unit = 2, .values = eval_col };
            MlpInferTap batch_tap = { .layer = layer, .unit = 2, .values = batch_col };
            cr_assert(mlp_infer_rows(mlp, test, FIRST, ROWS, MLP_MODE_EVAL, logits, &eval_tap, 1, &err), "%s",
                      err.message);
            cr_assert(mlp_infer_rows(mlp, test, FIRST, ROWS, MLP_MODE_BATCH_STATS, NULL, &batch_tap, 1, &err), "%s",
                      err.message);
            eval_tap.values = eval_both;
            batch_tap.values = batch_both;
            cr_assert(mlp_infer_rows_both(mlp, test, FIRST, ROWS, logits_both, &eval_tap, 1, &batch_tap, 1, &err),
                      "%s", err.message);
            cr_assert(memcmp(logits, logits_both, sizeof(double) * ROWS * 10) == 0, "BN %d: eval logits differ", bn);
            cr_assert(memcmp(eval_col, eval_both, sizeof eval_col) == 0, "BN %d layer %d: eval tap differs", bn, layer);
            cr_assert(memcmp(batch_col, batch_both, sizeof batch_col) == 0, "BN %d layer %d: batch tap differs", bn,
                      layer);
            if (bn != BN_PLACEMENT_NONE)
                cr_assert(memcmp(eval_col, batch_col, sizeof eval_col) != 0 || layer == 0,
                          "BN %d layer %d: the two modes gave the same values, so the test shows nothing", bn, layer);
        }
        free(logits);
        free(logits_both);
        mlp_destroy(mlp);
    }
    dataset_destroy(train);
    dataset_destroy(test);
}

Test(mlp_infer, bad_requests_are_refused_with_a_message)
{
    Dataset *train, *test, *small, *small_test;
    BnError err = { 0 };
    cr_assert(dataset_load("synth784", 3, 200, 200, &train, &test, &err), "%s", err.message);
    cr_assert(dataset_load("moons", 3, 50, 50, &small, &small_test, &err), "%s", err.message);
    Mlp *mlp = trained(BN_PLACEMENT_BEFORE, ACTIVATION_SIGMOID, train);
    double logits[10 * 10], column[10];
    struct { const Dataset *set; int first, n, layer, unit; MlpMode mode; const char *says; } cases[] = {
        { test, 195, 10, 0, 0, MLP_MODE_EVAL, "not in the 200 rows" },
        { test, -1, 5, 0, 0, MLP_MODE_EVAL, "not in the" },
        { test, 0, 0, 0, 0, MLP_MODE_EVAL, "not in the" },
        { small, 0, 5, 0, 0, MLP_MODE_EVAL, "2 inputs per row" },
        { test, 0, 5, 2, 0, MLP_MODE_EVAL, "no hidden unit 0 in layer 2" },
        { test, 0, 5, 1, 9, MLP_MODE_EVAL, "no hidden unit 9 in layer 1" },
        { test, 0, 5, 0, -2, MLP_MODE_EVAL, "no hidden unit -2 in layer 0" },
        { test, 0, 5, 0, 0, MLP_MODE_TRAIN, "eval or batch-statistics" },
        { test, 0, 1, 0, 0, MLP_MODE_BATCH_STATS, "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(&err, 0, sizeof err);
        MlpInferTap tap = { .layer = cases[i].layer, .unit = cases[i].unit, .values = column };
        cr_assert_not(mlp_infer_rows(mlp, cases[i].set, cases[i].first, cases[i].n, cases[i].mode, logits, &tap, 1,
                                     &err), "case %zu should fail", i);
        cr_assert(err.message[0] && strstr(err.message, cases[i].says), "case %zu: '%s'", i, err.message);
    }
    mlp_destroy(mlp);
    dataset_destroy(train);
    dataset_destroy(test);
    dataset_destroy(small);
    dataset_destroy(small_test);
}

/* PreciseBN by hand: batch k is rows k·B .. k·B+B-1; layer by layer, each batch's mean and biased variance of
 * what BN normalizes, with the layers below normalized by that batch's own statistics; the expected
 * statistics are the plain average of the means and of the unbiased variances (·B/(B−1)). */
static void population_by_hand(const Mlp *mlp, const Dataset *set, int batches, int B, double *mean, double *var)
{
    int width = mlp->hidden[0].out;     /* every hidden layer of the test net has this width */
    int nl = mlp->num_hidden;
    memset(mean, 0, sizeof(double) * (size_t)(nl * width));
    memset(var, 0, sizeof(double) * (size_t)(nl * width));
    double *in = malloc(sizeof(double) * (size_t)B * (size_t)(set->dim > width ? set->dim : width));
    double *h = malloc(sizeof(double) * (size_t)B * 8), *z = malloc(sizeof(double) * (size_t)B * 8);
    for (int k = 0; k < batches; k++) {
        dataset_rows(set, k * B, B, in);
        const double *x = in;
        int n_in = set->dim;
        for (int l = 0; l < nl; l++) {
            const MlpLayer *L = &mlp->hidden[l];
            for (int r = 0; r < B; r++)
                for (int j = 0; j < width; j++) {
                    double s = 0.0;
                    for (int i = 0; i < n_in; i++)
                        s += L->w[j * n_in + i] * x[r * n_in + i];
                    z[r * width + j] = s;
                }
            for (int j = 0; j < width; j++) {
                double m = 0.0, v = 0.0;
                for (int r = 0; r < B; r++)
                    m += z[r * width + j] / B;
                for (int r = 0; r < B; r++)
                    v += (z[r * width + j] - m) * (z[r * width + j] - m) / B;
                mean[l * width + j] += m / batches;
                var[l * width + j] += v * B / (B - 1) / batches;
                for (int r = 0; r < B; r++) {
                    double y = L->gamma[j] * (z[r * width + j] - m) / sqrt(v + mlp->eps) + L->beta[j];
                    h[r * width + j] = y > 0.0 ? y : 0.0;
                }
            }
            memcpy(in, h, sizeof(double) * (size_t)B * (size_t)width);
            x = in;
            n_in = width;
        }
    }
    free(in);
    free(h);
    free(z);
}

Test(mlp_infer, recomputed_statistics_are_the_exact_population_averages_of_their_batches)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("moons", 3, 0, 0, &train, &test, &err), "%s", err.message);
    int sizes[] = { 2, 4, 4, 2 };
    MlpConfig config;
    mlp_config_init(&config, sizes, 4);
    config.bn = BN_PLACEMENT_BEFORE;
    config.act = ACTIVATION_RELU;
    config.seed = 11;
    Mlp *mlp = mlp_create(&config, &err);
    cr_assert_not_null(mlp, "%s", err.message);
    /* γ, β and the stale statistics far from their defaults, so neither can pass for the answer. */
    for (int l = 0; l < 2; l++)
        for (int j = 0; j < 4; j++) {
            mlp->hidden[l].gamma[j] = 1.0 + 0.3 * j;
            mlp->hidden[l].beta[j] = 0.2 - 0.15 * j;
            mlp->hidden[l].running_mean[j] = 7.0;
            mlp->hidden[l].running_var[j] = 9.0;
        }
    enum { BATCHES = 6, B = 5 };
    double mean[8], var[8];
    population_by_hand(mlp, train, BATCHES, B, mean, var);
    int used = 0;
    cr_assert(mlp_recompute_stats(mlp, train, BATCHES, B, &used, &err), "%s", err.message);
    cr_expect_eq(used, BATCHES);
    for (int l = 0; l < 2; l++)
        for (int j = 0; j < 4; j++) {
            cr_expect(fabs(mlp->hidden[l].running_mean[j] - mean[l * 4 + j]) < 1e-9, "layer %d unit %d mean %.17g vs %.17g",
                      l, j, mlp->hidden[l].running_mean[j], mean[l * 4 + j]);
            cr_expect(fabs(mlp->hidden[l].running_var[j] - var[l * 4 + j]) < 1e-9, "layer %d unit %d var %.17g vs %.17g",
                      l, j, mlp->hidden[l].running_var[j], var[l * 4 + j]);
            cr_expect(var[l * 4 + j] > 0.0);
        }
    /* No BN, or batches of one row: refused with a message. */
    cr_expect_not(mlp_recompute_stats(mlp, train, BATCHES, 1, NULL, &err));
    config.bn = BN_PLACEMENT_NONE;
    err = (BnError){ 0 };
    Mlp *plain = mlp_create(&config, &err);
    cr_assert_not_null(plain, "%s", err.message);
    cr_expect_not(mlp_recompute_stats(plain, train, BATCHES, B, NULL, &err));
    cr_expect(strstr(err.message, "without BN"), "%s", err.message);
    mlp_destroy(plain);
    mlp_destroy(mlp);
    dataset_destroy(train);
    dataset_destroy(test);
}
