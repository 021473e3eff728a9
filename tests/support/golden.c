/* Test helper (tests/support): compare text with a golden file under tests/golden, or rewrite it on request. */
#include "support/golden.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/check.h"

void golden_check(const char *name, const char *actual)
{
    char path[256];
    snprintf(path, sizeof path, "tests/golden/%s.txt", name);
    const char *regen = getenv("BNTUTOR_REGEN_GOLDEN");
    if (regen && strcmp(regen, "1") == 0) {
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f, "cannot write %s", path);
        fprintf(f, "%s\n", actual);
        fclose(f);
        return;
    }
    char *want = check_read_file(path, NULL);
    cr_assert_not_null(want, "cannot read %s (run `make golden` or set BNTUTOR_REGEN_GOLDEN=1 to create it)", path);
    /* The file ends with the newline the rewrite adds; the dump does not. */
    size_t wl = strlen(want);
    if (wl > 0 && want[wl - 1] == '\n')
        want[wl - 1] = '\0';
    const char *a = want, *b = actual;
    for (int line = 1; strcmp(a, b) != 0; line++) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        cr_assert(la == lb && strncmp(a, b, la) == 0,
                  "%s: line %d differs (BNTUTOR_REGEN_GOLDEN=1 rewrites it if the change is meant)\n"
                  "  expected: \"%.*s\"\n       got: \"%.*s\"",
                  path, line, (int)la, a, (int)lb, b);
        cr_assert(a[la] && b[lb], "%s: line count differs after line %d", path, line);
        a += la + 1, b += lb + 1;
    }
    free(want);
}

void golden_check_canvas(const char *name, const Canvas *canvas)
{
    char *got = canvas_dump(canvas, false);
    golden_check(name, got);
    free(got);
}
