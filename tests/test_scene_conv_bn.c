/* The 'conv-bn' scene on shapes28 (never on the optional Fashion-MNIST package): per-channel statistics against the network's own buffers, BN's output, the running statistics following the training set (lesson 13's claims), keys, golden frames, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scene/scene.h"
#include "support/check.h"
#include "support/scene_golden.h"

#define CONV "scene conv-bn\n images = shapes28\n batch = 12\n steps = 600\n"

static double live_at(const Scene *s, const char *name, int i)
{
    double v = NAN;
    int index[2] = { i, 0 };
    cr_assert(scene_live(s, name, index, &v), "%s[%d] is published", name, i);
    return v;
}

Test(scene_conv_bn, a_channels_statistic_averages_batch_times_height_times_width_values)
{
    Lesson *l;
    Scene *s = sg_make(&l, CONV, 1);
    cr_expect_eq(sg_live(s, "set_size"), 12 * 28 * 28);
    cr_expect_eq(sg_live(s, "channels"), 4);
    cr_assert(scene_key(s, 'v'), "v watches block 2");
    cr_expect_eq(sg_live(s, "set_size"), 12 * 14 * 14);
    cr_expect_eq(sg_live(s, "channels"), 8);
    for (int k = 0; k < 8; k++)
        cr_assert(scene_key(s, 'c'));
    cr_expect_not(scene_key(s, 'x'));
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_conv_bn, before_training_bn_output_has_mean_0_and_variance_1_and_running_stats_are_0_and_1)
{
    Lesson *l;
    Scene *s = sg_make(&l, CONV, 1);
    for (int b = 0; b < 2; b++) {
        int channels = (int)sg_live(s, "channels");
        for (int c = 0; c < channels; c++) {
            cr_expect_lt(fabs(live_at(s, "bn_mean", c)), 1e-9, "block %d channel %d mean after BN", b + 1, c);
            check_close(live_at(s, "bn_var", c), 1.0, 1e-3, 1e-9, "block %d channel %d variance after BN", b + 1, c);
            cr_expect_eq(live_at(s, "running_mean", c), 0.0);
            cr_expect_eq(live_at(s, "running_var", c), 1.0);
            cr_expect(fabs(live_at(s, "batch_mean", c)) > 1e-6, "the conv output itself is not centred");
        }
        scene_key(s, 'v');
    }
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_conv_bn, after_training_bn_output_has_mean_beta_and_variance_gamma_squared)
{
    Lesson *l;
    Scene *s = sg_make(&l, CONV, 2);
    scene_step(s, 120);
    for (int c = 0; c < 4; c++) {
        double gamma = live_at(s, "gamma", c), beta = live_at(s, "beta", c);
        cr_expect(fabs(gamma - 1.0) > 1e-4 || fabs(beta) > 1e-4, "channel %d: training moved gamma or beta", c);
        check_close(live_at(s, "bn_mean", c), beta, 1e-6, 1e-9, "channel %d: mean after BN is beta", c);
        check_close(live_at(s, "bn_var", c), gamma * gamma, 2e-3, 1e-9, "channel %d: variance is gamma squared", c);
    }
    scene_destroy(s);
    lesson_destroy(l);
}

/* Lesson 13's claim: from step 50 the running mean stays within about 0.06 of the training set's mean
 * (checked at every population point, every 50 steps), while single batches stray further (every
 * step against the latest population point: the largest distance and the average one). */
Test(scene_conv_bn, the_running_mean_follows_the_training_sets_mean_and_batches_wobble_far_more)
{
    for (uint64_t seed = 1; seed <= 2; seed++) {
        Lesson *l;
        Scene *s = sg_make(&l, CONV, seed);
        double worst_running = 0, worst_batch = 0, sum_running = 0, sum_batch = 0;
        int steps = 0;
        scene_step(s, 49);
        for (int step = 50; step <= 600; step++) {
            scene_step(s, 1);
            cr_assert_eq(sg_live(s, "step"), step);
            double pop = live_at(s, "pop_mean", 0);
            double off_running = fabs(live_at(s, "running_mean", 0) - pop);
            double off_batch = fabs(live_at(s, "batch_mean", 0) - pop);
            if (step % 50 == 0)
                worst_running = fmax(worst_running, off_running);
            worst_batch = fmax(worst_batch, off_batch);
            sum_running += off_running;
            sum_batch += off_batch;
            steps++;
        }
        if (getenv("BNTUTOR_TEST_SHOW"))
            fprintf(stderr, "seed %d: running within %.3f (mean %.3f), batches up to %.3f (mean %.3f)\n", (int)seed,
                    worst_running, sum_running / steps, worst_batch, sum_batch / steps);
        cr_expect_lt(worst_running, 0.065, "seed %d: running mean off the training set's by up to %g", (int)seed,
                     worst_running);
        cr_expect_gt(sum_batch, 1.3 * sum_running, "seed %d: batches stray %g on average, the running mean %g",
                     (int)seed, sum_batch / steps, sum_running / steps);
        cr_expect_gt(worst_batch, 2 * worst_running, "seed %d: batches stray up to %g", (int)seed, worst_batch);
        cr_expect_gt(sg_live(s, "accuracy"), 0.6, "seed %d: the net learned (test accuracy %g)", (int)seed,
                     sg_live(s, "accuracy"));
        scene_destroy(s);
        lesson_destroy(l);
    }
}

Test(scene_conv_bn, the_same_seed_repeats_exactly)
{
    Lesson *l;
    Scene *a = sg_make(&l, CONV, 7), *b = scene_create(&l->pages[0], 7, NULL);
    scene_step(a, 30);
    scene_step(b, 30);
    cr_expect_eq(sg_live(a, "loss"), sg_live(b, "loss"));
    cr_expect_eq(live_at(a, "running_var", 2), live_at(b, "running_var", 2));
    scene_destroy(a);
    scene_destroy(b);
    lesson_destroy(l);
}

Test(scene_conv_bn, a_learning_rate_of_10_stops_the_run_and_says_so)
{
    Lesson *l;
    Scene *s = sg_make(&l, "scene conv-bn\n images = shapes28\n lr = 10\n batch = 2\n", 1);
    scene_step(s, 300);
    char *dump = sg_render(s, 80, 13, true);
    if (scene_halted(s))
        cr_expect(strstr(dump, "diverged"), "a halted run says why:\n%s", dump);
    cr_expect_null(strstr(dump, "nan"), "no nan on screen:\n%s", dump);
    free(dump);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_conv_bn, without_the_package_the_page_says_how_to_install_it)
{
    if (access("/usr/share/datasets/fashion-mnist", F_OK) == 0)
        cr_skip_test("dataset-fashion-mnist is installed here; the fallback cannot be seen");
    Lesson *l;
    Scene *s = sg_make(&l, "scene conv-bn\n", 1);
    char *dump = sg_render(s, 80, 13, true);
    cr_expect(strstr(dump, "sudo apt-get install dataset-fashion-mnist"), "install hint shown:\n%s", dump);
    cr_expect(strstr(dump, "shapes28"), "says what it runs on instead:\n%s", dump);
    free(dump);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_conv_bn, frames_match_their_goldens)
{
    Lesson *l;
    Scene *s = sg_make(&l, CONV, 1);
    scene_step(s, 60);
    sg_golden_frames_sized(s, "scene_conv_bn");
    scene_key(s, 'v');
    scene_key(s, 'c');
    sg_golden_frames_sized(s, "scene_conv_bn_block2");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_conv_bn, drawing_stays_inside_its_area_at_any_size)
{
    Lesson *l;
    Scene *s = sg_make(&l, CONV, 1);
    scene_step(s, 5);
    static const int sizes[][2] = { { 200, 60 }, { 140, 56 }, { 120, 30 }, { 80, 22 }, { 80, 13 }, { 40, 8 }, { 39, 5 }, { 1, 1 } };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_destroy(s);
    lesson_destroy(l);
}
