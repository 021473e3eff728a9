/* The 'small-batch' scene on shapes28 (never on the optional Fashion-MNIST package): GN and LN flat, and on seeds 1 and 2 BN worst at batch 2 with either statistics (lesson 14 no longer promises that for every seed), the runs' bookkeeping, golden frames, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scene/scene.h"
#include "support/check.h"
#include "support/scene_golden.h"

#define SMALL "scene small-batch\n images = shapes28\n"

/* 15 runs of 4,096 pictures, 32 per SGD step. */
enum { STEPS_PER_RUN = 128, RUNS = 15 };

static const int sizes[] = { 32, 16, 8, 4, 2 };

static double at(const Scene *s, const char *name, int batch)
{
    double v = NAN;
    int index[2] = { batch, 0 };
    cr_assert(scene_live(s, name, index, &v), "%s[%d] is published", name, batch);
    return v;
}

static void show(const Scene *s, int seed)
{
    if (!getenv("BNTUTOR_TEST_SHOW"))
        return;
    static const char *const names[] = { "bn_error", "gn_error", "ln_error", "bn_train_error" };
    for (int m = 0; m < 4; m++) {
        fprintf(stderr, "seed %d %-15s", seed, names[m]);
        for (int k = 0; k < 5; k++)
            fprintf(stderr, " %5.1f", 100 * at(s, names[m], sizes[k]));
        fprintf(stderr, "\n");
    }
}

/* Lesson 14's claims, on the seed the tutor starts with (1) and one more. */
static void check_claims(uint64_t seed, bool goldens)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, seed);
    cr_assert_not(scene_live(s, "bn_error", (int[]){ 32, 0 }, &(double){ 0 }), "no result before the first run");
    scene_step(s, STEPS_PER_RUN * 2 + 40);
    if (goldens)
        sg_golden_frames_sized(s, "scene_small_batch_running");
    scene_step(s, STEPS_PER_RUN * RUNS);
    cr_assert(scene_halted(s), "all runs done");
    cr_expect_eq(sg_live(s, "runs_done"), RUNS);
    cr_expect_eq(sg_live(s, "step"), STEPS_PER_RUN * RUNS);
    show(s, (int)seed);
    for (int k = 1; k < 5; k++) {
        /* Per-picture statistics: cutting the step into groups changes nothing but rounding. */
        cr_expect_leq(fabs(at(s, "gn_error", sizes[k]) - at(s, "gn_error", 32)), 2.0 / 512, "seed %d: GN at %d",
                      (int)seed, sizes[k]);
        cr_expect_leq(fabs(at(s, "ln_error", sizes[k]) - at(s, "ln_error", 32)), 2.0 / 512, "seed %d: LN at %d",
                      (int)seed, sizes[k]);
    }
    double bn2 = at(s, "bn_error", 2), bn32 = at(s, "bn_error", 32);
    cr_expect_gt(bn2, bn32 + 0.01, "seed %d: BN at 2 (%g) more than a point above BN at 32 (%g)", (int)seed, bn2, bn32);
    for (int k = 0; k < 4; k++)
        cr_expect_geq(bn2, at(s, "bn_error", sizes[k]), "seed %d: BN is worst at 2 (against %d)", (int)seed, sizes[k]);
    cr_expect_gt(at(s, "bn_train_error", 2), at(s, "bn_train_error", 32), "seed %d: with batch statistics too",
                 (int)seed);
    cr_expect_leq(fabs(at(s, "bn_gap", 32)), 0.02, "seed %d: at 32 eval and batch statistics agree within 2 points",
                  (int)seed);
    check_close(at(s, "bn_gap", 2), at(s, "bn_error", 2) - at(s, "bn_train_error", 2), 1e-12, 1e-12, "bn_gap");
    if (goldens)
        sg_golden_frames_sized(s, "scene_small_batch_done");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_small_batch, seed_1_shows_gn_and_ln_flat_and_bn_worst_at_batch_2) { check_claims(1, true); }
Test(scene_small_batch, seed_2_shows_the_same) { check_claims(2, false); }

Test(scene_small_batch, only_the_five_batch_sizes_have_results)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 1);
    scene_step(s, STEPS_PER_RUN);
    double v;
    cr_expect(scene_live(s, "bn_error", (int[]){ 32, 0 }, &v) && v > 0 && v < 1);
    cr_expect_not(scene_live(s, "gn_error", (int[]){ 32, 0 }, &v), "GN at 32 is the second run, not done");
    cr_expect_not(scene_live(s, "bn_error", (int[]){ 3, 0 }, &v));
    cr_expect_not(scene_live(s, "bn_error", (int[]){ -2, 0 }, &v));
    cr_expect_not(scene_live(s, "no_such_value", NULL, &v));
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_small_batch, drawing_stays_inside_its_area_at_any_size)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 1);
    scene_step(s, STEPS_PER_RUN + 5);
    static const int areas[][2] = { { 200, 60 }, { 140, 56 }, { 120, 30 }, { 80, 22 }, { 80, 13 }, { 40, 8 }, { 39, 5 }, { 1, 1 } };
    for (size_t i = 0; i < sizeof areas / sizeof areas[0]; i++)
        sg_check_stays_inside(s, areas[i][0], areas[i][1]);
    scene_destroy(s);
    lesson_destroy(l);
}
