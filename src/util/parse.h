/* Strict parsing of numbers, lists and --name=value options from text (util layer). */
#ifndef BNTUTOR_UTIL_PARSE_H
#define BNTUTOR_UTIL_PARSE_H

#include <stdbool.h>

/* True when arg is "--name" or "--name=VALUE"; *value is VALUE, or NULL without '='. */
bool parse_option(const char *arg, const char *name, const char **value);
/* Whole-string finite double (leading/trailing blanks allowed); false on junk, empty, inf or nan. */
bool parse_double(const char *text, double *out);
/* Whole-string integer within [min, max]. */
bool parse_long(const char *text, long min, long max, long *out);
/* Comma-separated finite doubles into a new array (caller frees); returns the count,
 * or -1 when an item is not a number (*bad_item is then its 1-based position). */
int parse_double_list(const char *text, double **out, int *bad_item);

#endif
