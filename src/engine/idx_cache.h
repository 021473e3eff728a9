/* IDX image files read in place with pread, never mapped: plain files as they are, gzipped ones through a decompressed cache file (system-wide or per user) that every tutor shares through the page cache (engine layer). */
#ifndef BNTUTOR_ENGINE_IDX_CACHE_H
#define BNTUTOR_ENGINE_IDX_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* Where the system-wide cache lives unless BNTUTOR_SYSTEM_CACHE names another folder. */
#ifndef BNTUTOR_SYSTEM_CACHE_DIR
#define BNTUTOR_SYSTEM_CACHE_DIR "/var/cache/bntutor"
#endif

/* The bytes of one IDX file: read in place from a file (the plain file itself, or a cache of a gzipped
 * one), or, when no cache could be used, a copy in memory. Nothing is mapped: a file another process
 * truncates while we read it gives a short read, which is an error, never a SIGBUS. */
typedef struct IdxSource {
    int ndims;                      /* 1 (labels) or 3 (images) */
    int count;                      /* items in the file */
    int rows, cols;                 /* item size; 1 and 1 for labels */
    int loaded;                     /* items usable (≤ count) */
    const unsigned char *data;      /* the in-memory copy (loaded, rows, cols), or NULL when read in place */
    unsigned char *owned;           /* the same, to free */
    char *path;                     /* the file read in place (a plain file or a cache), or NULL */
    int fd;                         /* its descriptor while path is set */
    off_t data_offset;              /* where item 0 starts in that file */
    bool system_cache;              /* the file is the system-wide cache */
} IdxSource;

/* The per-user cache folder: $XDG_CACHE_HOME/bntutor, else $HOME/.cache/bntutor. False (with err)
 * when neither variable gives an absolute path. */
bool idx_cache_dir(char *out, size_t size, BnError *err);
/* The system-wide cache folder: $BNTUTOR_SYSTEM_CACHE when set (absolute), else BNTUTOR_SYSTEM_CACHE_DIR. */
void idx_cache_system_dir(char *out, size_t size);
/* The cache file for source under dir (cache_dir NULL: idx_cache_dir()). */
bool idx_cache_path(const char *source, const char *cache_dir, char *out, size_t size, BnError *err);

/* Opens the IDX file at path like idx_read (same checks, same messages) without reading it into
 * memory. A plain file is read in place. A gzipped one is read from a cache: the system-wide one when
 * it holds this very source, else the per-user one in cache_dir (NULL: idx_cache_dir()), which is
 * built on first use (the folder is created 0700) through a temporary file renamed into place. A cache
 * is used only when its folder and file are owned by this user (or by root) and writable by nobody
 * else, its header records the checksum and size of the source as it is now, and its length is exactly
 * what its IDX header declares. A cache that cannot be used or written (a folder someone else
 * controls, a lock held too long, too little space on its disk) makes the file be
 * read into memory, and warning gets one line saying why (warning is "" otherwise). */
bool idx_source_open(const char *path, int want_dims, int max_items, const char *cache_dir, IdxSource *out,
                     char *warning, size_t warning_size, BnError *err);
/* Closes or frees; accepts NULL and an already empty source. */
void idx_source_close(IdxSource *src);
/* Bytes the source holds privately: the in-memory copy; 0 when read in place (page cache, shared). */
size_t idx_source_private_bytes(const IdxSource *src);
/* Copies n bytes of the items from offset (0 = item 0's first byte) into out. From a file they are read
 * with pread: they come from the page cache, one copy for every process, and never join this process's
 * resident set. False with err (where = the file) when the file no longer holds them (truncated or
 * replaced while in use); out is then zero-filled. */
bool idx_source_read(const IdxSource *src, size_t offset, size_t n, unsigned char *out, BnError *err);

/* What idx_cache_build did. */
typedef enum IdxCacheBuilt { IDX_CACHE_WRITTEN, IDX_CACHE_UP_TO_DATE } IdxCacheBuilt;

/* Builds (or confirms) the cache of the gzipped IDX file source in cache_dir, for `bntutor cache build`:
 * the folder is created (0755 when shared, 0700 otherwise) and must be owned by this user and writable
 * by nobody else; the file is made read-only for all (0444) when shared, 0600 otherwise. The lock is
 * waited for at most lock_seconds. cache_path (may be NULL) receives the cache file's path. False with
 * err (a source that is not gzipped, a malformed source, no space, a lock timeout, ...). */
bool idx_cache_build(const char *source, const char *cache_dir, bool shared, double lock_seconds,
                     char *cache_path, size_t cache_path_size, IdxCacheBuilt *built, BnError *err);

/* Seconds a tutor waits for another's cache lock before reading into memory instead:
 * $BNTUTOR_CACHE_LOCK_SECONDS when set to a number ≥ 0, else 10. */
double idx_cache_lock_seconds(void);

#endif
