/* IDX files read in place: plain files mapped, gzipped ones decompressed once into a cache file that every tutor on the machine maps (engine layer). */
#include "engine/idx_cache.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/idx.h"
#include "util/alloc.h"

enum { COPY_CHUNK = 1 << 16, TRAILING_PROBE = 64 };

/* The cache file: this header, then the decompressed IDX file byte for byte. The source's size and
 * modification time tell a stale cache; the payload length tells a truncated one. Native byte order:
 * a cache never leaves the machine that wrote it. */
#define CACHE_MAGIC "BNTIDXC1"
typedef struct CacheHeader {
    char magic[8];
    uint64_t source_size;
    int64_t mtime_sec, mtime_nsec;
    uint64_t payload_len;
    uint64_t reserved[3];
} CacheHeader;

_Static_assert(sizeof(CacheHeader) == 64, "the cache header is 64 bytes");

bool idx_cache_dir(char *out, size_t size, BnError *err)
{
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n;
    /* The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored. */
    if (xdg && xdg[0] == '/')
        n = snprintf(out, size, "%s/bntutor", xdg);
    else if (home && home[0] == '/')
        n = snprintf(out, size, "%s/.cache/bntutor", home);
    else {
        error_set(err, "", "neither XDG_CACHE_HOME nor HOME is an absolute path");
        return false;
    }
    if (n < 0 || (size_t)n >= size) {
        error_set(err, "", "the cache folder's path is too long");
        return false;
    }
    return true;
}

/* FNV-1a: names caches of same-named files in different folders apart. */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

bool idx_cache_path(const char *source, const char *cache_dir, char *out, size_t size, BnError *err)
{
    char dir[4096];
    if (!cache_dir) {
        if (!idx_cache_dir(dir, sizeof dir, err))
            return false;
        cache_dir = dir;
    }
    char *full = realpath(source, NULL);
    const char *key = full ? full : source;
    const char *base = strrchr(key, '/');
    base = base ? base + 1 : key;
    size_t len = strlen(base);
    if (len > 3 && strcmp(base + len - 3, ".gz") == 0)
        len -= 3;
    if (len > 200)
        len = 200;
    int n = snprintf(out, size, "%s/%.*s-%016llx.idx", cache_dir, (int)len, base, (unsigned long long)fnv1a(key));
    free(full);
    if (n < 0 || (size_t)n >= size) {
        error_set(err, cache_dir, "the cache file's path is too long");
        return false;
    }
    return true;
}

void idx_unmap(IdxMap *map)
{
    if (!map)
        return;
    if (map->base) {
        munmap(map->base, map->length);
        close(map->fd);
    }
    free(map->owned);
    memset(map, 0, sizeof *map);
}

size_t idx_map_private_bytes(const IdxMap *map)
{
    return map->owned ? (size_t)map->loaded * (size_t)map->rows * (size_t)map->cols : 0;
}

void idx_map_copy(const IdxMap *map, size_t offset, size_t n, unsigned char *out)
{
    if (map->base) {
        off_t at = (off_t)((size_t)(map->data - (const unsigned char *)map->base) + offset);
        size_t done = 0;
        while (done < n) {
            ssize_t r = pread(map->fd, out + done, n - done, at + (off_t)done);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            done += (size_t)r;
        }
        if (done == n)
            return;
    }
    memcpy(out, map->data + offset, n);
}

/* Maps the whole file at path read-only and shared; false (errno kept) when it cannot. An empty
 * file maps as NULL, 0. With keep_fd, a mapped file's descriptor stays open there for pread. */
static bool map_file(const char *path, void **base, size_t *length, struct stat *st, int *keep_fd)
{
    *base = NULL;
    *length = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat local;
    st = st ? st : &local;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return false;
    }
    if (st->st_size > 0) {
        void *p = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            close(fd);
            errno = e;
            return false;
        }
        *base = p;
        *length = (size_t)st->st_size;
        if (keep_fd) {
            *keep_fd = fd;
            return true;
        }
    }
    close(fd);
    return true;
}

/* Checks that buf (len) is a whole IDX file of want_dims dimensions and fills out to use it. Messages
 * do not matter here: a caller that gets false asks idx_read for the canonical one. */
static bool use_payload(const unsigned char *buf, size_t len, int want_dims, int max_items, IdxMap *out)
{
    IdxFile head = { 0 };
    size_t header_len = 0;
    BnError ignored = { 0 };
    if (!idx_parse_header(buf, len, "", want_dims, &head, &header_len, &ignored))
        return false;
    int loaded = max_items > 0 && max_items < head.count ? max_items : head.count;
    size_t item = (size_t)head.rows * (size_t)head.cols;
    size_t need = (size_t)loaded * item, have = len - header_len;
    if (have < need || (max_items <= 0 && have != need))
        return false;
    out->ndims = head.ndims;
    out->count = head.count;
    out->rows = head.rows;
    out->cols = head.cols;
    out->loaded = loaded;
    out->data = buf + header_len;
    return true;
}

/* The whole file in memory, with idx_read's checks and messages. */
static bool read_into_memory(const char *path, int want_dims, int max_items, IdxMap *out, BnError *err)
{
    IdxFile file = { 0 };
    if (!idx_read(path, want_dims, max_items, &file, err))
        return false;
    memset(out, 0, sizeof *out);
    out->ndims = file.ndims;
    out->count = file.count;
    out->rows = file.rows;
    out->cols = file.cols;
    out->loaded = file.loaded;
    out->owned = file.data;
    out->data = file.data;
    return true;
}

static bool same_source(const CacheHeader *h, const struct stat *src)
{
    return memcmp(h->magic, CACHE_MAGIC, sizeof h->magic) == 0 && h->source_size == (uint64_t)src->st_size &&
           h->mtime_sec == (int64_t)src->st_mtim.tv_sec && h->mtime_nsec == (int64_t)src->st_mtim.tv_nsec;
}

/* Maps the cache when it is whole and belongs to this version of the source. */
static bool map_cache(const char *cache, const struct stat *src, int want_dims, int max_items, IdxMap *out)
{
    void *base;
    size_t length;
    int fd = -1;
    if (!map_file(cache, &base, &length, NULL, &fd))
        return false;
    const CacheHeader *h = base;
    if (length < sizeof *h || !same_source(h, src) || h->payload_len != length - sizeof *h ||
        !use_payload((const unsigned char *)base + sizeof *h, length - sizeof *h, want_dims, max_items, out)) {
        if (base) {
            munmap(base, length);
            close(fd);
        }
        return false;
    }
    out->base = base;
    out->length = length;
    out->fd = fd;
    return true;
}

/* snprintf for messages that may be cut short: a long path must not stop the build. */
__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

static bool cache_write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* mkdir -p for the cache folder (private to the user, like the rest of ~/.cache). */
static bool make_dirs(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return false;
        *p = '/';
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST;
}

typedef enum BuildResult { BUILD_OK, BUILD_SOURCE_BAD, BUILD_CACHE_FAILED } BuildResult;

static BuildResult write_cache(const char *source, const struct stat *src, const char *cache, const char *dir,
                               char *why, size_t why_size);

/* Decompresses source into a temporary file beside cache, then renames it into place, so a tutor
 * never maps a half-written cache. At most the bytes the IDX header promises (and a few more, so a
 * trailing-data check still sees them) are written: a lying header cannot fill the disk. */
static BuildResult build_cache(const char *source, const struct stat *src, const char *cache, char *why, size_t why_size)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", cache);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    if (slash && !make_dirs(dir)) {
        say(why, why_size, "cannot create %s: %s", dir, strerror(errno));
        return BUILD_CACHE_FAILED;
    }
    /* A class starting at once would unpack the same file many times over: the first builds while
     * the others wait, then find the cache ready. Without a lock file each simply builds its own. */
    char lock_path[4200];
    snprintf(lock_path, sizeof lock_path, "%s.lock", cache);
    int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock >= 0)
        flock(lock, LOCK_EX);
    IdxMap ready = { 0 };
    BuildResult result = BUILD_OK;
    if (lock >= 0 && map_cache(cache, src, 0, 0, &ready))
        idx_unmap(&ready);
    else
        result = write_cache(source, src, cache, dir, why, why_size);
    if (lock >= 0)
        close(lock);    /* releases the lock */
    return result;
}

static BuildResult write_cache(const char *source, const struct stat *src, const char *cache, const char *dir,
                               char *why, size_t why_size)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", cache);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        say(why, why_size, "cannot write in %s: %s", dir, strerror(errno));
        return BUILD_CACHE_FAILED;
    }
    BuildResult result = BUILD_SOURCE_BAD;
    gzFile f = gzopen(source, "rb");
    unsigned char *buf = xmalloc(COPY_CHUNK);
    CacheHeader h = { 0 };
    if (!f)
        goto out;
    if (!cache_write_all(fd, &h, sizeof h))
        goto write_failed;
    int got = gzread(f, buf, 16);
    IdxFile head = { 0 };
    size_t header_len = 0;
    BnError ignored = { 0 };
    if (got < 0 || !idx_parse_header(buf, (size_t)got, source, 0, &head, &header_len, &ignored))
        goto out;
    uint64_t limit = header_len + (uint64_t)head.count * (uint64_t)head.rows * (uint64_t)head.cols + TRAILING_PROBE;
    uint64_t total = (uint64_t)got;
    if (!cache_write_all(fd, buf, (size_t)got))
        goto write_failed;
    while (total < limit) {
        uint64_t ask = limit - total < COPY_CHUNK ? limit - total : COPY_CHUNK;
        int r = gzread(f, buf, (unsigned)ask);
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        if (!cache_write_all(fd, buf, (size_t)r))
            goto write_failed;
        total += (uint64_t)r;
    }
    memcpy(h.magic, CACHE_MAGIC, sizeof h.magic);
    h.source_size = (uint64_t)src->st_size;
    h.mtime_sec = (int64_t)src->st_mtim.tv_sec;
    h.mtime_nsec = (int64_t)src->st_mtim.tv_nsec;
    h.payload_len = total;
    if (pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
        goto write_failed;
    if (close(fd) != 0) {
        fd = -1;
        goto write_failed;
    }
    fd = -1;
    if (rename(tmp, cache) != 0)
        goto write_failed;
    result = BUILD_OK;
    goto out;
write_failed:
    say(why, why_size, "cannot write %s: %s", tmp, strerror(errno));
    result = BUILD_CACHE_FAILED;
out:
    free(buf);
    if (f)
        gzclose(f);
    if (fd >= 0)
        close(fd);
    if (result != BUILD_OK)
        unlink(tmp);
    return result;
}

static bool is_gzip(const void *base, size_t length)
{
    const unsigned char *p = base;
    return length >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

bool idx_map(const char *path, int want_dims, int max_items, const char *cache_dir, IdxMap *out, char *warning,
             size_t warning_size, BnError *err)
{
    memset(out, 0, sizeof *out);
    if (warning_size > 0)
        warning[0] = '\0';
    void *base;
    size_t length;
    struct stat src;
    int fd = -1;
    if (!map_file(path, &base, &length, &src, &fd))
        return read_into_memory(path, want_dims, max_items, out, err);  /* says why it cannot open */
    if (!is_gzip(base, length)) {
        if (use_payload(base, length, want_dims, max_items, out)) {
            out->base = base;
            out->length = length;
            out->fd = fd;
            return true;
        }
        if (base) {
            munmap(base, length);
            close(fd);
        }
        return read_into_memory(path, want_dims, max_items, out, err);  /* the malformation, in its words */
    }
    munmap(base, length);
    close(fd);
    char cache[4096], why[ERROR_MESSAGE_MAX] = "";
    BnError cache_err = { 0 };
    if (!idx_cache_path(path, cache_dir, cache, sizeof cache, &cache_err)) {
        say(why, sizeof why, "%s", cache_err.message);
    } else {
        if (map_cache(cache, &src, want_dims, max_items, out))
            return true;
        BuildResult built = build_cache(path, &src, cache, why, sizeof why);
        if (built == BUILD_OK && map_cache(cache, &src, want_dims, max_items, out))
            return true;
        if (built != BUILD_CACHE_FAILED)
            return read_into_memory(path, want_dims, max_items, out, err);  /* a bad source: its message */
    }
    if (!read_into_memory(path, want_dims, max_items, out, err))
        return false;
    if (warning_size > 0)
        say(warning, warning_size, "%s: no cache (%s), so it is read into memory", path, why);
    return true;
}
