/* Synthetic datasets (shapes, ranges, determinism, learnability), the unknown-name error, the batch sampler. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "support/inputs.h"
#include "support/check.h"

static void load_or_fail(const char *name, uint64_t seed, int n_train, int n_test, Dataset **train, Dataset **test)
{
    BnError err = { 0 };
    bool ok = dataset_load(name, seed, n_train, n_test, train, test, &err);
    cr_assert(ok, "loading %s failed: %s: %s", name, err.where, err.message);
    cr_assert_not_null(*train);
    cr_assert_not_null(*test);
}

static bool same_data(const Dataset *a, const Dataset *b)
{
    if (a->n != b->n || a->dim != b->dim)
        return false;
    double *xa = inputs_of(a), *xb = inputs_of(b);
    bool same = memcmp(xa, xb, (size_t)a->n * (size_t)a->dim * sizeof *xa) == 0 &&
                memcmp(a->y, b->y, (size_t)a->n * sizeof *a->y) == 0;
    free(xa);
    free(xb);
    return same;
}

Test(dataset, every_synthetic_set_is_the_same_for_one_seed_and_different_for_another)
{
    for (int k = 0; dataset_synthetic_names[k]; k++) {
        const char *name = dataset_synthetic_names[k];
        Dataset *a, *at, *b, *bt, *c, *ct;
        load_or_fail(name, 7, 120, 60, &a, &at);
        load_or_fail(name, 7, 120, 60, &b, &bt);
        load_or_fail(name, 8, 120, 60, &c, &ct);
        cr_assert(same_data(a, b), "%s: two loads with seed 7 differ (train)", name);
        cr_assert(same_data(at, bt), "%s: two loads with seed 7 differ (test)", name);
        cr_assert(!same_data(a, c), "%s: seeds 7 and 8 give the same training set", name);
        cr_assert(!same_data(at, ct), "%s: seeds 7 and 8 give the same test set", name);
        double *xa = inputs_of(a), *xat = inputs_of(at);
        cr_assert(memcmp(xa, xat, 60 * (size_t)a->dim * sizeof *xa) != 0,
                  "%s: the test split repeats the training split", name);
        free(xa);
        free(xat);
        dataset_destroy(a), dataset_destroy(at), dataset_destroy(b), dataset_destroy(bt);
        dataset_destroy(c), dataset_destroy(ct);
    }
}

Test(dataset, default_sizes_shapes_and_class_counts_are_as_documented)
{
    struct { const char *name; int n_train, n_test, dim, classes; } want[] = {
        { "scaled2d", 200, 100, 2, 0 }, { "blobs", 300, 150, 2, 3 },  { "moons", 400, 200, 2, 2 },
        { "spirals", 400, 200, 2, 2 },  { "synth784", 6000, 1000, 784, 10 },
        { "shapes28", 6000, 1000, 784, 10 },
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        Dataset *tr, *te;
        load_or_fail(want[k].name, 1, 0, -1, &tr, &te);
        cr_assert_eq(tr->n, want[k].n_train, "%s train n = %d", want[k].name, tr->n);
        cr_assert_eq(te->n, want[k].n_test, "%s test n = %d", want[k].name, te->n);
        cr_assert_eq(tr->dim, want[k].dim, "%s dim", want[k].name);
        cr_assert_eq(te->dim, want[k].dim, "%s test dim", want[k].name);
        cr_assert_eq(tr->classes, want[k].classes, "%s classes", want[k].name);
        cr_assert_eq(te->classes, want[k].classes, "%s test classes", want[k].name);
        cr_assert_str_eq(tr->name, want[k].name);
        dataset_destroy(tr);
        dataset_destroy(te);
    }
}

Test(dataset, requested_sizes_are_honoured)
{
    Dataset *tr, *te;
    load_or_fail("moons", 3, 17, 5, &tr, &te);
    cr_assert_eq(tr->n, 17);
    cr_assert_eq(te->n, 5);
    dataset_destroy(tr);
    dataset_destroy(te);
}

/* Pearson correlation of column col of x (n, 2) with y. */
static double correlation(const Dataset *set, int col)
{
    double mx = 0, my = 0;
    for (int i = 0; i < set->n; i++)
        mx += dataset_values(set)[i * 2 + col], my += set->y[i];
    mx /= set->n, my /= set->n;
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < set->n; i++) {
        double dx = dataset_values(set)[i * 2 + col] - mx, dy = set->y[i] - my;
        sxy += dx * dy, sxx += dx * dx, syy += dy * dy;
    }
    return sxy / sqrt(sxx * syy);
}

Test(dataset, scaled2d_has_a_small_and_a_huge_feature_and_a_target_that_needs_both)
{
    Dataset *tr, *te;
    load_or_fail("scaled2d", 42, 0, 0, &tr, &te);
    double lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
    for (int i = 0; i < tr->n; i++)
        for (int c = 0; c < 2; c++) {
            lo[c] = fmin(lo[c], dataset_values(tr)[i * 2 + c]);
            hi[c] = fmax(hi[c], dataset_values(tr)[i * 2 + c]);
        }
    cr_assert(lo[0] >= 1 && hi[0] <= 5, "rooms in [%g, %g], want within [1, 5]", lo[0], hi[0]);
    cr_assert(hi[0] - lo[0] > 3, "rooms should spread over most of 1-5, got [%g, %g]", lo[0], hi[0]);
    cr_assert(lo[1] >= 1000 && hi[1] <= 99999, "distance in [%g, %g], want within [1000, 99999]", lo[1], hi[1]);
    cr_assert(hi[1] - lo[1] > 80000, "distance should spread widely, got [%g, %g]", lo[1], hi[1]);
    /* The spreads differ by more than three orders of magnitude: the point of lesson 1. */
    cr_assert((hi[1] - lo[1]) / (hi[0] - lo[0]) > 1e3);
    double r1 = correlation(tr, 0), r2 = correlation(tr, 1);
    cr_assert(fabs(r1) > 0.5, "y should depend clearly on rooms (r = %g)", r1);
    cr_assert(fabs(r2) > 0.2, "y should depend on distance too (r = %g)", r2);
    for (int i = 0; i < te->n; i++)
        cr_assert(isfinite(te->y[i]));
    dataset_destroy(tr);
    dataset_destroy(te);
}

/* Labels are whole numbers in [0, classes) and each class has n/classes samples (±1). */
static void check_balanced_labels(const Dataset *set)
{
    int counts[16] = { 0 };
    cr_assert(set->classes > 0 && set->classes <= 16);
    for (int i = 0; i < set->n; i++) {
        double y = set->y[i];
        cr_assert(y == floor(y) && y >= 0 && y < set->classes, "%s: label %g of sample %d", set->name, y, i);
        counts[(int)y]++;
    }
    for (int c = 0; c < set->classes; c++)
        cr_assert(abs(counts[c] - set->n / set->classes) <= 1, "%s: class %d has %d of %d samples", set->name, c,
                  counts[c], set->n);
}

static void check_box(const Dataset *set, double lo, double hi)
{
    double *x = inputs_of(set);
    for (int i = 0; i < set->n * set->dim; i++)
        cr_assert(x[i] >= lo && x[i] <= hi, "%s: value %g at %d outside [%g, %g]", set->name, x[i], i, lo, hi);
    free(x);
}

Test(dataset, classification_sets_have_balanced_labels_and_bounded_inputs)
{
    struct { const char *name; double lo, hi; } sets[] = {
        { "blobs", -5, 5 }, { "moons", -1.7, 2.7 }, { "spirals", -1.4, 1.4 }, { "synth784", 0, 1 },
        { "shapes28", 0, 1 },
    };
    for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
        Dataset *tr, *te;
        load_or_fail(sets[k].name, 5, 0, 0, &tr, &te);
        check_balanced_labels(tr);
        check_balanced_labels(te);
        check_box(tr, sets[k].lo, sets[k].hi);
        check_box(te, sets[k].lo, sets[k].hi);
        dataset_destroy(tr);
        dataset_destroy(te);
    }
}

Test(dataset, moons_put_class_zero_on_the_upper_arc)
{
    Dataset *tr, *te;
    load_or_fail("moons", 9, 0, 0, &tr, &te);
    double sum[2] = { 0, 0 };
    int count[2] = { 0, 0 };
    for (int i = 0; i < tr->n; i++) {
        int c = (int)tr->y[i];
        sum[c] += dataset_values(tr)[i * 2 + 1];
        count[c]++;
    }
    /* Upper arc: mean height 2/π ≈ 0.64; lower arc: 0.5 − 2/π ≈ −0.14. */
    check_close(sum[0] / count[0], 2 / M_PI, 0.1, 0.0, "mean height of class 0");
    check_close(sum[1] / count[1], 0.5 - 2 / M_PI, 0.3, 0.0, "mean height of class 1");
    dataset_destroy(tr);
    dataset_destroy(te);
}

Test(dataset, synth784_is_learnable_but_not_trivially)
{
    Dataset *tr, *te;
    load_or_fail("synth784", 11, 2000, 500, &tr, &te);
    /* Nearest class mean is a crude learner: it must beat chance (10 %) by far, yet stay imperfect. */
    double *centroid = calloc(10 * 784, sizeof *centroid);
    double *trx = inputs_of(tr), *tex = inputs_of(te);
    int count[10] = { 0 };
    for (int i = 0; i < tr->n; i++) {
        int c = (int)tr->y[i];
        count[c]++;
        for (int k = 0; k < 784; k++)
            centroid[c * 784 + k] += trx[i * 784 + k];
    }
    for (int c = 0; c < 10; c++)
        for (int k = 0; k < 784; k++)
            centroid[c * 784 + k] /= count[c];
    int right = 0;
    for (int i = 0; i < te->n; i++) {
        int best = -1;
        double best_d = INFINITY;
        for (int c = 0; c < 10; c++) {
            double d = 0;
            for (int k = 0; k < 784; k++) {
                double q = tex[i * 784 + k] - centroid[c * 784 + k];
                d += q * q;
            }
            if (d < best_d)
                best_d = d, best = c;
        }
        right += best == (int)te->y[i];
    }
    double acc = (double)right / te->n;
    cr_assert(acc > 0.5 && acc < 0.98, "nearest-centroid accuracy %g should be well above chance, below perfect", acc);
    free(centroid);
    free(trx);
    free(tex);
    dataset_destroy(tr);
    dataset_destroy(te);
}

Test(dataset, an_unknown_name_is_an_error_that_lists_the_valid_names)
{
    Dataset *tr = (Dataset *)1, *te = (Dataset *)1;
    BnError err = { 0 };
    cr_assert_not(dataset_load("mnist", 1, 0, 0, &tr, &te, &err));
    cr_assert_null(tr);
    cr_assert_null(te);
    cr_assert(err.set);
    cr_assert_str_eq(err.where, "mnist");
    for (int k = 0; dataset_synthetic_names[k]; k++)
        cr_assert_not_null(strstr(err.message, dataset_synthetic_names[k]), "message '%s' lacks %s", err.message,
                           dataset_synthetic_names[k]);
    cr_assert_not_null(strstr(err.message, "idx:DIR"), "message: %s", err.message);
}

Test(dataset, an_absurd_size_is_refused_instead_of_allocated)
{
    Dataset *tr, *te;
    BnError err = { 0 };
    cr_assert_not(dataset_load("synth784", 1, 2000000000, 10, &tr, &te, &err));
    cr_assert(err.set);
    cr_assert_not_null(strstr(err.message, "too many"), "message: %s", err.message);
}

Test(dataset, a_missing_idx_folder_is_reported_with_its_path)
{
    Dataset *tr, *te;
    BnError err = { 0 };
    cr_assert_not(dataset_load("idx:/nonexistent/bntutor-data", 1, 0, 0, &tr, &te, &err));
    cr_assert_str_eq(err.where, "/nonexistent/bntutor-data");
    cr_assert_null(tr);
}

Test(dataset, destroy_accepts_null)
{
    dataset_destroy(NULL);
    sampler_free(NULL);
}

Test(sampler, every_index_is_visited_exactly_once_per_epoch)
{
    enum { N = 12, BATCH = 4 };
    BatchSampler s;
    sampler_init(&s, N, 99);
    int first_epoch[N];
    for (int epoch = 0; epoch < 5; epoch++) {
        int seen[N] = { 0 };
        int idx[BATCH];
        for (int b = 0; b < N / BATCH; b++) {
            sampler_next(&s, idx, BATCH);
            cr_assert_eq(s.epoch, epoch, "batch %d of epoch %d reports epoch %ld", b, epoch, s.epoch);
            for (int i = 0; i < BATCH; i++) {
                cr_assert(idx[i] >= 0 && idx[i] < N);
                seen[idx[i]]++;
                if (epoch == 0)
                    first_epoch[b * BATCH + i] = idx[i];
            }
        }
        for (int k = 0; k < N; k++)
            cr_assert_eq(seen[k], 1, "epoch %d: index %d seen %d times", epoch, k, seen[k]);
    }
    sampler_free(&s);
    /* A fresh sampler with another seed orders the first epoch differently. */
    sampler_init(&s, N, 100);
    int other[N];
    for (int b = 0; b < N / BATCH; b++)
        sampler_next(&s, other + b * BATCH, BATCH);
    cr_assert(memcmp(other, first_epoch, sizeof other) != 0, "seeds 99 and 100 give the same order");
    sampler_free(&s);
}

Test(sampler, a_batch_that_does_not_fit_the_rest_of_an_epoch_starts_a_new_one)
{
    enum { N = 10, BATCH = 4 };
    BatchSampler s;
    sampler_init(&s, N, 5);
    int idx[BATCH];
    int seen[N] = { 0 };
    for (int b = 0; b < 2; b++) {
        sampler_next(&s, idx, BATCH);
        for (int i = 0; i < BATCH; i++)
            seen[idx[i]]++;
    }
    for (int k = 0; k < N; k++)
        cr_assert(seen[k] <= 1, "index %d repeated within an epoch", k);
    sampler_next(&s, idx, BATCH);   /* only 2 left: a new epoch begins */
    cr_assert_eq(s.epoch, 1);
    int distinct = 1;
    for (int i = 1; i < BATCH; i++)
        for (int j = 0; j < i && distinct; j++)
            distinct = idx[i] != idx[j];
    cr_assert(distinct, "a batch repeats an index");
    sampler_free(&s);
}

Test(sampler, gather_copies_the_chosen_rows)
{
    Dataset *tr, *te;
    load_or_fail("blobs", 2, 10, 5, &tr, &te);
    int idx[3] = { 7, 0, 7 };
    double x[6], y[3];
    dataset_gather(tr, idx, 3, x, y);
    for (int b = 0; b < 3; b++) {
        cr_assert_eq(x[b * 2], dataset_values(tr)[idx[b] * 2]);
        cr_assert_eq(x[b * 2 + 1], dataset_values(tr)[idx[b] * 2 + 1]);
        cr_assert_eq(y[b], tr->y[idx[b]]);
    }
    dataset_destroy(tr);
    dataset_destroy(te);
}

Test(dataset, synth784_rows_are_redrawn_identically_in_any_order_without_holding_pixels)
{
    Dataset *tr, *te;
    load_or_fail("synth784", 5, 300, 40, &tr, &te);
    double *all = inputs_of(tr);
    double row[784], twice[2 * 784];
    int idx[2] = { 299, 3 };
    /* Backwards, one row at a time, must give what the in-order pass gave, to the last bit. */
    for (int i = tr->n - 1; i >= 0; i -= 37) {
        dataset_row(tr, i, row);
        cr_assert(memcmp(row, all + (size_t)i * 784, sizeof row) == 0, "row %d differs when read alone", i);
    }
    dataset_gather(tr, idx, 2, twice, NULL);
    cr_assert(memcmp(twice, all + 299 * 784, sizeof row) == 0, "gathered row 299 differs");
    cr_assert(memcmp(twice + 784, all + 3 * 784, sizeof row) == 0, "gathered row 3 differs");
    cr_assert_null(dataset_values(tr), "synth784 should not be held as doubles");
    size_t held = dataset_private_bytes(tr), as_doubles = (size_t)tr->n * 784 * sizeof(double);
    cr_assert(held * 20 < as_doubles, "synth784 holds %zu bytes, a twentieth of %zu expected at most", held, as_doubles);
    free(all);
    dataset_destroy(tr);
    dataset_destroy(te);
}

Test(dataset, small_sets_are_doubles_that_row_and_rows_copy_exactly)
{
    Dataset *tr, *te;
    load_or_fail("moons", 4, 50, 10, &tr, &te);
    const double *v = dataset_values(tr);
    cr_assert_not_null(v);
    double rows[3 * 2], one[2];
    dataset_rows(tr, 10, 3, rows);
    cr_assert(memcmp(rows, v + 20, sizeof rows) == 0, "rows 10..12 differ from the stored values");
    dataset_row(tr, 49, one);
    cr_assert(memcmp(one, v + 98, sizeof one) == 0, "the last row differs");
    cr_assert_eq(dataset_private_bytes(tr), 50 * 2 * sizeof(double));
    dataset_destroy(tr);
    dataset_destroy(te);
}

/* The float reads of the training command: every float is (float) of the double read of the same row,
 * for synth784 before and after its rows are kept in float, for shapes28's bytes and for a small set of
 * doubles; only synth784 keeps a copy, and the copy costs 4 bytes a value. */
Test(dataset, float_reads_are_the_rounded_double_reads_and_only_synth784_keeps_a_float_copy)
{
    static const char *const names[] = { "synth784", "shapes28", "moons" };
    for (int s = 0; s < 3; s++) {
        Dataset *tr, *te;
        load_or_fail(names[s], 9, 200, 30, &tr, &te);
        size_t dim = (size_t)tr->dim, before = dataset_private_bytes(tr);
        double *all = inputs_of(tr);
        float *rows = malloc(sizeof(float) * (size_t)tr->n * dim);
        for (int pass = 0; pass < 2; pass++) {
            bool kept = pass == 1 && dataset_keep_float_rows(tr);
            cr_assert_eq(kept, pass == 1 && s == 0, "%s: kept %d in pass %d", names[s], kept, pass);
            dataset_rows_float(tr, 0, tr->n, rows);
            for (size_t i = 0; i < (size_t)tr->n * dim; i++)
                cr_assert(rows[i] == (float)all[i], "%s pass %d: value %zu is %.9g, (float) of %.17g expected",
                          names[s], pass, i, rows[i], all[i]);
            int idx[3] = { 7, tr->n - 1, 0 };
            float three[3 * 784];
            double y[3];
            dataset_gather_float(tr, idx, 3, three, y);
            for (int b = 0; b < 3; b++) {
                cr_assert(memcmp(three + b * dim, rows + (size_t)idx[b] * dim, sizeof(float) * dim) == 0,
                          "%s: gathered row %d differs", names[s], idx[b]);
                cr_assert_eq(y[b], tr->y[idx[b]]);
            }
        }
        size_t after = dataset_private_bytes(tr);
        cr_assert_eq(after, before + (s == 0 ? (size_t)tr->n * dim * sizeof(float) : 0), "%s: %zu then %zu bytes",
                     names[s], before, after);
        free(rows);
        free(all);
        dataset_destroy(tr);
        dataset_destroy(te);
    }
    /* A shifted set's float reads go through the shift, even after its rows were kept in float. */
    Dataset *tr, *te;
    load_or_fail("synth784", 9, 50, 10, &tr, &te);
    cr_assert(dataset_keep_float_rows(te));
    dataset_shift_inputs(te, 0.25, 1.5);
    double shifted[784];
    float f[784];
    dataset_row(te, 3, shifted);
    dataset_row_float(te, 3, f);
    for (int i = 0; i < 784; i++)
        cr_assert(f[i] == (float)shifted[i], "shifted value %d is %.9g, (float) of %.17g expected", i, f[i], shifted[i]);
    dataset_destroy(tr);
    dataset_destroy(te);
}

/* A shifted set reads every input as scale·x + offset, through every reader, and labels stay. */
Test(dataset, shifted_inputs_come_out_scaled_and_offset_and_labels_stay)
{
    static const char *const names[] = { "moons", "synth784", "shapes28" };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        Dataset *train, *test, *train2, *test2;
        BnError err = { 0 };
        cr_assert(dataset_load(names[k], 4, 20, 20, &train, &test, &err), "%s", err.message);
        cr_assert(dataset_load(names[k], 4, 20, 20, &train2, &test2, &err), "%s", err.message);
        dataset_shift_inputs(test2, 0.25, 1.5);
        int dim = test->dim;
        double *plain = calloc((size_t)dim * 3, sizeof *plain), *shifted = calloc((size_t)dim * 3, sizeof *shifted);
        double yp[3], ys[3];
        int idx[3] = { 7, 0, 19 };
        dataset_gather(test, idx, 3, plain, yp);
        dataset_gather(test2, idx, 3, shifted, ys);
        for (int i = 0; i < 3 * dim; i++)
            check_close(shifted[i], 1.5 * plain[i] + 0.25, 1e-15, 1e-15, "%s input %d", names[k], i);
        for (int b = 0; b < 3; b++)
            cr_assert_eq(ys[b], yp[b], "%s label %d", names[k], b);
        dataset_rows(test2, 7, 1, shifted);
        for (int i = 0; i < dim; i++)
            check_close(shifted[i], 1.5 * plain[i] + 0.25, 1e-15, 1e-15, "%s row 7 input %d", names[k], i);
        /* The raw doubles would bypass the shift, so a shifted set does not hand them out. */
        cr_assert_null(dataset_values(test2), "%s: dataset_values of a shifted set", names[k]);
        dataset_row(train2, 7, shifted);
        dataset_row(train, 7, plain);
        cr_assert_eq(memcmp(shifted, plain, sizeof *plain * (size_t)dim), 0, "%s: the other split is untouched",
                     names[k]);
        free(plain);
        free(shifted);
        dataset_destroy(train);
        dataset_destroy(test);
        dataset_destroy(train2);
        dataset_destroy(test2);
    }
}

Test(dataset, kept_float_rows_are_read_in_place_only_when_kept_and_unshifted)
{
    Dataset *tr, *te;
    load_or_fail("synth784", 3, 50, 20, &tr, &te);
    cr_assert_null(dataset_float_rows(tr, 0, 5), "rows before dataset_keep_float_rows are drawn, not kept");
    cr_assert(dataset_keep_float_rows(tr));
    const float *rows = dataset_float_rows(tr, 10, 5);
    cr_assert_not_null(rows);
    float want[5 * 784];
    dataset_rows_float(tr, 10, 5, want);
    cr_assert(memcmp(rows, want, sizeof want) == 0, "the kept rows in place are the rows read");
    cr_assert_null(dataset_float_rows(tr, 46, 5), "past the end");
    cr_assert_null(dataset_float_rows(tr, -1, 2), "before the start");
    cr_assert_not_null(dataset_float_rows(tr, 45, 5), "up to the last row");
    dataset_shift_inputs(tr, 0.5, 1.0);
    cr_assert_null(dataset_float_rows(tr, 0, 5), "a shifted set's rows come through the shift");
    dataset_destroy(tr);
    dataset_destroy(te);
}
