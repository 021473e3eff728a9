/* Test helpers for the BN scenes (bn-stages, backprop, inference) (tests/support): live values, dumps, bounds. */
#ifndef BNTUTOR_TESTS_BNSCENE_H
#define BNTUTOR_TESTS_BNSCENE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/lesson.h"
#include "scene/scene.h"
#include "support/check.h"
#include "support/golden.h"
#include "support/scene_golden.h"
#include "view/canvas.h"

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

/* Every size from tiny to large stays inside its area. */
static inline void bn_check_sizes(Scene *scene)
{
    static const int sizes[][2] = { { 1, 1 }, { 10, 3 }, { 39, 5 }, { 40, 6 }, { 60, 20 }, { 80, 13 }, { 80, 22 },
                                    { 200, 60 }, { 140, 56 } };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_inside(scene, sizes[i][0], sizes[i][1]);
}

#endif
