/* 28×28 image sets for the scenes of lessons 12-14: Fashion-MNIST when installed, shapes28 otherwise (scene layer). */
#include "scene/imagesrc.h"

#include <stdio.h>
#include <string.h>

static const char *fashion_dataset;
static bool fashion_chosen;

void imagesrc_set_fashion(const char *dataset)
{
    fashion_dataset = dataset;
    fashion_chosen = true;
}

const char *imagesrc_fashion(void)
{
    static char installed[4200];
    if (fashion_chosen)
        return fashion_dataset;
    snprintf(installed, sizeof installed, "idx:%s", dataset_fashion_dir());
    return installed;
}

bool imagesrc_load(ImageSource *src, const char *images, uint64_t seed, int n_train, int n_test, BnError *err)
{
    memset(src, 0, sizeof *src);
    if (strcmp(images, "fashion-mnist") == 0) {
        BnError missing = { 0 };
        const char *fashion = imagesrc_fashion();
        if (fashion &&
            dataset_load(fashion, seed, n_train, n_test, &src->train, &src->test, &missing) &&
            src->train->dim == 784) {
            snprintf(src->label, sizeof src->label, "Fashion-MNIST");
            return true;
        }
        imagesrc_free(src);
        src->fell_back = true;
        images = "shapes28";
    }
    if (strcmp(images, "shapes28") != 0) {
        error_set(err, images, "these scenes need 28x28 images: fashion-mnist or shapes28");
        return false;
    }
    if (!dataset_load(images, seed, n_train, n_test, &src->train, &src->test, err))
        return false;
    snprintf(src->label, sizeof src->label, "shapes28");
    return true;
}

void imagesrc_free(ImageSource *src)
{
    if (!src)
        return;
    dataset_destroy(src->train);
    dataset_destroy(src->test);
    src->train = src->test = NULL;
}
