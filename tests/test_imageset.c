/* The shapes28 generator: determinism, range, balance, distinct classes, the Dataset hook, the frozen definition. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/imageset.h"
#include "engine/linear.h"
#include "support/check.h"

Test(imageset, the_same_seed_draws_the_same_images_and_another_seed_others)
{
    enum { N = 30 };
    uint8_t *a = malloc(N * IMAGESET_PIXELS), *b = malloc(N * IMAGESET_PIXELS), *c = malloc(N * IMAGESET_PIXELS);
    uint8_t la[N], lb[N], lc[N];
    Pcg32 ra, rb, rc;
    pcg32_seed(&ra, 5, 1), pcg32_seed(&rb, 5, 1), pcg32_seed(&rc, 6, 1);
    imageset_generate(a, la, N, &ra);
    imageset_generate(b, lb, N, &rb);
    imageset_generate(c, lc, N, &rc);
    cr_assert(memcmp(a, b, N * IMAGESET_PIXELS) == 0 && memcmp(la, lb, N) == 0, "same seed, other images");
    cr_assert(memcmp(a, c, N * IMAGESET_PIXELS) != 0, "another seed drew the same images");
    int count[IMAGESET_CLASSES] = { 0 };
    for (int i = 0; i < N; i++) {
        cr_assert_lt(la[i], IMAGESET_CLASSES);
        count[la[i]]++;
    }
    for (int k = 0; k < IMAGESET_CLASSES; k++)
        cr_assert_eq(count[k], N / IMAGESET_CLASSES, "class %d appears %d times in %d", k, count[k], N);
    free(a), free(b), free(c);
}

/* Mean image of each class over many draws: shapes differ in where the ink is, so the class means
 * must differ clearly from each other, and every image must use a real range of grey. */
Test(imageset, classes_differ_in_their_mean_images_and_images_have_contrast)
{
    enum { PER_CLASS = 40 };
    static double mean[IMAGESET_CLASSES][IMAGESET_PIXELS];
    uint8_t px[IMAGESET_PIXELS];
    Pcg32 rng;
    pcg32_seed(&rng, 2, 3);
    for (int k = 0; k < IMAGESET_CLASSES; k++)
        for (int i = 0; i < PER_CLASS; i++) {
            imageset_draw(px, k, &rng);
            int lo = 255, hi = 0;
            for (int p = 0; p < IMAGESET_PIXELS; p++) {
                mean[k][p] += px[p] / 255.0 / PER_CLASS;
                lo = px[p] < lo ? px[p] : lo;
                hi = px[p] > hi ? px[p] : hi;
            }
            cr_assert_gt(hi - lo, 100, "class %s image %d spans only %d..%d", imageset_class_name(k), i, lo, hi);
        }
    /* Stripes average to flat grey over random phases, so only the shapes are compared here;
     * stripes_run_in_their_class_direction checks the stripes. */
    for (int a = 4; a < IMAGESET_CLASSES; a++)
        for (int b = a + 1; b < IMAGESET_CLASSES; b++) {
            double d2 = 0.0;
            for (int p = 0; p < IMAGESET_PIXELS; p++)
                d2 += (mean[a][p] - mean[b][p]) * (mean[a][p] - mean[b][p]);
            cr_assert_gt(sqrt(d2), 0.5, "mean images of %s and %s are too alike (%.3f)", imageset_class_name(a),
                         imageset_class_name(b), sqrt(d2));
        }
    cr_assert_str_eq(imageset_class_name(6), "ring");
    cr_assert_str_eq(imageset_class_name(10), "?");
}

/* Stripes of each orientation: neighbours along the stripes are alike, across them they differ. */
Test(imageset, stripes_run_in_their_class_direction)
{
    static const int along[4][2] = { { 1, 0 }, { 0, 1 }, { 1, -1 }, { 1, 1 } };     /* (dx, dy) */
    uint8_t px[IMAGESET_PIXELS];
    Pcg32 rng;
    pcg32_seed(&rng, 4, 4);
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 10; i++) {
            imageset_draw(px, k, &rng);
            double same = 0.0, cross = 0.0;
            int n = 0;
            for (int y = 2; y < IMAGESET_SIDE - 2; y++)
                for (int x = 2; x < IMAGESET_SIDE - 2; x++) {
                    int v = px[y * IMAGESET_SIDE + x];
                    /* two steps along, and two steps along the perpendicular */
                    int a = px[(y + 2 * along[k][1]) * IMAGESET_SIDE + x + 2 * along[k][0]];
                    int c = px[(y + 2 * along[k][0]) * IMAGESET_SIDE + x - 2 * along[k][1]];
                    same += abs(v - a), cross += abs(v - c), n++;
                }
            cr_assert_lt(same, 0.6 * cross, "%s image %d: along %.1f, across %.1f per pixel",
                         imageset_class_name(k), i, same / n, cross / n);
        }
}

Test(imageset, dataset_shapes28_holds_the_generators_bytes_scaled_to_one)
{
    Dataset *tr, *te;
    BnError err = { 0 };
    cr_assert(dataset_load("shapes28", 7, 50, 20, &tr, &te, &err), "%s", err.message);
    cr_assert(tr->n == 50 && te->n == 20 && tr->dim == IMAGESET_PIXELS && tr->classes == IMAGESET_CLASSES);
    /* Read through dataset_gather, the one reader every Dataset storage offers. */
    static double a[50 * 784], b[50 * 784], t[20 * 784];
    int idx[50];
    for (int k = 0; k < 50; k++)
        idx[k] = k;
    dataset_gather(tr, idx, 50, a, NULL);
    dataset_gather(te, idx, 20, t, NULL);
    for (int k = 0; k < 50 * 784; k++) {
        double byte = a[k] * 255.0;
        cr_assert(fabs(byte - round(byte)) < 1e-9 && byte >= 0 && byte <= 255, "x[%d] = %g", k, a[k]);
    }
    Dataset *tr2, *te2;
    cr_assert(dataset_load("shapes28", 7, 50, 20, &tr2, &te2, &err));
    dataset_gather(tr2, idx, 50, b, NULL);
    cr_assert(memcmp(a, b, sizeof a) == 0, "not deterministic");
    cr_assert(memcmp(a, t, sizeof t) != 0, "test split equals the training split");
    dataset_destroy(tr), dataset_destroy(te), dataset_destroy(tr2), dataset_destroy(te2);
    cr_assert(dataset_name_known("shapes28"));
}

/* ---------- the generator's definition, frozen: the scalar code shapes28 was first drawn with ----------
 * imageset_draw's vector paths (approximate cos and exp behind a guard, exact vector arithmetic elsewhere)
 * must give these bytes and leave the generator where this leaves it, on every kernel. */

static const double REF_PI = 3.14159265358979323846;
static double ref_uniform(Pcg32 *rng, double lo, double hi)
{
    return lo + (hi - lo) * pcg32_uniform(rng);
}

static double ref_clamp01(double v)
{
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

/* Coverage of a ref_stroke of the given thickness at distance d from its centre line, with a one-pixel
 * soft edge so that shifts below a pixel still change the image. */
static double ref_stroke(double d, double thickness)
{
    return ref_clamp01(thickness / 2 + 0.5 - d);
}

/* A segment from (ax, ay) along (dx, dy), with len2 = dx² + dy², computed once per image. */
typedef struct RefSegment {
    double ax, ay, dx, dy, len2;
} RefSegment;

static RefSegment ref_segment_make(double ax, double ay, double bx, double by)
{
    double dx = bx - ax, dy = by - ay;
    return (RefSegment){ ax, ay, dx, dy, dx * dx + dy * dy };
}

/* The squared distance from (px, py) to the segment. */
static double ref_segment_distance_sq(const RefSegment *g, double px, double py)
{
    double t = ((px - g->ax) * g->dx + (py - g->ay) * g->dy) / g->len2;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double ex = px - (g->ax + t * g->dx), ey = py - (g->ay + t * g->dy);
    return ex * ex + ey * ey;
}

/* The shape's parameters, drawn once per image. */
typedef struct RefShape {
    int label;
    double cx, cy;          /* centre */
    double size;            /* radius, half-length or half-side */
    double thickness;
    double angle;           /* stripes: direction the stripes run; crosses: rotation */
    double sin_angle, cos_angle;    /* of angle, once per image rather than once per pixel */
    double period, phase;   /* stripes */
    double cx2, cy2, size2; /* the second blob */
} RefShape;

/* The shape's value at every pixel into v (IMAGESET_PIXELS), x the column and y the row: one loop per kind
 * of shape, with what does not change over the image computed once (the same arithmetic per pixel). */
static void ref_shape_values(double *v, const RefShape *s)
{
    int side = IMAGESET_SIDE;
    switch (s->label) {
    case 0: case 1: case 2: case 3:
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++) {
                double dx = c - s->cx, dy = r - s->cy;
                /* Distance across the stripes: along the normal of their direction. */
                double across = -dx * s->sin_angle + dy * s->cos_angle;
                v[r * side + c] = 0.5 + 0.5 * cos(2 * REF_PI * across / s->period + s->phase);
            }
        break;
    case 4:
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++) {
                double dx = c - s->cx, dy = r - s->cy;
                v[r * side + c] = exp(-(dx * dx + dy * dy) / (2 * s->size * s->size));
            }
        break;
    case 5:
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++) {
                double dx = c - s->cx, dy = r - s->cy, ex = c - s->cx2, ey = r - s->cy2;
                v[r * side + c] = fmax(exp(-(dx * dx + dy * dy) / (2 * s->size * s->size)),
                                       exp(-(ex * ex + ey * ey) / (2 * s->size2 * s->size2)));
            }
        break;
    case 6:
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++) {
                double dx = c - s->cx, dy = r - s->cy;
                v[r * side + c] = ref_stroke(fabs(sqrt(dx * dx + dy * dy) - s->size), s->thickness);
            }
        break;
    case 7: case 8: {
        double cs = s->cos_angle, sn = s->sin_angle, l = s->size;
        RefSegment g1 = ref_segment_make(s->cx - l * cs, s->cy - l * sn, s->cx + l * cs, s->cy + l * sn);
        RefSegment g2 = ref_segment_make(s->cx + l * sn, s->cy - l * cs, s->cx - l * sn, s->cy + l * cs);
        /* The nearer of the two bars: sqrt is correctly rounded and so never reverses an order, and the
         * root of the smaller square is the smaller of the two roots, one root per pixel. */
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++) {
                double d1 = ref_segment_distance_sq(&g1, c, r), d2 = ref_segment_distance_sq(&g2, c, r);
                v[r * side + c] = ref_stroke(sqrt(d1 < d2 ? d1 : d2), s->thickness);
            }
        break;
    }
    default:
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++) {
                double dx = c - s->cx, dy = r - s->cy;
                v[r * side + c] = ref_stroke(fabs(fmax(fabs(dx), fabs(dy)) - s->size), s->thickness);
            }
        break;
    }
}

static RefShape ref_shape_draw(int label, Pcg32 *rng)
{
    RefShape s = { .label = label };
    s.cx = 13.5 + ref_uniform(rng, -4, 4);
    s.cy = 13.5 + ref_uniform(rng, -4, 4);
    s.thickness = ref_uniform(rng, 1.5, 3.0);
    s.period = ref_uniform(rng, 4.0, 7.0);
    s.phase = ref_uniform(rng, 0, 2 * REF_PI);
    double jitter = ref_uniform(rng, -0.15, 0.15);     /* about ±9°: each stripe class keeps its own angle */
    switch (label) {
    case 0: s.angle = 0.0 + jitter; break;
    case 1: s.angle = REF_PI / 2 + jitter; break;
    case 2: s.angle = -REF_PI / 4 + jitter; break;     /* image rows grow downwards: this one rises */
    case 3: s.angle = REF_PI / 4 + jitter; break;
    case 4: s.size = ref_uniform(rng, 2.5, 4.5); break;
    case 5:
        s.size = ref_uniform(rng, 1.5, 2.5);
        s.size2 = ref_uniform(rng, 1.5, 2.5);
        {
            double a = ref_uniform(rng, 0, 2 * REF_PI), r = ref_uniform(rng, 4.0, 6.0);
            s.cx2 = s.cx + r * cos(a), s.cy2 = s.cy + r * sin(a);
            s.cx -= r * cos(a) * 0.5, s.cy -= r * sin(a) * 0.5;
            s.cx2 -= r * cos(a) * 0.5, s.cy2 -= r * sin(a) * 0.5;
        }
        break;
    case 6: s.size = ref_uniform(rng, 5.0, 9.0); break;
    case 7: s.size = ref_uniform(rng, 6.0, 10.0), s.angle = jitter; break;
    case 8: s.size = ref_uniform(rng, 6.0, 10.0), s.angle = REF_PI / 4 + jitter; break;
    default: s.size = ref_uniform(rng, 5.0, 9.0); break;
    }
    s.sin_angle = sin(s.angle);
    s.cos_angle = cos(s.angle);
    return s;
}

static void ref_draw(uint8_t *pixels, int label, Pcg32 *rng)
{
    RefShape s = ref_shape_draw(label, rng);
    double gain = ref_uniform(rng, 0.6, 1.0), background = ref_uniform(rng, 0.0, 0.15);
    /* One 32-bit draw per pixel keeps thousands of images fast: ref_uniform noise in ±0.15, drawn at once
     * (pcg32_fill gives the numbers one by one draws would). */
    uint32_t noise[IMAGESET_PIXELS];
    pcg32_fill(rng, noise, IMAGESET_PIXELS);
    double shape[IMAGESET_PIXELS];
    ref_shape_values(shape, &s);
    for (int i = 0; i < IMAGESET_PIXELS; i++) {
        double v = background + gain * shape[i];
        v += 0.3 * ((double)noise[i] * (1.0 / 4294967296.0) - 0.5);
        /* lround of a value in [0, 255]: below one half it is 0, and from one half up x + 0.5 is
         * computed exactly enough that truncating it rounds half away from zero as lround does (only
         * just below one half could x + 0.5 round up to 1). */
        double x = 255.0 * ref_clamp01(v);
        pixels[i] = (uint8_t)(x < 0.5 ? 0 : (int)(x + 0.5));
    }
}

/* The images a seed draws: many seeds and images of every class, each on every kernel the CPU offers
 * (the portable one is the scalar code above with the rounding vectorized; avx2+fma adds the shapes'
 * vector paths), against ref_draw byte for byte, and the generator state after each image. */
Test(imageset, every_kernel_draws_the_frozen_scalar_generators_bytes)
{
    static const LinearKernel kernels[] = { LINEAR_KERNEL_PORTABLE, LINEAR_KERNEL_AVX2 };
    enum { IMAGES = 30000 };
    int tested = 0;
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        if (!linear_use_kernel(kernels[k]))
            continue;
        tested++;
        for (int i = 0; i < IMAGES; i++) {
            Pcg32 fast, ref;
            pcg32_seed(&fast, 1000003u * (uint64_t)i + 17u, (uint64_t)i % 7u);
            ref = fast;
            uint8_t a[IMAGESET_PIXELS], b[IMAGESET_PIXELS];
            int label = i % IMAGESET_CLASSES;
            imageset_draw(a, label, &fast);
            ref_draw(b, label, &ref);
            for (int p = 0; p < IMAGESET_PIXELS; p++)
                cr_assert_eq(a[p], b[p], "kernel %s, image %d (%s), pixel %d: %d, the definition gives %d",
                             linear_kernel_name(kernels[k]), i, imageset_class_name(label), p, a[p], b[p]);
            cr_assert(fast.state == ref.state, "kernel %s, image %d: the generator moved on differently",
                      linear_kernel_name(kernels[k]), i);
        }
    }
    linear_use_kernel(LINEAR_KERNEL_AUTO);
    cr_assert_geq(tested, 1);
}

/* Whole sets as dataset_load draws them (the label shuffle, then image after image from one generator). */
Test(imageset, a_whole_set_equals_the_definition_image_after_image)
{
    enum { N = 2000 };
    uint8_t *a = malloc((size_t)N * IMAGESET_PIXELS), *b = malloc((size_t)N * IMAGESET_PIXELS), la[N];
    for (uint64_t seed = 1; seed <= 3; seed++) {
        Pcg32 fast, ref;
        pcg32_seed(&fast, seed, 11);
        ref = fast;
        imageset_generate(a, la, N, &fast);
        /* imageset_generate's label order: a shuffle of 0..9 repeated, drawn first. */
        int order[N];
        for (int i = 0; i < N; i++)
            order[i] = i % IMAGESET_CLASSES;
        pcg32_shuffle_ints(&ref, order, N);
        for (int i = 0; i < N; i++) {
            cr_assert_eq(la[i], order[i], "seed %d, image %d: label %d, expected %d", (int)seed, i, la[i], order[i]);
            ref_draw(b + (size_t)i * IMAGESET_PIXELS, order[i], &ref);
        }
        cr_assert(memcmp(a, b, (size_t)N * IMAGESET_PIXELS) == 0, "seed %d: the set differs from the definition",
                  (int)seed);
    }
    free(a), free(b);
}
