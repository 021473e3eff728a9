/* Stochastic gradient descent with optional momentum, one flat loop over all parameters (engine layer). */
#ifndef BNTUTOR_ENGINE_OPTIMIZER_H
#define BNTUTOR_ENGINE_OPTIMIZER_H

#include <stddef.h>

/* PyTorch's form: v = μ·v + g, p −= lr·v; with μ = 0 it is plain SGD, p −= lr·g. */
typedef struct Sgd {
    size_t num_params;
    double lr;
    double momentum;    /* μ; 0 for plain SGD */
    double *velocity;   /* (num_params), zero at creation; kept even when μ = 0 so μ may change later */
} Sgd;

Sgd *sgd_create(size_t num_params, double lr, double momentum);
void sgd_destroy(Sgd *sgd);                                 /* accepts NULL */
/* params, grads: (num_params) in the same layout. */
void sgd_step(Sgd *sgd, double *params, const double *grads);
/* Forgets the velocity (momentum history). */
void sgd_reset(Sgd *sgd);
/* grads: (count) set to zero before a backward pass, which accumulates. */
void optimizer_zero_grad(double *grads, size_t count);

#endif
