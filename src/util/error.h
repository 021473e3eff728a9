/* Recoverable errors (files, CSV, lesson syntax, bad options) as values: where and what (util layer). */
#ifndef BNTUTOR_UTIL_ERROR_H
#define BNTUTOR_UTIL_ERROR_H

#include <stdbool.h>

enum { ERROR_WHERE_MAX = 512, ERROR_MESSAGE_MAX = 512 };

typedef struct BnError {
    bool set;
    char where[ERROR_WHERE_MAX];     /* "file:line", "file", "--option" or "" */
    char message[ERROR_MESSAGE_MAX];
} BnError;

/* Records the first error only: later calls keep the original cause. `err` may be NULL. */
void error_set(BnError *err, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, with `where` built as "path:line" (line 0 means just "path"). */
void error_set_at(BnError *err, const char *path, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void error_clear(BnError *err);
/* "where: message" or just "message", cleaned for a terminal (termtext_clean: no controls, no hidden
 * bidi characters); writes into buf and returns it. */
const char *error_format(const BnError *err, char *buf, int size);

#endif
