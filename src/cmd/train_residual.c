/* 'bntutor train': the residual MLP (--net=residual) behind the training loop's network interface, with its per-block gradient-norm columns (top layer). */
#include <math.h>
#include <stdlib.h>

#include "cmd/cmd_util.h"
#include "cmd/train.h"
#include "engine/resmlp.h"
#include "engine/stats.h"
#include "util/alloc.h"

/* Test rows per forward: the stack keeps nine (rows, width) buffers per block for backward. */
enum { RESIDUAL_TEST_CHUNK = 100 };

typedef struct TrainResidual {
    TrainNet base;
    ResMlp *net;
    double *gnorm_sum;      /* (blocks) each block's gradient norm, summed over the steps since the last row */
    long gnorm_steps;
    double *column;         /* (n_test) unit J's input to the activation in the last block's branch */
    double *xs, *ys;        /* (RESIDUAL_TEST_CHUNK, dim), (RESIDUAL_TEST_CHUNK) */
} TrainResidual;

static bool residual_step(TrainNet *tn, Sgd *sgd, const double *x, const double *y, int batch, double *loss,
                          BnError *err)
{
    TrainResidual *r = (TrainResidual *)tn;
    if (!resmlp_train_step(r->net, sgd, x, y, batch, loss))
        return false;       /* a loss that is not finite: the loop reports the divergence */
    for (int l = 0; l < r->net->config.blocks; l++)
        r->gnorm_sum[l] += resmlp_block_grad_norm(r->net, l);
    r->gnorm_steps++;
    return true;
}

static void residual_predict(const TrainNet *tn, int *pred)
{
    const ResMlp *net = ((const TrainResidual *)tn)->net;
    int k = net->config.n_out;
    for (int i = 0; i < net->batch; i++) {
        const double *row = net->logits + (size_t)i * (size_t)k;
        int best = 0;
        for (int j = 1; j < k; j++)
            if (row[j] > row[best])
                best = j;
        pred[i] = best;
    }
}

/* Accuracy and loss on the first n test rows, chunk by chunk (layer norm works on each row alone, so
 * chunks change nothing), and the percentiles of unit `unit`'s activation input in the last block. */
static bool residual_evaluate(TrainNet *tn, const Dataset *test, int n, int unit, TrainEval *ev, BnError *err)
{
    TrainResidual *r = (TrainResidual *)tn;
    ResMlp *net = r->net;
    const ResMlpBlock *last = &net->block[net->config.blocks - 1];
    double loss = 0.0, correct = 0.0;
    int idx[RESIDUAL_TEST_CHUNK];
    for (int start = 0; start < n; start += RESIDUAL_TEST_CHUNK) {
        int m = n - start < RESIDUAL_TEST_CHUNK ? n - start : RESIDUAL_TEST_CHUNK;
        for (int k = 0; k < m; k++)
            idx[k] = start + k;
        dataset_gather(test, idx, m, r->xs, r->ys);
        resmlp_forward(net, r->xs, m);
        loss += resmlp_loss(net, r->ys) * m;
        correct += resmlp_accuracy(net, r->ys) * m;
        for (int k = 0; k < m; k++)
            r->column[start + k] = last->a[(size_t)k * (size_t)net->config.width + (size_t)unit];
    }
    ev->test_loss = loss / n;
    ev->test_acc = correct / n;
    static const double ps[3] = { 15.0, 50.0, 85.0 };
    stats_percentiles(ev->p, r->column, n, ps, 3);
    return true;
}

static void residual_write_header(const TrainNet *tn, FILE *out)
{
    const TrainResidual *r = (const TrainResidual *)tn;
    for (int l = 0; l < r->net->config.blocks; l++)
        fprintf(out, ",gnorm%d", l + 1);
}

static void residual_write_row(TrainNet *tn, FILE *out)
{
    TrainResidual *r = (TrainResidual *)tn;
    for (int l = 0; l < r->net->config.blocks; l++) {
        fprintf(out, ",%.6g", r->gnorm_steps ? r->gnorm_sum[l] / (double)r->gnorm_steps : NAN);
        r->gnorm_sum[l] = 0.0;
    }
    r->gnorm_steps = 0;
}

static void residual_destroy(TrainNet *tn)
{
    TrainResidual *r = (TrainResidual *)tn;
    resmlp_destroy(r->net);
    free(r->gnorm_sum);
    free(r->column);
    free(r->xs);
    free(r->ys);
    free(r);
}

static const TrainNetClass residual_class = {
    .step = residual_step, .predict = residual_predict, .evaluate = residual_evaluate,
    .write_header = residual_write_header, .write_row = residual_write_row, .destroy = residual_destroy,
};

int train_residual_create(const TrainOptions *o, const Dataset *train, const Dataset *test, int n_test,
                          TrainNet **out)
{
    (void)test;
    if (train->classes < 2)
        return cmd_fail(2, "--dataset", "the residual network classifies; '%s' has no classes (try moons, "
                        "blobs, spirals or synth784)", o->dataset);
    if (o->unit >= o->width)
        return cmd_fail(2, "--unit", "%ld is not a unit of the %ld-wide residual stream (0 to %ld)", o->unit,
                        o->width, o->width - 1);
    ResMlpConfig c;
    resmlp_config_init(&c, train->dim, train->classes);
    c.blocks = (int)o->blocks;
    c.width = (int)o->width;
    c.place = o->norm_place;
    c.zero_init_last = o->zero_init_last;
    c.seed = o->seed;
    BnError err = { 0 };
    ResMlp *net = resmlp_create(&c, &err);
    if (!net)
        return cmd_fail_error(2, &err, "--net");
    TrainResidual *r = xcalloc(1, sizeof *r);
    r->base.cls = &residual_class;
    r->base.num_params = net->num_params;
    r->base.classifies = true;
    r->net = net;
    r->gnorm_sum = xcalloc((size_t)c.blocks, sizeof *r->gnorm_sum);
    r->column = xcalloc((size_t)(n_test > 0 ? n_test : 1), sizeof *r->column);
    r->xs = xcalloc((size_t)RESIDUAL_TEST_CHUNK * (size_t)train->dim, sizeof *r->xs);
    r->ys = xcalloc(RESIDUAL_TEST_CHUNK, sizeof *r->ys);
    *out = &r->base;
    return 0;
}
