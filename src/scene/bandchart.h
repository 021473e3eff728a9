/* A percentile band chart (15th to 85th around the median) over the steps, and its numbers (scene layer). */
#ifndef BNTUTOR_SCENE_BANDCHART_H
#define BNTUTOR_SCENE_BANDCHART_H

#include "view/canvas.h"
#include "view/rect.h"

/* 15th, 50th, 85th percentiles (out: 3) of x (n). */
void bandchart_percentiles(double *out, const double *x, int n);

/* The band chart: the 15th..85th band shaded around the median, with the 15th/85th lines, in a fixed
 * y range (so two charts side by side compare). steps: (n) x values. The title takes the top row. */
void bandchart_draw(Canvas *canvas, Rect area, const char *title, const double *steps, const double *p15,
                    const double *p50, const double *p85, int n, double y_lo, double y_hi, double x_hi,
                    ColorRole role);
/* Smallest and largest finite values across up to 6 arrays (NULL entries skipped), rounded out to nice
 * ticks (at least 0.2 wide); -1..1 when there is none. */
void bandchart_range(double *lo, double *hi, const double *const *arrays, int count, int n);

#endif
