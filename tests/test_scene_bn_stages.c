/* The BN stage stepper scene: numbers against plain-loop recomputation, stages, keys, running statistics, frames. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "support/bnscene.h"

enum { N = 8, C = 3 };

/* The batch the scene shows, read back through its live values. */
static void read_x(const Scene *scene, double x[N][C])
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < C; j++)
            x[i][j] = bn_live(scene, "x", i, j);
}

Test(scene_bn_stages, every_stage_number_matches_a_plain_loop_recomputation)
{
    Lesson *lesson = sg_scene_lesson("bn-stages", "gamma = 2, 0.5, -1\nbeta = 0.25, -3, 1\neps = 1e-3");
    Scene *scene = sg_scene(lesson, 11);
    double x[N][C];
    read_x(scene, x);
    const double gamma[C] = { 2, 0.5, -1 }, beta[C] = { 0.25, -3, 1 }, eps = 1e-3;
    for (int j = 0; j < C; j++) {
        double mean = 0, var = 0;
        for (int i = 0; i < N; i++)
            mean += x[i][j];
        mean /= N;
        for (int i = 0; i < N; i++)
            var += (x[i][j] - mean) * (x[i][j] - mean);
        var /= N;
        check_close(bn_live(scene, "mean", j, 0), mean, 1e-12, 1e-12, "batch mean of feature %d", j);
        check_close(bn_live(scene, "var", j, 0), var, 1e-12, 1e-12, "biased batch variance of feature %d", j);
        cr_assert(var > 0.01, "feature %d should have a visible spread (var %g)", j, var);
        for (int i = 0; i < N; i++) {
            double xhat = (x[i][j] - mean) / sqrt(var + eps);
            check_close(bn_live(scene, "xhat", i, j), xhat, 1e-12, 1e-12, "xhat[%d][%d]", i, j);
            check_close(bn_live(scene, "y", i, j), gamma[j] * xhat + beta[j], 1e-12, 1e-12, "y[%d][%d]", i, j);
        }
        /* PyTorch: new = 0.9·0 + 0.1·mean; variance stored unbiased: 0.9·1 + 0.1·var·N/(N−1). */
        check_close(bn_live(scene, "running_mean", j, 0), 0.1 * mean, 1e-12, 1e-12, "running mean %d", j);
        check_close(bn_live(scene, "running_var", j, 0), 0.9 + 0.1 * var * N / (N - 1), 1e-12, 1e-12,
                    "running var %d", j);
    }
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_bn_stages, the_raw_features_are_off_center_so_normalizing_shows)
{
    Lesson *lesson = sg_scene_lesson("bn-stages", "");
    Scene *scene = sg_scene(lesson, 1);
    double far = 0;
    for (int j = 0; j < C; j++)
        far = fmax(far, fabs(bn_live(scene, "mean", j, 0)) + fabs(bn_live(scene, "var", j, 0) - 1.0));
    cr_assert(far > 0.5, "some raw feature should be far from mean 0, variance 1 (got %g)", far);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_bn_stages, playing_loops_through_batches_and_the_running_mean_follows_the_ema)
{
    Lesson *lesson = sg_scene_lesson("bn-stages", "alpha = 0.3\nstage = arrive");
    Scene *scene = sg_scene(lesson, 5);
    double run = 0.0, run_var = 1.0;
    for (int batch = 0; batch < 6; batch++) {
        double m = bn_live(scene, "mean", 1, 0), v = bn_live(scene, "var", 1, 0);
        run = 0.7 * run + 0.3 * m;
        run_var = 0.7 * run_var + 0.3 * v * N / (N - 1);
        check_close(bn_live(scene, "running_mean", 1, 0), run, 1e-12, 1e-12, "running mean after batch %d", batch);
        check_close(bn_live(scene, "running_var", 1, 0), run_var, 1e-12, 1e-12, "running var after batch %d", batch);
        double before = bn_live(scene, "x", 0, 0);
        scene_step(scene, 4);   /* arrive → running: same batch */
        check_close(bn_live(scene, "x", 0, 0), before, 0, 0, "the batch stays during its five stages");
        scene_step(scene, 1);   /* past the last stage: a fresh batch */
        cr_assert(bn_live(scene, "x", 0, 0) != before, "a fresh batch arrives after stage (e)");
    }
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_bn_stages, keras_convention_uses_its_own_momentum_and_biased_variance)
{
    Lesson *lesson = sg_scene_lesson("bn-stages", "convention = keras");
    Scene *scene = sg_scene(lesson, 3);
    for (int j = 0; j < C; j++) {
        double m = bn_live(scene, "mean", j, 0), v = bn_live(scene, "var", j, 0);
        check_close(bn_live(scene, "running_mean", j, 0), 0.01 * m, 1e-12, 1e-12, "keras running mean %d", j);
        check_close(bn_live(scene, "running_var", j, 0), 0.99 + 0.01 * v, 1e-12, 1e-12, "keras running var %d", j);
    }
    cr_assert(bn_frame_has(scene, "(a) arrive"));
    scene_key(scene, 's');
    scene_key(scene, 's');
    scene_key(scene, 's');
    scene_key(scene, 's');
    cr_assert(bn_frame_has(scene, "keras, momentum m = 0.99"), "stage (e) names the Keras rule");
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_bn_stages, keys_move_between_stages_and_draw_new_batches)
{
    Lesson *lesson = sg_scene_lesson("bn-stages", "stage = stats");
    Scene *scene = sg_scene(lesson, 2);
    cr_assert(bn_frame_has(scene, "mu = sum(x) / N"), "the page opens at the stage it names");
    cr_assert(scene_key(scene, 's'));
    cr_assert(bn_frame_has(scene, "xhat = (x - mu) / sqrt(var + eps)"));
    cr_assert(scene_key(scene, 'S'));
    cr_assert(scene_key(scene, 'S'));
    cr_assert(scene_key(scene, 'S'), "going back past (a) is harmless");
    cr_assert(bn_frame_has(scene, "sample #1, feature 1"));
    cr_assert(scene_key(scene, 'f'));
    cr_assert(scene_key(scene, 'x'));
    cr_assert(bn_frame_has(scene, "sample #2, feature 2"), "f and x move the highlighted cell");
    double before = bn_live(scene, "x", 0, 0);
    cr_assert(scene_key(scene, 'b'));
    cr_assert(bn_live(scene, "x", 0, 0) != before, "b draws a fresh batch");
    cr_assert_not(scene_key(scene, 'Q'), "keys the scene does not use are left to the tutor");
    SceneKey keys[SCENE_KEYS_MAX];
    cr_assert_eq(scene_keys(scene, keys), 5);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_bn_stages, the_same_seed_gives_the_same_batch_and_another_seed_another)
{
    Lesson *lesson = sg_scene_lesson("bn-stages", "");
    Scene *a = sg_scene(lesson, 9), *b = sg_scene(lesson, 9), *c = sg_scene(lesson, 10);
    cr_assert_eq(bn_live(a, "x", 3, 2), bn_live(b, "x", 3, 2));
    cr_assert_neq(bn_live(a, "x", 3, 2), bn_live(c, "x", 3, 2));
    scene_step(a, 7);
    BnError err = {0};
    cr_assert(scene_reset(a, 9, &err));
    cr_assert_eq(bn_live(a, "running_mean", 0, 0), bn_live(b, "running_mean", 0, 0), "reset starts over");
    scene_destroy(a);
    scene_destroy(b);
    scene_destroy(c);
    lesson_destroy(lesson);
}

Test(scene_bn_stages, a_batch_of_one_shows_why_it_cannot_be_normalized)
{
    Lesson *lesson = sg_scene_lesson("bn-stages", "batch = 1\nstage = normalize");
    Scene *scene = sg_scene(lesson, 1);
    double v;
    int index[2] = { 0, 0 };
    cr_assert_not(scene_live(scene, "mean", index, &v), "no batch statistics for one sample");
    cr_assert(scene_live(scene, "x", index, &v));
    cr_assert(bn_frame_has(scene, "no batch statistics"));
    scene_step(scene, 12);
    bn_check_sizes(scene);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_bn_stages, live_values_out_of_range_are_refused)
{
    Lesson *lesson = sg_scene_lesson("bn-stages", "");
    Scene *scene = sg_scene(lesson, 1);
    double v;
    int bad[2] = { N, 0 }, bad2[2] = { 0, C }, feat[2] = { C, 0 };
    cr_assert_not(scene_live(scene, "x", bad, &v));
    cr_assert_not(scene_live(scene, "y", bad2, &v));
    cr_assert_not(scene_live(scene, "running_mean", feat, &v));
    cr_assert_not(scene_live(scene, "nonsense", bad, &v));
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_bn_stages, drawing_stays_inside_the_area_at_every_size_and_stage)
{
    Lesson *lesson = sg_scene_lesson("bn-stages", "features = 7\nbatch = 20\ndataset = moons");
    Scene *scene = sg_scene(lesson, 4);
    for (int stage = 0; stage < 5; stage++) {
        bn_check_sizes(scene);
        scene_step(scene, 1);
    }
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_bn_stages, frames_match_their_goldens)
{
    static const char *const stages[] = { "arrive", "stats", "normalize", "scale-shift", "running" };
    for (int k = 0; k < 5; k++) {
        char settings[64], prefix[64];
        snprintf(settings, sizeof settings, "stage = %s", stages[k]);
        Lesson *lesson = sg_scene_lesson("bn-stages", settings);
        Scene *scene = sg_scene(lesson, 1);
        scene_step(scene, 10);  /* two whole batches later: the running statistics have moved */
        snprintf(prefix, sizeof prefix, "scene_bn_stages_%s", stages[k]);
        sg_golden_frames_sized(scene, prefix);
        scene_destroy(scene);
        lesson_destroy(lesson);
    }
}
