/* Helpers for the training-scene tests: a page from a lesson snippet, golden frames, drawing bounds. */
#include "support/scene_golden.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/check.h"

Lesson *sg_lesson(const char *scene_lines)
{
    char text[4096];
    snprintf(text, sizeof text, "lesson 900\ntitle test\npage p\n%s\ntext\n  x\nend\n", scene_lines);
    Lesson *l = lesson_parse(text, strlen(text), "snippet");
    if (l->problem_count > 0) {
        char buf[1200];
        cr_assert(false, "snippet does not parse: %s", lesson_problem_format(l, &l->problems[0], buf, sizeof buf));
    }
    cr_assert_eq(l->page_count, 1);
    return l;
}

void sg_check_golden(const char *name, const Canvas *canvas)
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
        if (la != lb || strncmp(a, b, la) != 0) {
            cr_assert(false, "%s: line %d differs\n  expected: \"%.*s\"\n       got: \"%.*s\"", path, line, (int)la,
                      a, (int)lb, b);
            break;
        }
        if (!a[la] || !b[lb]) {
            cr_assert(false, "%s: line count differs after line %d", path, line);
            break;
        }
        a += la + 1, b += lb + 1;
    }
    free(want);
    free(got);
}

void sg_golden_frames(Scene *scene, const char *prefix)
{
    static const int heights[2] = { 13, 22 };
    for (int h = 0; h < 2; h++)
        for (int m = 0; m < 2; m++) {
            Canvas *c = canvas_create(80, heights[h], m == 0 ? RASTER_BRAILLE : RASTER_ASCII, m == 0);
            scene_draw(scene, c, rect_make(0, 0, 80, heights[h]));
            char name[128];
            snprintf(name, sizeof name, "%s_%d_%s", prefix, heights[h], m == 0 ? "braille" : "ascii");
            sg_check_golden(name, c);
            canvas_destroy(c);
        }
}

void sg_check_stays_inside(Scene *scene, int w, int h)
{
    Canvas *c = canvas_create(w + 6, h + 4, RASTER_BRAILLE, true);
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
                cr_assert(cell->ch == ' ', "a %dx%d draw wrote U+%04X at (%d,%d), outside the area", w, h,
                          (unsigned)cell->ch, x, y);
        }
    if (w >= 40 && h >= 6)
        cr_assert_gt(inside, 0, "a %dx%d draw left the area blank", w, h);
    canvas_destroy(c);
}
