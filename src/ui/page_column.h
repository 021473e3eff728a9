/* The page's text column: its prose and checkpoints wrapped once per page, size and answer, and drawn
 * with the question being asked pinned in view while the prose scrolls (ui layer). */
#ifndef BNTUTOR_UI_PAGE_COLUMN_H
#define BNTUTOR_UI_PAGE_COLUMN_H

#include <stdbool.h>

#include "lesson/lesson.h"
#include "ui/tutor.h"
#include "view/canvas.h"
#include "view/text.h"

/* The column, top to bottom: the prose, a blank line, then the checkpoints shown (the answered ones,
 * then the current one: the open question, or the one just answered), a blank line between them. */
typedef struct PageColumn {
    const LessonPage *page;     /* what it was wrapped for: page, width, character set, answers */
    int width;
    bool unicode;
    unsigned long checks_key;
    TextLines *prose;
    int shown;                                  /* checkpoints shown */
    TextLines *checks[LESSON_CHECKPOINT_MAX];   /* their markup, wrapped */
    int question_lines[LESSON_CHECKPOINT_MAX];  /* lines of the question itself (the verdict follows) */
    bool open[LESSON_CHECKPOINT_MAX];           /* not answered yet: its choices are shown */
    bool input[LESSON_CHECKPOINT_MAX];          /* an open number question: an answer row follows */
} PageColumn;

/* The width the column is wrapped at for this page on a w-column terminal. */
int page_column_width(const Tutor *t, int w);
/* Wraps what changed since the last call (nothing, when the page, width, character set and answers
 * are the same): the prose when the page opens or the size changes, the checkpoints on an answer. */
void page_column_update(PageColumn *column, const Tutor *t, int width, bool unicode);
void page_column_clear(PageColumn *column);     /* frees the wrapped text; the column may be updated again */

/* The layout of the page at w×h for this column (zoom: the scene alone). See PageLayout. */
void page_column_layout(const Tutor *t, const PageColumn *column, int w, int h, bool zoom, PageLayout *layout);
/* The column's line where checkpoint `index` starts (-1 when it is not shown). */
int page_column_check_line(const PageColumn *column, int index);
/* Draws the column into layout->prose from line `scroll`, the current question pinned at its bottom
 * while its own place is scrolled out of sight. */
void page_column_draw(const Tutor *t, const PageColumn *column, const PageLayout *layout, int scroll, Canvas *canvas);

#endif
