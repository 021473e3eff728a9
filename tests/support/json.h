/* A minimal JSON reader for the tests: reference files and `bntutor bn --json` output. */
#ifndef BNTUTOR_TESTS_JSON_H
#define BNTUTOR_TESTS_JSON_H

#include <stdbool.h>

typedef enum JsonType { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct JsonValue JsonValue;
struct JsonValue {
    JsonType type;
    bool boolean;
    double number;
    char *string;           /* JSON_STRING: decoded UTF-8 */
    int count;              /* JSON_ARRAY, JSON_OBJECT: number of items */
    JsonValue **items;      /* (count) */
    char **keys;            /* (count) JSON_OBJECT only */
};

/* Parses a whole document; NULL on a syntax error, with "offset N: what" in err (if err_size > 0). */
JsonValue *json_parse(const char *text, char *err, int err_size);
void json_free(JsonValue *value);

/* Accessors are NULL-safe, so lookups chain: json_get(json_index(doc, 0), "x"). */
const JsonValue *json_get(const JsonValue *object, const char *key);   /* NULL if absent */
const JsonValue *json_index(const JsonValue *array, int i);            /* NULL if out of range */
int json_length(const JsonValue *value);                               /* -1 unless array/object */
double json_number(const JsonValue *value);                            /* NaN unless a number */
const char *json_string(const JsonValue *value);                       /* NULL unless a string */
/* Numbers of an array, or of an array of arrays row by row, into out (up to cap).
 * Returns how many there are, or -1 when an item is not a number (or a row is not an array). */
int json_flatten(const JsonValue *value, double *out, int cap);

#endif
