/* Histories of numbers over the steps, filled in step or update and drawn in draw (scene layer). */
#ifndef BNTUTOR_SCENE_HISTORY_H
#define BNTUTOR_SCENE_HISTORY_H

#include <stdbool.h>

/* Two kinds: a Track keeps every value pushed (a probe every few steps, bounded by the run's length);
 * a Trace keeps several columns against the step and thins itself to a fixed number of rows, for
 * runs as long as a learner lets them play. */

/* A growable array of doubles. */
typedef struct Track {
    double *v;
    int n, cap;
} Track;

void track_push(Track *t, double value);
/* The latest value, NaN when there is none. */
double track_last(const Track *t);
void track_clear(Track *t);
void track_free(Track *t);

/* Keeps at most `cap` rows; when full, every other row is dropped and only every `stride`-th
 * step is recorded from then on, so a long run still spans the whole chart with bounded memory. */
typedef struct Trace {
    int cols, cap, n;
    long stride;            /* record steps that are multiples of this */
    double *x;              /* (cap) step of each row */
    double *y;              /* (cols, cap): column c is y + c·cap, so a chart gets a plain array */
} Trace;

void trace_init(Trace *trace, int cols, int cap);
void trace_free(Trace *trace);
/* Records row values (cols) at step when the stride allows (always for step 0). */
void trace_add(Trace *trace, long step, const double *values);
static inline const double *trace_col(const Trace *trace, int c) { return trace->y + (long)c * trace->cap; }

#endif
