/* The BN engine against PyTorch's reference cases, central differences, invariants and conventions. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/batchnorm.h"
#include "support/check.h"
#include "support/json.h"
#include "util/pcg32.h"

/* ---------- reference cases ---------- */

static JsonValue *reference_load(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/batchnorm1d_pytorch.json", check_reference_dir());
    char *text = check_read_file(path, NULL);
    cr_assert_not_null(text, "cannot read %s", path);
    char err[128];
    JsonValue *doc = json_parse(text, err, sizeof err);
    free(text);
    cr_assert_not_null(doc, "%s: %s", path, err);
    cr_assert_gt(json_length(doc), 0, "%s holds no cases", path);
    return doc;
}

/* The numbers of one key of a case, checked to be `count` of them; caller frees. */
static double *case_numbers(const JsonValue *cs, const char *key, int count, int case_no)
{
    double *out = calloc((size_t)count, sizeof *out);
    cr_assert_not_null(out);
    int got = json_flatten(json_get(cs, key), out, count);
    cr_assert_eq(got, count, "case %d: '%s' has %d numbers, expected %d", case_no, key, got, count);
    return out;
}

/* 1e-9 relative; an absolute floor only for entries that are ~0 next to the rest of the array. */
static void check_against(const double *got, const JsonValue *cs, const char *key, int count, int case_no)
{
    double *want = case_numbers(cs, key, count, case_no);
    double scale = 0.0;
    for (int k = 0; k < count; k++)
        scale = fmax(scale, fabs(want[k]));
    for (int k = 0; k < count; k++) {
        double floor_abs = fabs(want[k]) < 1e-6 * scale ? 1e-6 * scale : 0.0;
        check_close(got[k], want[k], 1e-9, floor_abs, "case %d, %s[%d]", case_no, key, k);
    }
    free(want);
}

typedef struct CaseRun {
    int n, c;
    double eps, momentum;
    double *x, *gamma, *beta, *dy, *rm, *rv;            /* inputs; rm, rv updated in place */
    double *y, *xhat, *mean, *var, *var_u, *rstd;        /* forward */
    double *dx, *dgamma, *dbeta, *eval_y;
} CaseRun;

static CaseRun case_run(const JsonValue *cs, int case_no)
{
    CaseRun r;
    memset(&r, 0, sizeof r);
    r.n = (int)json_number(json_get(cs, "n"));
    r.c = (int)json_number(json_get(cs, "c"));
    r.eps = json_number(json_get(cs, "eps"));
    r.momentum = json_number(json_get(cs, "momentum"));
    cr_assert(r.n > 0 && r.c > 0 && isfinite(r.eps) && isfinite(r.momentum), "case %d: bad header", case_no);
    cr_assert_str_eq(json_string(json_get(cs, "convention")), "pytorch", "case %d", case_no);
    int nc = r.n * r.c;
    r.x = case_numbers(cs, "x", nc, case_no);
    r.dy = case_numbers(cs, "dy", nc, case_no);
    r.gamma = case_numbers(cs, "gamma", r.c, case_no);
    r.beta = case_numbers(cs, "beta", r.c, case_no);
    r.rm = case_numbers(cs, "running_mean_in", r.c, case_no);
    r.rv = case_numbers(cs, "running_var_in", r.c, case_no);
    r.y = calloc((size_t)nc, sizeof(double));
    r.xhat = calloc((size_t)nc, sizeof(double));
    r.dx = calloc((size_t)nc, sizeof(double));
    r.eval_y = calloc((size_t)nc, sizeof(double));
    r.mean = calloc((size_t)r.c, sizeof(double));
    r.var = calloc((size_t)r.c, sizeof(double));
    r.var_u = calloc((size_t)r.c, sizeof(double));
    r.rstd = calloc((size_t)r.c, sizeof(double));
    r.dgamma = calloc((size_t)r.c, sizeof(double));
    r.dbeta = calloc((size_t)r.c, sizeof(double));

    BnError err = { 0 };
    bool ok = batchnorm_forward_train(r.y, r.xhat, r.mean, r.var, r.rstd, r.x, r.gamma, r.beta, r.eps,
                                      r.n, r.c, &err);
    cr_assert(ok, "case %d: forward refused: %s", case_no, err.message);
    for (int j = 0; j < r.c; j++)
        r.var_u[j] = r.var[j] * r.n / (r.n - 1);
    batchnorm_backward(r.dx, r.dgamma, r.dbeta, r.dy, r.xhat, r.rstd, r.gamma, r.n, r.c);
    long seen = 0;
    batchnorm_update_running(r.rm, r.rv, &seen, r.mean, r.var, BN_CONVENTION_PYTORCH, r.momentum, r.n, r.c);
    cr_assert_eq(seen, 1, "case %d: one update counts one batch", case_no);
    batchnorm_forward_eval(r.eval_y, r.x, r.rm, r.rv, r.gamma, r.beta, r.eps, r.n, r.c);
    return r;
}

static void case_free(CaseRun *r)
{
    double *all[] = { r->x, r->gamma, r->beta, r->dy, r->rm, r->rv, r->y, r->xhat, r->mean, r->var,
                      r->var_u, r->rstd, r->dx, r->dgamma, r->dbeta, r->eval_y };
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        free(all[k]);
}

Test(batchnorm, every_reference_case_matches_pytorch_in_the_training_forward_pass)
{
    JsonValue *doc = reference_load();
    for (int k = 0; k < json_length(doc); k++) {
        const JsonValue *cs = json_index(doc, k);
        CaseRun r = case_run(cs, k);
        check_against(r.mean, cs, "mean", r.c, k);
        check_against(r.var, cs, "var", r.c, k);
        check_against(r.var_u, cs, "var_unbiased", r.c, k);
        check_against(r.xhat, cs, "xhat", r.n * r.c, k);
        check_against(r.y, cs, "y", r.n * r.c, k);
        case_free(&r);
    }
    json_free(doc);
}

Test(batchnorm, every_reference_case_matches_pytorch_in_the_backward_pass)
{
    JsonValue *doc = reference_load();
    for (int k = 0; k < json_length(doc); k++) {
        const JsonValue *cs = json_index(doc, k);
        CaseRun r = case_run(cs, k);
        check_against(r.dx, cs, "dx", r.n * r.c, k);
        check_against(r.dgamma, cs, "dgamma", r.c, k);
        check_against(r.dbeta, cs, "dbeta", r.c, k);
        case_free(&r);
    }
    json_free(doc);
}

Test(batchnorm, every_reference_case_matches_pytorch_running_statistics_and_eval_output)
{
    JsonValue *doc = reference_load();
    for (int k = 0; k < json_length(doc); k++) {
        const JsonValue *cs = json_index(doc, k);
        CaseRun r = case_run(cs, k);
        check_against(r.rm, cs, "running_mean", r.c, k);
        check_against(r.rv, cs, "running_var", r.c, k);
        check_against(r.eval_y, cs, "eval_y", r.n * r.c, k);
        case_free(&r);
    }
    json_free(doc);
}

/* ---------- gradients by central differences ---------- */

enum { GN = 6, GC = 3 };

/* L = Σ y·dy for the training forward at x, gamma, beta. */
static double loss_at(const double *x, const double *gamma, const double *beta, const double *dy, double eps)
{
    double y[GN * GC], xhat[GN * GC], mean[GC], var[GC], rstd[GC];
    BnError err = { 0 };
    cr_assert(batchnorm_forward_train(y, xhat, mean, var, rstd, x, gamma, beta, eps, GN, GC, &err));
    double loss = 0.0;
    for (int k = 0; k < GN * GC; k++)
        loss += y[k] * dy[k];
    return loss;
}

/* Central difference of loss_at in one coordinate of `param` (x, gamma or beta). */
static double numeric_gradient(double *param, int index, const double *x, const double *gamma,
                               const double *beta, const double *dy, double eps)
{
    double saved = param[index];
    double h = 1e-5 * fmax(1.0, fabs(saved));
    param[index] = saved + h;
    double up = loss_at(x, gamma, beta, dy, eps);
    param[index] = saved - h;
    double down = loss_at(x, gamma, beta, dy, eps);
    param[index] = saved;
    return (up - down) / (2.0 * h);
}

/* Each analytic entry near its numeric twin, and not a vacuous match of zeros (as genann guards). */
static void check_gradient(const double *analytic, const double *numeric, int count, const char *what)
{
    double largest = 0.0;
    for (int k = 0; k < count; k++) {
        check_close(analytic[k], numeric[k], 1e-6, 1e-6, "%s[%d]: analytic vs central difference", what, k);
        largest = fmax(largest, fabs(numeric[k]));
    }
    cr_assert_gt(largest, 1e-3, "%s: the numeric gradient is all ~0 (largest %g), the check proves nothing",
                 what, largest);
}

Test(batchnorm, gradients_match_central_differences_of_the_sum_of_y_times_dy)
{
    Pcg32 rng;
    pcg32_seed(&rng, 7u, 11u);
    double x[GN * GC], dy[GN * GC], gamma[GC], beta[GC];
    for (int k = 0; k < GN * GC; k++) {
        x[k] = 3.0 * pcg32_normal(&rng) + (k % GC);
        dy[k] = pcg32_normal(&rng);
    }
    for (int j = 0; j < GC; j++) {
        gamma[j] = 0.5 + pcg32_uniform(&rng);
        beta[j] = pcg32_normal(&rng);
    }
    const double eps = 1e-5;
    double y[GN * GC], xhat[GN * GC], mean[GC], var[GC], rstd[GC];
    BnError err = { 0 };
    cr_assert(batchnorm_forward_train(y, xhat, mean, var, rstd, x, gamma, beta, eps, GN, GC, &err));
    double dx[GN * GC], dgamma[GC] = { 0 }, dbeta[GC] = { 0 };
    batchnorm_backward(dx, dgamma, dbeta, dy, xhat, rstd, gamma, GN, GC);

    double num_dx[GN * GC], num_dgamma[GC], num_dbeta[GC];
    for (int k = 0; k < GN * GC; k++)
        num_dx[k] = numeric_gradient(x, k, x, gamma, beta, dy, eps);
    for (int j = 0; j < GC; j++) {
        num_dgamma[j] = numeric_gradient(gamma, j, x, gamma, beta, dy, eps);
        num_dbeta[j] = numeric_gradient(beta, j, x, gamma, beta, dy, eps);
    }
    check_gradient(dx, num_dx, GN * GC, "dx");
    check_gradient(dgamma, num_dgamma, GC, "dgamma");
    check_gradient(dbeta, num_dbeta, GC, "dbeta");
}

Test(batchnorm, backward_accumulates_into_dgamma_and_dbeta)
{
    double x[4] = { 1, 2, 4, 7 }, dy[4] = { 0.5, -1, 2, 0.25 }, gamma[1] = { 2 }, beta[1] = { 0 };
    double y[4], xhat[4], mean[1], var[1], rstd[1], dx[4];
    BnError err = { 0 };
    cr_assert(batchnorm_forward_train(y, xhat, mean, var, rstd, x, gamma, beta, 1e-5, 4, 1, &err));
    double dgamma[1] = { 0 }, dbeta[1] = { 0 };
    batchnorm_backward(dx, dgamma, dbeta, dy, xhat, rstd, gamma, 4, 1);
    double once_g = dgamma[0], once_b = dbeta[0];
    batchnorm_backward(dx, dgamma, dbeta, dy, xhat, rstd, gamma, 4, 1);
    check_close(dgamma[0], 2 * once_g, 1e-12, 0.0, "dgamma after two backward calls");
    check_close(dbeta[0], 2 * once_b, 1e-12, 0.0, "dbeta after two backward calls");
    check_close(once_b, 1.75, 1e-12, 0.0, "dbeta = sum of dy");
}

/* ---------- invariants ---------- */

Test(batchnorm, with_unit_gamma_and_zero_beta_each_feature_has_mean_zero_and_variance_one)
{
    enum { N = 50, C = 4 };
    Pcg32 rng;
    pcg32_seed(&rng, 3u, 5u);
    double x[N * C], y[N * C], xhat[N * C], mean[C], var[C], rstd[C];
    const double gamma[C] = { 1, 1, 1, 1 }, beta[C] = { 0, 0, 0, 0 };
    const double scales[C] = { 1e-3, 1.0, 250.0, 4e4 }, offsets[C] = { 5.0, -2.0, 1e3, 5e4 };
    for (int i = 0; i < N; i++)
        for (int j = 0; j < C; j++)
            x[i * C + j] = offsets[j] + scales[j] * pcg32_normal(&rng);
    const double eps = 1e-5;
    BnError err = { 0 };
    cr_assert(batchnorm_forward_train(y, xhat, mean, var, rstd, x, gamma, beta, eps, N, C, &err));
    for (int j = 0; j < C; j++) {
        double m = 0.0, v = 0.0;
        for (int i = 0; i < N; i++)
            m += y[i * C + j] / N;
        for (int i = 0; i < N; i++)
            v += (y[i * C + j] - m) * (y[i * C + j] - m) / N;
        cr_assert(fabs(m) < 1e-12, "feature %d: mean of y is %g, expected 0", j, m);
        /* Exactly var/(var + eps): only ε keeps it from 1, which matters for the tiny-scale feature. */
        check_close(v, var[j] / (var[j] + eps), 1e-10, 0.0, "feature %d: variance of y", j);
        cr_assert(fabs(v - 1.0) <= eps / var[j] * 1.01 + 1e-12, "feature %d: variance %g is not 1 up to eps", j, v);
    }
}

/* ---------- running statistics ---------- */

/* Many batches of `n` from N(mu, sd²); returns the running state after them. */
static void stream_batches(double *rm, double *rv, long *seen, BnConvention convention, double momentum,
                           int batches, int n, double mu, double sd, uint64_t seed)
{
    Pcg32 rng;
    pcg32_seed(&rng, seed, 1u);
    double *x = calloc((size_t)n, sizeof *x), *y = calloc((size_t)n, sizeof *y);
    double *xhat = calloc((size_t)n, sizeof *xhat);
    const double gamma = 1.0, beta = 0.0;
    for (int b = 0; b < batches; b++) {
        double mean, var, rstd;
        for (int i = 0; i < n; i++)
            x[i] = mu + sd * pcg32_normal(&rng);
        BnError err = { 0 };
        cr_assert(batchnorm_forward_train(y, xhat, &mean, &var, &rstd, x, &gamma, &beta, 1e-5, n, 1, &err));
        batchnorm_update_running(rm, rv, seen, &mean, &var, convention, momentum, n, 1);
    }
    free(x);
    free(y);
    free(xhat);
}

Test(batchnorm, pytorch_running_statistics_approach_the_population_mean_and_variance)
{
    /* Batches of 8 from N(3, 2²): a stored biased variance would settle near 3.5, the unbiased near 4.
     * With m = 0.01 the moving averages' standard deviations are about 0.02 (mean) and 0.15 (var). */
    double rm = 0.0, rv = 1.0;
    long seen = 0;
    stream_batches(&rm, &rv, &seen, BN_CONVENTION_PYTORCH, 0.01, 3000, 8, 3.0, 2.0, 42u);
    cr_assert_eq(seen, 3000);
    cr_assert(fabs(rm - 3.0) < 0.1, "running mean %g, population mean 3", rm);
    cr_assert(fabs(rv - 4.0) < 0.45, "running variance %g, population variance 4", rv);
}

Test(batchnorm, paper_running_statistics_approach_the_population_mean_and_variance)
{
    /* The plain average of 3000 unbiased variances: standard deviation about 0.04, bias none. */
    double rm = 0.0, rv = 1.0;
    long seen = 0;
    stream_batches(&rm, &rv, &seen, BN_CONVENTION_PAPER, 0.0, 3000, 8, 3.0, 2.0, 43u);
    cr_assert_eq(seen, 3000);
    cr_assert(fabs(rm - 3.0) < 0.03, "running mean %g, population mean 3", rm);
    cr_assert(fabs(rv - 4.0) < 0.15, "running variance %g, population variance 4 (biased would be 3.5)", rv);
}

Test(batchnorm, keras_and_pytorch_agree_when_their_momenta_add_to_one_apart_from_bessel)
{
    enum { N = 5, C = 2, STEPS = 12 };
    Pcg32 rng;
    pcg32_seed(&rng, 9u, 2u);
    const double m_pytorch = 0.3;
    /* Starting from variance 0 the stored variances differ by exactly the factor n/(n−1). */
    double rm_p[C] = { 0.5, -1 }, rv_p[C] = { 0, 0 }, rm_k[C] = { 0.5, -1 }, rv_k[C] = { 0, 0 };
    long seen_p = 0, seen_k = 0;
    const double gamma[C] = { 1, 1 }, beta[C] = { 0, 0 };
    for (int s = 0; s < STEPS; s++) {
        double x[N * C], y[N * C], xhat[N * C], mean[C], var[C], rstd[C];
        for (int k = 0; k < N * C; k++)
            x[k] = 2.0 * pcg32_normal(&rng) + 1.0;
        BnError err = { 0 };
        cr_assert(batchnorm_forward_train(y, xhat, mean, var, rstd, x, gamma, beta, 1e-5, N, C, &err));
        batchnorm_update_running(rm_p, rv_p, &seen_p, mean, var, BN_CONVENTION_PYTORCH, m_pytorch, N, C);
        batchnorm_update_running(rm_k, rv_k, &seen_k, mean, var, BN_CONVENTION_KERAS, 1.0 - m_pytorch, N, C);
    }
    for (int j = 0; j < C; j++) {
        check_close(rm_k[j], rm_p[j], 1e-12, 1e-12, "feature %d: running mean", j);
        check_close(rv_p[j], rv_k[j] * N / (N - 1), 1e-12, 0.0, "feature %d: pytorch var = keras var·n/(n−1)", j);
        cr_assert(rv_k[j] > 0.1, "feature %d: the variances compared are not trivially 0", j);
    }
}

Test(batchnorm, the_paper_convention_is_the_plain_average_of_batch_means_and_unbiased_variances)
{
    enum { N = 4, C = 3, STEPS = 7 };
    Pcg32 rng;
    pcg32_seed(&rng, 21u, 4u);
    double rm[C] = { 9, 9, 9 }, rv[C] = { 9, 9, 9 };  /* forgotten: the first batch replaces them */
    double sum_mean[C] = { 0 }, sum_var_u[C] = { 0 };
    long seen = 0;
    const double gamma[C] = { 1, 1, 1 }, beta[C] = { 0, 0, 0 };
    for (int s = 0; s < STEPS; s++) {
        double x[N * C], y[N * C], xhat[N * C], mean[C], var[C], rstd[C];
        for (int k = 0; k < N * C; k++)
            x[k] = pcg32_normal(&rng) * (1 + k % C) + s;
        BnError err = { 0 };
        cr_assert(batchnorm_forward_train(y, xhat, mean, var, rstd, x, gamma, beta, 1e-5, N, C, &err));
        batchnorm_update_running(rm, rv, &seen, mean, var, BN_CONVENTION_PAPER, 0.0, N, C);
        for (int j = 0; j < C; j++) {
            sum_mean[j] += mean[j];
            sum_var_u[j] += var[j] * N / (N - 1);
        }
    }
    cr_assert_eq(seen, STEPS);
    for (int j = 0; j < C; j++) {
        check_close(rm[j], sum_mean[j] / STEPS, 1e-12, 1e-12, "feature %d: running mean", j);
        check_close(rv[j], sum_var_u[j] / STEPS, 1e-12, 0.0, "feature %d: running variance", j);
    }
}

Test(batchnorm, the_paper_convention_continues_an_average_of_earlier_batches)
{
    /* State averaging 3 batches (mean 2, var 5), one more batch: (3·old + new) / 4. */
    double x[2] = { 1.0, 3.0 }, y[2], xhat[2], mean, var, rstd;
    const double gamma = 1, beta = 0;
    BnError err = { 0 };
    cr_assert(batchnorm_forward_train(y, xhat, &mean, &var, &rstd, x, &gamma, &beta, 1e-5, 2, 1, &err));
    double rm = 2.0, rv = 5.0;
    long seen = 3;
    batchnorm_update_running(&rm, &rv, &seen, &mean, &var, BN_CONVENTION_PAPER, 0.0, 2, 1);
    cr_assert_eq(seen, 4);
    check_close(rm, (3 * 2.0 + 2.0) / 4, 1e-12, 0.0, "running mean");
    check_close(rv, (3 * 5.0 + 2.0) / 4, 1e-12, 0.0, "running variance (batch unbiased variance 2)");
}

/* ---------- edge cases and folding ---------- */

Test(batchnorm, a_batch_of_one_is_refused_with_a_reason_and_no_nan)
{
    double x[3] = { 1, 2, 3 }, y[3] = { 0 }, xhat[3] = { 0 }, mean[3] = { 0 }, var[3] = { 0 }, rstd[3] = { 0 };
    const double gamma[3] = { 1, 1, 1 }, beta[3] = { 0, 0, 0 };
    BnError err = { 0 };
    bool ok = batchnorm_forward_train(y, xhat, mean, var, rstd, x, gamma, beta, 1e-5, 1, 3, &err);
    cr_assert(!ok, "a single sample cannot be normalized with batch statistics");
    cr_assert(err.set);
    cr_assert_not_null(strstr(err.message, "1 sample"), "message names the batch size: %s", err.message);
    cr_assert_not_null(strstr(err.message, "at least 2"), "message says what is needed: %s", err.message);
    cr_assert_not_null(strstr(err.message, "eval mode"), "message suggests eval mode: %s", err.message);
    for (int k = 0; k < 3; k++)
        cr_assert(!isnan(y[k]) && !isnan(xhat[k]) && !isnan(mean[k]) && !isnan(var[k]) && !isnan(rstd[k]));
}

Test(batchnorm, folding_into_the_linear_layer_equals_linear_then_eval_mode_batch_norm)
{
    enum { IN = 4, OUT = 3, N = 5 };
    Pcg32 rng;
    pcg32_seed(&rng, 5u, 8u);
    double w[OUT * IN], b[OUT], rm[OUT], rv[OUT], gamma[OUT], beta[OUT], x[N * IN];
    for (int k = 0; k < OUT * IN; k++)
        w[k] = pcg32_normal(&rng);
    for (int o = 0; o < OUT; o++) {
        b[o] = pcg32_normal(&rng);
        rm[o] = pcg32_normal(&rng);
        rv[o] = 0.2 + 3.0 * pcg32_uniform(&rng);
        gamma[o] = 0.5 + pcg32_uniform(&rng);
        beta[o] = pcg32_normal(&rng);
    }
    for (int k = 0; k < N * IN; k++)
        x[k] = pcg32_normal(&rng) * 2.0;
    const double eps = 1e-3;
    for (int with_bias = 0; with_bias < 2; with_bias++) {
        const double *bias = with_bias ? b : NULL;
        double h[N * OUT], want[N * OUT], w2[OUT * IN], b2[OUT];
        for (int i = 0; i < N; i++)
            for (int o = 0; o < OUT; o++) {
                double s = bias ? bias[o] : 0.0;
                for (int k = 0; k < IN; k++)
                    s += w[o * IN + k] * x[i * IN + k];
                h[i * OUT + o] = s;
            }
        batchnorm_forward_eval(want, h, rm, rv, gamma, beta, eps, N, OUT);
        batchnorm_fold_linear(w2, b2, w, bias, rm, rv, gamma, beta, eps, IN, OUT);
        for (int i = 0; i < N; i++)
            for (int o = 0; o < OUT; o++) {
                double s = b2[o];
                for (int k = 0; k < IN; k++)
                    s += w2[o * IN + k] * x[i * IN + k];
                check_close(s, want[i * OUT + o], 1e-12, 1e-12, "bias %s, sample %d, output %d",
                            with_bias ? "given" : "absent", i, o);
            }
    }
}

Test(batchnorm, convention_names_parse_and_defaults_match_the_frameworks)
{
    BnConvention c;
    cr_assert(batchnorm_convention_parse("pytorch", &c) && c == BN_CONVENTION_PYTORCH);
    cr_assert(batchnorm_convention_parse("keras", &c) && c == BN_CONVENTION_KERAS);
    cr_assert(batchnorm_convention_parse("paper", &c) && c == BN_CONVENTION_PAPER);
    cr_assert(!batchnorm_convention_parse("caffe", &c));
    cr_assert(!batchnorm_convention_parse("", &c));
    check_close(batchnorm_default_eps(BN_CONVENTION_PYTORCH), 1e-5, 1e-15, 0.0, "pytorch eps");
    check_close(batchnorm_default_eps(BN_CONVENTION_KERAS), 1e-3, 1e-15, 0.0, "keras eps");
    check_close(batchnorm_default_momentum(BN_CONVENTION_PYTORCH), 0.1, 1e-15, 0.0, "pytorch momentum");
    check_close(batchnorm_default_momentum(BN_CONVENTION_KERAS), 0.99, 1e-15, 0.0, "keras momentum");
}
