/* shapes28: a synthetic set of 28×28 grey images in ten classes, drawn from a seed (engine layer).
 *
 * For when Fashion-MNIST is not installed: stripes at four angles, one blob, two blobs, a ring, an
 * upright cross, a diagonal cross and a square outline, each with a random position, size,
 * thickness, contrast and pixel noise. Images are bytes 0..255, row-major, as IDX files hold them. */
#ifndef BNTUTOR_ENGINE_IMAGESET_H
#define BNTUTOR_ENGINE_IMAGESET_H

#include <stdint.h>

#include "util/pcg32.h"

enum { IMAGESET_SIDE = 28, IMAGESET_PIXELS = IMAGESET_SIDE * IMAGESET_SIDE, IMAGESET_CLASSES = 10 };

/* "horizontal stripes", "vertical stripes", ..., "square"; "?" outside 0..9. */
const char *imageset_class_name(int label);

/* Draws one image of class label (0..9) into pixels: (784) bytes. */
void imageset_draw(uint8_t *pixels, int label, Pcg32 *rng);

/* n images with balanced labels (each class n/10 times, rounded up or down) in random order.
 * pixels: (n, 784)  labels: (n). */
void imageset_generate(uint8_t *pixels, uint8_t *labels, int n, Pcg32 *rng);

#endif
