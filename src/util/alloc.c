/* Checked allocation (util layer): the only place that aborts, after letting the ui restore the terminal. */
#include "util/alloc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* Valgrind's memcheck does not know that pages given back with MADV_DONTNEED read as zero. */
static bool under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return preload && strstr(preload, "vgpreload");
}

/* Zeroes p (bytes). The whole pages of a large block are handed back to the kernel instead of
 * written: they read as zero and take no memory until used. A network's buffers are sized for its
 * largest pass, most of which a training step never touches, so writing them would make every
 * tutor hold megabytes it never uses. */
static void zero_lazily(void *p, size_t bytes)
{
    long page_size = sysconf(_SC_PAGESIZE);
    size_t page = page_size > 0 ? (size_t)page_size : 4096;
    uintptr_t a = (uintptr_t)p, start = (a + page - 1) & ~(uintptr_t)(page - 1),
              end = (a + bytes) & ~(uintptr_t)(page - 1);
    if (bytes < 16 * page || end <= start || under_valgrind() ||
        madvise((void *)start, end - start, MADV_DONTNEED) != 0) {
        memset(p, 0, bytes);
        return;
    }
    memset(p, 0, start - a);
    memset((void *)end, 0, a + bytes - end);
}

void *xcalloc_aligned(size_t count, size_t size)
{
    if (size && count > (size_t)-1 / size)
        out_of_memory((size_t)-1);
    size_t bytes = (count ? count : 1) * (size ? size : 1);
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes) != 0)
        out_of_memory(bytes);
    zero_lazily(p, bytes);
    return p;
}

void *xmalloc_huge(size_t size)
{
    enum { HUGE_PAGE = 2 * 1024 * 1024 };
    if (size < HUGE_PAGE)
        return xmalloc(size);
    if (size > (size_t)-1 - HUGE_PAGE)
        out_of_memory(size);
    size_t rounded = (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, rounded) != 0)
        out_of_memory(rounded);
#ifdef MADV_HUGEPAGE
    /* Only advice: where it is refused the table works the same on small pages. */
    (void)madvise(p, rounded, MADV_HUGEPAGE);
#endif
    return p;
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
