/* Panels, status bar and big digits: the frame around the plots (view layer). */
#include "view/chrome.h"

#include <stdio.h>
#include <string.h>

#include "view/unicode.h"

Rect panel_draw(Canvas *canvas, Rect area, const char *title, ColorRole border_role)
{
    if (!canvas || area.w < 2 || area.h < 2)
        return rect_make(area.x, area.y, 0, 0);
    bool u = canvas->unicode;
    int x1 = area.x + area.w - 1, y1 = area.y + area.h - 1;
    for (int x = area.x + 1; x < x1; x++) {
        canvas_put(canvas, x, area.y, u ? 0x2500 : '-', border_role, 0);
        canvas_put(canvas, x, y1, u ? 0x2500 : '-', border_role, 0);
    }
    for (int y = area.y + 1; y < y1; y++) {
        canvas_put(canvas, area.x, y, u ? 0x2502 : '|', border_role, 0);
        canvas_put(canvas, x1, y, u ? 0x2502 : '|', border_role, 0);
    }
    canvas_put(canvas, area.x, area.y, u ? 0x250C : '+', border_role, 0);
    canvas_put(canvas, x1, area.y, u ? 0x2510 : '+', border_role, 0);
    canvas_put(canvas, area.x, y1, u ? 0x2514 : '+', border_role, 0);
    canvas_put(canvas, x1, y1, u ? 0x2518 : '+', border_role, 0);
    int room = area.w - 4;              /* corner, space ... space, corner */
    if (title && *title && room >= 3) {
        int w = utf8_width(title);
        canvas_put(canvas, area.x + 1, area.y, ' ', ROLE_TITLE, 0);
        int used;
        if (w <= room - 2) {
            used = canvas_text(canvas, area.x + 2, area.y, title, ROLE_TITLE, ATTR_BOLD, w);
        } else {
            used = canvas_text(canvas, area.x + 2, area.y, title, ROLE_TITLE, ATTR_BOLD, room - 3);
            canvas_put(canvas, area.x + 2 + used, area.y, u ? 0x2026 : '.', ROLE_TITLE, ATTR_BOLD);
            used++;
        }
        canvas_put(canvas, area.x + 2 + used, area.y, ' ', ROLE_TITLE, 0);
    }
    return rect_inset(area, 1, 1);
}

static int hints_width(const KeyHint *hints, int n, int sep)
{
    int w = 0;
    for (int i = 0; i < n; i++) {
        w += utf8_width(hints[i].key ? hints[i].key : "");
        if (hints[i].label && *hints[i].label)
            w += 1 + utf8_width(hints[i].label);
        if (i + 1 < n)
            w += sep;
    }
    return w;
}

void statusbar_draw(Canvas *canvas, Rect area, const KeyHint *hints, int n, const char *right)
{
    if (!canvas || area.w <= 0 || area.h <= 0)
        return;
    for (int x = 0; x < area.w; x++)
        canvas_put(canvas, area.x + x, area.y, ' ', ROLE_STATUS, 0);
    int avail = area.w - 2;             /* a blank column at each end */
    int rw = right && *right ? utf8_width(right) : 0;
    int sep = 2, shown = n;
    bool with_right = rw > 0;
    if (hints_width(hints, n, 2) + (with_right ? rw + 2 : 0) > avail) {
        sep = 1;
        if (hints_width(hints, n, 1) + (with_right ? rw + 2 : 0) > avail) {
            with_right = false;
            while (shown > 1 && hints_width(hints, shown, 1) > avail)
                shown--;
        }
    }
    int x = area.x + 1, end = area.x + 1 + avail;
    for (int i = 0; i < shown && x < end; i++) {
        x += canvas_text(canvas, x, area.y, hints[i].key ? hints[i].key : "", ROLE_STATUS, ATTR_BOLD, end - x);
        if (hints[i].label && *hints[i].label && x + 1 < end)
            x += 1 + canvas_text(canvas, x + 1, area.y, hints[i].label, ROLE_STATUS, 0, end - x - 1);
        x += sep;
    }
    if (with_right)
        canvas_text(canvas, end - rw, area.y, right, ROLE_STATUS, 0, rw);
}

/* 3×5 glyphs, '#' = filled. */
static const struct BigGlyph {
    uint32_t ch;
    const char rows[BIGDIGITS_HEIGHT][4];
} font[] = {
    {'0', {"###", "# #", "# #", "# #", "###"}}, {'1', {" # ", "## ", " # ", " # ", "###"}},
    {'2', {"###", "  #", "###", "#  ", "###"}}, {'3', {"###", "  #", " ##", "  #", "###"}},
    {'4', {"# #", "# #", "###", "  #", "  #"}}, {'5', {"###", "#  ", "###", "  #", "###"}},
    {'6', {"###", "#  ", "###", "# #", "###"}}, {'7', {"###", "  #", " # ", " # ", " # "}},
    {'8', {"###", "# #", "###", "# #", "###"}}, {'9', {"###", "# #", "###", "  #", "###"}},
    {'.', {"   ", "   ", "   ", "   ", " # "}}, {',', {"   ", "   ", "   ", " # ", "#  "}},
    {'-', {"   ", "   ", "###", "   ", "   "}}, {0x2212, {"   ", "   ", "###", "   ", "   "}},
    {'+', {"   ", " # ", "###", " # ", "   "}}, {'e', {"   ", "###", "# #", "## ", "###"}},
    {'%', {"# #", "  #", " # ", "#  ", "# #"}}, {':', {"   ", " # ", "   ", " # ", "   "}},
    {'x', {"   ", "# #", " # ", "# #", "   "}}, {' ', {"   ", "   ", "   ", "   ", "   "}},
};

static const struct BigGlyph *big_glyph(uint32_t cp)
{
    for (size_t i = 0; i < sizeof font / sizeof font[0]; i++)
        if (font[i].ch == cp)
            return &font[i];
    return &font[sizeof font / sizeof font[0] - 1];
}

int bigdigits_width(const char *text)
{
    int n = 0;
    uint32_t cp;
    int k;
    while (text && (k = utf8_decode(text, &cp)) > 0) {
        text += k;
        n++;
    }
    return n ? n * 4 - 1 : 0;
}

int bigdigits_draw(Canvas *canvas, int x, int y, const char *text, ColorRole role)
{
    if (!canvas || !text)
        return 0;
    uint32_t fill = canvas->unicode ? 0x2588 : '#';
    int col = x;
    uint32_t cp;
    int k;
    while ((k = utf8_decode(text, &cp)) > 0) {
        text += k;
        const struct BigGlyph *g = big_glyph(cp);
        for (int r = 0; r < BIGDIGITS_HEIGHT; r++)
            for (int c = 0; c < 3; c++)
                if (g->rows[r][c] == '#')
                    canvas_put(canvas, col + c, y + r, fill, role, ATTR_BOLD);
        col += 4;
    }
    return col > x ? col - x - 1 : 0;
}
