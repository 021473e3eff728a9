/* The 'token-norm' scene: every method's statistics and outputs against hand loops over the tokens it shows, RMS norm equal to layer norm on centred tokens only, what an offset and a swap of the other sentences change, keys, bad settings, golden frames, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scene/scene.h"
#include "support/check.h"
#include "support/scene_golden.h"

#define TOKENS "scene token-norm\n"
enum { N = 2, T = 5, C = 6, TOKS = N * T };
static const double EPS = 1e-5;

static double live_at(const Scene *s, const char *name, int i)
{
    double v = NAN;
    int index[2] = { i, 0 };
    cr_assert(scene_live(s, name, index, &v), "%s[%d] is published", name, i);
    return v;
}

/* Every token's inputs as the panel shows them, walking the tokens with 's' (on a per-token method). */
static void read_tokens(Scene *s, double x[TOKS][C])
{
    for (int tok = 0; tok < TOKS; tok++) {
        cr_assert_eq(sg_live(s, "set"), tok, "the panel walks the tokens in order");
        for (int f = 0; f < C; f++)
            x[tok][f] = live_at(s, "x", f);
        cr_assert(scene_key(s, 's'));
    }
}

static void mean_var(const double *v, int n, int stride, double *mean, double *var)
{
    double sum = 0, sq = 0;
    for (int k = 0; k < n; k++)
        sum += v[k * stride];
    *mean = sum / n;
    for (int k = 0; k < n; k++)
        sq += (v[k * stride] - *mean) * (v[k * stride] - *mean);
    *var = sq / n;
}

Test(scene_token_norm, layer_and_rms_norm_normalize_each_token_over_its_own_features)
{
    Lesson *l;
    Scene *s = sg_make(&l, TOKENS " norm = layer\n", 4);
    cr_expect_eq(sg_live(s, "sets"), TOKS, "one set per token");
    cr_expect_eq(sg_live(s, "set_size"), C, "over its C features");
    for (int tok = 0; tok < TOKS; tok++) {
        double x[C], mean, var, ms = 0;
        for (int f = 0; f < C; f++) {
            x[f] = live_at(s, "x", f);
            ms += x[f] * x[f] / C;
        }
        mean_var(x, C, 1, &mean, &var);
        check_close(sg_live(s, "set_mean"), mean, 1e-12, 1e-12, "token %d mean", tok);
        check_close(live_at(s, "mean", tok), mean, 1e-12, 1e-12, "token %d mean[i]", tok);
        check_close(sg_live(s, "set_var"), var, 1e-10, 1e-12, "token %d variance (biased)", tok);
        for (int f = 0; f < C; f++) {
            check_close(live_at(s, "layer_y", f), (x[f] - mean) / sqrt(var + EPS), 1e-10, 1e-12, "token %d layer", tok);
            check_close(live_at(s, "rms_y", f), x[f] / sqrt(ms + EPS), 1e-10, 1e-12, "token %d rms", tok);
        }
        cr_assert(scene_key(s, 's'));
    }
    cr_assert(scene_key(s, 'k'), "k: rms");
    cr_expect_eq(sg_live(s, "sets"), TOKS);
    double x0[C], ms = 0;
    for (int f = 0; f < C; f++) {
        x0[f] = live_at(s, "x", f);
        ms += x0[f] * x0[f] / C;
    }
    cr_expect_eq(sg_live(s, "set_mean"), 0, "RMS norm subtracts no mean");
    check_close(sg_live(s, "set_var"), ms, 1e-12, 1e-12, "its statistic is the mean square");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_token_norm, batch_norm_normalizes_each_feature_over_every_token_of_every_sentence)
{
    Lesson *l;
    Scene *s = sg_make(&l, TOKENS " norm = layer\n", 7);
    double x[TOKS][C];
    read_tokens(s, x);
    cr_assert(scene_key(s, 'k'));
    cr_assert(scene_key(s, 'k'), "k twice: batch");
    cr_expect_eq(sg_live(s, "sets"), C, "one set per feature");
    cr_expect_eq(sg_live(s, "set_size"), TOKS, "over all N*T tokens");
    double mean[C], var[C];
    for (int f = 0; f < C; f++) {
        mean_var(&x[0][f], TOKS, C, &mean[f], &var[f]);
        check_close(live_at(s, "mean", f), mean[f], 1e-12, 1e-12, "feature %d mean", f);
        check_close(live_at(s, "var", f), var[f], 1e-10, 1e-12, "feature %d var", f);
    }
    cr_expect_eq(sg_live(s, "set"), 0);
    cr_assert(scene_key(s, 's'), "s now walks the features");
    cr_expect_eq(sg_live(s, "set"), 1);
    check_close(sg_live(s, "set_mean"), mean[1], 1e-12, 1e-12, "feature 1 is highlighted");
    /* The panel's token is still the first one (read_tokens wrapped round). */
    for (int f = 0; f < C; f++)
        check_close(live_at(s, "batch_y", f), (x[0][f] - mean[f]) / sqrt(var[f] + EPS), 1e-10, 1e-12, "batch %d", f);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_token_norm, rms_equals_layer_norm_exactly_when_every_token_has_mean_zero)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        SgFixture centred = sg_fixture("token-norm", "centred = yes", seed);
        SgFixture own = sg_fixture("token-norm", "centred = no", seed);
        cr_expect_lt(sg_live(centred.scene, "token_mean_max"), 1e-12, "seed %lu", (unsigned long)seed);
        cr_expect_lt(sg_live(centred.scene, "diff_max"), 1e-12, "seed %lu: same outputs", (unsigned long)seed);
        cr_expect_gt(sg_live(own.scene, "token_mean_max"), 0.5, "seed %lu: tokens with their own means",
                     (unsigned long)seed);
        cr_expect_gt(sg_live(own.scene, "diff_max"), 0.1, "seed %lu: and then the outputs differ", (unsigned long)seed);
        sg_fixture_free(&centred);
        sg_fixture_free(&own);
    }
}

Test(scene_token_norm, an_offset_leaves_layer_and_batch_norm_alone_and_makes_rms_outputs_positive)
{
    SgFixture plain = sg_fixture("token-norm", "centred = yes", 3);
    SgFixture shifted = sg_fixture("token-norm", "centred = yes\noffset = 3", 3);
    Scene *a = plain.scene, *b = shifted.scene;
    cr_expect_eq(sg_live(b, "offset"), 3);
    cr_expect_lt(sg_live(b, "offset_change_layer"), 1e-9);
    cr_expect_lt(sg_live(b, "offset_change_batch"), 1e-9);
    cr_expect_gt(sg_live(b, "offset_change_rms"), 0.1);
    cr_expect_gt(sg_live(b, "x_min"), 0, "every feature lies within 2 of its token's mean (0), so 3 makes it positive");
    cr_expect_lt(sg_live(b, "x_max"), 5);
    cr_expect_gt(sg_live(b, "rms_min"), 0, "every input is positive, and so every RMS output");
    cr_expect_lt(sg_live(b, "layer_min"), 0);
    for (int f = 0; f < C; f++) {
        check_close(live_at(b, "x", f), live_at(a, "x", f) + 3, 1e-12, 1e-12, "the same tokens, 3 higher");
        check_close(live_at(b, "layer_y", f), live_at(a, "layer_y", f), 1e-9, 1e-12, "layer output %d", f);
    }
    /* The knob does what the setting does. */
    for (int k = 0; k < 3; k++)
        cr_assert(scene_key(a, 'o'));
    cr_expect_eq(sg_live(a, "offset"), 3);
    cr_expect_eq(sg_live(a, "rms_min"), sg_live(b, "rms_min"));
    cr_assert(scene_key(a, 'O'));
    cr_expect_eq(sg_live(a, "offset"), 2);
    sg_fixture_free(&plain);
    sg_fixture_free(&shifted);
}

Test(scene_token_norm, a_step_replaces_the_other_sentences_and_only_batch_norm_moves_sentence_one)
{
    Lesson *l;
    Scene *s = sg_make(&l, TOKENS, 5);
    double v;
    cr_expect_not(scene_live(s, "moved_layer", NULL, &v), "nothing moved before a swap");
    double x[TOKS][C];
    read_tokens(s, x);
    scene_step(s, 1);
    cr_expect_eq(sg_live(s, "moved_layer"), 0, "layer norm: exactly unchanged");
    cr_expect_eq(sg_live(s, "moved_rms"), 0, "rms norm: exactly unchanged");
    cr_expect_gt(sg_live(s, "moved_batch"), 0.01, "batch norm: moved");
    double y[TOKS][C];
    read_tokens(s, y);
    int same = 0;
    for (int tok = 0; tok < TOKS; tok++)
        for (int f = 0; f < C; f++)
            same += x[tok][f] == y[tok][f];
    cr_expect_eq(same, T * C, "sentence 1 stays, sentence 2 is new");
    for (int f = 0; f < C; f++)
        cr_expect_eq(x[0][f], y[0][f]);
    cr_assert(scene_key(s, 'w'), "w swaps as a step does");
    cr_expect_gt(sg_live(s, "moved_batch"), 0.01);
    cr_assert(scene_key(s, 'f'), "f: a fresh batch");
    cr_expect_not(scene_live(s, "moved_layer", NULL, &v), "a fresh batch has no swap to compare with");
    cr_expect_neq(live_at(s, "x", 0), x[0][0]);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_token_norm, keys_cycle_methods_and_sets_and_the_same_seed_repeats)
{
    Lesson *l;
    Scene *s = sg_make(&l, TOKENS " norm = rms\n sentences = 1\n tokens = 2\n features = 2\n", 2);
    Scene *twin = scene_create(&l->pages[0], 2, NULL);
    cr_expect_eq(sg_live(s, "set_var"), sg_live(twin, "set_var"));
    cr_expect_eq(sg_live(s, "sets"), 2);
    cr_assert(scene_key(s, 'S'));
    cr_expect_eq(sg_live(s, "set"), 1, "S wraps round");
    cr_assert(scene_key(s, 'k'));
    cr_expect_eq(sg_live(s, "sets"), 2, "k: batch norm, a set per feature");
    cr_assert(scene_key(s, 'k'));
    cr_expect_eq(sg_live(s, "set_var"), live_at(s, "var", 1), "k: layer norm, token 2 still shown");
    for (int k = 0; k < 10; k++)
        scene_key(s, 'o');
    cr_expect_eq(sg_live(s, "offset"), 10);
    cr_expect_not(scene_key(s, 'o'), "the offset stops at 10");
    double before = sg_live(s, "token_mean_max");
    cr_assert(scene_key(s, 'u'), "u: the tokens' own means on or off");
    cr_expect_neq(sg_live(s, "token_mean_max"), before);
    cr_expect_not(scene_key(s, 'x'));
    cr_expect_not(scene_key(s, 'a'), "a-d are left to the questions");
    scene_destroy(twin);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_token_norm, settings_it_cannot_draw_are_refused_with_a_message)
{
    static const char *const bad[][2] = {
        { TOKENS " features = 9\n", "features from 2 to 8" },
        { TOKENS " norm = group\n", "norm = group has no per-token form: the token-norm scene shows batch, layer, rms" },
        { TOKENS " norm = instance\n", "norm = instance has no per-token form" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Lesson *l = sg_lesson(bad[i][0]);
        BnError err = { 0 };
        Scene *s = scene_create(&l->pages[0], 1, &err);
        cr_expect_null(s, "case %zu must fail", i);
        cr_expect(strstr(err.message, bad[i][1]), "case %zu: message '%s' says '%s'", i, err.message, bad[i][1]);
        scene_destroy(s);
        lesson_destroy(l);
    }
}

Test(scene_token_norm, frames_match_their_goldens)
{
    static const char *const cases[][2] = {
        { "layer", "norm = layer" },
        { "rms_offset", "norm = rms\ncentred = yes\noffset = 3" },
        { "batch", "norm = batch\nsentences = 3\ntokens = 4" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        SgFixture f = sg_fixture("token-norm", cases[i][1], 1);
        scene_key(f.scene, 's');
        scene_step(f.scene, 1);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "scene_token_norm_%s", cases[i][0]);
        sg_golden_frames_sized(f.scene, prefix);
        sg_fixture_free(&f);
    }
}

Test(scene_token_norm, drawing_stays_inside_its_area_at_any_size)
{
    static const char *const shapes[] = { "sentences = 4\ntokens = 6\nfeatures = 8\noffset = -10",
                                          "sentences = 1\ntokens = 2\nfeatures = 2" };
    static const int sizes[][2] = { { 200, 60 }, { 140, 56 }, { 80, 22 }, { 80, 13 }, { 60, 20 }, { 40, 8 }, { 39, 5 }, { 1, 1 } };
    for (int k = 0; k < 2; k++) {
        SgFixture f = sg_fixture("token-norm", shapes[k], 1);
        scene_step(f.scene, 1);
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            sg_check_stays_inside(f.scene, sizes[i][0], sizes[i][1]);
            sg_check_inside_mode(f.scene, sizes[i][0], sizes[i][1], false);
        }
        sg_fixture_free(&f);
    }
}
