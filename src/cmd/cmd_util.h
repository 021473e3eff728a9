/* Messages and exit statuses shared by the subcommands (top layer, beside main.c). */
#ifndef BNTUTOR_CMD_CMD_UTIL_H
#define BNTUTOR_CMD_CMD_UTIL_H

#include "util/error.h"

/* Prints "bntutor: where: message" (no "where: " when where is NULL or empty) on stderr and returns
 * status, so a parser can `return cmd_fail(2, "--lr", "...")`. */
int cmd_fail(int status, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints err as "bntutor: where: message", with fallback_where when err has no place, and returns status. */
int cmd_fail_error(int status, const BnError *err, const char *fallback_where);

/* A usage error of subcommand sub (NULL: the tutor itself): "bntutor: sub: where: what, got 'value'
 * (try 'bntutor sub --help')", without ", got ..." when value is NULL. Returns the exit status 2. */
int cmd_usage_error(const char *sub, const char *where, const char *what, const char *value);

#endif
