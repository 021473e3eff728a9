/* The dataset cache on a shared machine: files truncated while in use, caches and locks someone else controls, gzip bombs, the system-wide cache. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/dataset.h"
#include "engine/idx.h"
#include "engine/idx_cache.h"

static char tmp_dir[256];
static char cache_dir[300];

static void make_tmp_dir(void)
{
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/bntutor-idxs-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp_dir), "cannot create a temporary folder");
    snprintf(cache_dir, sizeof cache_dir, "%s/cache/bntutor", tmp_dir);
    /* No test may see (or write) the machine's real system cache. */
    char sys[400];
    snprintf(sys, sizeof sys, "%s/system", tmp_dir);
    setenv("BNTUTOR_SYSTEM_CACHE", sys, 1);
    setenv("BNTUTOR_CACHE_LOCK_SECONDS", "0.3", 1);
}

static void remove_tmp_dir(void)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'", tmp_dir, tmp_dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", tmp_dir);
    unsetenv("BNTUTOR_SYSTEM_CACHE");
    unsetenv("BNTUTOR_CACHE_LOCK_SECONDS");
}

TestSuite(idx_safety, .init = make_tmp_dir, .fini = remove_tmp_dir, .timeout = 60);

static const char *tmp_path(const char *name)
{
    static char path[4][512];
    static int which;
    which = (which + 1) % 4;
    snprintf(path[which], sizeof path[which], "%s/%s", tmp_dir, name);
    return path[which];
}

enum { N = 50, SIDE = 28, ITEM = SIDE * SIDE };

static void pattern(unsigned char *out, int variant)
{
    for (int i = 0; i < N * ITEM; i++)
        out[i] = (unsigned char)((i * 31 + variant * 7 + i / 513) & 0xff);
}

static const char *write_images(const char *name, bool gzip, int variant)
{
    static unsigned char bytes[N * ITEM];
    pattern(bytes, variant);
    BnError err = { 0 };
    const char *path = tmp_path(name);
    cr_assert(idx_write(path, 3, N, SIDE, SIDE, bytes, gzip, &err), "%s", err.message);
    return path;
}

static const char *cache_of(const char *source, const char *dir)
{
    static char path[4096];
    BnError err = { 0 };
    cr_assert(idx_cache_path(source, dir, path, sizeof path, &err), "%s", err.message);
    return path;
}

static void open_ok(const char *path, IdxSource *m, char *warning, size_t size)
{
    BnError err = { 0 };
    cr_assert(idx_source_open(path, 3, 0, cache_dir, m, warning, size, &err), "idx_source_open %s: %s: %s", path,
              err.where, err.message);
}

static void expect_bytes(const IdxSource *m, int variant, const char *what)
{
    static unsigned char want[N * ITEM], got[N * ITEM];
    pattern(want, variant);
    BnError err = { 0 };
    cr_assert_eq(m->count, N, "%s: count", what);
    cr_assert(idx_source_read(m, 0, sizeof got, got, &err), "%s: %s", what, err.message);
    cr_assert(memcmp(got, want, sizeof want) == 0, "%s: the bytes differ from those written", what);
}

/* ---- a file truncated while in use ---- */

static void truncated_while_in_use(bool gzip)
{
    const char *path = write_images(gzip ? "shrink-idx3-ubyte.gz" : "shrink-idx3-ubyte", gzip, 1);
    IdxSource m;
    char warning[512];
    open_ok(path, &m, warning, sizeof warning);
    expect_bytes(&m, 1, "before");
    const char *victim = gzip ? cache_of(path, cache_dir) : path;
    cr_assert_str_eq(m.path, victim);
    cr_assert_eq(truncate(victim, 100), 0);
    unsigned char got[ITEM];
    memset(got, 0xee, sizeof got);
    BnError err = { 0 };
    cr_assert_not(idx_source_read(&m, (size_t)(N - 1) * ITEM, ITEM, got, &err), "a read past the new end must fail");
    cr_assert_str_eq(err.where, victim);
    cr_assert(strstr(err.message, "truncated or replaced while in use"), "message: %s", err.message);
    for (int i = 0; i < ITEM; i++)
        cr_assert_eq(got[i], 0, "a failed read leaves zeros, not stale bytes (byte %d)", i);
    idx_source_close(&m);
}

Test(idx_safety, a_plain_file_truncated_while_in_use_is_a_read_error_not_a_sigbus) { truncated_while_in_use(false); }
Test(idx_safety, a_cache_truncated_while_in_use_is_a_read_error_not_a_sigbus) { truncated_while_in_use(true); }

Test(idx_safety, a_dataset_whose_file_shrinks_reports_the_failure_and_keeps_it)
{
    char dir[400], name[420], path[500];
    snprintf(dir, sizeof dir, "%s/set", tmp_dir);
    cr_assert_eq(mkdir(dir, 0700), 0);
    unsigned char bytes[N * ITEM], labels[N];
    pattern(bytes, 3);
    for (int i = 0; i < N; i++)
        labels[i] = (unsigned char)(i % 10);
    BnError err = { 0 };
    static const char *const files[] = { "train-images-idx3-ubyte", "t10k-images-idx3-ubyte" };
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        cr_assert(idx_write(path, 3, N, SIDE, SIDE, bytes, false, &err), "%s", err.message);
    }
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", dir);
    cr_assert(idx_write(path, 1, N, 1, 1, labels, false, &err), "%s", err.message);
    snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte", dir);
    cr_assert(idx_write(path, 1, N, 1, 1, labels, false, &err), "%s", err.message);
    snprintf(name, sizeof name, "idx:%s", dir);
    Dataset *tr, *te;
    cr_assert(dataset_load(name, 0, 0, 0, &tr, &te, &err), "%s", err.message);
    double row[ITEM];
    dataset_row(tr, N - 1, row);
    cr_assert_not(dataset_failed(tr, NULL));
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte", dir);
    cr_assert_eq(truncate(path, 16 + ITEM), 0);
    dataset_row(tr, 0, row);
    cr_assert_not(dataset_failed(tr, NULL), "row 0 is still in the file");
    dataset_row(tr, N - 1, row);
    BnError got = { 0 };
    cr_assert(dataset_failed(tr, &got), "a row past the new end must mark the set failed");
    cr_assert_str_eq(got.where, path);
    cr_assert(dataset_read_failure(&got), "the process-wide failure is set too");
    cr_assert_not(dataset_failed(te, NULL), "the test set was not touched");
    for (int i = 0; i < ITEM; i++)
        cr_assert_eq(row[i], 0.0);
    dataset_destroy(tr);
    dataset_destroy(te);
}

/* ---- caches and folders someone else controls ---- */

Test(idx_safety, a_cache_folder_writable_by_others_is_refused_with_a_warning)
{
    const char *path = write_images("open-idx3-ubyte.gz", true, 4);
    char parent[400];
    snprintf(parent, sizeof parent, "%s/cache", tmp_dir);
    cr_assert_eq(mkdir(parent, 0700), 0);
    cr_assert_eq(mkdir(cache_dir, 0777), 0);
    cr_assert_eq(chmod(cache_dir, 0777), 0);
    IdxSource m;
    char warning[512];
    open_ok(path, &m, warning, sizeof warning);
    expect_bytes(&m, 4, "from memory");
    cr_assert_null(m.path, "nothing may be read from a folder others can write");
    cr_assert(strstr(warning, "may be written by others") && strstr(warning, "memory"), "warning: %s", warning);
    struct stat st;
    cr_assert_neq(stat(cache_of(path, cache_dir), &st), 0, "no cache may be written there either");
    idx_source_close(&m);
}

Test(idx_safety, a_forged_cache_with_the_right_header_but_writable_by_others_is_replaced)
{
    const char *path = write_images("forged-idx3-ubyte.gz", true, 5);
    IdxSource m;
    char warning[512];
    open_ok(path, &m, warning, sizeof warning);
    idx_source_close(&m);
    /* The forger keeps the header (checksum and all) and zeroes the pixels. */
    const char *cache = cache_of(path, cache_dir);
    FILE *f = fopen(cache, "r+b");
    cr_assert_not_null(f);
    static unsigned char zeros[N * ITEM];
    cr_assert_eq(fseek(f, 64 + 16, SEEK_SET), 0);
    cr_assert_eq(fwrite(zeros, 1, sizeof zeros, f), sizeof zeros);
    fclose(f);
    cr_assert_eq(chmod(cache, 0666), 0);
    open_ok(path, &m, warning, sizeof warning);
    expect_bytes(&m, 5, "after the forgery");
    cr_assert_str_empty(warning, "the user's own folder: the cache is simply rebuilt");
    struct stat st;
    cr_assert_eq(stat(cache, &st), 0);
    cr_assert_eq(st.st_mode & 077, 0, "the rebuilt cache is private (mode %o)", st.st_mode & 0777);
    idx_source_close(&m);
}

Test(idx_safety, a_cache_whose_length_disagrees_with_its_idx_header_is_not_used)
{
    const char *path = write_images("long-idx3-ubyte.gz", true, 6);
    IdxSource m;
    char warning[512];
    open_ok(path, &m, warning, sizeof warning);
    idx_source_close(&m);
    const char *cache = cache_of(path, cache_dir);
    struct stat before;
    cr_assert_eq(stat(cache, &before), 0);
    /* Grow the file and its recorded payload length together: only the IDX header can tell. */
    FILE *f = fopen(cache, "r+b");
    cr_assert_not_null(f);
    unsigned long long payload = (unsigned long long)before.st_size - 64 + 10;
    cr_assert_eq(fseek(f, 24, SEEK_SET), 0);
    cr_assert_eq(fwrite(&payload, sizeof payload, 1, f), 1u);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    cr_assert_eq(fwrite("0123456789", 1, 10, f), 10u);
    fclose(f);
    open_ok(path, &m, warning, sizeof warning);
    expect_bytes(&m, 6, "after growing the cache");
    struct stat after;
    cr_assert_eq(stat(cache, &after), 0);
    cr_assert_neq(after.st_ino, before.st_ino, "the cache should have been rebuilt");
    idx_source_close(&m);
}

/* ---- the lock ---- */

Test(idx_safety, a_lock_held_elsewhere_times_out_with_a_clear_warning)
{
    const char *path = write_images("locked-idx3-ubyte.gz", true, 7);
    char parent[400], lock[4200];
    snprintf(parent, sizeof parent, "%s/cache", tmp_dir);
    cr_assert_eq(mkdir(parent, 0700), 0);
    cr_assert_eq(mkdir(cache_dir, 0700), 0);
    snprintf(lock, sizeof lock, "%s.lock", cache_of(path, cache_dir));
    int held = open(lock, O_RDWR | O_CREAT | O_EXCL, 0600);
    cr_assert_geq(held, 0);
    cr_assert_eq(flock(held, LOCK_EX), 0);  /* a new open file description: our own open must wait */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    IdxSource m;
    char warning[512];
    open_ok(path, &m, warning, sizeof warning);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    cr_assert(waited >= 0.25 && waited < 5.0, "waited %.2f s for a 0.3 s timeout", waited);
    expect_bytes(&m, 7, "from memory");
    cr_assert_null(m.path);
    cr_assert(strstr(warning, "waited") && strstr(warning, lock), "warning: %s", warning);
    idx_source_close(&m);
    close(held);
}

Test(idx_safety, a_lock_path_that_is_a_symlink_is_never_followed)
{
    const char *path = write_images("link-idx3-ubyte.gz", true, 8);
    char parent[400], lock[4200], target[400];
    snprintf(parent, sizeof parent, "%s/cache", tmp_dir);
    cr_assert_eq(mkdir(parent, 0700), 0);
    cr_assert_eq(mkdir(cache_dir, 0700), 0);
    snprintf(lock, sizeof lock, "%s.lock", cache_of(path, cache_dir));
    snprintf(target, sizeof target, "%s/victim-file", tmp_dir);
    cr_assert_eq(symlink(target, lock), 0);
    IdxSource m;
    char warning[512];
    open_ok(path, &m, warning, sizeof warning);
    expect_bytes(&m, 8, "from memory");
    struct stat st;
    cr_assert_neq(lstat(target, &st), 0, "the lock's link target must not be created");
    cr_assert(strstr(warning, "lock"), "warning: %s", warning);
    idx_source_close(&m);
}

Test(idx_safety, a_lock_file_writable_by_others_is_refused)
{
    const char *path = write_images("lockmode-idx3-ubyte.gz", true, 9);
    char parent[400], lock[4200];
    snprintf(parent, sizeof parent, "%s/cache", tmp_dir);
    cr_assert_eq(mkdir(parent, 0700), 0);
    cr_assert_eq(mkdir(cache_dir, 0700), 0);
    snprintf(lock, sizeof lock, "%s.lock", cache_of(path, cache_dir));
    int fd = open(lock, O_RDWR | O_CREAT | O_EXCL, 0600);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(chmod(lock, 0666), 0);
    IdxSource m;
    char warning[512];
    open_ok(path, &m, warning, sizeof warning);
    expect_bytes(&m, 9, "from memory");
    cr_assert(strstr(warning, "lock file") && strstr(warning, "written by others"), "warning: %s", warning);
    idx_source_close(&m);
}

/* ---- gzip bombs ---- */

/* A gzip file of an IDX header for `count` images of 28×28 followed by `zeros` zero bytes. */
static const char *write_bomb(const char *name, unsigned count, size_t zeros)
{
    const char *path = tmp_path(name);
    gzFile f = gzopen(path, "wb9");
    cr_assert_not_null(f);
    unsigned char head[16] = { 0, 0, 8, 3, (unsigned char)(count >> 24), (unsigned char)(count >> 16),
                               (unsigned char)(count >> 8), (unsigned char)count, 0, 0, 0, SIDE, 0, 0, 0, SIDE };
    cr_assert_eq(gzwrite(f, head, sizeof head), (int)sizeof head);
    static unsigned char block[1 << 16];
    for (size_t done = 0; done < zeros; done += sizeof block)
        cr_assert_gt(gzwrite(f, block, (unsigned)(zeros - done < sizeof block ? zeros - done : sizeof block)), 0);
    cr_assert_eq(gzclose(f), Z_OK);
    return path;
}

static void expect_no_files_left(const char *what)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls '%s' 2>/dev/null | grep -v '\\.lock$')\"", cache_dir);
    cr_assert_eq(system(cmd), 0, "%s: files were left in the cache folder", what);
}

Test(idx_safety, a_header_claiming_two_billion_images_is_refused_before_anything_is_written)
{
    const char *path = write_bomb("bomb-idx3-ubyte.gz", 2147483647u, (size_t)32 << 20);
    IdxSource m;
    char warning[512];
    BnError err = { 0 };
    cr_assert_not(idx_source_open(path, 3, 0, cache_dir, &m, warning, sizeof warning, &err));
    cr_assert(strstr(err.message, "too large"), "message: %s", err.message);
    expect_no_files_left("bomb");
    IdxFile file;
    BnError read_err = { 0 };
    cr_assert_not(idx_read(path, 3, 0, &file, &read_err));
    cr_assert_str_eq(read_err.message, err.message, "idx_read refuses it with the same message");
}

Test(idx_safety, a_source_shorter_than_its_header_declares_leaves_no_cache_behind)
{
    const char *path = write_bomb("short-idx3-ubyte.gz", 100000u, (size_t)8 << 20);  /* 78 MB declared, 8 MB */
    IdxSource m;
    char warning[512];
    BnError err = { 0 };
    cr_assert_not(idx_source_open(path, 3, 0, cache_dir, &m, warning, sizeof warning, &err));
    cr_assert(strstr(err.message, "truncated data"), "message: %s", err.message);
    expect_no_files_left("short source");
    /* Run again: still refused, still nothing written (no cache rewritten every run). */
    error_clear(&err);
    cr_assert_not(idx_source_open(path, 3, 0, cache_dir, &m, warning, sizeof warning, &err));
    expect_no_files_left("second run");
}

Test(idx_safety, decompression_stops_at_the_declared_size_and_trailing_data_is_refused)
{
    const char *path = write_bomb("long-idx3-ubyte.gz", 10u, (size_t)10 * ITEM + ((size_t)4 << 20));
    IdxSource m;
    char warning[512];
    BnError err = { 0 };
    cr_assert_not(idx_source_open(path, 3, 0, cache_dir, &m, warning, sizeof warning, &err));
    cr_assert(strstr(err.message, "trailing data"), "message: %s", err.message);
    expect_no_files_left("trailing data");
}

/* ---- the system-wide cache ---- */

Test(idx_safety, the_system_cache_is_built_read_only_and_preferred_to_the_users)
{
    const char *path = write_images("sys-idx3-ubyte.gz", true, 10);
    char sys[400], built_path[4096];
    snprintf(sys, sizeof sys, "%s/system", tmp_dir);
    IdxCacheBuilt built;
    BnError err = { 0 };
    mode_t old = umask(077);     /* an administrator's strict umask must not hide the cache from learners */
    bool ok = idx_cache_build(path, sys, true, 1.0, built_path, sizeof built_path, &built, &err);
    umask(old);
    cr_assert(ok, "%s: %s", err.where, err.message);
    cr_assert_eq(built, IDX_CACHE_WRITTEN);
    cr_assert_str_eq(built_path, cache_of(path, sys));
    struct stat st;
    cr_assert_eq(stat(sys, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0755, "system cache folder mode %o", st.st_mode & 0777);
    cr_assert_eq(stat(built_path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0444, "system cache file mode %o", st.st_mode & 0777);
    cr_assert(idx_cache_build(path, sys, true, 1.0, NULL, 0, &built, &err), "%s", err.message);
    cr_assert_eq(built, IDX_CACHE_UP_TO_DATE);

    IdxSource m;
    char warning[512];
    open_ok(path, &m, warning, sizeof warning);
    cr_assert(m.system_cache, "the system cache should be used");
    cr_assert_str_eq(m.path, built_path);
    expect_bytes(&m, 10, "from the system cache");
    idx_source_close(&m);
    cr_assert_neq(stat(cache_dir, &st), 0, "no per-user cache when the system one serves");

    /* A changed source: the stale system cache is passed over for a per-user one. */
    write_images("sys-idx3-ubyte.gz", true, 11);
    open_ok(path, &m, warning, sizeof warning);
    cr_assert_not(m.system_cache);
    expect_bytes(&m, 11, "after the source changed");
    idx_source_close(&m);
}

Test(idx_safety, building_a_cache_of_a_plain_file_or_a_bad_source_says_why)
{
    const char *plain = write_images("plain-idx3-ubyte", false, 12);
    char sys[400];
    snprintf(sys, sizeof sys, "%s/system", tmp_dir);
    IdxCacheBuilt built;
    BnError err = { 0 };
    cr_assert_not(idx_cache_build(plain, sys, true, 1.0, NULL, 0, &built, &err));
    cr_assert(strstr(err.message, "not gzipped"), "message: %s", err.message);
    const char *bomb = write_bomb("b-idx3-ubyte.gz", 2147483647u, 1024);
    error_clear(&err);
    cr_assert_not(idx_cache_build(bomb, sys, true, 1.0, NULL, 0, &built, &err));
    cr_assert(strstr(err.message, "too large"), "message: %s", err.message);
}
