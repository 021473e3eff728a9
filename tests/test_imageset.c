/* The shapes28 generator: determinism, byte range, balanced labels, classes that differ, the Dataset hook. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/imageset.h"
#include "support/check.h"

Test(imageset, the_same_seed_draws_the_same_images_and_another_seed_others)
{
    enum { N = 30 };
    uint8_t *a = malloc(N * IMAGESET_PIXELS), *b = malloc(N * IMAGESET_PIXELS), *c = malloc(N * IMAGESET_PIXELS);
    uint8_t la[N], lb[N], lc[N];
    Pcg32 ra, rb, rc;
    pcg32_seed(&ra, 5, 1), pcg32_seed(&rb, 5, 1), pcg32_seed(&rc, 6, 1);
    imageset_generate(a, la, N, &ra);
    imageset_generate(b, lb, N, &rb);
    imageset_generate(c, lc, N, &rc);
    cr_assert(memcmp(a, b, N * IMAGESET_PIXELS) == 0 && memcmp(la, lb, N) == 0, "same seed, other images");
    cr_assert(memcmp(a, c, N * IMAGESET_PIXELS) != 0, "another seed drew the same images");
    int count[IMAGESET_CLASSES] = { 0 };
    for (int i = 0; i < N; i++) {
        cr_assert_lt(la[i], IMAGESET_CLASSES);
        count[la[i]]++;
    }
    for (int k = 0; k < IMAGESET_CLASSES; k++)
        cr_assert_eq(count[k], N / IMAGESET_CLASSES, "class %d appears %d times in %d", k, count[k], N);
    free(a), free(b), free(c);
}

/* Mean image of each class over many draws: shapes differ in where the ink is, so the class means
 * must differ clearly from each other, and every image must use a real range of grey. */
Test(imageset, classes_differ_in_their_mean_images_and_images_have_contrast)
{
    enum { PER_CLASS = 40 };
    static double mean[IMAGESET_CLASSES][IMAGESET_PIXELS];
    uint8_t px[IMAGESET_PIXELS];
    Pcg32 rng;
    pcg32_seed(&rng, 2, 3);
    for (int k = 0; k < IMAGESET_CLASSES; k++)
        for (int i = 0; i < PER_CLASS; i++) {
            imageset_draw(px, k, &rng);
            int lo = 255, hi = 0;
            for (int p = 0; p < IMAGESET_PIXELS; p++) {
                mean[k][p] += px[p] / 255.0 / PER_CLASS;
                lo = px[p] < lo ? px[p] : lo;
                hi = px[p] > hi ? px[p] : hi;
            }
            cr_assert_gt(hi - lo, 100, "class %s image %d spans only %d..%d", imageset_class_name(k), i, lo, hi);
        }
    /* Stripes average to flat grey over random phases, so only the shapes are compared here;
     * stripes_run_in_their_class_direction checks the stripes. */
    for (int a = 4; a < IMAGESET_CLASSES; a++)
        for (int b = a + 1; b < IMAGESET_CLASSES; b++) {
            double d2 = 0.0;
            for (int p = 0; p < IMAGESET_PIXELS; p++)
                d2 += (mean[a][p] - mean[b][p]) * (mean[a][p] - mean[b][p]);
            cr_assert_gt(sqrt(d2), 0.5, "mean images of %s and %s are too alike (%.3f)", imageset_class_name(a),
                         imageset_class_name(b), sqrt(d2));
        }
    cr_assert_str_eq(imageset_class_name(6), "ring");
    cr_assert_str_eq(imageset_class_name(10), "?");
}

/* Stripes of each orientation: neighbours along the stripes are alike, across them they differ. */
Test(imageset, stripes_run_in_their_class_direction)
{
    static const int along[4][2] = { { 1, 0 }, { 0, 1 }, { 1, -1 }, { 1, 1 } };     /* (dx, dy) */
    uint8_t px[IMAGESET_PIXELS];
    Pcg32 rng;
    pcg32_seed(&rng, 4, 4);
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 10; i++) {
            imageset_draw(px, k, &rng);
            double same = 0.0, cross = 0.0;
            int n = 0;
            for (int y = 2; y < IMAGESET_SIDE - 2; y++)
                for (int x = 2; x < IMAGESET_SIDE - 2; x++) {
                    int v = px[y * IMAGESET_SIDE + x];
                    /* two steps along, and two steps along the perpendicular */
                    int a = px[(y + 2 * along[k][1]) * IMAGESET_SIDE + x + 2 * along[k][0]];
                    int c = px[(y + 2 * along[k][0]) * IMAGESET_SIDE + x - 2 * along[k][1]];
                    same += abs(v - a), cross += abs(v - c), n++;
                }
            cr_assert_lt(same, 0.6 * cross, "%s image %d: along %.1f, across %.1f per pixel",
                         imageset_class_name(k), i, same / n, cross / n);
        }
}

Test(imageset, dataset_shapes28_holds_the_generators_bytes_scaled_to_one)
{
    Dataset *tr, *te;
    BnError err = { 0 };
    cr_assert(dataset_load("shapes28", 7, 50, 20, &tr, &te, &err), "%s", err.message);
    cr_assert(tr->n == 50 && te->n == 20 && tr->dim == IMAGESET_PIXELS && tr->classes == IMAGESET_CLASSES);
    /* Read through dataset_gather, the one reader every Dataset storage offers. */
    static double a[50 * 784], b[50 * 784], t[20 * 784];
    int idx[50];
    for (int k = 0; k < 50; k++)
        idx[k] = k;
    dataset_gather(tr, idx, 50, a, NULL);
    dataset_gather(te, idx, 20, t, NULL);
    for (int k = 0; k < 50 * 784; k++) {
        double byte = a[k] * 255.0;
        cr_assert(fabs(byte - round(byte)) < 1e-9 && byte >= 0 && byte <= 255, "x[%d] = %g", k, a[k]);
    }
    Dataset *tr2, *te2;
    cr_assert(dataset_load("shapes28", 7, 50, 20, &tr2, &te2, &err));
    dataset_gather(tr2, idx, 50, b, NULL);
    cr_assert(memcmp(a, b, sizeof a) == 0, "not deterministic");
    cr_assert(memcmp(a, t, sizeof t) != 0, "test split equals the training split");
    dataset_destroy(tr), dataset_destroy(te), dataset_destroy(tr2), dataset_destroy(te2);
    cr_assert(dataset_name_known("shapes28"));
}
