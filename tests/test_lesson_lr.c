/* Lesson 16's learning-rate sweep pages: each against its golden frames at 80x24, the question and all its
 * choices in view at 80x24 without scrolling, and the sweep held until the question is answered. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/lesson.h"
#include "support/golden.h"
#include "support/lesson_page.h"
#include "view/keys.h"

enum { LESSON = 16 };

/* The pages found by title, so pages added elsewhere in the lesson do not renumber the goldens. */
static const struct {
    const char *title;
    const char *golden;
} sweep_pages[] = {
    { "A sweep of learning rates", "page_16_sweep" },
    { "What the sweep shows", "page_16_sweep_shows" },
};

Test(lesson_lr, the_sweep_pages_match_their_golden_frames_at_80x24)
{
    for (size_t i = 0; i < sizeof sweep_pages / sizeof sweep_pages[0]; i++) {
        Tutor *t = lesson_page_open(LESSON, lesson_page_number(LESSON, sweep_pages[i].title));
        char name[64];
        /* The page heading says "page P/N": the goldens would change with every page added to the
         * lesson, so that line is left out. */
        for (int unicode = 1; unicode >= 0; unicode--) {
            char *text = lesson_page_render(t, 80, 24, unicode);
            snprintf(name, sizeof name, "%s%s", sweep_pages[i].golden, unicode ? "" : "_ascii");
            golden_check(name, lesson_page_below_title(text));
            free(text);
        }
        tutor_destroy(t);
    }
}

Test(lesson_lr, the_question_and_all_its_choices_are_in_view_at_80x24)
{
    Tutor *t = lesson_page_open(LESSON, lesson_page_number(LESSON, "A sweep of learning rates"));
    for (int unicode = 0; unicode < 2; unicode++) {
        char *frame = lesson_page_render(t, 80, 24, unicode);
        cr_assert_not_null(strstr(frame, "Question 1. Before you play"), "%s", frame);
        for (const char *c = "abc"; *c; c++) {
            char label[16];
            snprintf(label, sizeof label, "  %c) ", *c);
            cr_assert_not_null(strstr(frame, label), "choice %c out of view:\n%s", *c, frame);
        }
        cr_assert_null(strstr(frame, "more ("), "the page scrolls:\n%s", frame);
        free(frame);
    }
    tutor_destroy(t);
}

Test(lesson_lr, the_sweep_waits_for_the_answer_then_plays)
{
    Tutor *t = lesson_page_open(LESSON, lesson_page_number(LESSON, "A sweep of learning rates"));
    tutor_key(t, ' ');
    tutor_key(t, ']');
    char *frame = lesson_page_render(t, 80, 24, false);
    cr_assert(strstr(frame, "paused - step 0") && strstr(frame, "waits for your answer"),
              "the sweep played before the answer:\n%s", frame);
    cr_assert(strstr(frame, "training loss at lr 2"), "the knob waits too:\n%s", frame);
    free(frame);
    tutor_key(t, 'b');
    tutor_key(t, ']');
    frame = lesson_page_render(t, 80, 24, false);
    cr_assert(strstr(frame, "training loss at lr 5"), "the knob works once answered:\n%s", frame);
    free(frame);
    tutor_destroy(t);
}
