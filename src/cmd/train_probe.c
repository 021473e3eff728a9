/* 'bntutor train': noisy BN, weight decay, the landscape and ICS probes and the weight-norm columns around an MLP's step (top layer). */
#include <math.h>
#include <stdlib.h>

#include "cmd/train.h"
#include "engine/probe.h"
#include "util/alloc.h"
#include "util/pcg32.h"

/* The noise has a stream of its own, so a noisy run draws the same batches as a plain one. */
enum { NOISE_STREAM = 0x6e6f6973 };

enum { PROBE_COLUMNS_MAX = 3 };

struct TrainHooks {
    bool noise;
    Pcg32 noise_rng;
    double mean_sd, scale_sd;
    double decay;           /* the weights' factor after each step, 1 − η·λ; 1 for none */
    TrainProbeKind kind;
    Probe *probe;
    long every, steps;      /* probe every `every` steps; steps taken so far */
    int layer;              /* 0-based weight layer of the ICS probe */
    double lr;
    double sums[PROBE_COLUMNS_MAX];
    long probes;            /* probes summed since the previous row */
    const Mlp *mlp;         /* the network the columns read (the hooks live as long as it) */
    int norm_layer;         /* 0-based hidden layer of w_norm and eff_lr; -1: no such columns */
    bool bias_column;       /* bias_grad: the network keeps a bias before BN */
};

TrainHooks *train_hooks_create(const TrainOptions *o, Mlp *mlp)
{
    if (!o->bn_noise && o->weight_decay == 0.0 && o->probe == TRAIN_PROBE_NONE && o->track_norm == 0 &&
        !o->bias_before_bn)
        return NULL;
    TrainHooks *h = xcalloc(1, sizeof *h);
    h->noise = o->bn_noise;
    h->mean_sd = o->noise_mean_sd;
    h->scale_sd = o->noise_scale_sd;
    if (h->noise) {
        pcg32_seed(&h->noise_rng, o->seed, NOISE_STREAM);
        mlp_noise_enable(mlp);
    }
    h->decay = 1.0 - o->lr * o->weight_decay;
    h->kind = o->probe;
    h->every = o->probe_every;
    h->lr = o->lr;
    h->layer = o->probe_layer > 0 ? (int)o->probe_layer - 1 : mlp->num_hidden - 1;
    if (h->layer < 0)
        h->layer = 0;
    h->mlp = mlp;
    h->norm_layer = (int)o->track_norm - 1;
    h->bias_column = o->bias_before_bn;
    if (h->kind != TRAIN_PROBE_NONE)
        h->probe = probe_create(mlp);   /* after the noise is enabled, so the probe has it too */
    return h;
}

void train_hooks_destroy(TrainHooks *hooks)
{
    if (!hooks)
        return;
    probe_destroy(hooks->probe);
    free(hooks);
}

bool train_hooks_before_step(TrainHooks *h, Mlp *mlp, const MlpFloat *twin, const double *x, const double *y,
                             int n, BnError *err)
{
    if (!h)
        return true;
    if (h->noise)
        mlp_noise_draw(mlp, &h->noise_rng, h->mean_sd, h->scale_sd);
    h->steps++;
    if (h->kind == TRAIN_PROBE_NONE || (h->steps != 1 && h->steps % h->every != 0))
        return true;
    if (twin)
        mlp_float_store(twin);  /* θ as the twin holds it; the twin never reads it back */
    if (h->kind == TRAIN_PROBE_LANDSCAPE) {
        ProbeLandscape land;
        if (!probe_landscape(h->probe, mlp, x, y, n, h->lr, &land, err))
            return false;
        h->sums[0] += land.loss_range;
        h->sums[1] += land.grad_pred;
        h->sums[2] += land.beta_smooth;
    } else {
        ProbeIcs ics;
        if (!probe_ics(h->probe, mlp, x, y, n, h->lr, h->layer, &ics, err))
            return false;
        h->sums[0] += ics.l2;
        h->sums[1] += ics.cos;
    }
    h->probes++;
    return true;
}

void train_hooks_after_step(TrainHooks *h, Mlp *mlp)
{
    if (h && h->decay != 1.0)
        mlp_scale_weights(mlp, h->decay);
}

static int columns(const TrainHooks *h)
{
    return !h ? 0 : h->kind == TRAIN_PROBE_LANDSCAPE ? 3 : h->kind == TRAIN_PROBE_ICS ? 2 : 0;
}

void train_hooks_write_header(const TrainHooks *h, FILE *out)
{
    if (columns(h) == 3)
        fputs(",loss_range,grad_pred,beta_smooth", out);
    else if (columns(h) == 2)
        fputs(",ics_l2,ics_cos", out);
    if (h && h->norm_layer >= 0)
        fputs(",w_norm,eff_lr", out);
    if (h && h->bias_column)
        fputs(",bias_grad", out);
}

/* ‖W‖ (Frobenius) of hidden layer `layer`. */
static double layer_weight_norm(const Mlp *mlp, int layer)
{
    const MlpLayer *L = &mlp->hidden[layer];
    double sum = 0.0;
    for (size_t i = 0; i < (size_t)L->in * (size_t)L->out; i++)
        sum += L->w[i] * L->w[i];
    return sqrt(sum);
}

/* The largest |∂L/∂b| of the last step over every bias before BN. */
static double largest_bias_gradient(const Mlp *mlp)
{
    double largest = 0.0;
    for (int l = 0; l < mlp->num_hidden; l++)
        for (int j = 0; mlp->hidden[l].db && j < mlp->hidden[l].out; j++)
            largest = fmax(largest, fabs(mlp->hidden[l].db[j]));
    return largest;
}

void train_hooks_write_row(TrainHooks *h, FILE *out)
{
    int count = columns(h);
    for (int c = 0; c < count; c++) {
        if (h->probes > 0)
            fprintf(out, ",%.6g", h->sums[c] / h->probes);
        else
            fputc(',', out);
        h->sums[c] = 0.0;
    }
    if (!h)
        return;
    h->probes = 0;
    if (h->norm_layer >= 0) {
        /* For weights followed by BN the step turns W by about lr·|g|/|W|, and |g| itself falls as 1/|W|:
         * lr/|W|² is the rate the direction of W really learns at. */
        double norm = layer_weight_norm(h->mlp, h->norm_layer);
        fprintf(out, ",%.6g,%.6g", norm, h->lr / (norm * norm));
    }
    if (h->bias_column)
        fprintf(out, ",%.6g", largest_bias_gradient(h->mlp));
}
