/* Test helpers for scenes: a page from a lesson snippet, golden frames, and drawing staying inside its area. */
#ifndef BNTUTOR_TESTS_LESSONSCENE_H
#define BNTUTOR_TESTS_LESSONSCENE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/lesson.h"
#include "scene/scene.h"
#include "support/check.h"
#include "view/canvas.h"

/* Parses "lesson 99 / title T / page P / scene NAME / <settings>" and checks it has no problems. */
static inline Lesson *ls_lesson(const char *scene, const char *settings)
{
    char text[4096];
    snprintf(text, sizeof text, "lesson 99\ntitle Test\npage Test\nscene %s\n%s\n", scene, settings);
    Lesson *lesson = lesson_parse(text, strlen(text), "test.lesson");
    cr_assert_not_null(lesson);
    if (lesson->problem_count > 0) {
        char buf[600];
        cr_assert(false, "lesson snippet has a problem: %s",
                  lesson_problem_format(lesson, &lesson->problems[0], buf, sizeof buf));
    }
    cr_assert_eq(lesson->page_count, 1);
    return lesson;
}

static inline Scene *ls_scene(const Lesson *lesson, uint64_t seed)
{
    BnError err = {0};
    Scene *scene = scene_create(&lesson->pages[0], seed, &err);
    cr_assert_not_null(scene, "scene_create failed: %s", err.message);
    return scene;
}

/* Compares the canvas with tests/golden/<name>.txt, or rewrites it under BNTUTOR_REGEN_GOLDEN=1. */
static inline void ls_check_golden(const char *name, const Canvas *canvas)
{
    char path[256];
    snprintf(path, sizeof path, "tests/golden/%s.txt", name);
    char *got = canvas_dump(canvas, false);
    const char *regen = getenv("BNTUTOR_REGEN_GOLDEN");
    if (regen && strcmp(regen, "1") == 0) {
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f, "cannot write %s", path);
        fprintf(f, "%s\n", got);
        fclose(f);
        free(got);
        return;
    }
    char *want = check_read_file(path, NULL);
    cr_assert_not_null(want, "cannot read %s (run `make golden` to create it)", path);
    size_t wl = strlen(want);
    if (wl > 0 && want[wl - 1] == '\n')
        want[wl - 1] = '\0';
    const char *a = want, *b = got;
    for (int line = 1; strcmp(a, b) != 0; line++) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        if (la != lb || strncmp(a, b, la) != 0)
            cr_assert(false, "%s: line %d differs\n  expected: \"%.*s\"\n       got: \"%.*s\"", path, line,
                      (int)la, a, (int)lb, b);
        cr_assert(a[la] && b[lb], "%s: line count differs after line %d", path, line);
        a += la + 1, b += lb + 1;
    }
    free(want);
    free(got);
}

/* Draws the scene at 80×13 and 80×22 in braille+unicode and in ASCII, comparing each with a golden. */
static inline void ls_golden_frames(Scene *scene, const char *prefix)
{
    static const int sizes[2][2] = {{80, 13}, {80, 22}};
    for (int s = 0; s < 2; s++)
        for (int ascii = 0; ascii < 2; ascii++) {
            Canvas *c = canvas_create(sizes[s][0], sizes[s][1], ascii ? RASTER_ASCII : RASTER_BRAILLE, !ascii);
            scene_draw(scene, c, rect_make(0, 0, sizes[s][0], sizes[s][1]));
            char name[128];
            snprintf(name, sizeof name, "%s_%dx%d_%s", prefix, sizes[s][0], sizes[s][1],
                     ascii ? "ascii" : "braille");
            ls_check_golden(name, c);
            canvas_destroy(c);
        }
}

/* Draws into a w×h area inset in a larger canvas and checks every cell outside it stays blank. */
static inline void ls_check_inside(Scene *scene, int w, int h)
{
    int cw = w + 6, ch = h + 4;
    Canvas *c = canvas_create(cw, ch, RASTER_BRAILLE, true);
    Rect area = rect_make(3, 2, w, h);
    scene_draw(scene, c, area);
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++) {
            if (x >= area.x && x < area.x + area.w && y >= area.y && y < area.y + area.h)
                continue;
            const Cell *cell = canvas_cell(c, x, y);
            cr_assert(cell->ch == ' ', "a %dx%d draw wrote U+%04X at (%d,%d), outside its area", w, h,
                      (unsigned)cell->ch, x, y);
        }
    canvas_destroy(c);
}

/* True when the dump of a w×h ASCII draw contains `needle`. */
static inline bool ls_frame_has(Scene *scene, int w, int h, const char *needle)
{
    Canvas *c = canvas_create(w, h, RASTER_ASCII, false);
    scene_draw(scene, c, rect_make(0, 0, w, h));
    char *dump = canvas_dump(c, false);
    bool found = strstr(dump, needle) != NULL;
    free(dump);
    canvas_destroy(c);
    return found;
}

#endif
