/* Descriptive statistics over raw buffers: stable mean/variance, columns, standardizing, histograms, percentiles (engine layer). */
#ifndef BNTUTOR_ENGINE_STATS_H
#define BNTUTOR_ENGINE_STATS_H

/* Mean of x (n); 0 when n ≤ 0. */
double stats_mean(const double *x, int n);
/* Variance of x (n) with ddof: 0 divides by n (biased, what BN uses in training), 1 by n − 1
 * (unbiased, what PyTorch stores as running variance). 0 when n ≤ ddof. Corrected two-pass, so
 * 1e9 + {1, 2, 3} gives exactly 2/3 (ddof 0), not cancellation noise. */
double stats_variance(const double *x, int n, int ddof);
/* Both at once; either output may be NULL. */
void stats_mean_var(double *mean, double *var, const double *x, int n, int ddof);
/* Per-column mean and variance of the (n, c) row-major matrix x: mean (c), var (c); var may be NULL. */
void stats_column_mean_var(double *mean, double *var, const double *x, int n, int c, int ddof);
/* out (n, c) = (x − column mean) / column std, with the biased std (ddof 0). A constant column
 * (std 0) is only centred. out may be x itself. mean (c) and std (c) receive the statistics used
 * (either may be NULL), so a test split can be standardized the same way with stats_apply_standardize. */
void stats_standardize_columns(double *out, double *mean, double *std, const double *x, int n, int c);
/* out (n, c) = (x − mean) / std per column; a std of 0 is treated as 1. out may be x. */
void stats_apply_standardize(double *out, const double *x, const double *mean, const double *std, int n, int c);
/* Smallest and largest finite values of x (n); both 0 when there is none. Either output may be NULL. */
void stats_min_max(double *lo, double *hi, const double *x, int n);

/* Histogram of x (n) into `bins` equal bins spanning [lo, hi]: bin k holds lo + k·w ≤ v < lo + (k+1)·w
 * (w = (hi − lo)/bins), and v = hi goes to the last bin. counts (bins) is overwritten.
 * Values below lo / above hi (±inf included) are counted in *below / *above (overwritten) when
 * those pointers are given, and otherwise clamped into the first / last bin, so that then
 * sum(counts) = n − NaNs. NaNs are never counted; the return value is how many there were.
 * bins ≤ 0 writes no counts. An empty or non-finite range (hi ≤ lo, e.g. a constant column) puts
 * every non-NaN value into the middle bin (bins / 2): a spike rather than nothing. */
int stats_histogram(int *counts, int *below, int *above, const double *x, int n, double lo, double hi, int bins);

/* The p-th percentile (p in [0, 100], clamped) of x (n) with linear interpolation between the
 * closest ranks, as numpy.percentile's default: sorted s, h = (n − 1)·p/100,
 * s[⌊h⌋] + (h − ⌊h⌋)·(s[⌊h⌋+1] − s[⌊h⌋]). x is left untouched (sorted copy). NaN when n ≤ 0 or x holds
 * a NaN (like numpy). */
double stats_percentile(const double *x, int n, double p);
/* k percentiles ps (k) at once, into out (k), with one sort. */
void stats_percentiles(double *out, const double *x, int n, const double *ps, int k);

#endif
