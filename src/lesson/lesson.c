/* Lesson file parser: line-oriented, reports every problem with its line, never trusts its input (lesson layer). */
#include "lesson/lesson.h"
#include "lesson/page_budget.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util/alloc.h"
#include "util/file.h"
#include "util/parse.h"
#include "view/text.h"

/* The names view/text.c draws; text_symbol() decides what is valid, this list only feeds suggestions. */
const char *const lesson_symbols[] = { "alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu",
                                       "sigma", "Sigma", "nabla", "partial", "sqrt", "times", "cdot", "pm", "approx",
                                       "le", "ge", "ne", "to", "infty", "sum", "minus", "deg", "sq", NULL };

static const char *const directives[] = { "lesson", "title", "summary", "page", "scene", "text", "end",
                                          "checkpoint", "question", "choice", "answer", "tolerance",
                                          "explain", "claim", "reveal", "shows", NULL };

enum { TAB_WIDTH = 4, KEY_MAX = 8, WORD_MAX = 64 };

/* ---- growable strings ---- */

typedef struct StrBuf {
    char *s;
    size_t len, cap;
} StrBuf;

static void sb_add(StrBuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->len + n + 1 > cap)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_adds(StrBuf *b, const char *s) { sb_add(b, s, strlen(s)); }

/* Moves the contents out as a new string ("" when empty) and empties the buffer. */
static char *sb_take(StrBuf *b)
{
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

static void sb_free(StrBuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

/* ---- problems ---- */

static void add_problem_v(Lesson *lesson, int line, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

static void add_problem_v(Lesson *lesson, int line, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    lesson->problems = xrealloc(lesson->problems, sizeof *lesson->problems * (size_t)(lesson->problem_count + 1));
    lesson->problems[lesson->problem_count].line = line;
    lesson->problems[lesson->problem_count].message = xstrdup(msg);
    lesson->problem_count++;
}

void lesson_add_problem(Lesson *lesson, int line, const char *fmt, ...)
{
    if (!lesson || lesson->problem_count >= LESSON_PROBLEM_MAX + 16)
        return;
    va_list ap;
    va_start(ap, fmt);
    add_problem_v(lesson, line, fmt, ap);
    va_end(ap);
}

bool lesson_is_broken(const Lesson *lesson) { return !lesson || lesson->problem_count > 0; }

const char *lesson_problem_format(const Lesson *lesson, const LessonProblem *problem, char *buf, size_t size)
{
    if (problem->line > 0)
        snprintf(buf, size, "%s:%d: %s", lesson->path, problem->line, problem->message);
    else
        snprintf(buf, size, "%s: %s", lesson->path, problem->message);
    return buf;
}

/* ---- the parser ---- */

typedef enum State { ST_TOP, ST_PAGE, ST_TEXT, ST_CHECK } State;

typedef struct Draft {
    int line;
    StrBuf question, explain;
    LessonChoice choices[LESSON_CHOICE_MAX];
    int choice_count;
    char *answer;
    int answer_line;
    bool has_tolerance, relative;
    double tolerance;
    int tolerance_line;
    LessonClaim claims[LESSON_CLAIM_MAX];   /* backing the answer key; they join the page when it closes */
    int claim_count;
} Draft;

typedef struct Markup {
    bool code, bold, em;            /* open spans */
    int code_line, code_col, bold_line, bold_col, em_line, em_col;  /* where each was last toggled */
} Markup;

typedef struct Parser {
    Lesson *lesson;
    int line;
    State state;
    bool stopped;                   /* too many problems or pages: the rest of the file is skipped */
    char *work;                     /* the current line, cleaned: (LESSON_LINE_MAX + 1) */
    int title_line, summary_line;
    /* the page being read (the last of lesson->pages) */
    bool in_page;
    int scene_line;                 /* 0 until the page's scene line */
    bool scene_bad;                 /* its scene is unknown: its settings are not checked */
    bool tried_checkpoint;
    StrBuf page_text;
    /* the open text block */
    int block_line;
    char **block;                   /* (block_count) lines, tabs expanded */
    int *block_lines;               /* (block_count) where each is in the file */
    int block_count;
    Markup markup;                  /* markup state across the open text block's lines */
    Draft draft;
} Parser;

static void problem(Parser *P, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void problem(Parser *P, int line, const char *fmt, ...)
{
    if (P->stopped)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (P->lesson->problem_count < LESSON_PROBLEM_MAX - 1) {
        add_problem_v(P->lesson, line, fmt, ap);
    } else {
        lesson_add_problem(P->lesson, line, "too many problems; the rest of the file was not checked");
        P->stopped = true;
    }
    va_end(ap);
}

static void warning(Parser *P, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void warning(Parser *P, int line, const char *fmt, ...)
{
    Lesson *L = P->lesson;
    if (P->stopped || L->warning_count >= LESSON_PROBLEM_MAX)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    L->warnings = xrealloc(L->warnings, sizeof *L->warnings * (size_t)(L->warning_count + 1));
    L->warnings[L->warning_count].line = line;
    L->warnings[L->warning_count].message = xstrdup(msg);
    L->warning_count++;
}

static LessonPage *cur_page(Parser *P)
{
    return P->in_page ? &P->lesson->pages[P->lesson->page_count - 1] : NULL;
}

static const char *skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static bool is_word_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '-'; }

static int list_index(const char *const *names, const char *word)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], word) == 0)
            return i;
    return -1;
}

static int list_count(const char *const *names)
{
    int n = 0;
    while (names[n])
        n++;
    return n;
}

/* ", " joined names into buf, for "allowed: ..." hints. */
static const char *join_names(char *buf, size_t size, const char *prefix, const char *const *names, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used + 1 < size; i++) {
        int k = snprintf(buf + used, size - used, "%s%s%s", i ? ", " : "", prefix, names[i]);
        if (k < 0)
            break;
        used += (size_t)k;
    }
    return buf;
}

/* Scans prose markup as view/text.c reads it: \name outside `code` must be a symbol the view draws,
 * and the open/closed state of *emphasis*, **bold** and `code` carries over from line to line.
 * `col0` is the byte column of s[0] in the file's line (1-based). */
static void scan_markup(Parser *P, const char *s, int col0, Markup *m)
{
    for (const char *p = s; *p; p++) {
        int col = col0 + (int)(p - s);
        if (*p == '`') {
            m->code = !m->code;
            m->code_line = P->line;
            m->code_col = col;
        } else if (m->code) {
            /* Code shows exactly what is typed, so a symbol there would appear as "\gamma". */
            if (*p == '\\' && isalpha((unsigned char)p[1])) {
                char name[WORD_MAX];
                size_t n = 0;
                for (const char *q = p + 1; isalpha((unsigned char)*q) && n < 15; q++)
                    name[n++] = *q;
                name[n] = '\0';
                if (text_symbol(name, true))
                    problem(P, P->line, "'\\%s' at column %d is inside `code`, which shows it as typed: "
                            "take it out of the backticks", name, col);
            }
            continue;
        } else if (*p == '*') {
            bool bold = p[1] == '*';
            bool *open = bold ? &m->bold : &m->em;
            *open = !*open;
            *(bold ? &m->bold_line : &m->em_line) = P->line;
            *(bold ? &m->bold_col : &m->em_col) = col;
            p += bold;
        } else if (*p == '\\') {
            if (p[1] == '\\' || p[1] == '*' || p[1] == '`') {
                p++;
                continue;
            }
            const char *q = p + 1;
            while (isalpha((unsigned char)*q) && q - p <= 15)
                q++;    /* the view reads at most 15 letters of a name */
            size_t n = (size_t)(q - p - 1);
            if (n == 0)
                continue;
            char name[WORD_MAX];
            memcpy(name, p + 1, n);
            name[n] = '\0';
            if (!text_symbol(name, true)) {
                const char *near = catalog_closest(name, lesson_symbols, list_count(lesson_symbols));
                char known[512];
                if (near)
                    problem(P, P->line, "unknown symbol '\\%s' at column %d (did you mean '\\%s'?)", name, col, near);
                else
                    problem(P, P->line, "unknown symbol '\\%s' at column %d (known: %s; write '\\\\' for a "
                            "backslash)", name, col,
                            join_names(known, sizeof known, "\\", lesson_symbols, list_count(lesson_symbols)));
            }
            p = q - 1;
        }
    }
}

/* Reports markup left open at the end of a piece of prose: the view would style everything after it. */
static void close_markup(Parser *P, const Markup *m)
{
    if (m->code)
        problem(P, m->code_line, "'`' at column %d opens code that never closes", m->code_col);
    if (m->bold)
        problem(P, m->bold_line, "'**' at column %d opens bold that never closes", m->bold_col);
    if (m->em)
        problem(P, m->em_line, "'*' at column %d opens emphasis that never closes (write '\\*' for a star)",
                m->em_col);
}

/* Checks one self-contained piece of prose (a title, a question line, a choice). */
static void lint_markup(Parser *P, const char *s, int col0)
{
    Markup m;
    memset(&m, 0, sizeof m);
    scan_markup(P, s, col0, &m);
    close_markup(P, &m);
}

static int col_of(Parser *P, const char *p) { return (int)(p - P->work) + 1; }

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if it is not valid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;     /* no UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;     /* nothing above U+10FFFF */
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* Copies one raw line into P->work, replacing invalid UTF-8 and control characters by '?' so the
 * model only ever holds clean text; reports the first such byte of the line. */
static void clean_line(Parser *P, const char *raw, size_t len)
{
    const unsigned char *s = (const unsigned char *)raw;
    bool reported = false;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(s + i, len - i);
        bool control = false;
        unsigned code = 0;
        if (n == 1 && ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7F)) {
            control = true;
            code = s[i];
        } else if (n == 2 && s[i] == 0xC2 && s[i + 1] < 0xA0) {
            control = true;    /* C1 controls, e.g. U+009B would start a terminal escape */
            code = s[i + 1];
        }
        if (n == 0 || control) {
            if (!reported) {
                if (n == 0)
                    problem(P, P->line, "invalid UTF-8 at byte column %zu (save the file as UTF-8)", i + 1);
                else
                    problem(P, P->line, "control character U+%04X at byte column %zu", code, i + 1);
                reported = true;
            }
            P->work[o++] = '?';
            i += n ? n : 1;
            continue;
        }
        memcpy(P->work + o, s + i, n);
        o += n;
        i += n;
    }
    P->work[o] = '\0';
}

/* Removes trailing blanks in place. */
static void rtrim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

/* ---- pages and settings ---- */

static void settings_free(LessonSetting *settings, int count)
{
    for (int i = 0; i < count; i++)
        catalog_value_free(&settings[i].value);
    free(settings);
}

/* Gives the page its scene's settings, each at the scene's default. The defaults come from the scenes'
 * own tables (a test parses them all); one that does not parse is reported, never silently zeroed. */
static void page_set_scene(Parser *P, LessonPage *page, const CatalogScene *scene)
{
    settings_free(page->settings, page->setting_count);
    page->scene = scene;
    page->setting_count = scene->setting_count;
    page->settings = scene->setting_count ? xcalloc((size_t)scene->setting_count, sizeof *page->settings) : NULL;
    for (int i = 0; i < scene->setting_count; i++) {
        char why[256];
        page->settings[i].setting = scene->settings[i].setting;
        if (!catalog_value_parse(scene->settings[i].setting, catalog_scene_setting_default(&scene->settings[i]),
                                 &page->settings[i].value, why, sizeof why))
            problem(P, P->line, "scene '%s' has a bad default (a bug in bntutor): %s", scene->name, why);
    }
}

/* Settings whose default follows another setting (ε and α follow the convention) get it once the page's
 * settings are all read, unless the file set them itself. */
static void page_resolve_followers(Parser *P, LessonPage *page)
{
    for (int i = 0; i < page->setting_count; i++) {
        LessonSetting *s = &page->settings[i];
        const CatalogSetting *def = s->setting;
        const LessonSetting *leader = def->follows ? lesson_page_setting(page, def->follows) : NULL;
        if (s->line || !leader || !def->default_for)
            continue;
        char text[64], why[256];
        SettingValue value;
        def->default_for(leader->value.integer, text, sizeof text);
        if (!catalog_value_parse(def, text, &value, why, sizeof why)) {
            problem(P, page->line, "scene '%s' has a bad default (a bug in bntutor): %s", page->scene->name, why);
            continue;
        }
        catalog_value_free(&s->value);
        s->value = value;
    }
}

static void draft_clear(Draft *d)
{
    sb_free(&d->question);
    sb_free(&d->explain);
    for (int i = 0; i < d->choice_count; i++) {
        free(d->choices[i].key);
        free(d->choices[i].text);
        free(d->choices[i].explain);
    }
    free(d->answer);
    for (int i = 0; i < d->claim_count; i++)
        claim_free(&d->claims[i]);
    memset(d, 0, sizeof *d);
}

static void checkpoint_free(LessonCheckpoint *c)
{
    free(c->question);
    free(c->explain);
    for (int i = 0; i < c->choice_count; i++) {
        free(c->choices[i].key);
        free(c->choices[i].text);
        free(c->choices[i].explain);
    }
    free(c->choices);
}

static void flush_block(Parser *P);
static void close_checkpoint(Parser *P);

/* Warns when an index of a live value is out of range for every run of the page: at or past the count
 * its scene's table names as that index's bound (a setting such as 'features'). */
static void warn_live_range(Parser *P, const LessonPage *page, const CatalogLive *live, const int *index, int line,
                            const char *what)
{
    for (int i = 0; live && i < live->indices && i < CATALOG_LIVE_INDEX_MAX; i++) {
        const char *name_of_bound = catalog_live_bound(page->scene, live, i);
        const LessonSetting *bound = name_of_bound ? lesson_page_setting(page, name_of_bound) : NULL;
        if (!bound || bound->setting->type != SETTING_INT || index[i] < bound->value.integer)
            continue;
        LessonLiveRef ref = { .live = live };
        memcpy(ref.index, index, sizeof ref.index);
        char name[96];
        lesson_live_format(&ref, name, sizeof name);
        warning(P, line, "%s: index %d is out of range on this page, where '%s' is %ld (indices 0 to %ld), so %s",
                name, index[i], bound->setting->name, bound->value.integer, bound->value.integer - 1, what);
    }
}

static void warn_live_ranges(Parser *P, const LessonPage *page)
{
    for (int i = 0; i < page->checkpoint_count; i++) {
        const LessonCheckpoint *cp = &page->checkpoints[i];
        if (cp->kind == CHECKPOINT_NUMBER && cp->live)
            warn_live_range(P, page, cp->live_value, cp->index, cp->answer_line ? cp->answer_line : cp->line,
                            "the scene never gives this answer and the question is never graded");
    }
    for (int i = 0; i < page->claim_count; i++) {
        const LessonClaim *claim = &page->claims[i];
        for (int k = 0; k < claim->node_count; k++)
            if (claim->nodes[k].kind == CLAIM_LIVE)
                warn_live_range(P, page, claim->nodes[k].ref.live, claim->nodes[k].ref.index, claim->line,
                                "the claim can never be checked");
    }
}

/* Ends the page being read: its text, and whether it says anything at all. */
static void close_page(Parser *P)
{
    LessonPage *page = cur_page(P);
    if (!page)
        return;
    free(page->text);
    page->text = sb_take(&P->page_text);
    page_resolve_followers(P, page);
    const LessonSetting *steps = lesson_page_setting(page, "steps");
    for (int i = 0; steps && steps->value.integer > 0 && i < page->claim_count; i++)
        if (page->claims[i].when == CLAIM_AFTER_STEPS && page->claims[i].steps > steps->value.integer)
            problem(P, page->claims[i].line, "claim: 'after %ld steps' is past the end of the page's run (its "
                    "'steps' is %ld)", page->claims[i].steps, steps->value.integer);
    for (int i = 0; i < page->show_count; i++) {
        const LessonShows *w = &page->shows[i];
        if (steps && w->steps > steps->value.integer)
            problem(P, w->line, "shows: 'after %ld steps' is past the end of the page's run (its 'steps' is %ld)",
                    w->steps, steps->value.integer);
        else if (!P->scene_bad && page->scene == catalog_scene_none() && (w->steps > 0 || w->key == 'z'))
            problem(P, w->line, "shows: '%s' needs a scene, and this page has none",
                    w->steps > 0 ? "after N steps" : "or key z");
    }
    if (page->reveal_line && page->checkpoint_count == 0 && !P->tried_checkpoint)
        problem(P, page->reveal_line, "'reveal' waits for the page's questions, but this page has no checkpoint");
    else if (page->reveal_line && !P->scene_bad && page->scene == catalog_scene_none())
        problem(P, page->reveal_line, "'reveal' holds back the page's scene, but this page has none");
    if (page->text[0] == '\0' && page->checkpoint_count == 0 && !P->tried_checkpoint &&
        page->scene == catalog_scene_none() && !P->scene_bad)
        problem(P, page->line, "page '%s' is empty (give it prose between 'text' and 'end', or a scene)",
                page->title);
    warn_live_ranges(P, page);
    char why[400];
    if (!lesson_page_budget_check(page, why, sizeof why))
        problem(P, P->scene_line > 0 ? P->scene_line : page->line, "%s", why);
    P->in_page = false;
}

static void open_page(Parser *P, const char *title)
{
    close_page(P);
    Lesson *L = P->lesson;
    if (L->page_count >= LESSON_PAGE_MAX) {
        problem(P, P->line, "too many pages (the limit is %d)", LESSON_PAGE_MAX);
        P->stopped = true;
        return;
    }
    L->pages = xrealloc(L->pages, sizeof *L->pages * (size_t)(L->page_count + 1));
    LessonPage *page = &L->pages[L->page_count++];
    memset(page, 0, sizeof *page);
    page->line = P->line;
    page->scene = catalog_scene_none();
    page->text = xstrdup("");
    if (*title == '\0') {
        problem(P, P->line, "page without a title (write 'page TITLE')");
        page->title = xstrdup("(untitled)");
    } else {
        page->title = xstrdup(title);
    }
    P->in_page = true;
    P->scene_line = 0;
    P->scene_bad = false;
    P->tried_checkpoint = false;
    P->state = ST_PAGE;
}

static void do_scene(Parser *P, const char *rest)
{
    LessonPage *page = cur_page(P);
    char name[WORD_MAX];
    const char *p = rest;
    while (*p && *p != ' ' && *p != '\t')
        p++;
    size_t n = (size_t)(p - rest);
    if (n == 0) {
        problem(P, P->line, "'scene' needs a scene name");
        return;
    }
    if (*skip_blanks(p) != '\0')
        problem(P, P->line, "unexpected text after the scene name: '%.40s' (settings go on their own "
                "lines, as 'name = value')", skip_blanks(p));
    if (P->scene_line) {
        problem(P, P->line, "this page already has a scene (line %d)", P->scene_line);
        return;
    }
    P->scene_line = P->line;
    if (n >= sizeof name)
        n = sizeof name - 1;
    memcpy(name, rest, n);
    name[n] = '\0';
    const CatalogScene *scene = catalog_scene_find(name);
    if (!scene) {
        const char *names[64];
        int count = catalog_scene_count();
        for (int i = 0; i < count && i < 64; i++)
            names[i] = catalog_scene_at(i)->name;
        const char *near = catalog_closest(name, names, count < 64 ? count : 64);
        char known[512];
        if (near)
            problem(P, P->line, "unknown scene '%s' (did you mean '%s'?)", name, near);
        else
            problem(P, P->line, "unknown scene '%s' (known scenes: %s)", name,
                    join_names(known, sizeof known, "", names, count < 64 ? count : 64));
        P->scene_bad = true;
        return;
    }
    page_set_scene(P, page, scene);
}

static void do_setting(Parser *P, const char *name, const char *value)
{
    LessonPage *page = cur_page(P);
    if (!page) {
        problem(P, P->line, "setting '%s' outside a page (settings follow a page's 'scene' line)", name);
        return;
    }
    if (P->scene_bad)
        return;
    if (!P->scene_line) {
        problem(P, P->line, "setting '%s' before the page's 'scene' line", name);
        return;
    }
    const CatalogScene *scene = page->scene;
    int index = -1;
    for (int i = 0; i < page->setting_count; i++)
        if (strcmp(page->settings[i].setting->name, name) == 0)
            index = i;
    if (index < 0) {
        if (scene->setting_count == 0) {
            problem(P, P->line, "scene '%s' has no settings, so not '%s'", scene->name, name);
            return;
        }
        const char *names[64];
        int n = scene->setting_count < 64 ? scene->setting_count : 64;
        for (int i = 0; i < n; i++)
            names[i] = scene->settings[i].setting->name;
        const char *near = catalog_closest(name, names, n);
        char known[1024];
        if (near)
            problem(P, P->line, "unknown setting '%s' for scene '%s' (did you mean '%s'?)", name, scene->name, near);
        else
            problem(P, P->line, "unknown setting '%s' for scene '%s' (its settings: %s)", name, scene->name,
                    join_names(known, sizeof known, "", names, n));
        return;
    }
    LessonSetting *setting = &page->settings[index];
    if (setting->line) {
        problem(P, P->line, "'%s' is set twice on this page (first at line %d)", name, setting->line);
        return;
    }
    /* A trailing "# comment" is allowed on setting lines: no value contains '#'. */
    char buf[LESSON_LINE_MAX + 1];
    snprintf(buf, sizeof buf, "%s", value);
    char *hash = strchr(buf, '#');
    if (hash)
        *hash = '\0';
    SettingValue parsed;
    char why[512];
    if (!catalog_value_parse(setting->setting, buf, &parsed, why, sizeof why)) {
        problem(P, P->line, "%s", why);
        return;
    }
    catalog_value_free(&setting->value);
    setting->value = parsed;
    setting->line = P->line;
}

/* ---- text blocks ---- */

static void block_free(Parser *P)
{
    for (int i = 0; i < P->block_count; i++)
        free(P->block[i]);
    free(P->block);
    free(P->block_lines);
    P->block_lines = NULL;
    P->block = NULL;
    P->block_count = 0;
}

/* Adds one prose line: tabs become spaces to the next multiple of TAB_WIDTH columns. */
static void text_line(Parser *P, const char *s)
{
    StrBuf b = { 0 };
    int column = 0;
    const char *start = s;
    const char *t = skip_blanks(s);
    bool escaped_end = strncmp(t, "\\end", 4) == 0 && *skip_blanks(t + 4) == '\0';
    if (!escaped_end)
        scan_markup(P, s, 1, &P->markup);
    if (escaped_end) {
        /* "\end" is how a prose line says "end" without closing the block. */
        sb_add(&b, s, (size_t)(t - s));
        sb_adds(&b, "end");
        start = "";
    }
    for (const char *p = start; *p; p++) {
        if (*p == '\t') {
            do {
                sb_add(&b, " ", 1);
                column++;
            } while (column % TAB_WIDTH != 0);
        } else {
            sb_add(&b, p, 1);
            if (((unsigned char)*p & 0xC0) != 0x80)
                column++;
        }
    }
    char *line = sb_take(&b);
    rtrim(line);
    P->block = xrealloc(P->block, sizeof *P->block * (size_t)(P->block_count + 1));
    P->block_lines = xrealloc(P->block_lines, sizeof *P->block_lines * (size_t)(P->block_count + 1));
    P->block_lines[P->block_count] = P->line;
    P->block[P->block_count++] = line;
}

/* A line that keeps its own line when paragraphs are joined: a list item ("- " or "1. "; a leading
 * "* " would start emphasis in the view). */
static bool is_list_item(const char *line)
{
    if (line[0] == '-' && line[1] == ' ')
        return true;
    size_t digits = strspn(line, "0123456789");
    return digits > 0 && digits < 4 && (line[digits] == '.' || line[digits] == ')') && line[digits + 1] == ' ';
}

/* The column where a list item's text starts ("- x": 2, "12. x": 4). */
static size_t list_text_column(const char *line)
{
    size_t marker = line[0] == '-' ? 1 : strspn(line, "0123456789") + 1;
    return marker + strspn(line + marker, " ");
}

/* Warns about a single '*' in a formula line: it reads as multiplication there, but the view takes it as
 * the start or end of emphasis and the star disappears. `code` and escapes are left alone. */
static void warn_formula_star(Parser *P, const char *line, int file_line)
{
    bool code = false;
    for (const char *s = line; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
        } else if (*s == '`') {
            code = !code;
        } else if (!code && s[0] == '*' && s[1] == '*') {
            s++;
        } else if (!code && *s == '*') {
            warning(P, file_line, "a '*' in a formula line is taken as emphasis and disappears from the screen; "
                    "write \\* or \\cdot (or \\times) for a product");
            return;
        }
    }
}

/* Ends a text block: drops the indentation common to its lines, joins the lines of each paragraph
 * with spaces (the view wraps them to the screen; a newline there is a hard break), keeps indented
 * lines and list items on lines of their own, and adds the block to the page's prose. */
static void flush_block(Parser *P)
{
    close_markup(P, &P->markup);
    memset(&P->markup, 0, sizeof P->markup);
    int first = 0, last = P->block_count - 1;
    while (first <= last && P->block[first][0] == '\0')
        first++;
    while (last >= first && P->block[last][0] == '\0')
        last--;
    size_t indent = (size_t)-1;
    for (int i = first; i <= last; i++) {
        if (P->block[i][0] == '\0')
            continue;
        size_t k = strspn(P->block[i], " ");
        if (k < indent)
            indent = k;
    }
    if (first <= last) {
        if (P->page_text.len)
            sb_adds(&P->page_text, "\n\n");
        bool started = false, paragraph_break = false, prev_literal = false;
        size_t item_column = 0;         /* text column of the list item being continued; 0: none */
        for (int i = first; i <= last; i++) {
            if (P->block[i][0] == '\0') {
                paragraph_break = started;
                item_column = 0;
                continue;
            }
            const char *line = P->block[i] + indent;
            size_t lead = strspn(line, " ");
            /* A line indented to a list item's text continues that item; other indented lines stay
             * as they are (a formula, a bit of code). */
            bool continues = item_column > 0 && !paragraph_break && lead == item_column;
            bool literal = lead > 0 && !continues;
            if (literal)
                warn_formula_star(P, line, P->block_lines[i]);
            if (continues)
                line += lead;
            if (started)
                sb_adds(&P->page_text, paragraph_break ? "\n\n"
                                       : continues ? " "
                                       : literal || prev_literal || is_list_item(line) ? "\n" : " ");
            sb_adds(&P->page_text, line);
            started = true;
            paragraph_break = false;
            prev_literal = literal;
            if (!continues)
                item_column = is_list_item(line) ? list_text_column(line) : 0;
        }
    }
    block_free(P);
    P->state = ST_PAGE;
}

/* ---- checkpoints ---- */

static void append_prose(StrBuf *b, const char *text)
{
    if (b->len)
        sb_add(b, " ", 1);
    sb_adds(b, text);
}

/* Reads "KEY:" or "KEY)" at the start of s (KEY of letters and digits); returns the text after it. */
static const char *read_key(const char *s, char *key)
{
    const char *p = s;
    while (isalnum((unsigned char)*p) && p - s < KEY_MAX)
        p++;
    if (p == s || (*p != ':' && *p != ')'))
        return NULL;
    memcpy(key, s, (size_t)(p - s));
    key[p - s] = '\0';
    return skip_blanks(p + 1);
}

static int draft_choice(const Draft *d, const char *key)
{
    for (int i = 0; i < d->choice_count; i++)
        if (strcasecmp(d->choices[i].key, key) == 0)
            return i;
    return -1;
}

static void do_choice(Parser *P, const char *rest)
{
    Draft *d = &P->draft;
    char key[KEY_MAX + 1];
    const char *text = read_key(rest, key);
    if (!text) {
        text = rest;
        snprintf(key, sizeof key, "%c", 'a' + (d->choice_count % 26));
    }
    if (*text == '\0') {
        problem(P, P->line, "choice '%s' has no text", key);
        return;
    }
    if (d->choice_count >= LESSON_CHOICE_MAX) {
        problem(P, P->line, "too many choices (the limit is %d)", LESSON_CHOICE_MAX);
        return;
    }
    if (draft_choice(d, key) >= 0) {
        problem(P, P->line, "two choices are called '%s'", key);
        return;
    }
    lint_markup(P, text, col_of(P, text));
    LessonChoice *c = &d->choices[d->choice_count++];
    c->key = xstrdup(key);
    c->text = xstrdup(text);
    c->explain = NULL;
}

static void do_explain(Parser *P, const char *rest)
{
    Draft *d = &P->draft;
    char key[KEY_MAX + 1];
    const char *text = read_key(rest, key);
    int which = text ? draft_choice(d, key) : -1;
    if (which >= 0) {
        lint_markup(P, text, col_of(P, text));
        LessonChoice *c = &d->choices[which];
        StrBuf b = { 0 };
        if (c->explain) {
            sb_adds(&b, c->explain);
            free(c->explain);
        }
        append_prose(&b, text);
        c->explain = sb_take(&b);
        return;
    }
    if (text && strlen(key) == 1) {
        problem(P, P->line, "explanation for '%s', which is not a choice (choices come before their "
                "explanations)", key);
        return;
    }
    if (*rest == '\0') {
        problem(P, P->line, "'explain' needs some text");
        return;
    }
    lint_markup(P, rest, col_of(P, rest));
    append_prose(&d->explain, rest);
}

static void do_tolerance(Parser *P, const char *rest)
{
    Draft *d = &P->draft;
    if (d->has_tolerance) {
        problem(P, P->line, "second 'tolerance' in this checkpoint (the first is at line %d)", d->tolerance_line);
        return;
    }
    char buf[128];
    snprintf(buf, sizeof buf, "%s", rest);
    size_t n = strlen(buf);
    bool percent = n > 0 && buf[n - 1] == '%';
    if (percent)
        buf[n - 1] = '\0';
    double v;
    if (!parse_double(buf, &v) || v < 0) {
        problem(P, P->line, "tolerance must be a number of 0 or more, or a percentage like 5%%, not '%.40s'", rest);
        return;
    }
    d->has_tolerance = true;
    d->tolerance = percent ? v / 100.0 : v;
    d->relative = percent;
    d->tolerance_line = P->line;
}

/* "scene:NAME[i][j]" against the page's scene; fills the checkpoint or reports why not. */
static bool parse_live(Parser *P, const char *text, LessonCheckpoint *c, int line)
{
    LessonPage *page = cur_page(P);
    if (!P->scene_line || P->scene_bad) {
        /* The reference's own form is checked first, as a scene may come later in a fixed file. */
        LessonLiveRef ref;
        char why[1200];
        if (!lesson_live_parse(catalog_scene_none(), text, &ref, why, sizeof why) &&
            strncmp(why, "scene '", 7) != 0) {
            problem(P, line, "%s", why);
            return false;
        }
        if (!P->scene_bad)
            problem(P, line, "'%.60s' needs the page's 'scene' line before the checkpoint", text);
        return false;
    }
    LessonLiveRef ref;
    char why[1200];
    c->answer_line = line;
    if (!lesson_live_parse(page->scene, text, &ref, why, sizeof why)) {
        problem(P, line, "%s", why);
        return false;
    }
    c->live = true;
    c->live_value = ref.live;
    for (int i = 0; i < CATALOG_LIVE_INDEX_MAX; i++)
        c->index[i] = ref.index[i];
    return true;
}

/* Adds a parsed claim to the page (which then owns it), or frees it past the limit. */
static void page_add_claim(Parser *P, LessonPage *page, LessonClaim *claim)
{
    if (page->claim_count >= LESSON_CLAIM_MAX) {
        problem(P, claim->line, "too many claims on one page (the limit is %d)", LESSON_CLAIM_MAX);
        claim_free(claim);
        return;
    }
    page->claims = xrealloc(page->claims, sizeof *page->claims * (size_t)(page->claim_count + 1));
    page->claims[page->claim_count++] = *claim;
}

/* 'claim CONDITION [after N steps | when done]': on a page, or in a checkpoint to back its answer key. */
static void do_claim(Parser *P, const char *rest)
{
    LessonPage *page = cur_page(P);
    if (!page)
        return;
    if (P->scene_bad)
        return;             /* the unknown scene is reported already */
    if (!P->scene_line) {
        problem(P, P->line, "'claim' needs the page's 'scene' line before it");
        return;
    }
    LessonClaim claim;
    char why[1400];
    if (!claim_parse(page->scene, rest, &claim, why, sizeof why)) {
        problem(P, P->line, "claim: %s", why);
        return;
    }
    claim.line = P->line;
    if (P->state == ST_CHECK) {
        if (P->draft.claim_count >= LESSON_CLAIM_MAX) {
            problem(P, P->line, "too many claims in one checkpoint (the limit is %d)", LESSON_CLAIM_MAX);
            claim_free(&claim);
            return;
        }
        P->draft.claims[P->draft.claim_count++] = claim;
    } else {
        page_add_claim(P, page, &claim);
    }
}

/* 'shows "TEXT" [after N steps] [or key K]': what the page must show at 80×24. */
static void do_shows(Parser *P, const char *rest)
{
    LessonPage *page = cur_page(P);
    if (!page)
        return;
    static const char usage[] = "'shows' takes \"TEXT\" in double quotes, then optionally 'after N steps' and "
                                "'or key K'";
    const char *end = rest[0] == '"' ? strchr(rest + 1, '"') : NULL;
    if (!end) {
        problem(P, P->line, "%s", usage);
        return;
    }
    if (end == rest + 1) {
        problem(P, P->line, "'shows' needs some text between the quotes");
        return;
    }
    if (page->show_count >= LESSON_SHOWS_MAX) {
        problem(P, P->line, "too many 'shows' lines on one page (the limit is %d)", LESSON_SHOWS_MAX);
        return;
    }
    LessonShows shows = { .line = P->line };
    const char *p = skip_blanks(end + 1);
    if (strncmp(p, "after", 5) == 0 && (p[5] == ' ' || p[5] == '\t')) {
        char *after;
        p = skip_blanks(p + 5);
        long n = strtol(p, &after, 10);
        if (after == p || n < 0 || n > 1000000 || strncmp(skip_blanks(after), "steps", 5) != 0) {
            problem(P, P->line, "'shows ... after' takes a number of steps, 0 to 1000000: 'after 300 steps'");
            return;
        }
        shows.steps = n;
        p = skip_blanks(skip_blanks(after) + 5);
    }
    if (strncmp(p, "or", 2) == 0 && (p[2] == ' ' || p[2] == '\t')) {
        p = skip_blanks(p + 2);
        if (strncmp(p, "key", 3) != 0 || (p[3] != ' ' && p[3] != '\t')) {
            problem(P, P->line, "'shows ... or' is followed by 'key K': 'or key z'");
            return;
        }
        p = skip_blanks(p + 3);
        if (!(p[0] > ' ' && p[0] < 0x7f) || (p[1] != '\0' && p[1] != ' ' && p[1] != '\t')) {
            problem(P, P->line, "'or key' takes one printable key, such as z, not '%.20s'", p);
            return;
        }
        shows.key = (unsigned char)p[0];
        p = skip_blanks(p + 1);
    }
    if (*p) {
        problem(P, P->line, "unexpected '%.40s' after 'shows': %s", p, usage);
        return;
    }
    shows.text = xmalloc((size_t)(end - rest));
    memcpy(shows.text, rest + 1, (size_t)(end - rest - 1));
    shows.text[end - rest - 1] = '\0';
    page->shows = xrealloc(page->shows, sizeof *page->shows * (size_t)(page->show_count + 1));
    page->shows[page->show_count++] = shows;
}

static void do_reveal(Parser *P, const char *rest)
{
    static const char *const values[] = { "always", "after-answer", "hidden", NULL };
    LessonPage *page = cur_page(P);
    if (!page)
        return;
    if (page->reveal_line) {
        problem(P, P->line, "this page already says when to reveal its scene (line %d)", page->reveal_line);
        return;
    }
    int v = list_index(values, rest);
    if (v < 0) {
        problem(P, P->line, "'reveal' takes always, after-answer or hidden, not '%.40s'", rest);
        return;
    }
    page->reveal = (LessonReveal)v;
    page->reveal_line = P->line;
}

/* Ends the open checkpoint: checks it as a whole and keeps it only if it is sound. */
static void close_checkpoint(Parser *P)
{
    Draft *d = &P->draft;
    LessonPage *page = cur_page(P);
    LessonCheckpoint c;
    memset(&c, 0, sizeof c);
    bool ok = true;
    P->tried_checkpoint = true;
    P->state = ST_PAGE;
    if (d->question.len == 0) {
        problem(P, d->line, "checkpoint without a question");
        ok = false;
    }
    if (!d->answer) {
        problem(P, d->line, "checkpoint without an answer");
        ok = false;
    }
    if (d->choice_count == 1) {
        problem(P, d->line, "a multiple-choice checkpoint needs at least two choices");
        ok = false;
    }
    if (d->choice_count >= 2) {
        c.kind = CHECKPOINT_CHOICE;
        if (d->answer) {
            c.answer = draft_choice(d, d->answer);
            if (c.answer < 0) {
                const char *keys[LESSON_CHOICE_MAX];
                char known[256];
                for (int i = 0; i < d->choice_count; i++)
                    keys[i] = d->choices[i].key;
                problem(P, d->answer_line, "answer '%s' is not among the choices (%s)", d->answer,
                        join_names(known, sizeof known, "", keys, d->choice_count));
                ok = false;
            }
        }
        if (d->has_tolerance) {
            problem(P, d->tolerance_line, "'tolerance' applies only to number answers, not to choices");
            ok = false;
        }
    } else if (d->choice_count == 0 && d->answer) {
        c.kind = CHECKPOINT_NUMBER;
        c.tolerance = d->has_tolerance ? d->tolerance : 0.01;
        c.relative = d->has_tolerance ? d->relative : true;
        if (strncmp(d->answer, "scene:", 6) == 0) {
            if (!parse_live(P, d->answer, &c, d->answer_line))
                ok = false;
        } else if (!parse_double(d->answer, &c.value)) {
            problem(P, d->answer_line, "answer '%.60s' is not a number or a live value like "
                    "scene:running_mean[0] (and the checkpoint has no choices)", d->answer);
            ok = false;
        }
    }
    if (page && ok && page->checkpoint_count >= LESSON_CHECKPOINT_MAX) {
        problem(P, d->line, "too many checkpoints on one page (the limit is %d)", LESSON_CHECKPOINT_MAX);
        ok = false;
    }
    if (!page || !ok) {
        draft_clear(d);
        return;
    }
    c.line = d->line;
    c.question = sb_take(&d->question);
    c.explain = d->explain.len ? sb_take(&d->explain) : NULL;
    if (c.kind == CHECKPOINT_CHOICE) {
        c.choice_count = d->choice_count;
        c.choices = xcalloc((size_t)d->choice_count, sizeof *c.choices);
        memcpy(c.choices, d->choices, sizeof *c.choices * (size_t)d->choice_count);
        d->choice_count = 0;    /* the strings now belong to the checkpoint */
    }
    for (int i = 0; i < d->claim_count; i++) {
        d->claims[i].checkpoint = page->checkpoint_count;
        page_add_claim(P, page, &d->claims[i]);
    }
    d->claim_count = 0;         /* the claims now belong to the page */
    page->checkpoints = xrealloc(page->checkpoints, sizeof *page->checkpoints * (size_t)(page->checkpoint_count + 1));
    page->checkpoints[page->checkpoint_count++] = c;
    draft_clear(d);
}

/* ---- one line ---- */

static void top_directive(Parser *P, const char *word, const char *rest)
{
    Lesson *L = P->lesson;
    if (strcmp(word, "lesson") == 0) {
        long n;
        if (L->number_line) {
            problem(P, P->line, "second 'lesson' line (the first is at line %d)", L->number_line);
        } else if (!parse_long(rest, 0, LESSON_NUMBER_MAX, &n)) {
            problem(P, P->line, "the lesson number must be a whole number from 0 to %d, not '%.40s'",
                    LESSON_NUMBER_MAX, rest);
            L->number_line = P->line;
        } else {
            L->number = (int)n;
            L->number_line = P->line;
        }
    } else if (strcmp(word, "title") == 0) {
        if (P->title_line) {
            problem(P, P->line, "second 'title' line (the first is at line %d)", P->title_line);
        } else if (*rest == '\0') {
            problem(P, P->line, "'title' needs the lesson's title");
        } else {
            lint_markup(P, rest, col_of(P, rest));
            free(L->title);
            L->title = xstrdup(rest);
            P->title_line = P->line;
        }
    } else { /* summary */
        if (P->summary_line) {
            problem(P, P->line, "second 'summary' line (the first is at line %d)", P->summary_line);
        } else if (*rest != '\0') {
            lint_markup(P, rest, col_of(P, rest));
            L->summary = xstrdup(rest);
            P->summary_line = P->line;
        }
    }
}

/* 'checkpoint', with the question on the same line or not. */
static void open_checkpoint(Parser *P, const char *rest)
{
    draft_clear(&P->draft);
    P->draft.line = P->line;
    P->state = ST_CHECK;
    if (*rest) {
        lint_markup(P, rest, col_of(P, rest));
        append_prose(&P->draft.question, rest);
    }
}

/* A line of an open checkpoint: question, choice, answer, tolerance or explain. */
static void check_directive(Parser *P, const char *word, const char *rest)
{
    if (strcmp(word, "question") == 0) {
        if (*rest == '\0') {
            problem(P, P->line, "'question' needs the question's text");
        } else {
            lint_markup(P, rest, col_of(P, rest));
            append_prose(&P->draft.question, rest);
        }
    } else if (strcmp(word, "choice") == 0) {
        do_choice(P, rest);
    } else if (strcmp(word, "answer") == 0) {
        if (P->draft.answer)
            problem(P, P->line, "second 'answer' in this checkpoint (the first is at line %d)", P->draft.answer_line);
        else if (*rest == '\0')
            problem(P, P->line, "'answer' needs a value: a choice's key, a number, or scene:VALUE");
        else {
            P->draft.answer = xstrdup(rest);
            P->draft.answer_line = P->line;
        }
    } else if (strcmp(word, "tolerance") == 0) {
        do_tolerance(P, rest);
    } else {
        do_explain(P, rest);
    }
}

/* A line whose first word is no directive: a setting (name = value) or a mistake. */
static void not_a_directive(Parser *P, const char *word, const char *rest, bool assign)
{
    if (assign) {
        if (P->state == ST_CHECK)
            problem(P, P->line, "scene settings go outside checkpoints, after the page's 'scene' line");
        else
            do_setting(P, word, rest);
        return;
    }
    const char *near = catalog_closest(word, directives, list_count(directives));
    if (near)
        problem(P, P->line, "unknown directive '%s' (did you mean '%s'?)", word, near);
    else
        problem(P, P->line, "unknown directive '%s' (prose goes between 'text' and 'end'; settings are "
                "written 'name = value')", word);
}

static void handle_line(Parser *P, char *s)
{
    if (P->state == ST_TEXT) {
        const char *t = skip_blanks(s);
        if (strncmp(t, "end", 3) == 0 && *skip_blanks(t + 3) == '\0')
            flush_block(P);
        else
            text_line(P, s);
        return;
    }
    rtrim(s);
    const char *p = skip_blanks(s);
    if (*p == '\0' || *p == '#')
        return;
    const char *w = p;
    if (isalnum((unsigned char)*p) || *p == '_')
        while (is_word_char(*p))
            p++;
    size_t wlen = (size_t)(p - w);
    if (wlen == 0) {
        if (P->state == ST_CHECK)
            problem(P, P->line, "unexpected text in a checkpoint: '%.40s' (its lines start with question, "
                    "choice, answer, tolerance, explain, claim or end)", w);
        else
            problem(P, P->line, "unexpected text '%.40s' (prose goes between 'text' and 'end')", w);
        return;
    }
    char word[WORD_MAX];
    if (wlen >= sizeof word)
        wlen = sizeof word - 1;
    memcpy(word, w, wlen);
    word[wlen] = '\0';
    const char *rest = skip_blanks(p);
    bool assign = false;
    if (*rest == '=' || *rest == ':') {
        assign = true;
        rest = skip_blanks(rest + 1);
    }
    bool glued = !assign && *p != '\0' && *p != ' ' && *p != '\t';
    int d = list_index(directives, word);
    if (d < 0) {
        not_a_directive(P, word, rest, assign);
        return;
    }
    if (glued) {
        problem(P, P->line, "unexpected text right after '%s' (put a space after it)", word);
        return;
    }
    bool check_word = strcmp(word, "question") == 0 || strcmp(word, "choice") == 0 ||
                      strcmp(word, "answer") == 0 || strcmp(word, "tolerance") == 0 ||
                      strcmp(word, "explain") == 0 || strcmp(word, "claim") == 0;
    if (P->state == ST_CHECK && !check_word && strcmp(word, "end") != 0) {
        /* A page-level line inside a checkpoint: its 'end' is missing. Close it and go on. */
        problem(P, P->draft.line, "checkpoint has no 'end' (it runs into the '%s' line %d)", word, P->line);
        close_checkpoint(P);
    }
    if (strcmp(word, "lesson") == 0 || strcmp(word, "title") == 0 || strcmp(word, "summary") == 0) {
        if (P->state != ST_TOP)
            problem(P, P->line, "'%s' belongs at the top of the file, before the first page%s", word,
                    strcmp(word, "title") == 0 ? " (a page's title goes on its 'page' line)" : "");
        else
            top_directive(P, word, rest);
    } else if (strcmp(word, "page") == 0) {
        if (*rest)
            lint_markup(P, rest, col_of(P, rest));
        open_page(P, rest);
    } else if (P->state == ST_TOP && (strcmp(word, "scene") == 0 || strcmp(word, "text") == 0 ||
                                      strcmp(word, "checkpoint") == 0 || strcmp(word, "claim") == 0 ||
                                      strcmp(word, "reveal") == 0 || strcmp(word, "shows") == 0)) {
        problem(P, P->line, "'%s' must come after a 'page TITLE' line", word);
    } else if (strcmp(word, "scene") == 0) {
        do_scene(P, rest);
    } else if (strcmp(word, "claim") == 0) {
        do_claim(P, rest);
    } else if (strcmp(word, "reveal") == 0) {
        do_reveal(P, rest);
    } else if (strcmp(word, "shows") == 0) {
        do_shows(P, rest);
    } else if (strcmp(word, "text") == 0) {
        if (*rest)
            problem(P, P->line, "'text' stands alone on its line; the prose goes on the lines after it");
        P->state = ST_TEXT;
        P->block_line = P->line;
    } else if (strcmp(word, "checkpoint") == 0) {
        open_checkpoint(P, rest);
    } else if (strcmp(word, "end") == 0) {
        if (P->state == ST_CHECK)
            close_checkpoint(P);
        else
            problem(P, P->line, "'end' without an open 'text' or 'checkpoint'");
    } else if (P->state != ST_CHECK) {
        problem(P, P->line, "'%s' belongs inside a checkpoint (open one with 'checkpoint')", word);
    } else {
        check_directive(P, word, rest);
    }
}

static bool all_blank(const char *text, size_t size)
{
    for (size_t i = 0; i < size; i++)
        if (!isspace((unsigned char)text[i]))
            return false;
    return true;
}

static void parse_text(Parser *P, const char *text, size_t size)
{
    Lesson *L = P->lesson;
    if (size == 0 || all_blank(text, size)) {
        problem(P, 0, "the file is empty");
        return;
    }
    if (size > LESSON_FILE_MAX) {
        problem(P, 0, "the file is too large (more than %d bytes)", LESSON_FILE_MAX);
        return;
    }
    if (memchr(text, '\0', size)) {
        problem(P, 0, "this looks like a binary file, not a lesson (it contains NUL bytes)");
        return;
    }
    size_t pos = 0;
    if (size >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;    /* some editors start UTF-8 files with a byte order mark */
    while (pos < size && !P->stopped) {
        P->line++;
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - start) : size - pos;
        pos += len + (nl ? 1 : 0);
        if (len > 0 && start[len - 1] == '\r')
            len--;
        if (len > LESSON_LINE_MAX) {
            problem(P, P->line, "line is too long (%zu bytes; the limit is %d)", len, LESSON_LINE_MAX);
            continue;
        }
        clean_line(P, start, len);
        handle_line(P, P->work);
    }
    if (P->state == ST_TEXT) {
        problem(P, P->block_line, "text block has no 'end'");
        flush_block(P);
    } else if (P->state == ST_CHECK) {
        problem(P, P->draft.line, "checkpoint has no 'end'");
        close_checkpoint(P);
    }
    close_page(P);
    if (!L->number_line)
        problem(P, 0, "missing 'lesson NUMBER' line at the top");
    if (!P->title_line)
        problem(P, 0, "missing 'title TEXT' line at the top");
    if (L->page_count == 0)
        problem(P, 0, "the lesson has no pages (each page starts with 'page TITLE')");
}

/* Problems in line order (whole-file ones first); insertion sort keeps equal lines in order found. */
static void sort_problems(Lesson *L)
{
    for (int i = 1; i < L->problem_count; i++) {
        LessonProblem key = L->problems[i];
        int j = i - 1;
        while (j >= 0 && L->problems[j].line > key.line) {
            L->problems[j + 1] = L->problems[j];
            j--;
        }
        L->problems[j + 1] = key;
    }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static Lesson *lesson_new(const char *path)
{
    Lesson *L = xcalloc(1, sizeof *L);
    L->path = xstrdup(path ? path : "<memory>");
    L->number = -1;
    L->title = xstrdup(base_name(L->path));
    return L;
}

Lesson *lesson_parse(const char *text, size_t size, const char *path)
{
    Parser P;
    memset(&P, 0, sizeof P);
    P.lesson = lesson_new(path);
    P.work = xmalloc(LESSON_LINE_MAX + 1);
    parse_text(&P, text ? text : "", text ? size : 0);
    draft_clear(&P.draft);
    block_free(&P);
    sb_free(&P.page_text);
    free(P.work);
    sort_problems(P.lesson);
    return P.lesson;
}

Lesson *lesson_load(const char *path)
{
    /* A FIFO or device named *.lesson must not block list, check, render or the tutor. */
    BnError open_err = { 0 };
    FILE *f = file_fopen_regular(path, NULL, &open_err);
    if (!f) {
        Lesson *L = lesson_new(path);
        lesson_add_problem(L, 0, "%s", errno == EISDIR ? "is a directory, not a lesson file" : open_err.message);
        return L;
    }
    /* Read one byte past the limit so an oversized file is recognised without reading all of it. */
    size_t cap = LESSON_FILE_MAX + 1;
    char *buf = xmalloc(cap);
    size_t len = fread(buf, 1, cap, f);
    bool failed = ferror(f);
    int saved = errno;
    fclose(f);
    Lesson *L;
    if (failed) {
        L = lesson_new(path);
        lesson_add_problem(L, 0, "cannot read: %s", strerror(saved));
    } else {
        L = lesson_parse(buf, len, path);
    }
    free(buf);
    return L;
}

void lesson_destroy(Lesson *lesson)
{
    if (!lesson)
        return;
    for (int i = 0; i < lesson->page_count; i++) {
        LessonPage *page = &lesson->pages[i];
        free(page->title);
        free(page->text);
        settings_free(page->settings, page->setting_count);
        for (int k = 0; k < page->checkpoint_count; k++)
            checkpoint_free(&page->checkpoints[k]);
        free(page->checkpoints);
        for (int k = 0; k < page->claim_count; k++)
            claim_free(&page->claims[k]);
        free(page->claims);
        for (int k = 0; k < page->show_count; k++)
            free(page->shows[k].text);
        free(page->shows);
    }
    free(lesson->pages);
    for (int i = 0; i < lesson->problem_count; i++)
        free(lesson->problems[i].message);
    free(lesson->problems);
    for (int i = 0; i < lesson->warning_count; i++)
        free(lesson->warnings[i].message);
    free(lesson->warnings);
    free(lesson->path);
    free(lesson->title);
    free(lesson->summary);
    free(lesson);
}

/* ---- reading a page's settings ---- */

const LessonSetting *lesson_page_setting(const LessonPage *page, const char *name)
{
    for (int i = 0; page && i < page->setting_count; i++)
        if (strcmp(page->settings[i].setting->name, name) == 0)
            return &page->settings[i];
    return NULL;
}

long lesson_page_int(const LessonPage *page, const char *name)
{
    const LessonSetting *s = lesson_page_setting(page, name);
    return s ? s->value.integer : 0;
}

double lesson_page_real(const LessonPage *page, const char *name)
{
    const LessonSetting *s = lesson_page_setting(page, name);
    return s ? s->value.real : 0.0;
}

bool lesson_page_bool(const LessonPage *page, const char *name)
{
    const LessonSetting *s = lesson_page_setting(page, name);
    return s && s->value.integer != 0;
}

const char *lesson_page_enum(const LessonPage *page, const char *name)
{
    const LessonSetting *s = lesson_page_setting(page, name);
    if (!s || s->setting->type != SETTING_ENUM)
        return "";
    return catalog_setting_choices(s->setting)[s->value.integer];
}

int lesson_page_list(const LessonPage *page, const char *name, const double **items)
{
    const LessonSetting *s = lesson_page_setting(page, name);
    *items = s ? s->value.items : NULL;
    return s ? s->value.item_count : 0;
}

bool lesson_checkpoint_accepts(const LessonCheckpoint *checkpoint, double right, double guess)
{
    if (!isfinite(right) || !isfinite(guess))
        return false;
    double allowed = checkpoint->tolerance;
    if (checkpoint->relative)
        allowed *= right != 0.0 ? fabs(right) : 1.0;
    /* A hair of slack so "0.1" typed for a stored 0.1 passes a zero tolerance. */
    return fabs(guess - right) <= allowed + 1e-12 * fmax(1.0, fabs(right));
}

int lesson_checkpoint_choice(const LessonCheckpoint *checkpoint, const char *key)
{
    for (int i = 0; i < checkpoint->choice_count; i++)
        if (strcasecmp(checkpoint->choices[i].key, key) == 0)
            return i;
    return -1;
}
