/* The question being asked is on screen: every question page of every shipped lesson, drawn by the tutor
 * at 80×24 (and 60×20, 100×30, 200×60, Unicode and ASCII) before and after each answer, shows every line
 * of the open question and its choices, and after an answer the question and its verdict; zoomed in too. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/discover.h"
#include "support/lesson_page.h"
#include "ui/app.h"
#include "ui/checkpoint.h"
#include "ui/tutor.h"
#include "view/canvas.h"
#include "view/keys.h"
#include "view/text.h"

enum { ROWS_MAX = 128 };

/* Splits a dump into its rows, trailing blanks dropped (the rows point into the dump, which it edits). */
static int split_rows(char *dump, char **rows)
{
    int n = 0;
    for (char *p = dump; *p && n < ROWS_MAX;) {
        char *end = strchr(p, '\n');
        if (end)
            *end = '\0';
        size_t len = strlen(p);
        while (len > 0 && p[len - 1] == ' ')
            p[--len] = '\0';
        rows[n++] = p;
        if (!end)
            break;
        p = end + 1;
    }
    return n;
}

/* The markup wrapped as the page wraps its column (width columns), one row per line. */
static int wrapped_rows(const char *markup, int width, bool unicode, char **dump, char **rows)
{
    int lines = text_height(markup, width, unicode);
    Canvas *c = canvas_create(width, lines > 0 ? lines : 1, unicode ? RASTER_BRAILLE : RASTER_ASCII, unicode);
    text_draw(c, rect_make(0, 0, width, lines), markup, ROLE_DEFAULT, 0);
    *dump = canvas_dump(c, false);
    canvas_destroy(c);
    int n = split_rows(*dump, rows);
    return n < lines ? n : lines;
}

/* The screen row (from 1, below the header) where want[0..n) stand on consecutive rows; -1 when not. */
static int find_block(char **screen, int rows, char **want, int n)
{
    for (int r = 1; r + n <= rows; r++) {
        int i = 0;
        while (i < n && strstr(screen[r + i], want[i]))
            i++;
        if (i == n)
            return r;
    }
    return -1;
}

typedef struct Where {
    int lesson, page, question, w, h;
    bool unicode;
    const char *when;
} Where;

static void fail_with_screen(const Where *at, const char *what, const char *missing, const char *screen)
{
    cr_assert_fail("lesson %d page %d question %d at %dx%d%s %s: %s not on screen:\n  \"%s\"\n%s", at->lesson, at->page,
            at->question, at->w, at->h, at->unicode ? "" : " ascii", at->when, what, missing, screen);
}

/* Every line of `markup`, wrapped at the page's column width, on consecutive rows of the screen; returns
 * the row after the last, or -1 (after failing) when a line is missing. */
static int expect_lines(Tutor *t, const Where *at, const char *markup, const char *what)
{
    PageLayout L;
    tutor_layout(t, at->w, at->h, at->unicode, &L);
    cr_assert_gt(L.prose.w, 0, "lesson %d page %d has no text column at %dx%d", at->lesson, at->page, at->w, at->h);
    char *dump = lesson_page_render(t, at->w, at->h, at->unicode), *screen_copy = strdup(dump);
    char *rows[ROWS_MAX], *want[ROWS_MAX], *wdump;
    int n = split_rows(dump, rows);
    int lines = wrapped_rows(markup, L.prose.w, at->unicode, &wdump, want);
    int row = find_block(rows, n, want, lines);
    if (row < 0) {
        /* Name the first line that is missing, for the message. */
        const char *missing = want[0];
        for (int i = 0; i < lines; i++)
            if (find_block(rows, n, &want[i], 1) < 0) {
                missing = want[i];
                break;
            }
        fail_with_screen(at, what, missing, screen_copy);
    }
    free(wdump);
    free(dump);
    free(screen_copy);
    return row < 0 ? -1 : row + lines;
}

/* After an answer: the question's lines, then its verdict on the next row. */
static void expect_verdict(Tutor *t, const Where *at, const char *question_markup)
{
    int next = expect_lines(t, at, question_markup, "the answered question");
    char *dump = lesson_page_render(t, at->w, at->h, at->unicode), *copy = strdup(dump);
    char *rows[ROWS_MAX];
    int n = split_rows(dump, rows);
    const char *row = next >= 0 && next < n ? rows[next] : "";
    if (!strstr(row, "Right") && !strstr(row, "Not quite") && !strstr(row, "You said"))
        fail_with_screen(at, "the verdict (Right / Not quite) right below the question", row, copy);
    free(dump);
    free(copy);
}

/* Zoomed in (z) before each answer: the open question must stay under the scene, and answering unzooms. */
static bool zoomed;

static void check_page(const Lesson *lesson, int page, int w, int h, bool unicode)
{
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = "lessons";
    config.lesson = lesson->number;
    config.page = page + 1;
    config.use_progress = false;
    BnError err = { 0 };
    Tutor *t = tutor_create(&config, &err);
    cr_assert_not_null(t, "lesson %d page %d: %s: %s", lesson->number, page + 1, err.where, err.message);
    const LessonPage *p = &lesson->pages[page];
    for (int k = 0; k < p->checkpoint_count; k++) {
        const LessonCheckpoint *cp = &p->checkpoints[k];
        CheckState open;
        check_begin(&open, cp);
        char markup[8192], question[4096];
        check_question_markup(&open, k + 1, unicode, markup, sizeof markup);
        snprintf(question, sizeof question, "%.*s", (int)strcspn(markup, "\n"), markup);
        Where at = { lesson->number, page + 1, k + 1, w, h, unicode, zoomed ? "zoomed, before the answer" : "before the answer" };
        if (zoomed)
            tutor_set_zoom(t, true);
        expect_lines(t, &at, markup, "the open question and its choices");

        /* Answer it: the first choice, or a number; the verdict follows the question. */
        if (cp->kind == CHECKPOINT_CHOICE) {
            tutor_key(t, (int)check_choice_key(&open, 0));
        } else {
            tutor_key(t, '1');
            tutor_key(t, BK_ENTER);
        }
        at.when = "after the answer";
        expect_verdict(t, &at, question);
        tutor_key(t, BK_ENTER);             /* the next question, if any */
    }
    tutor_destroy(t);
}

static void check_size(int w, int h)
{
    BnError err = { 0 };
    LessonSet *set = lesson_set_discover("lessons", &err);
    cr_assert_not_null(set, "%s: %s", err.where, err.message);
    int pages = 0;
    for (int i = 0; i < set->count; i++) {
        const Lesson *lesson = set->lessons[i];
        cr_assert(!lesson_is_broken(lesson), "lesson %d is broken", lesson->number);
        for (int p = 0; p < lesson->page_count; p++) {
            if (lesson->pages[p].checkpoint_count == 0)
                continue;
            pages++;
            for (int unicode = 1; unicode >= 0; unicode--)
                check_page(lesson, p, w, h, unicode);
        }
    }
    cr_assert_geq(pages, 40, "only %d question pages found: are the lessons there?", pages);
    lesson_set_destroy(set);
}

Test(page_questions, every_question_is_on_screen_at_80x24_before_and_after_its_answer) { check_size(80, 24); }
Test(page_questions, every_question_is_on_screen_at_60x20) { check_size(60, 20); }
Test(page_questions, every_question_is_on_screen_at_100x30) { check_size(100, 30); }
Test(page_questions, every_question_is_on_screen_at_200x60) { check_size(200, 60); }
Test(page_questions, a_zoomed_scene_keeps_the_open_question_under_it_at_80x24)
{
    zoomed = true;
    check_size(80, 24);
}
Test(page_questions, a_zoomed_scene_keeps_the_open_question_under_it_at_200x60)
{
    zoomed = true;
    check_size(200, 60);
}
