/* A history of values over the steps, filled in step or update and drawn in draw (scene layer). */
#ifndef BNTUTOR_SCENE_HISTORY_H
#define BNTUTOR_SCENE_HISTORY_H

#include <stdbool.h>

/* One or more columns of numbers, one row per recorded step, with the step of each row in x. What
 * happens as it fills is the caller's choice, made once:
 *   cap 0 (or a zeroed History): it grows and keeps every row. For probes taken every few steps,
 *     which the run's step limit already bounds (placement, drift, real-data, conv-bn).
 *   cap > 0: it keeps at most cap rows; when full, every other row goes and from then on only every
 *     stride-th step is recorded, so a run as long as a learner lets it play still spans the whole
 *     chart in bounded memory (gamma-beta, loss-surface, sandbox). */
typedef struct History {
    int cols, cap, n;
    int size;               /* rows allocated */
    long stride;            /* record steps that are multiples of this (thinning histories) */
    double *x;              /* (size) the step of each row */
    double *y;              /* (cols, size): column c is y + c·size, so a chart gets a plain array */
} History;

/* A history of `cols` columns (at least 1) that grows (cap 0) or thins itself at cap rows. */
void history_init(History *history, int cols, int cap);
void history_free(History *history);        /* accepts NULL; leaves a zeroed History */
/* Forgets every row, keeping the columns and the policy. */
void history_clear(History *history);
/* Records a row of values (cols) at step; a thinning history takes only steps its stride allows
 * (always step 0). */
void history_add(History *history, long step, const double *values);
/* The same for a one-column history. */
void history_push(History *history, long step, double value);
/* Column c's latest value, NaN when there is none. */
double history_last(const History *history, int c);
static inline const double *history_col(const History *history, int c) { return history->y + (long)c * history->size; }

#endif
