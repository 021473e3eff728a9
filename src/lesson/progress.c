/* Progress store: a small versioned text file written atomically; problems become warnings, never stops (lesson layer). */
#include "lesson/progress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/parse.h"

/* The first line of every progress file; a different first line means the file is not ours. */
static const char MAGIC[] = "bntutor-progress";
enum { VERSION = 1, PROGRESS_FILE_MAX = 1 << 20, ITEM_MAX = 100000 };

char *progress_default_path(void)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    const char *base, *sub;
    /* The XDG spec says relative paths in these variables are invalid and must be ignored. */
    if (xdg && xdg[0] == '/') {
        base = xdg;
        sub = "/bntutor/progress";
    } else if (home && *home) {
        base = home;
        sub = "/.local/state/bntutor/progress";
    } else {
        return NULL;
    }
    size_t n = strlen(base) + strlen(sub) + 1;
    char *path = xmalloc(n);
    snprintf(path, n, "%s%s", base, sub);
    return path;
}

static void forget(Progress *p)
{
    free(p->lessons);
    free(p->checks);
    p->lessons = NULL;
    p->checks = NULL;
    p->lesson_count = p->check_count = 0;
    p->lesson = -1;
    p->page = 0;
}

static ProgressLesson *find_lesson(const Progress *p, int lesson)
{
    for (int i = 0; i < p->lesson_count; i++)
        if (p->lessons[i].lesson == lesson)
            return &p->lessons[i];
    return NULL;
}

static ProgressLesson *get_lesson(Progress *p, int lesson)
{
    ProgressLesson *l = find_lesson(p, lesson);
    if (l)
        return l;
    p->lessons = xrealloc(p->lessons, sizeof *p->lessons * (size_t)(p->lesson_count + 1));
    l = &p->lessons[p->lesson_count++];
    l->lesson = lesson;
    l->page = 1;
    l->done = false;
    return l;
}

void progress_set_position(Progress *p, int lesson, int page)
{
    if (!p || lesson < 0 || page < 1)
        return;
    p->lesson = lesson;
    p->page = page;
    get_lesson(p, lesson)->page = page;
}

void progress_mark_done(Progress *p, int lesson)
{
    if (p && lesson >= 0)
        get_lesson(p, lesson)->done = true;
}

const ProgressLesson *progress_lesson(const Progress *p, int lesson)
{
    return p ? find_lesson(p, lesson) : NULL;
}

bool progress_is_done(const Progress *p, int lesson)
{
    const ProgressLesson *l = progress_lesson(p, lesson);
    return l && l->done;
}

static ProgressCheck *find_check(const Progress *p, int lesson, int page, int index)
{
    for (int i = 0; p && i < p->check_count; i++) {
        ProgressCheck *c = &p->checks[i];
        if (c->lesson == lesson && c->page == page && c->index == index)
            return c;
    }
    return NULL;
}

const ProgressCheck *progress_check(const Progress *p, int lesson, int page, int index)
{
    return find_check(p, lesson, page, index);
}

void progress_record_check(Progress *p, int lesson, int page, int index, bool correct)
{
    if (!p || lesson < 0 || page < 1 || index < 1)
        return;
    ProgressCheck *c = find_check(p, lesson, page, index);
    if (!c) {
        if (p->check_count >= ITEM_MAX)
            return;
        p->checks = xrealloc(p->checks, sizeof *p->checks * (size_t)(p->check_count + 1));
        c = &p->checks[p->check_count++];
        c->lesson = lesson;
        c->page = page;
        c->index = index;
    }
    c->correct = correct;
}

/* ---- reading ---- */

/* Splits s in place into at most max blank-separated words. */
static int split_progress_line(char *s, char **words, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *w = strtok_r(s, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (n == max)
            return max + 1;
        words[n++] = w;
    }
    return n;
}

/* One line of the body; false when it makes no sense (the whole file is then ignored). */
static bool read_line(Progress *p, char *line)
{
    char *w[6];
    int n = split_progress_line(line, w, 5);
    long a, b, c;
    if (n == 0)
        return true;
    if (strcmp(w[0], "position") == 0 && n == 3 && parse_long(w[1], 0, 1000000, &a) &&
        parse_long(w[2], 1, 1000000, &b)) {
        p->lesson = (int)a;
        p->page = (int)b;
        return true;
    }
    if (strcmp(w[0], "lesson") == 0 && n == 4 && parse_long(w[1], 0, 1000000, &a) &&
        parse_long(w[2], 1, 1000000, &b) && (strcmp(w[3], "done") == 0 || strcmp(w[3], "open") == 0)) {
        if (p->lesson_count >= ITEM_MAX)
            return false;
        ProgressLesson *l = get_lesson(p, (int)a);
        l->page = (int)b;
        l->done = strcmp(w[3], "done") == 0;
        return true;
    }
    if (strcmp(w[0], "check") == 0 && n == 5 && parse_long(w[1], 0, 1000000, &a) &&
        parse_long(w[2], 1, 1000000, &b) && parse_long(w[3], 1, 1000000, &c) &&
        (strcmp(w[4], "right") == 0 || strcmp(w[4], "wrong") == 0)) {
        if (p->check_count >= ITEM_MAX)
            return false;
        progress_record_check(p, (int)a, (int)b, (int)c, strcmp(w[4], "right") == 0);
        return true;
    }
    return false;
}

static bool read_body(Progress *p, char *text, BnError *warning)
{
    /* Lines are split by hand, not with strtok, so blank lines still count in "damaged at line N". */
    int line = 0;
    bool header_seen = false;
    for (char *s = text, *next; *s; s = next) {
        char *newline = strchr(s, '\n');
        next = newline ? newline + 1 : s + strlen(s);
        if (newline)
            *newline = '\0';
        line++;
        size_t n = strlen(s);
        if (n > 0 && s[n - 1] == '\r')
            s[n - 1] = '\0';
        if (s[strspn(s, " \t")] == '\0')
            continue;
        if (!header_seen) {
            header_seen = true;
            char *w[3];
            long version;
            if (split_progress_line(s, w, 2) != 2 || strcmp(w[0], MAGIC) != 0) {
                error_set(warning, p->path, "not a bntutor progress file; ignoring it (it will be replaced)");
                return false;
            }
            if (!parse_long(w[1], 1, 1000000, &version) || version != VERSION) {
                error_set(warning, p->path, "progress file of an unknown version '%.20s'; ignoring it", w[1]);
                return false;
            }
            continue;
        }
        if (!read_line(p, s)) {
            error_set(warning, p->path, "progress file is damaged at line %d; starting afresh", line);
            return false;
        }
    }
    if (!header_seen) {
        error_set(warning, p->path, "progress file is empty; starting afresh");
        return false;
    }
    return true;
}

Progress *progress_load(const char *path, BnError *warning)
{
    Progress *p = xcalloc(1, sizeof *p);
    p->lesson = -1;
    p->path = path ? xstrdup(path) : progress_default_path();
    if (!p->path) {
        error_set(warning, "", "neither XDG_STATE_HOME nor HOME is set; progress will not be saved");
        return p;
    }
    FILE *f = fopen(p->path, "rb");
    if (!f) {
        /* No file yet (or no directory yet) is the normal first run; a save will say if it cannot write. */
        if (errno != ENOENT && errno != ENOTDIR)
            error_set(warning, p->path, "cannot read progress: %s", strerror(errno));
        return p;
    }
    char *text = xmalloc(PROGRESS_FILE_MAX + 1);
    size_t len = fread(text, 1, PROGRESS_FILE_MAX + 1, f);
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        error_set(warning, p->path, "cannot read progress; starting afresh");
    } else if (len > PROGRESS_FILE_MAX || memchr(text, '\0', len)) {
        error_set(warning, p->path, "not a bntutor progress file; ignoring it (it will be replaced)");
    } else {
        text[len] = '\0';
        if (!read_body(p, text, warning))
            forget(p);
    }
    free(text);
    return p;
}

/* ---- writing ---- */

/* mkdir -p for the directory part of path; false with errno set on failure. */
static bool make_parent_dirs(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) {
        free(dir);
        return true;
    }
    *slash = '\0';
    for (char *s = dir + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char saved = *s;
            *s = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
                int e = errno;
                free(dir);
                errno = e;
                return false;
            }
            *s = saved;
            if (saved == '\0')
                break;
        }
    }
    struct stat st;
    bool ok = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
    if (!ok)
        errno = ENOTDIR;
    free(dir);
    return ok;
}

static void append_growing(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append_growing(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    char line[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    while (*len + (size_t)n + 1 > *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *buf = xrealloc(*buf, *cap);
    }
    memcpy(*buf + *len, line, (size_t)n + 1);
    *len += (size_t)n;
}

static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

static bool save_failed(Progress *p, BnError *warning, const char *what, int e)
{
    if (!p->warned)
        error_set(warning, p->path ? p->path : "", "cannot save progress (%s: %s); the tutor goes on without "
                  "saving", what, strerror(e));
    p->warned = true;
    return false;
}

bool progress_save(Progress *p, BnError *warning)
{
    if (!p)
        return false;
    if (!p->path) {
        if (!p->warned)
            error_set(warning, "", "no place to save progress (HOME is not set)");
        p->warned = true;
        return false;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    append_growing(&buf, &len, &cap, "%s %d\n", MAGIC, VERSION);
    if (p->lesson >= 0)
        append_growing(&buf, &len, &cap, "position %d %d\n", p->lesson, p->page);
    for (int i = 0; i < p->lesson_count; i++)
        append_growing(&buf, &len, &cap, "lesson %d %d %s\n", p->lessons[i].lesson, p->lessons[i].page,
               p->lessons[i].done ? "done" : "open");
    for (int i = 0; i < p->check_count; i++)
        append_growing(&buf, &len, &cap, "check %d %d %d %s\n", p->checks[i].lesson, p->checks[i].page,
               p->checks[i].index, p->checks[i].correct ? "right" : "wrong");

    if (!make_parent_dirs(p->path)) {
        int e = errno;
        free(buf);
        return save_failed(p, warning, "creating its directory", e);
    }
    /* The temporary file sits in the same directory so rename() is atomic. */
    size_t tn = strlen(p->path) + 16;
    char *tmp = xmalloc(tn);
    snprintf(tmp, tn, "%s.tmp-XXXXXX", p->path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(buf);
        free(tmp);
        return save_failed(p, warning, "creating a temporary file", e);
    }
    bool ok = write_all(fd, buf, len) && fsync(fd) == 0;
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && rename(tmp, p->path) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok)
        unlink(tmp);
    free(buf);
    free(tmp);
    if (!ok)
        return save_failed(p, warning, "writing", e);
    /* Make the rename itself durable; failure here only costs durability, not correctness. */
    char *dir = xstrdup(p->path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        int dfd = open(dir[0] ? dir : "/", O_RDONLY);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
    }
    free(dir);
    return true;
}

bool progress_reset(Progress *p, BnError *warning)
{
    if (!p)
        return false;
    forget(p);
    if (p->path && unlink(p->path) != 0 && errno != ENOENT) {
        error_set(warning, p->path, "cannot remove progress: %s", strerror(errno));
        return false;
    }
    return true;
}

void progress_destroy(Progress *p)
{
    if (!p)
        return;
    forget(p);
    free(p->path);
    free(p);
}
