/* Contour / heat map widget: level lines or shaded levels of a sampled 2-D function, with a path on top (view layer). */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "util/alloc.h"
#include "view/axes.h"
#include "view/plot.h"
#include "view/raster.h"

typedef struct Levels {
    double zmin, zmax;
    int count;
    ContourScale scale;
} Levels;

/* Bilinear interpolation of the grid at data point (x, y). */
static double sample(const ContourSpec *c, double x, double y)
{
    double gx = (x - c->x_lo) / (c->x_hi - c->x_lo) * (c->nx - 1);
    double gy = (y - c->y_lo) / (c->y_hi - c->y_lo) * (c->ny - 1);
    gx = fmin(fmax(gx, 0), c->nx - 1);
    gy = fmin(fmax(gy, 0), c->ny - 1);
    int i = (int)gx, j = (int)gy;
    if (i > c->nx - 2)
        i = c->nx - 2;
    if (j > c->ny - 2)
        j = c->ny - 2;
    double tx = gx - i, ty = gy - j;
    const double *z = c->z;
    double z00 = z[j * c->nx + i], z10 = z[j * c->nx + i + 1];
    double z01 = z[(j + 1) * c->nx + i], z11 = z[(j + 1) * c->nx + i + 1];
    return (1 - ty) * ((1 - tx) * z00 + tx * z10) + ty * ((1 - tx) * z01 + tx * z11);
}

static int level_of(const Levels *lv, double z)
{
    if (!isfinite(z))
        return lv->count - 1;
    double t = (z - lv->zmin) / (lv->zmax - lv->zmin);
    t = fmin(fmax(t, 0), 1);
    if (lv->scale == CONTOUR_SQRT)
        t = sqrt(t);
    else if (lv->scale == CONTOUR_LOG)
        t = log1p(999 * t) / log(1000);
    int k = (int)(t * lv->count);
    return k >= lv->count ? lv->count - 1 : k;
}

/* Data coordinates of the centre of dot (dx, dy) of the plot. */
static void dot_data(const PlotFrame *f, int dx, int dy, double *x, double *y)
{
    int w = f->plot.w * f->cell_w, h = f->plot.h * f->cell_h;
    *x = f->x.lo + (f->x.hi - f->x.lo) * (w > 1 ? (double)dx / (w - 1) : 0.5);
    *y = f->y.hi - (f->y.hi - f->y.lo) * (h > 1 ? (double)dy / (h - 1) : 0.5);
}

/* One level per cell: shaded bands, or in ASCII the boundary cells show their level's character. */
static void draw_cell_levels(Canvas *canvas, const PlotFrame *f, const ContourSpec *spec, const Levels *lv)
{
    static const char ascii_ramp[] = " .:-=+*#%@";
    static const uint32_t shade_ramp[] = {' ', 0x2591, 0x2592, 0x2593, 0x2588};
    int *lev = xcalloc((size_t)f->plot.w * (size_t)f->plot.h, sizeof *lev);
    for (int cy = 0; cy < f->plot.h; cy++)
        for (int cx = 0; cx < f->plot.w; cx++) {
            double x, y;
            dot_data(f, cx * f->cell_w + f->cell_w / 2, cy * f->cell_h + f->cell_h / 2, &x, &y);
            lev[cy * f->plot.w + cx] = level_of(lv, sample(spec, x, y));
        }
    for (int cy = 0; cy < f->plot.h; cy++)
        for (int cx = 0; cx < f->plot.w; cx++) {
            int k = lev[cy * f->plot.w + cx];
            bool edge = (cx + 1 < f->plot.w && lev[cy * f->plot.w + cx + 1] != k) ||
                        (cy + 1 < f->plot.h && lev[(cy + 1) * f->plot.w + cx] != k);
            if (!spec->shaded && !edge)
                continue;
            uint32_t ch;
            if (canvas->unicode && spec->shaded)
                ch = shade_ramp[k * 5 / lv->count];
            else
                ch = (unsigned char)ascii_ramp[k * 10 / lv->count];
            if (ch == ' ' && !spec->shaded)
                ch = '.';           /* the lowest level line still shows */
            canvas_put(canvas, f->plot.x + cx, f->plot.y + cy, ch, ROLE_TEXT_DIM, 0);
        }
    free(lev);
}

/* Level lines at dot resolution: a dot whose level differs from its right or lower neighbour. */
static void plot_dot_levels(Raster *r, const PlotFrame *f, const ContourSpec *spec, const Levels *lv)
{
    int *lev = xcalloc((size_t)r->w * (size_t)r->h, sizeof *lev);
    for (int dy = 0; dy < r->h; dy++)
        for (int dx = 0; dx < r->w; dx++) {
            double x, y;
            dot_data(f, dx, dy, &x, &y);
            lev[dy * r->w + dx] = level_of(lv, sample(spec, x, y));
        }
    for (int dy = 0; dy < r->h; dy++)
        for (int dx = 0; dx < r->w; dx++) {
            int k = lev[dy * r->w + dx];
            if ((dx + 1 < r->w && lev[dy * r->w + dx + 1] != k) || (dy + 1 < r->h && lev[(dy + 1) * r->w + dx] != k))
                raster_plot(r, dx, dy, 7);
        }
    free(lev);
}

void contour_draw(Canvas *canvas, Rect area, const ContourSpec *spec)
{
    if (!canvas || !spec || !spec->z || spec->nx < 2 || spec->ny < 2 || !(spec->x_hi > spec->x_lo) ||
        !(spec->y_hi > spec->y_lo))
        return;
    AxisSpec xs = {.fixed = true, .lo = spec->x_lo, .hi = spec->x_hi, .label = spec->x_label};
    AxisSpec ys = {.fixed = true, .lo = spec->y_lo, .hi = spec->y_hi, .label = spec->y_label};
    PlotFrame f;
    plot_frame_layout(&f, canvas, area, &xs, &ys, spec->x_lo, spec->x_hi, spec->y_lo, spec->y_hi,
                      spec->y_label ? 1 : 0, false, false);
    if (!f.ok)
        return;
    double x_lo = spec->x_lo, x_hi = spec->x_hi;
    if (spec->equal_scale) {
        /* The plot's size is known only after a layout; the y axis's labels do not depend on x. */
        double width = (spec->y_hi - spec->y_lo) * f.plot.w / (2.0 * f.plot.h);
        if (width < x_hi - x_lo) {
            double cx = 0.5 * (x_lo + x_hi);
            x_lo = cx - 0.5 * width;
            x_hi = cx + 0.5 * width;
            xs.lo = x_lo;
            xs.hi = x_hi;
            plot_frame_layout(&f, canvas, area, &xs, &ys, x_lo, x_hi, spec->y_lo, spec->y_hi,
                              spec->y_label ? 1 : 0, false, false);
            if (!f.ok)
                return;
        }
    }
    Levels lv = {INFINITY, -INFINITY, spec->levels <= 0 ? 8 : spec->levels > 16 ? 16 : spec->levels, spec->scale};
    for (int j = 0; j < spec->ny; j++)
        for (int i = 0; i < spec->nx; i++) {
            double x = spec->x_lo + (spec->x_hi - spec->x_lo) * i / (spec->nx - 1);
            double z = spec->z[j * spec->nx + i];
            if (isfinite(z) && x >= x_lo - 1e-12 * fabs(x_hi - x_lo) && x <= x_hi + 1e-12 * fabs(x_hi - x_lo))
                lv.zmin = fmin(lv.zmin, z), lv.zmax = fmax(lv.zmax, z);
        }
    if (!(lv.zmax > lv.zmin))
        lv.zmin = 0, lv.zmax = lv.zmin + 1;
    bool u = canvas->unicode;
    bool cellwise = f.cell_w * f.cell_h == 1;
    if (spec->shaded || cellwise)
        draw_cell_levels(canvas, &f, spec, &lv);
    Raster *r = raster_create(canvas, f.plot);
    raster_set_series(r, 0, ROLE_SERIES1, 0, '*', false);
    raster_set_series(r, 7, ROLE_TEXT_DIM, 0, '.', true);
    if (!spec->shaded && !cellwise)
        plot_dot_levels(r, &f, spec, &lv);
    int last_x = 0, last_y = 0;
    bool have = false, have_current = false;
    for (int i = 0; spec->path_x && spec->path_y && i < spec->path_n; i++) {
        double a = plot_frame_xdot(&f, spec->path_x[i]), b = plot_frame_ydot(&f, spec->path_y[i]);
        if (!isfinite(a) || !isfinite(b) || fabs(a) > 1e6 || fabs(b) > 1e6) {
            have = false;
            continue;
        }
        int dx = (int)lround(a), dy = (int)lround(b);
        if (have)
            raster_line(r, last_x, last_y, dx, dy, 0);
        else
            raster_plot(r, dx, dy, 0);
        last_x = dx, last_y = dy;
        have = true;
        have_current = i == spec->path_n - 1;
    }
    raster_render(r);
    raster_destroy(r);
    if (spec->mark_target) {
        double a = plot_frame_xdot(&f, spec->target_x), b = plot_frame_ydot(&f, spec->target_y);
        if (a >= 0 && b >= 0 && a < f.plot.w * f.cell_w && b < f.plot.h * f.cell_h)
            canvas_put(canvas, f.plot.x + (int)lround(a) / f.cell_w, f.plot.y + (int)lround(b) / f.cell_h,
                       u ? 0x2715 : 'X', ROLE_GOOD, ATTR_BOLD);
    }
    if (have_current && last_x >= 0 && last_y >= 0 && last_x < f.plot.w * f.cell_w && last_y < f.plot.h * f.cell_h)
        canvas_put(canvas, f.plot.x + last_x / f.cell_w, f.plot.y + last_y / f.cell_h, u ? 0x25C9 : '@',
                   ROLE_HIGHLIGHT, ATTR_BOLD);
    plot_frame_draw(canvas, &f, &xs, &ys);
}
