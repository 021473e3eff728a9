/* Recorded tutor sessions: parsing and writing the --record/--replay text format (ui layer). */
#include "ui/record.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ui/tutor.h"
#include "util/alloc.h"
#include "util/file.h"
#include "util/parse.h"
#include "util/termtext.h"
#include "view/keys.h"

enum { RECORD_FILE_MAX = 256 << 20, RECORD_LINE_MAX = 512 };

static const struct KeyName {
    const char *name;
    int key;
} key_names[] = {
    {"SPACE", ' '},         {"ENTER", BK_ENTER},   {"TAB", BK_TAB},         {"BACKTAB", BK_BACKTAB},
    {"ESC", BK_ESC},        {"BACKSPACE", BK_BACKSPACE}, {"DELETE", BK_DELETE}, {"LEFT", BK_LEFT},
    {"RIGHT", BK_RIGHT},    {"UP", BK_UP},         {"DOWN", BK_DOWN},       {"PGUP", BK_PAGE_UP},
    {"PGDN", BK_PAGE_DOWN}, {"HOME", BK_HOME},     {"END", BK_END},         {"AUTOPLAY", BK_AUTOPLAY},
};

const char *record_key_name(int key, char *buf, size_t size)
{
    for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
        if (key_names[i].key == key) {
            snprintf(buf, size, "%s", key_names[i].name);
            return buf;
        }
    if (key >= BK_F1 && key <= BK_F12)
        snprintf(buf, size, "F%d", key - BK_F1 + 1);
    else if (key > ' ' && key < 0x7f)
        snprintf(buf, size, "%c", (char)key);
    else if (key >= 0 && key < BK_BASE)
        snprintf(buf, size, "U+%04X", (unsigned)key);
    else
        snprintf(buf, size, "U+%04X", 0xFFFDu);
    return buf;
}

bool record_key_parse(const char *name, int *key)
{
    size_t n = strlen(name);
    if (n == 1 && name[0] > ' ' && name[0] < 0x7f) {
        *key = (unsigned char)name[0];
        return true;
    }
    for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
        if (strcmp(key_names[i].name, name) == 0) {
            *key = key_names[i].key;
            return true;
        }
    long v;
    if (name[0] == 'F' && parse_long(name + 1, 1, 12, &v)) {
        *key = BK_F1 + (int)v - 1;
        return true;
    }
    if (strncmp(name, "U+", 2) == 0 && n >= 6 && n <= 8) {
        char *end;
        errno = 0;
        unsigned long cp = strtoul(name + 2, &end, 16);
        if (*end == '\0' && errno == 0 && cp < BK_BASE && !(cp >= 0xD800 && cp <= 0xDFFF)) {
            *key = (int)cp;
            return true;
        }
    }
    return false;
}

void record_destroy(Record *record)
{
    if (!record)
        return;
    free(record->events);
    free(record);
}

static void record_push(Record *r, double t, RecordKind kind, long value, int line)
{
    if (r->count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->events = xrealloc(r->events, (size_t)r->cap * sizeof *r->events);
    }
    r->events[r->count++] = (RecordEvent){t, kind, value, line};
}

/* Splits a line into at most 4 blank-separated words (in place). Returns the count, 5 when more. */
static int split_record_line(char *line, char *words[4])
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return n;
        if (n == 4)
            return 5;
        words[n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
    }
}

static bool parse_time(const char *text, double *t) { return parse_double(text, t) && *t >= 0.0 && *t <= 1e9; }

/* What the lines read so far have set: events may come only after the header lines. */
typedef struct RecordReading {
    Record *r;
    const char *path, *version;
    int line_no;
    bool have_version, have_seed, have_start;
    double last;            /* time of the last event */
} RecordReading;

/* A 'key' or 'steps' line; false with err. */
static bool record_event_line(RecordReading *rd, char **words, int n, BnError *err)
{
    Record *r = rd->r;
    const char *what = words[0], *path = rd->path;
    int line_no = rd->line_no;
    double t;
    long v = 0;
    bool is_key = what[0] == 'k';
    if (!rd->have_version || !rd->have_seed || !rd->have_start) {
        error_set_at(err, path, line_no, "'%s' before the 'version', 'seed' and 'start' lines", what);
        return false;
    }
    if (n != 3 || !parse_time(words[1], &t)) {
        error_set_at(err, path, line_no, is_key ? "expected 'key SECONDS KEY'" : "expected 'steps SECONDS N'");
        return false;
    }
    if (t < rd->last) {
        error_set_at(err, path, line_no, "time %s goes back (the previous event was at %.3f)", words[1], rd->last);
        return false;
    }
    int key = 0;
    if (is_key && !record_key_parse(words[2], &key)) {
        error_set_at(err, path, line_no, "unknown key '%s'", words[2]);
        return false;
    }
    if (!is_key && !parse_long(words[2], 1, RECORD_STEPS_PER_EVENT_MAX, &v)) {
        error_set_at(err, path, line_no, "expected a step count from 1 to %d (no frame takes more), got "
                     "'%s'", RECORD_STEPS_PER_EVENT_MAX, words[2]);
        return false;
    }
    if (r->count >= RECORD_EVENTS_MAX) {
        error_set_at(err, path, line_no, "more than %d events: too long for a record", RECORD_EVENTS_MAX);
        return false;
    }
    if (!is_key && r->steps + v > RECORD_STEPS_TOTAL_MAX) {
        error_set_at(err, path, line_no, "more than %d scene steps in all: too many for a record",
                     RECORD_STEPS_TOTAL_MAX);
        return false;
    }
    if (!is_key)
        r->steps += v;
    record_push(r, t, is_key ? RECORD_KEY : RECORD_STEPS, is_key ? key : v, line_no);
    rd->last = t;
    return true;
}

/* One line of words (n >= 1) after the magic line; false with err. */
static bool record_line(RecordReading *rd, char **words, int n, BnError *err)
{
    Record *r = rd->r;
    const char *what = words[0], *path = rd->path;
    int line_no = rd->line_no;
    long v;
    if (strcmp(what, "version") == 0) {
        if (n != 2 || strlen(words[1]) >= sizeof r->version) {
            error_set_at(err, path, line_no, "expected 'version X.Y.Z'");
            return false;
        }
        if (rd->version && strcmp(words[1], rd->version) != 0) {
            error_set_at(err, path, line_no, "recorded by bntutor %s; this is bntutor %s, which cannot "
                         "replay it exactly", words[1], rd->version);
            return false;
        }
        snprintf(r->version, sizeof r->version, "%s", words[1]);
        rd->have_version = true;
    } else if (strcmp(what, "seed") == 0) {
        char *endp;
        errno = 0;
        if (n != 2 || words[1][0] == '-' || (r->seed = strtoull(words[1], &endp, 10), *endp || errno)) {
            error_set_at(err, path, line_no, "expected 'seed N' with a non-negative whole number");
            return false;
        }
        rd->have_seed = true;
    } else if (strcmp(what, "start") == 0) {
        long page;
        if (n != 3 || !parse_long(words[1], 0, 999, &v) || !parse_long(words[2], 1, 9999, &page)) {
            error_set_at(err, path, line_no, "expected 'start LESSON PAGE' (lesson 0 to 999, page from 1)");
            return false;
        }
        r->lesson = (int)v;
        r->page = (int)page;
        rd->have_start = true;
    } else if (strcmp(what, "autoplay") == 0) {
        if (n != 2 || !parse_double(words[1], &r->autoplay) || r->autoplay < 0 || r->autoplay > 86400 ||
            (r->autoplay > 0 && r->autoplay < TUTOR_AUTOPLAY_MIN_SECONDS)) {
            error_set_at(err, path, line_no, "expected 'autoplay SECONDS' (0 for none, else 1 to 86400)");
            return false;
        }
    } else if (strcmp(what, "size") == 0) {
        long h;
        if (n != 3 || !parse_long(words[1], 1, 100000, &v) || !parse_long(words[2], 1, 100000, &h)) {
            error_set_at(err, path, line_no, "expected 'size WIDTH HEIGHT'");
            return false;
        }
        if (v > RECORD_WIDTH_MAX || h > RECORD_HEIGHT_MAX) {
            error_set_at(err, path, line_no, "recorded at %ldx%ld; a record may be at most %dx%d", v, h,
                         RECORD_WIDTH_MAX, RECORD_HEIGHT_MAX);
            return false;
        }
        r->width = (int)v;
        r->height = (int)h;
    } else if (strcmp(what, "resize") == 0) {
        long w, h;
        double t;
        if (!rd->have_version || !rd->have_seed || !rd->have_start) {
            error_set_at(err, path, line_no, "'resize' before the 'version', 'seed' and 'start' lines");
            return false;
        }
        if (n != 4 || !parse_time(words[1], &t) || !parse_long(words[2], 1, RECORD_WIDTH_MAX, &w) ||
            !parse_long(words[3], 1, RECORD_HEIGHT_MAX, &h)) {
            error_set_at(err, path, line_no, "expected 'resize SECONDS WIDTH HEIGHT' (at most %dx%d)",
                         RECORD_WIDTH_MAX, RECORD_HEIGHT_MAX);
            return false;
        }
        if (t < rd->last) {
            error_set_at(err, path, line_no, "time %s goes back (the previous event was at %.3f)", words[1], rd->last);
            return false;
        }
        if (r->count >= RECORD_EVENTS_MAX) {
            error_set_at(err, path, line_no, "more than %d events: too long for a record", RECORD_EVENTS_MAX);
            return false;
        }
        record_push(r, t, RECORD_RESIZE, record_size_value(w, h), line_no);
        rd->last = t;
    } else if (strcmp(what, "key") == 0 || strcmp(what, "steps") == 0) {
        return record_event_line(rd, words, n, err);
    } else if (strcmp(what, "end") == 0) {
        if (n != 2 || !parse_time(words[1], &r->end)) {
            error_set_at(err, path, line_no, "expected 'end SECONDS'");
            return false;
        }
    } else {
        error_set_at(err, path, line_no, "unknown line '%s' (expected version, seed, start, autoplay, size, "
                     "key, steps, resize or end)", what);
        return false;
    }
    return true;
}

Record *record_parse(const char *text, size_t size, const char *path, const char *version, BnError *err)
{
    Record *r = xcalloc(1, sizeof *r);
    r->lesson = -1;
    r->end = -1.0;
    RecordReading rd = { .r = r, .path = path, .version = version };
    size_t pos = 0;
    char line[RECORD_LINE_MAX + 1];
    while (pos < size) {
        int line_no = ++rd.line_no;
        size_t end = pos;
        while (end < size && text[end] != '\n')
            end++;
        size_t len = end - pos;
        if (len && text[pos + len - 1] == '\r')
            len--;
        if (len > RECORD_LINE_MAX) {
            error_set_at(err, path, line_no, "line longer than %d bytes", RECORD_LINE_MAX);
            goto fail;
        }
        memcpy(line, text + pos, len);
        line[len] = '\0';
        pos = end + 1;
        if (memchr(line, '\0', len)) {
            error_set_at(err, path, line_no, "binary data: not a bntutor record");
            goto fail;
        }
        if (line_no == 1) {
            if (strcmp(line, RECORD_MAGIC) != 0) {
                error_set_at(err, path, line_no, "not a bntutor record (the first line must be '%s')",
                             RECORD_MAGIC);
                goto fail;
            }
            continue;
        }
        char *words[4];
        int n = split_record_line(line, words);
        if (n == 0 || words[0][0] == '#')
            continue;
        if (!record_line(&rd, words, n, err))
            goto fail;
    }
    if (rd.line_no == 0) {
        error_set_at(err, path, 0, "empty file: not a bntutor record");
        goto fail;
    }
    if (!rd.have_version || !rd.have_seed || !rd.have_start) {
        error_set_at(err, path, rd.line_no, "incomplete record: missing the '%s' line",
                     !rd.have_version ? "version" : !rd.have_seed ? "seed" : "start");
        goto fail;
    }
    return r;
fail:
    record_destroy(r);
    return NULL;
}

Record *record_load(const char *path, const char *version, BnError *err)
{
    /* Never blocks on a FIFO named like a record, and refuses anything but a regular file. */
    struct stat st;
    int fd = file_open_regular(path, O_RDONLY, 0, &st, err);
    if (fd < 0)
        return NULL;
    if (st.st_size > RECORD_FILE_MAX) {
        close(fd);
        error_set(err, path, "too large for a record (over %d MiB)", RECORD_FILE_MAX >> 20);
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 1, len = 0;
    char *buf = xmalloc(cap);
    bool bad = false;
    while (len < cap) {
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            bad = true;
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    if (bad || len == cap) {
        free(buf);
        error_set(err, path, bad ? "read error" : "the file grew while it was read");
        return NULL;
    }
    Record *r = record_parse(buf, len, path, version, err);
    free(buf);
    return r;
}

struct Recorder {
    FILE *f;
    char *path;
    bool failed;
};

Recorder *recorder_open(const char *path, const Record *header, BnError *err)
{
    /* 0600 like the progress file: a record holds the learner's typed answers. A FIFO without a reader
     * fails at once instead of blocking; with one, or any other special file, it is refused. */
    struct stat st;
    BnError why = { 0 };
    int fd = file_open_regular(path, O_WRONLY | O_CREAT, 0600, &st, &why);
    if (fd < 0) {
        error_set(err, path, "cannot write the record: %s", why.message);
        return NULL;
    }
    /* An existing file keeps its old mode through open(): narrow it when it is ours. */
    if (st.st_uid == geteuid() && (st.st_mode & 077))
        (void)fchmod(fd, st.st_mode & 0700);
    FILE *f = NULL;
    if (ftruncate(fd, 0) != 0 || !(f = fdopen(fd, "w"))) {
        error_set(err, path, "cannot write the record: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    Recorder *rec = xcalloc(1, sizeof *rec);
    rec->f = f;
    rec->path = xstrdup(path);
    char shown[1024];           /* a newline in the name must not end the comment line */
    fprintf(f, "%s\n# a bntutor session: replay it with 'bntutor --replay=%s'\n", RECORD_MAGIC,
            termtext_clean(path, shown, sizeof shown, 0));
    fprintf(f, "version %s\nseed %" PRIu64 "\nstart %d %d\nautoplay %g\n", header->version, header->seed,
            header->lesson, header->page, header->autoplay);
    if (header->width > 0 && header->height > 0)
        fprintf(f, "size %d %d\n", header->width > RECORD_WIDTH_MAX ? RECORD_WIDTH_MAX : header->width,
                header->height > RECORD_HEIGHT_MAX ? RECORD_HEIGHT_MAX : header->height);
    if (fflush(f) != 0)
        rec->failed = true;
    return rec;
}

void recorder_key(Recorder *rec, double t, int key)
{
    if (!rec)
        return;
    char name[RECORD_NAME_MAX];
    if (fprintf(rec->f, "key %.3f %s\n", t, record_key_name(key, name, sizeof name)) < 0 || fflush(rec->f) != 0)
        rec->failed = true;
}

void recorder_steps(Recorder *rec, double t, long count)
{
    if (!rec || count <= 0)
        return;
    if (fprintf(rec->f, "steps %.3f %ld\n", t, count) < 0 || fflush(rec->f) != 0)
        rec->failed = true;
}

void recorder_resize(Recorder *rec, double t, int width, int height)
{
    if (!rec || width < 1 || height < 1)
        return;
    /* Beyond what a record may hold, the size is written at the limit: the record stays replayable. */
    width = width > RECORD_WIDTH_MAX ? RECORD_WIDTH_MAX : width;
    height = height > RECORD_HEIGHT_MAX ? RECORD_HEIGHT_MAX : height;
    if (fprintf(rec->f, "resize %.3f %d %d\n", t, width, height) < 0 || fflush(rec->f) != 0)
        rec->failed = true;
}

bool recorder_close(Recorder *rec, double t, BnError *err)
{
    if (!rec)
        return true;
    if (fprintf(rec->f, "end %.3f\n", t) < 0)
        rec->failed = true;
    if (fclose(rec->f) != 0)
        rec->failed = true;
    bool ok = !rec->failed;
    if (!ok)
        error_set(err, rec->path, "could not write the whole record");
    free(rec->path);
    free(rec);
    return ok;
}
