/* What a page declares it shows ('shows "TEXT" [after N steps] [or key K]') is on its 80×24 screen:
 * every shipped page is drawn by the tutor and each declared text is looked for, or, with a key, the
 * screen names the key and pressing it brings the text into view. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/discover.h"
#include "support/lesson_page.h"
#include "ui/app.h"
#include "ui/tutor.h"
#include "view/canvas.h"

/* Whether the screen names key K for the learner: a footer hint "K label", or "press K" anywhere. */
static bool names_key(const char *screen, int key)
{
    const char *footer = screen + strlen(screen);
    while (footer > screen && footer[-1] == '\n')
        footer--;
    while (footer > screen && footer[-1] != '\n')
        footer--;
    char hint[8], press[16];
    snprintf(hint, sizeof hint, " %c ", key);
    snprintf(press, sizeof press, "press %c", key);
    return strstr(footer, hint) || strstr(screen, press);
}

/* One declaration on one page: 0 when it holds, else 1 (after saying why with the screen). */
static int check_shows(const Lesson *lesson, int page, const LessonShows *shows)
{
    Tutor *t = lesson_page_open(lesson->number, page + 1);
    tutor_steps(t, shows->steps);
    char *screen = lesson_page_render(t, 80, 24, true);
    int failed = 0;
    if (!strstr(screen, shows->text)) {
        if (!shows->key) {
            cr_expect_fail("%s:%d: lesson %d page %d at 80x24%s does not show \"%s\":\n%s", lesson->path, shows->line,
                           lesson->number, page + 1, shows->steps ? " after its steps" : "", shows->text, screen);
            failed = 1;
        } else if (!names_key(screen, shows->key)) {
            cr_expect_fail("%s:%d: lesson %d page %d at 80x24 does not show \"%s\" and does not say that %c "
                           "reveals it:\n%s", lesson->path, shows->line, lesson->number, page + 1, shows->text,
                           shows->key, screen);
            failed = 1;
        } else {
            tutor_key(t, shows->key);
            char *after = lesson_page_render(t, 80, 24, true);
            if (!strstr(after, shows->text)) {
                cr_expect_fail("%s:%d: lesson %d page %d at 80x24: %c does not bring \"%s\" into view:\n%s",
                               lesson->path, shows->line, lesson->number, page + 1, shows->key, shows->text, after);
                failed = 1;
            }
            free(after);
        }
    }
    free(screen);
    tutor_destroy(t);
    return failed;
}

Test(page_evidence, what_every_page_declares_is_on_its_80x24_screen)
{
    BnError err = { 0 };
    LessonSet *set = lesson_set_discover("lessons", &err);
    cr_assert_not_null(set, "%s: %s", err.where, err.message);
    int declared = 0, failed = 0;
    for (int i = 0; i < set->count; i++) {
        const Lesson *lesson = set->lessons[i];
        cr_assert(!lesson_is_broken(lesson), "lesson %d is broken", lesson->number);
        for (int p = 0; p < lesson->page_count; p++)
            for (int k = 0; k < lesson->pages[p].show_count; k++, declared++)
                failed += check_shows(lesson, p, &lesson->pages[p].shows[k]);
    }
    lesson_set_destroy(set);
    cr_assert_eq(failed, 0, "%d of %d declarations do not hold", failed, declared);
    /* The evidence issue 23 names must stay declared: lessons 3, 6, 9, 12 and 13. */
    cr_assert_geq(declared, 8, "only %d 'shows' lines in the shipped lessons", declared);
}

/* A key counts as named when the footer offers it ("v inputs/check"), not when some letter stands on
 * screen; a key the page declares comes right after the answer keys, so a full footer keeps it. */
Test(page_evidence, a_declared_key_leads_the_footer_and_counts_as_named_there)
{
    BnError err = { 0 };
    LessonSet *set = lesson_set_discover("lessons", &err);
    cr_assert_not_null(set);
    const Lesson *lesson = lesson_set_find(set, 6);
    cr_assert_not_null(lesson);
    Tutor *t = lesson_page_open(lesson->number, 2);
    char *screen = lesson_page_render(t, 80, 24, true);
    cr_assert(strstr(screen, "a/b/c answer v inputs/check"), "the declared key leads the footer:\n%s", screen);
    cr_assert(names_key(screen, 'v'), "the footer names v:\n%s", screen);
    cr_assert(!names_key(screen, 'Q'), "nothing names Q:\n%s", screen);
    free(screen);
    tutor_destroy(t);
    lesson_set_destroy(set);
}
