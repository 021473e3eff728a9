/* The CSV mini-batch reader: what it accepts, and the file:line message for each thing it refuses. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/check.h"
#include "util/csv.h"

static CsvMatrix *parse_ok(const char *text)
{
    BnError err = { 0 };
    CsvMatrix *m = csv_parse(text, strlen(text), "t.csv", &err);
    cr_assert_not_null(m, "refused %s: %s: %s", text, err.where, err.message);
    cr_assert(!err.set, "success leaves no error");
    return m;
}

/* Parses text that must be refused, at `where`, with every fragment in the message. */
static void parse_bad(const char *text, size_t size, const char *where, const char *fragment1, const char *fragment2)
{
    BnError err = { 0 };
    CsvMatrix *m = csv_parse(text, size, "t.csv", &err);
    cr_assert_null(m, "accepted input that should fail at %s", where);
    cr_assert(err.set);
    cr_assert_str_eq(err.where, where, "message: %s", err.message);
    cr_assert_not_null(strstr(err.message, fragment1), "'%s' not in '%s'", fragment1, err.message);
    if (fragment2)
        cr_assert_not_null(strstr(err.message, fragment2), "'%s' not in '%s'", fragment2, err.message);
}

static void check_values(const CsvMatrix *m, int rows, int cols, const double *want)
{
    cr_assert_eq(m->rows, rows, "rows: %d, expected %d", m->rows, rows);
    cr_assert_eq(m->cols, cols, "cols: %d, expected %d", m->cols, cols);
    for (int k = 0; k < rows * cols; k++)
        check_close(m->values[k], want[k], 1e-15, 0.0, "value %d (row %d, column %d)", k, k / cols, k % cols);
}

Test(csv, plain_rows_of_numbers_become_a_matrix_without_names)
{
    CsvMatrix *m = parse_ok("1,2\n3.5,-4\n1e3,+0.25\n");
    const double want[] = { 1, 2, 3.5, -4, 1000, 0.25 };
    check_values(m, 3, 2, want);
    cr_assert_null(m->names);
    csv_destroy(m);
    csv_destroy(NULL);
}

Test(csv, a_first_row_that_is_not_all_numbers_is_a_header_of_names)
{
    CsvMatrix *m = parse_ok("height, \"weight\" ,age\n1,2,3\n4,5,6\n");
    const double want[] = { 1, 2, 3, 4, 5, 6 };
    check_values(m, 2, 3, want);
    cr_assert_not_null(m->names);
    cr_assert_str_eq(m->names[0], "height");
    cr_assert_str_eq(m->names[1], "weight");
    cr_assert_str_eq(m->names[2], "age");
    csv_destroy(m);
}

Test(csv, comments_blank_lines_spaces_and_crlf_are_skipped)
{
    CsvMatrix *m = parse_ok("# a mini-batch\r\n\r\n   \n  1 ,\t2  \r\n# between\n\n3,4\r\n  # indented comment\n5,6");
    const double want[] = { 1, 2, 3, 4, 5, 6 };
    check_values(m, 3, 2, want);
    csv_destroy(m);
}

Test(csv, a_single_column_is_a_batch_of_one_feature)
{
    CsvMatrix *m = parse_ok("x\n1\n2\n3\n");
    const double want[] = { 1, 2, 3 };
    check_values(m, 3, 1, want);
    cr_assert_str_eq(m->names[0], "x");
    csv_destroy(m);
}

Test(csv, very_long_lines_are_read_whole)
{
    enum { COLS = 30000 };
    size_t size = (size_t)COLS * 12 + 16;
    char *text = malloc(size);
    cr_assert_not_null(text);
    size_t len = 0;
    for (int row = 0; row < 2; row++)
        for (int k = 0; k < COLS; k++)
            len += (size_t)snprintf(text + len, size - len, "%d%c", k + row, k + 1 < COLS ? ',' : '\n');
    /* Two rows of ~170 kB each: longer than any fixed line buffer would be. */
    BnError err = { 0 };
    CsvMatrix *m = csv_parse(text, len, "wide.csv", &err);
    cr_assert_not_null(m, "%s: %s", err.where, err.message);
    cr_assert_eq(m->rows, 2);
    cr_assert_eq(m->cols, COLS);
    check_close(m->values[COLS - 1], COLS - 1, 0.0, 0.0, "last value of row 1");
    check_close(m->values[2 * COLS - 1], COLS, 0.0, 0.0, "last value of row 2");
    csv_destroy(m);
    free(text);
}

Test(csv, a_ragged_row_is_reported_with_its_line_and_both_counts)
{
    parse_bad("1,2\n3,4\n5,6,7\n", 14, "t.csv:3", "row has 3 values, expected 2", NULL);
    parse_bad("# c\na,b\n\n1,2\n3\n", 15, "t.csv:5", "row has 1 value, expected 2", "header");
}

Test(csv, a_non_numeric_cell_is_quoted_with_its_column)
{
    const char *text = "a,b\n1,2\n3,abc\n";
    parse_bad(text, strlen(text), "t.csv:3", "column 2", "\"abc\" is not a number");
    const char *text2 = "1,2\n3,4x\n";
    parse_bad(text2, strlen(text2), "t.csv:2", "column 2", "\"4x\"");
    const char *text3 = "1,2\n3;4,5\n";
    parse_bad(text3, strlen(text3), "t.csv:2", "\"3;4\" is not a number", "separated by commas");
}

Test(csv, nan_and_infinity_are_refused_as_not_finite)
{
    const char *text = "1,2\nnan,4\n";
    parse_bad(text, strlen(text), "t.csv:2", "column 1", "not a finite number");
    const char *text2 = "1,2\n3,-inf\n";
    parse_bad(text2, strlen(text2), "t.csv:2", "column 2", "not a finite number");
    const char *text3 = "1,1e999\n";
    parse_bad(text3, strlen(text3), "t.csv:1", "column 2", "not a finite number");
}

Test(csv, an_empty_cell_is_refused)
{
    const char *text = "1,,3\n";
    parse_bad(text, strlen(text), "t.csv:1", "column 2 is empty", NULL);
}

Test(csv, input_without_data_rows_is_refused)
{
    parse_bad("", 0, "t.csv", "no data rows", NULL);
    const char *text = "# only a comment\n\n";
    parse_bad(text, strlen(text), "t.csv", "no data rows", NULL);
    const char *text2 = "a,b\n";
    parse_bad(text2, strlen(text2), "t.csv", "no data rows", "only a header");
}

Test(csv, a_nul_byte_is_refused_as_binary)
{
    const char text[] = "1,2\n3,\0004\n";
    parse_bad(text, sizeof text - 1, "t.csv:2", "NUL", NULL);
}

Test(csv, a_header_with_an_empty_name_is_refused)
{
    const char *text = "a,,c\n1,2,3\n";
    parse_bad(text, strlen(text), "t.csv:1", "column 2 has no name", NULL);
}

Test(csv, files_are_read_and_a_missing_file_says_so)
{
    char path[] = "/tmp/bntutor-csv-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    const char *text = "u,v\n0.5,1\n2,3\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    BnError err = { 0 };
    CsvMatrix *m = csv_read_file(path, &err);
    cr_assert_not_null(m, "%s: %s", err.where, err.message);
    const double want[] = { 0.5, 1, 2, 3 };
    check_values(m, 2, 2, want);
    cr_assert_str_eq(m->names[1], "v");
    csv_destroy(m);

    const char *bad = "1,2\n3\n";
    fd = open(path, O_WRONLY | O_TRUNC);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
    close(fd);
    error_clear(&err);
    cr_assert_null(csv_read_file(path, &err));
    char where[600];
    snprintf(where, sizeof where, "%s:2", path);
    cr_assert_str_eq(err.where, where, "errors in files name the file and line");
    unlink(path);

    error_clear(&err);
    cr_assert_null(csv_read_file(path, &err));
    cr_assert_str_eq(err.where, path);
    cr_assert_not_null(strstr(err.message, "cannot open"), "%s", err.message);

    error_clear(&err);
    cr_assert_null(csv_read_file("/", &err), "a directory is not a CSV file");
    cr_assert(err.set);
}

Test(csv, a_stream_is_named_as_given_in_messages)
{
    const char *text = "1,2\nx,3\n";
    FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
    cr_assert_not_null(f);
    BnError err = { 0 };
    cr_assert_null(csv_read_stream(f, "<stdin>", &err));
    fclose(f);
    cr_assert_str_eq(err.where, "<stdin>:2");
}

Test(csv, the_first_data_row_is_found_past_comments_blank_lines_and_the_header)
{
    CsvMatrix *m = parse_ok("# a comment\n\na,b\n\n1,2\n3,4\n");
    cr_assert_eq(m->first_line, 5, "first data row on line 5, got %d", m->first_line);
    csv_destroy(m);
    m = parse_ok("1,2\n3,4\n");
    cr_assert_eq(m->first_line, 1, "got %d", m->first_line);
    csv_destroy(m);
}
