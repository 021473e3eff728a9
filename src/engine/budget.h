/* What one training step of a multilayer perceptron costs, estimated from its layer sizes and batch, and the classroom budget (engine layer). */
#ifndef BNTUTOR_ENGINE_BUDGET_H
#define BNTUTOR_ENGINE_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

/* The classroom budget of one tutor, so a whole class fits one server: memory for a page's network
 * and the arithmetic of one of its steps. 1 GFLOP is about 50 ms on one core of the machines we
 * measured (a step of 8 hidden layers of 1024 at batch 4096, 206 GFLOP, took 10 s). */
#define BUDGET_STEP_BYTES_MAX (64.0 * 1024 * 1024)
#define BUDGET_STEP_FLOPS_MAX 1e9
#define BUDGET_STEP_MILLISECONDS 50

typedef struct StepCost {
    double params;          /* weights and biases */
    double bytes;           /* parameters with their gradients, momentum and float copy, plus the
                             * batch's activations, caches and gradients of every layer */
    double flops;           /* forward and backward: about 6 per weight per sample */
} StepCost;

/* sizes: (num) layer widths, input first, output last; batch: samples per step. */
StepCost budget_mlp_step(const int *sizes, int num, int batch);
/* Whether cost fits the classroom budget; when not, why (one sentence, with the figures) in buf. */
bool budget_fits(const StepCost *cost, char *buf, size_t size);

#endif
