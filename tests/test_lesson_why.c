/* Lesson 15 ("Why does BN help?"): every page against its golden frame at 80x24, its questions and every
 * choice in view at 80x24 without scrolling, and the scene held until the question is answered. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/discover.h"
#include "lesson/lesson.h"
#include "scene/scene.h"
#include "support/check.h"
#include "support/golden.h"
#include "support/lesson_page.h"
#include "view/keys.h"

enum { LESSON = 15 };

Test(lesson_why, every_page_matches_its_golden_frames_at_80x24)
{
    Tutor *t = lesson_page_open(LESSON, 1);
    int pages = tutor_page_count(t);
    cr_assert_eq(pages, 5);
    for (int p = 1; p <= pages; p++) {
        char name[64];
        char *text = lesson_page_render(t, 80, 24, true);
        snprintf(name, sizeof name, "page_15_%d", p);
        golden_check(name, text);
        free(text);
        text = lesson_page_render(t, 80, 24, false);
        snprintf(name, sizeof name, "page_15_%d_ascii", p);
        golden_check(name, text);
        free(text);
        tutor_key(t, BK_RIGHT);
    }
    tutor_destroy(t);
}

Test(lesson_why, every_question_and_all_its_choices_are_in_view_at_80x24)
{
    BnError err = { 0 };
    scene_catalog_install();
    LessonSet *set = lesson_set_discover("lessons", &err);
    cr_assert_not_null(set);
    const Lesson *lesson = lesson_page_lesson(set, LESSON);
    int asked = 0;
    for (int p = 0; p < lesson->page_count; p++) {
        const LessonPage *page = &lesson->pages[p];
        if (page->checkpoint_count == 0)
            continue;
        Tutor *t = lesson_page_open(LESSON, p + 1);
        for (int unicode = 0; unicode < 2; unicode++) {
            char *frame = lesson_page_render(t, 80, 24, unicode);
            cr_assert_not_null(strstr(frame, "Question 1."), "page %d:\n%s", p + 1, frame);
            const LessonCheckpoint *c = &page->checkpoints[0];
            for (int i = 0; i < c->choice_count; i++) {
                char label[16];
                snprintf(label, sizeof label, "  %s) ", c->choices[i].key);
                cr_assert_not_null(strstr(frame, label), "page %d: choice %s out of view:\n%s", p + 1,
                                   c->choices[i].key, frame);
            }
            cr_assert_null(strstr(frame, "more ("), "page %d scrolls:\n%s", p + 1, frame);
            free(frame);
        }
        asked++;
        tutor_destroy(t);
    }
    cr_assert_eq(asked, 3, "the three tests each ask first");
    lesson_set_destroy(set);
}

Test(lesson_why, the_scenes_wait_for_the_answer_before_they_play)
{
    for (int p = 2; p <= 4; p++) {
        Tutor *t = lesson_page_open(LESSON, p);
        tutor_key(t, ' ');
        char *frame = lesson_page_render(t, 80, 24, false);
        cr_assert(strstr(frame, "paused - step 0") && strstr(frame, "waits for your answer"),
                  "page %d played before the answer:\n%s", p, frame);
        free(frame);
        tutor_destroy(t);
    }
}
