/* `bntutor train` with weight files (--save, --finetune-from), the two kinds of frozen BN
 * (--freeze-bn=K,stats|all) and dropout before or after BN (--dropout, the var_ratio column), run as the
 * real binary. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/check.h"
#include "support/train_run.h"

TestSuite(train_tune, .init = train_run_scratch_make, .fini = train_run_scratch_remove);

/* The last row of a CSV, from its step on. */
static const char *last_row(const char *csv)
{
    const char *end = csv + strlen(csv) - 1, *p = end;
    while (p > csv && p[-1] != '\n')
        p--;
    return p;
}

/* Field k (from 0) of a CSV row, in buf. */
static const char *field(const char *row, int k, char *buf, size_t size)
{
    for (int i = 0; i < k && row; i++) {
        row = strchr(row, ',');
        row = row ? row + 1 : NULL;
    }
    cr_assert_not_null(row, "a row with fewer than %d fields", k + 1);
    size_t len = strcspn(row, ",\n");
    snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), row);
    return buf;
}

/* Line `line` (from 1) of the file at path, in buf. */
static void file_line(const char *path, int line, char *buf, size_t size)
{
    char *text = check_read_file(path, NULL);
    cr_assert_not_null(text, "cannot read %s", path);
    const char *p = text;
    for (int i = 1; i < line && p; i++) {
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    cr_assert_not_null(p, "%s has fewer than %d lines", path, line);
    size_t len = strcspn(p, "\n");
    snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), p);
    free(text);
}

/* A run from a saved network that changes nothing (frozen BN, γ and β fixed, a learning rate too small to
 * move any weight) evaluates exactly as the saved run's last row did. */
Test(train_tune, a_saved_network_continues_where_it_stopped)
{
    CommandRun a = train_run("--dataset=blobs --hidden=4 --bn=before --steps=50 --precision=double --save=@/a.w");
    cr_assert_eq(a.status, 0, "exit %d: %s", a.status, a.err);
    CommandRun b = train_run("--dataset=blobs --hidden=4 --bn=before --steps=1 --lr=1e-300 --freeze-bn=0,all "
                             "--finetune-from=@/a.w");
    cr_assert_eq(b.status, 0, "exit %d: %s", b.status, b.err);
    /* test_acc, p15, p50, p85 and test_loss (train_acc is of another batch). */
    static const int evaluated[] = { 2, 3, 4, 5, 7 };
    const char *ra = last_row(a.out), *rb = last_row(b.out);
    for (int i = 0; i < 5; i++) {
        char fa[64], fb[64];
        cr_assert_str_eq(field(ra, evaluated[i], fa, sizeof fa), field(rb, evaluated[i], fb, sizeof fb),
                         "field %d: the reloaded network evaluates differently:\n%s\n%s", evaluated[i], a.out, b.out);
    }
    /* Without the file the same run starts from fresh weights and evaluates differently. */
    CommandRun c = train_run("--dataset=blobs --hidden=4 --bn=before --steps=1 --lr=1e-300 --freeze-bn=0,all");
    cr_assert_eq(c.status, 0, "exit %d: %s", c.status, c.err);
    char fc[64], fb[64];
    cr_assert_str_neq(field(last_row(c.out), 7, fc, sizeof fc), field(rb, 7, fb, sizeof fb),
                      "fresh weights should evaluate differently");
    command_run_free(&a);
    command_run_free(&b);
    command_run_free(&c);
}

/* The weight file of a 2-4-3 network with BN before: 7 header lines, then W (8 lines 8-15), γ (16-19),
 * β (20-23), the output layer's 15 (24-38), "running 4 N" (39), 4 means and 4 variances (40-47). */
Test(train_tune, freeze_bn_all_keeps_gamma_and_beta_and_stats_trains_them)
{
    CommandRun a = train_run("--dataset=blobs --hidden=4 --bn=before --steps=50 --save=@/a.w");
    cr_assert_eq(a.status, 0, "exit %d: %s", a.status, a.err);
    CommandRun all = train_run("--dataset=blobs --hidden=4 --bn=before --steps=30 --batch=4 --finetune-from=@/a.w "
                               "--freeze-bn=0,all --save=@/all.w");
    cr_assert_eq(all.status, 0, "exit %d: %s", all.status, all.err);
    CommandRun stats = train_run("--dataset=blobs --hidden=4 --bn=before --steps=30 --batch=4 --finetune-from=@/a.w "
                                 "--freeze-bn=0,stats --save=@/stats.w");
    cr_assert_eq(stats.status, 0, "exit %d: %s", stats.status, stats.err);
    char path_a[128], path_all[128], path_stats[128];
    snprintf(path_a, sizeof path_a, "%s/a.w", train_run_scratch);
    snprintf(path_all, sizeof path_all, "%s/all.w", train_run_scratch);
    snprintf(path_stats, sizeof path_stats, "%s/stats.w", train_run_scratch);
    char la[64], lall[64], lstats[64];
    file_line(path_a, 7, la, sizeof la);
    cr_assert_str_eq(la, "params 31", "the layout this test assumes");
    int gamma_beta_moved = 0;
    for (int line = 16; line <= 23; line++) {
        file_line(path_a, line, la, sizeof la);
        file_line(path_all, line, lall, sizeof lall);
        file_line(path_stats, line, lstats, sizeof lstats);
        cr_assert_str_eq(la, lall, "line %d: gamma/beta moved under --freeze-bn=0,all", line);
        gamma_beta_moved += strcmp(la, lstats) != 0;
    }
    cr_assert_gt(gamma_beta_moved, 0, "--freeze-bn=0,stats should train gamma and beta");
    file_line(path_a, 8, la, sizeof la);
    file_line(path_all, 8, lall, sizeof lall);
    cr_assert_str_neq(la, lall, "the weights should still learn under --freeze-bn=0,all");
    /* The running statistics (after the parameters) stay in both. */
    file_line(path_a, 39, la, sizeof la);
    cr_assert(strncmp(la, "running 4 ", 10) == 0, "line 39: %s", la);
    for (int line = 40; line <= 47; line++) {
        file_line(path_a, line, la, sizeof la);
        file_line(path_all, line, lall, sizeof lall);
        file_line(path_stats, line, lstats, sizeof lstats);
        cr_assert(strcmp(la, lall) == 0 && strcmp(la, lstats) == 0, "line %d: frozen running statistics moved", line);
    }
    command_run_free(&a);
    command_run_free(&all);
    command_run_free(&stats);
}

Test(train_tune, damaged_missing_and_mismatched_weight_files_are_refused)
{
    CommandRun a = train_run("--dataset=blobs --hidden=4 --bn=before --steps=10 --save=@/a.w");
    cr_assert_eq(a.status, 0, "exit %d: %s", a.status, a.err);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "head -c 200 '%s/a.w' > '%s/cut.w' && printf 'PK\\003\\004' > '%s/zip.w'",
             train_run_scratch, train_run_scratch, train_run_scratch);
    cr_assert_eq(system(cmd), 0);
    static const struct {
        const char *args;
        int status;
        const char *message;
    } cases[] = {
        { "--dataset=blobs --hidden=4 --bn=before --finetune-from=@/cut.w", 1, "cut.w:" },
        { "--dataset=blobs --hidden=4 --bn=before --finetune-from=@/zip.w", 1, "not a bntutor weight file" },
        { "--dataset=blobs --hidden=4 --bn=before --finetune-from=@/none.w", 1, "none.w" },
        { "--dataset=blobs --hidden=8 --bn=before --finetune-from=@/a.w", 2, "2-4-3" },
        { "--dataset=moons --hidden=4 --bn=before --finetune-from=@/a.w", 2, "2-4-2" },
        { "--dataset=blobs --hidden=4 --bn=after --finetune-from=@/a.w", 2, "--bn=before" },
        { "--net=conv --finetune-from=@/a.w", 2, "only the MLP" },
        { "--net=conv --save=@/b.w", 2, "only the MLP" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CommandRun r = train_run(cases[i].args);
        cr_assert_eq(r.status, cases[i].status, "%s: exit %d, stderr: %s", cases[i].args, r.status, r.err);
        cr_assert(strncmp(r.err, "bntutor: ", 9) == 0 && strstr(r.err, cases[i].message), "%s: stderr: %s",
                  cases[i].args, r.err);
        command_run_free(&r);
    }
    CommandRun w = train_run("--dataset=blobs --hidden=4 --steps=5 --save=@/no/such/dir/a.w");
    cr_assert_eq(w.status, 1, "an unwritable --save exits 1: %d %s", w.status, w.err);
    command_run_free(&w);
    command_run_free(&a);
}

/* The var_ratio column: behind dropout the last BN's running variance is well above its eval-mode
 * input's; with dropout after the last BN it stays near 1. */
Test(train_tune, dropout_before_bn_shows_the_variance_shift_and_after_bn_does_not)
{
    CommandRun before = train_run("--dataset=spirals --hidden=32,32 --bn=before --act=relu --dropout=0.5,before-bn "
                                  "--steps=400 --batch=64 --every=400");
    cr_assert_eq(before.status, 0, "exit %d: %s", before.status, before.err);
    cr_assert(strstr(before.out, "test_loss,var_ratio\n") != NULL, "header: %.100s", before.out);
    double r_before = strtod(strrchr(last_row(before.out), ',') + 1, NULL);
    CommandRun after = train_run("--dataset=spirals --hidden=32,32 --bn=before --act=relu --dropout=0.5,after-bn "
                                 "--steps=400 --batch=64 --every=400");
    cr_assert_eq(after.status, 0, "exit %d: %s", after.status, after.err);
    double r_after = strtod(strrchr(last_row(after.out), ',') + 1, NULL);
    cr_assert_gt(r_before, 2.0, "dropout before BN: var_ratio %g", r_before);
    cr_assert(r_after > 0.8 && r_after < 1.3, "dropout after BN: var_ratio %g", r_after);
    /* Without BN there is no running variance, so no column. */
    CommandRun plain = train_run("--dataset=blobs --hidden=8 --dropout=0.3 --steps=20");
    cr_assert_eq(plain.status, 0, "exit %d: %s", plain.status, plain.err);
    cr_assert_null(strstr(plain.out, "var_ratio"), "%.100s", plain.out);
    command_run_free(&before);
    command_run_free(&after);
    command_run_free(&plain);
}

Test(train_tune, bad_values_of_the_tuning_options_are_usage_errors)
{
    static const char *const bad[] = {
        "--dropout=1", "--dropout=-0.1", "--dropout=0.5,middle", "--dropout=x", "--freeze-bn=3,some",
        "--freeze-bn=,all", "--dropout=0.5 --bn-noise=1,0.5 --bn=before", "--dropout=0.5 --precision=float",
        "--dropout=0.5 --probe=landscape",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char args[256];
        snprintf(args, sizeof args, "--dataset=blobs --hidden=4 --steps=5 %s", bad[i]);
        CommandRun r = train_run(args);
        cr_assert_eq(r.status, 2, "%s: exit %d, stderr: %s", bad[i], r.status, r.err);
        cr_assert(strncmp(r.err, "bntutor: --", 11) == 0, "%s: stderr: %s", bad[i], r.err);
        command_run_free(&r);
    }
}

Test(train_tune, help_documents_the_tuning_options)
{
    CommandRun r = train_run("--help");
    cr_assert_eq(r.status, 0);
    static const char *const words[] = { "--save=FILE", "--finetune-from=FILE", "--freeze-bn=K[,WHAT]",
                                         "trainable=False", "--dropout=P[,WHERE]", "before-bn", "after-bn",
                                         "var_ratio", "bntutor-weights 1" };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        cr_assert_not_null(strstr(r.out, words[i]), "help lacks %s", words[i]);
    command_run_free(&r);
}
