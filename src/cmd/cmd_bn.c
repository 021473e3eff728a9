/* `bntutor bn`: the normalization calculator, a stage-by-stage report or JSON of one step (top layer). */
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "engine/batchnorm.h"
#include "engine/norm.h"
#include "util/alloc.h"
#include "util/csv.h"
#include "util/error.h"
#include "util/parse.h"
#include "util/termtext.h"

static const char help_head[] =
    "Usage: bntutor bn [OPTIONS] [FILE|-]\n"
    "Shows every stage of one training-mode batch-norm step (or of another normalization method: see\n"
    "--norm) on a mini-batch read as CSV from FILE (or stdin when FILE is '-' or missing): one row per\n"
    "sample, one column per feature (see --shape), an optional header row of names, blank lines and\n"
    "'#' comments skipped.\n"
    "\n"
    "Options:\n"
    "  --gamma=LIST          scale, one per feature, comma-separated (default 1)\n"
    "  --beta=LIST           shift, one per feature (default 0)\n"
    "  --eps=E               added to the variance (rms: the mean square) before the square root\n"
    "                        (default 1e-5; 1e-3 with --convention=keras)\n"
    "  --momentum=M          running-statistics momentum in [0, 1], in the convention's own meaning\n"
    "                        (default 0.1 for pytorch, 0.99 for keras; paper has none)\n"
    "  --convention=NAME     pytorch (new = (1-m)*old + m*batch, unbiased variance stored),\n"
    "                        keras (new = m*old + (1-m)*batch, biased variance stored) or\n"
    "                        paper (Ioffe & Szegedy's Algorithm 2: after training, the plain average\n"
    "                        of the statistics of many batches run through the frozen network, variance\n"
    "                        times N/(N-1); this batch is one of them); default pytorch\n"
    "  --running-mean=LIST   running mean before this step (default 0)\n"
    "  --running-var=LIST    running variance before this step (default 1)\n"
    "  --batches-seen=K      paper convention: how many batches of the frozen network the running\n"
    "                        state already averages (default 0: this batch alone gives the estimate)\n"
    "  --dy=FILE             upstream gradient dL/dy, CSV of the same shape: adds the backward pass\n"
    "  --norm=METHOD         which values share one set of statistics (default batch):\n";

/* After the methods, one line each from norm.h's table. */
static const char help_middle[] =
    "  --groups=G            group norm: G groups of C/G channels (G must divide C)\n"
    "  --shape=C,H,W         each row is C channels of H x W positions, channel-major (channel, row,\n"
    "                        column: x.reshape(N, -1)); default: one channel per column, H = W = 1.\n"
    "                        --gamma/--beta then take one value per channel (per element for layer\n"
    "                        and rms)\n"
    "  --shape=T,C           each row is T tokens of C features, token by token (x.reshape(N, -1) of\n"
    "                        an N x T x C tensor, as transformers hold it); --gamma/--beta take one\n"
    "                        value per feature. One set is then:\n";

/* After the per-token methods, from the same table. */
static const char help_tail[] =
    "  --json                one JSON object instead of the report (numbers with 17 digits)\n"
    "  --help                this text\n"
    "\n"
    "Only batch norm keeps running statistics: --convention, --momentum, --running-mean,\n"
    "--running-var and --batches-seen are for it alone.\n"
    "\n"
    "RMS norm subtracts no mean and has no shift: y = gamma * x / sqrt(mean(x^2) + eps), one gamma per\n"
    "element (PyTorch's RMSNorm, a weight only; --beta is refused). Its report and JSON give each set's\n"
    "mean_square and rms in place of mean, var and var_unbiased, and no dbeta.\n"
    "\n"
    "A file (and --dy) may hold at most 32 MiB, 100000 rows and 1000000 values.\n"
    "\n"
    "Exit status: 0 success, 1 bad data or unreadable file, 2 usage error.\n";

static void help_print(void)
{
    fputs(help_head, stdout);
    for (int m = 0; m < NORM_METHOD_COUNT; m++) {
        const NormDescriptor *d = norm_descriptor((NormMethod)m);
        printf("                          %-10s%s\n", d->name, d->averages);
    }
    fputs(help_middle, stdout);
    for (int m = 0; m < NORM_METHOD_COUNT; m++) {
        const NormDescriptor *d = norm_descriptor((NormMethod)m);
        if (d->token_averages)
            printf("                          %-10s%s\n", d->name, d->token_averages);
    }
    fputs(help_tail, stdout);
}

/* ---------- options ---------- */

typedef struct BnList {
    double *values;
    int len;            /* -1: not given */
} BnList;

typedef struct BnOptions {
    const char *input;          /* path or "-" */
    const char *dy_path;        /* NULL without --dy */
    BnList gamma, beta, running_mean, running_var;
    double eps, momentum;
    bool eps_set, momentum_set, batches_seen_set;
    long batches_seen;
    BnConvention convention;
    bool json, help;
    NormMethod norm;
    bool convention_set;
    int groups;                 /* 0: not given */
    int shape_c, shape_h, shape_w;  /* shape_c 0: no --shape (C = columns, H = W = 1) */
    int tokens;                 /* T of --shape=T,C (H = W = 1), 0: channels and positions */
} BnOptions;

static void options_free(BnOptions *o)
{
    free(o->gamma.values);
    free(o->beta.values);
    free(o->running_mean.values);
    free(o->running_var.values);
}

/* The option as the user wrote it, without any "=VALUE", for messages. */
static void option_where(char *buf, size_t size, const char *arg)
{
    size_t len = strcspn(arg, "=");
    if (len > 60)
        len = 60;
    snprintf(buf, size, "%.*s", (int)len, arg);
}

static int list_parse(BnList *list, const char *where, const char *value)
{
    int bad = 0;
    double *values;
    int count = parse_double_list(value, &values, &bad);
    if (count < 0)
        return cmd_fail(2, where, "item %d of '%.80s' is not a finite number (expected a comma-separated list)",
                        bad, value);
    free(list->values);
    list->values = values;
    list->len = count;
    return 0;
}

static int number_parse(double *out, const char *where, const char *value)
{
    if (!parse_double(value, out))
        return cmd_fail(2, where, "'%.80s' is not a finite number", value);
    return 0;
}

/* --shape=C,H,W: three whole numbers >= 1 whose product fits the indices; --shape=T,C: tokens. */
static int shape_parse(BnOptions *o, const char *where, const char *value)
{
    long dims[3];
    int count = 0;
    for (const char *p = value;;) {
        size_t len = strcspn(p, ",");
        char item[32];
        if (count == 3 || len >= sizeof item) {
            count = -1;
            break;
        }
        snprintf(item, sizeof item, "%.*s", (int)len, p);
        if (!parse_long(item, 1, INT_MAX, &dims[count])) {
            count = -1;
            break;
        }
        count++;
        p += len;
        if (*p == '\0')
            break;
        p++;
    }
    if (count == 2) {
        if (dims[0] * dims[1] > INT_MAX)
            return cmd_fail(2, where, "%ld x %ld values per sample are too many", dims[0], dims[1]);
        o->tokens = (int)dims[0];
        o->shape_c = (int)dims[1];
        o->shape_h = o->shape_w = 1;
        return 0;
    }
    if (count != 3)
        return cmd_fail(2, where, "expected C,H,W, three whole numbers >= 1 (channels, rows, columns), or T,C "
                        "(tokens, features), got '%.40s'", value);
    if (dims[0] * dims[1] > INT_MAX || dims[0] * dims[1] * dims[2] > INT_MAX)
        return cmd_fail(2, where, "%ld x %ld x %ld values per sample are too many", dims[0], dims[1], dims[2]);
    o->shape_c = (int)dims[0];
    o->shape_h = (int)dims[1];
    o->shape_w = (int)dims[2];
    o->tokens = 0;
    return 0;
}

/* What --norm, --groups and --shape allow together; the data-dependent checks come later. */
static int norm_options_check(const BnOptions *o)
{
    const NormDescriptor *d = norm_descriptor(o->norm);
    const char *name = d->name;
    if (o->groups && !d->needs_groups)
        return cmd_fail(2, "--groups", "only group norm has groups (use --norm=group)");
    if (d->needs_groups && !o->groups)
        return cmd_fail(2, "--norm", "%s norm needs the number of groups: --groups=G", name);
    if (o->tokens && !d->token_averages) {
        char with[128] = "";
        for (int m = 0, used = 0; m < NORM_METHOD_COUNT; m++)
            if (norm_descriptor((NormMethod)m)->token_averages && used < (int)sizeof with)
                used += snprintf(with + used, sizeof with - (size_t)used, "%s%s", used ? ", " : "",
                                 norm_method_name((NormMethod)m));
        return cmd_fail(2, "--shape", "%s norm has no per-token form; --shape=T,C (tokens) is for %s", name, with);
    }
    if (d->no_shift && o->beta.len >= 0)
        return cmd_fail(2, "--beta", "%s norm has no shift: y = gamma * xhat, a weight only (as PyTorch's RMSNorm)",
                        name);
    if (d->needs_groups && o->shape_c && o->shape_c % o->groups != 0)
        return cmd_fail(2, "--groups", "G=%d does not divide the C=%d channels of --shape (%s norm needs "
                        "C/G channels per group)", o->groups, o->shape_c, name);
    if (!d->running_stats) {
        const char *batch_only = o->convention_set ? "--convention" : o->momentum_set ? "--momentum"
                                 : o->running_mean.len >= 0 ? "--running-mean"
                                 : o->running_var.len >= 0 ? "--running-var"
                                 : o->batches_seen_set ? "--batches-seen" : NULL;
        if (batch_only)
            return cmd_fail(2, batch_only, "%s norm keeps no running statistics (only --norm=batch has them)", name);
    }
    return 0;
}

/* The value of option number `which` of options_parse's list (as the user wrote it: where); 0 or an
 * exit status after the message. */
static int option_value(BnOptions *o, int which, const char *where, const char *value)
{
    int status = 0;
    switch (which) {
    case 0: status = list_parse(&o->gamma, where, value); break;
    case 1: status = list_parse(&o->beta, where, value); break;
    case 2:
        status = number_parse(&o->eps, where, value);
        if (!status && o->eps < 0)
            status = cmd_fail(2, where, "must not be negative (got %s)", value);
        o->eps_set = true;
        break;
    case 3:
        status = number_parse(&o->momentum, where, value);
        if (!status && (o->momentum < 0 || o->momentum > 1))
            status = cmd_fail(2, where, "must lie in [0, 1] (got %s)", value);
        o->momentum_set = true;
        break;
    case 4:
        if (!batchnorm_convention_parse(value, &o->convention))
            status = cmd_fail(2, where, "unknown convention '%.40s' (valid: pytorch, keras, paper)", value);
        o->convention_set = true;
        break;
    case 5: status = list_parse(&o->running_mean, where, value); break;
    case 6:
        status = list_parse(&o->running_var, where, value);
        for (int k = 0; !status && k < o->running_var.len; k++)
            if (o->running_var.values[k] < 0)
                status = cmd_fail(2, where, "a variance cannot be negative (item %d is %g)", k + 1,
                                  o->running_var.values[k]);
        break;
    case 7:
        if (!*value)
            status = cmd_fail(2, where, "needs a file name");
        o->dy_path = value;
        break;
    case 8:
        if (!parse_long(value, 0, LONG_MAX / 2, &o->batches_seen))
            status = cmd_fail(2, where, "'%.40s' is not a whole number of batches >= 0", value);
        o->batches_seen_set = true;
        break;
    case 9:
        if (!norm_method_parse(value, &o->norm)) {
            char valid[128];
            status = cmd_fail(2, where, "unknown method '%.40s' (valid: %s)", value,
                              norm_method_list(valid, (int)sizeof valid));
        }
        break;
    case 10: {
        long g;
        if (!parse_long(value, 1, INT_MAX, &g))
            status = cmd_fail(2, where, "'%.40s' is not a whole number of groups >= 1", value);
        o->groups = (int)g;
        break;
    }
    case 11: status = shape_parse(o, where, value); break;
    }
    return status;
}

/* Returns 0, or the exit status after printing the message. */
static int options_parse(BnOptions *o, int argc, char **argv)
{
    int status_norm;
    static const char *const valued[] = { "gamma", "beta", "eps", "momentum", "convention", "running-mean",
                                          "running-var", "dy", "batches-seen", "norm", "groups", "shape" };
    bool only_files = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (only_files || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (o->input)
                return cmd_fail(2, arg, "only one input file can be given (already have '%s')", o->input);
            o->input = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_files = true;
            continue;
        }
        char where[64];
        option_where(where, sizeof where, arg);
        const char *value = NULL;
        if (parse_option(arg, "json", &value) || parse_option(arg, "help", &value)) {
            if (value)
                return cmd_fail(2, where, "takes no value");
            if (strcmp(where, "--json") == 0)
                o->json = true;
            else
                o->help = true;
            continue;
        }
        int which = -1;
        for (int k = 0; k < (int)(sizeof valued / sizeof valued[0]); k++)
            if (parse_option(arg, valued[k], &value))
                which = k;
        if (which < 0)
            return cmd_fail(2, where, "unknown option (see 'bntutor bn --help')");
        if (!value)
            return cmd_fail(2, where, "needs a value (%s=...)", where);
        int status = option_value(o, which, where, value);
        if (status)
            return status;
    }
    if (o->help)
        return 0;
    if (!o->input)
        o->input = "-";
    if (o->dy_path && strcmp(o->dy_path, "-") == 0 && strcmp(o->input, "-") == 0)
        return cmd_fail(2, "--dy", "stdin is already the input batch; give one of them as a file");
    if (o->convention == BN_CONVENTION_PAPER && o->momentum_set)
        return cmd_fail(2, "--momentum", "the paper convention has no momentum: after training it averages "
                        "the batches of the frozen network equally (see --batches-seen)");
    if (o->convention != BN_CONVENTION_PAPER && o->batches_seen_set)
        return cmd_fail(2, "--batches-seen", "only the paper convention counts batches (use --convention=paper)");
    status_norm = norm_options_check(o);
    if (status_norm)
        return status_norm;
    if (!o->eps_set)
        o->eps = batchnorm_default_eps(o->convention);
    if (!o->momentum_set)
        o->momentum = batchnorm_default_momentum(o->convention);
    return 0;
}

/* Fills a per-feature vector from its option, or with the default; 0 or an exit status. */
static int list_take(double *out, const BnList *list, const char *where, double fallback, int c)
{
    if (list->len < 0) {
        for (int j = 0; j < c; j++)
            out[j] = fallback;
        return 0;
    }
    if (list->len != c)
        return cmd_fail(2, where, "expected %d value%s (one per feature), got %d", c, c == 1 ? "" : "s", list->len);
    memcpy(out, list->values, sizeof *out * (size_t)c);
    return 0;
}

/* ---------- the step: one pipeline for every method ---------- */

/* One training-mode step of the method on N×C×H×W (sets numbered as in norm.h), its running-statistics
 * update and eval-mode output when the method keeps them, and with --dy its backward pass. */
typedef struct BnStep {
    const NormDescriptor *desc;
    NormShape shape;
    /* Running statistics and one value per channel: each column is a feature and one set, and the
     * report and JSON keep the per-feature form of plain batch normalization. */
    bool per_feature;
    int total, sets, set_size, params, row;     /* row: C·H·W (or T·C) values per sample */
    int samples, tokens;                        /* N rows of the input; T with --shape=T,C, else 0 */
    double *x, *y, *xhat, *eval_y;              /* (N, row) */
    double *mean, *var, *var_unbiased, *rstd;   /* (sets) */
    double *gamma, *beta;                       /* (params) */
    double *rm_before, *rv_before, *rm, *rv;    /* (C), with running statistics only */
    long seen_before, seen_after;
    double *dy, *dx;                            /* (N, C·H·W), NULL without --dy */
    double *dgamma, *dbeta;                     /* (params), NULL without --dy */
} BnStep;

static void step_free(BnStep *s)
{
    double *all[] = { s->y, s->xhat, s->eval_y, s->mean, s->var, s->var_unbiased, s->rstd, s->gamma, s->beta,
                      s->rm_before, s->rv_before, s->rm, s->rv, s->dx, s->dgamma, s->dbeta };
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        free(all[k]);
}

static double *vec_new(size_t count) { return xcalloc(count, sizeof(double)); }

static bool all_finite(const double *v, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (!isfinite(v[k]))
            return false;
    return true;
}

static const char *input_name(const BnOptions *o)
{
    return strcmp(o->input, "-") == 0 ? "<stdin>" : o->input;
}

/* γ or β from its option: one per feature, or one per channel (per element) of the method. */
static int param_take(double *out, const BnList *list, const char *where, double fallback, const BnStep *s)
{
    const NormDescriptor *d = s->desc;
    if (s->tokens && list->len >= 0 && list->len != s->params)
        return cmd_fail(2, where, "expected %d value%s (one per feature, C), got %d", s->params,
                        s->params == 1 ? "" : "s", list->len);
    if (!s->per_feature && list->len >= 0 && list->len != s->params)
        return cmd_fail(2, where, "expected %d value%s (%s%s%s), got %d", s->params, s->params == 1 ? "" : "s",
                        d->params_per_element ? "one per element, C*H*W, for " : "one per channel",
                        d->params_per_element ? d->name : "", d->params_per_element ? " norm" : "", list->len);
    return list_take(out, list, where, fallback, s->params);
}

/* The engine's message suggests eval mode, which this calculator has no option for: say what it does
 * offer instead. */
static int fail_one_sample(const char *input, int n)
{
    return cmd_fail(1, input, "a batch of %d sample%s has no spread: training-mode batch norm needs at least 2 "
                    "rows. A lone sample at inference is normalized with the running statistics instead (stage 6 "
                    "shows that for a batch of 2 or more); --norm=layer normalizes each row on its own",
                    n, n == 1 ? "" : "s");
}

/* Sizes the step for the batch and reads γ, β and the running state from the options. */
static int step_setup(BnStep *s, const BnOptions *o, const CsvMatrix *batch)
{
    s->desc = norm_descriptor(o->norm);
    s->samples = batch->rows;
    s->tokens = o->tokens;
    /* Tokens are samples of their own to the engine: N·T rows of C, the same values in the same order. */
    if (o->tokens)
        s->shape = norm_shape_tokens(batch->rows, o->tokens, o->shape_c);
    else
        s->shape = (NormShape){ batch->rows, o->shape_c ? o->shape_c : batch->cols, o->shape_c ? o->shape_h : 1,
                                o->shape_c ? o->shape_w : 1, o->groups };
    const NormShape *sh = &s->shape;
    s->per_feature = s->desc->running_stats && sh->h * sh->w == 1 && !o->tokens;
    BnError err = { 0 };
    if (s->tokens && s->desc->set_size(sh) < 2)
        return cmd_fail(1, input_name(o), "%s norm over tokens averages %s, here 1 value: too few to normalize "
                        "(give more %s)", s->desc->name, s->desc->token_averages,
                        s->desc->running_stats ? "samples or tokens" : "features");
    if (!s->per_feature && o->norm == NORM_BATCH && sh->n * sh->h * sh->w < 2)
        return fail_one_sample(input_name(o), sh->n);
    if (!s->per_feature && !norm_check(o->norm, sh, true, &err))
        return cmd_fail(1, input_name(o), "%s", err.message);
    s->row = batch->cols;
    s->total = sh->n * sh->c * sh->h * sh->w;
    s->sets = norm_num_sets(o->norm, sh);
    s->set_size = norm_set_size(o->norm, sh);
    s->params = norm_num_params(o->norm, sh);
    size_t total = (size_t)s->total, sets = (size_t)s->sets, params = (size_t)s->params, c = (size_t)sh->c;
    s->x = batch->values;
    s->y = vec_new(total);
    s->xhat = vec_new(total);
    s->eval_y = vec_new(total);
    s->mean = vec_new(sets);
    s->var = vec_new(sets);
    s->var_unbiased = vec_new(sets);
    s->rstd = vec_new(sets);
    s->gamma = vec_new(params);
    s->beta = vec_new(params);
    int status = param_take(s->gamma, &o->gamma, "--gamma", 1.0, s);
    if (!status)
        status = param_take(s->beta, &o->beta, "--beta", 0.0, s);
    if (s->desc->running_stats) {
        s->rm_before = vec_new(c);
        s->rv_before = vec_new(c);
        s->rm = vec_new(c);
        s->rv = vec_new(c);
        if (!status)
            status = list_take(s->rm_before, &o->running_mean, "--running-mean", 0.0, sh->c);
        if (!status)
            status = list_take(s->rv_before, &o->running_var, "--running-var", 1.0, sh->c);
    }
    /* The per-feature form says what a batch of one lacks, after the options. */
    if (!status && s->per_feature && !batchnorm_check_batch(sh->n, &err))
        status = fail_one_sample(input_name(o), sh->n);
    return status;
}

/* The running statistics after the step and the eval-mode output with them; 0 or an exit status. */
static int step_running(BnStep *s, const BnOptions *o)
{
    const NormShape *sh = &s->shape;
    size_t c = (size_t)sh->c;
    /* PyTorch counts every value of the channel, N·H·W, in the unbiased variance it stores. */
    memcpy(s->rm, s->rm_before, sizeof *s->rm * c);
    memcpy(s->rv, s->rv_before, sizeof *s->rv * c);
    s->seen_before = s->seen_after = o->batches_seen;
    batchnorm_update_running(s->rm, s->rv, &s->seen_after, s->mean, s->var, o->convention, o->momentum,
                             s->set_size, sh->c);
    for (int j = 0; j < sh->c; j++)
        if (s->rv[j] + o->eps == 0.0)
            return cmd_fail(1, "--eps", "the running variance of %s %d is 0 and eps is 0: eval mode would divide by "
                            "zero; use eps > 0", s->per_feature ? "feature" : "channel", j + 1);
    norm_forward_eval_batch(s->eval_y, s->x, s->rm, s->rv, s->gamma, s->beta, o->eps, sh);
    return 0;
}

static bool step_finite(const BnStep *s)
{
    size_t total = (size_t)s->total, sets = (size_t)s->sets, params = (size_t)s->params, c = (size_t)s->shape.c;
    bool finite = all_finite(s->mean, sets) && all_finite(s->var, sets) && all_finite(s->var_unbiased, sets) &&
                  all_finite(s->xhat, total) && all_finite(s->y, total) && all_finite(s->eval_y, total);
    if (s->rm)
        finite = finite && all_finite(s->rm, c) && all_finite(s->rv, c);
    if (s->dy)
        finite = finite && all_finite(s->dx, total) && all_finite(s->dgamma, params) &&
                 all_finite(s->dbeta, params);
    return finite;
}

/* Runs the step on the batch; 0 or an exit status after the message. */
static int step_run(BnStep *s, const BnOptions *o, const CsvMatrix *batch, const CsvMatrix *dy)
{
    int status = step_setup(s, o, batch);
    if (status)
        return status;
    const NormShape *sh = &s->shape;
    BnError err = { 0 };
    if (!norm_forward_train(s->y, s->xhat, s->mean, s->var, s->rstd, s->x, s->gamma, s->beta, o->eps, o->norm,
                            sh, &err))
        return cmd_fail(1, input_name(o), "%s", err.message);
    /* With eps = 0 a constant set divides zero by zero; say so rather than print NaN. */
    for (int k = 0; k < s->sets; k++) {
        if (s->var[k] + o->eps == 0.0 && s->desc->no_centering)
            return cmd_fail(1, "--eps", "set %d (%s norm) is all zeros (mean square 0) and eps is 0: normalizing "
                            "would divide by zero; use eps > 0", k, s->desc->name);
        if (s->var[k] + o->eps == 0.0 && s->per_feature)
            return cmd_fail(1, "--eps", "feature %d is constant in this batch (variance 0) and eps is 0: "
                            "normalizing would divide by zero; use eps > 0", k + 1);
        if (s->var[k] + o->eps == 0.0)
            return cmd_fail(1, "--eps", "set %d (%s norm) is constant (variance 0) and eps is 0: normalizing would "
                            "divide by zero; use eps > 0", k, s->desc->name);
        s->var_unbiased[k] = s->var[k] * s->set_size / (s->set_size - 1);
    }
    if (s->desc->running_stats)
        status = step_running(s, o);
    else    /* without running statistics each sample is normalized with its own, in eval mode too */
        memcpy(s->eval_y, s->y, sizeof *s->y * (size_t)s->total);
    if (status)
        return status;
    if (dy) {
        s->dy = dy->values;
        s->dx = vec_new((size_t)s->total);
        s->dgamma = vec_new((size_t)s->params);
        s->dbeta = vec_new((size_t)s->params);
        norm_backward(s->dx, s->dgamma, s->dbeta, s->dy, s->xhat, s->rstd, s->gamma, o->norm, sh);
    }
    if (!step_finite(s))
        return cmd_fail(1, input_name(o), "the numbers are too large: a result overflows a double (try rescaling "
                        "the data)");
    return 0;
}

/* ---------- the report ---------- */

/* Symbols of the report, in UTF-8 or in plain ASCII. */
typedef struct Glyphs {
    const char *mu, *var, *var_u, *std, *xhat, *gamma, *beta, *eps, *dot, *minus, *arrow, *sum, *times;
    const char *dbeta, *dgamma, *approx, *mean_square, *rms_formula, *rms_back_dx;
    const char *stats_formula, *norm_formula, *affine_formula, *eval_formula, *back_params, *back_dx;
} Glyphs;

static const Glyphs glyphs_utf8 = {
    "μ", "σ²", "s²", "√(σ² + ε)", "x̂", "γ", "β", "ε", "·", "−", "←", "Σ", "×",
    "dβ", "dγ", "≈", "mean(x²)", "x̂ = x / √(mean(x²) + ε)",
    "dx = (1/(M·√(mean(x²) + ε)))·(M·dx̂ − x̂·Σ dx̂·x̂), dx̂ = γ·dy, sums over the set's M values",
    "μ = (1/N)·Σᵢ xᵢ      σ² = (1/N)·Σᵢ (xᵢ − μ)²      unbiased s² = σ²·N/(N − 1)",
    "x̂ = (x − μ) / √(σ² + ε)",
    "y = γ·x̂ + β",
    "y = γ·(x − running_mean) / √(running_var + ε) + β",
    "dβ = Σᵢ dyᵢ      dγ = Σᵢ dyᵢ·x̂ᵢ",
    "dx = γ / (N·√(σ² + ε)) · (N·dy − Σᵢ dyᵢ − x̂·Σᵢ dyᵢ·x̂ᵢ)",
};

static const Glyphs glyphs_ascii = {
    "mu", "var", "var_unbiased", "sqrt(var+eps)", "xhat", "gamma", "beta", "eps", "*", "-", "<-", "sum", "x",
    "dbeta", "dgamma", "~", "mean(x^2)", "xhat = x / sqrt(mean(x^2) + eps)",
    "dx = (1/(M * sqrt(mean(x^2) + eps))) * (M * dxhat - xhat * sum dxhat * xhat), dxhat = gamma * dy, "
    "sums over the set's M values",
    "mu = (1/N) * sum_i x_i      var = (1/N) * sum_i (x_i - mu)^2      var_unbiased = var * N/(N - 1)",
    "xhat = (x - mu) / sqrt(var + eps)",
    "y = gamma * xhat + beta",
    "y = gamma * (x - running_mean) / sqrt(running_var + eps) + beta",
    "dbeta = sum_i dy_i      dgamma = sum_i dy_i * xhat_i",
    "dx = gamma / (N * sqrt(var + eps)) * (N * dy - sum_i dy_i - xhat * sum_i dy_i * xhat_i)",
};

static bool locale_is_utf8(void)
{
    const char *codeset = nl_langinfo(CODESET);
    return codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0 ||
                       strcmp(codeset, "utf-8") == 0);
}

/* Columns on screen: UTF-8 continuation bytes and combining marks (U+0300–U+036F) take none. */
static int text_width(const char *s)
{
    int width = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        if ((*p == 0xCC && (p[1] & 0xC0) == 0x80) || (*p == 0xCD && p[1] >= 0x80 && p[1] <= 0xAF))
            continue;
        width++;
    }
    return width;
}

static void print_padded(const char *s, int width, bool right)
{
    int pad = width - text_width(s);
    if (right)
        printf("%*s%s", pad > 0 ? pad : 0, "", s);
    else
        printf("%s%*s", s, pad > 0 ? pad : 0, "");
}

/* About 6 significant digits; a negative zero prints as 0. */
static const char *report_num(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.6g", v == 0.0 ? 0.0 : v);
    return buf;
}

/* The columns of a table (feature or value labels) and its shape. */
typedef struct Report {
    const Glyphs *g;
    char **names;       /* (C) column labels */
    int n, c;
} Report;

/* A table: one labeled row per entry of `rows`, one column per feature, numbers right-aligned.
 * values: (rows, C); labels: (rows), or NULL to number the rows 1..rows (samples).
 * Computed tables show rounding residue (1e-17 where the exact answer is 0) as 0; `exact` keeps input as is. */
static void print_table_with(const Report *r, const char *const *labels, const double *values, int rows,
                             bool exact)
{
    char buf[64];
    double *shown = vec_new((size_t)rows * (size_t)r->c);
    memcpy(shown, values, sizeof *shown * (size_t)rows * (size_t)r->c);
    for (int j = 0; j < r->c && !exact; j++) {
        double scale = 0.0;
        for (int i = 0; i < rows; i++)
            scale = fmax(scale, fabs(values[i * r->c + j]));
        for (int i = 0; i < rows; i++)
            if (fabs(values[i * r->c + j]) <= 1e-12 * scale)
                shown[i * r->c + j] = 0.0;
    }
    values = shown;
    int label_width = 0;
    for (int i = 0; i < rows; i++) {
        int w = labels ? text_width(labels[i]) : snprintf(buf, sizeof buf, "%d", i + 1);
        if (w > label_width)
            label_width = w;
    }
    int *widths = xcalloc((size_t)r->c, sizeof *widths);
    for (int j = 0; j < r->c; j++) {
        widths[j] = text_width(r->names[j]);
        for (int i = 0; i < rows; i++) {
            int w = text_width(report_num(buf, sizeof buf, values[i * r->c + j]));
            if (w > widths[j])
                widths[j] = w;
        }
    }
    printf("    %*s", label_width, "");
    for (int j = 0; j < r->c; j++) {
        printf("  ");
        print_padded(r->names[j], widths[j], true);
    }
    printf("\n");
    for (int i = 0; i < rows; i++) {
        printf("    ");
        if (labels) {
            print_padded(labels[i], label_width, false);
        } else {
            snprintf(buf, sizeof buf, "%d", i + 1);
            print_padded(buf, label_width, true);
        }
        for (int j = 0; j < r->c; j++) {
            printf("  ");
            print_padded(report_num(buf, sizeof buf, values[i * r->c + j]), widths[j], true);
        }
        printf("\n");
    }
    free(widths);
    free(shown);
}

static void print_table(const Report *r, const char *const *labels, const double *values, int rows)
{
    print_table_with(r, labels, values, rows, false);
}

/* Rows of per-feature vectors side by side, e.g. μ, σ² and s² as one table. */
static void print_vectors(const Report *r, const char *const *labels, const double *const *vectors, int count)
{
    double *values = vec_new((size_t)count * (size_t)r->c);
    for (int i = 0; i < count; i++)
        memcpy(values + (size_t)i * (size_t)r->c, vectors[i], sizeof *values * (size_t)r->c);
    print_table(r, labels, values, count);
    free(values);
}

static int names_width(const Report *r)
{
    int w = 0;
    for (int j = 0; j < r->c; j++)
        if (text_width(r->names[j]) > w)
            w = text_width(r->names[j]);
    return w;
}

/* Everything a stage of the report reads besides the step. */
typedef struct BnReport {
    const Glyphs *g;
    bool utf8;
    const BnOptions *o;
    Report rows;                    /* one column per value of a sample */
    Report per_channel;             /* one column per channel */
    const Report *params;           /* γ and β: per channel, or per element */
    const Report *channels;         /* the running statistics: per channel, or per feature */
    const char *const *samples;     /* row labels: NULL numbers the rows from 1 (per-feature form) */
    int step;                       /* number of the next stage */
} BnReport;

static void report_running(const Report *r, const BnStep *s, BnConvention convention, double momentum)
{
    const Glyphs *g = r->g;
    char a[32], b[32], c[32], d[32], e[32];
    int w = names_width(r);
    switch (convention) {
    case BN_CONVENTION_PYTORCH:
        printf("5. Running statistics (pytorch convention, momentum m = %s)\n", report_num(a, sizeof a, momentum));
        printf("   running_mean %s (1 %s m)%srunning_mean + m%s%s\n", g->arrow, g->minus, g->dot, g->dot, g->mu);
        printf("   running_var  %s (1 %s m)%srunning_var  + m%s%s   (the unbiased variance is stored)\n",
               g->arrow, g->minus, g->dot, g->dot, g->var_u);
        break;
    case BN_CONVENTION_KERAS:
        printf("5. Running statistics (keras convention, momentum m = %s)\n", report_num(a, sizeof a, momentum));
        printf("   running_mean %s m%srunning_mean + (1 %s m)%s%s\n", g->arrow, g->dot, g->minus, g->dot, g->mu);
        printf("   running_var  %s m%srunning_var  + (1 %s m)%s%s   (the biased variance is stored)\n",
               g->arrow, g->dot, g->minus, g->dot, g->var);
        break;
    case BN_CONVENTION_PAPER:
        printf("5. Population statistics (paper convention, Algorithm 2: after training, the average over\n"
               "   k = %ld batch%s run through the frozen network, this one the last)\n", s->seen_after,
               s->seen_after == 1 ? "" : "es");
        if (s->seen_after == 1)
            printf("   With k = 1 the estimate is this one batch: its mean, and its variance times N/(N %s 1).\n",
                   g->minus);
        printf("   running_mean %s ((k %s 1)%srunning_mean + %s) / k\n", g->arrow, g->minus, g->dot, g->mu);
        printf("   running_var  %s ((k %s 1)%srunning_var  + %s) / k   (unbiased: %s%sN/(N %s 1))\n",
               g->arrow, g->minus, g->dot, g->var_u, g->var, g->dot, g->minus);
        break;
    }
    for (int j = 0; j < r->c; j++) {
        const char *labels[2] = { "running_mean", "running_var " };
        const double before[2] = { s->rm_before[j], s->rv_before[j] };
        const double batch[2] = { s->mean[j], convention == BN_CONVENTION_KERAS ? s->var[j] : s->var_unbiased[j] };
        const double after[2] = { s->rm[j], s->rv[j] };
        for (int k = 0; k < 2; k++) {
            printf("    ");
            if (k == 0) {
                print_padded(r->names[j], w, false);
                printf(":  ");
            } else {
                printf("%*s   ", w, "");
            }
            switch (convention) {
            case BN_CONVENTION_PYTORCH:
                printf("%s = %s%s%s + %s%s%s", labels[k], report_num(a, sizeof a, 1.0 - momentum), g->dot,
                       report_num(b, sizeof b, before[k]), report_num(c, sizeof c, momentum), g->dot,
                       report_num(d, sizeof d, batch[k]));
                break;
            case BN_CONVENTION_KERAS:
                printf("%s = %s%s%s + %s%s%s", labels[k], report_num(a, sizeof a, momentum), g->dot,
                       report_num(b, sizeof b, before[k]), report_num(c, sizeof c, 1.0 - momentum), g->dot,
                       report_num(d, sizeof d, batch[k]));
                break;
            case BN_CONVENTION_PAPER:
                printf("%s = (%ld%s%s + %s) / %ld", labels[k], s->seen_before, g->dot,
                       report_num(b, sizeof b, before[k]), report_num(d, sizeof d, batch[k]), s->seen_after);
                break;
            }
            printf(" = %s\n", report_num(e, sizeof e, after[k]));
        }
    }
}

/* Which values set k averages, e.g. "sample 1, group 2: channels 3–4 × 2×2 positions = 8 values"
 * (numbered from 1, as everything a learner reads). */
static void set_describe(char *buf, size_t size, const BnStep *s, int k, const Glyphs *g, const char *dash)
{
    const NormShape *sh = &s->shape;
    NormSetPlace at = s->desc->set_place(sh, k);
    int first = at.channel_first;
    char where[96];
    if (s->tokens && at.sample < 0) {
        snprintf(buf, size, "feature %d: %d sample%s %s %d token%s = %d values", first + 1, s->samples,
                 s->samples == 1 ? "" : "s", g->times, s->tokens, s->tokens == 1 ? "" : "s", s->set_size);
        return;
    }
    if (s->tokens) {
        snprintf(buf, size, "sample %d, token %d: %d feature%s = %d values", at.sample / s->tokens + 1,
                 at.sample % s->tokens + 1, sh->c, sh->c == 1 ? "" : "s", s->set_size);
        return;
    }
    if (at.sample < 0)
        snprintf(where, sizeof where, "channel %d: %d sample%s %s", first + 1, sh->n, sh->n == 1 ? "" : "s",
                 g->times);
    else if (at.every_channel)
        snprintf(where, sizeof where, "sample %d: %d channel%s %s", at.sample + 1, sh->c, sh->c == 1 ? "" : "s",
                 g->times);
    else if (at.group >= 0 && first == at.channel_last)
        snprintf(where, sizeof where, "sample %d, group %d: channel %d %s", at.sample + 1, at.group + 1, first + 1,
                 g->times);
    else if (at.group >= 0)
        snprintf(where, sizeof where, "sample %d, group %d: channels %d%s%d %s", at.sample + 1, at.group + 1,
                 first + 1, dash, at.channel_last + 1, g->times);
    else
        snprintf(where, sizeof where, "sample %d, channel %d:", at.sample + 1, first + 1);
    snprintf(buf, size, "%s %d%s%d position%s = %d values", where, sh->h, g->times, sh->w,
             sh->h * sh->w == 1 ? "" : "s", s->set_size);
}

static void report_header(BnReport *rp, const BnStep *s)
{
    const Glyphs *g = rp->g;
    const BnOptions *o = rp->o;
    const NormShape *sh = &s->shape;
    char a[32], b[32];
    if (s->per_feature) {
        printf("%s normalization, training mode: N = %d samples %s C = %d feature%s\n", s->desc->title, sh->n,
               g->times, sh->c, sh->c == 1 ? "" : "s");
        printf("Convention %s, %s = %s", batchnorm_convention_name(o->convention), g->eps,
               report_num(a, sizeof a, o->eps));
        if (o->convention != BN_CONVENTION_PAPER)
            printf(", momentum m = %s", report_num(b, sizeof b, o->momentum));
        printf("\n\n");
        return;
    }
    if (s->tokens) {
        printf("%s normalization, training mode: N = %d sample%s %s T = %d token%s %s C = %d feature%s\n",
               s->desc->title, s->samples, s->samples == 1 ? "" : "s", g->times, s->tokens, s->tokens == 1 ? "" : "s",
               g->times, sh->c, sh->c == 1 ? "" : "s");
        printf("Each set: %s.\n", s->desc->token_averages);
        if (s->desc->running_stats)
            printf("Convention %s, %s = %s, momentum m = %s\n", batchnorm_convention_name(o->convention), g->eps,
                   report_num(a, sizeof a, o->eps), report_num(b, sizeof b, o->momentum));
        else
            printf("%s = %s\n", g->eps, report_num(a, sizeof a, o->eps));
        printf("Samples, tokens and features count from 1; columns run token by token, then feature "
               "(x.reshape(N, -1) of N%sT%sC).\n\n", g->times, g->times);
        return;
    }
    printf("%s normalization, training mode: N = %d sample%s %s C = %d channel%s %s H%sW = %d%s%d position%s",
           s->desc->title, sh->n, sh->n == 1 ? "" : "s", g->times, sh->c, sh->c == 1 ? "" : "s",
           g->times, g->times, sh->h, g->times, sh->w, sh->h * sh->w == 1 ? "" : "s");
    if (s->desc->needs_groups)
        printf(", G = %d group%s", sh->groups, sh->groups == 1 ? "" : "s");
    printf("\n");
    if (s->desc->running_stats)
        printf("Convention %s, %s = %s, momentum m = %s\n", batchnorm_convention_name(o->convention), g->eps,
               report_num(a, sizeof a, o->eps), report_num(b, sizeof b, o->momentum));
    else
        printf("%s = %s\n", g->eps, report_num(a, sizeof a, o->eps));
    printf("Samples, channels and positions count from 1; columns run channel by channel, then row, then "
           "column (x.reshape(N, -1)).\n\n");
}

static void report_input(BnReport *rp, const BnStep *s)
{
    if (s->per_feature)
        printf("%d. Input mini-batch x (one row per sample, one column per feature)\n", rp->step++);
    else
        printf("%d. Input x (one row per sample, %d value%s each)\n", rp->step++, s->row, s->row == 1 ? "" : "s");
    print_table_with(&rp->rows, rp->samples, s->x, s->samples, true);
}

/* Per-feature: μ, σ², s² as a table. Otherwise one line per set, naming the values it averages. */
static void report_statistics(BnReport *rp, const BnStep *s)
{
    const Glyphs *g = rp->g;
    if (s->per_feature) {
        printf("\n%d. Per-feature batch statistics: %s\n", rp->step++, g->stats_formula);
        const char *labels[] = { g->mu, g->var, g->var_u };
        const double *rows[] = { s->mean, s->var, s->var_unbiased };
        print_vectors(&rp->rows, labels, rows, 3);
        return;
    }
    char a[32], b[32], c[32], d[32], text[160];
    const char *dash = rp->utf8 ? "–" : "-";
    int width = 0;
    for (int k = 0; k < s->sets; k++) {
        set_describe(text, sizeof text, s, k, g, dash);
        if (text_width(text) > width)
            width = text_width(text);
    }
    if (s->desc->no_centering) {
        printf("\n%d. Statistics of each set of values, with no mean subtracted: %s = (1/M)%s%s x%s, "
               "rms = %s(%s + %s), M = %d\n", rp->step++, g->mean_square, g->dot, g->sum, rp->utf8 ? "²" : "^2",
               rp->utf8 ? "√" : "sqrt", g->mean_square, g->eps, s->set_size);
        for (int k = 0; k < s->sets; k++) {
            set_describe(text, sizeof text, s, k, g, dash);
            printf("    ");
            print_padded(text, width, false);
            printf("   %s = %s  rms = %s\n", g->mean_square, report_num(a, sizeof a, s->var[k]),
                   report_num(b, sizeof b, 1.0 / s->rstd[k]));
        }
        return;
    }
    printf("\n%d. Statistics of each set of values: %s = mean, %s = (1/M)%s%s (x %s %s)%s, %s = %s%sM/(M %s 1), "
           "M = %d\n", rp->step++, g->mu, g->var, g->dot, g->sum, g->minus, g->mu, rp->utf8 ? "²" : "^2", g->var_u,
           g->var, g->dot, g->minus, s->set_size);
    for (int k = 0; k < s->sets; k++) {
        set_describe(text, sizeof text, s, k, g, dash);
        printf("    ");
        print_padded(text, width, false);
        printf("   %s = %s  %s = %s  %s = %s  %s = %s\n", g->mu, report_num(a, sizeof a, s->mean[k]), g->var,
               report_num(b, sizeof b, s->var[k]), g->var_u, report_num(c, sizeof c, s->var_unbiased[k]), g->std,
               report_num(d, sizeof d, 1.0 / s->rstd[k]));
    }
}

static void report_normalize(BnReport *rp, const BnStep *s)
{
    const Glyphs *g = rp->g;
    if (s->per_feature) {
        printf("\n%d. Normalize: %s\n", rp->step++, g->norm_formula);
        double *sd = vec_new((size_t)s->sets);
        for (int j = 0; j < s->sets; j++)
            sd[j] = 1.0 / s->rstd[j];
        const char *labels[] = { g->std };
        const double *rows[] = { sd };
        print_vectors(&rp->rows, labels, rows, 1);
        free(sd);
        printf("\n");
    } else {
        printf("\n%d. Normalize each value with its set's statistics: %s\n", rp->step++,
               s->desc->no_centering ? g->rms_formula : g->norm_formula);
    }
    print_table(&rp->rows, rp->samples, s->xhat, s->samples);
    if (s->desc->no_centering)
        printf("    (each set of %s has mean square %s/(%s + %s) %s 1; no mean was subtracted, so its mean is\n"
               "     the set's mean divided by its rms, not 0)\n", g->xhat, g->mean_square, g->mean_square, g->eps,
               g->approx);
    else
        printf("    (each %s of %s has mean 0 and variance %s/(%s + %s) %s 1)\n", s->per_feature ? "column" : "set",
               g->xhat, g->var, g->var, g->eps, g->approx);
}

static void report_scale_shift(BnReport *rp, const BnStep *s)
{
    const Glyphs *g = rp->g;
    const char *per = s->tokens ? "feature" : s->desc->params_per_element ? "element" : "channel";
    bool shift = !s->desc->no_shift;
    if (s->per_feature)
        printf("\n%d. Scale and shift: %s\n", rp->step++, g->affine_formula);
    else if (shift)
        printf("\n%d. Scale and shift: %s, one %s and %s per %s\n", rp->step++, g->affine_formula, g->gamma, g->beta,
               per);
    else
        printf("\n%d. Scale: y = %s%s%s, one %s per %s (no shift %s: a weight only, as PyTorch's RMSNorm)\n",
               rp->step++, g->gamma, g->dot, g->xhat, g->gamma, per, g->beta);
    const char *labels[] = { g->gamma, g->beta };
    const double *vectors[] = { s->gamma, s->beta };
    print_vectors(rp->params, labels, vectors, shift ? 2 : 1);
    printf("\n");
    print_table(&rp->rows, rp->samples, s->y, s->samples);
}

/* The running statistics and eval mode with them, or why eval mode changes nothing. */
static void report_eval(BnReport *rp, const BnStep *s)
{
    const Glyphs *g = rp->g;
    printf("\n");
    if (!s->desc->running_stats) {
        const char *unit = s->tokens ? "token" : "sample";
        printf("%d. Eval mode (inference): the same as above. %s norm normalizes each %s with its own\n"
               "   statistics, so it keeps no running statistics and a %s alone gives the same output.\n",
               rp->step++, s->desc->title, unit, unit);
        return;
    }
    /* report_running reads per-channel vectors: with running statistics a channel is a set. */
    report_running(rp->channels, s, rp->o->convention, rp->o->momentum);
    rp->step++;
    if (!s->per_feature)
        printf("   (%s divides by M %s 1 = %d: every value of the channel counts, as in PyTorch)\n", g->var_u,
               g->minus, s->set_size - 1);
    printf("\n%d. Eval mode (inference) with the updated running statistics: %s\n", rp->step++, g->eval_formula);
    print_table(&rp->rows, rp->samples, s->eval_y, s->samples);
}

static void report_backward(BnReport *rp, const BnStep *s)
{
    const Glyphs *g = rp->g;
    printf("\n%d. Backward pass, from the upstream gradient dy = dL/dy\n", rp->step++);
    print_table_with(&rp->rows, rp->samples, s->dy, s->samples, true);
    bool shift = !s->desc->no_shift;
    const char *over = s->tokens ? "token" : "position";
    if (s->per_feature)
        printf("   %s\n", g->back_params);
    else if (shift)
        printf("   %s = %s dy      %s = %s dy%s%s   (sums over every sample and %s of the parameter)\n",
               g->dbeta, g->sum, g->dgamma, g->sum, g->dot, g->xhat, over);
    else
        printf("   %s = %s dy%s%s   (sums over every sample and %s of the parameter; no %s, no %s)\n",
               g->dgamma, g->sum, g->dot, g->xhat, over, g->beta, g->dbeta);
    const char *labels[] = { g->dbeta, g->dgamma };
    const double *vectors[] = { s->dbeta, s->dgamma };
    print_vectors(rp->params, shift ? labels : labels + 1, shift ? vectors : vectors + 1, shift ? 2 : 1);
    if (s->per_feature)
        printf("   %s\n", g->back_dx);
    else if (s->desc->no_centering)
        printf("   %s\n", g->rms_back_dx);
    else if (rp->utf8)
        printf("   dx = (1/(M·√(σ² + ε)))·(M·dx̂ − Σ dx̂ − x̂·Σ dx̂·x̂), dx̂ = γ·dy, sums over the set's M values\n");
    else
        printf("   dx = (1/(M * sqrt(var + eps))) * (M * dxhat - sum dxhat - xhat * sum dxhat * xhat), "
               "dxhat = gamma * dy, sums over the set's M values\n");
    print_table(&rp->rows, rp->samples, s->dx, s->samples);
}

/* Numbered labels from 1 (samples, channels), as every table and scene numbers them; caller frees with
 * labels_free. */
static char **labels_new(const char *prefix, int count)
{
    char **labels = xcalloc((size_t)count, sizeof *labels);
    for (int k = 0; k < count; k++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%s%d", prefix, k + 1);
        labels[k] = xstrdup(buf);
    }
    return labels;
}

static void labels_free(char **labels, int count)
{
    for (int k = 0; k < count; k++)
        free(labels[k]);
    free(labels);
}

/* The stage-by-stage report of the step; columns: (C·H·W) labels of a sample's values. */
static void report_print(const BnStep *s, const BnOptions *o, char **columns, bool utf8)
{
    const NormShape *sh = &s->shape;
    char **samples = labels_new("", s->samples), **channels = labels_new("c", sh->c);
    const Glyphs *g = utf8 ? &glyphs_utf8 : &glyphs_ascii;
    BnReport rp = { .g = g, .utf8 = utf8, .o = o, .rows = { g, columns, s->samples, s->row },
                    .per_channel = { g, channels, s->samples, sh->c },
                    .samples = s->per_feature ? NULL : (const char *const *)samples, .step = 1 };
    /* Per element of a sample (layer norm's C·H·W) the columns of a row; with tokens, one per feature. */
    rp.params = (s->desc->params_per_element && !s->tokens) || s->per_feature ? &rp.rows : &rp.per_channel;
    rp.channels = s->per_feature ? &rp.rows : &rp.per_channel;
    report_header(&rp, s);
    report_input(&rp, s);
    report_statistics(&rp, s);
    report_normalize(&rp, s);
    report_scale_shift(&rp, s);
    report_eval(&rp, s);
    if (s->dy)
        report_backward(&rp, s);
    labels_free(samples, s->samples);
    labels_free(channels, sh->c);
}

/* ---------- JSON ---------- */

static void json_vector(const char *key, const double *v, int c, bool last)
{
    printf("  \"%s\": [", key);
    for (int j = 0; j < c; j++)
        printf("%s%.17g", j ? ", " : "", v[j]);
    printf("]%s\n", last ? "" : ",");
}

static void json_matrix(const char *key, const double *v, int n, int c, bool last)
{
    printf("  \"%s\": [", key);
    for (int i = 0; i < n; i++) {
        printf("%s\n    [", i ? "," : "");
        for (int j = 0; j < c; j++)
            printf("%s%.17g", j ? ", " : "", v[i * c + j]);
        printf("]");
    }
    printf("\n  ]%s\n", last ? "" : ",");
}

static void json_print(const BnStep *s, const BnOptions *o)
{
    const NormShape *sh = &s->shape;
    bool running = s->desc->running_stats;
    printf("{\n");
    if (s->per_feature) {
        printf("  \"n\": %d,\n  \"c\": %d,\n", sh->n, sh->c);
    } else {
        printf("  \"norm\": \"%s\",\n", s->desc->name);
        if (s->tokens)
            printf("  \"n\": %d,\n  \"t\": %d,\n  \"c\": %d,\n", s->samples, s->tokens, sh->c);
        else
            printf("  \"n\": %d,\n  \"c\": %d,\n  \"h\": %d,\n  \"w\": %d,\n", sh->n, sh->c, sh->h, sh->w);
        if (s->desc->needs_groups)
            printf("  \"groups\": %d,\n", sh->groups);
        printf("  \"sets\": %d,\n  \"set_size\": %d,\n", s->sets, s->set_size);
    }
    /* Whether a mean is subtracted (else mean_square and rms replace mean and var) and β is added. */
    printf("  \"centered\": %s,\n  \"shift\": %s,\n", s->desc->no_centering ? "false" : "true",
           s->desc->no_shift ? "false" : "true");
    if (running)
        printf("  \"convention\": \"%s\",\n", batchnorm_convention_name(o->convention));
    printf("  \"eps\": %.17g,\n", o->eps);
    if (running)
        printf("  \"momentum\": %.17g,\n", o->momentum);
    if (running && o->convention == BN_CONVENTION_PAPER)
        printf("  \"batches_seen\": %ld,\n", s->seen_after);
    if (s->desc->no_centering) {
        /* No mean is subtracted: the set's mean square and rms take the place of μ and σ². */
        double *rms = vec_new((size_t)s->sets);
        for (int k = 0; k < s->sets; k++)
            rms[k] = 1.0 / s->rstd[k];
        json_vector("mean_square", s->var, s->sets, false);
        json_vector("rms", rms, s->sets, false);
        free(rms);
    } else {
        json_vector("mean", s->mean, s->sets, false);
        json_vector("var", s->var, s->sets, false);
        json_vector("var_unbiased", s->var_unbiased, s->sets, false);
    }
    json_matrix("xhat", s->xhat, s->samples, s->row, false);
    json_matrix("y", s->y, s->samples, s->row, false);
    if (running) {
        json_vector("running_mean", s->rm, sh->c, false);
        json_vector("running_var", s->rv, sh->c, false);
    }
    json_matrix("eval_y", s->eval_y, s->samples, s->row, !s->dy);
    if (s->dy) {
        json_matrix("dx", s->dx, s->samples, s->row, false);
        json_vector("dgamma", s->dgamma, s->params, s->desc->no_shift);
        if (!s->desc->no_shift)
            json_vector("dbeta", s->dbeta, s->params, true);
    }
    printf("}\n");
}

/* ---------- the command ---------- */

/* Column names: the header's, else the feature ("x1", per-feature form) or channel and position ("c1",
 * "c1(1,2)"), numbered from 1. */
static char **column_names(const CsvMatrix *batch, const BnStep *s)
{
    const NormShape *sh = &s->shape;
    int row = s->row;
    char **names = xcalloc((size_t)row, sizeof *names);
    for (int k = 0; k < row; k++) {
        char buf[48];
        int hw = sh->h * sh->w, pos = k % hw;
        if (s->per_feature)
            snprintf(buf, sizeof buf, "x%d", k + 1);
        else if (s->tokens)
            snprintf(buf, sizeof buf, "t%dc%d", k / sh->c + 1, k % sh->c + 1);
        else if (hw == 1)
            snprintf(buf, sizeof buf, "c%d", k + 1);
        else
            snprintf(buf, sizeof buf, "c%d(%d,%d)", k / hw + 1, pos / sh->w + 1, pos % sh->w + 1);
        names[k] = termtext_dup(batch->names ? batch->names[k] : buf, 0);   /* header names reach the terminal */
    }
    return names;
}

/* Reads the batch (and --dy) and checks their shapes; 0 or an exit status after the message. */
static int inputs_read(const BnOptions *o, CsvMatrix **batch, CsvMatrix **dy)
{
    BnError err = { 0 };
    *batch = csv_read_file(o->input, &err);
    if (!*batch)
        return cmd_fail_error(1, &err, NULL);
    const CsvMatrix *b = *batch;
    if (o->dy_path) {
        *dy = csv_read_file(o->dy_path, &err);
        if (!*dy)
            return cmd_fail_error(1, &err, NULL);
        if ((*dy)->rows != b->rows || (*dy)->cols != b->cols)
            return cmd_fail(1, "--dy", "%s has %dx%d values, expected %dx%d (the shape of the input batch)",
                            o->dy_path, (*dy)->rows, (*dy)->cols, b->rows, b->cols);
    }
    /* Columns must make whole samples of C·H·W; G must divide the channels the columns give. */
    if (o->tokens && b->cols != o->tokens * o->shape_c)
        return cmd_fail(1, NULL, "%s:%d: row has %d value%s, --shape=%d,%d needs T*C = %d", input_name(o),
                        b->first_line, b->cols, b->cols == 1 ? "" : "s", o->tokens, o->shape_c,
                        o->tokens * o->shape_c);
    if (!o->tokens && o->shape_c && b->cols != o->shape_c * o->shape_h * o->shape_w)
        return cmd_fail(1, NULL, "%s:%d: row has %d value%s, --shape=%d,%d,%d needs C*H*W = %d", input_name(o),
                        b->first_line, b->cols, b->cols == 1 ? "" : "s", o->shape_c, o->shape_h, o->shape_w,
                        o->shape_c * o->shape_h * o->shape_w);
    if (norm_descriptor(o->norm)->needs_groups && !o->shape_c && b->cols % o->groups != 0)
        return cmd_fail(1, NULL, "%s:%d: group norm needs G to divide the channels: G=%d does not divide the %d "
                        "columns (channels; see --shape)", input_name(o), b->first_line, o->groups, b->cols);
    return 0;
}

int cmd_bn(int argc, char **argv)
{
    /* Numbers are read and written with '.' whatever the locale; the character set still follows it. */
    setlocale(LC_NUMERIC, "C");
    BnOptions o = { 0 };
    o.gamma.len = o.beta.len = o.running_mean.len = o.running_var.len = -1;
    int status = options_parse(&o, argc, argv);
    if (status || o.help) {
        if (!status)
            help_print();
        options_free(&o);
        return status;
    }
    CsvMatrix *batch = NULL, *dy = NULL;
    BnStep step = { 0 };
    status = inputs_read(&o, &batch, &dy);
    if (!status)
        status = step_run(&step, &o, batch, dy);
    if (!status) {
        if (o.json) {
            json_print(&step, &o);
        } else {
            char **names = column_names(batch, &step);
            report_print(&step, &o, names, locale_is_utf8());
            labels_free(names, batch->cols);
        }
        if (fflush(stdout) != 0 || ferror(stdout))
            status = cmd_fail(1, "stdout", "write error");
    }
    step_free(&step);
    csv_destroy(dy);
    csv_destroy(batch);
    options_free(&o);
    return status;
}
