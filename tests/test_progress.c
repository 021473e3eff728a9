/* Tests of the progress store: round trip, atomic writes, damaged and foreign files, unwritable places, reset. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lesson/progress.h"
#include "support/check.h"

/* A fresh directory for one test; the tests run as separate processes, so each gets its own. */
static char *temp_dir(void)
{
    char *dir = strdup("/tmp/bntutor-progress-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir), "cannot create a temporary directory");
    return dir;
}

static char *path_in(const char *dir, const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static void remove_tree(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot list %s", dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

Test(progress, saved_progress_loads_back_the_same)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "sub/progress");
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    cr_assert_not(warning.set, "a missing file is not worth a warning: %s", warning.message);
    cr_assert_eq(p->lesson, -1);
    progress_set_position(p, 3, 2);
    progress_set_position(p, 4, 5);
    progress_mark_done(p, 3);
    progress_record_check(p, 4, 5, 1, true);
    progress_record_check(p, 4, 5, 2, false);
    progress_record_check(p, 4, 5, 2, true);    /* a second try replaces the first */
    cr_assert(progress_save(p, &warning), "save failed: %s", warning.message);
    progress_destroy(p);

    Progress *q = progress_load(path, &warning);
    cr_assert_not(warning.set, "%s", warning.message);
    cr_assert_eq(q->lesson, 4);
    cr_assert_eq(q->page, 5);
    cr_assert(progress_is_done(q, 3));
    cr_assert_not(progress_is_done(q, 4));
    cr_assert_eq(progress_lesson(q, 3)->page, 2);
    cr_assert_eq(progress_lesson(q, 4)->page, 5);
    cr_assert_null(progress_lesson(q, 7));
    cr_assert_eq(q->check_count, 2);
    cr_assert(progress_check(q, 4, 5, 1)->correct);
    cr_assert(progress_check(q, 4, 5, 2)->correct);
    cr_assert_null(progress_check(q, 4, 5, 3));
    progress_destroy(q);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, saving_leaves_no_temporary_file_behind_and_replaces_the_old_file)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    for (int i = 1; i <= 3; i++) {
        progress_set_position(p, 1, i);
        cr_assert(progress_save(p, &warning), "%s", warning.message);
    }
    cr_assert_eq(count_entries(dir), 1, "only the progress file itself may remain");
    char *text = check_read_file(path, NULL);
    cr_assert_not_null(text);
    cr_assert(strncmp(text, "bntutor-progress 1\n", 19) == 0, "magic and version first: %s", text);
    cr_assert(strstr(text, "position 1 3\n"), "the last save wins: %s", text);
    free(text);
    progress_destroy(p);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, a_damaged_file_gives_one_warning_and_a_fresh_start)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    write_file(path, "bntutor-progress 1\nposition 2 3\nlesson 2 x done\n");
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    cr_assert(warning.set);
    cr_assert(strstr(warning.message, "damaged at line 3"), "%s", warning.message);
    cr_assert_str_eq(warning.where, path);
    cr_assert_eq(p->lesson, -1, "nothing from a damaged file is trusted");
    cr_assert_eq(p->lesson_count, 0);
    /* The tutor goes on, and its next save repairs the file. */
    progress_set_position(p, 1, 1);
    BnError second = { 0 };
    cr_assert(progress_save(p, &second), "%s", second.message);
    progress_destroy(p);
    Progress *q = progress_load(path, &second);
    cr_assert_not(second.set, "%s", second.message);
    cr_assert_eq(q->lesson, 1);
    progress_destroy(q);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, a_foreign_or_binary_or_newer_file_is_ignored_with_a_warning)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    static const char *const files[] = { "[settings]\ncolor = blue\n", "\177ELF\001\002", "bntutor-progress 7\n", "" };
    static const char *const words[] = { "not a bntutor progress file", "not a bntutor progress file",
                                         "unknown version", "empty" };
    for (int i = 0; i < 4; i++) {
        write_file(path, files[i]);
        BnError warning = { 0 };
        Progress *p = progress_load(path, &warning);
        cr_expect(warning.set, "file %d gave no warning", i);
        cr_expect(strstr(warning.message, words[i]), "file %d: %s", i, warning.message);
        cr_expect_eq(p->lesson, -1);
        progress_destroy(p);
    }
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, an_unwritable_place_warns_once_and_the_tutor_runs_on)
{
    /* Tests run as root, where directory permissions do not bite: a regular file in the path does. */
    char *dir = temp_dir();
    char *blocker = path_in(dir, "file");
    write_file(blocker, "in the way\n");
    setenv("XDG_STATE_HOME", blocker, 1);
    BnError warning = { 0 };
    Progress *p = progress_load(NULL, &warning);
    cr_assert_not(warning.set, "reading a path that cannot exist is quiet: %s", warning.message);
    cr_assert(strstr(p->path, "/file/bntutor/progress"), "%s", p->path);
    progress_set_position(p, 2, 2);
    cr_assert_not(progress_save(p, &warning));
    cr_assert(warning.set);
    cr_assert(strstr(warning.message, "cannot save progress"), "%s", warning.message);
    BnError again = { 0 };
    cr_assert_not(progress_save(p, &again));
    cr_assert_not(again.set, "the second failure stays quiet: %s", again.message);
    cr_assert_eq(p->lesson, 2, "the progress in memory is kept");
    progress_destroy(p);
    free(blocker);
    remove_tree(dir);
    free(dir);
}

Test(progress, reset_forgets_everything_in_memory_and_on_disk)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    progress_set_position(p, 5, 1);
    progress_mark_done(p, 4);
    progress_record_check(p, 5, 1, 1, true);
    cr_assert(progress_save(p, &warning));
    cr_assert(progress_reset(p, &warning), "%s", warning.message);
    cr_assert_eq(p->lesson, -1);
    cr_assert_eq(p->lesson_count, 0);
    cr_assert_eq(p->check_count, 0);
    cr_assert_neq(access(path, F_OK), 0, "the file is gone");
    cr_assert(progress_reset(p, &warning), "resetting twice is fine");
    progress_destroy(p);
    Progress *q = progress_load(path, &warning);
    cr_assert_not(warning.set, "%s", warning.message);
    cr_assert_not(progress_is_done(q, 4));
    progress_destroy(q);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, the_default_place_follows_xdg_state_home_then_home)
{
    setenv("XDG_STATE_HOME", "/srv/state", 1);
    setenv("HOME", "/home/learner", 1);
    char *path = progress_default_path();
    cr_assert_str_eq(path, "/srv/state/bntutor/progress");
    free(path);
    setenv("XDG_STATE_HOME", "relative/state", 1);
    path = progress_default_path();
    cr_assert_str_eq(path, "/home/learner/.local/state/bntutor/progress", "a relative XDG_STATE_HOME is ignored");
    free(path);
    unsetenv("XDG_STATE_HOME");
    unsetenv("HOME");
    cr_assert_null(progress_default_path());
    BnError warning = { 0 };
    Progress *p = progress_load(NULL, &warning);
    cr_assert(warning.set, "no place at all is worth one warning");
    cr_assert_not(progress_save(p, &warning));
    progress_destroy(p);
}
