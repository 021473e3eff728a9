/* Test helper (tests/support): `bntutor train` run as the real binary in a scratch folder, output captured. */
#include "support/train_run.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "support/check.h"

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

TrainRun train_run(const char *args)
{
    const char *bin = getenv("BNTUTOR_BIN");
    cr_assert_not_null(bin, "BNTUTOR_BIN is not set");
    char expanded[2048] = "", cmd[4096], out_path[128], err_path[128];
    size_t len = 0;
    for (const char *p = args; *p; p++) {
        const char *piece = *p == '@' ? train_run_scratch : (char[]){ *p, '\0' };
        size_t n = strlen(piece);
        cr_assert_lt(len + n, sizeof expanded, "arguments too long: %s", args);
        memcpy(expanded + len, piece, n + 1);
        len += n;
    }
    snprintf(out_path, sizeof out_path, "%s/out", train_run_scratch);
    snprintf(err_path, sizeof err_path, "%s/err", train_run_scratch);
    snprintf(cmd, sizeof cmd, "'%s' train %s >'%s' 2>'%s'", bin, expanded, out_path, err_path);
    int raw = system(cmd);
    TrainRun run = { .status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1 };
    run.out = check_read_file(out_path, NULL);
    run.err = check_read_file(err_path, NULL);
    cr_assert(run.out && run.err, "cannot read the captured output of: %s", cmd);
    return run;
}

void train_run_free(TrainRun *run)
{
    free(run->out);
    free(run->err);
}
