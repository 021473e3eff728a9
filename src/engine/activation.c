/* Element-wise activations forward and backward; one loop per kind so each stays simple (engine layer). */
#include "engine/activation.h"

#include <math.h>
#include <string.h>

static const char *const activation_names[] = { "sigmoid", "tanh", "relu" };

const char *activation_name(Activation act)
{
    switch (act) {
    case ACTIVATION_TANH: return activation_names[1];
    case ACTIVATION_RELU: return activation_names[2];
    case ACTIVATION_SIGMOID: break;
    }
    return activation_names[0];
}

bool activation_parse(const char *name, Activation *act)
{
    static const Activation all[] = { ACTIVATION_SIGMOID, ACTIVATION_TANH, ACTIVATION_RELU };
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, activation_name(all[i])) == 0) {
            *act = all[i];
            return true;
        }
    }
    return false;
}

void activation_forward(double *y, const double *x, int count, Activation act)
{
    switch (act) {
    case ACTIVATION_SIGMOID:
        /* exp of a non-positive number never overflows; the sign picks the form without a branch,
         * which random signs would mispredict half the time. */
        for (int i = 0; i < count; i++) {
            double v = x[i], e = exp(-fabs(v));
            y[i] = (v >= 0.0 ? 1.0 : e) / (1.0 + e);
        }
        break;
    case ACTIVATION_TANH:
        for (int i = 0; i < count; i++)
            y[i] = tanh(x[i]);
        break;
    case ACTIVATION_RELU:
        for (int i = 0; i < count; i++)
            y[i] = x[i] > 0.0 ? x[i] : 0.0;
        break;
    }
}

void activation_backward(double *dx, const double *dy, const double *x, const double *y, int count,
                         Activation act)
{
    switch (act) {
    case ACTIVATION_SIGMOID:
        for (int i = 0; i < count; i++)
            dx[i] = dy[i] * y[i] * (1.0 - y[i]);
        break;
    case ACTIVATION_TANH:
        for (int i = 0; i < count; i++)
            dx[i] = dy[i] * (1.0 - y[i] * y[i]);
        break;
    case ACTIVATION_RELU:
        for (int i = 0; i < count; i++)
            dx[i] = x[i] > 0.0 ? dy[i] : 0.0;
        break;
    }
}
