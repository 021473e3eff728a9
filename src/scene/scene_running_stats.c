/* Placeholder for the 'running-stats' scene until it is written (scene layer). */
#include "scene/scenes.h"
#include "util/alloc.h"

#include <stdlib.h>

static void *placeholder_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    (void)page;
    (void)seed;
    (void)err;
    return xcalloc(1, 1);
}

static void placeholder_draw(void *self, Canvas *canvas, Rect area)
{
    (void)self;
    canvas_text(canvas, area.x, area.y, "(scene 'running-stats' is not written yet)", ROLE_TEXT_DIM, 0, area.w);
}

const SceneClass scene_running_stats = {
    .name = "running-stats",
    .create = placeholder_create,
    .destroy = free,
    .draw = placeholder_draw,
};
