/* `bntutor train` run as the real binary: header, rows, determinism, the CSV file, and error cases. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/check.h"
#include "support/train_run.h"

TestSuite(cmd_train, .init = train_run_scratch_make, .fini = train_run_scratch_remove);

static int count_lines(const char *text)
{
    int lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    return lines;
}

static const char header[] = "step,loss,test_acc,p15,p50,p85";

Test(cmd_train, writes_the_header_and_one_row_every_k_steps_plus_the_last)
{
    CommandRun run = train_run("--dataset=blobs --hidden=8 --steps=130 --every=50 --batch=20");
    cr_assert_eq(run.status, 0, "exit %d, stderr: %s", run.status, run.err);
    cr_assert(strncmp(run.out, header, strlen(header)) == 0, "header: %.80s", run.out);
    cr_assert_eq(count_lines(run.out), 1 + 3, "rows at 50, 100 and 130 expected:\n%s", run.out);
    cr_assert_not_null(strstr(run.out, "\n50,"), "%s", run.out);
    cr_assert_not_null(strstr(run.out, "\n130,"), "%s", run.out);
    cr_assert_str_empty(run.err, "stderr: %s", run.err);
    command_run_free(&run);
}

Test(cmd_train, rows_hold_numbers_and_accuracy_rises_on_moons)
{
    CommandRun run = train_run("--dataset=moons --hidden=16,16 --act=tanh --bn=before --steps=400 --every=400 "
                               "--lr=0.1 --momentum=0.9 --batch=32");
    cr_assert_eq(run.status, 0, "exit %d, stderr: %s", run.status, run.err);
    const char *row = strchr(run.out, '\n') + 1;
    long step;
    double loss, acc, p15, p50, p85;
    cr_assert_eq(sscanf(row, "%ld,%lf,%lf,%lf,%lf,%lf", &step, &loss, &acc, &p15, &p50, &p85), 6,
                 "row: %s", row);
    cr_assert_eq(step, 400);
    cr_assert_gt(acc, 0.85, "test accuracy %g after 400 steps (chance 0.5)", acc);
    cr_assert(p15 <= p50 && p50 <= p85, "percentiles out of order: %g %g %g", p15, p50, p85);
    cr_assert(loss > 0.0 && loss < 0.69, "loss %g should have fallen below log 2", loss);
    command_run_free(&run);
}

Test(cmd_train, the_same_seed_gives_the_same_csv_and_another_seed_does_not)
{
    const char *base = "--dataset=spirals --hidden=12,12 --act=relu --bn=after --steps=60 --every=20 --batch=16";
    char args[512];
    snprintf(args, sizeof args, "%s --seed=7", base);
    CommandRun a = train_run(args);
    CommandRun b = train_run(args);
    snprintf(args, sizeof args, "%s --seed=8", base);
    CommandRun c = train_run(args);
    cr_assert_eq(a.status, 0, "stderr: %s", a.err);
    cr_assert_str_eq(a.out, b.out, "two runs with seed 7 differ");
    cr_assert_str_neq(a.out, c.out, "seeds 7 and 8 gave the same history");
    command_run_free(&a);
    command_run_free(&b);
    command_run_free(&c);
}

Test(cmd_train, float_and_double_steps_write_the_same_history_to_a_few_digits)
{
    /* The paper network, 300 steps with momentum: the float twin's rows against the double Mlp's. */
    const char *base = "--net=paper --dataset=synth784 --bn=before --steps=300 --every=100 --lr=0.2 --momentum=0.5";
    char args[512];
    snprintf(args, sizeof args, "%s --precision=float", base);
    CommandRun f = train_run(args);
    snprintf(args, sizeof args, "%s --precision=double", base);
    CommandRun d = train_run(args);
    cr_assert_eq(f.status, 0, "float run: stderr: %s", f.err);
    cr_assert_eq(d.status, 0, "double run: stderr: %s", d.err);
    cr_assert_eq(count_lines(f.out), 4, "float run: %s", f.out);
    cr_assert_eq(count_lines(d.out), 4, "double run: %s", d.out);
    const char *rf = f.out, *rd = d.out;
    for (int row = 1; row <= 3; row++) {
        rf = strchr(rf, '\n') + 1;
        rd = strchr(rd, '\n') + 1;
        double vf[7], vd[7];
        long sf, sd;
        cr_assert_eq(sscanf(rf, "%ld,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &sf, &vf[0], &vf[1], &vf[2], &vf[3], &vf[4],
                            &vf[5], &vf[6]), 8, "float row: %s", rf);
        cr_assert_eq(sscanf(rd, "%ld,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &sd, &vd[0], &vd[1], &vd[2], &vd[3], &vd[4],
                            &vd[5], &vd[6]), 8, "double row: %s", rd);
        cr_assert_eq(sf, sd);
        static const char *const names[7] = { "loss", "test_acc", "p15", "p50", "p85", "train_acc", "test_loss" };
        for (int k = 0; k < 7; k++)
            check_close(vf[k], vd[k], 1e-3, 1e-2, "step %ld, %s", sf, names[k]);
    }
    command_run_free(&f);
    command_run_free(&d);
}

Test(cmd_train, the_conv_net_steps_in_float_by_default_and_in_double_on_request_with_close_rows, .timeout = 0)
{
    /* Early rows, before rounding differences have grown (test_convnet_float bounds the whole curve):
     * the float twin's history against the double network's, default precision against explicit. */
    const char *base = "--net=conv --steps=20 --every=10 --batch=16";
    char args[512];
    CommandRun byd = train_run(base);
    snprintf(args, sizeof args, "%s --precision=float", base);
    CommandRun f = train_run(args);
    snprintf(args, sizeof args, "%s --precision=double", base);
    CommandRun d = train_run(args);
    cr_assert_eq(f.status, 0, "float run: stderr: %s", f.err);
    cr_assert_eq(d.status, 0, "double run: stderr: %s", d.err);
    cr_assert_str_eq(byd.out, f.out, "the default is not the float path");
    cr_assert_eq(count_lines(f.out), 3, "float run: %s", f.out);
    cr_assert_eq(count_lines(d.out), 3, "double run: %s", d.out);
    const char *rf = f.out, *rd = d.out;
    for (int row = 1; row <= 2; row++) {
        rf = strchr(rf, '\n') + 1;
        rd = strchr(rd, '\n') + 1;
        double vf[7], vd[7];
        long sf, sd;
        cr_assert_eq(sscanf(rf, "%ld,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &sf, &vf[0], &vf[1], &vf[2], &vf[3], &vf[4],
                            &vf[5], &vf[6]), 8, "float row: %s", rf);
        cr_assert_eq(sscanf(rd, "%ld,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &sd, &vd[0], &vd[1], &vd[2], &vd[3], &vd[4],
                            &vd[5], &vd[6]), 8, "double row: %s", rd);
        cr_assert_eq(sf, sd);
        static const char *const names[7] = { "loss", "test_acc", "p15", "p50", "p85", "train_acc", "test_loss" };
        for (int k = 0; k < 7; k++)
            check_close(vf[k], vd[k], 1e-3, 1e-2, "step %ld, %s", sf, names[k]);
    }
    command_run_free(&byd);
    command_run_free(&f);
    command_run_free(&d);
}

Test(cmd_train, csv_option_writes_the_history_to_a_file)
{
    char args[256], path[128];
    snprintf(path, sizeof path, "%s/history.csv", train_run_scratch);
    snprintf(args, sizeof args, "--dataset=blobs --steps=40 --every=10 --batch=10 '--csv=%s'", path);
    CommandRun run = train_run(args);
    cr_assert_eq(run.status, 0, "stderr: %s", run.err);
    cr_assert_str_empty(run.out, "stdout should stay empty with --csv");
    char *file = check_read_file(path, NULL);
    cr_assert_not_null(file, "no %s", path);
    cr_assert(strncmp(file, header, strlen(header)) == 0);
    cr_assert_eq(count_lines(file), 1 + 4);
    free(file);
    command_run_free(&run);
}

Test(cmd_train, the_regression_set_reports_r_squared_and_no_train_accuracy)
{
    CommandRun run = train_run("--dataset=scaled2d --hidden=4 --steps=20 --every=20 --batch=10 --lr=0.001");
    cr_assert_eq(run.status, 0, "stderr: %s", run.err);
    const char *row = strchr(run.out, '\n') + 1;
    double loss, r2, p15, p50, p85, test_loss;
    long step;
    cr_assert_eq(sscanf(row, "%ld,%lf,%lf,%lf,%lf,%lf,,%lf", &step, &loss, &r2, &p15, &p50, &p85,
                        &test_loss), 7, "row (train_acc should be empty): %s", row);
    cr_assert_leq(r2, 1.0, "R² %g above 1", r2);
    command_run_free(&run);
}

Test(cmd_train, help_goes_to_stdout_with_exit_zero)
{
    CommandRun run = train_run("--help");
    cr_assert_eq(run.status, 0);
    cr_assert_not_null(strstr(run.out, "--dataset=NAME"), "%s", run.out);
    cr_assert_not_null(strstr(run.out, "test_acc"), "columns should be documented");
    command_run_free(&run);
}

/* Runs args, expects `status` and a message starting "bntutor: " containing `needle`. */
static void expect_failure(const char *args, int status, const char *needle)
{
    CommandRun run = train_run(args);
    cr_assert_eq(run.status, status, "'%s' exited %d (expected %d), stderr: %s", args, run.status,
                 status, run.err);
    cr_assert(strncmp(run.err, "bntutor: ", 9) == 0, "'%s' message: %s", args, run.err);
    cr_assert_not_null(strstr(run.err, needle), "'%s' message lacks '%s': %s", args, needle, run.err);
    command_run_free(&run);
}

Test(cmd_train, usage_errors_exit_two_with_a_message)
{
    expect_failure("--bogus", 2, "--bogus");
    expect_failure("--lr=abc", 2, "--lr");
    expect_failure("--steps=-3", 2, "--steps");
    expect_failure("--hidden=16,x", 2, "--hidden");
    expect_failure("--act=gelu", 2, "--act");
    expect_failure("--bn=middle", 2, "--bn");
    expect_failure("--dataset=moons --batch=5000", 2, "larger than the training set");
    expect_failure("--dataset=moons --net=paper", 2, "784");
    expect_failure("--bn=before --batch=1", 2, "--batch");
    expect_failure("--precision=half", 2, "--precision");
    expect_failure("--test-shift=bright", 2, "--test-shift: 'bright' is not ADD or ADD,MUL");
    expect_failure("--test-shift=0.1,2,3", 2, "--test-shift");
    expect_failure("--test-shift=", 2, "--test-shift: needs a value");
    expect_failure("--bn=before --freeze-bn=x", 2, "--freeze-bn: 'x' is not a whole number");
    expect_failure("--freeze-bn=10", 2, "--freeze-bn: there is no batch norm to freeze");
    expect_failure("--net=conv --freeze-bn=10", 2, "--freeze-bn: only the MLP");
    expect_failure("--bn=before --freeze-bn=10 --precision=float", 2, "--precision=float");
    expect_failure("--bn=before --steps=50 --freeze-bn=50", 2, "--freeze-bn: 50 steps before freezing");
}

/* Rows 1..K of a --freeze-bn=K run are the unfrozen run's (the same double steps); after K they part. */
Test(cmd_train, freezing_bn_after_k_steps_keeps_the_first_rows_and_changes_the_rest)
{
    const char *base = "--dataset=synth784 --hidden=32 --act=relu --bn=before --steps=400 --every=100 --batch=4";
    char args[256];
    snprintf(args, sizeof args, "%s --precision=double", base);
    CommandRun plain = train_run(args);
    snprintf(args, sizeof args, "%s --freeze-bn=200", base);
    CommandRun frozen = train_run(args);
    cr_assert(plain.status == 0 && frozen.status == 0, "%s%s", plain.err, frozen.err);
    /* Header and the rows of steps 100 and 200: the first three lines. */
    const char *p = plain.out, *f = frozen.out;
    for (int line = 0; line < 3; line++) {
        p = strchr(p, '\n') + 1;
        f = strchr(f, '\n') + 1;
    }
    cr_assert_eq(p - plain.out, f - frozen.out, "the first rows have the same length");
    cr_assert_eq(strncmp(plain.out, frozen.out, (size_t)(p - plain.out)), 0, "rows up to step 200 agree:\n%s\n%s",
                 plain.out, frozen.out);
    cr_assert_str_neq(p, f, "after step 200 the frozen run differs");
    cr_assert_eq(count_lines(frozen.out), 5, "%s", frozen.out);
    command_run_free(&plain);
    command_run_free(&frozen);
}

/* The value of column `col` (from 0) of the last row. */
static double last_row_value(const char *csv, int col)
{
    const char *line = csv, *p = csv;
    for (; *p; p++)
        if (*p == '\n' && p[1])
            line = p + 1;
    for (int c = 0; c < col; c++) {
        line = strchr(line, ',');
        cr_assert_not_null(line, "row has no column %d: %s", col, csv);
        line++;
    }
    return strtod(line, NULL);
}

/* The shift touches only what the test batch reads: training columns stay, test columns move, and the
 * identity shift changes nothing at all. */
Test(cmd_train, a_test_shift_moves_only_the_test_columns_and_brighter_images_cost_accuracy)
{
    const char *base = "--dataset=synth784 --hidden=32 --act=relu --bn=before --steps=300 --every=300";
    char args[256];
    CommandRun plain = train_run(base);
    snprintf(args, sizeof args, "%s --test-shift=0,1", base);
    CommandRun same = train_run(args);
    snprintf(args, sizeof args, "%s --test-shift=0.3", base);
    CommandRun bright = train_run(args);
    cr_assert(plain.status == 0 && same.status == 0 && bright.status == 0, "%s%s%s", plain.err, same.err, bright.err);
    cr_assert_str_eq(same.out, plain.out, "an identity shift changes nothing");
    cr_assert_eq(last_row_value(bright.out, 1), last_row_value(plain.out, 1), "training loss is untouched");
    cr_assert_eq(last_row_value(bright.out, 6), last_row_value(plain.out, 6), "train_acc is untouched");
    double acc = last_row_value(plain.out, 2), shifted_acc = last_row_value(bright.out, 2);
    cr_assert_gt(acc, 0.9, "the network learned synth784: %g", acc);
    /* BN's running statistics were collected on the unshifted images: eval mode misnormalizes. */
    cr_assert_lt(shifted_acc, acc - 0.2, "brighter test images cost accuracy: %g vs %g", shifted_acc, acc);
    cr_assert_gt(last_row_value(bright.out, 7), last_row_value(plain.out, 7), "and raise the test loss");
    command_run_free(&plain);
    command_run_free(&same);
    command_run_free(&bright);
}

Test(cmd_train, a_missing_dataset_exits_one)
{
    expect_failure("--dataset=nosuchset", 2, "unknown dataset 'nosuchset'");
    expect_failure("--dataset=idx:/nonexistent-bntutor-dir", 1, "nonexistent-bntutor-dir");
}

Test(cmd_train, a_diverging_run_exits_one_and_keeps_the_rows_so_far)
{
    CommandRun run = train_run("--dataset=scaled2d --act=relu --lr=1e6 --steps=100 --every=1 --batch=10");
    cr_assert_eq(run.status, 1, "exit %d, stderr: %s", run.status, run.err);
    cr_assert_not_null(strstr(run.err, "diverged at step"), "%s", run.err);
    cr_assert_not_null(strstr(run.err, "lower --lr"), "%s", run.err);
    cr_assert(strncmp(run.out, header, strlen(header)) == 0, "header missing: %s", run.out);
    cr_assert_geq(count_lines(run.out), 2, "the rows before the divergence are missing:\n%s", run.out);
    command_run_free(&run);
}

/* ---------- the conv net ---------- */

Test(cmd_train, the_conv_net_learns_shapes28_and_writes_the_same_columns, .timeout = 0)
{
    CommandRun run = train_run("--net=conv --steps=100 --every=50 --batch=16");
    cr_assert_eq(run.status, 0, "exit %d, stderr: %s", run.status, run.err);
    cr_assert(strncmp(run.out, "step,loss,test_acc,p15,p50,p85,train_acc,test_loss\n", 51) == 0, "%.80s", run.out);
    cr_assert_eq(count_lines(run.out), 1 + 2, "rows at 50 and 100 expected:\n%s", run.out);
    const char *row = strstr(run.out, "\n100,");
    cr_assert_not_null(row, "%s", run.out);
    long step;
    double loss, acc, p15, p50, p85, train_acc, test_loss;
    cr_assert_eq(sscanf(row + 1, "%ld,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &step, &loss, &acc, &p15, &p50, &p85, &train_acc,
                        &test_loss), 8, "row: %s", row);
    cr_assert_gt(acc, 0.5, "test accuracy %g after 100 steps (chance 0.1)", acc);
    cr_assert(p15 < p50 && p50 < p85, "percentiles out of order: %g %g %g", p15, p50, p85);
    cr_assert(loss < 2.0 && test_loss < 2.0, "loss %g / test loss %g should have fallen below log 10", loss,
              test_loss);
    command_run_free(&run);
}

Test(cmd_train, every_conv_norm_runs_and_the_same_seed_repeats_the_history, .timeout = 0)
{
    static const char *const norms[] = { "batch", "layer", "instance", "group --groups=2", "none" };
    char *first = NULL;
    for (size_t k = 0; k < sizeof norms / sizeof norms[0]; k++) {
        char args[256];
        snprintf(args, sizeof args, "--net=conv --norm=%s --steps=4 --every=2 --batch=4 --seed=3", norms[k]);
        CommandRun a = train_run(args), b = train_run(args);
        cr_assert_eq(a.status, 0, "%s: exit %d, stderr: %s", norms[k], a.status, a.err);
        cr_assert_eq(count_lines(a.out), 3, "%s:\n%s", norms[k], a.out);
        cr_assert_str_eq(a.out, b.out, "%s: two runs with one seed differ", norms[k]);
        if (!first)
            first = strdup(a.out);
        else
            cr_assert_str_neq(a.out, first, "%s gave batch norm's history", norms[k]);
        command_run_free(&a);
        command_run_free(&b);
    }
    free(first);
}

/* Writes an MNIST-format folder of `count` training and test images of rows×cols, labels i mod 10. */
static void write_idx_folder(const char *dir, int count, int rows, int cols)
{
    static const char *const names[2][2] = { { "train-images-idx3-ubyte", "train-labels-idx1-ubyte" },
                                             { "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" } };
    cr_assert_eq(mkdir(dir, 0700), 0, "cannot make %s", dir);
    for (int split = 0; split < 2; split++)
        for (int kind = 0; kind < 2; kind++) {
            char path[256];
            snprintf(path, sizeof path, "%s/%s", dir, names[split][kind]);
            FILE *f = fopen(path, "wb");
            cr_assert_not_null(f, "cannot write %s", path);
            unsigned char head[16] = { 0, 0, 8, kind == 0 ? 3 : 1 };
            int dims[3] = { count, rows, cols }, ndims = kind == 0 ? 3 : 1;
            for (int d = 0; d < ndims; d++)
                for (int b = 0; b < 4; b++)
                    head[4 + 4 * d + b] = (unsigned char)(dims[d] >> (24 - 8 * b));
            fwrite(head, 1, (size_t)(4 + 4 * ndims), f);
            for (int i = 0; i < count; i++)
                if (kind == 0)
                    for (int p = 0; p < rows * cols; p++)
                        fputc((i * 31 + p * 7) % 256, f);
                else
                    fputc(i % 10, f);
            cr_assert_eq(fclose(f), 0);
        }
}

Test(cmd_train, the_conv_net_reads_28x28_idx_folders_and_refuses_other_sizes)
{
    char dir[128], args[256];
    snprintf(dir, sizeof dir, "%s/idx28", train_run_scratch);
    write_idx_folder(dir, 20, 28, 28);
    snprintf(args, sizeof args, "--net=conv '--dataset=idx:%s' --steps=2 --every=1 --batch=4", dir);
    CommandRun run = train_run(args);
    cr_assert_eq(run.status, 0, "exit %d, stderr: %s", run.status, run.err);
    cr_assert_eq(count_lines(run.out), 3, "%s", run.out);
    command_run_free(&run);
    snprintf(dir, sizeof dir, "%s/idx16", train_run_scratch);
    write_idx_folder(dir, 20, 16, 16);
    snprintf(args, sizeof args, "--net=conv '--dataset=idx:%s' --steps=2", dir);
    expect_failure(args, 2, "28x28 images (784 pixels)");
}

Test(cmd_train, conv_options_outside_their_place_are_usage_errors)
{
    expect_failure("--net=conv --norm=weight", 2, "--norm: 'weight' is not a norm");
    expect_failure("--norm=batch", 2, "--norm: only the conv net");
    expect_failure("--groups=2", 2, "--groups: only the conv net");
    expect_failure("--net=conv --norm=group --groups=3", 2, "--groups: '3' does not divide");
    expect_failure("--net=conv --norm=group --groups=0", 2, "--groups");
    expect_failure("--net=conv --norm=batch --groups=2", 2, "only group norm has groups");
    expect_failure("--net=conv --hidden=8", 2, "--net: conv fixes the layers");
    expect_failure("--net=conv --bn=before", 2, "--net: conv fixes the layers");
    expect_failure("--net=conv --dataset=moons", 2, "--net: the conv net takes 28x28 images");
    expect_failure("--net=conv --unit=16", 2, "--unit: 16 is not a channel");
    expect_failure("--net=conv --batch=7000", 2, "larger than the training set");
    expect_failure("--net=cnn", 2, "'cnn' is not a known network (paper, conv");
}

Test(cmd_train, help_documents_the_conv_net)
{
    CommandRun run = train_run("--help");
    cr_assert_eq(run.status, 0);
    cr_assert_not_null(strstr(run.out, "--net=conv"), "%s", run.out);
    cr_assert_not_null(strstr(run.out, "--norm=NAME"), "%s", run.out);
    cr_assert_not_null(strstr(run.out, "--groups=G"), "%s", run.out);
    cr_assert_not_null(strstr(run.out, "shapes28"), "%s", run.out);
    command_run_free(&run);
}

/* ---------- noisy BN, weight decay and the probes ---------- */

/* The first `columns` comma-separated fields of every line of csv, one line each, into a new string. */
static char *leading_columns(const char *csv, int columns)
{
    char *out = malloc(strlen(csv) + 1), *o = out;
    cr_assert_not_null(out);
    for (const char *p = csv; *p;) {
        int field = 0;
        for (; *p && *p != '\n'; p++) {
            if (*p == ',')
                field++;
            if (field < columns)
                *o++ = *p;
        }
        *o++ = '\n';
        if (*p)
            p++;
    }
    *o = '\0';
    return out;
}

/* The CSV of `train base extra`, checked to exit 0. */
static char *train_csv(const char *base, const char *extra)
{
    char args[1024];
    snprintf(args, sizeof args, "%s %s", base, extra);
    CommandRun run = train_run(args);
    cr_assert_eq(run.status, 0, "'%s' exited %d: %s", args, run.status, run.err);
    free(run.err);
    return run.out;
}

Test(cmd_train, a_probe_changes_nothing_of_the_run_it_measures)
{
    static const char *const bases[] = {
        "--dataset=moons --hidden=8,8 --steps=120 --every=20 --batch=16",
        "--dataset=moons --hidden=8,8 --bn=before --steps=120 --every=20 --batch=16",
        "--dataset=moons --hidden=8,8 --bn=before --steps=120 --every=20 --batch=16 --precision=double",
        "--dataset=blobs --hidden=8,8,8 --bn=after --steps=120 --every=20 --batch=16 --bn-noise=1,0.5",
        "--dataset=moons --hidden=8,8 --bn=before --steps=120 --every=20 --batch=16 --weight-decay=0.01",
    };
    static const char *const probes[] = { "--probe=landscape --probe-every=3", "--probe=ics --probe-every=7",
                                          "--probe=ics --probe-layer=1", "--probe=ics --probe-layer=3" };
    for (unsigned b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        char *plain = train_csv(bases[b], "");
        char *plain_cols = leading_columns(plain, 8);
        cr_assert_eq(count_lines(plain), 7, "%s", plain);
        for (unsigned p = 0; p < sizeof probes / sizeof probes[0]; p++) {
            char *probed = train_csv(bases[b], probes[p]);
            char *probed_cols = leading_columns(probed, 8);
            cr_assert_str_eq(probed_cols, plain_cols, "'%s' with '%s' changed the run", bases[b], probes[p]);
            free(probed);
            free(probed_cols);
        }
        free(plain);
        free(plain_cols);
    }
}

Test(cmd_train, probe_columns_hold_the_means_of_the_probes_since_the_previous_row)
{
    const char *base = "--dataset=moons --hidden=8,8 --bn=before --steps=60 --every=10 --batch=16";
    char *land = train_csv(base, "--probe=landscape --probe-every=20");
    cr_assert(strncmp(land, "step,loss,test_acc,p15,p50,p85,train_acc,test_loss,loss_range,grad_pred,beta_smooth\n",
                      84) == 0, "%s", land);
    /* Probes at steps 1, 20, 40, 60: the rows of 10, 20, 40 and 60 have them, those of 30 and 50 not. */
    cr_assert_not_null(strstr(land, "\n30,"), "%s", land);
    const char *row30 = strstr(land, "\n30,") + 1, *row20 = strstr(land, "\n20,") + 1;
    cr_assert(strncmp(strchr(row30, '\n') - 3, ",,,", 3) == 0, "row 30 has no probe: %.*s", 80, row30);
    double v[3];
    const char *p = row20;
    for (int c = 0; c < 8; c++)
        p = strchr(p, ',') + 1;
    cr_assert_eq(sscanf(p, "%lf,%lf,%lf", &v[0], &v[1], &v[2]), 3, "row 20: %.*s", 120, row20);
    for (int c = 0; c < 3; c++)
        cr_assert(v[c] > 0.0 && isfinite(v[c]), "row 20 column %d: %g", 8 + c, v[c]);
    free(land);
    char *ics = train_csv(base, "--probe=ics");
    cr_assert_not_null(strstr(ics, ",test_loss,ics_l2,ics_cos\n"), "%s", ics);
    const char *last = strstr(ics, "\n60,") + 1;
    const char *q = last;
    for (int c = 0; c < 8; c++)
        q = strchr(q, ',') + 1;
    cr_assert_eq(sscanf(q, "%lf,%lf", &v[0], &v[1]), 2, "%s", last);
    cr_assert(v[0] > 0.0 && v[1] > -1.0 && v[1] <= 1.0, "ics %g, cos %g", v[0], v[1]);
    free(ics);
}

Test(cmd_train, noise_of_zero_and_decay_of_zero_change_nothing_and_real_ones_change_the_run)
{
    const char *base = "--dataset=moons --hidden=8,8 --bn=before --steps=100 --every=20 --batch=16 --precision=double";
    char *plain = train_csv(base, "");
    char *zero_noise = train_csv(base, "--bn-noise=0,0");
    char *zero_decay = train_csv(base, "--weight-decay=0");
    char *noisy = train_csv(base, "--bn-noise=1,0.5");
    char *noisy_again = train_csv(base, "--bn-noise=1,0.5");
    char *other_seed = train_csv(base, "--bn-noise=1,0.5 --seed=2");
    char *decayed = train_csv(base, "--weight-decay=0.05");
    /* Zero noise is the identity after BN: the same batches and weights, byte for byte. */
    cr_assert_str_eq(zero_noise, plain);
    cr_assert_str_eq(zero_decay, plain);
    cr_assert_str_eq(noisy, noisy_again, "noise is deterministic per seed");
    cr_assert_str_neq(noisy, plain);
    cr_assert_str_neq(noisy, other_seed);
    cr_assert_str_neq(decayed, plain);
    free(plain);
    free(zero_noise);
    free(zero_decay);
    free(noisy);
    free(noisy_again);
    free(other_seed);
    free(decayed);
}

Test(cmd_train, bad_values_of_the_experiment_options_are_usage_errors)
{
    expect_failure("--bn=before --bn-noise=1", 2, "--bn-noise");
    expect_failure("--bn=before --bn-noise=1,x", 2, "--bn-noise");
    expect_failure("--bn=before --bn-noise=-1,0.5", 2, "--bn-noise");
    expect_failure("--bn=before --bn-noise=1,0.5,2", 2, "--bn-noise");
    expect_failure("--bn-noise=1,0.5", 2, "add --bn=before");
    expect_failure("--bn=before --bn-noise=1,0.5 --precision=float", 2, "--precision=float");
    expect_failure("--weight-decay=-0.1", 2, "--weight-decay");
    expect_failure("--weight-decay=nan", 2, "--weight-decay");
    expect_failure("--weight-decay=0.1 --precision=float", 2, "--weight-decay");
    expect_failure("--probe=hessian", 2, "--probe");
    expect_failure("--probe=", 2, "--probe");
    expect_failure("--probe=landscape --probe-every=0", 2, "--probe-every");
    expect_failure("--probe=ics --probe-layer=0", 2, "--probe-layer");
    expect_failure("--hidden=8,8 --probe=ics --probe-layer=4", 2, "1 to 3");
    expect_failure("--probe-layer=2", 2, "add --probe=ics");
    expect_failure("--probe-every=5", 2, "add --probe=landscape");
    expect_failure("--bn=before --steps=50 --freeze-bn=10 --probe=ics", 2, "leave out --freeze-bn");
    expect_failure("--bn=before --steps=50 --freeze-bn=10 --bn-noise=1,1", 2, "leave out --freeze-bn");
    expect_failure("--net=conv --probe=landscape", 2, "only the MLP");
    expect_failure("--net=conv --bn-noise=1,1", 2, "only the MLP");
}

Test(cmd_train, help_documents_the_experiment_options_and_columns)
{
    CommandRun run = train_run("--help");
    cr_assert_eq(run.status, 0);
    static const char *const words[] = { "--bn-noise=M,S", "--weight-decay=L", "--probe=NAME", "--probe-every=N",
                                         "--probe-layer=K", "loss_range", "grad_pred", "beta_smooth", "ics_l2",
                                         "ics_cos" };
    for (unsigned i = 0; i < sizeof words / sizeof words[0]; i++)
        cr_assert_not_null(strstr(run.out, words[i]), "help lacks %s", words[i]);
    command_run_free(&run);
}

/* PreciseBN and AdaBN are measured beside the run: its own columns stay as they were. Without a shift AdaBN
 * changes little; after a brighter shift it gives back most of what the shift cost. */
Test(cmd_train, recomputed_statistics_change_nothing_of_the_run_and_adabn_repairs_a_shift)
{
    const char *base = "--dataset=synth784 --hidden=32 --act=relu --bn=before --steps=300 --every=100";
    char *plain = train_csv(base, "");
    char *both = train_csv(base, "--recompute-stats=train:20 --adapt-stats");
    char *plain_cols = leading_columns(plain, 8), *both_cols = leading_columns(both, 8);
    cr_assert_str_eq(both_cols, plain_cols, "recomputing the statistics changed the run");
    cr_assert(strstr(both, "test_loss,precise_acc,adapted_acc\n"), "%s", both);
    double acc = last_row_value(both, 2), precise = last_row_value(both, 8), adapted = last_row_value(both, 9);
    cr_expect_lt(fabs(precise - acc), 0.03, "PreciseBN on a trained net: %g vs %g", precise, acc);
    cr_expect_lt(fabs(adapted - acc), 0.03, "AdaBN on the unshifted domain changes little: %g vs %g", adapted, acc);
    char *shifted = train_csv(base, "--test-shift=0.5 --adapt-stats");
    double shifted_acc = last_row_value(shifted, 2), repaired = last_row_value(shifted, 8);
    cr_expect_lt(shifted_acc, acc - 0.2, "the shift costs accuracy: %g vs %g", shifted_acc, acc);
    cr_expect_gt(repaired, acc - 0.05, "AdaBN gives it back: %g vs %g", repaired, acc);
    /* After every other column, in the order --help gives. */
    char *all = train_csv(base, "--track-norm=1 --probe=ics --recompute-stats=train:5 --adapt-stats");
    cr_expect(strstr(all, ",test_loss,ics_l2,ics_cos,w_norm,eff_lr,precise_acc,adapted_acc\n"), "%s", all);
    free(all);
    free(plain);
    free(both);
    free(plain_cols);
    free(both_cols);
    free(shifted);
}

Test(cmd_train, bad_values_of_the_statistics_options_are_usage_errors)
{
    expect_failure("--bn=before --recompute-stats=test", 2, "--recompute-stats: 'test' is not train or train:N");
    expect_failure("--bn=before --recompute-stats=train:0", 2, "--recompute-stats");
    expect_failure("--bn=before --recompute-stats=train:", 2, "--recompute-stats");
    expect_failure("--bn=before --recompute-stats=", 2, "--recompute-stats");
    expect_failure("--recompute-stats=train", 2, "--recompute-stats: there are no batch-norm statistics");
    expect_failure("--adapt-stats", 2, "--adapt-stats: there are no batch-norm statistics");
    expect_failure("--bn=before --adapt-stats=yes", 2, "--adapt-stats: takes no value");
    expect_failure("--net=conv --adapt-stats", 2, "--adapt-stats: only the MLP");
    expect_failure("--net=residual --recompute-stats=train", 2, "--recompute-stats: only the MLP");
}

Test(cmd_train, help_documents_the_statistics_options_and_columns)
{
    CommandRun run = train_run("--help");
    cr_assert_eq(run.status, 0);
    static const char *const needles[] = { "--recompute-stats=train[:N]", "--adapt-stats", "precise_acc",
                                           "adapted_acc", "unbiased" };
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        cr_expect(strstr(run.out, needles[i]), "--help lacks %s", needles[i]);
    command_run_free(&run);
}

/* ---------- scale invariance: --track-norm and --bias-before-bn ---------- */

/* Column `col` (from 0) of every data row of csv into values; the count of rows. */
static int column_values(const char *csv, int col, double *values, int max)
{
    int n = 0;
    const char *line = strchr(csv, '\n');
    while (line && line[1] && n < max) {
        const char *p = line + 1;
        for (int c = 0; c < col; c++) {
            p = strchr(p, ',');
            cr_assert_not_null(p, "a row has no column %d: %s", col, csv);
            p++;
        }
        values[n++] = strtod(p, NULL);
        line = strchr(line + 1, '\n');
    }
    return n;
}

Test(cmd_train, track_norm_adds_the_norm_and_the_effective_rate_without_changing_the_run)
{
    const char *base = "--dataset=spirals --hidden=16,16 --act=relu --bn=before --lr=1 --batch=32 --steps=400 --every=50";
    char *plain = train_csv(base, "--precision=double");
    char *tracked = train_csv(base, "--track-norm=1");
    char *decayed = train_csv(base, "--track-norm=1 --weight-decay=0.01");
    static const char head_norm[] = "step,loss,test_acc,p15,p50,p85,train_acc,test_loss,w_norm,eff_lr\n";
    cr_assert(strncmp(tracked, head_norm, strlen(head_norm)) == 0, "%s", tracked);
    char *a = leading_columns(plain, 8), *b = leading_columns(tracked, 8);
    cr_assert_str_eq(a, b, "tracking the norm changed the run");
    double norm[8], eff[8], norm_decayed[8];
    cr_assert_eq(column_values(tracked, 8, norm, 8), 8);
    cr_assert_eq(column_values(tracked, 9, eff, 8), 8);
    cr_assert_eq(column_values(decayed, 8, norm_decayed, 8), 8);
    for (int r = 0; r < 8; r++) {
        check_close(eff[r], 1.0 / (norm[r] * norm[r]), 2e-5, 0.0, "eff_lr = lr/w_norm^2 in row %d", r);
        /* The gradient is orthogonal to W: without decay every step makes |W| longer. */
        if (r > 0)
            cr_assert(norm[r] > norm[r - 1], "|W| fell from %g to %g at row %d", norm[r - 1], norm[r], r);
    }
    cr_assert(norm_decayed[7] < 0.5 * norm[7], "decay kept |W| at %g against %g", norm_decayed[7], norm[7]);
    char *second = train_csv("--dataset=spirals --hidden=16,16 --act=relu --bn=before --steps=20 --every=20",
                             "--track-norm=2");
    cr_assert_not_null(strstr(second, ",w_norm,eff_lr\n"), "%s", second);
    free(a);
    free(b);
    free(plain);
    free(tracked);
    free(decayed);
    free(second);
}

Test(cmd_train, a_bias_before_bn_gets_a_zero_gradient_and_trains_like_the_network_without_it)
{
    const char *base = "--dataset=moons --hidden=8,8 --bn=before --lr=0.5 --batch=16 --steps=200 --every=25";
    char *without = train_csv(base, "--precision=double");
    char *with = train_csv(base, "--bias-before-bn");
    static const char head_bias[] = "step,loss,test_acc,p15,p50,p85,train_acc,test_loss,bias_grad\n";
    cr_assert(strncmp(with, head_bias, strlen(head_bias)) == 0, "%s", with);
    double grad[8], loss_with[8], loss_without[8];
    cr_assert_eq(column_values(with, 8, grad, 8), 8);
    cr_assert_eq(column_values(with, 1, loss_with, 8), 8);
    cr_assert_eq(column_values(without, 1, loss_without, 8), 8);
    for (int r = 0; r < 8; r++) {
        cr_assert(fabs(grad[r]) < 1e-12, "bias_grad %g in row %d", grad[r], r);
        check_close(loss_with[r], loss_without[r], 1e-5, 1e-9, "the loss of row %d", r);
    }
    /* Every column at once, in their order: probe, norm, bias. */
    char *all = train_csv(base, "--bias-before-bn --track-norm=2 --probe=landscape");
    cr_assert_not_null(strstr(all, ",test_loss,loss_range,grad_pred,beta_smooth,w_norm,eff_lr,bias_grad\n"), "%s", all);
    free(all);
    free(with);
    free(without);
}

Test(cmd_train, bad_uses_of_the_scale_options_are_usage_errors)
{
    expect_failure("--bn=before --track-norm=0", 2, "--track-norm");
    expect_failure("--bn=before --track-norm=x", 2, "--track-norm");
    expect_failure("--bn=before --hidden=8,8 --track-norm=3", 2, "1 to 2");
    expect_failure("--bn=before --track-norm=1 --precision=float", 2, "--precision=float");
    expect_failure("--net=conv --track-norm=1", 2, "only the MLP");
    expect_failure("--bias-before-bn", 2, "needs --bn=before");
    expect_failure("--bn=after --bias-before-bn", 2, "needs --bn=before");
    expect_failure("--bn=before --bias-before-bn=yes", 2, "takes no value");
    expect_failure("--bn=before --bias-before-bn --precision=float", 2, "--precision=float");
    expect_failure("--bn=before --steps=50 --freeze-bn=10 --track-norm=1", 2, "--freeze-bn");
    /* Without BN the columns are still there, with a warning that eff_lr means little. */
    CommandRun plain = train_run("--hidden=8,8 --steps=20 --every=20 --track-norm=1");
    cr_assert_eq(plain.status, 0, "%s", plain.err);
    cr_assert_not_null(strstr(plain.err, "bntutor: warning: --track-norm"), "%s", plain.err);
    cr_assert_not_null(strstr(plain.out, ",w_norm,eff_lr\n"), "%s", plain.out);
    command_run_free(&plain);
    CommandRun with_bn = train_run("--hidden=8,8 --bn=before --steps=20 --every=20 --track-norm=1");
    cr_assert_eq(with_bn.err[0], '\0', "no warning with BN: %s", with_bn.err);
    command_run_free(&with_bn);
    CommandRun run = train_run("--help");
    cr_assert_eq(run.status, 0);
    static const char *const words[] = { "--track-norm=K", "--bias-before-bn", "w_norm", "eff_lr", "bias_grad" };
    for (unsigned i = 0; i < sizeof words / sizeof words[0]; i++)
        cr_assert_not_null(strstr(run.out, words[i]), "help lacks %s", words[i]);
    command_run_free(&run);
}

Test(cmd_train, train_stats_gives_the_steps_median_and_whole_cpu_time_without_changing_the_csv)
{
    CommandRun plain = train_run("--dataset=synth784 --hidden=32 --bn=before --steps=40 --every=20 --batch=30");
    cr_assert_eq(plain.status, 0, "exit %d, stderr: %s", plain.status, plain.err);
    char path[128];
    snprintf(path, sizeof path, "%s/stats", train_run_scratch);
    setenv("BNTUTOR_TRAIN_STATS", path, 1);
    CommandRun timed = train_run("--dataset=synth784 --hidden=32 --bn=before --steps=40 --every=20 --batch=30");
    unsetenv("BNTUTOR_TRAIN_STATS");
    cr_assert_eq(timed.status, 0, "exit %d, stderr: %s", timed.status, timed.err);
    cr_assert_str_eq(timed.out, plain.out, "timing the steps changed the rows");
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no %s", path);
    long steps = 0;
    double median = -1.0, steps_us = -1.0, run_us = -1.0;
    int got = fscanf(f, "steps %ld step_median_us %lf steps_us %lf run_us %lf", &steps, &median, &steps_us, &run_us);
    fclose(f);
    cr_assert_eq(got, 4, "the stats line did not parse");
    cr_assert_eq(steps, 40);
    cr_assert(median > 0.0 && steps_us >= median * 20, "median %g of 40 steps summing to %g", median, steps_us);
    cr_assert(run_us >= steps_us, "the run's CPU time %g is below its steps' %g", run_us, steps_us);
    command_run_free(&plain);
    command_run_free(&timed);
}
