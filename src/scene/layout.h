/* Named layout breakpoints shared by the scenes: the room at which a layout shows more, by what it makes room for (scene layer). */
#ifndef BNTUTOR_SCENE_LAYOUT_H
#define BNTUTOR_SCENE_LAYOUT_H

#include <stdbool.h>

#include "view/rect.h"

/* A scene chooses its layout by asking what fits, never by a bare number:
 *     if (layout_fits(body, LAYOUT_W_WIDE, 0)) three panels across, else two.
 * Widths and heights are those of the rectangle being laid out (the scene's area or a part of it).
 * Scenes that make room for the same thing share a breakpoint, so moving one moves them together;
 * a scene that needs room for something new adds a name here, saying what it is for. */

/* The smallest panels worth drawing: below these a panel is left out rather than squeezed. */
enum {
    LAYOUT_W_CHART_MIN = 16,        /* a chart or histogram: axis labels and a few plotted columns */
    LAYOUT_H_CHART_MIN = 6,         /* its title row, a few plotted rows and the axis */
    LAYOUT_H_MAP_MIN = 5,           /* a map or scatter: a title and a few rows of dots */
    LAYOUT_W_HIST_MIN = 20,         /* one histogram of a row of them, with its title */
};

/* Widths at which a layout puts more side by side, narrow to wide. */
enum {
    LAYOUT_W_SIDE_COLUMN = 24,      /* a narrow column of charts beside the tables (else below them) */
    LAYOUT_W_CHART_BESIDE = 30,     /* a chart beside a picture, or two charts stacked, axes readable */
    LAYOUT_W_LONG_TITLE = 40,       /* a chart's long title and three significant digits */
    LAYOUT_W_MAP_BESIDE = 50,       /* a decision map beside the charts */
    LAYOUT_W_KNOBS_BESIDE = 60,     /* a column of knobs beside the charts; a chart under two maps */
    LAYOUT_W_SIDE_PANEL = 70,       /* two half-width charts, or a ~36-column panel of numbers beside a figure */
    LAYOUT_W_THREE_SMALL = 72,      /* three small charts across */
    LAYOUT_W_FULL = 80,             /* a standard terminal's full width: a panel under the tables */
    LAYOUT_W_TWO_SCATTERS = 84,     /* two scatter panels side by side, each near square */
    LAYOUT_W_TWO_PANELS = 90,       /* two panels side by side: two charts, or a map and its numbers */
    LAYOUT_W_SCATTER_BESIDE = 100,  /* a scatter beside a row of charts */
    LAYOUT_W_WIDE = 120,            /* a wide terminal: three panels across, wider side columns */
    LAYOUT_W_VERY_WIDE = 150,       /* a very wide terminal: a third chart beside two */
};

/* Heights at which a layout stacks more, short to tall. */
enum {
    LAYOUT_H_NOTE_ROW = 9,          /* a spare row for a note above the charts */
    LAYOUT_H_MIRROR = 12,           /* two histograms mirrored (one up, one down) rather than overlaid */
    LAYOUT_H_PANEL_BELOW = 12,      /* a panel of charts below the tables and formulas */
    LAYOUT_H_FORMULA_3 = 13,        /* three formula lines rather than two */
    LAYOUT_H_PANELS_BELOW = 14,     /* two charts in the panel below the tables */
    LAYOUT_H_TABLE_ROW = 14,        /* the table below the charts gets one more row */
    LAYOUT_H_STACK_TWO = 16,        /* two charts stacked rather than one */
    LAYOUT_H_CHART_GAP = 16,        /* a blank row between the charts and the table below them */
    LAYOUT_H_FORMULA_4 = 18,        /* four formula lines and a blank row above them */
    LAYOUT_H_DETAILS = 20,          /* a details block: a third of the height for the table, more status lines */
    LAYOUT_H_ROW_BELOW = 24,        /* a row of histograms or a table under two charts */
    LAYOUT_H_HISTORY_BELOW = 26,    /* a history chart under two maps */
    LAYOUT_H_CHARTS_STACKED = 28,   /* a second row of charts under the first */
    LAYOUT_H_TALL = 30,             /* a chart stacked on another, and blank rows between the parts */
};

/* True when r is at least w wide and h tall (0: any). */
static inline bool layout_fits(Rect r, int w, int h) { return r.w >= w && r.h >= h; }

/* True when r has room for a chart of at least LAYOUT_W_CHART_MIN × LAYOUT_H_CHART_MIN. */
static inline bool layout_chart_fits(Rect r) { return layout_fits(r, LAYOUT_W_CHART_MIN, LAYOUT_H_CHART_MIN); }

/* The width n columns of at least col_w each take with gap columns between them. */
static inline int layout_columns_w(int n, int col_w, int gap) { return n * col_w + (n - 1) * gap; }

#endif
