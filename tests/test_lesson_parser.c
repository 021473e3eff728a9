/* Tests of the lesson parser and the scene catalogue: the model of a good lesson, every kind of broken
 * lesson reported at its line, and robustness on random and truncated input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/catalog.h"
#include "lesson/lesson.h"
#include "support/check.h"
#include "util/pcg32.h"
#include "view/text.h"

static const char good_text[] =
    "# A test lesson\n"                                 /* 1 */
    "lesson 4\n"                                        /* 2 */
    "title Inside a \\gamma layer\n"                    /* 3 */
    "summary One pass, stage by stage.\n"               /* 4 */
    "\n"                                                /* 5 */
    "page Activations arrive\n"                         /* 6 */
    "scene bn-stages\n"                                 /* 7 */
    "  batch = 8\n"                                     /* 8 */
    "  stage = normalize   # start here\n"              /* 9 */
    "  gamma = 1, 2.5 ,3\n"                             /* 10 */
    "  autoplay = yes\n"                                /* 11 */
    "text\n"                                            /* 12 */
    "    A batch of **8** arrives.\n"                   /* 13 */
    "\n"                                                /* 14 */
    "      Indented `code \\x`.\n"                      /* 15 */
    "    \\end\n"                                       /* 16 */
    "end\n"                                             /* 17 */
    "checkpoint\n"                                      /* 18 */
    "  question What is the mean\n"                     /* 19 */
    "  question after normalizing?\n"                   /* 20 */
    "  choice a: about 0\n"                             /* 21 */
    "  choice B) about 1\n"                             /* 22 */
    "  answer b\n"                                      /* 23 */
    "  explain a: Not quite.\n"                         /* 24 */
    "  explain Note: the mean is subtracted.\n"         /* 25 */
    "end\n"                                             /* 26 */
    "checkpoint\n"                                      /* 27 */
    "  question Running mean of feature 2?\n"           /* 28 */
    "  answer = scene:running_mean[2]\n"                /* 29 */
    "  tolerance 5%\n"                                  /* 30 */
    "end\n"                                             /* 31 */
    "\n"                                                /* 32 */
    "page Just words\n"                                 /* 33 */
    "text\n"                                            /* 34 */
    "Hello.\n"                                          /* 35 */
    "end\n"                                             /* 36 */
    "text\n"                                            /* 37 */
    "Again.\n"                                          /* 38 */
    "end\n"                                             /* 39 */
    "checkpoint What is 1 + 1?\n"                       /* 40 */
    "  answer 2\n"                                      /* 41 */
    "  tolerance 0\n"                                   /* 42 */
    "end\n";                                            /* 43 */

static Lesson *parse_string(const char *text)
{
    return lesson_parse(text, strlen(text), "t.lesson");
}

/* All problems as one string, for failure messages. */
static char *problems_text(const Lesson *lesson)
{
    static char buf[8192];
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < lesson->problem_count && used < sizeof buf - 1; i++) {
        char line[1200];
        int n = snprintf(buf + used, sizeof buf - used, "  %s\n",
                         lesson_problem_format(lesson, &lesson->problems[i], line, sizeof line));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

Test(lesson_parser, a_good_lesson_has_no_problems_and_the_expected_header)
{
    Lesson *l = parse_string(good_text);
    cr_assert_eq(l->problem_count, 0, "problems:\n%s", problems_text(l));
    cr_assert_not(lesson_is_broken(l));
    cr_assert_eq(l->number, 4);
    cr_assert_eq(l->number_line, 2);
    cr_assert_str_eq(l->title, "Inside a \\gamma layer");
    cr_assert_str_eq(l->summary, "One pass, stage by stage.");
    cr_assert_eq(l->page_count, 2);
    cr_assert_str_eq(l->pages[0].title, "Activations arrive");
    cr_assert_eq(l->pages[0].line, 6);
    cr_assert_str_eq(l->pages[1].title, "Just words");
    lesson_destroy(l);
}

Test(lesson_parser, a_pages_scene_has_every_setting_with_file_values_or_defaults)
{
    Lesson *l = parse_string(good_text);
    const LessonPage *page = &l->pages[0];
    cr_assert_str_eq(page->scene->name, "bn-stages");
    cr_assert_eq(page->setting_count, page->scene->setting_count);
    cr_assert_eq(lesson_page_int(page, "batch"), 8);
    cr_assert_eq(lesson_page_setting(page, "batch")->line, 8);
    cr_assert_str_eq(lesson_page_enum(page, "stage"), "normalize", "the trailing comment is not part of the value");
    cr_assert(lesson_page_bool(page, "autoplay"));
    const double *items;
    int n = lesson_page_list(page, "gamma", &items);
    cr_assert_eq(n, 3);
    check_close(items[1], 2.5, 0, 0, "gamma item 2");
    /* Not in the file: the catalogue's defaults. */
    check_close(lesson_page_real(page, "eps"), 1e-5, 1e-12, 0, "default eps");
    cr_assert_eq(lesson_page_setting(page, "eps")->line, 0);
    cr_assert_str_eq(lesson_page_enum(page, "convention"), "pytorch");
    cr_assert_null(lesson_page_setting(page, "hidden"), "bn-stages has no 'hidden'");
    cr_assert_eq(lesson_page_int(page, "hidden"), 0);
    /* A page without a scene line shows the prose-only scene. */
    cr_assert_eq(l->pages[1].scene, catalog_scene_none());
    cr_assert_eq(l->pages[1].setting_count, 0);
    lesson_destroy(l);
}

Test(lesson_parser, prose_loses_common_indentation_and_keeps_paragraphs_and_markup)
{
    Lesson *l = parse_string(good_text);
    cr_assert_str_eq(l->pages[0].text, "A batch of **8** arrives.\n\n  Indented `code \\x`.\nend");
    cr_assert_str_eq(l->pages[1].text, "Hello.\n\nAgain.", "two text blocks are two paragraphs");
    lesson_destroy(l);
}

Test(lesson_parser, checkpoints_keep_choices_answers_explanations_and_live_values)
{
    Lesson *l = parse_string(good_text);
    const LessonPage *page = &l->pages[0];
    cr_assert_eq(page->checkpoint_count, 2);
    const LessonCheckpoint *c = &page->checkpoints[0];
    cr_assert_eq(c->kind, CHECKPOINT_CHOICE);
    cr_assert_eq(c->line, 18);
    cr_assert_str_eq(c->question, "What is the mean after normalizing?");
    cr_assert_eq(c->choice_count, 2);
    cr_assert_str_eq(c->choices[0].key, "a");
    cr_assert_str_eq(c->choices[1].key, "B");
    cr_assert_str_eq(c->choices[1].text, "about 1");
    cr_assert_eq(c->answer, 1, "answer keys match without regard to case");
    cr_assert_str_eq(c->choices[0].explain, "Not quite.");
    cr_assert_null(c->choices[1].explain);
    cr_assert_str_eq(c->explain, "Note: the mean is subtracted.", "'Note:' is not a choice key");
    cr_assert_eq(lesson_checkpoint_choice(c, "b"), 1);
    cr_assert_eq(lesson_checkpoint_choice(c, "z"), -1);

    const LessonCheckpoint *live = &page->checkpoints[1];
    cr_assert_eq(live->kind, CHECKPOINT_NUMBER);
    cr_assert(live->live);
    cr_assert_str_eq(live->live_value->name, "running_mean");
    cr_assert_eq(live->index[0], 2);
    cr_assert(live->relative);
    check_close(live->tolerance, 0.05, 1e-12, 0, "5%% tolerance");

    const LessonCheckpoint *fixed = &l->pages[1].checkpoints[0];
    cr_assert_str_eq(fixed->question, "What is 1 + 1?", "text on the checkpoint line is the question");
    cr_assert_not(fixed->live);
    check_close(fixed->value, 2.0, 0, 0, "fixed answer");
    cr_assert_not(fixed->relative);
    cr_assert_eq(fixed->tolerance, 0.0);
    lesson_destroy(l);
}

Test(lesson_parser, number_answers_are_judged_within_their_tolerance)
{
    LessonCheckpoint c = { .kind = CHECKPOINT_NUMBER, .tolerance = 0.05, .relative = true };
    cr_assert(lesson_checkpoint_accepts(&c, 2.0, 2.09));
    cr_assert_not(lesson_checkpoint_accepts(&c, 2.0, 2.11));
    cr_assert(lesson_checkpoint_accepts(&c, 0.0, 0.04), "relative to 1 when the right value is 0");
    cr_assert_not(lesson_checkpoint_accepts(&c, 2.0, NAN));
    c.relative = false;
    c.tolerance = 0;
    cr_assert(lesson_checkpoint_accepts(&c, 0.1, 0.1));
    cr_assert_not(lesson_checkpoint_accepts(&c, 0.1, 0.1001));
}

Test(lesson_parser, lines_of_a_paragraph_are_joined_but_indented_lines_and_list_items_keep_their_own)
{
    const char *text = "lesson 1\ntitle T\npage P\ntext\n"
                       "  One sentence\n  wrapped by the editor.\n\n\n"
                       "  A list:\n  - first\n  - second\n  1. third\n"
                       "  Formula:\n      y = \\gamma x + \\beta\n  and after.\n"
                       "end\n";
    Lesson *l = parse_string(text);
    cr_assert_eq(l->problem_count, 0, "%s", problems_text(l));
    cr_assert_str_eq(l->pages[0].text, "One sentence wrapped by the editor.\n\n"
                                       "A list:\n- first\n- second\n1. third "
                                       "Formula:\n    y = \\gamma x + \\beta\nand after.");
    lesson_destroy(l);
}

Test(lesson_parser, a_list_items_lines_indented_to_its_text_continue_the_item)
{
    const char *text = "lesson 1\ntitle T\npage P\ntext\n"
                       "  - a long item that the editor\n    wrapped twice, with its lines\n    under its text\n"
                       "  12. numbered, and\n      continued\n"
                       "  - with a formula under it:\n        y = 2x\n"
                       "end\n";
    Lesson *l = parse_string(text);
    cr_assert_eq(l->problem_count, 0, "%s", problems_text(l));
    cr_assert_str_eq(l->pages[0].text, "- a long item that the editor wrapped twice, with its lines under its text\n"
                                       "12. numbered, and continued\n"
                                       "- with a formula under it:\n      y = 2x");
    lesson_destroy(l);
}

Test(lesson_parser, every_symbol_suggested_is_one_the_view_can_draw)
{
    for (int i = 0; lesson_symbols[i]; i++)
        cr_expect_not_null(text_symbol(lesson_symbols[i], true), "\\%s", lesson_symbols[i]);
}

Test(lesson_parser, crlf_line_ends_and_tabs_give_the_same_model_as_lf_and_spaces)
{
    const char *lf = "lesson 1\ntitle T\npage P\nscene sandbox\nbatch = 5\ntext\n  a\n    b\nend\n";
    const char *crlf = "lesson\t1\r\ntitle T\r\npage P\r\nscene\tsandbox\r\n\tbatch\t=\t5\r\ntext\r\n  a\r\n\tb\r\nend\r\n";
    Lesson *a = parse_string(lf), *b = parse_string(crlf);
    cr_assert_eq(a->problem_count, 0, "%s", problems_text(a));
    cr_assert_eq(b->problem_count, 0, "%s", problems_text(b));
    cr_assert_str_eq(b->pages[0].text, a->pages[0].text);
    cr_assert_str_eq(a->pages[0].text, "a\n  b");
    cr_assert_eq(lesson_page_int(&b->pages[0], "batch"), 5);
    lesson_destroy(a);
    lesson_destroy(b);
}

/* ---- broken lessons: each snippet's problem at its line, with words a teacher can act on ---- */

typedef struct BrokenCase {
    const char *name;
    const char *text;
    int line;
    const char *message;    /* a substring of the expected message */
} BrokenCase;

#define HEAD "lesson 1\ntitle T\npage P\n"   /* lines 1-3 */

static const BrokenCase broken_cases[] = {
    { "unknown scene with a suggestion", HEAD "scene bn-stage\n", 4,
      "unknown scene 'bn-stage' (did you mean 'bn-stages'?)" },
    { "unknown scene without one", HEAD "scene zebra\n", 4, "known scenes: none, input-norm" },
    { "unknown setting for the scene", HEAD "scene bn-stages\nbatchsize = 4\n", 5,
      "unknown setting 'batchsize' for scene 'bn-stages' (did you mean 'batch'?)" },
    { "setting that belongs to another scene", HEAD "scene backprop\nhidden = 4\n", 5,
      "unknown setting 'hidden' for scene 'backprop' (its settings: seed, batch" },
    { "setting on the prose-only scene", HEAD "scene none\nbatch = 4\n", 5, "scene 'none' has no settings" },
    { "setting before the scene line", HEAD "batch = 4\nscene sandbox\n", 4, "before the page's 'scene' line" },
    { "setting given twice", HEAD "scene sandbox\nbatch = 4\nbatch = 5\n", 6,
      "'batch' is set twice on this page (first at line 5)" },
    { "value out of range", HEAD "scene sandbox\nbatch = 0\n", 5, "'batch' = 0 is out of range (allowed: 1 to 4096)" },
    { "real out of range", HEAD "scene running-stats\nalpha = 1.5\n", 5, "'alpha' = 1.5 is out of range (allowed: 0 to 1)" },
    { "fraction for a whole number", HEAD "scene sandbox\nsteps = 2.5\n", 5, "'steps' must be a whole number" },
    { "bad enum value", HEAD "scene sandbox\ndataset = moon\n", 5,
      "'dataset' cannot be 'moon' (allowed: scaled2d, blobs, moons, spirals, synth784, fashion-mnist; did you mean 'moons'?)" },
    { "bad bool", HEAD "scene sandbox\nautoplay = maybe\n", 5, "'autoplay' must be yes or no" },
    { "bad list item", HEAD "scene sandbox\nhidden = 8,x\n", 5, "item 2 of 'hidden' must be a whole number" },
    { "list too long", HEAD "scene sandbox\nhidden = 1,2,3,4,5,6,7,8,9\n", 5, "'hidden' needs 1 to 8" },
    { "missing value", HEAD "scene sandbox\nlr =\n", 5, "'lr' needs a value" },
    { "scene named twice", HEAD "scene sandbox\nscene drift\n", 5, "already has a scene (line 4)" },
    { "unknown directive with a suggestion", HEAD "text\nx\nend\ncheckpont\n", 7,
      "unknown directive 'checkpont' (did you mean 'checkpoint'?)" },
    { "prose outside a text block", HEAD "Hello there, class.\n", 4,
      "unknown directive 'Hello' (prose goes between 'text' and 'end'" },
    { "punctuation outside a text block", HEAD "- a list item\n", 4, "unexpected text '- a list item'" },
    { "unterminated text block", HEAD "text\nhello\n", 4, "text block has no 'end'" },
    { "unterminated checkpoint at the end", HEAD "text\nx\nend\ncheckpoint\nquestion Q?\nanswer 1\n", 7,
      "checkpoint has no 'end'" },
    { "checkpoint running into the next page", HEAD "text\nx\nend\ncheckpoint\nquestion Q?\nanswer 1\npage Q\ntext\ny\nend\n",
      7, "checkpoint has no 'end' (it runs into the 'page' line 10)" },
    { "end without a block", HEAD "end\n", 4, "'end' without an open 'text' or 'checkpoint'" },
    { "empty page", HEAD "page Q\ntext\nx\nend\n", 3, "page 'P' is empty" },
    { "page without a title", "lesson 1\ntitle T\npage\ntext\nx\nend\n", 3, "page without a title" },
    { "lesson without pages", "lesson 1\ntitle T\n", 0, "the lesson has no pages" },
    { "missing lesson number", "title T\npage P\ntext\nx\nend\n", 0, "missing 'lesson NUMBER' line" },
    { "missing title", "lesson 1\npage P\ntext\nx\nend\n", 0, "missing 'title TEXT' line" },
    { "bad lesson number", "lesson one\ntitle T\npage P\ntext\nx\nend\n", 1,
      "the lesson number must be a whole number from 0 to 999, not 'one'" },
    { "second lesson line", "lesson 1\nlesson 2\ntitle T\npage P\ntext\nx\nend\n", 2, "second 'lesson' line (the first is at line 1)" },
    { "lesson title inside a page", HEAD "title U\ntext\nx\nend\n", 4, "'title' belongs at the top of the file" },
    { "scene before any page", "lesson 1\ntitle T\nscene sandbox\npage P\ntext\nx\nend\n", 3,
      "'scene' must come after a 'page TITLE' line" },
    { "answer outside a checkpoint", HEAD "text\nx\nend\nanswer 3\n", 7, "'answer' belongs inside a checkpoint" },
    { "checkpoint without an answer", HEAD "text\nx\nend\ncheckpoint\nquestion Q?\nend\n", 7, "checkpoint without an answer" },
    { "checkpoint without a question", HEAD "text\nx\nend\ncheckpoint\nanswer 3\nend\n", 7, "checkpoint without a question" },
    { "answer not among the choices", HEAD "text\nx\nend\ncheckpoint\nquestion Q?\nchoice a: 1\nchoice b: 2\nanswer d\nend\n",
      11, "answer 'd' is not among the choices (a, b)" },
    { "one choice only", HEAD "text\nx\nend\ncheckpoint\nquestion Q?\nchoice a: 1\nanswer a\nend\n", 7,
      "needs at least two choices" },
    { "two choices with one key", HEAD "text\nx\nend\ncheckpoint\nquestion Q?\nchoice a: 1\nchoice a: 2\nanswer a\nend\n",
      10, "two choices are called 'a'" },
    { "tolerance on a choice", HEAD "text\nx\nend\ncheckpoint\nquestion Q?\nchoice a: 1\nchoice b: 2\nanswer a\ntolerance 1\nend\n",
      12, "'tolerance' applies only to number answers" },
    { "bad tolerance", HEAD "text\nx\nend\ncheckpoint\nquestion Q?\nanswer 1\ntolerance lots\nend\n", 10,
      "tolerance must be a number of 0 or more" },
    { "answer that is not a number", HEAD "text\nx\nend\ncheckpoint\nquestion Q?\nanswer b\nend\n", 9,
      "answer 'b' is not a number" },
    { "explanation for a missing choice", HEAD "text\nx\nend\ncheckpoint\nquestion Q?\nchoice a: 1\nchoice b: 2\nanswer a\nexplain d: no\nend\n",
      12, "explanation for 'd', which is not a choice" },
    { "unknown live value", HEAD "scene running-stats\ncheckpoint\nquestion Q?\nanswer scene:runing_mean[0]\nend\n", 7,
      "scene 'running-stats' publishes no live value 'runing_mean' (did you mean 'running_mean'?)" },
    { "live value with too few indices", HEAD "scene bn-stages\ncheckpoint\nquestion Q?\nanswer scene:y[0]\nend\n", 7,
      "live value 'y' takes 2 indices, not 1" },
    { "live value without a scene", HEAD "text\nx\nend\ncheckpoint\nquestion Q?\nanswer scene:loss\nend\n", 9,
      "needs the page's 'scene' line before the checkpoint" },
    { "malformed live value", HEAD "scene sandbox\ncheckpoint\nquestion Q?\nanswer scene:loss[\nend\n", 7, "bad index" },
    { "unknown symbol with a suggestion", HEAD "text\nsee \\gama here\nend\n", 5,
      "unknown symbol '\\gama' at column 5 (did you mean '\\gamma'?)" },
    { "symbol inside code", HEAD "text\nsee `y = \\gamma x` here\nend\n", 5,
      "'\\gamma' at column 10 is inside `code`, which shows it as typed: take it out of the backticks" },
    { "unknown symbol in a question", HEAD "text\nx\nend\ncheckpoint\nquestion What is \\foo?\nanswer 1\nend\n", 8,
      "unknown symbol '\\foo' at column 18" },
    { "lone star starts emphasis that never ends", HEAD "text\nfine *here*\n2 * 3 = 6\nend\n", 6,
      "'*' at column 3 opens emphasis that never closes" },
    { "unclosed bold in a title", "lesson 1\ntitle The **big idea\npage P\ntext\nx\nend\n", 2,
      "'**' at column 11 opens bold that never closes" },
    { "unclosed code", HEAD "text\nrun `make\nnow\nend\n", 5, "'`' at column 5 opens code that never closes" },
    { "invalid UTF-8", HEAD "text\nab\xff" "cd\nend\n", 5, "invalid UTF-8 at byte column 3" },
    { "UTF-16 surrogate encoded in UTF-8", HEAD "text\n\xed\xa0\x80\nend\n", 5, "invalid UTF-8 at byte column 1" },
    { "control character", HEAD "text\na\x1b[31m\nend\n", 5, "control character U+001B at byte column 2" },
    { "empty file", "", 0, "the file is empty" },
    { "blank file", "\n  \n\t\n", 0, "the file is empty" },
    { "shows without quotes", HEAD "scene backprop\nshows dbeta\n", 5, "'shows' takes \"TEXT\" in double quotes" },
    { "shows with an empty text", HEAD "scene backprop\nshows \"\"\n", 5, "'shows' needs some text between the quotes" },
    { "shows with a bad step count", HEAD "scene drift\nshows \"loss\" after many steps\n", 5,
      "'shows ... after' takes a number of steps" },
    { "shows after the page's last step", HEAD "scene drift\nsteps = 100\nshows \"loss\" after 300 steps\n", 6,
      "shows: 'after 300 steps' is past the end of the page's run (its 'steps' is 100)" },
    { "shows with a two-letter key", HEAD "scene drift\nshows \"loss\" or key zz\n", 5,
      "'or key' takes one printable key, such as z, not 'zz'" },
    { "shows with or but no key", HEAD "scene drift\nshows \"loss\" or z\n", 5, "followed by 'key K'" },
    { "shows with trailing words", HEAD "scene drift\nshows \"loss\" please\n", 5, "unexpected 'please' after 'shows'" },
    { "shows zoom on a page without a scene", HEAD "text\nx\nend\nshows \"x\" or key z\n", 7,
      "shows: 'or key z' needs a scene, and this page has none" },
    { "shows inside a checkpoint", HEAD "text\nx\nend\ncheckpoint\nquestion Q?\nanswer 1\nshows \"x\"\nend\n", 7,
      "checkpoint has no 'end'" },
    { "glued keyword", HEAD "text\nx\nend\ncheckpoint\nquestion Q?\nanswer 1\nend\nscene.sandbox\n", 11,
      "unexpected text right after 'scene'" },
};

static bool has_problem(const Lesson *l, int line, const char *message)
{
    for (int i = 0; i < l->problem_count; i++)
        if (l->problems[i].line == line && strstr(l->problems[i].message, message))
            return true;
    return false;
}

Test(lesson_parser, shows_lines_keep_their_text_steps_and_key)
{
    Lesson *l = parse_string(HEAD "scene drift\nshows \"loss: no BN\" after 100 steps\nshows \"x\u0302\" or key z\n"
                                  "shows \"layer 2, unit 0\" after 5 steps or key h\n");
    cr_assert_eq(l->problem_count, 0, "%s", problems_text(l));
    const LessonPage *p = &l->pages[0];
    cr_assert_eq(p->show_count, 3);
    cr_assert_str_eq(p->shows[0].text, "loss: no BN");
    cr_assert_eq(p->shows[0].steps, 100);
    cr_assert_eq(p->shows[0].key, 0);
    cr_assert_eq(p->shows[0].line, 5);
    cr_assert_str_eq(p->shows[1].text, "x\u0302");
    cr_assert_eq(p->shows[1].steps, 0);
    cr_assert_eq(p->shows[1].key, 'z');
    cr_assert_eq(p->shows[2].steps, 5);
    cr_assert_eq(p->shows[2].key, 'h');
    lesson_destroy(l);
}

Test(lesson_parser, every_broken_snippet_is_reported_at_its_line_with_a_helpful_message)
{
    for (size_t i = 0; i < sizeof broken_cases / sizeof broken_cases[0]; i++) {
        const BrokenCase *c = &broken_cases[i];
        Lesson *l = parse_string(c->text);
        cr_expect(lesson_is_broken(l), "%s: no problem reported", c->name);
        cr_expect(has_problem(l, c->line, c->message), "%s: expected line %d: '%s'; got:\n%s", c->name, c->line,
                  c->message, problems_text(l));
        lesson_destroy(l);
    }
}

Test(lesson_parser, nul_bytes_make_a_file_binary_and_stop_the_parse)
{
    const char text[] = "lesson 1\ntitle T\0\x01\x02";
    Lesson *l = lesson_parse(text, sizeof text - 1, "b.lesson");
    cr_assert_eq(l->problem_count, 1, "one clear message, not noise:\n%s", problems_text(l));
    cr_assert(strstr(l->problems[0].message, "binary"), "%s", l->problems[0].message);
    lesson_destroy(l);
}

Test(lesson_parser, an_overlong_line_is_reported_with_the_limit)
{
    size_t n = LESSON_LINE_MAX + 904;
    char *text = malloc(n + 64);
    strcpy(text, HEAD "text\n");
    size_t at = strlen(text);
    memset(text + at, 'x', n);
    strcpy(text + at + n, "\nend\n");
    Lesson *l = parse_string(text);
    cr_assert(has_problem(l, 5, "line is too long (5000 bytes; the limit is 4096)"), "%s", problems_text(l));
    lesson_destroy(l);
    free(text);
}

Test(lesson_parser, every_problem_in_a_file_is_reported_not_just_the_first)
{
    const char *text =
        "lesson 1\n"
        "title T\n"
        "page P\n"
        "scene sandbx\n"                /* 4 */
        "page Q\n"
        "scene sandbox\n"
        "batch = 99999\n"               /* 7 */
        "act = softmax\n"               /* 8 */
        "text\n"
        "fine\n"
        "end\n"
        "chekpoint\n";                  /* 12 */
    Lesson *l = parse_string(text);
    cr_assert(has_problem(l, 4, "did you mean 'sandbox'"), "%s", problems_text(l));
    cr_assert(has_problem(l, 7, "out of range"), "%s", problems_text(l));
    cr_assert(has_problem(l, 8, "'act' cannot be 'softmax'"), "%s", problems_text(l));
    cr_assert(has_problem(l, 12, "unknown directive 'chekpoint'"), "%s", problems_text(l));
    /* Problems come in line order. */
    for (int i = 1; i < l->problem_count; i++)
        cr_assert_leq(l->problems[i - 1].line, l->problems[i].line);
    /* The broken lesson still has its pages, so the menu can show it. */
    cr_assert_eq(l->page_count, 2);
    cr_assert_eq(lesson_page_int(&l->pages[1], "batch"), 32, "a bad value leaves the default");
    lesson_destroy(l);
}

Test(lesson_parser, a_flood_of_problems_is_capped_with_a_closing_note)
{
    size_t n = 5000;
    char *text = malloc(n * 6 + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(text + i * 6, "bogus\n", 6);
    text[n * 6] = '\0';
    Lesson *l = parse_string(text);
    cr_assert_leq(l->problem_count, LESSON_PROBLEM_MAX + 16);
    cr_assert(has_problem(l, LESSON_PROBLEM_MAX, "too many problems"), "%s", problems_text(l));
    lesson_destroy(l);
    free(text);
}

Test(lesson_parser, problems_format_as_file_line_message)
{
    Lesson *l = parse_string(HEAD "scene zebra\n");
    char buf[512];
    cr_assert(strncmp(lesson_problem_format(l, &l->problems[0], buf, sizeof buf), "t.lesson:4: unknown scene", 25) == 0,
              "%s", buf);
    lesson_destroy(l);
    l = parse_string("");
    cr_assert_str_eq(lesson_problem_format(l, &l->problems[0], buf, sizeof buf), "t.lesson: the file is empty");
    lesson_destroy(l);
}

Test(lesson_parser, a_missing_file_is_a_broken_lesson_not_a_crash)
{
    Lesson *l = lesson_load("/nonexistent/dir/x.lesson");
    cr_assert_not_null(l);
    cr_assert(lesson_is_broken(l));
    cr_assert(strstr(l->problems[0].message, "cannot open"), "%s", l->problems[0].message);
    lesson_destroy(l);
    l = lesson_load("/tmp");
    cr_assert(strstr(l->problems[0].message, "directory"), "%s", l->problems[0].message);
    lesson_destroy(l);
}

/* ---- the catalogue ---- */

Test(catalog, every_default_is_a_valid_value_of_its_setting)
{
    for (int i = 0; i < catalog_scene_count(); i++) {
        const CatalogScene *scene = catalog_scene_at(i);
        for (int k = 0; k < scene->setting_count; k++) {
            SettingValue v;
            char why[256] = "";
            const char *text = catalog_scene_setting_default(&scene->settings[k]);
            cr_expect(catalog_value_parse(scene->settings[k].setting, text, &v, why, sizeof why),
                      "scene %s, setting %s, default '%s': %s", scene->name, scene->settings[k].setting->name, text, why);
            catalog_value_free(&v);
            cr_expect_not_null(catalog_setting_find(scene->settings[k].setting->name),
                               "setting %s of %s is missing from the list of all settings", scene->settings[k].setting->name,
                               scene->name);
        }
    }
    for (int i = 0; i < catalog_setting_count(); i++) {
        SettingValue v;
        char why[256] = "";
        cr_expect(catalog_value_parse(catalog_setting_at(i), catalog_setting_at(i)->fallback, &v, why, sizeof why), "%s", why);
        catalog_value_free(&v);
    }
}

Test(catalog, scene_and_setting_names_are_unique_and_never_clash_with_keywords)
{
    static const char *const keywords[] = { "lesson", "title", "summary", "page", "scene", "text", "end",
                                            "checkpoint", "question", "choice", "answer", "tolerance", "explain",
                                            "claim", "reveal" };
    for (int i = 0; i < catalog_setting_count(); i++) {
        const char *name = catalog_setting_at(i)->name;
        for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
            cr_expect(strcmp(name, keywords[k]) != 0, "setting '%s' would read as a keyword", name);
        for (int j = i + 1; j < catalog_setting_count(); j++)
            cr_expect(strcmp(name, catalog_setting_at(j)->name) != 0, "setting '%s' twice", name);
    }
    for (int i = 0; i < catalog_scene_count(); i++) {
        const CatalogScene *s = catalog_scene_at(i);
        cr_expect_eq(catalog_scene_find(s->name), s);
        for (int j = 0; j < s->live_count; j++)
            cr_expect(s->lives[j].indices >= 0 && s->lives[j].indices <= CATALOG_LIVE_INDEX_MAX, "%s", s->lives[j].name);
    }
    static const char *const required[] = { "none", "input-norm", "loss-surface", "drift", "bn-stages", "gamma-beta",
                                            "backprop", "running-stats", "inference", "placement", "sandbox", "real-data" };
    for (size_t k = 0; k < sizeof required / sizeof required[0]; k++)
        cr_expect_not_null(catalog_scene_find(required[k]), "scene %s is missing", required[k]);
}

Test(catalog, values_parse_by_type_and_reject_what_is_outside_the_range)
{
    SettingValue v;
    char why[256];
    cr_assert(catalog_value_parse(catalog_setting_find("convention"), " keras ", &v, why, sizeof why));
    cr_assert_eq(v.integer, 1);
    cr_assert(catalog_value_parse(catalog_setting_find("autoplay"), "ON", &v, why, sizeof why));
    cr_assert_eq(v.integer, 1);
    cr_assert(catalog_value_parse(catalog_setting_find("eps"), "1e-3", &v, why, sizeof why));
    check_close(v.real, 1e-3, 1e-15, 0, "eps");
    cr_assert_not(catalog_value_parse(catalog_setting_find("eps"), "nan", &v, why, sizeof why));
    cr_assert_not(catalog_value_parse(catalog_setting_find("eps"), "-1", &v, why, sizeof why));
    cr_assert_not(catalog_value_parse(catalog_setting_find("hidden"), "4,,4", &v, why, sizeof why));
    cr_assert(catalog_value_parse(catalog_setting_find("hidden"), "100, 100,100", &v, why, sizeof why), "%s", why);
    cr_assert_eq(v.item_count, 3);
    catalog_value_free(&v);
}

Test(catalog, suggestions_are_offered_only_for_likely_typos)
{
    static const char *const names[] = { "running-stats", "real-data", "sandbox" };
    cr_assert_str_eq(catalog_closest("sandbx", names, 3), "sandbox");
    cr_assert_str_eq(catalog_closest("running", names, 3), "running-stats");
    cr_assert_null(catalog_closest("zebra", names, 3));
    char long_word[200];
    memset(long_word, 'a', sizeof long_word - 1);
    long_word[sizeof long_word - 1] = '\0';
    cr_assert_null(catalog_closest(long_word, names, 3));
}

/* ---- robustness: whatever the bytes, the parser returns a consistent model ---- */

static void check_consistent(const Lesson *l, size_t size)
{
    cr_assert_not_null(l);
    cr_assert_not_null(l->title);
    cr_assert_leq(l->problem_count, LESSON_PROBLEM_MAX + 16);
    for (int i = 0; i < l->problem_count; i++) {
        cr_assert_geq(l->problems[i].line, 0);
        cr_assert_leq((size_t)l->problems[i].line, size + 1);
        cr_assert(l->problems[i].message[0] != '\0');
    }
    for (int p = 0; p < l->page_count; p++) {
        const LessonPage *page = &l->pages[p];
        cr_assert_not_null(page->title);
        cr_assert_not_null(page->text);
        cr_assert_not_null(page->scene);
        cr_assert_eq(page->setting_count, page->scene->setting_count);
        for (int c = 0; c < page->checkpoint_count; c++) {
            const LessonCheckpoint *cp = &page->checkpoints[c];
            cr_assert_not_null(cp->question);
            if (cp->kind == CHECKPOINT_CHOICE) {
                cr_assert_geq(cp->choice_count, 2);
                cr_assert(cp->answer >= 0 && cp->answer < cp->choice_count);
            }
        }
    }
}

Test(lesson_parser, random_bytes_never_crash_the_parser)
{
    static const char *const pieces[] = { "lesson ", "title ", "page ", "scene ", "bn-stages", "sandbox", "text\n",
                                          "end\n", "checkpoint\n", "choice a: ", "answer ", "scene:y[0][1]", "explain ",
                                          "tolerance 5%", " = ", "\n", "\r\n", "\t", "\\gamma", "\\", "**", "`", "#",
                                          "\xff", "\xe2\x82", "\xc3\xa9", "batch", "hidden = 1,2", "0", "99999999999" };
    Pcg32 rng;
    pcg32_seed(&rng, 2024, 7);
    char buf[2048];
    for (int round = 0; round < 3000; round++) {
        size_t len = 0, target = pcg32_bounded(&rng, sizeof buf - 64);
        while (len < target) {
            if (pcg32_bounded(&rng, 3) == 0) {
                buf[len++] = (char)pcg32_bounded(&rng, 256);
            } else {
                const char *piece = pieces[pcg32_bounded(&rng, sizeof pieces / sizeof pieces[0])];
                size_t n = strlen(piece);
                memcpy(buf + len, piece, n);
                len += n;
            }
        }
        Lesson *l = lesson_parse(buf, len, "fuzz");
        check_consistent(l, len);
        lesson_destroy(l);
    }
}

Test(lesson_parser, every_truncation_and_many_mutations_of_a_good_file_parse_safely)
{
    size_t n = strlen(good_text);
    for (size_t cut = 0; cut <= n; cut++) {
        /* An exact-size copy, so ASan catches any read past the end. */
        char *copy = malloc(cut ? cut : 1);
        memcpy(copy, good_text, cut);
        Lesson *l = lesson_parse(copy, cut, "cut");
        check_consistent(l, cut);
        lesson_destroy(l);
        free(copy);
    }
    Pcg32 rng;
    pcg32_seed(&rng, 99, 3);
    char *copy = malloc(n);
    for (int round = 0; round < 2000; round++) {
        memcpy(copy, good_text, n);
        int flips = 1 + (int)pcg32_bounded(&rng, 8);
        for (int k = 0; k < flips; k++)
            copy[pcg32_bounded(&rng, (uint32_t)n)] = (char)pcg32_bounded(&rng, 256);
        Lesson *l = lesson_parse(copy, n, "mutant");
        check_consistent(l, n);
        lesson_destroy(l);
    }
    free(copy);
}

Test(lesson_parser, a_page_whose_network_and_batch_exceed_the_classroom_budget_is_a_problem_at_its_scene)
{
    /* 8 hidden layers of 1024 at batch 4096: about 2 GB and 10 s per step per tutor. */
    Lesson *l = parse_string("lesson 5\ntitle T\npage Huge\nscene sandbox\n  hidden = 1024,1024,1024,1024,1024,1024,"
                             "1024,1024\n  batch = 4096\ntext\n  x\nend\n");
    cr_assert(lesson_is_broken(l));
    cr_assert_eq(l->problems[0].line, 4, "%s", problems_text(l));
    cr_assert(strstr(l->problems[0].message, "a tutor may use at most 64 MB and 1 GFLOP per step"), "%s",
              problems_text(l));
    lesson_destroy(l);
    /* The same layers at batch 1 still cost 8 M weights (over 64 MB with their gradients). */
    l = parse_string("lesson 5\ntitle T\npage Wide\nscene sandbox\n  hidden = 1024,1024,1024,1024,1024,1024,1024,1024\n"
                     "  batch = 1\ntext\n  x\nend\n");
    cr_assert(lesson_is_broken(l), "memory alone is enough to refuse");
    lesson_destroy(l);
    /* A generous but reasonable page fits: 784 inputs, 256-256, batch 128. */
    l = parse_string("lesson 5\ntitle T\npage Fine\nscene sandbox\n  dataset = synth784\n  hidden = 256,256\n"
                     "  batch = 128\ntext\n  x\nend\n");
    cr_assert_not(lesson_is_broken(l), "%s", problems_text(l));
    lesson_destroy(l);
}

Test(lesson_parser, a_scene_that_trains_several_networks_at_once_is_priced_for_all_of_them)
{
    /* One 2-512-512-10 network at batch 64 costs about 0.1 GFLOP a step: four fit, sixteen do not. */
    Lesson *l = parse_string("lesson 5\ntitle T\npage Sweep\nscene lr-sweep\n  rates = 0.1,1\n  hidden = 512,512\n"
                             "  batch = 64\ntext\n  x\nend\n");
    cr_assert_not(lesson_is_broken(l), "two rates, four networks: %s", problems_text(l));
    lesson_destroy(l);
    l = parse_string("lesson 5\ntitle T\npage Sweep\nscene lr-sweep\n  rates = 0.1,0.2,0.5,1,2,5,10,20\n"
                     "  hidden = 512,512\n  batch = 64\ntext\n  x\nend\n");
    cr_assert(lesson_is_broken(l), "eight rates train sixteen networks");
    cr_assert_eq(l->problems[0].line, 4, "%s", problems_text(l));
    cr_assert(strstr(l->problems[0].message, "the scene 'lr-sweep' trains 16 networks at once") &&
              strstr(l->problems[0].message, "a tutor may use at most 64 MB and 1 GFLOP per step"), "%s",
              problems_text(l));
    lesson_destroy(l);
}
