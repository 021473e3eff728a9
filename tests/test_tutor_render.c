/* 'bntutor render': a page printed headless at a size, and every option error with its exit status. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/check.h"

/* Runs `bntutor render ARGS` with lessons from ./lessons; stdout and stderr into new strings. */
static int run_render(const char *args, char **out, char **err)
{
    const char *bin = getenv("BNTUTOR_BIN");
    cr_assert_not_null(bin, "BNTUTOR_BIN must point at the built binary");
    char outp[] = "/tmp/bntutor-test-render-out.XXXXXX", errp[] = "/tmp/bntutor-test-render-err.XXXXXX";
    int fo = mkstemp(outp), fe = mkstemp(errp);
    cr_assert(fo >= 0 && fe >= 0);
    close(fo);
    close(fe);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "LC_ALL=C.UTF-8 BNTUTOR_LESSONS=lessons '%s' render %s > %s 2> %s", bin, args, outp,
             errp);
    int status = system(cmd);
    *out = check_read_file(outp, NULL);
    *err = check_read_file(errp, NULL);
    unlink(outp);
    unlink(errp);
    cr_assert(WIFEXITED(status), "render did not exit normally: %s", args);
    return WEXITSTATUS(status);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(tutor_render, a_page_prints_at_the_asked_size_with_header_and_footer)
{
    char *out, *err;
    int rc = run_render("--lesson=0 --page=2 --size=100x30 --steps=5", &out, &err);
    cr_assert_eq(rc, 0, "stderr: %s", err);
    cr_assert_eq(count_lines(out), 30, "30 rows");
    cr_assert(strstr(out, "page 2/5"), "%s", out);
    cr_assert(strstr(out, "Scenes are live"));
    cr_assert(strstr(out, "quit"));
    free(out);
    free(err);
}

Test(tutor_render, ascii_output_has_only_ascii_and_color_output_has_escapes)
{
    char *out, *err;
    cr_assert_eq(run_render("--lesson=0 --page=3 --ascii", &out, &err), 0, "%s", err);
    for (const char *p = out; *p; p++)
        cr_assert((unsigned char)*p < 0x80, "non-ASCII byte 0x%02x in --ascii output", (unsigned char)*p);
    free(out);
    free(err);
    cr_assert_eq(run_render("--lesson=0 --page=1 --color", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "\033["), "--color prints ANSI escapes");
    free(out);
    free(err);
}

Test(tutor_render, below_the_minimum_size_the_page_asks_to_enlarge_as_the_live_screen_does)
{
    char *out, *err;
    cr_assert_eq(run_render("--lesson=0 --page=1 --size=40x10", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, "Please enlarge"), "%s", out);
    free(out);
    free(err);
}

Test(tutor_render, zoom_shows_the_scene_without_the_prose)
{
    char *out, *err;
    cr_assert_eq(run_render("--lesson=0 --page=2 --zoom", &out, &err), 0, "%s", err);
    cr_assert_null(strstr(out, "interleaved moons"), "prose hidden when zoomed");
    free(out);
    free(err);
}

Test(tutor_render, a_large_screen_shows_the_scene_headline_figure_in_big_digits_and_a_small_one_does_not)
{
    char *out, *err;
    cr_assert_eq(run_render("--lesson=7 --page=2 --size=200x60 --steps=50", &out, &err), 0, "%s", err);
    const char *label = strstr(out, "running mean of feature 1");
    cr_assert_not_null(label, "the headline label shows at 200x60");
    /* Big digits are drawn with full blocks in the rows under the label. */
    /* Two rows under the label, left of the column rule, the digits are drawn in full blocks. */
    const char *row = label;
    for (int k = 0; k < 2 && row; k++) {
        row = strchr(row, '\n');
        row = row ? row + 1 : NULL;
    }
    cr_assert_not_null(row);
    const char *rule = strstr(row, "\xE2\x94\x82");     /* the column rule */
    const char *block = strstr(row, "\xE2\x96\x88");    /* a full block */
    cr_assert(rule && block && block < rule, "big digits sit in the left column under the label");
    free(out);
    free(err);
    cr_assert_eq(run_render("--lesson=7 --page=2 --size=80x24 --steps=50", &out, &err), 0, "%s", err);
    cr_assert_null(strstr(out, "running mean of feature 0"), "no headline at 80x24: no room");
    free(out);
    free(err);
}

static const struct BadRender {
    const char *args;
    int status;
    const char *says;
} bad[] = {
    { "--page=1", 2, "--lesson: is required" },
    { "--lesson=x", 2, "--lesson: expected a lesson number" },
    { "--lesson=0 --page=0", 2, "--page: expected a page number" },
    { "--lesson=0 --size=80", 2, "--size: expected WIDTHxHEIGHT" },
    { "--lesson=0 --size=0x24", 2, "--size" },
    { "--lesson=0 --size=80x24x2", 2, "--size" },
    { "--lesson=0 --steps=-1", 2, "--steps" },
    { "--lesson=0 --ascii=yes", 2, "takes no value" },
    { "--lesson=0 --bogus", 2, "unexpected argument '--bogus'" },
    { "--lesson=777", 2, "there is no lesson 777 (lessons: 0" },
    { "--lesson=0 --page=99", 2, "lesson 0 has 5 pages" },
    { "--lesson=0 --lessons-dir=/nonexistent-dir", 1, "/nonexistent-dir" },
};

Test(tutor_render, option_errors_say_what_is_wrong_and_exit_2)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out, *err;
        int rc = run_render(bad[i].args, &out, &err);
        cr_assert_eq(rc, bad[i].status, "%s: status %d, expected %d (stderr: %s)", bad[i].args, rc, bad[i].status,
                     err);
        cr_assert(strncmp(err, "bntutor: ", 9) == 0, "%s: message must start with 'bntutor: ': %s", bad[i].args,
                  err);
        cr_assert(strstr(err, bad[i].says), "%s: stderr lacks '%s': %s", bad[i].args, bad[i].says, err);
        cr_assert_str_eq(out, "", "%s: nothing on stdout", bad[i].args);
        free(out);
        free(err);
    }
}
