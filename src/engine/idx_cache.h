/* IDX image files read in place: plain files mapped, gzipped ones decompressed once into a shared cache file and mapped (engine layer). */
#ifndef BNTUTOR_ENGINE_IDX_CACHE_H
#define BNTUTOR_ENGINE_IDX_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

/* The bytes of one IDX file: a read-only shared mapping (of the file itself or of its cache), or,
 * when no cache could be written, a copy in memory. */
typedef struct IdxMap {
    int ndims;                      /* 1 (labels) or 3 (images) */
    int count;                      /* items in the file */
    int rows, cols;                 /* item size; 1 and 1 for labels */
    int loaded;                     /* items usable in data (≤ count) */
    const unsigned char *data;      /* (loaded, rows, cols) row-major */
    void *base;                     /* the mapping, or NULL */
    size_t length;                  /* bytes mapped */
    unsigned char *owned;           /* the in-memory copy, or NULL */
    int fd;                         /* the mapped file, open while base is set (idx_map_copy reads it) */
} IdxMap;

/* Where gzipped files are decompressed: $XDG_CACHE_HOME/bntutor, else $HOME/.cache/bntutor. False
 * (with err) when neither variable gives an absolute path. */
bool idx_cache_dir(char *out, size_t size, BnError *err);
/* The cache file for source under dir (cache_dir NULL: idx_cache_dir()). */
bool idx_cache_path(const char *source, const char *cache_dir, char *out, size_t size, BnError *err);

/* Opens the IDX file at path like idx_read (same checks, same messages) without reading it into
 * memory: a plain file is mapped; a gzipped one is decompressed once into cache_dir (NULL: the
 * default above; the folder is created) through a temporary file renamed into place, and the cache
 * is mapped. A cache remembers its source's size and modification time and is rebuilt when they
 * change or when it is damaged. When the cache cannot be written, the file is read into memory and
 * warning gets one line saying so (warning is "" otherwise). */
bool idx_map(const char *path, int want_dims, int max_items, const char *cache_dir, IdxMap *out, char *warning,
             size_t warning_size, BnError *err);
/* Unmaps or frees; accepts NULL and an already empty map. */
void idx_unmap(IdxMap *map);
/* Bytes the map holds privately: the in-memory copy, 0 for a mapping (page cache, shared). */
size_t idx_map_private_bytes(const IdxMap *map);
/* Copies n bytes of map->data from offset into out. From a mapped file they are read with pread:
 * the bytes come from the page cache, one copy for every process, and never join this process's
 * resident set, where a page touched through the mapping would stay counted in every tutor that
 * touched it. Falls back to the mapping when a read fails; an in-memory copy is simply copied. */
void idx_map_copy(const IdxMap *map, size_t offset, size_t n, unsigned char *out);

#endif
