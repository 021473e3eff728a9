/* Reading a mini-batch from CSV text: one row per sample, one column per feature (util layer). */
#ifndef BNTUTOR_UTIL_CSV_H
#define BNTUTOR_UTIL_CSV_H

#include <stdio.h>

#include "util/error.h"

/* Blank lines and lines starting with '#' are skipped; cells may have spaces around them; CRLF is fine.
 * The first remaining row is a header of names when not all of its cells are numbers. */
typedef struct CsvMatrix {
    int rows, cols;
    double *values;     /* (rows, cols) row-major */
    char **names;       /* (cols) from the header row, or NULL without one */
    int first_line;     /* line number of the first data row, for messages about every row */
} CsvMatrix;

/* What a mini-batch may hold: bigger input is refused with a message naming the limit, before it can
 * grow until the allocator gives up (`yes 1.5 | bntutor bn -`, `--dy=/dev/zero`). */
enum { CSV_BYTES_MAX = 32 << 20, CSV_ROWS_MAX = 100000, CSV_VALUES_MAX = 1000000 };

/* Parses text of `size` bytes; `source` names it in messages ("file.csv", "<stdin>").
 * Returns NULL and sets err as "source:line: what" on any problem. */
CsvMatrix *csv_parse(const char *text, size_t size, const char *source, BnError *err);
/* Reads a whole stream (no line-length limit, at most CSV_BYTES_MAX bytes; a NUL stops it at once)
 * and parses it. */
CsvMatrix *csv_read_stream(FILE *stream, const char *source, BnError *err);
/* Reads a file, or stdin when path is "-" (then named "<stdin>" in messages). */
CsvMatrix *csv_read_file(const char *path, BnError *err);
void csv_destroy(CsvMatrix *matrix);

#endif
