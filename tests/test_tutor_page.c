/* The tutor's page screen: layout at 80×24 and 200×60, navigation, progress, playing, menu, help, golden frames. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lesson/progress.h"
#include "support/check.h"
#include "support/golden.h"
#include "support/lesson_page.h"
#include "ui/tutor.h"
#include "view/canvas.h"
#include "view/keys.h"
#include "view/text.h"

static char state_dir[256];

/* A tutor on the shipped lessons (lessons/ under the working directory), progress in a temp dir. */
/* A clock the tests drive: each reading advances it by fake_clock_step seconds. */
static double fake_clock, fake_clock_step;
static double fake_now(void)
{
    fake_clock += fake_clock_step;
    return fake_clock;
}
static double (*next_clock)(void);     /* config.now for the next open_tutor; NULL: the real clock */

static Tutor *open_tutor(int lesson, int page, bool use_progress)
{
    TutorConfig config;
    tutor_config_default(&config);
    config.now = next_clock;
    config.lessons_dir = "lessons";
    config.lesson = lesson;
    config.page = page;
    config.use_progress = use_progress;
    static char path[300];
    if (use_progress) {
        if (!state_dir[0]) {
            snprintf(state_dir, sizeof state_dir, "/tmp/bntutor-test-page.XXXXXX");
            cr_assert_not_null(mkdtemp(state_dir));
        }
        snprintf(path, sizeof path, "%s/progress", state_dir);
        config.progress_path = path;
    }
    return lesson_page_open_with(&config);
}

/* Line `row` (0-based) of a dump, into buf. */
static const char *dump_line(const char *dump, int row, char *buf, size_t size)
{
    const char *p = dump;
    for (int i = 0; i < row && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    buf[0] = '\0';
    if (!p)
        return buf;
    size_t n = strcspn(p, "\n");
    if (n >= size)
        n = size - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

Test(tutor_page, at_80x24_the_scene_is_full_width_below_at_most_8_rows_of_prose)
{
    Tutor *t = open_tutor(0, 2, false);     /* "Scenes are live": a sandbox scene and long prose */
    PageLayout L;
    tutor_layout(t, 80, 24, true, &L);
    cr_assert(!L.wide);
    cr_assert_eq(L.header.y, 0);
    cr_assert_eq(L.footer.y, 23);
    cr_assert_eq(L.scene.x, 0);
    cr_assert_eq(L.scene.w, 80, "scene width %d", L.scene.w);
    cr_assert_geq(L.scene.h, 12, "scene height %d", L.scene.h);
    cr_assert_leq(L.prose.h, 8, "prose height %d", L.prose.h);
    cr_assert_gt(L.prose.h, 0);
    cr_assert_lt(L.prose.y + L.prose.h, L.scene.y, "prose must end above the scene");
    cr_assert_eq(L.scene.y + L.scene.h, 23, "the scene ends at the footer");
    cr_assert_gt(L.prose_lines, L.prose.h, "this page's prose is longer than its rows: it scrolls");
    tutor_destroy(t);
}

Test(tutor_page, at_200x60_the_prose_is_a_left_column_and_the_scene_fills_the_right)
{
    Tutor *t = open_tutor(0, 2, false);
    PageLayout L;
    tutor_layout(t, 200, 60, true, &L);
    cr_assert(L.wide);
    cr_assert(L.prose.w >= 45 && L.prose.w <= 55, "prose column %d wide", L.prose.w);
    cr_assert_gt(L.scene.x, L.prose.x + L.prose.w, "the scene is right of the prose");
    cr_assert_eq(L.scene.y, 1);
    cr_assert_eq(L.scene.h, 58, "the scene takes the full body height");
    cr_assert_eq(L.scene.x + L.scene.w, 200);
    tutor_destroy(t);
}

Test(tutor_page, zoom_gives_the_scene_the_whole_body_and_prose_only_pages_have_no_scene)
{
    Tutor *t = open_tutor(0, 2, false);
    tutor_key(t, 'z');
    PageLayout L;
    tutor_layout(t, 80, 24, true, &L);
    cr_assert_eq(L.scene.y, 1);
    cr_assert_eq(L.scene.h, 22);
    cr_assert_eq(L.prose.h, 0);
    tutor_key(t, BK_TAB);
    tutor_layout(t, 80, 24, true, &L);
    cr_assert_lt(L.scene.h, 22, "Tab unzooms");
    tutor_key(t, BK_LEFT);                  /* page 1: prose only */
    tutor_layout(t, 80, 24, true, &L);
    cr_assert_eq(L.scene.h, 0);
    cr_assert_gt(L.prose.h, 10);
    tutor_destroy(t);
}

Test(tutor_page, the_header_names_lesson_and_page_and_the_footer_lists_the_page_keys)
{
    Tutor *t = open_tutor(0, 2, false);
    char *text = lesson_page_render(t, 80, 24, true);
    char line[512];
    dump_line(text, 0, line, sizeof line);
    cr_assert(strstr(line, "Lesson 0") && strstr(line, "Scenes are live") && strstr(line, "page 2/5"),
              "header: %s", line);
    dump_line(text, 23, line, sizeof line);
    cr_assert(strstr(line, "page") && strstr(line, "play") && strstr(line, "help") && strstr(line, "quit"),
              "footer: %s", line);
    free(text);
    tutor_destroy(t);
}

Test(tutor_page, arrows_and_letters_move_between_pages_and_across_lessons_at_the_ends)
{
    Tutor *t = open_tutor(0, 1, false);
    cr_assert_eq(tutor_page(t), 1);
    tutor_key(t, BK_RIGHT);
    cr_assert_eq(tutor_page(t), 2);
    tutor_key(t, 'n');
    tutor_key(t, 'l');
    tutor_key(t, BK_PAGE_DOWN);
    cr_assert_eq(tutor_page(t), 5);
    tutor_key(t, 'p');
    tutor_key(t, 'h');
    tutor_key(t, BK_PAGE_UP);
    cr_assert_eq(tutor_page(t), 2);
    tutor_key(t, BK_LEFT);
    tutor_key(t, BK_LEFT);                  /* before the first page of the first lesson: stays */
    cr_assert_eq(tutor_page(t), 1);
    cr_assert_eq(tutor_lesson_number(t), 0);
    cr_assert_neq(tutor_status(t)[0], '\0', "a message says this is the first page");
    tutor_destroy(t);
}

Test(tutor_page, space_plays_and_ticks_take_rounded_steps_with_the_remainder_kept)
{
    Tutor *t = open_tutor(0, 2, false);
    cr_assert(!tutor_playing(t));
    cr_assert(!tutor_animating(t), "paused: no frame clock");
    tutor_tick(t, 1.0);
    cr_assert_eq(tutor_scene_steps(t), 0, "paused scenes do not step");
    tutor_key(t, ' ');
    cr_assert(tutor_playing(t));
    cr_assert(tutor_animating(t));
    /* Many small ticks add up: the fractions are carried, not dropped. */
    long before = tutor_scene_steps(t);
    for (int i = 0; i < 30; i++)
        tutor_tick(t, 1.0 / 30.0);
    long took = tutor_scene_steps(t) - before;
    cr_assert(took >= 1, "a second of play takes steps");
    /* A huge tick (a stop, a slow frame) is capped: no burst. */
    before = tutor_scene_steps(t);
    tutor_tick(t, 100.0);
    cr_assert_leq(tutor_scene_steps(t) - before, took + 1, "a 100 s tick took %ld steps",
                  tutor_scene_steps(t) - before);
    tutor_key(t, ' ');
    cr_assert(!tutor_animating(t));
    before = tutor_scene_steps(t);
    tutor_key(t, '.');
    cr_assert_eq(tutor_scene_steps(t), before + 1, "'.' takes exactly one step");
    tutor_key(t, 'r');
    cr_assert_eq(tutor_scene_steps(t), 0, "'r' starts over");
    tutor_destroy(t);
}

Test(tutor_page, plus_and_minus_double_and_halve_the_speed_within_bounds)
{
    Tutor *t = open_tutor(0, 2, false);
    tutor_key(t, '+');
    check_close(tutor_speed(t), 2.0, 1e-12, 0, "after +");
    tutor_key(t, '-');
    tutor_key(t, '-');
    check_close(tutor_speed(t), 0.5, 1e-12, 0, "after + - -");
    for (int i = 0; i < 40; i++)
        tutor_key(t, '+');
    cr_assert_leq(tutor_speed(t), 64.0);
    tutor_destroy(t);
}

Test(tutor_page, down_scrolls_long_prose_and_the_rule_says_there_is_more)
{
    Tutor *t = open_tutor(0, 2, false);
    char *before = lesson_page_render(t, 80, 24, true);
    cr_assert(strstr(before, "more"), "a 'more' mark on a page whose prose overflows");
    for (int i = 0; i < 50; i++)
        tutor_key(t, BK_DOWN);
    char *after = lesson_page_render(t, 80, 24, true);
    char a[512], b[512];
    cr_assert_str_neq(dump_line(before, 1, a, sizeof a), dump_line(after, 1, b, sizeof b), "scrolled");
    cr_assert(strstr(after, "processor time"), "the last lines show after scrolling to the end");
    for (int i = 0; i < 50; i++)
        tutor_key(t, BK_UP);
    char *back = lesson_page_render(t, 80, 24, true);
    cr_assert_str_eq(before, back);
    free(before);
    free(after);
    free(back);
    tutor_destroy(t);
}

Test(tutor_page, the_menu_lists_lessons_opens_by_enter_or_digit_and_esc_returns)
{
    Tutor *t = open_tutor(0, 3, false);
    tutor_key(t, 'm');
    cr_assert_str_eq(tutor_mode(t), "menu");
    char *text = lesson_page_render(t, 80, 24, true);
    cr_assert(strstr(text, "Using bntutor"), "menu: %s", text);
    cr_assert(strstr(text, "5 pages"), "menu shows page counts");
    free(text);
    tutor_key(t, BK_ESC);
    cr_assert_str_eq(tutor_mode(t), "page");
    cr_assert_eq(tutor_page(t), 3, "back on the same page");
    tutor_key(t, 'm');
    tutor_key(t, '0');
    cr_assert_str_eq(tutor_mode(t), "page", "a digit opens that lesson");
    cr_assert_eq(tutor_lesson_number(t), 0);
    cr_assert_eq(tutor_page(t), 3, "the lesson you are in reopens on your page");
    tutor_destroy(t);
}

Test(tutor_page, help_lists_generic_and_scene_keys_and_closes_with_esc_or_question_mark)
{
    Tutor *t = open_tutor(0, 2, false);
    tutor_key(t, '?');
    cr_assert_str_eq(tutor_mode(t), "help");
    char *text = lesson_page_render(t, 80, 24, true);
    cr_assert(strstr(text, "next page") && strstr(text, "play / pause") && strstr(text, "quit"), "%s", text);
    cr_assert(strstr(text, "knob"), "the sandbox scene's own keys are listed: %s", text);
    free(text);
    tutor_key(t, '?');
    cr_assert_str_eq(tutor_mode(t), "page");
    tutor_key(t, '?');
    tutor_key(t, BK_ESC);
    cr_assert_str_eq(tutor_mode(t), "page");
    cr_assert_eq(tutor_key(t, 'q'), APP_QUIT);
    tutor_destroy(t);
}

Test(tutor_page, progress_keeps_the_position_and_marks_a_lesson_done_when_leaving_its_last_page)
{
    Tutor *t = open_tutor(0, 4, true);
    tutor_key(t, BK_RIGHT);                 /* page 5 */
    tutor_destroy(t);
    char path[300];
    snprintf(path, sizeof path, "%s/progress", state_dir);
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    cr_assert(!warning.set, "%s", warning.message);
    cr_assert_eq(p->lesson, 0);
    cr_assert_eq(p->page, 5);
    cr_assert(!progress_is_done(p, 0));
    progress_destroy(p);

    t = open_tutor(-1, 0, true);            /* no --lesson: resumes */
    cr_assert_eq(tutor_lesson_number(t), 0);
    cr_assert_eq(tutor_page(t), 5);
    tutor_key(t, BK_RIGHT);                 /* past the last page */
    tutor_destroy(t);
    p = progress_load(path, &warning);
    cr_assert(progress_is_done(p, 0), "leaving the last page forward finishes the lesson");
    progress_destroy(p);
    unlink(path);
    rmdir(state_dir);
}

/* At ×64 a heavy scene could take seconds per frame; stepping stops at the frame's time budget instead,
 * and the footer says what speed is really reached. */
Test(tutor_page, a_frame_steps_only_for_its_time_budget_and_the_footer_shows_the_speed_reached)
{
    next_clock = fake_now;
    fake_clock_step = 0.0;
    Tutor *t = open_tutor(3, 1, false);
    for (int i = 0; i < 6; i++)
        tutor_key(t, '+');
    cr_assert_eq(tutor_speed(t), 64.0);
    tutor_key(t, ' ');
    fake_clock_step = 0.010;            /* every step "takes" 10 ms */
    long before = tutor_scene_steps(t);
    tutor_tick(t, 1.0 / 30.0);
    long took = tutor_scene_steps(t) - before;
    long budget_steps = (long)(TUTOR_STEP_BUDGET_SECONDS / 0.010) + 2;
    cr_assert(took >= 1 && took <= budget_steps, "took %ld steps in one frame, budget allows %ld", took,
              budget_steps);
    double reached = tutor_reached_speed(t);
    cr_assert(reached > 0.0 && reached < 64.0, "reached speed %g", reached);
    fake_clock_step = 0.0;
    char *frame = lesson_page_render(t, 100, 30, true);
    cr_assert(strstr(frame, "x64 (max x"), "the footer shows the speed reached:\n%s", frame);
    free(frame);
    /* Once the machine keeps up again (here: the clock stands still), the note goes after a second. */
    tutor_tick(t, 1.0 / 30.0);
    fake_clock += 1.5;
    cr_assert_eq(tutor_reached_speed(t), 0.0);
    tutor_destroy(t);
    next_clock = NULL;
}

/* On a small screen the next question would push the feedback out of sight, so it waits for Enter. */
Test(tutor_page, after_an_answer_the_feedback_shows_until_enter_opens_the_next_question)
{
    Tutor *t = open_tutor(1, 4, false);       /* a number question, then a choice */
    tutor_key(t, '7');
    tutor_key(t, BK_ENTER);
    char *frame = lesson_page_render(t, 80, 24, true);
    cr_assert(strstr(frame, "Not quite") && !strstr(frame, "Question 2"), "feedback, no next question:\n%s", frame);
    cr_assert(strstr(frame, "Enter next question"), "the footer says how to go on:\n%s", frame);
    free(frame);
    tutor_key(t, 'a');                        /* not an answer yet */
    cr_assert(strstr(tutor_status(t), "Enter brings up the next"), "status: %s", tutor_status(t));
    tutor_key(t, BK_ENTER);
    frame = lesson_page_render(t, 80, 24, true);
    cr_assert(strstr(frame, "Question 2") && strstr(frame, "a) 1, as now"), "the next question is open:\n%s", frame);
    free(frame);
    tutor_key(t, 'a');
    frame = lesson_page_render(t, 100, 40, true);
    cr_assert(strstr(frame, "Right"), "now 'a' answers it:\n%s", frame);
    free(frame);
    tutor_destroy(t);
}

/* Prose and questions scroll as one column: the question being asked stays pinned in view while the
 * prose above it scrolls, and an answer brings its verdict into view however long the explanation. */
Test(tutor_page, the_open_question_stays_in_view_while_the_prose_scrolls_and_a_fresh_verdict_shows)
{
    Tutor *t = open_tutor(1, 4, false);      /* prose, then a number question, longer than 8 rows */
    char *frame = lesson_page_render(t, 80, 24, true);
    cr_assert(strstr(frame, "Question 1") && strstr(frame, "Your answer:"), "the question is in view:\n%s", frame);
    cr_assert(strstr(frame, "\xE2\x86\x93 more"), "the mark says the prose goes on:\n%s", frame);
    cr_assert(strstr(frame, "After the transformation"), "the prose starts at the top:\n%s", frame);
    free(frame);
    for (int i = 0; i < 3; i++)
        tutor_key(t, BK_DOWN);
    frame = lesson_page_render(t, 80, 24, true);
    cr_assert(!strstr(frame, "After the transformation"), "the prose scrolled:\n%s", frame);
    cr_assert(strstr(frame, "Question 1") && strstr(frame, "Your answer:"), "the question stays:\n%s", frame);
    free(frame);
    tutor_destroy(t);
    t = open_tutor(6, 3, false);              /* one question with a long explanation */
    frame = lesson_page_render(t, 80, 24, true);
    free(frame);
    tutor_key(t, 'B');
    frame = lesson_page_render(t, 80, 24, true);
    cr_assert(strstr(frame, "Question 1") && strstr(frame, "Not quite"), "verdict in view:\n%s", frame);
    free(frame);
    tutor_destroy(t);
}

/* A choice letter that is also a scene key answers the open question; the knob waits until then. */
Test(tutor_page, choice_letters_answer_the_open_question_before_a_knob_on_the_same_key)
{
    Tutor *t = open_tutor(2, 4, false);       /* scene keys b and c; choices a, b, c */
    char *frame = lesson_page_render(t, 100, 30, true);
    cr_assert(strstr(frame, "a) ") && strstr(frame, "a/b/c answer"), "lower-case labels and hint:\n%s", frame);
    cr_assert(!strstr(frame, "lr canyon-safe"), "the c knob is not offered while c answers:\n%s", frame);
    free(frame);
    tutor_key(t, 'c');                        /* the answer, not the scene's "lr canyon-safe" */
    frame = lesson_page_render(t, 100, 30, true);
    cr_assert(strstr(frame, "You picked c)") || strstr(frame, "Right"), "c answered:\n%s", frame);
    free(frame);
    tutor_key(t, 'c');                        /* answered: now the knob's */
    cr_assert_str_eq(tutor_status(t), "", "the scene took c: %s", tutor_status(t));
    frame = lesson_page_render(t, 100, 30, true);
    cr_assert(strstr(frame, "lr canyon-safe"), "the knob is back in the footer:\n%s", frame);
    free(frame);
    tutor_destroy(t);
}

/* Footer hints that don't fit are dropped from the end; keys the prose asks for come first. */
Test(tutor_page, keys_the_prose_names_stay_in_a_narrow_footer)
{
    Tutor *t = open_tutor(8, 4, false);       /* "Then press `o`": the page holds its scene until answered */
    char *frame = lesson_page_render(t, 80, 24, true);
    char footer[512];
    dump_line(frame, 23, footer, sizeof footer);
    cr_assert_null(strstr(footer, " o "), "o waits for the answer: %s", footer);
    free(frame);
    tutor_key(t, '0');
    tutor_key(t, BK_ENTER);
    frame = lesson_page_render(t, 80, 24, true);
    dump_line(frame, 23, footer, sizeof footer);
    cr_assert(strstr(footer, " o "), "o is in the footer once answered: %s", footer);
    free(frame);
    tutor_destroy(t);
}

/* A run that diverged can take no more steps: playing stops, the count stands, Space says why. */
Test(tutor_page, a_diverged_run_stops_playing_and_its_step_count_stands_still)
{
    Tutor *t = open_tutor(10, 3, false);      /* no BN, lr = 10: diverges within a few steps */
    tutor_key(t, ' ');
    for (int i = 0; i < 100 && tutor_playing(t); i++)
        tutor_tick(t, 0.1);
    cr_assert_not(tutor_playing(t), "playing stops by itself");
    long at = tutor_scene_steps(t);
    cr_assert(at > 0 && at < 50, "stopped at step %ld", at);
    tutor_key(t, ' ');
    tutor_tick(t, 1.0);
    tutor_key(t, '.');
    cr_assert_eq(tutor_scene_steps(t), at, "no steps after the divergence");
    cr_assert(strstr(tutor_status(t), "stopped"), "status: %s", tutor_status(t));
    tutor_destroy(t);
}

Test(tutor_page, playing_stops_exactly_at_the_pages_last_step)
{
    Tutor *t = open_tutor(3, 1, false);     /* steps = 1000 */
    for (int i = 0; i < 6; i++)
        tutor_key(t, '+');
    tutor_key(t, ' ');
    for (int i = 0; i < 2000 && tutor_playing(t); i++)
        tutor_tick(t, 0.1);
    cr_assert_not(tutor_playing(t), "the run ends by itself");
    cr_assert_eq(tutor_scene_steps(t), 1000);
    tutor_destroy(t);
}

Test(tutor_page, an_unknown_lesson_or_page_is_refused_naming_what_exists)
{
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = "lessons";
    config.use_progress = false;
    config.lesson = 998;
    BnError err = { 0 };
    cr_assert_null(tutor_create(&config, &err));
    cr_assert_str_eq(err.where, "--lesson");
    cr_assert(strstr(err.message, "998") && strstr(err.message, "0"), "%s", err.message);
    config.lesson = 0;
    config.page = 99;
    error_clear(&err);
    cr_assert_null(tutor_create(&config, &err));
    cr_assert_str_eq(err.where, "--page");
    cr_assert(strstr(err.message, "5 pages"), "%s", err.message);
}

/* ---- golden frames: every page of lesson 0 at 80×24 ---------------------------------------- */

Test(tutor_page, every_page_of_lesson_0_matches_its_golden_frame_at_80x24)
{
    Tutor *t = open_tutor(0, 1, false);
    int pages = tutor_page_count(t);
    cr_assert_geq(pages, 1);
    for (int p = 1; p <= pages; p++) {
        char name[64], *text = lesson_page_render(t, 80, 24, true);
        snprintf(name, sizeof name, "page_0_%d", p);
        golden_check(name, text);
        free(text);
        tutor_key(t, BK_RIGHT);
    }
    tutor_destroy(t);
}

Test(tutor_page, an_answered_checkpoint_page_matches_its_golden_frame_in_ascii)
{
    Tutor *t = open_tutor(0, 3, false);
    tutor_key(t, 'b');                      /* wrong on purpose: the feedback explains */
    tutor_key(t, '4');
    char *text = lesson_page_render(t, 80, 24, false);
    golden_check("page_0_3_answered_ascii", text);
    free(text);
    tutor_destroy(t);
}

/* Lesson 5 page 4: a number question over the gamma-beta scene, whose "1-9" knob waits while digits
 * answer the question. The footer lists only keys that act now; the help says when the knob returns. */
Test(tutor_page, a_knob_whose_keys_answer_the_open_question_leaves_the_footer_until_it_is_answered)
{
    Tutor *t = open_tutor(5, 4, false);
    char *frame = lesson_page_render(t, 200, 40, true);
    char footer[1024];
    dump_line(frame, 39, footer, sizeof footer);
    cr_assert(strstr(footer, "0-9 answer"), "the question's keys lead: %s", footer);
    cr_assert(strstr(footer, "w next BN layer") && strstr(footer, "f next features"),
              "knobs the question leaves alone stay: %s", footer);
    cr_expect(!strstr(footer, "1-9"), "digits answer the question, so 1-9 is not a knob now: %s", footer);
    free(frame);

    tutor_key(t, '?');
    frame = lesson_page_render(t, 200, 40, true);
    cr_expect(strstr(frame, "1-9") && strstr(frame, "(after the question)"),
              "the help still lists the knob, for later:\n%s", frame);
    free(frame);
    tutor_key(t, BK_ESC);

    for (const char *k = "400"; *k; k++)
        tutor_key(t, *k);
    tutor_key(t, BK_ENTER);
    frame = lesson_page_render(t, 200, 40, true);
    dump_line(frame, 39, footer, sizeof footer);
    cr_expect(strstr(footer, "1-9 watch layer"), "answered: the knob is back in the footer: %s", footer);
    cr_expect(!strstr(footer, "0-9 answer"), "%s", footer);
    free(frame);
    tutor_key(t, '2');
    cr_expect_eq(tutor_status(t)[0], '\0', "2 now watches layer 2, with no complaint: %s", tutor_status(t));
    tutor_destroy(t);
}

/* The page wraps its prose and questions when it opens, when the size changes and when an answer
 * changes a question's text: not on a frame, a scroll or a scene key. */
Test(tutor_page, the_text_is_wrapped_on_open_resize_and_answer_not_on_every_key_or_frame)
{
    Tutor *t = open_tutor(7, 3, false);        /* prose, a choice question, a scene with knobs */
    free(lesson_page_render(t, 80, 24, true));
    unsigned long wrapped = text_lines_created();
    tutor_key(t, BK_DOWN);
    tutor_key(t, BK_UP);
    tutor_key(t, 'z');
    tutor_key(t, 'z');
    tutor_key(t, '.');
    for (int i = 0; i < 3; i++)
        free(lesson_page_render(t, 80, 24, true));
    cr_assert_eq(text_lines_created(), wrapped, "%lu texts wrapped again by keys and frames",
                 text_lines_created() - wrapped);
    tutor_key(t, 'b');                          /* an answer: its feedback is new text */
    free(lesson_page_render(t, 80, 24, true));
    cr_assert_gt(text_lines_created(), wrapped, "the answered question is wrapped anew");
    wrapped = text_lines_created();
    free(lesson_page_render(t, 100, 30, true));             /* a new size */
    cr_assert_gt(text_lines_created(), wrapped, "a resize wraps the column at its new width");
    wrapped = text_lines_created();
    free(lesson_page_render(t, 100, 30, false));            /* ASCII spells symbols out: other widths */
    cr_assert_gt(text_lines_created(), wrapped, "a new character set wraps again");
    tutor_destroy(t);
}
