/* SGD step and gradient zeroing over flat parameter blocks (engine layer). */
#include "engine/optimizer.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

Sgd *sgd_create(size_t num_params, double lr, double momentum)
{
    Sgd *sgd = xcalloc(1, sizeof *sgd);
    sgd->num_params = num_params;
    sgd->lr = lr;
    sgd->momentum = momentum;
    /* Always allocated so momentum can be switched on later (a lesson slider). */
    sgd->velocity = xcalloc(num_params ? num_params : 1, sizeof(double));
    return sgd;
}

void sgd_destroy(Sgd *sgd)
{
    if (!sgd)
        return;
    free(sgd->velocity);
    free(sgd);
}

void sgd_step(Sgd *sgd, double *params, const double *grads)
{
    double lr = sgd->lr, mu = sgd->momentum;
    size_t n = sgd->num_params;
    if (mu == 0.0) {
        for (size_t i = 0; i < n; i++)
            params[i] -= lr * grads[i];
        return;
    }
    double *v = sgd->velocity;
    for (size_t i = 0; i < n; i++) {
        v[i] = mu * v[i] + grads[i];
        params[i] -= lr * v[i];
    }
}

void sgd_reset(Sgd *sgd)
{
    memset(sgd->velocity, 0, sizeof(double) * (sgd->num_params ? sgd->num_params : 1));
}

void optimizer_zero_grad(double *grads, size_t count)
{
    memset(grads, 0, sizeof(double) * count);
}
