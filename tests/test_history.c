/* The scenes' history of values over the steps: a growing one keeps every row, a thinning one keeps evenly spaced rows in bounded memory. */
#include <criterion/criterion.h>
#include <math.h>

#include "scene/history.h"

Test(history, a_zeroed_history_grows_and_keeps_every_value_with_its_step)
{
    History h = { 0 };
    cr_assert(isnan(history_last(&h, 0)), "an empty history has no last value");
    for (long step = 0; step < 1000; step++)
        history_push(&h, step * 3, 0.5 * (double)step);
    cr_assert_eq(h.n, 1000);
    for (int i = 0; i < 1000; i++) {
        cr_assert_eq(h.x[i], 3.0 * i, "row %d: step %g", i, h.x[i]);
        cr_assert_eq(history_col(&h, 0)[i], 0.5 * i, "row %d: value %g", i, history_col(&h, 0)[i]);
    }
    cr_assert_eq(history_last(&h, 0), 499.5);
    history_clear(&h);
    cr_assert_eq(h.n, 0);
    history_push(&h, 7, 1.0);
    cr_assert_eq(h.n, 1);
    cr_assert_eq(h.x[0], 7.0);
    history_free(&h);
    history_free(NULL);
}

Test(history, a_growing_history_of_several_columns_keeps_each_column_whole_as_it_grows)
{
    History h;
    history_init(&h, 3, 0);
    for (long step = 0; step < 700; step++) {
        double row[3] = { (double)step, -(double)step, 1000.0 + (double)step };
        history_add(&h, step, row);
    }
    cr_assert_eq(h.n, 700);
    for (int i = 0; i < 700; i++) {
        cr_assert_eq(history_col(&h, 0)[i], i);
        cr_assert_eq(history_col(&h, 1)[i], -i);
        cr_assert_eq(history_col(&h, 2)[i], 1000.0 + i, "column 2 row %d moved wrongly: %g", i, history_col(&h, 2)[i]);
    }
    cr_assert_eq(history_last(&h, 2), 1699.0);
    history_free(&h);
}

/* Rows kept by a thinning history of cap rows fed every step from 0 to last: step 0 and then every
 * stride-th step, with the stride doubled each time the rows ran out. */
Test(history, a_thinning_history_keeps_at_most_cap_evenly_spaced_rows_from_step_zero)
{
    enum { CAP = 10 };
    History h;
    history_init(&h, 2, CAP);
    for (long step = 0; step <= 100; step++) {
        double row[2] = { (double)step, 2.0 * (double)step };
        history_add(&h, step, row);
        cr_assert_leq(h.n, CAP, "step %ld: %d rows", step, h.n);
    }
    /* 0..9 fill it; at 10 it thins to 0,2,..,8 (stride 2) and takes 10..18; at 20 to 0,4,..,16 (stride 4)
     * and takes 20..36; at 40 to 0,8,..,32 (stride 8) and takes 40..72; at 80 to 0,16,..,64 and takes 80, 96. */
    static const double want[] = { 0, 16, 32, 48, 64, 80, 96 };
    cr_assert_eq(h.n, 7);
    cr_assert_eq(h.stride, 16);
    for (int i = 0; i < h.n; i++) {
        cr_assert_eq(h.x[i], want[i], "row %d: step %g, not %g", i, h.x[i], want[i]);
        cr_assert_eq(history_col(&h, 1)[i], 2.0 * want[i]);
    }
    history_free(&h);
}
