/* 'bntutor train': the conv net (--net=conv) behind the training loop's network interface (top layer). */
#include <stdlib.h>

#include "cmd/cmd_util.h"
#include "cmd/train.h"
#include "engine/convnet.h"
#include "engine/convnet_float.h"
#include "engine/stats.h"
#include "util/alloc.h"

/* Test samples per conv forward: a 1000-sample forward would hold ~700 MB of feature maps. */
enum { CONV_TEST_CHUNK = 100 };

typedef struct TrainConv {
    TrainNet base;
    ConvNet *net;
    ConvNetFloat *twin; /* the float twin that takes the steps and evaluates, NULL with --precision=double */
    double *column;     /* (n_test · side²) the followed channel's values over the test batch */
    double *xs;         /* (CONV_TEST_CHUNK, dim) one chunk of test rows (double steps) */
    /* The fixed test batch in float, gathered at the first evaluation and read by every one after it,
     * rather than each image's bytes being turned into floats again ten times a run; for test_set's
     * first test_n rows (a new set or size gathers again). */
    float *test_rows;   /* (test_n, dim) */
    double *test_labels; /* (test_n) */
    const Dataset *test_set;
    int test_n;
} TrainConv;

static bool conv_step(TrainNet *net, Sgd *sgd, const double *x, const double *y, int batch, double *loss,
                      BnError *err)
{
    TrainConv *c = (TrainConv *)net;
    return c->twin ? convnet_float_train_step(c->twin, sgd, x, y, batch, loss, err)
                   : convnet_train_step(c->net, sgd, x, y, batch, loss, err);
}

static bool conv_step_f32(TrainNet *net, Sgd *sgd, const float *x, const double *y, int batch, double *loss,
                          BnError *err)
{
    return convnet_float_train_step_f32(((TrainConv *)net)->twin, sgd, x, y, batch, loss, err);
}

static float *conv_input_f32(TrainNet *net, int batch)
{
    return convnet_float_input(((TrainConv *)net)->twin, batch);
}

static void conv_predict(const TrainNet *net, int *pred)
{
    const TrainConv *c = (const TrainConv *)net;
    if (c->twin)
        convnet_float_predict(c->twin, pred);
    else
        convnet_predict(c->net, pred);
}

/* One chunk of test rows through the network in mode: the twin when there is one (the same arithmetic
 * as its steps), else the double network. */
static bool chunk_forward(TrainConv *c, const float *rows, int m, ConvNetMode mode, BnError *err)
{
    return c->twin ? convnet_float_forward_f32(c->twin, rows, m, mode, err)
                   : convnet_forward(c->net, c->xs, m, mode, err);
}

/* The twin's copy of the first n test rows and labels, gathered once per set and size. */
static void keep_test_rows(TrainConv *c, const Dataset *test, int n)
{
    if (c->test_rows && c->test_set == test && c->test_n == n)
        return;
    free(c->test_rows);
    free(c->test_labels);
    c->test_rows = xmalloc(sizeof(float) * (size_t)n * (size_t)test->dim);
    c->test_labels = xmalloc(sizeof(double) * (size_t)n);
    int idx[CONV_TEST_CHUNK];
    for (int start = 0; start < n; start += CONV_TEST_CHUNK) {
        int m = n - start < CONV_TEST_CHUNK ? n - start : CONV_TEST_CHUNK;
        for (int k = 0; k < m; k++)
            idx[k] = start + k;
        dataset_gather_float(test, idx, m, c->test_rows + (size_t)start * test->dim, c->test_labels + start);
    }
    c->test_set = test;
    c->test_n = n;
}

/* Eval-mode accuracy and loss on the first n test samples, then the percentiles of channel `channel`'s
 * relu input in the second block with batch statistics, chunk by chunk; in the precision of the steps. */
static bool conv_evaluate(TrainNet *tn, const Dataset *test, int n, int channel, TrainEval *ev, BnError *err)
{
    TrainConv *c = (TrainConv *)tn;
    ConvNet *net = c->net;
    double loss = 0.0, correct = 0.0;
    int filled = 0;
    int idx[CONV_TEST_CHUNK];
    double ys_double[CONV_TEST_CHUNK];
    if (c->twin)
        keep_test_rows(c, test, n);
    for (int start = 0; start < n; start += CONV_TEST_CHUNK) {
        int m = n - start < CONV_TEST_CHUNK ? n - start : CONV_TEST_CHUNK;
        const float *rows = NULL;
        const double *ys = ys_double;
        if (c->twin) {
            rows = c->test_rows + (size_t)start * test->dim;
            ys = c->test_labels + start;
        } else {
            for (int k = 0; k < m; k++)
                idx[k] = start + k;
            dataset_gather(test, idx, m, c->xs, ys_double);
        }
        if (!chunk_forward(c, rows, m, CONVNET_MODE_EVAL, err))
            return false;
        loss += (c->twin ? convnet_float_loss(c->twin, ys) : convnet_loss(net, ys)) * m;
        correct += (c->twin ? convnet_float_accuracy(c->twin, ys) : convnet_accuracy(net, ys)) * m;
        /* Only a norm with running statistics has two modes; the others' eval pass used batch statistics.
         * The twin computes the second pass only as far as the followed channel needs. */
        bool two_modes = convnet_norm_has_running_stats(net->config.norm);
        if (c->twin) {
            int got = two_modes ? convnet_float_channel_values_again(c->column + filled, c->twin,
                                                                     CONVNET_MODE_BATCH_STATS, channel, err)
                                : convnet_float_channel_values(c->column + filled, c->twin, CONVNET_BLOCKS - 1, channel);
            if (got < 0)
                return false;
            filled += got;
            continue;
        }
        if (two_modes && !chunk_forward(c, rows, m, CONVNET_MODE_BATCH_STATS, err))
            return false;
        const ConvNetBlock *last = &net->block[CONVNET_BLOCKS - 1];
        filled += convnet_channel_values(c->column + filled, net, CONVNET_BLOCKS - 1, last->normed, channel);
    }
    ev->test_loss = loss / n;
    ev->test_acc = correct / n;
    static const double ps[3] = { 15.0, 50.0, 85.0 };
    stats_percentiles(ev->p, c->column, filled, ps, 3);
    return true;
}

static void conv_destroy(TrainNet *net)
{
    TrainConv *c = (TrainConv *)net;
    convnet_float_destroy(c->twin);
    convnet_destroy(c->net);
    free(c->column);
    free(c->xs);
    free(c->test_rows);
    free(c->test_labels);
    free(c);
}

static const TrainNetClass conv_class = {
    .step = conv_step, .step_f32 = conv_step_f32, .input_f32 = conv_input_f32, .predict = conv_predict, .evaluate = conv_evaluate, .destroy = conv_destroy,
};

int train_conv_create(const TrainOptions *o, const Dataset *train, const Dataset *test, int n_test,
                      TrainNet **net)
{
    *net = NULL;
    ConvNetConfig config;
    convnet_config_init(&config);
    if (train->dim != config.side * config.side || train->classes < 2)
        return cmd_fail(2, "--net", "the conv net takes 28x28 images (784 pixels) with class labels, but '%s' "
                        "has %d feature%s%s", o->dataset, train->dim, train->dim == 1 ? "" : "s",
                        train->classes < 2 ? " and no classes" : "");
    if (o->batch > train->n)
        return cmd_fail(2, "--batch", "%ld is larger than the training set of '%s' (%d samples)", o->batch,
                        o->dataset, train->n);
    if (o->unit >= config.channels[CONVNET_BLOCKS - 1])
        return cmd_fail(2, "--unit", "%ld is not a channel of the conv net's second block (0 to %d)", o->unit,
                        config.channels[CONVNET_BLOCKS - 1] - 1);
    if (test->n < 1)
        return cmd_fail(1, "--dataset", "the test set of '%s' is empty", o->dataset);
    config.classes = train->classes;
    config.norm = o->norm;
    config.groups = (int)o->groups;
    config.seed = o->seed;
    BnError err = { 0 };
    ConvNet *cn = convnet_create(&config, &err);
    if (!cn)
        return cmd_fail_error(1, &err, "train");
    TrainConv *c = xcalloc(1, sizeof *c);
    c->base = (TrainNet){ .cls = &conv_class, .num_params = cn->num_params, .classifies = true };
    c->net = cn;
    if (!o->double_steps) {
        c->twin = convnet_float_create(cn);
        c->base.takes_floats = true;
    }
    int map = cn->block[CONVNET_BLOCKS - 1].side * cn->block[CONVNET_BLOCKS - 1].side;
    c->column = xmalloc(sizeof(double) * (size_t)n_test * (size_t)map);
    c->xs = xmalloc(sizeof(double) * CONV_TEST_CHUNK * (size_t)test->dim);
    *net = &c->base;
    return 0;
}
