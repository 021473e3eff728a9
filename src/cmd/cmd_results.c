/* 'bntutor results': the learner's first answers to every question, as a table, CSV or JSON for a teacher to collect (top layer). */
#include <langinfo.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/export.h"
#include "lesson/discover.h"
#include "lesson/progress.h"
#include "lesson/results.h"
#include "ui/tty.h"
#include "util/error.h"
#include "util/parse.h"
#include "util/termtext.h"

static const char results_usage[] =
    "Usage: bntutor results [--csv|--json] [--lessons-dir=DIR]\n"
    "Prints your first answer to every question of every lesson: right or wrong, and when.\n"
    "  --csv              one row per question, with a header row:\n"
    "                     name,lesson,lesson_title,page,question,question_text,first_answer,result,time,\n"
    "                     right_later (result: right, wrong or unanswered at the first try; time: ISO 8601\n"
    "                     UTC of the first answer; right_later: yes when wrong at first, right on a later try)\n"
    "  --json             one object: name, lessons_dir, progress, questions, right, wrong, and lessons\n"
    "                     (each with its questions and their first answers)\n"
    "  --lessons-dir=DIR  the results of the lessons in DIR (their progress is kept apart)\n"
    "The name is the system account's. Without --csv or --json: a table for people.\n"
    "Exit status: 0 printed, 1 the lessons or the progress could not be read whole (what could be read\n"
    "is printed, and what is wrong is said on stderr as 'bntutor: file:line: ...'), 2 usage error.\n";

typedef enum ResultsFormat { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON } ResultsFormat;

enum { QUESTION_TEXT_MAX = 2048 };

static const char *verdict_name(ResultVerdict v)
{
    return v == RESULT_RIGHT ? "right" : v == RESULT_WRONG ? "wrong" : "unanswered";
}

/* The account's login name; its number when the system has no entry for it. */
static void account_name(char *buf, size_t size)
{
    const struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_name && pw->pw_name[0])
        snprintf(buf, size, "%s", pw->pw_name);
    else
        snprintf(buf, size, "%lu", (unsigned long)getuid());
}

/* A CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge blanks;
 * quotes doubled inside. */
static void csv_field(FILE *out, const char *text, bool last)
{
    size_t n = strlen(text);
    bool quote = strpbrk(text, ",\"\n") != NULL || (n > 0 && (text[0] == ' ' || text[n - 1] == ' '));
    if (quote) {
        putc('"', out);
        for (const char *s = text; *s; s++) {
            if (*s == '"')
                putc('"', out);
            putc(*s, out);
        }
        putc('"', out);
    } else {
        fputs(text, out);
    }
    fputs(last ? "\n" : ",", out);
}

static void csv_number(FILE *out, int value)
{
    fprintf(out, "%d,", value);
}

static void print_csv(FILE *out, const Results *res, const char *name)
{
    fputs("name,lesson,lesson_title,page,question,question_text,first_answer,result,time,right_later\n", out);
    char text[QUESTION_TEXT_MAX], when[32];
    for (int i = 0; i < res->count; i++) {
        const ResultLesson *l = &res->lessons[i];
        for (int k = 0; k < l->count; k++) {
            const ResultQuestion *q = &l->questions[k];
            csv_field(out, name, false);
            csv_number(out, l->lesson->number);
            csv_field(out, l->lesson->title, false);
            csv_number(out, q->page);
            csv_number(out, q->index);
            csv_field(out, results_question_text(q, true, text, (int)sizeof text), false);
            csv_field(out, q->answer, false);
            csv_field(out, verdict_name(q->first), false);
            csv_field(out, progress_format_time(q->time, when, sizeof when), false);
            csv_field(out, q->right_later ? "yes" : "no", true);
        }
    }
}

/* A JSON string, or null when text is empty and empty means unknown. */
static void json_text_or_null(FILE *out, const char *text)
{
    if (text[0])
        export_json_string(out, text);
    else
        fputs("null", out);
}

static void print_json(FILE *out, const Results *res, const char *name, const char *dir, const char *progress)
{
    char text[QUESTION_TEXT_MAX], when[32];
    fputs("{\n  \"name\": ", out);
    export_json_string(out, name);
    fputs(",\n  \"lessons_dir\": ", out);
    json_text_or_null(out, dir ? dir : "");
    fputs(",\n  \"progress\": ", out);
    json_text_or_null(out, progress ? progress : "");
    fprintf(out, ",\n  \"questions\": %d,\n  \"right\": %d,\n  \"wrong\": %d,\n  \"lessons\": [", res->questions,
            res->right, res->wrong);
    for (int i = 0; i < res->count; i++) {
        const ResultLesson *l = &res->lessons[i];
        fprintf(out, "%s\n    {\"lesson\": %d, \"title\": ", i ? "," : "", l->lesson->number);
        export_json_string(out, l->lesson->title);
        fprintf(out, ", \"done\": %s, \"questions\": %d, \"right\": %d, \"wrong\": %d, \"answers\": [",
                l->done ? "true" : "false", l->count, l->right, l->wrong);
        for (int k = 0; k < l->count; k++) {
            const ResultQuestion *q = &l->questions[k];
            fprintf(out, "%s\n      {\"page\": %d, \"question\": %d, \"text\": ", k ? "," : "", q->page, q->index);
            export_json_string(out, results_question_text(q, true, text, (int)sizeof text));
            fputs(", \"first_answer\": ", out);
            json_text_or_null(out, q->answer);
            fprintf(out, ", \"result\": \"%s\", \"time\": ", verdict_name(q->first));
            json_text_or_null(out, progress_format_time(q->time, when, sizeof when));
            fprintf(out, ", \"right_later\": %s}", q->right_later ? "true" : "false");
        }
        fputs(l->count ? "\n    ]}" : "]}", out);
    }
    fputs(res->count ? "\n  ]\n}\n" : "]\n}\n", out);
}

static void score_line(char *buf, size_t size, int right, int wrong, int questions)
{
    snprintf(buf, size, "%d of %d right at the first try, %d missed, %d not answered", right, questions, wrong,
             questions - right - wrong);
}

static void print_table(FILE *out, const Results *res, const char *name, const char *dir, const char *progress)
{
    bool unicode = tty_codeset_is_utf8(nl_langinfo(CODESET));
    char text[QUESTION_TEXT_MAX], clean[QUESTION_TEXT_MAX * 2], when[32], score[160], shown[2048];
    fprintf(out, "Results of %s", termtext_clean(name, shown, sizeof shown, 0));
    fprintf(out, " (lessons in %s)\n", termtext_clean(dir ? dir : "?", shown, sizeof shown, 0));
    if (res->right + res->wrong == 0)
        fprintf(out, "No answers yet%s%s.\n", progress ? ": nothing saved in " : "",
                progress ? termtext_clean(progress, shown, sizeof shown, 0) : "");
    for (int i = 0; i < res->count; i++) {
        const ResultLesson *l = &res->lessons[i];
        if (l->count == 0)
            continue;
        score_line(score, sizeof score, l->right, l->wrong, l->count);
        fprintf(out, "\nLesson %d: %s (%s)\n", l->lesson->number,
                termtext_clean(l->lesson->title, shown, sizeof shown, 0), score);
        for (int k = 0; k < l->count; k++) {
            const ResultQuestion *q = &l->questions[k];
            char where[32];
            snprintf(where, sizeof where, "p%d q%d", q->page, q->index);
            progress_format_time(q->time, when, sizeof when);
            results_question_text(q, unicode, text, (int)sizeof text);
            /* As on the results screen: a question missed at first and right on a later try says so. */
            const char *verdict = q->first == RESULT_WRONG && q->right_later ? "right later" : verdict_name(q->first);
            fprintf(out, "  %-7s %-11s %-8s %-20s  %s\n", where, verdict,
                    termtext_clean(q->answer[0] ? q->answer : "-", shown, sizeof shown, 0), when[0] ? when : "-",
                    termtext_clean(text, clean, sizeof clean, 0));
        }
    }
    score_line(score, sizeof score, res->right, res->wrong, res->questions);
    fprintf(out, "\nCourse: %s.\n", score);
}

int cmd_results(int argc, char **argv)
{
    const char *dir = NULL;
    ResultsFormat format = FORMAT_TABLE;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(results_usage, stdout);
            return 0;
        } else if (strcmp(argv[i], "--csv") == 0 || strcmp(argv[i], "--json") == 0) {
            ResultsFormat asked = argv[i][2] == 'c' ? FORMAT_CSV : FORMAT_JSON;
            if (format != FORMAT_TABLE && format != asked) {
                fprintf(stderr, "bntutor: results: --csv and --json go alone (try 'bntutor results --help')\n");
                return 2;
            }
            format = asked;
        } else if (parse_option(argv[i], "lessons-dir", &value)) {
            if (!value || !*value) {
                fprintf(stderr, "bntutor: --lessons-dir: needs a directory, as --lessons-dir=DIR\n");
                return 2;
            }
            dir = value;
        } else {
            fprintf(stderr, "bntutor: results: unexpected argument '%s' (try 'bntutor results --help')\n", argv[i]);
            return 2;
        }
    }
    char buf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 8];
    BnError err = { 0 };
    LessonSet *set = lesson_set_discover(dir, &err);
    if (!set) {
        fprintf(stderr, "bntutor: %s\n", error_format(&err, buf, (int)sizeof buf));
        return 1;
    }
    int status = 0;
    for (int i = 0; i < set->count; i++)
        if (lesson_is_broken(set->lessons[i])) {
            char line[2048], clean[4096];
            lesson_problem_format(set->lessons[i], &set->lessons[i]->problems[0], line, sizeof line);
            fprintf(stderr, "bntutor: %s (its questions are left out)\n", termtext_clean(line, clean, sizeof clean, 0));
            status = 1;
        }
    char *path = progress_path_for_lessons(dir);
    BnError warning = { 0 };
    Progress *progress = progress_load(path, &warning);
    if (warning.set) {
        fprintf(stderr, "bntutor: %s\n", error_format(&warning, buf, (int)sizeof buf));
        status = 1;
    }
    char name[256];
    account_name(name, sizeof name);
    Results *res = results_create(set, progress);
    if (format == FORMAT_CSV)
        print_csv(stdout, res, name);
    else if (format == FORMAT_JSON)
        print_json(stdout, res, name, set->dir, path);
    else
        print_table(stdout, res, name, set->dir, path);
    results_destroy(res);
    progress_destroy(progress);
    free(path);
    lesson_set_destroy(set);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "bntutor: results: cannot write the output\n");
        return 1;
    }
    return status;
}
