/* Line chart widget: several series, a legend, nice ticks, optional log y and a shaded band (view layer). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "view/axes.h"
#include "view/plot.h"
#include "view/raster.h"
#include "view/unicode.h"

enum { BAND_SERIES = 7 };
/* End labels: at most this many columns of a series' name, fewer when the plot would drop below
 * END_LABEL_MIN_PLOT columns, and none when that leaves under END_LABEL_MIN_COLS of a longer name. */
enum { END_LABEL_MAX = 18, END_LABEL_MIN_PLOT = 24, END_LABEL_MIN_COLS = 4, END_LABEL_TEXT_MAX = 64 };

static double at_x(const double *x, int i)
{
    return x ? x[i] : (double)i;
}

static void grow(double *lo, double *hi, double v, bool log)
{
    if (!isfinite(v) || (log && !(v > 0)))
        return;
    if (v < *lo)
        *lo = v;
    if (v > *hi)
        *hi = v;
}

/* Dot position or false when the point cannot be drawn. */
static bool to_dot(const PlotFrame *f, double x, double y, int *dx, int *dy)
{
    double a = plot_frame_xdot(f, x), b = plot_frame_ydot(f, y);
    if (!isfinite(a) || !isfinite(b) || fabs(a) > 1e6 || fabs(b) > 1e6)
        return false;
    *dx = (int)lround(a);
    *dy = (int)lround(b);
    return true;
}

static void draw_band(Raster *r, const PlotFrame *f, const LineBand *band)
{
    int pdx = 0, plo = 0, phi = 0;
    bool have = false;
    for (int i = 0; i < band->n; i++) {
        int dx, dlo, dhi;
        if (!to_dot(f, at_x(band->x, i), band->lo[i], &dx, &dlo) || !to_dot(f, at_x(band->x, i), band->hi[i], &dx, &dhi)) {
            have = false;
            continue;
        }
        if (have && dx > pdx) {
            /* Interpolate the band edges across every dot column between two samples. */
            for (int c = pdx + 1; c <= dx; c++) {
                double t = (double)(c - pdx) / (dx - pdx);
                int lo = (int)lround(plo + t * (dlo - plo)), hi = (int)lround(phi + t * (dhi - phi));
                raster_fill(r, c, hi, c, lo, BAND_SERIES, FILL_HATCH);
            }
        } else {
            raster_fill(r, dx, dhi, dx, dlo, BAND_SERIES, FILL_HATCH);
        }
        pdx = dx, plo = dlo, phi = dhi;
        have = true;
    }
}

/* What a series' end label says: its name without a closing note in brackets, which the legend keeps
 * ("no BN (diverged at step 5)" ends its line as "no BN"). Returns its width in columns (0: no label). */
static int end_label_text(const LineSeries *ls, char *buf, int size)
{
    buf[0] = '\0';
    if (!ls->name || !ls->name[0] || ls->n <= 0)
        return 0;
    size_t len = strlen(ls->name);
    const char *note = strstr(ls->name, " (");
    if (note && note > ls->name && ls->name[len - 1] == ')')
        len = (size_t)(note - ls->name);
    snprintf(buf, (size_t)size, "%.*s", (int)len, ls->name);
    return utf8_width(buf);
}

/* Writes the series' end label (at most w columns, cut with a mark) right of its last drawable point,
 * on its row, or the next one up or down where no other line ends, where those cells are blank, so
 * lines differ by more than colour (braille draws no dash a viewer can count on); nowhere when none is
 * (the legend names it). */
/* The row of the series' last drawable point, or -1 when it has none in the plot. */
static int end_row(const PlotFrame *f, const LineSeries *ls)
{
    int last = ls->n - 1, dx = 0, dy = 0;
    while (last >= 0 && !to_dot(f, at_x(ls->x, last), ls->y[last], &dx, &dy))
        last--;
    if (last < 0 || dx < 0 || dy < 0 || dx >= f->plot.w * f->cell_w || dy >= f->plot.h * f->cell_h)
        return -1;
    return f->plot.y + dy / f->cell_h;
}

static void draw_end_label(Canvas *canvas, const PlotFrame *f, const LineSeries *ls, ColorRole role, int w, int right,
                           Rect *placed, int *nplaced, const int *ends, int nends, int self)
{
    char text[END_LABEL_TEXT_MAX];
    int natural = end_label_text(ls, text, sizeof text);
    if (natural < w)
        w = natural;
    int last = ls->n - 1, dx = 0, dy = 0;
    while (last >= 0 && !to_dot(f, at_x(ls->x, last), ls->y[last], &dx, &dy))
        last--;
    if (w <= 0 || last < 0 || dx < 0 || dy < 0 || dx >= f->plot.w * f->cell_w || dy >= f->plot.h * f->cell_h)
        return;
    int x = f->plot.x + dx / f->cell_w + 1, row = f->plot.y + dy / f->cell_h;
    if (x + w > right)
        x = right - w;
    for (int k = 0; k < 3; k++) {          /* its row, then the one above, then below: farther reads wrong */
        int y = row + (k % 2 ? (k + 1) / 2 : -(k / 2));
        if (y < f->plot.y || y >= f->plot.y + f->plot.h)
            continue;
        /* A row away from its own line only where no other line ends: there it would name that one. */
        bool other_ends_here = false;
        for (int t = 0; t < nends && y != row; t++)
            other_ends_here = other_ends_here || (t != self && ends[t] == y);
        if (other_ends_here)
            continue;
        bool free_row = true;
        for (int i = 0; i < *nplaced && free_row; i++)
            free_row = !(placed[i].y == y && x < placed[i].x + placed[i].w + 1 && placed[i].x < x + w + 1);
        /* Only on blank cells: a line that ends inside the plot (a diverged run) must not write its
         * name over another line or the band. */
        for (int c = x; c < x + w && free_row; c++) {
            const Cell *cell = canvas_cell(canvas, c, y);
            free_row = cell && cell->ch == ' ';
        }
        if (!free_row)
            continue;
        if (natural > w) {
            /* Cut by columns, marking the cut. */
            int used = canvas_text(canvas, x, y, text, role, 0, w - 1);
            canvas_put(canvas, x + used, y, canvas->unicode ? 0x2026 : '~', role, 0);
        } else {
            canvas_text(canvas, x, y, text, role, 0, w);
        }
        placed[(*nplaced)++] = rect_make(x, y, w, 1);
        return;
    }
}

void linechart_draw(Canvas *canvas, Rect area, const LineChartSpec *spec)
{
    if (!canvas || !spec)
        return;
    int ns = spec->nseries > 4 ? 4 : spec->nseries;
    bool ylog = spec->y.log;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int s = 0; s < ns; s++)
        for (int i = 0; i < spec->series[s].n; i++) {
            if (!isfinite(spec->series[s].y[i]) || (ylog && !(spec->series[s].y[i] > 0)))
                continue;
            grow(&xlo, &xhi, at_x(spec->series[s].x, i), false);
            grow(&ylo, &yhi, spec->series[s].y[i], ylog);
        }
    const LineBand *band = spec->band && spec->band->lo && spec->band->hi ? spec->band : NULL;
    if (band)
        for (int i = 0; i < band->n; i++) {
            grow(&xlo, &xhi, at_x(band->x, i), false);
            grow(&ylo, &yhi, band->lo[i], ylog);
            grow(&ylo, &yhi, band->hi[i], ylog);
        }
    if (xlo > xhi)
        xlo = 0, xhi = 1;
    if (ylo > yhi)
        ylo = ylog ? 0.1 : 0, yhi = 1;
    int top = (spec->legend || spec->y.label) ? 1 : 0;
    /* With a legend and two or more named lines, each line also carries its name at its end, in a
     * gutter right of the plot: the names then tell the lines apart without colour. The gutter is as
     * wide as the longest label, up to END_LABEL_MAX and what leaves the plot END_LABEL_MIN_PLOT. */
    int named = 0, label_w = 0;
    for (int s = 0; s < ns; s++) {
        char text[END_LABEL_TEXT_MAX];
        int w = end_label_text(&spec->series[s], text, sizeof text);
        named += w > 0;
        label_w = w > label_w ? w : label_w;
    }
    int room = area.w - END_LABEL_MIN_PLOT - 1, natural = label_w;
    label_w = label_w > END_LABEL_MAX ? END_LABEL_MAX : label_w;
    label_w = label_w > room ? room : label_w;
    bool end_labels = spec->legend && named >= 2 && label_w >= (natural < END_LABEL_MIN_COLS ? natural : END_LABEL_MIN_COLS);
    int gutter = label_w + 1;
    Rect plot_area = area;
    if (end_labels)
        plot_area.w -= gutter;
    PlotFrame f;
    plot_frame_layout(&f, canvas, plot_area, &spec->x, &spec->y, xlo, xhi, ylo, yhi, top, false, true);
    if (!f.ok)
        return;
    Raster *r = raster_create(canvas, f.plot);
    static const char ascii[4] = {'*', 'o', '+', 'x'};
    for (int s = 0; s < 4; s++)
        raster_set_series(r, s, (ColorRole)(ROLE_SERIES1 + s), 0, ascii[s], false);
    if (band) {
        /* The hatch is sparse enough to sit behind the lines; dim would fall below 3:1 on white. */
        raster_set_series(r, BAND_SERIES, band->role, 0, ':', true);
        draw_band(r, &f, band);
    }
    for (int s = ns - 1; s >= 0; s--) {
        const LineSeries *ls = &spec->series[s];
        int px = 0, py = 0, phase = 0;
        bool have = false;
        /* Series 2 and 4 dashed, so they differ from 1 and 3 without color; ASCII has its own glyphs. */
        bool dashed = s % 2 == 1 && canvas->raster != RASTER_ASCII;
        for (int i = 0; i < ls->n; i++) {
            int dx, dy;
            if (!to_dot(&f, at_x(ls->x, i), ls->y[i], &dx, &dy)) {
                have = false;
                continue;
            }
            if (have && dashed)
                raster_line_dashed(r, px, py, dx, dy, s, &phase);
            else if (have)
                raster_line(r, px, py, dx, dy, s);
            else
                raster_plot(r, dx, dy, s);
            px = dx, py = dy;
            have = true;
        }
    }
    raster_render(r);
    raster_destroy(r);
    plot_frame_draw(canvas, &f, &spec->x, &spec->y);
    if (end_labels) {
        Rect placed[4];
        int nplaced = 0, ends[4];
        for (int s = 0; s < ns; s++)
            ends[s] = end_row(&f, &spec->series[s]);
        for (int s = 0; s < ns; s++)
            draw_end_label(canvas, &f, &spec->series[s], (ColorRole)(ROLE_SERIES1 + s), label_w, area.x + area.w,
                           placed, &nplaced, ends, ns, s);
    }
    if (spec->legend) {
        const char *names[4] = {NULL, NULL, NULL, NULL};
        ColorRole roles[4];
        uint32_t glyphs[4];
        for (int s = 0; s < ns; s++) {
            names[s] = spec->series[s].name;
            roles[s] = (ColorRole)(ROLE_SERIES1 + s);
            /* ━ ┅ ─ ┄: solid, dashed, thin, thin dashed, as the lines are drawn. */
            static const uint32_t line_glyphs[4] = { 0x2501, 0x2505, 0x2500, 0x2504 };
            glyphs[s] = canvas->unicode ? line_glyphs[s] : (uint32_t)ascii[s];
        }
        int lw = spec->y.label ? utf8_width(spec->y.label) + 2 : 0;
        plot_legend(canvas, area.x + lw, area.y, area.w - lw, names, roles, glyphs, ns);
    }
}
