/* The 'loss-surface' scene (lesson 2): golden frames, losses and step counts against plain loops, divergence, keys, bounds. */
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

/* A 'loss-surface' scene for the page plus extra setting lines. */
static Fixture fixture_make(const char *settings, uint64_t seed) { return sg_fixture("loss-surface", settings, seed); }

static void golden_all(const char *settings, int steps, const char *tag)
{
    Fixture f = fixture_make(settings, 1);
    scene_step(f.scene, steps);
    char prefix[96];
    snprintf(prefix, sizeof prefix, "scene_loss_surface_%s", tag);
    sg_golden_frames_sized(f.scene, prefix);
    sg_fixture_free(&f);
}

Test(scene_loss_surface, a_canyon_safe_rate_matches_its_golden_frames) { golden_all("lr = 2e-9\n", 12, "crawl"); }
Test(scene_loss_surface, a_bowl_sized_rate_matches_its_golden_frames) { golden_all("lr = 0.5\n", 40, "bowl"); }
Test(scene_loss_surface, one_surface_alone_matches_its_golden_frames) { golden_all("scale = raw\nlr = 2e-9\n", 6, "raw"); }

/* ---- an independent model of the problem: plain loops over the same data ------------------ */

typedef struct Plain {
    int n;
    double mean[2], sd[2], ymean;
    double a[2][2], b[2];       /* raw-unit normal equations of the centred data */
    double wmin[2], lossmin, lmax;
} Plain;

static Plain plain_make(uint64_t seed)
{
    Dataset *train, *test;
    BnError err;
    cr_assert(dataset_load("scaled2d", seed, 200, 1, &train, &test, &err), "%s", err.message);
    Plain p = {.n = train->n};
    for (int i = 0; i < p.n; i++) {
        p.mean[0] += dataset_values(train)[i * 2] / p.n, p.mean[1] += dataset_values(train)[i * 2 + 1] / p.n;
        p.ymean += train->y[i] / p.n;
    }
    double saa = 0, sab = 0, sbb = 0, say = 0, sby = 0;
    for (int i = 0; i < p.n; i++) {
        double u = dataset_values(train)[i * 2] - p.mean[0], v = dataset_values(train)[i * 2 + 1] - p.mean[1], t = train->y[i] - p.ymean;
        saa += u * u, sab += u * v, sbb += v * v, say += u * t, sby += v * t;
    }
    p.a[0][0] = saa / p.n, p.a[0][1] = p.a[1][0] = sab / p.n, p.a[1][1] = sbb / p.n;
    p.b[0] = say / p.n, p.b[1] = sby / p.n;
    p.sd[0] = sqrt(p.a[0][0]), p.sd[1] = sqrt(p.a[1][1]);
    double det = p.a[0][0] * p.a[1][1] - p.a[0][1] * p.a[0][1];
    p.wmin[0] = (p.a[1][1] * p.b[0] - p.a[0][1] * p.b[1]) / det;
    p.wmin[1] = (p.a[0][0] * p.b[1] - p.a[0][1] * p.b[0]) / det;
    double tr = p.a[0][0] + p.a[1][1];
    p.lmax = 0.5 * tr + sqrt(0.25 * tr * tr - det);
    double ss = 0;
    for (int i = 0; i < p.n; i++) {
        double u = dataset_values(train)[i * 2] - p.mean[0], v = dataset_values(train)[i * 2 + 1] - p.mean[1], t = train->y[i] - p.ymean;
        double r = t - p.wmin[0] * u - p.wmin[1] * v;
        ss += r * r;
    }
    p.lossmin = ss / (2.0 * p.n);
    dataset_destroy(train);
    dataset_destroy(test);
    return p;
}

/* The least-squares loss with the best bias at raw-unit weights w, summed over the residuals. */
static double plain_loss(uint64_t seed, const double w[2])
{
    Dataset *train, *test;
    BnError err;
    cr_assert(dataset_load("scaled2d", seed, 200, 1, &train, &test, &err));
    Plain p = plain_make(seed);
    double ss = 0;
    for (int i = 0; i < p.n; i++) {
        double r = (train->y[i] - p.ymean) - w[0] * (dataset_values(train)[i * 2] - p.mean[0]) - w[1] * (dataset_values(train)[i * 2 + 1] - p.mean[1]);
        ss += r * r;
    }
    dataset_destroy(train);
    dataset_destroy(test);
    return ss / (2.0 * p.n);
}

Test(scene_loss_surface, both_paths_start_from_the_same_model_at_the_same_loss)
{
    Fixture f = fixture_make("lr = 0.5\n", 1);
    double raw, scaled;
    cr_assert(scene_live(f.scene, "loss_raw", NULL, &raw));
    cr_assert(scene_live(f.scene, "loss_scaled", NULL, &scaled));
    double w0[2] = {0.0, 1.0};  /* the documented start: w = (0, 1) in raw units */
    double want = plain_loss(1, w0);
    check_close(raw, want, 1e-9, 1e-12, "raw loss at the start");
    check_close(scaled, want, 1e-9, 1e-12, "the scaled start is the same model, so the same loss");
    sg_fixture_free(&f);
}

/* Plain gradient descent in standardized units with the scene's rule; steps until within 0.1 % of the best loss. */
static long plain_steps_scaled(const Plain *p, double lr)
{
    /* Standardized Hessian: the correlation matrix; minimum at wmin·sd. */
    double c = p->a[0][1] / (p->sd[0] * p->sd[1]);
    double ws[2] = {p->wmin[0] * p->sd[0], p->wmin[1] * p->sd[1]};
    double w[2] = {0.0, 1.0 * p->sd[1]};
    double tol = 1e-3 * p->lossmin;
    for (long step = 1; step < 100000; step++) {
        double d0 = w[0] - ws[0], d1 = w[1] - ws[1];
        double g0 = d0 + c * d1, g1 = c * d0 + d1;
        w[0] -= lr * g0, w[1] -= lr * g1;
        d0 = w[0] - ws[0], d1 = w[1] - ws[1];
        double excess = 0.5 * (d0 * d0 + 2 * c * d0 * d1 + d1 * d1);
        if (excess <= tol)
            return step;
    }
    return -1;
}

Test(scene_loss_surface, the_bowl_converges_in_the_steps_plain_descent_needs_and_the_canyon_diverges)
{
    Fixture f = fixture_make("lr = 0.5\nsteps = 500\n", 1);
    Plain p = plain_make(1);
    long want = plain_steps_scaled(&p, 0.5);
    cr_assert(want > 0, "plain descent should converge on the bowl at lr 0.5");
    double predicted;
    cr_assert(scene_live(f.scene, "steps_scaled", NULL, &predicted), "steps needed are known before playing");
    cr_assert_eq((long)predicted, want, "steps_scaled before playing: %g, plain loops: %ld", predicted, want);
    scene_step(f.scene, 500);
    double got;
    cr_assert(scene_live(f.scene, "steps_scaled", NULL, &got));
    cr_assert_eq((long)got, want, "the bowl converged after %g steps, plain loops say %ld", got, want);
    double loss;
    cr_assert(scene_live(f.scene, "loss_scaled", NULL, &loss));
    cr_assert(loss <= p.lossmin * (1 + 1e-3) + 1e-12, "converged loss %g should be within 0.1%% of %g", loss, p.lossmin);
    /* lr 0.5 is ~10^8 times the canyon's limit 2/λmax: it diverges and shows it in words. */
    cr_assert(0.5 > 2.0 / p.lmax * 1e6);
    cr_assert_not(scene_live(f.scene, "loss_raw", NULL, &loss), "a diverged path has no loss to report");
    cr_assert_not(scene_live(f.scene, "steps_raw", NULL, &loss), "nor a step count");
    char *dump = sg_render(f.scene, 80, 13, true);
    cr_assert(strstr(dump, "diverged at step 1"), "divergence should be stated:\n%s", dump);
    char want_conv[64];
    snprintf(want_conv, sizeof want_conv, "converged after %ld steps", want);
    cr_assert(strstr(dump, want_conv), "the bowl's count should be stated:\n%s", dump);
    cr_assert_null(strstr(dump, "nan"), "never NaN on screen:\n%s", dump);
    free(dump);
    sg_fixture_free(&f);
}

Test(scene_loss_surface, the_stability_limit_shown_is_two_over_the_largest_eigenvalue)
{
    Fixture f = fixture_make("lr = 1e-9\n", 1);
    Plain p = plain_make(1);
    char want[FORMAT_MAX], line[96];
    format_number(want, sizeof want, 2.0 / p.lmax, 3, true);
    snprintf(line, sizeof line, "stable below 2/λmax = %s", want);
    char *dump = sg_render(f.scene, 80, 13, true);
    cr_assert(strstr(dump, line), "expected \"%s\" on screen:\n%s", line, dump);
    free(dump);
    /* 'c' picks 90 % of that limit for the shared rate. */
    cr_assert(scene_key(f.scene, 'c'));
    format_number(want, sizeof want, 0.9 * 2.0 / p.lmax, 3, true);
    snprintf(line, sizeof line, "one rule for both: lr = %s, momentum off", want);
    dump = sg_render(f.scene, 80, 13, true);
    cr_assert(strstr(dump, line), "expected \"%s\" on screen:\n%s", line, dump);
    free(dump);
    /* Momentum raises the limit to 2(1 + 0.9)/λmax and says so. */
    cr_assert(scene_key(f.scene, 'o'));
    format_number(want, sizeof want, 3.8 / p.lmax, 3, true);
    snprintf(line, sizeof line, "= %s", want);
    dump = sg_render(f.scene, 80, 13, true);
    cr_assert(strstr(dump, "momentum 0.9"), "momentum should be announced:\n%s", dump);
    cr_assert(strstr(dump, line), "the heavy-ball limit %s should show:\n%s", want, dump);
    free(dump);
    sg_fixture_free(&f);
}

Test(scene_loss_surface, at_a_canyon_safe_rate_the_raw_path_crawls_and_says_how_far_it_has_to_go)
{
    Fixture f = fixture_make("lr = 2e-9\nsteps = 50\n", 1);
    scene_step(f.scene, 80);
    double loss;
    cr_assert(scene_live(f.scene, "loss_raw", NULL, &loss));
    cr_assert(isfinite(loss) && loss > 1.5 * plain_make(1).lossmin, "the canyon is still far from its best loss");
    char *dump = sg_render(f.scene, 80, 13, true);
    /* At 80 columns the shorter wording keeps the prediction whole (it used to be cut mid-number). */
    const char *capped = strstr(dump, "not there after 50 (needs ");
    cr_assert(capped, "the cap of 50 steps should be reported:\n%s", dump);
    size_t len = strcspn(capped, "\n");
    cr_assert(len > 0 && capped[len - 1] == ')', "the predicted step count should show whole:\n%s", dump);
    free(dump);
    double steps;
    cr_assert(scene_live(f.scene, "steps_raw", NULL, &steps));
    cr_assert(steps > 1e8, "the canyon needs a huge number of steps at its safe rate, got %g", steps);
    sg_fixture_free(&f);
}

Test(scene_loss_surface, rate_keys_change_the_rate_and_restart_both_paths)
{
    Fixture f = fixture_make("lr = 0.5\n", 1);
    scene_step(f.scene, 3);
    cr_assert(scene_key(f.scene, ']'));
    char *dump = sg_render(f.scene, 80, 13, true);
    cr_assert(strstr(dump, "lr = 1,"), "] doubles 0.5 to 1:\n%s", dump);
    cr_assert(strstr(dump, "step 0"), "a new rate restarts the paths:\n%s", dump);
    free(dump);
    cr_assert(scene_key(f.scene, '{'));
    cr_assert(scene_key(f.scene, '['));
    dump = sg_render(f.scene, 80, 13, true);
    cr_assert(strstr(dump, "lr = 0.05,"), "{ then [ divide by 10 and 2:\n%s", dump);
    free(dump);
    cr_assert(scene_key(f.scene, 'b'));
    dump = sg_render(f.scene, 80, 13, true);
    cr_assert_null(strstr(dump, "lr = 0.05,"), "b picks the bowl's best rate:\n%s", dump);
    free(dump);
    cr_assert_not(scene_key(f.scene, 'Z'));
    SceneKey keys[SCENE_KEYS_MAX];
    cr_assert_eq(scene_keys(f.scene, keys), 5);
    sg_fixture_free(&f);
}

Test(scene_loss_surface, the_same_seed_gives_the_same_frames_and_reset_starts_over)
{
    Fixture a = fixture_make("lr = 2e-9\n", 5), b = fixture_make("lr = 2e-9\n", 5);
    scene_step(a.scene, 7);
    scene_step(b.scene, 7);
    char *da = sg_render(a.scene, 80, 22, true), *db = sg_render(b.scene, 80, 22, true);
    cr_assert_str_eq(da, db);
    BnError err;
    cr_assert(scene_reset(a.scene, 5, &err));
    Fixture c = fixture_make("lr = 2e-9\n", 5);
    char *dr = sg_render(a.scene, 80, 22, true), *dc = sg_render(c.scene, 80, 22, true);
    cr_assert_str_eq(dr, dc, "reset gives the first frame again");
    free(da), free(db), free(dr), free(dc);
    sg_fixture_free(&a), sg_fixture_free(&b), sg_fixture_free(&c);
}

Test(scene_loss_surface, drawing_stays_inside_its_area_at_every_size_even_after_divergence)
{
    static const char *const pages[] = {"lr = 2e-9\n", "lr = 10\n", "scale = scaled\nlr = 3\n"};
    static const int sizes[][2] = {{200, 60}, {140, 56}, {80, 22}, {80, 13}, {60, 20}, {45, 8}, {39, 5}, {3, 1}};
    for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
        Fixture f = fixture_make(pages[p], 1);
        scene_step(f.scene, 30);
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            sg_check_inside_mode(f.scene, sizes[i][0], sizes[i][1], true);
            sg_check_inside_mode(f.scene, sizes[i][0], sizes[i][1], false);
        }
        char *dump = sg_render(f.scene, 200, 60, true);
        cr_assert_null(strstr(dump, "nan"), "no NaN for %s", pages[p]);
        free(dump);
        sg_fixture_free(&f);
    }
}
