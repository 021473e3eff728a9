/* The gamma-beta scene: golden frames, γ/β against an independent training run, keys, layout bounds. */
#include <criterion/criterion.h>
#include <math.h>

#include "scene/netrun.h"
#include "support/check.h"
#include "support/lessonscene.h"

static const char *const settings = "seed = 3\nhidden = 8,8,8\nsteps = 400\nlayer = 1\n";

static double live(Scene *scene, const char *name, int i)
{
    double v = NAN;
    cr_assert(scene_live(scene, name, &i, &v), "live value %s[%d] is unknown", name, i);
    return v;
}

/* The same network, data and batches as the scene builds for these settings, trained by the test. */
static void reference_run(NetRun *run, uint64_t seed, long page_seed, int steps)
{
    static const double hidden[3] = {8, 8, 8};
    NetRunConfig c = {.dataset = "moons", .hidden = hidden, .num_hidden = 3, .act = ACTIVATION_RELU,
                      .placement = BN_PLACEMENT_BEFORE, .batch = 32, .lr = 0.1, .alpha = 0.1, .eps = 1e-5,
                      .convention = BN_CONVENTION_PYTORCH, .seed = netrun_seed(seed, page_seed)};
    BnError err = {0};
    cr_assert(netrun_init(run, &c, &err), "%s", err.message);
    for (int i = 0; i < steps; i++)
        cr_assert(netrun_step(run));
}

Test(scene_gamma_beta, frames_match_their_goldens_after_sixty_steps)
{
    Lesson *lesson = sg_scene_lesson("gamma-beta", settings);
    Scene *scene = sg_scene(lesson, 11);
    scene_step(scene, 60);
    sg_golden_frames_sized(scene, "scene_gamma_beta");
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_gamma_beta, gamma_and_beta_start_at_one_and_zero_and_then_are_learned)
{
    Lesson *lesson = sg_scene_lesson("gamma-beta", settings);
    Scene *scene = sg_scene(lesson, 11);
    for (int i = 0; i < 8; i++) {
        check_close(live(scene, "gamma", i), 1.0, 0, 0, "initial gamma[%d]", i);
        check_close(live(scene, "beta", i), 0.0, 0, 0, "initial beta[%d]", i);
    }
    scene_step(scene, 100);
    double moved = 0;
    for (int i = 0; i < 8; i++)
        moved += fabs(live(scene, "gamma", i) - 1.0) + fabs(live(scene, "beta", i));
    cr_assert(moved > 1e-3, "gamma and beta did not move in 100 steps (total change %g)", moved);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_gamma_beta, live_values_agree_with_an_independent_run_on_every_layer)
{
    Lesson *lesson = sg_scene_lesson("gamma-beta", settings);
    Scene *scene = sg_scene(lesson, 11);
    scene_step(scene, 50);
    NetRun ref;
    reference_run(&ref, 11, 3, 50);
    check_close(live(scene, "step", 0), 50, 0, 0, "steps taken");
    check_close(live(scene, "loss", 0), ref.loss, 1e-12, 1e-12, "loss after 50 steps");
    for (int layer = 0; layer < 3; layer++) {
        if (layer > 0)
            cr_assert(scene_key(scene, 'w'), "w watches the next layer");
        const MlpLayer *L = &ref.mlp->hidden[layer];
        for (int i = 0; i < 8; i++) {
            check_close(live(scene, "gamma", i), L->gamma[i], 1e-12, 1e-12, "layer %d gamma[%d]", layer + 1, i);
            check_close(live(scene, "beta", i), L->beta[i], 1e-12, 1e-12, "layer %d beta[%d]", layer + 1, i);
        }
    }
    cr_assert(scene_key(scene, 'w'), "w wraps around to the first layer");
    check_close(live(scene, "gamma", 0), ref.mlp->hidden[0].gamma[0], 1e-12, 1e-12, "wrapped to layer 1");
    cr_assert(scene_key(scene, '2'));
    check_close(live(scene, "gamma", 3), ref.mlp->hidden[1].gamma[3], 1e-12, 1e-12, "2 watches layer 2");
    cr_assert_not(scene_key(scene, '9'), "there is no ninth layer");
    int bad = 8;
    double v;
    cr_assert_not(scene_live(scene, "gamma", &bad, &v), "gamma[8] is out of range");
    netrun_free(&ref);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_gamma_beta, the_frame_says_how_many_sets_of_parameters_there_are)
{
    Lesson *lesson = sg_scene_lesson("gamma-beta", settings);
    Scene *scene = sg_scene(lesson, 11);
    cr_assert(ls_frame_has(scene, 80, 13, "3 BN layers = 3 sets"));
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_gamma_beta, training_stops_at_the_step_limit_and_reset_starts_over)
{
    Lesson *lesson = sg_scene_lesson("gamma-beta", "hidden = 8\nsteps = 30\n");
    Scene *scene = sg_scene(lesson, 5);
    scene_step(scene, 45);
    check_close(live(scene, "step", 0), 30, 0, 0, "stops at steps");
    double g = live(scene, "gamma", 2);
    BnError err = {0};
    cr_assert(scene_reset(scene, 5, &err));
    check_close(live(scene, "gamma", 2), 1.0, 0, 0, "reset gamma");
    scene_step(scene, 30);
    check_close(live(scene, "gamma", 2), g, 0, 0, "same seed, same run");
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_gamma_beta, a_network_without_bn_says_so_and_has_no_gamma)
{
    Lesson *lesson = sg_scene_lesson("gamma-beta", "placement = none\n");
    Scene *scene = sg_scene(lesson, 5);
    scene_step(scene, 3);
    double v;
    int i = 0;
    cr_assert_not(scene_live(scene, "gamma", &i, &v));
    cr_assert(ls_frame_has(scene, 80, 13, "no BN layer"));
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_gamma_beta, a_huge_learning_rate_shows_divergence_instead_of_nan)
{
    Lesson *lesson = sg_scene_lesson("gamma-beta", "lr = 10\nact = sigmoid\nhidden = 64,64\nsteps = 300\n");
    Scene *scene = sg_scene(lesson, 5);
    scene_step(scene, 300);
    double loss = NAN;
    bool known = scene_live(scene, "loss", NULL, &loss);
    cr_assert(!ls_frame_has(scene, 80, 13, "nan"), "the frame shows nan");
    if (!known || !isfinite(loss))
        cr_assert(ls_frame_has(scene, 80, 13, "diverged"));
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_gamma_beta, drawing_stays_inside_its_area_at_any_size)
{
    Lesson *lesson = sg_scene_lesson("gamma-beta", settings);
    Scene *scene = sg_scene(lesson, 11);
    scene_step(scene, 20);
    static const int sizes[][2] = {{200, 60}, {140, 56}, {80, 13}, {80, 22}, {60, 20}, {39, 5}, {10, 2}, {1, 1}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        sg_check_inside(scene, sizes[s][0], sizes[s][1]);
    cr_assert(ls_frame_has(scene, 30, 4, "more room"));
    scene_destroy(scene);
    lesson_destroy(lesson);
}
