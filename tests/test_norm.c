/* The normalization family (batch, layer, instance, group, rms) against batchnorm.c, hand formulas and central differences. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/batchnorm.h"
#include "engine/norm.h"
#include "support/check.h"
#include "support/json.h"
#include "util/pcg32.h"

static const NormMethod ALL_METHODS[] = { NORM_BATCH, NORM_LAYER, NORM_INSTANCE, NORM_GROUP, NORM_RMS };
enum { NUM_METHODS = sizeof ALL_METHODS / sizeof ALL_METHODS[0] };

/* Shapes every method accepts in training, G = groups dividing C. Each set has ≥ 3 values: with two,
 * x̂ = ±1 whatever x is, and the gradient of x is ε-small, too small to check by differences. */
static const NormShape SHAPES[] = {
    { 2, 4, 2, 3, 2 },
    { 3, 6, 1, 3, 3 },
    { 1, 2, 2, 2, 1 },
    { 4, 3, 3, 1, 3 },
    { 2, 1, 3, 3, 1 },
};
enum { NUM_SHAPES = sizeof SHAPES / sizeof SHAPES[0] };

static int shape_total(const NormShape *s)
{
    return s->n * s->c * s->h * s->w;
}

static double *random_array(Pcg32 *rng, int count, double scale, double offset)
{
    double *a = calloc((size_t)count, sizeof *a);
    cr_assert_not_null(a);
    for (int k = 0; k < count; k++)
        a[k] = offset + scale * pcg32_normal(rng);
    return a;
}

static double *zeros(int count)
{
    double *a = calloc((size_t)count, sizeof *a);
    cr_assert_not_null(a);
    return a;
}

/* Whether element (n, c) lies in set s, written from each method's definition, independent of norm.c. */
static bool hand_in_set(NormMethod method, const NormShape *sh, int s, int n, int c)
{
    switch (method) {
    case NORM_BATCH: return c == s;
    case NORM_LAYER: return n == s;
    case NORM_RMS: return n == s;
    case NORM_INSTANCE: return n == s / sh->c && c == s % sh->c;
    case NORM_GROUP: {
        int per = sh->c / sh->groups;
        return n == s / sh->groups && c / per == s % sh->groups;
    }
    }
    return false;
}

static int hand_num_sets(NormMethod method, const NormShape *sh)
{
    switch (method) {
    case NORM_BATCH: return sh->c;
    case NORM_LAYER: return sh->n;
    case NORM_RMS: return sh->n;
    case NORM_INSTANCE: return sh->n * sh->c;
    case NORM_GROUP: return sh->n * sh->groups;
    }
    return 0;
}

/* Mean and biased variance of set s by the textbook formula over every element of the tensor; for RMS
 * norm, which subtracts no mean, the centre 0 and the mean square. */
static void hand_stats(double *mean, double *var, const double *x, NormMethod method, const NormShape *sh, int s)
{
    int hw = sh->h * sh->w, count = 0;
    double sum = 0.0;
    for (int n = 0; n < sh->n; n++)
        for (int c = 0; c < sh->c; c++)
            for (int p = 0; p < hw; p++)
                if (hand_in_set(method, sh, s, n, c)) {
                    sum += x[(n * sh->c + c) * hw + p];
                    count++;
                }
    cr_assert_gt(count, 0, "%s set %d is empty", norm_method_name(method), s);
    *mean = method == NORM_RMS ? 0.0 : sum / count;
    double sq = 0.0;
    for (int n = 0; n < sh->n; n++)
        for (int c = 0; c < sh->c; c++)
            for (int p = 0; p < hw; p++)
                if (hand_in_set(method, sh, s, n, c)) {
                    double d = x[(n * sh->c + c) * hw + p] - *mean;
                    sq += d * d;
                }
    *var = sq / count;
}

typedef struct Run {
    NormShape shape;
    NormMethod method;
    int total, sets, params;
    double eps;
    double *x, *gamma, *beta, *dy;
    double *y, *xhat, *mean, *var, *rstd, *dx, *dgamma, *dbeta;
} Run;

static Run run_make(NormMethod method, NormShape shape, uint64_t seed)
{
    Run r;
    memset(&r, 0, sizeof r);
    r.shape = shape;
    r.method = method;
    r.total = shape_total(&shape);
    r.sets = norm_num_sets(method, &shape);
    r.params = norm_num_params(method, &shape);
    r.eps = 1e-5;
    Pcg32 rng;
    pcg32_seed(&rng, seed, 3u + (uint64_t)method);
    r.x = random_array(&rng, r.total, 2.0, 1.5);
    r.dy = random_array(&rng, r.total, 1.0, 0.0);
    r.gamma = random_array(&rng, r.params, 0.4, 1.0);
    r.beta = random_array(&rng, r.params, 1.0, 0.0);
    r.y = zeros(r.total);
    r.xhat = zeros(r.total);
    r.dx = zeros(r.total);
    r.mean = zeros(r.sets);
    r.var = zeros(r.sets);
    r.rstd = zeros(r.sets);
    r.dgamma = zeros(r.params);
    r.dbeta = zeros(r.params);
    return r;
}

static void run_forward_backward(Run *r)
{
    BnError err = { 0 };
    bool ok = norm_forward_train(r->y, r->xhat, r->mean, r->var, r->rstd, r->x, r->gamma, r->beta, r->eps,
                                 r->method, &r->shape, &err);
    cr_assert(ok, "%s norm refused N=%d C=%d H=%d W=%d: %s", norm_method_name(r->method), r->shape.n,
              r->shape.c, r->shape.h, r->shape.w, err.message);
    norm_backward(r->dx, r->dgamma, r->dbeta, r->dy, r->xhat, r->rstd, r->gamma, r->method, &r->shape);
}

static void run_free(Run *r)
{
    double *all[] = { r->x, r->gamma, r->beta, r->dy, r->y, r->xhat, r->mean, r->var, r->rstd, r->dx,
                      r->dgamma, r->dbeta };
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        free(all[k]);
}

/* ---------- names, counts and set membership ---------- */

Test(norm, method_names_parse_back_to_the_same_method_and_nothing_else_parses)
{
    for (int m = 0; m < NUM_METHODS; m++) {
        NormMethod got = NORM_GROUP == ALL_METHODS[m] ? NORM_BATCH : NORM_GROUP;
        cr_assert(norm_method_parse(norm_method_name(ALL_METHODS[m]), &got));
        cr_assert_eq(got, ALL_METHODS[m], "%s", norm_method_name(ALL_METHODS[m]));
    }
    NormMethod unchanged = NORM_LAYER;
    cr_assert(!norm_method_parse("Batch", &unchanged));
    cr_assert(!norm_method_parse("", &unchanged));
    cr_assert(!norm_method_parse("groups", &unchanged));
    cr_assert_eq(unchanged, NORM_LAYER, "a refused name leaves the method alone");
}

Test(norm, set_counts_sizes_and_parameters_follow_each_methods_definition)
{
    NormShape s = { 3, 6, 2, 5, 2 };
    cr_assert_eq(norm_num_sets(NORM_BATCH, &s), 6);
    cr_assert_eq(norm_set_size(NORM_BATCH, &s), 3 * 10);
    cr_assert_eq(norm_num_params(NORM_BATCH, &s), 6);
    cr_assert_eq(norm_num_sets(NORM_LAYER, &s), 3);
    cr_assert_eq(norm_set_size(NORM_LAYER, &s), 6 * 10);
    cr_assert_eq(norm_num_params(NORM_LAYER, &s), 60);
    cr_assert_eq(norm_num_sets(NORM_INSTANCE, &s), 18);
    cr_assert_eq(norm_set_size(NORM_INSTANCE, &s), 10);
    cr_assert_eq(norm_num_params(NORM_INSTANCE, &s), 6);
    cr_assert_eq(norm_num_sets(NORM_GROUP, &s), 6);
    cr_assert_eq(norm_set_size(NORM_GROUP, &s), 3 * 10);
    cr_assert_eq(norm_num_params(NORM_GROUP, &s), 6);
    cr_assert_eq(norm_num_sets(NORM_RMS, &s), 3);
    cr_assert_eq(norm_set_size(NORM_RMS, &s), 6 * 10);
    cr_assert_eq(norm_num_params(NORM_RMS, &s), 60);
    /* Tokens: 2 samples of 5 tokens of 4 features are 10 sets of 4 for layer norm, 4 sets of 10 for batch. */
    NormShape tokens = norm_shape_tokens(2, 5, 4);
    cr_assert(tokens.n == 10 && tokens.c == 4 && tokens.h == 1 && tokens.w == 1);
    cr_assert_eq(norm_num_sets(NORM_LAYER, &tokens), 10);
    cr_assert_eq(norm_set_size(NORM_LAYER, &tokens), 4);
    cr_assert_eq(norm_num_params(NORM_LAYER, &tokens), 4);
    cr_assert_eq(norm_num_sets(NORM_BATCH, &tokens), 4);
    cr_assert_eq(norm_set_size(NORM_BATCH, &tokens), 10);
}

Test(norm, every_element_belongs_to_the_set_its_definition_names_and_sets_have_the_stated_size)
{
    for (int m = 0; m < NUM_METHODS; m++)
        for (int k = 0; k < NUM_SHAPES; k++) {
            NormMethod method = ALL_METHODS[m];
            const NormShape *sh = &SHAPES[k];
            int sets = norm_num_sets(method, sh);
            cr_assert_eq(sets, hand_num_sets(method, sh));
            int *count = calloc((size_t)sets, sizeof *count);
            cr_assert_not_null(count);
            for (int n = 0; n < sh->n; n++)
                for (int c = 0; c < sh->c; c++)
                    for (int p = 0; p < sh->h * sh->w; p++) {
                        int s = norm_set_of(method, sh, n, c, p);
                        cr_assert(s >= 0 && s < sets, "%s shape %d: set %d out of range", norm_method_name(method), k, s);
                        cr_assert(hand_in_set(method, sh, s, n, c), "%s shape %d: (%d,%d,%d) put in set %d",
                                  norm_method_name(method), k, n, c, p, s);
                        count[s]++;
                    }
            for (int s = 0; s < sets; s++)
                cr_assert_eq(count[s], norm_set_size(method, sh), "%s shape %d set %d", norm_method_name(method), k, s);
            free(count);
        }
}

/* ---------- batch norm with H = W = 1 is batchnorm.c ---------- */

Test(norm, batch_method_on_one_by_one_positions_equals_batchnorm_c_forward_backward_and_eval)
{
    static const int sizes[][2] = { { 2, 1 }, { 5, 3 }, { 7, 8 }, { 16, 5 } };
    for (unsigned t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        int n = sizes[t][0], c = sizes[t][1];
        Run r = run_make(NORM_BATCH, (NormShape){ n, c, 1, 1, 0 }, 40u + t);
        run_forward_backward(&r);
        double *y = zeros(n * c), *xhat = zeros(n * c), *dx = zeros(n * c);
        double *mean = zeros(c), *var = zeros(c), *rstd = zeros(c), *dg = zeros(c), *db = zeros(c);
        BnError err = { 0 };
        cr_assert(batchnorm_forward_train(y, xhat, mean, var, rstd, r.x, r.gamma, r.beta, r.eps, n, c, &err));
        batchnorm_backward(dx, dg, db, r.dy, xhat, rstd, r.gamma, n, c);
        for (int k = 0; k < n * c; k++) {
            check_close(r.y[k], y[k], 1e-14, 1e-14, "%dx%d y[%d]", n, c, k);
            check_close(r.xhat[k], xhat[k], 1e-14, 1e-14, "%dx%d xhat[%d]", n, c, k);
            check_close(r.dx[k], dx[k], 1e-14, 1e-14, "%dx%d dx[%d]", n, c, k);
        }
        for (int j = 0; j < c; j++) {
            check_close(r.mean[j], mean[j], 1e-14, 1e-14, "%dx%d mean[%d]", n, c, j);
            check_close(r.var[j], var[j], 1e-14, 1e-14, "%dx%d var[%d]", n, c, j);
            check_close(r.rstd[j], rstd[j], 1e-14, 1e-14, "%dx%d rstd[%d]", n, c, j);
            check_close(r.dgamma[j], dg[j], 1e-14, 1e-14, "%dx%d dgamma[%d]", n, c, j);
            check_close(r.dbeta[j], db[j], 1e-14, 1e-14, "%dx%d dbeta[%d]", n, c, j);
        }
        /* Eval mode with some stored statistics. */
        for (int j = 0; j < c; j++) {
            mean[j] = 0.3 * j - 0.5;
            var[j] = 0.5 + j;
        }
        double *ey = zeros(n * c);
        norm_forward_eval_batch(ey, r.x, mean, var, r.gamma, r.beta, r.eps, &r.shape);
        batchnorm_forward_eval(y, r.x, mean, var, r.gamma, r.beta, r.eps, n, c);
        for (int k = 0; k < n * c; k++)
            check_close(ey[k], y[k], 1e-14, 1e-14, "%dx%d eval y[%d]", n, c, k);
        double *all[] = { y, xhat, dx, mean, var, rstd, dg, db, ey };
        for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
            free(all[k]);
        run_free(&r);
    }
}

Test(norm, batch_eval_over_positions_uses_each_channels_stored_statistics_at_every_position)
{
    NormShape sh = { 2, 3, 2, 2, 0 };
    Run r = run_make(NORM_BATCH, sh, 5u);
    double rm[3] = { 0.5, -1.0, 2.0 }, rv[3] = { 1.5, 0.25, 4.0 };
    norm_forward_eval_batch(r.y, r.x, rm, rv, r.gamma, r.beta, r.eps, &sh);
    for (int n = 0; n < 2; n++)
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < 4; p++) {
                int i = (n * 3 + c) * 4 + p;
                double want = r.gamma[c] * (r.x[i] - rm[c]) / sqrt(rv[c] + r.eps) + r.beta[c];
                check_close(r.y[i], want, 1e-14, 1e-14, "eval y at n=%d c=%d p=%d", n, c, p);
            }
    run_free(&r);
}

/* ---------- every method against the textbook formula ---------- */

static void check_against_hand_formulas(NormMethod method)
{
    for (int k = 0; k < NUM_SHAPES; k++) {
        Run r = run_make(method, SHAPES[k], 100u + (uint64_t)k);
        run_forward_backward(&r);
        const NormShape *sh = &r.shape;
        int hw = sh->h * sh->w;
        for (int s = 0; s < r.sets; s++) {
            double m, v;
            hand_stats(&m, &v, r.x, method, sh, s);
            check_close(r.mean[s], m, 1e-13, 1e-13, "%s shape %d mean[%d]", norm_method_name(method), k, s);
            check_close(r.var[s], v, 1e-13, 1e-13, "%s shape %d var[%d]", norm_method_name(method), k, s);
            check_close(r.rstd[s], 1.0 / sqrt(v + r.eps), 1e-13, 0, "%s shape %d rstd[%d]",
                        norm_method_name(method), k, s);
        }
        for (int n = 0; n < sh->n; n++)
            for (int c = 0; c < sh->c; c++)
                for (int p = 0; p < hw; p++) {
                    int i = (n * sh->c + c) * hw + p;
                    int s = -1;
                    for (int t = 0; t < r.sets; t++)
                        if (hand_in_set(method, sh, t, n, c))
                            s = t;
                    double m, v;
                    hand_stats(&m, &v, r.x, method, sh, s);
                    double h = (r.x[i] - m) / sqrt(v + r.eps);
                    int param = method == NORM_LAYER || method == NORM_RMS ? c * hw + p : c;
                    double shift = method == NORM_RMS ? 0.0 : r.beta[param];
                    check_close(r.xhat[i], h, 1e-12, 1e-12, "%s shape %d xhat[%d]", norm_method_name(method), k, i);
                    check_close(r.y[i], r.gamma[param] * h + shift, 1e-12, 1e-12, "%s shape %d y[%d]",
                                norm_method_name(method), k, i);
                }
        run_free(&r);
    }
}

Test(norm, batch_statistics_and_output_match_the_formula_over_samples_and_positions)
{
    check_against_hand_formulas(NORM_BATCH);
}

Test(norm, layer_statistics_and_output_match_the_formula_over_channels_and_positions)
{
    check_against_hand_formulas(NORM_LAYER);
}

Test(norm, instance_statistics_and_output_match_the_formula_over_positions)
{
    check_against_hand_formulas(NORM_INSTANCE);
}

Test(norm, group_statistics_and_output_match_the_formula_over_a_groups_channels_and_positions)
{
    check_against_hand_formulas(NORM_GROUP);
}

Test(norm, rms_statistics_and_output_match_the_formula_without_centring_or_shift)
{
    check_against_hand_formulas(NORM_RMS);
}

/* RMS norm keeps the mean: its sets come out with mean square near one instead. */
Test(norm, with_unit_gamma_and_zero_beta_every_set_has_mean_zero_and_variance_near_one)
{
    for (int m = 0; m < NUM_METHODS; m++) {
        NormShape sh = { 3, 4, 3, 2, 2 };
        Run r = run_make(ALL_METHODS[m], sh, 9u);
        for (int p = 0; p < r.params; p++) {
            r.gamma[p] = 1.0;
            r.beta[p] = 0.0;
        }
        run_forward_backward(&r);
        for (int s = 0; s < r.sets; s++) {
            double sum = 0.0, sq = 0.0;
            int count = 0;
            for (int n = 0; n < sh.n; n++)
                for (int c = 0; c < sh.c; c++)
                    for (int p = 0; p < sh.h * sh.w; p++)
                        if (norm_set_of(ALL_METHODS[m], &sh, n, c, p) == s) {
                            double y = r.y[(n * sh.c + c) * sh.h * sh.w + p];
                            sum += y;
                            sq += y * y;
                            count++;
                        }
            double mean = sum / count, var = sq / count - mean * mean;
            /* ε makes the variance a little below one: var/(var + ε). */
            double want = r.var[s] / (r.var[s] + r.eps);
            if (ALL_METHODS[m] == NORM_RMS) {
                check_close(sq / count, want, 1e-10, 0, "rms set %d mean square", s);
                continue;
            }
            cr_assert(fabs(mean) < 1e-12, "%s set %d: mean %g", norm_method_name(ALL_METHODS[m]), s, mean);
            check_close(var, want, 1e-10, 0, "%s set %d variance", norm_method_name(ALL_METHODS[m]), s);
        }
        run_free(&r);
    }
}

/* The teaching claim of RMS norm: on inputs whose every set has mean 0 its output is layer norm's
 * (without β); shifted, it is not, and x̂ keeps the set's mean. */
Test(norm, rms_output_equals_layer_norms_exactly_when_each_set_has_mean_zero)
{
    NormShape sh = { 3, 4, 2, 2, 0 };
    Run rms = run_make(NORM_RMS, sh, 31u), layer = run_make(NORM_LAYER, sh, 31u);
    int row = sh.c * sh.h * sh.w;
    for (int n = 0; n < sh.n; n++) {
        double sum = 0.0;
        for (int k = 0; k < row; k++)
            sum += rms.x[n * row + k];
        for (int k = 0; k < row; k++)
            rms.x[n * row + k] -= sum / row;
    }
    memcpy(layer.x, rms.x, sizeof *rms.x * (size_t)rms.total);
    memcpy(layer.dy, rms.dy, sizeof *rms.dy * (size_t)rms.total);
    memcpy(layer.gamma, rms.gamma, sizeof *rms.gamma * (size_t)rms.params);
    memset(layer.beta, 0, sizeof *layer.beta * (size_t)layer.params);
    run_forward_backward(&rms);
    run_forward_backward(&layer);
    for (int k = 0; k < rms.total; k++)
        check_close(rms.y[k], layer.y[k], 1e-12, 1e-12, "centred input, y[%d]", k);
    /* The gradients still differ: layer norm's dx is RMS norm's with each set's mean taken out, since
     * moving every value of a set alike moves the mean it subtracts, and nothing else. */
    for (int n = 0; n < sh.n; n++) {
        double mean_dx = 0.0;
        for (int k = 0; k < row; k++)
            mean_dx += rms.dx[n * row + k] / row;
        cr_assert_gt(fabs(mean_dx), 1e-3, "sample %d: RMS dx has a mean (%g)", n, mean_dx);
        for (int k = 0; k < row; k++)
            check_close(layer.dx[n * row + k], rms.dx[n * row + k] - mean_dx, 1e-10, 1e-12,
                        "centred input, dx[%d]", n * row + k);
    }
    for (int k = 0; k < rms.total; k++)
        rms.x[k] += 1.0;
    run_forward_backward(&rms);
    double mean = 0.0;
    for (int k = 0; k < row; k++)
        mean += rms.xhat[k] / row;
    /* Shifted by 1 with each sample's variance ~4: x̂'s mean is 1/√(4 + 1), not 0. */
    cr_assert_gt(mean, 0.2, "rms x-hat keeps the shift: mean %g", mean);
    run_free(&rms);
    run_free(&layer);
}

/* ---------- gradients by central differences ---------- */

/* L = Σ y·dy for the forward pass at r's x, gamma, beta. */
static double loss_at(const Run *r)
{
    double *y = zeros(r->total), *xhat = zeros(r->total);
    double *mean = zeros(r->sets), *var = zeros(r->sets), *rstd = zeros(r->sets);
    BnError err = { 0 };
    cr_assert(norm_forward_train(y, xhat, mean, var, rstd, r->x, r->gamma, r->beta, r->eps, r->method,
                                 &r->shape, &err));
    double loss = 0.0;
    for (int k = 0; k < r->total; k++)
        loss += y[k] * r->dy[k];
    double *all[] = { y, xhat, mean, var, rstd };
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        free(all[k]);
    return loss;
}

static double numeric_gradient(Run *r, double *param, int index)
{
    double saved = param[index];
    double h = 1e-5 * fmax(1.0, fabs(saved));
    param[index] = saved + h;
    double up = loss_at(r);
    param[index] = saved - h;
    double down = loss_at(r);
    param[index] = saved;
    return (up - down) / (2.0 * h);
}

/* Each analytic entry near its numeric twin, and not a vacuous match of zeros (as genann guards). The
 * absolute floor (1e-9 after the 1e-6 relative) sits above the difference quotient's rounding,
 * ~1e-16·|L|/h ≈ 1e-10, which sets of two values (gradients ~1e-7 from ε alone) would otherwise hit. */
static void check_gradient(const Run *r, const double *analytic, const double *numeric, int count, const char *what,
                           int shape_no)
{
    double largest = 0.0;
    for (int k = 0; k < count; k++) {
        check_close(analytic[k], numeric[k], 1e-6, 1e-3, "%s norm, shape %d, %s[%d]: analytic vs central difference",
                    norm_method_name(r->method), shape_no, what, k);
        largest = fmax(largest, fabs(numeric[k]));
    }
    cr_assert_gt(largest, 1e-3, "%s norm, shape %d, %s: the numeric gradient is all ~0 (largest %g)",
                 norm_method_name(r->method), shape_no, what, largest);
}

static void check_gradients(NormMethod method)
{
    for (int k = 0; k < NUM_SHAPES; k++) {
        Run r = run_make(method, SHAPES[k], 200u + (uint64_t)k);
        run_forward_backward(&r);
        double *num_dx = zeros(r.total), *num_dg = zeros(r.params), *num_db = zeros(r.params);
        for (int i = 0; i < r.total; i++)
            num_dx[i] = numeric_gradient(&r, r.x, i);
        for (int p = 0; p < r.params; p++) {
            num_dg[p] = numeric_gradient(&r, r.gamma, p);
            num_db[p] = numeric_gradient(&r, r.beta, p);
        }
        check_gradient(&r, r.dx, num_dx, r.total, "dx", k);
        check_gradient(&r, r.dgamma, num_dg, r.params, "dgamma", k);
        if (method == NORM_RMS) {
            /* No β: the loss does not move with it, and backward leaves dβ at 0. */
            for (int p = 0; p < r.params; p++)
                cr_assert(r.dbeta[p] == 0.0 && fabs(num_db[p]) < 1e-9, "rms dbeta[%d]: %g, numeric %g", p,
                          r.dbeta[p], num_db[p]);
        } else {
            check_gradient(&r, r.dbeta, num_db, r.params, "dbeta", k);
        }
        free(num_dx);
        free(num_dg);
        free(num_db);
        run_free(&r);
    }
}

Test(norm, batch_gradients_match_central_differences_over_several_shapes)
{
    check_gradients(NORM_BATCH);
}

Test(norm, layer_gradients_match_central_differences_over_several_shapes)
{
    check_gradients(NORM_LAYER);
}

Test(norm, instance_gradients_match_central_differences_over_several_shapes)
{
    check_gradients(NORM_INSTANCE);
}

Test(norm, group_gradients_match_central_differences_over_several_shapes)
{
    check_gradients(NORM_GROUP);
}

Test(norm, rms_gradients_match_central_differences_over_several_shapes)
{
    check_gradients(NORM_RMS);
}

/* Layer and RMS norm per token (N×T×C, statistics over C), and batch norm over tokens. */
Test(norm, per_token_gradients_match_central_differences)
{
    static const int tokens[][3] = { { 2, 3, 4 }, { 1, 5, 3 }, { 3, 2, 6 } };
    static const NormMethod methods[] = { NORM_LAYER, NORM_RMS, NORM_BATCH };
    for (unsigned m = 0; m < sizeof methods / sizeof methods[0]; m++)
        for (unsigned k = 0; k < sizeof tokens / sizeof tokens[0]; k++) {
            Run r = run_make(methods[m], norm_shape_tokens(tokens[k][0], tokens[k][1], tokens[k][2]), 300u + k);
            run_forward_backward(&r);
            double *num_dx = zeros(r.total), *num_dg = zeros(r.params);
            for (int i = 0; i < r.total; i++)
                num_dx[i] = numeric_gradient(&r, r.x, i);
            for (int p = 0; p < r.params; p++)
                num_dg[p] = numeric_gradient(&r, r.gamma, p);
            check_gradient(&r, r.dx, num_dx, r.total, "tokens dx", (int)k);
            check_gradient(&r, r.dgamma, num_dg, r.params, "tokens dgamma", (int)k);
            free(num_dx);
            free(num_dg);
            run_free(&r);
        }
}

Test(norm, backward_accumulates_into_dgamma_and_dbeta_and_overwrites_dx)
{
    for (int m = 0; m < NUM_METHODS; m++) {
        Run r = run_make(ALL_METHODS[m], SHAPES[0], 77u);
        run_forward_backward(&r);
        double *dg1 = zeros(r.params), *db1 = zeros(r.params), *dx1 = zeros(r.total);
        memcpy(dg1, r.dgamma, (size_t)r.params * sizeof *dg1);
        memcpy(db1, r.dbeta, (size_t)r.params * sizeof *db1);
        memcpy(dx1, r.dx, (size_t)r.total * sizeof *dx1);
        for (int i = 0; i < r.total; i++)
            r.dx[i] = 1e6;
        norm_backward(r.dx, r.dgamma, r.dbeta, r.dy, r.xhat, r.rstd, r.gamma, r.method, &r.shape);
        for (int p = 0; p < r.params; p++) {
            check_close(r.dgamma[p], 2.0 * dg1[p], 1e-14, 1e-14, "%s dgamma[%d]", norm_method_name(r.method), p);
            check_close(r.dbeta[p], 2.0 * db1[p], 1e-14, 1e-14, "%s dbeta[%d]", norm_method_name(r.method), p);
        }
        for (int i = 0; i < r.total; i++)
            check_close(r.dx[i], dx1[i], 1e-14, 1e-14, "%s dx[%d]", norm_method_name(r.method), i);
        free(dg1);
        free(db1);
        free(dx1);
        run_free(&r);
    }
}

/* ---------- shapes that cannot be normalized ---------- */

static void expect_refused(NormMethod method, NormShape sh, bool training, const char *needle)
{
    BnError err = { 0 };
    cr_assert(!norm_check(method, &sh, training, &err), "%s norm accepted N=%d C=%d H=%d W=%d G=%d",
              norm_method_name(method), sh.n, sh.c, sh.h, sh.w, sh.groups);
    cr_assert(err.set);
    cr_assert_not_null(strstr(err.message, needle), "%s norm: message lacks \"%s\": %s", norm_method_name(method),
                       needle, err.message);
}

Test(norm, groups_that_do_not_divide_the_channels_are_refused_naming_g_and_c)
{
    expect_refused(NORM_GROUP, (NormShape){ 2, 6, 2, 2, 4 }, true, "G=4 does not divide C=6");
    expect_refused(NORM_GROUP, (NormShape){ 2, 6, 2, 2, 0 }, false, "G=0");
    expect_refused(NORM_GROUP, (NormShape){ 2, 6, 2, 2, -3 }, true, "G=-3");
    expect_refused(NORM_GROUP, (NormShape){ 2, 3, 2, 2, 7 }, true, "G=7 does not divide C=3");
    /* The other methods ignore G. */
    BnError err = { 0 };
    cr_assert(norm_check(NORM_LAYER, &(NormShape){ 2, 6, 2, 2, 4 }, true, &err), "%s", err.message);
}

Test(norm, a_set_of_one_value_is_refused_in_training_for_every_method_and_allowed_in_eval)
{
    expect_refused(NORM_BATCH, (NormShape){ 1, 3, 1, 1, 0 }, true, "single value");
    expect_refused(NORM_BATCH, (NormShape){ 1, 3, 1, 1, 0 }, true, "eval mode");
    expect_refused(NORM_LAYER, (NormShape){ 4, 1, 1, 1, 0 }, true, "C*H*W values per sample");
    expect_refused(NORM_INSTANCE, (NormShape){ 4, 3, 1, 1, 0 }, true, "H*W values");
    expect_refused(NORM_GROUP, (NormShape){ 4, 3, 1, 1, 3 }, true, "C/G*H*W");
    expect_refused(NORM_RMS, (NormShape){ 4, 1, 1, 1, 0 }, true, "C*H*W values per sample");
    BnError err = { 0 };
    cr_assert(norm_check(NORM_BATCH, &(NormShape){ 1, 3, 1, 1, 0 }, false, &err), "eval of one sample: %s",
              err.message);
    /* Sets of two values are enough. */
    cr_assert(norm_check(NORM_BATCH, &(NormShape){ 1, 3, 1, 2, 0 }, true, &err), "%s", err.message);
    cr_assert(norm_check(NORM_INSTANCE, &(NormShape){ 1, 3, 2, 1, 0 }, true, &err), "%s", err.message);
    cr_assert(norm_check(NORM_GROUP, &(NormShape){ 1, 4, 1, 1, 2 }, true, &err), "%s", err.message);
}

Test(norm, dimensions_below_one_are_refused_for_every_method)
{
    static const NormShape bad[] = {
        { 0, 2, 2, 2, 1 }, { 2, 0, 2, 2, 1 }, { 2, 2, 0, 2, 1 }, { 2, 2, 2, 0, 1 }, { -1, 2, 2, 2, 1 },
    };
    for (int m = 0; m < NUM_METHODS; m++)
        for (unsigned k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            expect_refused(ALL_METHODS[m], bad[k], true, "at least 1");
            expect_refused(ALL_METHODS[m], bad[k], false, "at least 1");
        }
}

Test(norm, a_tensor_too_large_to_index_is_refused_rather_than_overflowing)
{
    expect_refused(NORM_LAYER, (NormShape){ 65536, 65536, 2, 1, 0 }, true, "too many values");
}

Test(norm, a_refused_forward_writes_nothing_and_says_why)
{
    double x[3] = { 1, 2, 3 }, y[3] = { -7, -7, -7 }, xhat[3] = { -7, -7, -7 }, stat[3] = { -7, -7, -7 };
    const double gamma[3] = { 1, 1, 1 }, beta[3] = { 0, 0, 0 };
    BnError err = { 0 };
    NormShape sh = { 1, 3, 1, 1, 0 };
    cr_assert(!norm_forward_train(y, xhat, stat, stat, stat, x, gamma, beta, 1e-5, NORM_INSTANCE, &sh, &err));
    cr_assert(err.set && strstr(err.message, "instance norm"), "%s", err.message);
    for (int k = 0; k < 3; k++)
        cr_assert(y[k] == -7 && xhat[k] == -7 && stat[k] == -7, "output %d touched", k);
}

/* ---------- PyTorch's answers (tests/reference/norm_pytorch.json, by make_norm_cases.py) ---------- */

static JsonValue *torch_cases_load(const char *path)
{
    char *text = check_read_file(path, NULL);
    cr_assert_not_null(text, "cannot read %s (tests run from the top of the tree)", path);
    char err[128];
    JsonValue *doc = json_parse(text, err, sizeof err);
    free(text);
    cr_assert_not_null(doc, "%s: %s", path, err);
    return doc;
}

/* The numbers of one key of a case, checked to be `count` of them; caller frees. */
static double *case_numbers(const JsonValue *cs, const char *key, int count, int case_no)
{
    double *out = zeros(count);
    int got = json_flatten(json_get(cs, key), out, count);
    cr_assert_eq(got, count, "case %d: '%s' has %d numbers, expected %d", case_no, key, got, count);
    return out;
}

/* 1e-9 relative; an absolute floor only for entries that are ~0 next to the rest of the array, or next to
 * `terms`, the size of the terms that cancel to give them (0: none). Sets of two values give dx that
 * cancel from O(γ·rstd·dy) down to O(ε); both sides then hold only those terms' rounding. */
static void check_against_case(const double *got, const JsonValue *cs, const char *key, int count, int case_no,
                               double terms)
{
    double *want = case_numbers(cs, key, count, case_no);
    double scale = 0.0;
    for (int k = 0; k < count; k++)
        scale = fmax(scale, fabs(want[k]));
    for (int k = 0; k < count; k++) {
        double floor_abs = fabs(want[k]) < 1e-6 * scale ? 1e-6 * scale : 0.0;
        floor_abs = fmax(floor_abs, 1e-6 * terms);
        check_close(got[k], want[k], 1e-9, floor_abs, "case %d (%s), %s[%d]", case_no,
                    json_string(json_get(cs, "method")), key, k);
    }
    free(want);
}

/* Largest γ·rstd·dy of a run: the size of the terms dx is the difference of. */
static double dx_terms(const Run *r)
{
    double g = 0.0, d = 0.0, q = 0.0;
    for (int p = 0; p < r->params; p++)
        g = fmax(g, fabs(r->gamma[p]));
    for (int k = 0; k < r->total; k++)
        d = fmax(d, fabs(r->dy[k]));
    for (int s = 0; s < r->sets; s++)
        q = fmax(q, r->rstd[s]);
    return g * d * q;
}

/* One PyTorch case on shape sh: statistics, forward, backward and (batch norm) the running update and eval
 * mode. RMS cases have no β: the engine gets NaN for it, so any read of it would show. */
static void check_torch_case(const JsonValue *cs, NormMethod method, NormShape sh, int k)
{
    Run r = run_make(method, sh, 1u);
    r.eps = json_number(json_get(cs, "eps"));
    free(r.x);
    free(r.dy);
    free(r.gamma);
    r.x = case_numbers(cs, "x", r.total, k);
    r.dy = case_numbers(cs, "dy", r.total, k);
    r.gamma = case_numbers(cs, "gamma", r.params, k);
    bool shift = !norm_descriptor(method)->no_shift;
    cr_assert_eq(json_get(cs, "beta") != NULL, shift, "case %d: a beta exactly when the method has one", k);
    if (shift) {
        free(r.beta);
        r.beta = case_numbers(cs, "beta", r.params, k);
    } else {
        for (int p = 0; p < r.params; p++)
            r.beta[p] = NAN;
    }
    run_forward_backward(&r);
    check_against_case(r.mean, cs, "mean", r.sets, k, 0);
    check_against_case(r.var, cs, "var", r.sets, k, 0);
    check_against_case(r.xhat, cs, "xhat", r.total, k, 0);
    check_against_case(r.y, cs, "y", r.total, k, 0);
    check_against_case(r.dx, cs, "dx", r.total, k, dx_terms(&r));
    check_against_case(r.dgamma, cs, "dgamma", r.params, k, 0);
    if (shift)
        check_against_case(r.dbeta, cs, "dbeta", r.params, k, 0);
    else
        for (int p = 0; p < r.params; p++)
            cr_assert(r.dbeta[p] == 0.0, "case %d: rms has no beta, yet dbeta[%d] = %g", k, p, r.dbeta[p]);
    if (method == NORM_BATCH) {
        double *rm = case_numbers(cs, "running_mean_in", sh.c, k);
        double *rv = case_numbers(cs, "running_var_in", sh.c, k);
        long seen = 0;
        batchnorm_update_running(rm, rv, &seen, r.mean, r.var, BN_CONVENTION_PYTORCH,
                                 json_number(json_get(cs, "momentum")), sh.n * sh.h * sh.w, sh.c);
        check_against_case(rm, cs, "running_mean", sh.c, k, 0);
        check_against_case(rv, cs, "running_var", sh.c, k, 0);
        norm_forward_eval_batch(r.y, r.x, rm, rv, r.gamma, r.beta, r.eps, &sh);
        check_against_case(r.y, cs, "eval_y", r.total, k, 0);
        free(rm);
        free(rv);
    }
    run_free(&r);
}

Test(norm, every_pytorch_case_of_every_method_matches_forward_statistics_backward_and_running_update)
{
    JsonValue *doc = torch_cases_load("tests/reference/norm_pytorch.json");
    int per_method[NORM_METHOD_COUNT] = { 0 };
    for (int k = 0; k < json_length(doc); k++) {
        const JsonValue *cs = json_index(doc, k);
        NormMethod method;
        cr_assert(norm_method_parse(json_string(json_get(cs, "method")), &method), "case %d: method", k);
        NormShape sh = { (int)json_number(json_get(cs, "n")), (int)json_number(json_get(cs, "c")),
                         (int)json_number(json_get(cs, "h")), (int)json_number(json_get(cs, "w")),
                         (int)json_number(json_get(cs, "groups")) };
        check_torch_case(cs, method, sh, k);
        per_method[method]++;
    }
    for (int m = 0; m < NUM_METHODS; m++)
        cr_assert_geq(per_method[ALL_METHODS[m]], 30, "only %d %s cases", per_method[ALL_METHODS[m]],
                      norm_method_name(ALL_METHODS[m]));
    json_free(doc);
}

/* Transformer tokens (N×T×C): layer and RMS norm per token over C, batch norm per feature over tokens. */
Test(norm, every_pytorch_token_case_matches_per_token_layer_and_rms_norm_and_batch_norm_over_tokens)
{
    JsonValue *doc = torch_cases_load("tests/reference/norm_tokens_pytorch.json");
    int per_method[NORM_METHOD_COUNT] = { 0 };
    for (int k = 0; k < json_length(doc); k++) {
        const JsonValue *cs = json_index(doc, k);
        NormMethod method;
        cr_assert(norm_method_parse(json_string(json_get(cs, "method")), &method), "case %d: method", k);
        NormShape sh = norm_shape_tokens((int)json_number(json_get(cs, "n")), (int)json_number(json_get(cs, "t")),
                                         (int)json_number(json_get(cs, "c")));
        check_torch_case(cs, method, sh, k);
        per_method[method]++;
    }
    cr_assert_geq(per_method[NORM_LAYER], 30, "only %d per-token layer cases", per_method[NORM_LAYER]);
    cr_assert_geq(per_method[NORM_RMS], 30, "only %d per-token rms cases", per_method[NORM_RMS]);
    cr_assert_geq(per_method[NORM_BATCH], 8, "only %d batch-over-tokens cases", per_method[NORM_BATCH]);
    json_free(doc);
}
