/* Benchmark (not a test): time per SGD step of the conv net (batch 32, batch norm) on shapes28, and its parts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/convnet.h"
#include "engine/dataset.h"
#include "engine/linear.h"
#include "engine/optimizer.h"

enum { BATCH = 32, WARMUP = 10, REPS = 100 };

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct Timing {
    double median, min, max;
} Timing;

static Timing summarize(double *samples, int n)
{
    qsort(samples, (size_t)n, sizeof *samples, compare_doubles);
    Timing t = { n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]), samples[0],
                 samples[n - 1] };
    return t;
}

/* Times REPS training steps after WARMUP untimed ones; *forward gets the median of a training-mode
 * forward alone on the same batches. */
static int bench_steps(const Dataset *train, ConvNorm norm, Timing *step, Timing *forward)
{
    ConvNetConfig config;
    convnet_config_init(&config);
    config.norm = norm;
    BnError err = { 0 };
    ConvNet *net = convnet_create(&config, &err);
    if (!net) {
        fprintf(stderr, "bench_conv: %s\n", err.message);
        return 1;
    }
    Sgd *sgd = sgd_create(net->num_params, 0.05, 0.0);
    BatchSampler sampler;
    sampler_init(&sampler, train->n, 1);
    int idx[BATCH];
    static double x[BATCH * 784];
    double y[BATCH];
    double *samples = malloc(sizeof(double) * REPS), *fwd = malloc(sizeof(double) * REPS);
    int status = 0;
    for (int k = 0; k < WARMUP + REPS && status == 0; k++) {
        /* The batch is gathered outside the timed region: the step itself is what is measured. */
        sampler_next(&sampler, idx, BATCH);
        dataset_gather(train, idx, BATCH, x, y);
        double t0 = now_us(), loss;
        if (!convnet_train_step(net, sgd, x, y, BATCH, &loss, &err)) {
            fprintf(stderr, "bench_conv: step %d: %s\n", k, err.message);
            status = 1;
        }
        double t1 = now_us();
        if (!convnet_forward(net, x, BATCH, CONVNET_MODE_BATCH_STATS, &err))
            status = 1;
        double t2 = now_us();
        if (k >= WARMUP) {
            samples[k - WARMUP] = t1 - t0;
            fwd[k - WARMUP] = t2 - t1;
        }
    }
    if (status == 0) {
        *step = summarize(samples, REPS);
        *forward = summarize(fwd, REPS);
    }
    free(samples);
    free(fwd);
    sampler_free(&sampler);
    sgd_destroy(sgd);
    convnet_destroy(net);
    return status;
}

int main(void)
{
    Dataset *train, *test;
    BnError err = { 0 };
    if (!dataset_load("shapes28", 1, 1000, 10, &train, &test, &err)) {
        fprintf(stderr, "bench_conv: %s\n", err.message);
        return 1;
    }
    Timing bn, bn_fwd, none, none_fwd, portable, portable_fwd;
    LinearKernel chosen = linear_active_kernel();
    if (bench_steps(train, CONV_NORM_BATCH, &bn, &bn_fwd) || bench_steps(train, CONV_NORM_NONE, &none, &none_fwd))
        return 1;
    if (chosen != LINEAR_KERNEL_PORTABLE) {
        linear_use_kernel(LINEAR_KERNEL_PORTABLE);
        if (bench_steps(train, CONV_NORM_BATCH, &portable, &portable_fwd))
            return 1;
        linear_use_kernel(LINEAR_KERNEL_AUTO);
    }
    printf("bench_conv: conv(1->8) bn relu pool conv(8->16) bn relu pool linear(784->10) on 28x28, batch %d, "
           "SGD step, %d reps after %d warm-up, double, %s kernel\n", BATCH, REPS, WARMUP,
           linear_kernel_name(chosen));
    printf("  batch norm: median %9.1f us/step (min %.1f, max %.1f); forward alone %.1f us\n", bn.median, bn.min,
           bn.max, bn_fwd.median);
    printf("  no norm:    median %9.1f us/step (min %.1f, max %.1f); forward alone %.1f us\n", none.median,
           none.min, none.max, none_fwd.median);
    if (chosen != LINEAR_KERNEL_PORTABLE)
        printf("  batch norm, portable kernel: median %9.1f us/step (%.2fx the %s kernel's time)\n",
               portable.median, portable.median / bn.median, linear_kernel_name(chosen));
    /* Machine-readable line for scripts/bench.sh. */
    printf("RESULT conv_step_bn_us %.1f\n", bn.median);
    dataset_destroy(train);
    dataset_destroy(test);
    return 0;
}
