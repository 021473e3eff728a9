/* Wrapped markup text: parsing **bold**, *emphasis*, `code`, \symbols into glyphs, then greedy wrapping (view layer). */
#include "view/text.h"

#include <ctype.h>
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

/* Prose typed with the characters themselves (σ², κ) reads better spelled out on an ASCII screen than
 * as the single stand-in the canvas would use: the symbol table's own spellings, plus a few
 * characters that have no \name. */
static const char *spelled_ascii(uint32_t cp)
{
    char utf8[8];
    int n = utf8_encode(cp, utf8);
    utf8[n > 0 ? n : 0] = '\0';
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++)
        if (strcmp(symbols[i].utf8, utf8) == 0)
            return symbols[i].ascii;
    switch (cp) {
    case 0x00B3: return "^3";
    case 0x03BA: return "kappa";
    default: return NULL;
    }
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
        const char *spelled = !unicode && cp >= 0x80 ? spelled_ascii(cp) : NULL;
        if (spelled) {
            for (; *spelled; spelled++)
                glyph_push(list, (uint32_t)(unsigned char)*spelled, attr, role, 1);
            continue;
        }
        if (!unicode && cp >= 0x80)
            cp = unicode_ascii_fallback(cp), w = 1;
        glyph_push(list, cp, attr, role, w);
    }
}


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

const char *text_plain(const char *markup, bool unicode, char *buf, int size)
{
    GlyphList g = { 0 };
    parse_markup(&g, markup ? markup : "", ROLE_DEFAULT, unicode);
    int used = 0;
    bool blank = true;                  /* drops leading blanks and repeats */
    if (size > 0)
        buf[0] = '\0';
    for (int i = 0; i < g.n && size > 0; i++) {
        uint32_t ch = g.items[i].ch;
        if (ch == '\n' || ch == ' ') {
            if (blank)
                continue;
            ch = ' ';
            blank = true;
        } else {
            blank = false;
        }
        char utf8[8];
        int n = utf8_encode(ch, utf8);
        if (n <= 0 || used + n >= size)
            break;
        memcpy(buf + used, utf8, (size_t)n);
        used += n;
        buf[used] = '\0';
    }
    while (used > 0 && buf[used - 1] == ' ')
        buf[--used] = '\0';
    free(g.items);
    return buf;
}

/* The width of a list marker opening the line at glyph i ("- ", "3. ", "12) ", "a) " after any spaces), so
 * the item's wrapped lines can hang under its text; 0 when the line is not a list item. */
static int list_hang(const GlyphList *g, int i)
{
    int j = i;
    while (j < g->n && g->items[j].ch == ' ')
        j++;
    int start = j;
    if (j < g->n && g->items[j].ch == '-') {
        j++;
    } else if (j + 1 < g->n && g->items[j].ch < 0x80 && isalpha((int)g->items[j].ch) && g->items[j + 1].ch == ')') {
        j += 2;                         /* a checkpoint's choice: "a) " */
    } else {
        while (j < g->n && g->items[j].ch >= '0' && g->items[j].ch <= '9' && j - start < 3)
            j++;
        if (j == start || j >= g->n || (g->items[j].ch != '.' && g->items[j].ch != ')'))
            return 0;
        j++;
    }
    if (j >= g->n || g->items[j].ch != ' ')
        return 0;
    while (j < g->n && g->items[j].ch == ' ')
        j++;
    return j - i;
}

/* One wrapped line: glyphs [start, end) drawn from column `indent`. */
typedef struct TextLine {
    int start, end, indent;
} TextLine;

struct TextLines {
    GlyphList glyphs;
    TextLine *lines;
    int n, cap;
};

static void line_push(TextLines *out, int start, int end, int indent)
{
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 16;
        out->lines = xrealloc(out->lines, (size_t)out->cap * sizeof *out->lines);
    }
    out->lines[out->n++] = (TextLine){start, end, indent};
}

/* Greedy wrapping of out->glyphs at full_width columns into out->lines. */
static void wrap(TextLines *out, int full_width)
{
    const GlyphList *g = &out->glyphs;
    if (full_width < 1)
        return;
    int i = 0, hang = 0;
    bool continuation = false;
    while (i < g->n) {
        if (continuation)
            while (i < g->n && g->items[i].ch == ' ')
                i++;
        else
            hang = list_hang(g, i);
        if (i >= g->n)
            break;
        /* A list item's wrapped lines start under its text, when that leaves a useful width. */
        int indent = continuation && full_width - hang >= 12 ? hang : 0;
        int width = full_width - indent;
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
                if (gl->ch == ' ' && j > i) {
                    end = j;                /* the word before ends exactly at the edge */
                    next = j + 1;
                } else if (brk > i) {
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
        line_push(out, i, end, indent);
        continuation = !newline;
        i = next;
    }
}

static TextLines *lines_make(const char *markup, ColorRole role, int width, bool unicode)
{
    TextLines *t = xcalloc(1, sizeof *t);
    if (markup) {
        parse_markup(&t->glyphs, markup, role, unicode);
        wrap(t, width);
    }
    return t;
}

static unsigned long lines_created;

TextLines *text_lines_create(const char *markup, ColorRole role, int width, bool unicode)
{
    lines_created++;
    return lines_make(markup, role, width, unicode);
}

unsigned long text_lines_created(void) { return lines_created; }

void text_lines_destroy(TextLines *lines)
{
    if (!lines)
        return;
    free(lines->glyphs.items);
    free(lines->lines);
    free(lines);
}

int text_lines_count(const TextLines *lines) { return lines ? lines->n : 0; }

void text_lines_draw_one(Canvas *canvas, int x, int y, const TextLines *lines, int line, int width)
{
    if (!canvas || !lines || line < 0 || line >= lines->n)
        return;
    const TextLine *l = &lines->lines[line];
    int left = x;
    x += l->indent;
    for (int k = l->start; k < l->end; k++) {
        const Glyph *gl = &lines->glyphs.items[k];
        if (x + gl->width > left + width)
            break;
        canvas_put(canvas, x, y, gl->ch, (ColorRole)gl->role, gl->attr);
        x += gl->width;
    }
}

void text_lines_draw(Canvas *canvas, Rect area, const TextLines *lines, int first_line)
{
    if (first_line < 0)
        first_line = 0;
    for (int row = 0; row < area.h && first_line + row < text_lines_count(lines); row++)
        text_lines_draw_one(canvas, area.x, area.y + row, lines, first_line + row, area.w);
}

int text_draw(Canvas *canvas, Rect area, const char *markup, ColorRole role, int first_line)
{
    if (!canvas || !markup)
        return 0;
    TextLines *lines = lines_make(markup, role, area.w, canvas->unicode);
    text_lines_draw(canvas, area, lines, first_line);
    int n = lines->n;
    text_lines_destroy(lines);
    return n;
}

int text_height(const char *markup, int width, bool unicode)
{
    if (!markup)
        return 0;
    TextLines *lines = lines_make(markup, ROLE_DEFAULT, width, unicode);
    int n = lines->n;
    text_lines_destroy(lines);
    return n;
}
