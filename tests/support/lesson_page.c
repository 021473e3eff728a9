/* Test helper (tests/support): one lesson page opened in a headless tutor, rendered as text, found by title. */
#include "support/lesson_page.h"

#include <criterion/criterion.h>
#include <string.h>

#include "lesson/discover.h"
#include "scene/scene.h"
#include "view/canvas.h"

Tutor *lesson_page_open(int lesson, int page)
{
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = "lessons";
    config.lesson = lesson;
    config.page = page;
    config.use_progress = false;
    return lesson_page_open_with(&config);
}

Tutor *lesson_page_open_with(const TutorConfig *config)
{
    BnError err = { 0 };
    Tutor *t = tutor_create(config, &err);
    cr_assert_not_null(t, "lesson %d page %d: %s: %s", config->lesson, config->page, err.where, err.message);
    return t;
}

char *lesson_page_render(Tutor *t, int w, int h, bool unicode)
{
    Canvas *c = canvas_create(w, h, unicode ? RASTER_BRAILLE : RASTER_ASCII, unicode);
    AppScreen s = tutor_screen(t);
    app_render_frame(&s, c, NULL);
    char *text = canvas_dump(c, false);
    canvas_destroy(c);
    return text;
}

const char *lesson_page_below_title(const char *frame)
{
    const char *nl = strchr(frame, '\n');
    return nl ? nl + 1 : frame;
}

const Lesson *lesson_page_lesson(const LessonSet *set, int number)
{
    const Lesson *lesson = lesson_set_find(set, number);
    cr_assert_not_null(lesson, "no lesson %d under lessons/", number);
    return lesson;
}

int lesson_page_find(const Lesson *lesson, const char *title)
{
    for (int p = 0; p < lesson->page_count; p++)
        if (strcmp(lesson->pages[p].title, title) == 0)
            return p + 1;
    cr_assert_fail("lesson %d has no page '%s'", lesson->number, title);
    return 0;
}

int lesson_page_number(int lesson, const char *title)
{
    BnError err = { 0 };
    scene_catalog_install();
    LessonSet *set = lesson_set_discover("lessons", &err);
    cr_assert_not_null(set, "%s", err.message);
    int number = lesson_page_find(lesson_page_lesson(set, lesson), title);
    lesson_set_destroy(set);
    return number;
}
