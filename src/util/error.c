/* Recoverable error values (util layer): formatting of where/what. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/termtext.h"

static void error_vset(BnError *err, const char *where, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void error_vset(BnError *err, const char *where, const char *fmt, va_list ap)
{
    if (!err || err->set)
        return;
    err->set = true;
    snprintf(err->where, sizeof err->where, "%s", where ? where : "");
    vsnprintf(err->message, sizeof err->message, fmt, ap);
}

void error_set(BnError *err, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, where, fmt, ap);
    va_end(ap);
}

void error_set_at(BnError *err, const char *path, int line, const char *fmt, ...)
{
    char where[ERROR_WHERE_MAX];
    if (line > 0)
        snprintf(where, sizeof where, "%s:%d", path ? path : "", line);
    else
        snprintf(where, sizeof where, "%s", path ? path : "");
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, where, fmt, ap);
    va_end(ap);
}

void error_clear(BnError *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

const char *error_format(const BnError *err, char *buf, int size)
{
    /* Paths, CSV cells and record words come from files someone else may control: what reaches the
     * terminal is cleaned of controls and hidden characters. */
    char where[ERROR_WHERE_MAX * 4], message[ERROR_MESSAGE_MAX * 4];
    if (!err || !err->set) {
        snprintf(buf, (size_t)size, "no error");
        return buf;
    }
    termtext_clean(err->where, where, sizeof where, 0);
    termtext_clean(err->message, message, sizeof message, 0);
    if (where[0])
        snprintf(buf, (size_t)size, "%s: %s", where, message);
    else
        snprintf(buf, (size_t)size, "%s", message);
    return buf;
}
