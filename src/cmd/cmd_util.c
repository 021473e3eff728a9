/* Messages and exit statuses shared by the subcommands (top layer, beside main.c). */
#include <stdarg.h>
#include <stdio.h>

#include "cmd/cmd_util.h"

int cmd_fail(int status, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("bntutor: ", stderr);
    if (where && *where)
        fprintf(stderr, "%s: ", where);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

int cmd_fail_error(int status, const BnError *err, const char *fallback_where)
{
    return cmd_fail(status, err->where[0] ? err->where : fallback_where, "%s", err->message);
}
