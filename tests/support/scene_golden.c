/* Test helpers for the scene tests (tests/support): a scene from a lesson snippet, golden frames, drawing bounds. */
#include "support/scene_golden.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/golden.h"

Lesson *sg_lesson(const char *scene_lines)
{
    char text[4096];
    snprintf(text, sizeof text, "lesson 900\ntitle test\npage p\n%s\ntext\n  x\nend\n", scene_lines);
    Lesson *l = lesson_parse(text, strlen(text), "snippet");
    cr_assert_not_null(l);
    if (l->problem_count > 0) {
        char buf[1200];
        cr_assert(false, "snippet does not parse: %s", lesson_problem_format(l, &l->problems[0], buf, sizeof buf));
    }
    cr_assert_eq(l->page_count, 1);
    return l;
}

Lesson *sg_scene_lesson(const char *scene, const char *settings)
{
    char lines[3000];
    snprintf(lines, sizeof lines, "scene %s\n%s", scene, settings);
    return sg_lesson(lines);
}

Scene *sg_scene(const Lesson *lesson, uint64_t seed)
{
    BnError err = { 0 };
    Scene *scene = scene_create(&lesson->pages[0], seed, &err);
    cr_assert_not_null(scene, "scene_create failed: %s", err.message);
    return scene;
}

SgFixture sg_fixture(const char *scene, const char *settings, uint64_t seed)
{
    SgFixture f = { sg_scene_lesson(scene, settings ? settings : ""), NULL };
    f.scene = sg_scene(f.lesson, seed);
    return f;
}

void sg_fixture_free(SgFixture *f)
{
    if (!f)
        return;
    scene_destroy(f->scene);
    lesson_destroy(f->lesson);
}

Scene *sg_make(Lesson **lesson, const char *scene_lines, uint64_t seed)
{
    *lesson = sg_lesson(scene_lines);
    return sg_scene(*lesson, seed);
}

double sg_live(const Scene *scene, const char *name)
{
    double v = NAN;
    cr_assert(scene_live(scene, name, NULL, &v), "live value %s is not available", name);
    return v;
}

char *sg_render(Scene *scene, int w, int h, bool unicode)
{
    Canvas *c = canvas_create(w, h, unicode ? RASTER_BRAILLE : RASTER_ASCII, unicode);
    scene_draw(scene, c, rect_make(0, 0, w, h));
    char *dump = canvas_dump(c, false);
    canvas_destroy(c);
    return dump;
}

/* Both sizes in both modes; `sized` picks the <w>x<h> naming over the <h> one. */
static void golden_frames(Scene *scene, const char *prefix, bool sized)
{
    static const int heights[2] = { 13, 22 };
    for (int h = 0; h < 2; h++)
        for (int m = 0; m < 2; m++) {
            Canvas *c = canvas_create(80, heights[h], m == 0 ? RASTER_BRAILLE : RASTER_ASCII, m == 0);
            scene_draw(scene, c, rect_make(0, 0, 80, heights[h]));
            char name[128];
            if (sized)
                snprintf(name, sizeof name, "%s_80x%d_%s", prefix, heights[h], m == 0 ? "braille" : "ascii");
            else
                snprintf(name, sizeof name, "%s_%d_%s", prefix, heights[h], m == 0 ? "braille" : "ascii");
            golden_check_canvas(name, c);
            canvas_destroy(c);
        }
}

void sg_golden_frames(Scene *scene, const char *prefix)
{
    golden_frames(scene, prefix, false);
}

void sg_golden_frames_sized(Scene *scene, const char *prefix)
{
    golden_frames(scene, prefix, true);
}

/* Draws inset by (3,2) in a (w+6)×(h+4) canvas, asserts the border stays blank; returns the inked cells inside. */
static int draw_inset(Scene *scene, int w, int h, bool unicode)
{
    Canvas *c = canvas_create(w + 6, h + 4, unicode ? RASTER_BRAILLE : RASTER_ASCII, unicode);
    Rect area = rect_make(3, 2, w, h);
    scene_draw(scene, c, area);
    int inside = 0;
    for (int y = 0; y < c->height; y++)
        for (int x = 0; x < c->width; x++) {
            const Cell *cell = canvas_cell(c, x, y);
            bool in = x >= area.x && x < area.x + area.w && y >= area.y && y < area.y + area.h;
            if (in)
                inside += cell->ch != ' ';
            else
                cr_assert(cell->ch == ' ', "a %dx%d draw wrote U+%04X at (%d,%d), outside its area", w, h,
                          (unsigned)cell->ch, x, y);
        }
    canvas_destroy(c);
    return inside;
}

void sg_check_inside(Scene *scene, int w, int h)
{
    draw_inset(scene, w, h, true);
}

void sg_check_inside_mode(Scene *scene, int w, int h, bool unicode)
{
    draw_inset(scene, w, h, unicode);
}

void sg_check_stays_inside(Scene *scene, int w, int h)
{
    int inside = draw_inset(scene, w, h, true);
    if (w >= 40 && h >= 6)
        cr_assert_gt(inside, 0, "a %dx%d draw left the area blank", w, h);
}
