/* Histogram widget: one or two distributions, overlaid or mirrored, with mean and ±1σ markers (view layer). */
#include <math.h>
#include <stddef.h>

#include "view/axes.h"
#include "view/plot.h"
#include "view/raster.h"
#include "view/unicode.h"

static double series_max(const HistSeries *s)
{
    double m = 0;
    for (int b = 0; b < s->bins; b++)
        if (isfinite(s->counts[b]) && s->counts[b] > m)
            m = s->counts[b];
    return m;
}

/* Bars of one series into raster series `s`; down: bars hang from the top edge. */
static void draw_bars(Raster *r, const HistSeries *hs, const AxisScale *x, const AxisScale *y, int s, bool down,
                      RasterFill fill, bool solid_edge)
{
    if (!hs->counts || hs->bins <= 0 || !(hs->hi > hs->lo))
        return;
    double width = (hs->hi - hs->lo) / hs->bins;
    for (int b = 0; b < hs->bins; b++) {
        double c = hs->counts[b];
        if (!isfinite(c) || c <= 0)
            continue;
        double f0 = axis_frac(x, hs->lo + b * width), f1 = axis_frac(x, hs->lo + (b + 1) * width);
        if (isnan(f0) || isnan(f1))
            continue;
        int x0 = (int)lround(fmax(0, f0) * r->w), x1 = (int)lround(fmin(1, f1) * r->w) - 1;
        if (f1 < 0 || f0 > 1)
            continue;
        if (x1 < x0)
            x1 = x0;
        double fy = axis_frac(y, c);
        int hd = (int)lround(fmin(1, fmax(0, fy)) * r->h);
        if (hd < 1)
            hd = 1;                     /* a non-empty bin always shows */
        int y0 = down ? 0 : r->h - hd, y1 = down ? hd - 1 : r->h - 1;
        raster_fill(r, x0, y0, x1, y1, s, fill);
        if (solid_edge) {
            int edge = down ? y1 : y0;
            raster_fill(r, x0, edge, x1, edge, s, FILL_SOLID);
        }
    }
}

/* Mean (│ μ) and mean ± sd (┆ σ) columns in free cells of the plot, with their labels on label_row.
 * A label is drawn even over a bar: the mean usually sits under the tallest bars, and a marker that
 * hides there tells the reader nothing. The mean's label wins where markers share a cell. */
static void draw_stats(Canvas *canvas, const Raster *r, const HistSeries *hs, const AxisScale *x, ColorRole role,
                       int label_row)
{
    if (!hs->stats || !isfinite(hs->mean))
        return;
    bool u = canvas->unicode;
    double at[3] = {hs->mean - hs->sd, hs->mean + hs->sd, hs->mean};
    int first = isfinite(hs->sd) && hs->sd > 0 ? 0 : 2;
    int ly = label_row - r->area.y;
    for (int k = first; k < 3; k++) {
        double f = axis_frac(x, at[k]);
        if (!(f >= 0 && f <= 1))
            continue;
        /* The same dot scale as the bars (draw_bars: edge f·w), so a marker sits in its bar's cell. */
        int cx = (int)floor(f * r->w) / r->cell_w;
        if (cx >= r->area.w)
            cx = r->area.w - 1;
        bool mean = k == 2;
        uint32_t line = mean ? (u ? 0x2502 : '|') : (u ? 0x2506 : ':');
        for (int cy = 0; cy < r->area.h; cy++)
            if (cy != ly && !raster_cell_used(r, cx, cy))
                canvas_put(canvas, r->area.x + cx, r->area.y + cy, line, role, 0);
        if (ly >= 0 && ly < r->area.h)
            canvas_put(canvas, r->area.x + cx, label_row, mean ? (u ? 0x03BC : 'm') : (u ? 0x03C3 : 's'), role,
                       raster_cell_used(r, cx, ly) ? ATTR_BOLD | ATTR_REVERSE : ATTR_BOLD);
    }
}

static void setup_series(Raster *r)
{
    raster_set_series(r, 0, ROLE_SERIES1, 0, '#', false);
    raster_set_series(r, 1, ROLE_SERIES2, 0, '=', false);
}

/* The glyphs the bars are drawn with (solid, hatched) in this raster mode, so a key matches them. */
static void series_glyphs(const Canvas *canvas, uint32_t glyphs[2])
{
    glyphs[0] = '#', glyphs[1] = '=';
    if (canvas->raster == RASTER_BRAILLE && canvas->unicode)
        glyphs[0] = 0x28FF, glyphs[1] = 0x2895;     /* ⣿ ⢕ */
    else if (canvas->raster == RASTER_BLOCKS && canvas->unicode)
        glyphs[0] = 0x2588, glyphs[1] = 0x2580;     /* █ ▀ (hatching alternates ▀ and ▄) */
}

static void draw_legend(Canvas *canvas, Rect area, const HistogramSpec *spec, int row)
{
    const char *names[2] = {NULL, NULL};
    ColorRole roles[2] = {ROLE_SERIES1, ROLE_SERIES2};
    uint32_t glyphs[2];
    series_glyphs(canvas, glyphs);
    for (int i = 0; i < spec->nseries && i < 2; i++)
        names[i] = spec->series[i].name;
    int lw = spec->y.label ? utf8_width(spec->y.label) + 2 : 0;
    plot_legend(canvas, area.x + lw, row, area.w - lw, names, roles, glyphs, spec->nseries < 2 ? spec->nseries : 2);
}

static void histogram_overlay(Canvas *canvas, Rect area, const HistogramSpec *spec, int n)
{
    double xlo = INFINITY, xhi = -INFINITY, ymax = 0;
    for (int i = 0; i < n; i++) {
        xlo = fmin(xlo, spec->series[i].lo);
        xhi = fmax(xhi, spec->series[i].hi);
        ymax = fmax(ymax, series_max(&spec->series[i]));
    }
    AxisSpec ys = spec->y;
    ys.log = false;
    if (ys.fixed)
        ys.lo = 0;
    bool named = spec->series[0].name || (n > 1 && spec->series[1].name);
    int top = (ys.label || named) ? 1 : 0;
    PlotFrame f;
    plot_frame_layout(&f, canvas, area, &spec->x, &ys, xlo, xhi, 0, ymax > 0 ? ymax : 1, top, false, true);
    if (!f.ok)
        return;
    Raster *r = raster_create(canvas, f.plot);
    setup_series(r);
    for (int i = n - 1; i >= 0; i--)
        draw_bars(r, &spec->series[i], &f.x, &f.y, i, false, i == 0 ? FILL_SOLID : FILL_HATCH, i == 1);
    raster_render(r);
    for (int i = 0; i < n; i++)
        draw_stats(canvas, r, &spec->series[i], &f.x, i == 0 ? ROLE_SERIES1 : ROLE_SERIES2, f.plot.y);
    raster_destroy(r);
    plot_frame_draw(canvas, &f, &spec->x, &ys);
    if (top)
        draw_legend(canvas, area, spec, area.y);
}

/* Ticks of a downward half without its 0, which the upper half already labels. */
static void drop_zero_tick(AxisScale *axis)
{
    if (axis->ticks.count > 1 && axis->ticks.v[0] == 0) {
        for (int i = 1; i < axis->ticks.count; i++)
            axis->ticks.v[i - 1] = axis->ticks.v[i];
        axis->ticks.count--;
    }
}

/* Whether every tick of the axis lands on a row of its own in `rows` rows of `cell_h` dots. */
static bool ticks_own_rows(const AxisScale *axis, int rows, int cell_h)
{
    int dots = rows * cell_h, prev = -1;
    for (int i = 0; i < axis->ticks.count; i++) {
        double f = axis_frac(axis, axis->ticks.v[i]);
        if (!(f >= -1e-9 && f <= 1 + 1e-9))
            continue;
        int row = (int)lround(f * (dots - 1)) / cell_h;
        if (row == prev)
            return false;
        prev = row;
    }
    return true;
}

static void histogram_mirror(Canvas *canvas, Rect area, const HistogramSpec *spec)
{
    const HistSeries *a = &spec->series[0], *b = &spec->series[1];
    bool sep = spec->separate_axes;
    int top = 1;                        /* legend / y name row */
    int middle = sep ? 4 : 2;           /* sep: line, labels, labels, line; shared: line ... labels at bottom */
    int rows = area.h - top - middle;
    if (rows < 4 || area.w < 12)
        return;
    int rows_top = (rows + 1) / 2, rows_bottom = rows - rows_top;
    if (!sep && rows % 2) {
        /* One scale for both halves means as many rows each: a taller half would draw its bars taller
         * for the same value. The odd row stays blank above the top half. */
        top++;
        rows_top = rows_bottom;
    }
    int cw, ch;
    raster_cell_size(canvas, &cw, &ch);

    AxisSpec ys = spec->y;
    ys.log = false;
    if (ys.fixed)
        ys.lo = 0;
    double ma = series_max(a), mb = series_max(b);
    AxisScale ya, yb, xa, xb;
    int yt = rows_top / 3 + 1;
    yt = yt < 2 ? 2 : yt > 6 ? 6 : yt;
    if (sep) {
        axis_fit(&ya, &ys, 0, ma > 0 ? ma : 1, yt, true);
        axis_fit(&yb, &ys, 0, mb > 0 ? mb : 1, yt, true);
    } else {
        double m = fmax(ma, mb);
        axis_fit(&ya, &ys, 0, m > 0 ? m : 1, yt, true);
        /* A scale of its own choosing labels every tick on a row of its own, so both halves show the
         * same labels (thinning would pick different ones once the bottom half drops its 0). */
        for (int t = rows_top; !ys.fixed && t >= 2 && !ticks_own_rows(&ya, rows_top, ch); t--) {
            ticks_nice(&ya.ticks, 0, m > 0 ? m : 1, t, true);
            ya.lo = ya.ticks.v[0];
            ya.hi = ya.ticks.v[ya.ticks.count - 1];
        }
        yb = ya;
    }
    drop_zero_tick(&yb);
    int margin = axis_label_width(&ya, canvas->unicode);
    int mw = axis_label_width(&yb, canvas->unicode);
    margin = (mw > margin ? mw : margin) + 1;
    int cols = area.w - margin - 1;
    if (cols < 4)
        return;
    int xt = cols / 10 + 1;
    xt = xt < 2 ? 2 : xt > 10 ? 10 : xt;
    if (sep) {
        axis_fit(&xa, &spec->x, a->lo, a->hi, xt, false);
        axis_fit(&xb, &spec->x, b->lo, b->hi, xt, false);
    } else {
        axis_fit(&xa, &spec->x, fmin(a->lo, b->lo), fmax(a->hi, b->hi), xt, false);
        xb = xa;
    }
    int px = area.x + margin;
    Rect pa = rect_make(px, area.y + top, cols, rows_top);
    int line_a = pa.y + pa.h;
    Rect pb;
    if (sep)
        pb = rect_make(px, line_a + 4, cols, rows_bottom);
    else
        pb = rect_make(px, line_a + 1, cols, rows_bottom);

    Raster *ra = raster_create(canvas, pa), *rb = raster_create(canvas, pb);
    setup_series(ra);
    setup_series(rb);
    draw_bars(ra, a, &xa, &ya, 0, false, FILL_SOLID, false);
    draw_bars(rb, b, &xb, &yb, 1, true, FILL_HATCH, true);
    raster_render(ra);
    raster_render(rb);
    draw_stats(canvas, ra, a, &xa, ROLE_SERIES1, pa.y);
    draw_stats(canvas, rb, b, &xb, ROLE_SERIES2, pb.y + pb.h - 1);
    raster_destroy(ra);
    raster_destroy(rb);

    axis_draw_y(canvas, px - 1, pa.y, pa.h, ch, &ya, false);
    axis_draw_y(canvas, px - 1, pb.y, pb.h, ch, &yb, true);
    int minx = area.x, maxx = area.x + area.w;
    if (sep) {
        /* Two rows of tick labels meet between the halves: each row starts with its half's bar glyph
         * (as in the legend) and the labels keep clear of it, so a reader knows which scale is whose. */
        uint32_t glyphs[2];
        series_glyphs(canvas, glyphs);
        canvas_put(canvas, area.x, line_a + 1, glyphs[0], ROLE_SERIES1, 0);
        canvas_put(canvas, area.x, line_a + 2, glyphs[1], ROLE_SERIES2, 0);
        axis_draw_x_line(canvas, line_a, px, cols, cw, &xa, 0x2514);
        axis_draw_x_labels(canvas, line_a + 1, px, cols, cw, &xa, minx + 2, maxx, spec->x.label);
        axis_draw_x_labels(canvas, line_a + 2, px, cols, cw, &xb, minx + 2, maxx, NULL);
        axis_draw_x_line(canvas, line_a + 3, px, cols, cw, &xb, 0x250C);
    } else {
        axis_draw_x_line(canvas, line_a, px, cols, cw, &xa, 0x251C);
        axis_draw_x_labels(canvas, pb.y + pb.h, px, cols, cw, &xa, minx, maxx, spec->x.label);
    }
    if (spec->y.label)
        canvas_text(canvas, area.x, area.y, spec->y.label, ROLE_TEXT_DIM, 0, area.w);
    draw_legend(canvas, area, spec, area.y);
}

void histogram_draw(Canvas *canvas, Rect area, const HistogramSpec *spec)
{
    if (!canvas || !spec || !spec->series || spec->nseries < 1)
        return;
    int n = spec->nseries > 2 ? 2 : spec->nseries;
    if (spec->layout == HIST_MIRROR && n == 2)
        histogram_mirror(canvas, area, spec);
    else
        histogram_overlay(canvas, area, spec, n);
}
