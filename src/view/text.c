/* Wrapped markup text: parsing **bold**, *emphasis*, `code`, \symbols into glyphs, then greedy wrapping (view layer). */
#include "view/text.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "view/unicode.h"

typedef struct Glyph {
    uint32_t ch;        /* '\n' for a line break */
    uint8_t attr, role;
    int8_t width;
} Glyph;

typedef struct GlyphList {
    Glyph *items;
    int n, cap;
} GlyphList;

static void glyph_push(GlyphList *list, uint32_t ch, int attr, int role, int width)
{
    if (list->n == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 64;
        list->items = xrealloc(list->items, (size_t)list->cap * sizeof *list->items);
    }
    list->items[list->n++] = (Glyph){ch, (uint8_t)attr, (uint8_t)role, (int8_t)width};
}

static void glyph_push_utf8(GlyphList *list, const char *s, int attr, int role, bool unicode)
{
    uint32_t cp;
    int n;
    while ((n = utf8_decode(s, &cp)) > 0) {
        s += n;
        int w = unicode_width(cp);
        if (cp == '\n') {
            glyph_push(list, '\n', 0, role, 0);
            continue;
        }
        if (cp == '\t')
            cp = ' ', w = 1;
        if (w < 0)
            cp = UNICODE_REPLACEMENT, w = 1;
        if (w == 0)
            continue;
        if (!unicode && cp >= 0x80)
            cp = unicode_ascii_fallback(cp), w = 1;
        glyph_push(list, cp, attr, role, w);
    }
}

static const struct Symbol {
    const char *name, *utf8, *ascii;
} symbols[] = {
    {"alpha", "\xce\xb1", "alpha"},   {"beta", "\xce\xb2", "beta"},      {"gamma", "\xce\xb3", "gamma"},
    {"delta", "\xce\xb4", "delta"},   {"epsilon", "\xce\xb5", "eps"},    {"eta", "\xce\xb7", "eta"},
    {"theta", "\xce\xb8", "theta"},   {"lambda", "\xce\xbb", "lambda"},  {"mu", "\xce\xbc", "mu"},
    {"sigma", "\xcf\x83", "sigma"},   {"Sigma", "\xce\xa3", "Sigma"},    {"nabla", "\xe2\x88\x87", "grad"},
    {"partial", "\xe2\x88\x82", "d"}, {"sqrt", "\xe2\x88\x9a", "sqrt"},  {"times", "\xc3\x97", "x"},
    {"cdot", "\xc2\xb7", "*"},        {"pm", "\xc2\xb1", "+/-"},         {"approx", "\xe2\x89\x88", "~"},
    {"le", "\xe2\x89\xa4", "<="},     {"ge", "\xe2\x89\xa5", ">="},      {"ne", "\xe2\x89\xa0", "!="},
    {"to", "\xe2\x86\x92", "->"},     {"infty", "\xe2\x88\x9e", "inf"},  {"sum", "\xce\xa3", "sum"},
    {"minus", "\xe2\x88\x92", "-"},   {"deg", "\xc2\xb0", "deg"},        {"sq", "\xc2\xb2", "^2"},
};

const char *text_symbol(const char *name, bool unicode)
{
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
        if (strcmp(name, symbols[i].name) == 0)
            return unicode ? symbols[i].utf8 : symbols[i].ascii;
    return NULL;
}

static void parse_markup(GlyphList *out, const char *s, int role, bool unicode)
{
    int attr = 0;
    while (*s) {
        if (s[0] == '\\' && (s[1] == '\\' || s[1] == '*' || s[1] == '`')) {
            glyph_push(out, (unsigned char)s[1], attr, role, 1);
            s += 2;
        } else if (s[0] == '\\' && ((s[1] >= 'a' && s[1] <= 'z') || (s[1] >= 'A' && s[1] <= 'Z'))) {
            char name[16];
            int n = 0;
            const char *p = s + 1;
            while (((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) && n < 15)
                name[n++] = *p++;
            name[n] = '\0';
            const char *sym = text_symbol(name, unicode);
            if (sym) {
                glyph_push_utf8(out, sym, attr, role, unicode);
                /* "{}" ends a name where a letter follows: \partial{}L is ∂L. */
                s = p[0] == '{' && p[1] == '}' ? p + 2 : p;
            } else {
                glyph_push(out, '\\', attr, role, 1);
                s++;
            }
        } else if (s[0] == '*' && s[1] == '*') {
            attr ^= ATTR_BOLD;
            s += 2;
        } else if (s[0] == '*') {
            attr ^= ATTR_ITALIC;
            s++;
        } else if (s[0] == '`') {
            const char *end = strchr(s + 1, '`');
            size_t len = end ? (size_t)(end - s - 1) : strlen(s + 1);
            char *code = xmalloc(len + 1);
            memcpy(code, s + 1, len);
            code[len] = '\0';
            glyph_push_utf8(out, code, attr, ROLE_CODE, unicode);
            free(code);
            s += len + 1 + (end ? 1 : 0);
        } else {
            /* A run of plain text up to the next markup character. */
            size_t len = strcspn(s, "\\*`");
            if (len == 0)
                len = 1;
            char stackbuf[256];
            char *run = len < sizeof stackbuf ? stackbuf : xmalloc(len + 1);
            memcpy(run, s, len);
            run[len] = '\0';
            glyph_push_utf8(out, run, attr, role, unicode);
            if (run != stackbuf)
                free(run);
            s += len;
        }
    }
}

/* Wraps and (when canvas) draws; returns the line count. */
static int wrap(const GlyphList *g, Canvas *canvas, Rect area, int width, int first_line)
{
    if (width < 1)
        return 0;
    int lines = 0, i = 0;
    bool continuation = false;
    while (i < g->n) {
        if (continuation)
            while (i < g->n && g->items[i].ch == ' ')
                i++;
        if (i >= g->n)
            break;
        int col = 0, j = i, brk = -1;
        int end = g->n, next = g->n;
        bool newline = false;
        for (; j < g->n; j++) {
            const Glyph *gl = &g->items[j];
            if (gl->ch == '\n') {
                end = j;
                next = j + 1;
                newline = true;
                break;
            }
            if (col + gl->width > width) {
                if (brk > i) {
                    end = brk;
                    next = brk + 1;
                } else if (j > i) {
                    end = j;
                    next = j;
                } else {
                    end = j;            /* a wide glyph wider than the area: skip it */
                    next = j + 1;
                }
                break;
            }
            if (gl->ch == ' ')
                brk = j;
            col += gl->width;
        }
        if (canvas && lines >= first_line && lines - first_line < area.h) {
            int x = area.x, y = area.y + lines - first_line;
            for (int k = i; k < end; k++) {
                const Glyph *gl = &g->items[k];
                canvas_put(canvas, x, y, gl->ch, (ColorRole)gl->role, gl->attr);
                x += gl->width;
            }
        }
        lines++;
        continuation = !newline;
        i = next;
    }
    return lines;
}

int text_draw(Canvas *canvas, Rect area, const char *markup, ColorRole role, int first_line)
{
    if (!canvas || !markup)
        return 0;
    GlyphList g = {0};
    parse_markup(&g, markup, role, canvas->unicode);
    int lines = wrap(&g, canvas, area, area.w, first_line < 0 ? 0 : first_line);
    free(g.items);
    return lines;
}

int text_height(const char *markup, int width, bool unicode)
{
    if (!markup)
        return 0;
    GlyphList g = {0};
    parse_markup(&g, markup, ROLE_DEFAULT, unicode);
    int lines = wrap(&g, NULL, rect_make(0, 0, 0, 0), width, 0);
    free(g.items);
    return lines;
}
