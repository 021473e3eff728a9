/* Statistics: moments against hand-computed values, stability, standardizing, histograms, numpy-style percentiles. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stats.h"
#include "support/check.h"

Test(stats, mean_and_both_variances_of_one_to_four_match_the_hand_computation)
{
    const double x[] = { 1, 2, 3, 4 };
    /* Deviations from 2.5 are ±1.5 and ±0.5: squares sum to 5. */
    check_close(stats_mean(x, 4), 2.5, 1e-15, 0.0, "mean");
    check_close(stats_variance(x, 4, 0), 5.0 / 4, 1e-15, 0.0, "biased variance");
    check_close(stats_variance(x, 4, 1), 5.0 / 3, 1e-15, 0.0, "unbiased variance");
    double m, v;
    stats_mean_var(&m, &v, x, 4, 1);
    cr_assert_eq(m, 2.5);
    check_close(v, 5.0 / 3, 1e-15, 0.0, "stats_mean_var unbiased");
}

Test(stats, variance_survives_a_huge_offset)
{
    const double x[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };
    /* Naive E[x²] − E[x]² loses everything here (1e18 against 1). */
    cr_assert_eq(stats_mean(x, 3), 1e9 + 2);
    check_close(stats_variance(x, 3, 0), 2.0 / 3, 1e-12, 0.0, "biased variance of 1e9 + {1,2,3}");
    check_close(stats_variance(x, 3, 1), 1.0, 1e-12, 0.0, "unbiased variance of 1e9 + {1,2,3}");
    const double y[] = { 1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16 };
    /* Deviations from 1e9 + 10: −6, −3, 3, 6; squares sum to 90. */
    check_close(stats_variance(y, 4, 1), 30.0, 1e-12, 0.0, "unbiased variance of 1e9 + {4,7,13,16}");
}

Test(stats, degenerate_sizes_give_zero_not_nan)
{
    const double one[] = { 7 };
    cr_assert_eq(stats_mean(one, 0), 0.0);
    cr_assert_eq(stats_variance(one, 1, 1), 0.0);
    cr_assert_eq(stats_variance(one, 1, 0), 0.0);
    cr_assert_eq(stats_mean(one, 1), 7.0);
}

static const double matrix[] = {
    1, 10,
    2, 20,
    3, 60,
};   /* (3, 2) */

Test(stats, column_statistics_treat_each_column_on_its_own)
{
    double mean[2], var[2];
    stats_column_mean_var(mean, var, matrix, 3, 2, 0);
    check_close(mean[0], 2.0, 1e-15, 0.0, "column 0 mean");
    check_close(mean[1], 30.0, 1e-15, 0.0, "column 1 mean");
    check_close(var[0], 2.0 / 3, 1e-15, 0.0, "column 0 variance");
    /* Deviations −20, −10, 30: 400 + 100 + 900 = 1400. */
    check_close(var[1], 1400.0 / 3, 1e-15, 0.0, "column 1 variance");
    stats_column_mean_var(mean, var, matrix, 3, 2, 1);
    check_close(var[1], 700.0, 1e-15, 0.0, "column 1 unbiased variance");
}

Test(stats, standardized_columns_have_mean_zero_and_variance_one)
{
    double out[6], mean[2], std[2];
    stats_standardize_columns(out, mean, std, matrix, 3, 2);
    check_close(out[0], -1.0 / sqrt(2.0 / 3), 1e-14, 0.0, "first value of column 0");
    check_close(out[5], 30.0 / sqrt(1400.0 / 3), 1e-14, 0.0, "last value of column 1");
    check_close(std[1], sqrt(1400.0 / 3), 1e-15, 0.0, "std of column 1");
    double m2[2], v2[2];
    stats_column_mean_var(m2, v2, out, 3, 2, 0);
    for (int j = 0; j < 2; j++) {
        cr_assert(fabs(m2[j]) < 1e-15, "mean of standardized column %d is %g", j, m2[j]);
        check_close(v2[j], 1.0, 1e-14, 0.0, "variance of standardized column %d", j);
    }
    /* In place, and applying the same statistics to other data. */
    double copy[6];
    memcpy(copy, matrix, sizeof copy);
    stats_standardize_columns(copy, NULL, NULL, copy, 3, 2);
    cr_assert(memcmp(copy, out, sizeof out) == 0, "in-place standardizing differs");
    const double other[2] = { 2, 30 };
    double moved[2];
    stats_apply_standardize(moved, other, mean, std, 1, 2);
    cr_assert(fabs(moved[0]) < 1e-15 && fabs(moved[1]) < 1e-15, "the means map to 0, got %g %g", moved[0], moved[1]);
}

Test(stats, a_constant_column_is_only_centred)
{
    const double x[] = { 5, 1, 5, 2, 5, 3 };   /* (3, 2): column 0 is constant */
    double out[6];
    stats_standardize_columns(out, NULL, NULL, x, 3, 2);
    cr_assert_eq(out[0], 0.0);
    cr_assert_eq(out[2], 0.0);
    cr_assert_eq(out[4], 0.0);
    for (int i = 0; i < 6; i++)
        cr_assert(isfinite(out[i]));
}

Test(stats, min_max_skips_values_that_are_not_finite)
{
    const double x[] = { NAN, 3, -INFINITY, -2, 8, INFINITY };
    double lo, hi;
    stats_min_max(&lo, &hi, x, 6);
    cr_assert_eq(lo, -2.0);
    cr_assert_eq(hi, 8.0);
    stats_min_max(&lo, &hi, x, 1);
    cr_assert_eq(lo, 0.0);
    cr_assert_eq(hi, 0.0);
}

static const double hist_x[] = { 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.99, 4, -1, 5, NAN };

Test(stats, histogram_bins_are_half_open_with_the_top_edge_in_the_last_bin)
{
    int counts[4], below = -1, above = -1;
    int nans = stats_histogram(counts, &below, &above, hist_x, 12, 0.0, 4.0, 4);
    cr_assert_eq(nans, 1);
    cr_assert_eq(below, 1);
    cr_assert_eq(above, 1);
    const int want[4] = { 2, 2, 2, 3 };
    for (int k = 0; k < 4; k++)
        cr_assert_eq(counts[k], want[k], "bin %d has %d, expected %d", k, counts[k], want[k]);
}

Test(stats, histogram_without_outside_counters_clamps_into_the_edge_bins)
{
    int counts[4];
    int nans = stats_histogram(counts, NULL, NULL, hist_x, 12, 0.0, 4.0, 4);
    const int want[4] = { 3, 2, 2, 4 };
    int sum = 0;
    for (int k = 0; k < 4; k++) {
        cr_assert_eq(counts[k], want[k], "bin %d has %d, expected %d", k, counts[k], want[k]);
        sum += counts[k];
    }
    cr_assert_eq(sum + nans, 12, "counts sum to %d with %d NaNs, expected 12", sum, nans);
}

Test(stats, histogram_of_many_values_counts_every_one)
{
    double x[1000];
    for (int i = 0; i < 1000; i++)
        x[i] = sin(i * 0.37) * 3.0;
    int counts[17];
    stats_histogram(counts, NULL, NULL, x, 1000, -1.0, 1.0, 17);
    int sum = 0;
    for (int k = 0; k < 17; k++)
        sum += counts[k];
    cr_assert_eq(sum, 1000);
}

Test(stats, a_histogram_of_a_constant_is_a_spike_in_the_middle)
{
    const double x[] = { 2, 2, 2 };
    int counts[5];
    stats_histogram(counts, NULL, NULL, x, 3, 2.0, 2.0, 5);
    cr_assert_eq(counts[2], 3);
    cr_assert_eq(counts[0] + counts[1] + counts[3] + counts[4], 0);
}

Test(stats, percentiles_interpolate_linearly_like_numpy)
{
    const double x[] = { 4, 1, 3, 2 };
    /* Sorted 1 2 3 4; h = 3p/100. */
    check_close(stats_percentile(x, 4, 50), 2.5, 1e-15, 0.0, "median");
    check_close(stats_percentile(x, 4, 25), 1.75, 1e-15, 0.0, "p25: h = 0.75");
    check_close(stats_percentile(x, 4, 0), 1.0, 1e-15, 0.0, "p0");
    check_close(stats_percentile(x, 4, 100), 4.0, 1e-15, 0.0, "p100");
    const double y[] = { 40, 10, 50, 30, 20 };
    /* Sorted 10..50; h = 4p/100: p15 → 0.6 → 16, p85 → 3.4 → 44. */
    double ps[3] = { 15, 50, 85 }, out[3];
    stats_percentiles(out, y, 5, ps, 3);
    check_close(out[0], 16.0, 1e-14, 0.0, "p15");
    check_close(out[1], 30.0, 1e-14, 0.0, "p50");
    check_close(out[2], 44.0, 1e-14, 0.0, "p85");
    const double y_before[] = { 40, 10, 50, 30, 20 };
    cr_assert(memcmp(y, y_before, sizeof y) == 0, "the input was reordered");
}

Test(stats, percentile_edge_cases_are_defined)
{
    const double one[] = { 7 };
    cr_assert_eq(stats_percentile(one, 1, 15), 7.0);
    cr_assert(isnan(stats_percentile(one, 0, 50)), "an empty set has no percentile");
    const double x[] = { 1, 2, 3 };
    cr_assert_eq(stats_percentile(x, 3, -5), 1.0, "p below 0 clamps to the minimum");
    cr_assert_eq(stats_percentile(x, 3, 150), 3.0, "p above 100 clamps to the maximum");
    const double with_nan[] = { 1, NAN, 3 };
    cr_assert(isnan(stats_percentile(with_nan, 3, 50)), "a NaN in the data gives NaN, as numpy does");
}

static int ascending(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

Test(stats, percentiles_by_selection_equal_those_of_a_full_sort_on_ties_and_many_values)
{
    /* Values from a few levels (many ties, as a relu's zeros), then spread values, at several sizes. */
    static const int sizes[] = { 1, 2, 3, 10, 101, 1000, 196000 };
    /* In ascending order and mixed: each selection narrows the next one's range to between earlier ones. */
    static const double orders[2][6] = { { 0.0, 15.0, 50.0, 85.0, 99.9, 100.0 },
                                         { 85.0, 0.0, 100.0, 50.0, 99.9, 15.0 } };
    unsigned seed = 7;
    for (int o = 0; o < 2; o++)
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
            for (int kind = 0; kind < 2; kind++) {
                const double *ps = orders[o];
                int n = sizes[z];
                double *x = malloc(sizeof(double) * (size_t)n), *sorted = malloc(sizeof(double) * (size_t)n);
                for (int i = 0; i < n; i++) {
                    seed = seed * 1103515245u + 12345u;
                    x[i] = kind == 0 ? (double)((seed >> 16) % 5) : (double)(seed >> 8) / 65536.0 - 100.0;
                }
                memcpy(sorted, x, sizeof(double) * (size_t)n);
                qsort(sorted, (size_t)n, sizeof(double), ascending);
                double got[6];
                stats_percentiles(got, x, n, ps, 6);
                for (int j = 0; j < 6; j++) {
                    double h = (n - 1) * (ps[j] / 100.0);
                    int i = (int)floor(h);
                    double want = i >= n - 1   ? sorted[n - 1]
                                  : h - i == 0.0 ? sorted[i]
                                                 : sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]);
                    cr_assert_eq(got[j], want, "order %d, n=%d kind %d: p%g is %.17g, a sort gives %.17g", o, n, kind,
                                 ps[j], got[j], want);
                }
                free(x);
                free(sorted);
            }
}

/* Many values and at most four percentiles (the radix selection): against a full sort, on values from
 * few levels, spread over both signs with zeros of both signs, clustered in one top digit, and with
 * the wanted ranks in one bucket or in several. */
Test(stats, percentiles_of_many_values_by_radix_equal_those_of_a_full_sort)
{
    static const int sizes[] = { 4096, 5001, 196000 };
    static const double sets[][4] = { { 15.0, 50.0, 85.0, 0.0 }, { 0.0, 100.0, 50.0, 99.99 }, { 49.9, 50.0, 50.1, 50.2 } };
    static const int counts[] = { 3, 4, 4 };
    unsigned seed = 11;
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
        for (int kind = 0; kind < 4; kind++)
            for (int set = 0; set < 3; set++) {
                int n = sizes[z];
                double *x = malloc(sizeof(double) * (size_t)n), *sorted = malloc(sizeof(double) * (size_t)n);
                for (int i = 0; i < n; i++) {
                    seed = seed * 1103515245u + 12345u;
                    double u = (double)(seed >> 8) / 16777216.0;    /* [0, 1) */
                    x[i] = kind == 0   ? (double)((seed >> 16) % 7) - 3.0
                           : kind == 1 ? (u - 0.5) * 1e3 * ((seed >> 4) % 3 == 0 ? 1e-6 : 1.0)
                           : kind == 2 ? 1.0 + u / 4096.0     /* every value in one top digit */
                                       : ((seed >> 12) % 4 == 0 ? ((seed >> 20) % 2 ? -0.0 : 0.0) : u - 0.3);
                }
                memcpy(sorted, x, sizeof(double) * (size_t)n);
                qsort(sorted, (size_t)n, sizeof(double), ascending);
                double got[4];
                stats_percentiles(got, x, n, sets[set], counts[set]);
                for (int j = 0; j < counts[set]; j++) {
                    double h = (n - 1) * (sets[set][j] / 100.0);
                    int i = (int)floor(h);
                    double want = i >= n - 1   ? sorted[n - 1]
                                  : h - i == 0.0 ? sorted[i]
                                                 : sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]);
                    cr_assert(got[j] == want, "n=%d kind %d: p%g is %.17g, a sort gives %.17g", n, kind, sets[set][j],
                              got[j], want);
                }
                free(x);
                free(sorted);
            }
}
