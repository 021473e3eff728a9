/* The learner's results: every question of every lesson with its first answer, per lesson and for the course (lesson layer). */
#ifndef BNTUTOR_LESSON_RESULTS_H
#define BNTUTOR_LESSON_RESULTS_H

#include <stdbool.h>

#include "lesson/discover.h"
#include "lesson/progress.h"

typedef enum ResultVerdict {
    RESULT_OPEN,            /* not answered yet */
    RESULT_RIGHT,           /* right at the first try */
    RESULT_WRONG,           /* wrong at the first try */
} ResultVerdict;

typedef struct ResultQuestion {
    int page, index;                /* 1-based: the page in its lesson, the question on its page */
    const LessonCheckpoint *cp;
    ResultVerdict first;
    bool right_later;               /* wrong at first, right on a later visit */
    char answer[PROGRESS_ANSWER_MAX];   /* the first answer ("" unknown or open) */
    long long time;                 /* when it was given (seconds since 1970 UTC); 0 unknown or open */
} ResultQuestion;

typedef struct ResultLesson {
    const Lesson *lesson;
    int set_index;                  /* its index in the LessonSet */
    ResultQuestion *questions;      /* (count) in page order */
    int count;
    int right, wrong;               /* first tries; the rest are open */
    bool done;                      /* its last page was passed */
} ResultLesson;

typedef struct Results {
    ResultLesson *lessons;          /* (count) every numbered lesson that is not broken, in set order */
    int count;
    int questions, right, wrong;    /* the whole course */
} Results;

/* The results of the lessons in set according to progress (NULL: nothing answered). The Results
 * point into set and progress: destroy it before them. Never NULL. */
Results *results_create(const LessonSet *set, const Progress *progress);
void results_destroy(Results *results);     /* accepts NULL */

/* The lesson of that index in the set, or NULL when it has none (broken, unnumbered). */
const ResultLesson *results_lesson(const Results *results, int set_index);

/* The question as one plain line (markup and symbols resolved, line breaks as spaces). */
const char *results_question_text(const ResultQuestion *question, bool unicode, char *buf, int size);

#endif
