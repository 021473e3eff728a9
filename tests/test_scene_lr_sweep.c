/* The 'lr-sweep' scene: each net is a lockstep run at its own rate (checked against one built by hand), a
 * diverged net stops alone and says so, the rate knob, golden frames, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scene/lockstep.h"
#include "scene/scene.h"
#include "support/check.h"
#include "support/scene_golden.h"

/* Small and quick: three rates on the moons, a shallow relu net. */
#define SMALL "scene lr-sweep\n dataset = moons\n hidden = 8,8\n batch = 20\n steps = 40\n rates = 0.1,1,20\n"

static double live_at(const Scene *s, const char *name, int i)
{
    double v = NAN;
    cr_assert(scene_live(s, name, &i, &v), "%s[%d] has no value", name, i);
    return v;
}

static bool has_live(const Scene *s, const char *name, int i)
{
    double v;
    return scene_live(s, name, &i, &v);
}

Test(scene_lr_sweep, every_net_is_the_lockstep_run_at_its_own_rate_from_the_same_weights_and_batches)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " lr = 1\n", 5);
    /* At step 0 the plain nets are one network: the same accuracy at every rate. */
    for (int i = 1; i < 3; i++)
        cr_assert_eq(live_at(s, "acc_plain", i), live_at(s, "acc_plain", 0));
    cr_assert_eq(live_at(s, "lr", 0), 0.1);
    cr_assert_eq(live_at(s, "lr", 2), 20.0);
    cr_assert_not(has_live(s, "lr", 3), "only three rates");
    cr_assert_not(has_live(s, "loss_bn", 0), "no loss before a step");
    scene_step(s, 20);

    /* The same run by hand: lockstep with a BN net at 0.1 and a plain net at 1. */
    static const double hidden[] = { 8, 8 };
    LockstepConfig c = { 0 };
    c.dataset = "moons";
    c.seed = 5;
    c.hidden = hidden;
    c.num_hidden = 2;
    c.act = ACTIVATION_RELU;
    c.batch = 20;
    c.lrs[0] = 0.1;
    c.lrs[1] = 1.0;
    c.placements[0] = BN_PLACEMENT_BEFORE;
    c.placements[1] = BN_PLACEMENT_NONE;
    c.nets = 2;
    c.rule = (BnRule){ .convention = BN_CONVENTION_PYTORCH, .eps = 1e-5, .alpha = 0.1, .momentum = 0.1 };
    c.float_steps = true;
    Lockstep ls;
    BnError err = { 0 };
    cr_assert(lockstep_init(&ls, &c, &err), "%s", err.message);
    double sum[2] = { 0, 0 };
    for (int step = 1; step <= 20; step++) {
        cr_assert(lockstep_step(&ls));
        for (int k = 0; k < 2 && step > 10; k++)
            sum[k] += ls.loss[k];
    }
    check_close(live_at(s, "loss_bn", 0), sum[0] / 10, 1e-12, 1e-15, "BN at 0.1: mean loss of steps 11-20");
    check_close(live_at(s, "loss_plain", 1), sum[1] / 10, 1e-12, 1e-15, "no BN at 1: mean loss of steps 11-20");
    check_close(live_at(s, "acc_bn", 0), lockstep_test_accuracy(&ls, 0, 500), 1e-12, 1e-15, "BN at 0.1: accuracy");
    lockstep_free(&ls);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_lr_sweep, a_net_that_diverges_stops_alone_and_the_table_and_legend_say_when)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " lr = 10\n", 5);
    scene_step(s, 40);
    cr_assert_eq(sg_live(s, "step"), 40, "the sweep ran to its end although a net diverged");
    cr_assert_eq(live_at(s, "diverged_plain", 2), 1.0, "no BN at lr 20 diverges");
    cr_assert_eq(live_at(s, "failed_plain", 2), 1.0, "a diverged net failed");
    cr_assert_eq(live_at(s, "trained_plain", 2), 0.0);
    cr_assert_not(has_live(s, "acc_plain", 2), "no accuracy from a diverged net");
    cr_assert_not(has_live(s, "loss_plain", 2), "no loss from a diverged net");
    cr_assert_eq(live_at(s, "diverged_plain", 0), 0.0);
    cr_assert_eq(live_at(s, "diverged_bn", 0), 0.0);
    cr_assert(has_live(s, "acc_bn", 0) && has_live(s, "acc_plain", 0), "the others go on");
    double trained = 0;
    for (int i = 0; i < 3; i++)
        trained += live_at(s, "trained_bn", i);
    cr_assert_eq(sg_live(s, "range_bn"), trained, "range_bn counts the rates BN trained at");
    char *dump = sg_render(s, 80, 13, true);
    cr_expect(strstr(dump, "no BN (diverged at step "), "the legend marks it:\n%s", dump);
    cr_expect(strstr(dump, "div "), "the table marks it:\n%s", dump);
    cr_expect_null(strstr(dump, "nan"), "no NaN on screen:\n%s", dump);
    free(dump);
    BnError err = { 0 };
    cr_assert(scene_reset(s, 5, &err));
    cr_assert_eq(live_at(s, "diverged_plain", 2), 0.0, "a reset starts every net afresh");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_lr_sweep, the_brackets_pick_the_rate_whose_curves_show_and_stop_at_the_ends)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " lr = 0.3\n", 1);
    cr_assert_eq(sg_live(s, "picked_lr"), 0.1, "0.3 is nearer 0.1 than 1 on a log scale");
    cr_assert_not(scene_key(s, '['), "no rate below the first");
    cr_assert(scene_key(s, ']'));
    cr_assert_eq(sg_live(s, "picked_lr"), 1.0);
    char *dump = sg_render(s, 80, 13, true);
    cr_expect(strstr(dump, "training loss at lr 1"), "%s", dump);
    free(dump);
    cr_assert(scene_key(s, ']'));
    cr_assert_not(scene_key(s, ']'), "no rate above the last");
    cr_assert_eq(sg_live(s, "picked_lr"), 20.0);
    SceneKey keys[SCENE_KEYS_MAX];
    cr_assert_eq(scene_keys(s, keys), 1);
    cr_assert_str_eq(keys[0].key, "[/]");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_lr_sweep, frames_match_their_goldens)
{
    Lesson *l;
    Scene *s = sg_make(&l, "scene lr-sweep\n", 1);
    scene_step(s, 300);
    sg_golden_frames_sized(s, "scene_lr_sweep");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_lr_sweep, drawing_stays_inside_its_area_at_any_size)
{
    static const int sizes[][2] = { { 200, 60 }, { 140, 56 }, { 120, 30 }, { 90, 20 }, { 80, 22 }, { 80, 13 },
                                    { 40, 6 }, { 39, 5 }, { 1, 1 } };
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 1);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_step(s, 40);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_destroy(s);
    lesson_destroy(l);
}
