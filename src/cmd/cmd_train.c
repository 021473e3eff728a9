/* The 'train' subcommand: trains a network headless and writes its history as CSV (top layer). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "cmd/train.h"
#include "engine/stats.h"
#include "util/alloc.h"
#include "util/parse.h"
#include "util/termtext.h"

/* Rows of the test set used for test_acc and the percentiles: fixed, so rows compare over time. */
enum { TEST_BATCH_MAX = 1000 };

/* A loss this many times the untrained network's (or 1, if that is smaller) means the run blew up:
 * with a huge --lr, saturated sigmoids keep the loss finite but meaningless (1e6 and more), and no
 * sound run ever climbs this far above where it started. */
static const double DIVERGE_FACTOR = 1e4;

/* True when loss is NaN, infinite or far above the first step's loss. */
static bool loss_exploded(double loss, double first_loss)
{
    return !(loss <= DIVERGE_FACTOR * fmax(first_loss, 1.0));
}

static const char help_head[] =
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
    "  --net=residual   a stack of residual blocks x + F(x), F = linear, relu, linear (width D), with\n"
    "                   layer norm per sample; an input layer before the stack, a linear output after;\n"
    "                   trains in double\n"
    "  --norm-place=P   residual net: pre (x + F(LN(x)), and a final norm before the output; the\n"
    "                   default) or post (LN(x + F(x)))\n"
    "  --blocks=B       residual net: blocks in the stack, 1 to 64 (default 12)\n"
    "  --width=D        residual net: features of the stream and of each branch, 2 to 1024 (default 16)\n"
    "  --zero-init-last residual net: end every branch with a layer norm whose gamma starts at 0, so\n"
    "                   each branch adds exactly 0 at first (torchvision's zero_init_residual)\n"
    "  --norm=NAME      conv net only: none, or a method (default batch): "; /* + the methods */

static const char help_tail[] =
    "  --groups=G       conv net with --norm=group: groups, dividing 8 and 16 (default 4)\n"
    "  --hidden=LIST    hidden layer widths, e.g. 16,16 (default 16,16); the network and its\n"
    "                   batch may need at most about 1 GiB\n"
    "  --act=NAME       sigmoid, relu or tanh for every hidden layer (default sigmoid)\n"
    "  --bn=WHERE       none, before or after the activation of every hidden layer (default none)\n"
    "  --steps=N        training steps (default 1000)\n"
    "  --batch=B        mini-batch size (default 60)\n"
    "  --lr=R           learning rate (default 0.1)\n"
    "  --momentum=M     SGD momentum, 0 for plain SGD (default 0)\n"
    "  --warmup=N       linear learning-rate warm-up: step t of the first N trains at lr*t/N (default 0:\n"
    "                   none)\n"
    "  --seed=S         seed of the data, the initial weights and the batches (default 1)\n"
    "  --every=K        write a row every K steps, and after the last (default 100)\n"
    "  --unit=J         which unit of the last hidden layer p15/p50/p85 follow (default 0);\n"
    "                   for the conv net, which channel of the second block (0 to 15); for the\n"
    "                   residual net, which feature of the last block's branch\n"
    "  --csv=FILE       write the CSV to FILE (default standard output)\n"
    "  --precision=P    float (fast, the default) or double (the arithmetic of most lessons' scenes)\n"
    "                   for the training steps and the evaluation\n"
    "  --freeze-bn=K[,WHAT]\n"
    "                   after K steps (0: from the start), train with BN frozen: each BN layer uses its\n"
    "                   running statistics, as in eval mode, and no longer updates them. WHAT is\n"
    "                   stats (the default: gamma, beta and the weights go on learning, as after\n"
    "                   PyTorch's eval() on the BN modules) or all (gamma and beta fixed too, as a\n"
    "                   Keras BatchNormalization with trainable=False). MLP with --bn only; double\n"
    "  --dropout=P[,WHERE]\n"
    "                   inverted dropout at rate P (0 to 0.9) in the training steps, none in eval\n"
    "                   mode; WHERE is before-bn (on every hidden layer's output but the last, so\n"
    "                   the next BN sees it) or after-bn (the default: on the last hidden layer's\n"
    "                   output only, after every BN). MLP only; trains in double; adds var_ratio\n"
    "  --save=FILE      after the last step, write the network (weights, gamma/beta, running\n"
    "                   statistics) to FILE, a text file starting 'bntutor-weights 1'. MLP only\n"
    "  --finetune-from=FILE\n"
    "                   start from a network saved with --save instead of fresh weights; --dataset,\n"
    "                   --hidden (or --net), --act and --bn must give the same shape. MLP only\n"
    "  --test-shift=ADD[,MUL]\n"
    "                   shift the test inputs' distribution: every test input x is read as\n"
    "                   MUL*x + ADD (MUL default 1), e.g. 0.2 for brighter images; training data\n"
    "                   stay as they are, so BN's running statistics no longer match the test data\n"
    "  --bn-noise=M,S   noisy BN (needs --bn): after every BN, each unit's output is scaled by\n"
    "                   exp(S*N(0,1)) and shifted by M*N(0,1), drawn afresh at every step from the\n"
    "                   seed; backprop treats them as fixed; eval mode (test_acc, test_loss) has\n"
    "                   none, p15..p85 see the last step's draw; trains in double\n"
    "  --weight-decay=L decoupled weight decay: after each step every weight matrix (not biases,\n"
    "                   gamma, beta) is multiplied by 1 - lr*L (default 0); trains in double\n"
    "  --probe=NAME     measure before the step, in double on its own mini-batch, without changing\n"
    "                   the run: landscape adds loss_range,grad_pred,beta_smooth; ics adds\n"
    "                   ics_l2,ics_cos (see below)\n"
    "  --probe-every=N  probe at step 1 and every N steps (default 10); a row shows the mean of\n"
    "                   the probes since the previous row (empty when there were none; inf when\n"
    "                   the loss overflowed along the line or after the step below)\n"
    "  --probe-layer=K  the weight layer of --probe=ics, 1 = first hidden (default the last hidden)\n"
    ;

/* The options of lesson 16 (scale invariance), split from help_tail for the same reason as help_columns. */
static const char help_scale[] =
    "  --track-norm=K   add the columns w_norm and eff_lr for hidden layer K (1 = the first): see\n"
    "                   below; trains in double\n"
    "  --bias-before-bn with --bn=before: keep the bias of each linear layer before BN (what\n"
    "                   bias=True does in a framework) and add the column bias_grad; trains in double\n"
    "  --help           this text\n";

/* Split from help_tail: ISO C promises string literals only up to 4095 bytes. */
static const char help_stats[] =
    "  --recompute-stats=train[:N]\n"
    "                   PreciseBN beside the run: at every row, every BN layer's statistics are\n"
    "                   recomputed from N training batches (default 50; rows k*B.. of the training\n"
    "                   set, B the --batch) through the network with its weights fixed, as the plain\n"
    "                   average of the batch means and of the unbiased batch variances (the BN\n"
    "                   paper's population statistics); column precise_acc is test_acc with them.\n"
    "                   The run keeps its own running statistics. MLP with --bn only\n"
    "  --adapt-stats    AdaBN beside the run: the same from the inputs of the fixed test batch\n"
    "                   (shifted, with --test-shift), in the whole batches of --batch it holds;\n"
    "                   column adapted_acc. MLP with --bn only\n";

static const char help_columns[] =
    "\n"
    "Columns: step,loss,test_acc,p15,p50,p85,train_acc,test_loss[,var_ratio][,probe or gnorm columns]\n"
    "         [,w_norm,eff_lr][,bias_grad][,precise_acc][,adapted_acc]\n"
    "  loss       mean training mini-batch loss over the steps since the previous row\n"
    "  test_acc   accuracy on a fixed test batch (the first 1000 test samples) in eval mode;\n"
    "             for the regression set scaled2d: R² on that batch instead\n"
    "  p15..p85   15th/50th/85th percentiles over the fixed test batch of the input to unit J's\n"
    "             activation in the last hidden layer (with BN: normalized with the batch's statistics);\n"
    "             conv net: of channel J's relu input in the second block, over every pixel, with the\n"
    "             test batch run in chunks of 100 (batch norm: each chunk's own statistics);\n"
    "             residual net: of unit J's relu input in the last block's branch\n"
    "  train_acc  accuracy over the training mini-batches since the previous row (empty for scaled2d)\n"
    "  test_loss  loss on the fixed test batch in eval mode\n"
    "  loss_range   from the weights w along the gradient g of the step's batch, at\n"
    "               w - s*lr*g for s = 0.5, 1, ..., 4: the largest loss minus the smallest\n"
    "  grad_pred    the largest |g - g_s| over those points (gradient predictiveness)\n"
    "  beta_smooth  the largest |g - g_s| / |s*lr*g| (effective beta-smoothness)\n"
    "  ics_l2       |G - G'|: G the layer's gradient, G' its gradient on the same batch after\n"
    "               the layers below took a plain step -lr*g (internal covariate shift)\n"
    "  ics_cos      cos(G, G')\n"
    "  w_norm       |W| (Frobenius) of hidden layer K's weights after the row's step\n"
    "  eff_lr       lr / |W|^2: with BN after the layer, L(c*W) = L(W), so only W's direction\n"
    "               matters, and a step turns it at this rate (the effective learning rate)\n"
    "  bias_grad    the largest |dL/db| of the row's step over every bias before BN: 0 up to\n"
    "               rounding, since BN subtracts the mean the bias adds\n"
    "  gnorm1..gnormB  residual net: the norm of the gradient of every parameter of block 1..B (its\n"
    "               layer norms and both linear layers), the mean over the steps since the previous row\n"
    "  var_ratio    with --dropout and --bn: the last hidden layer's BN, mean over its units of\n"
    "               running variance / variance of its input over the test batch in eval mode\n"
    "               (above 1 when dropout in front of it inflated the training variance)\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure (also when training diverges), 2 usage error.\n";

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

/* --bn-noise's "MEAN_SD,SCALE_SD": two numbers from 0 to 10. */
static bool parse_noise(const char *text, TrainOptions *o)
{
    const char *comma = strchr(text, ',');
    char first[64];
    if (!comma || (size_t)(comma - text) >= sizeof first)
        return false;
    memcpy(first, text, (size_t)(comma - text));
    first[comma - text] = '\0';
    double m, s;
    if (!parse_double(first, &m) || !parse_double(comma + 1, &s) || !(m >= 0.0 && m <= 10.0) ||
        !(s >= 0.0 && s <= 10.0))
        return false;
    o->noise_mean_sd = m;
    o->noise_scale_sd = s;
    return true;
}

/* ---- Options that take a value: one parser each, found by name in train_options ---- */

/* A whole number from min to 100000000 into *out; 0 or a usage error's status. */
static int parse_whole(const char *where, const char *v, long min, long *out)
{
    if (!parse_long(v, min, 100000000, out))
        return cmd_fail(2, where, "'%s' is not a whole number from %ld to 100000000", v, min);
    return 0;
}

static int opt_dataset(TrainOptions *o, const char *where, const char *v)
{
    if (!dataset_name_known(v)) {
        char valid[256];
        return cmd_fail(2, where, "unknown dataset '%s' (valid: %s)", v, dataset_valid_names(valid, sizeof valid));
    }
    o->dataset = v;
    o->dataset_given = true;
    return 0;
}

static int opt_net(TrainOptions *o, const char *where, const char *v)
{
    if (strcmp(v, "paper") != 0 && strcmp(v, "conv") != 0 && strcmp(v, "residual") != 0)
        return cmd_fail(2, where, "'%s' is not a known network (paper, conv, residual; or use --hidden=LIST)", v);
    o->paper = strcmp(v, "paper") == 0;
    o->conv = strcmp(v, "conv") == 0;
    o->residual = strcmp(v, "residual") == 0;
    return 0;
}

static int opt_hidden(TrainOptions *o, const char *where, const char *v)
{
    if (!parse_widths(v, o))
        return cmd_fail(2, where, "'%s' is not a list of widths like 16,16 (each 1 to 100000, at most %d)", v,
                        MLP_MAX_SIZES - 2);
    o->hidden_given = true;
    return 0;
}

static int opt_act(TrainOptions *o, const char *where, const char *v)
{
    if (!activation_parse(v, &o->act))
        return cmd_fail(2, where, "'%s' is not an activation (sigmoid, relu, tanh)", v);
    o->act_given = true;
    return 0;
}

static int opt_bn(TrainOptions *o, const char *where, const char *v)
{
    if (!mlp_placement_parse(v, &o->bn))
        return cmd_fail(2, where, "'%s' is not a placement (none, before, after)", v);
    o->bn_given = true;
    return 0;
}

static int opt_steps(TrainOptions *o, const char *where, const char *v) { return parse_whole(where, v, 1, &o->steps); }
static int opt_batch(TrainOptions *o, const char *where, const char *v) { return parse_whole(where, v, 1, &o->batch); }
static int opt_every(TrainOptions *o, const char *where, const char *v) { return parse_whole(where, v, 1, &o->every); }
static int opt_unit(TrainOptions *o, const char *where, const char *v) { return parse_whole(where, v, 0, &o->unit); }

static int opt_lr(TrainOptions *o, const char *where, const char *v)
{
    double d;
    if (!parse_double(v, &d) || !(d > 0.0))
        return cmd_fail(2, where, "'%s' is not a positive number", v);
    o->lr = d;
    return 0;
}

static int opt_momentum(TrainOptions *o, const char *where, const char *v)
{
    double d;
    if (!parse_double(v, &d) || d < 0.0 || d >= 1.0)
        return cmd_fail(2, where, "'%s' is not a number in [0, 1)", v);
    o->momentum = d;
    return 0;
}

static int opt_seed(TrainOptions *o, const char *where, const char *v)
{
    long l;
    if (!parse_long(v, 0, 2147483647L, &l))
        return cmd_fail(2, where, "'%s' is not a whole number from 0 to 2147483647", v);
    o->seed = (unsigned long long)l;
    return 0;
}

static int opt_csv(TrainOptions *o, const char *where, const char *v)
{
    o->csv = v;
    return 0;
}

static int opt_norm(TrainOptions *o, const char *where, const char *v)
{
    if (!convnet_norm_parse(v, &o->norm)) {
        char valid[128];
        return cmd_fail(2, where, "'%s' is not a norm (%s, none)", v, norm_method_list(valid, sizeof valid));
    }
    o->norm_given = true;
    return 0;
}

static int opt_groups(TrainOptions *o, const char *where, const char *v)
{
    long l;
    if (!parse_long(v, 1, 16, &l) || 8 % l != 0)
        return cmd_fail(2, where, "'%s' does not divide the conv net's 8 and 16 channels (1, 2, 4 or 8)", v);
    o->groups = l;
    o->groups_given = true;
    return 0;
}

static int opt_precision(TrainOptions *o, const char *where, const char *v)
{
    if (strcmp(v, "float") != 0 && strcmp(v, "double") != 0)
        return cmd_fail(2, where, "'%s' is not a precision (float, double)", v);
    o->double_steps = strcmp(v, "double") == 0;
    o->precision_given = true;
    return 0;
}

/* --test-shift and --freeze-bn: what the lessons on BN in practice change about a run. */
static int opt_test_shift(TrainOptions *o, const char *where, const char *v)
{
    double *shift;
    int bad = 0, count = parse_double_list(v, &shift, &bad);
    if (count < 1 || count > 2) {
        free(shift);
        return cmd_fail(2, where, "'%s' is not ADD or ADD,MUL (one or two finite numbers)", v);
    }
    o->test_shifted = true;
    o->test_offset = shift[0];
    o->test_scale = count == 2 ? shift[1] : 1.0;
    free(shift);
    return 0;
}

static int opt_freeze_bn(TrainOptions *o, const char *where, const char *v)
{
    char steps[32];
    const char *comma = strchr(v, ',');
    size_t len = comma ? (size_t)(comma - v) : strlen(v);
    if (len >= sizeof steps)
        len = sizeof steps - 1;
    memcpy(steps, v, len);
    steps[len] = '\0';
    long l;
    if (!parse_long(steps, 0, 100000000, &l) ||
        (comma && strcmp(comma + 1, "stats") != 0 && strcmp(comma + 1, "all") != 0))
        return cmd_fail(2, where, "'%s' is not a whole number of steps from 0 to 100000000, optionally followed "
                        "by ,stats or ,all", v);
    o->freeze_bn = true;
    o->freeze_bn_after = l;
    o->freeze_affine = comma && strcmp(comma + 1, "all") == 0;
    return 0;
}

/* The options of the "why does BN help" experiments. */
static int opt_bn_noise(TrainOptions *o, const char *where, const char *v)
{
    if (!parse_noise(v, o))
        return cmd_fail(2, where, "'%s' is not MEAN_SD,SCALE_SD (two numbers from 0 to 10, e.g. 1,0.5)", v);
    o->bn_noise = true;
    return 0;
}

static int opt_weight_decay(TrainOptions *o, const char *where, const char *v)
{
    double d;
    if (!parse_double(v, &d) || !(d >= 0.0 && d <= 1.0))
        return cmd_fail(2, where, "'%s' is not a number from 0 to 1", v);
    o->weight_decay = d;
    return 0;
}

static int opt_probe(TrainOptions *o, const char *where, const char *v)
{
    if (strcmp(v, "landscape") == 0)
        o->probe = TRAIN_PROBE_LANDSCAPE;
    else if (strcmp(v, "ics") == 0)
        o->probe = TRAIN_PROBE_ICS;
    else
        return cmd_fail(2, where, "'%s' is not a probe (landscape, ics)", v);
    return 0;
}

static int opt_probe_every(TrainOptions *o, const char *where, const char *v)
{
    int status = parse_whole(where, v, 1, &o->probe_every);
    o->probe_every_given = o->probe_every_given || status == 0;
    return status;
}

static int opt_probe_layer(TrainOptions *o, const char *where, const char *v)
{
    int status = parse_whole(where, v, 1, &o->probe_layer);
    o->probe_layer_given = o->probe_layer_given || status == 0;
    return status;
}

static int opt_track_norm(TrainOptions *o, const char *where, const char *v)
{
    if (!parse_long(v, 1, MLP_MAX_SIZES - 2, &o->track_norm))
        return cmd_fail(2, where, "'%s' is not a hidden layer's number (1 for the first)", v);
    return 0;
}

/* The residual net's options (they need --net=residual, checked once all are read) and the warm-up. */
static int residual_given(TrainOptions *o, const char *where)
{
    o->residual_option = true;
    o->residual_where = where;
    return 0;
}

static int opt_norm_place(TrainOptions *o, const char *where, const char *v)
{
    if (!resmlp_place_parse(v, &o->norm_place))
        return cmd_fail(2, where, "'%s' is not a place for the norm (pre, post)", v);
    return residual_given(o, "--norm-place");
}

static int opt_blocks(TrainOptions *o, const char *where, const char *v)
{
    if (!parse_long(v, 1, RESMLP_MAX_BLOCKS, &o->blocks))
        return cmd_fail(2, where, "'%s' is not a whole number of blocks from 1 to %d", v, RESMLP_MAX_BLOCKS);
    return residual_given(o, "--blocks");
}

static int opt_width(TrainOptions *o, const char *where, const char *v)
{
    if (!parse_long(v, 2, RESMLP_MAX_WIDTH, &o->width))
        return cmd_fail(2, where, "'%s' is not a whole width from 2 to %d", v, RESMLP_MAX_WIDTH);
    return residual_given(o, "--width");
}

static int opt_warmup(TrainOptions *o, const char *where, const char *v)
{
    if (!parse_long(v, 0, 100000000, &o->warmup))
        return cmd_fail(2, where, "'%s' is not a whole number of steps from 0 to 100000000", v);
    return 0;
}

/* Fine-tuning and dropout before BN. */
static int opt_dropout(TrainOptions *o, const char *where, const char *v)
{
    char rate[64];
    const char *comma = strchr(v, ',');
    size_t len = comma ? (size_t)(comma - v) : strlen(v);
    double d;
    if (len >= sizeof rate)
        len = sizeof rate - 1;
    memcpy(rate, v, len);
    rate[len] = '\0';
    if (!parse_double(rate, &d) || !(d >= 0.0 && d <= 0.9) || (comma && !mlp_drop_place_parse(comma + 1, &o->drop_place)))
        return cmd_fail(2, where, "'%s' is not P[,before-bn|after-bn] (P a rate from 0 to 0.9)", v);
    o->dropout = d;
    return 0;
}

static int opt_save(TrainOptions *o, const char *where, const char *v)
{
    o->save = v;
    return 0;
}

static int opt_finetune_from(TrainOptions *o, const char *where, const char *v)
{
    o->finetune_from = v;
    return 0;
}

/* Every option that takes a value, as --name=VALUE. A parser reads v into o (its message names the option
 * as `where`) and returns 0 or a usage error's status. */
static const struct {
    const char *name;
    int (*parse)(TrainOptions *o, const char *where, const char *v);
} train_options[] = {
    { "dataset", opt_dataset },           { "net", opt_net },
    { "hidden", opt_hidden },             { "act", opt_act },
    { "bn", opt_bn },                     { "steps", opt_steps },
    { "batch", opt_batch },               { "lr", opt_lr },
    { "momentum", opt_momentum },         { "seed", opt_seed },
    { "every", opt_every },               { "unit", opt_unit },
    { "csv", opt_csv },                   { "norm", opt_norm },
    { "groups", opt_groups },             { "precision", opt_precision },
    { "test-shift", opt_test_shift },     { "freeze-bn", opt_freeze_bn },
    { "bn-noise", opt_bn_noise },         { "weight-decay", opt_weight_decay },
    { "probe", opt_probe },               { "probe-every", opt_probe_every },
    { "probe-layer", opt_probe_layer },   { "track-norm", opt_track_norm },
    { "norm-place", opt_norm_place },     { "blocks", opt_blocks },
    { "width", opt_width },               { "warmup", opt_warmup },
    { "dropout", opt_dropout },           { "save", opt_save },
    { "finetune-from", opt_finetune_from },
};

/* The residual net's options against the others; 0 or a usage error's status. */
static int check_residual(const TrainOptions *o)
{
    if (o->residual_option && !o->residual)
        return cmd_fail(2, o->residual_where, "only the residual net has it; add --net=residual");
    if (!o->residual)
        return 0;
    const char *other = o->hidden_given ? "--hidden" : o->act_given ? "--act" : o->bn_given ? "--bn"
                      : o->norm_given ? "--norm" : o->groups_given ? "--groups" : o->freeze_bn ? "--freeze-bn"
                      : o->bn_noise ? "--bn-noise" : o->weight_decay > 0.0 ? "--weight-decay"
                      : o->probe != TRAIN_PROBE_NONE ? "--probe" : o->probe_every_given ? "--probe-every"
                      : o->probe_layer_given ? "--probe-layer" : o->precision_given && !o->double_steps ? "--precision"
                      : o->track_norm ? "--track-norm" : o->bias_before_bn ? "--bias-before-bn" : NULL;
    if (other)
        return cmd_fail(2, other, "the residual net (--net=residual) has no such option: it takes --norm-place, "
                        "--blocks, --width and --zero-init-last, and trains in double");
    return 0;
}

/* Options that do not go together; 0 or a usage error's status. */
static int check_combination(const TrainOptions *o)
{
    int residual = check_residual(o);
    if (residual != 0)
        return residual;
    if (o->conv && (o->hidden_given || o->act_given || o->bn_given))
        return cmd_fail(2, "--net", "conv fixes the layers (relu) and takes --norm=NAME; leave out --hidden, "
                        "--act and --bn");
    if (!o->conv && (o->norm_given || o->groups_given))
        return cmd_fail(2, o->norm_given ? "--norm" : "--groups", "only the conv net has it; add --net=conv "
                        "(the MLP takes --bn=none|before|after)");
    if (o->groups_given &&
        (o->norm == CONV_NORM_NONE || !norm_descriptor(convnet_norm_method(o->norm))->needs_groups))
        return cmd_fail(2, "--groups", "only group norm has groups; add --norm=group");
    if (o->freeze_bn && o->conv)
        return cmd_fail(2, "--freeze-bn", "only the MLP can freeze its batch norm so far (leave out --net=conv)");
    if (o->freeze_bn && o->bn == BN_PLACEMENT_NONE)
        return cmd_fail(2, "--freeze-bn", "there is no batch norm to freeze: add --bn=before or --bn=after");
    if (o->freeze_bn && o->precision_given && !o->double_steps)
        return cmd_fail(2, "--freeze-bn", "frozen batch norm trains in double; leave out --precision=float");
    if (o->freeze_bn && o->freeze_bn_after >= o->steps)
        return cmd_fail(2, "--freeze-bn", "%ld steps before freezing leave none of the %ld to freeze (use a "
                        "K below --steps)", o->freeze_bn_after, o->steps);
    if (o->paper && (o->hidden_given || o->act_given))
        return cmd_fail(2, "--net", "paper fixes the layers and the activation (784-100-100-100-10 "
                        "sigmoid); leave out --hidden and --act, or leave out --net");
    const char *lab = o->bn_noise ? "--bn-noise" : o->weight_decay > 0.0 ? "--weight-decay"
                    : o->probe != TRAIN_PROBE_NONE ? "--probe" : o->probe_layer_given ? "--probe-layer" : NULL;
    if (o->conv && lab)
        return cmd_fail(2, lab, "only the MLP has it; leave out --net=conv");
    if (o->bn_noise && o->bn == BN_PLACEMENT_NONE)
        return cmd_fail(2, "--bn-noise", "the noise is added after batch norm; add --bn=before or --bn=after");
    if ((o->bn_noise || o->weight_decay > 0.0) && o->precision_given && !o->double_steps)
        return cmd_fail(2, o->bn_noise ? "--bn-noise" : "--weight-decay", "trains in double; leave out "
                        "--precision=float");
    if (o->probe_layer_given && o->probe != TRAIN_PROBE_ICS)
        return cmd_fail(2, "--probe-layer", "names the layer of --probe=ics; add --probe=ics");
    if (o->freeze_bn && (o->bn_noise || o->probe != TRAIN_PROBE_NONE))
        return cmd_fail(2, o->bn_noise ? "--bn-noise" : "--probe", "works with batch statistics, which frozen "
                        "batch norm no longer uses; leave out --freeze-bn");
    const char *tune = o->dropout > 0.0 ? "--dropout" : o->save ? "--save" : o->finetune_from ? "--finetune-from" : NULL;
    if ((o->conv || o->residual) && tune)
        return cmd_fail(2, tune, "only the MLP has it so far; leave out --net=%s", o->conv ? "conv" : "residual");
    if (o->dropout > 0.0 && (o->bn_noise || o->probe != TRAIN_PROBE_NONE))
        return cmd_fail(2, "--dropout", "the probes and noisy BN measure a network without dropout; leave out "
                        "--dropout or %s", o->bn_noise ? "--bn-noise" : "--probe");
    if (o->dropout > 0.0 && o->precision_given && !o->double_steps)
        return cmd_fail(2, "--dropout", "trains in double; leave out --precision=float");
    const char *scale = o->track_norm ? "--track-norm" : o->bias_before_bn ? "--bias-before-bn" : NULL;
    if (o->conv && scale)
        return cmd_fail(2, scale, "only the MLP has it; leave out --net=conv");
    if (o->bias_before_bn && o->bn != BN_PLACEMENT_BEFORE)
        return cmd_fail(2, "--bias-before-bn", "needs --bn=before (it is the bias of a linear layer followed by BN)");
    if (scale && o->precision_given && !o->double_steps)
        return cmd_fail(2, scale, "trains in double; leave out --precision=float");
    if (scale && o->freeze_bn)
        return cmd_fail(2, scale, "cannot go with --freeze-bn yet; leave one out");
    if (o->recompute_stats || o->adapt_stats) {
        const char *what = o->recompute_stats ? "--recompute-stats" : "--adapt-stats";
        if (o->conv || o->residual)
            return cmd_fail(2, what, "only the MLP can recompute its statistics so far; leave out --net=conv or --net=residual");
        if (o->bn == BN_PLACEMENT_NONE)
            return cmd_fail(2, what, "there are no batch-norm statistics to recompute: add --bn=before or --bn=after");
    }
    if (o->probe_every_given && o->probe == TRAIN_PROBE_NONE)
        return cmd_fail(2, "--probe-every", "says how often to probe; add --probe=landscape or --probe=ics");
    return 0;
}

/* --recompute-stats=train[:N] and --adapt-stats: 0 when `a` was one of them, a usage error's status, or -1
 * when it is another option. */
static int parse_stats_option(TrainOptions *o, const char *a)
{
    const char *v = NULL;
    if (strcmp(a, "--adapt-stats") == 0) {
        o->adapt_stats = true;
        return 0;
    }
    if (parse_option(a, "adapt-stats", &v))
        return cmd_fail(2, "--adapt-stats", "takes no value (it re-estimates from the test inputs)");
    if (!parse_option(a, "recompute-stats", &v))
        return -1;
    long n = 50;
    if (!v || strncmp(v, "train", 5) != 0 || (v[5] != '\0' && (v[5] != ':' || !parse_long(v + 6, 1, 100000, &n))))
        return cmd_fail(2, "--recompute-stats", "'%s' is not train or train:N (N training batches, 1 to 100000)",
                        v ? v : "");
    o->recompute_stats = true;
    o->recompute_batches = n;
    return 0;
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
            return cmd_fail(2, "--help", "takes no value");
        if (strcmp(a, "--bias-before-bn") == 0) {
            o->bias_before_bn = true;
            continue;
        }
        if (parse_option(a, "bias-before-bn", &v))
            return cmd_fail(2, "--bias-before-bn", "takes no value");
        if (strcmp(a, "--zero-init-last") == 0) {
            o->zero_init_last = o->residual_option = true;
            o->residual_where = "--zero-init-last";
            continue;
        }
        if (parse_option(a, "zero-init-last", &v))
            return cmd_fail(2, "--zero-init-last", "takes no value");
        int stats = parse_stats_option(o, a);
        if (stats >= 0) {
            if (stats > 0)
                return stats;
            continue;
        }
        /* Every other option needs a value. */
        int which = -1;
        for (int k = 0; k < (int)(sizeof train_options / sizeof train_options[0]) && which < 0; k++)
            if (parse_option(a, train_options[k].name, &v))
                which = k;
        if (which < 0)
            return cmd_fail(2, "train", "unknown option '%s' (try 'bntutor train --help')", a);
        char where[32];
        snprintf(where, sizeof where, "--%s", train_options[which].name);
        if (!v || !*v)
            return cmd_fail(2, where, "needs a value, as in %s=VALUE", where);
        int status = train_options[which].parse(o, where, v);
        if (status != 0)
            return status;
    }
    return check_combination(o);
}

/* Everything the run owns, freed in one place. */
typedef struct TrainRun {
    Dataset *train, *test;
    TrainNet *net;
    Sgd *sgd;
    BatchSampler sampler;
    bool sampler_ready;
    int n_test;             /* rows of the fixed test batch */
    int *idx, *pred;        /* (batch) each */
    int *idx_next;          /* (batch) the next mini-batch, drawn one step ahead so its rows can be prefetched */
    double *x, *y;          /* (batch, dim) (double steps only), (batch) */
    FILE *out;
} TrainRun;

static void run_free(TrainRun *run)
{
    dataset_destroy(run->train);
    dataset_destroy(run->test);
    train_net_destroy(run->net);
    sgd_destroy(run->sgd);
    if (run->sampler_ready)
        sampler_free(&run->sampler);
    free(run->idx);
    free(run->idx_next);
    free(run->pred);
    free(run->x);
    free(run->y);
    if (run->out && run->out != stdout)
        fclose(run->out);
}

/* Loads the data, builds the network the options ask for, and opens the CSV; 0 or an exit status. */
static int run_open(const TrainOptions *o, TrainRun *run)
{
    BnError err = { 0 };
    if (!dataset_load(o->dataset, o->seed, 0, 0, &run->train, &run->test, &err))
        return cmd_fail_error(1, &err, "--dataset");
    const Dataset *train = run->train, *test = run->test;
    for (int s = 0; s < 2; s++)
        if ((s ? test : train)->warning[0]) {
            char clean[ERROR_MESSAGE_MAX * 4];
            fprintf(stderr, "bntutor: warning: %s\n", termtext_clean((s ? test : train)->warning, clean, sizeof clean, 0));
        }
    run->n_test = test->n < TEST_BATCH_MAX ? test->n : TEST_BATCH_MAX;
    int status = (o->conv ? train_conv_create : o->residual ? train_residual_create : train_mlp_create)(
        o, train, test, run->n_test, &run->net);
    if (status != 0)
        return status;
    /* Only what the evaluations read moves; the network was built on the data as they are. */
    if (o->test_shifted)
        dataset_shift_inputs(run->test, o->test_offset, o->test_scale);
    /* A float net reads each synth784 row from a float copy made once, instead of redrawing it
     * (a shifted test set keeps none: its rows come through the shift). */
    if (run->net->takes_floats) {
        dataset_keep_float_rows(run->train);
        dataset_keep_float_rows(run->test);
    }
    run->sgd = sgd_create(run->net->num_params, o->lr, o->momentum);
    sampler_init(&run->sampler, train->n, o->seed);
    run->sampler_ready = true;
    size_t batch = (size_t)o->batch;
    run->idx = xmalloc(sizeof(int) * batch);
    run->idx_next = xmalloc(sizeof(int) * batch);
    sampler_next(&run->sampler, run->idx_next, (int)batch);
    run->pred = xmalloc(sizeof(int) * batch);
    if (!run->net->takes_floats)
        run->x = xmalloc(sizeof(double) * batch * (size_t)train->dim);
    run->y = xmalloc(sizeof(double) * batch);
    run->out = stdout;
    if (o->csv && !(run->out = fopen(o->csv, "w")))
        return cmd_fail(1, o->csv, "%s", strerror(errno));
    return 0;
}

/* BNTUTOR_TRAIN_STATS=FILE (a benchmarking aid, off by default): the CPU time of every step, so that the
 * run's whole CPU time can be set against its own median step, both measured in the same process under
 * the same load. */
enum { STEP_CLOCK_MAX = 1000000 };

typedef struct StepClock {
    double *step_us;        /* (steps) each step's CPU time, or NULL when not asked for */
    long count;
} StepClock;

static double thread_cpu_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* Appends "steps N step_median_us M steps_us S run_us R" to the file the variable names; a file that
 * cannot be written is reported and changes nothing else. */
static void step_clock_report(StepClock *clock)
{
    const char *path = getenv("BNTUTOR_TRAIN_STATS");
    if (!clock->step_us || clock->count == 0 || !path)
        return;
    double total = 0.0;
    for (long i = 0; i < clock->count; i++)
        total += clock->step_us[i];
    static const double half[1] = { 50.0 };
    double median;
    stats_percentiles(&median, clock->step_us, (int)clock->count, half, 1);
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    FILE *f = fopen(path, "a");
    if (!f) {
        fprintf(stderr, "bntutor: %s: %s\n", path, strerror(errno));
        return;
    }
    fprintf(f, "steps %ld step_median_us %.1f steps_us %.0f run_us %.0f\n", clock->count, median, total,
            (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3);
    fclose(f);
}

/* What the rows sum up between two rows. */
typedef struct RowSums {
    double loss;            /* sum of the mini-batch losses */
    long steps;             /* steps summed */
    long correct, seen;     /* training predictions that were right, and all of them */
} RowSums;

static int diverged(const TrainOptions *o, long step)
{
    return cmd_fail(1, "train", "training diverged at step %ld: lower --lr (now %g)", step, o->lr);
}

/* One step on the next mini-batch, summed into sums; 0 or the exit status that ends the run. */
static int run_step(const TrainOptions *o, TrainRun *run, long step, RowSums *sums, double *first_loss,
                    StepClock *clock)
{
    int batch = (int)o->batch;
    /* The sampler runs one batch ahead: the same batches in the same order, and while this one trains
     * the next one's rows are on their way into the cache. */
    int *swap = run->idx;
    run->idx = run->idx_next;
    run->idx_next = swap;
    if (step < o->steps)
        sampler_next(&run->sampler, run->idx_next, batch);
    float *xf = run->net->takes_floats ? run->net->cls->input_f32(run->net, batch) : NULL;
    if (xf)
        dataset_gather_float(run->train, run->idx, batch, xf, run->y);
    else
        dataset_gather(run->train, run->idx, batch, run->x, run->y);
    double loss = 0.0;
    BnError err = { 0 };
    /* A dataset file truncated under us: stop with its message rather than train on zeros. */
    if (dataset_failed(run->train, &err)) {
        fflush(run->out);
        return cmd_fail_error(1, &err, "train");
    }
    run->net->bn_frozen = o->freeze_bn && step > o->freeze_bn_after;
    run->sgd->lr = step <= o->warmup ? o->lr * (double)step / (double)o->warmup : o->lr;
    if (xf && step < o->steps)
        dataset_prefetch_float_rows(run->train, run->idx_next, batch);
    double started = clock->step_us ? thread_cpu_us() : 0.0;
    bool stepped = run->net->takes_floats
        ? run->net->cls->step_f32(run->net, run->sgd, xf, run->y, batch, &loss, &err)
        : run->net->cls->step(run->net, run->sgd, run->x, run->y, batch, &loss, &err);
    if (clock->step_us)
        clock->step_us[clock->count++] = thread_cpu_us() - started;
    if (!stepped) {
        fflush(run->out);
        return isfinite(loss) ? cmd_fail_error(1, &err, "train") : diverged(o, step);
    }
    if (step == 1)
        *first_loss = loss;
    sums->loss += loss;
    sums->steps++;
    if (run->net->classifies) {
        run->net->cls->predict(run->net, run->pred);
        for (int r = 0; r < batch; r++)
            sums->correct += run->pred[r] == (int)run->y[r];
        sums->seen += batch;
    }
    return 0;
}

/* The columns precise_acc and adapted_acc of a row, for the options that ask for them; 0 or an exit status. */
static int write_recomputed(const TrainOptions *o, TrainRun *run)
{
    for (int k = 0; k < 2; k++) {
        if (!(k == 0 ? o->recompute_stats : o->adapt_stats))
            continue;
        /* AdaBN reads the fixed test batch's own rows: as many whole batches as it holds. */
        int batch = (int)o->batch < run->n_test ? (int)o->batch : run->n_test;
        const Dataset *from = k == 0 ? run->train : run->test;
        int batches = k == 0 ? (int)o->recompute_batches : run->n_test / batch;
        TrainEval ev;
        BnError err = { 0 };
        if (!run->net->cls->evaluate_recomputed(run->net, from, batches, k == 0 ? (int)o->batch : batch, run->test,
                                                run->n_test, (int)o->unit, &ev, &err) ||
            dataset_failed(from, &err)) {
            fflush(run->out);
            return cmd_fail_error(1, &err, "train");
        }
        fprintf(run->out, ",%.6g", ev.test_acc);
    }
    return 0;
}

/* Evaluates the network and writes the row of step; 0 or the exit status that ends the run. */
static int run_row(const TrainOptions *o, TrainRun *run, long step, const RowSums *sums, double first_loss)
{
    TrainEval ev;
    BnError err = { 0 };
    if (!run->net->cls->evaluate(run->net, run->test, run->n_test, (int)o->unit, &ev, &err) ||
        dataset_failed(run->test, &err))
        return cmd_fail_error(1, &err, "train");
    FILE *out = run->out;
    if (!isfinite(ev.test_loss) || !isfinite(ev.p[0]) || !isfinite(ev.p[2])) {
        fflush(out);
        return diverged(o, step);
    }
    /* The training loss, not the test loss: the row of step 1 still shows where the run started. */
    double row_loss = sums->loss / sums->steps;
    if (loss_exploded(row_loss, first_loss)) {
        fflush(out);
        return cmd_fail(1, "train", "training diverged at step %ld: the loss grew from %.3g to %.3g; "
                        "lower --lr (now %g)", step, first_loss, row_loss, o->lr);
    }
    fprintf(out, "%ld,%.6g,%.6g,%.6g,%.6g,%.6g,", step, row_loss, ev.test_acc, ev.p[0], ev.p[1], ev.p[2]);
    if (run->net->classifies)
        fprintf(out, "%.6g", (double)sums->correct / sums->seen);
    fprintf(out, ",%.6g", ev.test_loss);
    if (run->net->var_ratio)
        fprintf(out, ",%.6g", ev.var_ratio);
    train_hooks_write_row(run->net->hooks, out);
    if (run->net->cls->write_row)
        run->net->cls->write_row(run->net, out);
    int status = write_recomputed(o, run);
    if (status != 0)
        return status;
    fputc('\n', out);
    return 0;
}

/* --save: the trained network into its file. */
static int run_save(const TrainOptions *o, TrainRun *run)
{
    FILE *f = fopen(o->save, "w");
    if (!f)
        return cmd_fail(1, o->save, "%s", strerror(errno));
    BnError err = { 0 };
    bool ok = run->net->cls->save(run->net, f, o->save, &err);
    if (fclose(f) != 0 && ok) {
        error_set(&err, o->save, "could not write the network: %s", strerror(errno));
        ok = false;
    }
    return ok ? 0 : cmd_fail_error(1, &err, o->save);
}

/* The training loop, the same for every network: a step per mini-batch, a row every --every steps. */
static int train_run(const TrainOptions *o, TrainRun *run)
{
    int status = run_open(o, run);
    if (status != 0)
        return status;
    FILE *out = run->out;
    fputs("step,loss,test_acc,p15,p50,p85,train_acc,test_loss", out);
    if (run->net->var_ratio)
        fputs(",var_ratio", out);
    train_hooks_write_header(run->net->hooks, out);
    if (run->net->cls->write_header)
        run->net->cls->write_header(run->net, out);
    if (o->recompute_stats)
        fputs(",precise_acc", out);
    if (o->adapt_stats)
        fputs(",adapted_acc", out);
    fputc('\n', out);
    RowSums sums = { 0 };
    double first_loss = NAN;
    StepClock clock = { 0 };
    if (getenv("BNTUTOR_TRAIN_STATS")) {
        if (o->steps <= STEP_CLOCK_MAX)
            clock.step_us = xmalloc(sizeof(double) * (size_t)o->steps);
        else
            fprintf(stderr, "bntutor: warning: BNTUTOR_TRAIN_STATS times runs of at most %d steps\n", STEP_CLOCK_MAX);
    }
    for (long step = 1; step <= o->steps && status == 0; step++) {
        status = run_step(o, run, step, &sums, &first_loss, &clock);
        if (status != 0 || (step % o->every != 0 && step != o->steps))
            continue;
        status = run_row(o, run, step, &sums, first_loss);
        sums = (RowSums){ 0 };
    }
    if (fflush(out) != 0 || ferror(out)) {
        fprintf(stderr, "bntutor: %s: write error\n", o->csv ? o->csv : "<stdout>");
        status = 1;
    }
    if (status == 0 && o->save)
        status = run_save(o, run);
    if (status == 0)
        step_clock_report(&clock);
    free(clock.step_us);
    return status;
}

int cmd_train(int argc, char **argv)
{
    TrainOptions o = {
        .dataset = "moons", .hidden = { 16, 16 }, .num_hidden = 2, .act = ACTIVATION_SIGMOID, .probe_every = 10,
        .bn = BN_PLACEMENT_NONE, .steps = 1000, .batch = 60, .every = 100, .unit = 0,
        .lr = 0.1, .momentum = 0.0, .seed = 1, .csv = NULL, .norm = CONV_NORM_BATCH, .groups = 4,
        .norm_place = NORM_PLACE_PRE, .blocks = 12, .width = 16,
    };
    bool help = false;
    int status = parse_args(argc, argv, &o, &help);
    if (status != 0)
        return status;
    if (o.conv && !o.dataset_given)
        o.dataset = "shapes28";
    if (o.freeze_bn)
        o.double_steps = true;      /* the float twin has no frozen mode */
    /* eff_lr is the rate W's direction learns at only where BN makes W scale invariant. */
    if (o.track_norm && o.bn != BN_PLACEMENT_BEFORE && !help)
        fprintf(stderr, "bntutor: warning: --track-norm: eff_lr = lr/|W|^2 is the effective learning rate only "
                "for weights followed by BN (--bn=before)\n");
    if (o.bn_noise || o.weight_decay > 0.0 || o.track_norm || o.bias_before_bn || o.residual || o.dropout > 0.0)
        o.double_steps = true;     /* the float twin has none of them; the residual net is double only */
    if (help) {
        char methods[128];
        printf("%s%s\n%s%s%s%s", help_head, norm_method_list(methods, sizeof methods), help_tail, help_scale,
               help_stats, help_columns);
        return 0;
    }
    TrainRun run;
    memset(&run, 0, sizeof run);
    status = train_run(&o, &run);
    run_free(&run);
    return status;
}
