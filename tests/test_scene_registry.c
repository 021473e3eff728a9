/* The scene registry against the catalogue, and how a page's seed setting reaches its scene. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lesson/catalog.h"
#include "lesson/lesson.h"
#include "scene/scene.h"

static Lesson *parse(const char *text)
{
    Lesson *lesson = lesson_parse(text, strlen(text), "snippet.lesson");
    cr_assert_not(lesson_is_broken(lesson), "the snippet should parse cleanly");
    return lesson;
}

Test(scene_registry, every_catalogue_scene_has_an_implementation_with_the_same_name)
{
    for (int i = 0; i < catalog_scene_count(); i++) {
        const CatalogScene *entry = catalog_scene_at(i);
        const SceneClass *cls = scene_class_find(entry->name);
        cr_assert_not_null(cls, "catalogue scene '%s' has no scene class", entry->name);
        cr_assert_str_eq(cls->name, entry->name);
        cr_assert(cls->create && cls->destroy && cls->draw, "scene '%s' lacks a required function", entry->name);
    }
    cr_assert_null(scene_class_find("no-such-scene"));
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
    for (int i = 0; i < catalog_scene_count(); i++) {
        const CatalogScene *entry = catalog_scene_at(i);
        const SceneClass *cls = scene_class_find(entry->name);
        if (!cls->headline)
            continue;
        char text[256];
        /* Small networks keep this quick; the headline must not depend on the sizes. */
        const CatalogSceneSetting *hidden = catalog_scene_setting(entry, "hidden");
        const CatalogSceneSetting *dataset = catalog_scene_setting(entry, "dataset");
        snprintf(text, sizeof text, "lesson 1\ntitle T\npage P\nscene %s\n%s%s", entry->name,
                 hidden ? "hidden = 8\n" : "", dataset && strcmp(entry->name, "input-norm") != 0
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
