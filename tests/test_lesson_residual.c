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
#include "ui/tutor.h"
#include "view/canvas.h"
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

static const Lesson *find_lesson(const LessonSet *set)
{
    for (int i = 0; i < set->count; i++)
        if (set->lessons[i]->number == LESSON)
            return set->lessons[i];
    cr_assert_fail("no lesson %d under lessons/", LESSON);
    return NULL;
}

/* The page's number, from 1. */
static int page_number(const Lesson *lesson, const char *title)
{
    for (int p = 0; p < lesson->page_count; p++)
        if (strcmp(lesson->pages[p].title, title) == 0)
            return p + 1;
    cr_assert_fail("lesson %d has no page '%s'", LESSON, title);
    return 0;
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

/* The frame without its first line, which says "page N/M": N and M change whenever the lesson's
 * other part gains a page, and they are not what these goldens are about. */
static const char *below_the_title(const char *frame)
{
    const char *nl = strchr(frame, '\n');
    return nl ? nl + 1 : frame;
}

Test(lesson_residual, every_page_matches_its_golden_frames_at_80x24)
{
    LessonSet *set = lessons();
    const Lesson *lesson = find_lesson(set);
    for (int i = 0; i < (int)(sizeof pages / sizeof pages[0]); i++) {
        Tutor *t = open_page(page_number(lesson, pages[i].title));
        for (int unicode = 1; unicode >= 0; unicode--) {
            char name[64], *text = render(t, 80, 24, unicode);
            cr_assert_not_null(strstr(text, pages[i].title), "%s is not on screen:\n%s", pages[i].title, text);
            snprintf(name, sizeof name, "%s%s", pages[i].golden, unicode ? "" : "_ascii");
            golden_check(name, below_the_title(text));
            free(text);
        }
        tutor_destroy(t);
    }
    lesson_set_destroy(set);
}

Test(lesson_residual, every_question_and_all_its_choices_are_in_view_at_80x24)
{
    LessonSet *set = lessons();
    const Lesson *lesson = find_lesson(set);
    for (int i = 0; i < (int)(sizeof pages / sizeof pages[0]); i++) {
        int number = page_number(lesson, pages[i].title);
        const LessonPage *page = &lesson->pages[number - 1];
        cr_assert_eq(page->checkpoint_count > 0, pages[i].asks, "%s", pages[i].title);
        if (!pages[i].asks)
            continue;
        Tutor *t = open_page(number);
        for (int unicode = 0; unicode < 2; unicode++) {
            char *frame = render(t, 80, 24, unicode);
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
    const Lesson *lesson = find_lesson(set);
    for (int i = 0; i < (int)(sizeof pages / sizeof pages[0]); i++) {
        if (!pages[i].asks)
            continue;
        Tutor *t = open_page(page_number(lesson, pages[i].title));
        tutor_key(t, ' ');
        char *frame = render(t, 80, 24, false);
        cr_assert(strstr(frame, "paused - step 0") && strstr(frame, "waits for your answer"),
                  "%s played before the answer:\n%s", pages[i].title, frame);
        free(frame);
        tutor_destroy(t);
    }
    lesson_set_destroy(set);
}
