/* Chart widgets over plain arrays: histogram, line chart, scatter, contour/heat map with a path (view layer).
 *
 * Each widget draws inside `area` only (tick labels and legends included) and draws nothing when the
 * area is too small (below about 12×5). Plots use the canvas's raster mode (braille 2×4, half blocks
 * 1×2, ASCII 1×1 dots per cell). Series take roles SERIES1..SERIES4 in order; SERIES1 (the "before",
 * the most important) is always drawn solid / with the bolder glyph and wins where series overlap. */
#ifndef BNTUTOR_VIEW_PLOT_H
#define BNTUTOR_VIEW_PLOT_H

#include <stdbool.h>

#include "view/canvas.h"
#include "view/rect.h"

typedef struct AxisSpec {
    bool fixed;             /* true: exactly lo..hi; false: fit the data and round out to nice ticks */
    double lo, hi;
    bool log;               /* log10 scale: values ≤ 0 are not drawn */
    const char *label;      /* axis name, or NULL */
} AxisSpec;

/* ---- Histogram ----------------------------------------------------------------------------- */

typedef struct HistSeries {
    const double *counts;   /* (bins) count (or density) per bin; NaN counts as 0 */
    int bins;
    double lo, hi;          /* x range covered by the bins (equal widths) */
    const char *name;       /* legend text, or NULL */
    bool stats;             /* mark the mean (│ with "μ") and mean ± sd (┆ with "σ") */
    double mean, sd;
} HistSeries;

typedef enum HistLayout {
    HIST_OVERLAY,           /* both series on one axis: series 0 solid, series 1 hatched with a solid top */
    HIST_MIRROR,            /* series 0 (before) bars up, series 1 (after) bars down */
} HistLayout;

typedef struct HistogramSpec {
    const HistSeries *series;   /* (nseries) 1 or 2 */
    int nseries;
    HistLayout layout;
    bool separate_axes;     /* HIST_MIRROR only: each half gets its own x range, x labels and count scale */
    AxisSpec x;             /* x.fixed: a shared fixed range; labels name the axes */
    AxisSpec y;             /* y.fixed: y.hi is the count scale; y.log is ignored */
} HistogramSpec;

void histogram_draw(Canvas *canvas, Rect area, const HistogramSpec *spec);

/* ---- Line chart ---------------------------------------------------------------------------- */

typedef struct LineSeries {
    const double *x;        /* (n) or NULL for 0, 1, ..., n-1 */
    const double *y;        /* (n) a NaN breaks the line */
    int n;
    const char *name;       /* legend text, or NULL */
} LineSeries;

/* A shaded band between lo and hi (e.g. 15th..85th percentile), drawn under the lines. */
typedef struct LineBand {
    const double *x;        /* (n) or NULL for 0..n-1 */
    const double *lo, *hi;  /* (n) */
    int n;
    ColorRole role;         /* usually the role of the median line it surrounds */
} LineBand;

typedef struct LineChartSpec {
    const LineSeries *series;   /* (nseries) up to 4, roles SERIES1..SERIES4 */
    int nseries;
    const LineBand *band;       /* or NULL */
    AxisSpec x, y;
    bool legend;                /* names on the top row, right-aligned */
} LineChartSpec;

void linechart_draw(Canvas *canvas, Rect area, const LineChartSpec *spec);

/* ---- Scatter ------------------------------------------------------------------------------- */

typedef struct ScatterSet {
    const double *x, *y;    /* (n) points; NaN points are skipped */
    int n;
    const char *name;
} ScatterSet;

typedef struct ScatterSpec {
    const ScatterSet *sets; /* (nsets) up to 4, roles SERIES1..SERIES4 */
    int nsets;
    AxisSpec x, y;
    bool legend;
    /* false: one glyph per point at cell resolution, distinct per set (● ○ ◆ ×; ASCII * o + x) and
     * '◉'/'@' where sets share a cell; true: single dots at sub-cell resolution. */
    bool dots;
} ScatterSpec;

void scatter_draw(Canvas *canvas, Rect area, const ScatterSpec *spec);

/* ---- Contour / heat map -------------------------------------------------------------------- */

typedef enum ContourScale {
    CONTOUR_LINEAR,         /* levels evenly spaced in z */
    CONTOUR_SQRT,           /* evenly spaced in sqrt(z - zmin): quadratic bowls get even rings */
    CONTOUR_LOG,            /* evenly spaced in log(1 + 999·t): dense near the minimum */
} ContourScale;

typedef struct ContourSpec {
    const double *z;        /* (ny, nx) row-major samples; row 0 is y_lo, column 0 is x_lo */
    int nx, ny;             /* ≥ 2 each */
    double x_lo, x_hi, y_lo, y_hi;
    int levels;             /* number of bands (0 = 8, at most 16) */
    ContourScale scale;
    bool shaded;            /* shade bands (░▒▓█ / " .:-=+*#%@") instead of drawing level lines */
    const double *path_x, *path_y;  /* (path_n) optional path (e.g. gradient descent), drawn on top; */
    int path_n;                     /* its last point is the current one, marked ◉ / '@' */
    bool mark_target;       /* mark (target_x, target_y) with ✕ / 'X' (e.g. the minimum) */
    double target_x, target_y;
    const char *x_label, *y_label;
    /* One data unit as long across as up, for cells about twice as tall as wide: the shown x range is
     * (y_hi − y_lo)·plot width/(2·plot height), centred in [x_lo, x_hi] and at most all of it (so the
     * grid should reach wider than the y range when the area is wide). Levels span the shown part. */
    bool equal_scale;
} ContourSpec;

void contour_draw(Canvas *canvas, Rect area, const ContourSpec *spec);

#endif
