/* The 'finetune' and 'dropout-bn' scenes: what each way of freezing BN keeps fixed, the batch knob,
 * the variance shift behind dropout, golden frames, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scene/scene.h"
#include "support/check.h"
#include "support/scene_golden.h"

#define FINETUNE "scene finetune\n hidden = 8,8\n steps = 60\n"
#define DROPOUT "scene dropout-bn\n hidden = 16,16\n steps = 200\n"

Test(scene_finetune, all_three_start_from_the_pretrained_network)
{
    Lesson *l;
    Scene *s = sg_make(&l, FINETUNE, 3);
    double start = sg_live(s, "acc_start");
    cr_assert(start > 0.0 && start <= 1.0, "acc_start %g", start);
    static const char *const accs[] = { "acc_training", "acc_eval", "acc_keras" };
    for (int i = 0; i < 3; i++)
        cr_assert_eq(sg_live(s, accs[i]), start, "%s before fine-tuning", accs[i]);
    static const char *const drifts[] = { "stat_training", "stat_eval", "stat_keras", "affine_training",
                                          "affine_eval", "affine_keras" };
    for (int i = 0; i < 6; i++)
        cr_assert_eq(sg_live(s, drifts[i]), 0.0, "%s before fine-tuning", drifts[i]);
    scene_destroy(s);
    lesson_destroy(l);
}

/* eval(): statistics fixed, γ/β learn. trainable=False: both fixed. Training mode: both move. */
Test(scene_finetune, each_way_of_freezing_keeps_exactly_what_it_should)
{
    Lesson *l;
    Scene *s = sg_make(&l, FINETUNE, 5);
    scene_step(s, 60);
    cr_assert_eq(sg_live(s, "step"), 60);
    cr_assert_eq(sg_live(s, "stat_eval"), 0.0, "eval() moved the running statistics");
    cr_assert_eq(sg_live(s, "stat_keras"), 0.0, "trainable=False moved the running statistics");
    cr_assert_eq(sg_live(s, "affine_keras"), 0.0, "trainable=False moved gamma or beta");
    cr_assert_gt(sg_live(s, "affine_eval"), 0.0, "eval() should still train gamma and beta");
    cr_assert_gt(sg_live(s, "stat_training"), 0.0, "training mode should update the running statistics");
    cr_assert_gt(sg_live(s, "affine_training"), 0.0);
    for (int i = 0; i < 3; i++) {
        static const char *const accs[] = { "acc_training", "acc_eval", "acc_keras" };
        double a = sg_live(s, accs[i]);
        cr_assert(a >= 0.0 && a <= 1.0, "%s = %g", accs[i], a);
    }
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_finetune, the_batch_keys_restart_fine_tuning_at_the_next_size_and_stop_at_the_ends)
{
    Lesson *l;
    Scene *s = sg_make(&l, FINETUNE, 2);
    cr_assert_eq(sg_live(s, "batch"), 2);
    cr_assert_not(scene_key(s, '['), "2 is the smallest batch");
    scene_step(s, 20);
    double trained = sg_live(s, "stat_training");
    cr_assert(scene_key(s, ']'));
    cr_assert_eq(sg_live(s, "batch"), 3);
    cr_assert_eq(sg_live(s, "step"), 0, "a new batch size starts fine-tuning over");
    cr_assert_eq(sg_live(s, "stat_training"), 0.0, "from the pretrained network (was %g)", trained);
    for (int i = 0; i < 10; i++)
        scene_key(s, ']');
    cr_assert_eq(sg_live(s, "batch"), 32);
    cr_assert_not(scene_key(s, ']'), "32 is the largest batch");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_finetune, the_same_seed_repeats_the_run_and_another_does_not)
{
    Lesson *la, *lb, *lc;
    Scene *a = sg_make(&la, FINETUNE, 9), *b = sg_make(&lb, FINETUNE, 9), *c = sg_make(&lc, FINETUNE, 10);
    scene_step(a, 40);
    scene_step(b, 40);
    scene_step(c, 40);
    cr_assert_eq(sg_live(a, "stat_training"), sg_live(b, "stat_training"));
    cr_assert_eq(sg_live(a, "affine_eval"), sg_live(b, "affine_eval"));
    cr_assert_neq(sg_live(a, "stat_training"), sg_live(c, "stat_training"));
    scene_destroy(a);
    scene_destroy(b);
    scene_destroy(c);
    lesson_destroy(la);
    lesson_destroy(lb);
    lesson_destroy(lc);
}

Test(scene_finetune, frames_match_their_goldens)
{
    Lesson *l;
    Scene *s = sg_make(&l, FINETUNE, 1);
    scene_step(s, 60);
    sg_golden_frames_sized(s, "scene_finetune");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_finetune, drawing_stays_inside_its_area_at_any_size)
{
    Lesson *l;
    Scene *s = sg_make(&l, FINETUNE, 1);
    static const int sizes[][2] = { { 200, 60 }, { 120, 20 }, { 80, 22 }, { 80, 13 }, { 40, 6 }, { 39, 5 }, { 1, 1 } };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_step(s, 30);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(dropout_bn, the_bn_behind_dropout_collects_a_larger_variance_than_eval_mode_sees)
{
    Lesson *l;
    Scene *s = sg_make(&l, DROPOUT, 4);
    scene_step(s, 200);
    double before = sg_live(s, "ratio_before"), after = sg_live(s, "ratio_after");
    cr_assert_gt(before, 1.5, "dropout before BN: ratio %g", before);
    cr_assert(after > 0.7 && after < 1.4, "dropout after BN: ratio %g", after);
    double acc = sg_live(s, "acc_before");
    cr_assert(acc >= 0.0 && acc <= 1.0);
    scene_destroy(s);
    lesson_destroy(l);
}

/* Before a step the running variance is its starting 1: the scene says so instead of a table. */
Test(dropout_bn, a_step_zero_frame_says_the_variances_are_not_measured_yet)
{
    Lesson *l;
    Scene *s = sg_make(&l, DROPOUT, 1);
    char *frame = sg_render(s, 80, 13, true);
    cr_assert_not_null(strstr(frame, "start at 1"), "%s", frame);
    cr_assert_null(strstr(frame, "ratio (mean)"), "no table before the first step:\n%s", frame);
    free(frame);
    scene_step(s, 10);
    frame = sg_render(s, 80, 13, true);
    cr_assert_not_null(strstr(frame, "ratio (mean)"), "%s", frame);
    cr_assert_not_null(strstr(frame, "running var u1"), "%s", frame);
    free(frame);
    cr_assert(scene_key(s, 'u'));
    frame = sg_render(s, 80, 13, true);
    cr_assert_not_null(strstr(frame, "running var u2"), "the unit key moves the watched unit:\n%s", frame);
    free(frame);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(dropout_bn, frames_match_their_goldens)
{
    Lesson *l;
    Scene *s = sg_make(&l, DROPOUT, 1);
    scene_step(s, 200);
    sg_golden_frames_sized(s, "scene_dropout_bn");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(dropout_bn, drawing_stays_inside_its_area_at_any_size)
{
    Lesson *l;
    Scene *s = sg_make(&l, DROPOUT, 1);
    static const int sizes[][2] = { { 200, 60 }, { 120, 20 }, { 80, 22 }, { 80, 13 }, { 40, 6 }, { 39, 5 }, { 1, 1 } };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_step(s, 30);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_destroy(s);
    lesson_destroy(l);
}
