/* Element-wise activations sigmoid, tanh and relu: forward and backward, in double (engine layer). */
#ifndef BNTUTOR_ENGINE_ACTIVATION_H
#define BNTUTOR_ENGINE_ACTIVATION_H

#include <stdbool.h>

typedef enum Activation {
    ACTIVATION_SIGMOID,
    ACTIVATION_TANH,
    ACTIVATION_RELU,
} Activation;

const char *activation_name(Activation act);            /* "sigmoid", "tanh", "relu" */
/* Accepts the names above; false for anything else. */
bool activation_parse(const char *name, Activation *act);

/* y, x: (COUNT) — any shape flattened; y may equal x. */
void activation_forward(double *y, const double *x, int count, Activation act);

/* dx = dy·f'(x), overwritten. Sigmoid and tanh read their derivative from the output y, relu from the
 * input x; both are passed so one signature serves all. dx, dy, x, y: (COUNT). */
void activation_backward(double *dx, const double *dy, const double *x, const double *y, int count,
                         Activation act);

#endif
