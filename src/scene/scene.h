/* Live scenes: one visualization each, owning its engine state, driven by a lesson page's settings (scene layer). */
#ifndef BNTUTOR_SCENE_SCENE_H
#define BNTUTOR_SCENE_SCENE_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "lesson/lesson.h"
#include "scene/head.h"
#include "scene/layout.h"

#include "util/error.h"
#include "view/canvas.h"
#include "view/rect.h"

/* A knob key a scene offers, for the footer and the help overlay: key "a", label "alpha". */
typedef struct SceneKey {
    const char *key;
    const char *label;
} SceneKey;

enum { SCENE_KEYS_MAX = 12 };

/* A row of a scene's key table. `key` is what the footer shows and also says which keys run the
 * action: one key ("b"), alternatives split by '/' ("u/U", "[/]", "</,") or a range ("1-9"). The
 * action gets the key pressed and returns true when it used it. */
typedef struct SceneKeyAction {
    const char *key;
    const char *label;
    bool (*act)(void *self, int key);
} SceneKeyAction;

/* What every scene implements, in its own src/scene/scene_*.c, registered by one line in scene.c.
 * `self` is the scene's own state. */
typedef struct SceneClass {
    /* The name, one line of help, the settings (with defaults) and the live values (with getters):
     * what the lesson parser checks a page against (handed to it by scene_catalog_install). */
    CatalogScene schema;
    /* Builds the scene from the page's resolved settings (lesson_page_int/real/enum/list) and a seed. */
    void *(*create)(const LessonPage *page, uint64_t seed, BnError *err);
    void (*destroy)(void *self);
    /* One simulation step (a training step, a descent step, the next stage...). NULL: a still scene. */
    void (*step)(void *self);
    /* Steps per second at speed 1 while playing. */
    double steps_per_second;
    /* Derives what draw shows from the state, after create, after steps and after a used key (like
     * htop's updateValues), so draw only paints. May be NULL. */
    void (*update)(void *self);
    /* Paints into area (already cleared). Must fit 60×20 and use larger areas well. */
    void (*draw)(const void *self, Canvas *canvas, Rect area);
    /* The smallest area draw is given (0: SCENE_MIN_W, SCENE_MIN_H); below it scene_draw says "scene
     * needs more room" instead, the same way for every scene. */
    int min_w, min_h;
    /* The knob keys: their actions, the footer and the help overlay (at most SCENE_KEYS_MAX). */
    const SceneKeyAction *keys;
    int key_count;
    /* Whether row i of keys does anything as the page set the scene up (NULL: every row does); a row
     * it does not offer is neither in the footer nor run. */
    bool (*key_offered)(const void *self, int i);
    /* The figure that matters most on this scene, drawn in big digits on large screens so the back
     * of a classroom can read it: a live value ("running_mean[0]") and what to call it. May be NULL. */
    const char *headline;
    const char *headline_label;
    /* True when more steps can change nothing (the run diverged or cannot train): playing stops and
     * the step count stands still. May be NULL. */
    bool (*halted)(const void *self);
    /* The scene's own step count when a knob can restart its run, so the tutor's count follows it.
     * May be NULL (the tutor counts the steps it gave). */
    long (*position)(const void *self);
} SceneClass;

enum { SCENE_MIN_W = 40, SCENE_MIN_H = 6 };

/* For a scene's tables: the number of rows of a static array. */
#define SCENE_COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
/* For live-value getters: stores v and says whether it is a value (finite) at all. */
static inline bool scene_finite(double v, double *out)
{
    *out = v;
    return isfinite(v);
}

/* A scene's schema from its name, help line, settings table and live-value table. */
#define SCENE_SCHEMA(name_, help_, settings_, lives_)                                                            \
    { .name = name_, .help = help_, .settings = settings_, .setting_count = SCENE_COUNT(settings_),              \
      .lives = lives_, .live_count = SCENE_COUNT(lives_) }
/* The same, for a scene that trains networks_(page) networks of the page's shape at once (CatalogScene). */
#define SCENE_SCHEMA_NETWORKS(name_, help_, settings_, lives_, networks_)                                        \
    { .name = name_, .help = help_, .settings = settings_, .setting_count = SCENE_COUNT(settings_),              \
      .lives = lives_, .live_count = SCENE_COUNT(lives_), .networks = networks_ }
/* The same, with the settings that bound the indices of some live values (CatalogLiveExtent). */
#define SCENE_SCHEMA_BOUNDED(name_, help_, settings_, lives_, extents_)                                          \
    { .name = name_, .help = help_, .settings = settings_, .setting_count = SCENE_COUNT(settings_),              \
      .lives = lives_, .live_count = SCENE_COUNT(lives_), .extents = extents_,                                   \
      .extent_count = SCENE_COUNT(extents_) }

/* A running scene: the class, its state, and what the tutor needs to drive it. */
typedef struct Scene {
    const SceneClass *cls;
    void *self;
    const LessonPage *page;
    uint64_t seed;
    long steps;             /* steps taken since create/reset */
} Scene;

/* The seed a page's scene starts from: the session seed, combined with the page's own `seed`
 * setting when the lesson sets one, so a teacher's `seed = 7` picks another batch for everyone. */
uint64_t scene_seed_for_page(const LessonPage *page, uint64_t session_seed);
/* Hands every scene's schema to the lesson layer (catalog_install); call once before parsing lessons. */
void scene_catalog_install(void);
/* How many scenes there are, and each one's class. */
int scene_class_count(void);
const SceneClass *scene_class_at(int index);
/* The class for a scene name, NULL when there is no such scene. */
const SceneClass *scene_class_find(const char *name);
/* Creates the page's scene (the "none" scene for prose-only pages). NULL with err on failure. */
Scene *scene_create(const LessonPage *page, uint64_t seed, BnError *err);
void scene_destroy(Scene *scene);               /* accepts NULL */
/* Rebuilds the scene from its page with a seed (same seed: 'r', a new one: 'R'). */
bool scene_reset(Scene *scene, uint64_t seed, BnError *err);
bool scene_animates(const Scene *scene);        /* has a step function */
bool scene_halted(const Scene *scene);          /* stepping can change nothing now */
/* Steps up to count times, stopping early when the scene halts. */
void scene_step(Scene *scene, long count);
void scene_draw(const Scene *scene, Canvas *canvas, Rect area);
/* A knob key; true when the scene used it (its step count may then restart). */
bool scene_key(Scene *scene, int key);
int scene_keys(const Scene *scene, SceneKey *out);
/* A live value by name (the schema's getter); false when unknown, out of range or not available now. */
bool scene_live(const Scene *scene, const char *name, const int *index, double *out);
/* Whether a key table's `key` text ("b", "u/U", "[/]", "1-9") names this key code. */
bool scene_key_names(const char *spec, int key);
/* The scene's headline figure now: its label and value; false when it has none (or none yet). */
bool scene_headline(const Scene *scene, const char **label, double *value);

#endif
