/* Every shipped lesson page, drawn by the tutor after 0, 1, 50 and 500 scene steps at 80×24, 60×20 and
 * 200×60: no "nan"/"inf" on screen, no placeholder "(scene ... not written yet)", and nothing numbered
 * from 0 ("feature 0", "ch0"): features, channels, images and units are numbered from 1 everywhere. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lesson/discover.h"
#include "support/lesson_page.h"
#include "support/numbering.h"
#include "ui/app.h"
#include "ui/tutor.h"
#include "view/canvas.h"

/* The first "nan", "inf" or "∞" standing as a number (not inside a word like "inference"). */
static const char *find_bad_number(const char *text)
{
    for (const char *p = text; *p; p++) {
        if (strncmp(p, "\xe2\x88\x9e", 3) == 0)
            return p;
        if (p > text && isalpha((unsigned char)p[-1]))
            continue;
        if ((strncasecmp(p, "nan", 3) == 0 || strncasecmp(p, "inf", 3) == 0) && !isalpha((unsigned char)p[3]))
            return p;
    }
    return NULL;
}

static const char *find_placeholder(const char *text)
{
    const char *p = strstr(text, "not written yet");
    return p ? p : strstr(text, "(scene '");
}

static void line_around(const char *text, const char *at, char *out, size_t size)
{
    const char *a = at, *b = at;
    while (a > text && a[-1] != '\n')
        a--;
    while (*b && *b != '\n')
        b++;
    snprintf(out, size, "%.*s", (int)(b - a), a);
}

static void check_frames(Tutor *t, int lesson, int page, long steps)
{
    static const int sizes[][2] = { { 80, 24 }, { 60, 20 }, { 200, 60 } };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int unicode = 0; unicode < 2; unicode++) {
            char *dump = lesson_page_render(t, sizes[s][0], sizes[s][1], unicode);
            const char *bad = find_bad_number(dump);
            const char *hole = find_placeholder(dump);
            const char *zero = numbering_find_zero(dump);
            char line[512] = "";
            if (bad || hole || zero)
                line_around(dump, bad ? bad : hole ? hole : zero, line, sizeof line);
            cr_assert_null(bad, "lesson %d page %d at %dx%d%s after %ld steps shows a non-number:\n  \"%s\"\n%s", lesson,
                           page, sizes[s][0], sizes[s][1], unicode ? "" : " ascii", steps, line, dump);
            cr_assert_null(hole, "lesson %d page %d at %dx%d after %ld steps shows a placeholder:\n  \"%s\"", lesson,
                           page, sizes[s][0], sizes[s][1], steps, line);
            cr_assert_null(zero, "lesson %d page %d at %dx%d after %ld steps numbers something from 0 (everything a "
                           "learner reads counts from 1):\n  \"%s\"", lesson, page, sizes[s][0], sizes[s][1], steps,
                           line);
            free(dump);
        }
}

/* One page: a tutor opened on it (progress off), drawn after 0, 1, 50 and `last` steps. */
static void sweep_page(int lesson, int page, long last)
{
    Tutor *t = lesson_page_open(lesson, page);
    cr_assert_eq(tutor_page(t), page);
    const long steps[] = { 0, 1, 50, last };
    long done = 0;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        tutor_steps(t, steps[i] - done);
        done = steps[i];
        check_frames(t, lesson, page, done);
    }
    tutor_destroy(t);
}

enum { LESSON_PAGES_SWEPT_MAX = 64 };

/* One Test per lesson: Criterion runs them in parallel and a failure names the lesson. */
static void sweep_lesson(int number)
{
    BnError err = { 0 };
    LessonSet *set = lesson_set_discover("lessons", &err);
    cr_assert_not_null(set, "%s: %s", err.where, err.message);
    const Lesson *found = NULL;
    for (int i = 0; i < set->count; i++)
        if (set->lessons[i]->number == number)
            found = set->lessons[i];
    cr_assert_not_null(found, "there is no lessons/ file for lesson %d", number);
    cr_assert(!lesson_is_broken(found), "lesson %d is broken", number);
    int pages = found->page_count;
    long last[LESSON_PAGES_SWEPT_MAX];
    cr_assert_leq(pages, LESSON_PAGES_SWEPT_MAX);
    for (int p = 0; p < pages; p++) {
        /* The 784-input networks (three of them in lockstep) and the conv net take ~6 ms a step: 500
         * steps on each of their pages would make this file take half a minute, so they get 150. */
        const char *scene = found->pages[p].scene ? found->pages[p].scene->name : "none";
        last[p] = strcmp(scene, "drift") == 0 || strcmp(scene, "real-data") == 0 || strcmp(scene, "conv-bn") == 0 ||
                              strcmp(scene, "small-batch") == 0
                      ? 150 : 500;
    }
    lesson_set_destroy(set);
    for (int p = 1; p <= pages; p++)
        sweep_page(number, p, last[p - 1]);
}

Test(page_sweep, every_lesson_is_swept)
{
    /* The Tests below cover lessons 0-18; a new lesson file must get its own line. */
    BnError err = { 0 };
    LessonSet *set = lesson_set_discover("lessons", &err);
    cr_assert_not_null(set);
    for (int i = 0; i < set->count; i++)
        cr_assert(set->lessons[i]->number >= 0 && set->lessons[i]->number <= 18,
                  "lesson %d is not in the sweep: add a Test for it", set->lessons[i]->number);
    lesson_set_destroy(set);
}

Test(page_sweep, lesson_0_pages_stay_clean) { sweep_lesson(0); }
Test(page_sweep, lesson_1_pages_stay_clean) { sweep_lesson(1); }
Test(page_sweep, lesson_2_pages_stay_clean) { sweep_lesson(2); }
Test(page_sweep, lesson_3_pages_stay_clean) { sweep_lesson(3); }
Test(page_sweep, lesson_4_pages_stay_clean) { sweep_lesson(4); }
Test(page_sweep, lesson_5_pages_stay_clean) { sweep_lesson(5); }
Test(page_sweep, lesson_6_pages_stay_clean) { sweep_lesson(6); }
Test(page_sweep, lesson_7_pages_stay_clean) { sweep_lesson(7); }
Test(page_sweep, lesson_8_pages_stay_clean) { sweep_lesson(8); }
Test(page_sweep, lesson_9_pages_stay_clean) { sweep_lesson(9); }
Test(page_sweep, lesson_10_pages_stay_clean) { sweep_lesson(10); }
Test(page_sweep, lesson_11_pages_stay_clean) { sweep_lesson(11); }
Test(page_sweep, lesson_12_pages_stay_clean) { sweep_lesson(12); }
Test(page_sweep, lesson_13_pages_stay_clean) { sweep_lesson(13); }
Test(page_sweep, lesson_14_pages_stay_clean) { sweep_lesson(14); }
Test(page_sweep, lesson_15_pages_stay_clean) { sweep_lesson(15); }
Test(page_sweep, lesson_16_pages_stay_clean) { sweep_lesson(16); }
Test(page_sweep, lesson_17_pages_stay_clean) { sweep_lesson(17); }
Test(page_sweep, lesson_18_pages_stay_clean) { sweep_lesson(18); }

Test(page_sweep, the_checks_catch_nan_inf_and_placeholders)
{
    cr_assert_not_null(find_bad_number("loss: nan"));
    cr_assert_not_null(find_bad_number("-inf"));
    cr_assert_not_null(find_bad_number("\xe2\x88\x9e"));
    cr_assert_null(find_bad_number("inference, infinite, nanometre"));
    cr_assert_not_null(find_placeholder("(scene 'none' is not written yet)"));
}

Test(page_sweep, the_numbering_check_catches_labels_from_0_and_passes_counts_and_values)
{
    static const char *const from_zero[] = { "feature 0 of 3", "feat 0", "running mean of ch0: 1.2", "img 0 v",
                                             "image 0, group 1", "channels 0-1", "unit 0: input", "#0 ", "t0c1", "t1c0", "token 0",
                                             "showing 0-3" };
    for (size_t i = 0; i < sizeof from_zero / sizeof from_zero[0]; i++)
        cr_assert_not_null(numbering_find_zero(from_zero[i]), "missed \"%s\"", from_zero[i]);
    static const char *const fine[] = { "feature 1 of 3", "batch 0 of 300", "mean 0.3236", "channel 10",
                                        "step 0/600", "set 1 of 4", "x = 0", "reset 0", "images 2-0.5" };
    for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++)
        cr_assert_null(numbering_find_zero(fine[i]), "flagged \"%s\"", fine[i]);
}
