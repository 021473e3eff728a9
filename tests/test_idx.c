/* IDX files: tiny plain and gzipped files read back, one message per malformation, idx:DIR folders, Fashion-MNIST. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/dataset.h"
#include "engine/idx.h"
#include "support/check.h"
#include "support/inputs.h"

static char tmp_dir[256];

static void make_tmp_dir(void)
{
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/bntutor-idx-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp_dir), "cannot create a temporary folder");
    /* Gzipped IDX files are decompressed into a cache: keep it inside the test's folder. */
    char cache[300];
    snprintf(cache, sizeof cache, "%s/cache", tmp_dir);
    setenv("XDG_CACHE_HOME", cache, 1);
}

static void remove_tmp_dir(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", tmp_dir);
}

TestSuite(idx, .init = make_tmp_dir, .fini = remove_tmp_dir);

static const char *tmp_path(const char *name)
{
    static char path[2][512];
    static int which;
    which ^= 1;
    snprintf(path[which], sizeof path[which], "%s/%s", tmp_dir, name);
    return path[which];
}

/* Writes raw bytes, through gzip when the name ends in .gz (independent of idx_write). */
static void write_bytes(const char *name, const unsigned char *bytes, size_t n)
{
    const char *path = tmp_path(name);
    size_t len = strlen(name);
    if (len > 3 && strcmp(name + len - 3, ".gz") == 0) {
        gzFile f = gzopen(path, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(gzwrite(f, bytes, (unsigned)n), (int)n);
        cr_assert_eq(gzclose(f), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(bytes, 1, n, f), n);
        fclose(f);
    }
}

/* Two 2×3 images, bytes 0..11, big-endian header by hand. */
static const unsigned char tiny_images[] = {
    0, 0, 8, 3,  0, 0, 0, 2,  0, 0, 0, 2,  0, 0, 0, 3,
    0, 1, 2, 3, 4, 5,  6, 7, 8, 9, 10, 255,
};
static const unsigned char tiny_labels[] = { 0, 0, 8, 1, 0, 0, 0, 2, 7, 3 };

static void check_tiny_images(const IdxFile *f)
{
    cr_assert_eq(f->ndims, 3);
    cr_assert_eq(f->count, 2);
    cr_assert_eq(f->rows, 2);
    cr_assert_eq(f->cols, 3);
    cr_assert_eq(f->loaded, 2);
    cr_assert(memcmp(f->data, tiny_images + 16, 12) == 0, "pixel bytes differ");
}

Test(idx, a_plain_image_file_reads_back_byte_for_byte)
{
    write_bytes("img", tiny_images, sizeof tiny_images);
    IdxFile f;
    BnError err = { 0 };
    cr_assert(idx_read(tmp_path("img"), 3, 0, &f, &err), "%s: %s", err.where, err.message);
    check_tiny_images(&f);
    idx_free(&f);
    cr_assert_null(f.data);
    idx_free(&f);
    idx_free(NULL);
}

Test(idx, a_gzipped_file_reads_the_same)
{
    write_bytes("img.gz", tiny_images, sizeof tiny_images);
    IdxFile f;
    BnError err = { 0 };
    cr_assert(idx_read(tmp_path("img.gz"), 0, 0, &f, &err), "%s: %s", err.where, err.message);
    check_tiny_images(&f);
    idx_free(&f);
}

Test(idx, a_label_file_has_one_dimension)
{
    write_bytes("lab", tiny_labels, sizeof tiny_labels);
    IdxFile f;
    BnError err = { 0 };
    cr_assert(idx_read(tmp_path("lab"), 1, 0, &f, &err), "%s", err.message);
    cr_assert_eq(f.ndims, 1);
    cr_assert_eq(f.count, 2);
    cr_assert_eq(f.rows * f.cols, 1);
    cr_assert_eq(f.data[0], 7);
    cr_assert_eq(f.data[1], 3);
    idx_free(&f);
}

Test(idx, max_items_reads_only_the_first_items)
{
    write_bytes("img", tiny_images, sizeof tiny_images);
    IdxFile f;
    BnError err = { 0 };
    cr_assert(idx_read(tmp_path("img"), 3, 1, &f, &err), "%s", err.message);
    cr_assert_eq(f.count, 2);
    cr_assert_eq(f.loaded, 1);
    cr_assert(memcmp(f.data, tiny_images + 16, 6) == 0);
    idx_free(&f);
}

Test(idx, idx_write_round_trips_plain_and_gzipped)
{
    unsigned char pixels[3 * 4 * 5];
    for (int i = 0; i < 60; i++)
        pixels[i] = (unsigned char)(i * 37);
    for (int gz = 0; gz < 2; gz++) {
        const char *path = tmp_path(gz ? "w.gz" : "w");
        BnError err = { 0 };
        cr_assert(idx_write(path, 3, 3, 4, 5, pixels, gz, &err), "%s", err.message);
        IdxFile f;
        cr_assert(idx_read(path, 3, 0, &f, &err), "%s", err.message);
        cr_assert(f.count == 3 && f.rows == 4 && f.cols == 5);
        cr_assert(memcmp(f.data, pixels, 60) == 0);
        idx_free(&f);
    }
    /* The plain one really is plain: its first bytes are the magic. */
    long size;
    char *text = check_read_file(tmp_path("w"), &size);
    cr_assert_not_null(text);
    cr_assert_eq(size, 16 + 60);
    cr_assert(text[0] == 0 && text[1] == 0 && text[2] == 8 && text[3] == 3);
    free(text);
}

/* Expects idx_read of bytes (written as name) to fail with where = path and a message containing want. */
static void expect_error(const char *name, const unsigned char *bytes, size_t n, int want_dims, int max_items,
                         const char *want)
{
    write_bytes(name, bytes, n);
    IdxFile f = { .data = (unsigned char *)1 };
    BnError err = { 0 };
    cr_assert_not(idx_read(tmp_path(name), want_dims, max_items, &f, &err), "%s should not load", name);
    cr_assert_null(f.data, "a failed read leaves no data");
    cr_assert_str_eq(err.where, tmp_path(name));
    cr_assert_not_null(strstr(err.message, want), "%s: message '%s' lacks '%s'", name, err.message, want);
}

Test(idx, an_unreadable_path_says_so)
{
    IdxFile f;
    BnError err = { 0 };
    cr_assert_not(idx_read(tmp_path("missing"), 3, 0, &f, &err));
    cr_assert_str_eq(err.where, tmp_path("missing"));
    cr_assert_not_null(strstr(err.message, "cannot open"), "message: %s", err.message);
}

Test(idx, a_short_or_empty_file_has_a_truncated_header)
{
    expect_error("empty", tiny_images, 0, 3, 0, "truncated header");
    expect_error("three", tiny_images, 3, 3, 0, "truncated header");
    expect_error("dims", tiny_images, 10, 3, 0, "truncated header");
    expect_error("dims.gz", tiny_images, 10, 3, 0, "truncated header");
}

Test(idx, a_bad_magic_is_quoted_in_the_message)
{
    const unsigned char png[] = { 0x89, 'P', 'N', 'G', 0, 0, 0, 0 };
    expect_error("png", png, sizeof png, 3, 0, "bad magic 0x89504e47");
    const unsigned char floats[] = { 0, 0, 0x0d, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0 };
    expect_error("floats", floats, sizeof floats, 3, 0, "bad magic 0x00000d03");
}

Test(idx, a_wrong_dimension_count_is_reported)
{
    const unsigned char two[] = { 0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 1, 9 };
    expect_error("two", two, sizeof two, 0, 0, "wrong dimension count 2");
    expect_error("labels-as-images", tiny_labels, sizeof tiny_labels, 3, 0, "wrong dimension count 1");
    expect_error("images-as-labels", tiny_images, sizeof tiny_images, 1, 0, "wrong dimension count 3");
}

Test(idx, impossible_sizes_are_refused_before_allocating)
{
    const unsigned char huge[] = { 0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1 };
    expect_error("huge", huge, sizeof huge, 3, 0, "sizes overflow");
    const unsigned char zero[] = { 0, 0, 8, 1, 0, 0, 0, 0 };
    expect_error("zero", zero, sizeof zero, 1, 0, "empty");
}

Test(idx, data_shorter_than_the_header_promises_is_truncated)
{
    /* The header promises 2 images of 6 bytes; only 8 bytes follow. */
    expect_error("short", tiny_images, sizeof tiny_images - 4, 3, 0, "truncated data");
    expect_error("short.gz", tiny_images, sizeof tiny_images - 4, 3, 0, "truncated data");
    /* A believable but large header (1e6 images of 28×28) with no data is just truncated, not a crash. */
    const unsigned char liar[] = { 0, 0, 8, 3, 0, 0x0f, 0x42, 0x40, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3 };
    expect_error("liar", liar, sizeof liar, 3, 0, "truncated data");
}

Test(idx, bytes_after_the_data_do_not_match_the_header)
{
    unsigned char longer[sizeof tiny_images + 2];
    memcpy(longer, tiny_images, sizeof tiny_images);
    longer[sizeof tiny_images] = longer[sizeof tiny_images + 1] = 1;
    expect_error("long", longer, sizeof longer, 3, 0, "trailing data");
    /* Reading only the first items does not look at the rest. */
    IdxFile f;
    BnError err = { 0 };
    cr_assert(idx_read(tmp_path("long"), 3, 2, &f, &err), "%s", err.message);
    idx_free(&f);
}

Test(idx, a_corrupt_gzip_stream_is_an_error)
{
    unsigned char bytes[256];
    uLongf len = sizeof bytes;
    /* A gzip member by hand would be long; corrupt the deflate data of a real one instead. */
    gzFile g = gzopen(tmp_path("c.gz"), "wb");
    gzwrite(g, tiny_images, sizeof tiny_images);
    gzclose(g);
    FILE *f = fopen(tmp_path("c.gz"), "rb");
    len = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    cr_assert(len > 20);
    for (uLongf i = 12; i < len - 8; i++)
        bytes[i] ^= 0x5a;
    write_bytes("corrupt", bytes, len);
    IdxFile out;
    BnError err = { 0 };
    cr_assert_not(idx_read(tmp_path("corrupt"), 3, 0, &out, &err));
    cr_assert(err.set);
    cr_assert_str_eq(err.where, tmp_path("corrupt"));
}

/* An MNIST-style folder: n training and m test items of 2×2 images, labels i % 10 (+ label_bias). */
static void write_folder(int n, int m, int n_labels, int label_bias, bool gz_images)
{
    BnError err = { 0 };
    unsigned char px[64 * 4], lab[64];
    for (int i = 0; i < 64 * 4; i++)
        px[i] = (unsigned char)(i % 256);
    for (int i = 0; i < 64; i++)
        lab[i] = (unsigned char)(i % 10 + label_bias);
    cr_assert(idx_write(tmp_path(gz_images ? "train-images-idx3-ubyte.gz" : "train-images-idx3-ubyte"), 3, n, 2, 2,
                        px, gz_images, &err));
    cr_assert(idx_write(tmp_path("train-labels-idx1-ubyte"), 1, n_labels, 1, 1, lab, false, &err));
    cr_assert(idx_write(tmp_path("t10k-images-idx3-ubyte.gz"), 3, m, 2, 2, px, true, &err));
    cr_assert(idx_write(tmp_path("t10k-labels-idx1-ubyte.gz"), 1, m, 1, 1, lab, true, &err));
}

static char *idx_name(void)
{
    static char name[300];
    snprintf(name, sizeof name, "idx:%s", tmp_dir);
    return name;
}

Test(idx, an_idx_folder_loads_as_a_dataset_with_pixels_in_zero_one)
{
    write_folder(12, 5, 12, 0, true);
    Dataset *tr, *te;
    BnError err = { 0 };
    cr_assert(dataset_load(idx_name(), 0, 0, 0, &tr, &te, &err), "%s: %s", err.where, err.message);
    cr_assert_eq(tr->n, 12);
    cr_assert_eq(te->n, 5);
    cr_assert_eq(tr->dim, 4);
    cr_assert_eq(tr->classes, 10);
    double *x = inputs_of(tr);
    check_close(x[5], 5.0 / 255, 1e-15, 0.0, "pixel 5");
    check_close(x[4 * 11 + 3], 47.0 / 255, 1e-15, 0.0, "last pixel");
    free(x);
    cr_assert_eq(tr->y[11], 1.0);
    cr_assert_eq(te->y[4], 4.0);
    dataset_destroy(tr);
    dataset_destroy(te);
    /* The first n of each split. */
    cr_assert(dataset_load(idx_name(), 0, 3, 2, &tr, &te, &err), "%s", err.message);
    cr_assert_eq(tr->n, 3);
    cr_assert_eq(te->n, 2);
    cr_assert_eq(tr->y[2], 2.0);
    dataset_destroy(tr);
    dataset_destroy(te);
}

static void expect_dataset_error(int n_train, const char *where_suffix, const char *want)
{
    Dataset *tr, *te;
    BnError err = { 0 };
    cr_assert_not(dataset_load(idx_name(), 0, n_train, 0, &tr, &te, &err));
    cr_assert_null(tr);
    cr_assert_null(te);
    size_t lw = strlen(err.where), ls = strlen(where_suffix);
    cr_assert(lw >= ls && strcmp(err.where + lw - ls, where_suffix) == 0, "where '%s' should end in '%s'", err.where,
              where_suffix);
    cr_assert_not_null(strstr(err.message, want), "message '%s' lacks '%s'", err.message, want);
}

Test(idx, images_and_labels_must_agree_in_number)
{
    write_folder(12, 5, 11, 0, false);
    expect_dataset_error(0, "train-labels-idx1-ubyte", "11 labels but");
}

Test(idx, labels_must_be_digit_classes)
{
    write_folder(12, 5, 12, 3, false);   /* labels 3..12 */
    expect_dataset_error(0, "train-labels-idx1-ubyte", "label 10 of item 8");
}

Test(idx, asking_for_more_samples_than_the_file_has_is_an_error)
{
    write_folder(12, 5, 12, 0, false);
    expect_dataset_error(13, "train-images-idx3-ubyte", "13 samples requested");
}

Test(idx, a_folder_without_the_files_names_what_it_looked_for)
{
    expect_dataset_error(0, tmp_dir + 1, "train-images-idx3-ubyte");
}

#define FASHION_DIR "/usr/share/datasets/fashion-mnist"

Test(idx, fashion_mnist_loads_when_installed)
{
    struct stat st;
    if (stat(FASHION_DIR, &st) != 0) {
        cr_skip_test("%s is not installed (Debian package dataset-fashion-mnist)", FASHION_DIR);
        return;
    }
    Dataset *tr, *te;
    BnError err = { 0 };
    cr_assert(dataset_load("idx:" FASHION_DIR, 0, 100, 100, &tr, &te, &err), "%s: %s", err.where, err.message);
    cr_assert_eq(tr->n, 100);
    cr_assert_eq(te->n, 100);
    cr_assert_eq(tr->dim, 784);
    cr_assert_eq(te->dim, 784);
    cr_assert_eq(tr->classes, 10);
    int seen[10] = { 0 }, kinds = 0;
    double hi = 0;
    double *x = inputs_of(tr);
    for (int i = 0; i < 100 * 784; i++) {
        cr_assert(x[i] >= 0 && x[i] <= 1);
        hi = fmax(hi, x[i]);
    }
    free(x);
    cr_assert_eq(hi, 1.0, "some pixel should be full white (255)");
    for (int i = 0; i < 100; i++) {
        cr_assert(tr->y[i] >= 0 && tr->y[i] <= 9 && tr->y[i] == (int)tr->y[i]);
        kinds += seen[(int)tr->y[i]]++ == 0;
    }
    cr_assert(kinds >= 8, "100 Fashion-MNIST samples should cover most classes, got %d", kinds);
    dataset_destroy(tr);
    dataset_destroy(te);
}
