/* `bntutor check` warnings: a live value's index out of range for the page's settings, a '*' in a formula line eaten as emphasis. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lesson/catalog.h"
#include "lesson/lesson.h"
#include "support/check.h"

static Lesson *parse(const char *text)
{
    Lesson *l = lesson_parse(text, strlen(text), "w.lesson");
    cr_assert_not_null(l);
    cr_assert_not(lesson_is_broken(l), "a warning never breaks a lesson: %s",
                  l->problem_count ? l->problems[0].message : "");
    return l;
}

/* The warning on `line` (NULL when none), and that there is no other. */
static const char *warning_at(const Lesson *l, int line)
{
    const char *found = NULL;
    for (int i = 0; i < l->warning_count; i++)
        if (l->warnings[i].line == line)
            found = l->warnings[i].message;
    return found;
}

static const char live_lesson[] =
    "lesson 80\n"                                       /* 1 */
    "title Indices\n"                                   /* 2 */
    "page Stages\n"                                     /* 3 */
    "scene bn-stages\n"                                 /* 4 */
    "  features = 3\n"                                  /* 5 */
    "claim scene:mean[2] < scene:var[3] + 100\n"        /* 6: var[3] is past 3 features */
    "checkpoint\n"                                      /* 7 */
    "  question The mean of feature 8?\n"               /* 8 */
    "  answer scene:mean[7]\n"                          /* 9: past 3 features */
    "end\n"                                             /* 10 */
    "checkpoint\n"                                      /* 11 */
    "  question Sample 21, feature 1?\n"                /* 12 */
    "  answer scene:x[20][0]\n"                         /* 13: past the batch of 8 (the scene's default) */
    "end\n"                                             /* 14 */
    "checkpoint\n"                                      /* 15 */
    "  question The last sample's last feature?\n"      /* 16 */
    "  answer scene:x[7][2]\n"                          /* 17: in range */
    "end\n";

Test(check_warnings, a_live_index_out_of_range_for_the_page_settings_is_warned_about)
{
    Lesson *l = parse(live_lesson);
    const char *w = warning_at(l, 9);
    cr_assert_not_null(w, "scene:mean[7] with 3 features: no warning on line 9");
    cr_expect(strstr(w, "scene:mean[7]") && strstr(w, "'features' is 3") && strstr(w, "0 to 2"), "%s", w);
    w = warning_at(l, 13);
    cr_assert_not_null(w, "scene:x[20][0] with a batch of 8: no warning on line 13");
    cr_expect(strstr(w, "scene:x[20][0]") && strstr(w, "'batch' is 8"), "%s", w);
    w = warning_at(l, 6);
    cr_assert_not_null(w, "a claim's scene:var[3] with 3 features: no warning on line 6");
    cr_expect(strstr(w, "scene:var[3]") && strstr(w, "claim"), "%s", w);
    cr_expect_null(warning_at(l, 17), "scene:x[7][2] is in range: %s", warning_at(l, 17));
    cr_expect_eq(l->warning_count, 3);
    lesson_destroy(l);
}

Test(check_warnings, the_page_settings_decide_the_range)
{
    static const char text[] =
        "lesson 81\ntitle Wide\npage Stages\nscene bn-stages\n  features = 8\n  batch = 32\n"
        "checkpoint\n  question Feature 8?\n  answer scene:mean[7]\nend\n"
        "checkpoint\n  question Sample 21?\n  answer scene:x[20][0]\nend\n";
    Lesson *l = parse(text);
    cr_expect_eq(l->warning_count, 0, "8 features and a batch of 32 hold both: %s",
                 l->warning_count ? l->warnings[0].message : "");
    lesson_destroy(l);
}

static const char star_lesson[] =
    "lesson 82\n"                                       /* 1 */
    "title Stars\n"                                     /* 2 */
    "page Formulas\n"                                   /* 3 */
    "text\n"                                            /* 4 */
    "  The output is a *scaled* copy:\n"                /* 5: prose emphasis, fine */
    "\n"                                                /* 6 */
    "      y = gamma * xhat + beta * 1\n"               /* 7: a formula line, eaten */
    "      y = gamma \\* xhat\n"                        /* 8: escaped, fine */
    "      y = `a * b`, z = a ** 2 **\n"                /* 9: code and bold, fine */
    "      y = \\gamma \\cdot x\n"                      /* 10: fine */
    "end\n";

Test(check_warnings, a_star_in_a_formula_line_is_warned_about)
{
    Lesson *l = parse(star_lesson);
    const char *w = warning_at(l, 7);
    cr_assert_not_null(w, "no warning for the '*' on line 7");
    cr_expect(strstr(w, "emphasis") && strstr(w, "\\*"), "the warning says why and what to write: %s", w);
    cr_expect_eq(l->warning_count, 1, "only line 7 (got %d, the first on line %d)", l->warning_count,
                 l->warning_count ? l->warnings[0].line : 0);
    lesson_destroy(l);
}

Test(check_warnings, every_bound_a_scene_names_is_one_of_its_int_settings)
{
    int checked = 0;
    for (int s = 0; s < catalog_scene_count(); s++) {
        const CatalogScene *scene = catalog_scene_at(s);
        for (int k = 0; k < scene->extent_count; k++) {
            const CatalogLiveExtent *e = &scene->extents[k];
            const CatalogLive *live = catalog_scene_live(scene, e->live);
            cr_assert_not_null(live, "scene %s bounds '%s', which it does not publish", scene->name, e->live);
            for (int i = 0; i < CATALOG_LIVE_INDEX_MAX; i++) {
                if (!e->bound[i])
                    continue;
                cr_assert_lt(i, live->indices, "%s: %s has no index %d", scene->name, e->live, i);
                const CatalogSceneSetting *setting = catalog_scene_setting(scene, e->bound[i]);
                cr_assert(setting && setting->setting->type == SETTING_INT, "%s: %s[%d] is bounded by '%s', not an "
                          "int setting of the scene", scene->name, e->live, i, e->bound[i]);
                checked++;
            }
        }
    }
    cr_assert_gt(checked, 10, "the scenes with batch and feature indices declare their bounds");
}

Test(check_warnings, bntutor_check_prints_them_with_file_and_line_and_still_passes)
{
    const char *bin = getenv("BNTUTOR_BIN");
    cr_assert(bin && *bin, "BNTUTOR_BIN must name the built binary");
    char dir[] = "/tmp/bntutor-check-warn-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[128], err_path[160], cmd[512];
    snprintf(path, sizeof path, "%s/80-indices.lesson", dir);
    snprintf(err_path, sizeof err_path, "%s/err", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(live_lesson, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "'%s' check '%s' >/dev/null 2>'%s'", bin, path, err_path);
    int raw = system(cmd);
    char *err = check_read_file(err_path, NULL);
    cr_assert_not_null(err);
    cr_expect(WIFEXITED(raw) && WEXITSTATUS(raw) == 0, "warnings alone do not fail the check: %s", err);
    char want[256];
    snprintf(want, sizeof want, "bntutor: %s:9: warning: scene:mean[7]: index 7 is out of range", path);
    cr_expect(strstr(err, want), "want '%s' in:\n%s", want, err);
    snprintf(want, sizeof want, "bntutor: %s:13: warning: scene:x[20][0]: index 20", path);
    cr_expect(strstr(err, want), "want '%s' in:\n%s", want, err);
    free(err);
    unlink(path);
    unlink(err_path);
    rmdir(dir);
}
