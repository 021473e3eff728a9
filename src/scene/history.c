/* Histories of numbers over the steps, filled in step or update and drawn in draw (scene layer). */
#include "scene/history.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

void track_push(Track *t, double value)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 256;
        t->v = xrealloc(t->v, sizeof *t->v * (size_t)t->cap);
    }
    t->v[t->n++] = value;
}

double track_last(const Track *t) { return t->n ? t->v[t->n - 1] : NAN; }

void track_clear(Track *t) { t->n = 0; }

void track_free(Track *t)
{
    if (!t)
        return;
    free(t->v);
    memset(t, 0, sizeof *t);
}

void trace_init(Trace *trace, int cols, int cap)
{
    memset(trace, 0, sizeof *trace);
    trace->cols = cols < 1 ? 1 : cols;
    trace->cap = cap < 4 ? 4 : cap;
    trace->stride = 1;
    trace->x = xcalloc((size_t)trace->cap, sizeof *trace->x);
    trace->y = xcalloc((size_t)trace->cap * (size_t)trace->cols, sizeof *trace->y);
}

void trace_free(Trace *trace)
{
    if (!trace)
        return;
    free(trace->x);
    free(trace->y);
    memset(trace, 0, sizeof *trace);
}

/* Keeps rows 0, 2, 4, ... so the first step stays and the spacing stays even. */
static void trace_thin(Trace *t)
{
    int k = 0;
    for (int i = 0; i < t->n; i += 2, k++) {
        t->x[k] = t->x[i];
        for (int c = 0; c < t->cols; c++)
            t->y[(long)c * t->cap + k] = t->y[(long)c * t->cap + i];
    }
    t->n = k;
    t->stride *= 2;
}

void trace_add(Trace *trace, long step, const double *values)
{
    if (!trace->x || step % trace->stride != 0)
        return;
    if (trace->n == trace->cap) {
        trace_thin(trace);
        if (step % trace->stride != 0)
            return;
    }
    trace->x[trace->n] = (double)step;
    for (int c = 0; c < trace->cols; c++)
        trace->y[(long)c * trace->cap + trace->n] = values[c];
    trace->n++;
}
