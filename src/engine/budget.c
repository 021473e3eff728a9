/* Cost estimates of a training step from layer sizes × batch, checked against the classroom budget (engine layer). */
#include "engine/budget.h"

#include <stdio.h>

StepCost budget_mlp_step(const int *sizes, int num, int batch)
{
    StepCost c = { 0 };
    double units = 0.0;
    for (int i = 0; i < num; i++) {
        units += sizes[i];
        if (i + 1 < num)
            c.params += (double)sizes[i] * sizes[i + 1] + sizes[i + 1];
    }
    /* Per parameter: value, gradient, velocity (8 bytes each) and a float twin (4). Per unit and sample:
     * pre-activation, activation, BN's x̂ and their gradients, rounded up to 8 doubles. */
    c.bytes = c.params * 28.0 + (double)batch * units * 64.0;
    c.flops = 6.0 * c.params * batch;
    return c;
}

bool budget_fits(const StepCost *cost, char *buf, size_t size)
{
    if (cost->bytes <= BUDGET_STEP_BYTES_MAX && cost->flops <= BUDGET_STEP_FLOPS_MAX)
        return true;
    snprintf(buf, size, "that network and batch need about %.0f MB and %.2g GFLOP per step; a tutor may use at "
             "most %.0f MB and %.0f GFLOP per step (about %d ms), so a class fits one server: use a smaller "
             "batch or narrower layers", cost->bytes / 1048576.0, cost->flops / 1e9,
             BUDGET_STEP_BYTES_MAX / 1048576.0, BUDGET_STEP_FLOPS_MAX / 1e9, BUDGET_STEP_MILLISECONDS);
    return false;
}
