/* The sandbox scene: golden frames, scrubbing restores the recorded parameters exactly, knobs, divergence, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "scene/netrun.h"
#include "scene/scene_sandbox.h"
#include "support/check.h"
#include "support/lessonscene.h"
#include "util/alloc.h"

static const char *const settings = "seed = 4\ndataset = moons\nhidden = 8,8\nsteps = 400\n";

static double live(Scene *scene, const char *name)
{
    double v = NAN;
    cr_assert(scene_live(scene, name, NULL, &v), "live value %s is unknown", name);
    return v;
}

static long view_step(Scene *scene)
{
    const double *p, *r;
    size_t np, nr;
    long step;
    sandbox_view_state(scene->self, &p, &np, &r, &nr, &step);
    return step;
}

Test(scene_sandbox, frames_match_their_goldens_live_and_while_scrubbing)
{
    Lesson *lesson = sg_scene_lesson("sandbox", settings);
    Scene *scene = sg_scene(lesson, 8);
    scene_step(scene, 120);
    sg_golden_frames_sized(scene, "scene_sandbox");
    for (int i = 0; i < 6; i++)
        scene_key(scene, '<');
    sg_golden_frames_sized(scene, "scene_sandbox_scrubbed");
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_sandbox, scrubbing_back_restores_exactly_the_recorded_parameters)
{
    Lesson *lesson = sg_scene_lesson("sandbox", settings);
    Scene *scene = sg_scene(lesson, 8);
    enum { STEPS = 60 };
    const double *p, *r;
    size_t np, nr;
    long step;
    sandbox_view_state(scene->self, &p, &np, &r, &nr, &step);
    double *params = xcalloc((STEPS + 1) * np, sizeof *params);
    double *running = xcalloc((STEPS + 1) * (nr + 1), sizeof *running);
    memcpy(params, p, np * sizeof *p);
    sandbox_live_running(scene->self, running);
    for (int t = 1; t <= STEPS; t++) {
        scene_step(scene, 1);
        sandbox_view_state(scene->self, &p, &np, &r, &nr, &step);
        cr_assert_eq(step, t);
        memcpy(params + t * np, p, np * sizeof *p);
        sandbox_live_running(scene->self, running + t * (nr + 1));
    }
    double live_loss = live(scene, "loss");
    long seen = STEPS;
    int visits = 0;
    for (int k = 0; k < 20; k++) {
        cr_assert(scene_key(scene, k % 2 ? ',' : '<'));
        sandbox_view_state(scene->self, &p, &np, &r, &nr, &step);
        cr_assert(step < seen || (step == 0 && seen == 0), "each press goes further back (%ld after %ld)", step, seen);
        cr_assert(step >= 0 && step <= STEPS);
        cr_assert(memcmp(p, params + step * np, np * sizeof *p) == 0, "parameters at step %ld differ", step);
        cr_assert(memcmp(r, running + step * (nr + 1), nr * sizeof *r) == 0, "running stats at step %ld differ", step);
        check_close(live(scene, "step"), (double)step, 0, 0, "live step follows the cursor");
        seen = step;
        visits++;
        if (step == 0)
            break;
    }
    cr_assert_eq(seen, 0, "scrubbing reaches the start");
    cr_assert(visits >= 10, "a snapshot every few steps (%d visits)", visits);
    /* Forward again, up to the live end. */
    for (int k = 0; k < 40 && view_step(scene) != STEPS; k++) {
        long before = view_step(scene);
        cr_assert(scene_key(scene, '>'));
        cr_assert(view_step(scene) > before);
    }
    cr_assert_eq(view_step(scene), STEPS);
    check_close(live(scene, "loss"), live_loss, 0, 0, "back at the live end");
    /* Stepping while scrubbed returns to live and trains on. */
    scene_key(scene, '<');
    scene_step(scene, 1);
    cr_assert_eq(view_step(scene), STEPS + 1);
    free(params);
    free(running);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_sandbox, long_runs_keep_at_most_two_hundred_snapshots_spanning_the_run)
{
    Lesson *lesson = sg_scene_lesson("sandbox", "hidden = 4\nsteps = 3000\nbatch = 8\n");
    Scene *scene = sg_scene(lesson, 8);
    scene_step(scene, 2200);
    int presses = 0;
    while (view_step(scene) > 0 && presses < 1000) {
        scene_key(scene, '<');
        presses++;
    }
    cr_assert(presses <= 200, "%d snapshots", presses);
    cr_assert(presses >= 100, "only %d snapshots", presses);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_sandbox, knobs_change_values_and_structural_ones_rebuild_the_net)
{
    Lesson *lesson = sg_scene_lesson("sandbox", settings);
    Scene *scene = sg_scene(lesson, 8);
    scene_step(scene, 20);
    cr_assert(ls_frame_has(scene, 80, 13, ">dataset    moons"));
    cr_assert(scene_key(scene, ']'));
    cr_assert(ls_frame_has(scene, 80, 13, ">dataset    spirals"));
    check_close(live(scene, "step"), 0, 0, 0, "a new dataset starts over");
    scene_step(scene, 10);
    for (int i = 0; i < 4; i++)
        cr_assert(scene_key(scene, 'j'));
    cr_assert(ls_frame_has(scene, 80, 13, ">lr         0.1"));
    cr_assert(scene_key(scene, ']'));
    cr_assert(ls_frame_has(scene, 80, 13, ">lr         0.3"));
    check_close(live(scene, "step"), 10, 0, 0, "the learning rate changes without a restart");
    cr_assert(scene_key(scene, 'k'));
    cr_assert(ls_frame_has(scene, 80, 13, ">BN         before"));
    cr_assert_not(scene_key(scene, 'x'));
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_sandbox, a_huge_learning_rate_without_bn_shows_divergence_not_nan)
{
    Lesson *lesson = sg_scene_lesson("sandbox", "placement = none\nlr = 10\nact = relu\nhidden = 32,32\nsteps = 500\n");
    Scene *scene = sg_scene(lesson, 8);
    scene_step(scene, 500);
    cr_assert(ls_frame_has(scene, 80, 13, "DIVERGED"));
    cr_assert_not(ls_frame_has(scene, 80, 13, "nan"));
    double v;
    cr_assert(scene_live(scene, "step", NULL, &v));
    cr_assert(v < 500, "training stopped at step %g", v);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_sandbox, a_batch_of_one_with_bn_explains_why_it_cannot_train)
{
    Lesson *lesson = sg_scene_lesson("sandbox", "batch = 1\n");
    Scene *scene = sg_scene(lesson, 8);
    scene_step(scene, 5);
    cr_assert(ls_frame_has(scene, 80, 13, "batch of one"));
    check_close(live(scene, "step"), 0, 0, 0, "no training step");
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_sandbox, the_same_seed_gives_the_same_run_and_training_helps)
{
    Lesson *lesson = sg_scene_lesson("sandbox", settings);
    Scene *a = sg_scene(lesson, 8), *b = sg_scene(lesson, 8);
    double acc0 = live(a, "accuracy");
    scene_step(a, 300);
    scene_step(b, 300);
    check_close(live(a, "loss"), live(b, "loss"), 0, 0, "same seed, same loss");
    cr_assert(live(a, "accuracy") > 0.8, "moons learned to %g (from %g)", live(a, "accuracy"), acc0);
    scene_destroy(a);
    scene_destroy(b);
    lesson_destroy(lesson);
}

Test(scene_sandbox, drawing_stays_inside_its_area_at_any_size)
{
    Lesson *lesson = sg_scene_lesson("sandbox", settings);
    Scene *scene = sg_scene(lesson, 8);
    scene_step(scene, 30);
    static const int sizes[][2] = {{200, 60}, {140, 56}, {80, 13}, {80, 22}, {60, 20}, {45, 8}, {39, 5}, {1, 1}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        sg_check_inside(scene, sizes[s][0], sizes[s][1]);
    scene_key(scene, '<');
    sg_check_inside(scene, 200, 60);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_sandbox, a_network_past_the_classroom_budget_is_refused_before_anything_is_allocated)
{
    /* A scene's keys may grow the batch or the layers: the run itself refuses what a tutor cannot afford. */
    const double wide[] = { 1024, 1024, 1024, 1024, 1024, 1024, 1024, 1024 };
    NetRunConfig c = { .dataset = "moons", .hidden = wide, .num_hidden = 8, .act = ACTIVATION_RELU,
                       .placement = BN_PLACEMENT_BEFORE, .batch = 256, .lr = 0.1, .alpha = 0.1, .eps = 1e-5,
                       .seed = 1 };
    NetRun run;
    BnError err = { 0 };
    cr_assert_not(netrun_init(&run, &c, &err));
    cr_assert(strstr(err.message, "a tutor may use at most 64 MB"), "%s", err.message);
    const double small[] = { 16, 16 };
    c.hidden = small;
    c.num_hidden = 2;
    error_clear(&err);
    cr_assert(netrun_init(&run, &c, &err), "%s", err.message);
    netrun_free(&run);
}
