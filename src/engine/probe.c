/* The landscape and internal-covariate-shift probes on a private copy of an Mlp (engine layer). */
#include "engine/probe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

struct Probe {
    Mlp *net;           /* the private twin the probes move */
    double *theta;      /* (num_params) the probed point θ */
    double *grad;       /* (num_params) g at θ */
};

double probe_line_step(int i)
{
    return 0.5 * (i + 1);
}

Probe *probe_create(const Mlp *mlp)
{
    BnError err = { 0 };
    Mlp *net = mlp_create(&mlp->config, &err);
    if (!net)
        return NULL;
    if (mlp->num_hidden > 0 && mlp->hidden[0].noise_scale)
        mlp_noise_enable(net);
    Probe *p = xcalloc(1, sizeof *p);
    p->net = net;
    p->theta = xmalloc(sizeof(double) * net->num_params);
    p->grad = xmalloc(sizeof(double) * net->num_params);
    return p;
}

void probe_destroy(Probe *probe)
{
    if (!probe)
        return;
    mlp_destroy(probe->net);
    free(probe->theta);
    free(probe->grad);
    free(probe);
}

/* Loses nothing of `at`: copies its parameters, BN settings and noise into the twin. */
static void probe_load(Probe *p, const Mlp *at)
{
    Mlp *net = p->net;
    memcpy(net->params, at->params, sizeof(double) * net->num_params);
    memcpy(p->theta, at->params, sizeof(double) * net->num_params);
    net->convention = at->convention;
    net->bn_momentum = at->bn_momentum;
    net->eps = at->eps;
    mlp_noise_copy(net, at);
}

/* Loss and gradient (into net->grads) of the twin's current parameters on the batch, batch statistics.
 * A loss that is not finite is a result (the gradient is then left at zero), not a failure. */
static bool probe_eval(Probe *p, const double *x, const double *targets, int n, double *loss, BnError *err)
{
    Mlp *net = p->net;
    optimizer_zero_grad(net->grads, net->num_params);
    if (!mlp_forward(net, x, n, MLP_MODE_BATCH_STATS, err))
        return false;
    *loss = mlp_loss(net, targets);
    return !isfinite(*loss) || mlp_backward(net, NULL, err);
}

static double norm_of_difference(const double *a, const double *b, size_t count)
{
    double sum = 0.0;
    for (size_t i = 0; i < count; i++) {
        double d = a[i] - b[i];
        sum += d * d;
    }
    return sqrt(sum);
}

bool probe_landscape(Probe *probe, const Mlp *at, const double *x, const double *targets, int n, double lr,
                     ProbeLandscape *out, BnError *err)
{
    Mlp *net = probe->net;
    size_t count = net->num_params;
    probe_load(probe, at);
    memset(out, 0, sizeof *out);
    if (!probe_eval(probe, x, targets, n, &out->loss0, err))
        return false;
    if (!isfinite(out->loss0)) {
        out->grad_norm = out->loss_range = out->grad_pred = out->beta_smooth = NAN;
        for (int k = 0; k < PROBE_LINE_POINTS; k++)
            out->loss[k] = NAN;
        return true;
    }
    memcpy(probe->grad, net->grads, sizeof(double) * count);
    double gsum = 0.0;
    for (size_t i = 0; i < count; i++)
        gsum += probe->grad[i] * probe->grad[i];
    out->grad_norm = sqrt(gsum);
    double lo = INFINITY, hi = -INFINITY;
    bool blew_up = false;
    for (int k = 0; k < PROBE_LINE_POINTS; k++) {
        double step = probe_line_step(k) * lr;
        for (size_t i = 0; i < count; i++)
            net->params[i] = probe->theta[i] - step * probe->grad[i];
        double loss;
        if (!probe_eval(probe, x, targets, n, &loss, err))
            return false;
        out->loss[k] = loss;
        if (!isfinite(loss)) {
            /* The loss blew up along the line: the landscape there is as rough as it gets. */
            blew_up = true;
            continue;
        }
        lo = fmin(lo, loss);
        hi = fmax(hi, loss);
        double change = norm_of_difference(probe->grad, net->grads, count);
        out->grad_pred = fmax(out->grad_pred, change);
        double moved = step * out->grad_norm;
        if (moved > 0.0)
            out->beta_smooth = fmax(out->beta_smooth, change / moved);
    }
    out->loss_range = hi - lo;
    if (blew_up)
        out->loss_range = out->grad_pred = out->beta_smooth = INFINITY;
    return true;
}

void probe_layer_span(const Mlp *mlp, int layer, size_t *start, size_t *count)
{
    size_t begin = layer < mlp->num_hidden ? (size_t)(mlp->hidden[layer].w - mlp->params)
                                            : (size_t)(mlp->w_out - mlp->params);
    size_t end = layer + 1 < mlp->num_hidden ? (size_t)(mlp->hidden[layer + 1].w - mlp->params)
               : layer + 1 == mlp->num_hidden ? (size_t)(mlp->w_out - mlp->params)
                                              : mlp->num_params;
    *start = begin;
    *count = end - begin;
}

bool probe_ics(Probe *probe, const Mlp *at, const double *x, const double *targets, int n, double lr,
               int layer, ProbeIcs *out, BnError *err)
{
    Mlp *net = probe->net;
    if (layer < 0 || layer > net->num_hidden) {
        error_set(err, "probe", "layer %d is not a weight layer (0 to %d)", layer, net->num_hidden);
        return false;
    }
    probe_load(probe, at);
    double loss;
    if (!probe_eval(probe, x, targets, n, &loss, err))
        return false;
    if (!isfinite(loss)) {
        out->l2 = out->cos = NAN;
        return true;
    }
    memcpy(probe->grad, net->grads, sizeof(double) * net->num_params);
    size_t start, count;
    probe_layer_span(net, layer, &start, &count);
    /* The layers below k are the parameters before its block; they take their step, the rest stays. */
    for (size_t i = 0; i < start; i++)
        net->params[i] = probe->theta[i] - lr * probe->grad[i];
    if (!probe_eval(probe, x, targets, n, &loss, err))
        return false;
    if (!isfinite(loss)) {
        out->l2 = INFINITY;     /* the step below blew the loss up: G' is no gradient at all */
        out->cos = NAN;
        return true;
    }
    const double *g = probe->grad + start, *g2 = net->grads + start;
    double dot = 0.0, a = 0.0, b = 0.0;
    for (size_t i = 0; i < count; i++) {
        dot += g[i] * g2[i];
        a += g[i] * g[i];
        b += g2[i] * g2[i];
    }
    out->l2 = norm_of_difference(g, g2, count);
    out->cos = a > 0.0 && b > 0.0 ? dot / sqrt(a * b) : 1.0;
    return true;
}
