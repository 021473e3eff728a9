/* Test helpers for scenes (tests/support): the shared snippet/golden/bounds helpers plus a frame text search. */
#ifndef BNTUTOR_TESTS_LESSONSCENE_H
#define BNTUTOR_TESTS_LESSONSCENE_H

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
