/* Fuzz harness bodies, shared by the libFuzzer targets in fuzz/ and tests/test_fuzz_regressions.c (test support). */
#define _GNU_SOURCE     /* memfd_create */
#include "support/fuzz_harness.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cmd/cmd.h"
#include "cmd/export.h"
#include "engine/batchnorm.h"
#include "engine/idx.h"
#include "engine/idx_cache.h"
#include "lesson/lesson.h"
#include "lesson/progress.h"
#include "scene/scene.h"
#include "support/json.h"
#include "ui/record.h"
#include "util/alloc.h"
#include "util/csv.h"
#include "util/error.h"

/* Present only in sanitizer builds: keeps sanitizer reports visible while stderr goes to /dev/null. */
void __sanitizer_set_report_fd(void *fd) __attribute__((weak));

/* Inputs above INPUT_MAX are skipped: the fuzzers stay far below it, regression files may not. */
enum { INPUT_MAX = 1 << 20, ARGS_MAX = 48 };

/* A broken invariant: say which and abort, so the fuzzer keeps the input. */
static void harness_fail(const char *target, const char *what)
{
    fprintf(stderr, "fuzz %s: invariant broken: %s\n", target, what);
    abort();
}

#define HARNESS_REQUIRE(target, cond) \
    do { if (!(cond)) harness_fail((target), #cond); } while (0)

/* ---------- in-memory files ---------- */

/* A file descriptor holding exactly the given bytes, positioned at 0. memfd when the kernel has it. */
static int scratch_fd(int *fd, const void *data, size_t size)
{
    if (*fd < 0) {
        *fd = memfd_create("bntutor-fuzz", MFD_CLOEXEC);
        if (*fd < 0) {
            FILE *f = tmpfile();
            *fd = f ? dup(fileno(f)) : -1;
            if (f)
                fclose(f);
        }
        if (*fd < 0) {
            perror("fuzz harness: no scratch file");
            abort();
        }
    }
    if (ftruncate(*fd, 0) != 0 || (size > 0 && pwrite(*fd, data, size, 0) != (ssize_t)size) ||
        lseek(*fd, 0, SEEK_SET) != 0) {
        perror("fuzz harness: cannot fill the scratch file");
        abort();
    }
    return *fd;
}

/* The path that opens fd afresh (from offset 0), for readers that take a path. */
static const char *fd_path(int fd, char *buf, size_t size)
{
    snprintf(buf, size, "/proc/self/fd/%d", fd);
    return buf;
}

/* ---------- quiet runs of the commands ---------- */

typedef struct Quiet {
    int saved[3];
} Quiet;

static int devnull_fd(void)
{
    static int fd = -1;
    if (fd < 0)
        fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        perror("fuzz harness: /dev/null");
        abort();
    }
    return fd;
}

/* stdin from in_fd, stdout into out_fd, stderr to /dev/null; sanitizer reports still reach the real stderr. */
static void quiet_begin(Quiet *q, int in_fd, int out_fd)
{
    static int report_fd = -1;
    if (report_fd < 0 && __sanitizer_set_report_fd) {
        report_fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
        if (report_fd >= 0)
            __sanitizer_set_report_fd((void *)(intptr_t)report_fd);
    }
    fflush(stdout);
    fflush(stderr);
    for (int k = 0; k < 3; k++)
        q->saved[k] = fcntl(k, F_DUPFD_CLOEXEC, 3);
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(devnull_fd(), 2);
    clearerr(stdin);
    (void)fseek(stdin, 0, SEEK_SET);   /* drops anything buffered from an earlier run */
}

static void quiet_end(Quiet *q)
{
    fflush(stdout);
    fflush(stderr);
    for (int k = 0; k < 3; k++) {
        if (q->saved[k] >= 0) {
            dup2(q->saved[k], k);
            close(q->saved[k]);
        } else {
            close(k);
        }
    }
    clearerr(stdin);
    clearerr(stdout);
    (void)fseek(stdin, 0, SEEK_SET);
}

/* ---------- lesson files ---------- */

int fuzz_lesson_one(const uint8_t *data, size_t size)
{
    static const char T[] = "lesson";
    if (size > INPUT_MAX)
        return 0;
    scene_catalog_install();    /* the fuzz binaries have no main() of ours to do it */
    Lesson *lesson = lesson_parse((const char *)data, size, "fuzz.lesson");
    HARNESS_REQUIRE(T, lesson != NULL);
    HARNESS_REQUIRE(T, lesson->title != NULL);
    HARNESS_REQUIRE(T, lesson->page_count >= 0 && lesson->problem_count >= 0);
    HARNESS_REQUIRE(T, lesson->problem_count <= LESSON_PROBLEM_MAX);
    HARNESS_REQUIRE(T, lesson_is_broken(lesson) == (lesson->problem_count > 0));
    HARNESS_REQUIRE(T, lesson->number >= -1 && lesson->number <= LESSON_NUMBER_MAX);
    char buf[1024];
    for (int k = 0; k < lesson->problem_count; k++) {
        HARNESS_REQUIRE(T, lesson->problems[k].message != NULL);
        lesson_problem_format(lesson, &lesson->problems[k], buf, sizeof buf);
        HARNESS_REQUIRE(T, strncmp(buf, "fuzz.lesson", 11) == 0);
    }
    for (int p = 0; p < lesson->page_count; p++) {
        const LessonPage *page = &lesson->pages[p];
        HARNESS_REQUIRE(T, page->title != NULL && page->text != NULL && page->scene != NULL);
        HARNESS_REQUIRE(T, page->setting_count == page->scene->setting_count);
        for (int s = 0; s < page->setting_count; s++) {
            const LessonSetting *setting = &page->settings[s];
            HARNESS_REQUIRE(T, setting->setting != NULL);
            const char *name = setting->setting->name;
            HARNESS_REQUIRE(T, lesson_page_setting(page, name) != NULL);
            const double *items = NULL;
            switch (setting->setting->type) {
            case SETTING_INT:
            case SETTING_REAL: {
                double v = lesson_page_real(page, name);
                HARNESS_REQUIRE(T, isfinite(v));
                HARNESS_REQUIRE(T, v >= setting->setting->min && v <= setting->setting->max);
                break;
            }
            case SETTING_ENUM:
                HARNESS_REQUIRE(T, lesson_page_enum(page, name) != NULL);
                break;
            case SETTING_BOOL:
                (void)lesson_page_bool(page, name);
                break;
            case SETTING_LIST: {
                int count = lesson_page_list(page, name, &items);
                HARNESS_REQUIRE(T, count >= 0 && (count == 0 || items != NULL));
                for (int i = 0; i < count; i++)
                    HARNESS_REQUIRE(T, isfinite(items[i]));
                break;
            }
            }
        }
        HARNESS_REQUIRE(T, lesson_page_setting(page, "no-such-setting") == NULL);
        for (int c = 0; c < page->checkpoint_count; c++) {
            const LessonCheckpoint *cp = &page->checkpoints[c];
            HARNESS_REQUIRE(T, cp->question != NULL);
            if (cp->kind == CHECKPOINT_CHOICE) {
                HARNESS_REQUIRE(T, cp->choice_count >= 2 && cp->choice_count <= LESSON_CHOICE_MAX);
                HARNESS_REQUIRE(T, cp->answer >= 0 && cp->answer < cp->choice_count);
                for (int k = 0; k < cp->choice_count; k++) {
                    HARNESS_REQUIRE(T, cp->choices[k].key != NULL && cp->choices[k].text != NULL);
                    HARNESS_REQUIRE(T, lesson_checkpoint_choice(cp, cp->choices[k].key) >= 0);
                }
            } else {
                double right = cp->live ? 1.5 : cp->value;
                HARNESS_REQUIRE(T, isfinite(right) && isfinite(cp->tolerance) && cp->tolerance >= 0);
                HARNESS_REQUIRE(T, lesson_checkpoint_accepts(cp, right, right));
                (void)lesson_checkpoint_accepts(cp, right, NAN);
                (void)lesson_checkpoint_accepts(cp, right, 1e308);
            }
        }
    }
    lesson_destroy(lesson);
    return 0;
}

/* ---------- CSV ---------- */

int fuzz_csv_one(const uint8_t *data, size_t size)
{
    static const char T[] = "csv";
    if (size > INPUT_MAX)
        return 0;
    BnError err = { 0 };
    CsvMatrix *m = csv_parse((const char *)data, size, "fuzz.csv", &err);
    if (!m) {
        HARNESS_REQUIRE(T, err.set && err.message[0] != '\0');
        HARNESS_REQUIRE(T, strncmp(err.where, "fuzz.csv", 8) == 0);
        return 0;
    }
    HARNESS_REQUIRE(T, !err.set);
    HARNESS_REQUIRE(T, m->rows > 0 && m->cols > 0);
    size_t nc = (size_t)m->rows * (size_t)m->cols;
    for (size_t k = 0; k < nc; k++)
        HARNESS_REQUIRE(T, isfinite(m->values[k]));
    for (int j = 0; m->names && j < m->cols; j++)
        HARNESS_REQUIRE(T, m->names[j] != NULL && m->names[j][0] != '\0');

    /* One BN step over whatever parsed, as `bntutor bn` would run it: must not fault or trip UBSan. */
    int n = m->rows, c = m->cols;
    double *buf = xcalloc(5 * nc + 9 * (size_t)c, sizeof *buf);
    double *y = buf, *xhat = y + nc, *eval_y = xhat + nc, *dx = eval_y + nc, *dy = dx + nc;
    double *mean = dy + nc, *var = mean + c, *rstd = var + c, *gamma = rstd + c, *beta = gamma + c;
    double *rm = beta + c, *rv = rm + c, *dgamma = rv + c, *dbeta = dgamma + c;
    for (int j = 0; j < c; j++) {
        gamma[j] = 1.0;
        rv[j] = 1.0;
    }
    for (size_t k = 0; k < nc; k++)
        dy[k] = m->values[k];
    BnError bn_err = { 0 };
    long seen = 0;
    if (batchnorm_forward_train(y, xhat, mean, var, rstd, m->values, gamma, beta, 1e-5, n, c, &bn_err)) {
        for (int j = 0; j < c; j++)
            HARNESS_REQUIRE(T, !(var[j] < 0.0));
        batchnorm_update_running(rm, rv, &seen, mean, var, BN_CONVENTION_PYTORCH, 0.1, n, c);
        batchnorm_forward_eval(eval_y, m->values, rm, rv, gamma, beta, 1e-5, n, c);
        batchnorm_backward(dx, dgamma, dbeta, dy, xhat, rstd, gamma, n, c);
    } else {
        HARNESS_REQUIRE(T, bn_err.set);
    }
    free(buf);
    csv_destroy(m);
    return 0;
}

/* ---------- IDX ---------- */

/* Byte 0 chooses how to read: bit 0 gzip the rest first, bits 1-2 want_dims (0, 1, 3, 0),
 * bits 3-5 max_items (0 = all, else 1..7). The rest is the file. */
int fuzz_idx_one(const uint8_t *data, size_t size)
{
    static const char T[] = "idx";
    static int fd = -1;
    if (size < 1 || size > INPUT_MAX)
        return 0;
    uint8_t mode = data[0];
    const uint8_t *body = data + 1;
    size_t body_size = size - 1;
    unsigned char *packed = NULL;
    if (mode & 1) {
        uLongf packed_size = compressBound((uLong)body_size) + 32;
        packed = xmalloc(packed_size + 32);
        /* A gzip wrapper (windowBits 15 + 16), as gzopen writes. */
        z_stream z;
        memset(&z, 0, sizeof z);
        if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            abort();
        z.next_in = (Bytef *)(uintptr_t)body;
        z.avail_in = (uInt)body_size;
        z.next_out = packed;
        z.avail_out = (uInt)(packed_size + 32);
        if (deflate(&z, Z_FINISH) != Z_STREAM_END)
            abort();
        body_size = z.total_out;
        body = packed;
        deflateEnd(&z);
    }
    static const int dims[4] = { 0, 1, 3, 0 };
    int want = dims[(mode >> 1) & 3];
    int max_items = (mode >> 3) & 7;
    char path[64];
    fd_path(scratch_fd(&fd, body, body_size), path, sizeof path);
    IdxFile file;
    BnError err = { 0 };
    if (idx_read(path, want, max_items, &file, &err)) {
        HARNESS_REQUIRE(T, !err.set);
        HARNESS_REQUIRE(T, file.ndims == 1 || file.ndims == 3);
        HARNESS_REQUIRE(T, want == 0 || file.ndims == want);
        HARNESS_REQUIRE(T, file.count > 0 && file.rows > 0 && file.cols > 0);
        HARNESS_REQUIRE(T, file.loaded > 0 && file.loaded <= file.count);
        HARNESS_REQUIRE(T, max_items == 0 || file.loaded <= max_items);
        HARNESS_REQUIRE(T, max_items != 0 || file.loaded == file.count);
        HARNESS_REQUIRE(T, file.ndims == 3 || (file.rows == 1 && file.cols == 1));
        size_t bytes = (size_t)file.loaded * (size_t)file.rows * (size_t)file.cols;
        unsigned sum = 0;
        for (size_t k = 0; k < bytes; k++)      /* touches every byte: ASan checks the buffer's size */
            sum += file.data[k];
        (void)sum;
        idx_free(&file);
    } else {
        HARNESS_REQUIRE(T, err.set && strcmp(err.where, path) == 0);
        HARNESS_REQUIRE(T, file.data == NULL);
    }
    free(packed);
    return 0;
}

/* ---------- IDX read in place, through the cache ---------- */

static char idx_cache_dir_path[128];

/* Removes the scratch folder at exit: files in it and in its cache folder, then the folders. */
static void idx_cache_scratch_remove(void)
{
    char sub[2][192];
    snprintf(sub[0], sizeof sub[0], "%s/cache", idx_cache_dir_path);
    snprintf(sub[1], sizeof sub[1], "%s", idx_cache_dir_path);
    for (int k = 0; k < 2; k++) {
        DIR *d = opendir(sub[k]);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            char path[512];
            int n = snprintf(path, sizeof path, "%s/%s", sub[k], e->d_name);
            if (n > 0 && (size_t)n < sizeof path && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlink(path);
        }
        if (d)
            closedir(d);
        rmdir(sub[k]);
    }
}

/* A private folder for the source, its cache and its lock, made once per process. */
static const char *idx_cache_scratch_dir(void)
{
    char *dir = idx_cache_dir_path;
    if (!dir[0]) {
        snprintf(dir, sizeof idx_cache_dir_path, "%s/bntutor-fuzzc-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(dir)) {
            perror("fuzz harness: mkdtemp");
            abort();
        }
        atexit(idx_cache_scratch_remove);
        /* Never the machine's own system cache: only what this input builds. */
        char sys[192];
        snprintf(sys, sizeof sys, "%s/no-system-cache", dir);
        setenv("BNTUTOR_SYSTEM_CACHE", sys, 1);
        setenv("BNTUTOR_CACHE_LOCK_SECONDS", "0", 1);
    }
    return dir;
}

/* Reads every loaded item of m; they must equal want (the same file read by idx_read) when given. A
 * read that fails must say so and leave zeros; returns how many reads failed. */
static int idx_cache_read_all(const IdxSource *m, const IdxFile *want, const char *T)
{
    size_t item = (size_t)m->rows * (size_t)m->cols;
    unsigned char *buf = xmalloc(item ? item : 1);
    int failed = 0;
    for (int i = 0; i < m->loaded; i++) {
        BnError err = { 0 };
        if (!idx_source_read(m, (size_t)i * item, item, buf, &err)) {
            HARNESS_REQUIRE(T, err.set && m->path && strcmp(err.where, m->path) == 0);
            for (size_t k = 0; k < item; k++)
                HARNESS_REQUIRE(T, buf[k] == 0);
            failed++;
        } else if (want) {
            HARNESS_REQUIRE(T, memcmp(buf, want->data + (size_t)i * item, item) == 0);
        }
    }
    free(buf);
    return failed;
}

/* Byte 0: bit 0 gzip the file (so it goes through the cache), bits 1-2 want_dims (0, 1, 3, 0), bits 3-5
 * max_items (0 = all, else 1..7), bit 6 damage the cache between two opens, bit 7 truncate the file being
 * read while it is open. Bytes 1-2: where to damage (offset, little-endian), byte 3: the byte written
 * there, byte 4: where to cut (a fraction of the length, /256). The rest is the file. */
int fuzz_idx_cache_one(const uint8_t *data, size_t size)
{
    static const char T[] = "idxcache";
    if (size < 5 || size > INPUT_MAX)
        return 0;
    uint8_t mode = data[0];
    size_t damage_at = (size_t)data[1] | (size_t)data[2] << 8;
    uint8_t damage_byte = data[3], cut = data[4];
    const char *dir = idx_cache_scratch_dir();
    char source[256], cache_dir[256], cache[4096];
    snprintf(source, sizeof source, "%s/src-idx3-ubyte%s", dir, (mode & 1) ? ".gz" : "");
    snprintf(cache_dir, sizeof cache_dir, "%s/cache", dir);
    /* Each input starts without a cache: a damaged one left by the previous input would be reused
     * when the source is the same (damaged pixels are not checked, see below). */
    BnError path_err = { 0 };
    HARNESS_REQUIRE(T, idx_cache_path(source, cache_dir, cache, sizeof cache, &path_err));
    unlink(cache);
    gzFile f = gzopen(source, (mode & 1) ? "wb6" : "wbT");
    if (!f || (size > 5 && gzwrite(f, data + 5, (unsigned)(size - 5)) != (int)(size - 5)) || gzclose(f) != Z_OK) {
        perror("fuzz harness: cannot write the source");
        abort();
    }
    static const int dims[4] = { 0, 1, 3, 0 };
    int want_dims = dims[(mode >> 1) & 3];
    int max_items = (mode >> 3) & 7;
    IdxFile want = { 0 };
    BnError want_err = { 0 };
    bool readable = idx_read(source, want_dims, max_items, &want, &want_err);

    for (int round = 0; round < 2; round++) {
        IdxSource m;
        char warning[ERROR_MESSAGE_MAX];
        BnError err = { 0 };
        bool ok = idx_source_open(source, want_dims, max_items, cache_dir, &m, warning, sizeof warning, &err);
        /* The same verdict, and the same message, as idx_read. */
        HARNESS_REQUIRE(T, ok == readable);
        if (!ok) {
            HARNESS_REQUIRE(T, strcmp(err.message, want_err.message) == 0 && m.data == NULL && m.path == NULL);
            break;
        }
        HARNESS_REQUIRE(T, m.ndims == want.ndims && m.count == want.count && m.rows == want.rows &&
                           m.cols == want.cols && m.loaded == want.loaded);
        HARNESS_REQUIRE(T, (m.path == NULL) == (m.data != NULL));
        /* A cache that passed its checks holds the source's bytes (round 1: possibly damaged pixels, which
         * no check covers: ownership, not content, is what keeps them honest). */
        HARNESS_REQUIRE(T, idx_cache_read_all(&m, round == 0 ? &want : NULL, T) == 0);
        if ((mode & 0x80) && m.path) {
            struct stat st;
            HARNESS_REQUIRE(T, stat(m.path, &st) == 0);
            off_t to = (off_t)((unsigned long long)st.st_size * cut / 256);
            HARNESS_REQUIRE(T, truncate(m.path, to) == 0);
            off_t end = m.data_offset + (off_t)((size_t)m.loaded * (size_t)m.rows * (size_t)m.cols);
            int failed = idx_cache_read_all(&m, NULL, T);
            HARNESS_REQUIRE(T, (failed > 0) == (to < end));
        }
        idx_source_close(&m);
        if (round == 1 || !(mode & 0x40) || !(mode & 1))
            break;
        int fd = open(cache, O_WRONLY);
        if (fd < 0)
            break;      /* read into memory (or truncated to nothing above): no cache to damage */
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_size > 0 &&
            pwrite(fd, &damage_byte, 1, (off_t)(damage_at % (size_t)st.st_size)) != 1)
            abort();
        close(fd);
    }
    idx_free(&want);
    return 0;
}

/* ---------- progress ---------- */

static char *progress_scratch_path(void)
{
    static char path[256];
    if (!path[0]) {
        char dir[128];
        snprintf(dir, sizeof dir, "%s/bntutor-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(dir)) {
            perror("fuzz harness: mkdtemp");
            abort();
        }
        snprintf(path, sizeof path, "%s/progress", dir);
    }
    return path;
}

static void progress_scratch_remove(void)
{
    char *path = progress_scratch_path();
    unlink(path);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    rmdir(path);
    *slash = '/';
}

static void progress_require_same(const Progress *a, const Progress *b)
{
    static const char T[] = "progress";
    HARNESS_REQUIRE(T, a->lesson == b->lesson && (a->lesson < 0 || a->page == b->page));
    HARNESS_REQUIRE(T, a->lesson_count == b->lesson_count && a->check_count == b->check_count);
    for (int i = 0; i < a->lesson_count; i++) {
        const ProgressLesson *l = progress_lesson(b, a->lessons[i].lesson);
        HARNESS_REQUIRE(T, l && l->page == a->lessons[i].page && l->done == a->lessons[i].done);
    }
    for (int i = 0; i < a->check_count; i++) {
        const ProgressCheck *c = &a->checks[i];
        const ProgressCheck *d = progress_check(b, c->lesson, c->page, c->index);
        HARNESS_REQUIRE(T, d && d->correct == c->correct);
    }
}

int fuzz_progress_one(const uint8_t *data, size_t size)
{
    static const char T[] = "progress";
    static int fd = -1;
    static bool cleanup_registered;
    if (size > INPUT_MAX)
        return 0;
    char path[64];
    fd_path(scratch_fd(&fd, data, size), path, sizeof path);
    BnError warning = { 0 };
    Progress *p = progress_load(path, &warning);
    HARNESS_REQUIRE(T, p != NULL && p->path != NULL);
    /* Damaged lines cost only themselves; any other warning (foreign, unknown version, empty) keeps nothing. */
    bool damaged = warning.set && strstr(warning.message, "damaged at line") != NULL;
    if (warning.set && !damaged)
        HARNESS_REQUIRE(T, p->lesson == -1 && p->lesson_count == 0 && p->check_count == 0);
    HARNESS_REQUIRE(T, p->lesson >= -1);
    for (int i = 0; i < p->lesson_count; i++) {
        const ProgressLesson *l = &p->lessons[i];
        HARNESS_REQUIRE(T, l->lesson >= 0 && l->page >= 1);
        HARNESS_REQUIRE(T, progress_lesson(p, l->lesson) == l);
        HARNESS_REQUIRE(T, progress_is_done(p, l->lesson) == l->done);
    }
    for (int i = 0; i < p->check_count; i++) {
        const ProgressCheck *c = &p->checks[i];
        HARNESS_REQUIRE(T, c->lesson >= 0 && c->page >= 1 && c->index >= 1);
        HARNESS_REQUIRE(T, progress_check(p, c->lesson, c->page, c->index) == c);
    }

    /* What loaded (cleanly, or the good lines of a damaged file) must survive a save and a load unchanged. */
    if (!warning.set || damaged) {
        if (!cleanup_registered) {
            cleanup_registered = true;
            atexit(progress_scratch_remove);
        }
        free(p->path);
        p->path = xstrdup(progress_scratch_path());
        BnError save_warning = { 0 };
        HARNESS_REQUIRE(T, progress_save(p, &save_warning));
        BnError reload_warning = { 0 };
        Progress *q = progress_load(p->path, &reload_warning);
        HARNESS_REQUIRE(T, !reload_warning.set);
        progress_require_same(p, q);
        progress_require_same(q, p);
        progress_destroy(q);
        unlink(p->path);
    }

    /* The mutators on top of whatever loaded. */
    progress_set_position(p, 3, 2);
    progress_mark_done(p, 3);
    progress_record_check(p, 3, 2, 1, true);
    HARNESS_REQUIRE(T, progress_is_done(p, 3));
    HARNESS_REQUIRE(T, progress_check(p, 3, 2, 1) && progress_check(p, 3, 2, 1)->correct);
    HARNESS_REQUIRE(T, p->lesson == 3 && p->page == 2);
    progress_destroy(p);
    return 0;
}

/* ---------- command-line options ---------- */

/* The value of a run of digits, saturated at 1e6 (leading zeros are harmless). */
static long digits_value(const char *s, const char **end)
{
    long v = 0;
    while (isdigit((unsigned char)*s)) {
        if (v < 1000000)
            v = v * 10 + (*s - '0');
        s++;
    }
    *end = s;
    return v;
}

/* Whether running the command with this argument stays harmless and quick: nothing written to files,
 * no file outside the fixture folder read, no training longer than a moment. */
static bool arg_is_safe(const char *command, const char *arg)
{
    if (strchr(arg, '/'))
        return false;
    if (strcmp(command, "train") != 0)
        return true;
    if (strncmp(arg, "--csv", 5) == 0 || strstr(arg, "784"))
        return false;
    static const char *const sized[] = { "--steps", "--batch", "--hidden", "--every", "--unit" };
    for (size_t k = 0; k < sizeof sized / sizeof sized[0]; k++) {
        if (strncmp(arg, sized[k], strlen(sized[k])) != 0)
            continue;
        for (const char *s = arg; *s;) {
            if (isdigit((unsigned char)*s)) {
                if (digits_value(s, &s) > 40)
                    return false;
            } else {
                s++;
            }
        }
    }
    return true;
}

/* Every number token in text ("nan", "inf", "-inf", "infinity") as a whole word: garbage in output. */
static bool has_non_finite_token(const char *text, size_t len)
{
    for (size_t k = 0; k + 3 <= len; k++) {
        if (k > 0 && isalpha((unsigned char)text[k - 1]))
            continue;
        size_t word = 0;
        while (k + word < len && isalpha((unsigned char)text[k + word]))
            word++;
        if ((word == 3 && (strncasecmp(text + k, "nan", 3) == 0 || strncasecmp(text + k, "inf", 3) == 0)) ||
            (word == 8 && strncasecmp(text + k, "infinity", 8) == 0))
            return true;
    }
    return false;
}

/* Input: the command ("bn" or "train") and its arguments, one per line; after the first NUL byte,
 * what the command reads on stdin. train always gets --steps=5 --every=2 first (the input may override). */
int fuzz_options_one(const uint8_t *data, size_t size)
{
    static const char T[] = "options";
    static int in_fd = -1, out_fd = -1;
    if (size > 8192)
        return 0;
    const uint8_t *nul = memchr(data, '\0', size);
    size_t args_len = nul ? (size_t)(nul - data) : size;
    char *args = xmalloc(args_len + 1);
    memcpy(args, data, args_len);
    args[args_len] = '\0';
    if (args_len > 0 && args[args_len - 1] == '\n')
        args[--args_len] = '\0';

    char *items[ARGS_MAX];
    int count = 0;
    for (char *s = args;; ) {
        if (count == ARGS_MAX) {
            free(args);
            return 0;
        }
        items[count++] = s;
        char *newline = strchr(s, '\n');
        if (!newline)
            break;
        *newline = '\0';
        s = newline + 1;
    }
    const char *command = items[0];
    int (*run)(int, char **) = strcmp(command, "bn") == 0 ? cmd_bn : strcmp(command, "train") == 0 ? cmd_train : NULL;
    if (!run) {
        free(args);
        return 0;
    }
    char *argv[ARGS_MAX + 4];
    int argc = 0;
    char steps[] = "--steps=5", every[] = "--every=2";
    argv[argc++] = items[0];
    if (run == cmd_train) {
        argv[argc++] = steps;
        argv[argc++] = every;
    }
    for (int k = 1; k < count; k++) {
        if (!arg_is_safe(command, items[k])) {
            free(args);
            return 0;
        }
        argv[argc++] = items[k];
    }
    argv[argc] = NULL;
    bool json = false;
    for (int k = 1; k < argc; k++)
        json = json || strcmp(argv[k], "--json") == 0;

    const uint8_t *stdin_bytes = nul ? nul + 1 : data + size;
    int in = scratch_fd(&in_fd, stdin_bytes, (size_t)(data + size - stdin_bytes));
    int out = scratch_fd(&out_fd, "", 0);
    /* Relative names are fixtures (tests/fuzz/files, when run from the top of the tree). */
    static int fixtures = -2, home = -1;
    if (fixtures == -2) {
        fixtures = open("tests/fuzz/files", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        home = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    bool moved = fixtures >= 0 && home >= 0 && fchdir(fixtures) == 0;
    Quiet q;
    quiet_begin(&q, in, out);
    int status = run(argc, argv);
    quiet_end(&q);
    if (moved && fchdir(home) != 0)
        abort();
    HARNESS_REQUIRE(T, status == 0 || status == 1 || status == 2);

    /* Output that claims success must not be garbage: no NaN or infinity among the numbers. */
    if (status == 0 && (run == cmd_train || json)) {
        off_t len = lseek(out, 0, SEEK_END);
        if (len > 0) {
            char *text = xmalloc((size_t)len);
            HARNESS_REQUIRE(T, pread(out, text, (size_t)len, 0) == len);
            HARNESS_REQUIRE(T, !has_non_finite_token(text, (size_t)len));
            free(text);
        }
    }
    free(args);
    return 0;
}

/* ---------- lookup ---------- */

/* A --replay file: whatever parses must be a record the tutor can play back safely. */
int fuzz_record_one(const uint8_t *data, size_t size)
{
    BnError err = { 0 };
    Record *record = record_parse((const char *)data, size, "fuzz.rec", BNTUTOR_VERSION, &err);
    if (!record) {
        if (!err.set || !err.message[0])
            harness_fail("record", "a refused record must say why");
        return 0;
    }
    if (record->count < 0 || record->count > RECORD_EVENTS_MAX || record->lesson < 0 || record->page < 1)
        harness_fail("record", "a parsed record has an impossible header or event count");
    double last = 0.0;
    for (int i = 0; i < record->count; i++) {
        const RecordEvent *e = &record->events[i];
        if (!isfinite(e->t) || e->t < last)
            harness_fail("record", "events must come in time order with finite times");
        last = e->t;
        if (e->kind == RECORD_KEY) {
            char name[RECORD_NAME_MAX + 16];
            int back = 0;
            if (!record_key_parse(record_key_name((int)e->value, name, sizeof name), &back) || back != e->value)
                harness_fail("record", "a recorded key must survive being written and read again");
        } else if (e->kind == RECORD_RESIZE) {
            int w = record_size_width(e->value), h = record_size_height(e->value);
            if (w < 1 || h < 1 || w > RECORD_WIDTH_MAX || h > RECORD_HEIGHT_MAX)
                harness_fail("record", "a resize must stay within the record's size limits");
        } else if (e->value < 1 || e->value > RECORD_STEPS_PER_EVENT_MAX) {
            harness_fail("record", "a step count must be within the record's budget");
        }
    }
    record_destroy(record);
    return 0;
}

/* ---------- export ---------- */

/* Valid UTF-8 with no raw control byte but the newlines between lines. */
static bool clean_utf8_lines(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n') || c == 0x7f)
                return false;
            i++;
            continue;
        }
        int len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
        if (len == 0 || i + (size_t)len > n)
            return false;
        uint32_t cp = c & (0x3F >> (len - 1));
        for (int k = 1; k < len; k++) {
            if (((unsigned char)s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | ((unsigned char)s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += (size_t)len;
    }
    return true;
}

/* A --record file exported as asciicast: what comes out is always a well-formed cast of the record. */
int fuzz_export_one(const uint8_t *data, size_t size)
{
    static const char *const T = "export";
    if (size > INPUT_MAX)
        return 0;
    /* Replays cost what they record: the fuzzer exports under a small budget, so heavy records are
     * covered too and must be refused cleanly, before any work, naming their line. */
    enum { BUDGET_STEPS = 2000, BUDGET_EVENTS = 500, BUDGET_CELLS = 200 * 60 };
    Record *peek = record_parse((const char *)data, size, "fuzz.rec", BNTUTOR_VERSION, NULL);
    double limit = 0.0, last_event = 0.0;
    int want_w = 80, want_h = 24;
    bool heavy = false;
    if (peek) {
        heavy = peek->steps > BUDGET_STEPS || peek->count > BUDGET_EVENTS ||
                (long)peek->width * peek->height > BUDGET_CELLS;
        if (peek->width > 0)
            want_w = peek->width, want_h = peek->height;
        limit = peek->seed % 2 ? 0.5 : 0.0;     /* half the inputs with an idle limit */
        last_event = peek->count ? peek->events[peek->count - 1].t : 0.0;
        record_destroy(peek);
    }
    ExportOptions options;
    export_options_default(&options);
    /* The real lessons but 3 and 11, whose scenes load the 784-input data sets: under the sanitizers
     * one page of those outlasts the fuzzer's timeout, and export adds nothing to them. */
    options.lessons_dir = "tests/fuzz/lessons";
    options.idle_limit = limit;
    options.timestamp = 1;
    options.max_steps = BUDGET_STEPS;
    options.max_events = BUDGET_EVENTS;
    options.max_cells = BUDGET_CELLS;
    options.max_bytes = 4 << 20;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    HARNESS_REQUIRE(T, out != NULL);
    BnError err = { 0 };
    bool ok = export_asciicast(out, (const char *)data, size, "fuzz.rec", &options, &err);
    fclose(out);
    HARNESS_REQUIRE(T, !heavy || !ok);                                  /* over the budget: refused */
    if (!ok) {
        HARNESS_REQUIRE(T, err.set && err.message[0]);
        HARNESS_REQUIRE(T, strncmp(err.where, "fuzz.rec", 8) == 0);     /* a bad record names itself */
        HARNESS_REQUIRE(T, !heavy || strstr(err.message, "budget"));    /* and says which budget */
        /* Nothing was written, unless the cast itself grew past its budget on the way. */
        HARNESS_REQUIRE(T, len == 0 || strstr(err.message, "the cast passes"));
        free(text);
        return 0;
    }
    HARNESS_REQUIRE(T, clean_utf8_lines(text, len));
    HARNESS_REQUIRE(T, len > 0 && text[len - 1] == '\n');
    int lines = 0;
    double last = 0.0;
    for (char *line = text, *next; line < text + len; line = next) {
        next = strchr(line, '\n');
        *next++ = '\0';
        JsonValue *v = json_parse(line, NULL, 0);
        HARNESS_REQUIRE(T, v != NULL);
        if (lines == 0) {
            HARNESS_REQUIRE(T, v->type == JSON_OBJECT && json_number(json_get(v, "version")) == 2);
            HARNESS_REQUIRE(T, json_number(json_get(v, "width")) == want_w);
            HARNESS_REQUIRE(T, json_number(json_get(v, "height")) == want_h);
            HARNESS_REQUIRE(T, json_string(json_get(v, "title")) != NULL);
        } else {
            HARNESS_REQUIRE(T, v->type == JSON_ARRAY && json_length(v) == 3);
            double t = json_number(json_index(v, 0));
            HARNESS_REQUIRE(T, isfinite(t) && t >= last);
            HARNESS_REQUIRE(T, limit <= 0.0 || t - last <= limit + 1e-6);
            HARNESS_REQUIRE(T, t <= last_event + 1e-3);
            HARNESS_REQUIRE(T, lines > 1 || t == 0.0);      /* the first frame at the start */
            last = t;
            const char *kind = json_string(json_index(v, 1));
            HARNESS_REQUIRE(T, kind && (strcmp(kind, "o") == 0 || strcmp(kind, "r") == 0));
            const char *event = json_string(json_index(v, 2));
            HARNESS_REQUIRE(T, event != NULL);
            if (kind[0] == 'r') {
                int w = 0, h = 0;
                char rest = 0;
                HARNESS_REQUIRE(T, sscanf(event, "%dx%d%c", &w, &h, &rest) == 2);
                HARNESS_REQUIRE(T, (long)w * h <= BUDGET_CELLS);
            }
        }
        json_free(v);
        lines++;
    }
    HARNESS_REQUIRE(T, lines >= 2);
    free(text);
    return 0;
}

FuzzEntry fuzz_entry(const char *target)
{
    static const struct { const char *name; FuzzEntry entry; } entries[] = {
        { "lesson", fuzz_lesson_one }, { "csv", fuzz_csv_one }, { "idx", fuzz_idx_one }, { "idxcache", fuzz_idx_cache_one },
        { "progress", fuzz_progress_one }, { "options", fuzz_options_one }, { "record", fuzz_record_one },
        { "export", fuzz_export_one },
    };
    for (size_t k = 0; k < sizeof entries / sizeof entries[0]; k++)
        if (strcmp(entries[k].name, target) == 0)
            return entries[k].entry;
    return NULL;
}
