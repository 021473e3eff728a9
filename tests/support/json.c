/* Minimal recursive-descent JSON reader for the tests (objects, arrays, numbers, strings, literals). */
#include "support/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

typedef struct JsonParser {
    const char *text;
    size_t pos;
    int depth;
    char *err;
    int err_size;
    bool failed;
} JsonParser;

enum { JSON_MAX_DEPTH = 200 };

static void parser_fail(JsonParser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void parser_fail(JsonParser *p, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    if (!p->err || p->err_size <= 0)
        return;
    int used = snprintf(p->err, (size_t)p->err_size, "offset %zu: ", p->pos);
    if (used < 0 || used >= p->err_size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + used, (size_t)(p->err_size - used), fmt, ap);
    va_end(ap);
}

static void skip_space(JsonParser *p)
{
    while (strchr(" \t\r\n", p->text[p->pos]) && p->text[p->pos])
        p->pos++;
}

static JsonValue *value_new(JsonType type)
{
    JsonValue *v = xcalloc(1, sizeof *v);
    v->type = type;
    return v;
}

static void push_item(JsonValue *v, int *cap, JsonValue *item, char *key)
{
    if (v->count == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        v->items = xrealloc(v->items, sizeof *v->items * (size_t)*cap);
        if (v->type == JSON_OBJECT)
            v->keys = xrealloc(v->keys, sizeof *v->keys * (size_t)*cap);
    }
    v->items[v->count] = item;
    if (v->type == JSON_OBJECT)
        v->keys[v->count] = key;
    v->count++;
}

static void utf8_put(char *out, size_t *len, unsigned long cp)
{
    if (cp < 0x80) {
        out[(*len)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*len)++] = (char)(0xC0 | (cp >> 6));
        out[(*len)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*len)++] = (char)(0xE0 | (cp >> 12));
        out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*len)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*len)++] = (char)(0xF0 | (cp >> 18));
        out[(*len)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*len)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static bool read_hex4(JsonParser *p, unsigned long *cp)
{
    *cp = 0;
    for (int k = 0; k < 4; k++) {
        char ch = p->text[p->pos];
        int d = ch >= '0' && ch <= '9' ? ch - '0'
              : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
              : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
        if (d < 0) {
            parser_fail(p, "bad \\u escape");
            return false;
        }
        *cp = *cp * 16 + (unsigned long)d;
        p->pos++;
    }
    return true;
}

/* Called with pos on the opening quote. The decoded text is never longer than the source. */
static char *parse_string(JsonParser *p)
{
    p->pos++;
    size_t start = p->pos;
    const char *close = p->text + start;
    while (*close && *close != '"')
        close += (*close == '\\' && close[1]) ? 2 : 1;
    char *out = xmalloc((size_t)(close - (p->text + start)) + 1);
    size_t len = 0;
    for (;;) {
        char ch = p->text[p->pos];
        if (ch == '\0') {
            parser_fail(p, "unterminated string");
            break;
        }
        p->pos++;
        if (ch == '"')
            break;
        if ((unsigned char)ch < 0x20) {
            parser_fail(p, "control character in string");
            break;
        }
        if (ch != '\\') {
            out[len++] = ch;
            continue;
        }
        char esc = p->text[p->pos++];
        unsigned long cp;
        switch (esc) {
        case '"': out[len++] = '"'; break;
        case '\\': out[len++] = '\\'; break;
        case '/': out[len++] = '/'; break;
        case 'b': out[len++] = '\b'; break;
        case 'f': out[len++] = '\f'; break;
        case 'n': out[len++] = '\n'; break;
        case 'r': out[len++] = '\r'; break;
        case 't': out[len++] = '\t'; break;
        case 'u':
            if (!read_hex4(p, &cp))
                break;
            /* A surrogate pair is 12 source bytes for 4 output bytes; a lone one becomes U+FFFD. */
            if (cp >= 0xD800 && cp < 0xDC00 && p->text[p->pos] == '\\' && p->text[p->pos + 1] == 'u') {
                size_t save = p->pos;
                unsigned long lo;
                p->pos += 2;
                if (read_hex4(p, &lo) && lo >= 0xDC00 && lo < 0xE000)
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                else if (!p->failed)
                    p->pos = save;
            }
            if (cp >= 0xD800 && cp < 0xE000)
                cp = 0xFFFD;
            utf8_put(out, &len, cp);
            break;
        default:
            p->pos--;
            parser_fail(p, "bad escape '\\%c'", esc ? esc : '0');
        }
        if (p->failed)
            break;
    }
    out[len] = '\0';
    if (p->failed) {
        free(out);
        return NULL;
    }
    return out;
}

static JsonValue *parse_value(JsonParser *p);

static JsonValue *parse_array(JsonParser *p)
{
    JsonValue *v = value_new(JSON_ARRAY);
    int cap = 0;
    p->pos++;
    skip_space(p);
    if (p->text[p->pos] == ']') {
        p->pos++;
        return v;
    }
    for (;;) {
        JsonValue *item = parse_value(p);
        if (!item)
            break;
        push_item(v, &cap, item, NULL);
        skip_space(p);
        char ch = p->text[p->pos];
        if (ch == ',') {
            p->pos++;
            continue;
        }
        if (ch == ']') {
            p->pos++;
            return v;
        }
        parser_fail(p, "expected ',' or ']' in array");
        break;
    }
    json_free(v);
    return NULL;
}

static JsonValue *parse_object(JsonParser *p)
{
    JsonValue *v = value_new(JSON_OBJECT);
    int cap = 0;
    p->pos++;
    skip_space(p);
    if (p->text[p->pos] == '}') {
        p->pos++;
        return v;
    }
    for (;;) {
        skip_space(p);
        if (p->text[p->pos] != '"') {
            parser_fail(p, "expected a key string in object");
            break;
        }
        char *key = parse_string(p);
        if (!key)
            break;
        skip_space(p);
        if (p->text[p->pos] != ':') {
            free(key);
            parser_fail(p, "expected ':' after key");
            break;
        }
        p->pos++;
        JsonValue *item = parse_value(p);
        if (!item) {
            free(key);
            break;
        }
        push_item(v, &cap, item, key);
        skip_space(p);
        char ch = p->text[p->pos];
        if (ch == ',') {
            p->pos++;
            continue;
        }
        if (ch == '}') {
            p->pos++;
            return v;
        }
        parser_fail(p, "expected ',' or '}' in object");
        break;
    }
    json_free(v);
    return NULL;
}

/* JSON's number grammar, checked by hand so strtod's extras (hex, inf, nan) are refused. */
static JsonValue *parse_number(JsonParser *p)
{
    const char *s = p->text + p->pos;
    size_t k = 0;
    if (s[k] == '-')
        k++;
    if (s[k] == '0') {
        k++;
    } else if (s[k] >= '1' && s[k] <= '9') {
        while (s[k] >= '0' && s[k] <= '9')
            k++;
    } else {
        parser_fail(p, "unexpected character '%c'", s[k] ? s[k] : '0');
        return NULL;
    }
    if (s[k] == '.') {
        k++;
        if (!(s[k] >= '0' && s[k] <= '9')) {
            parser_fail(p, "digit expected after '.'");
            return NULL;
        }
        while (s[k] >= '0' && s[k] <= '9')
            k++;
    }
    if (s[k] == 'e' || s[k] == 'E') {
        k++;
        if (s[k] == '+' || s[k] == '-')
            k++;
        if (!(s[k] >= '0' && s[k] <= '9')) {
            parser_fail(p, "digit expected in exponent");
            return NULL;
        }
        while (s[k] >= '0' && s[k] <= '9')
            k++;
    }
    char *copy = xmalloc(k + 1);
    memcpy(copy, s, k);
    copy[k] = '\0';
    JsonValue *v = value_new(JSON_NUMBER);
    v->number = strtod(copy, NULL);
    free(copy);
    p->pos += k;
    return v;
}

static JsonValue *parse_value(JsonParser *p)
{
    skip_space(p);
    if (++p->depth > JSON_MAX_DEPTH) {
        parser_fail(p, "nested too deeply");
        return NULL;
    }
    JsonValue *v = NULL;
    const char *s = p->text + p->pos;
    switch (*s) {
    case '{': v = parse_object(p); break;
    case '[': v = parse_array(p); break;
    case '"': {
        char *str = parse_string(p);
        if (str) {
            v = value_new(JSON_STRING);
            v->string = str;
        }
        break;
    }
    case 't':
    case 'f':
    case 'n':
        if (strncmp(s, "true", 4) == 0) {
            v = value_new(JSON_BOOL);
            v->boolean = true;
            p->pos += 4;
        } else if (strncmp(s, "false", 5) == 0) {
            v = value_new(JSON_BOOL);
            p->pos += 5;
        } else if (strncmp(s, "null", 4) == 0) {
            v = value_new(JSON_NULL);
            p->pos += 4;
        } else {
            parser_fail(p, "unknown literal");
        }
        break;
    case '\0':
        parser_fail(p, "unexpected end of input");
        break;
    default:
        v = parse_number(p);
    }
    p->depth--;
    return v;
}

JsonValue *json_parse(const char *text, char *err, int err_size)
{
    if (err && err_size > 0)
        err[0] = '\0';
    JsonParser p = { text ? text : "", 0, 0, err, err_size, false };
    JsonValue *v = parse_value(&p);
    if (v) {
        skip_space(&p);
        if (p.text[p.pos] != '\0') {
            parser_fail(&p, "trailing text after the document");
            json_free(v);
            v = NULL;
        }
    }
    return v;
}

void json_free(JsonValue *value)
{
    if (!value)
        return;
    for (int k = 0; k < value->count; k++) {
        json_free(value->items[k]);
        if (value->keys)
            free(value->keys[k]);
    }
    free(value->items);
    free(value->keys);
    free(value->string);
    free(value);
}

const JsonValue *json_get(const JsonValue *object, const char *key)
{
    if (!object || object->type != JSON_OBJECT)
        return NULL;
    for (int k = 0; k < object->count; k++)
        if (strcmp(object->keys[k], key) == 0)
            return object->items[k];
    return NULL;
}

const JsonValue *json_index(const JsonValue *array, int i)
{
    if (!array || array->type != JSON_ARRAY || i < 0 || i >= array->count)
        return NULL;
    return array->items[i];
}

int json_length(const JsonValue *value)
{
    if (!value || (value->type != JSON_ARRAY && value->type != JSON_OBJECT))
        return -1;
    return value->count;
}

double json_number(const JsonValue *value)
{
    return value && value->type == JSON_NUMBER ? value->number : NAN;
}

const char *json_string(const JsonValue *value)
{
    return value && value->type == JSON_STRING ? value->string : NULL;
}

int json_flatten(const JsonValue *value, double *out, int cap)
{
    if (!value || value->type != JSON_ARRAY)
        return -1;
    int total = 0;
    for (int k = 0; k < value->count; k++) {
        const JsonValue *item = value->items[k];
        if (item->type == JSON_NUMBER) {
            if (total < cap)
                out[total] = item->number;
            total++;
        } else if (item->type == JSON_ARRAY) {
            for (int j = 0; j < item->count; j++) {
                if (item->items[j]->type != JSON_NUMBER)
                    return -1;
                if (total < cap)
                    out[total] = item->items[j]->number;
                total++;
            }
        } else {
            return -1;
        }
    }
    return total;
}
