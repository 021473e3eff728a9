/* Linear layer: known values, and backward against central differences. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/linear.h"
#include "support/check.h"
#include "util/pcg32.h"

enum { N = 5, IN = 7, OUT = 5 };   /* not multiples of four: the blocked loops need their tails */

static void fill(double *v, int count, Pcg32 *rng)
{
    for (int i = 0; i < count; i++)
        v[i] = pcg32_normal(rng);
}

/* Scalar objective Σ y·g for a fixed upstream gradient g, so ∂/∂y = g. */
static double objective(const double *x, const double *w, const double *b, const double *g)
{
    double y[N * OUT];
    linear_forward(y, x, w, b, N, IN, OUT);
    double s = 0.0;
    for (int i = 0; i < N * OUT; i++)
        s += y[i] * g[i];
    return s;
}

/* Compares analytic to central-difference gradients of objective over every entry of v. */
static void check_against_differences(double *v, const double *analytic, int count, const char *what,
                                      const double *x, const double *w, const double *b, const double *g)
{
    const double h = 1e-6;
    double largest = 0.0;
    for (int i = 0; i < count; i++) {
        double saved = v[i];
        v[i] = saved + h;
        double up = objective(x, w, b, g);
        v[i] = saved - h;
        double down = objective(x, w, b, g);
        v[i] = saved;
        double numeric = (up - down) / (2 * h);
        check_close(analytic[i], numeric, 1e-6, 1e-8, "%s[%d]", what, i);
        largest = fmax(largest, fabs(analytic[i]));
    }
    cr_assert_gt(largest, 1e-3, "%s gradient is all zero: the check would pass vacuously", what);
}

Test(linear, forward_computes_x_times_w_transposed_plus_bias)
{
    /* 1×3 input, 2×3 weights: y0 = 1·1 + 2·0 + 3·(−1) + 0.5, y1 = 1·2 + 2·2 + 3·2 − 1. */
    double x[3] = { 1, 2, 3 }, w[6] = { 1, 0, -1, 2, 2, 2 }, b[2] = { 0.5, -1 }, y[2];
    linear_forward(y, x, w, b, 1, 3, 2);
    check_close(y[0], -1.5, 1e-15, 1e-15, "y0");
    check_close(y[1], 11.0, 1e-15, 1e-15, "y1");
    linear_forward(y, x, w, NULL, 1, 3, 2);
    check_close(y[0], -2.0, 1e-15, 1e-15, "y0 without bias");
}

Test(linear, forward_handles_widths_that_are_not_multiples_of_four)
{
    Pcg32 rng;
    pcg32_seed(&rng, 3, 4);
    for (int in = 1; in <= 11; in++) {
        double x[6 * 11], w[3 * 11], y[6 * 3];
        fill(x, 6 * in, &rng);
        fill(w, 3 * in, &rng);
        linear_forward(y, x, w, NULL, 6, in, 3);
        for (int r = 0; r < 6; r++)
            for (int o = 0; o < 3; o++) {
                double s = 0.0, magnitude = 0.0;
                for (int i = 0; i < in; i++) {
                    s += x[r * in + i] * w[o * in + i];
                    magnitude += fabs(x[r * in + i] * w[o * in + i]);
                }
                /* Summation order differs, so the error scales with Σ|x·w|, not with the (cancelled) sum. */
                check_close(y[r * 3 + o], s, 1e-13, magnitude, "in=%d row %d out %d", in, r, o);
            }
    }
}

Test(linear, backward_matches_central_differences_for_weights_bias_and_input)
{
    Pcg32 rng;
    pcg32_seed(&rng, 11, 12);
    double x[N * IN], w[OUT * IN], b[OUT], g[N * OUT];
    fill(x, N * IN, &rng);
    fill(w, OUT * IN, &rng);
    fill(b, OUT, &rng);
    fill(g, N * OUT, &rng);
    double dx[N * IN], dw[OUT * IN] = { 0 }, db[OUT] = { 0 };
    linear_backward(dx, dw, db, g, x, w, N, IN, OUT);
    check_against_differences(w, dw, OUT * IN, "dW", x, w, b, g);
    check_against_differences(b, db, OUT, "db", x, w, b, g);
    check_against_differences(x, dx, N * IN, "dx", x, w, b, g);
}

Test(linear, backward_accumulates_into_weight_gradients_and_may_skip_dx)
{
    Pcg32 rng;
    pcg32_seed(&rng, 5, 6);
    double x[N * IN], w[OUT * IN], g[N * OUT];
    fill(x, N * IN, &rng);
    fill(w, OUT * IN, &rng);
    fill(g, N * OUT, &rng);
    double once[OUT * IN] = { 0 }, twice[OUT * IN] = { 0 };
    linear_backward(NULL, once, NULL, g, x, w, N, IN, OUT);
    linear_backward(NULL, twice, NULL, g, x, w, N, IN, OUT);
    linear_backward(NULL, twice, NULL, g, x, w, N, IN, OUT);
    for (int i = 0; i < OUT * IN; i++)
        check_close(twice[i], 2 * once[i], 1e-14, 1e-14, "dW[%d] after two backward passes", i);
}
