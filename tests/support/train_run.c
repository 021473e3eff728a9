/* Test helper (tests/support): `bntutor train` run as the real binary in a scratch folder, output captured. */
#include "support/train_run.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char train_run_scratch[64];

void train_run_scratch_make(void)
{
    snprintf(train_run_scratch, sizeof train_run_scratch, "/tmp/bntutor-train-XXXXXX");
    cr_assert_not_null(mkdtemp(train_run_scratch), "cannot make a scratch folder");
}

void train_run_scratch_remove(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", train_run_scratch);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", train_run_scratch);
}

CommandRun train_run(const char *args)
{
    const char *bin = getenv("BNTUTOR_BIN");
    cr_assert_not_null(bin, "BNTUTOR_BIN is not set");
    char expanded[2048] = "";
    size_t len = 0;
    for (const char *p = args; *p; p++) {
        const char *piece = *p == '@' ? train_run_scratch : (char[]){ *p, '\0' };
        size_t n = strlen(piece);
        cr_assert_lt(len + n, sizeof expanded, "arguments too long: %s", args);
        memcpy(expanded + len, piece, n + 1);
        len += n;
    }
    return command_run(train_run_scratch, "'%s' train %s", bin, expanded);
}
