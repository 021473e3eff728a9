/* The float training path: its kernels against a long-double reference, one step against the double
 * Mlp in every placement, whole training curves within stated tolerances, and its error cases. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/kernels_f32.h"
#include "engine/linear.h"
#include "engine/mlp.h"
#include "engine/mlp_float.h"
#include "engine/mlp_infer.h"
#include "support/check.h"
#include "util/pcg32.h"

static const LinearKernel variants[] = { LINEAR_KERNEL_PORTABLE, LINEAR_KERNEL_AVX2 };
enum { NUM_VARIANTS = sizeof variants / sizeof variants[0] };

static void restore_kernel(void)
{
    linear_use_kernel(LINEAR_KERNEL_AUTO);
}

TestSuite(mlp_float, .fini = restore_kernel);

static float *random_floats(size_t count, Pcg32 *rng)
{
    float *v = malloc(sizeof(float) * (count ? count : 1));
    for (size_t i = 0; i < count; i++)
        v[i] = (float)pcg32_normal(rng);
    return v;
}

/* A float sum of k products is within k·ε·Σ|terms| of the exact sum, whatever the order of the sum. */
static void check_float_sum(float actual, long double exact, long double magnitude, int k, const char *what,
                            LinearKernel kernel, int m, int n, int row, int col)
{
    double tolerance = (k + 1) * (double)FLT_EPSILON * (double)magnitude + 1e-30;
    cr_assert(fabs(actual - (double)exact) <= tolerance,
              "%s kernel: %s[%d][%d] = %.9g, exact %.12Lg (tolerance %.3g, m=%d n=%d k=%d)",
              linear_kernel_name(kernel), what, row, col, actual, exact, tolerance, m, n, k);
}

Test(mlp_float, both_matrix_kernels_match_a_long_double_reference_in_every_variant)
{
    /* Tails in every dimension (4-row and 6-row blocks, 3-wide and 16/8-wide column blocks, k % 8), and
     * the paper network's shapes. */
    static const int shapes[][3] = { { 1, 1, 1 },   { 2, 3, 5 },    { 5, 7, 9 },     { 6, 16, 8 },
                                     { 7, 17, 15 }, { 13, 25, 33 }, { 60, 100, 784 }, { 60, 100, 100 },
                                     { 60, 10, 100 }, { 100, 784, 60 }, { 10, 100, 60 }, { 4, 3, 100 } };
    Pcg32 rng;
    pcg32_seed(&rng, 5, 7);
    for (int v = 0; v < NUM_VARIANTS; v++) {
        if (!linear_use_kernel(variants[v]))
            continue;
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
            float *a = random_floats((size_t)m * k, &rng), *b = random_floats((size_t)n * k, &rng);
            float *bias = random_floats((size_t)n, &rng), *c = malloc(sizeof(float) * (size_t)m * n);
            /* c = a·bᵀ + bias, b (n×k). */
            kernels_f32_matmul_bt(c, a, b, bias, m, n, k);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    long double sum = bias[j], mag = fabsl((long double)bias[j]);
                    for (int p = 0; p < k; p++) {
                        long double t = (long double)a[i * k + p] * b[j * k + p];
                        sum += t;
                        mag += fabsl(t);
                    }
                    check_float_sum(c[i * n + j], sum, mag, k, "matmul_bt", variants[v], m, n, i, j);
                }
            /* c = aᵀ·b' with a's buffer read as (k×m) through a_row = 1, a_col = m, and b's buffer as b'
             * (k×n). */
            float *bb = b;
            kernels_f32_matmul(c, n, a, 1, m, bb, n, m, n, k);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    long double sum = 0, mag = 0;
                    for (int p = 0; p < k; p++) {
                        long double t = (long double)a[p * m + i] * bb[p * n + j];
                        sum += t;
                        mag += fabsl(t);
                    }
                    check_float_sum(c[i * n + j], sum, mag, k, "matmul (transposed a)", variants[v], m, n, i, j);
                }
            /* c = a·b' with a (m×k) row-major: a_row = k, a_col = 1; it overwrites, whatever c held. */
            for (size_t i = 0; i < (size_t)m * n; i++)
                c[i] = 1e30f;
            kernels_f32_matmul(c, n, a, k, 1, bb, n, m, n, k);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    long double sum = 0, mag = 0;
                    for (int p = 0; p < k; p++) {
                        long double t = (long double)a[i * k + p] * bb[p * n + j];
                        sum += t;
                        mag += fabsl(t);
                    }
                    check_float_sum(c[i * n + j], sum, mag, k, "matmul", variants[v], m, n, i, j);
                }
            free(a);
            free(b);
            free(bias);
            free(c);
        }
    }
}

Test(mlp_float, the_column_affine_map_rounds_the_product_then_the_sum_in_every_variant)
{
    /* Column tails (c % 8) and a width of one: each value must be the float product rounded, then the
     * float sum rounded, exactly (a fused multiply-add would round once and differ in the last bit). */
    static const int shapes[][2] = { { 1, 1 }, { 3, 7 }, { 5, 8 }, { 2, 13 }, { 64, 100 }, { 9, 1 } };
    Pcg32 rng;
    pcg32_seed(&rng, 11, 3);
    int fused_would_differ = 0;
    for (int v = 0; v < NUM_VARIANTS; v++) {
        if (!linear_use_kernel(variants[v]))
            continue;
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            int n = shapes[s][0], c = shapes[s][1];
            float *x = random_floats((size_t)n * c, &rng), *scale = random_floats((size_t)c, &rng),
                  *shift = random_floats((size_t)c, &rng), *y = malloc(sizeof(float) * (size_t)n * c);
            kernels_f32_scale_shift_columns(y, x, scale, shift, n, c);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < c; j++) {
                    volatile float product = x[i * c + j] * scale[j];
                    float want = product + shift[j];
                    cr_assert(memcmp(&y[i * c + j], &want, sizeof want) == 0,
                              "%s kernel: y[%d][%d] = %.9g, product then sum %.9g (n=%d c=%d)",
                              linear_kernel_name(variants[v]), i, j, y[i * c + j], want, n, c);
                    fused_would_differ += fmaf(x[i * c + j], scale[j], shift[j]) != want;
                }
            /* In place, as the evaluation may call it. */
            kernels_f32_scale_shift_columns(x, x, scale, shift, n, c);
            cr_assert(memcmp(x, y, sizeof(float) * (size_t)n * c) == 0, "in place differs (n=%d c=%d)", n, c);
            free(x), free(scale), free(shift), free(y);
        }
    }
    cr_assert(fused_would_differ > 0, "the inputs must be able to tell one rounding from two");
}

Test(mlp_float, sigmoid_is_within_a_few_float_roundings_everywhere_in_every_variant)
{
    enum { COUNT = 4003 };    /* not a multiple of 8: the tail goes through the scalar loop */
    float *x = malloc(sizeof(float) * COUNT), *y = malloc(sizeof(float) * COUNT);
    for (int i = 0; i < COUNT; i++)
        x[i] = -120.0f + 240.0f * (float)i / (COUNT - 1);
    x[7] = 0.0f;
    x[8] = -0.0f;
    x[9] = -87.5f;
    x[10] = 1e-8f;
    for (int v = 0; v < NUM_VARIANTS; v++) {
        if (!linear_use_kernel(variants[v]))
            continue;
        kernels_f32_sigmoid(y, x, COUNT);
        for (int i = 0; i < COUNT; i++) {
            double exact = 1.0 / (1.0 + exp(-(double)x[i]));
            /* Relative to the value, with an absolute floor where it underflows float's normal range. */
            cr_assert(fabs(y[i] - exact) <= 4 * FLT_EPSILON * exact + 1e-37,
                      "%s kernel: sigmoid(%.9g) = %.9g, exact %.12g", linear_kernel_name(variants[v]), x[i],
                      y[i], exact);
        }
    }
    free(x);
    free(y);
}

/* make() keeps a bias before BN (MlpConfig.bias_before_bn) while this is set. */
static bool make_bias_before_bn;

static Mlp *make(const int *sizes, int num_sizes, Activation act, BnPlacement bn, MlpTask task, uint64_t seed)
{
    MlpConfig config;
    mlp_config_init(&config, sizes, num_sizes);
    config.act = act;
    config.bn = bn;
    config.task = task;
    config.seed = seed;
    config.bias_before_bn = make_bias_before_bn;
    BnError err = { 0 };
    Mlp *mlp = mlp_create(&config, &err);
    cr_assert_not_null(mlp, "mlp_create failed: %s", err.message);
    return mlp;
}

/* Two SGD steps (with momentum, so the velocity counts) from the same network on the same batches, in
 * double and through the float twin: the parameter changes agree to float precision, per block. */
static void check_steps_match_double(Activation act, BnPlacement bn, MlpTask task)
{
    enum { N = 12, IN = 9, OUT = 3 };
    int sizes[4] = { IN, 8, 7, OUT };
    Mlp *dbl = make(sizes, 4, act, bn, task, 21), *flt = make(sizes, 4, act, bn, task, 21);
    Pcg32 rng;
    pcg32_seed(&rng, 3, (uint64_t)bn * 5 + (uint64_t)act + 10 * (uint64_t)task);
    for (size_t i = 0; i < dbl->num_params; i++) {
        /* Off the initial values so biases, γ and β matter; the same values in both networks. */
        double shift = 0.3 * pcg32_normal(&rng);
        dbl->params[i] += shift;
        flt->params[i] = (double)(float)dbl->params[i];
        dbl->params[i] = flt->params[i];
    }
    double *start = malloc(sizeof(double) * dbl->num_params);
    memcpy(start, dbl->params, sizeof(double) * dbl->num_params);
    MlpFloat *twin = mlp_float_create(flt);
    Sgd *sd = sgd_create(dbl->num_params, 0.1, 0.9), *sf = sgd_create(flt->num_params, 0.1, 0.9);
    double x[N * IN], t[N * OUT];
    BnError err = { 0 };
    for (int step = 0; step < 2; step++) {
        for (int i = 0; i < N * IN; i++)
            x[i] = (double)(float)pcg32_normal(&rng);
        for (int i = 0; i < N * OUT; i++)
            t[i] = task == MLP_TASK_CLASSIFY ? (double)(i % OUT) : pcg32_normal(&rng);
        double ld, lf;
        cr_assert(mlp_train_step(dbl, sd, x, t, N, &ld, &err), "double step: %s", err.message);
        cr_assert(mlp_float_train_step(twin, sf, x, t, N, &lf, &err), "float step: %s", err.message);
        check_close(lf, ld, 1e-5, 1e-6, "loss of step %d (%s, BN %s)", step, activation_name(act),
                    mlp_placement_name(bn));
    }
    mlp_float_store(twin);
    double biggest = 0.0;
    for (size_t i = 0; i < dbl->num_params; i++)
        biggest = fmax(biggest, fabs(dbl->params[i] - start[i]));
    cr_assert_gt(biggest, 1e-3, "the steps moved nothing (%s, BN %s)", activation_name(act), mlp_placement_name(bn));
    for (size_t i = 0; i < dbl->num_params; i++) {
        double moved_d = dbl->params[i] - start[i], moved_f = flt->params[i] - start[i];
        /* Float rounding of parameters near 1 (γ) is 6e-8; the changes themselves agree far closer than
         * any real difference in the gradient would allow. */
        cr_assert(fabs(moved_f - moved_d) <= 1e-4 * biggest + 4 * FLT_EPSILON * fabs(start[i]),
                  "%s, BN %s, %s: parameter %zu moved %.9g in float, %.9g in double (largest move %.3g)",
                  activation_name(act), mlp_placement_name(bn), task == MLP_TASK_CLASSIFY ? "classify" : "regress",
                  i, moved_f, moved_d, biggest);
    }
    for (int l = 0; l < dbl->num_hidden && bn != BN_PLACEMENT_NONE; l++)
        for (int j = 0; j < dbl->hidden[l].out; j++) {
            check_close(flt->hidden[l].running_mean[j], dbl->hidden[l].running_mean[j], 1e-4, 1e-5,
                        "running mean of layer %d feature %d", l, j);
            check_close(flt->hidden[l].running_var[j], dbl->hidden[l].running_var[j], 1e-4, 1e-5,
                        "running variance of layer %d feature %d", l, j);
        }
    free(start);
    sgd_destroy(sd);
    sgd_destroy(sf);
    mlp_float_destroy(twin);
    mlp_destroy(dbl);
    mlp_destroy(flt);
}

Test(mlp_float, two_steps_match_the_double_network_in_every_placement_and_activation)
{
    for (int v = 0; v < NUM_VARIANTS; v++) {
        if (!linear_use_kernel(variants[v]))
            continue;
        for (int bn = BN_PLACEMENT_NONE; bn <= BN_PLACEMENT_AFTER; bn++)
            for (int act = ACTIVATION_SIGMOID; act <= ACTIVATION_RELU; act++)
                check_steps_match_double((Activation)act, (BnPlacement)bn, MLP_TASK_CLASSIFY);
        check_steps_match_double(ACTIVATION_TANH, BN_PLACEMENT_BEFORE, MLP_TASK_REGRESS);
        /* A bias before BN: the twin carries it in the same layout and gives it the same (zero) update. */
        make_bias_before_bn = true;
        check_steps_match_double(ACTIVATION_RELU, BN_PLACEMENT_BEFORE, MLP_TASK_CLASSIFY);
        make_bias_before_bn = false;
    }
}

/* The paper network trained STEPS steps in double and in float from the same weights on the same
 * batches; returns the largest loss difference, and the test accuracies and agreement of predictions. */
typedef struct Curves {
    double max_loss_diff, acc_double, acc_float, agreement;
} Curves;

static Curves train_both(BnPlacement bn, int steps)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("synth784", 6, 1200, 1000, &train, &test, &err), "%s", err.message);
    int sizes[5] = { 784, 100, 100, 100, 10 };
    Mlp *dbl = make(sizes, 5, ACTIVATION_SIGMOID, bn, MLP_TASK_CLASSIFY, 6);
    Mlp *flt = make(sizes, 5, ACTIVATION_SIGMOID, bn, MLP_TASK_CLASSIFY, 6);
    MlpFloat *twin = mlp_float_create(flt);
    Sgd *sd = sgd_create(dbl->num_params, 0.5, 0.0), *sf = sgd_create(flt->num_params, 0.5, 0.0);
    BatchSampler sampler;
    sampler_init(&sampler, train->n, 6);
    enum { BATCH = 60 };
    int idx[BATCH];
    double *x = malloc(sizeof(double) * BATCH * 784), y[BATCH];
    Curves c = { 0 };
    for (int step = 0; step < steps; step++) {
        sampler_next(&sampler, idx, BATCH);
        dataset_gather(train, idx, BATCH, x, y);
        double ld, lf;
        cr_assert(mlp_train_step(dbl, sd, x, y, BATCH, &ld, &err), "double step %d: %s", step, err.message);
        cr_assert(mlp_float_train_step(twin, sf, x, y, BATCH, &lf, &err), "float step %d: %s", step, err.message);
        c.max_loss_diff = fmax(c.max_loss_diff, fabs(lf - ld));
    }
    mlp_float_store(twin);
    int n = test->n;
    int *pd = malloc(sizeof(int) * (size_t)n), *pf = malloc(sizeof(int) * (size_t)n);
    MlpMode mode = bn == BN_PLACEMENT_NONE ? MLP_MODE_BATCH_STATS : MLP_MODE_EVAL;
    double *test_x = malloc(sizeof(double) * (size_t)n * (size_t)test->dim);
    dataset_rows(test, 0, n, test_x);
    cr_assert(mlp_forward(dbl, test_x, n, mode, &err), "%s", err.message);
    c.acc_double = mlp_accuracy(dbl, test->y);
    mlp_predict(dbl, pd);
    cr_assert(mlp_forward(flt, test_x, n, mode, &err), "%s", err.message);
    free(test_x);
    c.acc_float = mlp_accuracy(flt, test->y);
    mlp_predict(flt, pf);
    int same = 0;
    for (int r = 0; r < n; r++)
        same += pd[r] == pf[r];
    c.agreement = (double)same / n;
    free(pd);
    free(pf);
    free(x);
    sampler_free(&sampler);
    sgd_destroy(sd);
    sgd_destroy(sf);
    mlp_float_destroy(twin);
    mlp_destroy(dbl);
    mlp_destroy(flt);
    dataset_destroy(train);
    dataset_destroy(test);
    return c;
}

Test(mlp_float, the_paper_network_trains_300_steps_in_float_along_the_double_curve)
{
    /* Stated tolerances: every step's loss within 1e-4 of the double run's (measured: under 1e-6), the
     * test accuracy within half a point, and at least 99.5% of the test predictions identical. */
    static const BnPlacement placements[] = { BN_PLACEMENT_BEFORE, BN_PLACEMENT_NONE };
    for (int i = 0; i < 2; i++) {
        Curves c = train_both(placements[i], 300);
        const char *where = mlp_placement_name(placements[i]);
        cr_assert_leq(c.max_loss_diff, 1e-4, "BN %s: the float loss strayed %.3g from the double loss", where,
                      c.max_loss_diff);
        cr_assert_leq(fabs(c.acc_float - c.acc_double), 0.005, "BN %s: test accuracy %.4f in float, %.4f in double",
                      where, c.acc_float, c.acc_double);
        cr_assert_geq(c.agreement, 0.995, "BN %s: only %.1f%% of the test predictions agree", where,
                      100 * c.agreement);
    }
}

Test(mlp_float, stored_parameters_survive_a_round_trip_and_loading_reads_the_double_side)
{
    int sizes[3] = { 4, 5, 3 };
    Mlp *mlp = make(sizes, 3, ACTIVATION_SIGMOID, BN_PLACEMENT_AFTER, MLP_TASK_CLASSIFY, 2);
    MlpFloat *twin = mlp_float_create(mlp);
    double *before = malloc(sizeof(double) * mlp->num_params);
    memcpy(before, mlp->params, sizeof(double) * mlp->num_params);
    mlp_float_store(twin);
    for (size_t i = 0; i < mlp->num_params; i++)
        cr_assert_eq(mlp->params[i], (double)(float)before[i], "parameter %zu", i);
    for (size_t i = 0; i < mlp->num_params; i++)
        mlp->params[i] = 0.25;
    mlp_float_load(twin);
    mlp_float_store(twin);
    for (size_t i = 0; i < mlp->num_params; i++)
        cr_assert_eq(mlp->params[i], 0.25, "parameter %zu was not loaded from the double side", i);
    free(before);
    mlp_float_destroy(twin);
    mlp_destroy(mlp);
    mlp_float_destroy(NULL);
}

Test(mlp_float, a_batch_of_one_with_bn_and_a_diverging_step_fail_with_a_message_and_change_nothing)
{
    int sizes[3] = { 2, 4, 2 };
    Mlp *mlp = make(sizes, 3, ACTIVATION_SIGMOID, BN_PLACEMENT_BEFORE, MLP_TASK_REGRESS, 3);
    MlpFloat *twin = mlp_float_create(mlp);
    Sgd *sgd = sgd_create(mlp->num_params, 1e30, 0.0);
    double x[4] = { 1, 2, 3, 4 }, t[4] = { 1e30, -1e30, 1e30, 1e30 }, loss = 0;
    BnError err = { 0 };
    cr_assert_not(mlp_float_train_step(twin, sgd, x, t, 1, &loss, &err));
    cr_assert(strstr(err.message, "at least 2 samples"), "message: %s", err.message);

    /* The first step's huge learning rate wrecks the weights; the next loss is infinite or NaN, and
     * that step must leave the parameters as they were. */
    error_clear(&err);
    double *saved = malloc(sizeof(double) * mlp->num_params);
    bool ok = true;
    for (int step = 0; step < 5 && ok; step++) {
        mlp_float_store(twin);
        memcpy(saved, mlp->params, sizeof(double) * mlp->num_params);
        ok = mlp_float_train_step(twin, sgd, x, t, 2, &loss, &err);
    }
    cr_assert_not(ok, "five steps with lr 1e30 never diverged");
    cr_assert(!isfinite(loss), "the failing step reported the finite loss %g", loss);
    cr_assert(strstr(err.message, "the loss became"), "message: %s", err.message);
    mlp_float_store(twin);
    cr_assert(memcmp(saved, mlp->params, sizeof(double) * mlp->num_params) == 0,
              "the diverging step changed the parameters");
    free(saved);
    sgd_destroy(sgd);
    mlp_float_destroy(twin);
    mlp_destroy(mlp);
}

/* 150 float steps of a 784-48-32-10 network on synth784, each mini-batch given once as doubles and
 * once as the float rows the training command reads (dataset_gather_float): the two twins take the
 * very same steps. Then the float evaluation of the test rows against the double one of the stored
 * parameters, in every placement and activation: eval-mode outputs and the tapped unit's column. */
static void check_float_inference(Activation act, BnPlacement bn)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("synth784", 4, 900, 300, &train, &test, &err), "%s", err.message);
    cr_assert(dataset_keep_float_rows(train) && dataset_keep_float_rows(test), "synth784 keeps float rows");
    int sizes[4] = { 784, 48, 32, 10 };
    Mlp *a = make(sizes, 4, act, bn, MLP_TASK_CLASSIFY, 4), *b = make(sizes, 4, act, bn, MLP_TASK_CLASSIFY, 4);
    MlpFloat *ta = mlp_float_create(a), *tb = mlp_float_create(b);
    Sgd *sa = sgd_create(a->num_params, 0.3, 0.5), *sb = sgd_create(b->num_params, 0.3, 0.5);
    BatchSampler sampler;
    sampler_init(&sampler, train->n, 4);
    enum { BATCH = 50 };
    int idx[BATCH];
    double *x = malloc(sizeof(double) * BATCH * 784), y[BATCH], yf[BATCH];
    for (int step = 0; step < 150; step++) {
        sampler_next(&sampler, idx, BATCH);
        dataset_gather(train, idx, BATCH, x, y);
        float *xf = mlp_float_input(tb, BATCH);
        dataset_gather_float(train, idx, BATCH, xf, yf);
        double la, lb;
        cr_assert(mlp_float_train_step(ta, sa, x, y, BATCH, &la, &err), "%s", err.message);
        cr_assert(mlp_float_train_step_f32(tb, sb, xf, yf, BATCH, &lb, &err), "%s", err.message);
        cr_assert(la == lb && memcmp(y, yf, sizeof y) == 0, "step %d: loss %.17g from doubles, %.17g from float rows",
                  step, la, lb);
    }
    int n = test->n, last = 1, unit = 5;
    double *lf = malloc(sizeof(double) * (size_t)n * 10), *ld = malloc(sizeof(double) * (size_t)n * 10);
    double *cf = malloc(sizeof(double) * (size_t)n), *cd = malloc(sizeof(double) * (size_t)n);
    cr_assert(mlp_float_infer(tb, test, 0, n, lf, last, unit, cf, &err), "%s", err.message);
    mlp_float_store(tb);
    MlpInferTap tap = { .layer = last, .unit = unit, .values = cd };
    cr_assert(bn != BN_PLACEMENT_NONE ? mlp_infer_rows_both(b, test, 0, n, ld, NULL, 0, &tap, 1, &err)
                                      : mlp_infer_rows(b, test, 0, n, MLP_MODE_EVAL, ld, &tap, 1, &err),
              "%s", err.message);
    /* Stated bound: within 2e-4 of each value, relative to the larger of 1 and the value's size (measured:
     * under 5e-6); both evaluations pick the same class for at least 99% of the rows. */
    double worst = 0.0;
    int same = 0;
    for (int r = 0; r < n; r++) {
        int bf = 0, bd = 0;
        for (int k = 0; k < 10; k++) {
            worst = fmax(worst, fabs(lf[r * 10 + k] - ld[r * 10 + k]) / fmax(1.0, fabs(ld[r * 10 + k])));
            bf = lf[r * 10 + k] > lf[r * 10 + bf] ? k : bf;
            bd = ld[r * 10 + k] > ld[r * 10 + bd] ? k : bd;
        }
        same += bf == bd;
        worst = fmax(worst, fabs(cf[r] - cd[r]) / fmax(1.0, fabs(cd[r])));
    }
    cr_assert_leq(worst, 2e-4, "%s, BN %s: the float evaluation strays %.3g from the double one",
                  activation_name(act), mlp_placement_name(bn), worst);
    cr_assert_geq(same, n * 99 / 100, "%s, BN %s: only %d of %d rows get the same class", activation_name(act),
                  mlp_placement_name(bn), same, n);
    cr_assert_gt(fabs(cd[0] - cd[1]) + fabs(ld[0] - ld[11]), 1e-6, "the column or the outputs are constant");
    free(lf);
    free(ld);
    free(cf);
    free(cd);
    free(x);
    sampler_free(&sampler);
    sgd_destroy(sa);
    sgd_destroy(sb);
    mlp_float_destroy(ta);
    mlp_float_destroy(tb);
    mlp_destroy(a);
    mlp_destroy(b);
    dataset_destroy(train);
    dataset_destroy(test);
}

Test(mlp_float, float_rows_step_alike_and_the_float_evaluation_stays_within_a_stated_bound_of_the_double_one)
{
    for (int v = 0; v < NUM_VARIANTS; v++) {
        if (!linear_use_kernel(variants[v]))
            continue;
        for (int bn = BN_PLACEMENT_NONE; bn <= BN_PLACEMENT_AFTER; bn++)
            for (int act = ACTIVATION_SIGMOID; act <= ACTIVATION_RELU; act++)
                check_float_inference((Activation)act, (BnPlacement)bn);
    }
}

static float *floats_of(const double *v, size_t count)
{
    float *f = malloc(sizeof(float) * (count ? count : 1));
    for (size_t i = 0; i < count; i++)
        f[i] = (float)v[i];
    return f;
}

/* The batch-statistics column of the evaluation computes only the tapped unit: it must give, to the bit,
 * what whole layers of the same kernels give (the reference below normalizes every unit of every layer). */
Test(mlp_float, the_tapped_column_is_what_whole_layers_give_to_the_bit)
{
    enum { N = 50, IN = 784, H1 = 8, H2 = 6, OUT = 10 };
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("synth784", 4, 100, N, &train, &test, &err), "%s", err.message);
    int sizes[4] = { IN, H1, H2, OUT };
    for (int v = 0; v < NUM_VARIANTS; v++) {
        if (!linear_use_kernel(variants[v]))
            continue;
        Mlp *mlp = make(sizes, 4, ACTIVATION_SIGMOID, BN_PLACEMENT_BEFORE, MLP_TASK_CLASSIFY, 9);
        Pcg32 rng;
        pcg32_seed(&rng, 8, 1);
        for (size_t i = 0; i < mlp->num_params; i++)   /* γ and β off 1 and 0, so both matter */
            mlp->params[i] += 0.2 * pcg32_normal(&rng);
        MlpFloat *twin = mlp_float_create(mlp);
        float *x = malloc(sizeof(float) * N * IN), z1[N * H1], pre1[N * H1], h1[N * H1], z2[N * H2], pre2[N * H2],
              xhat[N * H1], stats[3 * H1];
        dataset_rows_float(test, 0, N, x);
        const MlpLayer *L1 = &mlp->hidden[0], *L2 = &mlp->hidden[1];
        float *w1 = floats_of(L1->w, (size_t)H1 * IN), *w2 = floats_of(L2->w, (size_t)H2 * H1);
        float *g1 = floats_of(L1->gamma, H1), *b1 = floats_of(L1->beta, H1), *g2 = floats_of(L2->gamma, H2),
              *b2 = floats_of(L2->beta, H2);
        float eps = (float)mlp->eps;
        kernels_f32_matmul_bt(z1, x, w1, NULL, N, H1, IN);
        kernels_f32_bn_forward(pre1, xhat, stats, stats + H1, stats + 2 * H1, z1, g1, b1, eps, N, H1, false);
        kernels_f32_sigmoid(h1, pre1, N * H1);
        kernels_f32_matmul_bt(z2, h1, w2, NULL, N, H2, H1);
        kernels_f32_bn_forward(pre2, xhat, stats, stats + H2, stats + 2 * H2, z2, g2, b2, eps, N, H2, false);
        double logits[N * OUT], column[N];
        for (int layer = 0; layer < 2; layer++)
            for (int unit = 0; unit < (layer ? H2 : H1); unit++) {
                cr_assert(mlp_float_infer(twin, test, 0, N, logits, layer, unit, column, &err), "%s", err.message);
                const float *want = layer ? pre2 : pre1;
                int width = layer ? H2 : H1;
                for (int i = 0; i < N; i++)
                    cr_assert(column[i] == (double)want[i * width + unit],
                              "%s kernel: layer %d unit %d row %d: %.9g, whole layers give %.9g",
                              linear_kernel_name(variants[v]), layer, unit, i, column[i], want[i * width + unit]);
            }
        free(x), free(w1), free(w2), free(g1), free(b1), free(g2), free(b2);
        mlp_float_destroy(twin);
        mlp_destroy(mlp);
    }
    dataset_destroy(train);
    dataset_destroy(test);
}

Test(mlp_float, the_float_evaluation_refuses_rows_outside_the_set_and_a_missing_unit)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("synth784", 2, 100, 50, &train, &test, &err), "%s", err.message);
    int sizes[3] = { 784, 8, 10 };
    Mlp *mlp = make(sizes, 3, ACTIVATION_RELU, BN_PLACEMENT_BEFORE, MLP_TASK_CLASSIFY, 2);
    MlpFloat *twin = mlp_float_create(mlp);
    double logits[60 * 10], column[60];
    cr_assert_not(mlp_float_infer(twin, test, 0, 60, logits, 0, 0, column, &err), "60 rows of a 50-row set");
    cr_assert_not(mlp_float_infer(twin, test, 0, 10, logits, 0, 8, column, &err), "unit 8 of 8");
    cr_assert_not(mlp_float_infer(twin, test, 0, 1, logits, 0, 0, column, &err), "batch statistics of one row");
    cr_assert(mlp_float_infer(twin, test, 40, 10, logits, 0, 7, column, &err), "%s", err.message);
    mlp_float_destroy(twin);
    mlp_destroy(mlp);
    dataset_destroy(train);
    dataset_destroy(test);
}
