/* The results screen in the tutor: first answers per lesson, a jump to a missed question, the summary after a lesson, the course's score. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/check.h"
#include "support/lesson_page.h"
#include "ui/screen.h"
#include "view/canvas.h"
#include "view/keys.h"

/* Two lessons: the first asks two questions on page 1 and ends on page 2, the second asks none. */
static const char first_lesson[] =
    "lesson 60\n"
    "title Quiz one\n"
    "page Questions\n"
    "checkpoint\n"
    "  question Which is the mean of 1 and 3?\n"
    "  choice a: 2\n"
    "  choice b: 4\n"
    "  answer a\n"
    "end\n"
    "checkpoint\n"
    "  question What is the variance of -1 and 1?\n"
    "  answer 1\n"
    "  tolerance 0.1\n"
    "end\n"
    "page The end\n"
    "text\n"
    "  Done.\n"
    "end\n";
static const char second_lesson[] =
    "lesson 61\n"
    "title Reading only\n"
    "page Words\n"
    "text\n"
    "  Nothing to answer.\n"
    "end\n";

static char dir[64], lessons[128], progress[128];

static void write_lesson(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", lessons, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void make_box(void)
{
    snprintf(dir, sizeof dir, "/tmp/bntutor-results-ui-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(lessons, sizeof lessons, "%s/lessons", dir);
    snprintf(progress, sizeof progress, "%s/progress", dir);
    cr_assert_eq(mkdir(lessons, 0755), 0);
    write_lesson("60-one.lesson", first_lesson);
    write_lesson("61-two.lesson", second_lesson);
}

static void remove_box(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", dir);
}

TestSuite(tutor_results, .init = make_box, .fini = remove_box);

static Tutor *open_tutor(int lesson, int page, bool use_progress, double autoplay)
{
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = lessons;
    config.lesson = lesson;
    config.page = page;
    config.use_progress = use_progress;
    config.progress_path = progress;
    config.autoplay = autoplay;
    return lesson_page_open_with(&config);
}

static char *frame(Tutor *t, int w, int h, bool unicode)
{
    Canvas *c = canvas_create(w, h, unicode ? RASTER_BRAILLE : RASTER_ASCII, unicode);
    tutor_draw(t, c);
    char *text = canvas_dump(c, false);
    canvas_destroy(c);
    return text;
}

/* Question 1 wrong ('b'), question 2 right ('1'). */
static void answer_wrong_then_right(Tutor *t)
{
    tutor_key(t, 'b');
    tutor_key(t, BK_ENTER);
    tutor_key(t, '1');
    tutor_key(t, BK_ENTER);
}

Test(tutor_results, g_shows_each_first_answer_and_the_course_score)
{
    Tutor *t = open_tutor(60, 1, true, 0);
    answer_wrong_then_right(t);
    tutor_key(t, 't');                      /* a retry does not change the first answer */
    tutor_key(t, 'g');
    cr_assert_str_eq(tutor_mode(t), "results");
    char *text = frame(t, 80, 24, false);
    cr_expect(strstr(text, "Results"), "%s", text);
    cr_expect(strstr(text, "The course: 1 of 2 right at the first try, 1 missed."), "%s", text);
    cr_expect(strstr(text, "Lesson 60  Quiz one"), "%s", text);
    cr_expect(strstr(text, "x p1 q1   Which is the mean of 1 and 3?"), "the miss is marked x:\n%s", text);
    cr_expect(strstr(text, "+ p1 q2   What is the variance of -1 and 1?"), "the right one is marked +:\n%s", text);
    cr_expect(strstr(text, "First answer: b (wrong, "), "the selection starts on the miss:\n%s", text);
    cr_expect_null(strstr(text, "Lesson 61"), "a lesson without questions has no rows:\n%s", text);
    free(text);
    text = frame(t, 200, 60, true);
    cr_expect(strstr(text, "\xE2\x9C\x97 p1 q1"), "unicode marks: %s", text);
    free(text);
    tutor_key(t, BK_ESC);
    cr_expect_str_eq(tutor_mode(t), "page", "Esc goes back to the page");
    cr_expect_eq(tutor_page(t), 1);
    tutor_destroy(t);
}

Test(tutor_results, enter_on_a_missed_question_opens_its_page)
{
    Tutor *t = open_tutor(60, 2, true, 0);
    tutor_destroy(t);
    t = open_tutor(60, 1, true, 0);
    answer_wrong_then_right(t);
    tutor_key(t, BK_RIGHT);                 /* on to page 2 */
    cr_assert_eq(tutor_page(t), 2);
    tutor_key(t, 'g');
    tutor_key(t, BK_DOWN);                  /* the right one */
    tutor_key(t, BK_TAB);                   /* back to the missed one */
    char *text = frame(t, 80, 24, false);
    cr_expect(strstr(text, "First answer: b (wrong"), "Tab selects the miss:\n%s", text);
    free(text);
    tutor_key(t, BK_ENTER);
    cr_expect_str_eq(tutor_mode(t), "page");
    cr_expect_eq(tutor_lesson_number(t), 60);
    cr_expect_eq(tutor_page(t), 1, "Enter opens the page of the missed question");
    tutor_key(t, 'a');                      /* right this time: the first answer stays wrong */
    tutor_key(t, 'g');
    text = frame(t, 80, 24, false);
    cr_expect(strstr(text, "The course: 1 of 2 right at the first try, 1 missed."), "%s", text);
    cr_expect(strstr(text, "right later"), "the later right answer is noted:\n%s", text);
    free(text);
    tutor_destroy(t);
}

Test(tutor_results, a_lesson_with_questions_ends_on_its_summary_and_the_course_on_its_results)
{
    Tutor *t = open_tutor(60, 1, true, 0);
    answer_wrong_then_right(t);
    tutor_key(t, BK_RIGHT);
    tutor_key(t, BK_RIGHT);                 /* past the last page of lesson 60 */
    cr_assert_str_eq(tutor_mode(t), "results", "the lesson ends on its summary");
    char *text = frame(t, 80, 24, false);
    cr_expect(strstr(text, "End of lesson 60: 1 of 2 right at the first try, 1 missed."), "%s", text);
    cr_expect(strstr(text, "-> next lesson"), "the footer says how to go on:\n%s", text);
    free(text);
    tutor_key(t, BK_RIGHT);
    cr_expect_str_eq(tutor_mode(t), "page");
    cr_expect_eq(tutor_lesson_number(t), 61, "Right goes on to the next lesson");
    tutor_key(t, BK_RIGHT);                 /* past the last page of the last lesson */
    cr_assert_str_eq(tutor_mode(t), "results", "the course ends on its results, questions or not");
    text = frame(t, 80, 24, false);
    cr_expect(strstr(text, "That was the last page of the last lesson."), "%s", text);
    cr_expect(strstr(text, "The course: 1 of 2 right at the first try, 1 missed."), "%s", text);
    cr_expect_null(strstr(text, "Well done"), "no praise whatever the answers:\n%s", text);
    free(text);
    tutor_key(t, BK_LEFT);
    cr_expect_str_eq(tutor_mode(t), "page", "Left goes back to the last page");
    cr_expect_eq(tutor_lesson_number(t), 61);
    tutor_destroy(t);
}

Test(tutor_results, a_booth_and_a_session_without_progress_go_straight_on)
{
    Tutor *t = open_tutor(60, 2, true, 5.0);
    tutor_key(t, BK_AUTOPLAY);
    cr_expect_str_eq(tutor_mode(t), "page", "--autoplay turns pages without stopping on a summary");
    cr_expect_eq(tutor_lesson_number(t), 61);
    tutor_destroy(t);
    t = open_tutor(60, 2, false, 0);
    tutor_key(t, BK_RIGHT);
    cr_expect_str_eq(tutor_mode(t), "page", "nothing to sum up without progress");
    cr_expect_eq(tutor_lesson_number(t), 61);
    tutor_key(t, 'g');
    char *text = frame(t, 80, 24, false);
    cr_expect(strstr(text, "Progress is not kept in this session"), "%s", text);
    free(text);
    tutor_destroy(t);
}

Test(tutor_results, the_help_lists_the_results_keys_and_the_page_help_names_g)
{
    Tutor *t = open_tutor(60, 1, true, 0);
    tutor_key(t, '?');
    char *text = frame(t, 100, 30, false);
    cr_expect(strstr(text, "your results"), "the page's help names g:\n%s", text);
    free(text);
    tutor_key(t, BK_ESC);
    tutor_key(t, 'g');
    tutor_key(t, '?');
    cr_assert_str_eq(tutor_mode(t), "help");
    text = frame(t, 100, 30, false);
    cr_expect(strstr(text, "next missed question") && strstr(text, "missed at first try"), "%s", text);
    free(text);
    tutor_key(t, BK_ESC);
    cr_expect_str_eq(tutor_mode(t), "results");
    tutor_key(t, 'm');
    tutor_key(t, 'g');
    cr_expect_str_eq(tutor_mode(t), "results", "g works from the menu too");
    tutor_destroy(t);
}
