/* Table/matrix widget: aligned numbers with row and column headers, highlighting, fitting and scrolling (view layer). */
#ifndef BNTUTOR_VIEW_TABLE_H
#define BNTUTOR_VIEW_TABLE_H

#include <stdbool.h>

#include "view/canvas.h"
#include "view/rect.h"

typedef struct TableSpec {
    const double *values;           /* (rows, cols) row-major; NaN shows "nan", ±inf "∞" */
    int rows, cols;
    const char *const *row_names;   /* (rows) or NULL */
    const char *const *col_names;   /* (cols) or NULL: no header row */
    const char *corner;             /* header above the row names, or NULL */
    int sig;                        /* significant digits wanted (0 = 4); shrinks to 2 to fit the width */
    int hl_row, hl_col;             /* -1: none. Both ≥ 0: that cell; one ≥ 0: that whole row / column */
    int row_offset, col_offset;     /* first data row / column shown (scrolling) */
} TableSpec;

typedef struct TableFit {
    int rows_shown, cols_shown;     /* data rows / columns drawn */
    int sig;                        /* significant digits used */
    bool more_rows, more_cols;      /* an ellipsis marks rows / columns left out */
} TableFit;

/* Numbers are right-aligned with the same decimals down a column (decimal points line up); columns
 * are 2 apart. If the table is too wide, precision drops (to 2 digits), then columns are left out at
 * the right behind a "…" column; rows that do not fit end in a "⋮" row. fit may be NULL. */
void table_draw(Canvas *canvas, Rect area, const TableSpec *spec, TableFit *fit);

#endif
