/* Linear layer kernels: every variant this CPU runs against a long-double reference, over shapes that
 * exercise each tile and tail, and results that do not depend on where a row sits in the batch. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/linear.h"
#include "support/check.h"
#include "util/pcg32.h"

static const LinearKernel variants[] = { LINEAR_KERNEL_PORTABLE, LINEAR_KERNEL_AVX2 };
enum { NUM_VARIANTS = sizeof variants / sizeof variants[0] };

typedef struct Shape {
    int n, in, out;
} Shape;

/* Tails in every dimension (4-row blocks, 2- and 8-wide column blocks, 4-wide k steps), the paper
 * network's layers, and a batch of one. */
static const Shape shapes[] = {
    { 1, 1, 1 },   { 1, 3, 2 },    { 2, 5, 3 },    { 3, 7, 9 },    { 4, 4, 2 },     { 5, 9, 17 },
    { 7, 13, 11 }, { 8, 16, 8 },   { 9, 33, 1 },   { 12, 8, 24 },  { 60, 784, 100 }, { 60, 100, 100 },
    { 60, 100, 10 }, { 61, 101, 10 }, { 1, 784, 100 }, { 13, 6, 15 },
};
enum { NUM_SHAPES = sizeof shapes / sizeof shapes[0] };

static double *random_block(size_t count, Pcg32 *rng)
{
    double *v = malloc(sizeof(double) * (count ? count : 1));
    for (size_t i = 0; i < count; i++)
        v[i] = pcg32_normal(rng);
    return v;
}

/* The error bound for a sum of products is relative to Σ|terms|, not to the possibly cancelled sum. */
static void check_sum(double actual, long double exact, long double magnitude, const char *what,
                      LinearKernel kernel, Shape s, int row, int col)
{
    double tolerance = 1e-14 * (double)magnitude + 1e-300;
    cr_assert(fabs(actual - (double)exact) <= tolerance,
              "%s kernel: %s[%d][%d] = %.17g, exact %.17Lg (shape n=%d in=%d out=%d)",
              linear_kernel_name(kernel), what, row, col, actual, exact, s.n, s.in, s.out);
}

/* start + Σ_p a[p·a_step]·b[p·b_step] in long double, and Σ|terms| (the scale of the rounding error). */
static long double exact_dot(const double *a, long a_step, const double *b, long b_step, int len, double start,
                             long double *magnitude)
{
    long double sum = start;
    *magnitude = fabsl((long double)start);
    for (int p = 0; p < len; p++) {
        long double t = (long double)a[p * a_step] * b[p * b_step];
        sum += t;
        *magnitude += fabsl(t);
    }
    return sum;
}

static void check_variant_against_reference(LinearKernel kernel, Shape s, Pcg32 *rng)
{
    size_t nx = (size_t)s.n * s.in, nw = (size_t)s.out * s.in, ny = (size_t)s.n * s.out;
    double *x = random_block(nx, rng), *w = random_block(nw, rng), *b = random_block(s.out, rng);
    double *dy = random_block(ny, rng), *dw0 = random_block(nw, rng);
    double *y = malloc(sizeof(double) * ny), *dx = malloc(sizeof(double) * nx);
    double *dw = malloc(sizeof(double) * nw);
    memcpy(dw, dw0, sizeof(double) * nw);   /* dW accumulates: start from something other than zero */

    cr_assert(linear_use_kernel(kernel));
    linear_forward(y, x, w, b, s.n, s.in, s.out);
    linear_backward(dx, dw, NULL, dy, x, w, s.n, s.in, s.out);

    long double magnitude;
    for (int r = 0; r < s.n; r++)
        for (int o = 0; o < s.out; o++) {
            long double sum = exact_dot(x + r * s.in, 1, w + o * s.in, 1, s.in, b[o], &magnitude);
            check_sum(y[r * s.out + o], sum, magnitude, "y", kernel, s, r, o);
        }
    for (int o = 0; o < s.out; o++)
        for (int i = 0; i < s.in; i++) {
            long double sum = exact_dot(dy + o, s.out, x + i, s.in, s.n, dw0[o * s.in + i], &magnitude);
            check_sum(dw[o * s.in + i], sum, magnitude, "dW", kernel, s, o, i);
        }
    for (int r = 0; r < s.n; r++)
        for (int i = 0; i < s.in; i++) {
            long double sum = exact_dot(dy + r * s.out, 1, w + i, s.in, s.out, 0.0, &magnitude);
            check_sum(dx[r * s.in + i], sum, magnitude, "dx", kernel, s, r, i);
        }
    free(x), free(w), free(b), free(dy), free(dw0), free(y), free(dx), free(dw);
}

Test(linear_kernels, every_variant_this_cpu_runs_matches_a_long_double_reference)
{
    int tested = 0;
    for (int v = 0; v < NUM_VARIANTS; v++) {
        if (!linear_kernel_supported(variants[v]))
            continue;
        Pcg32 rng;
        pcg32_seed(&rng, 21, (uint64_t)v);
        for (int k = 0; k < NUM_SHAPES; k++)
            check_variant_against_reference(variants[v], shapes[k], &rng);
        tested++;
    }
    cr_assert_geq(tested, 1, "the portable kernel must always run");
}

/* A sample's output must not depend on its batch-mates or its position: evaluating one sample alone
 * gives the same bits as evaluating it inside a batch. */
Test(linear_kernels, each_row_comes_out_the_same_alone_or_inside_a_batch)
{
    enum { N = 11, IN = 37, OUT = 13 };
    for (int v = 0; v < NUM_VARIANTS; v++) {
        if (!linear_kernel_supported(variants[v]))
            continue;
        cr_assert(linear_use_kernel(variants[v]));
        Pcg32 rng;
        pcg32_seed(&rng, 8, 9);
        double *x = random_block(N * IN, &rng), *w = random_block(OUT * IN, &rng);
        double *b = random_block(OUT, &rng), *dy = random_block(N * OUT, &rng);
        double y[N * OUT], dx[N * IN], dw[OUT * IN];
        linear_forward(y, x, w, b, N, IN, OUT);
        linear_backward(dx, dw, NULL, dy, x, w, N, IN, OUT);
        for (int r = 0; r < N; r++) {
            double y1[OUT], dx1[IN], dw1[OUT * IN];
            linear_forward(y1, x + r * IN, w, b, 1, IN, OUT);
            linear_backward(dx1, dw1, NULL, dy + r * OUT, x + r * IN, w, 1, IN, OUT);
            cr_assert(memcmp(y1, y + r * OUT, sizeof y1) == 0, "%s kernel: row %d of y differs alone",
                      linear_kernel_name(variants[v]), r);
            cr_assert(memcmp(dx1, dx + r * IN, sizeof dx1) == 0, "%s kernel: row %d of dx differs alone",
                      linear_kernel_name(variants[v]), r);
        }
        free(x), free(w), free(b), free(dy);
    }
}

Test(linear_kernels, automatic_choice_is_the_fastest_supported_and_unsupported_requests_change_nothing)
{
    cr_assert(linear_use_kernel(LINEAR_KERNEL_AUTO));
    LinearKernel chosen = linear_active_kernel();
    cr_assert_neq(chosen, LINEAR_KERNEL_AUTO);
    if (linear_kernel_supported(LINEAR_KERNEL_AVX2))
        cr_assert_eq(chosen, LINEAR_KERNEL_AVX2);
    else
        cr_assert_eq(chosen, LINEAR_KERNEL_PORTABLE);

    cr_assert(linear_use_kernel(LINEAR_KERNEL_PORTABLE));
    cr_assert_eq(linear_active_kernel(), LINEAR_KERNEL_PORTABLE);
    if (!linear_kernel_supported(LINEAR_KERNEL_AVX2)) {
        cr_assert_not(linear_use_kernel(LINEAR_KERNEL_AVX2));
        cr_assert_eq(linear_active_kernel(), LINEAR_KERNEL_PORTABLE);
    }
    cr_assert_str_neq(linear_kernel_name(LINEAR_KERNEL_PORTABLE), linear_kernel_name(LINEAR_KERNEL_AVX2));
}
