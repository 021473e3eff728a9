/* The 'input-norm' scene (lesson 1): golden frames, statistics against plain loops, keys, determinism, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "lesson/lesson.h"
#include "scene/scene.h"
#include "support/check.h"
#include "support/golden.h"
#include "support/scene_golden.h"
#include "view/canvas.h"
#include "view/format.h"

typedef SgFixture Fixture;

/* A 'input-norm' scene for the page plus extra setting lines. */
static Fixture fixture_make(const char *settings, uint64_t seed) { return sg_fixture("input-norm", settings, seed); }

static void golden_all(const char *settings, int steps, const char *tag)
{
    Fixture f = fixture_make(settings, 1);
    scene_step(f.scene, steps);
    char prefix[96];
    snprintf(prefix, sizeof prefix, "scene_input_norm_%s", tag);
    sg_golden_frames_sized(f.scene, prefix);
    sg_fixture_free(&f);
}

Test(scene_input_norm, both_views_match_their_golden_frames) { golden_all(NULL, 3, "both"); }
Test(scene_input_norm, the_standardized_view_matches_its_golden_frames) { golden_all("show = normalized\n", 0, "norm"); }

/* The scene's data, drawn again straight from the dataset with the same seed and size. */
static void plain_stats(double mean[2], double var[2], uint64_t seed, int n)
{
    Dataset *train, *test;
    BnError err;
    cr_assert(dataset_load("scaled2d", seed, n, 1, &train, &test, &err), "%s", err.message);
    for (int k = 0; k < 2; k++) {
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++)
            sum += dataset_values(train)[i * 2 + k];
        mean[k] = sum / n;
        for (int i = 0; i < n; i++)
            sq += (dataset_values(train)[i * 2 + k] - mean[k]) * (dataset_values(train)[i * 2 + k] - mean[k]);
        var[k] = sq / n;
    }
    dataset_destroy(train);
    dataset_destroy(test);
}

Test(scene_input_norm, live_statistics_agree_with_plain_loops_over_the_same_data)
{
    Fixture f = fixture_make("batch = 150\n", 42);
    double mean[2], var[2];
    plain_stats(mean, var, 42, 150);
    for (int k = 0; k < 2; k++) {
        double v;
        cr_assert(scene_live(f.scene, "raw_mean", &k, &v));
        check_close(v, mean[k], 1e-12, 1e-12, "raw mean of column %d", k);
        cr_assert(scene_live(f.scene, "raw_var", &k, &v));
        check_close(v, var[k], 1e-10, 1e-12, "raw variance of column %d", k);
        cr_assert(scene_live(f.scene, "norm_mean", &k, &v));
        cr_assert(fabs(v) < 1e-9, "standardized column %d should have mean 0, got %g", k, v);
        cr_assert(scene_live(f.scene, "norm_var", &k, &v));
        check_close(v, 1.0, 1e-9, 1e-12, "standardized column %d should have variance 1", k);
    }
    /* Feature 2 really is on a scale ~10^4 times feature 1's: the lesson's premise. */
    cr_assert(sqrt(var[1]) / sqrt(var[0]) > 1e3, "scaled2d's feature 2 should dwarf feature 1");
    int bad = 2;
    double v;
    cr_assert_not(scene_live(f.scene, "raw_mean", &bad, &v), "index 2 does not exist");
    cr_assert_not(scene_live(f.scene, "no_such_value", &bad, &v));
    sg_fixture_free(&f);
}

Test(scene_input_norm, the_formula_shows_the_highlighted_points_own_numbers)
{
    Fixture f = fixture_make(NULL, 1);
    scene_step(f.scene, 4);   /* the fifth point */
    Dataset *train, *test;
    BnError err;
    cr_assert(dataset_load("scaled2d", 1, 200, 1, &train, &test, &err));
    double mean[2], var[2];
    plain_stats(mean, var, 1, 200);
    char *dump = sg_render(f.scene, 100, 22, true);
    cr_assert(strstr(dump, "point 5 of 200"), "the highlighted point should be named:\n%s", dump);
    for (int k = 0; k < 2; k++) {
        double z = (dataset_values(train)[4 * 2 + k] - mean[k]) / sqrt(var[k]);
        char want[FORMAT_MAX];
        format_number(want, sizeof want, z, 4, true);
        cr_assert(strstr(dump, want), "z%d = %s should be on screen:\n%s", k + 1, want, dump);
    }
    free(dump);
    dataset_destroy(train);
    dataset_destroy(test);
    sg_fixture_free(&f);
}

Test(scene_input_norm, keys_move_the_highlight_and_cycle_the_view)
{
    Fixture f = fixture_make(NULL, 1);
    cr_assert(scene_key(f.scene, 'j'));
    cr_assert(scene_key(f.scene, 'j'));
    cr_assert(scene_key(f.scene, 'k'));
    char *dump = sg_render(f.scene, 80, 13, true);
    cr_assert(strstr(dump, "point 2 of 200"), "j j k should land on point 2:\n%s", dump);
    free(dump);
    cr_assert(scene_key(f.scene, 'k'));
    cr_assert(scene_key(f.scene, 'k'));
    dump = sg_render(f.scene, 80, 13, true);
    cr_assert(strstr(dump, "point 200 of 200"), "k from the first point wraps to the last:\n%s", dump);
    free(dump);
    cr_assert(scene_key(f.scene, 'v'));     /* both → raw */
    dump = sg_render(f.scene, 80, 13, true);
    cr_assert(strstr(dump, "raw: each axis its own scale"), "v should switch to the raw view:\n%s", dump);
    cr_assert_null(strstr(dump, "standardized"), "the raw view shows no standardized points:\n%s", dump);
    free(dump);
    cr_assert(scene_key(f.scene, 'v'));     /* raw → normalized */
    dump = sg_render(f.scene, 80, 13, true);
    cr_assert(strstr(dump, "standardized: centred at 0"), "then to the standardized view:\n%s", dump);
    free(dump);
    cr_assert_not(scene_key(f.scene, 'Q'), "keys the scene does not use are left to the tutor");
    SceneKey keys[SCENE_KEYS_MAX];
    cr_assert_eq(scene_keys(f.scene, keys), 2);
    sg_fixture_free(&f);
}

Test(scene_input_norm, the_same_seed_draws_the_same_frame_and_reset_starts_over)
{
    Fixture a = fixture_make(NULL, 7), b = fixture_make(NULL, 7), c = fixture_make(NULL, 8);
    char *da = sg_render(a.scene, 80, 13, true), *db = sg_render(b.scene, 80, 13, true), *dc = sg_render(c.scene, 80, 13, true);
    cr_assert_str_eq(da, db, "same seed, same frame");
    cr_assert(strcmp(da, dc) != 0, "another seed should draw other points");
    scene_step(a.scene, 5);
    BnError err;
    cr_assert(scene_reset(a.scene, 7, &err));
    char *dr = sg_render(a.scene, 80, 13, true);
    cr_assert_str_eq(dr, db, "reset with the same seed gives the first frame again");
    free(da), free(db), free(dc), free(dr);
    sg_fixture_free(&a), sg_fixture_free(&b), sg_fixture_free(&c);
}

Test(scene_input_norm, drawing_stays_inside_its_area_at_every_size)
{
    Fixture f = fixture_make(NULL, 1);
    static const int sizes[][2] = {{200, 60}, {140, 56}, {80, 22}, {80, 13}, {60, 20}, {45, 8}, {39, 5}, {10, 2}, {1, 1}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        sg_check_inside_mode(f.scene, sizes[i][0], sizes[i][1], true);
        sg_check_inside_mode(f.scene, sizes[i][0], sizes[i][1], false);
    }
    char *tiny = sg_render(f.scene, 30, 4, true);
    cr_assert(strstr(tiny, "needs more room"), "a tiny area says so:\n%s", tiny);
    free(tiny);
    sg_fixture_free(&f);
}

Test(scene_input_norm, other_datasets_and_a_batch_of_one_still_draw_sensibly)
{
    static const char *const sets[] = {"dataset = blobs\n", "dataset = synth784\nbatch = 50\n",
                                       "dataset = fashion-mnist\nbatch = 20\n", "batch = 1\n"};
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        Fixture f = fixture_make(sets[i], 3);
        char *dump = sg_render(f.scene, 80, 13, true);
        cr_assert_null(strstr(dump, "nan"), "no NaN on screen for %s:\n%s", sets[i], dump);
        int k = 1;
        double v;
        cr_assert(scene_live(f.scene, "norm_var", &k, &v));
        cr_assert(isfinite(v), "%s: finite variance", sets[i]);
        free(dump);
        sg_fixture_free(&f);
    }
}
