/* Axes for the plot widgets: fitting ranges, mapping data to dots, tick labels that never overlap (view layer). */
#include "view/axes.h"

#include <math.h>
#include <string.h>

#include "view/unicode.h"

void raster_cell_size(const Canvas *canvas, int *cell_w, int *cell_h)
{
    RasterMode m = canvas->unicode ? canvas->raster : RASTER_ASCII;
    *cell_w = m == RASTER_BRAILLE ? 2 : 1;
    *cell_h = m == RASTER_BRAILLE ? 4 : m == RASTER_BLOCKS ? 2 : 1;
}

void axis_fit(AxisScale *axis, const AxisSpec *spec, double dlo, double dhi, int target, bool extend)
{
    axis->log = spec && spec->log;
    double lo = dlo, hi = dhi;
    if (spec && spec->fixed) {
        lo = spec->lo;
        hi = spec->hi;
        extend = false;
    }
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    if (hi < lo) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    if (axis->log) {
        if (!(hi > 0))
            hi = 1;
        if (!(lo > 0) || lo >= hi)
            lo = hi / 1000;
        if (extend) {
            lo = pow(10, floor(log10(lo) + 1e-9));
            hi = pow(10, ceil(log10(hi) - 1e-9));
            if (hi <= lo)
                hi = lo * 10;
        }
        axis->lo = lo;
        axis->hi = hi;
        ticks_log(&axis->ticks, lo, hi, target);
        return;
    }
    if (hi == lo) {
        double pad = lo == 0 ? 1 : fabs(lo) * 0.1;
        lo -= pad;
        hi += pad;
    }
    ticks_nice(&axis->ticks, lo, hi, target, extend);
    if (extend) {
        /* Rounding out at a coarse step can waste half the plot (−0.3..4.3 → −5..5); a few more
         * ticks often fit much tighter, and crowded labels are thinned when drawn anyway. */
        for (int t = target + 1; t <= 2 * target && t < TICKS_MAX; t++) {
            Ticks alt;
            ticks_nice(&alt, lo, hi, t, true);
            double span = alt.v[alt.count - 1] - alt.v[0];
            double cur = axis->ticks.v[axis->ticks.count - 1] - axis->ticks.v[0];
            if (alt.count >= 2 && span < cur * 0.8)
                axis->ticks = alt;
        }
    }
    if (extend && axis->ticks.count >= 2) {
        lo = axis->ticks.v[0];
        hi = axis->ticks.v[axis->ticks.count - 1];
    }
    axis->lo = lo;
    axis->hi = hi;
}

double axis_frac(const AxisScale *axis, double v)
{
    if (!isfinite(v))
        return NAN;
    if (axis->log) {
        if (!(v > 0))
            return NAN;
        return (log10(v) - log10(axis->lo)) / (log10(axis->hi) - log10(axis->lo));
    }
    return (v - axis->lo) / (axis->hi - axis->lo);
}

void axis_label(const AxisScale *axis, int i, char *buf, int size, bool unicode)
{
    if (axis->log)
        format_number(buf, size, axis->ticks.v[i], 3, unicode);
    else
        format_tick(buf, size, axis->ticks.v[i], axis->ticks.step, unicode);
}

int axis_label_width(const AxisScale *axis, bool unicode)
{
    int w = 0;
    for (int i = 0; i < axis->ticks.count; i++) {
        char buf[FORMAT_MAX];
        axis_label(axis, i, buf, sizeof buf, unicode);
        int lw = utf8_width(buf);
        if (lw > w)
            w = lw;
    }
    return w;
}

/* Cell index (0-based within n cells of `per` dots) of axis fraction f, or -1 when outside. */
static int frac_cell(double f, int n, int per)
{
    if (!(f >= -1e-9 && f <= 1 + 1e-9))
        return -1;
    int dots = n * per;
    int d = (int)lround(f * (dots - 1));
    return d / per;
}

void axis_draw_y(Canvas *canvas, int col, int row0, int rows, int cell_h, const AxisScale *axis, bool down)
{
    bool u = canvas->unicode;
    for (int r = 0; r < rows; r++)
        canvas_put(canvas, col, row0 + r, u ? 0x2502 : '|', ROLE_AXIS, 0);
    int n = axis->ticks.count, row_of[TICKS_MAX];
    for (int i = 0; i < n; i++) {
        double f = axis_frac(axis, axis->ticks.v[i]);
        int c = frac_cell(down ? f : 1 - f, rows, cell_h);
        row_of[i] = c;
        if (c >= 0)
            canvas_put(canvas, col, row0 + c, u ? 0x2524 : '+', ROLE_AXIS, 0);
    }
    /* Thin the labels evenly until no two share a row. */
    int stride = 1;
    for (; stride < n; stride++) {
        int last = -2;
        bool clash = false;
        for (int i = 0; i < n; i += stride) {
            if (row_of[i] < 0)
                continue;
            if (row_of[i] == last)
                clash = true;
            last = row_of[i];
        }
        if (!clash)
            break;
    }
    for (int i = 0; i < n; i += stride) {
        if (row_of[i] < 0)
            continue;
        char buf[FORMAT_MAX];
        axis_label(axis, i, buf, sizeof buf, u);
        int w = utf8_width(buf);
        canvas_text(canvas, col - w, row0 + row_of[i], buf, ROLE_AXIS, 0, w);
    }
}

void axis_draw_x_line(Canvas *canvas, int row, int col0, int cols, int cell_w, const AxisScale *axis,
                      uint32_t corner)
{
    bool u = canvas->unicode;
    canvas_put(canvas, col0 - 1, row, u ? corner : '+', ROLE_AXIS, 0);
    for (int c = 0; c < cols; c++)
        canvas_put(canvas, col0 + c, row, u ? 0x2500 : '-', ROLE_AXIS, 0);
    uint32_t tick = corner == 0x2514 ? 0x252C : corner == 0x250C ? 0x2534 : 0x253C;
    for (int i = 0; i < axis->ticks.count; i++) {
        int c = frac_cell(axis_frac(axis, axis->ticks.v[i]), cols, cell_w);
        if (c >= 0)
            canvas_put(canvas, col0 + c, row, u ? tick : '+', ROLE_AXIS, 0);
    }
}

void axis_draw_x_labels(Canvas *canvas, int row, int col0, int cols, int cell_w, const AxisScale *axis,
                        int minx, int maxx, const char *name)
{
    bool u = canvas->unicode;
    int n = axis->ticks.count;
    int start[TICKS_MAX], width[TICKS_MAX];
    char text[TICKS_MAX][FORMAT_MAX];
    for (int i = 0; i < n; i++) {
        axis_label(axis, i, text[i], FORMAT_MAX, u);
        width[i] = utf8_width(text[i]);
        int c = frac_cell(axis_frac(axis, axis->ticks.v[i]), cols, cell_w);
        if (c < 0 || width[i] > maxx - minx) {
            start[i] = -100000;
            continue;
        }
        int s = col0 + c - (width[i] - 1) / 2;
        if (s < minx)
            s = minx;
        if (s + width[i] > maxx)
            s = maxx - width[i];
        start[i] = s;
    }
    int stride = 1;
    for (; stride < n; stride++) {
        int end = -100000;
        bool clash = false;
        for (int i = 0; i < n; i += stride) {
            if (start[i] == -100000)
                continue;
            if (start[i] <= end)
                clash = true;           /* needs one blank column between labels */
            end = start[i] + width[i];
        }
        if (!clash)
            break;
    }
    int first = maxx, last = minx;     /* columns taken by the labels drawn */
    for (int i = 0; i < n; i += stride) {
        if (start[i] == -100000)
            continue;
        canvas_text(canvas, start[i], row, text[i], ROLE_AXIS, 0, width[i]);
        if (start[i] < first)
            first = start[i];
        if (start[i] + width[i] > last)
            last = start[i] + width[i];
    }
    /* The axis name goes only where it hides no tick label: right-aligned after the last label,
     * else in the margin before the first (two blank columns apart, so it does not read as part of
     * a number), else nowhere. */
    if (!name || !*name)
        return;
    int name_w = utf8_width(name);
    if (maxx - name_w >= last + 1)
        canvas_text(canvas, maxx - name_w, row, name, ROLE_TEXT_DIM, 0, name_w);
    else if (minx + name_w + 2 <= first)
        canvas_text(canvas, minx, row, name, ROLE_TEXT_DIM, 0, name_w);
}

void plot_frame_layout(PlotFrame *frame, const Canvas *canvas, Rect area, const AxisSpec *xs, const AxisSpec *ys,
                       double dxlo, double dxhi, double dylo, double dyhi, int top_rows, bool extend_x,
                       bool extend_y)
{
    memset(frame, 0, sizeof *frame);
    frame->area = area;
    raster_cell_size(canvas, &frame->cell_w, &frame->cell_h);
    int rows = area.h - top_rows - 2;
    if (rows < 2 || area.w < 12) {
        frame->ok = false;
        return;
    }
    int ytarget = rows / 3 + 1;
    ytarget = ytarget < 2 ? 2 : ytarget > 8 ? 8 : ytarget;
    axis_fit(&frame->y, ys, dylo, dyhi, ytarget, extend_y);
    int margin = axis_label_width(&frame->y, canvas->unicode) + 1;
    if (margin > area.w / 3) {
        frame->ok = false;              /* labels would crowd out the plot */
        return;
    }
    int cols = area.w - margin - 1;     /* one spare column so the last x label can centre */
    if (cols < 4) {
        frame->ok = false;
        return;
    }
    int xtarget = cols / 10 + 1;
    xtarget = xtarget < 2 ? 2 : xtarget > 10 ? 10 : xtarget;
    axis_fit(&frame->x, xs, dxlo, dxhi, xtarget, extend_x);
    frame->plot = rect_make(area.x + margin, area.y + top_rows, cols, rows);
    frame->ok = true;
}

void plot_frame_draw(Canvas *canvas, const PlotFrame *frame, const AxisSpec *xs, const AxisSpec *ys)
{
    if (!frame->ok)
        return;
    const Rect *p = &frame->plot;
    axis_draw_y(canvas, p->x - 1, p->y, p->h, frame->cell_h, &frame->y, false);
    axis_draw_x_line(canvas, p->y + p->h, p->x, p->w, frame->cell_w, &frame->x, 0x2514);
    axis_draw_x_labels(canvas, p->y + p->h + 1, p->x, p->w, frame->cell_w, &frame->x, frame->area.x,
                       frame->area.x + frame->area.w, xs ? xs->label : NULL);
    if (ys && ys->label && p->y > frame->area.y)
        canvas_text(canvas, frame->area.x, frame->area.y, ys->label, ROLE_TEXT_DIM, 0, frame->area.w);
}

double plot_frame_xdot(const PlotFrame *frame, double x)
{
    return axis_frac(&frame->x, x) * (frame->plot.w * frame->cell_w - 1);
}

double plot_frame_ydot(const PlotFrame *frame, double y)
{
    return (1 - axis_frac(&frame->y, y)) * (frame->plot.h * frame->cell_h - 1);
}

void plot_legend(Canvas *canvas, int x0, int y, int w, const char *const *names, const ColorRole *roles,
                 const uint32_t *glyphs, int n)
{
    int widths[8], total = 0, shown = 0;
    for (int i = 0; i < n && i < 8; i++) {
        if (!names[i]) {
            widths[i] = 0;
            continue;
        }
        widths[i] = 2 + utf8_width(names[i]);
        int add = widths[i] + (total ? 2 : 0);
        if (total + add > w)
            break;
        total += add;
        shown = i + 1;
    }
    int x = x0 + w - total;
    for (int i = 0; i < shown; i++) {
        if (!names[i])
            continue;
        canvas_put(canvas, x, y, glyphs[i], roles[i], 0);
        canvas_text(canvas, x + 2, y, names[i], roles[i], 0, widths[i] - 2);
        x += widths[i] + 2;
    }
}
