/* Finding the lesson files: which directory, every *.lesson in it, sorted, duplicates flagged (lesson layer). */
#ifndef BNTUTOR_LESSON_DISCOVER_H
#define BNTUTOR_LESSON_DISCOVER_H

#include "lesson/lesson.h"
#include "util/error.h"

enum { LESSON_SET_MAX = 1000, LESSON_DIR_CANDIDATES = 7 };

typedef struct LessonSet {
    char *dir;              /* the directory the lessons came from; NULL for an explicit file list */
    Lesson **lessons;       /* (count) by number, then path; lessons without a number come last */
    int count;
    int skipped;            /* *.lesson files past LESSON_SET_MAX, by name order: left out (say so) */
} LessonSet;

/* Where lessons are looked for, in order: explicit_dir (--lessons-dir; may be NULL), $BNTUTOR_LESSONS,
 * lessons/ beside the binary, beside its parent and its grandparent (an uninstalled build under
 * build/rel/), then BNTUTOR_SHAREDIR "/lessons". Fills dirs (new strings) and returns how many. */
int lesson_dir_candidates(const char *explicit_dir, char *dirs[LESSON_DIR_CANDIDATES]);

/* Loads every *.lesson file of the first candidate that holds any (an explicit_dir is used even when
 * empty, and is an error when it is not a directory). Broken lessons are kept, with their problems;
 * a lesson number used twice makes the later file broken. NULL with err set when nothing is found. */
LessonSet *lesson_set_discover(const char *explicit_dir, BnError *err);
/* Loads every *.lesson file of one directory (NULL with err when it cannot be read). */
LessonSet *lesson_set_load_dir(const char *dir, BnError *err);
/* Loads the given files, in the given order, flagging duplicate numbers (for 'bntutor check'). */
LessonSet *lesson_set_load_files(char *const *paths, int count);
void lesson_set_destroy(LessonSet *set);

/* The first lesson with that number, or NULL. */
const Lesson *lesson_set_find(const LessonSet *set, int number);

#endif
