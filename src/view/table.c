/* Table/matrix widget: precision and columns fitted to the width, highlighting, scrolling, labels (view layer). */
#include "view/table.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "view/format.h"
#include "view/unicode.h"

enum { COL_GAP = 2 };

/* How one column prints at a given precision: fixed decimals, or scientific for extreme magnitudes. */
typedef struct ColFormat {
    bool scientific;
    int decimals;
    int width;
} ColFormat;

static void format_cell(char *buf, int size, double v, const ColFormat *cf, int sig, bool unicode)
{
    if (cf->scientific)
        format_number(buf, size, v, sig, unicode);
    else
        format_fixed(buf, size, v, cf->decimals, unicode);
}

static ColFormat column_format(const TableSpec *t, int c, int sig, bool unicode)
{
    double maxabs = 0;
    for (int r = 0; r < t->rows; r++) {
        double v = t->values[(size_t)r * (size_t)t->cols + (size_t)c];
        if (isfinite(v) && fabs(v) > maxabs)
            maxabs = fabs(v);
    }
    ColFormat cf = {false, 0, 0};
    if (maxabs >= 1e7 || (maxabs > 0 && maxabs < 1e-4)) {
        cf.scientific = true;
    } else {
        int e = maxabs > 0 ? (int)floor(log10(maxabs)) : 0;
        cf.decimals = sig - 1 - e;
        cf.decimals = cf.decimals < 0 ? 0 : cf.decimals > 8 ? 8 : cf.decimals;
    }
    cf.width = t->col_names && t->col_names[c] ? utf8_width(t->col_names[c]) : 0;
    for (int r = 0; r < t->rows; r++) {
        char buf[FORMAT_MAX];
        format_cell(buf, sizeof buf, t->values[(size_t)r * (size_t)t->cols + (size_t)c], &cf, sig, unicode);
        int w = utf8_width(buf);
        if (w > cf.width)
            cf.width = w;
    }
    return cf;
}

/* Drawing clipped to the table's rectangle: narrow areas cut the row names too. */
static void clip_text(Canvas *canvas, Rect area, int x, int y, const char *s, ColorRole role, int attr, int max)
{
    int room = area.x + area.w - x;
    if (y < area.y || y >= area.y + area.h || room <= 0)
        return;
    canvas_text(canvas, x, y, s, role, attr, max < room ? max : room);
}

static void clip_put(Canvas *canvas, Rect area, int x, int y, uint32_t ch, ColorRole role)
{
    if (x >= area.x && x < area.x + area.w && y >= area.y && y < area.y + area.h)
        canvas_put(canvas, x, y, ch, role, 0);
}

/* Formats columns c0.. into cf (spec->cols − c0 of them) with the most significant digits, from *sig
 * down to 2, that let them all fit in `width` after `lead` columns; *sig is what was used. Returns how
 * many columns show, leaving room for the "…" column when some are dropped. */
static int fit_columns(const TableSpec *spec, int c0, int lead, int width, bool u, ColFormat *cf, int *sig)
{
    int ncols = spec->cols - c0, shown = 0;
    for (;; (*sig)--) {
        int x = lead;
        shown = 0;
        for (int c = 0; c < ncols; c++) {
            cf[c] = column_format(spec, c0 + c, *sig, u);
            int need = x + cf[c].width;
            if (need > width)
                break;
            x = need + COL_GAP;
            shown++;
        }
        if (shown == ncols || *sig <= 2)
            break;
    }
    if (shown == ncols)
        return shown;
    int x = lead, k = 0;
    for (; k < shown; k++) {
        if (x + cf[k].width + COL_GAP + 1 > width)
            break;
        x += cf[k].width + COL_GAP;
    }
    return k;
}

void table_draw(Canvas *canvas, Rect area, const TableSpec *spec, TableFit *fit)
{
    TableFit local = {0};
    if (!fit)
        fit = &local;
    memset(fit, 0, sizeof *fit);
    if (!canvas || !spec || !spec->values || spec->rows <= 0 || spec->cols <= 0 || area.w <= 0 || area.h <= 0)
        return;
    bool u = canvas->unicode;
    int c0 = spec->col_offset < 0 ? 0 : spec->col_offset >= spec->cols ? spec->cols - 1 : spec->col_offset;
    int r0 = spec->row_offset < 0 ? 0 : spec->row_offset >= spec->rows ? spec->rows - 1 : spec->row_offset;
    int name_w = spec->corner ? utf8_width(spec->corner) : 0;
    for (int r = 0; spec->row_names && r < spec->rows; r++)
        if (spec->row_names[r] && utf8_width(spec->row_names[r]) > name_w)
            name_w = utf8_width(spec->row_names[r]);
    int lead = name_w ? name_w + COL_GAP : 0;
    int ncols = spec->cols - c0;
    ColFormat *cf = xcalloc((size_t)ncols, sizeof *cf);
    int sig = spec->sig > 0 ? spec->sig : 4;
    int shown = fit_columns(spec, c0, lead, area.w, u, cf, &sig);
    bool more_cols = shown < ncols || c0 > 0;
    int header = spec->col_names ? 1 : 0;
    int body = area.h - header;
    int nrows = spec->rows - r0;
    bool more_rows = nrows > body;
    int rows_shown = more_rows ? body - 1 : nrows;
    if (rows_shown < 0)
        rows_shown = 0;
    uint32_t ellipsis = u ? 0x2026 : '>';
    /* Header row. */
    if (header) {
        if (spec->corner)
            clip_text(canvas, area, area.x, area.y, spec->corner, ROLE_TEXT_DIM, 0, name_w);
        int x = area.x + lead;
        for (int c = 0; c < shown; c++) {
            const char *h = spec->col_names[c0 + c] ? spec->col_names[c0 + c] : "";
            int w = utf8_width(h);
            bool hl = spec->hl_col == c0 + c;
            clip_text(canvas, area, x + cf[c].width - w, area.y, h, hl ? ROLE_HIGHLIGHT : ROLE_TITLE,
                        hl ? ATTR_BOLD : 0, cf[c].width);
            x += cf[c].width + COL_GAP;
        }
        if (shown < ncols)
            clip_put(canvas, area, x, area.y, ellipsis, ROLE_TEXT_DIM);
    }
    for (int i = 0; i < rows_shown; i++) {
        int r = r0 + i, y = area.y + header + i;
        bool row_hl = spec->hl_row == r;
        if (spec->row_names && spec->row_names[r])
            clip_text(canvas, area, area.x, y, spec->row_names[r], row_hl ? ROLE_HIGHLIGHT : ROLE_TITLE, 0, name_w);
        int x = area.x + lead;
        for (int c = 0; c < shown; c++) {
            char buf[FORMAT_MAX];
            format_cell(buf, sizeof buf, spec->values[(size_t)r * (size_t)spec->cols + (size_t)(c0 + c)], &cf[c], sig, u);
            int w = utf8_width(buf);
            bool col_hl = spec->hl_col == c0 + c;
            bool hl = (spec->hl_row >= 0 && spec->hl_col >= 0) ? (row_hl && col_hl)
                                                               : (row_hl || col_hl);
            if (hl)
                for (int k = 0; k < cf[c].width; k++)
                    clip_put(canvas, area, x + k, y, ' ', ROLE_HIGHLIGHT);
            clip_text(canvas, area, x + cf[c].width - w, y, buf, hl ? ROLE_HIGHLIGHT : ROLE_DEFAULT, 0, w);
            x += cf[c].width + COL_GAP;
        }
        if (shown < ncols)
            clip_put(canvas, area, x, y, ellipsis, ROLE_TEXT_DIM);
    }
    if (more_rows && body >= 1)
        clip_put(canvas, area, area.x + (name_w ? name_w / 2 : 0), area.y + header + rows_shown, u ? 0x22EE : ':',
                   ROLE_TEXT_DIM);
    fit->rows_shown = rows_shown;
    fit->cols_shown = shown;
    fit->sig = sig;
    fit->more_rows = more_rows || r0 > 0;
    fit->more_cols = more_cols;
    free(cf);
}

static void labels_reserve(TableLabels *l, int need)
{
    if (need <= l->cap)
        return;
    int cap = l->cap ? l->cap : 16;
    while (cap < need)
        cap *= 2;
    l->text = xrealloc(l->text, sizeof *l->text * (size_t)cap);
    l->names = xrealloc(l->names, sizeof *l->names * (size_t)cap);
    l->cap = cap;
    for (int i = 0; i < l->count; i++)
        l->names[i] = l->text[i];       /* the text moved */
}

int table_labels_add(TableLabels *l, const char *fmt, ...)
{
    labels_reserve(l, l->count + 1);
    int i = l->count++;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->text[i], sizeof l->text[i], fmt, ap);
    va_end(ap);
    l->names[i] = l->text[i];
    return i;
}

void table_labels_number(TableLabels *l, const char *prefix, int first, int count)
{
    labels_reserve(l, l->count + count);
    for (int k = 0; k < count; k++) {
        int i = l->count++;
        snprintf(l->text[i], sizeof l->text[i], "%s%d", prefix, first + k);
        l->names[i] = l->text[i];
    }
}

void table_labels_clear(TableLabels *l) { l->count = 0; }

const char *const *table_labels_names(const TableLabels *l)
{
    return l->count > 0 ? (const char *const *)l->names : NULL;
}

void table_labels_free(TableLabels *l)
{
    if (!l)
        return;
    free(l->text);
    free(l->names);
    *l = TABLE_LABELS_INIT;
}
