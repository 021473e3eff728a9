/* Checkpoints in the tutor: choice letters, typing a number, grading fixed and live answers, feedback, progress. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "support/check.h"
#include "lesson/lesson.h"
#include "lesson/progress.h"
#include "scene/scene.h"
#include "ui/checkpoint.h"
#include "ui/record.h"
#include "ui/tutor.h"
#include "view/canvas.h"
#include "view/keys.h"

static const char quiz[] =
    "lesson 42\n"
    "title Quiz\n"
    "page Questions\n"
    "text\n"
    "  Answer these.\n"
    "end\n"
    "checkpoint\n"
    "  question Which is the mean of 1 and 3?\n"
    "  choice a: 2\n"
    "  choice b: 4\n"
    "  answer a\n"
    "  explain b: 4 is the sum.\n"
    "  explain Add, then divide by the count.\n"
    "end\n"
    "checkpoint\n"
    "  question What is the variance of -1 and 1?\n"
    "  answer 1\n"
    "  tolerance 0.1\n"
    "  explain Each is 1 away from the mean 0.\n"
    "end\n"
    "checkpoint\n"
    "  question Yes or no?\n"
    "  choice yes: yes\n"
    "  choice no: no\n"
    "  choice nope: never\n"
    "  answer yes\n"
    "end\n";

static Lesson *quiz_lesson(void)
{
    Lesson *l = lesson_parse(quiz, sizeof quiz - 1, "quiz.lesson");
    if (lesson_is_broken(l)) {
        char buf[512];
        cr_assert(false, "quiz lesson broken: %s", lesson_problem_format(l, &l->problems[0], buf, sizeof buf));
    }
    return l;
}

static void type(CheckState *s, const char *keys)
{
    for (const char *k = keys; *k; k++)
        check_key(s, *k, NULL, true);
}

Test(tutor_checkpoint, a_choice_letter_answers_and_a_wrong_pick_names_the_right_one_and_explains)
{
    Lesson *l = quiz_lesson();
    CheckState s;
    check_begin(&s, &l->pages[0].checkpoints[0]);
    cr_assert_eq(check_key(&s, 'x', NULL, true), CHECK_KEY_UNUSED, "not a choice: the page gets it");
    cr_assert_eq(check_key(&s, 'B', NULL, true), CHECK_KEY_ANSWERED, "letters in any case");
    cr_assert_eq(s.status, CHECK_WRONG);
    cr_assert(strstr(s.feedback, "a) 2"), "names the right answer: %s", s.feedback);
    cr_assert(strstr(s.feedback, "4 is the sum"), "explains the pick: %s", s.feedback);
    cr_assert(strstr(s.feedback, "divide by the count"), "general explanation: %s", s.feedback);
    cr_assert_eq(check_key(&s, 'a', NULL, true), CHECK_KEY_UNUSED, "answered: no second try on this visit");
    check_begin(&s, &l->pages[0].checkpoints[0]);
    check_key(&s, 'a', NULL, true);
    cr_assert_eq(s.status, CHECK_RIGHT);
    lesson_destroy(l);
}

Test(tutor_checkpoint, choices_with_word_keys_get_a_distinct_letter_each)
{
    Lesson *l = quiz_lesson();
    const LessonCheckpoint *cp = &l->pages[0].checkpoints[2];
    uint32_t a = check_choice_letter(cp, 0), b = check_choice_letter(cp, 1), c = check_choice_letter(cp, 2);
    cr_assert_eq(a, 'y', "'yes' starts with a letter no other choice uses");
    cr_assert(b != c && b != a && c != a, "letters %c %c %c", a, b, c);
    CheckState s;
    check_begin(&s, cp);
    check_key(&s, (int)a, NULL, true);
    cr_assert_eq(s.status, CHECK_RIGHT);
    lesson_destroy(l);
}

Test(tutor_checkpoint, a_number_is_typed_edited_and_graded_within_the_tolerance)
{
    Lesson *l = quiz_lesson();
    const LessonCheckpoint *cp = &l->pages[0].checkpoints[1];
    CheckState s;
    check_begin(&s, cp);
    cr_assert_eq(check_key(&s, BK_ENTER, NULL, true), CHECK_KEY_USED, "Enter on nothing is not an answer");
    cr_assert_eq(s.status, CHECK_OPEN);
    type(&s, "-9");
    cr_assert_str_eq(s.input, "-9");
    check_key(&s, BK_BACKSPACE, NULL, true);
    check_key(&s, BK_BACKSPACE, NULL, true);
    type(&s, "1.-.05");                     /* a late minus and a second point are refused */
    cr_assert_str_eq(s.input, "1.05");
    cr_assert_eq(check_key(&s, 'a', NULL, true), CHECK_KEY_UNUSED, "letters are not typed into numbers");
    cr_assert_eq(check_key(&s, BK_ENTER, NULL, true), CHECK_KEY_ANSWERED);
    cr_assert_eq(s.status, CHECK_RIGHT, "1.05 is within 0.1 of 1: %s", s.feedback);

    check_begin(&s, cp);
    type(&s, "2");
    check_key(&s, BK_ENTER, NULL, true);
    cr_assert_eq(s.status, CHECK_WRONG);
    cr_assert(strstr(s.feedback, "the answer is 1"), "%s", s.feedback);
    cr_assert(strstr(s.feedback, "you said 2"), "%s", s.feedback);
    cr_assert(strstr(s.feedback, "mean 0"), "explain text follows: %s", s.feedback);

    check_begin(&s, cp);
    type(&s, "-");
    check_key(&s, BK_ENTER, NULL, true);
    cr_assert_eq(s.status, CHECK_OPEN, "a lone minus is not a number");
    cr_assert(s.bad_input);
    lesson_destroy(l);
}

/* A live checkpoint on the running-statistics scene: the right value is read when the learner answers. */
static const char live_lesson[] =
    "lesson 43\n"
    "title Live\n"
    "page Running mean\n"
    "scene running-stats\n"
    "  features = 2\n"
    "text\n"
    "  Watch it.\n"
    "end\n"
    "checkpoint\n"
    "  question What is the running mean of feature 0 now?\n"
    "  answer scene:running_mean[0]\n"
    "  tolerance 0.001\n"
    "  explain new = 0.9 old + 0.1 batch.\n"
    "end\n";

Test(tutor_checkpoint, a_live_answer_is_graded_against_the_scene_at_answer_time_and_shown)
{
    Lesson *l = lesson_parse(live_lesson, sizeof live_lesson - 1, "live.lesson");
    cr_assert(!lesson_is_broken(l), "%s", l->problem_count ? l->problems[0].message : "");
    BnError err = { 0 };
    Scene *scene = scene_create(&l->pages[0], 1, &err);
    cr_assert_not_null(scene, "%s", err.message);
    scene_step(scene, 3);
    double value;
    int index[2] = { 0, 0 };
    if (!scene_live(scene, "running_mean", index, &value)) {
        scene_destroy(scene);
        lesson_destroy(l);
        cr_skip_test("the running-stats scene does not publish running_mean yet");
    }
    CheckState s;
    check_begin(&s, &l->pages[0].checkpoints[0]);
    check_answer_number(&s, value, scene, true);
    cr_assert_eq(s.status, CHECK_RIGHT, "%s", s.feedback);
    cr_assert(!strstr(s.feedback, "running_mean"), "no internal names in what learners read: %s", s.feedback);
    cr_assert(strstr(s.feedback, "on screen now it is"), "says where the value is: %s", s.feedback);
    cr_assert(strstr(s.feedback, "0.9 old"), "explain text: %s", s.feedback);
    check_begin(&s, &l->pages[0].checkpoints[0]);
    check_answer_number(&s, value + 1.0, scene, true);
    cr_assert_eq(s.status, CHECK_WRONG);
    char shown[64];
    snprintf(shown, sizeof shown, "%.2f", value);
    cr_assert(strstr(s.feedback, "on screen now it is"), "shows the value now: %s", s.feedback);
    scene_destroy(scene);

    /* Without a scene the live value is unknown: shown as ungraded, never a crash. */
    check_begin(&s, &l->pages[0].checkpoints[0]);
    check_answer_number(&s, 1.0, NULL, true);
    cr_assert_eq(s.status, CHECK_UNGRADED);
    lesson_destroy(l);
}

Test(tutor_checkpoint, in_the_tutor_letters_go_to_the_question_first_and_results_reach_progress)
{
    char dir[] = "/tmp/bntutor-test-check.XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char lessons[300], path[400], progress_path[400];
    snprintf(lessons, sizeof lessons, "%s/lessons", dir);
    cr_assert_eq(mkdir(lessons, 0755), 0);
    snprintf(path, sizeof path, "%s/42-quiz.lesson", lessons);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(quiz, f);
    fclose(f);
    snprintf(progress_path, sizeof progress_path, "%s/progress", dir);

    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = lessons;
    config.progress_path = progress_path;
    BnError err = { 0 };
    Tutor *t = tutor_create(&config, &err);
    cr_assert_not_null(t, "%s", err.message);
    tutor_key(t, 'b');                      /* wrong choice */
    tutor_key(t, '1');                      /* ignored: the feedback shows until Enter */
    tutor_key(t, BK_ENTER);                 /* the number question opens */
    tutor_key(t, '1');
    tutor_key(t, BK_ENTER);                 /* right */
    tutor_key(t, 'y');                      /* held: no question takes it yet */
    tutor_key(t, BK_ENTER);
    tutor_key(t, 'y');
    cr_assert_eq(tutor_page(t), 1);
    cr_assert_eq(tutor_key(t, 'q'), APP_QUIT, "answered: q quits again");
    tutor_destroy(t);

    Progress *p = progress_load(progress_path, &err);
    const ProgressCheck *c1 = progress_check(p, 42, 1, 1), *c2 = progress_check(p, 42, 1, 2),
                        *c3 = progress_check(p, 42, 1, 3);
    cr_assert(c1 && !c1->correct, "first answer recorded as wrong");
    cr_assert(c2 && c2->correct, "second answer recorded as right");
    cr_assert(c3 && c3->correct, "third answer recorded as right");
    progress_destroy(p);
    unlink(progress_path);
    unlink(path);
    rmdir(lessons);
    rmdir(dir);
}

Test(tutor_checkpoint, a_hint_is_shadowed_only_when_the_question_takes_every_key_it_names)
{
    Lesson *l = quiz_lesson();
    CheckState s;
    check_begin(&s, &l->pages[0].checkpoints[1]);      /* a number question */
    cr_expect(check_shadows_hint(&s, "1-9"), "digits answer the number question");
    cr_expect(check_shadows_hint(&s, "0-9/."), "a list of ranges and keys");
    cr_expect(check_shadows_hint(&s, "."), "the decimal point");
    cr_expect(!check_shadows_hint(&s, "a-c"), "letters are not taken");
    cr_expect(!check_shadows_hint(&s, "1-9/f"), "f still works, so the hint stays");
    cr_expect(!check_shadows_hint(&s, "+/-"), "+ is not taken");
    cr_expect(!check_shadows_hint(&s, "Enter"), "a key name is not a list of keys");
    cr_expect(!check_shadows_hint(&s, "\xE2\x86\x90/\xE2\x86\x92"), "arrows are no characters the question types");
    cr_expect(!check_shadows_hint(&s, ""), "an empty hint names nothing");
    type(&s, "1");
    check_key(&s, BK_ENTER, NULL, true);
    cr_expect(!check_shadows_hint(&s, "1-9"), "answered: the question takes no keys");

    check_begin(&s, &l->pages[0].checkpoints[0]);      /* choices a and b */
    cr_expect(check_shadows_hint(&s, "a/b"));
    cr_expect(check_shadows_hint(&s, "b"));
    cr_expect(!check_shadows_hint(&s, "a-c"), "c is no choice here");
    cr_expect(!check_shadows_hint(&s, "1-9"));
    lesson_destroy(l);
}

/* ---- retries, and scenes that wait for the answer ---- */

Test(tutor_checkpoint, a_wrong_answer_can_be_tried_again_and_the_first_verdict_is_kept)
{
    Lesson *l = quiz_lesson();
    CheckState s;
    check_begin(&s, &l->pages[0].checkpoints[0]);
    cr_assert_not(check_can_retry(&s), "nothing to retry before an answer");
    check_key(&s, 'b', NULL, true);
    cr_assert_eq(s.status, CHECK_WRONG);
    cr_assert(check_can_retry(&s), "a wrong answer may be tried again");
    char buf[4096];
    check_question_markup(&s, 1, true, buf, sizeof buf);
    cr_assert(strstr(buf, "Press `t` to try again"), "the feedback offers the retry: %s", buf);
    check_retry(&s);
    cr_assert_eq(s.status, CHECK_OPEN);
    check_question_markup(&s, 1, true, buf, sizeof buf);
    cr_assert(strstr(buf, "**a)** 2") && !strstr(buf, "Not quite"), "the question is open again: %s", buf);
    cr_assert_eq(check_key(&s, 'a', NULL, true), CHECK_KEY_ANSWERED);
    cr_assert_eq(s.status, CHECK_RIGHT);
    cr_assert_eq(s.first, CHECK_WRONG, "the first verdict stays");
    cr_assert_eq(s.tries, 2);
    cr_assert_not(check_can_retry(&s), "a right answer is not retried");
    check_question_markup(&s, 1, true, buf, sizeof buf);
    cr_assert(strstr(buf, "Try 2: the score keeps your first answer"), "%s", buf);

    check_begin(&s, &l->pages[0].checkpoints[1]);      /* a number: the field starts empty again */
    type(&s, "7");
    check_key(&s, BK_ENTER, NULL, true);
    cr_assert_eq(s.status, CHECK_WRONG);
    check_retry(&s);
    cr_assert_eq(s.len, 0);
    type(&s, "1");
    check_key(&s, BK_ENTER, NULL, true);
    cr_assert_eq(s.status, CHECK_RIGHT);
    lesson_destroy(l);
}

/* A lesson in its own folder, the tutor opened on it with progress in the same folder. */
typedef struct Sandbox {
    char dir[64], lessons[128], path[192], progress[192];
} Sandbox;

static Tutor *open_sandbox(Sandbox *box, const char *text)
{
    snprintf(box->dir, sizeof box->dir, "/tmp/bntutor-test-check.XXXXXX");
    cr_assert_not_null(mkdtemp(box->dir));
    snprintf(box->lessons, sizeof box->lessons, "%s/lessons", box->dir);
    cr_assert_eq(mkdir(box->lessons, 0755), 0);
    snprintf(box->path, sizeof box->path, "%s/50-wait.lesson", box->lessons);
    FILE *f = fopen(box->path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
    snprintf(box->progress, sizeof box->progress, "%s/progress", box->dir);
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = box->lessons;
    config.progress_path = box->progress;
    BnError err = { 0 };
    Tutor *t = tutor_create(&config, &err);
    cr_assert_not_null(t, "%s", err.message);
    return t;
}

static void close_sandbox(Sandbox *box, Tutor *t)
{
    tutor_destroy(t);
    unlink(box->progress);
    unlink(box->path);
    rmdir(box->lessons);
    rmdir(box->dir);
}

static char *render_tutor(Tutor *t)
{
    Canvas *c = canvas_create(100, 30, RASTER_BRAILLE, true);
    tutor_draw(t, c);
    char *text = canvas_dump(c, false);
    canvas_destroy(c);
    return text;
}

Test(tutor_checkpoint, in_the_tutor_t_retries_a_wrong_answer_and_progress_keeps_the_first)
{
    Sandbox box;
    Tutor *t = open_sandbox(&box, quiz);
    tutor_key(t, 'b');                      /* wrong */
    tutor_key(t, 't');                      /* try again */
    tutor_key(t, 'a');                      /* right this time */
    tutor_key(t, 't');                      /* a right answer: t does nothing to it */
    char *frame = render_tutor(t);
    cr_assert(strstr(frame, "Right") && strstr(frame, "Try 2"), "%s", frame);
    free(frame);
    close_sandbox(&box, t);
}

Test(tutor_checkpoint, the_score_keeps_the_first_try)
{
    Sandbox box;
    Tutor *t = open_sandbox(&box, quiz);
    tutor_key(t, 'b');
    tutor_key(t, 't');
    tutor_key(t, 'a');
    tutor_destroy(t);
    BnError err = { 0 };
    Progress *p = progress_load(box.progress, &err);
    const ProgressCheck *c1 = progress_check(p, 42, 1, 1);
    cr_assert(c1 && !c1->correct, "the first answer (wrong) is the score, not the retry");
    cr_assert(!c1->first_correct, "the first answer is kept as wrong");
    cr_assert_str_eq(c1->first_answer, "b", "the first answer is the choice picked first");
    long long now = (long long)time(NULL);
    cr_assert(c1->first_time > now - 600 && c1->first_time <= now, "answered now, not at %lld", c1->first_time);
    progress_destroy(p);
    unlink(box.progress);
    unlink(box.path);
    rmdir(box.lessons);
    rmdir(box.dir);
}

static const char waiting[] =
    "lesson 50\n"
    "title Waiting scenes\n"
    "page Autoplay waits\n"
    "scene running-stats\n"
    "  autoplay = yes\n"
    "reveal after-answer\n"
    "text\n"
    "  Predict first.\n"
    "end\n"
    "checkpoint\n"
    "  question Which is faster?\n"
    "  choice a: alpha = 0.1\n"
    "  choice b: alpha = 0.01\n"
    "  answer a\n"
    "end\n"
    "page Held back\n"
    "scene running-stats\n"
    "reveal after-answer\n"
    "text\n"
    "  Predict first.\n"
    "end\n"
    "checkpoint\n"
    "  question Which is faster?\n"
    "  choice a: alpha = 0.1\n"
    "  choice b: alpha = 0.01\n"
    "  answer a\n"
    "end\n"
    "page Hidden\n"
    "scene running-stats\n"
    "reveal hidden\n"
    "text\n"
    "  Predict first.\n"
    "end\n"
    "checkpoint\n"
    "  question What is 2 + 2?\n"
    "  answer 4\n"
    "end\n"
    "page A question the scene does not answer\n"
    "scene running-stats\n"
    "  autoplay = yes\n"
    "text\n"
    "  Watch it run.\n"
    "end\n"
    "checkpoint\n"
    "  question What is 2 + 3?\n"
    "  answer 5\n"
    "end\n";

Test(tutor_checkpoint, an_autoplaying_page_that_reveals_after_the_answer_plays_only_once_it_is_answered)
{
    Sandbox box;
    Tutor *t = open_sandbox(&box, waiting);
    cr_assert_eq(tutor_page(t), 1);
    cr_assert_not(tutor_playing(t), "the scene does not play before the question is answered");
    tutor_tick(t, 1.0);
    cr_assert_eq(tutor_scene_steps(t), 0, "no steps before the answer");
    tutor_key(t, 'a');                      /* the answer, though 'a' is also the scene's alpha knob */
    char *frame = render_tutor(t);
    cr_assert(strstr(frame, "Right"), "a answered the question:\n%s", frame);
    free(frame);
    cr_assert(tutor_playing(t), "answered: the page's autoplay starts");
    for (int i = 0; i < 3; i++)
        tutor_key(t, BK_RIGHT);
    cr_assert_eq(tutor_page(t), 4);
    cr_assert(tutor_playing(t), "without 'reveal' the question does not hold the scene back");
    close_sandbox(&box, t);
}

Test(tutor_checkpoint, reveal_after_answer_refuses_play_step_and_knobs_with_a_hint_until_answered)
{
    Sandbox box;
    Tutor *t = open_sandbox(&box, waiting);
    tutor_key(t, BK_RIGHT);
    cr_assert_eq(tutor_page(t), 2);
    char *frame = render_tutor(t);
    cr_assert_not(strstr(frame, "space play"), "no play hint while the scene waits:\n%s", frame);
    free(frame);
    static const int refused[] = { ' ', '.', 'f', 'c' };    /* play, step, next feature, convention */
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        tutor_key(t, refused[i]);
        cr_assert(strstr(tutor_status(t), "waits for your answer"), "key '%c': status '%s'", refused[i],
                  tutor_status(t));
    }
    cr_assert_not(tutor_playing(t));
    cr_assert_eq(tutor_scene_steps(t), 0, "the scene stays as it opened");
    tutor_key(t, 'b');                      /* wrong, but answered: the scene is free */
    tutor_key(t, '.');
    cr_assert_eq(tutor_scene_steps(t), 1, "status '%s'", tutor_status(t));
    tutor_key(t, 't');                      /* a retry does not hold the scene back again */
    tutor_key(t, '.');
    cr_assert_eq(tutor_scene_steps(t), 2, "status '%s'", tutor_status(t));
    close_sandbox(&box, t);
}

Test(tutor_checkpoint, reveal_hidden_draws_no_scene_until_the_question_is_answered)
{
    Sandbox box;
    Tutor *t = open_sandbox(&box, waiting);
    tutor_key(t, BK_RIGHT);
    tutor_key(t, BK_RIGHT);
    cr_assert_eq(tutor_page(t), 3);
    char *frame = render_tutor(t);
    cr_assert(strstr(frame, "It appears once you have answered the question."), "%s", frame);
    cr_assert_not(strstr(frame, "pop"), "the scene's chart is not drawn:\n%s", frame);
    free(frame);
    tutor_key(t, '4');
    tutor_key(t, BK_ENTER);
    frame = render_tutor(t);
    cr_assert_not(strstr(frame, "It appears once"), "%s", frame);
    cr_assert(strstr(frame, "pop"), "the scene is drawn once answered:\n%s", frame);
    free(frame);
    close_sandbox(&box, t);
}

/* A session that must leave the learner's progress as it found it: a booth (--autoplay) or a replay. */
static void run_session_and_expect_progress_untouched(bool replay)
{
    char dir[] = "/tmp/bntutor-test-readonly.XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char lessons[300], path[400], progress_path[400];
    snprintf(lessons, sizeof lessons, "%s/lessons", dir);
    cr_assert_eq(mkdir(lessons, 0755), 0);
    snprintf(path, sizeof path, "%s/42-quiz.lesson", lessons);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(quiz, f);
    fclose(f);
    snprintf(progress_path, sizeof progress_path, "%s/progress", dir);
    static const char before[] = "bntutor-progress 1\nposition 7 2\nlesson 7 2 open\ncheck 42 1 1 right\n";
    f = fopen(progress_path, "w");
    cr_assert_not_null(f);
    fputs(before, f);
    fclose(f);

    static const char rec_text[] = "bntutor-record 1\nversion 0\nseed 1\nstart 42 1\nkey 0.1 b\nkey 0.2 ENTER\n"
                                   "key 0.3 1\nkey 0.4 ENTER\nkey 0.5 ENTER\nkey 0.6 y\nkey 0.7 n\n";
    BnError err = { 0 };
    Record *rec = replay ? record_parse(rec_text, strlen(rec_text), "s.rec", NULL, &err) : NULL;
    cr_assert(!replay || rec, "%s", err.message);
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = lessons;
    config.progress_path = progress_path;
    config.lesson = 42;
    config.page = 1;
    if (replay)
        config.replay = rec;
    else
        config.autoplay = 5.0;
    Tutor *t = tutor_create(&config, &err);
    cr_assert_not_null(t, "%s", err.message);
    if (replay) {
        tutor_tick(t, 1.0);
    } else {
        tutor_key(t, 'b');                  /* a visitor at the booth answers wrong, then on */
        tutor_key(t, BK_ENTER);
        tutor_key(t, '1');
        tutor_key(t, BK_ENTER);
        tutor_key(t, BK_ENTER);
        tutor_key(t, 'y');
        tutor_key(t, 'n');                  /* past the lesson's last page: it would be marked done */
        tutor_key(t, BK_AUTOPLAY);
    }
    tutor_destroy(t);
    record_destroy(rec);
    char *after = check_read_file(progress_path, NULL);
    cr_assert_not_null(after);
    cr_assert_str_eq(after, before, "%s changed the learner's progress", replay ? "a replay" : "--autoplay");
    free(after);
    unlink(progress_path);
    unlink(path);
    rmdir(lessons);
    rmdir(dir);
}

Test(tutor_checkpoint, a_booth_session_never_changes_answers_done_marks_or_the_position)
{
    run_session_and_expect_progress_untouched(false);
}

Test(tutor_checkpoint, a_replay_never_changes_answers_done_marks_or_the_position)
{
    run_session_and_expect_progress_untouched(true);
}
