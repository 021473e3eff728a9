/* Messages and exit statuses shared by the subcommands (top layer, beside main.c). */
#include <stdarg.h>
#include <stdio.h>

#include "cmd/cmd_util.h"
#include "util/termtext.h"

int cmd_fail(int status, const char *where, const char *fmt, ...)
{
    /* Messages quote file names and values from files: cleaned before they reach the terminal. */
    char message[2048], clean[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    fputs("bntutor: ", stderr);
    if (where && *where)
        fprintf(stderr, "%s: ", termtext_clean(where, clean, sizeof clean, 0));
    fprintf(stderr, "%s\n", termtext_clean(message, clean, sizeof clean, 0));
    return status;
}

int cmd_fail_error(int status, const BnError *err, const char *fallback_where)
{
    return cmd_fail(status, err->where[0] ? err->where : fallback_where, "%s", err->message);
}

int cmd_usage_error(const char *sub, const char *where, const char *what, const char *value)
{
    /* The option and value come from the command line, perhaps pasted from a hostile lesson or page. */
    char clean_where[1024], clean_value[1024];
    fprintf(stderr, "bntutor: %s%s%s: %s", sub ? sub : "", sub ? ": " : "",
            termtext_clean(where, clean_where, sizeof clean_where, 0), what);
    if (value)
        fprintf(stderr, ", got '%s'", termtext_clean(value, clean_value, sizeof clean_value, 0));
    fprintf(stderr, " (try 'bntutor %s%s--help')\n", sub ? sub : "", sub ? " " : "");
    return 2;
}
