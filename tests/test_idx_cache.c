/* IDX files read in place: plain ones mapped, gzipped ones cached once, reused, rebuilt when stale or damaged, read into memory with a warning when no cache can be written. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/dataset.h"
#include "engine/idx.h"
#include "engine/idx_cache.h"
#include "support/inputs.h"

static char tmp_dir[256];
static char cache_dir[300];

static void make_tmp_dir(void)
{
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/bntutor-idxc-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp_dir), "cannot create a temporary folder");
    snprintf(cache_dir, sizeof cache_dir, "%s/cache/bntutor", tmp_dir);
}

static void remove_tmp_dir(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", tmp_dir);
}

TestSuite(idx_cache, .init = make_tmp_dir, .fini = remove_tmp_dir);

static const char *tmp_path(const char *name)
{
    static char path[4][512];
    static int which;
    which = (which + 1) % 4;
    snprintf(path[which], sizeof path[which], "%s/%s", tmp_dir, name);
    return path[which];
}

enum { N_IMAGES = 7, ROWS = 5, COLS = 3 };

/* Seven 5×3 images whose bytes are a pattern no two images share. */
static void image_bytes(unsigned char *out, int variant)
{
    for (int i = 0; i < N_IMAGES * ROWS * COLS; i++)
        out[i] = (unsigned char)((i * 37 + variant * 11) & 0xff);
}

static const char *write_images(const char *name, bool gzip, int variant)
{
    unsigned char bytes[N_IMAGES * ROWS * COLS];
    image_bytes(bytes, variant);
    BnError err = { 0 };
    const char *path = tmp_path(name);
    cr_assert(idx_write(path, 3, N_IMAGES, ROWS, COLS, bytes, gzip, &err), "%s", err.message);
    return path;
}

/* The first n bytes of the items, read as the datasets read them. */
static void read_items(const IdxSource *m, unsigned char *out, size_t n)
{
    BnError err = { 0 };
    cr_assert(idx_source_read(m, 0, n, out, &err), "idx_source_read: %s: %s", err.where, err.message);
}

static void expect_pattern(const IdxSource *m, int variant, const char *what)
{
    unsigned char want[N_IMAGES * ROWS * COLS], got[N_IMAGES * ROWS * COLS];
    image_bytes(want, variant);
    read_items(m, got, sizeof got);
    cr_assert_eq(m->ndims, 3, "%s: ndims", what);
    cr_assert_eq(m->count, N_IMAGES, "%s: count", what);
    cr_assert_eq(m->rows, ROWS, "%s: rows", what);
    cr_assert_eq(m->cols, COLS, "%s: cols", what);
    cr_assert_eq(m->loaded, N_IMAGES, "%s: loaded", what);
    cr_assert(memcmp(got, want, sizeof want) == 0, "%s: the bytes differ from those written", what);
}

static bool map_ok(const char *path, const char *dir, IdxSource *m, char *warning, size_t size)
{
    BnError err = { 0 };
    bool ok = idx_source_open(path, 3, 0, dir, m, warning, size, &err);
    cr_assert(ok, "idx_map %s: %s: %s", path, err.where, err.message);
    return ok;
}

static const char *cache_of(const char *source)
{
    static char path[4096];
    BnError err = { 0 };
    cr_assert(idx_cache_path(source, cache_dir, path, sizeof path, &err), "%s", err.message);
    return path;
}

static struct stat stat_or_fail(const char *path)
{
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s should exist", path);
    return st;
}

/* Moves the source's modification time, as a re-download or `touch` would. */
static void touch_later(const char *path, long seconds)
{
    struct stat st = stat_or_fail(path);
    struct timespec times[2] = { st.st_atim, st.st_mtim };
    times[1].tv_sec += seconds;
    cr_assert_eq(utimensat(AT_FDCWD, path, times, 0), 0);
}

Test(idx_cache, a_plain_file_is_read_in_place_with_the_same_bytes_and_no_cache)
{
    const char *path = write_images("plain-idx3-ubyte", false, 1);
    IdxSource m;
    char warning[256];
    map_ok(path, cache_dir, &m, warning, sizeof warning);
    expect_pattern(&m, 1, "plain");
    cr_assert_not_null(m.path, "a plain file should be read in place, not copied");
    cr_assert_null(m.owned);
    cr_assert_eq(idx_source_private_bytes(&m), 0);
    cr_assert_str_empty(warning);
    struct stat st;
    cr_assert_neq(stat(cache_dir, &st), 0, "a plain file needs no cache folder");
    idx_source_close(&m);
    cr_assert_null(m.path);
}

Test(idx_cache, a_gzipped_file_is_cached_once_and_the_cache_read_in_place)
{
    const char *path = write_images("gz-idx3-ubyte.gz", true, 2);
    IdxSource m;
    char warning[256];
    map_ok(path, cache_dir, &m, warning, sizeof warning);
    expect_pattern(&m, 2, "gzipped, first");
    cr_assert_not_null(m.path);
    cr_assert_str_eq(m.path, cache_of(path));
    cr_assert_eq(idx_source_private_bytes(&m), 0);
    cr_assert_str_empty(warning);
    idx_source_close(&m);
    const char *cache = cache_of(path);
    struct stat first = stat_or_fail(cache);
    cr_assert(first.st_size > N_IMAGES * ROWS * COLS, "the cache holds the decompressed file");
    /* No temporary file is left behind. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", cache_dir);
    cr_assert_neq(system(cmd), 0, "a temporary file was left in %s", cache_dir);

    map_ok(path, cache_dir, &m, warning, sizeof warning);
    expect_pattern(&m, 2, "gzipped, second");
    idx_source_close(&m);
    struct stat second = stat_or_fail(cache);
    cr_assert_eq(second.st_ino, first.st_ino, "the cache was rewritten (new inode) instead of reused");
    cr_assert(second.st_mtim.tv_sec == first.st_mtim.tv_sec && second.st_mtim.tv_nsec == first.st_mtim.tv_nsec,
              "the cache was rewritten (new mtime) instead of reused");
}

Test(idx_cache, a_touched_source_with_the_same_bytes_keeps_its_cache)
{
    const char *path = write_images("touch-idx3-ubyte.gz", true, 3);
    IdxSource m;
    char warning[256];
    map_ok(path, cache_dir, &m, warning, sizeof warning);
    idx_source_close(&m);
    struct stat before = stat_or_fail(cache_of(path));
    touch_later(path, 10);
    map_ok(path, cache_dir, &m, warning, sizeof warning);
    expect_pattern(&m, 3, "after touch");
    idx_source_close(&m);
    struct stat after = stat_or_fail(cache_of(path));
    cr_assert_eq(after.st_ino, before.st_ino, "the source's checksum, not its time, says whether the cache is stale");
}

Test(idx_cache, new_bytes_of_the_same_size_and_time_are_not_served_from_the_old_cache)
{
    const char *path = write_images("same-stat-idx3-ubyte.gz", true, 20);
    IdxSource m;
    char warning[256];
    map_ok(path, cache_dir, &m, warning, sizeof warning);
    expect_pattern(&m, 20, "before");
    idx_source_close(&m);
    /* Other pixels, the same compressed size, the old time: only the bytes tell. (These two files also
     * share the CRC-32 of their whole bytes, as gzip files that differ this way do.) */
    struct stat old = stat_or_fail(path);
    unsigned char bytes[N_IMAGES * ROWS * COLS];
    image_bytes(bytes, 21);
    BnError err = { 0 };
    const char *other = write_images("same-stat-other.gz", true, 21);
    struct stat st_other = stat_or_fail(other);
    if (st_other.st_size != old.st_size)
        cr_skip_test("test set-up: the two gzip files differ in size (%lld, %lld)", (long long)st_other.st_size,
                     (long long)old.st_size);
    cr_assert_eq(rename(other, path), 0);
    struct timespec times[2] = { old.st_atim, old.st_mtim };
    cr_assert_eq(utimensat(AT_FDCWD, path, times, 0), 0);
    cr_assert(idx_source_open(path, 3, 0, cache_dir, &m, warning, sizeof warning, &err), "%s", err.message);
    expect_pattern(&m, 21, "after the bytes changed under the same size and time");
    idx_source_close(&m);
}

Test(idx_cache, a_source_with_new_contents_and_size_gives_the_new_bytes)
{
    const char *path = write_images("change-idx3-ubyte.gz", true, 4);
    IdxSource m;
    char warning[256];
    map_ok(path, cache_dir, &m, warning, sizeof warning);
    expect_pattern(&m, 4, "before the change");
    idx_source_close(&m);
    /* Different bytes compress to a different size; the mtime is pinned back so size alone tells. */
    struct stat old = stat_or_fail(path);
    unsigned char bytes[N_IMAGES * ROWS * COLS];
    image_bytes(bytes, 5);
    BnError err = { 0 };
    cr_assert(idx_write(path, 3, N_IMAGES - 3, ROWS, COLS, bytes, true, &err), "%s", err.message);
    struct timespec times[2] = { old.st_atim, old.st_mtim };
    cr_assert_eq(utimensat(AT_FDCWD, path, times, 0), 0);
    struct stat now = stat_or_fail(path);
    cr_assert_neq(now.st_size, old.st_size, "test set-up: the new file should differ in size");
    map_ok(path, cache_dir, &m, warning, sizeof warning);
    cr_assert_eq(m.count, N_IMAGES - 3, "the cache still holds the old file");
    unsigned char got[(N_IMAGES - 3) * ROWS * COLS];
    read_items(&m, got, sizeof got);
    cr_assert(memcmp(got, bytes, sizeof got) == 0, "the bytes are the old file's");
    idx_source_close(&m);
}

static void damage_and_reload(const char *name, int variant, void (*damage)(const char *cache))
{
    const char *path = write_images(name, true, variant);
    IdxSource m;
    char warning[256];
    map_ok(path, cache_dir, &m, warning, sizeof warning);
    idx_source_close(&m);
    damage(cache_of(path));
    map_ok(path, cache_dir, &m, warning, sizeof warning);
    expect_pattern(&m, variant, name);
    cr_assert_not_null(m.path, "the rebuilt cache should be read in place");
    cr_assert_str_empty(warning);
    idx_source_close(&m);
    map_ok(path, cache_dir, &m, warning, sizeof warning);
    expect_pattern(&m, variant, "after the rebuild");
    idx_source_close(&m);
}

static void truncate_cache(const char *cache)
{
    struct stat st = stat_or_fail(cache);
    cr_assert_eq(truncate(cache, st.st_size - 5), 0);
}

static void garble_cache(const char *cache)
{
    FILE *f = fopen(cache, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite("garbage!", 1, 8, f), 8u);    /* over the cache's own header */
    fclose(f);
}

static void garble_payload_header(const char *cache)
{
    FILE *f = fopen(cache, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, 64, SEEK_SET), 0);           /* the IDX magic inside the cache */
    cr_assert_eq(fwrite("\x7f\x7f\x7f\x7f", 1, 4, f), 4u);
    fclose(f);
}

static void empty_cache(const char *cache)
{
    cr_assert_eq(truncate(cache, 0), 0);
}

Test(idx_cache, a_truncated_cache_is_rebuilt) { damage_and_reload("trunc-idx3-ubyte.gz", 6, truncate_cache); }
Test(idx_cache, a_cache_with_a_garbage_header_is_rebuilt) { damage_and_reload("garb-idx3-ubyte.gz", 7, garble_cache); }
Test(idx_cache, a_cache_with_a_garbled_idx_header_is_rebuilt)
{
    damage_and_reload("magic-idx3-ubyte.gz", 8, garble_payload_header);
}
Test(idx_cache, an_empty_cache_is_rebuilt) { damage_and_reload("empty-idx3-ubyte.gz", 9, empty_cache); }

Test(idx_cache, an_unwritable_cache_folder_falls_back_to_memory_with_a_one_line_warning)
{
    const char *path = write_images("nocache-idx3-ubyte.gz", true, 10);
    /* A regular file where a folder should be: mkdir fails even for root. */
    const char *blocker = tmp_path("not-a-folder");
    FILE *f = fopen(blocker, "w");
    cr_assert_not_null(f);
    fclose(f);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/bntutor", blocker);
    IdxSource m;
    char warning[512];
    map_ok(path, dir, &m, warning, sizeof warning);
    expect_pattern(&m, 10, "fallback");
    cr_assert_null(m.path);
    cr_assert_not_null(m.owned, "the fallback reads into memory");
    cr_assert_eq(idx_source_private_bytes(&m), (size_t)N_IMAGES * ROWS * COLS);
    cr_assert(strstr(warning, path) && strstr(warning, "memory"), "warning names the file and says why: '%s'",
              warning);
    cr_assert_null(strchr(warning, '\n'), "the warning is one line: '%s'", warning);
    unsigned char want[N_IMAGES * ROWS * COLS], got[ROWS * COLS];
    image_bytes(want, 10);
    for (int i = 0; i < N_IMAGES; i++) {
        cr_assert(idx_source_read(&m, (size_t)i * ROWS * COLS, ROWS * COLS, got, NULL));
        cr_assert(memcmp(got, want + i * ROWS * COLS, sizeof got) == 0, "item %d copied from memory differs", i);
    }
    idx_source_close(&m);
}

Test(idx_cache, max_items_maps_only_the_first_items)
{
    const char *path = write_images("few-idx3-ubyte.gz", true, 11);
    IdxSource m;
    char warning[256];
    BnError err = { 0 };
    cr_assert(idx_source_open(path, 3, 3, cache_dir, &m, warning, sizeof warning, &err), "%s", err.message);
    cr_assert_eq(m.loaded, 3);
    cr_assert_eq(m.count, N_IMAGES);
    unsigned char want[N_IMAGES * ROWS * COLS], got[3 * ROWS * COLS];
    image_bytes(want, 11);
    read_items(&m, got, sizeof got);
    cr_assert(memcmp(got, want, sizeof got) == 0);
    idx_source_close(&m);
}

/* A malformed file gets exactly the message idx_read gives, plain or gzipped, cached or not. */
static void expect_same_error(const char *name, const unsigned char *bytes, size_t n, int want_dims)
{
    for (int gz = 0; gz < 2; gz++) {
        char file[128];
        snprintf(file, sizeof file, "%s%s", name, gz ? ".gz" : "");
        const char *path = tmp_path(file);
        BnError err = { 0 };
        if (gz) {
            FILE *p = fopen(path, "wb");
            cr_assert_not_null(p);
            fclose(p);
            char cmd[1200];
            /* gzip the raw bytes (idx_write would fix the header we mean to break). */
            FILE *raw = fopen(tmp_path("raw.bin"), "wb");
            cr_assert_not_null(raw);
            cr_assert_eq(fwrite(bytes, 1, n, raw), n);
            fclose(raw);
            snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s'", tmp_path("raw.bin"), path);
            cr_assert_eq(system(cmd), 0);
        } else {
            FILE *p = fopen(path, "wb");
            cr_assert_not_null(p);
            cr_assert_eq(fwrite(bytes, 1, n, p), n);
            fclose(p);
        }
        IdxFile file_read;
        BnError want = { 0 };
        cr_assert_not(idx_read(path, want_dims, 0, &file_read, &want), "%s: idx_read should fail", file);
        IdxSource m;
        char warning[256];
        cr_assert_not(idx_source_open(path, want_dims, 0, cache_dir, &m, warning, sizeof warning, &err),
                      "%s: idx_map should fail", file);
        cr_assert_str_eq(err.message, want.message, "%s: idx_map and idx_read disagree", file);
        cr_assert_str_eq(err.where, path);
        cr_assert_null(m.data);
        cr_assert_null(m.path);
    }
}

Test(idx_cache, malformed_files_get_the_same_message_as_idx_read)
{
    static const unsigned char good[] = { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4 };
    unsigned char bad[sizeof good];
    expect_same_error("short", good, 3, 3);
    expect_same_error("dims", good, 9, 3);
    memcpy(bad, good, sizeof good);
    bad[2] = 9;
    expect_same_error("magic", bad, sizeof bad, 3);
    expect_same_error("labels-wanted", good, sizeof good, 1);
    expect_same_error("truncated", good, sizeof good - 1, 3);
    unsigned char longer[sizeof good + 1];
    memcpy(longer, good, sizeof good);
    longer[sizeof good] = 9;
    expect_same_error("trailing", longer, sizeof longer, 3);
}

Test(idx_cache, an_idx_folder_loads_mapped_pixels_equal_to_bytes_over_255)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/set", tmp_dir);
    cr_assert_eq(mkdir(dir, 0700), 0);
    char images[400], labels[400], t_images[400], t_labels[400];
    snprintf(images, sizeof images, "set/train-images-idx3-ubyte.gz");
    snprintf(t_images, sizeof t_images, "set/t10k-images-idx3-ubyte");
    write_images(images, true, 12);
    write_images(t_images, false, 13);
    unsigned char lab[N_IMAGES];
    for (int i = 0; i < N_IMAGES; i++)
        lab[i] = (unsigned char)(i % 10);
    BnError err = { 0 };
    snprintf(labels, sizeof labels, "%s/train-labels-idx1-ubyte", dir);
    snprintf(t_labels, sizeof t_labels, "%s/t10k-labels-idx1-ubyte", dir);
    cr_assert(idx_write(labels, 1, N_IMAGES, 1, 1, lab, false, &err), "%s", err.message);
    cr_assert(idx_write(t_labels, 1, N_IMAGES, 1, 1, lab, false, &err), "%s", err.message);
    char xdg[400];
    snprintf(xdg, sizeof xdg, "%s/xdg", tmp_dir);
    setenv("XDG_CACHE_HOME", xdg, 1);
    char name[400];
    snprintf(name, sizeof name, "idx:%s", dir);
    Dataset *tr, *te;
    cr_assert(dataset_load(name, 0, 0, 0, &tr, &te, &err), "%s: %s", err.where, err.message);
    cr_assert_str_empty(tr->warning);
    cr_assert_eq(dataset_private_bytes(tr), 0, "images read in place are not private memory");
    cr_assert_null(dataset_values(tr));
    unsigned char want[N_IMAGES * ROWS * COLS];
    image_bytes(want, 12);
    double *x = inputs_of(tr);
    for (int i = 0; i < N_IMAGES * ROWS * COLS; i++)
        cr_assert_eq(x[i], want[i] * (1.0 / 255.0), "pixel %d: %.17g, not %d/255", i, x[i], want[i]);
    free(x);
    char cache_folder[500];
    snprintf(cache_folder, sizeof cache_folder, "%s/bntutor", xdg);
    stat_or_fail(cache_folder);
    dataset_destroy(tr);
    dataset_destroy(te);
    /* With the cache folder blocked, the set still loads, and says why it used memory. */
    snprintf(xdg, sizeof xdg, "%s/set/t10k-labels-idx1-ubyte", tmp_dir);   /* a file, not a folder */
    setenv("XDG_CACHE_HOME", xdg, 1);
    cr_assert(dataset_load(name, 0, 0, 0, &tr, &te, &err), "%s: %s", err.where, err.message);
    cr_assert(strstr(tr->warning, "memory"), "warning: '%s'", tr->warning);
    cr_assert_str_empty(te->warning, "the plain test images need no cache");
    cr_assert_eq(dataset_private_bytes(tr), (size_t)N_IMAGES * ROWS * COLS);
    dataset_destroy(tr);
    dataset_destroy(te);
    unsetenv("XDG_CACHE_HOME");
}

Test(idx_cache, the_cache_folder_follows_xdg_cache_home_then_home)
{
    char dir[4096];
    BnError err = { 0 };
    setenv("XDG_CACHE_HOME", "/somewhere/cache", 1);
    cr_assert(idx_cache_dir(dir, sizeof dir, &err));
    cr_assert_str_eq(dir, "/somewhere/cache/bntutor");
    setenv("XDG_CACHE_HOME", "relative/is/ignored", 1);
    setenv("HOME", "/home/learner", 1);
    cr_assert(idx_cache_dir(dir, sizeof dir, &err));
    cr_assert_str_eq(dir, "/home/learner/.cache/bntutor");
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    cr_assert_not(idx_cache_dir(dir, sizeof dir, &err));
}

/* Resident kB of this process's mappings of path, from /proc/self/smaps; -1 when it cannot tell. */
static long mapped_rss_kb(const char *path)
{
    char real[4096];
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!realpath(path, real) || !f) {
        if (f)
            fclose(f);
        return -1;
    }
    char line[8192];
    bool inside = false, found = false;
    long total = 0;
    while (fgets(line, sizeof line, f)) {
        long kb;
        unsigned long from, to;
        if (sscanf(line, "%lx-%lx ", &from, &to) == 2) {     /* a mapping's first line */
            char *name = strchr(line, '/');
            if (name)
                name[strcspn(name, "\n")] = '\0';
            inside = name && strcmp(name, real) == 0;
            found |= inside;
        } else if (inside && sscanf(line, "Rss: %ld kB", &kb) == 1) {
            total += kb;
        }
    }
    fclose(f);
    return found ? total : -1;
}

/* A class of tutors each reading the whole training set must not each count it: items come from the
 * page cache by pread, and the file is not mapped at all, so nothing of it joins the resident set (and
 * a truncation cannot SIGBUS us). */
static void read_every_item_keeps_it_out_of_the_resident_set(bool gzip)
{
    enum { BIG = 3000, SIDE = 28, ITEM = SIDE * SIDE };
    unsigned char *bytes = malloc((size_t)BIG * ITEM), got[ITEM];
    cr_assert_not_null(bytes);
    for (size_t i = 0; i < (size_t)BIG * ITEM; i++)
        bytes[i] = (unsigned char)((i * 131 + i / 977) & 0xff);
    const char *path = tmp_path(gzip ? "big-idx3-ubyte.gz" : "big-idx3-ubyte");
    BnError err = { 0 };
    cr_assert(idx_write(path, 3, BIG, SIDE, SIDE, bytes, gzip, &err), "%s", err.message);
    IdxSource m;
    char warning[256];
    cr_assert(idx_source_open(path, 3, 0, cache_dir, &m, warning, sizeof warning, &err), "%s", err.message);
    cr_assert_not_null(m.path, "the file should be read in place");
    cr_assert_eq(idx_source_private_bytes(&m), 0);
    const char *read_from = gzip ? cache_of(path) : path;
    for (int i = 0; i < BIG; i++) {
        cr_assert(idx_source_read(&m, (size_t)i * ITEM, ITEM, got, &err), "item %d: %s", i, err.message);
        cr_assert(memcmp(got, bytes + (size_t)i * ITEM, ITEM) == 0, "item %d differs from the bytes written", i);
    }
    cr_assert_eq(mapped_rss_kb(read_from), -1, "%s is mapped; no file a learner can truncate may be", read_from);
    idx_source_close(&m);
    free(bytes);
}

Test(idx_cache, reading_every_item_of_a_plain_file_leaves_it_out_of_the_resident_set)
{
    read_every_item_keeps_it_out_of_the_resident_set(false);
}

Test(idx_cache, reading_every_item_of_a_cached_gzip_leaves_it_out_of_the_resident_set)
{
    read_every_item_keeps_it_out_of_the_resident_set(true);
}
