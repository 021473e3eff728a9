/* Batch, layer, instance, group and RMS normalization of N×C×H×W tensors: forward, eval, backward (engine layer). */
#include "engine/norm.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- each method's sets ---- */

static int batch_sets(const NormShape *sh) { return sh->c; }
static int batch_size(const NormShape *sh) { return sh->n * sh->h * sh->w; }
static int batch_set_of(const NormShape *sh, int sample, int channel) { (void)sh; (void)sample; return channel; }
static NormSetPlace batch_place(const NormShape *sh, int set)
{
    (void)sh;
    return (NormSetPlace){ .sample = -1, .group = -1, .channel_first = set, .channel_last = set };
}

static int layer_sets(const NormShape *sh) { return sh->n; }
static int layer_size(const NormShape *sh) { return sh->c * sh->h * sh->w; }
static int layer_set_of(const NormShape *sh, int sample, int channel) { (void)sh; (void)channel; return sample; }
static NormSetPlace layer_place(const NormShape *sh, int set)
{
    return (NormSetPlace){ .sample = set, .group = -1, .channel_first = 0, .channel_last = sh->c - 1,
                           .every_channel = true };
}

static int instance_sets(const NormShape *sh) { return sh->n * sh->c; }
static int instance_size(const NormShape *sh) { return sh->h * sh->w; }
static int instance_set_of(const NormShape *sh, int sample, int channel) { return sample * sh->c + channel; }
static NormSetPlace instance_place(const NormShape *sh, int set)
{
    return (NormSetPlace){ .sample = set / sh->c, .group = -1, .channel_first = set % sh->c,
                           .channel_last = set % sh->c };
}

static int group_sets(const NormShape *sh) { return sh->n * sh->groups; }
static int group_size(const NormShape *sh) { return sh->groups > 0 ? sh->c / sh->groups * sh->h * sh->w : 0; }
static int group_set_of(const NormShape *sh, int sample, int channel)
{
    return sample * sh->groups + channel / (sh->c / sh->groups);
}
static NormSetPlace group_place(const NormShape *sh, int set)
{
    int per = sh->c / sh->groups, g = set % sh->groups;
    return (NormSetPlace){ .sample = set / sh->groups, .group = g, .channel_first = g * per,
                           .channel_last = g * per + per - 1 };
}

static NormForwardKernel set_forward;
static NormBackwardKernel set_backward;

/* Every method, in the order menus list them. */
static const NormDescriptor norm_table[] = {
    [NORM_BATCH] = {
        .method = NORM_BATCH, .name = "batch", .title = "Batch",
        .averages = "a channel over samples and positions", .set_values = "N*H*W values per channel",
        .running_stats = true, .token_averages = "a feature over every token of every sample",
        .num_sets = batch_sets, .set_size = batch_size, .set_place = batch_place, .set_of = batch_set_of,
        .forward = set_forward, .backward = set_backward },
    [NORM_LAYER] = {
        .method = NORM_LAYER, .name = "layer", .title = "Layer",
        .averages = "a sample", .set_values = "C*H*W values per sample",
        .params_per_element = true, .params_vary_in_set = true, .token_averages = "a token's C features",
        .num_sets = layer_sets, .set_size = layer_size, .set_place = layer_place, .set_of = layer_set_of,
        .forward = set_forward, .backward = set_backward },
    [NORM_INSTANCE] = {
        .method = NORM_INSTANCE, .name = "instance", .title = "Instance",
        .averages = "a sample's channel", .set_values = "H*W values per sample and channel",
        .num_sets = instance_sets, .set_size = instance_size, .set_place = instance_place,
        .set_of = instance_set_of, .forward = set_forward, .backward = set_backward },
    [NORM_GROUP] = {
        .method = NORM_GROUP, .name = "group", .title = "Group",
        .averages = "a sample's group of channels", .set_values = "C/G*H*W values per sample and group",
        .params_vary_in_set = true, .needs_groups = true,
        .num_sets = group_sets, .set_size = group_size, .set_place = group_place, .set_of = group_set_of,
        .forward = set_forward, .backward = set_backward },
    [NORM_RMS] = {
        .method = NORM_RMS, .name = "rms", .title = "RMS",
        .averages = "a sample's squares (no mean subtracted)", .set_values = "C*H*W values per sample",
        .params_per_element = true, .params_vary_in_set = true, .no_centering = true, .no_shift = true,
        .token_averages = "a token's C features' squares",
        .num_sets = layer_sets, .set_size = layer_size, .set_place = layer_place, .set_of = layer_set_of,
        .forward = set_forward, .backward = set_backward },
};

_Static_assert(sizeof norm_table / sizeof norm_table[0] == NORM_METHOD_COUNT, "one descriptor per method");

const NormDescriptor *norm_descriptor(NormMethod method)
{
    return (unsigned)method < NORM_METHOD_COUNT ? &norm_table[method] : &norm_table[NORM_BATCH];
}

const char *norm_method_name(NormMethod method)
{
    return norm_descriptor(method)->name;
}

bool norm_method_parse(const char *name, NormMethod *method)
{
    for (int m = 0; m < NORM_METHOD_COUNT; m++) {
        if (strcmp(name, norm_table[m].name) == 0) {
            *method = (NormMethod)m;
            return true;
        }
    }
    return false;
}

const char *const *norm_method_names(void)
{
    /* Filled from the table on the first call, so the table stays the only list of names. */
    static const char *names[NORM_METHOD_COUNT + 1];
    if (!names[0])
        for (int m = 0; m < NORM_METHOD_COUNT; m++)
            names[m] = norm_table[m].name;
    return names;
}

const char *norm_method_list(char *buf, int size)
{
    int used = 0;
    buf[0] = '\0';
    for (int m = 0; m < NORM_METHOD_COUNT && used < size; m++)
        used += snprintf(buf + used, (size_t)(size - used), "%s%s", m ? ", " : "", norm_table[m].name);
    return buf;
}

NormShape norm_shape_tokens(int n, int tokens, int c)
{
    return (NormShape){ .n = n * tokens, .c = c, .h = 1, .w = 1 };
}

int norm_num_sets(NormMethod method, const NormShape *shape)
{
    return norm_descriptor(method)->num_sets(shape);
}

int norm_set_size(NormMethod method, const NormShape *shape)
{
    return norm_descriptor(method)->set_size(shape);
}

int norm_num_params(NormMethod method, const NormShape *shape)
{
    return norm_descriptor(method)->params_per_element ? shape->c * shape->h * shape->w : shape->c;
}

int norm_set_of(NormMethod method, const NormShape *shape, int sample, int channel, int position)
{
    (void)position;
    return norm_descriptor(method)->set_of(shape, sample, channel);
}

NormSetPlace norm_set_place(NormMethod method, const NormShape *shape, int set)
{
    return norm_descriptor(method)->set_place(shape, set);
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
    const NormDescriptor *d = norm_descriptor(method);
    const char *name = d->name;
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
    if (d->needs_groups && (shape->groups < 1 || shape->c % shape->groups != 0)) {
        error_set(err, "", "%s norm needs the number of groups G to divide the channels C: "
                  "G=%d does not divide C=%d", name, shape->groups, shape->c);
        return false;
    }
    if (training && d->set_size(shape) < 2) {
        /* The method's set, named so the learner sees which dimension is too small. */
        error_set(err, "", "%s norm normalizes sets of %s, here 1: %s%s", name, d->set_values,
                  d->no_centering ? "a single value would keep only its sign (x / |x|)"
                                  : "a single value has no spread to normalize with",
                  d->running_stats ? " (use eval mode for a single sample)" : "");
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

static SetSpan set_span(const NormDescriptor *d, const NormShape *shape, int set)
{
    NormSetPlace place = d->set_place(shape, set);
    int hw = shape->h * shape->w, channels = place.channel_last - place.channel_first + 1;
    SetSpan s = { .run = channels * hw };
    if (place.sample < 0) {
        s.first = (long)place.channel_first * hw;
        s.stride = (long)shape->c * hw;
        s.segments = shape->n;
    } else {
        s.first = ((long)place.sample * shape->c + place.channel_first) * hw;
        s.stride = s.run;
        s.segments = 1;
    }
    return s;
}

/* γ/β index of element `index`: its channel, or with one per element its place within the sample. */
static int param_of(const NormDescriptor *d, const NormShape *shape, long index)
{
    int hw = shape->h * shape->w;
    if (d->params_per_element)
        return (int)(index % ((long)shape->c * hw));
    return (int)(index / hw % shape->c);
}

/* The kernels of every method: set by set, the centre (the mean, or 0 without centring) and the mean
 * square about it, x̂ = (x − centre)·rstd, y = γ·x̂ (+ β). */
static void set_forward(const NormDescriptor *d, double *y, double *xhat, double *mean, double *var,
                        double *rstd, const double *x, const double *gamma, const double *beta, double eps,
                        const NormShape *shape)
{
    int sets = d->num_sets(shape), size = d->set_size(shape);
    /* Every run of H·W values shares one channel, so γ's index is found once per run (a division
     * per element cost more than the arithmetic); layer norm's index then steps with the position. */
    int hw = shape->h * shape->w;
    bool layer = d->params_per_element, shift = !d->no_shift;
    for (int s = 0; s < sets; s++) {
        SetSpan sp = set_span(d, shape, s);
        /* Two passes, the mean first, then squared deviations: accurate for large offsets. */
        double m = 0.0;
        if (!d->no_centering) {
            double sum = 0.0;
            for (int g = 0; g < sp.segments; g++)
                for (int k = 0; k < sp.run; k++)
                    sum += x[sp.first + g * sp.stride + k];
            m = sum / size;
        }
        double sq = 0.0;
        for (int g = 0; g < sp.segments; g++)
            for (int k = 0; k < sp.run; k++) {
                double dev = x[sp.first + g * sp.stride + k] - m;
                sq += dev * dev;
            }
        double v = sq / size, r = 1.0 / sqrt(v + eps);
        mean[s] = m;
        var[s] = v;
        rstd[s] = r;
        for (int g = 0; g < sp.segments; g++)
            for (int k0 = 0; k0 < sp.run; k0 += hw) {
                long i0 = sp.first + g * sp.stride + k0;
                int p0 = param_of(d, shape, i0);
                for (int k = 0; k < hw; k++) {
                    int p = layer ? p0 + k : p0;
                    double h = (x[i0 + k] - m) * r;
                    xhat[i0 + k] = h;
                    y[i0 + k] = gamma[p] * h + (shift ? beta[p] : 0.0);
                }
            }
    }
}

bool norm_forward_train(double *y, double *xhat, double *mean, double *var, double *rstd,
                        const double *x, const double *gamma, const double *beta, double eps,
                        NormMethod method, const NormShape *shape, BnError *err)
{
    if (!norm_check(method, shape, true, err))
        return false;
    const NormDescriptor *d = norm_descriptor(method);
    d->forward(d, y, xhat, mean, var, rstd, x, gamma, beta, eps, shape);
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

static void set_backward(const NormDescriptor *d, double *dx, double *dgamma, double *dbeta,
                         const double *dy, const double *xhat, const double *rstd, const double *gamma,
                         const NormShape *shape)
{
    int sets = d->num_sets(shape), size = d->set_size(shape);
    /* Where one γ serves the whole set (batch, instance) it factors out of the sums, as in
     * batchnorm_backward; layer and group sets span several γ, which go inside them, on dx̂ = γ·dy. */
    bool per_element = d->params_vary_in_set, shift = !d->no_shift;
    /* Without centring no mean was subtracted, so no Σdx̂ term flows back through it. */
    double centred = d->no_centering ? 0.0 : 1.0;
    int hw = shape->h * shape->w;
    bool layer = d->params_per_element;
    for (int s = 0; s < sets; s++) {
        SetSpan sp = set_span(d, shape, s);
        double sum_g = 0.0, sum_g_xhat = 0.0;
        for (int g = 0; g < sp.segments; g++)
            for (int k0 = 0; k0 < sp.run; k0 += hw) {
                long i0 = sp.first + g * sp.stride + k0;
                int p0 = param_of(d, shape, i0);
                for (int k = 0; k < hw; k++) {
                    long i = i0 + k;
                    int p = layer ? p0 + k : p0;
                    if (shift)
                        dbeta[p] += dy[i];
                    dgamma[p] += dy[i] * xhat[i];
                    double gdy = per_element ? gamma[p] * dy[i] : dy[i];
                    sum_g += gdy;
                    sum_g_xhat += gdy * xhat[i];
                }
            }
        sum_g *= centred;
        /* dx = rstd/M · (M·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)) over the M values of the set (no Σdx̂ without
         * centring) */
        for (int g = 0; g < sp.segments; g++)
            for (int k0 = 0; k0 < sp.run; k0 += hw) {
                long i0 = sp.first + g * sp.stride + k0;
                int p0 = param_of(d, shape, i0);
                double scale = per_element ? rstd[s] / size : gamma[p0] * rstd[s] / size;
                for (int k = 0; k < hw; k++) {
                    long i = i0 + k;
                    int p = layer ? p0 + k : p0;
                    double gdy = per_element ? gamma[p] * dy[i] : dy[i];
                    dx[i] = scale * (size * gdy - sum_g - xhat[i] * sum_g_xhat);
                }
            }
    }
}

void norm_backward(double *dx, double *dgamma, double *dbeta, const double *dy, const double *xhat,
                   const double *rstd, const double *gamma, NormMethod method, const NormShape *shape)
{
    const NormDescriptor *d = norm_descriptor(method);
    d->backward(d, dx, dgamma, dbeta, dy, xhat, rstd, gamma, shape);
}
