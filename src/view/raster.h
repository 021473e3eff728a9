/* Sub-cell rasters: a grid of dots over a cell rectangle, drawn as braille, half blocks or ASCII (view layer).
 *
 * Dots per cell: braille 2×4, half blocks 1×2, ASCII 1×1 (a canvas with unicode=false always gets
 * ASCII). Dot (0,0) is the top-left of the rectangle; y grows downward. Each dot records which of up
 * to RASTER_SERIES_MAX series touched it, so series can overlap. When a cell is rendered:
 * - the most important series present wins (lower index = more important), and in braille/blocks the
 *   cell shows only that series' dots, in its role (so a line stays crisp over a shaded band);
 * - in ASCII a cell is the series' glyph, or the overlap glyph when two foreground series share it;
 * - background series (bands, level lines) never count as overlaps and lose to any foreground series.
 * Cells no series touched are left as they were. */
#ifndef BNTUTOR_VIEW_RASTER_H
#define BNTUTOR_VIEW_RASTER_H

#include <stdbool.h>
#include <stdint.h>

#include "view/canvas.h"
#include "view/rect.h"

enum { RASTER_SERIES_MAX = 8 };

typedef enum RasterFill {
    FILL_SOLID,         /* every dot */
    FILL_HATCH,         /* a checkerboard of dots (ASCII: every cell, the glyph tells series apart) */
    FILL_SPARSE,        /* one dot in four (ASCII: every other row) — for light shading */
} RasterFill;

typedef struct RasterSeries {
    ColorRole role;
    int attr;
    char ascii;         /* the glyph in ASCII mode */
    bool background;
} RasterSeries;

typedef struct Raster {
    Canvas *canvas;
    Rect area;                  /* cells */
    RasterMode mode;
    int cell_w, cell_h;         /* dots per cell */
    int w, h;                   /* dots */
    uint8_t *dots;              /* (h, w) bit s set when series s touched the dot */
    RasterSeries series[RASTER_SERIES_MAX];
    char overlap_ascii;         /* ASCII glyph where two foreground series meet ('@' by default) */
} Raster;

/* Series s defaults to role SERIES1+s (wrapping), glyphs "*o+x#=%&". */
Raster *raster_create(Canvas *canvas, Rect area);
void raster_destroy(Raster *raster);    /* accepts NULL */
void raster_set_series(Raster *raster, int s, ColorRole role, int attr, char ascii, bool background);
void raster_clear(Raster *raster);
/* Dots outside the grid are ignored. */
void raster_plot(Raster *raster, int x, int y, int s);
void raster_line(Raster *raster, int x0, int y0, int x1, int y1, int s);
/* The same line dashed (three dots on, two off); *phase carries the pattern across segments so a
 * polyline stays evenly dashed. Lets a second series differ from the first in more than color. */
void raster_line_dashed(Raster *raster, int x0, int y0, int x1, int y1, int s, int *phase);
/* Inclusive rectangle of dots, filled with a pattern (anchored to the grid so patterns line up). */
void raster_fill(Raster *raster, int x0, int y0, int x1, int y1, int s, RasterFill fill);
bool raster_get(const Raster *raster, int x, int y, int s);
/* True when any series touched a dot of cell (cx, cy) (cell coordinates inside the area). */
bool raster_cell_used(const Raster *raster, int cx, int cy);
/* Writes the touched cells to the canvas. */
void raster_render(const Raster *raster);

#endif
