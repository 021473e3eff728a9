/* Losses over a mini-batch: softmax cross-entropy for classes, mean squared error for values (engine layer). */
#ifndef BNTUTOR_ENGINE_LOSS_H
#define BNTUTOR_ENGINE_LOSS_H

/* Mean over the batch of −log softmax(logits)[label]. Stable: the row maximum is subtracted first.
 * probs: (N,K) softmax, written when not NULL  dlogits: (N,K) gradient of the mean loss, written when
 * not NULL  logits: (N,K)  labels: (N) class indices stored as doubles (as Dataset.y holds them),
 * each in [0, K). Returns the loss. */
double loss_softmax_cross_entropy(double *dlogits, double *probs, const double *logits,
                                  const double *labels, int n, int k);

/* Mean over all COUNT values of (pred − target)². dpred: (COUNT) gradient, written when not NULL
 * pred, target: (COUNT). Returns the loss. */
double loss_mse(double *dpred, const double *pred, const double *target, int count);

#endif
