/* Benchmark helper (not a test): timing, medians, and the core's measured peak single-precision FLOP rate. */
#ifndef BNTUTOR_BENCH_PEAK_H
#define BNTUTOR_BENCH_PEAK_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/linear.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define BENCH_HAVE_AVX2 1
#include <immintrin.h>
#else
#define BENCH_HAVE_AVX2 0
#endif

static inline double bench_now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* This thread's CPU time: what a whole `bntutor train` run is measured in (user + system time), so the
 * two compare on a loaded machine, where waiting for the core inflates wall-clock times. */
static inline double bench_cpu_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static inline int bench_compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline double bench_median(double *samples, int n)
{
    qsort(samples, (size_t)n, sizeof *samples, bench_compare_doubles);
    return n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
}

/* Twelve independent chains of 8-lane fused multiply-adds (latency 4, two pipes: 8 in flight keep them
 * busy): 12·16 FLOP per iteration. The result is returned so nothing is optimized away. */
#if BENCH_HAVE_AVX2
__attribute__((target("avx2,fma"))) static inline float bench_fma_chains(long iters)
{
    __m256 acc[12];
    const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(0.001f);
    for (int k = 0; k < 12; k++)
        acc[k] = _mm256_set1_ps((float)k);
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < 12; k++)
            acc[k] = _mm256_fmadd_ps(acc[k], a, b);
    __m256 s = acc[0];
    for (int k = 1; k < 12; k++)
        s = _mm256_add_ps(s, acc[k]);
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0];
}
#endif

/* The portable kernels' arithmetic: 4-lane vectors, a multiply and an add each: 8·8 FLOP per iteration. */
typedef float BenchFloat4 __attribute__((vector_size(16)));
static inline float bench_mul_add_chains(long iters)
{
    BenchFloat4 acc[8];
    const BenchFloat4 a = { 0.999f, 0.999f, 0.999f, 0.999f }, b = { 0.001f, 0.001f, 0.001f, 0.001f };
    for (int k = 0; k < 8; k++)
        acc[k] = (BenchFloat4){ (float)k, (float)k, (float)k, (float)k };
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < 8; k++)
            acc[k] = acc[k] * a + b;
    BenchFloat4 s = acc[0];
    for (int k = 1; k < 8; k++)
        s += acc[k];
    return s[0];
}

/* The best of five timed runs of ~20 ms: GFLOP/s of float arithmetic the chosen kernel's instructions
 * can reach on this core (the ceiling for any of its matrix products). */
static inline double bench_peak_gflops(LinearKernel kernel)
{
    enum { ITERS = 1000000 };
    double best = 0.0;
    volatile float sink = 0.0f;
    for (int run = 0; run < 5; run++) {
        double t0 = bench_now_us(), flop;
#if BENCH_HAVE_AVX2
        if (kernel == LINEAR_KERNEL_AVX2) {
            sink += bench_fma_chains(ITERS);
            flop = 12.0 * 16.0 * ITERS;
        } else
#endif
        {
            sink += bench_mul_add_chains(ITERS);
            flop = 8.0 * 8.0 * ITERS;
        }
        double gflops = flop / ((bench_now_us() - t0) * 1e3);
        best = gflops > best ? gflops : best;
    }
    (void)sink;
    return best;
}

#endif
