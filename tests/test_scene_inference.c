/* The inference scene: train and eval outputs against plain loops, the batch of one, folding, keys, frames and large-screen charts. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "support/bnscene.h"
#include "view/format.h"

enum { N = 16, C = 3 };

Test(scene_inference, train_and_eval_outputs_match_plain_loop_recomputation)
{
    Lesson *lesson = sg_scene_lesson("inference", "eps = 1e-3");
    Scene *scene = sg_scene(lesson, 5);
    for (int j = 0; j < C; j++) {
        double z[N], mean = 0, var = 0;
        for (int i = 0; i < N; i++) {
            z[i] = bn_live(scene, "z", i, j);
            mean += z[i] / N;
        }
        for (int i = 0; i < N; i++)
            var += (z[i] - mean) * (z[i] - mean) / N;
        double g = bn_live(scene, "gamma", j, 0), b = bn_live(scene, "beta", j, 0);
        double rm = bn_live(scene, "running_mean", j, 0), rv = bn_live(scene, "running_var", j, 0);
        for (int i = 0; i < N; i++) {
            check_close(bn_live(scene, "train_y", i, j), g * (z[i] - mean) / sqrt(var + 1e-3) + b, 1e-12, 1e-12,
                        "train-mode y[%d][%d] uses the batch statistics", i, j);
            check_close(bn_live(scene, "eval_y", i, j), g * (z[i] - rm) / sqrt(rv + 1e-3) + b, 1e-12, 1e-12,
                        "eval-mode y[%d][%d] uses the running statistics", i, j);
        }
        /* After 200 batches of 16 the running statistics sit near this batch's, but not on them. */
        cr_assert(fabs(rm - mean) < 3 * sqrt(var) + 1, "running mean %g is far from the batch mean %g", rm, mean);
        cr_assert(rm != mean);
    }
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_inference, the_running_statistics_follow_the_pytorch_rule_over_steps_batches)
{
    /* With steps = 0 nothing has been learned: PyTorch's starting point, mean 0 and variance 1. */
    Lesson *lesson = sg_scene_lesson("inference", "steps = 0");
    Scene *scene = sg_scene(lesson, 5);
    for (int j = 0; j < C; j++) {
        check_close(bn_live(scene, "running_mean", j, 0), 0.0, 0, 0, "start mean");
        check_close(bn_live(scene, "running_var", j, 0), 1.0, 0, 0, "start var");
    }
    scene_step(scene, 1);   /* one more training batch */
    double moved = 0;
    for (int j = 0; j < C; j++)
        moved += fabs(bn_live(scene, "running_mean", j, 0));
    cr_assert(moved > 0, "a training step moves the running mean");
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_inference, folding_gives_the_same_output_as_linear_then_bn)
{
    Lesson *lesson = sg_scene_lesson("inference", "fold = yes");
    Scene *scene = sg_scene(lesson, 2);
    double diff = bn_live(scene, "fold_diff", 0, 0);
    cr_assert(diff < 1e-12, "folded vs unfolded differ by %g", diff);
    cr_assert(bn_frame_has(scene, "folded y"));
    cr_assert(bn_frame_has(scene, "max |diff|"));
    cr_assert(scene_key(scene, 'f'));
    cr_assert_not(bn_frame_has(scene, "folded y"), "f turns folding off");
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_inference, folding_works_for_a_wide_input_too)
{
    Lesson *lesson = sg_scene_lesson("inference", "fold = yes\ndataset = synth784\nsteps = 20\nbatch = 8");
    Scene *scene = sg_scene(lesson, 2);
    cr_assert(bn_live(scene, "fold_diff", 0, 0) < 1e-11);
    bn_check_sizes(scene);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_inference, the_batch_of_one_shows_the_engine_message_and_xhat_zero)
{
    Lesson *lesson = sg_scene_lesson("inference", "");
    Scene *scene = sg_scene(lesson, 1);
    cr_assert_not(bn_frame_has(scene, "engine:"));
    cr_assert(scene_key(scene, 'o'));
    cr_assert(bn_frame_has(scene, "engine: a batch of 1 sample has no spread"), "the engine's own words are shown");
    cr_assert(bn_frame_has(scene, "xhat = 0 and y = beta whatever the input"));
    cr_assert(scene_key(scene, 'o'));
    cr_assert_not(bn_frame_has(scene, "engine:"));
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_inference, mode_and_input_keys_change_what_is_shown)
{
    Lesson *lesson = sg_scene_lesson("inference", "mode = train");
    Scene *scene = sg_scene(lesson, 1);
    cr_assert(bn_frame_has(scene, "train y"));
    cr_assert_not(bn_frame_has(scene, "eval y"));
    cr_assert(scene_key(scene, 'v'));
    cr_assert(bn_frame_has(scene, "eval y"));
    cr_assert_not(bn_frame_has(scene, "train y"));
    cr_assert(scene_key(scene, 'v'));
    cr_assert(bn_frame_has(scene, "eval y") && bn_frame_has(scene, "train y"));
    double before = bn_live(scene, "z", 0, 0);
    cr_assert(scene_key(scene, 'i'));
    cr_assert(bn_live(scene, "z", 0, 0) != before, "i brings a new input");
    SceneKey keys[SCENE_KEYS_MAX];
    cr_assert_eq(scene_keys(scene, keys), 4);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_inference, the_same_seed_gives_the_same_numbers)
{
    Lesson *lesson = sg_scene_lesson("inference", "");
    Scene *a = sg_scene(lesson, 8), *b = sg_scene(lesson, 8);
    cr_assert_eq(bn_live(a, "eval_y", 3, 1), bn_live(b, "eval_y", 3, 1));
    cr_assert_eq(bn_live(a, "running_var", 2, 0), bn_live(b, "running_var", 2, 0));
    scene_destroy(a);
    scene_destroy(b);
    lesson_destroy(lesson);
}

Test(scene_inference, drawing_stays_inside_the_area_at_every_size)
{
    Lesson *lesson = sg_scene_lesson("inference", "fold = yes\nfeatures = 10");
    Scene *scene = sg_scene(lesson, 3);
    bn_check_sizes(scene);
    scene_key(scene, 'o');
    bn_check_sizes(scene);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_inference, frames_match_their_goldens)
{
    static const char *const setups[][2] = {
        { "both", "" }, { "fold", "fold = yes" }, { "one", "" },
    };
    for (int k = 0; k < 3; k++) {
        Lesson *lesson = sg_scene_lesson("inference", setups[k][1]);
        Scene *scene = sg_scene(lesson, 1);
        if (k == 2)
            scene_key(scene, 'o');
        char prefix[64];
        snprintf(prefix, sizeof prefix, "scene_inference_%s", setups[k][0]);
        sg_golden_frames_sized(scene, prefix);
        scene_destroy(scene);
        lesson_destroy(lesson);
    }
}

/* ---- large screens ------------------------------------------------------------------------- */

Test(scene_inference, the_chart_replays_the_running_statistics_batch_by_batch)
{
    Lesson *lesson = sg_scene_lesson("inference", "steps = 20");
    Scene *scene = sg_scene(lesson, 4);
    for (int extra = 0; extra < 2; extra++) {
        int points = (int)bn_live(scene, "chart_points", 0, 0);
        cr_assert_eq(points, 21 + extra, "one point per batch and the start");
        check_close(bn_live(scene, "chart_running_mean", 0, 0), 0.0, 0, 0, "the chart starts at PyTorch's mean 0");
        check_close(bn_live(scene, "chart_running_var", 0, 0), 1.0, 0, 0, "and variance 1");
        cr_assert(isnan(bn_live(scene, "chart_batch_mean", 0, 0)), "the start has no batch");
        for (int k = 1; k < points; k++) {
            check_close(bn_live(scene, "chart_batch", k, 0), k, 0, 0, "point %d is batch %d", k, k);
            double want_m = 0.9 * bn_live(scene, "chart_running_mean", k - 1, 0)
                            + 0.1 * bn_live(scene, "chart_batch_mean", k, 0);
            double want_v = 0.9 * bn_live(scene, "chart_running_var", k - 1, 0)
                            + 0.1 * bn_live(scene, "chart_batch_var", k, 0);
            check_close(bn_live(scene, "chart_running_mean", k, 0), want_m, 1e-12, 1e-12, "running mean at %d", k);
            check_close(bn_live(scene, "chart_running_var", k, 0), want_v, 1e-12, 1e-12, "running var at %d", k);
        }
        cr_assert_eq(bn_live(scene, "chart_running_mean", points - 1, 0), bn_live(scene, "running_mean", 0, 0),
                     "the chart ends at the live running mean");
        cr_assert_eq(bn_live(scene, "chart_running_var", points - 1, 0), bn_live(scene, "running_var", 0, 0));
        scene_step(scene, 1);
    }
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_inference, the_chart_keeps_the_last_thousand_batches_and_the_running_mean_nears_the_population)
{
    Lesson *lesson = sg_scene_lesson("inference", "steps = 1100");
    Scene *scene = sg_scene(lesson, 6);
    cr_assert_eq(bn_live(scene, "chart_points", 0, 0), 1000);
    cr_assert_eq(bn_live(scene, "chart_batch", 0, 0), 101, "the oldest batches slid out");
    cr_assert_eq(bn_live(scene, "chart_batch", 999, 0), 1100);
    cr_assert_eq(bn_live(scene, "chart_running_mean", 999, 0), bn_live(scene, "running_mean", 0, 0));
    /* The running mean averages about 19 batches of 16: its spread is near sd/√(16·19). */
    double pm = bn_live(scene, "population_mean", 0, 0), pv = bn_live(scene, "population_var", 0, 0);
    cr_assert(pv > 0);
    cr_assert(fabs(bn_live(scene, "running_mean", 0, 0) - pm) < 4 * sqrt(pv / (16 * 19)),
              "running mean %g, population %g", bn_live(scene, "running_mean", 0, 0), pm);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

/* max |train y − eval y| over the batch from the live outputs; alone, train mode gives β. */
static double train_eval_gap(const Scene *scene, bool alone)
{
    double gap = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < C; j++) {
            double train = alone ? bn_live(scene, "beta", j, 0) : bn_live(scene, "train_y", i, j);
            gap = fmax(gap, fabs(train - bn_live(scene, "eval_y", i, j)));
        }
    return gap;
}

Test(scene_inference, the_train_eval_scatter_reports_the_largest_gap_and_it_shrinks_with_training)
{
    Lesson *early = sg_scene_lesson("inference", "steps = 0"), *late = sg_scene_lesson("inference", "steps = 400");
    Scene *a = sg_scene(early, 2), *b = sg_scene(late, 2);
    double gap_a = train_eval_gap(a, false), gap_b = train_eval_gap(b, false);
    check_close(bn_live(a, "train_eval_diff", 0, 0), gap_a, 0, 0, "untrained gap");
    check_close(bn_live(b, "train_eval_diff", 0, 0), gap_b, 0, 0, "trained gap");
    cr_assert(gap_b < gap_a / 2, "training brings eval y near train y: %g then %g", gap_a, gap_b);
    char *dump = bn_dump(b, 140, 56, true);
    char num[FORMAT_MAX], want[96];
    snprintf(want, sizeof want, "max |train y - eval y| = %s", format_number(num, sizeof num, gap_b, 3, false));
    cr_assert(strstr(dump, want), "the scatter's caption reads '%s'", want);
    free(dump);
    cr_assert(scene_key(b, 'o'));
    check_close(bn_live(b, "train_eval_diff", 0, 0), train_eval_gap(b, true), 0, 0, "alone, train y is beta");
    scene_destroy(a);
    scene_destroy(b);
    lesson_destroy(early);
    lesson_destroy(late);
}

Test(scene_inference, large_frames_match_their_goldens)
{
    static const char *const setups[][2] = { { "both", "" }, { "fold", "fold = yes" }, { "one", "" } };
    for (int k = 0; k < 3; k++) {
        Lesson *lesson = sg_scene_lesson("inference", setups[k][1]);
        Scene *scene = sg_scene(lesson, 1);
        if (k == 2)
            scene_key(scene, 'o');
        for (int ascii = 0; ascii < 2; ascii++) {
            char *dump = bn_dump(scene, 140, 56, ascii), name[96];
            snprintf(name, sizeof name, "scene_inference_%s_140x56_%s", setups[k][0], ascii ? "ascii" : "braille");
            golden_check(name, dump);
            free(dump);
        }
        cr_assert(!bn_frame_has(scene, "training batch"), "80x22 keeps its layout: no chart");
        scene_destroy(scene);
        lesson_destroy(lesson);
    }
}
