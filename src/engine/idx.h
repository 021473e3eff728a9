/* Reader (and a small writer) for MNIST-format IDX files of unsigned bytes, gzipped or plain (engine layer). */
#ifndef BNTUTOR_ENGINE_IDX_H
#define BNTUTOR_ENGINE_IDX_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* Magic numbers: two zero bytes, type 0x08 (unsigned byte), number of dimensions. */
enum { IDX_MAGIC_LABELS = 0x00000801, IDX_MAGIC_IMAGES = 0x00000803 };

/* The most data bytes (items × rows × cols) a header may declare: Fashion-MNIST's training images are
 * 47 MB, and a small gzip file claiming more must not make us write or allocate it. */
#define IDX_DATA_MAX_BYTES ((unsigned long long)1 << 30)

typedef struct IdxFile {
    int ndims;              /* 1 (labels) or 3 (images) */
    int count;              /* items in the file: the first dimension of the header */
    int rows, cols;         /* image size; 1 and 1 for labels */
    int loaded;             /* items actually read into data (≤ count) */
    unsigned char *data;    /* (loaded, rows, cols) row-major */
} IdxFile;

/* Reads the IDX file at path (through zlib, so plain and .gz both work). want_dims: 1 for labels,
 * 3 for images, 0 for either. max_items > 0 reads only the first max_items items (fewer if the file
 * has fewer; `loaded` says how many) and does not look past them; max_items ≤ 0 reads every item and
 * also rejects trailing bytes after the data. On failure returns false, leaves *out empty and sets
 * err with where = path and one of: "cannot open: ...", "truncated header ...", "bad magic 0x... ",
 * "wrong dimension count ...", "empty ...", "sizes overflow ...", "too large ...", "truncated data ...",
 * "trailing data ...", "read error: ...", "not a regular file". */
bool idx_read(const char *path, int want_dims, int max_items, IdxFile *out, BnError *err);
/* The same checks and messages as idx_read, reading through one small buffer and keeping nothing. */
bool idx_check(const char *path, int want_dims, int max_items, BnError *err);
/* Checks an IDX header held in buf (len bytes available) with the same messages as idx_read, and
 * fills ndims, count, rows and cols of out and the header's length in bytes (header_len may be NULL). */
bool idx_parse_header(const unsigned char *buf, size_t len, const char *path, int want_dims, IdxFile *out,
                      size_t *header_len, BnError *err);
/* Frees the data and empties *file; accepts NULL and an already freed file. */
void idx_free(IdxFile *file);

/* Writes count items of rows×cols bytes (ndims 1: rows = cols = 1) as an IDX file, gzip-compressed
 * when gzip is true. For tests, assets and exporting; returns false with err on failure. */
bool idx_write(const char *path, int ndims, int count, int rows, int cols, const unsigned char *data,
               bool gzip, BnError *err);

#endif
