/* `bntutor train --net=residual` run as the real binary: the gnorm columns and the warm-up against the
 * engine's own steps on the same batches, the placement reaching the stack, and every bad option. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/dataset.h"
#include "engine/optimizer.h"
#include "engine/resmlp.h"
#include "support/check.h"
#include "support/train_run.h"

TestSuite(cmd_train_residual, .init = train_run_scratch_make, .fini = train_run_scratch_remove);

/* Column col (from 0) of the CSV's row `row` (from 1, the header being row 0). */
static double cell(const char *csv, int row, int col)
{
    const char *line = csv;
    for (int r = 0; r < row; r++) {
        line = strchr(line, '\n');
        cr_assert_not_null(line, "no row %d in:\n%s", row, csv);
        line++;
    }
    for (int c = 0; c < col; c++) {
        line = strchr(line, ',');
        cr_assert(line && line < strchr(line, '\n') + 1, "no column %d in row %d", col, row);
        line++;
    }
    return strtod(line, NULL);
}

enum { BLOCKS = 3, WIDTH = 8, BATCH = 16, STEPS = 3, GNORM_COL = 8, LOSS_COL = 1 };

/* The steps the command takes, done here with the engine: moons of seed 5, the sampler of the seed,
 * rates lr·t/warmup during the warm-up. losses (STEPS), norms (STEPS, BLOCKS). */
static void engine_steps(NormPlace place, bool zero_init, double lr, int warmup, double *losses, double *norms)
{
    Dataset *train, *test;
    BnError err = { 0 };
    cr_assert(dataset_load("moons", 5, 0, 0, &train, &test, &err), "%s", err.message);
    ResMlpConfig c;
    resmlp_config_init(&c, train->dim, train->classes);
    c.blocks = BLOCKS;
    c.width = WIDTH;
    c.place = place;
    c.zero_init_last = zero_init;
    c.seed = 5;
    ResMlp *net = resmlp_create(&c, &err);
    cr_assert_not_null(net);
    Sgd *sgd = sgd_create(net->num_params, lr, 0.0);
    BatchSampler sampler;
    sampler_init(&sampler, train->n, 5);
    int idx[BATCH];
    double x[BATCH * 2], y[BATCH];
    for (int t = 1; t <= STEPS; t++) {
        sampler_next(&sampler, idx, BATCH);
        dataset_gather(train, idx, BATCH, x, y);
        sgd->lr = t <= warmup ? lr * t / warmup : lr;
        cr_assert(resmlp_train_step(net, sgd, x, y, BATCH, &losses[t - 1]));
        for (int l = 0; l < BLOCKS; l++)
            norms[(t - 1) * BLOCKS + l] = resmlp_block_grad_norm(net, l);
    }
    sampler_free(&sampler);
    sgd_destroy(sgd);
    resmlp_destroy(net);
    dataset_destroy(train);
    dataset_destroy(test);
}

static void check_against_engine(const char *place_opt, NormPlace place, bool zero_init, int warmup)
{
    char args[256];
    snprintf(args, sizeof args, "--net=residual --dataset=moons --seed=5 --blocks=%d --width=%d --batch=%d "
             "--steps=%d --every=1 --lr=0.4 --warmup=%d %s%s", BLOCKS, WIDTH, BATCH, STEPS, warmup, place_opt,
             zero_init ? " --zero-init-last" : "");
    CommandRun run = train_run(args);
    cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
    cr_assert(strstr(run.out, ",test_loss,gnorm1,gnorm2,gnorm3\n") != NULL, "header: %.120s", run.out);
    double losses[STEPS], norms[STEPS * BLOCKS];
    engine_steps(place, zero_init, 0.4, warmup, losses, norms);
    for (int t = 1; t <= STEPS; t++) {
        check_close(cell(run.out, t, LOSS_COL), losses[t - 1], 1e-5, 1e-12, "%s: loss of step %d", args, t);
        for (int l = 0; l < BLOCKS; l++)
            check_close(cell(run.out, t, GNORM_COL + l), norms[(t - 1) * BLOCKS + l], 1e-5, 1e-12,
                        "%s: gnorm%d of step %d", args, l + 1, t);
    }
    command_run_free(&run);
}

Test(cmd_train_residual, gnorm_columns_are_the_engines_block_gradient_norms)
{
    check_against_engine("--norm-place=pre", NORM_PLACE_PRE, false, 0);
    check_against_engine("--norm-place=post", NORM_PLACE_POST, false, 0);
    check_against_engine("", NORM_PLACE_PRE, true, 0);
}

Test(cmd_train_residual, the_warm_up_scales_the_first_rates)
{
    check_against_engine("--norm-place=post", NORM_PLACE_POST, false, 3);
    /* The check can tell: without the warm-up the second step's loss is another. */
    double a[STEPS], b[STEPS], na[STEPS * BLOCKS], nb[STEPS * BLOCKS];
    engine_steps(NORM_PLACE_POST, false, 0.4, 3, a, na);
    engine_steps(NORM_PLACE_POST, false, 0.4, 0, b, nb);
    cr_assert_gt(fabs(a[1] - b[1]), 1e-3 * fabs(b[1]), "the warm-up changed nothing at step 2");
}

Test(cmd_train_residual, precision_double_is_what_it_does_anyway)
{
    CommandRun a = train_run("--net=residual --blocks=2 --steps=5 --every=5");
    CommandRun b = train_run("--net=residual --blocks=2 --steps=5 --every=5 --precision=double");
    cr_assert_eq(b.status, 0, "%s", b.err);
    cr_assert_str_eq(a.out, b.out, "--precision=double changed the residual net's run");
    command_run_free(&a);
    command_run_free(&b);
}

Test(cmd_train_residual, the_placements_train_different_stacks)
{
    CommandRun pre = train_run("--net=residual --norm-place=pre --steps=20 --every=20");
    CommandRun post = train_run("--net=residual --norm-place=post --steps=20 --every=20");
    cr_assert_eq(pre.status, 0, "%s", pre.err);
    cr_assert_eq(post.status, 0, "%s", post.err);
    cr_assert(strstr(pre.out, ",gnorm12\n") != NULL, "twelve blocks by default: %.200s", pre.out);
    cr_assert_str_neq(pre.out, post.out);
    command_run_free(&pre);
    command_run_free(&post);
}

static void expect_failure(const char *args, const char *needle)
{
    CommandRun run = train_run(args);
    cr_assert_eq(run.status, 2, "%s: exit %d, stderr: %s", args, run.status, run.err);
    cr_assert(strncmp(run.err, "bntutor: ", 9) == 0 && strstr(run.err, needle), "%s: stderr: %s", args, run.err);
    cr_assert_str_empty(run.out, "%s wrote: %s", args, run.out);
    command_run_free(&run);
}

Test(cmd_train_residual, bad_options_are_usage_errors_with_a_message)
{
    expect_failure("--net=residual --norm-place=middle", "--norm-place: 'middle' is not a place");
    expect_failure("--norm-place=post", "--norm-place: only the residual net");
    expect_failure("--blocks=4", "--blocks: only the residual net");
    expect_failure("--zero-init-last", "--zero-init-last: only the residual net");
    expect_failure("--net=residual --zero-init-last=yes", "--zero-init-last: takes no value");
    expect_failure("--net=residual --blocks=0", "--blocks:");
    expect_failure("--net=residual --blocks=65", "--blocks:");
    expect_failure("--net=residual --width=1", "--width:");
    expect_failure("--net=residual --hidden=8", "--hidden: the residual net");
    expect_failure("--net=residual --bn=before", "--bn: the residual net");
    expect_failure("--net=residual --precision=float", "--precision: the residual net");
    expect_failure("--net=residual --dataset=scaled2d", "--dataset: the residual network classifies");
    expect_failure("--net=residual --width=4 --unit=4", "--unit: 4 is not a unit");
    expect_failure("--warmup=x", "--warmup: 'x' is not");
    expect_failure("--net=transformer", "residual");
}
