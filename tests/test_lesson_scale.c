/* Lesson 16's pages on scale invariance, weight decay and the bias before BN: each against its golden frames
 * at 80x24, its question and choices in view without scrolling, and the scene held until it is answered. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/lesson.h"
#include "support/golden.h"
#include "support/lesson_page.h"

enum { LESSON = 16 };

/* The pages, by title (their numbers depend on the learning-rate pages before them), and their goldens. */
static const struct {
    const char *title, *golden;
    bool asks;
} pages[] = {
    { "Weights whose size does not matter", "page_16_scale", true },
    { "Why |W| keeps growing", "page_16_growth", true },
    { "Weight decay sets an equilibrium", "page_16_equilibrium", false },
    { "The bias before BN", "page_16_bias", true },
    { "What this lesson showed", "page_16_summary", false },
};
enum { PAGES = sizeof pages / sizeof pages[0] };

/* The frame with "page N/M" written "page n/m": the lesson's other pages are not these goldens' business,
 * so a page added before them must not change every frame here. */
static void mask_page_number(char *frame)
{
    for (char *p = strstr(frame, "page "); p; p = strstr(p + 1, "page ")) {
        char *q = p + 5;
        if (*q < '0' || *q > '9')
            continue;
        while (*q >= '0' && *q <= '9')
            *q++ = 'n';
        if (*q++ != '/')
            continue;
        while (*q >= '0' && *q <= '9')
            *q++ = 'm';
    }
}

Test(lesson_scale, every_page_matches_its_golden_frames_at_80x24)
{
    for (int i = 0; i < PAGES; i++) {
        Tutor *t = lesson_page_open(LESSON, lesson_page_number(LESSON, pages[i].title));
        for (int unicode = 1; unicode >= 0; unicode--) {
            char name[64], *text = lesson_page_render(t, 80, 24, unicode);
            mask_page_number(text);
            snprintf(name, sizeof name, "%s%s", pages[i].golden, unicode ? "" : "_ascii");
            golden_check(name, text);
            free(text);
        }
        tutor_destroy(t);
    }
}

Test(lesson_scale, every_question_and_all_its_choices_are_in_view_at_80x24)
{
    int asked = 0;
    for (int i = 0; i < PAGES; i++) {
        Tutor *t = lesson_page_open(LESSON, lesson_page_number(LESSON, pages[i].title));
        for (int unicode = 0; unicode < 2; unicode++) {
            char *frame = lesson_page_render(t, 80, 24, unicode);
            if (!pages[i].asks) {
                cr_assert_null(strstr(frame, "Question 1."), "'%s' asks nothing:\n%s", pages[i].title, frame);
                free(frame);
                continue;
            }
            cr_assert_not_null(strstr(frame, "Question 1."), "'%s':\n%s", pages[i].title, frame);
            static const char *const choices[] = { "  a) ", "  b) ", "  c) " };
            for (int c = 0; c < 3; c++)
                cr_assert_not_null(strstr(frame, choices[c]), "'%s': choice %d out of view:\n%s", pages[i].title, c,
                                   frame);
            cr_assert_null(strstr(frame, "more ("), "'%s' scrolls:\n%s", pages[i].title, frame);
            free(frame);
        }
        asked += pages[i].asks;
        tutor_destroy(t);
    }
    cr_assert_eq(asked, 3);
}

/* Before the answer: the scale page shows no scene at all (its first frame would answer), the others
 * refuse to play. After it: the scene is there and plays. */
Test(lesson_scale, the_scenes_wait_for_the_answer_and_show_it_afterwards)
{
    static const struct {
        int page;
        const char *after;      /* on screen once answered */
    } held[] = { { 0, "loss at W" }, { 1, "|W|:" }, { 3, "|dL/db|: BN" } };
    for (int i = 0; i < 3; i++) {
        Tutor *t = lesson_page_open(LESSON, lesson_page_number(LESSON, pages[held[i].page].title));
        char *frame = lesson_page_render(t, 80, 24, false);
        if (held[i].page == 0)
            cr_assert_null(strstr(frame, held[i].after), "the scale page shows its scene before the answer:\n%s",
                           frame);
        free(frame);
        tutor_key(t, ' ');
        frame = lesson_page_render(t, 80, 24, false);
        cr_assert(strstr(frame, "paused - step 0") && strstr(frame, "waits for your answer"),
                  "'%s' played before the answer:\n%s", pages[held[i].page].title, frame);
        free(frame);
        tutor_key(t, 'b');
        tutor_key(t, '\n');
        frame = lesson_page_render(t, 120, 40, false);
        cr_assert_not_null(strstr(frame, held[i].after), "'%s' after the answer:\n%s", pages[held[i].page].title,
                           frame);
        free(frame);
        tutor_destroy(t);
    }
}
