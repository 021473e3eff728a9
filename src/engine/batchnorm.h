/* Batch normalization over a mini-batch of N rows × C features, in double (engine layer). */
#ifndef BNTUTOR_ENGINE_BATCHNORM_H
#define BNTUTOR_ENGINE_BATCHNORM_H

#include <stdbool.h>

#include "util/error.h"

typedef enum BnConvention {
    BN_CONVENTION_PYTORCH,  /* new = (1-m)·old + m·batch, unbiased variance stored */
    BN_CONVENTION_KERAS,    /* new = m·old + (1-m)·batch, biased variance stored */
    BN_CONVENTION_PAPER,    /* average over every batch so far, variance times n/(n-1) */
} BnConvention;

const char *batchnorm_convention_name(BnConvention convention);
/* Accepts "pytorch", "keras", "paper"; false for anything else. */
bool batchnorm_convention_parse(const char *name, BnConvention *convention);
double batchnorm_default_eps(BnConvention convention);
/* The paper convention has no momentum; its default is reported as 0. */
double batchnorm_default_momentum(BnConvention convention);

/* False with a message when a batch of n rows is too small for training mode (fewer than two rows
 * have no variance to normalize with). */
bool batchnorm_check_batch(int n, BnError *err);

/* Training-mode forward. Saves what backward needs: xhat and rstd = 1/sqrt(var + eps).
 * y, xhat: (N,C)  mean, var (biased), rstd: (C)  x: (N,C)  gamma, beta: (C).
 * A batch of fewer than two rows has no variance to normalize with: returns false with a message. */
bool batchnorm_forward_train(double *y, double *xhat, double *mean, double *var, double *rstd,
                             const double *x, const double *gamma, const double *beta,
                             double eps, int n, int c, BnError *err);

/* Eval-mode forward with stored statistics. y, x: (N,C)  running_mean, running_var, gamma, beta: (C). */
void batchnorm_forward_eval(double *y, const double *x, const double *running_mean,
                            const double *running_var, const double *gamma, const double *beta,
                            double eps, int n, int c);

/* Backward of the training forward. dx: (N,C) overwritten; dgamma, dbeta: (C) accumulated into.
 * dy, xhat: (N,C)  rstd, gamma: (C). */
void batchnorm_backward(double *dx, double *dgamma, double *dbeta, const double *dy,
                        const double *xhat, const double *rstd, const double *gamma, int n, int c);

/* Folds the running statistics into the update of one step. running_mean, running_var: (C);
 * batches_seen counts the batches so far (the paper convention's divisor), incremented here.
 * mean, var: the batch statistics (var biased), n the batch size. */
void batchnorm_update_running(double *running_mean, double *running_var, long *batches_seen,
                              const double *mean, const double *var, BnConvention convention,
                              double momentum, int n, int c);

/* BN at inference as an affine map of the preceding linear layer y = W x + b:
 * W' = W·s, b' = (b − running_mean)·s + beta with s = gamma/sqrt(running_var + eps).
 * w_out, w: (C_out, C_in) row-major  b_out, b: (C_out), b may be NULL (no bias). */
void batchnorm_fold_linear(double *w_out, double *b_out, const double *w, const double *b,
                           const double *running_mean, const double *running_var,
                           const double *gamma, const double *beta, double eps,
                           int c_in, int c_out);

#endif
