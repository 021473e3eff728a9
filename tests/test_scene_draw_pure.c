/* A scene's draw only paints: drawing at every size leaves the frame, the live values and the headline as they were. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/scene_golden.h"

/* SceneClass.draw takes `const void *self`, and the build's -Wcast-qual makes casting that away a
 * warning (an error in the warning builds). That does not cover a buffer the state points to, nor a
 * static variable: this test does, by looking at everything a scene shows and reports, before and
 * after a run of draws at sizes that pick every kind of layout. */

enum { INDEX_PROBE = 4 };   /* live values are compared at indices 0..3 in each dimension */

/* Every live value of the scene at indices 0..INDEX_PROBE-1 (NaN where unavailable), in table order. */
static int read_lives(const Scene *scene, double *out, int max)
{
    const CatalogScene *schema = &scene->cls->schema;
    int n = 0;
    for (int i = 0; i < schema->live_count; i++) {
        const CatalogLive *live = &schema->lives[i];
        int combos = 1;
        for (int d = 0; d < live->indices; d++)
            combos *= INDEX_PROBE;
        for (int k = 0; k < combos && n < max; k++) {
            int index[CATALOG_LIVE_INDEX_MAX] = { 0 };
            for (int d = 0, rest = k; d < live->indices; d++, rest /= INDEX_PROBE)
                index[d] = rest % INDEX_PROBE;
            double v = NAN;
            out[n++] = scene_live(scene, live->name, index, &v) ? v : NAN;
        }
    }
    return n;
}

static void check_draw_is_pure(const char *name, long steps)
{
    SgFixture f = sg_fixture(name, "", 7);
    scene_step(f.scene, steps);
    char *before = sg_render(f.scene, 80, 22, true);
    char *before_ascii = sg_render(f.scene, 100, 30, false);
    static double lives_before[4096], lives_after[4096];
    int n = read_lives(f.scene, lives_before, 4096);
    const char *label = NULL;
    double headline = NAN, headline_after = NAN;
    bool has_headline = scene_headline(f.scene, &label, &headline);

    static const int sizes[][2] = { { 40, 6 }, { 60, 20 }, { 64, 28 }, { 72, 24 }, { 90, 30 }, { 100, 40 },
                                    { 120, 36 }, { 150, 50 }, { 200, 60 }, { 239, 71 }, { 41, 9 } };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int unicode = 0; unicode < 2; unicode++)
            free(sg_render(f.scene, sizes[s][0], sizes[s][1], unicode));

    char *after = sg_render(f.scene, 80, 22, true);
    char *after_ascii = sg_render(f.scene, 100, 30, false);
    cr_expect_str_eq(after, before, "%s: drawing at other sizes changed its 80x22 frame", name);
    cr_expect_str_eq(after_ascii, before_ascii, "%s: drawing at other sizes changed its 100x30 ASCII frame", name);
    cr_assert_eq(read_lives(f.scene, lives_after, 4096), n);
    for (int i = 0; i < n; i++)
        cr_expect(memcmp(&lives_before[i], &lives_after[i], sizeof(double)) == 0,
                  "%s: live value #%d was %.17g before the draws and %.17g after", name, i, lives_before[i],
                  lives_after[i]);
    cr_expect_eq(scene_headline(f.scene, &label, &headline_after), has_headline, "%s: the headline came or went", name);
    if (has_headline)
        cr_expect(memcmp(&headline, &headline_after, sizeof headline) == 0, "%s: the headline changed while drawing",
                  name);
    free(before);
    free(before_ascii);
    free(after);
    free(after_ascii);
    sg_fixture_free(&f);
}

/* Every registered scene, with its defaults, as it opens and after a few steps. */
Test(scene_draw_pure, drawing_any_scene_at_any_size_changes_nothing_it_shows_or_reports, .timeout = 120)
{
    for (int i = 0; i < scene_class_count(); i++) {
        const SceneClass *cls = scene_class_at(i);
        if (strcmp(cls->schema.name, "none") == 0)
            continue;
        check_draw_is_pure(cls->schema.name, 0);
        if (cls->step)
            check_draw_is_pure(cls->schema.name, 5);
    }
}
