/* Mini-batches of activations for the BN scenes: data set samples through a fixed random linear layer (scene layer). */
#ifndef BNTUTOR_SCENE_BNSOURCE_H
#define BNTUTOR_SCENE_BNSOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/dataset.h"
#include "util/error.h"

/* The activations a BN layer sees come from a linear layer, so the scenes make them that way: each
 * sample of the data set goes through z = W·in + b with W and b drawn once from the seed. The bias
 * and the row scales differ per feature, so the raw columns have visibly different means and spreads. */
typedef struct BnSource {
    Dataset *train, *test;
    BatchSampler sampler;
    int dim;                /* inputs per sample (the data set's features) */
    int features;           /* outputs of the linear layer = BN features */
    int batch;
    double *w;              /* (features, dim) row-major */
    double *b;              /* (features) */
    int *indices;           /* (batch) */
    char name[64];          /* the data set actually used */
    bool substituted;       /* true when a stand-in replaced the data set asked for */
} BnSource;

/* dataset: a catalogue name ("blobs", ..., "fashion-mnist": synth784 stands in for it). */
bool bnsource_init(BnSource *source, const char *dataset, uint64_t seed, int batch, int features,
                   BnError *err);
void bnsource_free(BnSource *source);
/* The next mini-batch: z (batch, features) the linear layer's outputs; in (batch, dim) its inputs,
 * or NULL when not wanted. */
void bnsource_next(BnSource *source, double *z, double *in);
/* Mean and biased variance of every feature over the whole training split: mean, var (features). */
void bnsource_population(const BnSource *source, double *mean, double *var);
/* One line naming where the numbers come from, e.g. "activations of a random linear layer on blobs". */
const char *bnsource_describe(const BnSource *source, char *buf, int size, bool unicode);

#endif
