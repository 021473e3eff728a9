/* The 'residual-norm' scene: its first step's gradient norms against stacks rebuilt by hand, the two
 * stacks' shared start, zero-init's identity blocks, the rate and warm-up keys, golden frames, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/optimizer.h"
#include "engine/resmlp.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "support/check.h"
#include "support/scene_golden.h"

/* Small stacks so each test takes a fraction of a second. */
#define SMALL "scene residual-norm\n blocks = 4\n width = 8\n batch = 16\n steps = 30\n"

/* The stack the scene builds for place, rebuilt from the documented seeds, after one SGD step on the
 * first mini-batch at rate lr; its block gradient norms into norms. */
static void rebuilt_first_step(NormPlace place, bool zero_init, uint64_t seed, double lr, double *norms, double *loss)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("moons", seed, 0, 0, &train, &test, &err), "%s", err.message);
    ResMlpConfig c;
    resmlp_config_init(&c, train->dim, train->classes);
    c.blocks = 4;
    c.width = 8;
    c.place = place;
    c.zero_init_last = zero_init;
    c.seed = seed;
    ResMlp *net = resmlp_create(&c, &err);
    cr_assert_not_null(net, "%s", err.message);
    BatchSampler sampler;
    sampler_init(&sampler, train->n, seed ^ LOCKSTEP_SAMPLER_STREAM);
    int idx[16];
    double x[16 * 2], y[16];
    sampler_next(&sampler, idx, 16);
    dataset_gather(train, idx, 16, x, y);
    Sgd *sgd = sgd_create(net->num_params, lr, 0.0);
    cr_assert(resmlp_train_step(net, sgd, x, y, 16, loss));
    for (int l = 0; l < 4; l++)
        norms[l] = resmlp_block_grad_norm(net, l);
    sgd_destroy(sgd);
    sampler_free(&sampler);
    resmlp_destroy(net);
    dataset_destroy(train);
    dataset_destroy(test);
}

Test(scene_residual_norm, the_first_steps_gradient_norms_are_the_engines_on_the_first_batch)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 7);
    double v;
    cr_assert_not(scene_live(s, "grad_post", (int[]){ 0 }, &v), "no gradient before the first step");
    scene_step(s, 1);
    for (int k = 0; k < 2; k++) {
        double norms[4], loss;
        rebuilt_first_step(k ? NORM_PLACE_POST : NORM_PLACE_PRE, false, 7, 0.3, norms, &loss);
        for (int b = 0; b < 4; b++) {
            cr_assert(scene_live(s, k ? "grad_post" : "grad_pre", &b, &v), "block %d", b);
            check_close(v, norms[b], 1e-12, 1e-15, "%s block %d", k ? "post" : "pre", b + 1);
            cr_assert_gt(v, 1e-6, "a zero gradient would prove nothing");
        }
        check_close(sg_live(s, k ? "loss_post" : "loss_pre"), loss, 1e-12, 0, "first loss");
    }
    int beyond = 4;
    cr_assert_not(scene_live(s, "grad_pre", &beyond, &v));
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_residual_norm, early_values_are_the_mean_of_the_first_ten_steps)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 3);
    double sum[4] = { 0 }, v;
    for (int step = 1; step <= 10; step++) {
        scene_step(s, 1);
        for (int b = 0; b < 4; b++) {
            cr_assert(scene_live(s, "grad_pre", &b, &v));
            sum[b] += v;
        }
        if (step < 10)
            cr_assert_not(scene_live(s, "early_pre", (int[]){ 0 }, &v), "early values before step 10");
    }
    scene_step(s, 5);  /* later steps leave them alone */
    for (int b = 0; b < 4; b++) {
        cr_assert(scene_live(s, "early_pre", &b, &v));
        check_close(v, sum[b] / 10, 1e-12, 0, "block %d", b + 1);
    }
    check_close(sg_live(s, "ratio_pre"), sum[3] / sum[0], 1e-12, 0, "last over first");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_residual_norm, zero_init_starts_the_pre_norm_stack_as_the_identity)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " zero_init = yes\n", 5);
    cr_assert_eq(sg_live(s, "change_pre"), 0.0, "a zero-init pre-norm stack changed its input");
    Lesson *l2;
    Scene *plain = sg_make(&l2, SMALL, 5);
    cr_assert_gt(sg_live(plain, "change_pre"), 0.1, "without zero-init the blocks change the stream");
    scene_step(s, 1);
    double norms[4], loss;
    rebuilt_first_step(NORM_PLACE_POST, true, 5, 0.3, norms, &loss);
    check_close(sg_live(s, "loss_post"), loss, 1e-12, 0, "zero-init post-norm's first loss");
    scene_destroy(plain);
    lesson_destroy(l2);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_residual_norm, warm_up_scales_the_rate_and_the_keys_restart_the_run)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " warmup = 10\n lr = 0.2\n", 2);
    scene_step(s, 1);
    check_close(sg_live(s, "lr"), 0.02, 1e-12, 0, "step 1 of 10");
    scene_step(s, 9);
    check_close(sg_live(s, "lr"), 0.2, 1e-12, 0, "step 10 of 10");
    cr_assert(scene_key(s, 'w'), "w turns the warm-up off");
    cr_assert_eq(sg_live(s, "step"), 0.0, "the key restarts the run");
    scene_step(s, 1);
    check_close(sg_live(s, "lr"), 0.2, 1e-12, 0, "no warm-up");
    cr_assert(scene_key(s, 'e'));
    scene_step(s, 1);
    check_close(sg_live(s, "lr"), 0.3, 1e-12, 0, "e: the next rate up");
    cr_assert(scene_key(s, 'E') && scene_key(s, 'E'));
    scene_step(s, 1);
    check_close(sg_live(s, "lr"), 0.1, 1e-12, 0, "E twice: two rates down");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_residual_norm, the_run_stops_at_its_steps)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 1);
    scene_step(s, 50);
    cr_assert_eq(sg_live(s, "step"), 30.0);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_residual_norm, frames_match_their_goldens)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 4);
    scene_step(s, 30);
    sg_golden_frames_sized(s, "scene_residual_norm");
    scene_destroy(s);
    lesson_destroy(l);
}

/* At 80x24 lesson 18's page gives the scene 80x13: the bars' scale must still read, with a labelled tick
 * above 0 on the pre-norm half (a fixed 0..max range used to leave it only its 0). */
Test(scene_residual_norm, the_bars_scale_has_a_labelled_tick_above_zero_at_80x13)
{
    Lesson *l;
    Scene *s = sg_make(&l, "scene residual-norm\n steps = 400\n", 1);
    scene_step(s, 10);
    for (int unicode = 0; unicode < 2; unicode++) {
        char *frame = sg_render(s, 80, 13, unicode);
        const char *tick = unicode ? "\xE2\x94\xA4" : "+";      /* ┤ */
        int labels = 0, above_zero = 0;
        for (const char *at = frame; *at;) {
            char line[1024];
            size_t len = strcspn(at, "\n");
            snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), at);
            at += len + (at[len] == '\n');
            if (strstr(line, unicode ? "\xE2\x94\x9C\xE2\x94\x80" : "+-"))    /* ├─ */
                break;                              /* the axis line between the halves */
            size_t n = strspn(line, " .0123456789");
            if (n > strspn(line, " ") && strncmp(line + n, tick, strlen(tick)) == 0) {
                labels++;
                above_zero += atof(line) > 0;
            }
        }
        cr_expect_geq(labels, 2, "%s: the pre-norm half labels %d ticks:\n%s", unicode ? "unicode" : "ascii", labels,
                      frame);
        cr_expect_geq(above_zero, 1, "%s: no labelled tick above 0:\n%s", unicode ? "unicode" : "ascii", frame);
        free(frame);
    }
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_residual_norm, draws_stay_inside_their_area)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 4);
    for (int round = 0; round < 2; round++) {
        sg_check_stays_inside(s, 40, 6);
        sg_check_stays_inside(s, 60, 20);
        sg_check_stays_inside(s, 80, 13);
        sg_check_stays_inside(s, 200, 60);
        scene_step(s, 12);
    }
    scene_key(s, 'v');
    sg_check_stays_inside(s, 120, 30);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_residual_norm, stacks_that_blow_up_stop_and_the_scene_says_so)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " lr = 10\n", 1);
    scene_step(s, 30);
    cr_assert(scene_halted(s), "both stacks blew up at rate 10, yet the scene goes on");
    double v;
    cr_assert_not(scene_live(s, "loss_post", NULL, &v), "a blown-up stack has no loss to show");
    cr_assert_eq(sg_live(s, "diverged_post"), 1.0);
    char *frame = sg_render(s, 80, 22, false);
    cr_assert(strstr(frame, "both stacks blew up - E lowers the rate") != NULL, "%s", frame);
    free(frame);
    scene_destroy(s);
    lesson_destroy(l);
}
