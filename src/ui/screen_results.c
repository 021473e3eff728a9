/* The results screen: each lesson's questions with the first answer, the course's score, a jump to any question; also the summary after a lesson's last page (ui layer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson/results.h"
#include "ui/screen.h"
#include "ui/tutor_priv.h"
#include "util/alloc.h"
#include "view/chrome.h"
#include "view/keys.h"

extern const TutorScreen screen_results;

/* One row of the list: a lesson's heading or one of its questions. */
typedef struct ResultRow {
    int lesson;             /* index in Results.lessons */
    int question;           /* index in that lesson's questions; -1 for the heading */
} ResultRow;

typedef struct ResultsState {
    ResultsMode mode;
    int only;               /* the lesson (set index) a summary shows; -1: every lesson */
    int next;               /* the lesson (set index) a summary goes on to; -1: none (the course ends) */
    Results *results;       /* rebuilt each time the screen comes up */
    ResultRow *rows;        /* (row_count) */
    int row_count;
    int sel;                /* selected row (always a question row); -1 when there is none */
} ResultsState;

static void *results_state_create(Tutor *t)
{
    ResultsState *r = xcalloc(1, sizeof *r);
    r->only = r->next = r->sel = -1;
    return r;
}

static void forget_results(ResultsState *r)
{
    results_destroy(r->results);
    free(r->rows);
    r->results = NULL;
    r->rows = NULL;
    r->row_count = 0;
    r->sel = -1;
}

static void results_state_destroy(void *state)
{
    if (!state)
        return;
    forget_results(state);
    free(state);
}

static void add_row(ResultsState *r, int lesson, int question)
{
    r->rows = xrealloc(r->rows, sizeof *r->rows * (size_t)(r->row_count + 1));
    r->rows[r->row_count++] = (ResultRow){ lesson, question };
}

static const ResultQuestion *row_question(const ResultsState *r, int row)
{
    if (row < 0 || row >= r->row_count || r->rows[row].question < 0)
        return NULL;
    return &r->results->lessons[r->rows[row].lesson].questions[r->rows[row].question];
}

/* The next question row after `from` (dir +1) or before it (-1) that is missed (or any, when !missed). */
static int find_row(const ResultsState *r, int from, int dir, bool missed)
{
    for (int i = from + dir; i >= 0 && i < r->row_count; i += dir) {
        const ResultQuestion *q = row_question(r, i);
        if (q && (!missed || q->first == RESULT_WRONG))
            return i;
    }
    return -1;
}

/* Builds the rows from the progress as it is now; the selection starts on the first missed question. */
static void results_enter(Tutor *t, void *state)
{
    ResultsState *r = state;
    forget_results(r);
    r->results = results_create(t->set, t->progress);
    for (int i = 0; i < r->results->count; i++) {
        const ResultLesson *l = &r->results->lessons[i];
        if ((r->only >= 0 && l->set_index != r->only) || l->count == 0)
            continue;
        add_row(r, i, -1);
        for (int k = 0; k < l->count; k++)
            add_row(r, i, k);
    }
    r->sel = find_row(r, -1, +1, true);
    if (r->sel < 0)
        r->sel = find_row(r, -1, +1, false);
}

void screen_results_open(Tutor *t, ResultsMode mode, int lesson_index, int next_index)
{
    ResultsState *r = tutor_screen_state(t, &screen_results);
    r->mode = mode;
    r->only = mode == RESULTS_LESSON_END ? lesson_index : -1;
    r->next = mode == RESULTS_LESSON_END ? next_index : -1;
    tutor_show(t, "results");
}

/* "2 of 5 right at the first try" and what is missed or open, for a lesson or the course. */
static void score_text(char *buf, size_t size, int right, int wrong, int questions)
{
    int open = questions - right - wrong;
    int n = snprintf(buf, size, "%d of %d right at the first try", right, questions);
    if (wrong > 0 && n > 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, ", %d missed", wrong);
    if (open > 0 && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, ", %d not answered", open);
}

/* The mark of a first answer: it differs in shape, not only in colour. */
static const char *verdict_mark(ResultVerdict v, bool unicode, ColorRole *role)
{
    switch (v) {
    case RESULT_RIGHT:
        *role = ROLE_GOOD;
        return unicode ? "\xE2\x9C\x93" : "+";       /* ✓ */
    case RESULT_WRONG:
        *role = ROLE_WARNING;
        return unicode ? "\xE2\x9C\x97" : "x";       /* ✗ */
    default:
        *role = ROLE_TEXT_DIM;
        return unicode ? "\xC2\xB7" : "-";           /* · */
    }
}

static void draw_heading(Canvas *canvas, const ResultLesson *l, int y, int w)
{
    char head[64], score[96];
    snprintf(head, sizeof head, "Lesson %d  ", l->lesson->number);
    int x = 1 + canvas_text(canvas, 1, y, head, ROLE_TITLE, ATTR_BOLD, w - 2);
    int n = snprintf(score, sizeof score, "%d of %d right", l->right, l->count);
    if (l->wrong > 0)
        snprintf(score + n, sizeof score - (size_t)n, ", %d missed", l->wrong);
    int sw = (int)strlen(score);
    bool fits = sw + 2 < w / 2;
    int title_room = w - 1 - x - (fits ? sw + 2 : 0);
    if (title_room > 0)
        canvas_text(canvas, x, y, l->lesson->title, ROLE_TITLE, ATTR_BOLD, title_room);
    if (fits)
        canvas_text(canvas, w - 1 - sw, y, score, ROLE_DEFAULT, 0, sw);
}

static void draw_question(Canvas *canvas, const ResultQuestion *q, int y, int w, bool selected)
{
    bool u = canvas->unicode;
    int attr = selected ? ATTR_REVERSE : 0;
    ColorRole text_role = selected ? ROLE_HIGHLIGHT : ROLE_DEFAULT;
    if (selected)
        for (int x = 1; x < w - 1; x++)
            canvas_put(canvas, x, y, ' ', text_role, attr);
    ColorRole role;
    const char *mark = verdict_mark(q->first, u, &role);
    canvas_text(canvas, 3, y, mark, selected ? text_role : role, attr | ATTR_BOLD, 1);
    char where[32], text[512];
    snprintf(where, sizeof where, "p%d q%d", q->page, q->index);
    canvas_text(canvas, 5, y, where, text_role, attr, 8);
    const char *note = q->first == RESULT_WRONG && q->right_later ? "right later" : NULL;
    int nw = note ? (int)strlen(note) + 2 : 0;
    results_question_text(q, u, text, (int)sizeof text);
    canvas_text(canvas, 13, y, text, text_role, attr, w - 14 - nw);
    if (note)
        canvas_text(canvas, w - 1 - nw + 1, y, note, selected ? text_role : ROLE_TEXT_DIM, attr, nw - 1);
}

/* The selected question's first answer and what Enter does, on the row above the footer. */
static void draw_detail(Canvas *canvas, const ResultQuestion *q, int y, int w)
{
    char when[32], line[256];
    progress_format_time(q->time, when, sizeof when);
    if (when[0])
        when[10] = ' ', when[16] = '\0';        /* "2026-12-07 07:05" */
    if (q->first == RESULT_OPEN)
        snprintf(line, sizeof line, "Not answered yet. Enter opens page %d.", q->page);
    else
        snprintf(line, sizeof line, "First answer: %s (%s%s%s%s). Enter opens page %d.", q->answer[0] ? q->answer : "?",
                 q->first == RESULT_RIGHT ? "right" : "wrong", when[0] ? ", " : "", when, when[0] ? " UTC" : "",
                 q->page);
    canvas_text(canvas, 1, y, line, ROLE_TEXT_DIM, 0, w - 2);
}

static void results_draw(Tutor *t, const void *state, Canvas *canvas)
{
    const ResultsState *r = state;
    int w = canvas->width, h = canvas->height;
    const Results *res = r->results;
    char score[160], note[400];
    if (!res)
        return;
    char right[64];
    snprintf(right, sizeof right, "%d of %d right", res->right, res->questions);
    screen_draw_header(canvas, "bntutor", "Results", right);
    score_text(score, sizeof score, res->right, res->wrong, res->questions);

    const ResultLesson *only = r->only >= 0 ? results_lesson(res, r->only) : NULL;
    if (!t->progress)
        snprintf(note, sizeof note, "Progress is not kept in this session, so no answer is scored.");
    else if (r->mode == RESULTS_LESSON_END && only) {
        char lesson_score[160];
        score_text(lesson_score, sizeof lesson_score, only->right, only->wrong, only->count);
        snprintf(note, sizeof note, "End of lesson %d: %s.", only->lesson->number, lesson_score);
    } else if (r->mode == RESULTS_COURSE_END) {
        snprintf(note, sizeof note, "That was the last page of the last lesson.");
    } else {
        snprintf(note, sizeof note, "The course: %s.", score);
    }
    canvas_text(canvas, 1, 1, note, ROLE_TITLE, ATTR_BOLD, w - 2);
    if (t->progress && r->mode == RESULTS_COURSE_END) {
        snprintf(note, sizeof note, "The course: %s.", score);
        canvas_text(canvas, 1, 2, note, ROLE_TITLE, ATTR_BOLD, w - 2);
    }

    /* The list, scrolled so the selection shows (with its lesson's heading when there is room). */
    int top = 3, rows = h - 3 - top;
    int first = 0;
    if (r->sel >= rows)
        first = r->sel - rows + 1;
    for (int i = 0; i < rows && first + i < r->row_count; i++) {
        const ResultRow *row = &r->rows[first + i];
        const ResultLesson *l = &res->lessons[row->lesson];
        if (row->question < 0)
            draw_heading(canvas, l, top + i, w);
        else
            draw_question(canvas, &l->questions[row->question], top + i, w, first + i == r->sel);
    }
    bool u = canvas->unicode;
    if (first > 0)
        canvas_text(canvas, w - 10, top - 1, u ? "\xE2\x86\x91 more" : "^ more", ROLE_HIGHLIGHT, 0, 8);
    if (first + rows < r->row_count)
        canvas_text(canvas, w - 10, top + rows, u ? "\xE2\x86\x93 more" : "v more", ROLE_HIGHLIGHT, 0, 8);
    if (r->row_count == 0)
        canvas_text(canvas, 1, top, "No questions here.", ROLE_TEXT_DIM, 0, w - 2);
    const ResultQuestion *q = row_question(r, r->sel);
    if (q)
        draw_detail(canvas, q, h - 2, w);

    if (t->status[0]) {
        for (int x = 0; x < w; x++)
            canvas_put(canvas, x, h - 1, ' ', ROLE_STATUS, 0);
        canvas_text(canvas, 1, h - 1, t->status, ROLE_STATUS, ATTR_BOLD, w - 2);
        return;
    }
    KeyHint hints[8];
    int n = 0;
    if (r->mode == RESULTS_LESSON_END)
        hints[n++] = (KeyHint){u ? "\xE2\x86\x92" : "->", r->next >= 0 ? "next lesson" : "go on"};
    hints[n++] = (KeyHint){"Enter", "open question"};
    if (find_row(r, -1, +1, true) >= 0)
        hints[n++] = (KeyHint){"Tab", "next missed"};
    hints[n++] = (KeyHint){u ? "\xE2\x86\x91/\xE2\x86\x93" : "up/down", "select"};
    hints[n++] = (KeyHint){"Esc", "back"};
    hints[n++] = (KeyHint){"m", "menu"};
    hints[n++] = (KeyHint){"?", "help"};
    hints[n++] = (KeyHint){"q", "quit"};
    statusbar_draw(canvas, rect_make(0, h - 1, w, 1), hints, n, NULL);
}

static AppAction open_question(Tutor *t, const ResultsState *r)
{
    const ResultQuestion *q = row_question(r, r->sel);
    if (!q)
        return APP_CONTINUE;
    int lesson = r->results->lessons[r->rows[r->sel].lesson].set_index;
    tutor_open(t, lesson, q->page - 1);
    if (q->index > 1)
        tutor_set_status(t, "Question %d of this page: the questions come in order.", q->index);
    return APP_CONTINUE;
}

/* Back where the learner came from: the page (the last one read), else the menu. */
static void go_back(Tutor *t)
{
    tutor_show(t, tutor_page_ptr(t) ? "page" : "menu");
}

/* After a lesson's summary: on to the next lesson, or back when the course is over. */
static void go_on(Tutor *t, const ResultsState *r)
{
    if (r->mode == RESULTS_LESSON_END && r->next >= 0)
        tutor_open(t, r->next, 0);
    else if (r->mode == RESULTS_LESSON_END)
        go_back(t);
    else
        tutor_set_status(t, "Enter opens the selected question; Esc goes back to the page.");
}

static AppAction results_key(Tutor *t, void *state, int key)
{
    ResultsState *r = state;
    int to;
    switch (key) {
    case BK_UP: case 'k':
        if ((to = find_row(r, r->sel, -1, false)) >= 0)
            r->sel = to;
        break;
    case BK_DOWN: case 'j':
        if ((to = find_row(r, r->sel, +1, false)) >= 0)
            r->sel = to;
        break;
    case BK_HOME:
        if ((to = find_row(r, -1, +1, false)) >= 0)
            r->sel = to;
        break;
    case BK_END:
        if ((to = find_row(r, r->row_count, -1, false)) >= 0)
            r->sel = to;
        break;
    case BK_PAGE_UP: case BK_PAGE_DOWN:
        for (int i = 0; i < 10; i++)
            if ((to = find_row(r, r->sel, key == BK_PAGE_UP ? -1 : +1, false)) >= 0)
                r->sel = to;
        break;
    case BK_TAB:
        to = find_row(r, r->sel, +1, true);
        if (to < 0)
            to = find_row(r, -1, +1, true);
        if (to >= 0)
            r->sel = to;
        else
            tutor_set_status(t, "No question was missed here.");
        break;
    case BK_ENTER:
        return open_question(t, r);
    case BK_RIGHT: case 'n': case 'l': case ' ': case BK_AUTOPLAY:
        go_on(t, r);
        break;
    case BK_ESC: case BK_LEFT: case 'p': case 'h': case 'g':
        go_back(t);
        break;
    case 'm':
        tutor_show(t, "menu");
        break;
    case '?':
        tutor_show(t, "help");
        break;
    case 'q':
        return APP_QUIT;
    default:
        break;
    }
    return APP_CONTINUE;
}

static void results_help(Tutor *t, const void *state, HelpList *left, HelpList *right, bool unicode)
{
    const ResultsState *r = state;
    help_list_add(left, NULL, "Results");
    help_list_add(left, unicode ? "\xE2\x86\x91 \xE2\x86\x93 j k" : "up down j k", "select a question");
    help_list_add(left, "Enter", "open its page");
    help_list_add(left, "Tab", "next missed question");
    if (r->mode == RESULTS_LESSON_END)
        help_list_add(left, unicode ? "\xE2\x86\x92 n Space" : "-> n Space", "go on to the next lesson");
    help_list_add(left, unicode ? "Esc \xE2\x86\x90 g" : "Esc <- g", "back to the page");
    help_list_add(left, "m", "lesson menu");
    help_list_add(left, "?", "this help");
    help_list_add(left, "q", "quit (place saved)");
    help_list_add(right, NULL, "Marks");
    help_list_add(right, unicode ? "\xE2\x9C\x93" : "+", "right at first try");
    help_list_add(right, unicode ? "\xE2\x9C\x97" : "x", "missed at first try");
    help_list_add(right, unicode ? "\xC2\xB7" : "-", "not answered yet");
    help_list_add(right, "right later", "missed, then right");
}

const TutorScreen screen_results = {
    .name = "results", .create = results_state_create, .destroy = results_state_destroy, .enter = results_enter,
    .draw = results_draw, .key = results_key, .help = results_help,
};
