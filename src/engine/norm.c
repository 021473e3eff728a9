/* Batch, layer, instance and group normalization of N×C×H×W tensors: forward, eval, backward (engine layer). */
#include "engine/norm.h"

#include <limits.h>
#include <math.h>
#include <string.h>

const char *norm_method_name(NormMethod method)
{
    switch (method) {
    case NORM_LAYER: return "layer";
    case NORM_INSTANCE: return "instance";
    case NORM_GROUP: return "group";
    case NORM_BATCH: break;
    }
    return "batch";
}

bool norm_method_parse(const char *name, NormMethod *method)
{
    static const NormMethod all[] = { NORM_BATCH, NORM_LAYER, NORM_INSTANCE, NORM_GROUP };
    for (unsigned i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(name, norm_method_name(all[i])) == 0) {
            *method = all[i];
            return true;
        }
    }
    return false;
}

int norm_num_sets(NormMethod method, const NormShape *shape)
{
    switch (method) {
    case NORM_LAYER: return shape->n;
    case NORM_INSTANCE: return shape->n * shape->c;
    case NORM_GROUP: return shape->n * shape->groups;
    case NORM_BATCH: break;
    }
    return shape->c;
}

int norm_set_size(NormMethod method, const NormShape *shape)
{
    int hw = shape->h * shape->w;
    switch (method) {
    case NORM_LAYER: return shape->c * hw;
    case NORM_INSTANCE: return hw;
    case NORM_GROUP: return shape->groups > 0 ? shape->c / shape->groups * hw : 0;
    case NORM_BATCH: break;
    }
    return shape->n * hw;
}

int norm_num_params(NormMethod method, const NormShape *shape)
{
    return method == NORM_LAYER ? shape->c * shape->h * shape->w : shape->c;
}

int norm_set_of(NormMethod method, const NormShape *shape, int sample, int channel, int position)
{
    (void)position;
    switch (method) {
    case NORM_LAYER: return sample;
    case NORM_INSTANCE: return sample * shape->c + channel;
    case NORM_GROUP: return sample * shape->groups + channel / (shape->c / shape->groups);
    case NORM_BATCH: break;
    }
    return channel;
}

/* Product of positive ints, or -1 once it would pass INT_MAX (indices are int throughout). */
static long checked_product(const int *dims, int count)
{
    long p = 1;
    for (int k = 0; k < count; k++) {
        p *= dims[k];
        if (p > INT_MAX)
            return -1;
    }
    return p;
}

bool norm_check(NormMethod method, const NormShape *shape, bool training, BnError *err)
{
    const char *name = norm_method_name(method);
    if (shape->n < 1 || shape->c < 1 || shape->h < 1 || shape->w < 1) {
        error_set(err, "", "%s norm needs every dimension at least 1, got N=%d C=%d H=%d W=%d", name,
                  shape->n, shape->c, shape->h, shape->w);
        return false;
    }
    int dims[] = { shape->n, shape->c, shape->h, shape->w };
    if (checked_product(dims, 4) < 0) {
        error_set(err, "", "%s norm of N=%d C=%d H=%d W=%d: %s", name, shape->n, shape->c, shape->h,
                  shape->w, "too many values (more than 2^31 - 1)");
        return false;
    }
    if (method == NORM_GROUP && (shape->groups < 1 || shape->c % shape->groups != 0)) {
        error_set(err, "", "group norm needs the number of groups G to divide the channels C: "
                  "G=%d does not divide C=%d", shape->groups, shape->c);
        return false;
    }
    if (training && norm_set_size(method, shape) < 2) {
        /* Each method's set, named so the learner sees which dimension is too small. */
        static const char *const what[] = {
            [NORM_BATCH] = "N*H*W values per channel",
            [NORM_LAYER] = "C*H*W values per sample",
            [NORM_INSTANCE] = "H*W values per sample and channel",
            [NORM_GROUP] = "C/G*H*W values per sample and group",
        };
        error_set(err, "", "%s norm normalizes sets of %s, here 1: a single value has no spread "
                  "to normalize with%s", name, what[method],
                  method == NORM_BATCH ? " (use eval mode for a single sample)" : "");
        return false;
    }
    return true;
}

/* Where one set's values lie: `segments` runs of `run` contiguous values, `stride` apart, the first at
 * `first`. Batch norm's channel is one run of H·W per sample; the other methods' sets are contiguous. */
typedef struct SetSpan {
    long first, stride;
    int segments, run;
} SetSpan;

static SetSpan set_span(NormMethod method, const NormShape *shape, int set)
{
    SetSpan s;
    int hw = shape->h * shape->w;
    if (method == NORM_BATCH) {
        s.first = (long)set * hw;
        s.stride = (long)shape->c * hw;
        s.segments = shape->n;
        s.run = hw;
    } else {
        int size = norm_set_size(method, shape);
        s.first = (long)set * size;
        s.stride = size;
        s.segments = 1;
        s.run = size;
    }
    return s;
}

/* γ/β index of element `index`: its channel, or for layer norm its place within the sample. */
static int param_of(NormMethod method, const NormShape *shape, long index)
{
    int hw = shape->h * shape->w;
    if (method == NORM_LAYER)
        return (int)(index % ((long)shape->c * hw));
    return (int)(index / hw % shape->c);
}

bool norm_forward_train(double *y, double *xhat, double *mean, double *var, double *rstd,
                        const double *x, const double *gamma, const double *beta, double eps,
                        NormMethod method, const NormShape *shape, BnError *err)
{
    if (!norm_check(method, shape, true, err))
        return false;
    int sets = norm_num_sets(method, shape), size = norm_set_size(method, shape);
    for (int s = 0; s < sets; s++) {
        SetSpan sp = set_span(method, shape, s);
        /* Two passes, the mean first, then squared deviations: accurate for large offsets. */
        double sum = 0.0;
        for (int g = 0; g < sp.segments; g++)
            for (int k = 0; k < sp.run; k++)
                sum += x[sp.first + g * sp.stride + k];
        double m = sum / size, sq = 0.0;
        for (int g = 0; g < sp.segments; g++)
            for (int k = 0; k < sp.run; k++) {
                double d = x[sp.first + g * sp.stride + k] - m;
                sq += d * d;
            }
        double v = sq / size, r = 1.0 / sqrt(v + eps);
        mean[s] = m;
        var[s] = v;
        rstd[s] = r;
        for (int g = 0; g < sp.segments; g++)
            for (int k = 0; k < sp.run; k++) {
                long i = sp.first + g * sp.stride + k;
                int p = param_of(method, shape, i);
                double h = (x[i] - m) * r;
                xhat[i] = h;
                y[i] = gamma[p] * h + beta[p];
            }
    }
    return true;
}

void norm_forward_eval_batch(double *y, const double *x, const double *running_mean,
                             const double *running_var, const double *gamma, const double *beta,
                             double eps, const NormShape *shape)
{
    int hw = shape->h * shape->w;
    for (int j = 0; j < shape->c; j++) {
        double r = 1.0 / sqrt(running_var[j] + eps);
        for (int i = 0; i < shape->n; i++) {
            long base = ((long)i * shape->c + j) * hw;
            for (int k = 0; k < hw; k++)
                y[base + k] = gamma[j] * (x[base + k] - running_mean[j]) * r + beta[j];
        }
    }
}

void norm_backward(double *dx, double *dgamma, double *dbeta, const double *dy, const double *xhat,
                   const double *rstd, const double *gamma, NormMethod method, const NormShape *shape)
{
    int sets = norm_num_sets(method, shape), size = norm_set_size(method, shape);
    /* Where one γ serves the whole set (batch, instance) it factors out of the sums, as in
     * batchnorm_backward; layer and group sets span several γ, which go inside them, on dx̂ = γ·dy. */
    bool per_element = method == NORM_LAYER || method == NORM_GROUP;
    for (int s = 0; s < sets; s++) {
        SetSpan sp = set_span(method, shape, s);
        double sum_g = 0.0, sum_g_xhat = 0.0;
        for (int g = 0; g < sp.segments; g++)
            for (int k = 0; k < sp.run; k++) {
                long i = sp.first + g * sp.stride + k;
                int p = param_of(method, shape, i);
                dbeta[p] += dy[i];
                dgamma[p] += dy[i] * xhat[i];
                double gdy = per_element ? gamma[p] * dy[i] : dy[i];
                sum_g += gdy;
                sum_g_xhat += gdy * xhat[i];
            }
        /* dx = rstd/M · (M·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)) over the M values of the set */
        for (int g = 0; g < sp.segments; g++)
            for (int k = 0; k < sp.run; k++) {
                long i = sp.first + g * sp.stride + k;
                int p = param_of(method, shape, i);
                double scale = per_element ? rstd[s] / size : gamma[p] * rstd[s] / size;
                double gdy = per_element ? gamma[p] * dy[i] : dy[i];
                dx[i] = scale * (size * gdy - sum_g - xhat[i] * sum_g_xhat);
            }
    }
}
