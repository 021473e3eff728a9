/* The page's text column: prose and checkpoints wrapped once, the page layout, and the column drawn with the question being asked pinned in view (ui layer). */
#include "ui/page_column.h"

#include <stdio.h>
#include <string.h>

#include "ui/screen.h"
#include "ui/tutor_priv.h"
#include "view/chrome.h"
#include "view/unicode.h"

/* Rows of prose kept in view above a pinned question, when the page has that much prose. */
enum { PROSE_KEEP = 3 };

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

static bool page_has_scene(const LessonPage *page)
{
    return page && page->scene && strcmp(page->scene->name, "none") != 0;
}

/* The checkpoints shown now: the answered ones, then the first open one unless it waits for Enter. */
static int shown_checks(const Tutor *t)
{
    int n = 0;
    for (int i = 0; i < t->check_count; i++) {
        const CheckState *s = &t->checks[i];
        if (s->status == CHECK_OPEN && t->check_held)
            break;
        n++;
        if (s->status == CHECK_OPEN)
            break;
    }
    return n;
}

/* What the checkpoints' markup depends on: which are shown, answered, how, and how often. */
static unsigned long checks_key(const Tutor *t)
{
    unsigned long key = 2166136261u;
    int parts[3 + LESSON_CHECKPOINT_MAX * 3], n = 0;
    parts[n++] = t->check_count;
    parts[n++] = t->check_held;
    parts[n++] = shown_checks(t);
    for (int i = 0; i < t->check_count && i < LESSON_CHECKPOINT_MAX; i++) {
        parts[n++] = (int)t->checks[i].status;
        parts[n++] = t->checks[i].tries;
        parts[n++] = t->checks[i].picked;
    }
    for (int i = 0; i < n; i++)
        key = (key ^ (unsigned long)(unsigned)parts[i]) * 16777619u;
    return key;
}

int page_column_width(const Tutor *t, int w)
{
    const LessonPage *page = tutor_page_ptr(t);
    if (page_has_scene(page) && w >= TUTOR_WIDE)
        return imax(45, imin(55, w / 3));
    if (page_has_scene(page))
        return w - 2;
    return imin(w - 4, TUTOR_TEXT_MAX_COLS);    /* prose only: a comfortable measure */
}

static void clear_checks(PageColumn *c)
{
    for (int i = 0; i < c->shown; i++) {
        text_lines_destroy(c->checks[i]);
        c->checks[i] = NULL;
    }
    c->shown = 0;
}

void page_column_clear(PageColumn *c)
{
    clear_checks(c);
    text_lines_destroy(c->prose);
    c->prose = NULL;
    c->page = NULL;
}

static void wrap_checks(PageColumn *c, const Tutor *t)
{
    clear_checks(c);
    int shown = shown_checks(t);
    char buf[TUTOR_CHECK_TEXT_MAX];
    for (int i = 0; i < shown; i++) {
        const CheckState *s = &t->checks[i];
        check_question_markup(s, i + 1, c->unicode, buf, sizeof buf);
        c->checks[i] = text_lines_create(buf, ROLE_DEFAULT, c->width, c->unicode);
        /* The question is one line of markup; its feedback or choices start on the next. */
        char *end = strchr(buf, '\n');
        if (end)
            *end = '\0';
        c->question_lines[i] = text_height(buf, c->width, c->unicode);
        c->open[i] = s->status == CHECK_OPEN;
        c->input[i] = c->open[i] && s->cp->kind == CHECKPOINT_NUMBER;
    }
    c->shown = shown;
    c->checks_key = checks_key(t);
}

void page_column_update(PageColumn *c, const Tutor *t, int width, bool unicode)
{
    const LessonPage *page = tutor_page_ptr(t);
    if (page != c->page || width != c->width || unicode != c->unicode) {
        page_column_clear(c);
        c->page = page;
        c->width = width;
        c->unicode = unicode;
        if (page && page->text[0])
            c->prose = text_lines_create(page->text, ROLE_DEFAULT, width, unicode);
        wrap_checks(c, t);
    } else if (checks_key(t) != c->checks_key) {
        wrap_checks(c, t);
    }
}

/* ---- the column's lines ------------------------------------------------------------------------ */

static int block_lines(const PageColumn *c, int k)
{
    return text_lines_count(c->checks[k]) + (c->input[k] ? 1 : 0);
}

int page_column_check_line(const PageColumn *c, int index)
{
    if (index < 0 || index >= c->shown)
        return -1;
    int prose = text_lines_count(c->prose);
    int line = prose + (prose > 0 ? 1 : 0);
    for (int k = 0; k < index; k++)
        line += block_lines(c, k) + 1;
    return line;
}

/* Rows the current question needs in view: all of an open one (question, choices, answer row), and of
 * an answered one the question and the first line of its feedback, the verdict. */
static int pin_need(const PageColumn *c)
{
    if (c->shown == 0)
        return 0;
    int cur = c->shown - 1, lines = block_lines(c, cur);
    return c->open[cur] ? lines : imin(lines, c->question_lines[cur] + 1);
}

/* Fills the layout's text column in `region`: its lines, where the checkpoints start, and the rows the
 * current question keeps at the region's bottom (pinned) while its own place is scrolled below them:
 * what it needs, more of its feedback when the prose above keeps a few rows. */
static void set_column(PageLayout *L, const PageColumn *c, Rect region)
{
    int prose = text_lines_count(c->prose);
    L->prose = region;
    L->check_line = page_column_check_line(c, 0);
    L->current_line = page_column_check_line(c, c->shown - 1);
    L->current_lines = c->shown > 0 ? block_lines(c, c->shown - 1) : 0;
    L->prose_lines = c->shown > 0 ? L->current_line + L->current_lines : prose;
    L->pinned = 0;
    if (c->shown > 0 && region.h > 0) {
        int keep = imin(prose, PROSE_KEEP);
        L->pinned = imin(region.h, imax(pin_need(c), imin(L->current_lines, region.h - keep)));
    }
}

/* Rows of a narrow page's text region above its scene: what the column needs, up to about a third of
 * the body, or more when the question being asked needs it (with a few rows of prose above it), always
 * leaving the scene its smallest area. */
static int narrow_text_rows(const PageColumn *c, int body_h)
{
    int prose = text_lines_count(c->prose);
    int need = c->shown > 0 ? page_column_check_line(c, c->shown - 1) + block_lines(c, c->shown - 1) : prose;
    int most = imax(8, body_h / 3);
    if (c->shown > 0)
        most = imax(most, pin_need(c) + imin(prose, PROSE_KEEP));
    most = imin(most, body_h - 1 - SCENE_MIN_H);
    return imax(1, imin(need, most));
}

/* Zoomed, the scene takes the body, except that a question still waiting for its answer stays under it
 * (its question, choices and answer row), so zooming in class never hides what is being asked. */
static void zoom_layout(const Tutor *t, const PageColumn *c, int w, PageLayout *L)
{
    Rect body = L->body;
    bool asking = c->shown > 0 && c->open[c->shown - 1];
    int rows = asking ? imin(pin_need(c), body.h - 1 - SCENE_MIN_H) : 0;
    if (rows <= 0) {
        L->scene = body;
        return;
    }
    L->scene = rect_make(0, body.y, w, body.h - rows - 1);
    L->rule = rect_make(0, L->scene.y + L->scene.h, w, 1);
    set_column(L, c, rect_make(w >= TUTOR_WIDE ? 2 : 1, L->rule.y + 1, page_column_width(t, w), rows));
}

void page_column_layout(const Tutor *t, const PageColumn *c, int w, int h, bool zoom, PageLayout *L)
{
    memset(L, 0, sizeof *L);
    L->check_line = L->current_line = -1;
    L->header = rect_make(0, 0, w, 1);
    L->footer = rect_make(0, h - 1, w, 1);
    L->body = rect_make(0, 1, w, h - 2);
    const LessonPage *page = tutor_page_ptr(t);
    Rect body = L->body;
    if (!page)
        return;
    bool scene = page_has_scene(page);
    if (scene && zoom) {
        zoom_layout(t, c, w, L);
        return;
    }
    if (scene && w >= TUTOR_WIDE) {
        L->wide = true;
        int lw = page_column_width(t, w);
        Rect col = rect_make(2, body.y, lw, body.h);
        if (h >= 45) {
            L->big = rect_make(col.x, col.y + 1, col.w, BIGDIGITS_HEIGHT);
            col = rect_make(col.x, col.y + BIGDIGITS_HEIGHT + 2, col.w, col.h - BIGDIGITS_HEIGHT - 2);
            /* A label row above big digits, one blank row between it and the text. */
            int fh = BIGDIGITS_HEIGHT + 2;
            L->figure = rect_make(col.x, col.y + col.h - fh, col.w, fh);
            col.h -= fh + 1;
        }
        L->rule = rect_make(col.x, col.y + col.h - 1, col.w, 1);
        set_column(L, c, rect_make(col.x, col.y, col.w, col.h - 1));
        L->scene = rect_make(lw + 5, body.y, w - lw - 5, body.h);
        return;
    }
    if (scene) {
        int rows = narrow_text_rows(c, body.h);
        set_column(L, c, rect_make(1, body.y, page_column_width(t, w), rows));
        L->rule = rect_make(0, body.y + rows, w, 1);
        L->scene = rect_make(0, L->rule.y + 1, w, body.h - rows - 1);
        return;
    }
    L->rule = rect_make(0, body.y + body.h - 1, w, 1);
    set_column(L, c, rect_make(2, body.y + 1, page_column_width(t, w), body.h - 2));
}

/* ---- drawing ----------------------------------------------------------------------------------- */

/* The open number question's answer row: the typed digits in a field, and what Enter does. */
static void draw_input(const Tutor *t, Canvas *canvas, Rect r, int y)
{
    int open = tutor_open_check_index(t);
    const CheckState *s = open >= 0 ? &t->checks[open] : NULL;
    int x = r.x + 2;
    x += canvas_text(canvas, x, y, "Your answer: ", ROLE_DEFAULT, ATTR_BOLD, r.w - 2);
    int field = imin(CHECK_INPUT_MAX + 2, r.x + r.w - x);
    for (int i = 0; i < field; i++)
        canvas_put(canvas, x + i, y, ' ', ROLE_HIGHLIGHT, ATTR_REVERSE);
    if (s)
        canvas_text(canvas, x + 1, y, s->input, ROLE_HIGHLIGHT, ATTR_REVERSE, field - 2);
    if (s && field > s->len + 1)
        canvas_put(canvas, x + 1 + s->len, y, '_', ROLE_HIGHLIGHT, ATTR_REVERSE | ATTR_BOLD);
    x += field + 1;
    /* A hint cut mid-word reads as garbage: the long form, else the short one, else none. */
    const char *hint = s && s->bad_input ? "not a number: fix it, then Enter" : "Enter to check";
    if (utf8_width(hint) > r.x + r.w - x)
        hint = s && s->bad_input ? "not a number" : "Enter";
    if (utf8_width(hint) <= r.x + r.w - x)
        canvas_text(canvas, x, y, hint, s && s->bad_input ? ROLE_WARNING : ROLE_TEXT_DIM, 0, r.x + r.w - x);
}

/* Line `line` of the column on row y of region r: prose, a blank, or a checkpoint's line (marked with a
 * bar in the margin so the question stands out from the prose). */
static void draw_line(const Tutor *t, const PageColumn *c, Canvas *canvas, Rect r, int line, int y)
{
    int prose = text_lines_count(c->prose);
    if (line < prose) {
        text_lines_draw_one(canvas, r.x, y, c->prose, line, r.w);
        return;
    }
    for (int k = 0; k < c->shown; k++) {
        int start = page_column_check_line(c, k), n = text_lines_count(c->checks[k]);
        if (line < start || line >= start + block_lines(c, k))
            continue;
        if (r.x > 0)
            canvas_put(canvas, r.x - 1, y, canvas->unicode ? 0x258C : '|', ROLE_HIGHLIGHT, 0);
        if (line < start + n)
            text_lines_draw_one(canvas, r.x, y, c->checks[k], line - start, r.w);
        else
            draw_input(t, canvas, r, y);
        return;
    }
}

void page_column_draw(const Tutor *t, const PageColumn *c, const PageLayout *L, int scroll, Canvas *canvas)
{
    Rect r = L->prose;
    if (r.h <= 0 || r.w <= 0)
        return;
    int stick = r.h - L->pinned;
    bool pinned = L->current_line >= 0 && L->current_line - scroll > stick;
    int rows = pinned ? stick : r.h;
    for (int row = 0; row < rows; row++)
        draw_line(t, c, canvas, r, scroll + row, r.y + row);
    for (int row = 0; pinned && row < L->pinned; row++)
        draw_line(t, c, canvas, r, L->current_line + row, r.y + stick + row);
}
