/* The canvas-to-terminal-bytes diff encoder behind `bntutor export` (view layer; no terminal in it). */
#include "view/ansi.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "view/unicode.h"

/* What a cell looks like on a terminal: its colours (-1 the terminal's own) and attribute bits. */
typedef struct AnsiStyle {
    short fg, bg;
    int attr;
} AnsiStyle;

struct AnsiEncoder {
    Theme theme;
    bool color;
    Cell *shown;            /* the screen as the bytes so far left it; NULL before the first frame */
    int width, height;
    int cur_x, cur_y;       /* where the cursor is; cur_y -1 when unknown (after a write in the last column) */
    AnsiStyle style;        /* the SGR in effect */
    bool *dirty;            /* one row's cells to rewrite */
    char *out;              /* the frame's bytes */
    size_t len, cap;
};

AnsiEncoder *ansi_encoder_create(const Theme *theme, bool color)
{
    AnsiEncoder *e = xcalloc(1, sizeof *e);
    e->theme = *theme;
    e->color = color;
    e->out = xmalloc(e->cap = 4096);
    e->out[0] = '\0';
    return e;
}

void ansi_encoder_destroy(AnsiEncoder *e)
{
    if (!e)
        return;
    free(e->shown);
    free(e->dirty);
    free(e->out);
    free(e);
}

static void emit(AnsiEncoder *e, const char *s, size_t n)
{
    if (e->len + n + 1 > e->cap) {
        while (e->len + n + 1 > e->cap)
            e->cap *= 2;
        e->out = xrealloc(e->out, e->cap);
    }
    memcpy(e->out + e->len, s, n);
    e->len += n;
    e->out[e->len] = '\0';
}

static AnsiStyle cell_style(const AnsiEncoder *e, const Cell *cell)
{
    const ThemeColor *tc = &e->theme.roles[cell->role < ROLE_COUNT ? cell->role : ROLE_DEFAULT];
    AnsiStyle s = { -1, -1, cell->attr | tc->attr };
    if (e->color) {
        s.fg = tc->fg256 >= 0 && tc->fg256 < 256 ? tc->fg256 : -1;
        s.bg = tc->bg256 >= 0 && tc->bg256 < 256 ? tc->bg256 : -1;
    } else {
        s.attr |= tc->mono_attr;
    }
    return s;
}

static bool style_equal(AnsiStyle a, AnsiStyle b) { return a.fg == b.fg && a.bg == b.bg && a.attr == b.attr; }

static void set_style(AnsiEncoder *e, AnsiStyle s)
{
    if (style_equal(s, e->style))
        return;
    /* Always from a reset: one form for every change, no attribute left over from the last style. */
    char sgr[64];
    int n = snprintf(sgr, sizeof sgr, "\x1b[0");
    static const struct { int bit; const char *code; } codes[] = {
        { ATTR_BOLD, ";1" }, { ATTR_DIM, ";2" }, { ATTR_ITALIC, ";3" }, { ATTR_UNDERLINE, ";4" },
        { ATTR_REVERSE, ";7" },
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (s.attr & codes[i].bit)
            n += snprintf(sgr + n, sizeof sgr - (size_t)n, "%s", codes[i].code);
    if (s.fg >= 0)
        n += snprintf(sgr + n, sizeof sgr - (size_t)n, ";38;5;%d", s.fg);
    if (s.bg >= 0)
        n += snprintf(sgr + n, sizeof sgr - (size_t)n, ";48;5;%d", s.bg);
    n += snprintf(sgr + n, sizeof sgr - (size_t)n, "m");
    emit(e, sgr, (size_t)n);
    e->style = s;
}

/* After a clear, a cell is already right when it is a space whose style paints nothing. */
static bool blank_on_clear(const AnsiEncoder *e, const Cell *cell)
{
    AnsiStyle s = cell_style(e, cell);
    return cell->ch == ' ' && s.bg < 0 && !(s.attr & (ATTR_REVERSE | ATTR_UNDERLINE));
}

static bool cell_equal(const Cell *a, const Cell *b)
{
    return a->ch == b->ch && a->role == b->role && a->attr == b->attr;
}

/* A head that really takes two columns: wide, and its tail beside it. */
static bool wide_pair(const Cell *row, int x, int width)
{
    return row[x].ch != CANVAS_WIDE_TAIL && unicode_width(row[x].ch) == 2 && x + 1 < width &&
           row[x + 1].ch == CANVAS_WIDE_TAIL;
}

/* The code point a terminal is sent for a cell: controls and anything unprintable become a space,
 * invalid code points U+FFFD, so the stream never carries a control byte from the canvas. */
static uint32_t printable(uint32_t ch)
{
    if (ch > 0x10FFFF || (ch >= 0xD800 && ch <= 0xDFFF))
        return UNICODE_REPLACEMENT;
    if (ch < 0x20 || (ch >= 0x7F && ch < 0xA0) || unicode_width(ch) < 1)
        return ' ';
    return ch;
}

/* Marks which cells of row y to rewrite: changed ones, widened so a wide character (as shown before or
 * as it is now) is always rewritten whole. */
static void mark_row(AnsiEncoder *e, const Cell *row, const Cell *before, int width)
{
    for (int x = 0; x < width; x++)
        e->dirty[x] = before ? !cell_equal(&row[x], &before[x]) : !blank_on_clear(e, &row[x]);
    bool spread;
    do {
        spread = false;
        for (int x = 0; x + 1 < width; x++) {
            bool pair = wide_pair(row, x, width) || (before && wide_pair(before, x, width));
            if (pair && e->dirty[x] != e->dirty[x + 1]) {
                e->dirty[x] = e->dirty[x + 1] = true;
                spread = true;
            }
        }
    } while (spread);
}

/* Moves the cursor to (x, y): a few unchanged cells in the current style are cheaper rewritten. */
static void move_to(AnsiEncoder *e, const Cell *row, int x, int y)
{
    if (e->cur_y == y && e->cur_x == x)
        return;
    if (e->cur_y == y && e->cur_x < x && x - e->cur_x <= 3) {
        bool cheap = true;
        for (int k = e->cur_x; k < x && cheap; k++)
            cheap = row[k].ch != CANVAS_WIDE_TAIL && unicode_width(row[k].ch) == 1 &&
                    printable(row[k].ch) == row[k].ch && style_equal(cell_style(e, &row[k]), e->style);
        if (cheap) {
            for (int k = e->cur_x; k < x; k++) {
                char u[4];
                emit(e, u, (size_t)utf8_encode(row[k].ch, u));
            }
            e->cur_x = x;
            return;
        }
    }
    char cup[32];
    int n = e->cur_y == y ? snprintf(cup, sizeof cup, "\x1b[%dG", x + 1)
                          : snprintf(cup, sizeof cup, "\x1b[%d;%dH", y + 1, x + 1);
    emit(e, cup, (size_t)n);
    e->cur_x = x;
    e->cur_y = y;
}

const char *ansi_encoder_frame(AnsiEncoder *e, const Canvas *canvas, size_t *len)
{
    int w = canvas->width, h = canvas->height;
    size_t n = (size_t)w * (size_t)h;
    e->len = 0;
    e->out[0] = '\0';
    bool full = !e->shown || e->width != w || e->height != h;
    if (full) {
        free(e->shown);
        free(e->dirty);
        e->shown = xcalloc(n ? n : 1, sizeof *e->shown);
        e->dirty = xcalloc(w > 0 ? (size_t)w : 1, sizeof *e->dirty);
        e->width = w;
        e->height = h;
        /* Reset before the clear: the terminal fills erased cells with the current background. */
        emit(e, "\x1b[0m\x1b[?25l\x1b[H\x1b[2J", 17);
        e->style = (AnsiStyle){ -1, -1, 0 };
        e->cur_x = e->cur_y = 0;
    }
    for (int y = 0; y < h; y++) {
        const Cell *row = canvas->cells + (size_t)y * (size_t)w;
        const Cell *before = full ? NULL : e->shown + (size_t)y * (size_t)w;
        mark_row(e, row, before, w);
        for (int x = 0; x < w;) {
            if (!e->dirty[x]) {
                x++;
                continue;
            }
            int cols = 1;
            uint32_t ch = row[x].ch;
            if (wide_pair(row, x, w))
                cols = 2;
            else if (ch == CANVAS_WIDE_TAIL || unicode_width(ch) != 1)
                ch = ' ';       /* an orphan tail, or a wide head without room for its right half */
            move_to(e, row, x, y);
            set_style(e, cell_style(e, &row[x]));
            char u[4];
            emit(e, u, (size_t)utf8_encode(printable(ch), u));
            x += cols;
            e->cur_x = x;
            if (x >= w)
                e->cur_y = -1;  /* the terminal may be waiting to wrap: place the cursor afresh */
        }
    }
    memcpy(e->shown, canvas->cells, n * sizeof *e->shown);
    if (len)
        *len = e->len;
    return e->out;
}
