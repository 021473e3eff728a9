/* IDX files read in place with pread: plain files as they are, gzipped ones through a cache file (system-wide or per user) that every tutor on the machine shares through the page cache (engine layer). */
#include "engine/idx_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/idx.h"
#include "util/alloc.h"
#include "util/file.h"

enum { COPY_CHUNK = 1 << 16, HASH_CHUNK = 1 << 20, IDX_HEAD_MAX = 16 };

/* Space left free on the cache's disk after writing it: a full /var or home helps nobody. */
#define CACHE_SPACE_MARGIN ((unsigned long long)16 << 20)

/* The cache file: this header, then the decompressed IDX file byte for byte. The source's checksum and
 * size, not its modification time, tell whether the cache belongs to it; the payload length must be
 * exactly what the IDX header inside declares. Native byte order: a cache never leaves its machine. */
#define CACHE_MAGIC "BNTIDXC3"
typedef struct CacheHeader {
    char magic[8];
    uint64_t source_size;
    uint64_t source_sum;        /* checksum of the whole gzipped source (source_checksum) */
    uint64_t payload_len;
    uint64_t reserved[4];
} CacheHeader;

_Static_assert(sizeof(CacheHeader) == 64, "the cache header is 64 bytes");

/* What identifies a source: its size and a checksum of every byte. */
typedef struct Fingerprint {
    uint64_t size;
    uint64_t sum;
} Fingerprint;

/* snprintf for messages that may be cut short: a long path must not stop the work. */
__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t size, const char *fmt, ...)
{
    if (size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

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

void idx_cache_system_dir(char *out, size_t size)
{
    const char *env = getenv("BNTUTOR_SYSTEM_CACHE");
    say(out, size, "%s", env && env[0] == '/' ? env : BNTUTOR_SYSTEM_CACHE_DIR);
}

double idx_cache_lock_seconds(void)
{
    const char *env = getenv("BNTUTOR_CACHE_LOCK_SECONDS");
    char *end;
    double v = env && *env ? strtod(env, &end) : -1.0;
    return env && *env && *end == '\0' && v >= 0.0 && v <= 3600.0 ? v : 10.0;
}

/* FNV-1a: names caches of same-named files in different folders apart. */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* The cache file's name (no folder) for source: its base name without .gz and a hash of its real path,
 * so every user who names the same file, by any path, finds the same system cache. */
static bool cache_name(const char *source, char *out, size_t size)
{
    char *full = realpath(source, NULL);
    const char *key = full ? full : source;
    const char *base = strrchr(key, '/');
    base = base ? base + 1 : key;
    size_t len = strlen(base);
    if (len > 3 && strcmp(base + len - 3, ".gz") == 0)
        len -= 3;
    if (len > 200)
        len = 200;
    int n = snprintf(out, size, "%.*s-%016llx.idx", (int)len, base, (unsigned long long)fnv1a(key));
    free(full);
    return n > 0 && (size_t)n < size;
}

bool idx_cache_path(const char *source, const char *cache_dir, char *out, size_t size, BnError *err)
{
    char dir[4096], name[300];
    if (!cache_dir) {
        if (!idx_cache_dir(dir, sizeof dir, err))
            return false;
        cache_dir = dir;
    }
    int n = cache_name(source, name, sizeof name) ? snprintf(out, size, "%s/%s", cache_dir, name) : -1;
    if (n < 0 || (size_t)n >= size) {
        error_set(err, cache_dir, "the cache file's path is too long");
        return false;
    }
    return true;
}

void idx_source_close(IdxSource *src)
{
    if (!src)
        return;
    if (src->path) {
        close(src->fd);
        free(src->path);
    }
    free(src->owned);
    memset(src, 0, sizeof *src);
}

size_t idx_source_private_bytes(const IdxSource *src)
{
    return src->owned ? (size_t)src->loaded * (size_t)src->rows * (size_t)src->cols : 0;
}

bool idx_source_read(const IdxSource *src, size_t offset, size_t n, unsigned char *out, BnError *err)
{
    if (!src->path) {
        memcpy(out, src->data + offset, n);
        return true;
    }
    off_t at = src->data_offset + (off_t)offset;
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(src->fd, out + done, n - done, at + (off_t)done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            memset(out, 0, n);      /* no half-read item: all of it or zeros */
            if (r < 0)
                error_set(err, src->path, "read error: %s", strerror(errno));
            else
                error_set(err, src->path,
                          "truncated or replaced while in use: byte %lld, there when the file was opened, is gone",
                          (long long)(at + (off_t)done) + 1);
            return false;
        }
        done += (size_t)r;
    }
    return true;
}

/* Reads up to n bytes at offset; the count read, or -1. */
static ssize_t pread_full(int fd, void *buf, size_t n, off_t offset)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, (unsigned char *)buf + done, n - done, offset + (off_t)done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (ssize_t)done;
}

/* The whole file in memory, with idx_read's checks and messages. */
static bool read_into_memory(const char *path, int want_dims, int max_items, IdxSource *out, BnError *err)
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

/* Checks the IDX header at `offset` of fd, and that exactly the data it declares follows up to
 * file_size (max_items ≤ 0) or at least the first max_items items do; fills out to read in place. */
static bool use_in_place(int fd, off_t offset, off_t file_size, int want_dims, int max_items, IdxSource *out)
{
    unsigned char head[IDX_HEAD_MAX];
    ssize_t got = pread_full(fd, head, sizeof head, offset);
    IdxFile h = { 0 };
    size_t header_len = 0;
    BnError ignored = { 0 };
    if (got < 0 || !idx_parse_header(head, (size_t)got, "", want_dims, &h, &header_len, &ignored))
        return false;
    int loaded = max_items > 0 && max_items < h.count ? max_items : h.count;
    uint64_t item = (uint64_t)h.rows * (uint64_t)h.cols;
    uint64_t have = (uint64_t)(file_size - offset) - header_len;
    if (have < (uint64_t)loaded * item || (max_items <= 0 && have != (uint64_t)h.count * item))
        return false;
    out->ndims = h.ndims;
    out->count = h.count;
    out->rows = h.rows;
    out->cols = h.cols;
    out->loaded = loaded;
    out->data = NULL;
    out->fd = fd;
    out->data_offset = offset + (off_t)header_len;
    return true;
}

static bool is_gzip(int fd)
{
    unsigned char p[2];
    return pread_full(fd, p, 2, 0) == 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* Folds bytes into a 64-bit checksum, eight at a time (multiply and xor-shift per word). Not CRC-32:
 * a gzip file ends with the CRC-32 of its contents, which makes the CRC-32 of the whole file the same
 * for many different files. Not cryptographic either: ownership, not the checksum, keeps forgers out. */
static uint64_t checksum_update(uint64_t h, const unsigned char *p, size_t n)
{
    const uint64_t k = 0x9e3779b97f4a7c15ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    for (; i < n; i++) {
        h = (h ^ p[i]) * k;
        h ^= h >> 29;
    }
    return h;
}

/* The checksum of the whole source, read through the page cache; false on a read error. */
static bool fingerprint(int fd, uint64_t size, Fingerprint *fp)
{
    unsigned char *buf = xmalloc(HASH_CHUNK);
    uint64_t h = 0xcbf29ce484222325ULL ^ size;
    uint64_t done = 0;
    bool ok = true;
    while (done < size) {
        size_t ask = size - done < HASH_CHUNK ? (size_t)(size - done) : HASH_CHUNK;
        ssize_t r = pread_full(fd, buf, ask, (off_t)done);
        if (r <= 0) {
            ok = false;
            break;
        }
        h = checksum_update(h, buf, (size_t)r);
        done += (uint64_t)r;
    }
    free(buf);
    fp->size = done;
    fp->sum = h;
    return ok;
}

/* A folder or file someone else controls: owned by another user (root may own a system cache), or
 * writable by anyone but its owner. Says which, for the warning. */
static bool trusted(const struct stat *st, bool root_ok, const char *what, const char *path, char *why, size_t n)
{
    uid_t me = geteuid();
    if (st->st_uid != me && !(root_ok && st->st_uid == 0)) {
        say(why, n, "the %s %s belongs to uid %u, not to you (uid %u): refused", what, path, (unsigned)st->st_uid,
            (unsigned)me);
        return false;
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        say(why, n, "the %s %s may be written by others (mode %04o): refused", what, path,
            (unsigned)(st->st_mode & 07777));
        return false;
    }
    return true;
}

/* Opens a cache folder for openat, refusing one someone else controls; -1 (why says it) otherwise. */
static int open_dir(const char *dir, bool root_ok, char *why, size_t n)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        say(why, n, "cannot open %s: %s", dir, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(dfd, &st) != 0 || !trusted(&st, root_ok, "cache folder", dir, why, n)) {
        close(dfd);
        return -1;
    }
    return dfd;
}

/* Uses the cache `name` in dfd when it is trusted, whole, and made from this very source. */
static bool read_cache(int dfd, const char *name, const char *path, const Fingerprint *fp, bool root_ok,
                       int want_dims, int max_items, IdxSource *out, char *why, size_t n)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        say(why, n, "cannot open %s: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    CacheHeader h;
    bool ok = fstat(fd, &st) == 0;
    if (ok && !S_ISREG(st.st_mode)) {
        say(why, n, "%s: not a regular file", path);
        ok = false;
    }
    ok = ok && trusted(&st, root_ok, "cache file", path, why, n);
    if (ok && (pread_full(fd, &h, sizeof h, 0) != (ssize_t)sizeof h || memcmp(h.magic, CACHE_MAGIC, sizeof h.magic) != 0 ||
               h.source_size != fp->size || h.source_sum != fp->sum ||
               h.payload_len != (uint64_t)st.st_size - sizeof h)) {
        say(why, n, "%s is stale or damaged", path);
        ok = false;
    }
    IdxSource got = { 0 };
    if (ok && !use_in_place(fd, (off_t)sizeof h, st.st_size, want_dims, 0, &got)) {
        say(why, n, "%s does not hold a whole IDX file", path);
        ok = false;
    }
    if (!ok) {
        close(fd);
        return false;
    }
    if (max_items > 0 && max_items < got.count)
        got.loaded = max_items;
    got.path = xstrdup(path);
    *out = got;
    return true;
}

/* mkdir -p; the last folder gets `mode` (exactly, whatever the umask), the ones above it 0700 like
 * the rest of ~/.cache. */
static bool make_dirs(const char *dir, mode_t mode)
{
    char path[4096];
    say(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return false;
        *p = '/';
    }
    if (mkdir(path, mode) == 0)
        return chmod(path, mode) == 0;
    return errno == EEXIST;
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Takes the lock file `name`.lock in dfd: created O_EXCL|O_NOFOLLOW with mode 0600, or, when it exists,
 * opened without following a link and used only when it is this user's and writable by nobody else.
 * Waits at most `seconds` for another holder. The descriptor (close to release), or -1 with why. */
static int take_lock(int dfd, const char *name, const char *cache_path, double seconds, char *why, size_t n)
{
    char lock_name[320], lock_path[4200];
    say(lock_name, sizeof lock_name, "%s.lock", name);
    say(lock_path, sizeof lock_path, "%s.lock", cache_path);
    int fd = openat(dfd, lock_name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        fd = openat(dfd, lock_name, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        say(why, n, "cannot open the lock %s: %s", lock_path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !trusted(&st, false, "lock file", lock_path, why, n)) {
        if (!why[0])
            say(why, n, "the lock %s is not a regular file: refused", lock_path);
        close(fd);
        return -1;
    }
    double deadline = monotonic_seconds() + seconds;
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            say(why, n, "cannot lock %s: %s", lock_path, strerror(errno));
            close(fd);
            return -1;
        }
        if (monotonic_seconds() >= deadline) {
            say(why, n, "waited %.0f s for the lock %s (another bntutor is unpacking the same file, or holds it)",
                seconds, lock_path);
            close(fd);
            return -1;
        }
        struct timespec pause = { 0, 20 * 1000 * 1000 };
        nanosleep(&pause, NULL);
    }
    return fd;
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

typedef enum BuildResult { BUILD_OK, BUILD_SOURCE_BAD, BUILD_CACHE_FAILED } BuildResult;

/* Decompresses the gzipped source (src_fd) into a temporary file in dir, then renames it to `name`, so
 * nobody ever reads a half-written cache. The IDX header is checked first: what it declares must fit
 * the limits and the free space, and exactly that many bytes are written; a source with fewer or more
 * is bad, and the partial file is removed. The caller holds the lock. */
static BuildResult write_cache(int src_fd, const Fingerprint *fp, int dfd, const char *dir, const char *name,
                               bool shared, char *why, size_t n)
{
    int zfd = dup(src_fd);
    gzFile f = zfd >= 0 && lseek(zfd, 0, SEEK_SET) == 0 ? gzdopen(zfd, "rb") : NULL;
    if (!f) {
        if (zfd >= 0)
            close(zfd);
        say(why, n, "cannot read the source: %s", strerror(errno ? errno : ENOMEM));
        return BUILD_CACHE_FAILED;
    }
    unsigned char *buf = xmalloc(COPY_CHUNK);
    char tmp[4200] = "";
    int fd = -1;
    BuildResult result = BUILD_SOURCE_BAD;
    int got = gzread(f, buf, IDX_HEAD_MAX);
    IdxFile head = { 0 };
    size_t header_len = 0;
    BnError ignored = { 0 };
    if (got < 0 || !idx_parse_header(buf, (size_t)got, "", 0, &head, &header_len, &ignored))
        goto out;
    uint64_t declared = header_len + (uint64_t)head.count * (uint64_t)head.rows * (uint64_t)head.cols;
    struct statvfs vfs;
    if (fstatvfs(dfd, &vfs) == 0) {
        unsigned long long avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
        if (avail < declared + sizeof(CacheHeader) + CACHE_SPACE_MARGIN) {
            say(why, n, "%s has %llu MB free; the cache needs %llu MB and leaves %llu MB", dir, avail / 1000000,
                (unsigned long long)(declared + sizeof(CacheHeader)) / 1000000, CACHE_SPACE_MARGIN / 1000000);
            result = BUILD_CACHE_FAILED;
            goto out;
        }
    }
    say(tmp, sizeof tmp, "%s/%s.tmp.XXXXXX", dir, name);
    fd = mkstemp(tmp);      /* O_EXCL, mode 0600 */
    if (fd >= 0)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (fd < 0) {
        say(why, n, "cannot write in %s: %s", dir, strerror(errno));
        tmp[0] = '\0';
        result = BUILD_CACHE_FAILED;
        goto out;
    }
    CacheHeader h = { 0 };
    if (!cache_write_all(fd, &h, sizeof h))
        goto write_failed;
    uint64_t total = (uint64_t)got < declared ? (uint64_t)got : declared;
    if (!cache_write_all(fd, buf, (size_t)total))
        goto write_failed;
    bool extra = (uint64_t)got > declared;
    /* Never more than the header declared: a gzip bomb stops here. */
    while (!extra && total < declared) {
        uint64_t ask = declared - total < COPY_CHUNK ? declared - total : COPY_CHUNK;
        int r = gzread(f, buf, (unsigned)ask);
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        if (!cache_write_all(fd, buf, (size_t)r))
            goto write_failed;
        total += (uint64_t)r;
    }
    if (extra || total < declared || gzread(f, buf, 1) != 0)
        goto out;       /* truncated, trailing data or a read error: the source's own message later */
    memcpy(h.magic, CACHE_MAGIC, sizeof h.magic);
    h.source_size = fp->size;
    h.source_sum = fp->sum;
    h.payload_len = total;
    if (pwrite(fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
        goto write_failed;
    /* Shared: read-only for everyone, so no learner's process can change what the others read. */
    if (shared && fchmod(fd, 0444) != 0)
        goto write_failed;
    if (close(fd) != 0) {
        fd = -1;
        goto write_failed;
    }
    fd = -1;
    if (renameat(AT_FDCWD, tmp, dfd, name) != 0)
        goto write_failed;
    tmp[0] = '\0';
    result = BUILD_OK;
    goto out;
write_failed:
    say(why, n, "cannot write %s: %s", tmp, strerror(errno));
    result = BUILD_CACHE_FAILED;
out:
    free(buf);
    gzclose(f);
    if (fd >= 0)
        close(fd);
    if (tmp[0])
        unlink(tmp);
    return result;
}

/* Under the lock: uses a cache another process finished meanwhile, or writes it. */
static BuildResult build_locked(int src_fd, const Fingerprint *fp, int dfd, const char *dir, const char *name,
                                const char *path, bool shared, double lock_seconds, int want_dims, int max_items,
                                IdxSource *out, bool *was_ready, char *why, size_t n)
{
    int lock = take_lock(dfd, name, path, lock_seconds, why, n);
    if (lock < 0)
        return BUILD_CACHE_FAILED;
    char ignored[ERROR_MESSAGE_MAX];
    BuildResult result = BUILD_OK;
    *was_ready = read_cache(dfd, name, path, fp, false, want_dims, max_items, out, ignored, sizeof ignored);
    if (!*was_ready) {
        result = write_cache(src_fd, fp, dfd, dir, name, shared, why, n);
        if (result == BUILD_OK && !read_cache(dfd, name, path, fp, false, want_dims, max_items, out, why, n))
            result = BUILD_CACHE_FAILED;
    }
    close(lock);
    return result;
}

/* A source the cache could not take: the message idx_read would give, found without holding the data. */
static bool source_message(const char *path, int want_dims, int max_items, IdxSource *out, BnError *err)
{
    if (!idx_check(path, want_dims, max_items, err))
        return false;
    /* Whole enough for max_items (the rest is damaged): those items, from memory. */
    return read_into_memory(path, want_dims, max_items, out, err);
}

bool idx_source_open(const char *path, int want_dims, int max_items, const char *cache_dir, IdxSource *out,
                     char *warning, size_t warning_size, BnError *err)
{
    memset(out, 0, sizeof *out);
    if (warning_size > 0)
        warning[0] = '\0';
    struct stat src;
    BnError open_err = { 0 };
    int fd = file_open_regular(path, O_RDONLY, 0, &src, &open_err);
    if (fd < 0) {
        *err = open_err;
        return false;
    }
    if (!is_gzip(fd)) {
        if (use_in_place(fd, 0, src.st_size, want_dims, max_items, out)) {
            out->path = xstrdup(path);
            return true;
        }
        close(fd);
        return read_into_memory(path, want_dims, max_items, out, err);  /* the malformation, in its words */
    }
    Fingerprint fp;
    char name[300], why[ERROR_MESSAGE_MAX] = "";
    if (!fingerprint(fd, (uint64_t)src.st_size, &fp) || !cache_name(path, name, sizeof name)) {
        close(fd);
        return read_into_memory(path, want_dims, max_items, out, err);
    }
    /* The system-wide cache first: one copy for the whole class. */
    char sys[4096], sys_path[4400];
    idx_cache_system_dir(sys, sizeof sys);
    say(sys_path, sizeof sys_path, "%s/%s", sys, name);
    char ignored[ERROR_MESSAGE_MAX];
    int sys_fd = open_dir(sys, true, ignored, sizeof ignored);
    if (sys_fd >= 0) {
        bool ok = read_cache(sys_fd, name, sys_path, &fp, true, want_dims, max_items, out, ignored, sizeof ignored);
        close(sys_fd);
        if (ok) {
            out->system_cache = true;
            close(fd);
            return true;
        }
    }
    char dir[4096], cache_path[4400];
    BnError dir_err = { 0 };
    if (cache_dir)
        say(dir, sizeof dir, "%s", cache_dir);
    BuildResult built = BUILD_CACHE_FAILED;
    if (!cache_dir && !idx_cache_dir(dir, sizeof dir, &dir_err)) {
        say(why, sizeof why, "%s", dir_err.message);
    } else if (!make_dirs(dir, 0700)) {
        say(why, sizeof why, "cannot create %s: %s", dir, strerror(errno));
    } else {
        say(cache_path, sizeof cache_path, "%s/%s", dir, name);
        int dfd = open_dir(dir, false, why, sizeof why);
        if (dfd >= 0) {
            bool ready = read_cache(dfd, name, cache_path, &fp, false, want_dims, max_items, out, ignored,
                                    sizeof ignored);
            if (ready)
                built = BUILD_OK;
            else
                built = build_locked(fd, &fp, dfd, dir, name, cache_path, false, idx_cache_lock_seconds(),
                                     want_dims, max_items, out, &ready, why, sizeof why);
            close(dfd);
        }
    }
    close(fd);
    if (built == BUILD_OK)
        return true;
    if (built == BUILD_SOURCE_BAD)
        return source_message(path, want_dims, max_items, out, err);
    if (!read_into_memory(path, want_dims, max_items, out, err))
        return false;
    say(warning, warning_size, "%s: no cache (%s), so it is read into memory", path, why);
    return true;
}

bool idx_cache_build(const char *source, const char *cache_dir, bool shared, double lock_seconds,
                     char *cache_path, size_t cache_path_size, IdxCacheBuilt *built, BnError *err)
{
    struct stat src;
    int fd = file_open_regular(source, O_RDONLY, 0, &src, err);
    if (fd < 0)
        return false;
    char name[300], path[4400], why[ERROR_MESSAGE_MAX] = "";
    Fingerprint fp;
    bool ok = false;
    int dfd = -1;
    if (!is_gzip(fd)) {
        error_set(err, source, "not gzipped: a plain IDX file is read in place and needs no cache");
        goto out;
    }
    if (!fingerprint(fd, (uint64_t)src.st_size, &fp)) {
        error_set(err, source, "read error: %s", strerror(errno));
        goto out;
    }
    if (!cache_name(source, name, sizeof name)) {
        error_set(err, cache_dir, "the cache file's path is too long");
        goto out;
    }
    say(path, sizeof path, "%s/%s", cache_dir, name);
    if (cache_path_size > 0)
        say(cache_path, cache_path_size, "%s", path);
    if (!make_dirs(cache_dir, shared ? 0755 : 0700)) {
        error_set(err, cache_dir, "cannot create the cache folder: %s", strerror(errno));
        goto out;
    }
    dfd = open_dir(cache_dir, false, why, sizeof why);
    if (dfd < 0) {
        error_set(err, cache_dir, "%s", why);
        goto out;
    }
    IdxSource check = { 0 };
    bool ready = false;
    BuildResult r = build_locked(fd, &fp, dfd, cache_dir, name, path, shared, lock_seconds, 0, 0, &check, &ready,
                                 why, sizeof why);
    idx_source_close(&check);
    if (r == BUILD_SOURCE_BAD) {
        if (idx_check(source, 0, 0, err))
            error_set(err, source, "cannot be cached (it changed while being read?)");
        goto out;
    }
    if (r != BUILD_OK) {
        error_set(err, cache_dir, "%s", why);
        goto out;
    }
    *built = ready ? IDX_CACHE_UP_TO_DATE : IDX_CACHE_WRITTEN;
    ok = true;
out:
    if (dfd >= 0)
        close(dfd);
    close(fd);
    return ok;
}
