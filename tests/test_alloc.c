/* The checked allocators: alignment promises, zeroing where promised, and that every size works. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

Test(alloc, huge_tables_are_aligned_to_two_mebibytes_and_every_byte_is_usable)
{
    static const size_t sizes[] = { 1, 4096, (size_t)2 << 20, ((size_t)2 << 20) + 1, (size_t)19 << 20 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        unsigned char *p = xmalloc_huge(sizes[s]);
        cr_assert_not_null(p);
        if (sizes[s] >= (size_t)2 << 20)
            cr_assert_eq((uintptr_t)p % ((uintptr_t)2 << 20), 0, "%zu bytes at %p", sizes[s], (void *)p);
        memset(p, 0xA5, sizes[s]);
        cr_assert_eq(p[0], 0xA5);
        cr_assert_eq(p[sizes[s] - 1], 0xA5);
        free(p);
    }
}

Test(alloc, aligned_zeroed_blocks_are_zero_and_aligned_to_a_cache_line)
{
    for (size_t count = 1; count < 5000; count = count * 3 + 1) {
        float *p = xcalloc_aligned(count, sizeof *p);
        cr_assert_eq((uintptr_t)p % 64, 0);
        for (size_t i = 0; i < count; i++)
            cr_assert(p[i] == 0.0f, "element %zu of %zu", i, count);
        free(p);
    }
}
