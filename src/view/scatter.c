/* Scatter widget: point sets in different roles and glyphs, at cell or sub-cell resolution (view layer). */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "util/alloc.h"
#include "view/axes.h"
#include "view/plot.h"
#include "view/raster.h"
#include "view/unicode.h"

static const uint32_t marker_unicode[4] = {0x25CF, 0x25CB, 0x25C6, 0x00D7};    /* ● ○ ◆ × */
static const char marker_ascii[4] = {'*', 'o', '+', 'x'};

void scatter_draw(Canvas *canvas, Rect area, const ScatterSpec *spec)
{
    if (!canvas || !spec)
        return;
    int ns = spec->nsets > 4 ? 4 : spec->nsets;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int s = 0; s < ns; s++)
        for (int i = 0; i < spec->sets[s].n; i++) {
            double x = spec->sets[s].x[i], y = spec->sets[s].y[i];
            if (!isfinite(x) || !isfinite(y) || (spec->x.log && !(x > 0)) || (spec->y.log && !(y > 0)))
                continue;
            xlo = fmin(xlo, x), xhi = fmax(xhi, x);
            ylo = fmin(ylo, y), yhi = fmax(yhi, y);
        }
    if (xlo > xhi)
        xlo = 0, xhi = 1, ylo = 0, yhi = 1;
    int top = (spec->legend || spec->y.label) ? 1 : 0;
    PlotFrame f;
    plot_frame_layout(&f, canvas, area, &spec->x, &spec->y, xlo, xhi, ylo, yhi, top, true, true);
    if (!f.ok)
        return;
    bool u = canvas->unicode, shared = false;
    if (spec->dots) {
        Raster *r = raster_create(canvas, f.plot);
        for (int s = 0; s < 4; s++)
            raster_set_series(r, s, (ColorRole)(ROLE_SERIES1 + s), 0, marker_ascii[s], false);
        for (int s = 0; s < ns; s++)
            for (int i = 0; i < spec->sets[s].n; i++) {
                double a = plot_frame_xdot(&f, spec->sets[s].x[i]), b = plot_frame_ydot(&f, spec->sets[s].y[i]);
                if (isfinite(a) && isfinite(b) && fabs(a) < 1e6 && fabs(b) < 1e6)
                    raster_plot(r, (int)lround(a), (int)lround(b), s);
            }
        raster_render(r);
        raster_destroy(r);
    } else {
        /* One mask per cell: which sets landed there. */
        unsigned char *mask = xcalloc((size_t)f.plot.w * (size_t)f.plot.h, 1);
        for (int s = 0; s < ns; s++)
            for (int i = 0; i < spec->sets[s].n; i++) {
                double a = plot_frame_xdot(&f, spec->sets[s].x[i]), b = plot_frame_ydot(&f, spec->sets[s].y[i]);
                if (!isfinite(a) || !isfinite(b))
                    continue;
                int cx = (int)floor(lround(a) / (double)f.cell_w), cy = (int)floor(lround(b) / (double)f.cell_h);
                if (a < -0.5 || b < -0.5 || cx < 0 || cy < 0 || cx >= f.plot.w || cy >= f.plot.h)
                    continue;
                mask[(size_t)cy * (size_t)f.plot.w + (size_t)cx] |= (unsigned char)(1u << s);
            }
        for (int cy = 0; cy < f.plot.h; cy++)
            for (int cx = 0; cx < f.plot.w; cx++) {
                unsigned m = mask[(size_t)cy * (size_t)f.plot.w + (size_t)cx];
                if (!m)
                    continue;
                int s = 0;
                while (!(m & (1u << s)))
                    s++;
                uint32_t g = u ? marker_unicode[s] : (uint32_t)marker_ascii[s];
                if (m & (m - 1)) {
                    g = u ? 0x25C9 : '@';       /* ◉ where sets share a cell */
                    shared = true;
                }
                canvas_put(canvas, f.plot.x + cx, f.plot.y + cy, g, (ColorRole)(ROLE_SERIES1 + s), 0);
            }
        free(mask);
    }
    plot_frame_draw(canvas, &f, &spec->x, &spec->y);
    if (spec->legend) {
        const char *names[5] = {NULL, NULL, NULL, NULL, NULL};
        ColorRole roles[5];
        uint32_t glyphs[5];
        for (int s = 0; s < ns; s++) {
            names[s] = spec->sets[s].name;
            roles[s] = (ColorRole)(ROLE_SERIES1 + s);
            glyphs[s] = u ? marker_unicode[s] : (uint32_t)marker_ascii[s];
        }
        int nl = ns;
        if (shared) {   /* the shared-cell mark is on the plot, so the key explains it (dropped first) */
            names[nl] = "overlap";
            roles[nl] = ROLE_SERIES1;
            glyphs[nl++] = u ? 0x25C9 : '@';
        }
        int lw = spec->y.label ? utf8_width(spec->y.label) + 2 : 0;
        plot_legend(canvas, area.x + lw, area.y, area.w - lw, names, roles, glyphs, nl);
    }
}
