/* CSV mini-batch reader (util layer): whole-buffer parsing, so lines may be any length. */
#include "util/csv.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/parse.h"

typedef enum CellKind { CELL_NUMBER, CELL_NOT_FINITE, CELL_TEXT, CELL_EMPTY } CellKind;

/* One cell's text, trimmed; its bytes live in the caller's buffer. */
typedef struct Cell {
    const char *start;
    size_t len;
} Cell;

static bool is_blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f'; }

static void trim(const char **start, size_t *len)
{
    while (*len > 0 && is_blank(**start)) {
        (*start)++;
        (*len)--;
    }
    while (*len > 0 && is_blank((*start)[*len - 1]))
        (*len)--;
}

/* parse_double decides what counts as a number; strtod only tells "nan"/"inf" apart from junk
 * so the message can say which it is. */
static CellKind cell_classify(const char *text, double *value)
{
    if (text[0] == '\0')
        return CELL_EMPTY;
    if (parse_double(text, value))
        return CELL_NUMBER;
    char *end;
    errno = 0;
    (void)strtod(text, &end);
    while (*end && is_blank(*end))
        end++;
    return end != text && *end == '\0' ? CELL_NOT_FINITE : CELL_TEXT;
}

/* Splits one line (already trimmed, no newline) at commas into cells. Returns the count. */
static int line_split(const char *line, size_t len, Cell **cells, int *cap)
{
    int count = 0;
    size_t pos = 0;
    for (;;) {
        const char *comma = memchr(line + pos, ',', len - pos);
        size_t cell_len = comma ? (size_t)(comma - (line + pos)) : len - pos;
        if (count == *cap) {
            *cap *= 2;
            *cells = xrealloc(*cells, sizeof **cells * (size_t)*cap);
        }
        Cell cell = { line + pos, cell_len };
        trim(&cell.start, &cell.len);
        (*cells)[count++] = cell;
        if (!comma)
            return count;
        pos += cell_len + 1;
    }
}

/* Copies a cell into a NUL-terminated scratch buffer that grows as needed. */
static const char *cell_text(Cell cell, char **scratch, size_t *scratch_cap)
{
    if (cell.len + 1 > *scratch_cap) {
        *scratch_cap = cell.len + 1;
        *scratch = xrealloc(*scratch, *scratch_cap);
    }
    memcpy(*scratch, cell.start, cell.len);
    (*scratch)[cell.len] = '\0';
    return *scratch;
}

/* True when every cell reads as a number (NaN and inf included: such a row is bad data, not names;
 * an empty cell too, so "1,,3" is reported as a missing value rather than taken for names). */
static bool row_is_numeric(const Cell *cells, int count, char **scratch, size_t *scratch_cap)
{
    for (int k = 0; k < count; k++) {
        double v;
        CellKind kind = cell_classify(cell_text(cells[k], scratch, scratch_cap), &v);
        if (kind == CELL_TEXT)
            return false;
    }
    return true;
}

/* Header names lose one pair of surrounding double quotes, as spreadsheets write them. */
static char *name_from_cell(Cell cell)
{
    if (cell.len >= 2 && cell.start[0] == '"' && cell.start[cell.len - 1] == '"') {
        cell.start++;
        cell.len -= 2;
        trim(&cell.start, &cell.len);
    }
    char *name = xmalloc(cell.len + 1);
    memcpy(name, cell.start, cell.len);
    name[cell.len] = '\0';
    return name;
}

static void names_free(char **names, int count)
{
    if (!names)
        return;
    for (int k = 0; k < count; k++)
        free(names[k]);
    free(names);
}

/* The number in cell k (0-based) of line line_no into *v; false with err when it holds none. */
static bool cell_value(Cell cell_span, char **scratch, size_t *scratch_cap, double *v, const char *src, int line_no,
                       int k, BnError *err)
{
    const char *cell = cell_text(cell_span, scratch, scratch_cap);
    switch (cell_classify(cell, v)) {
    case CELL_NUMBER:
        return true;
    case CELL_EMPTY:
        error_set_at(err, src, line_no, "column %d is empty", k + 1);
        return false;
    case CELL_NOT_FINITE:
        error_set_at(err, src, line_no, "column %d: \"%.60s\" is not a finite number", k + 1, cell);
        return false;
    case CELL_TEXT:
        /* A semicolon or tab usually means another separator, which is worth saying. */
        error_set_at(err, src, line_no, "column %d: \"%.60s%s\" is not a number%s", k + 1, cell,
                     strlen(cell) > 60 ? "..." : "",
                     strpbrk(cell, ";\t") ? " (values are separated by commas)" : "");
        return false;
    }
    return true;
}

/* The header row's cells as column names into *names (count of them); false with err when one is empty. */
static bool header_names(char ***names, const Cell *cells, int count, const char *src, int line_no, BnError *err)
{
    *names = xcalloc((size_t)count, sizeof **names);
    for (int k = 0; k < count; k++) {
        (*names)[k] = name_from_cell(cells[k]);
        if ((*names)[k][0] == '\0') {
            error_set_at(err, src, line_no, "header: column %d has no name", k + 1);
            return false;
        }
    }
    return true;
}

CsvMatrix *csv_parse(const char *text, size_t size, const char *source, BnError *err)
{
    const char *src = source ? source : "<input>";
    int cell_cap = 16;
    Cell *cells = xmalloc(sizeof *cells * (size_t)cell_cap);
    size_t scratch_cap = 64;
    char *scratch = xmalloc(scratch_cap);
    size_t value_cap = 64, value_count = 0;
    double *values = xmalloc(sizeof *values * value_cap);
    char **names = NULL;
    int cols = 0, rows = 0, line_no = 0, first_line = 0;
    bool seen_first_row = false, ok = true;

    size_t pos = 0;
    while (ok && pos < size) {
        const char *line = text + pos;
        const char *newline = memchr(line, '\n', size - pos);
        size_t len = newline ? (size_t)(newline - line) : size - pos;
        pos += len + (newline ? 1 : 0);
        if (line_no == INT_MAX) {
            error_set_at(err, src, line_no, "too many lines");
            ok = false;
            break;
        }
        line_no++;
        if (memchr(line, '\0', len)) {
            error_set_at(err, src, line_no, "contains a NUL byte (is this a binary file?)");
            ok = false;
            break;
        }
        trim(&line, &len);
        if (len == 0 || line[0] == '#')
            continue;

        int count = line_split(line, len, &cells, &cell_cap);
        if (!seen_first_row) {
            seen_first_row = true;
            cols = count;
            if (!row_is_numeric(cells, count, &scratch, &scratch_cap)) {
                ok = header_names(&names, cells, count, src, line_no, err);
                continue;
            }
        }
        if (count != cols) {
            error_set_at(err, src, line_no, "row has %d value%s, expected %d%s", count,
                         count == 1 ? "" : "s", cols, names ? " (as in the header)" : "");
            ok = false;
            break;
        }
        if (rows >= CSV_ROWS_MAX) {
            error_set_at(err, src, line_no, "more than %d rows: a mini-batch may have at most %d", CSV_ROWS_MAX,
                         CSV_ROWS_MAX);
            ok = false;
            break;
        }
        if (value_count + (size_t)count > CSV_VALUES_MAX) {
            error_set_at(err, src, line_no, "more than %d values: a mini-batch may have at most %d (rows x columns)",
                         CSV_VALUES_MAX, CSV_VALUES_MAX);
            ok = false;
            break;
        }
        for (int k = 0; k < count && ok; k++) {
            double v = 0.0;
            ok = cell_value(cells[k], &scratch, &scratch_cap, &v, src, line_no, k, err);
            if (value_count == value_cap) {
                value_cap *= 2;
                values = xrealloc(values, sizeof *values * value_cap);
            }
            values[value_count++] = v;
        }
        if (rows == 0)
            first_line = line_no;
        rows++;
    }
    if (ok && rows == 0) {
        error_set_at(err, src, 0, "no data rows%s", names ? " (only a header)" : "");
        ok = false;
    }
    free(cells);
    free(scratch);
    if (!ok) {
        free(values);
        names_free(names, cols);
        return NULL;
    }
    CsvMatrix *m = xmalloc(sizeof *m);
    m->rows = rows;
    m->cols = cols;
    m->values = values;
    m->names = names;
    m->first_line = first_line;
    return m;
}

CsvMatrix *csv_read_stream(FILE *stream, const char *source, BnError *err)
{
    const char *src = source ? source : "<input>";
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        size_t got = fread(buf + len, 1, cap - len, stream);
        /* A NUL means binary input (/dev/zero): stop here, the parser names its line. */
        bool binary = got > 0 && memchr(buf + len, '\0', got) != NULL;
        len += got;
        if (binary)
            break;
        if (len > CSV_BYTES_MAX) {
            error_set_at(err, src, 0, "more than %d MiB: too large for a mini-batch (the limit)", CSV_BYTES_MAX >> 20);
            free(buf);
            return NULL;
        }
        if (len == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        if (got == 0)
            break;
    }
    if (ferror(stream)) {
        error_set_at(err, src, 0, "cannot read: %s", strerror(errno ? errno : EIO));
        free(buf);
        return NULL;
    }
    CsvMatrix *m = csv_parse(buf, len, src, err);
    free(buf);
    return m;
}

CsvMatrix *csv_read_file(const char *path, BnError *err)
{
    if (strcmp(path, "-") == 0)
        return csv_read_stream(stdin, "<stdin>", err);
    FILE *f = fopen(path, "rb");
    if (!f) {
        error_set_at(err, path, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    CsvMatrix *m = csv_read_stream(f, path, err);
    fclose(f);
    return m;
}

void csv_destroy(CsvMatrix *matrix)
{
    if (!matrix)
        return;
    free(matrix->values);
    names_free(matrix->names, matrix->cols);
    free(matrix);
}
