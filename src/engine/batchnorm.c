/* Batch normalization forward, backward, running statistics and folding (engine layer). */
#include "engine/batchnorm.h"

#include <math.h>
#include <string.h>

const char *batchnorm_convention_name(BnConvention convention)
{
    switch (convention) {
    case BN_CONVENTION_KERAS: return "keras";
    case BN_CONVENTION_PAPER: return "paper";
    case BN_CONVENTION_PYTORCH: break;
    }
    return "pytorch";
}

bool batchnorm_convention_parse(const char *name, BnConvention *convention)
{
    static const BnConvention all[] = { BN_CONVENTION_PYTORCH, BN_CONVENTION_KERAS, BN_CONVENTION_PAPER };
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, batchnorm_convention_name(all[i])) == 0) {
            *convention = all[i];
            return true;
        }
    }
    return false;
}

double batchnorm_default_eps(BnConvention convention)
{
    return convention == BN_CONVENTION_KERAS ? 1e-3 : 1e-5;
}

double batchnorm_default_momentum(BnConvention convention)
{
    switch (convention) {
    case BN_CONVENTION_KERAS: return 0.99;
    case BN_CONVENTION_PAPER: return 0.0;
    case BN_CONVENTION_PYTORCH: break;
    }
    return 0.1;
}

bool batchnorm_check_batch(int n, BnError *err)
{
    if (n < 2) {
        error_set(err, "", "a batch of %d sample%s has no spread: training-mode batch norm needs at "
                  "least 2 samples per batch (use eval mode for a single sample)", n, n == 1 ? "" : "s");
        return false;
    }
    return true;
}

bool batchnorm_forward_train(double *y, double *xhat, double *mean, double *var, double *rstd,
                             const double *x, const double *gamma, const double *beta,
                             double eps, int n, int c, BnError *err)
{
    if (!batchnorm_check_batch(n, err))
        return false;
    /* Two passes: the mean first, then squared deviations, which stays accurate for large offsets.
     * Rows outer, features inner: each feature still sums its samples in order, over contiguous memory. */
    for (int j = 0; j < c; j++)
        mean[j] = var[j] = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++)
            mean[j] += x[i * c + j];
    for (int j = 0; j < c; j++)
        mean[j] /= n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++) {
            double d = x[i * c + j] - mean[j];
            var[j] += d * d;
        }
    for (int j = 0; j < c; j++) {
        var[j] /= n;
        rstd[j] = 1.0 / sqrt(var[j] + eps);
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++) {
            double h = (x[i * c + j] - mean[j]) * rstd[j];
            xhat[i * c + j] = h;
            y[i * c + j] = gamma[j] * h + beta[j];
        }
    return true;
}

void batchnorm_forward_eval(double *y, const double *x, const double *running_mean,
                            const double *running_var, const double *gamma, const double *beta,
                            double eps, int n, int c)
{
    for (int j = 0; j < c; j++) {
        double r = 1.0 / sqrt(running_var[j] + eps);
        for (int i = 0; i < n; i++)
            y[i * c + j] = gamma[j] * (x[i * c + j] - running_mean[j]) * r + beta[j];
    }
}

void batchnorm_backward(double *dx, double *dgamma, double *dbeta, const double *dy,
                        const double *xhat, const double *rstd, const double *gamma, int n, int c)
{
    /* Features in blocks, rows outer within a block: each feature still sums its samples in order, over
     * contiguous memory. */
    enum { BLOCK = 64 };
    for (int j0 = 0; j0 < c; j0 += BLOCK) {
        int width = c - j0 < BLOCK ? c - j0 : BLOCK;
        double sum_dy[BLOCK] = { 0 }, sum_dy_xhat[BLOCK] = { 0 };
        for (int i = 0; i < n; i++) {
            const double *dyr = dy + (long)i * c + j0, *xr = xhat + (long)i * c + j0;
            for (int j = 0; j < width; j++) {
                sum_dy[j] += dyr[j];
                sum_dy_xhat[j] += dyr[j] * xr[j];
            }
        }
        double scale[BLOCK];
        for (int j = 0; j < width; j++) {
            dbeta[j0 + j] += sum_dy[j];
            dgamma[j0 + j] += sum_dy_xhat[j];
            scale[j] = gamma[j0 + j] * rstd[j0 + j] / n;
        }
        /* dx = γ·rstd/N · (N·dy − Σdy − x̂·Σ(dy·x̂)) */
        for (int i = 0; i < n; i++) {
            const double *dyr = dy + (long)i * c + j0, *xr = xhat + (long)i * c + j0;
            double *dxr = dx + (long)i * c + j0;
            for (int j = 0; j < width; j++)
                dxr[j] = scale[j] * (n * dyr[j] - sum_dy[j] - xr[j] * sum_dy_xhat[j]);
        }
    }
}

void batchnorm_update_running(double *running_mean, double *running_var, long *batches_seen,
                              const double *mean, const double *var, BnConvention convention,
                              double momentum, int n, int c)
{
    double bessel = n > 1 ? (double)n / (n - 1) : 1.0;
    long seen = *batches_seen + 1;
    for (int j = 0; j < c; j++) {
        switch (convention) {
        case BN_CONVENTION_PYTORCH:
            running_mean[j] = (1.0 - momentum) * running_mean[j] + momentum * mean[j];
            running_var[j] = (1.0 - momentum) * running_var[j] + momentum * var[j] * bessel;
            break;
        case BN_CONVENTION_KERAS:
            running_mean[j] = momentum * running_mean[j] + (1.0 - momentum) * mean[j];
            running_var[j] = momentum * running_var[j] + (1.0 - momentum) * var[j];
            break;
        case BN_CONVENTION_PAPER:
            /* Incremental average: after k batches it equals the plain mean of all k. */
            running_mean[j] += (mean[j] - running_mean[j]) / seen;
            running_var[j] += (var[j] * bessel - running_var[j]) / seen;
            break;
        }
    }
    *batches_seen = seen;
}

void batchnorm_fold_linear(double *w_out, double *b_out, const double *w, const double *b,
                           const double *running_mean, const double *running_var,
                           const double *gamma, const double *beta, double eps,
                           int c_in, int c_out)
{
    for (int o = 0; o < c_out; o++) {
        double s = gamma[o] / sqrt(running_var[o] + eps);
        for (int i = 0; i < c_in; i++)
            w_out[o * c_in + i] = w[o * c_in + i] * s;
        b_out[o] = ((b ? b[o] : 0.0) - running_mean[o]) * s + beta[o];
    }
}
