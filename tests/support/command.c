/* Test helper (tests/support): a shell command run to its end with its standard output and error captured. */
#include "support/command.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "support/check.h"

CommandRun command_run(const char *dir, const char *format, ...)
{
    char line[4096], cmd[sizeof line + 2 * 300 + 16], out_path[300], err_path[300];
    va_list args;
    va_start(args, format);
    int len = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    cr_assert(len >= 0 && (size_t)len < sizeof line, "command too long: %s", line);
    snprintf(out_path, sizeof out_path, "%s/out", dir);
    snprintf(err_path, sizeof err_path, "%s/err", dir);
    int cmd_len = snprintf(cmd, sizeof cmd, "%s >'%s' 2>'%s'", line, out_path, err_path);
    cr_assert(cmd_len >= 0 && (size_t)cmd_len < sizeof cmd, "command too long: %s", line);
    int raw = system(cmd);
    CommandRun run = { .status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1 };
    run.out = check_read_file(out_path, NULL);
    run.err = check_read_file(err_path, NULL);
    cr_assert(run.out && run.err, "cannot read the captured output of: %s", cmd);
    return run;
}

void command_run_free(CommandRun *run)
{
    free(run->out);
    free(run->err);
}
