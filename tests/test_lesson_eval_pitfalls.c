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
#include "ui/tutor.h"
#include "view/canvas.h"
#include "view/keys.h"

enum { LESSON = 17, FIRST = 1, LAST = 4 };

static Tutor *open_page(int page)
{
    /* The frames must not depend on whether Fashion-MNIST is installed: synth784 stands in. */
    dataset_fashion_set(NULL);
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

Test(lesson_eval_pitfalls, every_page_matches_its_golden_frames_at_80x24)
{
    for (int p = FIRST; p <= LAST; p++) {
        Tutor *t = open_page(p);
        char name[64];
        char *text = render(t, 80, 24, true);
        snprintf(name, sizeof name, "page_17_%d", p);
        golden_check(name, text);
        free(text);
        text = render(t, 80, 24, false);
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
        char *frame = render(t, 80, 24, false);
        cr_assert_not_null(strstr(frame, "Question 1."), "page %d:\n%s", p, frame);
        cr_assert_null(strstr(frame, "more ("), "page %d scrolls:\n%s", p, frame);
        free(frame);
        tutor_key(t, ' ');
        frame = render(t, 80, 24, false);
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
        char *frame = render(t, 80, 24, false);
        cr_assert_null(strstr(frame, "%"), "page %d shows a figure before training:\n%s", p, frame);
        free(frame);
        tutor_destroy(t);
    }
}
