/* The 'train' subcommand: trains a network headless and writes its history as CSV (top layer). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "engine/budget.h"
#include "engine/convnet.h"
#include "engine/dataset.h"
#include "engine/loss.h"
#include "engine/mlp.h"
#include "engine/mlp_float.h"
#include "engine/mlp_infer.h"
#include "engine/optimizer.h"
#include "engine/stats.h"
#include "util/alloc.h"
#include "util/parse.h"

/* Rows of the test set used for test_acc and the percentiles: fixed, so rows compare over time. */
enum { TEST_BATCH_MAX = 1000 };
/* The memory a training run may ask for (estimated from layer sizes and batch, engine/budget.h). */
#define TRAIN_BYTES_MAX (1024.0 * 1024 * 1024)

/* A loss this many times the untrained network's (or 1, if that is smaller) means the run blew up:
 * with a huge --lr, saturated sigmoids keep the loss finite but meaningless (1e6 and more), and no
 * sound run ever climbs this far above where it started. */
static const double DIVERGE_FACTOR = 1e4;

/* True when loss is NaN, infinite or far above the first step's loss. */
static bool loss_exploded(double loss, double first_loss)
{
    return !(loss <= DIVERGE_FACTOR * fmax(first_loss, 1.0));
}

static const char help_text[] =
    "Usage: bntutor train [OPTIONS]\n"
    "Trains a network headless and writes one CSV row every K steps.\n"
    "\n"
    "  --dataset=NAME   scaled2d, blobs, moons, spirals, synth784, shapes28, or idx:DIR (MNIST-format\n"
    "                   files) (default moons; shapes28 with --net=conv); gzipped images are unpacked\n"
    "                   once into a cache in $XDG_CACHE_HOME/bntutor (~/.cache/bntutor), then shared\n"
    "                   through the page cache with every other tutor on the machine\n"
    "  --net=paper      784-100-100-100-10 sigmoid, the original BN paper's MNIST network\n"
    "  --net=conv       conv net for 28x28 images: conv3x3 1->8, norm, relu, 2x2 max pool,\n"
    "                   conv3x3 8->16, norm, relu, 2x2 max pool, linear 784->10\n"
    "  --norm=NAME      conv net only: batch, layer, instance, group or none (default batch)\n"
    "  --groups=G       conv net with --norm=group: groups, dividing 8 and 16 (default 4)\n"
    "  --hidden=LIST    hidden layer widths, e.g. 16,16 (default 16,16)\n"
    "  --act=NAME       sigmoid, relu or tanh for every hidden layer (default sigmoid)\n"
    "  --bn=WHERE       none, before or after the activation of every hidden layer (default none)\n"
    "  --steps=N        training steps (default 1000)\n"
    "  --batch=B        mini-batch size (default 60)\n"
    "  --lr=R           learning rate (default 0.1)\n"
    "  --momentum=M     SGD momentum, 0 for plain SGD (default 0)\n"
    "  --seed=S         seed of the data, the initial weights and the batches (default 1)\n"
    "  --every=K        write a row every K steps, and after the last (default 100)\n"
    "  --unit=J         which unit of the last hidden layer p15/p50/p85 follow (default 0);\n"
    "                   for the conv net, which channel of the second block (0 to 15)\n"
    "  --csv=FILE       write the CSV to FILE (default standard output)\n"
    "  --precision=P    float (fast, the default) or double (the arithmetic of the lessons' scenes)\n"
    "                   for the training steps; evaluation is always in double\n"
    "  --help           this text\n"
    "\n"
    "Columns: step,loss,test_acc,p15,p50,p85,train_acc,test_loss\n"
    "  loss       mean training mini-batch loss over the steps since the previous row\n"
    "  test_acc   accuracy on a fixed test batch (the first 1000 test samples) in eval mode;\n"
    "             for the regression set scaled2d: R² on that batch instead\n"
    "  p15..p85   15th/50th/85th percentiles over the fixed test batch of the input to unit J's\n"
    "             activation in the last hidden layer (with BN: normalized with the batch's statistics);\n"
    "             conv net: of channel J's relu input in the second block, over every pixel, with the\n"
    "             test batch run in chunks of 100 (batch norm: each chunk's own statistics)\n"
    "  train_acc  accuracy over the training mini-batches since the previous row (empty for scaled2d)\n"
    "  test_loss  loss on the fixed test batch in eval mode\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure (also when training diverges), 2 usage error.\n";

typedef struct TrainOptions {
    const char *dataset;
    bool dataset_given;
    bool paper;
    bool conv;                  /* --net=conv */
    ConvNorm norm;
    bool norm_given, bn_given;
    long groups;
    bool groups_given;
    int hidden[MLP_MAX_SIZES];
    int num_hidden;
    bool hidden_given, act_given;
    Activation act;
    BnPlacement bn;
    long steps, batch, every, unit;
    double lr, momentum;
    unsigned long long seed;
    const char *csv;
    bool double_steps;      /* --precision=double: train through the double Mlp, not its float twin */
    bool precision_given;
} TrainOptions;

static int usage_error(const char *where, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage_error(const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bntutor: %s: ", where);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 2;
}

static bool parse_widths(const char *text, TrainOptions *o)
{
    o->num_hidden = 0;
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[32];
        long v;
        if (len == 0 || len >= sizeof item || o->num_hidden >= MLP_MAX_SIZES - 2)
            return false;
        memcpy(item, p, len);
        item[len] = '\0';
        if (!parse_long(item, 1, 100000, &v))
            return false;
        o->hidden[o->num_hidden++] = (int)v;
        if (!comma)
            return true;
        p = comma + 1;
    }
}

/* Reads one --name=VALUE option into o; returns 0, or the exit status of a usage error. */
static int parse_args(int argc, char **argv, TrainOptions *o, bool *help)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            *help = true;
            return 0;
        }
        if (parse_option(a, "help", &v))
            return usage_error("--help", "takes no value");
        /* Every other option needs a value. */
        static const char *const names[] = { "dataset", "net", "hidden", "act", "bn", "steps", "batch",
                                             "lr", "momentum", "seed", "every", "unit", "csv", "norm",
                                             "groups", "precision" };
        int which = -1;
        for (int k = 0; k < (int)(sizeof names / sizeof names[0]); k++)
            if (parse_option(a, names[k], &v)) {
                which = k;
                break;
            }
        if (which < 0)
            return usage_error("train", "unknown option '%s' (try 'bntutor train --help')", a);
        char where[32];
        snprintf(where, sizeof where, "--%s", names[which]);
        if (!v || !*v)
            return usage_error(where, "needs a value, as in %s=VALUE", where);
        double d;
        long l;
        switch (which) {
        case 0:
            if (!dataset_name_known(v)) {
                char valid[256];
                return usage_error(where, "unknown dataset '%s' (valid: %s)", v,
                                   dataset_valid_names(valid, sizeof valid));
            }
            o->dataset = v;
            o->dataset_given = true;
            break;
        case 1:
            if (strcmp(v, "paper") != 0 && strcmp(v, "conv") != 0)
                return usage_error(where, "'%s' is not a known network (paper, conv; or use --hidden=LIST)", v);
            o->paper = strcmp(v, "paper") == 0;
            o->conv = !o->paper;
            break;
        case 2:
            if (!parse_widths(v, o))
                return usage_error(where, "'%s' is not a list of widths like 16,16 (each 1 to 100000, "
                                   "at most %d)", v, MLP_MAX_SIZES - 2);
            o->hidden_given = true;
            break;
        case 3:
            if (!activation_parse(v, &o->act))
                return usage_error(where, "'%s' is not an activation (sigmoid, relu, tanh)", v);
            o->act_given = true;
            break;
        case 4:
            if (!mlp_placement_parse(v, &o->bn))
                return usage_error(where, "'%s' is not a placement (none, before, after)", v);
            o->bn_given = true;
            break;
        case 5: case 6: case 10: case 11: {
            long min = which == 11 ? 0 : 1;
            if (!parse_long(v, min, 100000000, &l))
                return usage_error(where, "'%s' is not a whole number from %ld to 100000000", v, min);
            if (which == 5) o->steps = l;
            else if (which == 6) o->batch = l;
            else if (which == 10) o->every = l;
            else o->unit = l;
            break;
        }
        case 7:
            if (!parse_double(v, &d) || !(d > 0.0))
                return usage_error(where, "'%s' is not a positive number", v);
            o->lr = d;
            break;
        case 8:
            if (!parse_double(v, &d) || d < 0.0 || d >= 1.0)
                return usage_error(where, "'%s' is not a number in [0, 1)", v);
            o->momentum = d;
            break;
        case 9:
            if (!parse_long(v, 0, 2147483647L, &l))
                return usage_error(where, "'%s' is not a whole number from 0 to 2147483647", v);
            o->seed = (unsigned long long)l;
            break;
        case 12: o->csv = v; break;
        case 13:
            if (!convnet_norm_parse(v, &o->norm))
                return usage_error(where, "'%s' is not a norm (batch, layer, instance, group, none)", v);
            o->norm_given = true;
            break;
        case 14:
            if (!parse_long(v, 1, 16, &l) || 8 % l != 0)
                return usage_error(where, "'%s' does not divide the conv net's 8 and 16 channels "
                                   "(1, 2, 4 or 8)", v);
            o->groups = l;
            o->groups_given = true;
            break;
        default:
            if (strcmp(v, "float") != 0 && strcmp(v, "double") != 0)
                return usage_error(where, "'%s' is not a precision (float, double)", v);
            o->double_steps = strcmp(v, "double") == 0;
            o->precision_given = true;
            break;
        }
    }
    if (o->conv && (o->hidden_given || o->act_given || o->bn_given))
        return usage_error("--net", "conv fixes the layers (relu) and takes --norm=NAME; leave out --hidden, "
                           "--act and --bn");
    if (o->conv && o->precision_given)
        return usage_error("--precision", "the conv net trains in double; leave out --precision");
    if (!o->conv && (o->norm_given || o->groups_given))
        return usage_error(o->norm_given ? "--norm" : "--groups", "only the conv net has it; add --net=conv "
                           "(the MLP takes --bn=none|before|after)");
    if (o->groups_given && o->norm != CONV_NORM_GROUP)
        return usage_error("--groups", "only group norm has groups; add --norm=group");
    if (o->paper && (o->hidden_given || o->act_given))
        return usage_error("--net", "paper fixes the layers and the activation (784-100-100-100-10 "
                           "sigmoid); leave out --hidden and --act, or leave out --net");
    return 0;
}

/* R² of single-output predictions pred (n) against target (n). */
static double r_squared(const double *pred, const double *target, int n)
{
    double mean = 0.0;
    for (int r = 0; r < n; r++)
        mean += target[r] / n;
    double ss_res = 0.0, ss_tot = 0.0;
    for (int r = 0; r < n; r++) {
        double e = pred[r] - target[r], d = target[r] - mean;
        ss_res += e * e;
        ss_tot += d * d;
    }
    return ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : 0.0;
}

typedef struct Evaluation {
    double test_acc, test_loss, p[3];
} Evaluation;

/* The buffers of one evaluation of the fixed test batch: (n, n_out) each but the column, (n). */
typedef struct EvalBuffers {
    double *logits, *probs, *dlogits, *column;
} EvalBuffers;

/* Eval-mode figures on the fixed test batch, and the percentiles of the followed unit's input. The
 * test rows go through mlp_infer_rows, which never holds the network's training buffers for them. */
static bool evaluate(const Mlp *mlp, const Dataset *test, int n, int unit, EvalBuffers *b, Evaluation *ev,
                     BnError *err)
{
    int last = mlp->num_hidden - 1;
    bool bn = mlp->config.bn != BN_PLACEMENT_NONE;
    MlpInferTap column = { .layer = last, .unit = unit, .values = b->column };
    /* Without BN both modes are the same pass, so the column comes from the eval pass. */
    if (!mlp_infer_rows(mlp, test, 0, n, MLP_MODE_EVAL, b->logits, &column, bn ? 0 : 1, err))
        return false;
    if (mlp->config.task == MLP_TASK_REGRESS) {
        ev->test_loss = loss_mse(b->dlogits, b->logits, test->y, n * mlp->n_out);
        ev->test_acc = r_squared(b->logits, test->y, n);
    } else {
        ev->test_loss = loss_softmax_cross_entropy(b->dlogits, b->probs, b->logits, test->y, n, mlp->n_out);
        ev->test_acc = mlp_logits_accuracy(b->logits, test->y, n, mlp->n_out);
    }
    if (bn && !mlp_infer_rows(mlp, test, 0, n, MLP_MODE_BATCH_STATS, NULL, &column, 1, err))
        return false;
    static const double ps[3] = { 15.0, 50.0, 85.0 };
    stats_percentiles(ev->p, b->column, n, ps, 3);
    return true;
}

static int runtime_error(const BnError *err, const char *fallback_where)
{
    fprintf(stderr, "bntutor: %s: %s\n", err->where[0] ? err->where : fallback_where, err->message);
    return 1;
}

/* Everything the run owns, freed in one place. */
typedef struct TrainRun {
    Dataset *train, *test;
    Mlp *mlp;
    ConvNet *net;
    MlpFloat *twin;     /* the float twin that takes the steps, NULL with --precision=double */
    Sgd *sgd;
    BatchSampler sampler;
    bool sampler_ready;
    int *idx;
    double *x, *y, *column;
    EvalBuffers eval;
    FILE *out;
} TrainRun;

static void run_free(TrainRun *run)
{
    dataset_destroy(run->train);
    dataset_destroy(run->test);
    mlp_float_destroy(run->twin);
    mlp_destroy(run->mlp);
    convnet_destroy(run->net);
    sgd_destroy(run->sgd);
    if (run->sampler_ready)
        sampler_free(&run->sampler);
    free(run->idx);
    free(run->x);
    free(run->y);
    free(run->column);
    free(run->eval.logits);
    free(run->eval.probs);
    free(run->eval.dlogits);
    if (run->out && run->out != stdout)
        fclose(run->out);
}

static int conv_train_run(const TrainOptions *o, TrainRun *run);

static int train_run(const TrainOptions *o, TrainRun *run)
{
    if (o->conv)
        return conv_train_run(o, run);
    BnError err = { 0 };
    if (!dataset_load(o->dataset, o->seed, 0, 0, &run->train, &run->test, &err))
        return runtime_error(&err, "--dataset");
    const Dataset *train = run->train, *test = run->test;
    for (int s = 0; s < 2; s++)
        if ((s ? test : train)->warning[0])
            fprintf(stderr, "bntutor: warning: %s\n", (s ? test : train)->warning);
    if (o->paper && train->dim != 784)
        return usage_error("--net", "the paper network takes 784 inputs, but '%s' has %d feature%s; "
                           "use --hidden=LIST for it (e.g. --hidden=16,16)", o->dataset, train->dim,
                           train->dim == 1 ? "" : "s");
    if (o->batch > train->n)
        return usage_error("--batch", "%ld is larger than the training set of '%s' (%d samples)",
                           o->batch, o->dataset, train->n);
    if (o->bn != BN_PLACEMENT_NONE && o->batch < 2)
        return usage_error("--batch", "batch norm needs at least 2 samples per batch to have a variance");
    if (test->n < 2) {
        error_set(&err, "--dataset", "the test set of '%s' needs at least 2 samples", o->dataset);
        return runtime_error(&err, "--dataset");
    }

    int sizes[MLP_MAX_SIZES], num = 0;
    sizes[num++] = train->dim;
    if (o->paper) {
        for (int k = 0; k < 3; k++)
            sizes[num++] = 100;
    } else {
        for (int k = 0; k < o->num_hidden; k++)
            sizes[num++] = o->hidden[k];
    }
    bool regress = train->classes == 0;
    sizes[num++] = regress ? 1 : train->classes;
    /* A shared server: refuse a network that would not fit rather than let the allocator abort. */
    StepCost cost = budget_mlp_step(sizes, num, (int)o->batch);
    if (cost.bytes > TRAIN_BYTES_MAX)
        return usage_error(o->hidden_given ? "--hidden" : "--batch", "that network and batch need about %.0f MB; "
                           "train allows at most %.0f MB (use narrower layers or a smaller batch)",
                           cost.bytes / 1048576.0, TRAIN_BYTES_MAX / 1048576.0);
    if (o->unit >= sizes[num - 2])
        return usage_error("--unit", "%ld is not a unit of the last hidden layer (0 to %d)", o->unit,
                           sizes[num - 2] - 1);

    MlpConfig config;
    mlp_config_init(&config, sizes, num);
    config.act = o->paper ? ACTIVATION_SIGMOID : o->act;
    config.bn = o->bn;
    config.task = regress ? MLP_TASK_REGRESS : MLP_TASK_CLASSIFY;
    config.seed = o->seed;
    run->mlp = mlp_create(&config, &err);
    if (!run->mlp)
        return runtime_error(&err, "train");
    Mlp *mlp = run->mlp;
    run->sgd = sgd_create(mlp->num_params, o->lr, o->momentum);
    if (!o->double_steps)
        run->twin = mlp_float_create(mlp);
    sampler_init(&run->sampler, train->n, o->seed);
    run->sampler_ready = true;

    int batch = (int)o->batch;
    int n_test = test->n < TEST_BATCH_MAX ? test->n : TEST_BATCH_MAX;
    run->idx = xmalloc(sizeof(int) * (size_t)batch);
    run->x = xmalloc(sizeof(double) * (size_t)batch * (size_t)train->dim);
    run->y = xmalloc(sizeof(double) * (size_t)batch);
    size_t outputs = (size_t)n_test * (size_t)mlp->n_out;
    run->column = xmalloc(sizeof(double) * (size_t)n_test);
    run->eval = (EvalBuffers){ .logits = xmalloc(sizeof(double) * outputs), .probs = xmalloc(sizeof(double) * outputs),
                               .dlogits = xmalloc(sizeof(double) * outputs), .column = run->column };

    if (o->csv) {
        run->out = fopen(o->csv, "w");
        if (!run->out) {
            fprintf(stderr, "bntutor: %s: %s\n", o->csv, strerror(errno));
            return 1;
        }
    } else {
        run->out = stdout;
    }
    FILE *out = run->out;
    fputs("step,loss,test_acc,p15,p50,p85,train_acc,test_loss\n", out);

    double loss_sum = 0.0, first_loss = NAN;
    long correct = 0, seen = 0, since = 0;
    int *pred = xmalloc(sizeof(int) * (size_t)batch);
    int status = 0;
    for (long step = 1; step <= o->steps; step++) {
        sampler_next(&run->sampler, run->idx, batch);
        dataset_gather(train, run->idx, batch, run->x, run->y);
        double loss = 0.0;
        error_clear(&err);
        bool stepped = run->twin ? mlp_float_train_step(run->twin, run->sgd, run->x, run->y, batch, &loss, &err)
                                 : mlp_train_step(mlp, run->sgd, run->x, run->y, batch, &loss, &err);
        if (!stepped) {
            fflush(out);
            if (!isfinite(loss)) {
                fprintf(stderr, "bntutor: train: training diverged at step %ld: lower --lr (now %g)\n",
                        step, o->lr);
                status = 1;
            } else {
                status = runtime_error(&err, "train");
            }
            break;
        }
        if (step == 1)
            first_loss = loss;
        loss_sum += loss;
        since++;
        if (!regress) {
            if (run->twin)
                mlp_float_predict(run->twin, pred);
            else
                mlp_predict(mlp, pred);
            for (int r = 0; r < batch; r++)
                correct += pred[r] == (int)run->y[r];
            seen += batch;
        }
        if (step % o->every != 0 && step != o->steps)
            continue;
        Evaluation ev;
        if (run->twin)
            mlp_float_store(run->twin);     /* evaluation runs on the double network */
        if (!evaluate(mlp, test, n_test, (int)o->unit, &run->eval, &ev, &err)) {
            status = runtime_error(&err, "train");
            break;
        }
        if (!isfinite(ev.test_loss) || !isfinite(ev.p[0]) || !isfinite(ev.p[2])) {
            fflush(out);
            fprintf(stderr, "bntutor: train: training diverged at step %ld: lower --lr (now %g)\n", step,
                    o->lr);
            status = 1;
            break;
        }
        /* The training loss, not the test loss: the row of step 1 still shows where the run started. */
        double row_loss = loss_sum / since;
        if (loss_exploded(row_loss, first_loss)) {
            fflush(out);
            fprintf(stderr, "bntutor: train: training diverged at step %ld: the loss grew from %.3g to %.3g; "
                    "lower --lr (now %g)\n", step, first_loss, row_loss, o->lr);
            status = 1;
            break;
        }
        fprintf(out, "%ld,%.6g,%.6g,%.6g,%.6g,%.6g,", step, row_loss, ev.test_acc, ev.p[0], ev.p[1],
                ev.p[2]);
        if (!regress)
            fprintf(out, "%.6g", (double)correct / seen);
        fprintf(out, ",%.6g\n", ev.test_loss);
        loss_sum = 0.0;
        since = correct = seen = 0;
    }
    free(pred);
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "bntutor: %s: write error\n", o->csv ? o->csv : "<stdout>");
        status = 1;
    }
    return status;
}

int cmd_train(int argc, char **argv)
{
    TrainOptions o = {
        .dataset = "moons", .hidden = { 16, 16 }, .num_hidden = 2, .act = ACTIVATION_SIGMOID,
        .bn = BN_PLACEMENT_NONE, .steps = 1000, .batch = 60, .every = 100, .unit = 0,
        .lr = 0.1, .momentum = 0.0, .seed = 1, .csv = NULL, .norm = CONV_NORM_BATCH, .groups = 4,
    };
    bool help = false;
    int status = parse_args(argc, argv, &o, &help);
    if (status != 0)
        return status;
    if (o.conv && !o.dataset_given)
        o.dataset = "shapes28";
    if (help) {
        fputs(help_text, stdout);
        return 0;
    }
    TrainRun run;
    memset(&run, 0, sizeof run);
    status = train_run(&o, &run);
    run_free(&run);
    return status;
}

/* ---------- the conv net (--net=conv) ---------- */

/* Test samples per conv forward: a 1000-sample forward would hold ~700 MB of feature maps. */
enum { CONV_TEST_CHUNK = 100 };

/* Eval-mode accuracy and loss on the first n test samples, then the percentiles of channel `channel`'s
 * relu input in the second block with batch statistics, chunk by chunk. column: (n · 14 · 14). */
static bool conv_evaluate(ConvNet *net, const Dataset *test, int n, int channel, double *column, Evaluation *ev,
                          BnError *err)
{
    double loss = 0.0, correct = 0.0;
    int filled = 0;
    int idx[CONV_TEST_CHUNK];
    double *xs = xmalloc(sizeof *xs * CONV_TEST_CHUNK * (size_t)test->dim), ys[CONV_TEST_CHUNK];
    bool ok = true;
    for (int start = 0; start < n && ok; start += CONV_TEST_CHUNK) {
        int m = n - start < CONV_TEST_CHUNK ? n - start : CONV_TEST_CHUNK;
        for (int k = 0; k < m; k++)
            idx[k] = start + k;
        dataset_gather(test, idx, m, xs, ys);
        if (!(ok = convnet_forward(net, xs, m, CONVNET_MODE_EVAL, err)))
            break;
        loss += convnet_loss(net, ys) * m;
        correct += convnet_accuracy(net, ys) * m;
        /* Only batch norm has two modes; the other norms' eval pass already used batch statistics. */
        if (net->config.norm == CONV_NORM_BATCH && !(ok = convnet_forward(net, xs, m, CONVNET_MODE_BATCH_STATS, err)))
            break;
        const ConvNetBlock *last = &net->block[CONVNET_BLOCKS - 1];
        filled += convnet_channel_values(column + filled, net, CONVNET_BLOCKS - 1, last->normed, channel);
    }
    free(xs);
    if (!ok)
        return false;
    ev->test_loss = loss / n;
    ev->test_acc = correct / n;
    static const double ps[3] = { 15.0, 50.0, 85.0 };
    stats_percentiles(ev->p, column, filled, ps, 3);
    return true;
}

static int conv_train_run(const TrainOptions *o, TrainRun *run)
{
    BnError err = { 0 };
    if (!dataset_load(o->dataset, o->seed, 0, 0, &run->train, &run->test, &err))
        return runtime_error(&err, "--dataset");
    const Dataset *train = run->train, *test = run->test;
    ConvNetConfig config;
    convnet_config_init(&config);
    if (train->dim != config.side * config.side || train->classes < 2)
        return usage_error("--net", "the conv net takes 28x28 images (784 pixels) with class labels, but '%s' "
                           "has %d feature%s%s", o->dataset, train->dim, train->dim == 1 ? "" : "s",
                           train->classes < 2 ? " and no classes" : "");
    if (o->batch > train->n)
        return usage_error("--batch", "%ld is larger than the training set of '%s' (%d samples)", o->batch,
                           o->dataset, train->n);
    if (o->unit >= config.channels[CONVNET_BLOCKS - 1])
        return usage_error("--unit", "%ld is not a channel of the conv net's second block (0 to %d)", o->unit,
                           config.channels[CONVNET_BLOCKS - 1] - 1);
    if (test->n < 1) {
        error_set(&err, "--dataset", "the test set of '%s' is empty", o->dataset);
        return runtime_error(&err, "--dataset");
    }
    config.classes = train->classes;
    config.norm = o->norm;
    config.groups = (int)o->groups;
    config.seed = o->seed;
    run->net = convnet_create(&config, &err);
    if (!run->net)
        return runtime_error(&err, "train");
    ConvNet *net = run->net;
    run->sgd = sgd_create(net->num_params, o->lr, o->momentum);
    sampler_init(&run->sampler, train->n, o->seed);
    run->sampler_ready = true;

    int batch = (int)o->batch;
    int n_test = test->n < TEST_BATCH_MAX ? test->n : TEST_BATCH_MAX;
    int map = net->block[CONVNET_BLOCKS - 1].side * net->block[CONVNET_BLOCKS - 1].side;
    run->idx = xmalloc(sizeof(int) * (size_t)batch);
    run->x = xmalloc(sizeof(double) * (size_t)batch * (size_t)train->dim);
    run->y = xmalloc(sizeof(double) * (size_t)batch);
    run->column = xmalloc(sizeof(double) * (size_t)n_test * (size_t)map);

    if (o->csv) {
        run->out = fopen(o->csv, "w");
        if (!run->out) {
            fprintf(stderr, "bntutor: %s: %s\n", o->csv, strerror(errno));
            return 1;
        }
    } else {
        run->out = stdout;
    }
    FILE *out = run->out;
    fputs("step,loss,test_acc,p15,p50,p85,train_acc,test_loss\n", out);

    double loss_sum = 0.0, first_loss = NAN;
    long correct = 0, seen = 0, since = 0;
    int *pred = xmalloc(sizeof(int) * (size_t)batch);
    int status = 0;
    for (long step = 1; step <= o->steps; step++) {
        sampler_next(&run->sampler, run->idx, batch);
        dataset_gather(train, run->idx, batch, run->x, run->y);
        double loss = 0.0;
        error_clear(&err);
        if (!convnet_train_step(net, run->sgd, run->x, run->y, batch, &loss, &err)) {
            fflush(out);
            if (!isfinite(loss)) {
                fprintf(stderr, "bntutor: train: training diverged at step %ld: lower --lr (now %g)\n",
                        step, o->lr);
                status = 1;
            } else {
                status = runtime_error(&err, "train");
            }
            break;
        }
        if (step == 1)
            first_loss = loss;
        loss_sum += loss;
        since++;
        convnet_predict(net, pred);
        for (int r = 0; r < batch; r++)
            correct += pred[r] == (int)run->y[r];
        seen += batch;
        if (step % o->every != 0 && step != o->steps)
            continue;
        Evaluation ev;
        if (!conv_evaluate(net, test, n_test, (int)o->unit, run->column, &ev, &err)) {
            status = runtime_error(&err, "train");
            break;
        }
        double row_loss = loss_sum / since;
        if (!isfinite(ev.test_loss) || !isfinite(ev.p[0]) || !isfinite(ev.p[2]) ||
            loss_exploded(row_loss, first_loss)) {
            fflush(out);
            fprintf(stderr, "bntutor: train: training diverged at step %ld: lower --lr (now %g)\n", step,
                    o->lr);
            status = 1;
            break;
        }
        fprintf(out, "%ld,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n", step, row_loss, ev.test_acc, ev.p[0], ev.p[1],
                ev.p[2], (double)correct / seen, ev.test_loss);
        loss_sum = 0.0;
        since = correct = seen = 0;
    }
    free(pred);
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "bntutor: %s: write error\n", o->csv ? o->csv : "<stdout>");
        status = 1;
    }
    return status;
}
