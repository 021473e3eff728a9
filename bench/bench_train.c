/* Benchmark (not a test): time per SGD step of the paper network, and double vs float for its hot loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/dataset.h"
#include "engine/linear.h"
#include "engine/mlp.h"
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

/* Times REPS training steps of 784-100-100-100-10 sigmoid after WARMUP untimed ones. */
static int bench_steps(const Dataset *train, BnPlacement bn, Timing *timing)
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
    BatchSampler sampler;
    sampler_init(&sampler, train->n, 1);
    int idx[BATCH];
    static double x[BATCH * 784];
    double y[BATCH];
    double *samples = malloc(sizeof(double) * REPS);
    int status = 0;
    for (int k = 0; k < WARMUP + REPS && status == 0; k++) {
        /* The batch is gathered outside the timed region: the step itself is what is measured. */
        sampler_next(&sampler, idx, BATCH);
        dataset_gather(train, idx, BATCH, x, y);
        double t0 = now_us(), loss;
        if (!mlp_train_step(mlp, sgd, x, y, BATCH, &loss, &err)) {
            fprintf(stderr, "bench_train: step %d: %s\n", k, err.message);
            status = 1;
        }
        double t1 = now_us();
        if (k >= WARMUP)
            samples[k - WARMUP] = t1 - t0;
    }
    if (status == 0)
        *timing = summarize(samples, REPS);
    free(samples);
    sampler_free(&sampler);
    sgd_destroy(sgd);
    mlp_destroy(mlp);
    return status;
}

/* The same loops as linear.c in float, to measure what switching the hot path to float would gain. */
static float dot_f(const float *a, const float *b, int len)
{
    float acc[8] = { 0 };
    int i = 0;
    for (; i + 8 <= len; i += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += a[i + k] * b[i + k];
    float sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; i < len; i++)
        sum += a[i] * b[i];
    return sum;
}

static void linear_pass_f(float *y, float *dx, float *dw, const float *x, const float *w, const float *dy,
                          int n, int in, int out)
{
    for (int r = 0; r < n; r++)
        for (int o = 0; o < out; o++)
            y[r * out + o] = dot_f(x + r * in, w + o * in, in);
    for (int o = 0; o < out; o++)
        for (int r = 0; r < n; r++) {
            float g = dy[r * out + o];
            for (int i = 0; i < in; i++)
                dw[o * in + i] += g * x[r * in + i];
        }
    memset(dx, 0, sizeof(float) * (size_t)n * (size_t)in);
    for (int r = 0; r < n; r++)
        for (int o = 0; o < out; o++) {
            float g = dy[r * out + o];
            for (int i = 0; i < in; i++)
                dx[r * in + i] += g * w[o * in + i];
        }
}

/* Forward + full backward of the first layer (60×784 → 100, two thirds of the step's arithmetic). */
static void bench_first_layer(Timing *as_double, Timing *as_float)
{
    enum { IN = 784, OUT = 100 };
    double *xd = malloc(sizeof(double) * BATCH * IN), *wd = malloc(sizeof(double) * OUT * IN);
    double *yd = malloc(sizeof(double) * BATCH * OUT), *dyd = malloc(sizeof(double) * BATCH * OUT);
    double *dwd = calloc(OUT * IN, sizeof(double)), *dxd = malloc(sizeof(double) * BATCH * IN);
    float *xf = malloc(sizeof(float) * BATCH * IN), *wf = malloc(sizeof(float) * OUT * IN);
    float *yf = malloc(sizeof(float) * BATCH * OUT), *dyf = malloc(sizeof(float) * BATCH * OUT);
    float *dwf = calloc(OUT * IN, sizeof(float)), *dxf = malloc(sizeof(float) * BATCH * IN);
    for (int i = 0; i < BATCH * IN; i++)
        xf[i] = (float)(xd[i] = (i % 97) / 97.0);
    for (int i = 0; i < OUT * IN; i++)
        wf[i] = (float)(wd[i] = ((i % 89) - 44) / 440.0);
    for (int i = 0; i < BATCH * OUT; i++)
        dyf[i] = (float)(dyd[i] = ((i % 13) - 6) / 60.0);
    double *samples = malloc(sizeof(double) * REPS);
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < WARMUP + REPS; k++) {
            double t0 = now_us();
            if (pass == 0) {
                linear_forward(yd, xd, wd, NULL, BATCH, IN, OUT);
                linear_backward(dxd, dwd, NULL, dyd, xd, wd, BATCH, IN, OUT);
            } else {
                linear_pass_f(yf, dxf, dwf, xf, wf, dyf, BATCH, IN, OUT);
            }
            double t1 = now_us();
            if (k >= WARMUP)
                samples[k - WARMUP] = t1 - t0;
        }
        *(pass == 0 ? as_double : as_float) = summarize(samples, REPS);
    }
    /* Printed so the compiler cannot drop the work. */
    fprintf(stderr, "(checksums %g %g)\n", yd[7] + dxd[5] + dwd[3], (double)(yf[7] + dxf[5] + dwf[3]));
    free(samples);
    free(xd), free(wd), free(yd), free(dyd), free(dwd), free(dxd);
    free(xf), free(wf), free(yf), free(dyf), free(dwf), free(dxf);
}

int main(void)
{
    Dataset *train, *test;
    BnError err = { 0 };
    if (!dataset_load("synth784", 1, 1200, 10, &train, &test, &err)) {
        fprintf(stderr, "bench_train: %s\n", err.message);
        return 1;
    }
    Timing before, none;
    if (bench_steps(train, BN_PLACEMENT_BEFORE, &before) || bench_steps(train, BN_PLACEMENT_NONE, &none))
        return 1;
    printf("bench_train: 784-100-100-100-10 sigmoid, batch %d, SGD step (forward, loss, backward, update), "
           "%d reps after %d warm-up\n", BATCH, REPS, WARMUP);
    printf("  BN before: median %9.1f us/step (min %.1f, max %.1f)\n", before.median, before.min, before.max);
    printf("  no BN:     median %9.1f us/step (min %.1f, max %.1f)\n", none.median, none.min, none.max);
    Timing ld, lf;
    bench_first_layer(&ld, &lf);
    printf("  first layer 60x784->100 forward+backward: double %.1f us, float %.1f us (float/double %.2f)\n",
           ld.median, lf.median, lf.median / ld.median);
    /* Machine-readable line for scripts/bench.sh. */
    printf("RESULT train_step_bn_before_us %.1f\n", before.median);
    dataset_destroy(train);
    dataset_destroy(test);
    return 0;
}
