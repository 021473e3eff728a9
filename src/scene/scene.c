/* The scene registry and the generic calls the tutor makes on any scene (scene layer). */
#include "scene/scene.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

/* Every scene, one line each: a new scene is its file scene_<id>.c defining `const SceneClass
 * scene_<id>`, plus its line here. The order is the order `bntutor check` lists them in. */
#define SCENE_LIST(X) \
    X(none) \
    X(input_norm) \
    X(loss_surface) \
    X(drift) \
    X(bn_stages) \
    X(gamma_beta) \
    X(backprop) \
    X(running_stats) \
    X(inference) \
    X(placement) \
    X(sandbox) \
    X(real_data) \
    X(norm_sets) \
    X(conv_bn) \
    X(small_batch) \
    X(noisy_bn) \
    X(bn_probe) \
    X(eval_mode) \
    X(stale_stats) \
    X(lr_sweep) \
    X(token_norm) \
    X(scale_invariance) \
    X(residual_norm) \
    X(finetune) \
    X(dropout_bn)

#define SCENE_DECLARE(id) extern const SceneClass scene_##id;
#define SCENE_CLASS(id) &scene_##id,
#define SCENE_SCHEMA_OF(id) &scene_##id.schema,
SCENE_LIST(SCENE_DECLARE)
static const SceneClass *const scene_classes[] = { SCENE_LIST(SCENE_CLASS) };
static const CatalogScene *const scene_schemas[] = { SCENE_LIST(SCENE_SCHEMA_OF) };

void scene_catalog_install(void) { catalog_install(scene_schemas, SCENE_COUNT(scene_schemas)); }

int scene_class_count(void) { return SCENE_COUNT(scene_classes); }

const SceneClass *scene_class_at(int index)
{
    return index >= 0 && index < SCENE_COUNT(scene_classes) ? scene_classes[index] : NULL;
}

const SceneClass *scene_class_find(const char *name)
{
    for (int i = 0; i < SCENE_COUNT(scene_classes); i++)
        if (strcmp(scene_classes[i]->schema.name, name) == 0)
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
    if (cls->update)
        cls->update(self);
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
    if (scene->cls->update)
        scene->cls->update(fresh);
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
    long taken = 0;
    for (; taken < count && !scene_halted(scene); taken++) {
        scene->cls->step(scene->self);
        scene->steps++;
    }
    if (taken > 0 && scene->cls->update)
        scene->cls->update(scene->self);
    scene_sync_steps(scene);
}

/* Every scene's "too small" message: one line, centred, clipped to the area. */
static void scene_draw_too_small(Canvas *canvas, Rect area)
{
    static const char text[] = "scene needs more room";
    if (area.w <= 0 || area.h <= 0)
        return;
    int len = (int)sizeof text - 1;
    int x = area.x + (len < area.w ? (area.w - len) / 2 : 0);
    canvas_text(canvas, x, area.y + area.h / 2, text, ROLE_TEXT_DIM, 0, area.x + area.w - x);
}

void scene_draw(const Scene *scene, Canvas *canvas, Rect area)
{
    const SceneClass *cls = scene->cls;
    if (area.w < (cls->min_w ? cls->min_w : SCENE_MIN_W) || area.h < (cls->min_h ? cls->min_h : SCENE_MIN_H)) {
        scene_draw_too_small(canvas, area);
        return;
    }
    cls->draw(scene->self, canvas, area);
}

bool scene_key_names(const char *spec, int key)
{
    for (const char *p = spec; *p;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 1 && (unsigned char)p[0] == key)
            return true;
        if (len == 3 && p[1] == '-' && key >= (unsigned char)p[0] && key <= (unsigned char)p[2])
            return true;
        p += len + (end ? 1 : 0);
    }
    return false;
}

static bool scene_key_offered(const Scene *scene, int i)
{
    return !scene->cls->key_offered || scene->cls->key_offered(scene->self, i);
}

bool scene_key(Scene *scene, int key)
{
    const SceneClass *cls = scene->cls;
    for (int i = 0; i < cls->key_count; i++) {
        if (!scene_key_names(cls->keys[i].key, key) || !scene_key_offered(scene, i))
            continue;
        if (!cls->keys[i].act(scene->self, key))
            return false;
        if (cls->update)
            cls->update(scene->self);
        scene_sync_steps(scene);
        return true;
    }
    return false;
}

int scene_keys(const Scene *scene, SceneKey *out)
{
    int n = 0;
    for (int i = 0; i < scene->cls->key_count && n < SCENE_KEYS_MAX; i++)
        if (scene_key_offered(scene, i))
            out[n++] = (SceneKey){ scene->cls->keys[i].key, scene->cls->keys[i].label };
    return n;
}

bool scene_live(const Scene *scene, const char *name, const int *index, double *out)
{
    const CatalogLive *live = catalog_scene_live(&scene->cls->schema, name);
    if (!live || !live->get || (live->indices > 0 && !index))
        return false;
    return live->get(scene->self, index, out);
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
