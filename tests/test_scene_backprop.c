/* The backprop scene: gradients against a plain-loop recomputation, the numerical check's error, keys, frames and large-screen panels. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "support/bnscene.h"
#include "view/format.h"

/* dx, dγ, dβ of L = ½Σ(y − t)² recomputed from x and dy by the textbook formulas, in plain loops. */
static void check_gradients(const Scene *scene, int n, int c, const double *gamma, double eps)
{
    for (int j = 0; j < c; j++) {
        double x[64], dy[64], mean = 0, var = 0;
        for (int i = 0; i < n; i++) {
            x[i] = bn_live(scene, "x", i, j);
            dy[i] = bn_live(scene, "dy", i, j);
            mean += x[i] / n;
        }
        for (int i = 0; i < n; i++)
            var += (x[i] - mean) * (x[i] - mean) / n;
        double sd = sqrt(var + eps), sum_dy = 0, sum_dy_xhat = 0;
        for (int i = 0; i < n; i++) {
            sum_dy += dy[i];
            sum_dy_xhat += dy[i] * (x[i] - mean) / sd;
        }
        check_close(bn_live(scene, "dbeta", j, 0), sum_dy, 1e-10, 1e-12, "dbeta[%d] = sum of dy", j);
        check_close(bn_live(scene, "dgamma", j, 0), sum_dy_xhat, 1e-10, 1e-12, "dgamma[%d] = sum of dy*xhat", j);
        double col = 0;
        for (int i = 0; i < n; i++) {
            double xhat = (x[i] - mean) / sd;
            double want = gamma[j] / (n * sd) * (n * dy[i] - sum_dy - xhat * sum_dy_xhat);
            double got = bn_live(scene, "dx", i, j);
            check_close(got, want, 1e-10, 1e-12, "dx[%d][%d]", i, j);
            col += got;
        }
        cr_assert(fabs(col) < 1e-12, "dx of feature %d sums to %g, not 0 (shifting a whole column changes nothing)", j,
                  col);
    }
}

Test(scene_backprop, gradients_match_the_formulas_recomputed_by_hand)
{
    Lesson *lesson = sg_scene_lesson("backprop", "gamma = 1.5, -0.5, 2\nbeta = 0.3\neps = 1e-3");
    Scene *scene = sg_scene(lesson, 7);
    const double gamma[3] = { 1.5, -0.5, 2 };
    check_gradients(scene, 4, 3, gamma, 1e-3);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_backprop, the_numerical_check_agrees_to_about_one_in_a_billion)
{
    /* A batch of two is the hard case: xhat is ±1 whatever x is, so dx comes only from ε and is a
     * small difference of large terms; the loss barely moves, and rounding shows sooner. */
    static const struct { const char *settings; double limit; } setups[] = {
        { "", 1e-9 }, { "batch = 8", 1e-9 }, { "features = 5\ngamma = 3", 1e-9 }, { "batch = 16\neps = 0.1", 1e-9 },
        { "batch = 2\nfeatures = 1", 1e-8 },
    };
    for (size_t k = 0; k < sizeof setups / sizeof setups[0]; k++)
        for (uint64_t seed = 1; seed <= 4; seed++) {
            Lesson *lesson = sg_scene_lesson("backprop", setups[k].settings);
            Scene *scene = sg_scene(lesson, seed);
            double err = bn_live(scene, "max_error", 0, 0);
            cr_assert(err < setups[k].limit, "max relative error %g for '%s', seed %d", err, setups[k].settings,
                      (int)seed);
            /* Guard against a check that passes because everything is zero. */
            cr_assert(fabs(bn_live(scene, "dgamma", 0, 0)) > 1e-6, "dgamma should not vanish");
            scene_destroy(scene);
            lesson_destroy(lesson);
        }
}

Test(scene_backprop, keys_draw_a_new_batch_move_the_highlight_and_toggle_the_check)
{
    Lesson *lesson = sg_scene_lesson("backprop", "");
    Scene *scene = sg_scene(lesson, 1);
    double before = bn_live(scene, "dx", 0, 0);
    cr_assert(scene_key(scene, 'b'));
    cr_assert(bn_live(scene, "dx", 0, 0) != before, "b draws a new batch");
    const double gamma[3] = { 1, 1, 1 };
    check_gradients(scene, 4, 3, gamma, 1e-5);
    cr_assert(bn_frame_has(scene, "#1, feat 1: dx ="));
    cr_assert(scene_key(scene, 'f'));
    cr_assert(scene_key(scene, 'x'));
    cr_assert(bn_frame_has(scene, "#2, feat 2: dx ="), "f and x move the highlighted cell");
    cr_assert(bn_frame_has(scene, "numeric  "));
    cr_assert(bn_frame_has(scene, "max relative error"));
    cr_assert(scene_key(scene, 'c'));
    cr_assert_not(bn_frame_has(scene, "numeric  "), "c hides the numerical column");
    cr_assert_not(scene_key(scene, 'Z'));
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_backprop, check_off_in_the_lesson_hides_the_numbers)
{
    Lesson *lesson = sg_scene_lesson("backprop", "check = no");
    Scene *scene = sg_scene(lesson, 1);
    cr_assert_not(bn_frame_has(scene, "numeric  "));
    cr_assert(bn_frame_has(scene, "numerical check off"));
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_backprop, a_batch_of_one_says_why_there_are_no_gradients)
{
    Lesson *lesson = sg_scene_lesson("backprop", "batch = 1");
    Scene *scene = sg_scene(lesson, 1);
    double v;
    int index[2] = { 0, 0 };
    cr_assert_not(scene_live(scene, "dx", index, &v));
    cr_assert(bn_frame_has(scene, "no gradients"));
    bn_check_sizes(scene);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_backprop, the_same_seed_gives_the_same_gradients)
{
    Lesson *lesson = sg_scene_lesson("backprop", "");
    Scene *a = sg_scene(lesson, 3), *b = sg_scene(lesson, 3), *c = sg_scene(lesson, 4);
    cr_assert_eq(bn_live(a, "dx", 2, 1), bn_live(b, "dx", 2, 1));
    cr_assert_neq(bn_live(a, "dx", 2, 1), bn_live(c, "dx", 2, 1));
    scene_destroy(a);
    scene_destroy(b);
    scene_destroy(c);
    lesson_destroy(lesson);
}

Test(scene_backprop, drawing_stays_inside_the_area_at_every_size)
{
    Lesson *lesson = sg_scene_lesson("backprop", "batch = 20\nfeatures = 9");
    Scene *scene = sg_scene(lesson, 2);
    bn_check_sizes(scene);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_backprop, frames_match_their_goldens)
{
    Lesson *lesson = sg_scene_lesson("backprop", "");
    Scene *scene = sg_scene(lesson, 1);
    sg_golden_frames_sized(scene, "scene_backprop");
    scene_destroy(scene);
    lesson_destroy(lesson);
}

/* ---- large screens ------------------------------------------------------------------------- */

static bool large_frame_has(Scene *scene, const char *needle)
{
    char *dump = bn_dump(scene, 140, 56, true);
    bool found = strstr(dump, needle) != NULL;
    free(dump);
    return found;
}

Test(scene_backprop, large_screens_show_each_column_sum_of_dx_and_it_is_zero)
{
    static const char *const setups[] = { "", "batch = 6\nfeatures = 4\ngamma = 2, -1" };
    for (int k = 0; k < 2; k++) {
        Lesson *lesson = sg_scene_lesson("backprop", setups[k]);
        Scene *scene = sg_scene(lesson, 5);
        int n = k == 0 ? 4 : 6, c = k == 0 ? 3 : 4;
        char *dump = bn_dump(scene, 140, 56, true);
        cr_assert(strstr(dump, "Each column of dx sums to 0."), "the panel says why the sums vanish");
        for (int j = 0; j < c; j++) {
            double sum = 0, scale = 0;
            for (int i = 0; i < n; i++) {
                sum += bn_live(scene, "dx", i, j);
                scale = fmax(scale, fabs(bn_live(scene, "dx", i, j)));
            }
            cr_assert(fabs(sum) < 1e-14 * fmax(1.0, scale) * n, "dx of feature %d sums to %g", j, sum);
            char num[FORMAT_MAX], want[64];
            format_number(num, sizeof num, sum, 4, false);
            snprintf(want, sizeof want, "sum dx = %s", num);
            cr_assert(strstr(dump, want), "setup %d: feature %d's panel should read '%s'", k, j, want);
        }
        free(dump);
        cr_assert_not(bn_frame_has(scene, "sum dx ="), "80x22 keeps its layout: no panel");
        scene_destroy(scene);
        lesson_destroy(lesson);
    }
}

Test(scene_backprop, the_check_scatter_shows_on_large_screens_while_the_check_is_on)
{
    Lesson *lesson = sg_scene_lesson("backprop", "");
    Scene *scene = sg_scene(lesson, 1);
    cr_assert(large_frame_has(scene, "analytic vs numerical"));
    cr_assert(large_frame_has(scene, "* dx  o dgamma  + dbeta"), "the legend names all three gradients");
    cr_assert_not(bn_frame_has(scene, "analytic vs numerical"), "not at 80x22");
    cr_assert(scene_key(scene, 'c'));
    cr_assert_not(large_frame_has(scene, "analytic vs numerical"), "c hides the check, its scatter too");
    cr_assert(large_frame_has(scene, "sum dx ="), "the column sums need no check");
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_backprop, large_frames_match_their_goldens)
{
    Lesson *lesson = sg_scene_lesson("backprop", "");
    Scene *scene = sg_scene(lesson, 1);
    for (int ascii = 0; ascii < 2; ascii++) {
        char *dump = bn_dump(scene, 140, 56, ascii);
        golden_check(ascii ? "scene_backprop_140x56_ascii" : "scene_backprop_140x56_braille", dump);
        free(dump);
    }
    scene_destroy(scene);
    lesson_destroy(lesson);
}

Test(scene_backprop, when_not_every_feature_fits_the_panel_shows_the_highlighted_one)
{
    Lesson *lesson = sg_scene_lesson("backprop", "batch = 10\nfeatures = 7");
    Scene *scene = sg_scene(lesson, 1);
    char *dump = bn_dump(scene, 200, 58, true);
    cr_assert(strstr(dump, "dx of feat 1") && !strstr(dump, "dx of feat 7"), "a first page of features");
    cr_assert(strstr(dump, "of 7 shown: f moves on)"));
    free(dump);
    for (int k = 0; k < 6; k++)
        scene_key(scene, 'f');
    dump = bn_dump(scene, 200, 58, true);
    cr_assert(strstr(dump, "dx of feat 7") && !strstr(dump, "dx of feat 1"), "f pages to the highlighted feature");
    free(dump);
    bn_check_sizes(scene);
    scene_destroy(scene);
    lesson_destroy(lesson);
}

/* ---- the worked dx line -------------------------------------------------------------------- */

/* The numbers of a line, in order: "1*(2*(-0.5) - 3)" gives 1, 2, -0.5, 3 (an operator minus stands apart). */
static int numbers_in(const char *s, double *out, int max)
{
    int n = 0;
    while (*s && n < max) {
        if ((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')) {
            char *end;
            out[n++] = strtod(s, &end);
            s = end;
        } else {
            s++;
        }
    }
    return n;
}

Test(scene_backprop, the_worked_dx_line_adds_up_from_the_numbers_it_shows)
{
    /* A batch of two is where four digits fail: N·dy, Σdy and xhat·Σdy·xhat nearly cancel. */
    static const char *const setups[] = { "", "batch = 2\nfeatures = 1", "batch = 8\ngamma = 1.5" };
    for (int k = 0; k < 3; k++)
        for (uint64_t seed = 1; seed <= 6; seed++) {
            Lesson *lesson = sg_scene_lesson("backprop", setups[k]);
            Scene *scene = sg_scene(lesson, seed);
            char *dump = bn_dump(scene, 120, 40, true);
            const char *line = strstr(dump, ": dx = ");
            cr_assert(line, "no worked line:\n%s", dump);
            char text[256];
            size_t len = strcspn(line, "\n");
            snprintf(text, sizeof text, "%.*s", (int)len, line + 7);
            double v[12];
            int got = numbers_in(text, v, 12);
            cr_assert_eq(got, 9, "setup %d seed %d: expected γ, N, dy, Σdy, xhat, Σdy·xhat, N, sd, dx in \"%s\"", k,
                         (int)seed, text);
            double dx = v[0] * (v[1] * v[2] - v[3] - v[4] * v[5]) / (v[6] * v[7]);
            char want[FORMAT_MAX], shown[FORMAT_MAX];
            format_number(want, sizeof want, dx, 4, false);
            format_number(shown, sizeof shown, v[8], 4, false);
            cr_assert_str_eq(shown, want, "setup %d seed %d: \"%s\" works out to %.10g", k, (int)seed, text, dx);
            free(dump);
            scene_destroy(scene);
            lesson_destroy(lesson);
        }
}

/* At 80×13 the input tables do not fit: v (or the check turned off) puts the watched feature's x, xhat,
 * dy and dy·xhat in the numeric table's place, with the sums that are dβ and dγ, equal to the left table's. */
Test(scene_backprop, v_shows_the_watched_features_inputs_and_the_sums_that_make_dbeta_and_dgamma)
{
    Lesson *lesson = sg_scene_lesson("backprop", "");
    Scene *scene = sg_scene(lesson, 7);
    char *before = sg_render(scene, 80, 13, true);
    cr_assert(strstr(before, "numeric"), "the check's table at first:\n%s", before);
    cr_assert_null(strstr(before, "Σ dy ="), "%s", before);
    cr_assert(scene_key(scene, 'v'));
    char *after = sg_render(scene, 80, 13, true);
    cr_assert_null(strstr(after, "numeric"), "the check's table gave way:\n%s", after);
    int idx[2] = { 0, 0 };
    double dbeta, dgamma;
    cr_assert(scene_live(scene, "dbeta", idx, &dbeta) && scene_live(scene, "dgamma", idx, &dgamma));
    char want[96], num[FORMAT_MAX];
    format_number(num, sizeof num, dbeta, 4, true);
    snprintf(want, sizeof want, "Σ dy = %s = dβ", num);
    cr_assert(strstr(after, want), "expected \"%s\":\n%s", want, after);
    format_number(num, sizeof num, dgamma, 4, true);
    snprintf(want, sizeof want, "Σ dy·xhat = %s = dγ", num);
    cr_assert(strstr(after, want), "expected \"%s\":\n%s", want, after);
    cr_assert(strstr(after, "feat 1") && strstr(after, "xhat"), "%s", after);
    cr_assert(scene_key(scene, 'v'));
    cr_assert(scene_key(scene, 'c'));        /* the check off: the inputs take its place too */
    char *off = sg_render(scene, 80, 13, true);
    cr_assert(strstr(off, "Σ dy ="), "%s", off);
    free(before);
    free(after);
    free(off);
    scene_destroy(scene);
    lesson_destroy(lesson);
}
