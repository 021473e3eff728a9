/* The scene catalogue's tables and value parsing: what every scene accepts from a lesson page (lesson layer). */
#include "lesson/catalog.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/alloc.h"
#include "util/parse.h"

/* ---- the installed scenes ---- */

static const CatalogScene *const *installed;
static int installed_count;

void catalog_install(const CatalogScene *const *scenes, int count)
{
    installed = scenes;
    installed_count = scenes ? count : 0;
}

int catalog_scene_count(void) { return installed_count; }

const CatalogScene *catalog_scene_at(int index)
{
    return index >= 0 && index < installed_count ? installed[index] : NULL;
}

const CatalogScene *catalog_scene_find(const char *name)
{
    for (int i = 0; i < installed_count; i++)
        if (strcmp(installed[i]->name, name) == 0)
            return installed[i];
    return NULL;
}

/* Pages without a scene line get "none"; an empty stand-in keeps them valid before any install. */
const CatalogScene *catalog_scene_none(void)
{
    static const CatalogScene empty = { .name = "none", .help = "prose only" };
    const CatalogScene *none = catalog_scene_find("none");
    return none ? none : &empty;
}

/* The n-th distinct setting definition over the installed scenes (NULL past the end), or with
 * name != NULL the one of that name. Scenes share definitions by pointer, so distinct is by pointer. */
static const CatalogSetting *setting_walk(int n, const char *name)
{
    int seen = 0;
    for (int i = 0; i < installed_count; i++) {
        const CatalogScene *scene = installed[i];
        for (int k = 0; k < scene->setting_count; k++) {
            const CatalogSetting *s = scene->settings[k].setting;
            bool first = true;
            for (int j = 0; j <= i && first; j++)
                for (int m = 0; m < (j < i ? installed[j]->setting_count : k) && first; m++)
                    first = installed[j]->settings[m].setting != s;
            if (!first)
                continue;
            if (name ? strcmp(s->name, name) == 0 : seen == n)
                return s;
            seen++;
        }
    }
    return NULL;
}

int catalog_setting_count(void)
{
    int n = 0;
    while (setting_walk(n, NULL))
        n++;
    return n;
}

const CatalogSetting *catalog_setting_at(int index) { return index >= 0 ? setting_walk(index, NULL) : NULL; }

const CatalogSetting *catalog_setting_find(const char *name) { return setting_walk(0, name); }

const CatalogSceneSetting *catalog_scene_setting(const CatalogScene *scene, const char *name)
{
    for (int i = 0; scene && i < scene->setting_count; i++)
        if (strcmp(scene->settings[i].setting->name, name) == 0)
            return &scene->settings[i];
    return NULL;
}

const CatalogLive *catalog_scene_live(const CatalogScene *scene, const char *name)
{
    for (int i = 0; scene && i < scene->live_count; i++)
        if (strcmp(scene->lives[i].name, name) == 0)
            return &scene->lives[i];
    return NULL;
}

const char *catalog_live_bound(const CatalogScene *scene, const CatalogLive *live, int i)
{
    for (int k = 0; scene && live && i >= 0 && i < CATALOG_LIVE_INDEX_MAX && k < scene->extent_count; k++)
        if (strcmp(scene->extents[k].live, live->name) == 0)
            return scene->extents[k].bound[i];
    return NULL;
}

const char *catalog_scene_setting_default(const CatalogSceneSetting *entry)
{
    return entry->fallback ? entry->fallback : entry->setting->fallback;
}

/* ---- values ---- */

const char *const *catalog_setting_choices(const CatalogSetting *setting)
{
    return setting->choices_of ? setting->choices_of() : setting->choices;
}

const char *catalog_setting_describe(const CatalogSetting *setting, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    switch (setting->type) {
    case SETTING_INT:
    case SETTING_REAL:
        snprintf(buf, size, "%.10g to %.10g", setting->min, setting->max);
        break;
    case SETTING_LIST:
        snprintf(buf, size, "%d to %d comma-separated %s from %.10g to %.10g", setting->list_min,
                 setting->list_max, setting->list_int ? "whole numbers" : "numbers", setting->min,
                 setting->max);
        break;
    case SETTING_BOOL:
        snprintf(buf, size, "yes or no");
        break;
    case SETTING_ENUM:
        for (int i = 0; catalog_setting_choices(setting)[i] && used + 1 < size; i++) {
            int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", catalog_setting_choices(setting)[i]);
            if (n < 0)
                break;
            used += (size_t)n;
        }
        break;
    }
    return buf;
}

static void trim_copy(char *dst, size_t size, const char *src)
{
    while (*src && isspace((unsigned char)*src))
        src++;
    size_t len = strlen(src);
    while (len > 0 && isspace((unsigned char)src[len - 1]))
        len--;
    if (len >= size)
        len = size - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static bool whole(double v) { return floor(v) == v; }

/* Parses one number of a list or a plain int/real: sets why on failure. `what` names it in messages. */
static bool parse_number(const CatalogSetting *s, const char *text, bool integer, const char *what,
                         double *out, char *why, size_t why_size)
{
    char range[128];
    snprintf(range, sizeof range, "%.10g to %.10g", s->min, s->max);
    double v;
    if (!parse_double(text, &v)) {
        snprintf(why, why_size, "%s must be %s from %s, not '%.60s'", what,
                 integer ? "a whole number" : "a number", range, text);
        return false;
    }
    if (integer && !whole(v)) {
        snprintf(why, why_size, "%s must be a whole number from %s, not '%.60s'", what, range, text);
        return false;
    }
    if (v < s->min || v > s->max) {
        snprintf(why, why_size, "%s = %.60s is out of range (allowed: %s)", what, text, range);
        return false;
    }
    *out = v;
    return true;
}

bool catalog_value_parse(const CatalogSetting *s, const char *text, SettingValue *out, char *why,
                         size_t why_size)
{
    char value[512], what[96], allowed[256];
    memset(out, 0, sizeof *out);
    trim_copy(value, sizeof value, text);
    snprintf(what, sizeof what, "'%s'", s->name);
    if (strlen(text) >= sizeof value) {
        snprintf(why, why_size, "the value of '%s' is too long", s->name);
        return false;
    }
    if (value[0] == '\0') {
        snprintf(why, why_size, "'%s' needs a value (allowed: %s)", s->name,
                 catalog_setting_describe(s, allowed, sizeof allowed));
        return false;
    }
    switch (s->type) {
    case SETTING_INT:
    case SETTING_REAL: {
        double v;
        if (!parse_number(s, value, s->type == SETTING_INT, what, &v, why, why_size))
            return false;
        out->real = v;
        out->integer = (long)v;
        return true;
    }
    case SETTING_BOOL: {
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };
        for (int i = 0; i < 4; i++) {
            if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
                out->integer = strcasecmp(value, yes[i]) == 0;
                out->real = (double)out->integer;
                return true;
            }
        }
        snprintf(why, why_size, "'%s' must be yes or no (or true/false, on/off, 1/0), not '%.60s'",
                 s->name, value);
        return false;
    }
    case SETTING_ENUM: {
        const char *const *choices = catalog_setting_choices(s);
        int n = 0;
        for (; choices[n]; n++) {
            if (strcmp(value, choices[n]) == 0) {
                out->integer = n;
                out->real = n;
                return true;
            }
        }
        const char *near = catalog_closest(value, choices, n);
        char hint[96] = "";
        if (near)
            snprintf(hint, sizeof hint, "; did you mean '%s'?", near);
        snprintf(why, why_size, "'%s' cannot be '%.60s' (allowed: %s%s)", s->name, value,
                 catalog_setting_describe(s, allowed, sizeof allowed), hint);
        return false;
    }
    case SETTING_LIST: {
        int count = 1;
        for (const char *p = value; *p; p++)
            count += *p == ',';
        if (count < s->list_min || count > s->list_max) {
            snprintf(why, why_size, "'%s' needs %d to %d comma-separated items, not %d", s->name,
                     s->list_min, s->list_max, count);
            return false;
        }
        double *items = xmalloc(sizeof *items * (size_t)count);
        const char *p = value;
        for (int i = 0; i < count; i++) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            char item[128];
            if (len >= sizeof item)
                len = sizeof item - 1;
            memcpy(item, p, len);
            item[len] = '\0';
            char item_what[128];
            snprintf(item_what, sizeof item_what, "item %d of '%s'", i + 1, s->name);
            if (!parse_number(s, item, s->list_int, item_what, &items[i], why, why_size)) {
                free(items);
                return false;
            }
            p = comma ? comma + 1 : p + len;
        }
        out->items = items;
        out->item_count = count;
        return true;
    }
    }
    snprintf(why, why_size, "'%s' has an unknown type", s->name);
    return false;
}

void catalog_value_free(SettingValue *value)
{
    if (!value)
        return;
    free(value->items);
    value->items = NULL;
    value->item_count = 0;
}

/* Edit distance with two rows; names are short, and longer words are never typos of them. */
static int edit_distance(const char *a, const char *b)
{
    enum { MAXLEN = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la >= MAXLEN || lb >= MAXLEN)
        return MAXLEN;
    int prev[MAXLEN + 1], cur[MAXLEN + 1];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, sizeof(int) * (lb + 1));
    }
    return prev[lb];
}

const char *catalog_closest(const char *word, const char *const *names, int n)
{
    const char *best = NULL;
    int best_d = 1 << 20;
    int len = (int)strlen(word);
    int limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    for (int i = 0; i < n; i++) {
        int d = edit_distance(word, names[i]);
        /* A prefix of the right name (e.g. "running" for "running-stats") is a likely slip too... */
        size_t name_len = strlen(names[i]);
        if (len >= 3 && strncmp(names[i], word, (size_t)len) == 0 && d > limit)
            d = limit;
        /* ...and so is the right name with something glued on (e.g. "batchsize" for "batch"). */
        if (name_len >= 4 && strncmp(names[i], word, name_len) == 0 && d > limit)
            d = limit;
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best_d <= limit ? best : NULL;
}
