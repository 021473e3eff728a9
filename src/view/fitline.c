/* Captions of whole segments: measure each segment, keep the ones that fit, mark what was dropped (view layer). */
#include "view/fitline.h"

#include <string.h>

#include "view/unicode.h"

enum { SEP = 0x1f };

/* Columns of bytes [s, end) as canvas_text draws them: an ASCII canvas shows every glyph in one column. */
static int span_width(const char *s, const char *end, bool unicode)
{
    int cols = 0;
    uint32_t cp;
    int n;
    while (s < end && (n = utf8_decode(s, &cp)) > 0) {
        s += n;
        if (cp == SEP)
            continue;
        int w = unicode_width(cp);
        if (w < 0)
            w = 1;
        if (w > 0 && !unicode)
            w = 1;
        cols += w;
    }
    return cols;
}

/* Draws bytes [s, end) without separators; returns columns used. */
static int draw_span(Canvas *canvas, int x, int y, const char *s, const char *end, ColorRole role, int attr,
                     int max_cols)
{
    char buf[512];
    size_t len = 0;
    for (; s < end && len + 1 < sizeof buf; s++)
        if ((unsigned char)*s != SEP)
            buf[len++] = *s;
    buf[len] = '\0';
    return canvas_text(canvas, x, y, buf, role, attr, max_cols);
}

int fitline_width(const char *line, bool unicode)
{
    return line ? span_width(line, line + strlen(line), unicode) : 0;
}

int fitline_draw(Canvas *canvas, int x, int y, const char *line, ColorRole role, int attr, int max_cols)
{
    if (!canvas || !line)
        return 0;
    if (max_cols < 0)
        max_cols = canvas->width - x;
    if (max_cols <= 0)
        return 0;
    bool u = canvas->unicode;
    const char *end = line + strlen(line);
    if (span_width(line, end, u) <= max_cols)
        return draw_span(canvas, x, y, line, end, role, attr, max_cols);
    const char *mark = u ? " \xe2\x80\xa6" : " ...";
    int mark_w = u ? 2 : 4;
    /* The longest prefix of whole segments that fits, preferring one that leaves room for the mark. */
    const char *keep = NULL, *keep_marked = NULL;
    for (const char *p = strchr(line, SEP); p; p = strchr(p + 1, SEP)) {
        int w = span_width(line, p, u);
        if (w <= max_cols)
            keep = p;
        if (w + mark_w <= max_cols)
            keep_marked = p;
    }
    if (keep_marked) {
        int used = draw_span(canvas, x, y, line, keep_marked, role, attr, max_cols);
        return used + canvas_text(canvas, x + used, y, mark, ROLE_TEXT_DIM, 0, max_cols - used);
    }
    if (keep)
        return draw_span(canvas, x, y, line, keep, role, attr, max_cols);
    /* Not even the first segment fits: cut it, and say so with the last column. */
    const char *first_end = strchr(line, SEP);
    if (!first_end)
        first_end = end;
    int used = draw_span(canvas, x, y, line, first_end, role, attr, max_cols - 1);
    return used + canvas_text(canvas, x + used, y, u ? "\xe2\x80\xa6" : "~", ROLE_TEXT_DIM, 0, max_cols - used);
}

int fitline_draw_first(Canvas *canvas, int x, int y, const char *const *alts, int n, ColorRole role, int attr,
                       int max_cols)
{
    if (!canvas || !alts || n <= 0)
        return 0;
    if (max_cols < 0)
        max_cols = canvas->width - x;
    for (int i = 0; i < n - 1; i++)
        if (alts[i] && fitline_width(alts[i], canvas->unicode) <= max_cols)
            return fitline_draw(canvas, x, y, alts[i], role, attr, max_cols);
    return fitline_draw(canvas, x, y, alts[n - 1], role, attr, max_cols);
}
