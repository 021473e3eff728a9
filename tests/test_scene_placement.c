/* The 'placement' scene: accuracy and loss against a replay with the engine, lockstep, baseline, divergence, golden frames, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/mlp.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "support/check.h"
#include "support/scene_golden.h"

#define SMALL "scene placement\n dataset = spirals\n hidden = 16,16\n batch = 16\n steps = 60\n lr = 0.1\n"

/* Replays `steps` mini-batches of the scene's run with the engine alone: returns the mean loss of the
 * last 5 batches and the test accuracy afterwards, for one placement. */
static void replay(double *mean_loss, double *accuracy, BnPlacement bn, uint64_t seed, int steps)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("spirals", seed, 0, 0, &train, &test, &err), "%s", err.message);
    int sizes[] = { 2, 16, 16, 2 };
    MlpConfig c;
    mlp_config_init(&c, sizes, 4);
    c.act = ACTIVATION_RELU;
    c.bn = bn;
    c.seed = seed;
    Mlp *m = mlp_create(&c, &err);
    Sgd *sgd = sgd_create(m->num_params, 0.1, 0.0);
    BatchSampler sampler;
    sampler_init(&sampler, train->n, seed ^ LOCKSTEP_SAMPLER_STREAM);
    int idx[16];
    double x[16 * 2], y[16], sum = 0;
    for (int s = 1; s <= steps; s++) {
        sampler_next(&sampler, idx, 16);
        dataset_gather(train, idx, 16, x, y);
        double loss;
        cr_assert(mlp_train_step(m, sgd, x, y, 16, &loss, &err), "%s", err.message);
        if (s > steps - 5)
            sum += loss;
    }
    *mean_loss = sum / 5;
    cr_assert(mlp_forward(m, dataset_values(test), test->n, MLP_MODE_EVAL, &err));
    *accuracy = mlp_accuracy(m, test->y);
    sampler_free(&sampler);
    sgd_destroy(sgd);
    mlp_destroy(m);
    dataset_destroy(train);
    dataset_destroy(test);
}

Test(scene_placement, loss_and_accuracy_match_a_replay_of_each_placement_with_the_engine)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 4);
    scene_step(s, 30);
    double loss, acc;
    replay(&loss, &acc, BN_PLACEMENT_BEFORE, 4, 30);
    check_close(sg_live(s, "loss_before"), loss, 1e-12, 1e-12, "mean loss, BN before");
    check_close(sg_live(s, "acc_before"), acc, 1e-12, 1e-12, "test accuracy, BN before");
    replay(&loss, &acc, BN_PLACEMENT_AFTER, 4, 30);
    check_close(sg_live(s, "loss_after"), loss, 1e-12, 1e-12, "mean loss, BN after");
    check_close(sg_live(s, "acc_after"), acc, 1e-12, 1e-12, "test accuracy, BN after");
    cr_expect_eq(sg_live(s, "step"), 30);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_placement, before_the_first_step_there_is_an_accuracy_but_no_loss)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 4);
    double v;
    cr_expect_not(scene_live(s, "loss_before", NULL, &v));
    double acc = sg_live(s, "acc_before");
    cr_expect(acc >= 0 && acc <= 1);
    cr_expect_not(scene_live(s, "no_such_value", NULL, &v));
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_placement, the_baseline_adds_a_third_net_without_changing_the_other_two)
{
    Lesson *a, *b;
    Scene *two = sg_make(&a, SMALL, 6);
    Scene *three = sg_make(&b, SMALL " baseline = yes\n", 6);
    scene_step(two, 25);
    scene_step(three, 25);
    cr_expect_eq(sg_live(two, "loss_before"), sg_live(three, "loss_before"), "the same mini-batches reach every net");
    cr_expect_eq(sg_live(two, "acc_after"), sg_live(three, "acc_after"));
    Canvas *c = canvas_create(80, 13, RASTER_BRAILLE, true);
    scene_draw(three, c, rect_make(0, 0, 80, 13));
    char *dump = canvas_dump(c, false);
    cr_expect(strstr(dump, "N=none"), "the third net is named:\n%s", dump);
    cr_expect(strstr(dump, "other data can change the order"), "the honest note is on screen:\n%s", dump);
    free(dump);
    canvas_destroy(c);
    scene_destroy(two);
    scene_destroy(three);
    lesson_destroy(a);
    lesson_destroy(b);
}

Test(scene_placement, reset_with_the_same_seed_starts_the_same_run_again)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 8);
    scene_step(s, 10);
    double first = sg_live(s, "loss_before");
    scene_step(s, 20);
    BnError err = { 0 };
    cr_assert(scene_reset(s, 8, &err));
    cr_expect_eq(sg_live(s, "step"), 0);
    scene_step(s, 10);
    cr_expect_eq(sg_live(s, "loss_before"), first);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_placement, a_diverging_run_stops_and_says_so_instead_of_showing_nan)
{
    Lesson *l;
    Scene *s = sg_make(&l, "scene placement\n dataset = spirals\n hidden = 64,64\n batch = 16\n steps = 300\n"
                        " lr = 10\n baseline = yes\n", 2);
    scene_step(s, 300);
    Canvas *c = canvas_create(80, 13, RASTER_BRAILLE, true);
    scene_draw(s, c, rect_make(0, 0, 80, 13));
    char *dump = canvas_dump(c, false);
    cr_expect(strstr(dump, "diverged"), "the frame says it diverged:\n%s", dump);
    cr_expect_null(strstr(dump, "nan"), "no NaN on screen:\n%s", dump);
    free(dump);
    canvas_destroy(c);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_placement, frames_match_their_goldens)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 1);
    scene_step(s, 60);
    sg_golden_frames(s, "scene_placement");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_placement, drawing_stays_inside_its_area_at_any_size)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " baseline = yes\n", 1);
    scene_step(s, 20);
    static const int sizes[][2] = { { 200, 60 }, { 140, 56 }, { 80, 22 }, { 80, 13 }, { 40, 6 }, { 39, 5 }, { 1, 1 } };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_destroy(s);
    lesson_destroy(l);
}

/* At 80×13 the curves leave no room for what the last hidden layer hands on: v shows it in their place. */
Test(scene_placement, v_swaps_the_curves_for_the_layer_outputs_on_a_small_screen)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 4);
    scene_step(s, 10);
    char *before = sg_render(s, 80, 13, true);
    cr_assert_null(strstr(before, "layer 2 output"), "curves only at first:\n%s", before);
    cr_assert(scene_key(s, 'v'));
    char *after = sg_render(s, 80, 13, true);
    cr_assert(strstr(after, "BN before: layer 2 output") && strstr(after, "BN after: layer 2 output"),
              "both nets' outputs:\n%s", after);
    cr_assert(scene_key(s, 'v'));
    char *back = sg_render(s, 80, 13, true);
    cr_assert_str_eq(back, before, "v again brings the curves back");
    free(before);
    free(after);
    free(back);
    scene_destroy(s);
    lesson_destroy(l);
}
