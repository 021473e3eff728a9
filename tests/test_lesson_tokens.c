/* Lesson 18's pages on layer norm per token and RMS norm (pages 1-6): each against its golden frames at 80x24, the scenes held until the question is answered, and shown once it is. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/lesson.h"
#include "support/check.h"
#include "support/golden.h"
#include "support/lesson_page.h"
#include "view/keys.h"

enum { LESSON = 18, FIRST = 1, LAST = 6 };

static const char *const titles[] = {
    "Where we are", "Layer norm, one token at a time", "Does the rest of the batch matter?",
    "RMS norm: no centring", "A token with a large mean", "What RMS norm saves",
};

Test(lesson_tokens, the_pages_come_in_order_under_their_titles)
{
    for (int p = FIRST; p <= LAST; p++) {
        Tutor *t = lesson_page_open(LESSON, p);
        char *frame = lesson_page_render(t, 80, 24, true);
        cr_assert_not_null(strstr(frame, titles[p - 1]), "page %d is '%s':\n%s", p, titles[p - 1], frame);
        free(frame);
        tutor_destroy(t);
    }
}

Test(lesson_tokens, every_page_matches_its_golden_frames_at_80x24)
{
    for (int p = FIRST; p <= LAST; p++) {
        Tutor *t = lesson_page_open(LESSON, p);
        char name[64];
        char *text = lesson_page_render(t, 80, 24, true);
        snprintf(name, sizeof name, "page_18_%d", p);
        golden_check(name, text);
        free(text);
        text = lesson_page_render(t, 80, 24, false);
        snprintf(name, sizeof name, "page_18_%d_ascii", p);
        golden_check(name, text);
        free(text);
        tutor_destroy(t);
    }
}

Test(lesson_tokens, the_scenes_wait_for_the_answer_before_they_play_or_show)
{
    for (int p = 2; p <= 5; p++) {
        Tutor *t = lesson_page_open(LESSON, p);
        tutor_key(t, ' ');
        char *frame = lesson_page_render(t, 80, 24, false);
        bool hidden = strstr(frame, "appears once you have answered") != NULL;
        bool held = strstr(frame, "step 0") && strstr(frame, "waits for your answer");
        cr_assert(hidden || held, "page %d played or showed its answer first:\n%s", p, frame);
        cr_assert(p == 3 ? !hidden : hidden, "page %d: only the swap page draws its scene before the answer:\n%s", p,
                  frame);
        free(frame);
        tutor_destroy(t);
    }
}

Test(lesson_tokens, once_answered_the_scene_shows_the_evidence)
{
    /* Page 2: the number of sets is typed in; page 4: a choice. */
    Tutor *t = lesson_page_open(LESSON, 2);
    tutor_key(t, '1');
    tutor_key(t, '0');
    tutor_key(t, BK_ENTER);
    char *frame = lesson_page_render(t, 80, 24, true);
    cr_assert_not_null(strstr(frame, "set 1 of 10"), "page 2 after the answer:\n%s", frame);
    free(frame);
    tutor_destroy(t);
    t = lesson_page_open(LESSON, 4);
    tutor_key(t, 'a');
    frame = lesson_page_render(t, 80, 24, true);
    cr_assert_not_null(strstr(frame, "largest |layer − rms| in the batch: 0.000"), "page 4 after the answer:\n%s",
                       frame);
    free(frame);
    tutor_destroy(t);
}
