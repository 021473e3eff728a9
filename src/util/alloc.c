/* Checked allocation (util layer): the only place that aborts, after letting the ui restore the terminal. */
#include "util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void (*failure_hook)(void);

void alloc_set_failure_hook(void (*hook)(void)) { failure_hook = hook; }

static void out_of_memory(size_t size)
{
    if (failure_hook)
        failure_hook();
    fprintf(stderr, "bntutor: out of memory (asked for %zu bytes)\n", size);
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size)
        out_of_memory((size_t)-1);
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *xcalloc_aligned(size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size)
        out_of_memory((size_t)-1);
    size_t bytes = (count ? count : 1) * (size ? size : 1);
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes) != 0)
        out_of_memory(bytes);
    return memset(p, 0, bytes);
}

void *xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}
