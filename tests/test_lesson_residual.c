/* Lesson 18's pages on pre-norm and post-norm residual stacks and its closing page: each against its golden
 * frames at 80x24, every question and choice in view, and the scenes held until the question is answered. */
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

enum { LESSON = 18 };

/* The pages by title, as the lesson shares its file with other pages before these: their numbers move. */
static const struct {
    const char *title, *golden;
    bool asks;
} pages[] = {
    { "Pre-norm and post-norm", "page_18_pre_post", true },
    { "Does a warm-up rescue post-norm?", "page_18_warmup", true },
    { "Blocks that start as the identity", "page_18_zero_init", true },
    { "Lesson 18 in one page", "page_18_summary", false },
};

static LessonSet *lessons(void)
{
    BnError err = { 0 };
    scene_catalog_install();
    LessonSet *set = lesson_set_discover("lessons", &err);
    cr_assert_not_null(set, "%s", err.message);
    return set;
}

Test(lesson_residual, every_page_matches_its_golden_frames_at_80x24)
{
    LessonSet *set = lessons();
    const Lesson *lesson = lesson_page_lesson(set, LESSON);
    for (int i = 0; i < (int)(sizeof pages / sizeof pages[0]); i++) {
        Tutor *t = lesson_page_open(LESSON, lesson_page_find(lesson, pages[i].title));
        for (int unicode = 1; unicode >= 0; unicode--) {
            char name[64], *text = lesson_page_render(t, 80, 24, unicode);
            cr_assert_not_null(strstr(text, pages[i].title), "%s is not on screen:\n%s", pages[i].title, text);
            snprintf(name, sizeof name, "%s%s", pages[i].golden, unicode ? "" : "_ascii");
            golden_check(name, lesson_page_below_title(text));
            free(text);
        }
        tutor_destroy(t);
    }
    lesson_set_destroy(set);
}

Test(lesson_residual, every_question_and_all_its_choices_are_in_view_at_80x24)
{
    LessonSet *set = lessons();
    const Lesson *lesson = lesson_page_lesson(set, LESSON);
    for (int i = 0; i < (int)(sizeof pages / sizeof pages[0]); i++) {
        int number = lesson_page_find(lesson, pages[i].title);
        const LessonPage *page = &lesson->pages[number - 1];
        cr_assert_eq(page->checkpoint_count > 0, pages[i].asks, "%s", pages[i].title);
        if (!pages[i].asks)
            continue;
        Tutor *t = lesson_page_open(LESSON, number);
        for (int unicode = 0; unicode < 2; unicode++) {
            char *frame = lesson_page_render(t, 80, 24, unicode);
            cr_assert_not_null(strstr(frame, "Question 1."), "%s:\n%s", pages[i].title, frame);
            const LessonCheckpoint *c = &page->checkpoints[0];
            for (int k = 0; k < c->choice_count; k++) {
                char label[16];
                snprintf(label, sizeof label, "  %s) ", c->choices[k].key);
                cr_assert_not_null(strstr(frame, label), "%s: choice %s out of view:\n%s", pages[i].title,
                                   c->choices[k].key, frame);
            }
            free(frame);
        }
        tutor_destroy(t);
    }
    lesson_set_destroy(set);
}

Test(lesson_residual, the_scenes_wait_for_the_answer_before_they_play)
{
    LessonSet *set = lessons();
    const Lesson *lesson = lesson_page_lesson(set, LESSON);
    for (int i = 0; i < (int)(sizeof pages / sizeof pages[0]); i++) {
        if (!pages[i].asks)
            continue;
        Tutor *t = lesson_page_open(LESSON, lesson_page_find(lesson, pages[i].title));
        tutor_key(t, ' ');
        char *frame = lesson_page_render(t, 80, 24, false);
        cr_assert(strstr(frame, "paused - step 0") && strstr(frame, "waits for your answer"),
                  "%s played before the answer:\n%s", pages[i].title, frame);
        free(frame);
        tutor_destroy(t);
    }
    lesson_set_destroy(set);
}
