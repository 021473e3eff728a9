/* Descriptive statistics over raw buffers: corrected two-pass moments, histograms, numpy-style percentiles (engine layer). */
#include "engine/stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

/* Mean by a second, corrective pass: the first-pass mean's rounding error is measured and removed. */
static double stable_mean(const double *x, int n, int stride)
{
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += x[(size_t)i * (size_t)stride];
    double mean = sum / n;
    double residual = 0.0;
    for (int i = 0; i < n; i++)
        residual += x[(size_t)i * (size_t)stride] - mean;
    return mean + residual / n;
}

/* Corrected two-pass variance (Chan, Golub & LeVeque): sum of squared deviations minus the
 * (tiny) square of the summed deviations, which cancels the mean's rounding error. */
static void strided_mean_var(double *mean_out, double *var_out, const double *x, int n, int stride, int ddof)
{
    if (n <= 0) {
        if (mean_out)
            *mean_out = 0.0;
        if (var_out)
            *var_out = 0.0;
        return;
    }
    double mean = stable_mean(x, n, stride);
    if (mean_out)
        *mean_out = mean;
    if (!var_out)
        return;
    if (n <= ddof) {
        *var_out = 0.0;
        return;
    }
    double ss = 0.0, s = 0.0;
    for (int i = 0; i < n; i++) {
        double d = x[(size_t)i * (size_t)stride] - mean;
        ss += d * d;
        s += d;
    }
    double var = (ss - s * s / n) / (n - ddof);
    *var_out = var > 0.0 ? var : 0.0;
}

double stats_mean(const double *x, int n)
{
    double mean;
    strided_mean_var(&mean, NULL, x, n, 1, 0);
    return mean;
}

double stats_variance(const double *x, int n, int ddof)
{
    double var;
    strided_mean_var(NULL, &var, x, n, 1, ddof);
    return var;
}

void stats_mean_var(double *mean, double *var, const double *x, int n, int ddof)
{
    strided_mean_var(mean, var, x, n, 1, ddof);
}

void stats_column_mean_var(double *mean, double *var, const double *x, int n, int c, int ddof)
{
    for (int j = 0; j < c; j++)
        strided_mean_var(&mean[j], var ? &var[j] : NULL, x + j, n, c, ddof);
}

void stats_apply_standardize(double *out, const double *x, const double *mean, const double *std, int n, int c)
{
    for (int j = 0; j < c; j++) {
        double scale = std[j] > 0.0 ? 1.0 / std[j] : 1.0;
        for (int i = 0; i < n; i++) {
            size_t k = (size_t)i * (size_t)c + (size_t)j;
            out[k] = (x[k] - mean[j]) * scale;
        }
    }
}

void stats_standardize_columns(double *out, double *mean, double *std, const double *x, int n, int c)
{
    double *m = xmalloc((size_t)(c > 0 ? c : 1) * 2 * sizeof *m);   /* (2, c): means then stds */
    double *s = m + (c > 0 ? c : 1);
    stats_column_mean_var(m, s, x, n, c, 0);
    for (int j = 0; j < c; j++)
        s[j] = sqrt(s[j]);
    stats_apply_standardize(out, x, m, s, n, c);
    if (mean)
        memcpy(mean, m, (size_t)(c > 0 ? c : 0) * sizeof *m);
    if (std)
        memcpy(std, s, (size_t)(c > 0 ? c : 0) * sizeof *s);
    free(m);
}

void stats_min_max(double *lo, double *hi, const double *x, int n)
{
    double a = INFINITY, b = -INFINITY;
    for (int i = 0; i < n; i++)
        if (isfinite(x[i])) {
            a = x[i] < a ? x[i] : a;
            b = x[i] > b ? x[i] : b;
        }
    if (a > b)
        a = b = 0.0;
    if (lo)
        *lo = a;
    if (hi)
        *hi = b;
}

int stats_histogram(int *counts, int *below, int *above, const double *x, int n, double lo, double hi, int bins)
{
    int nans = 0, under = 0, over = 0;
    if (bins > 0)
        memset(counts, 0, (size_t)bins * sizeof *counts);
    bool degenerate = !(isfinite(lo) && isfinite(hi) && hi > lo);
    for (int i = 0; i < n; i++) {
        double v = x[i];
        if (isnan(v)) {
            nans++;
            continue;
        }
        if (bins <= 0)
            continue;
        int k;
        if (degenerate) {
            k = bins / 2;
        } else if (v < lo) {
            if (below) {
                under++;
                continue;
            }
            k = 0;
        } else if (v > hi) {
            if (above) {
                over++;
                continue;
            }
            k = bins - 1;
        } else {
            /* Rounding can push a value just under hi to index bins: it belongs to the last bin. */
            double f = (v - lo) / (hi - lo) * bins;
            k = f >= bins ? bins - 1 : (int)f;
        }
        counts[k]++;
    }
    if (below)
        *below = under;
    if (above)
        *above = over;
    return nans;
}

/* Puts the k-th smallest of s (n, no NaN) at s[k], smaller or equal values before it and larger or equal
 * after (quickselect, median-of-three pivots): the order statistic a full sort would put there. */
static void select_kth(double *s, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (hi > lo) {
        int mid = lo + (hi - lo) / 2;
        /* Median of three into s[mid]; it is the pivot. */
        if (s[mid] < s[lo]) { double t = s[mid]; s[mid] = s[lo]; s[lo] = t; }
        if (s[hi] < s[lo]) { double t = s[hi]; s[hi] = s[lo]; s[lo] = t; }
        if (s[hi] < s[mid]) { double t = s[hi]; s[hi] = s[mid]; s[mid] = t; }
        double pivot = s[mid];
        int i = lo, j = hi;
        while (i <= j) {
            while (s[i] < pivot)
                i++;
            while (s[j] > pivot)
                j--;
            if (i <= j) {
                double t = s[i];
                s[i] = s[j];
                s[j] = t;
                i++;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;     /* s[k] lies between the two parts: it equals the pivot */
    }
}

/* The value at sorted position k of s (n, no NaN), s reordered on the way. */
static double order_statistic(double *s, int n, int k)
{
    select_kth(s, n, k);
    return s[k];
}

/* ---------- many values: radix selection on keys that sort as the values do ---------- */

/* Below this many values quickselect is as fast; at and above, radix selection reads the values in a few
 * branch-free passes instead of partitioning them again for every percentile. */
enum { RADIX_MIN = 4096, RADIX_BITS = 11, RADIX_BUCKETS = 1 << RADIX_BITS, RADIX_TOP = 64 - RADIX_BITS,
       RADIX_FEW = 32, RANKS_MAX = 8 };

/* A key whose unsigned order is v's order among doubles without NaN: negative values get every bit
 * flipped, the others only the sign bit. -0 must have been made +0, so that equal values have equal keys. */
static uint64_t order_key(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u >> 63 ? ~u : u | UINT64_C(1) << 63;
}

static double key_value(uint64_t key)
{
    uint64_t u = key >> 63 ? key & ~(UINT64_C(1) << 63) : ~key;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static unsigned key_digit(uint64_t key, int shift)
{
    return (unsigned)(key >> shift) & (RADIX_BUCKETS - 1);
}

/* The key of rank `rank` (0 = the smallest) among keys (n), which it reorders, when every key shares the
 * digits above shift + RADIX_BITS: digit by digit, only the bucket holding the rank is kept, until a
 * few keys are left to sort. */
static uint64_t radix_select(uint64_t *keys, int n, int rank, int shift)
{
    int count[RADIX_BUCKETS];
    while (n > RADIX_FEW) {
        memset(count, 0, sizeof count);
        for (int i = 0; i < n; i++)
            count[key_digit(keys[i], shift)]++;
        unsigned b = 0;
        while (rank >= count[b])
            rank -= count[b++];
        int m = 0;
        for (int i = 0; i < n; i++) {
            keys[m] = keys[i];      /* branch-free: m ≤ i, so this never overwrites a key still to read */
            m += key_digit(keys[i], shift) == b;
        }
        n = m;
        if (shift == 0)
            return keys[0];     /* every bit was a digit: the keys left are equal */
        shift = shift > RADIX_BITS ? shift - RADIX_BITS : 0;    /* the last digit overlaps the one before */
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && keys[j] < keys[j - 1]; j--) {
            uint64_t t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
        }
    return keys[rank];
}

/* The top digit of x's key. */
static unsigned top_digit(double x)
{
    return (unsigned)(order_key(x + 0.0) >> RADIX_TOP);     /* + 0.0 turns -0 into +0 */
}

/* The values of ranks[0..count) (count ≤ RANKS_MAX, any order) among x (n ≥ RADIX_MIN, no NaN) into
 * values: one pass counts the top digits, then one pass per bucket that holds a wanted rank copies that
 * bucket's keys out (branch-free: no guess on which bucket a value falls in), and the rest looks at
 * those buckets alone. */
static void radix_order_statistics(double *values, const double *x, int n, const int *ranks, int count)
{
    int start[RADIX_BUCKETS + 1] = { 0 };    /* then where each top digit's keys start in sorted order */
    for (int i = 0; i < n; i++)
        start[top_digit(x[i]) + 1]++;
    for (int b = 0; b < RADIX_BUCKETS; b++)
        start[b + 1] += start[b];
    int bucket_of[RANKS_MAX], region[RANKS_MAX], picked_total = 0, biggest = 0;
    for (int r = 0; r < count; r++) {
        int b = 0;
        while (start[b + 1] <= ranks[r])
            b++;
        bucket_of[r] = b;
        region[r] = -1;
        for (int q = 0; q < r && region[r] < 0; q++)
            if (bucket_of[q] == b)
                region[r] = region[q];
        int size = start[b + 1] - start[b];
        biggest = size > biggest ? size : biggest;
        if (region[r] < 0) {
            region[r] = picked_total;
            picked_total += size;
        }
    }
    uint64_t *picked = xmalloc(sizeof *picked * ((size_t)picked_total + 1));
    uint64_t *work = xmalloc(sizeof *work * ((size_t)biggest + 1));
    for (int r = 0; r < count; r++) {
        bool first = true;
        for (int q = 0; q < r; q++)
            first = first && bucket_of[q] != bucket_of[r];
        if (!first)
            continue;
        uint64_t *dst = picked + region[r];
        unsigned b = (unsigned)bucket_of[r];
        int m = 0;
        for (int i = 0; i < n; i++) {
            uint64_t key = order_key(x[i] + 0.0);
            /* Written always, kept only when in the bucket: a stray write lands on the first slot of the
             * next region, filled after this one, or on the spare slot at the end of picked. */
            dst[m] = key;
            m += (unsigned)(key >> RADIX_TOP) == b;
        }
    }
    for (int r = 0; r < count; r++) {
        int b = bucket_of[r], size = start[b + 1] - start[b];
        memcpy(work, picked + region[r], sizeof *work * (size_t)size);
        values[r] = key_value(radix_select(work, size, ranks[r] - start[b], RADIX_TOP - RADIX_BITS));
    }
    free(work);
    free(picked);
}

/* stats_percentiles for at least RADIX_MIN values: the same two order statistics per percentile. */
static void percentiles_by_radix(double *out, const double *x, int n, const double *ps, int k)
{
    int ranks[RANKS_MAX] = { 0 }, count = 0;
    double frac[RANKS_MAX / 2];
    for (int j = 0; j < k; j++) {
        double p = ps[j] < 0 ? 0 : ps[j] > 100 ? 100 : ps[j];
        double h = (n - 1) * (p / 100.0);
        int i = (int)floor(h);
        frac[j] = i >= n - 1 ? 0.0 : h - i;
        ranks[count++] = i >= n - 1 ? n - 1 : i;
        ranks[count++] = i >= n - 1 ? n - 1 : i + 1;
    }
    double v[RANKS_MAX];
    radix_order_statistics(v, x, n, ranks, count);
    for (int j = 0; j < k; j++) {
        double lo = v[2 * j], next = v[2 * j + 1];
        out[j] = frac[j] == 0.0 ? lo : lo + frac[j] * (next - lo);
    }
}

void stats_percentiles(double *out, const double *x, int n, const double *ps, int k)
{
    bool has_nan = false;
    for (int i = 0; i < n && !has_nan; i++)
        has_nan = isnan(x[i]);
    if (n <= 0 || has_nan) {
        for (int j = 0; j < k; j++)
            out[j] = NAN;
        return;
    }
    /* Linear interpolation between the closest ranks, as numpy's default: two order statistics per
     * percentile, found by selection rather than a sort of all n values (linear time, which the conv
     * net's 196,000-value channel needs). */
    bool any_nan_p = false;
    for (int j = 0; j < k; j++)
        any_nan_p = any_nan_p || isnan(ps[j]);
    if (n >= RADIX_MIN && 2 * k <= RANKS_MAX && !any_nan_p) {
        percentiles_by_radix(out, x, n, ps, k);
        return;
    }
    double *s = xmalloc((size_t)n * sizeof *s);   /* (n) a copy, so x stays as it was */
    memcpy(s, x, (size_t)n * sizeof *s);
    for (int j = 0; j < k; j++) {
        double p = ps[j];
        if (isnan(p)) {
            out[j] = NAN;
            continue;
        }
        p = p < 0 ? 0 : p > 100 ? 100 : p;
        double h = (n - 1) * (p / 100.0);
        int i = (int)floor(h);
        if (i >= n - 1) {
            out[j] = order_statistic(s, n, n - 1);
            continue;
        }
        double frac = h - i, lo = order_statistic(s, n, i);
        if (frac == 0.0) {
            out[j] = lo;
            continue;
        }
        /* After the selection of i every later value is at least s[i]: the next is their minimum. */
        double next = s[i + 1];
        for (int r = i + 2; r < n; r++)
            next = s[r] < next ? s[r] : next;
        out[j] = lo + frac * (next - lo);
    }
    free(s);
}

double stats_percentile(const double *x, int n, double p)
{
    double out;
    stats_percentiles(&out, x, n, &p, 1);
    return out;
}
