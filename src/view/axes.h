/* Axes shared by the plot widgets: ranges, tick labels that never overlap, data-to-dot mapping (view layer). */
#ifndef BNTUTOR_VIEW_AXES_H
#define BNTUTOR_VIEW_AXES_H

#include <stdbool.h>

#include "view/canvas.h"
#include "view/format.h"
#include "view/plot.h"
#include "view/rect.h"

/* One axis: its range, scale and ticks. */
typedef struct AxisScale {
    double lo, hi;
    bool log;
    Ticks ticks;
} AxisScale;

/* Range from the spec (fixed) or the data [dlo, dhi]; extend rounds a data range out to nice ticks. */
void axis_fit(AxisScale *axis, const AxisSpec *spec, double dlo, double dhi, int target, bool extend);
/* Position of v along the axis, 0 at lo and 1 at hi (NaN when v cannot be shown, e.g. ≤0 on log). */
double axis_frac(const AxisScale *axis, double v);
/* Widest tick label in columns. */
int axis_label_width(const AxisScale *axis, bool unicode);
void axis_label(const AxisScale *axis, int i, char *buf, int size, bool unicode);

/* A vertical axis line at column col over rows [row0, row0+rows) with tick labels right-aligned
 * just left of it (down: value lo at the top). Ticks sharing a row are thinned evenly. */
void axis_draw_y(Canvas *canvas, int col, int row0, int rows, int cell_h, const AxisScale *axis, bool down);
/* A horizontal axis line on row `row` from col0-1 (the corner) over `cols` plot columns. */
void axis_draw_x_line(Canvas *canvas, int row, int col0, int cols, int cell_w, const AxisScale *axis,
                      uint32_t corner);
/* Tick labels on row `row`, kept inside [minx, maxx); every k-th label for the smallest k that avoids
 * overlaps. `name` (or NULL) never hides a tick label: it goes right-aligned when the columns after
 * the last label are free, else at minx when the margin before the first label has room, else nowhere. */
void axis_draw_x_labels(Canvas *canvas, int row, int col0, int cols, int cell_w, const AxisScale *axis,
                        int minx, int maxx, const char *name);

/* The usual layout: [top_rows][plot][x axis line][x labels], y labels and line on the left. */
typedef struct PlotFrame {
    Rect area, plot;            /* plot: the data cells */
    int cell_w, cell_h;         /* dots per cell of the canvas's raster mode */
    AxisScale x, y;
    bool ok;                    /* false: area too small, nothing should be drawn */
} PlotFrame;

void plot_frame_layout(PlotFrame *frame, const Canvas *canvas, Rect area, const AxisSpec *xs, const AxisSpec *ys,
                       double dxlo, double dxhi, double dylo, double dyhi, int top_rows, bool extend_x,
                       bool extend_y);
/* Axis lines, ticks, labels and axis names (the y name on the area's top row). */
void plot_frame_draw(Canvas *canvas, const PlotFrame *frame, const AxisSpec *xs, const AxisSpec *ys);
/* Data → dot coordinates of the plot rectangle (dot 0 at the left / top); NaN when not drawable. */
double plot_frame_xdot(const PlotFrame *frame, double x);
double plot_frame_ydot(const PlotFrame *frame, double y);
/* Dots per cell for a canvas. */
void raster_cell_size(const Canvas *canvas, int *cell_w, int *cell_h);
/* A legend on one row, right-aligned within [x0, x0+w): entries "glyph name" in their roles; entries
 * that do not fit are dropped from the end. */
void plot_legend(Canvas *canvas, int x0, int y, int w, const char *const *names, const ColorRole *roles,
                 const uint32_t *glyphs, int n);

#endif
