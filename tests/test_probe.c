/* Noisy BN, weight decay and the "why does BN help" probes, each against a direct computation on a tiny
 * network written out here in double; and the two facts behind them: weights before BN are scale
 * invariant with a gradient orthogonal to them, and a bias before BN gets no gradient. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/batchnorm.h"
#include "engine/dataset.h"
#include "engine/linear.h"
#include "engine/mlp.h"
#include "engine/mlp_infer.h"
#include "engine/probe.h"
#include "support/check.h"
#include "util/pcg32.h"

enum { N = 7, IN = 3, H = 4, OUT = 3 };

static Mlp *make(BnPlacement bn, double eps, uint64_t seed)
{
    int sizes[4] = { IN, H, H, OUT };
    MlpConfig config;
    mlp_config_init(&config, sizes, 4);
    config.bn = bn;
    config.eps = eps;
    config.seed = seed;
    BnError err = { 0 };
    Mlp *mlp = mlp_create(&config, &err);
    cr_assert_not_null(mlp, "mlp_create: %s", err.message);
    return mlp;
}

/* A batch and labels, and every parameter moved off its initial value so γ, β and biases matter. */
static void make_batch(Mlp *mlp, double *x, double *t, uint64_t seed)
{
    Pcg32 rng;
    pcg32_seed(&rng, seed, 5);
    for (size_t i = 0; i < mlp->num_params; i++)
        mlp->params[i] += 0.3 * pcg32_normal(&rng);
    for (int i = 0; i < N * IN; i++)
        x[i] = pcg32_normal(&rng);
    for (int r = 0; r < N; r++)
        t[r] = (double)(r % OUT);
}

/* ---- The network written out: 3-4-4-3, sigmoid, BN before every activation (then the noise), softmax
 * cross-entropy; parameters read from p in the Mlp's documented layout (per hidden layer W, γ, β; then
 * W_out, b_out). scale/shift: (2, H) noise, or NULL. */
static double sigmoid(double v)
{
    return 1.0 / (1.0 + exp(-v));
}

static double direct_loss(const double *p, const double *x, const double *t, double eps, const double *scale,
                          const double *shift)
{
    double h[N][H], in[N][H];
    for (int r = 0; r < N; r++)
        for (int j = 0; j < IN; j++)
            in[r][j] = x[r * IN + j];
    int width = IN;
    for (int l = 0; l < 2; l++) {
        const double *w = p, *gamma = p + H * width, *beta = gamma + H;
        p = beta + H;
        for (int j = 0; j < H; j++) {
            double z[N], mean = 0.0, var = 0.0;
            for (int r = 0; r < N; r++) {
                z[r] = 0.0;
                for (int k = 0; k < width; k++)
                    z[r] += w[j * width + k] * in[r][k];
                mean += z[r] / N;
            }
            for (int r = 0; r < N; r++)
                var += (z[r] - mean) * (z[r] - mean) / N;
            for (int r = 0; r < N; r++) {
                double y = gamma[j] * (z[r] - mean) / sqrt(var + eps) + beta[j];
                if (scale)
                    y = y * scale[l * H + j] + shift[l * H + j];
                h[r][j] = sigmoid(y);
            }
        }
        memcpy(in, h, sizeof h);
        width = H;
    }
    const double *w = p, *b = p + OUT * H;
    double loss = 0.0;
    for (int r = 0; r < N; r++) {
        double z[OUT], top = -INFINITY, sum = 0.0;
        for (int c = 0; c < OUT; c++) {
            z[c] = b[c];
            for (int k = 0; k < H; k++)
                z[c] += w[c * H + k] * in[r][k];
            top = fmax(top, z[c]);
        }
        for (int c = 0; c < OUT; c++)
            sum += exp(z[c] - top);
        loss += (top + log(sum) - z[(int)t[r]]) / N;
    }
    return loss;
}

/* Central differences of direct_loss at p: grad (count). */
static void direct_grad(double *grad, const double *p, size_t count, const double *x, const double *t, double eps,
                        const double *scale, const double *shift)
{
    double *q = malloc(sizeof(double) * count);
    memcpy(q, p, sizeof(double) * count);
    const double h = 1e-6;
    for (size_t i = 0; i < count; i++) {
        q[i] = p[i] + h;
        double up = direct_loss(q, x, t, eps, scale, shift);
        q[i] = p[i] - h;
        double down = direct_loss(q, x, t, eps, scale, shift);
        q[i] = p[i];
        grad[i] = (up - down) / (2 * h);
    }
    free(q);
}

static void copy_noise(const Mlp *mlp, double *scale, double *shift)
{
    for (int l = 0; l < 2; l++)
        for (int j = 0; j < H; j++) {
            scale[l * H + j] = mlp->hidden[l].noise_scale[j];
            shift[l * H + j] = mlp->hidden[l].noise_shift[j];
        }
}

static double norm_diff(const double *a, const double *b, size_t count)
{
    double s = 0.0;
    for (size_t i = 0; i < count; i++)
        s += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(s);
}

static Mlp *noisy_network(double *x, double *t, double *scale, double *shift)
{
    Mlp *mlp = make(BN_PLACEMENT_BEFORE, 1e-5, 3);
    make_batch(mlp, x, t, 11);
    mlp_noise_enable(mlp);
    Pcg32 rng;
    pcg32_seed(&rng, 8, 8);
    mlp_noise_draw(mlp, &rng, 1.0, 0.5);
    copy_noise(mlp, scale, shift);
    return mlp;
}

Test(noisy_bn, the_forward_is_bn_then_scale_and_shift_and_its_gradient_matches_central_differences)
{
    double x[N * IN], t[N], scale[2 * H], shift[2 * H];
    Mlp *mlp = noisy_network(x, t, scale, shift);
    BnError err = { 0 };
    optimizer_zero_grad(mlp->grads, mlp->num_params);
    cr_assert(mlp_forward(mlp, x, N, MLP_MODE_TRAIN, &err), "%s", err.message);
    double loss = mlp_loss(mlp, t);
    check_close(loss, direct_loss(mlp->params, x, t, 1e-5, scale, shift), 1e-12, 1e-12, "noisy loss");
    cr_assert(fabs(loss - direct_loss(mlp->params, x, t, 1e-5, NULL, NULL)) > 1e-3,
              "the noise must change the loss");
    cr_assert(mlp_backward(mlp, NULL, &err), "%s", err.message);
    double *numeric = malloc(sizeof(double) * mlp->num_params);
    direct_grad(numeric, mlp->params, mlp->num_params, x, t, 1e-5, scale, shift);
    for (size_t i = 0; i < mlp->num_params; i++)
        check_close(mlp->grads[i], numeric[i], 1e-6, 1e-7, "parameter %zu", i);
    free(numeric);
    mlp_destroy(mlp);
}

Test(noisy_bn, backprop_after_the_activation_matches_central_differences_of_the_forward)
{
    Mlp *mlp = make(BN_PLACEMENT_AFTER, 1e-5, 4);
    double x[N * IN], t[N];
    make_batch(mlp, x, t, 12);
    mlp_noise_enable(mlp);
    Pcg32 rng;
    pcg32_seed(&rng, 9, 9);
    mlp_noise_draw(mlp, &rng, 1.0, 0.5);
    BnError err = { 0 };
    optimizer_zero_grad(mlp->grads, mlp->num_params);
    cr_assert(mlp_forward(mlp, x, N, MLP_MODE_BATCH_STATS, &err));
    mlp_loss(mlp, t);
    cr_assert(mlp_backward(mlp, NULL, &err), "%s", err.message);
    double *analytic = malloc(sizeof(double) * mlp->num_params);
    memcpy(analytic, mlp->grads, sizeof(double) * mlp->num_params);
    for (size_t i = 0; i < mlp->num_params; i++) {
        double keep = mlp->params[i], h = 1e-6;
        mlp->params[i] = keep + h;
        cr_assert(mlp_forward(mlp, x, N, MLP_MODE_BATCH_STATS, &err));
        double up = mlp_loss(mlp, t);
        mlp->params[i] = keep - h;
        cr_assert(mlp_forward(mlp, x, N, MLP_MODE_BATCH_STATS, &err));
        double down = mlp_loss(mlp, t);
        mlp->params[i] = keep;
        check_close(analytic[i], (up - down) / (2 * h), 1e-6, 1e-7, "parameter %zu", i);
    }
    free(analytic);
    mlp_destroy(mlp);
}

Test(noisy_bn, draws_are_fresh_each_step_deterministic_per_seed_positive_scales_and_absent_in_eval_mode)
{
    Mlp *a = make(BN_PLACEMENT_BEFORE, 1e-5, 1), *b = make(BN_PLACEMENT_BEFORE, 1e-5, 1);
    mlp_noise_enable(a);
    mlp_noise_enable(b);
    Pcg32 ra, rb;
    pcg32_seed(&ra, 42, 1);
    pcg32_seed(&rb, 42, 1);
    mlp_noise_draw(a, &ra, 1.0, 0.5);
    mlp_noise_draw(b, &rb, 1.0, 0.5);
    cr_assert(memcmp(a->hidden[1].noise_scale, b->hidden[1].noise_scale, sizeof(double) * H) == 0);
    double first = a->hidden[0].noise_shift[0];
    mlp_noise_draw(a, &ra, 1.0, 0.5);
    cr_assert(a->hidden[0].noise_shift[0] != first, "a new step draws new noise");
    for (int l = 0; l < 2; l++)
        for (int j = 0; j < H; j++)
            cr_assert(a->hidden[l].noise_scale[j] > 0.0 && a->hidden[l].noise_scale[j] != 1.0);
    /* Eval mode: the same output as a network without noise. */
    double x[N * IN], t[N];
    make_batch(b, x, t, 3);
    memcpy(a->params, b->params, sizeof(double) * a->num_params);
    Mlp *plain = make(BN_PLACEMENT_BEFORE, 1e-5, 1);
    memcpy(plain->params, b->params, sizeof(double) * a->num_params);
    BnError err = { 0 };
    cr_assert(mlp_forward(a, x, N, MLP_MODE_EVAL, &err) && mlp_forward(plain, x, N, MLP_MODE_EVAL, &err));
    cr_assert(memcmp(a->logits, plain->logits, sizeof(double) * N * OUT) == 0);
    mlp_destroy(a);
    mlp_destroy(b);
    mlp_destroy(plain);
}

Test(weight_decay, scales_every_weight_matrix_and_nothing_else)
{
    Mlp *mlp = make(BN_PLACEMENT_BEFORE, 1e-5, 2);
    double x[N * IN], t[N];
    make_batch(mlp, x, t, 4);
    double *before = malloc(sizeof(double) * mlp->num_params);
    memcpy(before, mlp->params, sizeof(double) * mlp->num_params);
    mlp_scale_weights(mlp, 0.9);
    size_t weights = 0;
    for (size_t i = 0; i < mlp->num_params; i++) {
        double *p = mlp->params + i;
        bool is_w = (p >= mlp->hidden[0].w && p < mlp->hidden[0].w + IN * H) ||
                    (p >= mlp->hidden[1].w && p < mlp->hidden[1].w + H * H) ||
                    (p >= mlp->w_out && p < mlp->w_out + OUT * H);
        weights += is_w;
        cr_assert_eq(*p, is_w ? before[i] * 0.9 : before[i], "parameter %zu", i);
    }
    cr_assert_eq(weights, (size_t)(IN * H + H * H + OUT * H));
    free(before);
    mlp_destroy(mlp);
}

Test(probe, landscape_matches_the_direct_computation_along_the_gradient)
{
    double x[N * IN], t[N], scale[2 * H], shift[2 * H];
    Mlp *mlp = noisy_network(x, t, scale, shift);
    size_t count = mlp->num_params;
    const double lr = 0.7;
    Probe *probe = probe_create(mlp);
    ProbeLandscape land;
    BnError err = { 0 };
    cr_assert(probe_landscape(probe, mlp, x, t, N, lr, &land, &err), "%s", err.message);

    double *g = malloc(sizeof(double) * count), *gs = malloc(sizeof(double) * count);
    double *p = malloc(sizeof(double) * count);
    direct_grad(g, mlp->params, count, x, t, 1e-5, scale, shift);
    double gnorm = 0.0, lo = INFINITY, hi = -INFINITY, pred = 0.0, beta = 0.0;
    for (size_t i = 0; i < count; i++)
        gnorm += g[i] * g[i];
    gnorm = sqrt(gnorm);
    for (int k = 0; k < PROBE_LINE_POINTS; k++) {
        double s = 0.5 * (k + 1);
        cr_assert_eq(probe_line_step(k), s);
        for (size_t i = 0; i < count; i++)
            p[i] = mlp->params[i] - s * lr * g[i];
        double loss = direct_loss(p, x, t, 1e-5, scale, shift);
        check_close(land.loss[k], loss, 1e-7, 1e-9, "loss at s=%g", s);
        lo = fmin(lo, loss);
        hi = fmax(hi, loss);
        direct_grad(gs, p, count, x, t, 1e-5, scale, shift);
        double change = norm_diff(g, gs, count);
        pred = fmax(pred, change);
        beta = fmax(beta, change / (s * lr * gnorm));
    }
    check_close(land.loss0, direct_loss(mlp->params, x, t, 1e-5, scale, shift), 1e-12, 1e-12, "L(θ)");
    check_close(land.grad_norm, gnorm, 1e-6, 1e-9, "‖g‖");
    check_close(land.loss_range, hi - lo, 1e-6, 1e-9, "loss_range");
    check_close(land.grad_pred, pred, 1e-6, 1e-9, "grad_pred");
    check_close(land.beta_smooth, beta, 1e-6, 1e-9, "beta_smooth");
    cr_assert(land.loss_range > 1e-3 && land.grad_pred > 1e-3, "a generic point has a non-trivial landscape");
    free(g);
    free(gs);
    free(p);
    probe_destroy(probe);
    mlp_destroy(mlp);
}

Test(probe, ics_matches_the_direct_computation_for_every_layer)
{
    double x[N * IN], t[N], scale[2 * H], shift[2 * H];
    Mlp *mlp = noisy_network(x, t, scale, shift);
    size_t count = mlp->num_params;
    const double lr = 0.9;
    Probe *probe = probe_create(mlp);
    double *g = malloc(sizeof(double) * count), *g2 = malloc(sizeof(double) * count);
    double *p = malloc(sizeof(double) * count);
    direct_grad(g, mlp->params, count, x, t, 1e-5, scale, shift);
    /* The documented layout: layer 0 is W, γ, β of the first hidden layer, and so on. */
    size_t starts[4] = { 0, IN * H + 2 * H, IN * H + 2 * H + H * H + 2 * H, count };
    for (int layer = 0; layer < 3; layer++) {
        size_t start, len;
        probe_layer_span(mlp, layer, &start, &len);
        cr_assert_eq(start, starts[layer]);
        cr_assert_eq(start + len, starts[layer + 1]);
        ProbeIcs ics;
        BnError err = { 0 };
        cr_assert(probe_ics(probe, mlp, x, t, N, lr, layer, &ics, &err), "%s", err.message);
        for (size_t i = 0; i < count; i++)
            p[i] = i < start ? mlp->params[i] - lr * g[i] : mlp->params[i];
        direct_grad(g2, p, count, x, t, 1e-5, scale, shift);
        double dot = 0.0, a = 0.0, b = 0.0;
        for (size_t i = start; i < start + len; i++) {
            dot += g[i] * g2[i];
            a += g[i] * g[i];
            b += g2[i] * g2[i];
        }
        check_close(ics.l2, norm_diff(g + start, g2 + start, len), 1e-5, 1e-8, "ics_l2 of layer %d", layer);
        check_close(ics.cos, dot / sqrt(a * b), 1e-8, 1e-9, "ics_cos of layer %d", layer);
        if (layer == 0)
            cr_assert(ics.l2 == 0.0 && ics.cos == 1.0, "nothing is below the first layer");
        else
            cr_assert(ics.l2 > 1e-4, "layer %d: the step below moves its gradient", layer);
    }
    free(g);
    free(g2);
    free(p);
    probe_destroy(probe);
    mlp_destroy(mlp);
}

Test(probe, leaves_the_probed_network_exactly_as_it_was)
{
    double x[N * IN], t[N], scale[2 * H], shift[2 * H];
    Mlp *mlp = noisy_network(x, t, scale, shift);
    BnError err = { 0 };
    cr_assert(mlp_forward(mlp, x, N, MLP_MODE_TRAIN, &err));
    mlp_loss(mlp, t);
    size_t count = mlp->num_params;
    double *params = malloc(sizeof(double) * count), *grads = malloc(sizeof(double) * count);
    memcpy(params, mlp->params, sizeof(double) * count);
    memcpy(grads, mlp->grads, sizeof(double) * count);
    double logits[N * OUT], running[H], pre[N * H];
    memcpy(logits, mlp->logits, sizeof logits);
    memcpy(running, mlp->hidden[1].running_mean, sizeof running);
    memcpy(pre, mlp->hidden[0].pre, sizeof pre);
    Probe *probe = probe_create(mlp);
    ProbeLandscape land;
    ProbeIcs ics;
    cr_assert(probe_landscape(probe, mlp, x, t, N, 0.5, &land, &err));
    cr_assert(probe_ics(probe, mlp, x, t, N, 0.5, 2, &ics, &err));
    cr_assert(memcmp(params, mlp->params, sizeof(double) * count) == 0);
    cr_assert(memcmp(grads, mlp->grads, sizeof(double) * count) == 0);
    cr_assert(memcmp(logits, mlp->logits, sizeof logits) == 0);
    cr_assert(memcmp(running, mlp->hidden[1].running_mean, sizeof running) == 0);
    cr_assert(memcmp(pre, mlp->hidden[0].pre, sizeof pre) == 0);
    cr_assert(!probe_ics(probe, mlp, x, t, N, 0.5, 3, &ics, &err), "layer 3 does not exist");
    free(params);
    free(grads);
    probe_destroy(probe);
    mlp_destroy(mlp);
}

/* ---- The facts. ε breaks scale invariance by O(ε), so these networks use ε = 1e-14. */
Test(bn_facts, weights_before_bn_are_scale_invariant_and_their_gradient_is_orthogonal_to_them)
{
    Mlp *mlp = make(BN_PLACEMENT_BEFORE, 1e-14, 6);
    double x[N * IN], t[N];
    make_batch(mlp, x, t, 21);
    BnError err = { 0 };
    optimizer_zero_grad(mlp->grads, mlp->num_params);
    cr_assert(mlp_forward(mlp, x, N, MLP_MODE_BATCH_STATS, &err));
    double loss = mlp_loss(mlp, t);
    cr_assert(mlp_backward(mlp, NULL, &err));
    for (int l = 0; l < 2; l++) {
        MlpLayer *L = &mlp->hidden[l];
        size_t count = (size_t)L->in * (size_t)L->out;
        /* Orthogonal row by row: each unit's weights are followed by its own normalization. */
        for (int j = 0; j < L->out; j++) {
            double dot = 0.0, ww = 0.0, gg = 0.0;
            for (int k = 0; k < L->in; k++) {
                double w = L->w[j * L->in + k], g = L->dw[j * L->in + k];
                dot += w * g;
                ww += w * w;
                gg += g * g;
            }
            cr_assert(gg > 1e-12, "layer %d unit %d: a real gradient", l, j);
            cr_assert(fabs(dot) <= 1e-9 * sqrt(ww * gg), "layer %d unit %d: w·g = %g", l, j, dot);
        }
        double keep[H * H];
        memcpy(keep, L->w, sizeof(double) * count);
        const double cs[] = { 0.01, 0.5, 3.0, 250.0 };
        for (unsigned c = 0; c < sizeof cs / sizeof cs[0]; c++) {
            for (size_t i = 0; i < count; i++)
                L->w[i] = keep[i] * cs[c];
            cr_assert(mlp_forward(mlp, x, N, MLP_MODE_BATCH_STATS, &err));
            check_close(mlp_loss(mlp, t), loss, 1e-9, 1e-9, "layer %d scaled by %g", l, cs[c]);
        }
        memcpy(L->w, keep, sizeof(double) * count);
    }
    /* The output layer is not followed by BN: scaling it moves the loss. */
    for (int i = 0; i < OUT * H; i++)
        mlp->w_out[i] *= 3.0;
    cr_assert(mlp_forward(mlp, x, N, MLP_MODE_BATCH_STATS, &err));
    cr_assert(fabs(mlp_loss(mlp, t) - loss) > 1e-3, "the output layer is not scale invariant");
    mlp_destroy(mlp);
}

Test(bn_facts, a_bias_added_before_bn_gets_a_zero_gradient)
{
    enum { C = 4 };
    Pcg32 rng;
    pcg32_seed(&rng, 31, 2);
    double x[N * IN], w[C * IN], b[C], z[N * C], y[N * C], xhat[N * C], mean[C], var[C], rstd[C];
    double gamma[C], beta[C], dy[N * C], dz[N * C], dw[C * IN] = { 0 }, db[C] = { 0 }, dgamma[C] = { 0 },
           dbeta[C] = { 0 };
    for (int i = 0; i < N * IN; i++)
        x[i] = pcg32_normal(&rng);
    for (int i = 0; i < C * IN; i++)
        w[i] = pcg32_normal(&rng);
    for (int j = 0; j < C; j++) {
        b[j] = 2.0 * pcg32_normal(&rng);
        gamma[j] = 1.0 + 0.3 * pcg32_normal(&rng);
        beta[j] = pcg32_normal(&rng);
    }
    for (int i = 0; i < N * C; i++)
        dy[i] = pcg32_normal(&rng);     /* any upstream gradient */
    BnError err = { 0 };
    linear_forward(z, x, w, b, N, IN, C);
    cr_assert(batchnorm_forward_train(y, xhat, mean, var, rstd, z, gamma, beta, 1e-5, N, C, &err));
    batchnorm_backward(dz, dgamma, dbeta, dy, xhat, rstd, gamma, N, C);
    linear_backward(NULL, dw, db, dz, x, w, N, IN, C);
    double wsum = 0.0;
    for (int i = 0; i < C * IN; i++)
        wsum += fabs(dw[i]);
    cr_assert(wsum > 1e-3, "the weights do get a gradient");
    for (int j = 0; j < C; j++)
        cr_assert(fabs(db[j]) <= 1e-9, "bias %d: gradient %g", j, db[j]);
}

Test(noisy_bn, the_row_by_row_inference_applies_the_same_noise_as_the_forward_bit_for_bit)
{
    Dataset *train = NULL, *test = NULL;
    BnError err = { 0 };
    cr_assert(dataset_load("moons", 5, 0, 0, &train, &test, &err), "%s", err.message);
    int sizes[4] = { 2, 5, 4, 2 };
    MlpConfig config;
    mlp_config_init(&config, sizes, 4);
    config.bn = BN_PLACEMENT_AFTER;
    Mlp *mlp = mlp_create(&config, &err);
    mlp_noise_enable(mlp);
    Pcg32 rng;
    pcg32_seed(&rng, 3, 3);
    mlp_noise_draw(mlp, &rng, 1.0, 0.5);
    enum { ROWS = 16 };
    double x[ROWS * 2], pre[ROWS], out[ROWS], direct_pre[ROWS], direct_out[ROWS];
    dataset_rows(test, 0, ROWS, x);
    MlpInferTap taps[2] = { { .layer = 1, .unit = 2, .values = pre },
                            { .layer = 0, .unit = 3, .output = true, .values = out } };
    cr_assert(mlp_infer_rows(mlp, test, 0, ROWS, MLP_MODE_BATCH_STATS, NULL, taps, 2, &err), "%s", err.message);
    cr_assert(mlp_forward(mlp, x, ROWS, MLP_MODE_BATCH_STATS, &err));
    mlp_unit_values(direct_pre, mlp, mlp->hidden[1].pre, 1, 2);
    mlp_unit_values(direct_out, mlp, mlp->hidden[0].y, 0, 3);
    cr_assert(memcmp(pre, direct_pre, sizeof pre) == 0 && memcmp(out, direct_out, sizeof out) == 0);
    /* And the noise is really there: BN's output over the rows no longer has mean β = 0. */
    double mean = 0.0;
    for (int r = 0; r < ROWS; r++)
        mean += out[r] / ROWS;
    check_close(mean, mlp->hidden[0].noise_shift[3], 1e-9, 1e-9, "the unit's mean is its shift");
    mlp_destroy(mlp);
    dataset_destroy(train);
    dataset_destroy(test);
}

Test(probe, a_loss_that_blows_up_is_a_measurement_not_a_failure)
{
    int sizes[4] = { IN, H, H, OUT };
    MlpConfig config;
    mlp_config_init(&config, sizes, 4);
    config.act = ACTIVATION_RELU;
    BnError err = { 0 };
    Mlp *mlp = mlp_create(&config, &err);
    double x[N * IN], t[N];
    make_batch(mlp, x, t, 13);
    Probe *probe = probe_create(mlp);
    ProbeLandscape land;
    /* Steps of 1e300 gradients overflow every point of the line. */
    cr_assert(probe_landscape(probe, mlp, x, t, N, 1e300, &land, &err), "%s", err.message);
    cr_assert(isfinite(land.loss0) && isfinite(land.grad_norm));
    cr_assert(!isfinite(land.loss[PROBE_LINE_POINTS - 1]), "the far end overflows: %g", land.loss[PROBE_LINE_POINTS - 1]);
    cr_assert(isinf(land.loss_range) && isinf(land.grad_pred) && isinf(land.beta_smooth));
    ProbeIcs ics;
    cr_assert(probe_ics(probe, mlp, x, t, N, 1e300, 2, &ics, &err), "%s", err.message);
    cr_assert(isinf(ics.l2) && isnan(ics.cos), "l2 %g cos %g", ics.l2, ics.cos);
    /* A sane rate on the same network measures finite figures. */
    cr_assert(probe_landscape(probe, mlp, x, t, N, 0.1, &land, &err));
    cr_assert(isfinite(land.loss_range) && isfinite(land.beta_smooth));
    probe_destroy(probe);
    mlp_destroy(mlp);
}
