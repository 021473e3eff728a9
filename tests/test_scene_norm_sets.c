/* The 'norm-sets' scene on shapes28 (never on the optional Fashion-MNIST package): each method's sets against hand loops over the images, keys, which statistics depend on the rest of the batch, bad settings, golden frames, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "support/check.h"
#include "support/scene_golden.h"

#define SETS "scene norm-sets\n images = shapes28\n"

/* The scene draws from the first 256 training images, in the sampler order of LOCKSTEP_SAMPLER_STREAM. */
enum { POOL = 256, SIDE = 28, HALF = 14 };

/* The first mini-batch of `n` images as the scene must see it: imgs (n, 784). */
static void first_batch(double *imgs, int n, uint64_t seed)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("shapes28", seed, POOL, 1, &train, &test, &err), "%s", err.message);
    BatchSampler sampler;
    sampler_init(&sampler, train->n, seed ^ LOCKSTEP_SAMPLER_STREAM);
    int idx[8];
    double labels[8];
    sampler_next(&sampler, idx, n);
    dataset_gather(train, idx, n, imgs, labels);
    sampler_free(&sampler);
    dataset_destroy(train);
    dataset_destroy(test);
}

/* The scene's channels: four fixed 3×3 filters (box blur, Sobel for horizontal and vertical edges,
 * a Laplacian), zero padding, then 2×2 average pooling. */
static const double filters[4][3][3] = {
    { { 1.0 / 9, 1.0 / 9, 1.0 / 9 }, { 1.0 / 9, 1.0 / 9, 1.0 / 9 }, { 1.0 / 9, 1.0 / 9, 1.0 / 9 } },
    { { -1, -2, -1 }, { 0, 0, 0 }, { 1, 2, 1 } },
    { { -1, 0, 1 }, { -2, 0, 2 }, { -1, 0, 1 } },
    { { 0, 1, 0 }, { 1, -4, 1 }, { 0, 1, 0 } },
};

/* Channel c of image i at pooled position (r, q), by direct loops. */
static double hand_feature(const double *imgs, int i, int c, int r, int q)
{
    double sum = 0;
    for (int y = 2 * r; y < 2 * r + 2; y++)
        for (int x = 2 * q; x < 2 * q + 2; x++)
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int yy = y + dy, xx = x + dx;
                    if (yy >= 0 && yy < SIDE && xx >= 0 && xx < SIDE)
                        sum += filters[c][dy + 1][dx + 1] * imgs[i * SIDE * SIDE + yy * SIDE + xx];
                }
    return sum / 4;
}

/* Mean and biased variance, by hand, of the feature maps of images [i0, i1) in channels [c0, c1). */
static void hand_stats(double *mean, double *var, const double *imgs, int i0, int i1, int c0, int c1)
{
    double sum = 0, sq = 0;
    int count = 0;
    for (int i = i0; i < i1; i++)
        for (int c = c0; c < c1; c++)
            for (int r = 0; r < HALF; r++)
                for (int q = 0; q < HALF; q++) {
                    double v = hand_feature(imgs, i, c, r, q);
                    sum += v;
                    sq += v * v;
                    count++;
                }
    *mean = sum / count;
    *var = sq / count - *mean * *mean;
}

static double live_at(const Scene *s, const char *name, int i)
{
    double v = NAN;
    int index[2] = { i, 0 };
    cr_assert(scene_live(s, name, index, &v), "%s[%d] is published", name, i);
    return v;
}

/* Presses 'k' until the scene shows `method` (0 batch, 1 layer, 2 instance, 3 group), from batch. */
static void press_method(Scene *s, int method)
{
    for (int k = 0; k < method; k++)
        cr_assert(scene_key(s, 'k'));
}

Test(scene_norm_sets, each_methods_statistics_are_the_mean_and_variance_of_its_set_counted_by_hand)
{
    enum { N = 3, G = 2 };
    double imgs[N * SIDE * SIDE];
    first_batch(imgs, N, 5);
    for (int method = 0; method < 4; method++) {
        Lesson *l;
        Scene *s = sg_make(&l, SETS " batch = 3\n groups = 2\n", 5);
        press_method(s, method);
        static const int want_sets[4] = { 4, N, N * 4, N * G };
        static const int want_size[4] = { N * 196, 4 * 196, 196, 2 * 196 };
        cr_expect_eq(sg_live(s, "sets"), want_sets[method], "method %d: number of sets", method);
        cr_expect_eq(sg_live(s, "set_size"), want_size[method], "method %d: values per set", method);
        for (int set = 0; set < want_sets[method]; set++) {
            double mean, var;
            switch (method) {
            case 0: hand_stats(&mean, &var, imgs, 0, N, set, set + 1); break;
            case 1: hand_stats(&mean, &var, imgs, set, set + 1, 0, 4); break;
            case 2: hand_stats(&mean, &var, imgs, set / 4, set / 4 + 1, set % 4, set % 4 + 1); break;
            default: hand_stats(&mean, &var, imgs, set / G, set / G + 1, (set % G) * 2, (set % G) * 2 + 2); break;
            }
            check_close(live_at(s, "mean", set), mean, 1e-9, 1e-12, "method %d set %d mean", method, set);
            check_close(live_at(s, "var", set), var, 1e-7, 1e-12, "method %d set %d var", method, set);
        }
        scene_destroy(s);
        lesson_destroy(l);
    }
}

Test(scene_norm_sets, s_and_S_step_through_the_sets_and_the_highlighted_set_follows)
{
    Lesson *l;
    Scene *s = sg_make(&l, SETS " batch = 2\n norm = instance\n", 1);
    cr_assert_eq(sg_live(s, "sets"), 8);
    cr_assert_eq(sg_live(s, "set"), 0);
    cr_assert(scene_key(s, 's'));
    cr_assert(scene_key(s, 's'));
    cr_expect_eq(sg_live(s, "set"), 2);
    cr_expect_eq(sg_live(s, "set_mean"), live_at(s, "mean", 2));
    cr_expect_eq(sg_live(s, "set_var"), live_at(s, "var", 2));
    for (int k = 0; k < 3; k++)
        cr_assert(scene_key(s, 'S'));
    cr_expect_eq(sg_live(s, "set"), 7, "S wraps round to the last set");
    cr_assert(scene_key(s, 's'));
    cr_expect_eq(sg_live(s, "set"), 0, "s wraps round to the first");
    cr_assert(scene_key(s, 'k'), "k switches to group norm");
    cr_expect_eq(sg_live(s, "set"), 0, "a new method starts at its first set");
    cr_expect_eq(sg_live(s, "sets"), 4);
    cr_expect_not(scene_key(s, 'x'));
    scene_destroy(s);
    lesson_destroy(l);
}

/* The lesson's claim: only batch norm's statistics of image 0 change when the rest of the batch does.
 * The first image of a batch of 2 and of a batch of 4 is the same (one sampler order). */
Test(scene_norm_sets, only_batch_norm_statistics_depend_on_the_other_images_of_the_batch)
{
    Lesson *l2, *l4;
    Scene *a = sg_make(&l2, SETS " batch = 2\n", 9), *b = sg_make(&l4, SETS " batch = 4\n", 9);
    cr_expect_gt(fabs(live_at(a, "mean", 0) - live_at(b, "mean", 0)), 1e-6, "batch norm: channel 0 over other images");
    for (int method = 1; method < 4; method++) {
        cr_assert(scene_key(a, 'k'));
        cr_assert(scene_key(b, 'k'));
        cr_expect_eq(live_at(a, "mean", 0), live_at(b, "mean", 0), "method %d: image 0's first set", method);
        cr_expect_eq(live_at(a, "var", 0), live_at(b, "var", 0), "method %d: image 0's first set", method);
    }
    scene_destroy(a);
    scene_destroy(b);
    lesson_destroy(l2);
    lesson_destroy(l4);
}

Test(scene_norm_sets, b_draws_a_new_batch_and_the_same_seed_repeats_exactly)
{
    Lesson *l;
    Scene *a = sg_make(&l, SETS, 3), *b = scene_create(&l->pages[0], 3, NULL);
    cr_expect_eq(sg_live(a, "set_mean"), sg_live(b, "set_mean"));
    double before = sg_live(a, "set_mean");
    cr_assert(scene_key(a, 'b'));
    cr_expect_neq(sg_live(a, "set_mean"), before, "a new batch gives new statistics");
    scene_destroy(a);
    scene_destroy(b);
    lesson_destroy(l);
}

Test(scene_norm_sets, settings_it_cannot_draw_are_refused_with_a_message)
{
    static const char *const bad[][2] = {
        { SETS " batch = 9\n", "at most 8" },
        { SETS " groups = 3\n", "does not divide" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Lesson *l = sg_lesson(bad[i][0]);
        BnError err = { 0 };
        Scene *s = scene_create(&l->pages[0], 1, &err);
        cr_expect_null(s, "case %zu must fail", i);
        cr_expect(strstr(err.message, bad[i][1]), "case %zu: message '%s' says '%s'", i, err.message, bad[i][1]);
        scene_destroy(s);
        lesson_destroy(l);
    }
}

Test(scene_norm_sets, a_batch_of_one_still_has_every_method)
{
    Lesson *l;
    Scene *s = sg_make(&l, SETS " batch = 1\n", 2);
    for (int method = 0; method < 4; method++) {
        cr_expect(isfinite(sg_live(s, "set_var")), "method %d normalizes a single image", method);
        scene_key(s, 'k');
    }
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_norm_sets, frames_match_their_goldens)
{
    static const char *const methods[] = { "batch", "layer", "instance", "group" };
    for (int m = 0; m < 4; m++) {
        char lines[160], prefix[64];
        snprintf(lines, sizeof lines, SETS " batch = 4\n norm = %s\n", methods[m]);
        Lesson *l;
        Scene *s = sg_make(&l, lines, 1);
        scene_key(s, 's');
        snprintf(prefix, sizeof prefix, "scene_norm_sets_%s", methods[m]);
        sg_golden_frames_sized(s, prefix);
        scene_destroy(s);
        lesson_destroy(l);
    }
}

Test(scene_norm_sets, drawing_stays_inside_its_area_at_any_size)
{
    Lesson *l;
    Scene *s = sg_make(&l, SETS " batch = 8\n norm = group\n groups = 4\n", 1);
    static const int sizes[][2] = { { 200, 60 }, { 140, 56 }, { 80, 22 }, { 80, 13 }, { 60, 20 }, { 40, 8 }, { 39, 5 }, { 1, 1 } };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_destroy(s);
    lesson_destroy(l);
}
