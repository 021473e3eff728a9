/* 'bntutor check FILE...': lints lesson files, every problem as "bntutor: file:line: message" (top layer). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lesson/discover.h"
#include "lesson/lesson.h"
#include "util/alloc.h"
#include "util/file.h"
#include "util/termtext.h"

enum { CHECK_SCAN_MAX = 16 << 20, CHECK_HIDDEN_WARNINGS_MAX = 20 };

/* Warns, per line, about characters the screen drops but that reorder or hide text elsewhere (bidi
 * overrides and isolates, soft hyphens, tag characters): a lesson should not rely on them, and they can
 * make a line say something other than what a reviewer reads. Returns how many lines had one. */
static int warn_hidden_characters(const char *path)
{
    /* A FIFO named *.lesson must not block the linter (its load already said what is wrong). */
    struct stat st;
    int fd = file_open_regular(path, O_RDONLY, 0, &st, NULL);
    if (fd < 0)
        return 0;
    if (st.st_size > CHECK_SCAN_MAX) {
        close(fd);
        return 0;
    }
    size_t size = (size_t)st.st_size;
    char *text = xmalloc(size + 1);
    size_t len = 0;
    while (len < size) {
        ssize_t got = read(fd, text + len, size - len);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    text[len] = '\0';
    int warned = 0, line = 1;
    bool line_warned = false;
    char where[512];
    for (const char *s = text; *s;) {
        uint32_t cp;
        int n = termtext_decode(s, &cp);
        if (cp == '\n') {
            line++;
            line_warned = false;
        } else if (!line_warned && termtext_is_hidden(cp)) {
            line_warned = true;
            if (++warned <= CHECK_HIDDEN_WARNINGS_MAX)
                fprintf(stderr, "bntutor: %s:%d: warning: invisible character U+%04X (a bidi control, separator, "
                        "soft hyphen or tag); the screen drops it, remove it from the lesson\n",
                        termtext_clean(path, where, sizeof where, 0), line, (unsigned)cp);
        }
        s += n;
    }
    if (warned > CHECK_HIDDEN_WARNINGS_MAX)
        fprintf(stderr, "bntutor: %s: warning: %d more lines with invisible characters\n",
                termtext_clean(path, where, sizeof where, 0), warned - CHECK_HIDDEN_WARNINGS_MAX);
    free(text);
    return warned;
}

static const char check_usage[] =
    "Usage: bntutor check FILE...\n"
    "Checks lesson files. Every problem is printed on stderr as 'bntutor: file:line: message';\n"
    "invisible characters (bidi controls, soft hyphens, tag characters) get a warning there too.\n"
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
            char shown[256];
            fprintf(stderr, "bntutor: check: unknown option '%s' (try 'bntutor check --help')\n",
                    termtext_clean(arg, shown, sizeof shown, 0));
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
        char shown[1024];
        warn_hidden_characters(lesson->path);
        if (!lesson_is_broken(lesson)) {
            printf("%s: ok (%d page%s)\n", termtext_clean(lesson->path, shown, sizeof shown, 0), lesson->page_count,
                   lesson->page_count == 1 ? "" : "s");
            continue;
        }
        status = 1;
        for (int k = 0; k < lesson->problem_count; k++) {
            char line[2048], clean[4096];
            lesson_problem_format(lesson, &lesson->problems[k], line, sizeof line);
            fprintf(stderr, "bntutor: %s\n", termtext_clean(line, clean, sizeof clean, 0));
        }
    }
    fflush(stdout);
    lesson_set_destroy(set);
    return status;
}
