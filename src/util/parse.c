/* Strict number and option parsing shared by every command-line and file reader (util layer). */
#include "util/parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

bool parse_option(const char *arg, const char *name, const char **value)
{
    size_t len = strlen(name);
    if (strncmp(arg, "--", 2) != 0 || strncmp(arg + 2, name, len) != 0)
        return false;
    const char *rest = arg + 2 + len;
    if (*rest == '\0') {
        *value = NULL;
        return true;
    }
    if (*rest == '=') {
        *value = rest + 1;
        return true;
    }
    return false;
}

static bool only_blanks(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

bool parse_double(const char *text, double *out)
{
    if (!text || only_blanks(text))
        return false;
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || !only_blanks(end) || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool parse_long(const char *text, long min, long max, long *out)
{
    if (!text || only_blanks(text))
        return false;
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || !only_blanks(end) || errno == ERANGE || v < min || v > max)
        return false;
    *out = v;
    return true;
}

int parse_double_list(const char *text, double **out, int *bad_item)
{
    int cap = 8, count = 0;
    double *values = xmalloc(sizeof *values * (size_t)cap);
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[128];
        double v;
        if (len >= sizeof item || (memcpy(item, p, len), item[len] = '\0', !parse_double(item, &v))) {
            free(values);
            if (bad_item)
                *bad_item = count + 1;
            *out = NULL;
            return -1;
        }
        if (count == cap) {
            cap *= 2;
            values = xrealloc(values, sizeof *values * (size_t)cap);
        }
        values[count++] = v;
        if (!comma)
            break;
        p = comma + 1;
    }
    *out = values;
    return count;
}
