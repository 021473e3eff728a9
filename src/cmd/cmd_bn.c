/* `bntutor bn`: the normalization calculator, a stage-by-stage report or JSON of one step (top layer). */
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
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
    "  --eps=E               added to the variance before the square root\n"
    "                        (default 1e-5; 1e-3 with --convention=keras)\n"
    "  --momentum=M          running-statistics momentum in [0, 1], in the convention's own meaning\n"
    "                        (default 0.1 for pytorch, 0.99 for keras; paper has none)\n"
    "  --convention=NAME     pytorch (new = (1-m)*old + m*batch, unbiased variance stored),\n"
    "                        keras (new = m*old + (1-m)*batch, biased variance stored) or\n"
    "                        paper (plain average over every batch, unbiased variance); default pytorch\n"
    "  --running-mean=LIST   running mean before this step (default 0)\n"
    "  --running-var=LIST    running variance before this step (default 1)\n"
    "  --batches-seen=K      paper convention: how many batches the running state already averages\n"
    "                        (default 0)\n"
    "  --dy=FILE             upstream gradient dL/dy, CSV of the same shape: adds the backward pass\n"
    "  --norm=METHOD         which values share one mean and variance (default batch):\n";

/* After the methods, one line each from norm.h's table. */
static const char help_tail[] =
    "  --groups=G            group norm: G groups of C/G channels (G must divide C)\n"
    "  --shape=C,H,W         each row is C channels of H x W positions, channel-major (channel, row,\n"
    "                        column: x.reshape(N, -1)); default: one channel per column, H = W = 1.\n"
    "                        --gamma/--beta then take one value per channel (per element for layer)\n"
    "  --json                one JSON object instead of the report (numbers with 17 digits)\n"
    "  --help                this text\n"
    "\n"
    "Only batch norm keeps running statistics: --convention, --momentum, --running-mean,\n"
    "--running-var and --batches-seen are for it alone.\n"
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
    fputs(help_tail, stdout);
}

/* ---------- messages ---------- */

static int fail(int status, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(int status, const char *where, const char *fmt, ...)
{
    /* Messages quote CSV cells and file names: cleaned before they reach the terminal. */
    char message[2048], clean[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    fputs("bntutor: ", stderr);
    if (where && *where)
        fprintf(stderr, "%s: ", termtext_clean(where, clean, sizeof clean, 0));
    fprintf(stderr, "%s\n", termtext_clean(message, clean, sizeof clean, 0));
    return status;
}

/* The engine's message suggests eval mode, which this calculator has no option for: say what it does
 * offer instead. */
static int fail_one_sample(const char *input, int n)
{
    return fail(1, input, "a batch of %d sample%s has no spread: training-mode batch norm needs at least 2 rows. "
                "A lone sample at inference is normalized with the running statistics instead (stage 6 shows "
                "that for a batch of 2 or more); --norm=layer normalizes each row on its own",
                n, n == 1 ? "" : "s");
}

static int fail_error(int status, const BnError *err)
{
    char buf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 4];
    return fail(status, NULL, "%s", error_format(err, buf, (int)sizeof buf));
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
        return fail(2, where, "item %d of '%.80s' is not a finite number (expected a comma-separated list)",
                    bad, value);
    free(list->values);
    list->values = values;
    list->len = count;
    return 0;
}

static int number_parse(double *out, const char *where, const char *value)
{
    if (!parse_double(value, out))
        return fail(2, where, "'%.80s' is not a finite number", value);
    return 0;
}

/* --shape=C,H,W: three whole numbers >= 1 whose product fits the indices. */
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
    if (count != 3)
        return fail(2, where, "expected C,H,W, three whole numbers >= 1 (channels, rows, columns), got '%.40s'",
                    value);
    if (dims[0] * dims[1] > INT_MAX || dims[0] * dims[1] * dims[2] > INT_MAX)
        return fail(2, where, "%ld x %ld x %ld values per sample are too many", dims[0], dims[1], dims[2]);
    o->shape_c = (int)dims[0];
    o->shape_h = (int)dims[1];
    o->shape_w = (int)dims[2];
    return 0;
}

/* What --norm, --groups and --shape allow together; the data-dependent checks come later. */
static int norm_options_check(const BnOptions *o)
{
    const NormDescriptor *d = norm_descriptor(o->norm);
    const char *name = d->name;
    if (o->groups && !d->needs_groups)
        return fail(2, "--groups", "only group norm has groups (use --norm=group)");
    if (d->needs_groups && !o->groups)
        return fail(2, "--norm", "%s norm needs the number of groups: --groups=G", name);
    if (d->needs_groups && o->shape_c && o->shape_c % o->groups != 0)
        return fail(2, "--groups", "G=%d does not divide the C=%d channels of --shape (%s norm needs "
                    "C/G channels per group)", o->groups, o->shape_c, name);
    if (!d->running_stats) {
        const char *batch_only = o->convention_set ? "--convention" : o->momentum_set ? "--momentum"
                                 : o->running_mean.len >= 0 ? "--running-mean"
                                 : o->running_var.len >= 0 ? "--running-var"
                                 : o->batches_seen_set ? "--batches-seen" : NULL;
        if (batch_only)
            return fail(2, batch_only, "%s norm keeps no running statistics (only --norm=batch has them)", name);
    }
    return 0;
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
                return fail(2, arg, "only one input file can be given (already have '%s')", o->input);
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
                return fail(2, where, "takes no value");
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
            return fail(2, where, "unknown option (see 'bntutor bn --help')");
        if (!value)
            return fail(2, where, "needs a value (%s=...)", where);
        int status = 0;
        switch (which) {
        case 0: status = list_parse(&o->gamma, where, value); break;
        case 1: status = list_parse(&o->beta, where, value); break;
        case 2:
            status = number_parse(&o->eps, where, value);
            if (!status && o->eps < 0)
                status = fail(2, where, "must not be negative (got %s)", value);
            o->eps_set = true;
            break;
        case 3:
            status = number_parse(&o->momentum, where, value);
            if (!status && (o->momentum < 0 || o->momentum > 1))
                status = fail(2, where, "must lie in [0, 1] (got %s)", value);
            o->momentum_set = true;
            break;
        case 4:
            if (!batchnorm_convention_parse(value, &o->convention))
                status = fail(2, where, "unknown convention '%.40s' (valid: pytorch, keras, paper)", value);
            o->convention_set = true;
            break;
        case 5: status = list_parse(&o->running_mean, where, value); break;
        case 6:
            status = list_parse(&o->running_var, where, value);
            for (int k = 0; !status && k < o->running_var.len; k++)
                if (o->running_var.values[k] < 0)
                    status = fail(2, where, "a variance cannot be negative (item %d is %g)", k + 1,
                                  o->running_var.values[k]);
            break;
        case 7:
            if (!*value)
                status = fail(2, where, "needs a file name");
            o->dy_path = value;
            break;
        case 8:
            if (!parse_long(value, 0, LONG_MAX / 2, &o->batches_seen))
                status = fail(2, where, "'%.40s' is not a whole number of batches >= 0", value);
            o->batches_seen_set = true;
            break;
        case 9:
            if (!norm_method_parse(value, &o->norm)) {
                char valid[128];
                status = fail(2, where, "unknown method '%.40s' (valid: %s)", value,
                              norm_method_list(valid, (int)sizeof valid));
            }
            break;
        case 10: {
            long g;
            if (!parse_long(value, 1, INT_MAX, &g))
                status = fail(2, where, "'%.40s' is not a whole number of groups >= 1", value);
            o->groups = (int)g;
            break;
        }
        case 11: status = shape_parse(o, where, value); break;
        }
        if (status)
            return status;
    }
    if (o->help)
        return 0;
    if (!o->input)
        o->input = "-";
    if (o->dy_path && strcmp(o->dy_path, "-") == 0 && strcmp(o->input, "-") == 0)
        return fail(2, "--dy", "stdin is already the input batch; give one of them as a file");
    if (o->convention == BN_CONVENTION_PAPER && o->momentum_set)
        return fail(2, "--momentum", "the paper convention has no momentum: it averages every batch "
                    "(see --batches-seen)");
    if (o->convention != BN_CONVENTION_PAPER && o->batches_seen_set)
        return fail(2, "--batches-seen", "only the paper convention counts batches (use --convention=paper)");
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
        return fail(2, where, "expected %d value%s (one per feature), got %d", c, c == 1 ? "" : "s", list->len);
    memcpy(out, list->values, sizeof *out * (size_t)c);
    return 0;
}

/* ---------- the computation ---------- */

typedef struct BnStep {
    int n, c;
    double *x, *y, *xhat, *eval_y;              /* (N,C) */
    double *mean, *var, *var_unbiased, *rstd;   /* (C) */
    double *gamma, *beta;                       /* (C) */
    double *rm_before, *rv_before, *rm, *rv;    /* (C) */
    long seen_before, seen_after;
    double *dy, *dx;                            /* (N,C), NULL without --dy */
    double *dgamma, *dbeta;                     /* (C), NULL without --dy */
} BnStep;

static void step_free(BnStep *s)
{
    free(s->y);
    free(s->xhat);
    free(s->eval_y);
    free(s->mean);
    free(s->var);
    free(s->var_unbiased);
    free(s->rstd);
    free(s->gamma);
    free(s->beta);
    free(s->rm_before);
    free(s->rv_before);
    free(s->rm);
    free(s->rv);
    free(s->dx);
    free(s->dgamma);
    free(s->dbeta);
}

static double *vec_new(size_t count) { return xcalloc(count, sizeof(double)); }

static bool all_finite(const double *v, size_t count)
{
    for (size_t k = 0; k < count; k++)
        if (!isfinite(v[k]))
            return false;
    return true;
}

/* ---------- the report ---------- */

/* Symbols of the report, in UTF-8 or in plain ASCII. */
typedef struct Glyphs {
    const char *mu, *var, *var_u, *std, *xhat, *gamma, *beta, *eps, *dot, *minus, *arrow, *sum, *times;
    const char *dbeta, *dgamma, *approx;
    const char *stats_formula, *norm_formula, *affine_formula, *eval_formula, *back_params, *back_dx;
} Glyphs;

static const Glyphs glyphs_utf8 = {
    "μ", "σ²", "s²", "√(σ² + ε)", "x̂", "γ", "β", "ε", "·", "−", "←", "Σ", "×",
    "dβ", "dγ", "≈",
    "μ = (1/N)·Σᵢ xᵢ      σ² = (1/N)·Σᵢ (xᵢ − μ)²      unbiased s² = σ²·N/(N − 1)",
    "x̂ = (x − μ) / √(σ² + ε)",
    "y = γ·x̂ + β",
    "y = γ·(x − running_mean) / √(running_var + ε) + β",
    "dβ = Σᵢ dyᵢ      dγ = Σᵢ dyᵢ·x̂ᵢ",
    "dx = γ / (N·√(σ² + ε)) · (N·dy − Σᵢ dyᵢ − x̂·Σᵢ dyᵢ·x̂ᵢ)",
};

static const Glyphs glyphs_ascii = {
    "mu", "var", "var_unbiased", "sqrt(var+eps)", "xhat", "gamma", "beta", "eps", "*", "-", "<-", "sum", "x",
    "dbeta", "dgamma", "~",
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

typedef struct Report {
    const Glyphs *g;
    char **names;       /* (C) feature labels */
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
        printf("5. Running statistics (paper convention: the average over all k = %ld batches so far)\n",
               s->seen_after);
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

static void report_print(const Report *r, const BnStep *s, const BnOptions *o)
{
    const Glyphs *g = r->g;
    char a[32], b[32];
    int n = s->n, c = s->c;
    printf("Batch normalization, training mode: N = %d samples %s C = %d feature%s\n", n, g->times, c,
           c == 1 ? "" : "s");
    printf("Convention %s, %s = %s", batchnorm_convention_name(o->convention), g->eps, report_num(a, sizeof a, o->eps));
    if (o->convention != BN_CONVENTION_PAPER)
        printf(", momentum m = %s", report_num(b, sizeof b, o->momentum));
    printf("\n\n");

    printf("1. Input mini-batch x (one row per sample, one column per feature)\n");
    print_table_with(r, NULL, s->x, n, true);

    printf("\n2. Per-feature batch statistics: %s\n", g->stats_formula);
    {
        const char *labels[] = { g->mu, g->var, g->var_u };
        const double *rows[] = { s->mean, s->var, s->var_unbiased };
        print_vectors(r, labels, rows, 3);
    }

    printf("\n3. Normalize: %s\n", g->norm_formula);
    {
        double *sd = vec_new((size_t)c);
        for (int j = 0; j < c; j++)
            sd[j] = 1.0 / s->rstd[j];
        const char *labels[] = { g->std };
        const double *rows[] = { sd };
        print_vectors(r, labels, rows, 1);
        free(sd);
    }
    printf("\n");
    print_table(r, NULL, s->xhat, n);
    printf("    (each column of %s has mean 0 and variance %s/(%s + %s) %s 1)\n", g->xhat, g->var, g->var, g->eps,
           g->approx);

    printf("\n4. Scale and shift: %s\n", g->affine_formula);
    {
        const char *labels[] = { g->gamma, g->beta };
        const double *rows[] = { s->gamma, s->beta };
        print_vectors(r, labels, rows, 2);
    }
    printf("\n");
    print_table(r, NULL, s->y, n);

    printf("\n");
    report_running(r, s, o->convention, o->momentum);

    printf("\n6. Eval mode (inference) with the updated running statistics: %s\n", g->eval_formula);
    print_table(r, NULL, s->eval_y, n);

    if (s->dy) {
        printf("\n7. Backward pass, from the upstream gradient dy = dL/dy\n");
        print_table_with(r, NULL, s->dy, n, true);
        printf("   %s\n", g->back_params);
        const char *labels[] = { g->dbeta, g->dgamma };
        const double *rows[] = { s->dbeta, s->dgamma };
        print_vectors(r, labels, rows, 2);
        printf("   %s\n", g->back_dx);
        print_table(r, NULL, s->dx, n);
    }
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
    int n = s->n, c = s->c;
    printf("{\n");
    printf("  \"n\": %d,\n  \"c\": %d,\n", n, c);
    printf("  \"convention\": \"%s\",\n", batchnorm_convention_name(o->convention));
    printf("  \"eps\": %.17g,\n  \"momentum\": %.17g,\n", o->eps, o->momentum);
    if (o->convention == BN_CONVENTION_PAPER)
        printf("  \"batches_seen\": %ld,\n", s->seen_after);
    json_vector("mean", s->mean, c, false);
    json_vector("var", s->var, c, false);
    json_vector("var_unbiased", s->var_unbiased, c, false);
    json_matrix("xhat", s->xhat, n, c, false);
    json_matrix("y", s->y, n, c, false);
    json_vector("running_mean", s->rm, c, false);
    json_vector("running_var", s->rv, c, false);
    json_matrix("eval_y", s->eval_y, n, c, !s->dy);
    if (s->dy) {
        json_matrix("dx", s->dx, n, c, false);
        json_vector("dgamma", s->dgamma, c, false);
        json_vector("dbeta", s->dbeta, c, true);
    }
    printf("}\n");
}

/* ---------- the other methods, and batch norm over positions ---------- */

/* One step of --norm=METHOD on N×C×H×W; sets are as numbered in norm.h. */
typedef struct NormStep {
    NormMethod method;
    const NormDescriptor *desc;
    NormShape shape;
    int total, sets, set_size, params;
    double *x, *y, *xhat, *eval_y;              /* (N, C·H·W) */
    double *mean, *var, *var_unbiased, *rstd;   /* (sets) */
    double *gamma, *beta;                       /* (params) */
    double *rm_before, *rv_before, *rm, *rv;    /* (C), batch only */
    long seen_before, seen_after;
    double *dy, *dx;                            /* (N, C·H·W), NULL without --dy */
    double *dgamma, *dbeta;                     /* (params), NULL without --dy */
} NormStep;

static void norm_step_free(NormStep *s)
{
    double *all[] = { s->y, s->xhat, s->eval_y, s->mean, s->var, s->var_unbiased, s->rstd, s->gamma, s->beta,
                      s->rm_before, s->rv_before, s->rm, s->rv, s->dx, s->dgamma, s->dbeta };
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        free(all[k]);
}

static const char *input_name(const BnOptions *o)
{
    return strcmp(o->input, "-") == 0 ? "<stdin>" : o->input;
}

/* Like list_take, naming what one value per parameter means for the method. */
static int param_take(double *out, const BnList *list, const char *where, double fallback, const NormStep *s)
{
    if (list->len >= 0 && list->len != s->params)
        return fail(2, where, "expected %d value%s (%s%s%s), got %d", s->params, s->params == 1 ? "" : "s",
                    s->desc->params_per_element ? "one per element, C*H*W, for " : "one per channel",
                    s->desc->params_per_element ? s->desc->name : "", s->desc->params_per_element ? " norm" : "",
                    list->len);
    return list_take(out, list, where, fallback, s->params);
}

static int norm_step_run(NormStep *s, const BnOptions *o, const CsvMatrix *batch, const CsvMatrix *dy)
{
    s->method = o->norm;
    s->desc = norm_descriptor(o->norm);
    s->shape = (NormShape){ batch->rows, o->shape_c ? o->shape_c : batch->cols, o->shape_c ? o->shape_h : 1,
                            o->shape_c ? o->shape_w : 1, o->groups };
    const NormShape *sh = &s->shape;
    if (s->method == NORM_BATCH && sh->n * sh->h * sh->w < 2)
        return fail_one_sample(input_name(o), sh->n);
    BnError err = { 0 };
    if (!norm_check(s->method, sh, true, &err))
        return fail(1, input_name(o), "%s", err.message);
    s->total = sh->n * sh->c * sh->h * sh->w;
    s->sets = norm_num_sets(s->method, sh);
    s->set_size = norm_set_size(s->method, sh);
    s->params = norm_num_params(s->method, sh);
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
    bool batch_norm = s->desc->running_stats;
    if (batch_norm) {
        s->rm_before = vec_new(c);
        s->rv_before = vec_new(c);
        s->rm = vec_new(c);
        s->rv = vec_new(c);
        if (!status)
            status = list_take(s->rm_before, &o->running_mean, "--running-mean", 0.0, sh->c);
        if (!status)
            status = list_take(s->rv_before, &o->running_var, "--running-var", 1.0, sh->c);
    }
    if (status)
        return status;

    if (!norm_forward_train(s->y, s->xhat, s->mean, s->var, s->rstd, s->x, s->gamma, s->beta, o->eps, s->method,
                            sh, &err))
        return fail(1, input_name(o), "%s", err.message);
    for (int k = 0; k < s->sets; k++) {
        if (s->var[k] + o->eps == 0.0)
            return fail(1, "--eps", "set %d (%s norm) is constant (variance 0) and eps is 0: normalizing would "
                        "divide by zero; use eps > 0", k, s->desc->name);
        s->var_unbiased[k] = s->var[k] * s->set_size / (s->set_size - 1);
    }
    if (batch_norm) {
        /* PyTorch counts every value of the channel, N·H·W, in the unbiased variance it stores. */
        memcpy(s->rm, s->rm_before, sizeof *s->rm * c);
        memcpy(s->rv, s->rv_before, sizeof *s->rv * c);
        s->seen_before = s->seen_after = o->batches_seen;
        batchnorm_update_running(s->rm, s->rv, &s->seen_after, s->mean, s->var, o->convention, o->momentum,
                                 s->set_size, sh->c);
        for (int j = 0; j < sh->c; j++)
            if (s->rv[j] + o->eps == 0.0)
                return fail(1, "--eps", "the running variance of channel %d is 0 and eps is 0: eval mode would "
                            "divide by zero; use eps > 0", j);
        norm_forward_eval_batch(s->eval_y, s->x, s->rm, s->rv, s->gamma, s->beta, o->eps, sh);
    } else {
        /* The other methods normalize each sample with its own statistics in eval mode too. */
        memcpy(s->eval_y, s->y, sizeof *s->y * total);
    }
    if (dy) {
        s->dy = dy->values;
        s->dx = vec_new(total);
        s->dgamma = vec_new(params);
        s->dbeta = vec_new(params);
        norm_backward(s->dx, s->dgamma, s->dbeta, s->dy, s->xhat, s->rstd, s->gamma, s->method, sh);
    }
    bool finite = all_finite(s->mean, sets) && all_finite(s->var, sets) && all_finite(s->var_unbiased, sets) &&
                  all_finite(s->xhat, total) && all_finite(s->y, total) && all_finite(s->eval_y, total);
    if (batch_norm)
        finite = finite && all_finite(s->rm, c) && all_finite(s->rv, c);
    if (dy)
        finite = finite && all_finite(s->dx, total) && all_finite(s->dgamma, params) &&
                 all_finite(s->dbeta, params);
    if (!finite)
        return fail(1, input_name(o), "the numbers are too large: a result overflows a double (try rescaling "
                    "the data)");
    return 0;
}

static void norm_json_print(const NormStep *s, const BnOptions *o)
{
    const NormShape *sh = &s->shape;
    int row = sh->c * sh->h * sh->w;
    bool batch_norm = s->desc->running_stats;
    printf("{\n");
    printf("  \"norm\": \"%s\",\n", s->desc->name);
    printf("  \"n\": %d,\n  \"c\": %d,\n  \"h\": %d,\n  \"w\": %d,\n", sh->n, sh->c, sh->h, sh->w);
    if (s->desc->needs_groups)
        printf("  \"groups\": %d,\n", sh->groups);
    printf("  \"sets\": %d,\n  \"set_size\": %d,\n", s->sets, s->set_size);
    if (batch_norm)
        printf("  \"convention\": \"%s\",\n", batchnorm_convention_name(o->convention));
    printf("  \"eps\": %.17g,\n", o->eps);
    if (batch_norm)
        printf("  \"momentum\": %.17g,\n", o->momentum);
    if (batch_norm && o->convention == BN_CONVENTION_PAPER)
        printf("  \"batches_seen\": %ld,\n", s->seen_after);
    json_vector("mean", s->mean, s->sets, false);
    json_vector("var", s->var, s->sets, false);
    json_vector("var_unbiased", s->var_unbiased, s->sets, false);
    json_matrix("xhat", s->xhat, sh->n, row, false);
    json_matrix("y", s->y, sh->n, row, false);
    if (batch_norm) {
        json_vector("running_mean", s->rm, sh->c, false);
        json_vector("running_var", s->rv, sh->c, false);
    }
    json_matrix("eval_y", s->eval_y, sh->n, row, !s->dy);
    if (s->dy) {
        json_matrix("dx", s->dx, sh->n, row, false);
        json_vector("dgamma", s->dgamma, s->params, false);
        json_vector("dbeta", s->dbeta, s->params, true);
    }
    printf("}\n");
}

/* Which values set k averages, e.g. "sample 0, group 1: channels 2–3 × 2×2 positions = 8 values". */
static void set_describe(char *buf, size_t size, const NormStep *s, int k, const Glyphs *g, const char *dash)
{
    const NormShape *sh = &s->shape;
    NormSetPlace at = norm_set_place(s->method, sh, k);
    int first = at.channel_first;
    char where[96];
    if (at.sample < 0)
        snprintf(where, sizeof where, "channel %d: %d sample%s %s", first, sh->n, sh->n == 1 ? "" : "s", g->times);
    else if (at.every_channel)
        snprintf(where, sizeof where, "sample %d: %d channel%s %s", at.sample, sh->c, sh->c == 1 ? "" : "s",
                 g->times);
    else if (at.group >= 0 && first == at.channel_last)
        snprintf(where, sizeof where, "sample %d, group %d: channel %d %s", at.sample, at.group, first, g->times);
    else if (at.group >= 0)
        snprintf(where, sizeof where, "sample %d, group %d: channels %d%s%d %s", at.sample, at.group, first, dash,
                 at.channel_last, g->times);
    else
        snprintf(where, sizeof where, "sample %d, channel %d:", at.sample, first);
    snprintf(buf, size, "%s %d%s%d position%s = %d values", where, sh->h, g->times, sh->w,
             sh->h * sh->w == 1 ? "" : "s", s->set_size);
}

/* Numbered labels from 0 (samples, channels), as PyTorch indexes them; caller frees with labels_free. */
static char **labels_new(const char *prefix, int count)
{
    char **labels = xcalloc((size_t)count, sizeof *labels);
    for (int k = 0; k < count; k++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%s%d", prefix, k);
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

static void norm_report_print(const NormStep *s, const BnOptions *o, char **columns, bool utf8)
{
    const Glyphs *g = utf8 ? &glyphs_utf8 : &glyphs_ascii;
    const char *dash = utf8 ? "–" : "-";
    const NormShape *sh = &s->shape;
    int row = sh->c * sh->h * sh->w, step = 1;
    bool batch_norm = s->desc->running_stats;
    char a[32], b[32], c[32], d[32], text[160];
    char **samples = labels_new("", sh->n), **channels = labels_new("c", sh->c);
    Report rows = { g, columns, sh->n, row };
    Report per_channel = { g, channels, sh->n, sh->c };
    const Report *params = s->desc->params_per_element ? &rows : &per_channel;

    printf("%s normalization, training mode: N = %d sample%s %s C = %d channel%s %s H%sW = %d%s%d position%s",
           s->desc->title, sh->n, sh->n == 1 ? "" : "s", g->times, sh->c, sh->c == 1 ? "" : "s",
           g->times, g->times, sh->h, g->times, sh->w, sh->h * sh->w == 1 ? "" : "s");
    if (s->desc->needs_groups)
        printf(", G = %d group%s", sh->groups, sh->groups == 1 ? "" : "s");
    printf("\n");
    if (batch_norm)
        printf("Convention %s, %s = %s, momentum m = %s\n", batchnorm_convention_name(o->convention), g->eps,
               report_num(a, sizeof a, o->eps), report_num(b, sizeof b, o->momentum));
    else
        printf("%s = %s\n", g->eps, report_num(a, sizeof a, o->eps));
    printf("Samples, channels and positions count from 0; columns run channel by channel, then row, then "
           "column (x.reshape(N, -1)).\n\n");

    printf("%d. Input x (one row per sample, %d value%s each)\n", step++, row, row == 1 ? "" : "s");
    print_table_with(&rows, (const char *const *)samples, s->x, sh->n, true);

    printf("\n%d. Statistics of each set of values: %s = mean, %s = (1/M)%s%s (x %s %s)%s, %s = %s%sM/(M %s 1), "
           "M = %d\n", step++, g->mu, g->var, g->dot, g->sum, g->minus, g->mu, utf8 ? "²" : "^2", g->var_u,
           g->var, g->dot, g->minus, s->set_size);
    int width = 0;
    for (int k = 0; k < s->sets; k++) {
        set_describe(text, sizeof text, s, k, g, dash);
        if (text_width(text) > width)
            width = text_width(text);
    }
    for (int k = 0; k < s->sets; k++) {
        set_describe(text, sizeof text, s, k, g, dash);
        printf("    ");
        print_padded(text, width, false);
        printf("   %s = %s  %s = %s  %s = %s  %s = %s\n", g->mu, report_num(a, sizeof a, s->mean[k]), g->var,
               report_num(b, sizeof b, s->var[k]), g->var_u, report_num(c, sizeof c, s->var_unbiased[k]), g->std,
               report_num(d, sizeof d, 1.0 / s->rstd[k]));
    }

    printf("\n%d. Normalize each value with its set's statistics: %s\n", step++, g->norm_formula);
    print_table_with(&rows, (const char *const *)samples, s->xhat, sh->n, false);
    printf("    (each set of %s has mean 0 and variance %s/(%s + %s) %s 1)\n", g->xhat, g->var, g->var, g->eps,
           g->approx);

    printf("\n%d. Scale and shift: %s, one %s and %s per %s\n", step++, g->affine_formula, g->gamma, g->beta,
           s->desc->params_per_element ? "element" : "channel");
    {
        const char *labels[] = { g->gamma, g->beta };
        const double *vectors[] = { s->gamma, s->beta };
        print_vectors(params, labels, vectors, 2);
    }
    printf("\n");
    print_table_with(&rows, (const char *const *)samples, s->y, sh->n, false);

    printf("\n");
    if (batch_norm) {
        /* report_running reads per-channel vectors: with batch norm a channel is a set. */
        BnStep view = { 0 };
        view.mean = s->mean;
        view.var = s->var;
        view.var_unbiased = s->var_unbiased;
        view.rm_before = s->rm_before;
        view.rv_before = s->rv_before;
        view.rm = s->rm;
        view.rv = s->rv;
        view.seen_before = s->seen_before;
        view.seen_after = s->seen_after;
        report_running(&per_channel, &view, o->convention, o->momentum);
        step++;
        printf("   (%s divides by M %s 1 = %d: every value of the channel counts, as in PyTorch)\n", g->var_u,
               g->minus, s->set_size - 1);
        printf("\n%d. Eval mode (inference) with the updated running statistics: %s\n", step++, g->eval_formula);
        print_table_with(&rows, (const char *const *)samples, s->eval_y, sh->n, false);
    } else {
        printf("%d. Eval mode (inference): the same as above. %s norm normalizes each sample with its own\n"
               "   statistics, so it keeps no running statistics and a sample alone gives the same output.\n",
               step++, s->desc->title);
    }

    if (s->dy) {
        printf("\n%d. Backward pass, from the upstream gradient dy = dL/dy\n", step++);
        print_table_with(&rows, (const char *const *)samples, s->dy, sh->n, true);
        printf("   %s = %s dy      %s = %s dy%s%s   (sums over every sample and position of the parameter)\n",
               g->dbeta, g->sum, g->dgamma, g->sum, g->dot, g->xhat);
        const char *labels[] = { g->dbeta, g->dgamma };
        const double *vectors[] = { s->dbeta, s->dgamma };
        print_vectors(params, labels, vectors, 2);
        if (utf8)
            printf("   dx = (1/(M·√(σ² + ε)))·(M·dx̂ − Σ dx̂ − x̂·Σ dx̂·x̂), dx̂ = γ·dy, sums over the set's M values\n");
        else
            printf("   dx = (1/(M * sqrt(var + eps))) * (M * dxhat - sum dxhat - xhat * sum dxhat * xhat), "
                   "dxhat = gamma * dy, sums over the set's M values\n");
        print_table_with(&rows, (const char *const *)samples, s->dx, sh->n, false);
    }
    labels_free(samples, sh->n);
    labels_free(channels, sh->c);
}

/* Column names: the header's, else channel and position, "c0" or "c0(1,2)". */
static char **column_names(const CsvMatrix *batch, const NormShape *sh)
{
    int row = sh->c * sh->h * sh->w;
    char **names = xcalloc((size_t)row, sizeof *names);
    for (int k = 0; k < row; k++) {
        char buf[48];
        int hw = sh->h * sh->w, pos = k % hw;
        if (hw == 1)
            snprintf(buf, sizeof buf, "c%d", k);
        else
            snprintf(buf, sizeof buf, "c%d(%d,%d)", k / hw, pos / sh->w, pos % sh->w);
        names[k] = termtext_dup(batch->names ? batch->names[k] : buf, 0);   /* header names reach the terminal */
    }
    return names;
}

/* Runs and prints a --norm step other than today's plain batch norm; 0 or an exit status. */
static int norm_command(const BnOptions *o, const CsvMatrix *batch, const CsvMatrix *dy)
{
    NormStep step = { 0 };
    int status = norm_step_run(&step, o, batch, dy);
    if (!status) {
        if (o->json) {
            norm_json_print(&step, o);
        } else {
            char **names = column_names(batch, &step.shape);
            norm_report_print(&step, o, names, locale_is_utf8());
            labels_free(names, batch->cols);
        }
    }
    norm_step_free(&step);
    return status;
}

/* ---------- the command ---------- */

/* Runs the step on the batch; 0 or an exit status after the message. */
static int step_run(BnStep *s, const BnOptions *o, const CsvMatrix *batch, const CsvMatrix *dy)
{
    int n = batch->rows, c = batch->cols;
    size_t nc = (size_t)n * (size_t)c;
    s->n = n;
    s->c = c;
    s->x = batch->values;
    s->y = vec_new(nc);
    s->xhat = vec_new(nc);
    s->eval_y = vec_new(nc);
    s->mean = vec_new((size_t)c);
    s->var = vec_new((size_t)c);
    s->var_unbiased = vec_new((size_t)c);
    s->rstd = vec_new((size_t)c);
    s->gamma = vec_new((size_t)c);
    s->beta = vec_new((size_t)c);
    s->rm_before = vec_new((size_t)c);
    s->rv_before = vec_new((size_t)c);
    s->rm = vec_new((size_t)c);
    s->rv = vec_new((size_t)c);

    int status = list_take(s->gamma, &o->gamma, "--gamma", 1.0, c);
    if (!status)
        status = list_take(s->beta, &o->beta, "--beta", 0.0, c);
    if (!status)
        status = list_take(s->rm_before, &o->running_mean, "--running-mean", 0.0, c);
    if (!status)
        status = list_take(s->rv_before, &o->running_var, "--running-var", 1.0, c);
    if (status)
        return status;

    if (n < 2)
        return fail_one_sample(strcmp(o->input, "-") == 0 ? "<stdin>" : o->input, n);
    BnError err = { 0 };
    if (!batchnorm_forward_train(s->y, s->xhat, s->mean, s->var, s->rstd, s->x, s->gamma, s->beta, o->eps,
                                 n, c, &err)) {
        return fail(1, strcmp(o->input, "-") == 0 ? "<stdin>" : o->input, "%s", err.message);
    }
    /* With eps = 0 a constant feature divides zero by zero; say so rather than print NaN. */
    for (int j = 0; j < c; j++) {
        if (s->var[j] + o->eps == 0.0)
            return fail(1, "--eps", "feature %d is constant in this batch (variance 0) and eps is 0: "
                        "normalizing would divide by zero; use eps > 0", j + 1);
    }
    for (int j = 0; j < c; j++)
        s->var_unbiased[j] = s->var[j] * n / (n - 1);

    memcpy(s->rm, s->rm_before, sizeof *s->rm * (size_t)c);
    memcpy(s->rv, s->rv_before, sizeof *s->rv * (size_t)c);
    s->seen_before = o->batches_seen;
    s->seen_after = o->batches_seen;
    batchnorm_update_running(s->rm, s->rv, &s->seen_after, s->mean, s->var, o->convention, o->momentum, n, c);
    for (int j = 0; j < c; j++) {
        if (s->rv[j] + o->eps == 0.0)
            return fail(1, "--eps", "the running variance of feature %d is 0 and eps is 0: eval mode would "
                        "divide by zero; use eps > 0", j + 1);
    }
    batchnorm_forward_eval(s->eval_y, s->x, s->rm, s->rv, s->gamma, s->beta, o->eps, n, c);

    if (dy) {
        s->dy = dy->values;
        s->dx = vec_new(nc);
        s->dgamma = vec_new((size_t)c);
        s->dbeta = vec_new((size_t)c);
        batchnorm_backward(s->dx, s->dgamma, s->dbeta, s->dy, s->xhat, s->rstd, s->gamma, n, c);
    }

    bool finite = all_finite(s->mean, (size_t)c) && all_finite(s->var, (size_t)c) &&
                  all_finite(s->var_unbiased, (size_t)c) && all_finite(s->xhat, nc) && all_finite(s->y, nc) &&
                  all_finite(s->rm, (size_t)c) && all_finite(s->rv, (size_t)c) && all_finite(s->eval_y, nc);
    if (dy)
        finite = finite && all_finite(s->dx, nc) && all_finite(s->dgamma, (size_t)c) &&
                 all_finite(s->dbeta, (size_t)c);
    if (!finite)
        return fail(1, strcmp(o->input, "-") == 0 ? "<stdin>" : o->input,
                    "the numbers are too large: a result overflows a double (try rescaling the data)");
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

    BnError err = { 0 };
    CsvMatrix *batch = csv_read_file(o.input, &err);
    CsvMatrix *dy = NULL;
    if (!batch) {
        options_free(&o);
        return fail_error(1, &err);
    }
    if (o.dy_path) {
        dy = csv_read_file(o.dy_path, &err);
        if (!dy)
            status = fail_error(1, &err);
        else if (dy->rows != batch->rows || dy->cols != batch->cols)
            status = fail(1, "--dy", "%s has %dx%d values, expected %dx%d (the shape of the input batch)",
                          o.dy_path, dy->rows, dy->cols, batch->rows, batch->cols);
    }

    /* Columns must make whole samples of C·H·W; G must divide the channels the columns give. */
    if (!status && o.shape_c && batch->cols != o.shape_c * o.shape_h * o.shape_w)
        status = fail(1, NULL, "%s:%d: row has %d value%s, --shape=%d,%d,%d needs C*H*W = %d", input_name(&o),
                      batch->first_line, batch->cols, batch->cols == 1 ? "" : "s", o.shape_c, o.shape_h,
                      o.shape_w, o.shape_c * o.shape_h * o.shape_w);
    if (!status && norm_descriptor(o.norm)->needs_groups && !o.shape_c && batch->cols % o.groups != 0)
        status = fail(1, NULL, "%s:%d: group norm needs G to divide the channels: G=%d does not divide the %d "
                      "columns (channels; see --shape)", input_name(&o), batch->first_line, o.groups, batch->cols);
    /* Plain batch norm on one value per channel is today's report and JSON, byte for byte. */
    bool plain = o.norm == NORM_BATCH && (!o.shape_c || (o.shape_h == 1 && o.shape_w == 1));
    if (!status && !plain) {
        status = norm_command(&o, batch, dy);
        if (!status && (fflush(stdout) != 0 || ferror(stdout)))
            status = fail(1, "stdout", "write error");
        csv_destroy(dy);
        csv_destroy(batch);
        options_free(&o);
        return status;
    }
    BnStep step = { 0 };
    if (!status)
        status = step_run(&step, &o, batch, dy);
    if (!status) {
        if (o.json) {
            json_print(&step, &o);
        } else {
            char **names = xcalloc((size_t)batch->cols, sizeof *names);
            for (int j = 0; j < batch->cols; j++) {
                char buf[32];
                snprintf(buf, sizeof buf, "x%d", j + 1);
                names[j] = termtext_dup(batch->names ? batch->names[j] : buf, 0);   /* header names reach the terminal */
            }
            Report r = { locale_is_utf8() ? &glyphs_utf8 : &glyphs_ascii, names, batch->rows, batch->cols };
            report_print(&r, &step, &o);
            for (int j = 0; j < batch->cols; j++)
                free(names[j]);
            free(names);
        }
        if (fflush(stdout) != 0 || ferror(stdout))
            status = fail(1, "stdout", "write error");
    }
    step_free(&step);
    csv_destroy(dy);
    csv_destroy(batch);
    options_free(&o);
    return status;
}
