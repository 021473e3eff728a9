/* The 'bn-probe' scene: its first probe against the engine's probe on a network and mini-batch rebuilt by
 * hand, probing leaves training alone, keys, golden frames, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/mlp.h"
#include "engine/probe.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "support/check.h"
#include "support/scene_golden.h"

/* Small nets so each test takes a fraction of a second. */
#define LAND "scene bn-probe\n dataset = synth784\n hidden = 12,10\n act = relu\n batch = 20\n steps = 40\n lr = 0.1\n"
#define ICS "scene bn-probe\n dataset = synth784\n hidden = 12,10\n measure = ics\n layer = 2\n batch = 20\n" \
            " steps = 40\n lr = 0.3\n"

/* Net k of the scene at step 0 and the first mini-batch, rebuilt from the documented seeds. */
typedef struct Rebuilt {
    Dataset *train, *test;
    Mlp *mlp;
    double x[20 * 784], y[20];
} Rebuilt;

static void rebuild(Rebuilt *r, BnPlacement bn, Activation act, uint64_t seed)
{
    BnError err = { 0 };
    cr_assert(dataset_load("synth784", seed, 0, 0, &r->train, &r->test, &err), "%s", err.message);
    int sizes[] = { 784, 12, 10, 10 };
    MlpConfig c;
    mlp_config_init(&c, sizes, 4);
    c.act = act;
    c.bn = bn;
    c.seed = seed;
    r->mlp = mlp_create(&c, &err);
    cr_assert_not_null(r->mlp);
    BatchSampler sampler;
    sampler_init(&sampler, r->train->n, seed ^ LOCKSTEP_SAMPLER_STREAM);
    int idx[20];
    sampler_next(&sampler, idx, 20);
    dataset_gather(r->train, idx, 20, r->x, r->y);
    sampler_free(&sampler);
}

static void rebuilt_free(Rebuilt *r)
{
    mlp_destroy(r->mlp);
    dataset_destroy(r->train);
    dataset_destroy(r->test);
}

Test(scene_bn_probe, the_first_landscape_probe_is_the_engines_on_the_initial_weights_and_first_batch)
{
    Lesson *l;
    Scene *s = sg_make(&l, LAND, 3);
    scene_step(s, 1);
    for (int k = 0; k < 2; k++) {
        Rebuilt r;
        rebuild(&r, k ? BN_PLACEMENT_BEFORE : BN_PLACEMENT_NONE, ACTIVATION_RELU, 3);
        Probe *p = probe_create(r.mlp);
        ProbeLandscape land;
        BnError err = { 0 };
        cr_assert(probe_landscape(p, r.mlp, r.x, r.y, 20, 0.1, &land, &err), "%s", err.message);
        const char *who = k ? "bn" : "none";
        char name[32];
        snprintf(name, sizeof name, "range_%s", who);
        check_close(sg_live(s, name), land.loss_range, 1e-12, 1e-15, "%s", name);
        snprintf(name, sizeof name, "pred_%s", who);
        check_close(sg_live(s, name), land.grad_pred, 1e-12, 1e-15, "%s", name);
        snprintf(name, sizeof name, "beta_%s", who);
        check_close(sg_live(s, name), land.beta_smooth, 1e-12, 1e-15, "%s", name);
        snprintf(name, sizeof name, "line_%s", who);
        for (int i = 0; i <= PROBE_LINE_POINTS; i++) {
            double v;
            cr_assert(scene_live(s, name, &i, &v), "%s[%d]", name, i);
            check_close(v, i == 0 ? land.loss0 : land.loss[i - 1], 1e-12, 1e-15, "%s[%d]", name, i);
        }
        int beyond = PROBE_LINE_POINTS + 1;
        double v;
        cr_assert_not(scene_live(s, name, &beyond, &v));
        cr_assert_not(scene_live(s, k ? "ics_l2_bn" : "ics_l2_none", NULL, &v), "no ICS on a landscape page");
        probe_destroy(p);
        rebuilt_free(&r);
    }
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_bn_probe, the_first_ics_probe_is_the_engines_for_the_named_layer)
{
    Lesson *l;
    Scene *s = sg_make(&l, ICS, 4);
    double v;
    cr_assert_not(scene_live(s, "ics_l2_bn", NULL, &v), "no probe before the first step");
    scene_step(s, 1);
    for (int k = 0; k < 2; k++) {
        Rebuilt r;
        rebuild(&r, k ? BN_PLACEMENT_BEFORE : BN_PLACEMENT_NONE, ACTIVATION_SIGMOID, 4);
        Probe *p = probe_create(r.mlp);
        ProbeIcs ics;
        BnError err = { 0 };
        cr_assert(probe_ics(p, r.mlp, r.x, r.y, 20, 0.3, 1, &ics, &err), "%s", err.message);
        check_close(sg_live(s, k ? "ics_l2_bn" : "ics_l2_none"), ics.l2, 1e-12, 1e-15, "l2 of net %d", k);
        check_close(sg_live(s, k ? "ics_cos_bn" : "ics_cos_none"), ics.cos, 1e-12, 1e-15, "cos of net %d", k);
        cr_assert(ics.l2 > 0.0, "layer 2 has a layer below it that moves");
        probe_destroy(p);
        rebuilt_free(&r);
    }
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_bn_probe, probing_changes_nothing_of_the_training_and_means_cover_every_probe)
{
    Lesson *la, *lb;
    Scene *a = sg_make(&la, LAND, 5);
    Scene *b = sg_make(&lb, "scene bn-probe\n dataset = synth784\n hidden = 12,10\n act = relu\n measure = ics\n"
                       " batch = 20\n steps = 40\n lr = 0.1\n", 5);
    scene_step(a, 40);
    scene_step(b, 40);
    /* The same nets and batches under different probes: the losses agree to the last bit. */
    cr_assert_eq(sg_live(a, "loss_none"), sg_live(b, "loss_none"));
    cr_assert_eq(sg_live(a, "loss_bn"), sg_live(b, "loss_bn"));
    cr_assert_eq(sg_live(a, "step"), 40.0);
    double ra = sg_live(a, "range_none");
    cr_assert(ra > 0.0 && isfinite(ra));
    scene_destroy(a);
    scene_destroy(b);
    lesson_destroy(la);
    lesson_destroy(lb);
}

Test(scene_bn_probe, the_view_key_cycles_the_landscape_measures_and_the_frame_follows)
{
    Lesson *l;
    Scene *s = sg_make(&l, LAND, 1);
    scene_step(s, 20);
    char *first = sg_render(s, 80, 13, false);
    cr_assert_not_null(strstr(first, "loss range"), "%s", first);
    cr_assert(scene_key(s, 'v'));
    char *second = sg_render(s, 80, 13, false);
    cr_assert_not_null(strstr(second, "grad change"), "%s", second);
    cr_assert(scene_key(s, 'v'));
    cr_assert(scene_key(s, 'v'));
    char *again = sg_render(s, 80, 13, false);
    cr_assert_str_eq(again, first);
    free(first);
    free(second);
    free(again);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_bn_probe, frames_match_their_goldens)
{
    Lesson *l;
    Scene *s = sg_make(&l, LAND, 1);
    scene_step(s, 40);
    sg_golden_frames_sized(s, "scene_bn_probe_landscape");
    scene_destroy(s);
    lesson_destroy(l);
    s = sg_make(&l, ICS, 1);
    scene_step(s, 40);
    sg_golden_frames_sized(s, "scene_bn_probe_ics");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_bn_probe, drawing_stays_inside_its_area_at_any_size)
{
    static const int sizes[][2] = { { 200, 60 }, { 140, 56 }, { 120, 30 }, { 80, 22 }, { 80, 13 }, { 40, 6 },
                                    { 39, 5 }, { 1, 1 } };
    for (int m = 0; m < 2; m++) {
        Lesson *l;
        Scene *s = sg_make(&l, m ? ICS : LAND, 1);
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
        scene_step(s, 15);
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
        scene_destroy(s);
        lesson_destroy(l);
    }
}

Test(scene_bn_probe, the_ics_page_neither_lists_nor_runs_the_view_key_it_has_no_use_for)
{
    Lesson *l;
    Scene *s = sg_make(&l, ICS, 1);
    SceneKey keys[SCENE_KEYS_MAX];
    cr_expect_eq(scene_keys(s, keys), 0, "ICS shows both its measures: no key to list");
    cr_expect_not(scene_key(s, 'v'), "'v' does nothing on the ICS page");
    scene_destroy(s);
    lesson_destroy(l);
    s = sg_make(&l, LAND, 1);
    cr_expect_eq(scene_keys(s, keys), 1);
    cr_expect_str_eq(keys[0].key, "v");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_bn_probe, a_net_that_diverges_stops_alone_and_reports_nothing_from_then_on)
{
    Lesson *l;
    Scene *s = sg_make(&l, "scene bn-probe\n dataset = moons\n hidden = 16,16,16\n act = relu\n lr = 10\n steps = 60\n", 1);
    scene_step(s, 60);
    cr_assert_eq(sg_live(s, "step"), 60, "the BN net probed on to the end");
    double v;
    cr_expect(scene_live(s, "range_bn", NULL, &v) && scene_live(s, "loss_bn", NULL, &v));
    cr_expect_not(scene_live(s, "range_none", NULL, &v), "no mean from a diverged net");
    cr_expect_not(scene_live(s, "loss_none", NULL, &v), "no loss from a diverged net");
    int i = 0;
    cr_expect_not(scene_live(s, "line_none", &i, &v), "no line from a diverged net");
    char *dump = sg_render(s, 80, 13, true);
    cr_expect(strstr(dump, "none diverged") && strstr(dump, "no BN (diverged at step"), "marked:\n%s", dump);
    cr_expect_null(strstr(dump, "nan"), "no NaN on screen:\n%s", dump);
    free(dump);
    scene_destroy(s);
    lesson_destroy(l);
}
