/* Datasets: the synthetic lesson sets drawn from PCG32, MNIST-format IDX folders, mini-batch sampling (engine layer). */
#include "engine/dataset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/idx.h"
#include "engine/idx_cache.h"
#include "engine/linear.h"
#include "engine/imageset.h"
#include "util/alloc.h"

const char *const dataset_synthetic_names[] = { "scaled2d", "blobs", "moons", "spirals", "synth784", "shapes28", NULL };

enum { KIND_SCALED2D, KIND_BLOBS, KIND_MOONS, KIND_SPIRALS, KIND_SYNTH784, KIND_SHAPES28 };

/* Streams (PCG32 initseq) keep the splits and the shared parts independent for one seed. */
enum { STREAM_TRAIN = 1, STREAM_TEST = 2, STREAM_SHARED = 3, STREAM_SAMPLER = 0x5a4d };

/* Values per split we are willing to hold (8 bytes each): 400 MB. */
#define DATASET_MAX_VALUES 50000000.0

static const double PI = 3.14159265358979323846;

typedef enum StorageKind { STORAGE_DOUBLES, STORAGE_BYTES, STORAGE_SYNTH784 } StorageKind;

/* Images stay bytes (as IDX files hold them) and synth784 rows are redrawn from their generator
 * state on demand, so a 784-pixel set costs bytes or nothing instead of 8 bytes per pixel. */
struct DatasetStorage {
    StorageKind kind;
    double *values;                 /* DOUBLES: (n, dim) */
    const unsigned char *bytes;     /* BYTES: (n, dim) in owned, or NULL when read from source */
    IdxSource source;               /* BYTES from an IDX file: read in place, or read into memory */
    BnError read_error;             /* the first read from source that failed (the file changed) */
    unsigned char *owned;           /* BYTES drawn here (synthetic image sets) */
    double *protos;                 /* SYNTH784: (10, 784) class prototypes */
    Pcg32 *row_rng;                 /* SYNTH784: (n) generator state at the start of each row */
    float *floats;                  /* (n, dim) the rows in float, once dataset_keep_float_rows kept them */
    bool shifted;                   /* inputs come out as scale·x + offset (dataset_shift_inputs) */
    double offset, scale;
};

static Dataset *dataset_create_empty(const char *name, int n, int dim, int classes, StorageKind kind)
{
    Dataset *set = xcalloc(1, sizeof *set);
    snprintf(set->name, sizeof set->name, "%s", name);
    set->n = n;
    set->dim = dim;
    set->classes = classes;
    set->y = xcalloc((size_t)n, sizeof *set->y);
    set->storage = xcalloc(1, sizeof *set->storage);
    set->storage->kind = kind;
    return set;
}
/* A generator of byte images (shapes28) makes its set with STORAGE_BYTES, fills storage->owned
 * (n·dim bytes) and points storage->bytes at it; dataset_destroy frees it. */

static Dataset *dataset_create(const char *name, int n, int dim, int classes)
{
    Dataset *set = dataset_create_empty(name, n, dim, classes, STORAGE_DOUBLES);
    set->storage->values = xcalloc((size_t)n * (size_t)dim, sizeof(double));
    return set;
}

void dataset_destroy(Dataset *set)
{
    if (!set)
        return;
    if (set->storage) {
        free(set->storage->values);
        free(set->storage->owned);
        idx_source_close(&set->storage->source);
        free(set->storage->protos);
        free(set->storage->row_rng);
        free(set->storage->floats);
        free(set->storage);
    }
    free(set->y);
    free(set);
}

static Pcg32 stream_rng(uint64_t seed, int kind, int stream)
{
    Pcg32 rng;
    pcg32_seed(&rng, seed, (uint64_t)stream * 16u + (uint64_t)kind);
    return rng;
}

/* Balanced labels 0..classes-1 in random order, so even small sets contain every class. */
static void balanced_labels(Dataset *set, Pcg32 *rng)
{
    int *labels = xmalloc((size_t)set->n * sizeof *labels);
    for (int i = 0; i < set->n; i++)
        labels[i] = i % set->classes;
    pcg32_shuffle_ints(rng, labels, set->n);
    for (int i = 0; i < set->n; i++)
        set->y[i] = labels[i];
    free(labels);
}

/* Lesson 1: rooms (1–5) and a distance (1,000–99,999); y is linear in both plus a little noise. */
static void fill_scaled2d(Dataset *set, Pcg32 *rng)
{
    double *X = set->storage->values;
    for (int i = 0; i < set->n; i++) {
        double rooms = 1.0 + 4.0 * pcg32_uniform(rng);
        double distance = 1000.0 + 98999.0 * pcg32_uniform(rng);
        X[i * 2 + 0] = rooms;
        X[i * 2 + 1] = distance;
        set->y[i] = 3.0 + 2.0 * rooms - 3e-5 * distance + 0.3 * pcg32_normal(rng);
    }
}

/* Three round Gaussian clusters on a circle of radius 2. */
static void fill_blobs(Dataset *set, Pcg32 *rng)
{
    double *X = set->storage->values;
    balanced_labels(set, rng);
    for (int i = 0; i < set->n; i++) {
        double angle = PI / 2 + 2 * PI / 3 * set->y[i];
        X[i * 2 + 0] = 2.0 * cos(angle) + 0.6 * pcg32_normal(rng);
        X[i * 2 + 1] = 2.0 * sin(angle) + 0.6 * pcg32_normal(rng);
    }
}

/* Two interleaved half circles: class 0 the upper arc, class 1 the lower one shifted right. */
static void fill_moons(Dataset *set, Pcg32 *rng)
{
    double *X = set->storage->values;
    balanced_labels(set, rng);
    for (int i = 0; i < set->n; i++) {
        double t = PI * pcg32_uniform(rng);
        double px = cos(t), py = sin(t);
        if (set->y[i] != 0) {
            px = 1.0 - px;
            py = 0.5 - py;
        }
        X[i * 2 + 0] = px + 0.1 * pcg32_normal(rng);
        X[i * 2 + 1] = py + 0.1 * pcg32_normal(rng);
    }
}

/* Two arms of 1.5 turns each, half a turn apart, radius growing from 0.1 to 1. */
static void fill_spirals(Dataset *set, Pcg32 *rng)
{
    double *X = set->storage->values;
    balanced_labels(set, rng);
    for (int i = 0; i < set->n; i++) {
        double t = pcg32_uniform(rng);
        double r = 0.1 + 0.9 * t;
        double angle = 3.0 * PI * t + PI * set->y[i];
        X[i * 2 + 0] = r * cos(angle) + 0.03 * pcg32_normal(rng);
        X[i * 2 + 1] = r * sin(angle) + 0.03 * pcg32_normal(rng);
    }
}

enum { SYNTH_SIDE = 28, SYNTH_PIXELS = SYNTH_SIDE * SYNTH_SIDE, SYNTH_CLASSES = 10, SYNTH_STROKES = 4 };

/* Squared distance from (px, py) to the segment (ax, ay)–(bx, by). */
static double segment_dist2(double px, double py, double ax, double ay, double bx, double by)
{
    double dx = bx - ax, dy = by - ay;
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0.0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double ex = px - (ax + t * dx), ey = py - (ay + t * dy);
    return ex * ex + ey * ey;
}

/* Ten "digit-like" prototypes, each a few soft pen strokes; they depend on the seed only, so the
 * train and test splits share them. */
static void synth_prototypes(double *protos /* (10, 784) */, uint64_t seed)
{
    Pcg32 rng = stream_rng(seed, KIND_SYNTH784, STREAM_SHARED);
    for (int c = 0; c < SYNTH_CLASSES; c++) {
        double *img = protos + c * SYNTH_PIXELS;
        double seg[SYNTH_STROKES][4];
        for (int s = 0; s < SYNTH_STROKES; s++)
            for (int k = 0; k < 4; k++)
                seg[s][k] = 5.0 + 17.0 * pcg32_uniform(&rng);
        for (int r = 0; r < SYNTH_SIDE; r++)
            for (int col = 0; col < SYNTH_SIDE; col++) {
                double best = 1e300;
                for (int s = 0; s < SYNTH_STROKES; s++) {
                    double d2 = segment_dist2(col, r, seg[s][0], seg[s][1], seg[s][2], seg[s][3]);
                    best = d2 < best ? d2 : best;
                }
                img[r * SYNTH_SIDE + col] = exp(-best / (2.0 * 1.3 * 1.3));
            }
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SYNTH_HAVE_AVX2 1
#include <immintrin.h>
#else
#define SYNTH_HAVE_AVX2 0
#endif

/* One image row of synth_row's pixels from its parts: the prototype's row src shifted right by dx (src[k − dx]
 * where 0 ≤ k − dx < count, else nothing; src NULL when the shift left the whole row outside) times gain,
 * plus mix·other, plus 0.6·(noise·2⁻³² − 0.5), clipped to [0, 1]. The clip as max then min: v is never
 * −0, so this is v < 0 ? 0 : v > 1 ? 1 : v. */
static void synth_pixels(double *xi, const double *src, int dx, double gain, const double *other, double mix,
                         const uint32_t *noise, int from, int count)
{
    for (int k = from; k < count; k++) {
        double v = src && k - dx >= 0 && k - dx < count ? gain * src[k - dx] : 0.0;
        v += mix * other[k];
        v += 0.6 * ((double)noise[k] * (1.0 / 4294967296.0) - 0.5);
        v = v > 0.0 ? v : 0.0;
        xi[k] = v < 1.0 ? v : 1.0;
    }
}

#if SYNTH_HAVE_AVX2
/* The same arithmetic four pixels at a time: separate multiplies and adds (no fused multiply-add), each
 * rounded as the scalar loop rounds it, so the pixels are identical bit for bit. */
__attribute__((target("avx2"))) static void synth_pixels_avx2(double *xi, const double *src, int dx, double gain,
                                                             const double *other, double mix, const uint32_t *noise,
                                                             int count)
{
    const __m256d vmix = _mm256_set1_pd(mix), vgain = _mm256_set1_pd(gain),
                  scale = _mm256_set1_pd(1.0 / 4294967296.0), half = _mm256_set1_pd(0.5), amp = _mm256_set1_pd(0.6),
                  zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0), two31 = _mm256_set1_pd(2147483648.0);
    const __m128i flip = _mm_set1_epi32((int)0x80000000u);
    int k = 0;
    for (; k + 4 <= count; k += 4) {
        __m256d base = zero;
        if (src) {
            /* Lanes whose source column k − dx lies inside the row; the others read nothing and stay 0. */
            __m256i col = _mm256_sub_epi64(_mm256_setr_epi64x(k, k + 1, k + 2, k + 3), _mm256_set1_epi64x(dx));
            __m256i inside = _mm256_andnot_si256(_mm256_cmpgt_epi64(_mm256_setzero_si256(), col),
                                                 _mm256_cmpgt_epi64(_mm256_set1_epi64x(count), col));
            base = _mm256_mul_pd(vgain, _mm256_maskload_pd(src + k - dx, inside));
            base = _mm256_and_pd(base, _mm256_castsi256_pd(inside));
        }
        /* uint32 to double, exactly: flip the top bit, convert as int32, add 2³¹ back. */
        __m128i u = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(noise + k)), flip);
        __m256d n = _mm256_add_pd(_mm256_cvtepi32_pd(u), two31);
        __m256d v = _mm256_add_pd(base, _mm256_mul_pd(vmix, _mm256_loadu_pd(other + k)));
        v = _mm256_add_pd(v, _mm256_mul_pd(amp, _mm256_sub_pd(_mm256_mul_pd(n, scale), half)));
        /* maxpd(v, 0) is v > 0 ? v : 0, and minpd(v, 1) is v < 1 ? v : 1, as in the scalar loop. */
        _mm256_storeu_pd(xi + k, _mm256_min_pd(_mm256_max_pd(v, zero), one));
    }
    synth_pixels(xi, src, dx, gain, other, mix, noise, k, count);
}
#endif

/* Each sample: its class prototype, shifted up to 2 pixels, dimmed a little, mixed with a random
 * other prototype, plus pixel noise, clipped to [0, 1]. Learnable, but not by a glance at one pixel.
 * Draws one row of class c from rng into xi (784); the same rng state always draws the same row.
 * Rows are drawn again on every gather, so this is the cost of a training step's data: the noise is
 * drawn all at once (pcg32_fill, the same numbers as one by one) and the pixels computed a row at a
 * time, with AVX2 where the matrix kernels use it. */
static void synth_row(double *xi, Pcg32 *rng, const double *protos, int c)
{
    int other = (c + 1 + (int)pcg32_bounded(rng, SYNTH_CLASSES - 1)) % SYNTH_CLASSES;
    int dx = (int)pcg32_bounded(rng, 5) - 2, dy = (int)pcg32_bounded(rng, 5) - 2;
    double gain = 0.6 + 0.4 * pcg32_uniform(rng);
    double mix = 0.45 * pcg32_uniform(rng);
    const double *pc = protos + c * SYNTH_PIXELS, *po = protos + other * SYNTH_PIXELS;
    uint32_t noise[SYNTH_PIXELS];
    pcg32_fill(rng, noise, SYNTH_PIXELS);
#if SYNTH_HAVE_AVX2
    bool avx2 = linear_active_kernel() == LINEAR_KERNEL_AVX2;
#endif
    for (int r = 0; r < SYNTH_SIDE; r++) {
        int sr = r - dy, at = r * SYNTH_SIDE;
        const double *src = sr >= 0 && sr < SYNTH_SIDE ? pc + sr * SYNTH_SIDE : NULL;
#if SYNTH_HAVE_AVX2
        if (avx2) {
            synth_pixels_avx2(xi + at, src, dx, gain, po + at, mix, noise + at, SYNTH_SIDE);
            continue;
        }
#endif
        synth_pixels(xi + at, src, dx, gain, po + at, mix, noise + at, 0, SYNTH_SIDE);
    }
}

/* Moves rng past one row of synth_row without drawing its pixels: the same draws in the same order,
 * then a jump over the noise, so a set's rows cost nothing until they are read. */
static void synth_row_skip(Pcg32 *rng)
{
    pcg32_bounded(rng, SYNTH_CLASSES - 1);
    pcg32_bounded(rng, 5);
    pcg32_bounded(rng, 5);
    pcg32_uniform(rng);
    pcg32_uniform(rng);
    pcg32_advance(rng, SYNTH_PIXELS);
}

/* Keeps each row's generator state instead of its pixels: 16 bytes a row instead of 6,272. */
static void fill_synth784(Dataset *set, Pcg32 *rng, const double *protos)
{
    balanced_labels(set, rng);
    DatasetStorage *st = set->storage;
    st->row_rng = xmalloc((size_t)set->n * sizeof *st->row_rng);
    st->protos = xmalloc((size_t)SYNTH_CLASSES * SYNTH_PIXELS * sizeof *st->protos);
    memcpy(st->protos, protos, (size_t)SYNTH_CLASSES * SYNTH_PIXELS * sizeof *st->protos);
    for (int i = 0; i < set->n; i++) {
        st->row_rng[i] = *rng;
        synth_row_skip(rng);
    }
}

/* shapes28 (imageset.h): the generator's bytes are kept as the set's pixels, read as byte·(1/255)
 * like IDX images. */
static void fill_shapes28(Dataset *set, Pcg32 *rng)
{
    DatasetStorage *st = set->storage;
    uint8_t *labels = xmalloc((size_t)set->n);
    st->owned = xmalloc((size_t)set->n * IMAGESET_PIXELS);
    st->bytes = st->owned;
    imageset_generate(st->owned, labels, set->n, rng);
    for (int i = 0; i < set->n; i++)
        set->y[i] = labels[i];
    free(labels);
}

static void fill_synthetic(Dataset *set, int kind, Pcg32 *rng, const double *protos)
{
    switch (kind) {
    case KIND_SCALED2D: fill_scaled2d(set, rng); break;
    case KIND_BLOBS: fill_blobs(set, rng); break;
    case KIND_MOONS: fill_moons(set, rng); break;
    case KIND_SPIRALS: fill_spirals(set, rng); break;
    case KIND_SHAPES28: fill_shapes28(set, rng); break;
    default: fill_synth784(set, rng, protos); break;
    }
}

static bool load_synthetic(int kind, uint64_t seed, int n_train, int n_test, Dataset **train, Dataset **test,
                           BnError *err)
{
    static const int dims[] = { 2, 2, 2, 2, SYNTH_PIXELS, IMAGESET_PIXELS };
    static const int classes[] = { 0, 3, 2, 2, SYNTH_CLASSES, IMAGESET_CLASSES };
    static const int def_train[] = { 200, 300, 400, 400, 6000, 6000 };
    static const int def_test[] = { 100, 150, 200, 200, 1000, 1000 };
    const char *name = dataset_synthetic_names[kind];
    int n[2] = { n_train > 0 ? n_train : def_train[kind], n_test > 0 ? n_test : def_test[kind] };
    for (int s = 0; s < 2; s++)
        if ((double)n[s] * dims[kind] > DATASET_MAX_VALUES) {
            error_set(err, name, "%d %s samples is too many (at most %.0f values per split)", n[s],
                      s == 0 ? "training" : "test", DATASET_MAX_VALUES);
            return false;
        }
    double *protos = NULL;
    if (kind == KIND_SYNTH784) {
        protos = xmalloc((size_t)SYNTH_CLASSES * SYNTH_PIXELS * sizeof *protos);
        synth_prototypes(protos, seed);
    }
    Dataset *sets[2];
    for (int s = 0; s < 2; s++) {
        Pcg32 rng = stream_rng(seed, kind, s == 0 ? STREAM_TRAIN : STREAM_TEST);
        if (kind == KIND_SYNTH784)
            sets[s] = dataset_create_empty(name, n[s], dims[kind], classes[kind], STORAGE_SYNTH784);
        else if (kind == KIND_SHAPES28)
            sets[s] = dataset_create_empty(name, n[s], dims[kind], classes[kind], STORAGE_BYTES);
        else
            sets[s] = dataset_create(name, n[s], dims[kind], classes[kind]);
        fill_synthetic(sets[s], kind, &rng, protos);
    }
    free(protos);
    *train = sets[0];
    *test = sets[1];
    return true;
}

/* Finds base (or a known variant, plain or .gz) in dir; false with a message naming what was sought. */
static bool find_idx_file(const char *dir, const char *base, const char *dotted, char *path, size_t size,
                          BnError *err)
{
    const char *names[2] = { base, dotted };
    static const char *const suffixes[2] = { "", ".gz" };
    char unreadable[4200] = "";
    int unreadable_errno = 0;
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 2; k++) {
            snprintf(path, size, "%s/%s%s", dir, names[i], suffixes[k]);
            if (access(path, R_OK) == 0)
                return true;
            int why = errno;
            /* There but not readable (permissions): say so, rather than that it is missing. */
            if (!unreadable[0] && why != ENOENT && access(path, F_OK) == 0) {
                unreadable_errno = why;
                snprintf(unreadable, sizeof unreadable, "%s", path);
            }
        }
    if (unreadable[0]) {
        error_set(err, unreadable, "cannot read: %s", strerror(unreadable_errno ? unreadable_errno : EACCES));
        return false;
    }
    error_set(err, dir, "no %s or %s.gz here (MNIST-format folder expected)", base, base);
    return false;
}

bool dataset_idx_present(const char *name)
{
    if (!name || strncmp(name, "idx:", 4) != 0)
        return false;
    static const char *const files[] = { "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                                         "train-images.idx3-ubyte", "train-labels.idx1-ubyte",
                                         "t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte" };
    char path[4200];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        for (int gz = 0; gz < 2; gz++) {
            snprintf(path, sizeof path, "%s/%s%s", name + 4, files[i], gz ? ".gz" : "");
            if (access(path, F_OK) == 0)
                return true;
        }
    return false;
}

/* One images/labels pair as a new Dataset of pixels scaled to [0, 1]: the images stay bytes, mapped
 * from the file (or its decompressed cache) where possible. */
static Dataset *load_idx_split(const char *name, const char *dir, const char *images_base,
                               const char *images_dotted, const char *labels_base, const char *labels_dotted,
                               int n_want, BnError *err)
{
    char images_path[4096], labels_path[4096];
    if (!find_idx_file(dir, images_base, images_dotted, images_path, sizeof images_path, err) ||
        !find_idx_file(dir, labels_base, labels_dotted, labels_path, sizeof labels_path, err))
        return NULL;
    IdxSource images = { 0 };
    IdxFile labels = { 0 };
    Dataset *set = NULL;
    char warning[ERROR_MESSAGE_MAX] = "";
    if (!idx_source_open(images_path, 3, n_want, NULL, &images, warning, sizeof warning, err) ||
        !idx_read(labels_path, 1, n_want, &labels, err))
        goto done;
    if (images.count != labels.count) {
        error_set(err, labels_path, "%d labels but %s has %d images", labels.count, images_path, images.count);
        goto done;
    }
    if (n_want > images.count) {
        error_set(err, images_path, "%d samples requested but the file has only %d", n_want, images.count);
        goto done;
    }
    for (int i = 0; i < labels.loaded; i++)
        if (labels.data[i] >= 10) {
            error_set(err, labels_path, "label %d of item %d is not a class 0-9", labels.data[i], i + 1);
            goto done;
        }
    set = dataset_create_empty(name, images.loaded, images.rows * images.cols, 10, STORAGE_BYTES);
    set->storage->source = images;          /* the set owns the source from here on */
    set->storage->bytes = images.data;
    memset(&images, 0, sizeof images);
    snprintf(set->warning, sizeof set->warning, "%s", warning);
    for (int i = 0; i < labels.loaded; i++)
        set->y[i] = labels.data[i];
done:
    idx_source_close(&images);
    idx_free(&labels);
    return set;
}

static bool load_idx(const char *name, const char *dir, int n_train, int n_test, Dataset **train, Dataset **test,
                     BnError *err)
{
    struct stat st;
    if (dir[0] == '\0') {
        error_set(err, name, "no folder given (idx:DIR)");
        return false;
    }
    if (stat(dir, &st) != 0) {
        error_set(err, dir, "cannot open: %s", strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        error_set(err, dir, "not a folder (idx:DIR wants the folder holding the four MNIST files)");
        return false;
    }
    Dataset *a = load_idx_split(name, dir, "train-images-idx3-ubyte", "train-images.idx3-ubyte",
                                "train-labels-idx1-ubyte", "train-labels.idx1-ubyte", n_train, err);
    if (!a)
        return false;
    Dataset *b = load_idx_split(name, dir, "t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte",
                                "t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte", n_test, err);
    if (!b) {
        dataset_destroy(a);
        return false;
    }
    if (a->dim != b->dim) {
        error_set(err, dir, "training images have %d pixels but test images %d", a->dim, b->dim);
        dataset_destroy(a);
        dataset_destroy(b);
        return false;
    }
    *train = a;
    *test = b;
    return true;
}

const char *dataset_fashion_dir(void)
{
    const char *env = getenv("BNTUTOR_FASHION_MNIST");
    return env && env[0] == '/' ? env : DATASET_FASHION_DIR;
}

bool dataset_load(const char *name, uint64_t seed, int n_train, int n_test, Dataset **train, Dataset **test,
                  BnError *err)
{
    *train = NULL;
    *test = NULL;
    if (!name)
        name = "";
    if (strncmp(name, "idx:", 4) == 0)
        return load_idx(name, name + 4, n_train, n_test, train, test, err);
    for (int kind = 0; dataset_synthetic_names[kind]; kind++)
        if (strcmp(name, dataset_synthetic_names[kind]) == 0)
            return load_synthetic(kind, seed, n_train, n_test, train, test, err);
    char valid[256];
    error_set(err, name, "unknown dataset (valid: %s)", dataset_valid_names(valid, sizeof valid));
    return false;
}

const char *dataset_valid_names(char *buf, size_t size)
{
    buf[0] = '\0';
    for (int kind = 0; dataset_synthetic_names[kind]; kind++) {
        strncat(buf, dataset_synthetic_names[kind], size - strlen(buf) - 1);
        strncat(buf, ", ", size - strlen(buf) - 1);
    }
    strncat(buf, "idx:DIR", size - strlen(buf) - 1);
    return buf;
}

bool dataset_name_known(const char *name)
{
    if (strncmp(name, "idx:", 4) == 0 && name[4] != '\0')
        return true;
    for (int kind = 0; dataset_synthetic_names[kind]; kind++)
        if (strcmp(name, dataset_synthetic_names[kind]) == 0)
            return true;
    return false;
}

void sampler_init(BatchSampler *sampler, int n, uint64_t seed)
{
    sampler->n = n > 0 ? n : 0;
    sampler->order = xmalloc((size_t)(sampler->n > 0 ? sampler->n : 1) * sizeof *sampler->order);
    for (int i = 0; i < sampler->n; i++)
        sampler->order[i] = i;
    sampler->next = 0;
    sampler->epoch = 0;
    pcg32_seed(&sampler->rng, seed, STREAM_SAMPLER);
    pcg32_shuffle_ints(&sampler->rng, sampler->order, sampler->n);
}

void sampler_free(BatchSampler *sampler)
{
    if (!sampler)
        return;
    free(sampler->order);
    sampler->order = NULL;
    sampler->n = 0;
    sampler->next = 0;
}

static void sampler_new_epoch(BatchSampler *sampler)
{
    pcg32_shuffle_ints(&sampler->rng, sampler->order, sampler->n);
    sampler->next = 0;
    sampler->epoch++;
}

void sampler_next(BatchSampler *sampler, int *indices, int batch)
{
    if (sampler->n <= 0) {
        for (int i = 0; i < batch; i++)
            indices[i] = 0;
        return;
    }
    if (batch <= sampler->n && sampler->n - sampler->next < batch)
        sampler_new_epoch(sampler);
    /* batch > n (outside the contract) still works: each epoch is used up whole before the next. */
    for (int i = 0; i < batch; i++) {
        if (sampler->next == sampler->n)
            sampler_new_epoch(sampler);
        indices[i] = sampler->order[sampler->next++];
    }
}

/* The first read failure of any set in this process, for callers that cannot see the set that failed
 * (a scene's datasets are its own). */
static BnError first_read_failure;

static void note_read_failure(const BnError *err)
{
    if (!first_read_failure.set)
        first_read_failure = *err;
}

bool dataset_failed(const Dataset *set, BnError *err)
{
    if (!set || !set->storage || !set->storage->read_error.set)
        return false;
    if (err)
        *err = set->storage->read_error;
    return true;
}

bool dataset_read_failure(BnError *err)
{
    if (!first_read_failure.set)
        return false;
    if (err)
        *err = first_read_failure;
    return true;
}

void dataset_row(const Dataset *set, int i, double *out)
{
    DatasetStorage *st = set->storage;     /* the sticky read error may change */
    size_t dim = (size_t)set->dim, row = (size_t)i;
    switch (st->kind) {
    case STORAGE_DOUBLES:
        memcpy(out, st->values + row * dim, dim * sizeof *out);
        break;
    case STORAGE_BYTES: {
        if (st->owned) {
            const unsigned char *src = st->bytes + row * dim;
            for (size_t k = 0; k < dim; k++)
                out[k] = src[k] * (1.0 / 255.0);     /* the very doubles the old double store held */
            break;
        }
        unsigned char chunk[1024];
        for (size_t done = 0; done < dim; done += sizeof chunk) {
            size_t n = dim - done < sizeof chunk ? dim - done : sizeof chunk;
            if (!idx_source_read(&st->source, row * dim + done, n, chunk, &st->read_error))
                note_read_failure(&st->read_error);
            for (size_t k = 0; k < n; k++)
                out[done + k] = chunk[k] * (1.0 / 255.0);
        }
        break;
    }
    case STORAGE_SYNTH784: {
        Pcg32 rng = st->row_rng[row];
        synth_row(out, &rng, st->protos, (int)set->y[row]);
        break;
    }
    }
    if (st->shifted)
        for (size_t k = 0; k < dim; k++)
            out[k] = st->scale * out[k] + st->offset;
}

void dataset_shift_inputs(Dataset *set, double offset, double scale)
{
    DatasetStorage *st = set->storage;
    st->shifted = true;
    st->offset = offset;
    st->scale = scale;
}

void dataset_rows(const Dataset *set, int first, int count, double *out)
{
    for (int i = 0; i < count; i++)
        dataset_row(set, first + i, out + (size_t)i * (size_t)set->dim);
}

void dataset_gather(const Dataset *set, const int *indices, int batch, double *x, double *y)
{
    size_t dim = (size_t)set->dim;
    for (int b = 0; b < batch; b++) {
        dataset_row(set, indices[b], x + (size_t)b * dim);
        if (y)
            y[b] = set->y[indices[b]];
    }
}

/* Rows a float cache may hold: 64 M values (256 MB); larger sets are read row by row as before. */
#define DATASET_FLOAT_CACHE_MAX 67108864.0

bool dataset_keep_float_rows(Dataset *set)
{
    DatasetStorage *st = set->storage;
    if (st->floats)
        return true;
    if (st->kind != STORAGE_SYNTH784 || st->shifted || (double)set->n * set->dim > DATASET_FLOAT_CACHE_MAX)
        return false;
    size_t dim = (size_t)set->dim;
    st->floats = xmalloc_huge(sizeof(float) * (size_t)set->n * dim);
    double row[SYNTH_PIXELS];
    for (int i = 0; i < set->n; i++) {
        dataset_row(set, i, row);
        float *dst = st->floats + (size_t)i * dim;
        for (size_t k = 0; k < dim; k++)
            dst[k] = (float)row[k];
    }
    return true;
}

/* (float)(b · (1/255)) for every byte b, folded by the compiler with the same IEEE rounding as the
 * double row's arithmetic at run time (tests/test_dataset.c compares the two). */
#define BYTE_FLOAT(b) (float)((b) * (1.0 / 255.0))
#define BYTE_FLOATS4(b) BYTE_FLOAT(b), BYTE_FLOAT((b) + 1), BYTE_FLOAT((b) + 2), BYTE_FLOAT((b) + 3)
#define BYTE_FLOATS16(b) BYTE_FLOATS4(b), BYTE_FLOATS4((b) + 4), BYTE_FLOATS4((b) + 8), BYTE_FLOATS4((b) + 12)
#define BYTE_FLOATS64(b) BYTE_FLOATS16(b), BYTE_FLOATS16((b) + 16), BYTE_FLOATS16((b) + 32), BYTE_FLOATS16((b) + 48)
static const float byte_floats[256] = { BYTE_FLOATS64(0), BYTE_FLOATS64(64), BYTE_FLOATS64(128), BYTE_FLOATS64(192) };

void dataset_row_float(const Dataset *set, int i, float *out)
{
    const DatasetStorage *st = set->storage;
    size_t dim = (size_t)set->dim, row = (size_t)i;
    /* A shifted set's rows come only through dataset_row, which applies the shift. */
    if (st->floats && !st->shifted) {
        memcpy(out, st->floats + row * dim, dim * sizeof *out);
        return;
    }
    if (st->kind == STORAGE_BYTES && st->owned && !st->shifted) {
        /* The float of each byte's double value, as converting dataset_row's output would give, looked up
         * rather than computed: a training run reads every image thousands of times. */
        const unsigned char *src = st->bytes + row * dim;
        for (size_t k = 0; k < dim; k++)
            out[k] = byte_floats[src[k]];
        return;
    }
    /* Everything else through the double row (mapped files keep their read checks there). */
    double stack_row[1024];
    double *row_d = dim <= 1024 ? stack_row : xmalloc(sizeof(double) * dim);
    dataset_row(set, i, row_d);
    for (size_t k = 0; k < dim; k++)
        out[k] = (float)row_d[k];
    if (row_d != stack_row)
        free(row_d);
}

void dataset_prefetch_float_rows(const Dataset *set, const int *indices, int count)
{
#if defined(__GNUC__) || defined(__clang__)
    const DatasetStorage *st = set->storage;
    size_t dim = (size_t)set->dim;
    for (int b = 0; b < count; b++) {
        const char *row = st->floats ? (const char *)(st->floats + (size_t)indices[b] * dim)
                        : st->kind == STORAGE_BYTES && st->owned ? (const char *)(st->bytes + (size_t)indices[b] * dim)
                                                                 : NULL;
        size_t bytes = st->floats ? dim * sizeof(float) : dim;
        /* The first lines of each row: the hardware prefetcher streams the rest once a row is read. */
        for (size_t at = 0; row && at < bytes && at < 256; at += 64)
            __builtin_prefetch(row + at, 0, 1);
    }
#else
    (void)set, (void)indices, (void)count;
#endif
}

const float *dataset_float_rows(const Dataset *set, int first, int count)
{
    const DatasetStorage *st = set->storage;
    if (!st->floats || st->shifted || first < 0 || count < 0 || first > set->n - count)
        return NULL;
    return st->floats + (size_t)first * (size_t)set->dim;
}

void dataset_rows_float(const Dataset *set, int first, int count, float *out)
{
    for (int i = 0; i < count; i++)
        dataset_row_float(set, first + i, out + (size_t)i * (size_t)set->dim);
}

void dataset_gather_float(const Dataset *set, const int *indices, int batch, float *x, double *y)
{
    size_t dim = (size_t)set->dim;
    for (int b = 0; b < batch; b++) {
        dataset_row_float(set, indices[b], x + (size_t)b * dim);
        if (y)
            y[b] = set->y[indices[b]];
    }
}

const double *dataset_values(const Dataset *set)
{
    /* A shifted set's values exist only as rows read through dataset_row. */
    return set->storage->kind == STORAGE_DOUBLES && !set->storage->shifted ? set->storage->values : NULL;
}

size_t dataset_private_bytes(const Dataset *set)
{
    const DatasetStorage *st = set->storage;
    size_t n = (size_t)set->n, dim = (size_t)set->dim;
    switch (st->kind) {
    case STORAGE_DOUBLES: return n * dim * sizeof(double);
    case STORAGE_BYTES: return st->owned ? n * dim : idx_source_private_bytes(&st->source);
    case STORAGE_SYNTH784:
        return n * sizeof *st->row_rng + (size_t)SYNTH_CLASSES * SYNTH_PIXELS * sizeof(double) +
               (st->floats ? n * dim * sizeof(float) : 0);
    }
    return 0;
}

/* ---- the lessons' name for the real images ---- */

static const char *fashion_source;
static bool fashion_chosen;         /* by dataset_fashion_set; else the installed folder */

void dataset_fashion_set(const char *dataset)
{
    fashion_source = dataset;
    fashion_chosen = true;
}

const char *dataset_fashion(void)
{
    static char installed[4200];
    if (fashion_chosen)
        return fashion_source;
    snprintf(installed, sizeof installed, "idx:%s", dataset_fashion_dir());
    return installed;
}

const char *dataset_resolve(const char *name, bool real, const char *stand_in, bool *substituted)
{
    if (strcmp(name, "fashion-mnist") != 0)
        return name;
    const char *fashion = dataset_fashion();
    if (real && fashion)
        return fashion;
    if (substituted)
        *substituted = true;
    return stand_in;
}
