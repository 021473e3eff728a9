/* Datasets for the lessons and for training: synthetic sets and MNIST-format IDX files (engine layer). */
#ifndef BNTUTOR_ENGINE_DATASET_H
#define BNTUTOR_ENGINE_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/pcg32.h"

/* How a set holds its inputs, private to dataset.c: doubles for the small 2-D sets, bytes (owned or
 * mapped from a file; value = byte·(1/255)) for IDX images, or rows regenerated from the seed for
 * synth784. Read inputs only through dataset_row, dataset_rows and dataset_gather. */
typedef struct DatasetStorage DatasetStorage;

typedef struct Dataset {
    char name[64];
    int n;              /* samples */
    int dim;            /* features per sample */
    int classes;        /* number of classes; 0 for a regression target */
    double *y;          /* (n) class index stored as a double, or the regression target */
    DatasetStorage *storage;    /* the (n, dim) inputs, row-major */
    /* Set when loading worked but not as planned (e.g. the IDX cache could not be written, so the
     * images were read into memory): one line for the caller to show; empty otherwise. */
    char warning[ERROR_MESSAGE_MAX];
} Dataset;

/* Debian's dataset-fashion-mnist puts the four IDX files here. */
#define DATASET_FASHION_DIR "/usr/share/datasets/fashion-mnist"
/* Where Fashion-MNIST's four IDX files are: $BNTUTOR_FASHION_MNIST when set to an absolute path (a
 * system without Debian's package, or a test), else DATASET_FASHION_DIR. */
const char *dataset_fashion_dir(void);
/* Lessons name the real Fashion-MNIST "fashion-mnist"; where it is read from is one process-wide
 * choice: "idx:" dataset_fashion_dir(), what `check --data=DIR` gave, or NULL (never: stand-ins only). */
void dataset_fashion_set(const char *dataset);
const char *dataset_fashion(void);
/* Whether an "idx:DIR" name has any MNIST-format file in DIR, readable or not: with none, the data is
 * not installed; with some that fail to load, it is installed but cannot be read (say why). */
bool dataset_idx_present(const char *name);
/* The name dataset_load takes for a lesson's data-set name. "fashion-mnist" becomes dataset_fashion()
 * when real images are wanted (real) and a source is set, else stand_in (e.g. "synth784"), and then
 * *substituted (may be NULL) is set true; every other name comes back as it is. */
const char *dataset_resolve(const char *name, bool real, const char *stand_in, bool *substituted);

/* A train and a test split of one named set. name: "scaled2d", "blobs", "moons", "spirals",
 * "synth784", or "idx:DIR" (train-images-idx3-ubyte[.gz] etc. in DIR; pixels scaled to [0,1]).
 * Synthetic sets are drawn from seed; n_train/n_test ≤ 0 choose each set's default size
 * (for idx: the whole files). Returns false with a message on an unknown name or a bad file. */
bool dataset_load(const char *name, uint64_t seed, int n_train, int n_test,
                  Dataset **train, Dataset **test, BnError *err);
void dataset_destroy(Dataset *set);                 /* accepts NULL */
/* Names of the synthetic sets, NULL-terminated (for --help and error messages). */
extern const char *const dataset_synthetic_names[];
/* True for a synthetic set's name or "idx:DIR" (whether DIR holds files is found out on loading). */
bool dataset_name_known(const char *name);
/* "scaled2d, blobs, ..., idx:DIR" for messages, into buf; returns buf. */
const char *dataset_valid_names(char *buf, size_t size);

/* Mini-batches drawn without replacement within each epoch, reshuffled per epoch. */
typedef struct BatchSampler {
    int n;              /* samples in the set */
    int *order;         /* (n) current permutation */
    int next;           /* position of the next sample in order */
    long epoch;
    Pcg32 rng;
} BatchSampler;

void sampler_init(BatchSampler *sampler, int n, uint64_t seed);
void sampler_free(BatchSampler *sampler);
/* Fills indices with the next `batch` sample indices (batch ≤ n); a new epoch starts when the
 * current one cannot fill a whole batch. */
void sampler_next(BatchSampler *sampler, int *indices, int batch);
/* Copies the rows `indices` of set into x (batch, dim) and y (batch; may be NULL). */
void dataset_gather(const Dataset *set, const int *indices, int batch, double *x, double *y);
/* Copies row i into out (dim). */
void dataset_row(const Dataset *set, int i, double *out);
/* From now on every input read from the set comes out as scale·x + offset: a shift of its distribution
 * (brighter or higher-contrast test images) that leaves the stored data and the labels alone. */
void dataset_shift_inputs(Dataset *set, double offset, double scale);
/* Copies the rows first..first+count-1 into out (count, dim). */
void dataset_rows(const Dataset *set, int first, int count, double *out);
/* Inputs read from a file that was truncated or replaced while in use cannot be had: such a read fills
 * its row with zeros and the failure sticks to the set (and to the process), like a stream's error
 * flag, so loops that read rows need not check every row. dataset_failed: true (and the first
 * failure's file and message in err, which may be NULL) once a read of this set failed.
 * dataset_read_failure: the same for any set of this process, for callers that cannot see the sets
 * (the tutor checks it after a scene's step). */
bool dataset_failed(const Dataset *set, BnError *err);
bool dataset_read_failure(BnError *err);
/* The float training path's reads. dataset_keep_float_rows draws a synth784 set's rows once and keeps
 * them in float (4 bytes a value; `train` does this, the scenes do not), so later float reads copy
 * instead of redrawing; true when the set's float reads are copies (false for other kinds, which are
 * cheap to read anyway, a shifted set, and sets above 256 MB). Every float read gives exactly (float) of
 * the double read of the same row, shifted or not. */
bool dataset_keep_float_rows(Dataset *set);
void dataset_row_float(const Dataset *set, int i, float *out);
void dataset_rows_float(const Dataset *set, int first, int count, float *out);
void dataset_gather_float(const Dataset *set, const int *indices, int batch, float *x, double *y);
/* Rows first .. first+count−1 in float where the set keeps them (dataset_keep_float_rows, unshifted):
 * a pointer into the kept rows, read-only, valid while the set lives; else NULL (read them with
 * dataset_rows_float). */
const float *dataset_float_rows(const Dataset *set, int first, int count);
/* A hint that these rows will be read in float soon (the next mini-batch, while the current one trains):
 * the start of each starts moving into the cache. Changes nothing else. */
void dataset_prefetch_float_rows(const Dataset *set, const int *indices, int count);
/* The (n, dim) inputs when the set holds them as doubles (the small 2-D sets) unshifted, else NULL. */
const double *dataset_values(const Dataset *set);
/* Bytes of inputs this process holds privately (mapped files not counted), for tests and figures. */
size_t dataset_private_bytes(const Dataset *set);

#endif
