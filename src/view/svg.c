/* A canvas written as one standalone SVG picture: a monospace grid in the theme's colors (view layer). */
#include "view/svg.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "view/unicode.h"

/* Baseline of a row's text below the row's top: the 10-unit em box centred in the 12-unit row. */
enum { SVG_BASELINE = 9 };

/* What the terminal itself shows where a theme keeps its own color (-1). */
static const uint32_t dark_terminal_fg = 0xd0d0d0, dark_terminal_bg = 0x1c1c1c;
static const uint32_t light_terminal_fg = 0x1c1c1c, light_terminal_bg = 0xffffff;

typedef struct SvgBuf {
    char *data;
    size_t len, cap;
} SvgBuf;

static void svgbuf_reserve(SvgBuf *b, size_t n)
{
    if (b->len + n + 1 <= b->cap)
        return;
    while (b->len + n + 1 > b->cap)
        b->cap = b->cap ? b->cap * 2 : 4096;
    b->data = xrealloc(b->data, b->cap);
}

static void svgbuf_add(SvgBuf *b, const char *s, size_t n)
{
    svgbuf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void svgbuf_printf(SvgBuf *b, const char *fmt, ...)
{
    char s[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    if (n > 0)
        svgbuf_add(b, s, (size_t)n < sizeof s ? (size_t)n : sizeof s - 1);
}

uint32_t svg_xterm_rgb(int index)
{
    return theme_xterm_rgb(index);
}

/* How one cell looks once the theme, reverse and dim are applied. */
typedef struct CellLook {
    uint32_t fg, bg;
    bool painted_bg;    /* bg differs from the picture's background rect */
    int text_attr;      /* ATTR_BOLD | ATTR_ITALIC | ATTR_UNDERLINE */
} CellLook;

typedef struct SvgContext {
    const Theme *theme;
    uint32_t term_fg, term_bg;
} SvgContext;

static CellLook cell_look(const SvgContext *ctx, const Cell *cell)
{
    const ThemeColor *tc = &ctx->theme->roles[cell->role < ROLE_COUNT ? cell->role : ROLE_DEFAULT];
    CellLook look = { .text_attr = (cell->attr | tc->attr) & (ATTR_BOLD | ATTR_ITALIC | ATTR_UNDERLINE) };
    theme_cell_rgb(ctx->theme, THEME_PALETTE_256, (ColorRole)cell->role, cell->attr, ctx->term_fg, ctx->term_bg,
                   &look.fg, &look.bg);
    look.painted_bg = look.bg != ctx->term_bg;
    return look;
}

/* A space that is not underlined shows only its background, so a text run may pass over it. */
static bool cell_is_gap(const Cell *cell, const CellLook *look)
{
    return (cell->ch == ' ' || cell->ch == CANVAS_WIDE_TAIL) && !(look->text_attr & ATTR_UNDERLINE);
}

static bool same_text_style(const CellLook *a, const CellLook *b)
{
    return a->fg == b->fg && a->text_attr == b->text_attr;
}

/* XML 1.0 allows neither most control characters nor U+FFFE/U+FFFF. */
static uint32_t xml_safe_code_point(uint32_t cp)
{
    if ((cp < 0x20 && cp != '\t') || cp == 0x7f || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe ||
        cp == 0xffff || cp > 0x10ffff)
        return UNICODE_REPLACEMENT;
    return cp;
}

static void svgbuf_add_escaped(SvgBuf *b, uint32_t cp)
{
    switch (cp) {
    case '&': svgbuf_add(b, "&amp;", 5); return;
    case '<': svgbuf_add(b, "&lt;", 4); return;
    case '>': svgbuf_add(b, "&gt;", 4); return;
    default: break;
    }
    char u[4];
    svgbuf_add(b, u, (size_t)utf8_encode(xml_safe_code_point(cp), u));
}

/* Rects for each run of cells on the row painting the same non-background color. */
static void emit_row_backgrounds(SvgBuf *b, const SvgContext *ctx, const Canvas *canvas, int y)
{
    const Cell *row = canvas->cells + (size_t)y * (size_t)canvas->width;
    int x = 0;
    while (x < canvas->width) {
        CellLook look = cell_look(ctx, &row[x]);
        if (!look.painted_bg) {
            x++;
            continue;
        }
        int end = x + 1;
        while (end < canvas->width) {
            CellLook next = cell_look(ctx, &row[end]);
            if (!next.painted_bg || next.bg != look.bg)
                break;
            end++;
        }
        svgbuf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#%06x\"/>\n",
                      x * SVG_CELL_WIDTH, y * SVG_CELL_HEIGHT, (end - x) * SVG_CELL_WIDTH, SVG_CELL_HEIGHT,
                      (unsigned)look.bg);
        x = end;
    }
}

/* One <text> per run of cells of one text style; gaps between words ride along inside the run. */
static void emit_row_text(SvgBuf *b, const SvgContext *ctx, const Canvas *canvas, int y)
{
    const Cell *row = canvas->cells + (size_t)y * (size_t)canvas->width;
    int x = 0;
    while (x < canvas->width) {
        CellLook look = cell_look(ctx, &row[x]);
        if (cell_is_gap(&row[x], &look)) {
            x++;
            continue;
        }
        /* last: one past the run's last visible cell (a wide glyph's tail included). */
        int end = x + 1, last = x + 1;
        while (end < canvas->width) {
            CellLook next = cell_look(ctx, &row[end]);
            bool gap = cell_is_gap(&row[end], &next);
            if (!gap && !same_text_style(&next, &look))
                break;
            if (!gap || row[end].ch == CANVAS_WIDE_TAIL)
                last = end + 1;
            end++;
        }
        svgbuf_printf(b, "<text x=\"%d\" y=\"%d\" textLength=\"%d\"", x * SVG_CELL_WIDTH,
                      y * SVG_CELL_HEIGHT + SVG_BASELINE, (last - x) * SVG_CELL_WIDTH);
        if (look.fg != ctx->term_fg)
            svgbuf_printf(b, " fill=\"#%06x\"", (unsigned)look.fg);
        if (look.text_attr & ATTR_BOLD)
            svgbuf_add(b, " font-weight=\"bold\"", 19);
        if (look.text_attr & ATTR_ITALIC)
            svgbuf_add(b, " font-style=\"italic\"", 20);
        if (look.text_attr & ATTR_UNDERLINE)
            svgbuf_add(b, " text-decoration=\"underline\"", 28);
        svgbuf_add(b, ">", 1);
        for (int i = x; i < last; i++)
            if (row[i].ch != CANVAS_WIDE_TAIL)
                svgbuf_add_escaped(b, row[i].ch);
        svgbuf_add(b, "</text>\n", 8);
        x = last;
    }
}

char *svg_render(const Canvas *canvas, const Theme *theme)
{
    SvgContext ctx = { .theme = theme };
    bool dark = !theme_is_light(theme);
    const ThemeColor *def = &theme->roles[ROLE_DEFAULT];
    ctx.term_fg = def->fg256 >= 0 ? theme_xterm_rgb(def->fg256) : dark ? dark_terminal_fg : light_terminal_fg;
    ctx.term_bg = def->bg256 >= 0 ? theme_xterm_rgb(def->bg256) : dark ? dark_terminal_bg : light_terminal_bg;

    /* The grid keeps its coordinates; the view box adds a margin of the background around it, so a
     * glyph drawn a little wider than its cell (bold, braille in some fonts) is never cut at an edge. */
    int w = canvas->width * SVG_CELL_WIDTH, h = canvas->height * SVG_CELL_HEIGHT;
    int vw = w + 2 * SVG_MARGIN, vh = h + 2 * SVG_MARGIN;
    SvgBuf b = {0};
    svgbuf_add(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39);
    /* Shown at 1.4x so one cell is 8.4 x 16.8 pixels, like a 14-pixel terminal font. */
    svgbuf_printf(&b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d.%d\" height=\"%d.%d\" "
                  "viewBox=\"%d %d %d %d\"\n"
                  "     font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"10\"\n"
                  "     fill=\"#%06x\" xml:space=\"preserve\">\n",
                  vw * 14 / 10, vw * 14 % 10, vh * 14 / 10, vh * 14 % 10, -SVG_MARGIN, -SVG_MARGIN, vw, vh,
                  (unsigned)ctx.term_fg);
    svgbuf_printf(&b, "<title>bntutor frame, %dx%d</title>\n", canvas->width, canvas->height);
    svgbuf_printf(&b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#%06x\"/>\n", -SVG_MARGIN,
                  -SVG_MARGIN, vw, vh, (unsigned)ctx.term_bg);
    for (int y = 0; y < canvas->height; y++)
        emit_row_backgrounds(&b, &ctx, canvas, y);
    for (int y = 0; y < canvas->height; y++)
        emit_row_text(&b, &ctx, canvas, y);
    svgbuf_add(&b, "</svg>\n", 7);
    return b.data;
}
