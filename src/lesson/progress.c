/* Progress store: a small versioned text file, merged under a lock and written atomically; problems become warnings, never stops (lesson layer). */
#include "lesson/progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lesson/discover.h"
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

/* FNV-1a: a stable name for a directory, not a security measure. */
static uint64_t hash_text(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

char *progress_path_for_lessons(const char *lessons_dir)
{
    char *base = progress_default_path();
    if (!base || !lessons_dir || !*lessons_dir)
        return base;
    char real[PATH_MAX], other[PATH_MAX];
    if (!realpath(lessons_dir, real))
        snprintf(real, sizeof real, "%s", lessons_dir);
    /* The shipped lessons keep the plain name, however they were named on the command line. */
    char *dirs[LESSON_DIR_CANDIDATES];
    int n = lesson_dir_candidates(NULL, dirs);
    bool shipped = false;
    for (int i = 0; i < n; i++) {
        if (!shipped && realpath(dirs[i], other) && strcmp(real, other) == 0)
            shipped = true;
        free(dirs[i]);
    }
    if (shipped)
        return base;
    size_t size = strlen(base) + 24;
    char *path = xmalloc(size);
    snprintf(path, size, "%s-%016llx", base, (unsigned long long)hash_text(real));
    free(base);
    return path;
}

char *progress_backup_path(const char *path, const char *suffix)
{
    size_t size = strlen(path) + strlen(suffix) + 2;
    char *backup = xmalloc(size);
    snprintf(backup, size, "%s.%s", path, suffix);
    return backup;
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
    p->position_changed = false;
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
    l->changed = false;
    return l;
}

void progress_set_position(Progress *p, int lesson, int page)
{
    if (!p || p->readonly || lesson < 0 || page < 1)
        return;
    p->lesson = lesson;
    p->page = page;
    p->position_changed = true;
    ProgressLesson *l = get_lesson(p, lesson);
    l->page = page;
    l->changed = true;
}

void progress_mark_done(Progress *p, int lesson)
{
    if (!p || p->readonly || lesson < 0)
        return;
    ProgressLesson *l = get_lesson(p, lesson);
    l->done = true;
    l->changed = true;
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

/* The check's entry, made when missing; NULL when the store is full. */
static ProgressCheck *get_check(Progress *p, int lesson, int page, int index)
{
    ProgressCheck *c = find_check(p, lesson, page, index);
    if (c)
        return c;
    if (p->check_count >= ITEM_MAX)
        return NULL;
    p->checks = xrealloc(p->checks, sizeof *p->checks * (size_t)(p->check_count + 1));
    c = &p->checks[p->check_count++];
    *c = (ProgressCheck){ .lesson = lesson, .page = page, .index = index };
    return c;
}

void progress_record_answer(Progress *p, int lesson, int page, int index, bool correct, const char *answer,
                            long long when)
{
    if (!p || p->readonly || lesson < 0 || page < 1 || index < 1)
        return;
    bool first = find_check(p, lesson, page, index) == NULL;
    ProgressCheck *c = get_check(p, lesson, page, index);
    if (!c)
        return;
    c->correct = correct;
    c->changed = true;
    if (first) {
        c->first_correct = correct;
        snprintf(c->first_answer, sizeof c->first_answer, "%s", answer ? answer : "");
        c->first_time = when > 0 ? when : 0;
    }
}

void progress_record_check(Progress *p, int lesson, int page, int index, bool correct)
{
    progress_record_answer(p, lesson, page, index, correct, NULL, 0);
}

const char *progress_format_time(long long when, char *buf, size_t size)
{
    struct tm tm;
    time_t t = (time_t)when;
    if (when <= 0 || !gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        buf[0] = '\0';
    return buf;
}

/* "2026-12-07T07:05:53Z" into seconds since 1970; false when it is not exactly that form. */
static bool parse_iso_time(const char *text, long long *when)
{
    int y, mo, d, h, mi, s, used = 0;
    if (strlen(text) != 20 || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &s, &used) != 6 ||
        used != 20 || y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return false;
    /* Days from the civil date (Howard Hinnant's algorithm): timegm is not in C11 or POSIX. */
    int yy = y - (mo <= 2);
    long long era = yy / 400;
    long long yoe = yy - era * 400;
    long long doy = (153LL * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long long days = era * 146097 + doe - 719468;
    *when = days * 86400 + h * 3600 + mi * 60 + s;
    return true;
}

/* An answer as one word of the file: bytes other than letters, digits and "._+" as %XX, "" as "-". */
static void encode_answer(const char *answer, char *out, size_t size)
{
    size_t n = 0;
    if (!answer[0])
        snprintf(out, size, "-");
    for (const unsigned char *a = (const unsigned char *)answer; *a && n + 4 < size; a++) {
        if ((*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z') || (*a >= '0' && *a <= '9') || strchr("._+", *a))
            out[n++] = (char)*a;
        else
            n += (size_t)snprintf(out + n, size - n, "%%%02X", *a);
    }
    if (answer[0])
        out[n] = '\0';
}

static int answer_hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The reverse of encode_answer; false on anything it would not have written. */
static bool decode_answer(const char *word, char *out, size_t size)
{
    size_t n = 0;
    if (strcmp(word, "-") == 0) {
        out[0] = '\0';
        return true;
    }
    for (const char *w = word; *w; w++) {
        int c = (unsigned char)*w;
        if (c == '%') {
            int hi = answer_hex_digit(w[1]), lo = hi < 0 ? -1 : answer_hex_digit(w[2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return false;
            c = hi * 16 + lo;
            w += 2;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("._+", c))) {
            return false;
        }
        if (n + 1 >= size)
            return false;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return true;
}

static bool parse_verdict(const char *word, bool *correct)
{
    if (strcmp(word, "right") != 0 && strcmp(word, "wrong") != 0)
        return false;
    *correct = strcmp(word, "right") == 0;
    return true;
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

/* One line of the body into p (nothing marked changed); false when it makes no sense. */
static bool read_line(Progress *p, char *line)
{
    char *w[9];
    int n = split_progress_line(line, w, 8);
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
    /* "check L P I LATEST" (older files), or with "FIRST ANSWER TIME" after it. */
    bool latest = false, first = false;
    char answer[PROGRESS_ANSWER_MAX];
    long long when = 0;
    if (strcmp(w[0], "check") == 0 && (n == 5 || n == 8) && parse_long(w[1], 0, 1000000, &a) &&
        parse_long(w[2], 1, 1000000, &b) && parse_long(w[3], 1, 1000000, &c) && parse_verdict(w[4], &latest) &&
        (n == 5 || (parse_verdict(w[5], &first) && decode_answer(w[6], answer, sizeof answer) &&
                    (strcmp(w[7], "-") == 0 || parse_iso_time(w[7], &when))))) {
        ProgressCheck *check = get_check(p, (int)a, (int)b, (int)c);
        if (!check)
            return false;
        check->correct = latest;
        /* An older file kept one verdict per question: the best guess at the first. */
        check->first_correct = n == 8 ? first : latest;
        snprintf(check->first_answer, sizeof check->first_answer, "%s", n == 8 ? answer : "");
        check->first_time = when;
        return true;
    }
    return false;
}

/* What reading a file found. */
typedef enum ReadOutcome {
    READ_OK,            /* every line was good (or there was no file) */
    READ_DAMAGED,       /* some lines were not: the good ones are kept, the file deserves a backup */
    READ_FOREIGN,       /* not ours, or a version we do not know: nothing kept, the file deserves a backup */
    READ_EMPTY,         /* an empty file: nothing to keep */
    READ_FAILED,        /* could not be read at all */
    READ_SPECIAL,       /* a FIFO, device or directory: never touched */
} ReadOutcome;

static ReadOutcome read_body(Progress *p, char *text, const char *path, BnError *warning)
{
    /* Lines are split by hand, not with strtok, so blank lines still count in "damaged at line N". */
    int line = 0, bad = 0, first_bad = 0, kept = 0;
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
                error_set(warning, path, "not a bntutor progress file; ignoring it (the next save keeps it as %s.damaged)", path);
                return READ_FOREIGN;
            }
            if (!parse_long(w[1], 1, 1000000, &version) || version != VERSION) {
                error_set(warning, path, "progress file of an unknown version '%.20s'; ignoring it (the next save "
                          "keeps it as %s.damaged)", w[1], path);
                return READ_FOREIGN;
            }
            continue;
        }
        if (read_line(p, s)) {
            kept++;
        } else if (bad++ == 0) {
            first_bad = line;
        }
    }
    if (!header_seen) {
        error_set(warning, path, "progress file is empty; starting afresh");
        return READ_EMPTY;
    }
    if (bad > 0) {
        error_set_at(warning, path, first_bad, "progress file is damaged at line %d (%d bad line%s skipped, %d kept; the "
                  "next save keeps the file as %s.damaged)", first_bad, bad, bad == 1 ? "" : "s", kept, path);
        return READ_DAMAGED;
    }
    return READ_OK;
}

/* Reads the file at path into p (which should be empty). Never blocks on a FIFO: opened O_NONBLOCK and
 * checked with fstat before any read. */
static ReadOutcome read_file(Progress *p, const char *path, BnError *warning)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        /* No file yet (or no directory yet) is the normal first run; a save will say if it cannot write. */
        if (errno != ENOENT && errno != ENOTDIR) {
            error_set(warning, path, "cannot read progress: %s", strerror(errno));
            return READ_FAILED;
        }
        return READ_OK;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        error_set(warning, path, "the progress path is not a regular file (a FIFO, device or directory?); "
                  "progress will not be saved");
        return READ_SPECIAL;
    }
    char *text = xmalloc(PROGRESS_FILE_MAX + 1);
    size_t len = 0;
    bool failed = false;
    while (len <= PROGRESS_FILE_MAX) {
        ssize_t got = read(fd, text + len, PROGRESS_FILE_MAX + 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            failed = true;
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    ReadOutcome outcome;
    if (failed) {
        error_set(warning, path, "cannot read progress; starting afresh");
        outcome = READ_FAILED;
    } else if (len > PROGRESS_FILE_MAX || memchr(text, '\0', len)) {
        error_set(warning, path, "not a bntutor progress file; ignoring it (the next save keeps it as %s.damaged)", path);
        outcome = READ_FOREIGN;
    } else {
        text[len] = '\0';
        outcome = read_body(p, text, path, warning);
    }
    if (outcome == READ_FOREIGN || outcome == READ_FAILED)
        forget(p);
    free(text);
    return outcome;
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
    if (read_file(p, p->path, warning) == READ_SPECIAL) {
        p->refused = true;
        p->warned = true;           /* the load said it: saves stay quiet */
    }
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

/* The directory part of path ("." when it has none). New string. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    char *dir = xstrdup(path);
    dir[slash - path] = '\0';
    return dir;
}

static void append_growing(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append_growing(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    char line[256];
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

/* An exclusive flock on the directory itself (no lock file to leave behind or to be forged), waiting
 * at most PROGRESS_LOCK_SECONDS. The descriptor, or -1 with errno set. */
static int lock_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    const struct timespec pause = { 0, 20 * 1000 * 1000 };
    int tries = (int)(PROGRESS_LOCK_SECONDS / 0.02);
    for (int i = 0;; i++) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return fd;
        if ((errno != EWOULDBLOCK && errno != EINTR) || i >= tries) {
            int e = errno == EWOULDBLOCK ? ETIMEDOUT : errno;
            close(fd);
            errno = e;
            return -1;
        }
        nanosleep(&pause, NULL);
    }
}

/* Removes "<name>.tmp-*" files of the locked directory: every save makes and renames its temporary
 * file under the lock, so any found now was left by a save that was killed. */
static void remove_stale_temporaries(const char *dir, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t blen = strlen(base);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, base, blen) != 0 || strncmp(e->d_name + blen, ".tmp-", 5) != 0 ||
            strlen(e->d_name) != blen + 11)
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *stale = xmalloc(n);
        snprintf(stale, n, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(stale, &st) == 0 && S_ISREG(st.st_mode))
            unlink(stale);
        free(stale);
    }
    closedir(d);
}

/* Folds what the file holds now into p: entries changed here since the last save win, everything else
 * comes from the file (another tutor of the same learner may have written it), done marks stay done. */
static void merge_from(Progress *p, const Progress *disk)
{
    if (!p->position_changed && disk->lesson >= 0) {
        p->lesson = disk->lesson;
        p->page = disk->page;
    }
    for (int i = 0; i < disk->lesson_count; i++) {
        const ProgressLesson *theirs = &disk->lessons[i];
        ProgressLesson *ours = get_lesson(p, theirs->lesson);
        if (!ours->changed)
            ours->page = theirs->page;
        ours->done = ours->done || theirs->done;
    }
    for (int i = 0; i < disk->check_count; i++) {
        const ProgressCheck *theirs = &disk->checks[i];
        bool fresh = !find_check(p, theirs->lesson, theirs->page, theirs->index);
        ProgressCheck *ours = get_check(p, theirs->lesson, theirs->page, theirs->index);
        if (!ours)
            continue;
        if (!ours->changed)
            ours->correct = theirs->correct;
        /* The first answer is the earlier one (an unknown time is from an older file, so earlier still). */
        if (fresh || theirs->first_time < ours->first_time) {
            ours->first_correct = theirs->first_correct;
            memcpy(ours->first_answer, theirs->first_answer, sizeof ours->first_answer);
            ours->first_time = theirs->first_time;
        }
    }
}

static char *serialize(const Progress *p, size_t *len)
{
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    append_growing(&buf, len, &cap, "%s %d\n", MAGIC, VERSION);
    if (p->lesson >= 0)
        append_growing(&buf, len, &cap, "position %d %d\n", p->lesson, p->page);
    for (int i = 0; i < p->lesson_count; i++)
        append_growing(&buf, len, &cap, "lesson %d %d %s\n", p->lessons[i].lesson, p->lessons[i].page,
                       p->lessons[i].done ? "done" : "open");
    for (int i = 0; i < p->check_count; i++) {
        const ProgressCheck *c = &p->checks[i];
        char answer[PROGRESS_ANSWER_MAX * 3 + 2], when[32];
        encode_answer(c->first_answer, answer, sizeof answer);
        progress_format_time(c->first_time, when, sizeof when);
        append_growing(&buf, len, &cap, "check %d %d %d %s %s %s %s\n", c->lesson, c->page, c->index,
                       c->correct ? "right" : "wrong", c->first_correct ? "right" : "wrong", answer,
                       when[0] ? when : "-");
    }
    return buf;
}

/* Writes p to its path through a temporary file and rename; false with errno set. */
static bool write_atomically(const Progress *p, const char **what)
{
    size_t len;
    char *buf = serialize(p, &len);
    /* The temporary file sits in the same directory so rename() is atomic. */
    size_t tn = strlen(p->path) + 16;
    char *tmp = xmalloc(tn);
    snprintf(tmp, tn, "%s.tmp-XXXXXX", p->path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(buf);
        free(tmp);
        *what = "creating a temporary file";
        errno = e;
        return false;
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
    *what = "writing";
    errno = e;
    return ok;
}

bool progress_save(Progress *p, BnError *warning)
{
    if (!p)
        return false;
    if (p->readonly)
        return true;
    if (!p->path) {
        if (!p->warned)
            error_set(warning, "", "no place to save progress (HOME is not set)");
        p->warned = true;
        return false;
    }
    if (p->refused) {
        if (!p->warned)
            error_set(warning, p->path, "the progress path is not a regular file; progress is not saved");
        p->warned = true;
        return false;
    }
    if (!make_parent_dirs(p->path))
        return save_failed(p, warning, "creating its directory", errno);
    char *dir = dir_of(p->path);
    int lock = lock_dir(dir);
    if (lock < 0) {
        int e = errno;
        free(dir);
        return save_failed(p, warning, e == ETIMEDOUT ? "another bntutor holds the lock" : "locking", e);
    }
    remove_stale_temporaries(dir, p->path);

    /* Another tutor may have saved since we read: fold its answers in rather than write over them. */
    Progress disk = { .lesson = -1, .path = p->path };
    ReadOutcome outcome = read_file(&disk, p->path, NULL);
    bool ok = true;
    const char *what = "writing";
    int e = 0;
    if (outcome == READ_SPECIAL) {
        p->refused = true;
        ok = false;
        what = "the path is not a regular file";
        e = EINVAL;
    } else {
        merge_from(p, &disk);
        if (outcome == READ_DAMAGED || outcome == READ_FOREIGN) {
            /* Kept whole, so nothing the learner had is lost even in lines we could not read. */
            char *backup = progress_backup_path(p->path, "damaged");
            (void)rename(p->path, backup);
            free(backup);
        }
        ok = write_atomically(p, &what);
        e = errno;
    }
    forget(&disk);
    if (ok) {
        /* Make the rename itself durable; failure here only costs durability, not correctness. */
        (void)fsync(lock);
        p->position_changed = false;
        for (int i = 0; i < p->lesson_count; i++)
            p->lessons[i].changed = false;
        for (int i = 0; i < p->check_count; i++)
            p->checks[i].changed = false;
    }
    flock(lock, LOCK_UN);
    close(lock);
    free(dir);
    if (!ok)
        return save_failed(p, warning, what, e);
    return true;
}

bool progress_reset(Progress *p, BnError *warning)
{
    if (!p)
        return false;
    forget(p);
    if (!p->path || p->refused)
        return true;
    /* One backup: a reset by mistake can be undone by renaming it back. */
    char *backup = progress_backup_path(p->path, "bak");
    bool ok = rename(p->path, backup) == 0 || errno == ENOENT;
    if (!ok)
        error_set(warning, p->path, "cannot move progress aside to %s: %s", backup, strerror(errno));
    free(backup);
    return ok;
}

void progress_destroy(Progress *p)
{
    if (!p)
        return;
    forget(p);
    free(p->path);
    free(p);
}
