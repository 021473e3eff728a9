/* The 'none' scene of prose-only pages: no state and nothing to draw; the page gives its body to the text (scene layer). */
#include "scene/scenes.h"
#include "util/alloc.h"

#include <stdlib.h>

static void *none_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    (void)page;
    (void)seed;
    (void)err;
    return xcalloc(1, 1);   /* a live scene needs some state, even an empty one */
}

/* The tutor never gives this scene an area; if something draws it anyway, the area stays blank
 * (it used to say "not written yet", which no learner should read). */
static void none_draw(void *self, Canvas *canvas, Rect area)
{
    (void)self;
    (void)canvas;
    (void)area;
}

const SceneClass scene_none = {
    .name = "none",
    .create = none_create,
    .destroy = free,
    .draw = none_draw,
};
