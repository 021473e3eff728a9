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
#include "ui/tutor.h"
#include "view/canvas.h"

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

/* The 1-based page number of a title in lesson 17. */
static int page_of(const char *title)
{
    BnError err = { 0 };
    scene_catalog_install();
    LessonSet *set = lesson_set_discover("lessons", &err);
    cr_assert_not_null(set, "%s", err.message);
    int found = 0;
    for (int i = 0; i < set->count; i++) {
        const Lesson *l = set->lessons[i];
        if (l->number != LESSON)
            continue;
        for (int p = 0; p < l->page_count; p++)
            if (strcmp(l->pages[p].title, title) == 0)
                found = p + 1;
    }
    lesson_set_destroy(set);
    cr_assert_gt(found, 0, "lesson %d has no page '%s'", LESSON, title);
    return found;
}

static Tutor *open_page(int page)
{
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = "lessons";
    config.lesson = LESSON;
    config.page = page;
    config.use_progress = false;
    BnError err = { 0 };
    Tutor *t = tutor_create(&config, &err);
    cr_assert_not_null(t, "tutor_create failed: %s: %s", err.where, err.message);
    return t;
}

static char *render(Tutor *t, int w, int h, bool unicode)
{
    Canvas *c = canvas_create(w, h, unicode ? RASTER_BRAILLE : RASTER_ASCII, unicode);
    AppScreen s = tutor_screen(t);
    app_render_frame(&s, c, NULL);
    char *text = canvas_dump(c, false);
    canvas_destroy(c);
    return text;
}

/* The header line says which page of how many this is, which changes when pages are added before these
 * (and its width with it); the frame is compared with that line left out. */
static const char *without_header(const char *frame)
{
    const char *nl = strchr(frame, '\n');
    return nl ? nl + 1 : frame;
}

Test(lesson_tune, every_page_matches_its_golden_frames_at_80x24)
{
    for (size_t i = 0; i < sizeof tune_pages / sizeof tune_pages[0]; i++) {
        Tutor *t = open_page(page_of(tune_pages[i].title));
        for (int unicode = 1; unicode >= 0; unicode--) {
            char name[64], *text = render(t, 80, 24, unicode);
            snprintf(name, sizeof name, "%s%s", tune_pages[i].golden, unicode ? "" : "_ascii");
            golden_check(name, without_header(text));
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
    const Lesson *lesson = NULL;
    for (int i = 0; i < set->count; i++)
        if (set->lessons[i]->number == LESSON)
            lesson = set->lessons[i];
    cr_assert_not_null(lesson);
    for (size_t i = 0; i < sizeof tune_pages / sizeof tune_pages[0]; i++) {
        if (!tune_pages[i].asks)
            continue;
        int number = page_of(tune_pages[i].title);
        const LessonCheckpoint *c = &lesson->pages[number - 1].checkpoints[0];
        Tutor *t = open_page(number);
        for (int unicode = 0; unicode < 2; unicode++) {
            char *frame = render(t, 80, 24, unicode);
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
        Tutor *t = open_page(page_of(tune_pages[i].title));
        tutor_key(t, ' ');
        char *frame = render(t, 80, 24, false);
        cr_assert(strstr(frame, "step 0") && strstr(frame, "waits for your answer"), "%s played before the answer:\n%s",
                  tune_pages[i].title, frame);
        free(frame);
        tutor_destroy(t);
    }
}
