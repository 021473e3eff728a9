/* Tests of claims: parsing conditions on live values, checking them with their values, and 'check --verify' on a lesson. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lesson/catalog.h"
#include "lesson/claim.h"
#include "lesson/lesson.h"
#include "support/check.h"

/* ---- parsing and checking, with live values from a table instead of a scene ---- */

typedef struct FakeScene {
    const char *names[4];
    double values[4];
} FakeScene;

static bool fake_lookup(void *ctx, const LessonLiveRef *ref, double *out)
{
    const FakeScene *fake = ctx;
    char name[96];
    lesson_live_format(ref, name, sizeof name);
    for (int i = 0; i < 4 && fake->names[i]; i++)
        if (strcmp(fake->names[i], name) == 0) {
            *out = fake->values[i];
            return true;
        }
    return false;
}

static LessonClaim parse_ok(const char *text)
{
    LessonClaim claim;
    char why[1024] = "";
    bool ok = claim_parse(catalog_scene_find("running-stats"), text, &claim, why, sizeof why);
    cr_assert(ok, "'%s' should parse, but: %s", text, why);
    return claim;
}

static ClaimVerdict verdict_of(const char *text, FakeScene *fake, char *report, size_t size)
{
    LessonClaim claim = parse_ok(text);
    ClaimVerdict v = claim_check(&claim, fake_lookup, fake, report, size);
    claim_free(&claim);
    return v;
}

Test(lesson_claim, a_comparison_of_two_live_values_reports_both_values)
{
    FakeScene fake = { { "scene:running_mean[2]", "scene:population_mean[2]" }, { 0.213, 0.22 } };
    char report[512];
    cr_assert_eq(verdict_of("scene:running_mean[2] > scene:population_mean[2]", &fake, report, sizeof report),
                 CLAIM_FALSE);
    cr_assert_str_eq(report, "scene:running_mean[2] = 0.213 > scene:population_mean[2] = 0.22 is false");
    cr_assert_eq(verdict_of("scene:running_mean[2] <= scene:population_mean[2]", &fake, report, sizeof report),
                 CLAIM_HOLDS);
    cr_assert_str_eq(report, "scene:running_mean[2] = 0.213 <= scene:population_mean[2] = 0.22 is true");
}

Test(lesson_claim, arithmetic_follows_precedence_and_names_the_values_inside)
{
    FakeScene fake = { { "scene:step", "scene:running_var[0]" }, { 10, 4 } };
    char report[512];
    /* 2 + 3 * 4 = 14, not 20; -(10) + 25 = 15 */
    cr_assert_eq(verdict_of("2 + 3 * scene:running_var[0] < 15", &fake, report, sizeof report), CLAIM_HOLDS);
    cr_assert_eq(verdict_of("2 + 3 * scene:running_var[0] < 14", &fake, report, sizeof report), CLAIM_FALSE);
    cr_assert_eq(verdict_of("-scene:step + 25 >= 15", &fake, report, sizeof report), CLAIM_HOLDS);
    cr_assert_eq(verdict_of("(2 + 3) * scene:running_var[0] >= 20", &fake, report, sizeof report), CLAIM_HOLDS);
    cr_assert_eq(verdict_of("scene:step / 4 > 2.5", &fake, report, sizeof report), CLAIM_FALSE);
    cr_assert_eq(verdict_of("abs(scene:running_var[0] - scene:step) < 3", &fake, report, sizeof report), CLAIM_FALSE);
    cr_assert_str_eq(report, "abs(scene:running_var[0] - scene:step) = 6 < 3 is false "
                             "(with scene:running_var[0] = 4, scene:step = 10)");
    cr_assert_eq(verdict_of("min(scene:step, 3) + max(1, scene:running_var[0]) > 6.9", &fake, report, sizeof report),
                 CLAIM_HOLDS);
    cr_assert_eq(verdict_of("1e-3 * scene:step < 0.0101", &fake, report, sizeof report), CLAIM_HOLDS);
}

Test(lesson_claim, a_value_the_scene_cannot_give_is_named_not_counted_as_false)
{
    FakeScene fake = { { "scene:step" }, { 10 } };
    char report[512];
    cr_assert_eq(verdict_of("scene:step > scene:batch_mean[1]", &fake, report, sizeof report), CLAIM_NO_VALUE);
    cr_assert_str_eq(report, "scene:batch_mean[1] has no value");
}

Test(lesson_claim, when_a_claim_is_checked_follows_its_ending)
{
    LessonClaim c = parse_ok("scene:step > 1");
    cr_assert_eq(c.when, CLAIM_AT_RUN_END);
    cr_assert_str_eq(c.text, "scene:step > 1");
    claim_free(&c);
    c = parse_ok("scene:step > 1 after 250 steps");
    cr_assert_eq(c.when, CLAIM_AFTER_STEPS);
    cr_assert_eq(c.steps, 250);
    cr_assert_str_eq(c.text, "scene:step > 1");
    cr_assert_str_eq(c.right_text, "1");
    claim_free(&c);
    c = parse_ok("scene:step > 1 after 1 step");
    cr_assert_eq(c.steps, 1);
    claim_free(&c);
    c = parse_ok("scene:step>1 when done");
    cr_assert_eq(c.when, CLAIM_WHEN_DONE);
    cr_assert_str_eq(c.left_text, "scene:step");
    claim_free(&c);
}

Test(lesson_claim, broken_claims_say_what_is_wrong)
{
    static const struct { const char *text, *message; } cases[] = {
        { "", "needs a condition" },
        { "scene:step", "has no comparison" },
        { "scene:step = 3", "'=' at column 12: a claim compares with <, <=, > or >=" },
        { "scene:step != 3", "'!=' at column 12" },
        { "scene:step >", "a value is missing at the end" },
        { "scene:stp > 1", "publishes no live value 'stp' (did you mean 'step'?)" },
        { "scene:running_mean > 1", "takes 1 index, not 0" },
        { "scene:running_mean[x] > 1", "index 'x'" },
        { "abs scene:step > 1", "'abs' needs parentheses" },
        { "min(scene:step) > 1", "takes two values" },
        { "(scene:step > 1", "')' expected" },
        { "scene:step > 1 after 3", "write 'after 3 steps'" },
        { "scene:step > 1 after steps", "needs a number of steps" },
        { "scene:step > 1 when finished", "write 'when done'" },
        { "scene:step > 1 and 2", "a claim ends after its condition" },
        { "scene:step > inf", "unknown word 'inf'" },
        { "scene:step > 0x10", "a claim ends after its condition" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        LessonClaim claim;
        char why[1024] = "";
        cr_expect(!claim_parse(catalog_scene_find("running-stats"), cases[i].text, &claim, why, sizeof why),
                  "'%s' should not parse", cases[i].text);
        cr_expect(strstr(why, cases[i].message), "'%s': expected \"%s\" in \"%s\"", cases[i].text, cases[i].message,
                  why);
    }
}

/* ---- claims in lesson files ---- */

static Lesson *parse_string(const char *text) { return lesson_parse(text, strlen(text), "t.lesson"); }

static const char *first_problem(const Lesson *lesson, char *buf, size_t size)
{
    if (lesson->problem_count == 0)
        return "";
    return lesson_problem_format(lesson, &lesson->problems[0], buf, size);
}

Test(lesson_claim, page_and_checkpoint_claims_land_on_the_page_with_their_lines)
{
    Lesson *l = parse_string("lesson 1\ntitle T\npage P\nscene running-stats\n  steps = 50\n"
                             "claim scene:step > 0\n"                                 /* 6 */
                             "checkpoint\n  question Q?\n  choice a: x\n  choice b: y\n  answer b\n"
                             "  claim scene:running_var[0] > 0 after 3 steps\n"      /* 12 */
                             "end\n"
                             "reveal after-answer\n");
    char buf[1200];
    cr_assert_eq(l->problem_count, 0, "%s", first_problem(l, buf, sizeof buf));
    const LessonPage *page = &l->pages[0];
    cr_assert_eq(page->claim_count, 2);
    cr_assert_eq(page->claims[0].line, 6);
    cr_assert_eq(page->claims[0].checkpoint, -1);
    cr_assert_eq(page->claims[1].line, 12);
    cr_assert_eq(page->claims[1].checkpoint, 0);
    cr_assert_eq(page->claims[1].steps, 3);
    cr_assert_eq(page->reveal, REVEAL_AFTER_ANSWER);
    lesson_destroy(l);
}

Test(lesson_claim, claims_in_a_file_are_checked_at_their_line)
{
    static const struct { const char *text, *message; } cases[] = {
        { "lesson 1\ntitle T\npage P\ntext\nx\nend\nclaim scene:step > 1\n",
          "t.lesson:7: 'claim' needs the page's 'scene' line before it" },
        { "lesson 1\ntitle T\nclaim scene:step > 1\npage P\ntext\nx\nend\n",
          "t.lesson:3: 'claim' must come after a 'page TITLE' line" },
        { "lesson 1\ntitle T\npage P\nscene running-stats\nclaim scene:stepz > 1\n",
          "t.lesson:5: claim: scene 'running-stats' publishes no live value 'stepz'" },
        { "lesson 1\ntitle T\npage P\nscene running-stats\nsteps = 50\nclaim scene:step > 1 after 60 steps\n",
          "t.lesson:6: claim: 'after 60 steps' is past the end of the page's run (its 'steps' is 50)" },
        { "lesson 1\ntitle T\npage P\nscene running-stats\nreveal after-answer\n",
          "t.lesson:5: 'reveal' waits for the page's questions, but this page has no checkpoint" },
        { "lesson 1\ntitle T\npage P\nscene running-stats\nreveal later\n",
          "t.lesson:5: 'reveal' takes always, after-answer or hidden, not 'later'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Lesson *l = parse_string(cases[i].text);
        char buf[1200];
        const char *got = first_problem(l, buf, sizeof buf);
        cr_expect(strstr(got, cases[i].message), "case %zu: expected \"%s\", got \"%s\"", i, cases[i].message, got);
        lesson_destroy(l);
    }
}

/* ---- 'bntutor check --verify', the real binary on tests/lessons/claims.lesson ---- */

static int run_verify(const char *args, char **out, char **err)
{
    const char *bin = getenv("BNTUTOR_BIN");
    cr_assert(bin && *bin, "BNTUTOR_BIN is not set");
    char dir[] = "/tmp/bntutor-verify-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s check %s >%s/out 2>%s/err", bin, args, dir, dir);
    int status = system(cmd);
    char path[600];
    snprintf(path, sizeof path, "%s/out", dir);
    *out = check_read_file(path, NULL);
    snprintf(path, sizeof path, "%s/err", dir);
    *err = check_read_file(path, NULL);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    cr_assert(WIFEXITED(status), "bntutor check %s did not exit normally", args);
    return WEXITSTATUS(status);
}

Test(lesson_claim, verify_reports_each_failing_claim_with_its_seed_and_values_and_passes_true_ones)
{
    char *out, *err;
    int status = run_verify("--verify --seeds=7 tests/lessons/claims.lesson", &out, &err);
    cr_assert_eq(status, 1, "a failing claim makes the exit status 1\nstdout: %s\nstderr: %s", out, err);
    static const char *const expected[] = {
        "bntutor: tests/lessons/claims.lesson:13: claim fails on seed 7: abs(scene:step - 310) = 10 < 3 is false "
        "(with scene:step = 300)\n",
        "bntutor: tests/lessons/claims.lesson:14: claim fails on seed 7: scene:step = 10 > 2 * scene:step = 20 is "
        "false (with scene:step = 10)\n",
        "bntutor: tests/lessons/claims.lesson:20: answer 'b' (claim) fails on seed 7: scene:step = 300 < 5 is false\n",
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        cr_expect(strstr(err, expected[i]), "expected\n  %s in\n%s", expected[i], err);
    cr_expect_null(strstr(err, "claims.lesson:12:"), "the true claim at line 12 is not reported:\n%s", err);
    cr_expect_null(strstr(err, "claims.lesson:28:"), "the true claim at line 28 is not reported:\n%s", err);
    /* Both pages run the same simulation (they differ only in autoplay): one run per seed. */
    cr_expect(strstr(out, "verify: 5 claims on 1 simulation, seeds 7-7: FAILED (1 runs"), "%s", out);
    free(out);
    free(err);
}

Test(lesson_claim, a_claim_failing_on_many_seeds_is_shown_three_times_then_counted)
{
    char *out, *err;
    cr_assert_eq(run_verify("--verify --seeds=1-5 tests/lessons/claims.lesson", &out, &err), 1);
    cr_expect(strstr(err, "claims.lesson:20: answer 'b' (claim) fails on seed 3:"), "%s", err);
    cr_expect_null(strstr(err, "claims.lesson:20: answer 'b' (claim) fails on seed 4:"), "%s", err);
    cr_expect(strstr(err, "claims.lesson:20: answer 'b' (claim) fails on 5 of 5 seeds: 1, 2, 3, 4, 5\n"), "%s", err);
    free(out);
    free(err);
}

Test(lesson_claim, verify_passes_a_lesson_whose_claims_all_hold)
{
    char dir[] = "/tmp/bntutor-verify-good-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[600];
    snprintf(path, sizeof path, "%s/good.lesson", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("lesson 1\ntitle Good\npage P\nscene running-stats\n  steps = 40\n"
          "claim scene:step >= 40\nclaim scene:running_var[0] > 0 after 5 steps\n", f);
    fclose(f);
    char args[700], *out, *err;
    snprintf(args, sizeof args, "--verify --seeds=1-3 %s", path);
    int status = run_verify(args, &out, &err);
    cr_expect_eq(status, 0, "stderr: %s", err);
    cr_expect(strstr(out, "verify: 2 claims on 1 simulation, seeds 1-3: all hold (3 runs"), "%s", out);
    free(out);
    free(err);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(lesson_claim, verify_options_are_checked)
{
    char *out, *err;
    cr_expect_eq(run_verify("--verify --seeds=5-2 tests/lessons/claims.lesson", &out, &err), 2);
    cr_expect(strstr(err, "bntutor: check: --seeds takes A-B or N"), "%s", err);
    free(out);
    free(err);
    cr_expect_eq(run_verify("--verify --data=fashion tests/lessons/claims.lesson", &out, &err), 2);
    cr_expect(strstr(err, "--data takes synthetic or idx:DIR"), "%s", err);
    free(out);
    free(err);
    cr_expect_eq(run_verify("--seeds=1-3 tests/lessons/claims.lesson", &out, &err), 2);
    cr_expect(strstr(err, "go with --verify"), "%s", err);
    free(out);
    free(err);
    cr_expect_eq(run_verify("--verify --data=idx:/nonexistent tests/lessons/claims.lesson", &out, &err), 1);
    cr_expect(strstr(err, "bntutor: check: --data=idx:/nonexistent: "), "%s", err);
    free(out);
    free(err);
}

/* Every shipped claim holds on the synthetic data. `make test` covers the first seeds; CI (.ci/run) runs
 * seeds 1-100, which takes minutes (lessons/README.md gives the time). BNTUTOR_VERIFY_SEEDS overrides. */
Test(lesson_claim, the_shipped_lessons_claims_hold_on_the_synthetic_data, .timeout = 900)
{
    const char *seeds = getenv("BNTUTOR_VERIFY_SEEDS");
    char args[256], *out, *err;
    snprintf(args, sizeof args, "--verify --seeds=%s --data=synthetic lessons/*.lesson", seeds && *seeds ? seeds : "1-3");
    int status = run_verify(args, &out, &err);
    cr_expect_eq(status, 0, "bntutor check %s:\n%s%s", args, err, out);
    cr_expect(strstr(out, ": all hold ("), "%s", out);
    free(out);
    free(err);
}
