/* The canvas: a plain grid of cells with UTF-8 text drawing and a text/ANSI dump (view layer). */
#include "view/canvas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "view/theme.h"
#include "view/unicode.h"

Canvas *canvas_create(int width, int height, RasterMode raster, bool unicode)
{
    Canvas *canvas = xcalloc(1, sizeof *canvas);
    canvas->raster = raster;
    canvas->unicode = unicode;
    canvas_resize(canvas, width, height);
    return canvas;
}

void canvas_destroy(Canvas *canvas)
{
    if (!canvas)
        return;
    free(canvas->cells);
    free(canvas);
}

void canvas_resize(Canvas *canvas, int width, int height)
{
    if (width < 0)
        width = 0;
    if (height < 0)
        height = 0;
    free(canvas->cells);
    size_t n = (size_t)width * (size_t)height;
    canvas->cells = xcalloc(n ? n : 1, sizeof *canvas->cells);
    canvas->width = width;
    canvas->height = height;
    canvas_clear(canvas);
}

void canvas_clear(Canvas *canvas)
{
    size_t n = (size_t)canvas->width * (size_t)canvas->height;
    for (size_t i = 0; i < n; i++)
        canvas->cells[i] = (Cell){' ', ROLE_DEFAULT, 0};
}

/* Overwriting half of a wide character must not leave the other half dangling. */
static void canvas_break_wide(Canvas *canvas, int x, int y)
{
    Cell *row = canvas->cells + (size_t)y * (size_t)canvas->width;
    if (row[x].ch == CANVAS_WIDE_TAIL && x > 0)
        row[x - 1].ch = ' ';
    if (x + 1 < canvas->width && row[x + 1].ch == CANVAS_WIDE_TAIL && row[x].ch != CANVAS_WIDE_TAIL)
        row[x + 1].ch = ' ';
}

void canvas_put(Canvas *canvas, int x, int y, uint32_t ch, ColorRole role, int attr)
{
    if (!canvas || x < 0 || y < 0 || x >= canvas->width || y >= canvas->height || ch == CANVAS_WIDE_TAIL)
        return;
    int w = unicode_width(ch);
    if (w < 0)
        ch = canvas->unicode ? UNICODE_REPLACEMENT : '?', w = 1;
    if (w == 0)
        return;                         /* combining marks are skipped, not stacked */
    if (!canvas->unicode && ch >= 0x80)
        ch = unicode_ascii_fallback(ch), w = 1;
    if (w == 2 && x + 1 >= canvas->width)
        ch = ' ', w = 1;                /* half a wide character cannot be shown */
    Cell *row = canvas->cells + (size_t)y * (size_t)canvas->width;
    canvas_break_wide(canvas, x, y);
    row[x] = (Cell){ch, (uint8_t)role, (uint8_t)attr};
    if (w == 2) {
        if (x + 2 < canvas->width && row[x + 2].ch == CANVAS_WIDE_TAIL)
            row[x + 2].ch = ' ';
        row[x + 1] = (Cell){CANVAS_WIDE_TAIL, (uint8_t)role, (uint8_t)attr};
    }
}

const Cell *canvas_cell(const Canvas *canvas, int x, int y)
{
    if (!canvas || x < 0 || y < 0 || x >= canvas->width || y >= canvas->height)
        return NULL;
    return canvas->cells + (size_t)y * (size_t)canvas->width + x;
}

int canvas_text(Canvas *canvas, int x, int y, const char *utf8, ColorRole role, int attr, int max_cols)
{
    if (!canvas || !utf8)
        return 0;
    if (max_cols < 0)
        max_cols = canvas->width - x;
    int used = 0;
    uint32_t cp;
    int n;
    while ((n = utf8_decode(utf8, &cp)) > 0) {
        utf8 += n;
        int w = unicode_width(cp);
        if (w < 0)
            cp = UNICODE_REPLACEMENT, w = 1;
        if (w == 0)
            continue;
        if (!canvas->unicode && cp >= 0x80)
            cp = unicode_ascii_fallback(cp), w = 1;
        if (used + w > max_cols)
            break;
        canvas_put(canvas, x + used, y, cp, role, attr);
        used += w;
    }
    return used;
}

/* A growable byte buffer for the dump. */
typedef struct Buf {
    char *data;
    size_t len, cap;
} Buf;

static void buf_add(Buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap)
            b->cap = b->cap ? b->cap * 2 : 256;
        b->data = xrealloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_sgr(Buf *b, const Theme *theme, const Cell *cell)
{
    const ThemeColor *tc = &theme->roles[cell->role < ROLE_COUNT ? cell->role : ROLE_DEFAULT];
    int attr = cell->attr | tc->attr;
    char s[64];
    int n = snprintf(s, sizeof s, "\x1b[0");
    if (attr & ATTR_BOLD)
        n += snprintf(s + n, sizeof s - (size_t)n, ";1");
    if (attr & ATTR_DIM)
        n += snprintf(s + n, sizeof s - (size_t)n, ";2");
    if (attr & ATTR_ITALIC)
        n += snprintf(s + n, sizeof s - (size_t)n, ";3");
    if (attr & ATTR_UNDERLINE)
        n += snprintf(s + n, sizeof s - (size_t)n, ";4");
    if (attr & ATTR_REVERSE)
        n += snprintf(s + n, sizeof s - (size_t)n, ";7");
    if (tc->fg256 >= 0)
        n += snprintf(s + n, sizeof s - (size_t)n, ";38;5;%d", tc->fg256);
    if (tc->bg256 >= 0)
        n += snprintf(s + n, sizeof s - (size_t)n, ";48;5;%d", tc->bg256);
    n += snprintf(s + n, sizeof s - (size_t)n, "m");
    buf_add(b, s, (size_t)n);
}

/* With colors, a trailing space still shows when its style paints a background. */
static bool cell_visible(const Theme *theme, const Cell *cell, bool ansi)
{
    if (cell->ch != ' ' && cell->ch != CANVAS_WIDE_TAIL)
        return true;
    if (!ansi || cell->ch == CANVAS_WIDE_TAIL)
        return false;
    const ThemeColor *tc = &theme->roles[cell->role < ROLE_COUNT ? cell->role : ROLE_DEFAULT];
    return tc->bg256 >= 0 || ((cell->attr | tc->attr) & (ATTR_REVERSE | ATTR_UNDERLINE));
}

/* A role with no colour and no attribute of its own is the terminal's plain style: "\x1b[0m" draws it. */
static bool role_is_plain(const Theme *theme, int role, int attr)
{
    const ThemeColor *tc = &theme->roles[role < ROLE_COUNT ? role : ROLE_DEFAULT];
    return attr == 0 && tc->attr == 0 && tc->fg256 < 0 && tc->bg256 < 0;
}

static char *dump_rows(const Canvas *canvas, const Theme *theme)
{
    bool ansi = theme != NULL;
    Buf b = {0};
    buf_add(&b, "", 0);
    for (int y = 0; y < canvas->height; y++) {
        const Cell *row = canvas->cells + (size_t)y * (size_t)canvas->width;
        int end = canvas->width;
        while (end > 0 && !cell_visible(theme, &row[end - 1], ansi))
            end--;
        /* Each row starts from the terminal's plain style, which is the default role's only when that
         * role paints nothing: a theme with its own background sets it on every row. */
        int cur_role = -1, cur_attr = 0;
        if (ansi && role_is_plain(theme, ROLE_DEFAULT, 0))
            cur_role = ROLE_DEFAULT;
        for (int x = 0; x < end; x++) {
            const Cell *cell = &row[x];
            if (cell->ch == CANVAS_WIDE_TAIL)
                continue;
            if (ansi && (cell->role != cur_role || cell->attr != cur_attr)) {
                if (role_is_plain(theme, cell->role, cell->attr))
                    buf_add(&b, "\x1b[0m", 4);
                else
                    buf_sgr(&b, theme, cell);
                cur_role = cell->role;
                cur_attr = cell->attr;
            }
            char u[4];
            buf_add(&b, u, (size_t)utf8_encode(cell->ch, u));
        }
        if (ansi && cur_role >= 0 && !role_is_plain(theme, cur_role, cur_attr))
            buf_add(&b, "\x1b[0m", 4);
        if (y + 1 < canvas->height)
            buf_add(&b, "\n", 1);
    }
    return b.data;
}

char *canvas_dump(const Canvas *canvas, bool ansi)
{
    if (!ansi)
        return dump_rows(canvas, NULL);
    Theme theme;
    theme_default(&theme);
    return dump_rows(canvas, &theme);
}

char *canvas_dump_ansi(const Canvas *canvas, const struct Theme *theme)
{
    return dump_rows(canvas, theme);
}
