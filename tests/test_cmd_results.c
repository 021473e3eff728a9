/* 'bntutor results': the table, CSV and JSON a teacher collects, from no progress, real answers and damaged files. */
#include <criterion/criterion.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lesson/progress.h"
#include "support/check.h"
#include "support/command.h"
#include "support/json.h"

static char scratch[64], lessons[128], state[128];

/* A teacher's lesson: its title has a comma and quotes, one question a comma, so CSV must quote them. */
static const char teacher_lesson[] =
    "lesson 70\n"
    "title Means, \"averages\" and more\n"
    "page First\n"
    "text\n"
    "  Two questions.\n"
    "end\n"
    "checkpoint\n"
    "  question Which is the mean of 1 and 3?\n"
    "  choice a: 2\n"
    "  choice b: 4\n"
    "  answer a\n"
    "end\n"
    "checkpoint\n"
    "  question The mean of 2, 4 and *six*?\n"
    "  answer 4\n"
    "  tolerance 0\n"
    "end\n"
    "page Second\n"
    "checkpoint\n"
    "  question Yes or no?\n"
    "  choice yes: yes\n"
    "  choice no: no\n"
    "  answer yes\n"
    "end\n";

static void make_scratch(void)
{
    snprintf(scratch, sizeof scratch, "/tmp/bntutor-results-XXXXXX");
    cr_assert_not_null(mkdtemp(scratch), "cannot make a scratch folder");
    snprintf(lessons, sizeof lessons, "%s/lessons", scratch);
    snprintf(state, sizeof state, "%s/state", scratch);
    cr_assert_eq(mkdir(lessons, 0755), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/70-teacher.lesson", lessons);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(teacher_lesson, f);
    fclose(f);
    /* The command and this process must agree on where the teacher's lessons keep their progress. */
    setenv("XDG_STATE_HOME", state, 1);
}

static void remove_scratch(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", scratch);
}

TestSuite(cmd_results, .init = make_scratch, .fini = remove_scratch);

/* Runs `bntutor results ARGS` with XDG_STATE_HOME in the scratch folder. */
static CommandRun run_results(const char *args)
{
    const char *bin = getenv("BNTUTOR_BIN");
    cr_assert_not_null(bin, "BNTUTOR_BIN is not set");
    return command_run(scratch, "XDG_STATE_HOME='%s' LC_ALL=C.UTF-8 '%s' results %s", state, bin, args);
}

static char *teacher_progress_path(void)
{
    char *path = progress_path_for_lessons(lessons);
    cr_assert_not_null(path);
    cr_assert(strstr(path, state) == path, "the progress lives under XDG_STATE_HOME: %s", path);
    return path;
}

/* Question 1 wrong ("b", then right on a later visit), question 2 right ("4"); page 2 left open. */
static void answer_some(void)
{
    char *path = teacher_progress_path();
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    progress_record_answer(p, 70, 1, 1, false, "b", 1796626800);         /* 2026-12-07T07:00:00Z */
    progress_record_answer(p, 70, 1, 2, true, "4", 1796626860);
    progress_record_answer(p, 70, 1, 1, true, "a", 1796627000);          /* a later visit: not the first */
    cr_assert(progress_save(p, &warning), "%s", warning.message);
    progress_destroy(p);
    free(path);
}

static const char *user_name(void)
{
    const struct passwd *pw = getpwuid(getuid());
    cr_assert(pw && pw->pw_name, "this test needs an account name");
    return pw->pw_name;
}

Test(cmd_results, the_csv_has_the_documented_columns_and_quotes_what_needs_it)
{
    answer_some();
    char args[256];
    snprintf(args, sizeof args, "--csv --lessons-dir='%s'", lessons);
    CommandRun run = run_results(args);
    cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
    cr_assert_str_empty(run.err, "%s", run.err);
    char expected[2048];
    const char *name = user_name();
    snprintf(expected, sizeof expected,
             "name,lesson,lesson_title,page,question,question_text,first_answer,result,time,right_later\n"
             "%s,70,\"Means, \"\"averages\"\" and more\",1,1,Which is the mean of 1 and 3?,b,wrong,2026-12-07T07:00:00Z,yes\n"
             "%s,70,\"Means, \"\"averages\"\" and more\",1,2,\"The mean of 2, 4 and six?\",4,right,2026-12-07T07:01:00Z,no\n"
             "%s,70,\"Means, \"\"averages\"\" and more\",2,1,Yes or no?,,unanswered,,no\n",
             name, name, name);
    cr_assert_str_eq(run.out, expected);
    command_run_free(&run);
}

Test(cmd_results, the_json_is_valid_and_holds_the_same_answers)
{
    answer_some();
    char args[256];
    snprintf(args, sizeof args, "--json --lessons-dir='%s'", lessons);
    CommandRun run = run_results(args);
    cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
    char err[128];
    JsonValue *doc = json_parse(run.out, err, sizeof err);
    cr_assert_not_null(doc, "not JSON (%s):\n%s", err, run.out);
    cr_expect_str_eq(json_string(json_get(doc, "name")), user_name());
    cr_expect_eq(json_number(json_get(doc, "questions")), 3);
    cr_expect_eq(json_number(json_get(doc, "right")), 1);
    cr_expect_eq(json_number(json_get(doc, "wrong")), 1);
    const JsonValue *lesson = json_index(json_get(doc, "lessons"), 0);
    cr_assert_not_null(lesson);
    cr_expect_eq(json_number(json_get(lesson, "lesson")), 70);
    cr_expect_str_eq(json_string(json_get(lesson, "title")), "Means, \"averages\" and more");
    const JsonValue *answers = json_get(lesson, "answers");
    cr_assert_eq(json_length(answers), 3);
    const JsonValue *first = json_index(answers, 0), *open = json_index(answers, 2);
    cr_expect_str_eq(json_string(json_get(first, "first_answer")), "b");
    cr_expect_str_eq(json_string(json_get(first, "result")), "wrong");
    cr_expect_str_eq(json_string(json_get(first, "time")), "2026-12-07T07:00:00Z");
    const JsonValue *later = json_get(first, "right_later"), *not_later = json_get(open, "right_later");
    cr_expect(later && later->type == JSON_BOOL && later->boolean, "question 1 was right on a later visit");
    cr_expect(not_later && not_later->type == JSON_BOOL && !not_later->boolean);
    cr_expect_str_eq(json_string(json_get(open, "result")), "unanswered");
    cr_expect(json_get(open, "time") && json_get(open, "time")->type == JSON_NULL, "no time for an open question");
    json_free(doc);
    /* And whatever reads JSON elsewhere agrees, when python3 is there. */
    if (system("python3 -c '' 2>/dev/null") == 0) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "python3 -m json.tool '%s/out' >/dev/null", scratch);
        cr_expect_eq(system(cmd), 0, "python3 -m json.tool rejects the output");
    }
    command_run_free(&run);
}

Test(cmd_results, the_table_shows_each_question_and_the_course_score)
{
    answer_some();
    char args[256];
    snprintf(args, sizeof args, "--lessons-dir='%s'", lessons);
    CommandRun run = run_results(args);
    cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
    cr_expect(strstr(run.out, "Lesson 70: Means, \"averages\" and more (1 of 3 right at the first try, 1 missed, "
                              "1 not answered)"), "%s", run.out);
    cr_expect(strstr(run.out, "p1 q1   right later b        2026-12-07T07:00:00Z  Which is the mean of 1 and 3?"),
              "%s", run.out);
    cr_expect(strstr(run.out, "p2 q1   unanswered  -        -"), "%s", run.out);
    cr_expect(strstr(run.out, "Course: 1 of 3 right at the first try, 1 missed, 1 not answered."), "%s", run.out);
    command_run_free(&run);
}

Test(cmd_results, with_no_progress_yet_every_question_is_unanswered)
{
    char args[256];
    snprintf(args, sizeof args, "--lessons-dir='%s'", lessons);
    CommandRun run = run_results(args);
    cr_assert_eq(run.status, 0, "no progress is not an error: %s", run.err);
    cr_assert_str_empty(run.err, "%s", run.err);
    cr_expect(strstr(run.out, "No answers yet"), "%s", run.out);
    cr_expect(strstr(run.out, "Course: 0 of 3 right"), "%s", run.out);
    command_run_free(&run);
    snprintf(args, sizeof args, "--csv --lessons-dir='%s'", lessons);
    run = run_results(args);
    cr_assert_eq(run.status, 0, "%s", run.err);
    int rows = 0;
    for (const char *p = run.out; (p = strstr(p, ",unanswered,,no\n")); p++)
        rows++;
    cr_expect_eq(rows, 3, "three open questions:\n%s", run.out);
    command_run_free(&run);
    snprintf(args, sizeof args, "--json --lessons-dir='%s'", lessons);
    run = run_results(args);
    JsonValue *doc = json_parse(run.out, NULL, 0);
    cr_assert_not_null(doc, "%s", run.out);
    cr_expect_eq(json_number(json_get(doc, "right")), 0);
    json_free(doc);
    command_run_free(&run);
}

Test(cmd_results, the_teachers_lessons_keep_their_own_results)
{
    answer_some();
    /* The shipped lessons' progress is another file: nothing answered there. */
    CommandRun run = run_results("--json");
    cr_assert_eq(run.status, 0, "%s", run.err);
    JsonValue *doc = json_parse(run.out, NULL, 0);
    cr_assert_not_null(doc, "%s", run.out);
    cr_expect_eq(json_number(json_get(doc, "right")) + json_number(json_get(doc, "wrong")), 0,
                 "the shipped lessons show no answer from the teacher's");
    cr_expect_gt(json_number(json_get(doc, "questions")), 3, "the shipped lessons are listed");
    json_free(doc);
    command_run_free(&run);
}

Test(cmd_results, damaged_progress_is_reported_with_its_line_and_the_rest_is_printed)
{
    char *path = teacher_progress_path();
    char dir[256];
    snprintf(dir, sizeof dir, "%s/bntutor", state);
    mkdir(state, 0700);
    mkdir(dir, 0700);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("bntutor-progress 1\ncheck 70 1 2 right right 4 2026-12-07T07:01:00Z\n"
          "check 70 1 1 wrong wrong b 2026-13-07T07:00:00Z\n", f);
    fclose(f);
    char args[256];
    snprintf(args, sizeof args, "--csv --lessons-dir='%s'", lessons);
    CommandRun run = run_results(args);
    cr_expect_eq(run.status, 1, "damaged progress fails the command");
    char expected[512];
    snprintf(expected, sizeof expected, "bntutor: %s:3: progress file is damaged", path);
    cr_expect(strncmp(run.err, expected, strlen(expected)) == 0, "want '%s...', got: %s", expected, run.err);
    cr_expect(strstr(run.out, ",1,2,\"The mean of 2, 4 and six?\",4,right,"), "the good line still counts:\n%s",
              run.out);
    command_run_free(&run);
    free(path);
}

Test(cmd_results, options_are_checked)
{
    CommandRun run = run_results("--csv --json");
    cr_expect_eq(run.status, 2);
    cr_expect(strstr(run.err, "bntutor: results:"), "%s", run.err);
    command_run_free(&run);
    run = run_results("--bogus");
    cr_expect_eq(run.status, 2);
    command_run_free(&run);
    run = run_results("--help");
    cr_expect_eq(run.status, 0);
    cr_expect(strstr(run.out, "name,lesson,lesson_title,page,question,question_text,first_answer,result,time"),
              "the help names the CSV columns: %s", run.out);
    command_run_free(&run);
}
