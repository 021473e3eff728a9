/* Test helpers for the BN scenes (bn-stages, backprop, inference): pages from snippets, live values, golden frames. */
#ifndef BNTUTOR_TESTS_BNSCENE_H
#define BNTUTOR_TESTS_BNSCENE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/lesson.h"
#include "scene/scene.h"
#include "support/check.h"
#include "view/canvas.h"

/* A one-page lesson showing `scene` with the settings lines in `settings` ("a = 1\nb = 2"). */
static inline Lesson *bn_lesson(const char *scene, const char *settings)
{
    char text[2048];
    snprintf(text, sizeof text, "lesson 98\ntitle T\npage P\nscene %s\n%s\n", scene, settings);
    Lesson *lesson = lesson_parse(text, strlen(text), "snippet.lesson");
    if (lesson->problem_count > 0) {
        char buf[700];
        cr_assert(false, "snippet has a problem: %s", lesson_problem_format(lesson, &lesson->problems[0], buf, sizeof buf));
    }
    return lesson;
}

static inline Scene *bn_scene(const Lesson *lesson, uint64_t seed)
{
    BnError err = {0};
    Scene *scene = scene_create(&lesson->pages[0], seed, &err);
    cr_assert_not_null(scene, "scene_create failed: %s", err.message);
    return scene;
}

/* A live value that must exist. */
static inline double bn_live(const Scene *scene, const char *name, int i, int j)
{
    int index[2] = { i, j };
    double v = 0;
    cr_assert(scene_live(scene, name, index, &v), "live value %s[%d][%d] is missing", name, i, j);
    return v;
}

static inline char *bn_dump(Scene *scene, int w, int h, bool ascii)
{
    Canvas *c = canvas_create(w, h, ascii ? RASTER_ASCII : RASTER_BRAILLE, !ascii);
    scene_draw(scene, c, rect_make(0, 0, w, h));
    char *dump = canvas_dump(c, false);
    canvas_destroy(c);
    return dump;
}

static inline bool bn_frame_has(Scene *scene, const char *needle)
{
    char *dump = bn_dump(scene, 80, 22, true);
    bool found = strstr(dump, needle) != NULL;
    free(dump);
    return found;
}

/* Compares with tests/golden/<name>.txt, or rewrites it under BNTUTOR_REGEN_GOLDEN=1. */
static inline void bn_check_golden(const char *name, const char *got)
{
    char path[256];
    snprintf(path, sizeof path, "tests/golden/%s.txt", name);
    const char *regen = getenv("BNTUTOR_REGEN_GOLDEN");
    if (regen && strcmp(regen, "1") == 0) {
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f, "cannot write %s", path);
        fprintf(f, "%s\n", got);
        fclose(f);
        return;
    }
    char *want = check_read_file(path, NULL);
    cr_assert_not_null(want, "cannot read %s (BNTUTOR_REGEN_GOLDEN=1 creates it)", path);
    size_t wl = strlen(want);
    if (wl > 0 && want[wl - 1] == '\n')
        want[wl - 1] = '\0';
    const char *a = want, *b = got;
    for (int line = 1; strcmp(a, b) != 0; line++) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        cr_assert(la == lb && strncmp(a, b, la) == 0, "%s: line %d differs\n  expected: \"%.*s\"\n       got: \"%.*s\"",
                  path, line, (int)la, a, (int)lb, b);
        cr_assert(a[la] && b[lb], "%s: line count differs after line %d", path, line);
        a += la + 1, b += lb + 1;
    }
    free(want);
}

/* 80×13 and 80×22, braille and ASCII: four goldens named <prefix>_<w>x<h>_<mode>. */
static inline void bn_golden_frames(Scene *scene, const char *prefix)
{
    static const int sizes[2][2] = { { 80, 13 }, { 80, 22 } };
    for (int s = 0; s < 2; s++)
        for (int ascii = 0; ascii < 2; ascii++) {
            char *dump = bn_dump(scene, sizes[s][0], sizes[s][1], ascii);
            char name[128];
            snprintf(name, sizeof name, "%s_%dx%d_%s", prefix, sizes[s][0], sizes[s][1], ascii ? "ascii" : "braille");
            bn_check_golden(name, dump);
            free(dump);
        }
}

/* Draws into a w×h area inset in a larger canvas: nothing may land outside it. */
static inline void bn_check_inside(Scene *scene, int w, int h)
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
            cr_assert(cell->ch == ' ', "a %dx%d draw wrote U+%04X at (%d,%d), outside its area", w, h, (unsigned)cell->ch,
                      x, y);
        }
    canvas_destroy(c);
}

/* Every size from tiny to large stays inside its area. */
static inline void bn_check_sizes(Scene *scene)
{
    static const int sizes[][2] = { { 1, 1 }, { 10, 3 }, { 39, 5 }, { 40, 6 }, { 60, 20 }, { 80, 13 }, { 80, 22 },
                                    { 200, 60 }, { 140, 56 } };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        bn_check_inside(scene, sizes[i][0], sizes[i][1]);
}

#endif
