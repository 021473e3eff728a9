/* Mini-batches of activations for the BN scenes: data set samples through a fixed random linear layer (scene layer). */
#include "scene/bnsource.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/linear.h"
#include "engine/stats.h"
#include "util/alloc.h"
#include "util/pcg32.h"

enum { STREAM_LAYER = 41, STREAM_SAMPLES = 42 };

bool bnsource_init(BnSource *s, const char *dataset, uint64_t seed, int batch, int features,
                   BnError *err)
{
    memset(s, 0, sizeof *s);
    const char *name = dataset && *dataset ? dataset : "blobs";
    /* Real images are another scene's business; the synthetic 784-pixel set has the same shape. */
    name = dataset_resolve(name, false, "synth784", &s->substituted);
    bool wide = strcmp(name, "synth784") == 0;
    int n_train = wide ? 300 : 400;
    if (n_train < batch)
        n_train = batch;
    if (!dataset_load(name, seed, n_train, 16, &s->train, &s->test, err))
        return false;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->dim = s->train->dim;
    s->features = features;
    s->batch = batch;
    s->w = xmalloc(sizeof *s->w * (size_t)features * (size_t)s->dim);
    s->b = xmalloc(sizeof *s->b * (size_t)features);
    s->indices = xmalloc(sizeof *s->indices * (size_t)batch);

    Pcg32 rng;
    pcg32_seed(&rng, seed, STREAM_LAYER);
    for (int o = 0; o < features; o++) {
        /* Row scale 0.5..3 and bias −3..3: columns that clearly need normalizing. */
        double scale = (0.5 + 2.5 * pcg32_uniform(&rng)) / sqrt((double)s->dim);
        for (int i = 0; i < s->dim; i++)
            s->w[o * s->dim + i] = scale * pcg32_normal(&rng);
        s->b[o] = -3.0 + 6.0 * pcg32_uniform(&rng);
    }
    sampler_init(&s->sampler, s->train->n, seed ^ 0x5bd1e995u);
    return true;
}

void bnsource_free(BnSource *s)
{
    if (!s)
        return;
    dataset_destroy(s->train);
    dataset_destroy(s->test);
    sampler_free(&s->sampler);
    free(s->w);
    free(s->b);
    free(s->indices);
    memset(s, 0, sizeof *s);
}

void bnsource_next(BnSource *s, double *z, double *in)
{
    double *inputs = in ? in : xmalloc(sizeof *inputs * (size_t)s->batch * (size_t)s->dim);
    sampler_next(&s->sampler, s->indices, s->batch);
    dataset_gather(s->train, s->indices, s->batch, inputs, NULL);
    linear_forward(z, inputs, s->w, s->b, s->batch, s->dim, s->features);
    if (!in)
        free(inputs);
}

const char *bnsource_describe(const BnSource *s, char *buf, int size, bool unicode)
{
    snprintf(buf, (size_t)size, "a random linear layer (%d%s%d) on %s%s", s->dim, unicode ? "→" : "->",
             s->features, s->name, s->substituted ? " (standing in for fashion-mnist)" : "");
    return buf;
}

void bnsource_population(const BnSource *s, double *mean, double *var)
{
    int n = s->train->n;
    double *z = xmalloc(sizeof *z * (size_t)n * (size_t)s->features);  /* (n, features) */
    double *x = xmalloc(sizeof *x * (size_t)n * (size_t)s->dim);        /* (n, dim) */
    dataset_rows(s->train, 0, n, x);
    linear_forward(z, x, s->w, s->b, n, s->dim, s->features);
    stats_column_mean_var(mean, var, z, n, s->features, 0);
    free(x);
    free(z);
}
