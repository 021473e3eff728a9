/* Measurements that test why BN helps (Santurkar et al. 2018), taken on a copy of an Mlp (engine layer).
 *
 * Each probe copies the network's parameters (and its noisy-BN draw) into a private twin and measures
 * there in double, on the mini-batch it is given, with batch statistics and without touching running
 * statistics: the network probed, its buffers and the training run are left exactly as they were.
 *
 * landscape (Fig. 4): from θ along the gradient g of that batch, to θ_s = θ − s·η·g for
 *   s = 0.5, 1, …, 4, the loss L(θ_s) and gradient g_s at each point;
 *   loss_range  = max_s L(θ_s) − min_s L(θ_s)
 *   grad_pred   = max_s ‖g − g_s‖                 ("gradient predictiveness": small is predictive)
 *   beta_smooth = max_s ‖g − g_s‖ / ‖s·η·g‖       ("effective β-smoothness")
 *   over every learnable parameter.
 * ics (Fig. 3): for weight layer k, G_k its gradient at θ and G_k′ its gradient on the same batch
 *   after the layers below k took a plain step −η·g (layer k and above unchanged);
 *   ics_l2 = ‖G_k − G_k′‖, ics_cos = cos(G_k, G_k′), over all of layer k's parameters. */
#ifndef BNTUTOR_ENGINE_PROBE_H
#define BNTUTOR_ENGINE_PROBE_H

#include <stdbool.h>

#include "engine/mlp.h"
#include "util/error.h"

enum { PROBE_LINE_POINTS = 8 };     /* s = 0.5, 1, …, 4 */

/* The step multiple of point i (0-based): 0.5·(i + 1). */
double probe_line_step(int i);

typedef struct ProbeLandscape {
    double loss0;                       /* L(θ) */
    double loss[PROBE_LINE_POINTS];     /* L(θ_s) */
    double grad_norm;                   /* ‖g‖ */
    double loss_range, grad_pred, beta_smooth;
} ProbeLandscape;

typedef struct ProbeIcs {
    double l2, cos;
} ProbeIcs;

typedef struct Probe Probe;

/* A probe for networks shaped like mlp (sizes, activation, placement, noise or not). */
Probe *probe_create(const Mlp *mlp);
void probe_destroy(Probe *probe);                           /* accepts NULL */

/* x: (n, n_in), targets as for mlp_loss, lr: η > 0. False with a message only when a forward fails
 * (batch norm on fewer than 2 rows). A loss that is not finite is a measurement: L(θ) not finite makes
 * every figure NaN; a point of the line whose loss blew up makes loss_range, grad_pred and beta_smooth
 * infinite; in ics, a step below that blows the loss up makes l2 infinite and cos NaN. */
bool probe_landscape(Probe *probe, const Mlp *at, const double *x, const double *targets, int n, double lr,
                     ProbeLandscape *out, BnError *err);

/* layer: 0-based weight layer, 0..num_hidden (num_hidden is the output layer); layer 0 has nothing below
 * it (l2 0, cos 1). */
bool probe_ics(Probe *probe, const Mlp *at, const double *x, const double *targets, int n, double lr,
               int layer, ProbeIcs *out, BnError *err);

/* Where weight layer `layer` (as in probe_ics) starts in mlp->params, and its parameter count. */
void probe_layer_span(const Mlp *mlp, int layer, size_t *start, size_t *count);

#endif
