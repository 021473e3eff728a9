/* A history of values over the steps, growing or thinning itself as its caller chose (scene layer). */
#include "scene/history.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

void history_init(History *history, int cols, int cap)
{
    memset(history, 0, sizeof *history);
    history->cols = cols < 1 ? 1 : cols;
    history->cap = cap <= 0 ? 0 : cap < 4 ? 4 : cap;
    history->stride = 1;
    if (history->cap) {
        history->size = history->cap;
        history->x = xcalloc((size_t)history->size, sizeof *history->x);
        history->y = xcalloc((size_t)history->size * (size_t)history->cols, sizeof *history->y);
    }
}

void history_free(History *history)
{
    if (!history)
        return;
    free(history->x);
    free(history->y);
    memset(history, 0, sizeof *history);
}

void history_clear(History *history)
{
    history->n = 0;
    history->stride = 1;
}

/* A growing history doubles its rows; each column moves to its new place, last first. */
static void history_grow(History *h)
{
    if (h->cols < 1)
        h->cols = 1;
    if (h->stride < 1)
        h->stride = 1;
    int old = h->size, size = old ? 2 * old : 256;
    h->x = xrealloc(h->x, sizeof *h->x * (size_t)size);
    h->y = xrealloc(h->y, sizeof *h->y * (size_t)size * (size_t)h->cols);
    for (int c = h->cols - 1; c > 0; c--)
        memmove(h->y + (long)c * size, h->y + (long)c * old, sizeof *h->y * (size_t)h->n);
    h->size = size;
}

/* Keeps rows 0, 2, 4, ... so the first step stays and the spacing stays even. */
static void history_thin(History *h)
{
    int k = 0;
    for (int i = 0; i < h->n; i += 2, k++) {
        h->x[k] = h->x[i];
        for (int c = 0; c < h->cols; c++)
            h->y[(long)c * h->size + k] = h->y[(long)c * h->size + i];
    }
    h->n = k;
    h->stride *= 2;
}

void history_add(History *history, long step, const double *values)
{
    History *h = history;
    if (h->cap == 0) {
        if (h->n == h->size)
            history_grow(h);
    } else {
        if (step % h->stride != 0)
            return;
        if (h->n == h->cap) {
            history_thin(h);
            if (step % h->stride != 0)
                return;
        }
    }
    h->x[h->n] = (double)step;
    for (int c = 0; c < h->cols; c++)
        h->y[(long)c * h->size + h->n] = values[c];
    h->n++;
}

void history_push(History *history, long step, double value) { history_add(history, step, &value); }

double history_last(const History *history, int c)
{
    return history->n ? history_col(history, c)[history->n - 1] : NAN;
}
