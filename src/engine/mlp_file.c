/* Saving a trained Mlp to a versioned text file and reading it back bitwise (engine layer). */
#include "engine/mlp_file.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/batchnorm.h"

#define MLP_FILE_MAGIC "bntutor-weights"

bool mlp_file_write(const Mlp *mlp, FILE *out, const char *path, BnError *err)
{
    const MlpConfig *c = &mlp->config;
    fprintf(out, MLP_FILE_MAGIC " %d\nsizes ", MLP_FILE_VERSION);
    for (int i = 0; i < c->num_sizes; i++)
        fprintf(out, "%s%d", i ? "," : "", c->sizes[i]);
    fprintf(out, "\nact %s\nbn %s\ntask %s\nconvention %s %.17g %.17g\nparams %zu\n", activation_name(c->act),
            mlp_placement_name(c->bn), c->task == MLP_TASK_REGRESS ? "regress" : "classify",
            batchnorm_convention_name(mlp->convention), mlp->bn_momentum, mlp->eps, mlp->num_params);
    for (size_t i = 0; i < mlp->num_params; i++)
        fprintf(out, "%.17g\n", mlp->params[i]);
    for (int l = 0; l < mlp->num_hidden; l++) {
        const MlpLayer *L = &mlp->hidden[l];
        if (!L->running_mean)
            continue;
        fprintf(out, "running %d %ld\n", L->out, L->batches_seen);
        for (int j = 0; j < L->out; j++)
            fprintf(out, "%.17g\n", L->running_mean[j]);
        for (int j = 0; j < L->out; j++)
            fprintf(out, "%.17g\n", L->running_var[j]);
    }
    fputs("end\n", out);
    if (fflush(out) != 0 || ferror(out)) {
        error_set(err, path, "could not write the network: %s", strerror(errno));
        return false;
    }
    return true;
}

/* The reader's place in the file. */
typedef struct Reader {
    FILE *in;
    const char *path;
    int line;
    char text[256];
    BnError *err;
} Reader;

/* The next line that is not blank or a comment, without its newline; false (err set) at the end of the
 * file or on a line too long to be ours. */
static bool next_line(Reader *r, const char *expecting)
{
    for (;;) {
        if (!fgets(r->text, sizeof r->text, r->in)) {
            error_set_at(r->err, r->path, r->line, "the file ends early: expected %s (truncated?)", expecting);
            return false;
        }
        r->line++;
        size_t len = strlen(r->text);
        if (len == sizeof r->text - 1 && r->text[len - 1] != '\n') {
            error_set_at(r->err, r->path, r->line, "line too long: this is not a bntutor weight file");
            return false;
        }
        while (len > 0 && (r->text[len - 1] == '\n' || r->text[len - 1] == '\r'))
            r->text[--len] = '\0';
        if (len > 0 && r->text[0] != '#')
            return true;
    }
}

/* The line "KEY rest": rest into *rest; false (err set) when the line has another key. */
static bool keyed_line(Reader *r, const char *key, const char **rest)
{
    if (!next_line(r, key))
        return false;
    size_t k = strlen(key);
    if (strncmp(r->text, key, k) != 0 || r->text[k] != ' ') {
        error_set_at(r->err, r->path, r->line, "expected '%s ...', found '%.40s'", key, r->text);
        return false;
    }
    *rest = r->text + k + 1;
    return true;
}

/* One finite number alone on its line into *v. */
static bool number_line(Reader *r, const char *what, double *v)
{
    if (!next_line(r, what))
        return false;
    char *end;
    errno = 0;
    *v = strtod(r->text, &end);
    if (end == r->text || *end != '\0' || errno == ERANGE || !isfinite(*v)) {
        error_set_at(r->err, r->path, r->line, "'%.40s' is not a finite number (%s)", r->text, what);
        return false;
    }
    return true;
}

/* The header lines up to "params": the configuration and BN settings. */
static bool read_header(Reader *r, MlpConfig *c, size_t *params)
{
    const char *rest;
    int version;
    char extra;
    if (!next_line(r, "the first line") || strncmp(r->text, MLP_FILE_MAGIC " ", strlen(MLP_FILE_MAGIC) + 1) != 0) {
        error_set_at(r->err, r->path, r->line, "not a bntutor weight file (it does not start with '" MLP_FILE_MAGIC "')");
        return false;
    }
    if (sscanf(r->text + strlen(MLP_FILE_MAGIC), "%d %c", &version, &extra) != 1 || version != MLP_FILE_VERSION) {
        error_set_at(r->err, r->path, r->line, "format version '%.20s' is not %d, the one this bntutor reads",
                     r->text + strlen(MLP_FILE_MAGIC) + 1, MLP_FILE_VERSION);
        return false;
    }
    if (!keyed_line(r, "sizes", &rest))
        return false;
    int sizes[MLP_MAX_SIZES], num = 0;
    for (const char *p = rest;;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 1 << 20 || num >= MLP_MAX_SIZES || (*end != ',' && *end != '\0')) {
            error_set_at(r->err, r->path, r->line, "'%.40s' is not a list of 2 to %d layer sizes", rest, MLP_MAX_SIZES);
            return false;
        }
        sizes[num++] = (int)v;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    mlp_config_init(c, sizes, num);
    if (!keyed_line(r, "act", &rest) || !activation_parse(rest, &c->act)) {
        error_set_at(r->err, r->path, r->line, "expected 'act sigmoid|tanh|relu'");
        return false;
    }
    if (!keyed_line(r, "bn", &rest) || !mlp_placement_parse(rest, &c->bn)) {
        error_set_at(r->err, r->path, r->line, "expected 'bn none|before|after'");
        return false;
    }
    if (!keyed_line(r, "task", &rest) || (strcmp(rest, "classify") != 0 && strcmp(rest, "regress") != 0)) {
        error_set_at(r->err, r->path, r->line, "expected 'task classify|regress'");
        return false;
    }
    c->task = strcmp(rest, "regress") == 0 ? MLP_TASK_REGRESS : MLP_TASK_CLASSIFY;
    char name[16];
    if (!keyed_line(r, "convention", &rest) || sscanf(rest, "%15s %lf %lf %c", name, &c->bn_momentum, &c->eps, &extra) != 3 ||
        !batchnorm_convention_parse(name, &c->convention)) {
        error_set_at(r->err, r->path, r->line, "expected 'convention pytorch|keras|paper MOMENTUM EPS'");
        return false;
    }
    unsigned long count;
    if (!keyed_line(r, "params", &rest) || sscanf(rest, "%lu %c", &count, &extra) != 1) {
        error_set_at(r->err, r->path, r->line, "expected 'params COUNT'");
        return false;
    }
    *params = count;
    return true;
}

/* The "running" block of hidden layer L. */
static bool read_running(Reader *r, MlpLayer *L)
{
    const char *rest;
    int width;
    long seen;
    char extra;
    if (!keyed_line(r, "running", &rest) || sscanf(rest, "%d %ld %c", &width, &seen, &extra) != 2 ||
        width != L->out || seen < 0) {
        error_set_at(r->err, r->path, r->line, "expected 'running %d BATCHES' for a layer of %d units", L->out, L->out);
        return false;
    }
    L->batches_seen = seen;
    for (int j = 0; j < L->out; j++)
        if (!number_line(r, "a running mean", &L->running_mean[j]))
            return false;
    for (int j = 0; j < L->out; j++) {
        if (!number_line(r, "a running variance", &L->running_var[j]))
            return false;
        if (!(L->running_var[j] >= 0.0)) {
            error_set_at(r->err, r->path, r->line, "a running variance cannot be negative");
            return false;
        }
    }
    return true;
}

Mlp *mlp_file_read(FILE *in, const char *path, BnError *err)
{
    Reader r = { .in = in, .path = path, .err = err };
    MlpConfig config;
    size_t params;
    if (!read_header(&r, &config, &params))
        return NULL;
    BnError made = { 0 };
    Mlp *mlp = mlp_create(&config, &made);
    if (!mlp) {
        error_set_at(err, path, r.line, "%s", made.message);
        return NULL;
    }
    if (params != mlp->num_params) {
        error_set_at(err, path, r.line, "%zu parameters do not fit the network the file describes (%zu)", params,
                     mlp->num_params);
        mlp_destroy(mlp);
        return NULL;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < params; i++)
        ok = number_line(&r, "a parameter", &mlp->params[i]);
    for (int l = 0; ok && l < mlp->num_hidden; l++)
        if (mlp->hidden[l].running_mean)
            ok = read_running(&r, &mlp->hidden[l]);
    if (ok && (!next_line(&r, "'end'") || strcmp(r.text, "end") != 0)) {
        error_set_at(err, path, r.line, "expected 'end' after the last running statistics");
        ok = false;
    }
    if (!ok) {
        mlp_destroy(mlp);
        return NULL;
    }
    return mlp;
}
