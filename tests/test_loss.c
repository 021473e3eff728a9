/* Losses: known values, numerical stability, gradients against central differences. */
#include <criterion/criterion.h>
#include <math.h>

#include "engine/loss.h"
#include "support/check.h"
#include "util/pcg32.h"

enum { N = 4, K = 5 };

Test(loss, cross_entropy_of_equal_logits_is_log_of_the_class_count)
{
    double logits[N * K] = { 0 }, labels[N] = { 0, 1, 2, 4 }, probs[N * K];
    double loss = loss_softmax_cross_entropy(NULL, probs, logits, labels, N, K);
    check_close(loss, log((double)K), 1e-14, 1e-14, "uniform logits");
    check_close(probs[7], 1.0 / K, 1e-14, 1e-14, "uniform probability");
}

Test(loss, cross_entropy_stays_finite_for_huge_logits)
{
    /* Without the max subtraction exp(1000) overflows; shifted logits give the same loss. */
    double big[2] = { 1000.0, 998.0 }, small[2] = { 2.0, 0.0 }, label[1] = { 1 };
    double a = loss_softmax_cross_entropy(NULL, NULL, big, label, 1, 2);
    double b = loss_softmax_cross_entropy(NULL, NULL, small, label, 1, 2);
    cr_assert(isfinite(a), "loss %g", a);
    check_close(a, b, 1e-12, 1e-12, "shift invariance");
    check_close(b, log(1.0 + exp(2.0)), 1e-12, 1e-12, "closed form");
}

Test(loss, cross_entropy_gradient_matches_central_differences)
{
    Pcg32 rng;
    pcg32_seed(&rng, 7, 8);
    double logits[N * K], labels[N], d[N * K];
    for (int i = 0; i < N * K; i++)
        logits[i] = 2.0 * pcg32_normal(&rng);
    for (int r = 0; r < N; r++)
        labels[r] = (double)pcg32_bounded(&rng, K);
    loss_softmax_cross_entropy(d, NULL, logits, labels, N, K);
    const double h = 1e-6;
    double largest = 0.0;
    for (int i = 0; i < N * K; i++) {
        double saved = logits[i];
        logits[i] = saved + h;
        double up = loss_softmax_cross_entropy(NULL, NULL, logits, labels, N, K);
        logits[i] = saved - h;
        double down = loss_softmax_cross_entropy(NULL, NULL, logits, labels, N, K);
        logits[i] = saved;
        check_close(d[i], (up - down) / (2 * h), 1e-6, 1e-9, "dlogits[%d]", i);
        largest = fmax(largest, fabs(d[i]));
    }
    cr_assert_gt(largest, 1e-3, "cross-entropy gradient is all zero");
}

Test(loss, mse_is_the_mean_of_squared_differences_and_its_gradient_checks)
{
    double pred[3] = { 1.0, -2.0, 0.5 }, target[3] = { 0.0, 1.0, 0.5 }, d[3];
    double loss = loss_mse(d, pred, target, 3);
    check_close(loss, (1.0 + 9.0 + 0.0) / 3.0, 1e-15, 1e-15, "mse");
    const double h = 1e-6;
    for (int i = 0; i < 3; i++) {
        double saved = pred[i];
        pred[i] = saved + h;
        double up = loss_mse(NULL, pred, target, 3);
        pred[i] = saved - h;
        double down = loss_mse(NULL, pred, target, 3);
        pred[i] = saved;
        check_close(d[i], (up - down) / (2 * h), 1e-6, 1e-9, "dpred[%d]", i);
    }
    cr_assert(fabs(d[0]) > 0.1 && fabs(d[1]) > 0.1, "mse gradient vanished");
}
