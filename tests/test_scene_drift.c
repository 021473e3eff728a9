/* The 'drift' scene: percentiles against an independent computation, determinism, reset, keys, divergence, golden frames, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/mlp.h"
#include "scene/scene.h"
#include "support/check.h"
#include "support/scene_golden.h"
#include "support/inputs.h"

/* A small net so each test takes a fraction of a second. */
#define SMALL "scene drift\n dataset = synth784\n hidden = 12,10,8\n batch = 20\n steps = 40\n lr = 0.1\n"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy's default percentile by hand: sort, then interpolate between the closest ranks. */
static double percentile(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double h = (n - 1) * p / 100.0;
    int lo = (int)floor(h);
    return lo + 1 < n ? v[lo] + (h - lo) * (v[lo + 1] - v[lo]) : v[lo];
}

/* The percentiles a fresh network (no training) gives for `unit` of `layer` on the first 200 test rows. */
static void fresh_percentiles(double out[3], BnPlacement bn, uint64_t seed, int layer, int unit)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("synth784", seed, 0, 0, &train, &test, &err), "%s", err.message);
    int sizes[] = { 784, 12, 10, 8, 10 };
    MlpConfig c;
    mlp_config_init(&c, sizes, 5);
    c.bn = bn;
    c.seed = seed;
    Mlp *m = mlp_create(&c, &err);
    double *tx = inputs_of(test);
    cr_assert_not_null(m);
    cr_assert(mlp_forward(m, tx, 200, MLP_MODE_BATCH_STATS, &err));
    double v[200];
    int w = sizes[1 + layer];
    for (int r = 0; r < 200; r++)
        v[r] = m->hidden[layer].pre[r * w + unit];
    out[0] = percentile(v, 200, 15);
    out[1] = percentile(v, 200, 50);
    out[2] = percentile(v, 200, 85);
    mlp_destroy(m);
    free(tx);
    dataset_destroy(train);
    dataset_destroy(test);
}

Test(scene_drift, percentiles_before_training_match_a_fresh_network_computed_by_hand)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 5);
    double plain[3], bn[3];
    fresh_percentiles(plain, BN_PLACEMENT_NONE, 5, 2, 0);
    fresh_percentiles(bn, BN_PLACEMENT_BEFORE, 5, 2, 0);
    check_close(sg_live(s, "p15"), plain[0], 1e-12, 1e-12, "p15 without BN");
    check_close(sg_live(s, "p50"), plain[1], 1e-12, 1e-12, "median without BN");
    check_close(sg_live(s, "p85"), plain[2], 1e-12, 1e-12, "p85 without BN");
    check_close(sg_live(s, "bn_p15"), bn[0], 1e-12, 1e-12, "p15 with BN");
    check_close(sg_live(s, "bn_p50"), bn[1], 1e-12, 1e-12, "median with BN");
    check_close(sg_live(s, "bn_p85"), bn[2], 1e-12, 1e-12, "p85 with BN");
    cr_expect_eq(sg_live(s, "step"), 0);
    double dummy;
    cr_expect_not(scene_live(s, "loss", NULL, &dummy), "no loss before the first step");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_drift, the_watch_and_unit_keys_measure_another_layer_and_unit)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 5);
    double want[3];
    cr_assert(scene_key(s, 'u'));
    fresh_percentiles(want, BN_PLACEMENT_NONE, 5, 2, 1);
    check_close(sg_live(s, "p50"), want[1], 1e-12, 1e-12, "median of unit 1, layer 3");
    cr_assert(scene_key(s, 'w'));    /* from the last layer round to the first */
    fresh_percentiles(want, BN_PLACEMENT_BEFORE, 5, 0, 1);
    check_close(sg_live(s, "bn_p85"), want[2], 1e-12, 1e-12, "p85 of unit 1, layer 1, with BN");
    cr_expect_not(scene_key(s, 'x'), "unknown keys are left to the tutor");
    SceneKey keys[SCENE_KEYS_MAX];
    cr_expect_eq(scene_keys(s, keys), 3);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_drift, with_bn_the_watched_input_keeps_a_unit_spread_while_training)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 3);
    scene_step(s, 40);
    cr_expect_eq(sg_live(s, "step"), 40);
    /* A standardized input has 15th..85th about 2.07 wide (normal); γ barely moves in 40 steps. */
    double spread = sg_live(s, "bn_p85") - sg_live(s, "bn_p15");
    cr_expect(spread > 1.4 && spread < 2.8, "spread with BN is %g", spread);
    cr_expect(fabs(sg_live(s, "bn_p50")) < 0.5, "median with BN is %g", sg_live(s, "bn_p50"));
    cr_expect(isfinite(sg_live(s, "loss")));
    scene_step(s, 10);
    cr_expect_eq(sg_live(s, "step"), 40, "the scene stops at its 'steps' setting");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_drift, the_same_seed_repeats_exactly_and_reset_starts_over)
{
    Lesson *l;
    Scene *a = sg_make(&l, SMALL, 9), *b = scene_create(&l->pages[0], 9, NULL);
    Scene *c = scene_create(&l->pages[0], 10, NULL);
    double p0 = sg_live(a, "p50");
    scene_step(a, 20);
    scene_step(b, 20);
    scene_step(c, 20);
    cr_expect_eq(sg_live(a, "p50"), sg_live(b, "p50"));
    cr_expect_eq(sg_live(a, "loss"), sg_live(b, "loss"));
    cr_expect_neq(sg_live(a, "loss"), sg_live(c, "loss"), "another seed, other mini-batches and weights");
    BnError err = { 0 };
    cr_assert(scene_reset(a, 9, &err));
    cr_expect_eq(sg_live(a, "step"), 0);
    cr_expect_eq(sg_live(a, "p50"), p0);
    scene_destroy(a);
    scene_destroy(b);
    scene_destroy(c);
    lesson_destroy(l);
}

Test(scene_drift, a_diverging_run_stops_and_says_so_instead_of_showing_nan)
{
    Lesson *l;
    Scene *s = sg_make(&l, "scene drift\n dataset = synth784\n hidden = 64,64,64\n act = relu\n batch = 20\n"
                        " steps = 200\n lr = 10\n compare = no\n placement = none\n", 2);
    scene_step(s, 200);
    double v;
    cr_expect_not(scene_live(s, "loss", NULL, &v), "no loss from a diverged run");
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

Test(scene_drift, frames_match_their_goldens)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 1);
    scene_step(s, 40);
    sg_golden_frames(s, "scene_drift");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_drift, drawing_stays_inside_its_area_at_any_size)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 1);
    scene_step(s, 20);
    static const int sizes[][2] = { { 200, 60 }, { 140, 56 }, { 80, 22 }, { 80, 13 }, { 40, 6 }, { 39, 5 }, { 1, 1 } };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_destroy(s);
    lesson_destroy(l);
}

/* At 80×13 the band charts leave no room for the histograms: v shows every layer's histogram in their
 * place, and v again brings the bands back. */
Test(scene_drift, v_swaps_the_bands_for_every_layers_histogram_on_a_small_screen)
{
    SgFixture f = sg_fixture("drift", "hidden = 8,8,8\nsteps = 40\nbatch = 16", 3);
    scene_step(f.scene, 10);
    char *before = sg_render(f.scene, 80, 13, true);
    cr_assert_null(strstr(before, "layer 2, unit 1"), "no histograms at first:\n%s", before);
    cr_assert(strstr(before, "no BN:"), "the bands' titles:\n%s", before);
    cr_assert(scene_key(f.scene, 'v'));
    char *after = sg_render(f.scene, 80, 13, true);
    cr_assert(strstr(after, "layer 1, unit 1") && strstr(after, "layer 2, unit 1") &&
              strstr(after, "layer 3, unit 1 (watched)"), "a histogram per layer:\n%s", after);
    cr_assert_null(strstr(after, "no BN:"), "the bands gave way:\n%s", after);
    cr_assert(scene_key(f.scene, 'v'));
    char *back = sg_render(f.scene, 80, 13, true);
    cr_assert_str_eq(back, before);
    free(before);
    free(after);
    free(back);
    sg_fixture_free(&f);
}

Test(scene_drift, a_net_that_diverges_stops_alone_while_the_other_trains_on)
{
    Lesson *l;
    Scene *s = sg_make(&l, "scene drift\n dataset = moons\n hidden = 16,16,16\n act = relu\n lr = 10\n steps = 100\n"
                        " compare = yes\n placement = before\n", 1);
    scene_step(s, 100);
    cr_expect_eq(sg_live(s, "step"), 100, "the BN net trained on to the end");
    double v;
    cr_expect(scene_live(s, "bn_p50", NULL, &v), "the BN net is still measured");
    cr_expect_not(scene_live(s, "p50", NULL, &v), "the diverged net is not");
    char *dump = sg_render(s, 80, 13, true);
    cr_expect(strstr(dump, "no BN diverged at") && strstr(dump, "no BN (diverged at step"), "marked:\n%s", dump);
    cr_expect_null(strstr(dump, "nan"), "no NaN on screen:\n%s", dump);
    free(dump);
    scene_destroy(s);
    lesson_destroy(l);
}
