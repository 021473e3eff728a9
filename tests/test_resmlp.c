/* The residual MLP: whole-network gradients against central differences in both placements, with and
 * without the zero-initialized last norm; identity blocks at initialization; shapes; per-block norms. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/resmlp.h"
#include "support/check.h"
#include "util/pcg32.h"

enum { IN = 3, WIDTH = 5, BLOCKS = 3, CLASSES = 3, ROWS = 4 };

static ResMlp *make(NormPlace place, bool zero_init, Activation act, uint64_t seed)
{
    ResMlpConfig c;
    resmlp_config_init(&c, IN, CLASSES);
    c.width = WIDTH;
    c.blocks = BLOCKS;
    c.place = place;
    c.zero_init_last = zero_init;
    c.act = act;
    c.seed = seed;
    BnError err = { 0 };
    ResMlp *net = resmlp_create(&c, &err);
    cr_assert_not_null(net, "resmlp_create failed: %s", err.message);
    return net;
}

static void fill_inputs(double *x, double *labels, Pcg32 *rng)
{
    for (int i = 0; i < ROWS * IN; i++)
        x[i] = 1.5 * pcg32_normal(rng);
    for (int r = 0; r < ROWS; r++)
        labels[r] = (double)(r % CLASSES);
}

static double loss_at(ResMlp *net, const double *x, const double *labels)
{
    resmlp_forward(net, x, ROWS);
    return resmlp_loss(net, labels);
}

/* Every parameter's analytic gradient against (L(θ+h) − L(θ−h)) / 2h, after moving every parameter off
 * its initial value (γ = 0 and zero biases would hide mistakes in their terms). */
static void check_gradients(NormPlace place, bool zero_init, Activation act)
{
    ResMlp *net = make(place, zero_init, act, 11);
    Pcg32 rng;
    pcg32_seed(&rng, 5, (uint64_t)place * 4 + (uint64_t)zero_init * 2 + (uint64_t)act);
    for (size_t i = 0; i < net->num_params; i++)
        net->params[i] += 0.4 * pcg32_normal(&rng);
    double x[ROWS * IN], labels[ROWS];
    fill_inputs(x, labels, &rng);
    memset(net->grads, 0, net->num_params * sizeof *net->grads);
    loss_at(net, x, labels);
    resmlp_backward(net);
    double *analytic = malloc(net->num_params * sizeof *analytic);
    memcpy(analytic, net->grads, net->num_params * sizeof *analytic);
    double largest = 0;
    const double h = 1e-5;
    for (size_t i = 0; i < net->num_params; i++) {
        double keep = net->params[i];
        net->params[i] = keep + h;
        double up = loss_at(net, x, labels);
        net->params[i] = keep - h;
        double down = loss_at(net, x, labels);
        net->params[i] = keep;
        double numeric = (up - down) / (2 * h);
        largest = fmax(largest, fabs(numeric));
        check_close(analytic[i], numeric, 1e-5, 1e-7, "%s-norm%s %s, parameter %zu of %zu",
                    resmlp_place_name(place), zero_init ? " zero-init" : "", activation_name(act), i,
                    net->num_params);
    }
    /* A check against an all-zero gradient would prove nothing. */
    cr_assert_gt(largest, 1e-3, "the numerical gradient is almost zero everywhere (largest %g)", largest);
    free(analytic);
    resmlp_destroy(net);
}

Test(resmlp, pre_norm_gradients_match_central_differences) { check_gradients(NORM_PLACE_PRE, false, ACTIVATION_RELU); }
Test(resmlp, post_norm_gradients_match_central_differences) { check_gradients(NORM_PLACE_POST, false, ACTIVATION_RELU); }
Test(resmlp, pre_norm_with_last_norm_gradients_match) { check_gradients(NORM_PLACE_PRE, true, ACTIVATION_RELU); }
Test(resmlp, post_norm_with_last_norm_gradients_match) { check_gradients(NORM_PLACE_POST, true, ACTIVATION_RELU); }
Test(resmlp, tanh_branches_gradients_match) { check_gradients(NORM_PLACE_POST, false, ACTIVATION_TANH); }

Test(resmlp, zero_init_pre_norm_blocks_start_as_the_identity)
{
    ResMlp *net = make(NORM_PLACE_PRE, true, ACTIVATION_RELU, 3);
    Pcg32 rng;
    pcg32_seed(&rng, 8, 1);
    double x[ROWS * IN], labels[ROWS];
    fill_inputs(x, labels, &rng);
    resmlp_forward(net, x, ROWS);
    double spread = 0;
    for (int i = 0; i < ROWS * WIDTH; i++) {
        cr_assert_eq(net->block[BLOCKS - 1].out[i], net->x0[i], "x_B differs from the embedding at %d", i);
        spread = fmax(spread, fabs(net->x0[i]));
    }
    cr_assert_gt(spread, 0.1, "the embedding is all zero, so the identity proves nothing");
    /* The branch weights get no gradient while γ of the last norm is 0; that γ does. */
    memset(net->grads, 0, net->num_params * sizeof *net->grads);
    resmlp_loss(net, labels);
    resmlp_backward(net);
    double w = 0, g2 = 0;
    for (int i = 0; i < WIDTH * WIDTH; i++)
        w += fabs(net->block[0].dw1[i]) + fabs(net->block[0].dw2[i]);
    for (int i = 0; i < WIDTH; i++)
        g2 += fabs(net->block[0].dg2[i]);
    cr_assert_eq(w, 0.0, "W1, W2 have a gradient through a zero γ");
    cr_assert_gt(g2, 1e-6, "the last norm's γ has no gradient");
    resmlp_destroy(net);
}

Test(resmlp, without_zero_init_the_branches_change_the_stream)
{
    ResMlp *net = make(NORM_PLACE_PRE, false, ACTIVATION_RELU, 3);
    Pcg32 rng;
    pcg32_seed(&rng, 8, 1);
    double x[ROWS * IN], labels[ROWS];
    fill_inputs(x, labels, &rng);
    resmlp_forward(net, x, ROWS);
    double diff = 0;
    for (int i = 0; i < ROWS * WIDTH; i++)
        diff = fmax(diff, fabs(net->block[BLOCKS - 1].out[i] - net->x0[i]));
    cr_assert_gt(diff, 0.1, "the blocks left the stream as it was");
    resmlp_destroy(net);
}

Test(resmlp, post_norm_blocks_output_normalized_rows)
{
    ResMlp *net = make(NORM_PLACE_POST, false, ACTIVATION_RELU, 4);
    Pcg32 rng;
    pcg32_seed(&rng, 9, 1);
    double x[ROWS * IN], labels[ROWS];
    fill_inputs(x, labels, &rng);
    resmlp_forward(net, x, ROWS);
    for (int l = 0; l < BLOCKS; l++)
        for (int r = 0; r < ROWS; r++) {
            const double *row = net->block[l].out + r * WIDTH;
            double mean = 0, sq = 0;
            for (int j = 0; j < WIDTH; j++)
                mean += row[j] / WIDTH;
            for (int j = 0; j < WIDTH; j++)
                sq += (row[j] - mean) * (row[j] - mean) / WIDTH;
            cr_assert_lt(fabs(mean), 1e-9, "block %d row %d mean %g", l + 1, r, mean);
            check_close(sq, 1.0, 1e-3, 0, "block %d row %d variance", l + 1, r);
        }
    resmlp_destroy(net);
}

Test(resmlp, block_grad_norm_is_the_norm_of_the_blocks_gradients)
{
    ResMlp *net = make(NORM_PLACE_POST, true, ACTIVATION_RELU, 6);
    for (size_t i = 0; i < net->num_params; i++)
        net->grads[i] = 0;
    ResMlpBlock *b = &net->block[1];
    b->dw1[0] = 3;
    b->dg2[WIDTH - 1] = 4;      /* the block's last parameter */
    net->block[2].dg1[0] = 100; /* the next block's first: not counted in block 2 */
    check_close(resmlp_block_grad_norm(net, 1), 5.0, 1e-15, 0, "block 2");
    check_close(resmlp_block_grad_norm(net, 2), 100.0, 1e-15, 0, "block 3");
    cr_assert_eq(resmlp_block_grad_norm(net, 0), 0.0);
    resmlp_destroy(net);
}

Test(resmlp, placements_share_their_initial_weights)
{
    ResMlp *pre = make(NORM_PLACE_PRE, false, ACTIVATION_RELU, 21);
    ResMlp *post = make(NORM_PLACE_POST, true, ACTIVATION_RELU, 21);
    for (int l = 0; l < BLOCKS; l++)
        cr_assert(memcmp(pre->block[l].w1, post->block[l].w1, WIDTH * WIDTH * sizeof(double)) == 0 &&
                      memcmp(pre->block[l].w2, post->block[l].w2, WIDTH * WIDTH * sizeof(double)) == 0,
                  "block %d's weights differ between the placements", l + 1);
    cr_assert(memcmp(pre->w_out, post->w_out, CLASSES * WIDTH * sizeof(double)) == 0);
    resmlp_destroy(pre);
    resmlp_destroy(post);
}

Test(resmlp, bad_sizes_are_refused_with_a_message)
{
    ResMlpConfig c;
    resmlp_config_init(&c, IN, CLASSES);
    BnError err = { 0 };
    c.blocks = 0;
    cr_assert_null(resmlp_create(&c, &err));
    cr_assert(strstr(err.message, "blocks") != NULL, "message: %s", err.message);
    resmlp_config_init(&c, IN, 1);
    err = (BnError){ 0 };
    cr_assert_null(resmlp_create(&c, &err));
    cr_assert(strstr(err.message, "classes") != NULL, "message: %s", err.message);
    resmlp_config_init(&c, IN, CLASSES);
    c.width = 1;
    err = (BnError){ 0 };
    cr_assert_null(resmlp_create(&c, &err));
    cr_assert(strstr(err.message, "width") != NULL, "message: %s", err.message);
}

Test(resmlp, place_names_round_trip)
{
    NormPlace p;
    cr_assert(resmlp_place_parse("post", &p) && p == NORM_PLACE_POST);
    cr_assert(resmlp_place_parse("pre", &p) && p == NORM_PLACE_PRE);
    cr_assert(!resmlp_place_parse("middle", &p));
    cr_assert_str_eq(resmlp_place_name(NORM_PLACE_POST), "post");
}
