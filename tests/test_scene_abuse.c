/* Numeric abuse of the scenes: catalogue extremes (lr 10, eps 0, batch 1, widest layers, huge step caps)
 * never put nan/inf on the canvas, never crash, show a clear state, and scene_reset recovers.
 * BNTUTOR_ABUSE_SHOW=1 prints each case's last 80×13 frame, BNTUTOR_ABUSE_TIME=1 each case's time. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lesson/catalog.h"
#include "support/lessonscene.h"
#include "util/pcg32.h"
#include "view/keys.h"

/* One abuse case: a scene, its extreme settings, how many steps to take (kept so the case runs well
 * under a second in the release build: real-data with hidden = 1024 takes about one, so it is left
 * out), and text that must show afterwards (NULL: only cleanliness; "create: ..." the message a
 * scene that refuses to start must give). */
typedef struct AbuseCase {
    const char *scene;
    const char *settings;
    long steps;
    const char *expect;
} AbuseCase;

static const AbuseCase cases[] = {
    /* Learning rate at the catalogue maximum, every scene that has one. */
    { "loss-surface", "lr = 10\nscale = both\nsteps = 1000000\n", 3000, "diverged" },
    { "loss-surface", "lr = 10\nscale = raw\nsteps = 1000000\n", 3000, "diverged" },
    { "loss-surface", "lr = 10\nscale = scaled\nsteps = 1000000\n", 3000, "diverged" },
    { "drift", "lr = 10\nhidden = 16,16\nbatch = 16\nsteps = 1000000\n", 300, NULL },
    { "drift", "lr = 10\nhidden = 16\nbatch = 1\nplacement = before\nact = relu\n", 100, NULL },
    { "drift", "lr = 10\nhidden = 1024\nbatch = 2\ncompare = no\nsteps = 1000000\n", 10, "diverged" },
    { "gamma-beta", "lr = 10\nsteps = 1000000\n", 1000, NULL },
    { "gamma-beta", "lr = 10\nbatch = 1\n", 100, "batch of one" },
    /* The widest layer at the largest batch the classroom budget allows (batch 4096 is over it: refused
     * by the parser, see test_lesson_parser). */
    { "gamma-beta", "lr = 10\nhidden = 1024\nbatch = 512\nsteps = 1000000\n", 3, NULL },
    { "gamma-beta", "lr = 10\nplacement = after\nact = sigmoid\ndataset = spirals\n", 500, "diverged" },
    { "placement", "lr = 10\nbaseline = yes\nsteps = 1000000\n", 500, "diverged" },
    { "placement", "lr = 10\nbatch = 1\nbaseline = yes\n", 100, "diverged" },
    { "placement", "lr = 10\nhidden = 1024\nbatch = 2\n", 5, "diverged" },
    { "sandbox", "lr = 10\nsteps = 1000000\n", 1000, NULL },
    { "sandbox", "lr = 10\nbatch = 1\n", 100, "batch of one" },
    { "sandbox", "lr = 10\neps = 0\nplacement = after\nact = relu\ndataset = synth784\nhidden = 32\n", 100, "create: epsilon must be positive" },
    { "sandbox", "eps = 0\nalpha = 1\nconvention = paper\nbatch = 2\nplacement = after\nact = relu\n", 300, "create: epsilon must be positive" },
    { "sandbox", "lr = 10\nalpha = 0\nconvention = keras\nhidden = 1024\nbatch = 2\n", 10, "DIVERGED" },
    { "sandbox", "lr = 10\nhidden = 1,1,1,1,1,1,1,1\neps = 0\n", 500, "create: epsilon must be positive" },
    { "lr-sweep", "rates = 10,20,40,60,80,90,95,100\nlr = 10\nsteps = 1000000\n", 300, "div" },
    { "lr-sweep", "lr = 10\nbatch = 1\nhidden = 1024\n", 30, NULL },
    /* Sixteen networks past the budget together are refused by the parser (see test_lesson_parser). */
    { "real-data", "lr = 10\nsteps = 1000000\nhidden = 16\nbatch = 16\n", 50, NULL },
    { "real-data", "lr = 10\nbatch = 1\nhidden = 8\n", 30, NULL },
    /* eps = 0 where a batch of one (or a constant column) gives a zero variance. */
    { "bn-stages", "batch = 1\neps = 0\n", 5, "no batch statistics" },
    { "bn-stages", "batch = 1\neps = 0\nconvention = paper\n", 5, "no batch statistics" },
    { "bn-stages", "stage = normalize\neps = 0\n", 0, "leaves the division unguarded" },
    { "bn-stages", "batch = 4096\nfeatures = 64\neps = 0\ngamma = 100\nbeta = -100\n", 5, NULL },
    { "bn-stages", "dataset = synth784\nfeatures = 64\neps = 0\nbatch = 2\n", 5, NULL },
    { "backprop", "batch = 1\neps = 0\n", 0, "no gradients" },
    { "backprop", "batch = 4096\nfeatures = 64\neps = 0\ngamma = -100\nbeta = 100\n", 0, NULL },
    { "running-stats", "batch = 1\neps = 0\nconvention = paper\nsteps = 1000000\n", 2000, "batch of 1" },
    { "running-stats", "batch = 1\nalpha = 1\nalpha2 = 1\nconvention = keras\n", 300, NULL },
    { "running-stats", "alpha = 0\nalpha2 = 0\nfeatures = 64\nbatch = 4096\nsteps = 1000000\n", 30, NULL },
    { "running-stats", "dataset = synth784\nfeatures = 64\neps = 0\nbatch = 2\nconvention = paper\n", 300, NULL },
    { "inference", "batch = 1\neps = 0\nconvention = paper\nfold = yes\n", 300, "no spread" },
    { "inference", "batch = 1\neps = 0\nalpha = 0\nmode = eval\nfold = yes\n", 300, "no spread" },
    { "inference", "dataset = synth784\nfeatures = 64\neps = 0\nbatch = 2\nfold = yes\nsteps = 1000000\n", 300, NULL },
    { "inference", "batch = 4096\nfeatures = 64\nalpha = 1\nconvention = keras\n", 10, NULL },
    { "input-norm", "batch = 1\n", 0, "constant" },
    { "input-norm", "batch = 4096\ndataset = synth784\n", 0, NULL },
    { "input-norm", "batch = 2\ndataset = blobs\n", 0, NULL },
    /* The norm-sets block at its smallest and largest, and shapes it cannot draw. */
    { "norm-sets", "batch = 1\nnorm = instance\nimages = shapes28\n", 0, NULL },
    { "norm-sets", "batch = 8\nnorm = group\ngroups = 4\n", 0, NULL },
    { "norm-sets", "batch = 4096\n", 0, "create: at most 8 images" },
    { "norm-sets", "groups = 64\nnorm = group\n", 0, "create: does not divide" },
    /* The token block at its smallest and largest, the offset at its ends, and features it cannot draw. */
    { "token-norm", "sentences = 1\ntokens = 2\nfeatures = 2\neps = 0\n", 50, NULL },
    { "token-norm", "sentences = 4\ntokens = 6\nfeatures = 8\noffset = 10\ncentred = yes\neps = 1\n", 50, NULL },
    { "token-norm", "features = 64\n", 0, "create: features from 2 to 8" },
    /* The conv net at the learning-rate maximum, the smallest batch, and batches it will not hold. */
    { "conv-bn", "lr = 10\nbatch = 2\nimages = shapes28\nsteps = 1000000\n", 100, NULL },
    { "conv-bn", "lr = 0\nalpha = 0\nbatch = 2\nimages = shapes28\n", 20, NULL },
    { "conv-bn", "batch = 1\n", 0, "create: batches of 2 to 64" },
    { "conv-bn", "batch = 4096\n", 0, "create: batches of 2 to 64" },
    /* Fifteen runs at the learning-rate maximum: runs that blow up say "fail", the rest go on. */
    { "small-batch", "lr = 10\nimages = shapes28\n", 300, NULL },
    { "small-batch", "lr = 0\nimages = shapes28\n", 200, NULL },
};
enum { CASE_COUNT = sizeof cases / sizeof cases[0] };

/* The first "nan", "inf" or "∞" in text that stands as a number (not inside a word like "inference"),
 * or a literal division by zero such as "1/0" (a Bessel factor n/(n-1) printed for a batch of one). */
static const char *find_bad_number(const char *text)
{
    for (const char *p = text; *p; p++) {
        if (strncmp(p, "\xe2\x88\x9e", 3) == 0)
            return p;
        if (p > text && isdigit((unsigned char)p[-1]) && p[0] == '/' && p[1] == '0' && !isdigit((unsigned char)p[2]) &&
            p[2] != '.')
            return p;
        bool start = p == text || !isalpha((unsigned char)p[-1]);
        if (!start)
            continue;
        if ((strncasecmp(p, "nan", 3) == 0 || strncasecmp(p, "inf", 3) == 0) && !isalpha((unsigned char)p[3]))
            return p;
    }
    return NULL;
}

/* A line of context around `at` for failure messages. */
static void line_around(const char *text, const char *at, char *out, size_t size)
{
    const char *a = at, *b = at;
    while (a > text && a[-1] != '\n')
        a--;
    while (*b && *b != '\n')
        b++;
    snprintf(out, size, "%.*s", (int)(b - a), a);
}

static char *draw_dump(Scene *scene, int w, int h, bool ascii)
{
    Canvas *c = canvas_create(w, h, ascii ? RASTER_ASCII : RASTER_BRAILLE, !ascii);
    scene_draw(scene, c, rect_make(0, 0, w, h));
    char *dump = canvas_dump(c, false);
    canvas_destroy(c);
    return dump;
}

/* Every cell of draws at 80×13 and 200×45, Unicode and ASCII: no nan/inf; returns the 200×45 ASCII dump. */
static char *check_clean(Scene *scene, const char *what, bool show)
{
    static const int sizes[][2] = { { 80, 13 }, { 200, 45 } };
    char *last = NULL;
    for (int s = 0; s < 2; s++)
        for (int ascii = 0; ascii < 2; ascii++) {
            char *dump = draw_dump(scene, sizes[s][0], sizes[s][1], ascii);
            const char *bad = find_bad_number(dump);
            if (bad) {
                char line[512];
                line_around(dump, bad, line, sizeof line);
                cr_assert(false, "%s at %dx%d%s after %ld steps shows a non-number:\n  \"%s\"\n%s", what, sizes[s][0],
                          sizes[s][1], ascii ? " ascii" : "", scene->steps, line, dump);
            }
            if (show && getenv("BNTUTOR_ABUSE_SHOW") && s == 0 && ascii)
                fprintf(stderr, "---- %s (%ld steps)\n%s\n", what, scene->steps, dump);
            if (s == 1 && ascii)
                last = dump;
            else
                free(dump);
        }
    return last;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void run_case(const AbuseCase *c)
{
    double t0 = now_s();
    char what[256];
    snprintf(what, sizeof what, "%s with %s", c->scene, c->settings);
    for (char *p = what; *p; p++)
        if (*p == '\n')
            *p = ';';
    Lesson *lesson = sg_scene_lesson(c->scene, c->settings);
    BnError err = { 0 };
    Scene *scene = scene_create(&lesson->pages[0], 3, &err);
    if (c->expect && strncmp(c->expect, "create: ", 8) == 0) {
        /* Refused at the start: the tutor shows this message where the scene would be. */
        cr_assert_null(scene, "%s: expected the scene to refuse to start", what);
        cr_assert(err.set && strstr(err.message, c->expect + 8), "%s: expected \"%s\", got \"%s\"", what,
                  c->expect + 8, err.message);
        lesson_destroy(lesson);
        return;
    }
    cr_assert_not_null(scene, "%s: scene_create failed: %s", what, err.message);
    free(check_clean(scene, what, false));
    /* Steps in a few bursts, each drawn, so a value that is bad only for a while is seen too. */
    long done = 0;
    for (int burst = 1; burst <= 4 && c->steps > 0; burst++) {
        long until = c->steps * burst / 4;
        scene_step(scene, until - done);
        done = until;
        free(check_clean(scene, what, false));
    }
    char *dump = check_clean(scene, what, true);
    if (c->expect)
        cr_expect(strstr(dump, c->expect), "%s: expected \"%s\" on screen:\n%s", what, c->expect, dump);
    free(dump);
    /* 'r': the same seed starts over, clean, and can step again. */
    cr_assert(scene_reset(scene, 3, &err), "%s: scene_reset failed: %s", what, err.message);
    cr_assert_eq(scene->steps, 0);
    dump = check_clean(scene, what, false);
    cr_expect_null(strstr(dump, "diverged"), "%s: still diverged after reset:\n%s", what, dump);
    free(dump);
    scene_step(scene, c->steps > 0 ? 1 : 0);
    free(check_clean(scene, what, false));
    scene_destroy(scene);
    lesson_destroy(lesson);
    if (getenv("BNTUTOR_ABUSE_TIME"))
        fprintf(stderr, "%6.2fs  %s\n", now_s() - t0, what);
}

/* Criterion's parameterized tests need the index; one Test per group keeps names readable. */
static void run_scene(const char *name)
{
    int ran = 0;
    for (int i = 0; i < CASE_COUNT; i++)
        if (strcmp(cases[i].scene, name) == 0) {
            run_case(&cases[i]);
            ran++;
        }
    cr_assert_gt(ran, 0, "no abuse cases for %s", name);
}

Test(scene_abuse, loss_surface_at_lr_10_says_diverged_and_resets) { run_scene("loss-surface"); }
Test(scene_abuse, drift_at_extremes_shows_no_nan_and_resets) { run_scene("drift"); }
Test(scene_abuse, gamma_beta_at_extremes_shows_no_nan_and_resets) { run_scene("gamma-beta"); }
Test(scene_abuse, placement_at_extremes_shows_no_nan_and_resets) { run_scene("placement"); }
Test(scene_abuse, sandbox_at_extremes_shows_no_nan_and_resets) { run_scene("sandbox"); }
Test(scene_abuse, real_data_at_extremes_shows_no_nan_and_resets) { run_scene("real-data"); }
Test(scene_abuse, bn_stages_with_zero_eps_and_zero_variance_shows_no_nan) { run_scene("bn-stages"); }
Test(scene_abuse, backprop_with_zero_eps_and_zero_variance_shows_no_nan) { run_scene("backprop"); }
Test(scene_abuse, running_stats_at_extremes_shows_no_nan) { run_scene("running-stats"); }
Test(scene_abuse, inference_with_a_batch_of_one_and_zero_eps_shows_no_nan) { run_scene("inference"); }
Test(scene_abuse, input_norm_with_one_point_shows_no_nan) { run_scene("input-norm"); }
Test(scene_abuse, norm_sets_at_its_extremes_shows_no_nan) { run_scene("norm-sets"); }
Test(scene_abuse, token_norm_at_its_extremes_shows_no_nan) { run_scene("token-norm"); }
Test(scene_abuse, conv_bn_at_extremes_shows_no_nan_and_resets) { run_scene("conv-bn"); }
Test(scene_abuse, small_batch_at_extremes_shows_no_nan_and_resets) { run_scene("small-batch"); }
Test(scene_abuse, lr_sweep_at_extremes_shows_no_nan_and_resets) { run_scene("lr-sweep"); }

/* A learner leaning on the keyboard: seeded random keys (printable, arrows, Enter, Tab, Esc) with steps
 * in between, on every scene with its default settings; every few keys all four draws are scanned. */
static void hammer(const char *name)
{
    double t0 = now_s();
    char what[128];
    snprintf(what, sizeof what, "%s with random keys", name);
    Lesson *lesson = sg_scene_lesson(name, "");
    Scene *scene = sg_scene(lesson, 5);
    Pcg32 rng;
    pcg32_seed(&rng, 11, 3);
    static const int specials[] = { BK_LEFT, BK_RIGHT, BK_UP, BK_DOWN, BK_ENTER, BK_TAB, BK_ESC, BK_BACKSPACE };
    enum { PRINTABLE = 0x7f - 0x21, SPECIALS = sizeof specials / sizeof specials[0] };
    for (int i = 0; i < 200; i++) {
        uint32_t r = pcg32_bounded(&rng, PRINTABLE + SPECIALS);
        scene_key(scene, r < PRINTABLE ? 0x21 + (int)r : specials[r - PRINTABLE]);
        if (i % 20 == 19) {
            scene_step(scene, 3);
            free(check_clean(scene, what, false));
        }
    }
    scene_destroy(scene);
    lesson_destroy(lesson);
    if (getenv("BNTUTOR_ABUSE_TIME"))
        fprintf(stderr, "%6.2fs  %s\n", now_s() - t0, what);
}

Test(scene_abuse, random_keys_on_every_scene_keep_its_frames_clean)
{
    for (int i = 0; i < catalog_scene_count(); i++)
        if (strcmp(catalog_scene_at(i)->name, "none") != 0)
            hammer(catalog_scene_at(i)->name);
}

Test(scene_abuse, the_prose_only_scene_draws_nothing_not_a_placeholder)
{
    BnError err = { 0 };
    Scene *scene = scene_create(NULL, 1, &err);
    cr_assert_not_null(scene, "the 'none' scene failed: %s", err.message);
    cr_assert_str_eq(scene->cls->schema.name, "none");
    Canvas *c = canvas_create(80, 13, RASTER_BRAILLE, true);
    scene_draw(scene, c, rect_make(0, 0, 80, 13));
    for (int y = 0; y < 13; y++)
        for (int x = 0; x < 80; x++)
            cr_assert_eq(canvas_cell(c, x, y)->ch, ' ', "the 'none' scene drew U+%04X at (%d,%d)",
                         (unsigned)canvas_cell(c, x, y)->ch, x, y);
    canvas_destroy(c);
    scene_destroy(scene);
}

Test(scene_abuse, the_scanner_finds_nan_and_inf_but_not_words_that_contain_them)
{
    cr_assert_not_null(find_bad_number("loss nan"));
    cr_assert_not_null(find_bad_number("x = -inf;"));
    cr_assert_not_null(find_bad_number("y = NaN"));
    cr_assert_not_null(find_bad_number("z \xe2\x88\x9e"));
    cr_assert_not_null(find_bad_number("vars x 1/0 = 0"));
    cr_assert_null(find_bad_number("inference and infinite nanoseconds, 300/299, 1/0.5"));
}
