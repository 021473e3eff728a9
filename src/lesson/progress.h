/* The learner's progress: where they are, which lessons are done, checkpoint results, saved atomically (lesson layer). */
#ifndef BNTUTOR_LESSON_PROGRESS_H
#define BNTUTOR_LESSON_PROGRESS_H

#include <stdbool.h>

#include "util/error.h"

/* Lessons are identified by their number, pages and checkpoints by 1-based position. */
typedef struct ProgressLesson {
    int lesson;
    int page;                   /* last page visited in that lesson (1-based) */
    bool done;
} ProgressLesson;

typedef struct ProgressCheck {
    int lesson, page, index;    /* index: the checkpoint's position on its page, 1-based */
    bool correct;
} ProgressCheck;

typedef struct Progress {
    char *path;                 /* the progress file; NULL when no place could be found */
    int lesson, page;           /* current position; lesson -1 when none yet */
    ProgressLesson *lessons;    /* (lesson_count) */
    int lesson_count;
    ProgressCheck *checks;      /* (check_count) */
    int check_count;
    bool warned;                /* a save warning was already given: later failures stay quiet */
} Progress;

/* $XDG_STATE_HOME/bntutor/progress (an absolute XDG_STATE_HOME only), else
 * $HOME/.local/state/bntutor/progress; NULL when neither is set. New string. */
char *progress_default_path(void);

/* Loads the progress at path (NULL: progress_default_path()). Never NULL: a missing file gives empty
 * progress quietly; a corrupt or foreign file gives empty progress and sets warning (at most one). */
Progress *progress_load(const char *path, BnError *warning);
/* Writes atomically (a temporary file in the same directory, fsync, rename), creating the directory.
 * On failure returns false and sets warning only the first time for this Progress. */
bool progress_save(Progress *progress, BnError *warning);
/* Forgets everything, in memory and on disk (the file is removed). False with warning on failure. */
bool progress_reset(Progress *progress, BnError *warning);
void progress_destroy(Progress *progress);

void progress_set_position(Progress *progress, int lesson, int page);
void progress_mark_done(Progress *progress, int lesson);
/* NULL when the lesson was never opened. */
const ProgressLesson *progress_lesson(const Progress *progress, int lesson);
bool progress_is_done(const Progress *progress, int lesson);
void progress_record_check(Progress *progress, int lesson, int page, int index, bool correct);
/* NULL when that checkpoint was never answered. */
const ProgressCheck *progress_check(const Progress *progress, int lesson, int page, int index);

#endif
