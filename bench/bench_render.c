/* Render benchmark: a busy composite frame (panels, histograms, line chart with a band, contour, table,
 * text) into a canvas at 200×60 and 80×24; prints the median microseconds per frame for each size. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util/pcg32.h"
#include "view/canvas.h"
#include "view/chrome.h"
#include "view/plot.h"
#include "view/table.h"
#include "view/text.h"

enum { BINS = 40, NPTS = 500, NX = 60, NY = 20, PATH = 30, REPS = 301 };

typedef struct Data {
    double before[BINS], after[BINS];
    double ys[4][NPTS], lo[NPTS], hi[NPTS];
    double z[NX * NY], px[PATH], py[PATH];
    double table[8 * 6];
} Data;

static void data_fill(Data *d)
{
    Pcg32 rng;
    pcg32_seed(&rng, 42, 54);
    for (int i = 0; i < 2000; i++) {
        int b = (int)floor((3 + 2 * pcg32_normal(&rng)) / 12.0 * BINS);
        if (b >= 0 && b < BINS)
            d->before[b]++;
        b = (int)floor((pcg32_normal(&rng) + 4) / 8.0 * BINS);
        if (b >= 0 && b < BINS)
            d->after[b]++;
    }
    for (int s = 0; s < 4; s++)
        for (int i = 0; i < NPTS; i++)
            d->ys[s][i] = (s + 1) * exp(-i / (80.0 + 40 * s)) + 0.05 * pcg32_normal(&rng);
    for (int i = 0; i < NPTS; i++) {
        d->lo[i] = d->ys[0][i] - 0.3;
        d->hi[i] = d->ys[0][i] + 0.3;
    }
    for (int j = 0; j < NY; j++)
        for (int i = 0; i < NX; i++) {
            double x = -3 + 6.0 * i / (NX - 1), y = -1 + 2.0 * j / (NY - 1);
            d->z[j * NX + i] = 0.2 * x * x + 5 * y * y;
        }
    double x = -2.8, y = 0.9;
    for (int k = 0; k < PATH; k++) {
        d->px[k] = x, d->py[k] = y;
        x -= 0.08 * x;
        y -= 1.8 * y;
    }
    for (int i = 0; i < 48; i++)
        d->table[i] = pcg32_normal(&rng) * 100;
}

static void frame_draw(Canvas *c, const Data *d)
{
    canvas_clear(c);
    int w = c->width, h = c->height;
    int top = (h - 1) / 2, left = w / 2;
    Rect a = panel_draw(c, rect_make(0, 0, left, top), "Activations before / after BN", ROLE_AXIS);
    HistSeries hs[2] = {{d->before, BINS, 0, 12, "before", true, 3, 2}, {d->after, BINS, -4, 4, "after", true, 0, 1}};
    HistogramSpec hspec = {hs, 2, HIST_MIRROR, true, {.label = "x"}, {.label = "count"}};
    histogram_draw(c, a, &hspec);

    Rect b = panel_draw(c, rect_make(left, 0, w - left, top), "Overlay", ROLE_AXIS);
    HistogramSpec ospec = {hs, 2, HIST_OVERLAY, false, {.label = "x"}, {0}};
    histogram_draw(c, b, &ospec);

    Rect l = panel_draw(c, rect_make(0, top, left, h - 1 - top), "Loss", ROLE_AXIS);
    LineSeries ls[4] = {{NULL, d->ys[0], NPTS, "bn"}, {NULL, d->ys[1], NPTS, "plain"},
                        {NULL, d->ys[2], NPTS, "after"}, {NULL, d->ys[3], NPTS, "before"}};
    LineBand band = {NULL, d->lo, d->hi, NPTS, ROLE_SERIES1};
    LineChartSpec lspec = {ls, 4, &band, {.label = "step"}, {.label = "loss"}, true};
    linechart_draw(c, l, &lspec);

    Rect r = panel_draw(c, rect_make(left, top, w - left, h - 1 - top), "Surface", ROLE_AXIS);
    Rect rc, rt;
    rect_split_rows(r, r.h * 3 / 5, 0, &rc, &rt);
    ContourSpec cspec = {d->z, NX, NY, -3, 3, -1, 1, 8, CONTOUR_SQRT, false, d->px, d->py, PATH, true, 0, 0, "w1", "w2", false};
    contour_draw(c, rc, &cspec);
    Rect rtab, rtext;
    rect_split_cols(rt, rt.w / 2, 1, &rtab, &rtext);
    static const char *const cols[6] = {"a", "b", "c", "d", "e", "f"};
    TableSpec tspec = {d->table, 8, 6, NULL, cols, NULL, 4, 2, -1, 0, 0};
    table_draw(c, rtab, &tspec, NULL);
    text_draw(c, rtext, "**Batch norm** subtracts \\mu and divides by \\sqrt(\\sigma\\sq + \\epsilon); then "
                        "\\gamma scales and \\beta shifts. *Momentum* \\alpha updates the running stats.",
              ROLE_DEFAULT, 0);
    static const KeyHint hints[4] = {{"\xe2\x86\x90/\xe2\x86\x92", "page"}, {"space", "play"}, {"?", "help"}, {"q", "quit"}};
    statusbar_draw(c, rect_make(0, h - 1, w, 1), hints, 4, "lesson 4 \xc2\xb7 page 3/7");
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double bench_size(const Data *d, int w, int h, RasterMode mode)
{
    static double times[REPS];
    Canvas *c = canvas_create(w, h, mode, true);
    for (int i = 0; i < 5; i++)
        frame_draw(c, d);               /* warm-up */
    for (int i = 0; i < REPS; i++) {
        double t0 = now_us();
        frame_draw(c, d);
        times[i] = now_us() - t0;
    }
    canvas_destroy(c);
    qsort(times, REPS, sizeof times[0], cmp_double);
    return times[REPS / 2];
}

int main(void)
{
    static Data d;
    data_fill(&d);
    static const struct {
        int w, h;
    } sizes[2] = {{200, 60}, {80, 24}};
    static const char *const names[3] = {"braille", "blocks", "ascii"};
    for (int s = 0; s < 2; s++)
        for (int m = 0; m < 3; m++)
            printf("render %dx%d %-7s  median %8.1f us/frame  (%d frames)\n", sizes[s].w, sizes[s].h, names[m],
                   bench_size(&d, sizes[s].w, sizes[s].h, (RasterMode)m), REPS);
    return 0;
}
