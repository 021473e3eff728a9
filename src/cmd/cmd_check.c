/* 'bntutor check FILE...': lints lesson files, every problem as "bntutor: file:line: message" (top layer). */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lesson/discover.h"
#include "lesson/lesson.h"

static const char check_usage[] =
    "Usage: bntutor check FILE...\n"
    "Checks lesson files. Every problem is printed on stderr as 'bntutor: file:line: message';\n"
    "each good file gets 'FILE: ok (N pages)' on stdout. The format is described in lessons/README.md.\n"
    "Exit status: 0 all files good, 1 a file has problems, 2 usage error.\n";

int cmd_check(int argc, char **argv)
{
    char **files = argv + 1;
    int count = 0;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (!options_done && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) {
            fputs(check_usage, stdout);
            return 0;
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "bntutor: check: unknown option '%s' (try 'bntutor check --help')\n", arg);
            return 2;
        } else {
            files[count++] = argv[i];   /* compacts the file names in place, dropping "--" */
        }
    }
    if (count == 0) {
        fprintf(stderr, "bntutor: check: no lesson files given (usage: bntutor check FILE...)\n");
        return 2;
    }
    LessonSet *set = lesson_set_load_files(files, count);
    int status = 0;
    for (int i = 0; i < set->count; i++) {
        const Lesson *lesson = set->lessons[i];
        if (!lesson_is_broken(lesson)) {
            printf("%s: ok (%d page%s)\n", lesson->path, lesson->page_count, lesson->page_count == 1 ? "" : "s");
            continue;
        }
        status = 1;
        for (int k = 0; k < lesson->problem_count; k++) {
            char line[2048];
            fprintf(stderr, "bntutor: %s\n", lesson_problem_format(lesson, &lesson->problems[k], line, sizeof line));
        }
    }
    fflush(stdout);
    lesson_set_destroy(set);
    return status;
}
