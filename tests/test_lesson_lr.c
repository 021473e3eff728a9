/* Lesson 16's learning-rate sweep pages: each against its golden frames at 80x24, the question and all its
 * choices in view at 80x24 without scrolling, and the sweep held until the question is answered. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/discover.h"
#include "lesson/lesson.h"
#include "scene/scene.h"
#include "support/golden.h"
#include "ui/tutor.h"
#include "view/canvas.h"
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

static int page_number(const char *title)
{
    BnError err = { 0 };
    scene_catalog_install();
    LessonSet *set = lesson_set_discover("lessons", &err);
    cr_assert_not_null(set, "%s", err.message);
    int found = 0;
    for (int i = 0; i < set->count; i++) {
        const Lesson *l = set->lessons[i];
        for (int p = 0; l->number == LESSON && p < l->page_count; p++)
            if (strcmp(l->pages[p].title, title) == 0)
                found = p + 1;
    }
    lesson_set_destroy(set);
    cr_assert(found > 0, "lesson %d has no page '%s'", LESSON, title);
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

Test(lesson_lr, the_sweep_pages_match_their_golden_frames_at_80x24)
{
    for (size_t i = 0; i < sizeof sweep_pages / sizeof sweep_pages[0]; i++) {
        Tutor *t = open_page(page_number(sweep_pages[i].title));
        char name[64];
        /* The page heading says "page P/N": the goldens would change with every page added to the
         * lesson, so that line is left out. */
        for (int unicode = 1; unicode >= 0; unicode--) {
            char *text = render(t, 80, 24, unicode);
            snprintf(name, sizeof name, "%s%s", sweep_pages[i].golden, unicode ? "" : "_ascii");
            golden_check(name, strchr(text, '\n') + 1);
            free(text);
        }
        tutor_destroy(t);
    }
}

Test(lesson_lr, the_question_and_all_its_choices_are_in_view_at_80x24)
{
    Tutor *t = open_page(page_number("A sweep of learning rates"));
    for (int unicode = 0; unicode < 2; unicode++) {
        char *frame = render(t, 80, 24, unicode);
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
    Tutor *t = open_page(page_number("A sweep of learning rates"));
    tutor_key(t, ' ');
    tutor_key(t, ']');
    char *frame = render(t, 80, 24, false);
    cr_assert(strstr(frame, "paused - step 0") && strstr(frame, "waits for your answer"),
              "the sweep played before the answer:\n%s", frame);
    cr_assert(strstr(frame, "training loss at lr 2"), "the knob waits too:\n%s", frame);
    free(frame);
    tutor_key(t, 'b');
    tutor_key(t, ']');
    frame = render(t, 80, 24, false);
    cr_assert(strstr(frame, "training loss at lr 5"), "the knob works once answered:\n%s", frame);
    free(frame);
    tutor_destroy(t);
}
