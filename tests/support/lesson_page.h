/* Test helper (tests/support): one lesson page opened in a headless tutor, rendered as text, found by title. */
#ifndef BNTUTOR_TESTS_LESSON_PAGE_H
#define BNTUTOR_TESTS_LESSON_PAGE_H

#include <stdbool.h>

#include "lesson/discover.h"
#include "lesson/lesson.h"
#include "ui/tutor.h"

/* A tutor on page `page` (from 1) of lesson `lesson` under lessons/, without the progress store; fails the
 * test when it cannot open. */
Tutor *lesson_page_open(int lesson, int page);
/* The same from a whole config (another lessons folder, progress, a clock). */
Tutor *lesson_page_open_with(const TutorConfig *config);
/* The tutor's current screen drawn on a w×h canvas (braille when unicode, else ASCII) as text; the caller
 * frees it. */
char *lesson_page_render(Tutor *t, int w, int h, bool unicode);
/* The frame below its first line, which says "page N/M": N and M change whenever pages are added elsewhere
 * in the lesson, which is not what a page's golden is about. */
const char *lesson_page_below_title(const char *frame);
/* The lesson numbered `number` in set; fails the test when there is none. */
const Lesson *lesson_page_lesson(const LessonSet *set, int number);
/* The number (from 1) of the page titled `title`, so pages added before it do not renumber a test: in
 * lesson, or in the lesson numbered `lesson` under lessons/. Fails the test when there is none. */
int lesson_page_find(const Lesson *lesson, const char *title);
int lesson_page_number(int lesson, const char *title);

#endif
