/* Lesson discovery: the search path for the lessons directory and loading all its files (lesson layer). */
#include "lesson/discover.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"

#ifndef BNTUTOR_SHAREDIR
#define BNTUTOR_SHAREDIR "/usr/local/share/bntutor"
#endif

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = xmalloc(n);
    snprintf(s, n, "%s/%s", dir, name);
    return s;
}

int lesson_dir_candidates(const char *explicit_dir, char *dirs[LESSON_DIR_CANDIDATES])
{
    int n = 0;
    if (explicit_dir && *explicit_dir)
        dirs[n++] = xstrdup(explicit_dir);
    const char *env = getenv("BNTUTOR_LESSONS");
    if (env && *env)
        dirs[n++] = xstrdup(env);
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            /* An uninstalled build (./, build/rel/) and a relocated install (bin/ beside share/). */
            static const char *const up[] = { "lessons", "../lessons", "../../lessons",
                                               "../share/bntutor/lessons" };
            for (int i = 0; i < 4; i++)
                dirs[n++] = join(exe[0] ? exe : "/", up[i]);
        }
    }
    dirs[n++] = xstrdup(BNTUTOR_SHAREDIR "/lessons");
    return n;
}

static bool has_lesson_suffix(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 7 && strcmp(name + n - 7, ".lesson") == 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int compare_lessons(const void *a, const void *b)
{
    const Lesson *x = *(const Lesson *const *)a, *y = *(const Lesson *const *)b;
    /* Lessons without a number sort after all numbered ones. */
    unsigned nx = (unsigned)x->number, ny = (unsigned)y->number;
    if (nx != ny)
        return nx < ny ? -1 : 1;
    return strcmp(x->path, y->path);
}

/* Marks every later lesson that reuses a number; lessons must be sorted by number. */
static void flag_duplicates(LessonSet *set)
{
    for (int i = 1; i < set->count; i++) {
        Lesson *prev = NULL;
        for (int j = i - 1; j >= 0 && set->lessons[j]->number == set->lessons[i]->number; j--)
            prev = set->lessons[j];
        if (prev && set->lessons[i]->number >= 0)
            lesson_add_problem(set->lessons[i], set->lessons[i]->number_line,
                               "lesson number %d is also used by %s", set->lessons[i]->number, prev->path);
    }
}

static void set_add(LessonSet *set, Lesson *lesson)
{
    set->lessons = xrealloc(set->lessons, sizeof *set->lessons * (size_t)(set->count + 1));
    set->lessons[set->count++] = lesson;
}

/* Names of the first LESSON_SET_MAX *.lesson files in dir by name (sorted before the cut, so the
 * same files are kept whatever the directory order); *skipped counts the rest. -1 when dir cannot
 * be read. */
static int list_lesson_files(const char *dir, char ***names_out, int *skipped)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 100 * LESSON_SET_MAX) {
        if (!has_lesson_suffix(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = xrealloc(names, sizeof *names * (size_t)cap);
        }
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, (size_t)n, sizeof *names, compare_names);
    *skipped = n > LESSON_SET_MAX ? n - LESSON_SET_MAX : 0;
    for (int i = LESSON_SET_MAX; i < n; i++)
        free(names[i]);
    *names_out = names;
    return n - *skipped;
}

LessonSet *lesson_set_load_dir(const char *dir, BnError *err)
{
    char **names = NULL;
    int skipped = 0;
    int n = list_lesson_files(dir, &names, &skipped);
    if (n < 0) {
        error_set(err, dir, "cannot read the lessons directory: %s", strerror(errno));
        return NULL;
    }
    LessonSet *set = xcalloc(1, sizeof *set);
    set->dir = xstrdup(dir);
    set->skipped = skipped;
    for (int i = 0; i < n; i++) {
        char *path = join(dir, names[i]);
        set_add(set, lesson_load(path));
        free(path);
        free(names[i]);
    }
    free(names);
    if (set->count > 1)
        qsort(set->lessons, (size_t)set->count, sizeof *set->lessons, compare_lessons);
    flag_duplicates(set);
    return set;
}

LessonSet *lesson_set_discover(const char *explicit_dir, BnError *err)
{
    if (explicit_dir && *explicit_dir) {
        if (!is_dir(explicit_dir)) {
            error_set(err, "--lessons-dir", "'%s' is not a directory", explicit_dir);
            return NULL;
        }
        return lesson_set_load_dir(explicit_dir, err);
    }
    char *dirs[LESSON_DIR_CANDIDATES];
    int n = lesson_dir_candidates(NULL, dirs);
    LessonSet *set = NULL;
    for (int i = 0; i < n && !set; i++) {
        char **names = NULL;
        int skipped = 0;
        int k = is_dir(dirs[i]) ? list_lesson_files(dirs[i], &names, &skipped) : -1;
        for (int j = 0; j < k; j++)
            free(names[j]);
        free(names);
        if (k > 0)
            set = lesson_set_load_dir(dirs[i], err);
    }
    if (!set) {
        char tried[1024];
        size_t used = 0;
        tried[0] = '\0';
        for (int i = 0; i < n && used + 1 < sizeof tried; i++) {
            int w = snprintf(tried + used, sizeof tried - used, "%s%s", i ? ", " : "", dirs[i]);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        error_set(err, "", "no lessons found (looked in %s; use --lessons-dir=DIR)", tried);
    }
    for (int i = 0; i < n; i++)
        free(dirs[i]);
    return set;
}

LessonSet *lesson_set_load_files(char *const *paths, int count)
{
    LessonSet *set = xcalloc(1, sizeof *set);
    for (int i = 0; i < count; i++)
        set_add(set, lesson_load(paths[i]));
    /* Duplicates are judged in number order, but the files stay in the order given. */
    if (set->count > 1) {
        Lesson **sorted = xmalloc(sizeof *sorted * (size_t)set->count);
        memcpy(sorted, set->lessons, sizeof *sorted * (size_t)set->count);
        qsort(sorted, (size_t)set->count, sizeof *sorted, compare_lessons);
        LessonSet view = { NULL, sorted, set->count, 0 };
        flag_duplicates(&view);
        free(sorted);
    }
    return set;
}

void lesson_set_destroy(LessonSet *set)
{
    if (!set)
        return;
    for (int i = 0; i < set->count; i++)
        lesson_destroy(set->lessons[i]);
    free(set->lessons);
    free(set->dir);
    free(set);
}

const Lesson *lesson_set_find(const LessonSet *set, int number)
{
    for (int i = 0; set && i < set->count; i++)
        if (set->lessons[i]->number == number)
            return set->lessons[i];
    return NULL;
}
