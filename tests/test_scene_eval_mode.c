/* The 'eval-mode' scene: a batch of one against its formula, one-class batches, the watched picture, determinism, keys, golden frames, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "scene/scene.h"
#include "support/check.h"
#include "support/scene_golden.h"

/* A small net so each test takes a fraction of a second: 200 test rows are judged in batches of 20. */
#define SMALL "scene eval-mode\n dataset = synth784\n hidden = 12,10\n batch = 20\n steps = 60\n lr = 0.1\n"

static Dataset *test_split(uint64_t seed)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("synth784", seed, 0, 0, &train, &test, &err), "%s", err.message);
    dataset_destroy(train);
    return test;
}

Test(eval_mode, nothing_is_judged_until_training_is_over)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 4);
    double v;
    scene_step(s, 59);
    cr_expect_not(scene_live(s, "acc_eval", NULL, &v), "no verdict before the last step");
    cr_expect_not(scene_live(s, "pred_single", NULL, &v));
    scene_step(s, 1);
    cr_expect(scene_live(s, "acc_eval", NULL, &v));
    cr_expect(v >= 0.0 && v <= 1.0);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(eval_mode, a_batch_of_one_answers_the_same_for_every_picture_and_scores_that_class_share)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 5);
    scene_step(s, 60);
    cr_expect_eq(sg_live(s, "single_classes"), 1);
    cr_expect_eq(sg_live(s, "single_spread"), 0.0, "every BN output is beta: the outputs cannot differ at all");
    /* The accuracy of a constant answer is the share of that class among the judged rows. */
    Dataset *test = test_split(5);
    int rows = (int)sg_live(s, "rows"), cls = (int)sg_live(s, "pred_single"), count = 0;
    cr_assert_eq(rows, test->n < 1000 ? test->n / 20 * 20 : 1000);
    for (int r = 0; r < rows; r++)
        count += (int)test->y[r] == cls;
    cr_expect_eq(sg_live(s, "acc_single"), (double)count / rows);
    /* Another picture: another label, the same constant answer. */
    cr_assert(scene_key(s, 'i'));
    cr_expect_eq(sg_live(s, "label"), test->y[1]);
    cr_expect_eq(sg_live(s, "pred_single"), cls);
    dataset_destroy(test);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(eval_mode, one_class_batches_hold_at_least_half_a_batch_and_lose_to_eval_mode)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 6);
    scene_step(s, 60);
    cr_expect_geq(sg_live(s, "oneclass_min"), 10);
    cr_expect_lt(sg_live(s, "acc_oneclass"), sg_live(s, "acc_eval") - 0.3);
    cr_expect_gt(sg_live(s, "acc_eval"), 0.6, "the net did learn");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(eval_mode, the_watched_picture_moves_with_its_neighbours_but_not_in_eval_mode)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 7);
    scene_step(s, 60);
    double lo = sg_live(s, "draw_min"), hi = sg_live(s, "draw_max"), p = sg_live(s, "prob_eval");
    cr_expect_lt(lo, hi, "8 sets of neighbours, 8 different outputs");
    /* The neighbours key changes only what the chart compares: no figure moves. */
    cr_assert(scene_key(s, 'v'));
    cr_expect_eq(sg_live(s, "prob_eval"), p);
    cr_expect_eq(sg_live(s, "draw_min"), lo);
    /* Back and forth through the pictures: the same figures again. */
    cr_assert(scene_key(s, 'i'));
    cr_assert(scene_key(s, 'I'));
    cr_expect_eq(sg_live(s, "draw_max"), hi);
    cr_expect_eq(sg_live(s, "prob_eval"), p);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(eval_mode, the_same_seed_repeats_exactly_and_another_differs)
{
    Lesson *l;
    Scene *a = sg_make(&l, SMALL, 9), *b = scene_create(&l->pages[0], 9, NULL), *c = scene_create(&l->pages[0], 10, NULL);
    scene_step(a, 60);
    scene_step(b, 60);
    scene_step(c, 60);
    static const char *const names[] = { "acc_eval", "acc_mixed", "acc_oneclass", "acc_pair", "prob_pair",
                                         "draw_min", "mixed_moved" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_expect_eq(sg_live(a, names[i]), sg_live(b, names[i]), "%s", names[i]);
    cr_expect_neq(sg_live(a, "prob_eval"), sg_live(c, "prob_eval"));
    scene_destroy(a);
    scene_destroy(b);
    scene_destroy(c);
    lesson_destroy(l);
}

Test(eval_mode, frames_match_their_goldens)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 1);
    scene_step(s, 60);
    sg_golden_frames_sized(s, "scene_eval_mode");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(eval_mode, drawing_stays_inside_its_area_at_any_size)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 1);
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
