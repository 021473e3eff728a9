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

static double segment_distance(double px, double py, double ax, double ay, double bx, double by)
{
    double dx = bx - ax, dy = by - ay;
    double t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy);
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double ex = px - (ax + t * dx), ey = py - (ay + t * dy);
    return sqrt(ex * ex + ey * ey);
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

static double shape_value(const Shape *s, double x, double y)
{
    double dx = x - s->cx, dy = y - s->cy;
    switch (s->label) {
    case 0: case 1: case 2: case 3: {
        /* Distance across the stripes: along the normal of their direction. */
        double across = -dx * s->sin_angle + dy * s->cos_angle;
        return 0.5 + 0.5 * cos(2 * PI * across / s->period + s->phase);
    }
    case 4:
        return exp(-(dx * dx + dy * dy) / (2 * s->size * s->size));
    case 5: {
        double ex = x - s->cx2, ey = y - s->cy2;
        return fmax(exp(-(dx * dx + dy * dy) / (2 * s->size * s->size)),
                    exp(-(ex * ex + ey * ey) / (2 * s->size2 * s->size2)));
    }
    case 6:
        return stroke(fabs(sqrt(dx * dx + dy * dy) - s->size), s->thickness);
    case 7: case 8: {
        double c = s->cos_angle, sn = s->sin_angle, l = s->size;
        double d1 = segment_distance(x, y, s->cx - l * c, s->cy - l * sn, s->cx + l * c, s->cy + l * sn);
        double d2 = segment_distance(x, y, s->cx + l * sn, s->cy - l * c, s->cx - l * sn, s->cy + l * c);
        return stroke(fmin(d1, d2), s->thickness);
    }
    default:
        return stroke(fabs(fmax(fabs(dx), fabs(dy)) - s->size), s->thickness);
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
    for (int r = 0; r < IMAGESET_SIDE; r++)
        for (int c = 0; c < IMAGESET_SIDE; c++) {
            double v = background + gain * shape_value(&s, c, r);
            v += 0.3 * ((double)noise[r * IMAGESET_SIDE + c] * (1.0 / 4294967296.0) - 0.5);
            pixels[r * IMAGESET_SIDE + c] = (uint8_t)lround(255.0 * clamp01(v));
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
