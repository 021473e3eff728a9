/* 'bntutor list': the lessons found, with titles, page counts and the learner's progress (top layer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lesson/discover.h"
#include "lesson/lesson.h"
#include "lesson/progress.h"
#include "util/error.h"
#include "util/parse.h"
#include "util/termtext.h"

static const char list_usage[] =
    "Usage: bntutor list [--lessons-dir=DIR]\n"
    "Lists the lessons with their number, title, page count and your progress.\n"
    "  --lessons-dir=DIR  read lessons from DIR\n";

enum { TITLE_COLUMNS = 44 };

static void print_warning(const BnError *err)
{
    char buf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 8];
    if (err->set)
        fprintf(stderr, "bntutor: %s\n", error_format(err, buf, (int)sizeof buf));
}

/* Prints s padded (or cut) to `columns` characters, counting UTF-8 code points, not bytes. */
static void print_padded(const char *text, int columns)
{
    char clean[1024];
    int used = 0;
    const char *p = termtext_clean(text, clean, sizeof clean, 0);
    while (*p && used < columns) {
        const char *next = p + 1;
        while (((unsigned char)*next & 0xC0) == 0x80)
            next++;
        if (used == columns - 1 && *next) {
            fputs("~", stdout);
            used++;
            break;
        }
        fwrite(p, 1, (size_t)(next - p), stdout);
        used++;
        p = next;
    }
    for (; used < columns; used++)
        putchar(' ');
}

int cmd_list(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(list_usage, stdout);
            return 0;
        } else if (parse_option(argv[i], "lessons-dir", &value)) {
            if (!value || !*value) {
                fprintf(stderr, "bntutor: --lessons-dir: needs a directory, as --lessons-dir=DIR\n");
                return 2;
            }
            dir = value;
        } else {
            fprintf(stderr, "bntutor: list: unexpected argument '%s' (try 'bntutor list --help')\n", argv[i]);
            return 2;
        }
    }
    BnError err = { 0 };
    LessonSet *set = lesson_set_discover(dir, &err);
    if (!set) {
        print_warning(&err);
        return 1;
    }
    BnError warning = { 0 };
    char *progress_path = progress_path_for_lessons(dir);
    Progress *progress = progress_load(progress_path, &warning);
    free(progress_path);
    print_warning(&warning);

    char shown[2048];
    termtext_clean(set->dir, shown, sizeof shown, 0);
    if (set->skipped > 0)
        fprintf(stderr, "bntutor: %s: warning: %d more *.lesson files left out: at most %d are read (the first "
                "by name)\n", shown, set->skipped, LESSON_SET_MAX);
    printf("Lessons in %s:\n", shown);
    if (set->count == 0)
        printf("  (none: the directory has no *.lesson files)\n");
    for (int i = 0; i < set->count; i++) {
        const Lesson *lesson = set->lessons[i];
        if (lesson->number >= 0)
            printf("%4d  ", lesson->number);
        else
            printf("   -  ");
        print_padded(lesson->title, TITLE_COLUMNS);
        if (lesson_is_broken(lesson)) {
            char line[2048];
            lesson_problem_format(lesson, &lesson->problems[0], line, sizeof line);
            printf("  BROKEN: %s\n", termtext_clean(line, shown, sizeof shown, 0));
            continue;
        }
        printf("  %3d page%s", lesson->page_count, lesson->page_count == 1 ? " " : "s");
        const ProgressLesson *seen = progress_lesson(progress, lesson->number);
        if (seen && seen->done)
            printf("  done");
        else if (seen)
            printf("  at page %d", seen->page);
        if (progress->lesson == lesson->number)
            printf("  <- you are here");
        putchar('\n');
    }
    progress_destroy(progress);
    lesson_set_destroy(set);
    return 0;
}
