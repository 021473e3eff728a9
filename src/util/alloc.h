/* Allocation that never returns NULL: on failure it runs the registered hook and aborts (util layer). */
#ifndef BNTUTOR_UTIL_ALLOC_H
#define BNTUTOR_UTIL_ALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);   /* overflow-checked */
/* Zeroed and aligned to a cache line (64 bytes), so vector loads of row starts never straddle two lines;
 * freed with free(). */
void *xcalloc_aligned(size_t count, size_t size);
/* Uninitialized, for a large table read at random (a training set's rows): aligned to 2 MiB and, where
 * the system offers it, backed by huge pages, which take a few faults instead of thousands to map and
 * keep rows scattered over megabytes within reach of the address-translation cache. Freed with free(). */
void *xmalloc_huge(size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
/* The ui layer registers a hook that restores the terminal before the abort message. */
void alloc_set_failure_hook(void (*hook)(void));

#endif
