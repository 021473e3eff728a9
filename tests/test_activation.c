/* Activations: known values, saturation without NaN, backward against central differences. */
#include <criterion/criterion.h>
#include <math.h>

#include "engine/activation.h"
#include "support/check.h"
#include "util/pcg32.h"

enum { COUNT = 40 };

static void check_gradient(Activation act)
{
    Pcg32 rng;
    pcg32_seed(&rng, 21, (uint64_t)act);
    double x[COUNT], y[COUNT], g[COUNT], dx[COUNT];
    for (int i = 0; i < COUNT; i++) {
        do
            x[i] = 3.0 * pcg32_normal(&rng);
        while (fabs(x[i]) < 1e-3);     /* keep away from relu's kink, where no derivative exists */
        g[i] = pcg32_normal(&rng);
    }
    activation_forward(y, x, COUNT, act);
    activation_backward(dx, g, x, y, COUNT, act);
    const double h = 1e-6;
    double largest = 0.0;
    for (int i = 0; i < COUNT; i++) {
        double xp = x[i] + h, xm = x[i] - h, yp, ym;
        activation_forward(&yp, &xp, 1, act);
        activation_forward(&ym, &xm, 1, act);
        double numeric = g[i] * (yp - ym) / (2 * h);
        check_close(dx[i], numeric, 1e-6, 1e-9, "%s dx[%d] at x=%g", activation_name(act), i, x[i]);
        largest = fmax(largest, fabs(dx[i]));
    }
    cr_assert_gt(largest, 1e-3, "%s gradient is all zero", activation_name(act));
}

Test(activation, sigmoid_backward_matches_central_differences) { check_gradient(ACTIVATION_SIGMOID); }
Test(activation, tanh_backward_matches_central_differences) { check_gradient(ACTIVATION_TANH); }
Test(activation, relu_backward_matches_central_differences) { check_gradient(ACTIVATION_RELU); }

Test(activation, forward_gives_the_textbook_values)
{
    double x[3] = { 0.0, 1.0, -2.0 }, y[3];
    activation_forward(y, x, 3, ACTIVATION_SIGMOID);
    check_close(y[0], 0.5, 1e-15, 1e-15, "sigmoid(0)");
    check_close(y[1], 1.0 / (1.0 + exp(-1.0)), 1e-15, 1e-15, "sigmoid(1)");
    check_close(y[2], 1.0 / (1.0 + exp(2.0)), 1e-15, 1e-15, "sigmoid(-2)");
    activation_forward(y, x, 3, ACTIVATION_TANH);
    check_close(y[2], tanh(-2.0), 1e-15, 1e-15, "tanh(-2)");
    activation_forward(y, x, 3, ACTIVATION_RELU);
    cr_assert(y[0] == 0.0 && y[1] == 1.0 && y[2] == 0.0, "relu gave %g %g %g", y[0], y[1], y[2]);
}

Test(activation, sigmoid_saturates_without_nan_for_huge_inputs)
{
    double x[2] = { -1000.0, 1000.0 }, y[2], g[2] = { 1.0, 1.0 }, dx[2];
    activation_forward(y, x, 2, ACTIVATION_SIGMOID);
    cr_assert(y[0] == 0.0 && y[1] == 1.0, "sigmoid(±1000) gave %g %g", y[0], y[1]);
    activation_backward(dx, g, x, y, 2, ACTIVATION_SIGMOID);
    cr_assert(dx[0] == 0.0 && dx[1] == 0.0, "saturated gradient %g %g", dx[0], dx[1]);
}

Test(activation, names_parse_back_to_the_same_activation)
{
    Activation all[3] = { ACTIVATION_SIGMOID, ACTIVATION_TANH, ACTIVATION_RELU }, got;
    for (int i = 0; i < 3; i++) {
        cr_assert(activation_parse(activation_name(all[i]), &got), "%s", activation_name(all[i]));
        cr_assert_eq(got, all[i]);
    }
    cr_assert_not(activation_parse("gelu", &got), "gelu is not offered");
}
