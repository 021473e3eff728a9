/* Inference over many rows in little memory: a network's outputs without its training buffers (engine layer). */
#include "engine/mlp_infer.h"

#include <stdlib.h>
#include <string.h>

#include "engine/linear.h"
#include "util/alloc.h"

/* Input rows converted at a time; a multiple of the matrix kernel's tile, though results never depend on it. */
enum { INFER_CHUNK = 64 };

/* The buffers of one inference, each (n, widest hidden layer) but the chunk and the statistics. */
typedef struct InferBuffers {
    double *chunk;              /* (INFER_CHUNK, n_in) inputs as doubles */
    double *first;              /* the first hidden layer's linear output, kept for a second pass, or NULL */
    double *h;                  /* a layer's output, the next one's input */
    double *z;                  /* linear output */
    double *t;                  /* BN output (before) or activation (after) */
    double *xhat;               /* BN's normalized values (batch statistics only) */
    double *mean, *var, *rstd;  /* (widest) */
} InferBuffers;

static void infer_free(InferBuffers *b)
{
    free(b->chunk);
    free(b->first);
    free(b->h);
    free(b->z);
    free(b->t);
    free(b->xhat);
    free(b->mean);
    free(b->var);
    free(b->rstd);
}

/* dst ← BN(src) over the n rows, with the running statistics (eval) or this batch's (batch statistics). */
static bool infer_bn(const Mlp *mlp, const MlpLayer *L, double *dst, const double *src, int n, MlpMode mode,
                     InferBuffers *b, BnError *err)
{
    if (mode == MLP_MODE_EVAL) {
        batchnorm_forward_eval(dst, src, L->running_mean, L->running_var, L->gamma, L->beta, mlp->eps, n, L->out);
        return true;
    }
    if (!batchnorm_forward_train(dst, b->xhat, b->mean, b->var, b->rstd, src, L->gamma, L->beta, mlp->eps, n,
                                 L->out, err))
        return false;
    if (L->noise_scale)     /* noisy BN acts wherever batch statistics do, as in mlp_forward */
        for (int r = 0; r < n; r++)
            for (int j = 0; j < L->out; j++) {
                double *v = dst + (size_t)r * (size_t)L->out + (size_t)j;
                *v = *v * L->noise_scale[j] + L->noise_shift[j];
            }
    return true;
}

/* out (rows, width) ← a linear map of the set's rows, converted a chunk at a time. */
static void infer_first_linear(double *out, const Dataset *set, int first, int n, const double *w, const double *bias,
                               int in, int width, double *chunk)
{
    for (int r = 0; r < n; r += INFER_CHUNK) {
        int m = n - r < INFER_CHUNK ? n - r : INFER_CHUNK;
        dataset_rows(set, first + r, m, chunk);
        linear_forward(out + (size_t)r * (size_t)width, chunk, w, bias, m, in, width);
    }
}

/* Copies what the taps on layer l ask for: pre is the input to its activations, out its output. */
static void infer_taps(const MlpInferTap *taps, int num_taps, int l, const double *pre, const double *out, int n,
                       int width)
{
    for (int t = 0; t < num_taps; t++) {
        if (taps[t].layer != l)
            continue;
        const double *src = taps[t].output ? out : pre;
        if (taps[t].unit < 0)
            memcpy(taps[t].values, src, sizeof(double) * (size_t)n * (size_t)width);
        else
            for (int r = 0; r < n; r++)
                taps[t].values[r] = src[(size_t)r * (size_t)width + (size_t)taps[t].unit];
    }
}

/* Checks the request of mlp_infer_rows. */
static bool infer_check(const Mlp *mlp, const Dataset *set, int first, int n, MlpMode mode, const MlpInferTap *taps,
                        int num_taps, BnError *err)
{
    if (mode != MLP_MODE_EVAL && mode != MLP_MODE_BATCH_STATS) {
        error_set(err, "network", "inference runs in eval or batch-statistics mode only");
        return false;
    }
    if (n < 1 || first < 0 || first > set->n - n) {
        error_set(err, "network", "rows %d to %d are not in the %d rows of %s", first, first + n - 1, set->n,
                  set->name);
        return false;
    }
    if (set->dim != mlp->n_in) {
        error_set(err, "network", "%s has %d inputs per row, the network takes %d", set->name, set->dim, mlp->n_in);
        return false;
    }
    for (int t = 0; t < num_taps; t++) {
        int layer = taps[t].layer, unit = taps[t].unit;
        if (layer < 0 || layer >= mlp->num_hidden || unit < -1 || unit >= mlp->hidden[layer].out) {
            error_set(err, "network", "there is no hidden unit %d in layer %d", unit, layer);
            return false;
        }
    }
    return true;
}

static InferBuffers infer_alloc(const Mlp *mlp, int n, bool keep_first)
{
    int widest = 1;
    for (int l = 0; l < mlp->num_hidden; l++)
        if (mlp->hidden[l].out > widest)
            widest = mlp->hidden[l].out;
    size_t cells = (size_t)n * (size_t)widest;
    return (InferBuffers){
        .chunk = xmalloc(sizeof(double) * INFER_CHUNK * (size_t)mlp->n_in),
        .first = keep_first ? xmalloc(sizeof(double) * cells) : NULL,
        .h = xmalloc(sizeof(double) * cells),
        .z = xmalloc(sizeof(double) * cells),
        .t = xmalloc(sizeof(double) * cells),
        .xhat = xmalloc(sizeof(double) * cells),
        .mean = xmalloc(sizeof(double) * (size_t)widest),
        .var = xmalloc(sizeof(double) * (size_t)widest),
        .rstd = xmalloc(sizeof(double) * (size_t)widest),
    };
}

/* One pass in mode; the first hidden layer's linear output is read from b->first when it holds it. */
static bool infer_pass(const Mlp *mlp, const Dataset *set, int first, int n, MlpMode mode, double *logits,
                       const MlpInferTap *taps, int num_taps, InferBuffers *b, BnError *err)
{
    bool ok = true;
    Activation act = mlp->config.act;
    BnPlacement bn = mlp->config.bn;
    for (int l = 0; l < mlp->num_hidden && ok; l++) {
        const MlpLayer *L = &mlp->hidden[l];
        int count = n * L->out;
        const double *z = b->z;
        if (l == 0 && b->first)
            z = b->first;
        else if (l == 0)
            infer_first_linear(b->z, set, first, n, L->w, L->b, L->in, L->out, b->chunk);
        else
            linear_forward(b->z, b->h, L->w, L->b, n, L->in, L->out);
        const double *pre = z;
        switch (bn) {
        case BN_PLACEMENT_NONE:
            activation_forward(b->h, z, count, act);
            break;
        case BN_PLACEMENT_BEFORE:
            ok = infer_bn(mlp, L, b->t, z, n, mode, b, err);
            if (ok)
                activation_forward(b->h, b->t, count, act);
            pre = b->t;
            break;
        case BN_PLACEMENT_AFTER:
            activation_forward(b->t, z, count, act);
            ok = infer_bn(mlp, L, b->h, b->t, n, mode, b, err);
            break;
        }
        if (ok)
            infer_taps(taps, num_taps, l, pre, b->h, n, L->out);
    }
    if (ok && logits) {
        int last = mlp->num_hidden ? mlp->hidden[mlp->num_hidden - 1].out : mlp->n_in;
        if (mlp->num_hidden)
            linear_forward(logits, b->h, mlp->w_out, mlp->b_out, n, last, mlp->n_out);
        else
            infer_first_linear(logits, set, first, n, mlp->w_out, mlp->b_out, last, mlp->n_out, b->chunk);
    }
    return ok;
}

bool mlp_infer_rows(const Mlp *mlp, const Dataset *set, int first, int n, MlpMode mode, double *logits,
                    const MlpInferTap *taps, int num_taps, BnError *err)
{
    if (!infer_check(mlp, set, first, n, mode, taps, num_taps, err))
        return false;
    InferBuffers b = infer_alloc(mlp, n, false);
    bool ok = infer_pass(mlp, set, first, n, mode, logits, taps, num_taps, &b, err);
    infer_free(&b);
    return ok;
}

bool mlp_infer_rows_both(const Mlp *mlp, const Dataset *set, int first, int n, double *eval_logits,
                         const MlpInferTap *eval_taps, int num_eval_taps, const MlpInferTap *batch_taps,
                         int num_batch_taps, BnError *err)
{
    if (!infer_check(mlp, set, first, n, MLP_MODE_EVAL, eval_taps, num_eval_taps, err) ||
        !infer_check(mlp, set, first, n, MLP_MODE_BATCH_STATS, batch_taps, num_batch_taps, err))
        return false;
    InferBuffers b = infer_alloc(mlp, n, mlp->num_hidden > 0);
    if (b.first) {
        const MlpLayer *L = &mlp->hidden[0];
        infer_first_linear(b.first, set, first, n, L->w, L->b, L->in, L->out, b.chunk);
    }
    bool ok = infer_pass(mlp, set, first, n, MLP_MODE_EVAL, eval_logits, eval_taps, num_eval_taps, &b, err) &&
              infer_pass(mlp, set, first, n, MLP_MODE_BATCH_STATS, NULL, batch_taps, num_batch_taps, &b, err);
    infer_free(&b);
    return ok;
}

bool mlp_recompute_stats(Mlp *mlp, const Dataset *set, int batches, int batch, int *used, BnError *err)
{
    if (used)
        *used = 0;
    if (mlp->config.bn == BN_PLACEMENT_NONE) {
        error_set(err, "network", "there are no batch-norm statistics to recompute in a network without BN");
        return false;
    }
    if (batch < 2 || batches < 1 || set->n < 2 || set->dim != mlp->n_in) {
        error_set(err, "network", "recomputing statistics needs batches of at least 2 rows of %d inputs", mlp->n_in);
        return false;
    }
    if (batch > set->n)
        batch = set->n;
    double *x = xmalloc(sizeof *x * (size_t)batch * (size_t)set->dim);
    mlp_reset_running_stats(mlp);
    int count = 0;
    bool ok = true;
    for (int k = 0; k < batches && ok; k++) {
        int first = (int)(((long)k * batch) % set->n);
        int m = set->n - first < batch ? set->n - first : batch;
        if (m < 2)
            continue;
        dataset_rows(set, first, m, x);
        ok = mlp_population_add(mlp, x, m, err);
        count += ok;
    }
    free(x);
    if (used)
        *used = count;
    if (ok && count == 0) {
        error_set(err, "network", "no batch of at least 2 rows to recompute the statistics from");
        return false;
    }
    return ok;
}
