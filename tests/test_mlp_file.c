/* Weight files: a saved and reloaded network computes bitwise the same outputs; damaged files are refused
 * with file:line messages. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mlp.h"
#include "engine/mlp_file.h"
#include "util/pcg32.h"

/* A 3-5-4-3 BN network trained a few steps, so every parameter and running statistic is its own. */
static Mlp *trained(BnPlacement bn)
{
    int sizes[4] = { 3, 5, 4, 3 };
    MlpConfig config;
    mlp_config_init(&config, sizes, 4);
    config.act = ACTIVATION_RELU;
    config.bn = bn;
    config.seed = 4;
    BnError err = { 0 };
    Mlp *mlp = mlp_create(&config, &err);
    cr_assert_not_null(mlp, "%s", err.message);
    Sgd *sgd = sgd_create(mlp->num_params, 0.1, 0.5);
    Pcg32 rng;
    pcg32_seed(&rng, 5, 1);
    double x[8 * 3], t[8], loss;
    for (int s = 0; s < 20; s++) {
        for (int i = 0; i < 8 * 3; i++)
            x[i] = pcg32_normal(&rng);
        for (int r = 0; r < 8; r++)
            t[r] = r % 3;
        cr_assert(mlp_train_step(mlp, sgd, x, t, 8, &loss, &err), "%s", err.message);
    }
    sgd_destroy(sgd);
    return mlp;
}

/* The file text of mlp, in a malloc'd string. */
static char *saved_text(const Mlp *mlp)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    BnError err = { 0 };
    cr_assert(mlp_file_write(mlp, f, "mem", &err), "%s", err.message);
    fclose(f);
    return text;
}

static Mlp *read_text(const char *text, BnError *err)
{
    char *copy = strdup(text);
    FILE *f = fmemopen(copy, strlen(copy), "r");
    cr_assert_not_null(f);
    Mlp *mlp = mlp_file_read(f, "net.w", err);
    fclose(f);
    free(copy);
    return mlp;
}

Test(mlp_file, a_saved_network_reads_back_with_bitwise_the_same_outputs)
{
    BnPlacement placements[3] = { BN_PLACEMENT_NONE, BN_PLACEMENT_BEFORE, BN_PLACEMENT_AFTER };
    for (int p = 0; p < 3; p++) {
        Mlp *a = trained(placements[p]);
        char *text = saved_text(a);
        cr_assert(strncmp(text, "bntutor-weights 1\n", 18) == 0, "magic line: %.30s", text);
        BnError err = { 0 };
        Mlp *b = read_text(text, &err);
        cr_assert_not_null(b, "placement %s: %s", mlp_placement_name(placements[p]), err.message);
        cr_assert_eq(b->num_params, a->num_params);
        cr_assert(memcmp(a->params, b->params, sizeof(double) * a->num_params) == 0, "parameters differ");
        cr_assert_eq(b->config.bn, a->config.bn);
        cr_assert_eq(b->config.act, a->config.act);
        double x[5 * 3];
        for (int i = 0; i < 5 * 3; i++)
            x[i] = sin(0.7 * i + p);
        cr_assert(mlp_forward(a, x, 5, MLP_MODE_EVAL, &err) && mlp_forward(b, x, 5, MLP_MODE_EVAL, &err), "%s",
                  err.message);
        cr_assert(memcmp(a->logits, b->logits, sizeof(double) * 5 * 3) == 0,
                  "placement %s: eval outputs differ after the round trip", mlp_placement_name(placements[p]));
        if (placements[p] != BN_PLACEMENT_NONE) {
            cr_assert_neq(a->hidden[1].running_var[0], 1.0, "the running statistics were trained");
            cr_assert_eq(b->hidden[1].batches_seen, a->hidden[1].batches_seen);
        }
        free(text);
        mlp_destroy(a);
        mlp_destroy(b);
    }
}

/* Reading `text` fails with a message whose place is `where` (exactly, or for a `where` ending in ':' any
 * line of it) and whose text contains `what`. */
static void check_refused(const char *text, const char *where, const char *what)
{
    BnError err = { 0 };
    Mlp *mlp = read_text(text, &err);
    cr_assert_null(mlp, "should be refused: %.60s", text);
    cr_assert(err.set, "no message");
    size_t len = strlen(where);
    bool any_line = where[len - 1] == ':';
    cr_assert(any_line ? strncmp(err.where, where, len) == 0 : strcmp(err.where, where) == 0,
              "where: %s, expected %s (message: %s)", err.where, where, err.message);
    cr_assert_not_null(strstr(err.message, what), "message '%s' should say '%s'", err.message, what);
}

Test(mlp_file, damaged_files_are_refused_with_file_and_line)
{
    Mlp *a = trained(BN_PLACEMENT_BEFORE);
    char *text = saved_text(a);
    check_refused("", "net.w", "ends early");
    check_refused("PK\x03\x04 zip\n", "net.w:1", "not a bntutor weight file");
    check_refused("bntutor-weights 2\n", "net.w:1", "version");
    /* Cut in the middle of the parameters, and just before "end". */
    char *cut = strdup(text);
    char *p = cut;
    for (int line = 0; line < 40; line++)
        p = strchr(p, '\n') + 1;
    *p = '\0';
    check_refused(cut, "net.w:40", "ends early");
    strcpy(cut, text);
    *strstr(cut, "end\n") = '\0';
    check_refused(cut, "net.w:", "ends early");
    /* A number that is not one. */
    strcpy(cut, text);
    char *first = strstr(cut, "\nparams ");
    first = strchr(first + 1, '\n') + 1;
    memcpy(first, "nan", 3);
    check_refused(cut, "net.w:8", "not a finite number");
    free(cut);
    /* Sizes whose parameter count does not match. */
    check_refused("bntutor-weights 1\nsizes 3,5,3\nact relu\nbn none\ntask classify\nconvention pytorch 0.1 1e-5\n"
                  "params 7\n", "net.w:7", "parameters do not fit");
    check_refused("bntutor-weights 1\nsizes 3,x\n", "net.w:2", "layer sizes");
    check_refused("bntutor-weights 1\nsizes 3,5,3\nact swish\n", "net.w:3", "act");
    free(text);
    mlp_destroy(a);
}
