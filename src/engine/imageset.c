/* The shapes28 image generator: ten kinds of shape with random placement, size and noise, as bytes (engine layer). */
#include "engine/imageset.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define IMAGESET_HAVE_AVX2 1
#include <immintrin.h>
#else
#define IMAGESET_HAVE_AVX2 0
#endif

#include "engine/linear.h"
#include "util/alloc.h"

static const double PI = 3.14159265358979323846;

static const char *const class_names[IMAGESET_CLASSES] = {
    "horizontal stripes", "vertical stripes", "rising stripes", "falling stripes", "blob",
    "two blobs", "ring", "cross", "diagonal cross", "square",
};

const char *imageset_class_name(int label)
{
    return label >= 0 && label < IMAGESET_CLASSES ? class_names[label] : "?";
}

static double uniform(Pcg32 *rng, double lo, double hi)
{
    return lo + (hi - lo) * pcg32_uniform(rng);
}

static double clamp01(double v)
{
    return v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
}

/* Coverage of a stroke of the given thickness at distance d from its centre line, with a one-pixel
 * soft edge so that shifts below a pixel still change the image. */
static double stroke(double d, double thickness)
{
    return clamp01(thickness / 2 + 0.5 - d);
}

/* A segment from (ax, ay) along (dx, dy), with len2 = dx² + dy², computed once per image. */
typedef struct Segment {
    double ax, ay, dx, dy, len2;
} Segment;

static Segment segment_make(double ax, double ay, double bx, double by)
{
    double dx = bx - ax, dy = by - ay;
    return (Segment){ ax, ay, dx, dy, dx * dx + dy * dy };
}

/* The squared distance from (px, py) to the segment. */
static double segment_distance_sq(const Segment *g, double px, double py)
{
    double t = ((px - g->ax) * g->dx + (py - g->ay) * g->dy) / g->len2;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double ex = px - (g->ax + t * g->dx), ey = py - (g->ay + t * g->dy);
    return ex * ex + ey * ey;
}

/* The shape's parameters, drawn once per image. */
typedef struct Shape {
    int label;
    double cx, cy;          /* centre */
    double size;            /* radius, half-length or half-side */
    double thickness;
    double angle;           /* stripes: direction the stripes run; crosses: rotation */
    double sin_angle, cos_angle;    /* of angle, once per image rather than once per pixel */
    double period, phase;   /* stripes */
    double cx2, cy2, size2; /* the second blob */
} Shape;

/* The value of a stripes or blob shape at row r, column c: the definition of these images. */
static double smooth_value(const Shape *s, int r, int c)
{
    double dx = c - s->cx, dy = r - s->cy;
    if (s->label <= 3) {
        /* Distance across the stripes: along the normal of their direction. */
        double across = -dx * s->sin_angle + dy * s->cos_angle;
        return 0.5 + 0.5 * cos(2 * PI * across / s->period + s->phase);
    }
    double one = exp(-(dx * dx + dy * dy) / (2 * s->size * s->size));
    if (s->label == 4)
        return one;
    double ex = c - s->cx2, ey = r - s->cy2;
    return fmax(one, exp(-(ex * ex + ey * ey) / (2 * s->size2 * s->size2)));
}

#if IMAGESET_HAVE_AVX2
#define AVX2_FMA __attribute__((target("avx2,fma")))

/* Whether the shape's values come from libm's cos or exp (stripes, blobs): the fast path approximates
 * those, and every pixel whose byte the approximation could change is computed again by smooth_value. */
static bool smooth_shape(int label)
{
    return label >= 0 && label <= 5;
}

/* cos of four arguments with |a| < 2^20, as close to libm's as APPROX_MARGIN says (the guard in
 * pixel_bytes needs far less): a = q·π/2 + r with |r| ≤ π/4 (π/2 in two parts, q·P1 exact), then
 * fdlibm's sin or cos polynomial on r by the quadrant q mod 4. */
static AVX2_FMA __m256d cos4(__m256d a)
{
    const __m256d p1 = _mm256_set1_pd(1.57079632673412561417e+00), p2 = _mm256_set1_pd(6.07710050650619224932e-11);
    __m256d q = _mm256_round_pd(_mm256_mul_pd(a, _mm256_set1_pd(0.63661977236758134308)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(q, p2, _mm256_fnmadd_pd(q, p1, a));
    __m256d z = _mm256_mul_pd(r, r);
    __m256d ps = _mm256_set1_pd(1.58969099521155010221e-10);
    ps = _mm256_fmadd_pd(ps, z, _mm256_set1_pd(-2.50507602534068634195e-08));
    ps = _mm256_fmadd_pd(ps, z, _mm256_set1_pd(2.75573137070700676789e-06));
    ps = _mm256_fmadd_pd(ps, z, _mm256_set1_pd(-1.98412698298579493134e-04));
    ps = _mm256_fmadd_pd(ps, z, _mm256_set1_pd(8.33333333332248946124e-03));
    ps = _mm256_fmadd_pd(ps, z, _mm256_set1_pd(-1.66666666666666324348e-01));
    __m256d sin_r = _mm256_fmadd_pd(_mm256_mul_pd(ps, z), r, r);
    __m256d pc = _mm256_set1_pd(-1.13596475577881948265e-11);
    pc = _mm256_fmadd_pd(pc, z, _mm256_set1_pd(2.08757232129817482790e-09));
    pc = _mm256_fmadd_pd(pc, z, _mm256_set1_pd(-2.75573143513906633035e-07));
    pc = _mm256_fmadd_pd(pc, z, _mm256_set1_pd(2.48015872894767294178e-05));
    pc = _mm256_fmadd_pd(pc, z, _mm256_set1_pd(-1.38888888888741095749e-03));
    pc = _mm256_fmadd_pd(pc, z, _mm256_set1_pd(4.16666666666666019037e-02));
    __m256d cos_r = _mm256_fmadd_pd(_mm256_mul_pd(pc, z), z, _mm256_fnmadd_pd(_mm256_set1_pd(0.5), z, _mm256_set1_pd(1.0)));
    /* Quadrant 0: cos r, 1: −sin r, 2: −cos r, 3: sin r. */
    __m128i qi = _mm256_cvtpd_epi32(q);
    __m256i quad = _mm256_cvtepi32_epi64(qi);
    __m256i odd = _mm256_slli_epi64(quad, 63), flip = _mm256_slli_epi64(_mm256_add_epi64(quad, _mm256_set1_epi64x(1)), 62);
    __m256d v = _mm256_blendv_pd(cos_r, sin_r, _mm256_castsi256_pd(odd));
    return _mm256_xor_pd(v, _mm256_and_pd(_mm256_castsi256_pd(flip), _mm256_set1_pd(-0.0)));
}

/* exp of four arguments in [−700, 0] (below −700 as at −700: under 1e-304, no pixel's concern): a = n·ln 2 + r,
 * |r| ≤ ln 2 / 2, Taylor to r^13 (remainder under 1e-16), times 2^n from the exponent bits. */
static AVX2_FMA __m256d exp4(__m256d a)
{
    a = _mm256_max_pd(a, _mm256_set1_pd(-700.0));
    __m256d n = _mm256_round_pd(_mm256_mul_pd(a, _mm256_set1_pd(1.44269504088896338700)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(1.90821492927058770002e-10),
                                 _mm256_fnmadd_pd(n, _mm256_set1_pd(6.93147180369123816490e-01), a));
    static const double inv_fact[] = { 1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
                                       1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0,
                                       1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0 };
    __m256d p = _mm256_set1_pd(inv_fact[0]);
    for (int k = 1; k < 14; k++)
        p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(inv_fact[k]));
    __m128i ni = _mm256_cvtpd_epi32(n);
    __m256i bits = _mm256_slli_epi64(_mm256_add_epi64(_mm256_cvtepi32_epi64(ni), _mm256_set1_epi64x(1023)), 52);
    return _mm256_mul_pd(p, _mm256_castsi256_pd(bits));
}

/* smooth_value at every pixel, approximately (see cos4 and exp4), four columns at a time. */
static AVX2_FMA void smooth_values_avx2(double *v, const Shape *s)
{
    const __m256d c0 = _mm256_set_pd(3.0, 2.0, 1.0, 0.0);
    const __m256d cx = _mm256_set1_pd(s->cx), cy = _mm256_set1_pd(s->cy), neg = _mm256_set1_pd(-0.0);
    const __m256d half = _mm256_set1_pd(0.5);
    for (int r = 0; r < IMAGESET_SIDE; r++) {
        __m256d row = _mm256_set1_pd((double)r);
        for (int c = 0; c < IMAGESET_SIDE; c += 4) {
            __m256d col = _mm256_add_pd(c0, _mm256_set1_pd((double)c));
            __m256d dx = _mm256_sub_pd(col, cx), dy = _mm256_sub_pd(row, cy), out;
            if (s->label <= 3) {
                __m256d across = _mm256_add_pd(_mm256_mul_pd(_mm256_xor_pd(dx, neg), _mm256_set1_pd(s->sin_angle)),
                                               _mm256_mul_pd(dy, _mm256_set1_pd(s->cos_angle)));
                __m256d arg = _mm256_add_pd(_mm256_div_pd(_mm256_mul_pd(_mm256_set1_pd(2 * PI), across),
                                                          _mm256_set1_pd(s->period)), _mm256_set1_pd(s->phase));
                out = _mm256_fmadd_pd(half, cos4(arg), half);
            } else {
                __m256d d2 = _mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy));
                out = exp4(_mm256_div_pd(_mm256_xor_pd(d2, neg), _mm256_set1_pd(2 * s->size * s->size)));
                if (s->label == 5) {
                    __m256d ex = _mm256_sub_pd(col, _mm256_set1_pd(s->cx2)), ey = _mm256_sub_pd(row, _mm256_set1_pd(s->cy2));
                    __m256d e2 = _mm256_add_pd(_mm256_mul_pd(ex, ex), _mm256_mul_pd(ey, ey));
                    out = _mm256_max_pd(out, exp4(_mm256_div_pd(_mm256_xor_pd(e2, neg),
                                                                _mm256_set1_pd(2 * s->size2 * s->size2))));
                }
            }
            _mm256_storeu_pd(v + r * IMAGESET_SIDE + c, out);
        }
    }
}

/* The crosses' values exactly as shape_values computes them (every operation is correctly rounded in
 * AVX2 as in scalar code, and no multiply-add is fused: the target has no FMA), four columns at a time. */
static __attribute__((target("avx2"))) void cross_values_avx2(double *v, const Shape *s, const Segment *g)
{
    const __m256d c0 = _mm256_set_pd(3.0, 2.0, 1.0, 0.0), zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
    const __m256d edge = _mm256_set1_pd(s->thickness / 2 + 0.5);
    for (int r = 0; r < IMAGESET_SIDE; r++) {
        __m256d py = _mm256_set1_pd((double)r);
        for (int c = 0; c < IMAGESET_SIDE; c += 4) {
            __m256d px = _mm256_add_pd(c0, _mm256_set1_pd((double)c)), d[2];
            for (int k = 0; k < 2; k++) {
                __m256d ax = _mm256_set1_pd(g[k].ax), ay = _mm256_set1_pd(g[k].ay);
                __m256d dx = _mm256_set1_pd(g[k].dx), dy = _mm256_set1_pd(g[k].dy);
                __m256d t = _mm256_div_pd(_mm256_add_pd(_mm256_mul_pd(_mm256_sub_pd(px, ax), dx),
                                                        _mm256_mul_pd(_mm256_sub_pd(py, ay), dy)),
                                          _mm256_set1_pd(g[k].len2));
                t = _mm256_min_pd(one, _mm256_max_pd(zero, t));
                __m256d ex = _mm256_sub_pd(px, _mm256_add_pd(ax, _mm256_mul_pd(t, dx)));
                __m256d ey = _mm256_sub_pd(py, _mm256_add_pd(ay, _mm256_mul_pd(t, dy)));
                d[k] = _mm256_add_pd(_mm256_mul_pd(ex, ex), _mm256_mul_pd(ey, ey));
            }
            __m256d cover = _mm256_sub_pd(edge, _mm256_sqrt_pd(_mm256_min_pd(d[0], d[1])));
            _mm256_storeu_pd(v + r * IMAGESET_SIDE + c, _mm256_min_pd(one, _mm256_max_pd(zero, cover)));
        }
    }
}

/* The ring's and the square's values exactly as shape_values computes them (exact operations only,
 * no FMA in the target; max of two non-negative non-NaN values is fmax's), four columns at a time. */
static __attribute__((target("avx2"))) void outline_values_avx2(double *v, const Shape *s)
{
    const __m256d c0 = _mm256_set_pd(3.0, 2.0, 1.0, 0.0), zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
    const __m256d edge = _mm256_set1_pd(s->thickness / 2 + 0.5), size = _mm256_set1_pd(s->size);
    const __m256d cx = _mm256_set1_pd(s->cx), cy = _mm256_set1_pd(s->cy), sign = _mm256_set1_pd(-0.0);
    for (int r = 0; r < IMAGESET_SIDE; r++) {
        __m256d dy = _mm256_sub_pd(_mm256_set1_pd((double)r), cy);
        for (int c = 0; c < IMAGESET_SIDE; c += 4) {
            __m256d dx = _mm256_sub_pd(_mm256_add_pd(c0, _mm256_set1_pd((double)c)), cx), reach;
            if (s->label == 6)
                reach = _mm256_sqrt_pd(_mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy)));
            else
                reach = _mm256_max_pd(_mm256_andnot_pd(sign, dx), _mm256_andnot_pd(sign, dy));
            __m256d d = _mm256_andnot_pd(sign, _mm256_sub_pd(reach, size));
            __m256d cover = _mm256_sub_pd(edge, d);
            _mm256_storeu_pd(v + r * IMAGESET_SIDE + c, _mm256_min_pd(one, _mm256_max_pd(zero, cover)));
        }
    }
}

/* Whether the AVX2 paths run: as for the float kernels, the CPU has AVX2 and FMA and no one chose the
 * portable kernel (linear_use_kernel; tests compare both paths that way). */
static bool have_avx2(void)
{
    return linear_active_kernel() == LINEAR_KERNEL_AVX2;
}
#endif

/* The shape's value at every pixel into v (IMAGESET_PIXELS), x the column and y the row: one loop per kind
 * of shape, with what does not change over the image computed once (the same arithmetic per pixel). */
static void shape_values(double *v, const Shape *s)
{
    int side = IMAGESET_SIDE;
    switch (s->label) {
    case 0: case 1: case 2: case 3: case 4: case 5:
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++)
                v[r * side + c] = smooth_value(s, r, c);
        break;
    case 6:
#if IMAGESET_HAVE_AVX2
        if (have_avx2()) {
            outline_values_avx2(v, s);
            break;
        }
#endif
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++) {
                double dx = c - s->cx, dy = r - s->cy;
                v[r * side + c] = stroke(fabs(sqrt(dx * dx + dy * dy) - s->size), s->thickness);
            }
        break;
    case 7: case 8: {
        double cs = s->cos_angle, sn = s->sin_angle, l = s->size;
        Segment g1 = segment_make(s->cx - l * cs, s->cy - l * sn, s->cx + l * cs, s->cy + l * sn);
        Segment g2 = segment_make(s->cx + l * sn, s->cy - l * cs, s->cx - l * sn, s->cy + l * cs);
#if IMAGESET_HAVE_AVX2
        if (have_avx2()) {
            cross_values_avx2(v, s, (const Segment[2]){ g1, g2 });
            break;
        }
#endif
        /* The nearer of the two bars: sqrt is correctly rounded and so never reverses an order, and the
         * root of the smaller square is the smaller of the two roots, one root per pixel. */
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++) {
                double d1 = segment_distance_sq(&g1, c, r), d2 = segment_distance_sq(&g2, c, r);
                v[r * side + c] = stroke(sqrt(d1 < d2 ? d1 : d2), s->thickness);
            }
        break;
    }
    default:
#if IMAGESET_HAVE_AVX2
        if (have_avx2()) {
            outline_values_avx2(v, s);
            break;
        }
#endif
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++) {
                double dx = c - s->cx, dy = r - s->cy;
                v[r * side + c] = stroke(fabs(fmax(fabs(dx), fabs(dy)) - s->size), s->thickness);
            }
        break;
    }
}

static Shape shape_draw(int label, Pcg32 *rng)
{
    Shape s = { .label = label };
    s.cx = 13.5 + uniform(rng, -4, 4);
    s.cy = 13.5 + uniform(rng, -4, 4);
    s.thickness = uniform(rng, 1.5, 3.0);
    s.period = uniform(rng, 4.0, 7.0);
    s.phase = uniform(rng, 0, 2 * PI);
    double jitter = uniform(rng, -0.15, 0.15);     /* about ±9°: each stripe class keeps its own angle */
    switch (label) {
    case 0: s.angle = 0.0 + jitter; break;
    case 1: s.angle = PI / 2 + jitter; break;
    case 2: s.angle = -PI / 4 + jitter; break;     /* image rows grow downwards: this one rises */
    case 3: s.angle = PI / 4 + jitter; break;
    case 4: s.size = uniform(rng, 2.5, 4.5); break;
    case 5:
        s.size = uniform(rng, 1.5, 2.5);
        s.size2 = uniform(rng, 1.5, 2.5);
        {
            double a = uniform(rng, 0, 2 * PI), r = uniform(rng, 4.0, 6.0);
            s.cx2 = s.cx + r * cos(a), s.cy2 = s.cy + r * sin(a);
            s.cx -= r * cos(a) * 0.5, s.cy -= r * sin(a) * 0.5;
            s.cx2 -= r * cos(a) * 0.5, s.cy2 -= r * sin(a) * 0.5;
        }
        break;
    case 6: s.size = uniform(rng, 5.0, 9.0); break;
    case 7: s.size = uniform(rng, 6.0, 10.0), s.angle = jitter; break;
    case 8: s.size = uniform(rng, 6.0, 10.0), s.angle = PI / 4 + jitter; break;
    default: s.size = uniform(rng, 5.0, 9.0); break;
    }
    s.sin_angle = sin(s.angle);
    s.cos_angle = cos(s.angle);
    return s;
}

/* One pixel from its shape value and its noise draw: the definition the fast loop below must match. */
static uint8_t pixel_byte(double shape, uint32_t noise, double gain, double background)
{
    double v = background + gain * shape;
    v += 0.3 * ((double)noise * (1.0 / 4294967296.0) - 0.5);
    /* lround of a value in [0, 255]: below one half it is 0, and from one half up x + 0.5 is
     * computed exactly enough that truncating it rounds half away from zero as lround does (only
     * just below one half could x + 0.5 round up to 1). */
    double x = 255.0 * clamp01(v);
    return (uint8_t)(x < 0.5 ? 0 : (int)(x + 0.5));
}

/* How near x = 255·v may lie to a rounding boundary (k + ½) before an approximate shape value could
 * change the byte. cos4 and exp4 agree with libm to 2.3e-16 (measured over 16 million arguments), and
 * the byte's arithmetic after them moves x by under 1e-12; the margin is a million times that, and
 * about two pixels in a million fall inside it. tests/test_imageset.c holds the bytes to the definition. */
#define APPROX_MARGIN 1e-6

/* pixel_byte over the image. Noise makes every branch of the clamp and the rounding a coin toss, so
 * with SSE2 (every x86-64) two pixels go at once without any: the same IEEE operations in the same
 * order, the clamp as max and min (max(0, v) is 0 > v ? 0 : v), the rounding as a mask. With approx,
 * shape holds approximations of approx's smooth_value: a pixel whose x lies within APPROX_MARGIN of a
 * rounding boundary is computed again from the exact value, so the bytes are the exact ones. */
static void pixel_bytes(uint8_t *pixels, const double *shape, const uint32_t *noise, double gain, double background,
                        const Shape *approx)
{
    int i = 0;
#if IMAGESET_HAVE_AVX2
    const __m128d g = _mm_set1_pd(gain), bg = _mm_set1_pd(background), zero = _mm_setzero_pd();
    const __m128d one = _mm_set1_pd(1.0), half = _mm_set1_pd(0.5), scale = _mm_set1_pd(1.0 / 4294967296.0);
    const __m128d amp = _mm_set1_pd(0.3), full = _mm_set1_pd(255.0), two31 = _mm_set1_pd(2147483648.0);
    const __m128d margin = _mm_set1_pd(APPROX_MARGIN);
    const __m128i flip = _mm_set1_epi32((int)0x80000000u);
    for (; i + 4 <= IMAGESET_PIXELS; i += 4) {
        __m128i n4 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)(noise + i)), flip);
        __m128i words[2];
        int near = 0;
        for (int h = 0; h < 2; h++) {
            /* (double) of the unsigned draw, exactly: the signed value of its top bit flipped, plus 2^31. */
            __m128d u = _mm_add_pd(_mm_cvtepi32_pd(h ? _mm_srli_si128(n4, 8) : n4), two31);
            __m128d v = _mm_add_pd(bg, _mm_mul_pd(g, _mm_loadu_pd(shape + i + 2 * h)));
            v = _mm_add_pd(v, _mm_mul_pd(amp, _mm_sub_pd(_mm_mul_pd(u, scale), half)));
            v = _mm_min_pd(one, _mm_max_pd(zero, v));
            __m128d x = _mm_mul_pd(full, v), up = _mm_add_pd(x, half);
            words[h] = _mm_cvttpd_epi32(_mm_and_pd(_mm_cmpge_pd(x, half), up));
            if (approx) {
                /* The distance from x to the nearer boundary of the byte k that x + ½ truncates to. */
                __m128d k = _mm_cvtepi32_pd(_mm_cvttpd_epi32(up));
                __m128d lo = _mm_sub_pd(x, _mm_sub_pd(k, half)), hi = _mm_sub_pd(_mm_add_pd(k, half), x);
                near |= _mm_movemask_pd(_mm_cmplt_pd(_mm_min_pd(lo, hi), margin)) << (2 * h);
            }
        }
        __m128i four = _mm_unpacklo_epi64(words[0], words[1]);
        __m128i bytes = _mm_packus_epi16(_mm_packs_epi32(four, four), _mm_setzero_si128());
        int32_t packed = _mm_cvtsi128_si32(bytes);
        memcpy(pixels + i, &packed, 4);
        for (int k = 0; near; k++, near >>= 1)
            if (near & 1)
                pixels[i + k] = pixel_byte(smooth_value(approx, (i + k) / IMAGESET_SIDE, (i + k) % IMAGESET_SIDE),
                                           noise[i + k], gain, background);
    }
#endif
    for (; i < IMAGESET_PIXELS; i++)
        pixels[i] = pixel_byte(approx ? smooth_value(approx, i / IMAGESET_SIDE, i % IMAGESET_SIDE) : shape[i],
                               noise[i], gain, background);
}

void imageset_draw(uint8_t *pixels, int label, Pcg32 *rng)
{
    Shape s = shape_draw(label, rng);
    double gain = uniform(rng, 0.6, 1.0), background = uniform(rng, 0.0, 0.15);
    /* One 32-bit draw per pixel keeps thousands of images fast: uniform noise in ±0.15, drawn at once
     * (pcg32_fill gives the numbers one by one draws would). */
    uint32_t noise[IMAGESET_PIXELS];
    pcg32_fill(rng, noise, IMAGESET_PIXELS);
    double shape[IMAGESET_PIXELS];
    const Shape *approx = NULL;
#if IMAGESET_HAVE_AVX2
    if (smooth_shape(label) && have_avx2()) {
        smooth_values_avx2(shape, &s);
        approx = &s;
    }
#endif
    if (!approx)
        shape_values(shape, &s);
    pixel_bytes(pixels, shape, noise, gain, background, approx);
}

void imageset_generate(uint8_t *pixels, uint8_t *labels, int n, Pcg32 *rng)
{
    if (n <= 0)
        return;
    int *order = xmalloc(sizeof *order * (size_t)n);
    for (int i = 0; i < n; i++)
        order[i] = i % IMAGESET_CLASSES;
    pcg32_shuffle_ints(rng, order, n);
    for (int i = 0; i < n; i++) {
        labels[i] = (uint8_t)order[i];
        imageset_draw(pixels + (size_t)i * IMAGESET_PIXELS, order[i], rng);
    }
    free(order);
}
