/* Table/matrix widget: aligned numbers under row and column labels, highlighting, fitting, scrolling (view layer). */
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

/* Row or column names made on the fly ("#3", "feat 2", "run μ"), held where a TableSpec can point at
 * them: start from TABLE_LABELS_INIT (or zero), add, pass table_labels_names(), free after drawing. */
enum { TABLE_LABEL_MAX = 32 };     /* bytes of one label with its NUL; longer ones are cut */
typedef struct TableLabels {
    char (*text)[TABLE_LABEL_MAX];  /* (cap) */
    const char **names;             /* (cap) names[i] == text[i] */
    int count, cap;
} TableLabels;
#define TABLE_LABELS_INIT ((TableLabels){ 0 })

/* Appends one printf-made label; returns its index. */
int table_labels_add(TableLabels *labels, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends `count` numbered labels, the prefix then first, first + 1, ... ("feat " gives feat 1, feat 2). */
void table_labels_number(TableLabels *labels, const char *prefix, int first, int count);
/* Forgets the labels, keeping the room for the next table. */
void table_labels_clear(TableLabels *labels);
/* The labels as TableSpec.row_names / col_names want them (NULL while empty). */
const char *const *table_labels_names(const TableLabels *labels);
void table_labels_free(TableLabels *labels);

#endif
