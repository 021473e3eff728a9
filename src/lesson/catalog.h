/* The scene catalogue's types and value parsing: what a scene accepts from a lesson page (lesson layer). */
#ifndef BNTUTOR_LESSON_CATALOG_H
#define BNTUTOR_LESSON_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

/* The lesson layer sits below src/scene, so it cannot ask the scenes what they accept: each scene
 * describes itself with these types in its own file, and the layer above hands the list of them to
 * catalog_install before any lesson is parsed. lessons/README.md documents every name (a test checks). */

typedef enum SettingType {
    SETTING_INT,        /* whole number within [min, max] */
    SETTING_REAL,       /* finite number within [min, max] */
    SETTING_ENUM,       /* one of choices */
    SETTING_LIST,       /* comma-separated numbers, each within [min, max], count within [list_min, list_max] */
    SETTING_BOOL,       /* yes/no, true/false, on/off, 1/0 */
} SettingType;

typedef struct CatalogSetting {
    const char *name;
    SettingType type;
    double min, max;                /* int, real, list items */
    int list_min, list_max;         /* list: how many items */
    bool list_int;                  /* list: items must be whole numbers */
    const char *const *choices;     /* enum: allowed names, NULL-terminated */
    const char *const *(*choices_of)(void); /* enum: instead of choices, where a lower layer keeps them */
    const char *fallback;           /* default value, written as in a lesson file */
    const char *help;               /* one line: what it does */
    /* A default that follows another setting of the same page (ε and α follow the convention): when
     * the page's scene has the enum setting `follows` and the page leaves this one unset, the parser
     * asks default_for for this one's default at that setting's value (a choice index). */
    const char *follows;
    void (*default_for)(long choice, char *buf, size_t size);
} CatalogSetting;

/* A value of a setting. Enum values are an index into the setting's choices. */
typedef struct SettingValue {
    long integer;                   /* int; bool as 0/1; enum index */
    double real;                    /* real; also int, bool and enum index as a double */
    double *items;                  /* list: (item_count) owned by the holder, NULL when empty */
    int item_count;
} SettingValue;

/* One setting as a scene offers it: the shared definition and this scene's own default. */
typedef struct CatalogSceneSetting {
    const CatalogSetting *setting;
    const char *fallback;           /* this scene's default (NULL: the setting's own) */
} CatalogSceneSetting;

enum { CATALOG_LIVE_INDEX_MAX = 2 };

/* A number a scene publishes for checkpoints, e.g. running_mean[i] (indices = 1), y[r][c] (2), and how
 * to read it from the scene's state: false when it has no value now or an index is out of range. The
 * lesson layer never calls get; it is there so a scene's table says everything about the value. */
typedef struct CatalogLive {
    const char *name;
    int indices;                    /* 0..CATALOG_LIVE_INDEX_MAX */
    const char *help;
    bool (*get)(const void *state, const int *index, double *out);  /* index: (indices) or NULL when 0 */
} CatalogLive;

/* What bounds each index of a live value when the page's settings do: the name of an int setting whose
 * value is the count ("batch", "features"), so `bntutor check` can warn about an index that is out of
 * range on every run; NULL for an index whose bound is not a setting. */
typedef struct CatalogLiveExtent {
    const char *live;
    const char *bound[CATALOG_LIVE_INDEX_MAX];
} CatalogLiveExtent;

struct LessonPage;

typedef struct CatalogScene {
    const char *name;
    const char *help;
    const CatalogSceneSetting *settings;
    int setting_count;
    const CatalogLive *lives;
    int live_count;
    const CatalogLiveExtent *extents;   /* (extent_count) for some of its lives; may be NULL */
    int extent_count;
    /* How many networks of the page's 'hidden' and 'batch' the scene trains at once, so the page's budget
     * (lesson/page_budget.h) prices all of them; NULL for one. */
    int (*networks)(const struct LessonPage *page);
} CatalogScene;

/* Hands the lesson layer every scene's schema (the layer above does it once, before parsing lessons).
 * The array must outlive every lesson; one of the scenes is "none" (prose only). */
void catalog_install(const CatalogScene *const *scenes, int count);

/* The installed scenes (none before catalog_install). */
int catalog_scene_count(void);
const CatalogScene *catalog_scene_at(int index);
/* NULL when there is no scene of that name. */
const CatalogScene *catalog_scene_find(const char *name);
/* The scene "none" (prose only) that pages without a scene line get. */
const CatalogScene *catalog_scene_none(void);

/* Every setting definition the installed scenes use, each once, in the order the scenes first use them. */
int catalog_setting_count(void);
const CatalogSetting *catalog_setting_at(int index);
const CatalogSetting *catalog_setting_find(const char *name);

/* The scene's entry for a setting, NULL when the scene has no such setting. */
const CatalogSceneSetting *catalog_scene_setting(const CatalogScene *scene, const char *name);
const CatalogLive *catalog_scene_live(const CatalogScene *scene, const char *name);
/* The setting that bounds index i of the scene's live value, or NULL when none does. */
const char *catalog_live_bound(const CatalogScene *scene, const CatalogLive *live, int i);
/* The default text a scene uses for one of its settings. */
const char *catalog_scene_setting_default(const CatalogSceneSetting *entry);

/* Parses text (surrounding blanks allowed) as a value of setting. On failure returns false and writes
 * a full sentence into why, e.g. "'batch' = 0 is out of range (allowed: 1 to 4096)". The value's list
 * items are allocated; release them with catalog_value_free. */
bool catalog_value_parse(const CatalogSetting *setting, const char *text, SettingValue *out,
                         char *why, size_t why_size);
void catalog_value_free(SettingValue *value);
/* Describes the allowed values, e.g. "1 to 4096" or "pytorch, keras, paper" (for messages and help). */
/* An enum setting's names, NULL-terminated (its choices, or what choices_of gives). */
const char *const *catalog_setting_choices(const CatalogSetting *setting);
const char *catalog_setting_describe(const CatalogSetting *setting, char *buf, size_t size);

/* Closest name in `names` (n of them) to `word` by edit distance, or NULL when none is close enough
 * to be a likely typo. Used for "did you mean" hints. */
const char *catalog_closest(const char *word, const char *const *names, int n);

#endif
