/* Live scenes: one visualization each, owning its engine state, driven by a lesson page's settings (scene layer). */
#ifndef BNTUTOR_SCENE_SCENE_H
#define BNTUTOR_SCENE_SCENE_H

#include <stdbool.h>
#include <stdint.h>

#include "lesson/lesson.h"
#include "util/error.h"
#include "view/canvas.h"
#include "view/rect.h"

/* A knob key a scene offers, for the footer and the help overlay: key "a", label "alpha". */
typedef struct SceneKey {
    const char *key;
    const char *label;
} SceneKey;

enum { SCENE_KEYS_MAX = 12 };

/* What every scene implements. `self` is the scene's own state. */
typedef struct SceneClass {
    const char *name;       /* the catalogue name (src/lesson/catalog.c) */
    /* Builds the scene from the page's settings (lesson_page_int/real/enum/list) and a seed. */
    void *(*create)(const LessonPage *page, uint64_t seed, BnError *err);
    void (*destroy)(void *self);
    /* One simulation step (a training step, a descent step, the next stage...). NULL: a still scene. */
    void (*step)(void *self);
    /* Steps per second at speed 1 while playing. */
    double steps_per_second;
    /* Draws into area (already cleared). Must fit 60×20 and use larger areas well. */
    void (*draw)(void *self, Canvas *canvas, Rect area);
    /* A knob key (our key codes, view/keys.h); true when the scene used it. May be NULL. */
    bool (*key)(void *self, int key);
    /* The knob keys for the footer/help, at most SCENE_KEYS_MAX; returns how many. May be NULL. */
    int (*keys)(const void *self, SceneKey *out);
    /* A live value for checkpoints (names in the catalogue); false when unknown or out of range. */
    bool (*live)(const void *self, const char *name, const int *index, double *out);
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
/* The class for a catalogue name, NULL when no scene implements it. */
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
void scene_draw(Scene *scene, Canvas *canvas, Rect area);
/* A knob key; true when the scene used it (its step count may then restart). */
bool scene_key(Scene *scene, int key);
int scene_keys(const Scene *scene, SceneKey *out);
bool scene_live(const Scene *scene, const char *name, const int *index, double *out);
/* The scene's headline figure now: its label and value; false when it has none (or none yet). */
bool scene_headline(const Scene *scene, const char **label, double *value);

#endif
