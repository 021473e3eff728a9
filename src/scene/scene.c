/* The scene registry and the generic calls the tutor makes on any scene (scene layer). */
#include "scene/scene.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scene/scenes.h"
#include "util/alloc.h"

static const SceneClass *const scene_classes[] = {
    &scene_none, &scene_input_norm, &scene_loss_surface, &scene_drift, &scene_bn_stages,
    &scene_gamma_beta, &scene_backprop, &scene_running_stats, &scene_inference,
    &scene_placement, &scene_sandbox, &scene_real_data, &scene_norm_sets,
    &scene_conv_bn, &scene_small_batch,
};

const SceneClass *scene_class_find(const char *name)
{
    for (size_t i = 0; i < sizeof scene_classes / sizeof scene_classes[0]; i++)
        if (strcmp(scene_classes[i]->name, name) == 0)
            return scene_classes[i];
    return NULL;
}

uint64_t scene_seed_for_page(const LessonPage *page, uint64_t session_seed)
{
    const LessonSetting *setting = page ? lesson_page_setting(page, "seed") : NULL;
    if (!setting || setting->line == 0)
        return session_seed;
    /* A splitmix64-style scramble, so nearby seeds give unrelated streams. */
    uint64_t z = session_seed ^ ((uint64_t)setting->value.integer * 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

Scene *scene_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    const char *name = page && page->scene ? page->scene->name : "none";
    const SceneClass *cls = scene_class_find(name);
    if (!cls) {
        error_set(err, "", "scene '%s' is in the catalogue but not implemented", name);
        return NULL;
    }
    void *self = cls->create(page, seed, err);
    if (!self)
        return NULL;
    Scene *scene = xcalloc(1, sizeof *scene);
    scene->cls = cls;
    scene->self = self;
    scene->page = page;
    scene->seed = seed;
    return scene;
}

void scene_destroy(Scene *scene)
{
    if (!scene)
        return;
    scene->cls->destroy(scene->self);
    free(scene);
}

bool scene_reset(Scene *scene, uint64_t seed, BnError *err)
{
    void *fresh = scene->cls->create(scene->page, seed, err);
    if (!fresh)
        return false;
    scene->cls->destroy(scene->self);
    scene->self = fresh;
    scene->seed = seed;
    scene->steps = 0;
    return true;
}

bool scene_animates(const Scene *scene) { return scene->cls->step != NULL; }

bool scene_halted(const Scene *scene) { return scene->cls->halted && scene->cls->halted(scene->self); }

/* A scene that keeps its own count (a knob may restart its run) is the authority on it. */
static void scene_sync_steps(Scene *scene)
{
    if (scene->cls->position)
        scene->steps = scene->cls->position(scene->self);
}

void scene_step(Scene *scene, long count)
{
    if (!scene->cls->step)
        return;
    for (long i = 0; i < count && !scene_halted(scene); i++) {
        scene->cls->step(scene->self);
        scene->steps++;
    }
    scene_sync_steps(scene);
}

void scene_draw(Scene *scene, Canvas *canvas, Rect area) { scene->cls->draw(scene->self, canvas, area); }

bool scene_key(Scene *scene, int key)
{
    bool used = scene->cls->key && scene->cls->key(scene->self, key);
    if (used)
        scene_sync_steps(scene);
    return used;
}

int scene_keys(const Scene *scene, SceneKey *out)
{
    return scene->cls->keys ? scene->cls->keys(scene->self, out) : 0;
}

bool scene_live(const Scene *scene, const char *name, const int *index, double *out)
{
    return scene->cls->live && scene->cls->live(scene->self, name, index, out);
}

bool scene_headline(const Scene *scene, const char **label, double *value)
{
    const char *spec = scene->cls->headline;
    if (!spec)
        return false;
    /* "name" or "name[i]" or "name[i][j]": the same live values checkpoints read. */
    char name[64];
    int index[CATALOG_LIVE_INDEX_MAX] = { 0 };
    size_t len = strcspn(spec, "[");
    if (len >= sizeof name)
        return false;
    memcpy(name, spec, len);
    name[len] = '\0';
    const char *p = spec + len;
    for (int k = 0; *p == '[' && k < CATALOG_LIVE_INDEX_MAX; k++) {
        index[k] = atoi(p + 1);
        p = strchr(p, ']');
        if (!p)
            return false;
        p++;
    }
    if (!scene_live(scene, name, index, value) || !isfinite(*value))
        return false;
    *label = scene->cls->headline_label ? scene->cls->headline_label : name;
    return true;
}
