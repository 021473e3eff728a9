/* Lockstep runs: a net that diverges stops alone while the others go on; each net's own learning rate. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scene/lockstep.h"

/* moons, relu 16-16-16: without BN a learning rate of 50 blows up within a few steps, with BN it does not. */
static void lockstep_start(Lockstep *ls, double lr_plain, double lr_bn)
{
    static const double hidden[] = { 16, 16, 16 };
    LockstepConfig c = { 0 };
    c.dataset = "moons";
    c.seed = 3;
    c.hidden = hidden;
    c.num_hidden = 3;
    c.act = ACTIVATION_RELU;
    c.batch = 30;
    c.lr = 0.1;
    c.lrs[0] = lr_plain;
    c.lrs[1] = lr_bn;
    c.placements[0] = BN_PLACEMENT_NONE;
    c.placements[1] = BN_PLACEMENT_BEFORE;
    c.nets = 2;
    c.rule = (BnRule){ .convention = BN_CONVENTION_PYTORCH, .eps = 1e-5, .alpha = 0.1, .momentum = 0.1 };
    c.float_steps = true;
    BnError err = { 0 };
    cr_assert(lockstep_init(ls, &c, &err), "%s", err.message);
}

Test(lockstep, each_net_takes_its_own_learning_rate_and_zero_means_the_shared_one)
{
    Lockstep ls;
    lockstep_start(&ls, 0.5, 0.0);
    cr_expect_eq(ls.sgd[0]->lr, 0.5);
    cr_expect_eq(ls.sgd[1]->lr, 0.1);
    lockstep_free(&ls);
}

Test(lockstep, a_diverging_net_stops_alone_and_the_others_go_on)
{
    Lockstep ls;
    lockstep_start(&ls, 50.0, 0.1);
    int steps = 0;
    while (steps < 200 && lockstep_alive(&ls, 0)) {
        cr_assert(lockstep_step(&ls), "the BN net still trains, so the run goes on (step %ld)", ls.step);
        steps++;
    }
    cr_assert_not(lockstep_alive(&ls, 0), "no BN at lr 50 diverges within 200 steps");
    long at = ls.diverged_at[0];
    cr_expect(at >= 1 && at <= ls.step + 1, "diverged at step %ld of %ld", at, ls.step);
    cr_expect(isnan(ls.loss[0]), "a diverged net has no loss");
    cr_expect(lockstep_alive(&ls, 1));
    cr_expect_eq(lockstep_diverged_count(&ls), 1);
    cr_expect_not(ls.diverged, "one net is still training");
    cr_expect(isnan(lockstep_test_accuracy(&ls, 0, 100)), "no accuracy from a diverged net");
    MlpInferTap tap = { .layer = 0, .unit = 0, .values = (double[200]){ 0 } };
    cr_expect_not(lockstep_probe(&ls, 0, 100, &tap, 1), "a diverged net is not probed");
    long before = ls.step;
    for (int i = 0; i < 20; i++)
        cr_assert(lockstep_step(&ls));
    cr_expect_eq(ls.step, before + 20, "the others go on");
    cr_expect_eq(ls.diverged_at[0], at, "the mark stands");
    cr_expect(isfinite(ls.loss[1]) && ls.loss[1] < 1.0, "BN net's loss %g", ls.loss[1]);
    double acc = lockstep_test_accuracy(&ls, 1, 200);
    cr_expect(acc > 0.8, "the BN net trained on: accuracy %g", acc);
    char buf[80];
    cr_expect_str_eq(lockstep_series_name(&ls, 1, "BN", buf, (int)sizeof buf), "BN");
    char want[80];
    snprintf(want, sizeof want, "no BN (diverged at step %ld)", at);
    cr_expect_str_eq(lockstep_series_name(&ls, 0, "no BN", buf, (int)sizeof buf), want);
    lockstep_free(&ls);
}

Test(lockstep, the_run_stops_when_every_net_diverged_and_its_count_stands)
{
    Lockstep ls;
    lockstep_start(&ls, 50.0, 1e6);
    int steps = 0;
    while (steps < 500 && lockstep_step(&ls))
        steps++;
    cr_assert(ls.diverged, "both nets diverged within 500 steps");
    cr_expect_eq(lockstep_diverged_count(&ls), 2);
    long at = ls.step;
    cr_expect(ls.diverged_at[0] <= at + 1 && ls.diverged_at[1] == at + 1, "the last one diverged at the step not taken");
    cr_expect_not(lockstep_step(&ls));
    cr_expect_eq(ls.step, at);
    lockstep_free(&ls);
}
