/* Shared helpers for the tests: where the reference data is, reading whole files. */
#include "support/check.h"

#include <stdio.h>
#include <stdlib.h>

const char *check_reference_dir(void)
{
    const char *dir = getenv("BNTUTOR_REFERENCE");
    return dir && *dir ? dir : "../shared/reference";
}

char *check_read_file(const char *path, long *size_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[len] = '\0';
    if (size_out)
        *size_out = (long)len;
    return buf;
}
