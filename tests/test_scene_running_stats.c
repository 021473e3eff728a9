/* The running-stats scene: golden frames, running values against an EMA computed here, conventions, keys, bounds. */
#include <criterion/criterion.h>
#include <math.h>

#include "support/check.h"
#include "support/lessonscene.h"

static const char *const settings = "seed = 2\nbatch = 16\nfeatures = 3\nalpha = 0.1\nalpha2 = 0.01\nsteps = 200\n";

static double live(Scene *scene, const char *name, int i)
{
    double v = NAN;
    cr_assert(scene_live(scene, name, &i, &v), "live value %s[%d] is unknown", name, i);
    return v;
}

/* Steps the scene `steps` times and follows each batch's statistics with our own recurrence. */
static void follow(Scene *scene, int steps, int f, int conv, double alpha, double *mean, double *var)
{
    int m = 16;
    double sum_m = 0, sum_v = 0;
    *mean = 0, *var = 1;
    for (int t = 1; t <= steps; t++) {
        scene_step(scene, 1);
        double bm = live(scene, "batch_mean", f), bv = live(scene, "batch_var", f);
        if (conv == 0) {            /* PyTorch: weight alpha on the batch, unbiased variance */
            *mean = (1 - alpha) * *mean + alpha * bm;
            *var = (1 - alpha) * *var + alpha * bv * m / (m - 1);
        } else if (conv == 1) {     /* Keras: momentum 1 - alpha on the old value, biased variance */
            double k = 1 - alpha;
            *mean = k * *mean + (1 - k) * bm;
            *var = k * *var + (1 - k) * bv;
        } else {                    /* paper: plain averages, variance corrected by m/(m-1) */
            sum_m += bm;
            sum_v += bv * m / (m - 1);
            *mean = sum_m / t;
            *var = sum_v / t;
        }
    }
}

Test(scene_running_stats, frames_match_their_goldens_after_eighty_batches)
{
    Lesson *lesson = sg_scene_lesson("running-stats", settings);
    Scene *scene = sg_scene(lesson, 4);
    scene_step(scene, 80);
    sg_golden_frames_sized(scene, "scene_running_stats");
    cr_assert(scene_key(scene, 'c'));
    sg_golden_frames_sized(scene, "scene_running_stats_keras");
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_running_stats, running_values_match_an_ema_computed_in_the_test_for_each_convention)
{
    static const char *const conv[3] = {"pytorch", "keras", "paper"};
    for (int c = 0; c < 3; c++) {
        char text[256];
        snprintf(text, sizeof text, "%sconvention = %s\n", settings, conv[c]);
        Lesson *lesson = sg_scene_lesson("running-stats", text);
        Scene *scene = sg_scene(lesson, 4);
        for (int f = 0; f < 3; f++) {
            BnError err = {0};
            cr_assert(scene_reset(scene, 4, &err));
            double mean, var;
            follow(scene, 60, f, c, 0.1, &mean, &var);
            check_close(live(scene, "running_mean", f), mean, 1e-12, 1e-12, "%s running mean[%d]", conv[c], f);
            check_close(live(scene, "running_var", f), var, 1e-12, 1e-12, "%s running var[%d]", conv[c], f);
        }
        scene_destroy(scene);
        lesson_destroy(lesson);
    }
}

/* Batch statistics and population values are plain means and (biased) variances of the same
 * numbers, so the average batch mean must approach the population mean. */
Test(scene_running_stats, batch_statistics_scatter_around_the_population_values)
{
    Lesson *lesson = sg_scene_lesson("running-stats", "seed = 2\nbatch = 16\nsteps = 2000\n");
    Scene *scene = sg_scene(lesson, 4);
    double sum = 0, sum_v = 0;
    int n = 1000;
    for (int t = 0; t < n; t++) {
        scene_step(scene, 1);
        sum += live(scene, "batch_mean", 0);
        sum_v += live(scene, "batch_var", 0);
    }
    double pm = live(scene, "population_mean", 0), pv = live(scene, "population_var", 0);
    cr_assert(pv > 0.05, "a feature with some spread (var %g)", pv);
    cr_assert(fabs(sum / n - pm) < 0.05 * sqrt(pv), "average of 1000 batch means %g vs the population mean %g", sum / n, pm);
    /* A biased batch variance of m samples averages (m-1)/m of the population variance (nearly). */
    check_close(sum_v / n, pv * 15.0 / 16.0, 0.08, 0, "average biased batch variance");
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_running_stats, a_larger_alpha_gets_closer_sooner_and_the_convention_key_replays)
{
    Lesson *lesson = sg_scene_lesson("running-stats", settings);
    Scene *scene = sg_scene(lesson, 4);
    cr_assert_float_eq(live(scene, "running_mean", 0), 0.0, 0);
    cr_assert_float_eq(live(scene, "running_var", 0), 1.0, 0);
    scene_step(scene, 30);
    double pm = live(scene, "population_mean", 0);
    double fast = live(scene, "running_mean", 0);
    cr_assert(fabs(pm) > 0.5, "the feature is off-centre (population mean %g)", pm);
    cr_assert(fabs(fast - pm) < 0.5 * fabs(pm), "alpha 0.1 after 30 batches: %g vs %g", fast, pm);
    double mean_py = fast, var_py = live(scene, "running_var", 0);
    cr_assert(scene_key(scene, 'c'));
    /* Keras with momentum 1 - alpha gives the same mean; its variance misses the m/(m-1) factor. */
    check_close(live(scene, "running_mean", 0), mean_py, 1e-12, 1e-12, "keras mean equals pytorch mean");
    cr_assert(live(scene, "running_var", 0) < var_py, "keras stores the smaller, biased variance");
    cr_assert(scene_key(scene, 'c'));
    cr_assert(scene_key(scene, 'c'));
    check_close(live(scene, "running_var", 0), var_py, 1e-12, 1e-12, "back to pytorch after three presses");
    cr_assert(scene_key(scene, 'f'));
    cr_assert(scene_key(scene, 'a'));
    cr_assert_not(scene_key(scene, 'z'));
    check_close(live(scene, "step", 0), 30, 0, 0, "keys do not step");
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_running_stats, the_scene_stops_at_its_step_count_and_is_deterministic)
{
    Lesson *lesson = sg_scene_lesson("running-stats", "steps = 25\n");
    Scene *a = sg_scene(lesson, 9), *b = sg_scene(lesson, 9);
    scene_step(a, 40);
    scene_step(b, 25);
    check_close(live(a, "step", 0), 25, 0, 0, "stops at steps");
    check_close(live(a, "running_var", 1), live(b, "running_var", 1), 0, 0, "same seed, same numbers");
    int bad = 3;
    double v;
    cr_assert_not(scene_live(a, "running_mean", &bad, &v), "only three features");
    scene_destroy(a);
    scene_destroy(b);
    lesson_destroy(lesson);
}

Test(scene_running_stats, drawing_stays_inside_its_area_at_any_size)
{
    Lesson *lesson = sg_scene_lesson("running-stats", settings);
    Scene *scene = sg_scene(lesson, 4);
    static const int sizes[][2] = {{200, 60}, {140, 56}, {80, 13}, {80, 22}, {60, 20}, {39, 5}, {10, 2}, {1, 1}};
    for (int pass = 0; pass < 2; pass++) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            sg_check_inside(scene, sizes[s][0], sizes[s][1]);
        scene_step(scene, 50);
    }
    scene_destroy(scene);
    lesson_destroy(lesson);
}
