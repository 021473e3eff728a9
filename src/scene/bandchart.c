/* A percentile band chart (15th to 85th around the median) over the steps, and its numbers (scene layer). */
#include "scene/bandchart.h"

#include <math.h>
#include <stddef.h>

#include "engine/stats.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"

void bandchart_percentiles(double *out, const double *x, int n)
{
    static const double ps[3] = { 15.0, 50.0, 85.0 };
    stats_percentiles(out, x, n, ps, 3);
}

void bandchart_range(double *lo, double *hi, const double *const *arrays, int count, int n)
{
    double a = INFINITY, b = -INFINITY;
    for (int i = 0; i < count; i++) {
        if (!arrays[i])
            continue;
        for (int j = 0; j < n; j++)
            if (isfinite(arrays[i][j])) {
                a = fmin(a, arrays[i][j]);
                b = fmax(b, arrays[i][j]);
            }
    }
    if (!isfinite(a)) {
        a = -1.0;
        b = 1.0;
    }
    if (b - a < 0.2) {
        /* A flat history would fill the chart with noise: show at least a little range around it. */
        double mid = 0.5 * (a + b);
        a = mid - 0.1;
        b = mid + 0.1;
    }
    /* Round out to nice ticks so both ends carry a label. */
    Ticks t;
    ticks_nice(&t, a, b, 4, true);
    *lo = t.count >= 2 ? t.v[0] : a;
    *hi = t.count >= 2 ? t.v[t.count - 1] : b;
}

void bandchart_draw(Canvas *canvas, Rect area, const char *title, const double *steps, const double *p15,
                         const double *p50, const double *p85, int n, double y_lo, double y_hi, double x_hi,
                         ColorRole role)
{
    if (area.w < 12 || area.h < 6)
        return;
    fitline_draw(canvas, area.x, area.y, title, role, ATTR_BOLD, area.w);
    Rect chart = rect_make(area.x, area.y + 1, area.w, area.h - 1);
    LineSeries series[3] = {
        { steps, p50, n, "median" },
        { steps, p15, n, "15th" },
        { steps, p85, n, "85th" },
    };
    LineBand band = { steps, p15, p85, n, ROLE_SERIES1 };
    LineChartSpec spec = {
        .series = series, .nseries = 3, .band = &band,
        .x = { .fixed = true, .lo = 0, .hi = x_hi > 0 ? x_hi : 1, .label = "step" },
        .y = { .fixed = true, .lo = y_lo, .hi = y_hi, .label = NULL },
        .legend = false,
    };
    linechart_draw(canvas, chart, &spec);
}
