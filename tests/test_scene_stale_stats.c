/* The 'stale-stats' scene: stale statistics that are not stale, a shift of zero, recomputing against running statistics, golden frames, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scene/scene.h"
#include "support/check.h"
#include "support/scene_golden.h"

#define SMALL "scene stale-stats\n dataset = synth784\n hidden = 12,10\n batch = 20\n steps = 60\n lr = 0.1\n"

Test(stale_stats, statistics_kept_from_the_last_step_are_the_running_ones)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " freeze = 60\n", 3);
    scene_step(s, 60);
    cr_expect_eq(sg_live(s, "acc_stale"), sg_live(s, "acc_running"));
    for (int i = 0; i < 2; i++) {
        double stale, running;
        cr_assert(scene_live(s, "gap_stale", &i, &stale));
        cr_assert(scene_live(s, "gap_running", &i, &running));
        cr_expect_eq(stale, running, "layer %d: the same statistics, the same distance", i + 1);
        cr_expect_gt(running, 0.0, "layer %d: the running averages are not the recomputed statistics", i + 1);
    }
    scene_destroy(s);
    lesson_destroy(l);
}

Test(stale_stats, statistics_kept_from_the_first_step_are_further_off_than_the_running_ones)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " freeze = 1\n", 3);
    scene_step(s, 60);
    for (int i = 0; i < 2; i++) {
        double stale, running;
        cr_assert(scene_live(s, "gap_stale", &i, &stale));
        cr_assert(scene_live(s, "gap_running", &i, &running));
        cr_expect_gt(stale, running, "layer %d", i + 1);
    }
    int bad = 2;
    double v;
    cr_expect_not(scene_live(s, "gap_stale", &bad, &v), "only two layers");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(stale_stats, a_shift_of_zero_changes_nothing_and_adabn_then_matches_the_running_statistics)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " stale = shift\n shift = 0\n recompute = 10\n", 4);
    double v;
    cr_expect_not(scene_live(s, "acc_fixed", NULL, &v), "nothing recomputed before the end");
    scene_step(s, 60);
    cr_expect_eq(sg_live(s, "acc_stale"), sg_live(s, "acc_running"));
    cr_expect_lt(fabs(sg_live(s, "acc_fixed") - sg_live(s, "acc_running")), 0.05);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(stale_stats, a_brighter_test_set_hurts_and_adabn_repairs_it)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " stale = shift\n shift = 0.5\n recompute = 10\n", 5);
    scene_step(s, 60);
    cr_expect_lt(sg_live(s, "acc_stale"), sg_live(s, "acc_running") - 0.1);
    cr_expect_gt(sg_live(s, "acc_fixed"), sg_live(s, "acc_stale") + 0.1);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(stale_stats, frames_match_their_goldens)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 1);
    scene_step(s, 60);
    sg_golden_frames_sized(s, "scene_stale_stats");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(stale_stats, drawing_stays_inside_its_area_at_any_size)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " stale = shift\n", 1);
    static const int sizes[][2] = { { 200, 60 }, { 140, 56 }, { 120, 20 }, { 80, 22 }, { 80, 13 }, { 40, 6 },
                                    { 39, 5 }, { 1, 1 } };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_step(s, 60);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(stale_stats, statistics_kept_from_a_step_never_reached_give_no_figures)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " freeze = 500\n", 3);
    scene_step(s, 60);
    double v;
    int i = 0;
    cr_expect_not(scene_live(s, "acc_stale", NULL, &v), "no statistics from step 500 of a 60-step run");
    cr_expect_not(scene_live(s, "gap_stale", &i, &v));
    cr_expect(scene_live(s, "acc_fixed", NULL, &v), "PreciseBN still runs");
    char *frame = sg_render(s, 80, 22, true);
    cr_expect_null(strstr(frame, "nan"), "%s", frame);
    free(frame);
    scene_destroy(s);
    lesson_destroy(l);
}
