/* Benchmark (not a test): time per SGD step of the conv net (batch 32) on shapes28, float and double, and its GFLOP/s. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_peak.h"
#include "engine/convnet.h"
#include "engine/convnet_float.h"
#include "engine/dataset.h"
#include "engine/linear.h"
#include "engine/optimizer.h"

enum { BATCH = 32, WARMUP = 10, REPS = 100 };

typedef struct Timing {
    double median, min, max;
} Timing;

static Timing summarize(double *samples, int n)
{
    double median = bench_median(samples, n);    /* sorts */
    return (Timing){ median, samples[0], samples[n - 1] };
}

/* Multiply-adds of one SGD step, counted as 2 FLOP each: every convolution forward and its weight
 * gradient, the input gradient of every block but the first, and the linear head's three products. */
static double step_flop(const ConvNet *net, int n)
{
    double flop = 0.0;
    for (int b = 0; b < CONVNET_BLOCKS; b++) {
        const ConvNetBlock *blk = &net->block[b];
        double conv = 2.0 * n * blk->side * blk->side * blk->c_out * blk->c_in * 9;
        flop += conv * (b > 0 ? 3 : 2);
    }
    return flop + 3 * 2.0 * n * net->features * net->config.classes;
}

/* Times REPS training steps after WARMUP untimed ones, through the float twin when use_float; *forward
 * gets the median of a batch-statistics forward alone on the same batches. */
static int bench_steps(const Dataset *train, ConvNorm norm, bool use_float, Timing *step, Timing *forward,
                       double *cpu_median, double *flop)
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
    *flop = step_flop(net, BATCH);
    ConvNetFloat *twin = use_float ? convnet_float_create(net) : NULL;
    Sgd *sgd = sgd_create(net->num_params, 0.05, 0.0);
    BatchSampler sampler;
    sampler_init(&sampler, train->n, 1);
    int idx[BATCH];
    static double x[BATCH * 784];
    double y[BATCH];
    double *samples = malloc(sizeof(double) * REPS), *fwd = malloc(sizeof(double) * REPS);
    double *cpu = malloc(sizeof(double) * REPS);
    int status = 0;
    for (int k = 0; k < WARMUP + REPS && status == 0; k++) {
        /* The batch is gathered outside the timed region: the step itself is what is measured. */
        sampler_next(&sampler, idx, BATCH);
        dataset_gather(train, idx, BATCH, x, y);
        double c0 = bench_cpu_us(), t0 = bench_now_us(), loss;
        bool ok = twin ? convnet_float_train_step(twin, sgd, x, y, BATCH, &loss, &err)
                       : convnet_train_step(net, sgd, x, y, BATCH, &loss, &err);
        if (!ok) {
            fprintf(stderr, "bench_conv: step %d: %s\n", k, err.message);
            status = 1;
        }
        double t1 = bench_now_us(), c1 = bench_cpu_us();
        ok = twin ? convnet_float_forward(twin, x, BATCH, CONVNET_MODE_BATCH_STATS, &err)
                  : convnet_forward(net, x, BATCH, CONVNET_MODE_BATCH_STATS, &err);
        if (!ok)
            status = 1;
        double t2 = bench_now_us();
        if (k >= WARMUP) {
            samples[k - WARMUP] = t1 - t0;
            cpu[k - WARMUP] = c1 - c0;
            fwd[k - WARMUP] = t2 - t1;
        }
    }
    if (status == 0) {
        *step = summarize(samples, REPS);
        *forward = summarize(fwd, REPS);
        *cpu_median = bench_median(cpu, REPS);
    }
    free(cpu);
    free(samples);
    free(fwd);
    sampler_free(&sampler);
    sgd_destroy(sgd);
    convnet_float_destroy(twin);
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
    Timing fl, fl_fwd, fl_none, fl_none_fwd, fl_portable, fl_portable_fwd, bn, bn_fwd, none, none_fwd;
    double flop = 0.0, fl_cpu = 0.0, unused_cpu;
    LinearKernel chosen = linear_active_kernel();
    double peak = bench_peak_gflops(chosen);
    if (bench_steps(train, CONV_NORM_BATCH, true, &fl, &fl_fwd, &fl_cpu, &flop) ||
        bench_steps(train, CONV_NORM_NONE, true, &fl_none, &fl_none_fwd, &unused_cpu, &flop) ||
        bench_steps(train, CONV_NORM_BATCH, false, &bn, &bn_fwd, &unused_cpu, &flop) ||
        bench_steps(train, CONV_NORM_NONE, false, &none, &none_fwd, &unused_cpu, &flop))
        return 1;
    if (chosen != LINEAR_KERNEL_PORTABLE) {
        linear_use_kernel(LINEAR_KERNEL_PORTABLE);
        if (bench_steps(train, CONV_NORM_BATCH, true, &fl_portable, &fl_portable_fwd, &unused_cpu, &flop))
            return 1;
        linear_use_kernel(LINEAR_KERNEL_AUTO);
    }
    double gflops = flop / (fl.median * 1e3);
    printf("bench_conv: conv(1->8) bn relu pool conv(8->16) bn relu pool linear(784->10) on 28x28, batch %d, "
           "SGD step (%.1f MFLOP), %d reps after %d warm-up, %s kernel\n", BATCH, flop / 1e6, REPS, WARMUP,
           linear_kernel_name(chosen));
    printf("  float (bntutor train --net=conv):\n");
    printf("    batch norm: median %9.1f us/step (min %.1f, max %.1f); forward alone %.1f us\n", fl.median, fl.min,
           fl.max, fl_fwd.median);
    printf("    batch norm: median %9.1f us of CPU per step (the whole train run's measure)\n", fl_cpu);
    printf("    no norm:    median %9.1f us/step (min %.1f, max %.1f); forward alone %.1f us\n", fl_none.median,
           fl_none.min, fl_none.max, fl_none_fwd.median);
    printf("    batch norm: %.1f GFLOP/s, %.0f%% of the %s kernel's measured peak of %.1f GFLOP/s on this core\n",
           gflops, 100 * gflops / peak, linear_kernel_name(chosen), peak);
    if (chosen != LINEAR_KERNEL_PORTABLE)
        printf("    batch norm, portable kernel: median %9.1f us/step (%.2fx the %s kernel's time)\n",
               fl_portable.median, fl_portable.median / fl.median, linear_kernel_name(chosen));
    printf("  double (the lessons' scenes):\n");
    printf("    batch norm: median %9.1f us/step (min %.1f, max %.1f; %.2fx the float step); forward alone %.1f us\n",
           bn.median, bn.min, bn.max, bn.median / fl.median, bn_fwd.median);
    printf("    no norm:    median %9.1f us/step (min %.1f, max %.1f); forward alone %.1f us\n", none.median,
           none.min, none.max, none_fwd.median);
    /* Machine-readable lines for scripts/bench.sh. */
    printf("RESULT conv_step_float_bn_us %.1f\n", fl.median);
    printf("RESULT conv_step_float_bn_cpu_us %.1f\n", fl_cpu);
    printf("RESULT conv_step_bn_us %.1f\n", bn.median);
    printf("RESULT conv_gflops %.2f\n", gflops);
    printf("RESULT peak_gflops %.2f\n", peak);
    dataset_destroy(train);
    dataset_destroy(test);
    return 0;
}
