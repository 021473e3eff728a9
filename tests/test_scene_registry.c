/* The scene registry: each scene's own tables (settings, live values, keys) are whole and consistent, the lesson
 * layer sees exactly them, and a page's seed setting reaches its scene. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lesson/catalog.h"
#include "lesson/lesson.h"
#include "scene/scene.h"
#include "scene/settings.h"

static Lesson *parse(const char *text)
{
    Lesson *lesson = lesson_parse(text, strlen(text), "snippet.lesson");
    cr_assert_not(lesson_is_broken(lesson), "the snippet should parse cleanly");
    return lesson;
}

Test(scene_registry, the_lesson_layer_is_handed_exactly_the_registered_scenes)
{
    cr_assert_eq(catalog_scene_count(), scene_class_count(), "every scene and nothing else is in the catalogue");
    for (int i = 0; i < scene_class_count(); i++) {
        const SceneClass *cls = scene_class_at(i);
        cr_assert_eq(catalog_scene_at(i), &cls->schema, "scene %d: the catalogue entry is the class's own table", i);
        cr_assert_eq(scene_class_find(cls->schema.name), cls, "scene '%s' is found by its name", cls->schema.name);
        cr_assert(cls->create && cls->destroy && cls->draw, "scene '%s' lacks a required function", cls->schema.name);
    }
    cr_assert_null(scene_class_find("no-such-scene"));
    cr_assert_not_null(catalog_scene_find("none"), "prose-only pages need the 'none' scene");
}

Test(scene_registry, every_live_value_has_a_getter_a_help_line_and_a_unique_name)
{
    for (int i = 0; i < scene_class_count(); i++) {
        const CatalogScene *schema = &scene_class_at(i)->schema;
        for (int k = 0; k < schema->live_count; k++) {
            const CatalogLive *live = &schema->lives[k];
            cr_expect_not_null(live->get, "%s: live value '%s' has no getter", schema->name, live->name);
            cr_expect(live->help && *live->help, "%s: live value '%s' has no help line", schema->name, live->name);
            cr_expect(live->indices >= 0 && live->indices <= CATALOG_LIVE_INDEX_MAX, "%s: %s", schema->name, live->name);
            for (int j = k + 1; j < schema->live_count; j++)
                cr_expect(strcmp(live->name, schema->lives[j].name) != 0, "%s: live value '%s' twice", schema->name,
                          live->name);
        }
        for (int k = 0; k < schema->setting_count; k++)
            for (int j = k + 1; j < schema->setting_count; j++)
                cr_expect(strcmp(schema->settings[k].setting->name, schema->settings[j].setting->name) != 0,
                          "%s: setting '%s' twice", schema->name, schema->settings[k].setting->name);
    }
}

/* The tutor's own keys on a page with a scene: a knob must not take one of them. */
static const char tutor_keys[] = " .qmz?rRnNpPhl+=-_";

Test(scene_registry, every_key_row_has_an_action_a_label_and_keys_no_other_row_or_the_tutor_uses)
{
    for (int i = 0; i < scene_class_count(); i++) {
        const SceneClass *cls = scene_class_at(i);
        cr_expect(cls->key_count <= SCENE_KEYS_MAX, "%s has more knob keys than the footer shows", cls->schema.name);
        for (int k = 0; k < cls->key_count; k++) {
            const SceneKeyAction *row = &cls->keys[k];
            cr_expect(row->act && row->label && *row->label, "%s: key '%s' lacks an action or label", cls->schema.name,
                      row->key);
            int named = 0;
            for (int key = 1; key < 128; key++) {
                if (!scene_key_names(row->key, key))
                    continue;
                named++;
                cr_expect(strchr(tutor_keys, key) == NULL, "%s: key '%c' is the tutor's", cls->schema.name, key);
                for (int j = k + 1; j < cls->key_count; j++)
                    cr_expect(!scene_key_names(cls->keys[j].key, key), "%s: key '%c' is in two rows",
                              cls->schema.name, key);
            }
            cr_expect(named > 0, "%s: key text '%s' names no key", cls->schema.name, row->key);
        }
    }
}

Test(scene_registry, a_page_without_a_seed_setting_uses_the_session_seed)
{
    Lesson *lesson = parse("lesson 1\ntitle T\npage P\nscene bn-stages\n");
    cr_assert_eq(scene_seed_for_page(&lesson->pages[0], 42u), 42u);
    lesson_destroy(lesson);
}

Test(scene_registry, a_page_seed_setting_changes_the_scene_seed_and_different_settings_differ)
{
    Lesson *lesson = parse("lesson 1\ntitle T\npage A\nscene bn-stages\nseed = 7\n"
                           "page B\nscene bn-stages\nseed = 8\n");
    uint64_t a = scene_seed_for_page(&lesson->pages[0], 42u);
    uint64_t b = scene_seed_for_page(&lesson->pages[1], 42u);
    cr_assert_neq(a, 42u, "seed = 7 on the page must change what the scene draws");
    cr_assert_neq(a, b, "seed = 7 and seed = 8 must give different scenes");
    cr_assert_eq(a, scene_seed_for_page(&lesson->pages[0], 42u), "the same page and seed repeat exactly");
    cr_assert_neq(a, scene_seed_for_page(&lesson->pages[0], 43u), "the session seed still matters");
    lesson_destroy(lesson);
}

Test(scene_registry, every_headline_names_a_live_value_the_scene_really_gives)
{
    for (int i = 0; i < scene_class_count(); i++) {
        const SceneClass *cls = scene_class_at(i);
        const CatalogScene *entry = &cls->schema;
        if (!cls->headline)
            continue;
        char text[256];
        /* Small networks keep this quick; the headline must not depend on the sizes (two layers: dropout-bn
         * needs a BN behind its dropout). */
        const CatalogSceneSetting *hidden = catalog_scene_setting(entry, "hidden");
        const CatalogSceneSetting *dataset = catalog_scene_setting(entry, "dataset");
        snprintf(text, sizeof text, "lesson 1\ntitle T\npage P\nscene %s\n%s%s", entry->name,
                 hidden ? "hidden = 8,8\n" : "", dataset && strcmp(entry->name, "input-norm") != 0
                 && strcmp(entry->name, "real-data") != 0 ? "dataset = blobs\n" : "");
        Lesson *lesson = parse(text);
        BnError err = { 0 };
        Scene *scene = scene_create(&lesson->pages[0], 3u, &err);
        cr_assert_not_null(scene, "scene '%s' failed to start: %s", entry->name, err.message);
        scene_step(scene, 3);
        const char *label = NULL;
        double value = 0.0;
        cr_assert(scene_headline(scene, &label, &value), "scene '%s': headline '%s' gives no value",
                  entry->name, cls->headline);
        cr_assert(label && *label, "scene '%s' headline has no label", entry->name);
        scene_destroy(scene);
        lesson_destroy(lesson);
    }
}

Test(scene_registry, eps_and_alpha_follow_the_pages_convention_unless_the_page_sets_them)
{
    int scenes_with_convention = 0;
    for (int i = 0; i < scene_class_count(); i++) {
        const CatalogScene *schema = &scene_class_at(i)->schema;
        if (!catalog_scene_setting(schema, "convention") || !catalog_scene_setting(schema, "eps"))
            continue;
        scenes_with_convention++;
        char text[256];
        snprintf(text, sizeof text, "lesson 1\ntitle T\npage K\nscene %s\nconvention = keras\n"
                 "page S\nscene %s\nconvention = keras\neps = 0.5\nalpha = 0.2\npage P\nscene %s\n",
                 schema->name, schema->name, schema->name);
        Lesson *lesson = parse(text);
        BnRule keras = bnrule_of_page(&lesson->pages[0]);
        cr_expect_eq(keras.eps, 1e-3, "%s: keras's own epsilon is 1e-3, not %g", schema->name, keras.eps);
        cr_expect(fabs(keras.alpha - 0.01) < 1e-15, "%s: keras weighs the batch 0.01, not %g", schema->name,
                  keras.alpha);
        cr_expect(fabs(keras.momentum - 0.99) < 1e-15, "%s: keras's momentum is 0.99", schema->name);
        BnRule set = bnrule_of_page(&lesson->pages[1]);
        cr_expect(set.eps == 0.5 && set.alpha == 0.2, "%s: values the page sets stand (%g, %g)", schema->name, set.eps,
                  set.alpha);
        BnRule pytorch = bnrule_of_page(&lesson->pages[2]);
        cr_expect(pytorch.convention == BN_CONVENTION_PYTORCH && pytorch.eps == 1e-5 && pytorch.alpha == 0.1 &&
                  pytorch.momentum == 0.1, "%s: the default is PyTorch's 1e-5 and 0.1", schema->name);
        lesson_destroy(lesson);
    }
    cr_expect_geq(scenes_with_convention, 4, "bn-stages, running-stats, inference and sandbox have a convention");
}

Test(scene_registry, every_default_that_follows_another_setting_parses_for_each_of_its_values)
{
    for (int i = 0; i < catalog_setting_count(); i++) {
        const CatalogSetting *s = catalog_setting_at(i);
        if (!s->default_for)
            continue;
        const CatalogSetting *leader = catalog_setting_find(s->follows);
        cr_assert_not_null(leader, "'%s' follows '%s', which no scene has", s->name, s->follows);
        const char *const *choices = catalog_setting_choices(leader);
        for (int k = 0; choices[k]; k++) {
            char text[64], why[256] = "";
            SettingValue v;
            s->default_for(k, text, sizeof text);
            cr_expect(catalog_value_parse(s, text, &v, why, sizeof why), "'%s' at %s = %s: %s", s->name, s->follows,
                      choices[k], why);
            catalog_value_free(&v);
        }
    }
}
