/* The shapes28 image generator: ten kinds of shape with random placement, size and noise, as bytes (engine layer). */
#include "engine/imageset.h"

#include <math.h>
#include <stdlib.h>

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

/* The shape's value at every pixel into v (IMAGESET_PIXELS), x the column and y the row: one loop per kind
 * of shape, with what does not change over the image computed once (the same arithmetic per pixel). */
static void shape_values(double *v, const Shape *s)
{
    int side = IMAGESET_SIDE;
    switch (s->label) {
    case 0: case 1: case 2: case 3:
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++) {
                double dx = c - s->cx, dy = r - s->cy;
                /* Distance across the stripes: along the normal of their direction. */
                double across = -dx * s->sin_angle + dy * s->cos_angle;
                v[r * side + c] = 0.5 + 0.5 * cos(2 * PI * across / s->period + s->phase);
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
                v[r * side + c] = stroke(fabs(sqrt(dx * dx + dy * dy) - s->size), s->thickness);
            }
        break;
    case 7: case 8: {
        double cs = s->cos_angle, sn = s->sin_angle, l = s->size;
        Segment g1 = segment_make(s->cx - l * cs, s->cy - l * sn, s->cx + l * cs, s->cy + l * sn);
        Segment g2 = segment_make(s->cx + l * sn, s->cy - l * cs, s->cx - l * sn, s->cy + l * cs);
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

void imageset_draw(uint8_t *pixels, int label, Pcg32 *rng)
{
    Shape s = shape_draw(label, rng);
    double gain = uniform(rng, 0.6, 1.0), background = uniform(rng, 0.0, 0.15);
    /* One 32-bit draw per pixel keeps thousands of images fast: uniform noise in ±0.15, drawn at once
     * (pcg32_fill gives the numbers one by one draws would). */
    uint32_t noise[IMAGESET_PIXELS];
    pcg32_fill(rng, noise, IMAGESET_PIXELS);
    double shape[IMAGESET_PIXELS];
    shape_values(shape, &s);
    for (int i = 0; i < IMAGESET_PIXELS; i++) {
        double v = background + gain * shape[i];
        v += 0.3 * ((double)noise[i] * (1.0 / 4294967296.0) - 0.5);
        /* lround of a value in [0, 255]: below one half it is 0, and from one half up x + 0.5 is
         * computed exactly enough that truncating it rounds half away from zero as lround does (only
         * just below one half could x + 0.5 round up to 1). */
        double x = 255.0 * clamp01(v);
        pixels[i] = (uint8_t)(x < 0.5 ? 0 : (int)(x + 0.5));
    }
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
