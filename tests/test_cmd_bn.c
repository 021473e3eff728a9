/* `bntutor bn` run as a real program: PyTorch reference cases via --json, the report, and bad input. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/check.h"
#include "support/numbering.h"
#include "support/json.h"

/* ---------- running the binary ---------- */

typedef struct Run {
    int status;     /* exit status, or -1 when it did not exit normally */
    char *out;
    char *err;
} Run;

static void run_free(Run *r)
{
    free(r->out);
    free(r->err);
}

/* A fresh scratch folder per test, removed by scratch_remove. */
static void scratch_make(char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/bntutor-cmdbn-XXXXXX");
    cr_assert_not_null(mkdtemp(dir), "cannot make a scratch folder");
}

static void scratch_remove(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

/* Runs `env BNTUTOR_BIN bn args` in dir with stdin_text on stdin; stdout and stderr captured. */
static Run run_bn(const char *dir, const char *env, const char *args, const char *stdin_text)
{
    const char *bin = getenv("BNTUTOR_BIN");
    cr_assert(bin && *bin, "BNTUTOR_BIN must name the built binary");
    char in_path[600], err_path[600];
    snprintf(in_path, sizeof in_path, "%s/stdin.txt", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr.txt", dir);
    write_file(in_path, stdin_text ? stdin_text : "");
    size_t size = strlen(args) + strlen(bin) + 2000;
    char *cmd = malloc(size);
    cr_assert_not_null(cmd);
    snprintf(cmd, size, "%s '%s' bn %s <'%s' 2>'%s'", env ? env : "", bin, args, in_path, err_path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "cannot run %s", cmd);
    size_t cap = 4096, len = 0, got;
    char *out = malloc(cap);
    cr_assert_not_null(out);
    while ((got = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (len + 1 == cap) {
            cap *= 2;
            out = realloc(out, cap);
            cr_assert_not_null(out);
        }
    }
    out[len] = '\0';
    int raw = pclose(p);
    free(cmd);
    Run r;
    /* The shell reports a child killed by a signal as 128 + signal: never a valid bntutor status. */
    r.status = raw != -1 && WIFEXITED(raw) && WEXITSTATUS(raw) < 128 ? WEXITSTATUS(raw) : -1;
    r.out = out;
    r.err = check_read_file(err_path, NULL);
    cr_assert_not_null(r.err);
    return r;
}

/* ---------- reference data ---------- */

static JsonValue *reference_load(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/batchnorm1d_pytorch.json", check_reference_dir());
    char *text = check_read_file(path, NULL);
    cr_assert_not_null(text, "cannot read %s", path);
    char err[128];
    JsonValue *doc = json_parse(text, err, sizeof err);
    free(text);
    cr_assert_not_null(doc, "%s: %s", path, err);
    return doc;
}

static double *numbers_of(const JsonValue *v, int count, const char *what)
{
    double *out = calloc((size_t)count, sizeof *out);
    cr_assert_not_null(out);
    int got = json_flatten(v, out, count);
    cr_assert_eq(got, count, "%s: %d numbers, expected %d", what, got, count);
    return out;
}

/* Numbers as text with 17 significant digits: as a CSV matrix (n rows) or a comma list (n = 1). */
static char *numbers_text(const double *v, int n, int c)
{
    size_t size = (size_t)n * (size_t)c * 28 + 8, len = 0;
    char *text = malloc(size);
    cr_assert_not_null(text);
    text[0] = '\0';
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++)
            len += (size_t)snprintf(text + len, size - len, "%.17g%s", v[i * c + j],
                                    j + 1 < c ? "," : (n > 1 ? "\n" : ""));
    return text;
}

/* 1e-9 relative; the absolute floor only for entries ~0 next to the rest of the array. */
static void check_key(const JsonValue *got_doc, const JsonValue *cs, const char *key, int count, int case_no)
{
    char what[96];
    snprintf(what, sizeof what, "case %d, output '%s'", case_no, key);
    double *got = numbers_of(json_get(got_doc, key), count, what);
    snprintf(what, sizeof what, "case %d, reference '%s'", case_no, key);
    double *want = numbers_of(json_get(cs, key), count, what);
    double scale = 0.0;
    for (int k = 0; k < count; k++)
        scale = fmax(scale, fabs(want[k]));
    for (int k = 0; k < count; k++) {
        double floor_abs = fabs(want[k]) < 1e-6 * scale ? 1e-6 * scale : 0.0;
        check_close(got[k], want[k], 1e-9, floor_abs, "case %d, %s[%d]", case_no, key, k);
    }
    free(got);
    free(want);
}

/* The options and files that reproduce one reference case; returns the argument string. */
static char *case_args(const JsonValue *cs, const char *dir, int case_no, bool with_dy)
{
    int n = (int)json_number(json_get(cs, "n")), c = (int)json_number(json_get(cs, "c"));
    const char *keys[] = { "gamma", "beta", "running_mean_in", "running_var_in" };
    char *lists[4];
    for (int k = 0; k < 4; k++) {
        double *v = numbers_of(json_get(cs, keys[k]), c, keys[k]);
        lists[k] = numbers_text(v, 1, c);
        free(v);
    }
    char x_path[600], dy_path[600];
    snprintf(x_path, sizeof x_path, "%s/x%d.csv", dir, case_no);
    snprintf(dy_path, sizeof dy_path, "%s/dy%d.csv", dir, case_no);
    double *x = numbers_of(json_get(cs, "x"), n * c, "x");
    double *dy = numbers_of(json_get(cs, "dy"), n * c, "dy");
    char *x_text = numbers_text(x, n, c), *dy_text = numbers_text(dy, n, c);
    write_file(x_path, x_text);
    write_file(dy_path, dy_text);
    size_t size = strlen(lists[0]) + strlen(lists[1]) + strlen(lists[2]) + strlen(lists[3]) + 1600;
    char *args = malloc(size);
    cr_assert_not_null(args);
    snprintf(args, size, "--gamma=%s --beta=%s --eps=%.17g --momentum=%.17g --running-mean=%s --running-var=%s "
             "%s%s%s '%s'", lists[0], lists[1], json_number(json_get(cs, "eps")),
             json_number(json_get(cs, "momentum")), lists[2], lists[3], with_dy ? "--dy='" : "",
             with_dy ? dy_path : "", with_dy ? "'" : "", x_path);
    for (int k = 0; k < 4; k++)
        free(lists[k]);
    free(x);
    free(dy);
    free(x_text);
    free(dy_text);
    return args;
}

static JsonValue *parse_output(const Run *r, const char *what)
{
    cr_assert_eq(r->status, 0, "%s: exit %d, stderr: %s", what, r->status, r->err);
    char err[128];
    JsonValue *doc = json_parse(r->out, err, sizeof err);
    cr_assert_not_null(doc, "%s: the output is not JSON (%s): %.300s", what, err, r->out);
    return doc;
}

/* ---------- the reference cases ---------- */

Test(cmd_bn, every_reference_case_matches_pytorch_through_the_json_output)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    JsonValue *ref = reference_load();
    cr_assert_gt(json_length(ref), 0);
    for (int k = 0; k < json_length(ref); k++) {
        const JsonValue *cs = json_index(ref, k);
        char *opts = case_args(cs, dir, k, true);
        size_t size = strlen(opts) + 16;
        char *args = malloc(size);
        cr_assert_not_null(args);
        snprintf(args, size, "--json %s", opts);
        Run r = run_bn(dir, NULL, args, NULL);
        JsonValue *doc = parse_output(&r, "reference case");
        int n = (int)json_number(json_get(cs, "n")), c = (int)json_number(json_get(cs, "c"));
        cr_assert_eq((int)json_number(json_get(doc, "n")), n, "case %d: n", k);
        cr_assert_eq((int)json_number(json_get(doc, "c")), c, "case %d: c", k);
        cr_assert_str_eq(json_string(json_get(doc, "convention")), "pytorch", "case %d", k);
        check_close(json_number(json_get(doc, "eps")), json_number(json_get(cs, "eps")), 1e-15, 0.0, "case %d eps", k);
        check_close(json_number(json_get(doc, "momentum")), json_number(json_get(cs, "momentum")), 1e-15, 0.0,
                    "case %d momentum", k);
        const char *vectors[] = { "mean", "var", "var_unbiased", "running_mean", "running_var", "dgamma", "dbeta" };
        for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++)
            check_key(doc, cs, vectors[v], c, k);
        const char *matrices[] = { "xhat", "y", "eval_y", "dx" };
        for (size_t v = 0; v < sizeof matrices / sizeof matrices[0]; v++)
            check_key(doc, cs, matrices[v], n * c, k);
        json_free(doc);
        run_free(&r);
        free(args);
        free(opts);
    }
    json_free(ref);
    scratch_remove(dir);
}

Test(cmd_bn, without_dy_the_json_has_no_gradients)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    Run r = run_bn(dir, NULL, "--json", "1,2\n3,5\n4,0\n");
    JsonValue *doc = parse_output(&r, "no --dy");
    cr_assert_null(json_get(doc, "dx"));
    cr_assert_null(json_get(doc, "dgamma"));
    cr_assert_null(json_get(doc, "dbeta"));
    cr_assert_not_null(json_get(doc, "eval_y"));
    check_close(json_number(json_index(json_get(doc, "mean"), 1)), 7.0 / 3.0, 1e-15, 0.0, "mean of 2, 5, 0");
    check_close(json_number(json_get(doc, "eps")), 1e-5, 1e-15, 0.0, "pytorch's default eps");
    check_close(json_number(json_get(doc, "momentum")), 0.1, 1e-15, 0.0, "pytorch's default momentum");
    json_free(doc);
    run_free(&r);
    scratch_remove(dir);
}

Test(cmd_bn, the_batch_is_read_from_stdin_with_a_dash_or_no_file)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    JsonValue *ref = reference_load();
    const JsonValue *cs = json_index(ref, 0);
    int n = (int)json_number(json_get(cs, "n")), c = (int)json_number(json_get(cs, "c"));
    double *x = numbers_of(json_get(cs, "x"), n * c, "x");
    char *x_text = numbers_text(x, n, c);
    const char *variants[] = { "--json -", "--json" };
    for (int v = 0; v < 2; v++) {
        Run r = run_bn(dir, NULL, variants[v], x_text);
        JsonValue *doc = parse_output(&r, variants[v]);
        check_key(doc, cs, "mean", c, 0);
        check_key(doc, cs, "var", c, 0);
        json_free(doc);
        run_free(&r);
    }
    free(x);
    free(x_text);
    json_free(ref);
    scratch_remove(dir);
}

Test(cmd_bn, keras_and_paper_conventions_update_the_running_statistics_their_own_way)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    const char *batch = "1,2\n2,-1\n4,0.5\n-3,3.5\n";
    const double mean[2] = { 1.0, 1.25 }, var[2] = { 6.5, 2.8125 };   /* by hand: Σx/4, Σ(x − μ)²/4 */
    const double rm[2] = { 0.5, -2.0 }, rv[2] = { 2.0, 0.25 };

    Run r = run_bn(dir, NULL, "--json --convention=keras --running-mean=0.5,-2 --running-var=2,0.25", batch);
    JsonValue *doc = parse_output(&r, "keras");
    cr_assert_str_eq(json_string(json_get(doc, "convention")), "keras");
    check_close(json_number(json_get(doc, "eps")), 1e-3, 1e-15, 0.0, "keras's default eps");
    check_close(json_number(json_get(doc, "momentum")), 0.99, 1e-15, 0.0, "keras's default momentum");
    for (int j = 0; j < 2; j++) {
        check_close(json_number(json_index(json_get(doc, "running_mean"), j)), 0.99 * rm[j] + 0.01 * mean[j],
                    1e-12, 0.0, "keras running mean %d", j);
        check_close(json_number(json_index(json_get(doc, "running_var"), j)), 0.99 * rv[j] + 0.01 * var[j],
                    1e-12, 0.0, "keras running var %d (biased)", j);
    }
    json_free(doc);
    run_free(&r);

    r = run_bn(dir, NULL, "--json --convention=paper --batches-seen=3 --running-mean=0.5,-2 --running-var=2,0.25",
               batch);
    doc = parse_output(&r, "paper");
    cr_assert_str_eq(json_string(json_get(doc, "convention")), "paper");
    for (int j = 0; j < 2; j++) {
        check_close(json_number(json_index(json_get(doc, "running_mean"), j)), (3 * rm[j] + mean[j]) / 4,
                    1e-12, 0.0, "paper running mean %d", j);
        check_close(json_number(json_index(json_get(doc, "running_var"), j)), (3 * rv[j] + var[j] * 4 / 3) / 4,
                    1e-12, 0.0, "paper running var %d (unbiased)", j);
    }
    json_free(doc);
    run_free(&r);
    scratch_remove(dir);
}

/* ---------- the report ---------- */

/* The numbers after a row label at the start of a report line ("    μ   1   1.25"). */
static int report_row(const char *report, const char *label, double *out, int cap)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\n    %s ", label);
    const char *at = strstr(report, pattern);
    if (!at)
        return -1;
    at += strlen(pattern);
    int count = 0;
    char *end;
    while (count < cap) {
        double v = strtod(at, &end);
        if (end == at)
            break;
        out[count++] = v;
        at = end;
    }
    return count;
}

Test(cmd_bn, the_report_shows_every_stage_in_order_and_the_mean_of_case_0)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    JsonValue *ref = reference_load();
    const JsonValue *cs = json_index(ref, 0);
    char *args = case_args(cs, dir, 0, true);
    Run r = run_bn(dir, "LC_ALL=C.UTF-8", args, NULL);
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    const char *stages[] = {
        "1. Input mini-batch", "2. Per-feature batch statistics", "μ = (1/N)·Σᵢ xᵢ", "σ² = (1/N)·Σᵢ (xᵢ − μ)²",
        "3. Normalize", "x̂ = (x − μ) / √(σ² + ε)", "4. Scale and shift", "y = γ·x̂ + β",
        "5. Running statistics", "running_mean ← (1 − m)·running_mean + m·μ", "6. Eval mode",
        "7. Backward pass", "dβ = Σᵢ dyᵢ", "dγ = Σᵢ dyᵢ·x̂ᵢ", "dx = γ / (N·√(σ² + ε))",
    };
    const char *previous = r.out;
    for (size_t k = 0; k < sizeof stages / sizeof stages[0]; k++) {
        const char *at = strstr(previous, stages[k]);
        cr_assert_not_null(at, "the report lacks '%s' (after the previous stage):\n%s", stages[k], r.out);
        previous = at;
    }
    int c = (int)json_number(json_get(cs, "c"));
    double *mean = numbers_of(json_get(cs, "mean"), c, "mean");
    double got[8];
    cr_assert_eq(report_row(r.out, "μ", got, 8), c, "the μ row has one number per feature:\n%s", r.out);
    for (int j = 0; j < c; j++)
        check_close(got[j], mean[j], 1e-5, 1e-12, "mean of feature %d in the report", j);
    /* The running-mean line shows the numbers plugged in: 0.9·0 + 0.1·1 = 0.1 for feature 1. */
    double *rm = numbers_of(json_get(cs, "running_mean"), c, "running_mean");
    char line[128];
    snprintf(line, sizeof line, "running_mean = %.6g·%.6g + %.6g·%.6g = %.6g", 1 - 0.1, 0.0, 0.1, mean[0], rm[0]);
    cr_assert_not_null(strstr(r.out, line), "'%s' not in the report:\n%s", line, r.out);
    free(mean);
    free(rm);
    free(args);
    run_free(&r);
    json_free(ref);
    scratch_remove(dir);
}

Test(cmd_bn, the_report_is_plain_ascii_outside_a_utf8_locale)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    Run r = run_bn(dir, "LC_ALL=C", "", "1,2\n2,-1\n4,0.5\n-3,3.5\n");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    for (const unsigned char *p = (const unsigned char *)r.out; *p; p++)
        cr_assert_lt(*p, 0x80, "byte %#x at offset %td in an ASCII report", *p, (const char *)p - r.out);
    cr_assert_not_null(strstr(r.out, "xhat = (x - mu) / sqrt(var + eps)"), "%s", r.out);
    double got[2];
    cr_assert_eq(report_row(r.out, "mu", got, 2), 2, "%s", r.out);
    check_close(got[1], 1.25, 1e-6, 0.0, "mean of feature 2");
    run_free(&r);
    scratch_remove(dir);
}

Test(cmd_bn, the_report_labels_columns_with_the_header_names)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    Run r = run_bn(dir, NULL, "", "# two features\nheight,weight\n1.5,60\n1.7,72\n1.9,80\n");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_not_null(strstr(r.out, "height"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "weight:"), "the running-statistics lines name the feature:\n%s", r.out);
    cr_assert_null(strstr(r.out, " x1 "), "no generic names when the header gives some:\n%s", r.out);
    run_free(&r);
    scratch_remove(dir);
}

/* ---------- --norm, --groups, --shape ---------- */

static JsonValue *norm_reference_load(const char *path)
{
    char *text = check_read_file(path, NULL);
    cr_assert_not_null(text, "cannot read %s (tests run from the top of the tree)", path);
    char err[128];
    JsonValue *doc = json_parse(text, err, sizeof err);
    free(text);
    cr_assert_not_null(doc, "%s: %s", path, err);
    return doc;
}

/* 1e-9 relative like check_key; for dx also an absolute floor at 1e-15 of the largest |γ|·|dy|·rstd, the
 * size of the terms that cancel in sets of two values (their dx are then rounding on both sides). */
static void check_norm_key(const JsonValue *got_doc, const JsonValue *cs, const char *key, const char *ref_key,
                           int count, int case_no, double terms)
{
    char what[96];
    snprintf(what, sizeof what, "case %d, output '%s'", case_no, key);
    double *got = numbers_of(json_get(got_doc, key), count, what);
    snprintf(what, sizeof what, "case %d, reference '%s'", case_no, ref_key);
    double *want = numbers_of(json_get(cs, ref_key), count, what);
    double scale = 0.0;
    for (int k = 0; k < count; k++)
        scale = fmax(scale, fabs(want[k]));
    for (int k = 0; k < count; k++) {
        double floor_abs = fabs(want[k]) < 1e-6 * scale ? 1e-6 * scale : 0.0;
        floor_abs = fmax(floor_abs, 1e-6 * terms);
        check_close(got[k], want[k], 1e-9, floor_abs, "case %d (%s), %s[%d]", case_no,
                    json_string(json_get(cs, "method")), key, k);
    }
    free(got);
    free(want);
}

static double largest_abs(const JsonValue *v, int count)
{
    double *a = numbers_of(v, count, "values"), m = 0.0;
    for (int k = 0; k < count; k++)
        m = fmax(m, fabs(a[k]));
    free(a);
    return m;
}

/* The shape of a reference case: N rows of `row` values, `params` γ; tokens (T) or C·H·W. */
typedef struct CaseShape {
    int n, c, h, w, tokens, row, params;
} CaseShape;

static CaseShape case_shape(const JsonValue *cs)
{
    CaseShape sh = { .n = (int)json_number(json_get(cs, "n")), .c = (int)json_number(json_get(cs, "c")) };
    const char *method = json_string(json_get(cs, "method"));
    if (json_get(cs, "t")) {
        sh.tokens = (int)json_number(json_get(cs, "t"));
        sh.row = sh.tokens * sh.c;
        sh.params = sh.c;
        return sh;
    }
    sh.h = (int)json_number(json_get(cs, "h"));
    sh.w = (int)json_number(json_get(cs, "w"));
    sh.row = sh.c * sh.h * sh.w;
    sh.params = strcmp(method, "layer") == 0 || strcmp(method, "rms") == 0 ? sh.row : sh.c;
    return sh;
}

/* Options and files that reproduce one reference case; caller frees. RMS cases have no beta. */
static char *norm_case_args(const JsonValue *cs, const char *dir, int case_no)
{
    CaseShape sh = case_shape(cs);
    int n = sh.n, c = sh.c, row = sh.row, params = sh.params;
    const char *method = json_string(json_get(cs, "method"));
    bool batch = strcmp(method, "batch") == 0, shift = json_get(cs, "beta") != NULL;
    double *gamma = numbers_of(json_get(cs, "gamma"), params, "gamma");
    double *beta = shift ? numbers_of(json_get(cs, "beta"), params, "beta") : NULL;
    char *lists[4] = { numbers_text(gamma, 1, params), shift ? numbers_text(beta, 1, params) : NULL, NULL, NULL };
    if (batch) {
        double *rm = numbers_of(json_get(cs, "running_mean_in"), c, "running_mean_in");
        double *rv = numbers_of(json_get(cs, "running_var_in"), c, "running_var_in");
        lists[2] = numbers_text(rm, 1, c);
        lists[3] = numbers_text(rv, 1, c);
        free(rm);
        free(rv);
    }
    char x_path[600], dy_path[600];
    snprintf(x_path, sizeof x_path, "%s/nx%d.csv", dir, case_no);
    snprintf(dy_path, sizeof dy_path, "%s/ndy%d.csv", dir, case_no);
    double *x = numbers_of(json_get(cs, "x"), n * row, "x");
    double *dy = numbers_of(json_get(cs, "dy"), n * row, "dy");
    /* A single row is written as a one-line list: end it with a newline all the same. */
    char *x_text = numbers_text(x, n, row), *dy_text = numbers_text(dy, n, row);
    write_file(x_path, x_text);
    write_file(dy_path, dy_text);
    size_t size = strlen(lists[0]) + (shift ? strlen(lists[1]) : 0) +
                  (batch ? strlen(lists[2]) + strlen(lists[3]) : 0) + 2000;
    char *args = malloc(size);
    cr_assert_not_null(args);
    int len = snprintf(args, size, "--json --norm=%s --gamma=%s --eps=%.17g --dy='%s'", method, lists[0],
                       json_number(json_get(cs, "eps")), dy_path);
    if (sh.tokens)
        len += snprintf(args + len, size - (size_t)len, " --shape=%d,%d", sh.tokens, c);
    else
        len += snprintf(args + len, size - (size_t)len, " --shape=%d,%d,%d", c, sh.h, sh.w);
    if (shift)
        len += snprintf(args + len, size - (size_t)len, " --beta=%s", lists[1]);
    if (strcmp(method, "group") == 0)
        len += snprintf(args + len, size - (size_t)len, " --groups=%d", (int)json_number(json_get(cs, "groups")));
    if (batch)
        len += snprintf(args + len, size - (size_t)len, " --momentum=%.17g --running-mean=%s --running-var=%s",
                        json_number(json_get(cs, "momentum")), lists[2], lists[3]);
    snprintf(args + len, size - (size_t)len, " '%s'", x_path);
    for (int k = 0; k < 4; k++)
        free(lists[k]);
    free(gamma);
    free(beta);
    free(x);
    free(dy);
    free(x_text);
    free(dy_text);
    return args;
}

/* Every case of a reference file through `bntutor bn --json`, to 1e-9. RMS cases are checked against
 * the keys that replace mean and var (mean_square, rms) and must have no mean, var or dbeta. */
static void check_norm_reference(const char *path, int min_cases)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    JsonValue *ref = norm_reference_load(path);
    cr_assert_geq(json_length(ref), min_cases);
    for (int k = 0; k < json_length(ref); k++) {
        const JsonValue *cs = json_index(ref, k);
        char *args = norm_case_args(cs, dir, k);
        Run r = run_bn(dir, NULL, args, NULL);
        JsonValue *doc = parse_output(&r, args);
        const char *method = json_string(json_get(cs, "method"));
        CaseShape sh = case_shape(cs);
        int n = sh.n, c = sh.c, row = sh.row, params = sh.params;
        bool centred = json_get(cs, "mean_square") == NULL, shift = json_get(cs, "beta") != NULL;
        int sets = json_length(json_get(cs, "mean"));
        cr_assert_gt(sets, 0, "case %d: no sets", k);
        cr_assert_eq((int)json_number(json_get(doc, "n")), n, "case %d: n", k);
        cr_assert_eq((int)json_number(json_get(doc, "c")), c, "case %d: c", k);
        cr_assert_eq(json_get(doc, "t") != NULL, sh.tokens > 0, "case %d: a t key exactly with tokens", k);
        if (sh.tokens)
            cr_assert_eq((int)json_number(json_get(doc, "t")), sh.tokens, "case %d: t", k);
        const JsonValue *centered = json_get(doc, "centered"), *has_shift = json_get(doc, "shift");
        cr_assert(centered && centered->type == JSON_BOOL && centered->boolean == centred, "case %d: centered", k);
        cr_assert(has_shift && has_shift->type == JSON_BOOL && has_shift->boolean == shift, "case %d: shift", k);
        if (centred) {
            check_norm_key(doc, cs, "mean", "mean", sets, k, 0);
            check_norm_key(doc, cs, "var", "var", sets, k, 0);
        } else {
            cr_assert(!json_get(doc, "mean") && !json_get(doc, "var") && !json_get(doc, "var_unbiased"),
                      "case %d: %s norm subtracts no mean, yet the JSON has mean or var", k, method);
            check_norm_key(doc, cs, "mean_square", "mean_square", sets, k, 0);
            check_norm_key(doc, cs, "rms", "rms", sets, k, 0);
        }
        check_norm_key(doc, cs, "xhat", "xhat", n * row, k, 0);
        check_norm_key(doc, cs, "y", "y", n * row, k, 0);
        /* rstd ≤ 1/√ε bounds the terms; the smallest variance of the case gives the actual one. */
        double *var = numbers_of(json_get(cs, "var"), sets, "var"), smallest = INFINITY;
        for (int s = 0; s < sets; s++)
            smallest = fmin(smallest, var[s]);
        free(var);
        double terms = largest_abs(json_get(cs, "gamma"), params) * largest_abs(json_get(cs, "dy"), n * row) /
                       sqrt(smallest + json_number(json_get(cs, "eps")));
        check_norm_key(doc, cs, "dx", "dx", n * row, k, terms);
        check_norm_key(doc, cs, "dgamma", "dgamma", params, k, 0);
        if (shift)
            check_norm_key(doc, cs, "dbeta", "dbeta", params, k, 0);
        else
            cr_assert_null(json_get(doc, "dbeta"), "case %d: %s norm has no beta, yet a dbeta", k, method);
        if (strcmp(method, "batch") == 0) {
            check_norm_key(doc, cs, "running_mean", "running_mean", c, k, 0);
            check_norm_key(doc, cs, "running_var", "running_var", c, k, 0);
            check_norm_key(doc, cs, "eval_y", "eval_y", n * row, k, 0);
        } else {
            cr_assert_null(json_get(doc, "running_mean"), "case %d: %s norm has no running statistics", k, method);
            cr_assert_null(json_get(doc, "running_var"), "case %d", k);
            check_norm_key(doc, cs, "eval_y", "y", n * row, k, 0);
        }
        json_free(doc);
        run_free(&r);
        free(args);
    }
    json_free(ref);
    scratch_remove(dir);
}

Test(cmd_bn, every_pytorch_case_of_every_normalization_method_matches_through_the_json_output)
{
    check_norm_reference("tests/reference/norm_pytorch.json", 150);
}

Test(cmd_bn, every_pytorch_token_case_matches_through_the_json_output_with_shape_t_c)
{
    check_norm_reference("tests/reference/norm_tokens_pytorch.json", 70);
}

Test(cmd_bn, explicit_batch_norm_on_one_value_per_channel_prints_exactly_what_the_default_prints)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    const char *batch = "a,b\n1,2\n2,-1\n4,0.5\n-3,3.5\n";
    char dy_path[600];
    snprintf(dy_path, sizeof dy_path, "%s/dy.csv", dir);
    write_file(dy_path, "0.1,-0.2\n0.3,0.4\n-0.5,0.6\n0.7,-0.8\n");
    const char *modes[] = { "", "--json" };
    for (int m = 0; m < 2; m++) {
        char base[900], args[1000];
        snprintf(base, sizeof base, "%s --dy='%s' --gamma=1.5,0.5", modes[m], dy_path);
        Run plain = run_bn(dir, "LC_ALL=C.UTF-8", base, batch);
        cr_assert_eq(plain.status, 0, "%s", plain.err);
        const char *extra[] = { "--norm=batch", "--shape=2,1,1", "--norm=batch --shape=2,1,1" };
        for (int e = 0; e < 3; e++) {
            snprintf(args, sizeof args, "%s %s", base, extra[e]);
            Run r = run_bn(dir, "LC_ALL=C.UTF-8", args, batch);
            cr_assert_eq(r.status, 0, "%s: %s", args, r.err);
            cr_assert_str_eq(r.out, plain.out, "'bn %s' differs from 'bn %s'", args, base);
            run_free(&r);
        }
        run_free(&plain);
    }
    scratch_remove(dir);
}

/* Three samples of 4 channels × 1×2 positions, small integers so the statistics are checked by hand. */
static const char batch_3x8[] = "1,2,3,4,5,6,7,8\n2,0,1,5,3,3,9,1\n0,4,4,2,1,7,2,6\n";

Test(cmd_bn, the_report_names_the_values_each_statistic_averages_for_every_method)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    static const struct {
        const char *args, *lines[3];
    } cases[] = {
        { "--norm=batch --shape=2,2,2",
          { "channel 1: 3 samples × 2×2 positions = 12 values   μ = 2.33333",     /* 28/12 */
            "channel 2: 3 samples × 2×2 positions = 12 values   μ = 4.83333", NULL } },
        { "--norm=layer --shape=4,1,2",
          { "sample 1: 4 channels × 1×2 positions = 8 values   μ = 4.5  σ² = 5.25",
            "sample 3: 4 channels × 1×2 positions = 8 values   μ = 3.25", NULL } },
        { "--norm=instance --shape=4,1,2",
          { "sample 1, channel 1: 1×2 positions = 2 values   μ = 1.5  σ² = 0.25",
            "sample 3, channel 4: 1×2 positions = 2 values   μ = 4  σ² = 4", NULL } },
        { "--norm=group --groups=2 --shape=4,1,2",
          { "sample 1, group 2: channels 3–4 × 1×2 positions = 4 values   μ = 6.5  σ² = 1.25",
            "sample 2, group 2: channels 3–4 × 1×2 positions = 4 values   μ = 4  σ² = 9  s² = 12",
            "sample 3, group 1: channels 1–2 × 1×2 positions = 4 values   μ = 2.5  σ² = 2.75" } },
        { "--norm=group --groups=4 --shape=4,1,2",
          { "sample 2, group 4: channel 4 × 1×2 positions = 2 values   μ = 5", NULL, NULL } },
        { "--norm=layer",
          { "sample 2: 8 channels × 1×1 position = 8 values   μ = 3", NULL, NULL } },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        Run r = run_bn(dir, "LC_ALL=C.UTF-8", cases[k].args, batch_3x8);
        cr_assert_eq(r.status, 0, "'bn %s': %s", cases[k].args, r.err);
        for (int l = 0; l < 3 && cases[k].lines[l]; l++)
            cr_assert_not_null(strstr(r.out, cases[k].lines[l]), "'bn %s' lacks \"%s\":\n%s", cases[k].args,
                               cases[k].lines[l], r.out);
        run_free(&r);
    }
    Run a = run_bn(dir, "LC_ALL=C", "--norm=group --groups=2 --shape=4,1,2", batch_3x8);
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_not_null(strstr(a.out, "sample 1, group 2: channels 3-4 x 1x2 positions = 4 values   mu = 6.5"),
                       "plain ASCII outside UTF-8:\n%s", a.out);
    for (const unsigned char *p = (const unsigned char *)a.out; *p; p++)
        cr_assert(*p < 0x80, "non-ASCII byte 0x%02x in the C-locale report", *p);
    run_free(&a);
    scratch_remove(dir);
}

Test(cmd_bn, the_report_of_layer_norm_shows_per_element_parameters_and_no_running_statistics)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    Run r = run_bn(dir, "LC_ALL=C.UTF-8", "--norm=layer --shape=2,1,2 --gamma=1,2,3,4 --beta=0,0,0,1",
                   "1,2,3,4\n4,4,0,0\n");
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* Sample 1: μ = 2.5, σ² = 1.25, x̂ of its last value 1.5/√1.25001 = 1.34163, y = 4·x̂ + 1 = 6.36654. */
    const char *want[] = { "one γ and β per element", "c2(1,2)", "6.36654", "keeps no running statistics" };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
        cr_assert_not_null(strstr(r.out, want[k]), "lacks \"%s\":\n%s", want[k], r.out);
    cr_assert_null(strstr(r.out, "running_mean ="), "%s", r.out);
    run_free(&r);
    scratch_remove(dir);
}

Test(cmd_bn, the_report_of_rms_norm_shows_the_mean_square_and_rms_and_no_mean_beta_or_dbeta)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    char dy_path[600], args[700];
    snprintf(dy_path, sizeof dy_path, "%s/dy.csv", dir);
    write_file(dy_path, "0.1,-0.2,0.3,0.4\n0.5,-0.6,0.7,0.8\n");
    snprintf(args, sizeof args, "--norm=rms --gamma=1,1,1,2 --dy='%s'", dy_path);
    Run r = run_bn(dir, "LC_ALL=C.UTF-8", args, "1,2,3,4\n-1,0.5,2,-3\n");
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* Sample 0: mean(x²) = (1 + 4 + 9 + 16)/4 = 7.5, rms = √7.50001 = 2.73861, x̂ of 4 = 1.46059, y = 2·x̂. */
    const char *want[] = { "RMS normalization", "no mean subtracted", "mean(x²) = 7.5  rms = 2.73861", "1.46059",
                           "2.92119", "Scale: y = γ·x̂, one γ per element", "no β, no dβ",
                           "(M·dx̂ − x̂·Σ dx̂·x̂)" };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
        cr_assert_not_null(strstr(r.out, want[k]), "lacks \"%s\":\n%s", want[k], r.out);
    const char *never[] = { "μ =", "σ² =", "\n    β ", "\n    dβ ", "running_mean =" };
    for (size_t k = 0; k < sizeof never / sizeof never[0]; k++)
        cr_assert_null(strstr(r.out, never[k]), "has \"%s\":\n%s", never[k], r.out);
    run_free(&r);
    scratch_remove(dir);
}

Test(cmd_bn, the_report_of_tokens_names_samples_tokens_and_features)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    Run r = run_bn(dir, "LC_ALL=C.UTF-8", "--norm=layer --shape=2,3 --gamma=1,2,0.5 --beta=0,0.1,0.2",
                   "1,2,3,4,5,6\n-1,0.5,2,-3,0,1\n");
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* Sample 2, token 2 (numbered from 1) is (-3, 0, 1): μ = -2/3, σ² = (49/9 + 4/9 + 25/9)/3 = 26/9 = 2.88889. */
    const char *want[] = { "N = 2 samples × T = 2 tokens × C = 3 features", "a token's C features",
                           "sample 2, token 2: 3 features = 3 values   μ = -0.666667  σ² = 2.88889", "t2c3",
                           "one γ and β per feature", "a token alone gives the same output" };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++)
        cr_assert_not_null(strstr(r.out, want[k]), "lacks \"%s\":\n%s", want[k], r.out);
    run_free(&r);
    scratch_remove(dir);
}

/* ---------- bad input ---------- */

typedef struct BadCase {
    const char *args;       /* "{dir}" is replaced by the scratch folder */
    const char *input;      /* stdin */
    const char *dy;         /* written to {dir}/dy.csv when not NULL */
    int status;
    const char *fragment1, *fragment2;
} BadCase;

static const char batch_4x2[] = "1,2\n2,-1\n4,0.5\n-3,3.5\n";

static const BadCase bad_cases[] = {
    { "--frobnicate", batch_4x2, NULL, 2, "bntutor: --frobnicate: unknown option", NULL },
    { "-x", batch_4x2, NULL, 2, "bntutor: -x: unknown option", NULL },
    { "--gamma", batch_4x2, NULL, 2, "bntutor: --gamma: needs a value", NULL },
    { "--gamma=1,2,3", batch_4x2, NULL, 2, "bntutor: --gamma: expected 2 values", "got 3" },
    { "--beta=1", batch_4x2, NULL, 2, "bntutor: --beta: expected 2 values", "got 1" },
    { "--running-mean=0,0,0", batch_4x2, NULL, 2, "bntutor: --running-mean: expected 2", "got 3" },
    { "--running-var=1", batch_4x2, NULL, 2, "bntutor: --running-var: expected 2", "got 1" },
    { "--running-var=1,-2", batch_4x2, NULL, 2, "bntutor: --running-var:", "negative" },
    { "--gamma=1,abc", batch_4x2, NULL, 2, "bntutor: --gamma: item 2", "not a finite number" },
    { "--eps=-1e-5", batch_4x2, NULL, 2, "bntutor: --eps:", "negative" },
    { "--eps=nan", batch_4x2, NULL, 2, "bntutor: --eps:", "not a finite number" },
    { "--momentum=1.5", batch_4x2, NULL, 2, "bntutor: --momentum:", "[0, 1]" },
    { "--momentum=-0.1", batch_4x2, NULL, 2, "bntutor: --momentum:", "[0, 1]" },
    { "--convention=caffe", batch_4x2, NULL, 2, "bntutor: --convention: unknown convention 'caffe'",
      "pytorch, keras, paper" },
    { "--json=yes", batch_4x2, NULL, 2, "bntutor: --json: takes no value", NULL },
    { "--convention=paper --momentum=0.5", batch_4x2, NULL, 2, "bntutor: --momentum:", "paper" },
    { "--batches-seen=3", batch_4x2, NULL, 2, "bntutor: --batches-seen:", "paper" },
    { "--convention=paper --batches-seen=-1", batch_4x2, NULL, 2, "bntutor: --batches-seen:", NULL },
    { "--dy=-", batch_4x2, NULL, 2, "bntutor: --dy:", "stdin" },
    { "{dir}/a.csv {dir}/b.csv", "", NULL, 2, "only one input file", NULL },
    { "", "1,2\n3,4,5\n", NULL, 1, "bntutor: <stdin>:2: row has 3 values, expected 2", NULL },
    { "", "a,b\n1,2\n3,abc\n", NULL, 1, "bntutor: <stdin>:3: column 2", "\"abc\" is not a number" },
    { "", "1,2\n3,nan\n", NULL, 1, "bntutor: <stdin>:2: column 2", "not a finite number" },
    { "", "", NULL, 1, "bntutor: <stdin>: no data rows", NULL },
    { "", "# nothing\n\n", NULL, 1, "bntutor: <stdin>: no data rows", NULL },
    { "", "1,2\n", NULL, 1, "bntutor: <stdin>: a batch of 1 sample", "--norm=layer normalizes each row" },
    { "{dir}/missing.csv", "", NULL, 1, "/missing.csv: cannot open", NULL },
    { "{dir}", "", NULL, 1, "cannot read", NULL },
    { "--dy={dir}/missing.csv", batch_4x2, NULL, 1, "/missing.csv: cannot open", NULL },
    { "", batch_4x2, "1,2\n3,4\n5,6\n", 1, "bntutor: --dy:", "expected 4x2" },
    { "", batch_4x2, "1,2\n3,x\n5,6\n7,8\n", 1, "dy.csv:2: column 2", "not a number" },
    { "--eps=0", "1,2\n1,3\n", NULL, 1, "bntutor: --eps:", "divide by zero" },
    { "", "1e308,1\n-1e308,2\n", NULL, 1, "bntutor: <stdin>:", "too large" },
    { "--norm=weight", batch_4x2, NULL, 2, "bntutor: --norm: unknown method 'weight'", "batch, layer" },
    { "--norm=group", batch_4x2, NULL, 2, "bntutor: --norm: group norm needs", "--groups=G" },
    { "--groups=2", batch_4x2, NULL, 2, "bntutor: --groups: only group norm has groups", NULL },
    { "--norm=layer --groups=2", batch_4x2, NULL, 2, "bntutor: --groups: only group norm", NULL },
    { "--norm=group --groups=0", batch_4x2, NULL, 2, "bntutor: --groups: '0' is not a whole number", NULL },
    { "--norm=group --groups=x", batch_4x2, NULL, 2, "bntutor: --groups: 'x'", NULL },
    { "--norm=group --groups=3 --shape=4,1,2", batch_3x8, NULL, 2, "bntutor: --groups: G=3 does not divide",
      "C=4" },
    { "--shape=2", batch_3x8, NULL, 2, "bntutor: --shape: expected C,H,W", "or T,C" },
    { "--norm=layer --shape=2,2", batch_3x8, NULL, 1, "bntutor: <stdin>:1: row has 8 values, --shape=2,2 needs T*C = 4",
      NULL },
    { "--norm=instance --shape=2,4", batch_3x8, NULL, 2, "bntutor: --shape: instance norm has no per-token form",
      "batch, layer, rms" },
    { "--norm=group --groups=2 --shape=2,4", batch_3x8, NULL, 2, "bntutor: --shape: group norm has no per-token form",
      NULL },
    { "--norm=layer --shape=2,4 --gamma=1,2,3,4,5,6,7,8", batch_3x8, NULL, 2,
      "bntutor: --gamma: expected 4 values (one per feature, C), got 8", NULL },
    { "--norm=rms --beta=0,0,0,0,0,0,0,0", batch_3x8, NULL, 2, "bntutor: --beta: rms norm has no shift", NULL },
    { "--norm=rms --running-var=1,1", batch_4x2, NULL, 2, "bntutor: --running-var: rms norm keeps no running", NULL },
    { "--norm=rms --eps=0", "0,0\n0,0\n", NULL, 1, "bntutor: --eps: set 0 (rms norm) is all zeros", NULL },
    { "--norm=rms --shape=2,1", "1,2\n3,4\n", NULL, 1, "bntutor: <stdin>: rms norm over tokens averages", NULL },
    { "--norm=rms", "1\n3\n", NULL, 1, "bntutor: <stdin>: rms norm normalizes sets of C*H*W values per sample, here 1",
      "only its sign" },
    { "--shape=2,2,2,1", batch_3x8, NULL, 2, "bntutor: --shape: expected C,H,W", NULL },
    { "--shape=2,0,4", batch_3x8, NULL, 2, "bntutor: --shape: expected C,H,W", NULL },
    { "--shape=2,,4", batch_3x8, NULL, 2, "bntutor: --shape: expected C,H,W", NULL },
    { "--shape=2,2,2,", batch_3x8, NULL, 2, "bntutor: --shape: expected C,H,W", NULL },
    { "--shape=a,b,c", batch_3x8, NULL, 2, "bntutor: --shape: expected C,H,W", NULL },
    { "--shape=-2,2,2", batch_3x8, NULL, 2, "bntutor: --shape: expected C,H,W", NULL },
    { "--shape=99999,99999,99999", batch_3x8, NULL, 2, "bntutor: --shape:", "too many" },
    { "--shape", batch_3x8, NULL, 2, "bntutor: --shape: needs a value", NULL },
    { "--norm=layer --momentum=0.2", batch_4x2, NULL, 2, "bntutor: --momentum: layer norm keeps no running", NULL },
    { "--norm=instance --shape=1,1,2 --running-mean=0", batch_4x2, NULL, 2, "bntutor: --running-mean: instance norm", NULL },
    { "--norm=group --groups=1 --running-var=1,1", batch_4x2, NULL, 2, "bntutor: --running-var: group norm", NULL },
    { "--norm=layer --convention=keras", batch_4x2, NULL, 2, "bntutor: --convention: layer norm", NULL },
    { "--norm=layer --convention=paper --batches-seen=2", batch_4x2, NULL, 2, "bntutor: --convention:", NULL },
    { "--norm=layer --shape=2,1,2 --gamma=1,2", "1,2,3,4\n4,4,0,0\n", NULL, 2, "bntutor: --gamma: expected 4 values",
      "one per element" },
    { "--norm=group --groups=2 --shape=4,1,2 --beta=1,2", batch_3x8, NULL, 2, "bntutor: --beta: expected 4 values",
      "one per channel" },
    { "--shape=3,1,2", "# c=3\n" "1,2,3,4,5,6,7,8\n1,2,3,4,5,6,7,8\n", NULL, 1,
      "bntutor: <stdin>:2: row has 8 values, --shape=3,1,2 needs C*H*W = 6", NULL },
    { "--norm=layer --shape=1,1,1", batch_4x2, NULL, 1, "bntutor: <stdin>:1: row has 2 values", NULL },
    { "--norm=group --groups=3", batch_4x2, NULL, 1, "bntutor: <stdin>:1: group norm needs G to divide",
      "G=3 does not divide the 2 columns" },
    { "--norm=instance", batch_4x2, NULL, 1, "bntutor: <stdin>: instance norm normalizes sets of H*W values",
      "here 1" },
    { "--norm=layer", "1\n2\n", NULL, 1, "bntutor: <stdin>: layer norm normalizes sets of C*H*W", NULL },
    { "--norm=group --groups=2", batch_4x2, NULL, 1, "bntutor: <stdin>: group norm normalizes sets", NULL },
    { "--norm=batch --shape=1,1,1", "1\n", NULL, 1, "bntutor: <stdin>: a batch of 1 sample", NULL },
    { "--shape=1,2,1", "1,2\n", "1,2\n3,4\n", 1, "bntutor: --dy:", "expected 1x2" },
    { "--norm=layer --eps=0", "2,2\n1,3\n", NULL, 1, "bntutor: --eps: set 0 (layer norm) is constant", NULL },
    { "--norm=instance --shape=1,1,2", "1e308,-1e308\n1,2\n", NULL, 1, "bntutor: <stdin>:", "too large" },
};

/* Replaces each "{dir}" in args with dir; caller frees. */
static char *expand_dir(const char *args, const char *dir)
{
    size_t size = strlen(args) * 2 + strlen(dir) * 4 + 64, len = 0;
    char *out = malloc(size);
    cr_assert_not_null(out);
    for (const char *p = args; *p;) {
        if (strncmp(p, "{dir}", 5) == 0) {
            len += (size_t)snprintf(out + len, size - len, "%s", dir);
            p += 5;
        } else {
            out[len++] = *p++;
        }
    }
    out[len] = '\0';
    return out;
}

Test(cmd_bn, every_kind_of_bad_input_gets_its_message_and_exit_status)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    for (size_t k = 0; k < sizeof bad_cases / sizeof bad_cases[0]; k++) {
        const BadCase *bc = &bad_cases[k];
        char *expanded = expand_dir(bc->args, dir);
        size_t size = strlen(expanded) + strlen(dir) + 64;
        char *args = malloc(size);
        cr_assert_not_null(args);
        if (bc->dy) {
            char dy_path[600];
            snprintf(dy_path, sizeof dy_path, "%s/dy.csv", dir);
            write_file(dy_path, bc->dy);
            snprintf(args, size, "%s --dy='%s'", expanded, dy_path);
        } else {
            snprintf(args, size, "%s", expanded);
        }
        Run r = run_bn(dir, NULL, args, bc->input);
        cr_assert_eq(r.status, bc->status, "'bn %s': exit %d, expected %d; stderr: %s", args, r.status,
                     bc->status, r.err);
        cr_assert_eq(strncmp(r.err, "bntutor: ", 9), 0, "'bn %s': stderr starts with 'bntutor: ': %s", args, r.err);
        cr_assert_not_null(strstr(r.err, bc->fragment1), "'bn %s': '%s' not in: %s", args, bc->fragment1, r.err);
        if (bc->fragment2)
            cr_assert_not_null(strstr(r.err, bc->fragment2), "'bn %s': '%s' not in: %s", args, bc->fragment2,
                               r.err);
        cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "'bn %s': one line of message: %s", args,
                     r.err);
        cr_assert_str_eq(r.out, "", "'bn %s': nothing on stdout after an error", args);
        run_free(&r);
        free(args);
        free(expanded);
    }
    scratch_remove(dir);
}

Test(cmd_bn, the_paper_convention_is_described_as_algorithm_2_after_training_not_an_average_since_the_start)
{
    /* Ioffe & Szegedy compute the population statistics after training, over batches of the frozen
     * network; an average of every batch since training began would be PyTorch's momentum=None. */
    char dir[64];
    scratch_make(dir, sizeof dir);
    Run r = run_bn(dir, "LC_ALL=C.UTF-8", "--help", "");
    cr_assert_eq(r.status, 0);
    cr_assert_not_null(strstr(r.out, "after training"), "--help does not say when the paper averages:\n%s", r.out);
    cr_assert_not_null(strstr(r.out, "frozen network"), "--help does not say the network is frozen:\n%s", r.out);
    cr_assert_null(strstr(r.out, "every batch"), "--help still says the paper averages every batch:\n%s", r.out);
    run_free(&r);
    r = run_bn(dir, "LC_ALL=C.UTF-8", "--convention=paper", "1,2\n3,5\n4,4\n");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_not_null(strstr(r.out, "5. Population statistics (paper convention, Algorithm 2: after training"),
                       "stage 5 does not name Algorithm 2:\n%s", r.out);
    cr_assert_not_null(strstr(r.out, "With k = 1 the estimate is this one batch"),
                       "one batch alone is not explained:\n%s", r.out);
    run_free(&r);
    r = run_bn(dir, "LC_ALL=C.UTF-8", "--convention=paper --batches-seen=4", "1,2\n3,5\n4,4\n");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_not_null(strstr(r.out, "k = 5 batches run through the frozen network"), "%s", r.out);
    cr_assert_null(strstr(r.out, "With k = 1"), "the one-batch note shows for five batches:\n%s", r.out);
    run_free(&r);
    scratch_remove(dir);
}

Test(cmd_bn, help_describes_every_option_and_exits_zero)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    Run r = run_bn(dir, NULL, "--help", "");
    cr_assert_eq(r.status, 0);
    const char *options[] = { "--gamma", "--beta", "--eps", "--momentum", "--convention", "--running-mean",
                              "--running-var", "--batches-seen", "--dy", "--json", "--norm", "--groups",
                              "--shape" };
    for (size_t k = 0; k < sizeof options / sizeof options[0]; k++)
        cr_assert_not_null(strstr(r.out, options[k]), "--help does not mention %s", options[k]);
    cr_assert_str_eq(r.err, "");
    run_free(&r);
    scratch_remove(dir);
}

Test(cmd_bn, one_row_suggests_only_options_the_calculator_has)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    Run r = run_bn(dir, NULL, "", "1,2\n");
    cr_assert_eq(r.status, 1);
    cr_assert_null(strstr(r.err, "use eval mode"), "there is no eval option to use: %s", r.err);
    cr_assert(strstr(r.err, "--norm=layer"), "%s", r.err);
    run_free(&r);
}

Test(cmd_bn, samples_channels_groups_and_positions_are_numbered_from_1_like_every_scene)
{
    char dir[64];
    scratch_make(dir, sizeof dir);
    static const char *const args[] = { "", "--norm=batch --shape=2,2,2", "--norm=layer --shape=4,1,2",
                                        "--norm=instance --shape=4,1,2", "--norm=group --groups=2 --shape=4,1,2",
                                        "--norm=group --groups=4 --shape=4,1,2", "--norm=layer --shape=2,4",
                                        "--norm=batch --shape=2,4", "--norm=rms --shape=2,4" };
    for (size_t k = 0; k < sizeof args / sizeof args[0]; k++) {
        Run r = run_bn(dir, "LC_ALL=C.UTF-8", args[k], batch_3x8);
        cr_assert_eq(r.status, 0, "'bn %s': %s", args[k], r.err);
        const char *zero = numbering_find_zero(r.out);
        cr_assert_null(zero, "'bn %s' numbers something from 0 (\"%.20s\"):\n%s", args[k], zero ? zero : "", r.out);
        cr_assert(strstr(r.out, k == 0 ? "x1" : "c1"), "'bn %s' has no column 1:\n%s", args[k], r.out);
        run_free(&r);
    }
    scratch_remove(dir);
}
