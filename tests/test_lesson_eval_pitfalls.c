/* Lesson 17's pages on eval mode and running statistics (pages 1-4): golden frames at 80x24, the prose and
 * question without scrolling, the scenes held until the question is answered, and what they show after it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "lesson/discover.h"
#include "lesson/lesson.h"
#include "scene/scene.h"
#include "support/check.h"
#include "support/golden.h"
#include "support/lesson_page.h"
#include "view/keys.h"

enum { LESSON = 17, FIRST = 1, LAST = 4 };

static Tutor *open_page(int page)
{
    /* The frames must not depend on whether Fashion-MNIST is installed: synth784 stands in. */
    dataset_fashion_set(NULL);
    return lesson_page_open(LESSON, page);
}

Test(lesson_eval_pitfalls, every_page_matches_its_golden_frames_at_80x24)
{
    for (int p = FIRST; p <= LAST; p++) {
        Tutor *t = open_page(p);
        char name[64];
        char *text = lesson_page_render(t, 80, 24, true);
        snprintf(name, sizeof name, "page_17_%d", p);
        golden_check(name, text);
        free(text);
        text = lesson_page_render(t, 80, 24, false);
        snprintf(name, sizeof name, "page_17_%d_ascii", p);
        golden_check(name, text);
        free(text);
        tutor_destroy(t);
    }
}

Test(lesson_eval_pitfalls, the_scene_pages_open_without_scrolling_and_wait_for_the_answer)
{
    for (int p = 2; p <= LAST; p++) {
        Tutor *t = open_page(p);
        char *frame = lesson_page_render(t, 80, 24, false);
        cr_assert_not_null(strstr(frame, "Question 1."), "page %d:\n%s", p, frame);
        cr_assert_null(strstr(frame, "more ("), "page %d scrolls:\n%s", p, frame);
        free(frame);
        tutor_key(t, ' ');
        frame = lesson_page_render(t, 80, 24, false);
        cr_assert(strstr(frame, "paused - step 0") && strstr(frame, "waits for your answer"),
                  "page %d played before the answer:\n%s", p, frame);
        free(frame);
        tutor_destroy(t);
    }
}

/* Before training ends the tables hold no figure to give the answer away; after it they hold them all. */
Test(lesson_eval_pitfalls, the_tables_fill_only_once_the_network_has_trained)
{
    for (int p = 2; p <= LAST; p++) {
        Tutor *t = open_page(p);
        char *frame = lesson_page_render(t, 80, 24, false);
        cr_assert_null(strstr(frame, "%"), "page %d shows a figure before training:\n%s", p, frame);
        free(frame);
        tutor_destroy(t);
    }
}
