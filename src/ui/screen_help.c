/* The help overlay: every key of the screen underneath, as that screen lists them (ui layer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/screen.h"
#include "ui/tutor_priv.h"
#include "view/chrome.h"
#include "view/keys.h"
#include "view/unicode.h"

/* Columns of a key; the narrowest label column that still reads (narrower: one column, not two);
 * the widest column two take (wider only spreads them apart). */
enum { HELP_KEY_COLS = 13, HELP_LABEL_MIN = 20, HELP_COLUMN_MAX = 36, HELP_ROWS_MAX = 2 * HELP_LINES_MAX + 1 };

/* One row of the overlay: a heading, or a key with (a piece of) its label; a long label wraps onto rows
 * with no key. */
typedef struct HelpRow {
    const char *key;            /* NULL on a heading and on a label's later rows */
    const char *text;           /* the label's piece, text[0..len) */
    int len;
    bool heading;
} HelpRow;

/* Where everything goes at one size: the panel, its columns and their rows, and how far it scrolls. */
typedef struct HelpLayout {
    Rect panel, inner;          /* inner: where rows go */
    int cols, colw;
    HelpRow rows[2][HELP_ROWS_MAX];
    int n[2];
    int visible;                /* rows on screen at once */
    int top_max;                /* the last row scrolled to the top that still fills the panel */
} HelpLayout;

typedef struct HelpState {
    int top;                    /* first row shown */
    int width, height;          /* the canvas, from the last resize */
    bool unicode;
} HelpState;

/* Bytes of s that fit in `width` columns, ending at a space when one is there to break at (the space
 * itself is left out); a word longer than the width breaks anywhere. */
static int wrap_piece(const char *s, int width, int *next)
{
    int cols = 0, bytes = 0, last_space = -1;
    while (s[bytes]) {
        uint32_t cp;
        int n = utf8_decode(s + bytes, &cp);
        int w = unicode_width(cp);
        w = w < 0 ? 1 : w;
        if (cols + w > width)
            break;
        if (cp == ' ')
            last_space = bytes;
        cols += w;
        bytes += n;
    }
    if (!s[bytes] || last_space <= 0) {
        *next = bytes > 0 ? bytes : (int)strlen(s);      /* never stuck on a too-narrow column */
        return *next;
    }
    *next = last_space + 1;
    return last_space;
}

static void add_row(HelpLayout *L, int col, HelpRow row)
{
    if (L->n[col] < HELP_ROWS_MAX)
        L->rows[col][L->n[col]++] = row;
}

static void add_list(HelpLayout *L, int col, const HelpList *list, int label_w)
{
    for (int i = 0; i < list->n; i++) {
        const HelpLine *l = &list->lines[i];
        if (!l->key) {
            add_row(L, col, (HelpRow){ NULL, l->label, (int)strlen(l->label), true });
            continue;
        }
        const char *s = l->label, *key = l->key;
        do {
            int next, len = wrap_piece(s, label_w, &next);
            add_row(L, col, (HelpRow){ key, s, len, false });
            key = NULL;
            s += next;
        } while (*s);
    }
}

/* Two columns side by side when each keeps a readable label, else one (the left list, a blank row,
 * the right list); rows that do not fit scroll. */
static void help_layout(HelpLayout *L, const HelpList *left, const HelpList *right, int width, int height)
{
    memset(L, 0, sizeof *L);
    int room = width - 2 - 4;                   /* a column of margin each side, the border, the padding */
    L->cols = right->n > 0 && room >= 2 * (HELP_KEY_COLS + HELP_LABEL_MIN) + 2 ? 2 : 1;
    if (L->cols == 2) {
        L->colw = (room - 2) / 2 > HELP_COLUMN_MAX ? HELP_COLUMN_MAX : (room - 2) / 2;
        add_list(L, 0, left, L->colw - HELP_KEY_COLS);
        add_list(L, 1, right, L->colw - HELP_KEY_COLS);
    } else {
        L->colw = room > HELP_KEY_COLS + 2 * HELP_LABEL_MIN ? HELP_KEY_COLS + 2 * HELP_LABEL_MIN : room;
        int label_w = L->colw - HELP_KEY_COLS > 1 ? L->colw - HELP_KEY_COLS : 1;
        add_list(L, 0, left, label_w);
        if (right->n > 0 && left->n > 0)
            add_row(L, 0, (HelpRow){ NULL, "", 0, true });
        add_list(L, 0, right, label_w);
    }
    int rows = L->n[0] > L->n[1] ? L->n[0] : L->n[1];
    int pw = L->cols * L->colw + (L->cols - 1) * 2 + 4, ph = rows + 4;
    int pad_y = 1;
    if (ph > height - 2) {
        pad_y = 0;                              /* short of rows: the blank rows go first */
        ph = rows + 2 > height - 2 ? height - 2 : rows + 2;
    }
    if (pw > width - 2)
        pw = width - 2;
    L->panel = rect_make((width - pw) / 2, (height - ph) / 2, pw, ph);
    L->inner = rect_inset(rect_inset(L->panel, 1, 1), 1, pad_y);
    L->visible = L->inner.h > 0 ? L->inner.h : 0;
    L->top_max = rows > L->visible ? rows - L->visible : 0;
}

static void draw_row(Canvas *canvas, const HelpRow *row, int x, int y, int w)
{
    char piece[256];
    snprintf(piece, sizeof piece, "%.*s", row->len, row->text);
    if (row->heading) {
        canvas_text(canvas, x, y, piece, ROLE_TITLE, ATTR_BOLD, w);
        return;
    }
    if (row->key)
        canvas_text(canvas, x, y, row->key, ROLE_HIGHLIGHT, ATTR_BOLD, HELP_KEY_COLS - 1);
    canvas_text(canvas, x + HELP_KEY_COLS, y, piece, ROLE_DEFAULT, 0, w - HELP_KEY_COLS);
}

static int clamp_top(int top, const HelpLayout *L)
{
    return top < 0 ? 0 : top > L->top_max ? L->top_max : top;
}

static void help_draw(Tutor *t, const void *state, Canvas *canvas)
{
    const HelpState *hs = state;
    tutor_draw_beneath(t, canvas);
    HelpList left = { .n = 0 }, right = { .n = 0 };
    tutor_help_beneath(t, &left, &right, canvas->unicode);
    HelpLayout layout, *L = &layout;
    help_layout(L, &left, &right, canvas->width, canvas->height);
    for (int y = L->panel.y; y < L->panel.y + L->panel.h; y++)
        for (int x = L->panel.x; x < L->panel.x + L->panel.w; x++)
            canvas_put(canvas, x, y, ' ', ROLE_DEFAULT, 0);
    panel_draw(canvas, L->panel, "Keys (Esc or ? closes)", ROLE_HIGHLIGHT);
    if (L->inner.w > 0 && L->visible > 0) {
        int top = clamp_top(hs->top, L);
        int cw = L->cols == 2 ? (L->inner.w - 2) / 2 : L->inner.w;
        for (int c = 0; c < L->cols; c++)
            for (int i = 0; i < L->visible && top + i < L->n[c]; i++)
                draw_row(canvas, &L->rows[c][top + i], L->inner.x + c * (cw + 2), L->inner.y + i, cw);
        if (L->top_max > 0) {
            /* On the bottom border: which way there is more, and the keys that get there. */
            bool u = canvas->unicode;
            char mark[64];
            snprintf(mark, sizeof mark, " %s%s more (%s) ", top < L->top_max ? (u ? "\xE2\x86\x93" : "v") : "",
                     top > 0 ? (u ? "\xE2\x86\x91" : "^") : "", u ? "\xE2\x86\x91/\xE2\x86\x93" : "up/down");
            int mw = utf8_width(mark), y = L->panel.y + L->panel.h - 1;
            int x = L->panel.x + L->panel.w - mw - 2;
            canvas_text(canvas, x < L->panel.x + 1 ? L->panel.x + 1 : x, y, mark, ROLE_HIGHLIGHT, ATTR_BOLD,
                        L->panel.w - 2);
        }
    }
}

static void *help_create(Tutor *t)
{
    HelpState *hs = calloc(1, sizeof *hs);
    if (hs) {
        hs->width = 80;
        hs->height = 24;
    }
    return hs;
}

static void help_destroy(void *state) { free(state); }

static void help_enter(Tutor *t, void *state)
{
    HelpState *hs = state;
    if (hs)
        hs->top = 0;
}

static void help_resize(Tutor *t, void *state, int width, int height, bool unicode)
{
    HelpState *hs = state;
    if (!hs)
        return;
    hs->width = width;
    hs->height = height;
    hs->unicode = unicode;
}

/* Moves the rows shown by `by` (clamped to what the overlay holds at the last size). */
static void help_scroll(Tutor *t, HelpState *hs, int by, bool page)
{
    if (!hs)
        return;
    HelpList left = { .n = 0 }, right = { .n = 0 };
    tutor_help_beneath(t, &left, &right, hs->unicode);
    HelpLayout layout, *L = &layout;
    help_layout(L, &left, &right, hs->width, hs->height);
    int step = page ? (L->visible > 1 ? L->visible - 1 : 1) : 1;
    hs->top = clamp_top(clamp_top(hs->top, L) + by * step, L);
}

static AppAction help_key(Tutor *t, void *state, int key)
{
    HelpState *hs = state;
    switch (key) {
    case BK_ESC: case '?': case BK_ENTER: case ' ':
        tutor_back(t);
        return APP_CONTINUE;
    case 'q':
        return APP_QUIT;
    case BK_UP:
        help_scroll(t, hs, -1, false);
        return APP_CONTINUE;
    case BK_DOWN:
        help_scroll(t, hs, +1, false);
        return APP_CONTINUE;
    case BK_PAGE_UP:
        help_scroll(t, hs, -1, true);
        return APP_CONTINUE;
    case BK_PAGE_DOWN:
        help_scroll(t, hs, +1, true);
        return APP_CONTINUE;
    case BK_HOME:
        help_scroll(t, hs, -HELP_ROWS_MAX, false);
        return APP_CONTINUE;
    case BK_END:
        help_scroll(t, hs, +HELP_ROWS_MAX, false);
        return APP_CONTINUE;
    case BK_AUTOPLAY:
        return APP_CONTINUE;            /* presenting waits while help is open */
    default:
        return APP_CONTINUE;
    }
}

const TutorScreen screen_help = {
    .name = "help", .overlay = true, .create = help_create, .destroy = help_destroy, .enter = help_enter,
    .resize = help_resize, .draw = help_draw, .key = help_key,
};
