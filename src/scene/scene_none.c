/* The 'none' scene of prose-only pages: no state and nothing to draw; the page gives its body to the text (scene layer). */
#include "scene/scene.h"
#include "util/alloc.h"

#include <stdlib.h>

static void *none_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    return xcalloc(1, 1);   /* a live scene needs some state, even an empty one */
}

/* The tutor never gives this scene an area; if something draws it anyway, the area stays blank
 * (it used to say "not written yet", which no learner should read). */
static void none_draw(const void *self, Canvas *canvas, Rect area) {}

const SceneClass scene_none = {
    .schema = { .name = "none", .help = "prose only" },
    .create = none_create,
    .destroy = free,
    .draw = none_draw,
    .min_w = 1,             /* never "needs more room": there is nothing to draw */
    .min_h = 1,
};
