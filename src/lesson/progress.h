/* The learner's progress: where they are, which lessons are done, checkpoint results, saved atomically and merged (lesson layer). */
#ifndef BNTUTOR_LESSON_PROGRESS_H
#define BNTUTOR_LESSON_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* Lessons are identified by their number, pages and checkpoints by 1-based position. */
typedef struct ProgressLesson {
    int lesson;
    int page;                   /* last page visited in that lesson (1-based) */
    bool done;
    bool changed;               /* set here since the last save: wins over the file when merging */
} ProgressLesson;

enum { PROGRESS_ANSWER_MAX = 32 };

typedef struct ProgressCheck {
    int lesson, page, index;    /* index: the checkpoint's position on its page, 1-based */
    bool correct;               /* the latest answer's verdict */
    bool changed;               /* answered here since the last save */
    /* The first answer ever given (until a reset): what the score and `bntutor results` keep. */
    bool first_correct;
    char first_answer[PROGRESS_ANSWER_MAX]; /* the choice's key or the number typed; "" unknown (older files) */
    long long first_time;       /* when, in seconds since 1970 UTC; 0 unknown (older files) */
} ProgressCheck;

typedef struct Progress {
    char *path;                 /* the progress file; NULL when no place could be found */
    int lesson, page;           /* current position; lesson -1 when none yet */
    ProgressLesson *lessons;    /* (lesson_count) */
    int lesson_count;
    ProgressCheck *checks;      /* (check_count) */
    int check_count;
    bool position_changed;      /* the position was set here since the last save */
    bool warned;                /* a save warning was already given: later failures stay quiet */
    bool readonly;              /* nothing changes it and nothing is saved (--autoplay, replays) */
    bool refused;               /* the path is not a regular file: never written */
} Progress;

/* How long a save waits for another bntutor of the same learner to finish its own save. */
#define PROGRESS_LOCK_SECONDS 2.0

/* $XDG_STATE_HOME/bntutor/progress (an absolute XDG_STATE_HOME only), else
 * $HOME/.local/state/bntutor/progress; NULL when neither is set. New string. */
char *progress_default_path(void);

/* Where the progress of the lessons in lessons_dir is kept: progress_default_path() for the lessons
 * bntutor finds by itself (lessons_dir NULL, or the same directory as one it would search), else
 * "progress-" and a hash of the directory's real path beside it, so a teacher's lessons never overwrite
 * the resume position of the shipped ones. NULL when no place is known. New string. */
char *progress_path_for_lessons(const char *lessons_dir);
/* The backups kept beside the progress file: "<path>.damaged" (a file that could not be read whole)
 * and "<path>.bak" (the progress erased by progress_reset). New strings. */
char *progress_backup_path(const char *path, const char *suffix);

/* Loads the progress at path (NULL: progress_default_path()). Never NULL: a missing file gives empty
 * progress quietly. Damaged lines are skipped and every good line kept; a foreign file, a file of an
 * unknown version or a special file (FIFO, device: never opened blocking) gives empty progress. Any of
 * these sets one warning. The next save keeps a damaged or foreign file as <path>.damaged. */
Progress *progress_load(const char *path, BnError *warning);
/* Saves without losing another tutor's answers: takes the progress directory's lock (waiting at most
 * PROGRESS_LOCK_SECONDS), re-reads the file, merges (what changed here since the last save wins, the
 * rest comes from the file, a done mark stays done), removes temporary files a killed save left
 * behind, then writes atomically (a temporary file in the same directory, fsync, rename), creating the
 * directory. The Progress then holds the merged state. A readonly Progress is not written (true).
 * On failure returns false and sets warning only the first time for this Progress. */
bool progress_save(Progress *progress, BnError *warning);
/* Forgets everything, in memory and on disk; the file is kept as <path>.bak (one backup, replaced by
 * the next reset). False with warning on failure. */
bool progress_reset(Progress *progress, BnError *warning);
void progress_destroy(Progress *progress);

/* The changes below do nothing on a readonly Progress. */
void progress_set_position(Progress *progress, int lesson, int page);
void progress_mark_done(Progress *progress, int lesson);
/* NULL when the lesson was never opened. */
const ProgressLesson *progress_lesson(const Progress *progress, int lesson);
bool progress_is_done(const Progress *progress, int lesson);
void progress_record_check(Progress *progress, int lesson, int page, int index, bool correct);
/* The same, with what was answered and when (seconds since 1970 UTC): the first answer to a question
 * is kept for good, later ones only change `correct`. answer may be NULL (unknown). */
void progress_record_answer(Progress *progress, int lesson, int page, int index, bool correct, const char *answer,
                            long long when);
/* ISO 8601 UTC ("2026-12-07T07:05:53Z") of a first_time into buf; "" when unknown. Returns buf. */
const char *progress_format_time(long long when, char *buf, size_t size);
/* NULL when that checkpoint was never answered. */
const ProgressCheck *progress_check(const Progress *progress, int lesson, int page, int index);

#endif
