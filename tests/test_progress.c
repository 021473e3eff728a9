/* Tests of the progress store: round trip, atomic writes, merging two tutors, damaged and special files, locks, reset. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

Test(progress, a_damaged_line_costs_only_itself_and_the_file_is_kept_as_a_backup)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    static const char damaged[] = "bntutor-progress 1\nposition 2 3\nlesson 1 4 done\nlesson 6 1 opn\n"
                                  "lesson 2 3 open\ncheck 2 1 1 right\n";
    write_file(path, damaged);
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    cr_assert(warning.set);
    cr_assert(strstr(warning.message, "damaged at line 4"), "%s", warning.message);
    cr_assert(strstr(warning.message, "1 bad line skipped, 4 kept"), "%s", warning.message);
    cr_assert(strstr(warning.message, ".damaged"), "the warning says where the file goes: %s", warning.message);
    char where[600];
    snprintf(where, sizeof where, "%s:4", path);
    cr_assert_str_eq(warning.where, where, "the message points at the first bad line, as file:line");
    cr_assert_eq(p->lesson, 2, "the good lines are kept");
    cr_assert(progress_is_done(p, 1));
    cr_assert_eq(progress_lesson(p, 2)->page, 3);
    cr_assert(progress_check(p, 2, 1, 1)->correct);
    cr_assert_null(progress_lesson(p, 6), "the bad line is not guessed at");
    /* The next save writes the good lines and keeps the damaged file, byte for byte. */
    progress_set_position(p, 2, 4);
    BnError second = { 0 };
    cr_assert(progress_save(p, &second), "%s", second.message);
    progress_destroy(p);
    char *backup = path_in(dir, "progress.damaged");
    char *kept = check_read_file(backup, NULL);
    cr_assert_not_null(kept, "no backup at %s", backup);
    cr_assert_str_eq(kept, damaged);
    free(kept);
    Progress *q = progress_load(path, &second);
    cr_assert_not(second.set, "the saved file is clean: %s", second.message);
    cr_assert_eq(q->page, 4);
    cr_assert(progress_is_done(q, 1));
    progress_destroy(q);
    free(backup);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, a_file_of_an_unknown_version_is_kept_as_a_backup_before_it_is_replaced)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    write_file(path, "bntutor-progress 2\nlesson 5 2 done\n");
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    cr_assert(strstr(warning.message, "unknown version"), "%s", warning.message);
    progress_set_position(p, 1, 1);
    cr_assert(progress_save(p, &warning));
    progress_destroy(p);
    char *backup = path_in(dir, "progress.damaged");
    char *kept = check_read_file(backup, NULL);
    cr_assert_not_null(kept);
    cr_assert_str_eq(kept, "bntutor-progress 2\nlesson 5 2 done\n");
    free(kept);
    free(backup);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, two_tutors_on_one_store_lose_no_answer)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    BnError warning = { 0 };
    Progress *a = progress_load(path, &warning);
    Progress *b = progress_load(path, &warning);
    /* Two terminals of the same learner, each answering other questions and finishing other lessons. */
    progress_record_check(a, 3, 1, 1, true);
    progress_mark_done(a, 2);
    progress_set_position(a, 3, 1);
    cr_assert(progress_save(a, &warning), "%s", warning.message);
    progress_record_check(b, 5, 2, 1, false);
    progress_mark_done(b, 4);
    progress_set_position(b, 5, 2);
    cr_assert(progress_save(b, &warning), "%s", warning.message);
    cr_assert(progress_check(b, 3, 1, 1), "b now holds a's answer too");
    /* a turns a page: it writes the whole file again, and must not drop b's answers. */
    progress_set_position(a, 3, 2);
    cr_assert(progress_save(a, &warning), "%s", warning.message);
    /* The same question answered again in b: the later answer wins. */
    progress_record_check(b, 3, 1, 1, false);
    cr_assert(progress_save(b, &warning), "%s", warning.message);
    progress_destroy(a);
    progress_destroy(b);

    Progress *q = progress_load(path, &warning);
    cr_assert_not(warning.set, "%s", warning.message);
    cr_assert_eq(q->check_count, 2);
    cr_assert_not(progress_check(q, 3, 1, 1)->correct, "the later answer to the same question wins");
    cr_assert_not_null(progress_check(q, 5, 2, 1));
    cr_assert(progress_is_done(q, 2));
    cr_assert(progress_is_done(q, 4));
    cr_assert_eq(q->lesson, 3, "the last position set is the one kept");
    cr_assert_eq(q->page, 2);
    cr_assert_eq(progress_lesson(q, 5)->page, 2, "each lesson keeps its own page");
    progress_destroy(q);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, a_save_removes_temporary_files_a_killed_save_left_behind)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    char *stale = path_in(dir, "progress.tmp-Ab12Cd");
    char *other = path_in(dir, "notes.tmp-Ab12Cd");
    write_file(stale, "bntutor-progress 1\nposition 1 1\n");
    write_file(other, "not ours\n");
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    progress_set_position(p, 2, 1);
    cr_assert(progress_save(p, &warning), "%s", warning.message);
    cr_assert_neq(access(stale, F_OK), 0, "the stale temporary file is removed");
    cr_assert_eq(access(other, F_OK), 0, "a file that is not ours stays");
    cr_assert_eq(count_entries(dir), 2);
    progress_destroy(p);
    free(stale);
    free(other);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, a_fifo_at_the_progress_path_is_refused_without_blocking, .timeout = 10)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    cr_assert_eq(mkfifo(path, 0600), 0);
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    cr_assert(warning.set);
    cr_assert(strstr(warning.message, "not a regular file"), "%s", warning.message);
    progress_set_position(p, 1, 1);
    BnError again = { 0 };
    cr_assert_not(progress_save(p, &again), "nothing is written over a FIFO");
    cr_assert_not(again.set, "the load already said it: %s", again.message);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert(S_ISFIFO(st.st_mode), "the FIFO is left alone");
    progress_destroy(p);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, a_save_waits_for_the_lock_a_bounded_time_and_then_says_so, .timeout = 20)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    int held = open(dir, O_RDONLY | O_DIRECTORY);
    cr_assert_geq(held, 0);
    cr_assert_eq(flock(held, LOCK_EX), 0);
    /* flock locks belong to the open file description: a child process holds it as another tutor would. */
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        sleep(30);
        _exit(0);
    }
    close(held);
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    progress_set_position(p, 1, 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_not(progress_save(p, &warning));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    cr_assert(strstr(warning.message, "another bntutor holds the lock"), "%s", warning.message);
    cr_assert(waited < PROGRESS_LOCK_SECONDS + 5.0, "waited %.1f s", waited);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    /* The lock is free again: the next save goes through, the progress was kept in memory. */
    cr_assert(progress_save(p, &warning));
    progress_destroy(p);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, a_readonly_store_changes_nothing_and_writes_nothing)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    write_file(path, "bntutor-progress 1\nposition 2 1\nlesson 2 1 open\n");
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    p->readonly = true;
    progress_set_position(p, 4, 2);
    progress_mark_done(p, 2);
    progress_record_check(p, 4, 2, 1, true);
    cr_assert(progress_save(p, &warning));
    cr_assert_eq(p->lesson, 2);
    cr_assert_not(progress_is_done(p, 2));
    cr_assert_null(progress_check(p, 4, 2, 1));
    progress_destroy(p);
    char *text = check_read_file(path, NULL);
    cr_assert_str_eq(text, "bntutor-progress 1\nposition 2 1\nlesson 2 1 open\n");
    free(text);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, each_lessons_folder_keeps_its_own_store_and_the_shipped_one_the_plain_name)
{
    char *dir = temp_dir();
    char *teacher = path_in(dir, "teacher");
    char *shipped = path_in(dir, "shipped");
    cr_assert_eq(mkdir(teacher, 0700), 0);
    cr_assert_eq(mkdir(shipped, 0700), 0);
    setenv("XDG_STATE_HOME", "/srv/state", 1);
    setenv("BNTUTOR_LESSONS", shipped, 1);
    char *plain = progress_path_for_lessons(NULL);
    cr_assert_str_eq(plain, "/srv/state/bntutor/progress");
    char *same = progress_path_for_lessons(shipped);
    cr_assert_str_eq(same, plain, "the lessons bntutor finds by itself keep the plain name");
    char *own = progress_path_for_lessons(teacher);
    cr_assert(strncmp(own, "/srv/state/bntutor/progress-", 28) == 0 && strlen(own) == 28 + 16, "%s", own);
    char spelled[600];
    snprintf(spelled, sizeof spelled, "%s/./teacher/", dir);
    char *again = progress_path_for_lessons(spelled);
    cr_assert_str_eq(again, own, "another spelling of the same folder finds the same store");
    char *other = progress_path_for_lessons(shipped);
    cr_assert_str_neq(other, own);
    unsetenv("BNTUTOR_LESSONS");
    free(plain);
    free(same);
    free(own);
    free(again);
    free(other);
    free(teacher);
    free(shipped);
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
    char *backup = path_in(dir, "progress.bak");
    char *kept = check_read_file(backup, NULL);
    cr_assert_not_null(kept, "one backup is kept");
    cr_assert(strstr(kept, "check 5 1 1 right right - -\n"), "%s", kept);
    free(kept);
    free(backup);
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

Test(progress, the_first_answer_and_its_time_are_kept_for_good)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    progress_record_answer(p, 3, 2, 1, false, "-0.5, \"x\"", 1796626800);   /* 2026-12-07T07:00:00Z */
    progress_record_answer(p, 3, 2, 1, true, "0.5", 1796627000);            /* a later visit */
    cr_assert(progress_save(p, &warning), "%s", warning.message);
    progress_destroy(p);
    char *text = check_read_file(path, NULL);
    cr_assert(strstr(text, "check 3 2 1 right wrong %2D0.5%2C%20%22x%22 2026-12-07T07:00:00Z\n"),
              "the answer is one word of the file: %s", text);
    free(text);

    Progress *q = progress_load(path, &warning);
    cr_assert_not(warning.set, "%s", warning.message);
    const ProgressCheck *c = progress_check(q, 3, 2, 1);
    cr_assert_not_null(c);
    cr_expect(c->correct, "the latest answer was right");
    cr_expect_not(c->first_correct, "the first was wrong");
    cr_expect_str_eq(c->first_answer, "-0.5, \"x\"");
    cr_expect_eq(c->first_time, 1796626800);
    char when[32];
    cr_expect_str_eq(progress_format_time(c->first_time, when, sizeof when), "2026-12-07T07:00:00Z");
    cr_expect_str_eq(progress_format_time(0, when, sizeof when), "", "an unknown time is empty");
    progress_destroy(q);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, an_older_file_with_one_verdict_per_question_still_loads)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    write_file(path, "bntutor-progress 1\ncheck 2 1 1 right\ncheck 2 1 2 wrong\n");
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    cr_assert_not(warning.set, "an older file is not damaged: %s", warning.message);
    const ProgressCheck *a = progress_check(p, 2, 1, 1), *b = progress_check(p, 2, 1, 2);
    cr_assert(a && b);
    cr_expect(a->first_correct && !b->first_correct, "its verdict is the best guess at the first");
    cr_expect_str_eq(a->first_answer, "");
    cr_expect_eq(a->first_time, 0);
    /* Answering again does not replace what the older file knew first. */
    progress_record_answer(p, 2, 1, 2, true, "7", 1796626800);
    cr_expect_not(progress_check(p, 2, 1, 2)->first_correct);
    progress_destroy(p);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, two_tutors_keep_the_earlier_first_answer)
{
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    BnError warning = { 0 };
    Progress *a = progress_load(path, &warning);
    Progress *b = progress_load(path, &warning);
    progress_record_answer(b, 4, 1, 1, true, "a", 2000);
    progress_record_answer(a, 4, 1, 1, false, "c", 1000);    /* answered earlier, saved later */
    cr_assert(progress_save(b, &warning), "%s", warning.message);
    cr_assert(progress_save(a, &warning), "%s", warning.message);
    progress_destroy(a);
    progress_destroy(b);
    Progress *q = progress_load(path, &warning);
    const ProgressCheck *c = progress_check(q, 4, 1, 1);
    cr_assert_not_null(c);
    cr_expect_str_eq(c->first_answer, "c");
    cr_expect_eq(c->first_time, 1000);
    cr_expect_not(c->first_correct);
    progress_destroy(q);
    free(path);
    remove_tree(dir);
    free(dir);
}

Test(progress, a_bad_first_answer_or_time_is_a_damaged_line_with_its_place)
{
    static const char *const bad[] = {
        "check 1 1 1 right maybe a 2026-12-07T07:00:00Z",     /* not a verdict */
        "check 1 1 1 right right a%2 2026-12-07T07:00:00Z",   /* a cut escape */
        "check 1 1 1 right right a\"b 2026-12-07T07:00:00Z",  /* a byte that is never written raw */
        "check 1 1 1 right right a 2026-12-07 07:00:00",      /* not ISO 8601 */
        "check 1 1 1 right right a 2026-02-07T25:00:00Z",     /* no such hour */
        "check 1 1 1 right right a",                          /* fields missing */
    };
    char *dir = temp_dir();
    char *path = path_in(dir, "progress");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "bntutor-progress 1\nposition 1 1\n%s\n", bad[i]);
        write_file(path, text);
        BnError warning = { 0 };
        Progress *p = progress_load(path, &warning);
        char where[600];
        snprintf(where, sizeof where, "%s:3", path);
        cr_expect(warning.set && strcmp(warning.where, where) == 0, "'%s': where '%s', want '%s'", bad[i],
                  warning.where, where);
        cr_expect_null(progress_check(p, 1, 1, 1), "'%s' is skipped", bad[i]);
        cr_expect_eq(p->lesson, 1, "the good line is kept");
        progress_destroy(p);
    }
    free(path);
    remove_tree(dir);
    free(dir);
}
