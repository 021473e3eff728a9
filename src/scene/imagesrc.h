/* 28×28 image sets for the scenes of lessons 12-14: Fashion-MNIST when Debian's package is installed, the synthetic shapes28 otherwise (scene layer). */
#ifndef BNTUTOR_SCENE_IMAGESRC_H
#define BNTUTOR_SCENE_IMAGESRC_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/dataset.h"
#include "util/error.h"

/* The line a scene shows when it fell back to shapes28 because Fashion-MNIST is not installed. */
#define IMAGESRC_INSTALL_HINT "Fashion-MNIST not installed: sudo apt-get install dataset-fashion-mnist"

/* The line a scene shows when it fell back (`notice`, at most `size` bytes): not installed, or installed
 * but unreadable (a file's permissions, a damaged file), with the file and the reason. */
void imagesrc_explain_fallback(char *notice, size_t size, const char *fashion, const BnError *why);

/* The Fashion-MNIST the scenes read, as a dataset name ("idx:DIR"; dataset_fashion_dir() by default), or
 * NULL to act as if it were not installed: `check --verify --data` picks the data it verifies on. */

typedef struct ImageSource {
    Dataset *train, *test;      /* (n, 784) pixels in [0, 1] */
    bool fell_back;             /* fashion-mnist asked for but not installed or unreadable: shapes28 instead */
    char notice[256];           /* with fell_back: why, in one line for the screen */
    char label[64];             /* "Fashion-MNIST" or "shapes28" */
} ImageSource;

/* Loads the first n_train / n_test images (both ≥ 1) of `images` ("fashion-mnist" or "shapes28";
 * shapes28 is drawn from seed). False with a message on anything else or a bad file. */
bool imagesrc_load(ImageSource *src, const char *images, uint64_t seed, int n_train, int n_test, BnError *err);
void imagesrc_free(ImageSource *src);          /* accepts a zeroed struct */

#endif
