/* Lesson 17's pages on fine-tuning with tiny batches and dropout before BN, found by title: golden frames
 * at 80x24, every question and choice in view there, and the scenes held until the question is answered. */
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

enum { LESSON = 17 };

/* The pages this test owns: title and golden name. */
static const struct {
    const char *title, *golden;
    bool asks;
} tune_pages[] = {
    { "Fine-tuning with tiny batches", "page_17_finetune", true },
    { "What \"frozen\" means", "page_17_frozen", false },
    { "Dropout before BN", "page_17_dropout", true },
    { "Try it outside the tutor", "page_17_outside", false },
};

Test(lesson_tune, every_page_matches_its_golden_frames_at_80x24)
{
    for (size_t i = 0; i < sizeof tune_pages / sizeof tune_pages[0]; i++) {
        Tutor *t = lesson_page_open(LESSON, lesson_page_number(LESSON, tune_pages[i].title));
        for (int unicode = 1; unicode >= 0; unicode--) {
            char name[64], *text = lesson_page_render(t, 80, 24, unicode);
            snprintf(name, sizeof name, "%s%s", tune_pages[i].golden, unicode ? "" : "_ascii");
            golden_check(name, lesson_page_below_title(text));
            free(text);
        }
        tutor_destroy(t);
    }
}

Test(lesson_tune, every_question_and_all_its_choices_are_in_view_at_80x24)
{
    BnError err = { 0 };
    scene_catalog_install();
    LessonSet *set = lesson_set_discover("lessons", &err);
    cr_assert_not_null(set, "%s", err.message);
    const Lesson *lesson = lesson_page_lesson(set, LESSON);
    for (size_t i = 0; i < sizeof tune_pages / sizeof tune_pages[0]; i++) {
        if (!tune_pages[i].asks)
            continue;
        int number = lesson_page_find(lesson, tune_pages[i].title);
        const LessonCheckpoint *c = &lesson->pages[number - 1].checkpoints[0];
        Tutor *t = lesson_page_open(LESSON, number);
        for (int unicode = 0; unicode < 2; unicode++) {
            char *frame = lesson_page_render(t, 80, 24, unicode);
            cr_assert_not_null(strstr(frame, "Question 1."), "%s:\n%s", tune_pages[i].title, frame);
            for (int k = 0; k < c->choice_count; k++) {
                char label[16];
                snprintf(label, sizeof label, "  %s) ", c->choices[k].key);
                cr_assert_not_null(strstr(frame, label), "%s: choice %s out of view:\n%s", tune_pages[i].title,
                                   c->choices[k].key, frame);
            }
            free(frame);
        }
        tutor_destroy(t);
    }
    lesson_set_destroy(set);
}

Test(lesson_tune, the_scenes_wait_for_the_answer_before_they_play)
{
    for (size_t i = 0; i < sizeof tune_pages / sizeof tune_pages[0]; i++) {
        if (!tune_pages[i].asks)
            continue;
        Tutor *t = lesson_page_open(LESSON, lesson_page_number(LESSON, tune_pages[i].title));
        tutor_key(t, ' ');
        char *frame = lesson_page_render(t, 80, 24, false);
        cr_assert(strstr(frame, "step 0") && strstr(frame, "waits for your answer"), "%s played before the answer:\n%s",
                  tune_pages[i].title, frame);
        free(frame);
        tutor_destroy(t);
    }
}
