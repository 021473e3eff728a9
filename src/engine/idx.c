/* IDX (MNIST-format) files of unsigned bytes through zlib, with a precise message for each malformation (engine layer). */
#include "engine/idx.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "util/alloc.h"
#include "util/file.h"

enum { IDX_CHUNK = 1 << 20 };

static const char *dims_kind(int ndims)
{
    return ndims == 1 ? "labels" : ndims == 3 ? "images" : "unknown";
}

/* Reads up to want bytes; returns the count read, or -1 on a stream error (message in err). */
static long long read_bytes(gzFile f, unsigned char *buf, size_t want, const char *path, BnError *err)
{
    size_t got = 0;
    while (got < want) {
        size_t ask = want - got < IDX_CHUNK ? want - got : IDX_CHUNK;
        int r = gzread(f, buf + got, (unsigned)ask);
        if (r < 0) {
            int errnum = 0;
            const char *msg = gzerror(f, &errnum);
            error_set(err, path, "read error: %s", errnum == Z_ERRNO ? strerror(errno) : msg);
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (long long)got;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

bool idx_parse_header(const unsigned char *buf, size_t len, const char *path, int want_dims, IdxFile *out,
                      size_t *header_len, BnError *err)
{
    if (len < 4) {
        error_set(err, path, "truncated header: %zu of 4 magic bytes", len);
        return false;
    }
    uint32_t m = be32(buf);
    if (buf[0] != 0 || buf[1] != 0 || buf[2] != 0x08) {
        error_set(err, path,
                  "bad magic 0x%08x (expected 0x%08x for labels or 0x%08x for images, unsigned bytes)",
                  (unsigned)m, (unsigned)IDX_MAGIC_LABELS, (unsigned)IDX_MAGIC_IMAGES);
        return false;
    }
    int ndims = buf[3];
    if (ndims != 1 && ndims != 3) {
        error_set(err, path, "wrong dimension count %d in magic 0x%08x (expected 1 for labels or 3 for images)",
                  ndims, (unsigned)m);
        return false;
    }
    if (want_dims != 0 && ndims != want_dims) {
        error_set(err, path, "wrong dimension count %d (a %s file) where %d (%s) was expected", ndims,
                  dims_kind(ndims), want_dims, dims_kind(want_dims));
        return false;
    }
    const unsigned char *raw = buf + 4;
    if (len - 4 < (size_t)ndims * 4) {
        error_set(err, path, "truncated header: %zu of %d dimension bytes", len - 4, ndims * 4);
        return false;
    }
    uint32_t dims[3] = { be32(raw), 1, 1 };
    if (ndims == 3) {
        dims[1] = be32(raw + 4);
        dims[2] = be32(raw + 8);
    }
    if (dims[0] == 0 || dims[1] == 0 || dims[2] == 0) {
        error_set(err, path, "empty: dimensions %u x %u x %u", (unsigned)dims[0], (unsigned)dims[1],
                  (unsigned)dims[2]);
        return false;
    }
    uint64_t item = (uint64_t)dims[1] * dims[2];
    uint64_t total = (uint64_t)dims[0] * item;
    /* Callers may hold every value as a double, so the byte count must fit 8× over in size_t. */
    if (dims[0] > INT_MAX || dims[1] > INT_MAX || dims[2] > INT_MAX || item > INT_MAX ||
        (uint64_t)dims[0] * item > (uint64_t)(SIZE_MAX / sizeof(double))) {
        error_set(err, path, "sizes overflow: %u x %u x %u bytes is too large", (unsigned)dims[0],
                  (unsigned)dims[1], (unsigned)dims[2]);
        return false;
    }
    /* A header is only a promise: a small gzip file can claim terabytes. */
    if (total > IDX_DATA_MAX_BYTES) {
        error_set(err, path, "too large: the header declares %llu x %u x %u = %llu bytes of data; bntutor reads at most %llu MiB",
                  (unsigned long long)dims[0], (unsigned)dims[1], (unsigned)dims[2], (unsigned long long)total,
                  IDX_DATA_MAX_BYTES >> 20);
        return false;
    }
    out->ndims = ndims;
    out->count = (int)dims[0];
    out->rows = (int)dims[1];
    out->cols = (int)dims[2];
    if (header_len)
        *header_len = 4 + (size_t)ndims * 4;
    return true;
}

/* Reads the header from the stream and checks it; false with err set on any malformation. */
static bool read_header(gzFile f, const char *path, int want_dims, IdxFile *out, BnError *err)
{
    unsigned char head[16];
    long long got = read_bytes(f, head, 4, path, err);
    if (got < 0)
        return false;
    size_t have = (size_t)got;
    if (have == 4 && head[0] == 0 && head[1] == 0 && head[2] == 0x08 && (head[3] == 1 || head[3] == 3)) {
        got = read_bytes(f, head + 4, (size_t)head[3] * 4, path, err);
        if (got < 0)
            return false;
        have += (size_t)got;
    }
    return idx_parse_header(head, have, path, want_dims, out, NULL, err);
}

/* Reads the data in chunks so a header that lies about its size cannot make us allocate the lie. With
 * keep false the bytes are only counted (idx_check), through one small buffer. */
static bool read_data(gzFile f, const char *path, bool check_trailing, bool keep, IdxFile *out, BnError *err)
{
    size_t item = (size_t)out->rows * (size_t)out->cols;
    size_t need = (size_t)out->loaded * item;
    size_t cap = need < (size_t)64 * IDX_CHUNK ? need : (size_t)64 * IDX_CHUNK;
    if (!keep)
        cap = need < (size_t)IDX_CHUNK ? need : (size_t)IDX_CHUNK;
    unsigned char *buf = xmalloc(cap ? cap : 1);
    size_t have = 0;
    while (have < need) {
        size_t room;
        unsigned char *at;
        if (keep) {
            if (have == cap) {
                cap = cap > need / 2 ? need : cap * 2;
                buf = xrealloc(buf, cap);
            }
            room = cap - have;
            at = buf + have;
        } else {
            room = need - have < cap ? need - have : cap;
            at = buf;
        }
        long long got = read_bytes(f, at, room, path, err);
        if (got < 0) {
            free(buf);
            return false;
        }
        have += (size_t)got;
        if ((size_t)got < room)
            break;
    }
    if (have < need) {
        error_set(err, path,
                  "truncated data: header promises %d item(s) of %zu byte(s) (%zu bytes), file has %zu",
                  out->loaded, item, need, have);
        free(buf);
        return false;
    }
    if (check_trailing) {
        unsigned char extra[64];
        long long got = read_bytes(f, extra, sizeof extra, path, err);
        if (got < 0) {
            free(buf);
            return false;
        }
        if (got > 0) {
            error_set(err, path, "trailing data after the %zu data bytes the header promises (sizes do not match the file length)",
                      need);
            free(buf);
            return false;
        }
    }
    if (keep)
        out->data = buf;
    else
        free(buf);
    return true;
}

/* idx_read and idx_check: the file is opened as a regular file only (a FIFO must not block us). */
static bool read_idx_file(const char *path, int want_dims, int max_items, bool keep, IdxFile *out, BnError *err)
{
    memset(out, 0, sizeof *out);
    int fd = file_open_regular(path, O_RDONLY, 0, NULL, err);
    if (fd < 0)
        return false;
    errno = 0;
    gzFile f = gzdopen(fd, "rb");
    if (!f) {
        close(fd);
        error_set(err, path, "cannot open: %s", errno ? strerror(errno) : "out of memory in zlib");
        return false;
    }
    gzbuffer(f, 1u << 17);
    IdxFile file = { 0 };
    bool ok = read_header(f, path, want_dims, &file, err);
    if (ok) {
        file.loaded = max_items > 0 && max_items < file.count ? max_items : file.count;
        ok = read_data(f, path, max_items <= 0, keep, &file, err);
    }
    gzclose(f);
    if (ok)
        *out = file;
    return ok;
}

bool idx_check(const char *path, int want_dims, int max_items, BnError *err)
{
    IdxFile file;
    return read_idx_file(path, want_dims, max_items, false, &file, err);
}

bool idx_read(const char *path, int want_dims, int max_items, IdxFile *out, BnError *err)
{
    return read_idx_file(path, want_dims, max_items, true, out, err);
}

void idx_free(IdxFile *file)
{
    if (!file)
        return;
    free(file->data);
    memset(file, 0, sizeof *file);
}

bool idx_write(const char *path, int ndims, int count, int rows, int cols, const unsigned char *data,
               bool gzip, BnError *err)
{
    if ((ndims != 1 && ndims != 3) || count < 0 || rows < 1 || cols < 1 ||
        (ndims == 1 && (rows != 1 || cols != 1))) {
        error_set(err, path, "cannot write: bad shape %d dims, %d x %d x %d", ndims, count, rows, cols);
        return false;
    }
    errno = 0;
    /* "T" asks zlib for a plain (transparent) file, so one code path writes both forms. */
    gzFile f = gzopen(path, gzip ? "wb" : "wbT");
    if (!f) {
        error_set(err, path, "cannot create: %s", errno ? strerror(errno) : "out of memory in zlib");
        return false;
    }
    unsigned char head[16];
    uint32_t words[4] = { ndims == 1 ? IDX_MAGIC_LABELS : IDX_MAGIC_IMAGES, (uint32_t)count, (uint32_t)rows,
                          (uint32_t)cols };
    int nwords = 1 + ndims;
    for (int i = 0; i < nwords; i++)
        for (int k = 0; k < 4; k++)
            head[i * 4 + k] = (unsigned char)(words[i] >> (24 - 8 * k));
    bool ok = gzwrite(f, head, (unsigned)(nwords * 4)) == nwords * 4;
    size_t total = (size_t)count * (size_t)rows * (size_t)cols;
    for (size_t done = 0; ok && done < total;) {
        size_t n = total - done < IDX_CHUNK ? total - done : IDX_CHUNK;
        ok = gzwrite(f, data + done, (unsigned)n) == (int)n;
        done += n;
    }
    int rc = gzclose(f);
    if (!ok || rc != Z_OK) {
        error_set(err, path, "write failed: %s", errno ? strerror(errno) : "zlib error");
        return false;
    }
    return true;
}
