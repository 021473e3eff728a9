/* Softmax cross-entropy and mean squared error with their gradients (engine layer). */
#include "engine/loss.h"

#include <math.h>

double loss_softmax_cross_entropy(double *dlogits, double *probs, const double *logits,
                                  const double *labels, int n, int k)
{
    double total = 0.0;
    for (int r = 0; r < n; r++) {
        const double *z = logits + (long)r * k;     /* (K) */
        int label = (int)labels[r];
        double zmax = z[0];
        for (int j = 1; j < k; j++)
            if (z[j] > zmax)
                zmax = z[j];
        double sum = 0.0;
        for (int j = 0; j < k; j++)
            sum += exp(z[j] - zmax);
        double log_sum = log(sum);
        /* −log p[label] = log Σexp(z − max) − (z[label] − max), never log of an underflowed 0. */
        total += log_sum - (z[label] - zmax);
        for (int j = 0; j < k; j++) {
            double p = exp(z[j] - zmax - log_sum);
            if (probs)
                probs[(long)r * k + j] = p;
            if (dlogits)
                dlogits[(long)r * k + j] = (p - (j == label ? 1.0 : 0.0)) / n;
        }
    }
    return total / n;
}

double loss_mse(double *dpred, const double *pred, const double *target, int count)
{
    double total = 0.0;
    for (int i = 0; i < count; i++) {
        double d = pred[i] - target[i];
        total += d * d;
        if (dpred)
            dpred[i] = 2.0 * d / count;
    }
    return total / count;
}
