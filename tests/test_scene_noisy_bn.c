/* The 'noisy-bn' scene: the noise leaves the other nets and the batches alone, zero noise is plain BN, the
 * noisy unit's input moves more, keys, golden frames, bounds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scene/scene.h"
#include "support/check.h"
#include "support/scene_golden.h"

#define SMALL "scene noisy-bn\n dataset = synth784\n hidden = 12,10\n batch = 20\n steps = 60\n lr = 0.3\n"

static const char *const shared[] = { "loss_none", "acc_none", "p50_none", "spread_none", "loss_bn", "acc_bn",
                                      "p50_bn", "spread_bn", "move_bn" };

Test(scene_noisy_bn, the_noise_has_its_own_stream_so_the_other_nets_run_exactly_as_without_it)
{
    Lesson *la, *lb;
    Scene *a = sg_make(&la, SMALL " noise_mean = 1\n noise_scale = 0.5\n", 7);
    Scene *b = sg_make(&lb, SMALL " noise_mean = 0.3\n noise_scale = 1\n", 7);
    scene_step(a, 60);
    scene_step(b, 60);
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++)
        cr_assert_eq(sg_live(a, shared[i]), sg_live(b, shared[i]), "%s", shared[i]);
    cr_assert_neq(sg_live(a, "loss_noisy"), sg_live(b, "loss_noisy"));
    scene_destroy(a);
    scene_destroy(b);
    lesson_destroy(la);
    lesson_destroy(lb);
}

Test(scene_noisy_bn, zero_noise_is_plain_bn_to_the_last_bit)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL " noise_mean = 0\n noise_scale = 0\n", 2);
    scene_step(s, 60);
    static const char *const pairs[][2] = { { "loss_bn", "loss_noisy" }, { "acc_bn", "acc_noisy" },
                                            { "p50_bn", "p50_noisy" }, { "spread_bn", "spread_noisy" },
                                            { "move_bn", "move_noisy" } };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        cr_assert_eq(sg_live(s, pairs[i][0]), sg_live(s, pairs[i][1]), "%s", pairs[i][0]);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_noisy_bn, the_noisy_units_input_moves_more_than_the_others)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 3);
    double v;
    cr_assert_not(scene_live(s, "move_noisy", NULL, &v), "no movement before two points");
    cr_assert_not(scene_live(s, "loss_noisy", NULL, &v), "no loss before a step");
    scene_step(s, 60);
    cr_assert_gt(sg_live(s, "move_noisy"), 3 * sg_live(s, "move_bn"));
    cr_assert_gt(sg_live(s, "move_noisy"), 3 * sg_live(s, "move_none"));
    double acc = sg_live(s, "acc_noisy");
    cr_assert(acc >= 0.0 && acc <= 1.0);
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_noisy_bn, the_view_key_shows_each_net_in_turn_on_a_narrow_screen)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 1);
    scene_step(s, 30);
    static const char *const titles[] = { "noisy BN:", "no BN:", "BN:" };
    for (int i = 0; i < 3; i++) {
        char *frame = sg_render(s, 80, 13, false);
        cr_assert_not_null(strstr(frame, titles[i]), "view %d:\n%s", i, frame);
        free(frame);
        cr_assert(scene_key(s, 'v'));
    }
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_noisy_bn, frames_match_their_goldens)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 1);
    scene_step(s, 60);
    sg_golden_frames_sized(s, "scene_noisy_bn");
    scene_destroy(s);
    lesson_destroy(l);
}

Test(scene_noisy_bn, drawing_stays_inside_its_area_at_any_size)
{
    Lesson *l;
    Scene *s = sg_make(&l, SMALL, 1);
    static const int sizes[][2] = { { 200, 60 }, { 140, 56 }, { 120, 20 }, { 80, 22 }, { 80, 13 }, { 40, 6 },
                                    { 39, 5 }, { 1, 1 } };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_step(s, 30);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        sg_check_stays_inside(s, sizes[i][0], sizes[i][1]);
    scene_destroy(s);
    lesson_destroy(l);
}
