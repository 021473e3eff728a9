/* Benchmark (not a test): time per SGD step of the paper network, in float (the path `bntutor train` takes)
 * and in double (the lessons' path), with the automatic and the portable kernels. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_peak.h"
#include "engine/dataset.h"
#include "engine/linear.h"
#include "engine/mlp.h"
#include "engine/mlp_float.h"
#include "engine/optimizer.h"

enum { BATCH = 60, WARMUP = 30, REPS = 300 };

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

/* Times REPS training steps of 784-100-100-100-10 sigmoid after WARMUP untimed ones, through the float
 * twin when use_float, else the double Mlp. */
static int bench_steps(const Dataset *train, BnPlacement bn, bool use_float, Timing *timing, double *cpu_median)
{
    int sizes[5] = { 784, 100, 100, 100, 10 };
    MlpConfig config;
    mlp_config_init(&config, sizes, 5);
    config.bn = bn;
    BnError err = { 0 };
    Mlp *mlp = mlp_create(&config, &err);
    if (!mlp) {
        fprintf(stderr, "bench_train: %s\n", err.message);
        return 1;
    }
    Sgd *sgd = sgd_create(mlp->num_params, 0.5, 0.0);
    MlpFloat *twin = use_float ? mlp_float_create(mlp) : NULL;
    BatchSampler sampler;
    sampler_init(&sampler, train->n, 1);
    int idx[BATCH];
    static double x[BATCH * 784];
    double y[BATCH];
    double *samples = malloc(sizeof(double) * REPS), *cpu = malloc(sizeof(double) * REPS);
    int status = 0;
    for (int k = 0; k < WARMUP + REPS && status == 0; k++) {
        /* The batch is gathered outside the timed region: the step itself is what is measured. */
        sampler_next(&sampler, idx, BATCH);
        dataset_gather(train, idx, BATCH, x, y);
        double c0 = bench_cpu_us(), t0 = now_us(), loss;
        bool ok = twin ? mlp_float_train_step(twin, sgd, x, y, BATCH, &loss, &err)
                       : mlp_train_step(mlp, sgd, x, y, BATCH, &loss, &err);
        if (!ok) {
            fprintf(stderr, "bench_train: step %d: %s\n", k, err.message);
            status = 1;
        }
        double t1 = now_us(), c1 = bench_cpu_us();
        if (k >= WARMUP) {
            samples[k - WARMUP] = t1 - t0;
            cpu[k - WARMUP] = c1 - c0;
        }
    }
    if (status == 0) {
        *timing = summarize(samples, REPS);
        if (cpu_median)
            *cpu_median = bench_median(cpu, REPS);
    }
    free(cpu);
    free(samples);
    sampler_free(&sampler);
    mlp_float_destroy(twin);
    sgd_destroy(sgd);
    mlp_destroy(mlp);
    return status;
}

/* Multiply-adds of one SGD step of the layer widths sizes (count) on batch rows, 2 FLOP each: every
 * forward product, every weight gradient, and the input gradient of every layer but the first. */
static double step_flop(const int *sizes, int count, int batch)
{
    double macs = 0.0;
    for (int l = 0; l + 1 < count; l++)
        macs += (double)sizes[l] * sizes[l + 1] * (l > 0 ? 3 : 2);
    return 2.0 * batch * macs;
}

int main(void)
{
    Dataset *train, *test;
    BnError err = { 0 };
    if (!dataset_load("synth784", 1, 1200, 10, &train, &test, &err)) {
        fprintf(stderr, "bench_train: %s\n", err.message);
        return 1;
    }
    Timing before, none, portable, before_double, none_double, portable_double;
    double before_cpu = 0.0;
    LinearKernel chosen = linear_active_kernel();
    if (bench_steps(train, BN_PLACEMENT_BEFORE, true, &before, &before_cpu) ||
        bench_steps(train, BN_PLACEMENT_NONE, true, &none, NULL) ||
        bench_steps(train, BN_PLACEMENT_BEFORE, false, &before_double, NULL) ||
        bench_steps(train, BN_PLACEMENT_NONE, false, &none_double, NULL))
        return 1;
    /* What a CPU without the vector extensions would get. */
    if (chosen != LINEAR_KERNEL_PORTABLE) {
        linear_use_kernel(LINEAR_KERNEL_PORTABLE);
        if (bench_steps(train, BN_PLACEMENT_BEFORE, true, &portable, NULL) ||
            bench_steps(train, BN_PLACEMENT_BEFORE, false, &portable_double, NULL))
            return 1;
        linear_use_kernel(LINEAR_KERNEL_AUTO);
    }
    printf("bench_train: 784-100-100-100-10 sigmoid, batch %d, SGD step (forward, loss, backward, update), "
           "%d reps after %d warm-up, %s kernel\n", BATCH, REPS, WARMUP, linear_kernel_name(chosen));
    printf("  float (bntutor train):\n");
    printf("    BN before: median %9.1f us/step (min %.1f, max %.1f)\n", before.median, before.min, before.max);
    printf("    BN before: median %9.1f us of CPU per step (the whole train run's measure)\n", before_cpu);
    printf("    no BN:     median %9.1f us/step (min %.1f, max %.1f)\n", none.median, none.min, none.max);
    if (chosen != LINEAR_KERNEL_PORTABLE)
        printf("    BN before, portable kernel: median %9.1f us/step (%.2fx the %s kernel's time)\n",
               portable.median, portable.median / before.median, linear_kernel_name(chosen));
    static const int paper[5] = { 784, 100, 100, 100, 10 };
    double flop = step_flop(paper, 5, BATCH), gflops = flop / (before.median * 1e3), peak = bench_peak_gflops(chosen);
    printf("    BN before: %.1f MFLOP per step, %.1f GFLOP/s, %.0f%% of the %s kernel's measured peak of %.1f "
           "GFLOP/s on this core\n", flop / 1e6, gflops, 100 * gflops / peak, linear_kernel_name(chosen), peak);
    printf("  double (the lessons' scenes):\n");
    printf("    BN before: median %9.1f us/step (min %.1f, max %.1f; %.2fx the float step)\n",
           before_double.median, before_double.min, before_double.max, before_double.median / before.median);
    printf("    no BN:     median %9.1f us/step (min %.1f, max %.1f)\n", none_double.median, none_double.min,
           none_double.max);
    if (chosen != LINEAR_KERNEL_PORTABLE)
        printf("    BN before, portable kernel: median %9.1f us/step (%.2fx the %s kernel's time)\n",
               portable_double.median, portable_double.median / before_double.median, linear_kernel_name(chosen));
    /* Machine-readable lines for scripts/bench.sh. */
    printf("RESULT train_step_bn_before_us %.1f\n", before.median);
    printf("RESULT train_step_bn_before_cpu_us %.1f\n", before_cpu);
    printf("RESULT train_step_double_bn_before_us %.1f\n", before_double.median);
    printf("RESULT train_gflops %.2f\n", gflops);
    printf("RESULT peak_gflops %.2f\n", peak);
    dataset_destroy(train);
    dataset_destroy(test);
    return 0;
}
