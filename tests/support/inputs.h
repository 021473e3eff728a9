/* Test helper: every input of a dataset as one array of doubles, for checks that look at all values. */
#ifndef BNTUTOR_TESTS_INPUTS_H
#define BNTUTOR_TESTS_INPUTS_H

#include <stdlib.h>

#include "engine/dataset.h"

/* (n, dim) row-major copy of set's inputs; free() it. */
static inline double *inputs_of(const Dataset *set)
{
    double *x = malloc(sizeof *x * (size_t)(set->n > 0 ? set->n : 1) * (size_t)(set->dim > 0 ? set->dim : 1));
    if (x)
        dataset_rows(set, 0, set->n, x);
    return x;
}

#endif
