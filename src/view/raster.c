/* Sub-cell rasters: dots per series, rendered as braille, half blocks or ASCII glyphs (view layer). */
#include "view/raster.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

Raster *raster_create(Canvas *canvas, Rect area)
{
    Raster *r = xcalloc(1, sizeof *r);
    r->canvas = canvas;
    r->area = rect_make(area.x, area.y, area.w, area.h);
    r->mode = canvas->unicode ? canvas->raster : RASTER_ASCII;
    r->cell_w = r->mode == RASTER_BRAILLE ? 2 : 1;
    r->cell_h = r->mode == RASTER_BRAILLE ? 4 : r->mode == RASTER_BLOCKS ? 2 : 1;
    r->w = r->area.w * r->cell_w;
    r->h = r->area.h * r->cell_h;
    size_t n = (size_t)r->w * (size_t)r->h;
    r->dots = xcalloc(n ? n : 1, 1);
    static const char glyphs[RASTER_SERIES_MAX] = {'*', 'o', '+', 'x', '#', '=', '%', '&'};
    for (int s = 0; s < RASTER_SERIES_MAX; s++)
        r->series[s] = (RasterSeries){(ColorRole)(ROLE_SERIES1 + s % 4), 0, glyphs[s], false};
    r->overlap_ascii = '@';
    return r;
}

void raster_destroy(Raster *raster)
{
    if (!raster)
        return;
    free(raster->dots);
    free(raster);
}

void raster_set_series(Raster *raster, int s, ColorRole role, int attr, char ascii, bool background)
{
    if (s < 0 || s >= RASTER_SERIES_MAX)
        return;
    raster->series[s] = (RasterSeries){role, attr, ascii, background};
}

void raster_clear(Raster *raster)
{
    memset(raster->dots, 0, (size_t)raster->w * (size_t)raster->h);
}

void raster_plot(Raster *raster, int x, int y, int s)
{
    if (x < 0 || y < 0 || x >= raster->w || y >= raster->h || s < 0 || s >= RASTER_SERIES_MAX)
        return;
    raster->dots[(size_t)y * (size_t)raster->w + (size_t)x] |= (uint8_t)(1u << s);
}

bool raster_get(const Raster *raster, int x, int y, int s)
{
    if (x < 0 || y < 0 || x >= raster->w || y >= raster->h || s < 0 || s >= RASTER_SERIES_MAX)
        return false;
    return raster->dots[(size_t)y * (size_t)raster->w + (size_t)x] & (1u << s);
}

static void line_walk(Raster *raster, int x0, int y0, int x1, int y1, int s, int *phase);

void raster_line(Raster *raster, int x0, int y0, int x1, int y1, int s)
{
    line_walk(raster, x0, y0, x1, y1, s, NULL);
}

void raster_line_dashed(Raster *raster, int x0, int y0, int x1, int y1, int s, int *phase)
{
    line_walk(raster, x0, y0, x1, y1, s, phase);
}

static void line_walk(Raster *raster, int x0, int y0, int x1, int y1, int s, int *phase)
{
    /* Bresenham; endpoints far outside (from wild data) are clamped so the loop stays short. */
    const int lim = 1 << 20;
    if (abs(x0) > lim || abs(y0) > lim || abs(x1) > lim || abs(y1) > lim)
        return;
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        if (!phase || (*phase)++ % 5 < 3)
            raster_plot(raster, x0, y0, s);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

void raster_fill(Raster *raster, int x0, int y0, int x1, int y1, int s, RasterFill fill)
{
    if (x0 > x1) {
        int t = x0;
        x0 = x1;
        x1 = t;
    }
    if (y0 > y1) {
        int t = y0;
        y0 = y1;
        y1 = t;
    }
    if (x0 < 0)
        x0 = 0;
    if (y0 < 0)
        y0 = 0;
    if (x1 >= raster->w)
        x1 = raster->w - 1;
    if (y1 >= raster->h)
        y1 = raster->h - 1;
    bool one = raster->cell_w * raster->cell_h == 1;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            bool on = fill == FILL_SOLID || (fill == FILL_HATCH && (one || ((x + y) & 1) == 0)) ||
                      (fill == FILL_SPARSE && (one ? (y & 1) == 0 : ((x & 1) == 0 && (y & 1) == 0)));
            if (on)
                raster_plot(raster, x, y, s);
        }
}

/* OR of the series masks of a cell's dots. */
static unsigned cell_mask(const Raster *r, int cx, int cy)
{
    unsigned m = 0;
    for (int dy = 0; dy < r->cell_h; dy++) {
        const uint8_t *row = r->dots + (size_t)(cy * r->cell_h + dy) * (size_t)r->w + (size_t)(cx * r->cell_w);
        for (int dx = 0; dx < r->cell_w; dx++)
            m |= row[dx];
    }
    return m;
}

bool raster_cell_used(const Raster *raster, int cx, int cy)
{
    if (cx < 0 || cy < 0 || cx >= raster->area.w || cy >= raster->area.h)
        return false;
    return cell_mask(raster, cx, cy) != 0;
}

void raster_render(const Raster *raster)
{
    const Raster *r = raster;
    unsigned bg = 0;
    for (int s = 0; s < RASTER_SERIES_MAX; s++)
        if (r->series[s].background)
            bg |= 1u << s;
    for (int cy = 0; cy < r->area.h; cy++)
        for (int cx = 0; cx < r->area.w; cx++) {
            unsigned m = cell_mask(r, cx, cy);
            if (!m)
                continue;
            unsigned fg = m & ~bg;
            unsigned pick = fg ? fg : m;
            int top = 0;
            while (!(pick & (1u << top)))
                top++;
            const RasterSeries *sr = &r->series[top];
            uint32_t ch;
            if (r->mode == RASTER_ASCII) {
                ch = (unsigned char)sr->ascii;
                if (fg & (fg - 1))
                    ch = (unsigned char)r->overlap_ascii;
            } else {
                unsigned bit = 1u << top, bits = 0;
                const uint8_t *base = r->dots + (size_t)(cy * r->cell_h) * (size_t)r->w + (size_t)(cx * r->cell_w);
                if (r->mode == RASTER_BRAILLE) {
                    /* Braille dot numbering: 1-3 and 4-6 down the two columns, 7 and 8 on the last row. */
                    static const unsigned dotbit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
                    for (int dy = 0; dy < 4; dy++)
                        for (int dx = 0; dx < 2; dx++)
                            if (base[(size_t)dy * (size_t)r->w + (size_t)dx] & bit)
                                bits |= dotbit[dy][dx];
                    ch = 0x2800 + bits;
                } else {
                    bool up = base[0] & bit, down = base[r->w] & bit;
                    ch = up && down ? 0x2588 : up ? 0x2580 : 0x2584;
                }
            }
            canvas_put(r->canvas, r->area.x + cx, r->area.y + cy, ch, sr->role, sr->attr);
        }
}
