/* 28×28 image sets for the scenes of lessons 12-14: Fashion-MNIST when installed, shapes28 otherwise (scene layer). */
#include "scene/imagesrc.h"

#include <stdio.h>
#include <string.h>

void imagesrc_explain_fallback(char *notice, size_t size, const char *fashion, const BnError *why)
{
    if (!fashion || !dataset_idx_present(fashion) || !why || !why->set) {
        snprintf(notice, size, "%s", IMAGESRC_INSTALL_HINT);
        return;
    }
    const char *file = strrchr(why->where, '/');
    snprintf(notice, size, "Fashion-MNIST is installed but cannot be read: %s: %s", file ? file + 1 : why->where,
             why->message);
}

bool imagesrc_load(ImageSource *src, const char *images, uint64_t seed, int n_train, int n_test, BnError *err)
{
    memset(src, 0, sizeof *src);
    const char *name = dataset_resolve(images, true, "shapes28", &src->fell_back);
    if (name != images && !src->fell_back) {
        BnError missing = { 0 };
        if (dataset_load(name, seed, n_train, n_test, &src->train, &src->test, &missing) && src->train->dim == 784) {
            snprintf(src->label, sizeof src->label, "Fashion-MNIST");
            return true;
        }
        if (missing.set == false && src->train)
            error_set(&missing, name, "the images are not 28x28");
        imagesrc_free(src);
        src->fell_back = true;
        imagesrc_explain_fallback(src->notice, sizeof src->notice, name, &missing);
        name = "shapes28";
    } else if (src->fell_back) {
        imagesrc_explain_fallback(src->notice, sizeof src->notice, NULL, NULL);
    }
    images = name;
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
