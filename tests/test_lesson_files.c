/* Tests of the shipped lesson files, lessons/README.md against the catalogue, discovery, and 'bntutor check'/'list'. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lesson/catalog.h"
#include "lesson/discover.h"
#include "lesson/lesson.h"
#include "support/check.h"
#include "support/command.h"

static const char *problems_of(const Lesson *l)
{
    static char buf[8192];
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < l->problem_count && used < sizeof buf - 1; i++) {
        char line[1200];
        int n = snprintf(buf + used, sizeof buf - used, "  %s\n",
                         lesson_problem_format(l, &l->problems[i], line, sizeof line));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

Test(lesson_files, every_shipped_lesson_parses_without_a_single_problem)
{
    BnError err = { 0 };
    LessonSet *set = lesson_set_load_dir("lessons", &err);
    cr_assert_not_null(set, "cannot read lessons/: %s", err.message);
    cr_assert_geq(set->count, 1, "lessons/ has no *.lesson files");
    for (int i = 0; i < set->count; i++) {
        const Lesson *l = set->lessons[i];
        cr_expect_eq(l->problem_count, 0, "%s is broken:\n%s", l->path, problems_of(l));
        cr_expect_geq(l->page_count, 1, "%s", l->path);
    }
    cr_assert_not_null(lesson_set_find(set, 0), "lesson 0 (using bntutor) is shipped");
    lesson_set_destroy(set);
}

static char *readme(void)
{
    char *text = check_read_file("lessons/README.md", NULL);
    cr_assert_not_null(text, "cannot read lessons/README.md");
    return text;
}

/* Names appear in the README as `name` (code spans), so a word that merely occurs in prose is not enough. */
static bool documented(const char *text, const char *name)
{
    char quoted[128];
    snprintf(quoted, sizeof quoted, "`%s`", name);
    if (strstr(text, quoted))
        return true;
    snprintf(quoted, sizeof quoted, "`%s[", name);
    return strstr(text, quoted) != NULL;
}

Test(lesson_files, the_readme_documents_every_scene_setting_and_live_value)
{
    char *text = readme();
    for (int i = 0; i < catalog_scene_count(); i++) {
        const CatalogScene *s = catalog_scene_at(i);
        cr_expect(documented(text, s->name), "scene `%s` is not in lessons/README.md", s->name);
        for (int k = 0; k < s->live_count; k++)
            cr_expect(documented(text, s->lives[k].name), "live value `%s` of %s is not in lessons/README.md",
                      s->lives[k].name, s->name);
    }
    for (int i = 0; i < catalog_setting_count(); i++)
        cr_expect(documented(text, catalog_setting_at(i)->name), "setting `%s` is not in lessons/README.md",
                  catalog_setting_at(i)->name);
    free(text);
}

Test(lesson_files, the_readme_example_is_itself_a_valid_lesson)
{
    char *text = readme();
    char *start = strstr(text, "## A complete example");
    cr_assert_not_null(start);
    start = strstr(start, "```\n");
    cr_assert_not_null(start);
    start += 4;
    char *end = strstr(start, "```\n");
    cr_assert_not_null(end);
    Lesson *l = lesson_parse(start, (size_t)(end - start), "README example");
    cr_expect_eq(l->problem_count, 0, "%s", problems_of(l));
    cr_expect_geq(l->page_count, 2);
    lesson_destroy(l);
    free(text);
}

/* ---- discovery ---- */

static char *temp_dir(void)
{
    char *dir = strdup("/tmp/bntutor-lessons-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

/* Writes text to dir/name; its path into path. */
static void write_file(const char *dir, const char *name, const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static void write_lesson(const char *dir, const char *name, int number, const char *title)
{
    char text[512], path[512];
    snprintf(text, sizeof text, "lesson %d\ntitle %s\npage One\ntext\nWords.\nend\n", number, title);
    write_file(dir, name, text, path, sizeof path);
}

static void remove_tree(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(lesson_files, a_directory_loads_sorted_by_number_and_flags_a_reused_number)
{
    char *dir = temp_dir();
    write_lesson(dir, "b-ours.lesson", 2, "Ours");
    write_lesson(dir, "a-teacher.lesson", 10, "Teacher's own");
    write_lesson(dir, "c-copy.lesson", 2, "Copy");
    write_lesson(dir, "notes.txt", 1, "Not a lesson");
    write_lesson(dir, ".hidden.lesson", 3, "Editor backup");
    BnError err = { 0 };
    LessonSet *set = lesson_set_load_dir(dir, &err);
    cr_assert_not_null(set, "%s", err.message);
    cr_assert_eq(set->count, 3, "only visible *.lesson files count");
    cr_assert_eq(set->lessons[0]->number, 2);
    cr_assert_eq(set->lessons[1]->number, 2);
    cr_assert_eq(set->lessons[2]->number, 10);
    cr_assert_not(lesson_is_broken(set->lessons[0]), "the first holder of a number keeps it");
    cr_assert(lesson_is_broken(set->lessons[1]));
    cr_assert(strstr(set->lessons[1]->problems[0].message, "lesson number 2 is also used by"), "%s",
              set->lessons[1]->problems[0].message);
    cr_assert_eq(set->lessons[1]->problems[0].line, 1);
    cr_assert_str_eq(lesson_set_find(set, 10)->title, "Teacher's own");
    lesson_set_destroy(set);
    remove_tree(dir);
    free(dir);
}

Test(lesson_files, over_a_thousand_files_keep_the_first_by_name_whatever_the_directory_order)
{
    char *dir = temp_dir();
    /* Directory order is the file system's (tmpfs: newest first), never a promise: only sorting before
     * the cut keeps the same thousand everywhere. */
    for (int i = 0; i <= LESSON_SET_MAX + 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "%04d.lesson", i);
        write_lesson(dir, name, i % 1000, "Many");
    }
    BnError err = { 0 };
    LessonSet *set = lesson_set_load_dir(dir, &err);
    cr_assert_not_null(set, "%s", err.message);
    cr_assert_eq(set->count, LESSON_SET_MAX);
    cr_assert_eq(set->skipped, 5, "the files left out are counted, so they can be reported");
    for (int i = 0; i < set->count; i++)
        cr_assert_null(strstr(set->lessons[i]->path, "/1000.lesson"), "a file past the first 1000 by name was kept");
    lesson_set_destroy(set);
    remove_tree(dir);
    free(dir);
}

Test(lesson_files, discovery_prefers_the_explicit_directory_then_the_environment)
{
    char *mine = temp_dir(), *env = temp_dir();
    write_lesson(mine, "x.lesson", 1, "Mine");
    write_lesson(env, "y.lesson", 1, "From the environment");
    setenv("BNTUTOR_LESSONS", env, 1);
    BnError err = { 0 };
    LessonSet *set = lesson_set_discover(mine, &err);
    cr_assert_not_null(set, "%s", err.message);
    cr_assert_str_eq(set->dir, mine);
    lesson_set_destroy(set);
    set = lesson_set_discover(NULL, &err);
    cr_assert_not_null(set, "%s", err.message);
    cr_assert_str_eq(set->dir, env);
    cr_assert_str_eq(set->lessons[0]->title, "From the environment");
    lesson_set_destroy(set);
    char *dirs[LESSON_DIR_CANDIDATES];
    int n = lesson_dir_candidates("/explicit", dirs);
    cr_assert_geq(n, 3);
    cr_assert_str_eq(dirs[0], "/explicit");
    cr_assert_str_eq(dirs[1], env);
    cr_assert(strstr(dirs[n - 1], "/lessons"), "%s", dirs[n - 1]);
    for (int i = 0; i < n; i++)
        free(dirs[i]);
    remove_tree(mine);
    remove_tree(env);
    free(mine);
    free(env);
}

Test(lesson_files, an_explicit_directory_that_does_not_exist_is_an_error)
{
    BnError err = { 0 };
    cr_assert_null(lesson_set_discover("/nonexistent/lessons", &err));
    cr_assert(err.set);
    cr_assert_str_eq(err.where, "--lessons-dir");
    cr_assert(strstr(err.message, "not a directory"), "%s", err.message);
}

/* ---- the commands, run as the real binary ---- */

static const char *bin(void)
{
    const char *b = getenv("BNTUTOR_BIN");
    cr_assert(b && *b, "BNTUTOR_BIN is not set");
    return b;
}

/* Runs `bntutor ARGS`, capturing stdout and stderr into files in dir; returns the exit status. */
static int run(const char *dir, const char *args, char **out, char **err)
{
    CommandRun r = command_run(dir, "%s %s", bin(), args);
    *out = r.out;
    *err = r.err;
    cr_assert_geq(r.status, 0, "bntutor %s did not exit normally", args);
    return r.status;
}

/* `bntutor check` on text written to dir/name; returns the exit status. */
static int check_text(const char *dir, const char *name, const char *text, char **out, char **err)
{
    char path[512], args[1024];
    write_file(dir, name, text, path, sizeof path);
    snprintf(args, sizeof args, "check '%s'", path);
    return run(dir, args, out, err);
}

Test(lesson_files, check_reports_good_files_on_stdout_and_problems_on_stderr)
{
    char *dir = temp_dir();
    write_lesson(dir, "good.lesson", 1, "Good");
    char bad[512];
    write_file(dir, "bad.lesson", "lesson 2\ntitle Bad\npage P\nscene sandbx\ntext\nx\nend\n", bad, sizeof bad);
    char args[1024], *out, *err;
    snprintf(args, sizeof args, "check %s/good.lesson", dir);
    cr_assert_eq(run(dir, args, &out, &err), 0, "stderr: %s", err);
    cr_assert(strstr(out, "good.lesson: ok (1 page)"), "%s", out);
    free(out);
    free(err);
    snprintf(args, sizeof args, "check %s/good.lesson %s", dir, bad);
    cr_assert_eq(run(dir, args, &out, &err), 1);
    char expected[600];
    snprintf(expected, sizeof expected, "bntutor: %s:4: unknown scene 'sandbx' (did you mean 'sandbox'?)\n", bad);
    cr_assert(strstr(err, expected), "stderr: %s", err);
    cr_assert(strstr(out, "good.lesson: ok"), "%s", out);
    free(out);
    free(err);
    cr_assert_eq(run(dir, "check", &out, &err), 2, "no files is a usage error");
    cr_assert(strncmp(err, "bntutor: ", 9) == 0, "%s", err);
    free(out);
    free(err);
    remove_tree(dir);
    free(dir);
}

Test(lesson_files, check_warns_about_hidden_characters_per_line_and_cleans_file_names)
{
    char *dir = temp_dir(), *out, *err;
    cr_assert_eq(check_text(dir, "x\033]0;PWNED\007.lesson", "lesson 4\ntitle Bidi \xe2\x80\xaetrick\npage P\ntext\n"
                            "  fine line\n  soft\xc2\xadhyphen and \xe2\x81\xa6isolate\xe2\x81\xa9\nend\n", &out, &err),
                 0, "a warning is not an error: %s", err);
    cr_assert(strstr(err, ".lesson:2: warning: invisible character U+202E"), "%s", err);
    cr_assert(strstr(err, ".lesson:6: warning: invisible character U+00AD"), "one warning per line: %s", err);
    cr_assert_null(strstr(err, ":5: warning"), "%s", err);
    cr_assert(strstr(out, "x\\x1B]0;PWNED\\x07.lesson: ok (1 page)"), "the file name is cleaned: %s", out);
    cr_assert_null(strchr(out, '\033'), "no raw ESC on stdout");
    cr_assert_null(strchr(err, '\033'), "no raw ESC on stderr");
    free(out);
    free(err);
    remove_tree(dir);
    free(dir);
}

Test(lesson_files, check_warns_about_a_shows_key_that_does_nothing_on_its_page)
{
    char *dir = temp_dir(), *out, *err;
    cr_assert_eq(check_text(dir, "keys.lesson", "lesson 5\ntitle Keys\npage P\nscene backprop\nshows \"dx\" or key z\n"
                            "shows \"dy\" or key c\nshows \"xhat\" or key q\npage Q\ntext\n  prose\nend\n"
                            "shows \"prose\" or key f\n", &out, &err),
                 0, "a warning is not an error: %s", err);
    cr_assert(strstr(err, "keys.lesson:7: warning: shows \"xhat\" or key q: q does nothing on this page "
                          "(its keys: z zooms the scene, v, b, f, x, c)"), "%s", err);
    cr_assert(strstr(err, "keys.lesson:12: warning: shows \"prose\" or key f: f does nothing on this page "
                          "(it has no scene to turn)"), "%s", err);
    cr_assert_null(strstr(err, ":5: warning"), "z zooms a scene: %s", err);
    cr_assert_null(strstr(err, ":6: warning"), "c is the backprop scene's key: %s", err);
    cr_assert(strstr(out, "keys.lesson: ok (2 pages)"), "%s", out);
    free(out);
    free(err);
    remove_tree(dir);
    free(dir);
}

/* A scene may hide a key that does nothing in the view its settings choose (bn-probe offers v only on
 * its landscape page): on a page where it is hidden, a 'shows ... or key v' points at nothing. */
Test(lesson_files, check_warns_about_a_shows_key_the_scene_hides_on_its_page)
{
    char *dir = temp_dir(), *out, *err;
    cr_assert_eq(check_text(dir, "hidden.lesson", "lesson 6\ntitle Hidden\npage Landscape\nscene bn-probe\n"
                            "  measure = landscape\nshows \"beta\" or key v\npage Shift\nscene bn-probe\n"
                            "  measure = ics\nshows \"cos\" or key v\n", &out, &err),
                 0, "a warning is not an error: %s", err);
    cr_assert_null(strstr(err, ":6: warning"), "v turns the landscape's measures: %s", err);
    cr_assert(strstr(err, "hidden.lesson:10: warning: shows \"cos\" or key v: v does nothing on this page "
                          "(its keys: z zooms the scene)"), "the ics page hides v: %s", err);
    cr_assert(strstr(out, "hidden.lesson: ok (2 pages)"), "%s", out);
    free(out);
    free(err);
    remove_tree(dir);
    free(dir);
}

Test(lesson_files, list_shows_numbers_titles_pages_progress_and_broken_lessons)
{
    char *dir = temp_dir();
    write_lesson(dir, "one.lesson", 1, "First steps");
    write_lesson(dir, "two.lesson", 2, "Second steps");
    char bad[512];
    write_file(dir, "three.lesson", "lesson 3\ntitle Broken one\npage P\ntext\nx\nend\nbogus\n", bad, sizeof bad);
    char state[512];
    snprintf(state, sizeof state, "%s/state/bntutor", dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "mkdir -p %s && printf 'bntutor-progress 1\\nposition 2 1\\nlesson 1 1 done\\nlesson 2 1 open\\n' > %s/progress",
             state, state);
    cr_assert_eq(system(cmd), 0);
    char args[1100], *out, *err;
    snprintf(args, sizeof args, "list --lessons-dir=%s", dir);
    char env[600];
    snprintf(env, sizeof env, "%s/state", dir);
    setenv("XDG_STATE_HOME", env, 1);
    /* The plain progress file is the store of the lessons bntutor finds by itself (here through
     * $BNTUTOR_LESSONS); --lessons-dir naming that same folder reads it too. */
    setenv("BNTUTOR_LESSONS", dir, 1);
    cr_assert_eq(run(dir, args, &out, &err), 0, "stderr: %s", err);
    cr_assert(strstr(out, "First steps"), "%s", out);
    char *line1 = strstr(out, "   1  First steps");
    cr_assert_not_null(line1, "%s", out);
    cr_assert(strstr(line1, "done"), "%s", out);
    char *line2 = strstr(out, "   2  Second steps");
    cr_assert_not_null(line2, "%s", out);
    cr_assert(strstr(line2, "at page 1"), "%s", out);
    cr_assert(strstr(out, "BROKEN: ") && strstr(out, "three.lesson:7: unknown directive 'bogus'"), "%s", out);
    free(out);
    free(err);
    /* A teacher's folder keeps its own store: the shipped lessons' progress does not show there. */
    unsetenv("BNTUTOR_LESSONS");
    cr_assert_eq(run(dir, args, &out, &err), 0, "stderr: %s", err);
    cr_assert(strstr(out, "First steps") && !strstr(out, "done") && !strstr(out, "at page"), "%s", out);
    free(out);
    free(err);
    cr_assert_eq(run(dir, "list --lessons-dir=/nonexistent/x", &out, &err), 1);
    cr_assert(strstr(err, "bntutor: --lessons-dir: "), "%s", err);
    free(out);
    free(err);
    remove_tree(dir);
    free(dir);
}
