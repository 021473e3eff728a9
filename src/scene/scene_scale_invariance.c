/* The 'scale-invariance' scene: weights followed by BN whose size does not matter, what weight decay does to that size, and the bias BN cancels (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/budget.h"
#include "engine/dataset.h"
#include "engine/mlp.h"
#include "engine/optimizer.h"
#include "scene/history.h"
#include "scene/layout.h"
#include "scene/netrun.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "util/pcg32.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"
#include "view/table.h"

/* The networks train in double: they are small (2-D data, two hidden layers), and the pages show
 * figures that only double can show (a gradient of 1e-17, a loss equal to the last digit). */
enum {
    SI_NETS_MAX = 3,
    SI_EVAL_ROWS = 200,         /* the fixed batch the scale view evaluates on: the first test rows */
    SI_CURVE_POINTS = 16,       /* the loss at c = 0.25, 0.5, ..., 4 */
    SI_CURVE_EVERY = 25,        /* steps between two recomputations of that curve while training */
    SI_TURN_WINDOW = 100,       /* steps the rms turn per step is taken over */
    SI_HISTORY_ROWS = 600,
    SI_TABLE_UNITS = 16,        /* units of the bias table, as many as fit */
};

/* The scale knob's steps: c = k/4, k = 1..16. */
#define SI_SCALE_STEP 0.25

/* The biases before BN start away from 0 (from a stream of their own, so the weights are the other
 * nets'), so that "they cancel" is not "they are 0". */
enum { SI_BIAS_STREAM = 0x62696173 };

typedef enum ScaleView { VIEW_SCALE, VIEW_DECAY, VIEW_BIAS } ScaleView;

/* The nets of each view, by role. */
enum { S_NONE = 0, S_BN = 1 };                     /* scale: no BN, BN */
enum { D_FREE = 0, D_DECAY = 1 };                  /* decay: BN without and with weight decay */
enum { B_BIAS = 0, B_NOBIAS = 1, B_NONE = 2 };     /* bias: BN with b, BN without b, no BN (with b) */

typedef struct ScaleNet {
    Mlp *mlp;
    Mlp *shadow;                /* a copy for evaluations, so the training net's buffers stay its own */
    Sgd *sgd;
    double decay;               /* the weights' factor after each step, 1 − η·λ; 1 for none */
    double loss;                /* the last mini-batch's loss */
} ScaleNet;

typedef struct ScaleScene {
    ScaleView view;
    Dataset *train, *test;
    BatchSampler sampler;
    int batch;
    int *idx;                   /* (batch) */
    double *x, *y;              /* (batch, dim), (batch) */
    double *eval_x, *eval_y;    /* (eval_rows, dim), (eval_rows): the fixed batch */
    int eval_rows;
    ScaleNet net[SI_NETS_MAX];
    int nets;
    int layer;                  /* 0-based hidden layer that is scaled, measured, watched */
    long step, steps_max;
    double lr, lambda;
    double eps;                 /* BN's ε */
    bool diverged;
    /* scale view */
    double c;
    long curve_step;            /* the step the curve was computed at; -1: never */
    double curve_c[SI_CURVE_POINTS];
    double curve[2][SI_CURVE_POINTS];   /* loss at c·W on the fixed batch, none and BN */
    double loss_at[2], loss_scaled[2];  /* on the fixed batch at W and at c·W */
    double out_change[2];       /* largest |output(c·W) − output(W)| over the fixed batch */
    double wg_cos[2];           /* |W·g| / (|W| |g|) of the layer, g its gradient on the fixed batch */
    History wg;                 /* 2 columns: wg_cos of no BN and BN at each measurement */
    /* decay view */
    double norm_start;
    double *prev_w;             /* (in·out) the layer's W before the step, of the net being stepped */
    double turn_sq[2][SI_TURN_WINDOW];  /* tan² of the angle W turned by at each of the last steps */
    int turns;
    History norms, eff;         /* 2 columns each: λ = 0, λ > 0 */
    /* bias view */
    double *bias_start;         /* (out) the biases before BN as they started */
    History bias_grad;          /* 2 columns: the largest |∂L/∂b| of the BN net and of the no-BN net */
    double bias_grad_max;       /* the largest |∂L/∂b| of the BN net over every step so far */
    double bias_grad_none_min;  /* the smallest of the no-BN net's largest |∂L/∂b| over every step so far */
    double loss_gap_max;        /* the largest |loss with b − loss without b| over every step so far */
} ScaleScene;

static const char *const view_choices[] = { "scale", "decay", "bias", NULL };

/* ---- measuring ------------------------------------------------------------------------------ */

static const MlpLayer *si_watched(const ScaleScene *s, int k) { return &s->net[k].mlp->hidden[s->layer]; }

static size_t weight_count(const MlpLayer *L) { return (size_t)L->in * (size_t)L->out; }

static double si_norm_of(const double *v, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += v[i] * v[i];
    return sqrt(sum);
}

static double si_weight_norm(const ScaleScene *s, int k)
{
    const MlpLayer *L = si_watched(s, k);
    return si_norm_of(L->w, weight_count(L));
}

/* The shadow of net k with the training net's parameters, the watched layer's W scaled by c. */
static Mlp *shadow_at(ScaleScene *s, int k, double c)
{
    Mlp *m = s->net[k].shadow;
    memcpy(m->params, s->net[k].mlp->params, sizeof(double) * m->num_params);
    MlpLayer *L = &m->hidden[s->layer];
    for (size_t i = 0; i < weight_count(L); i++)
        L->w[i] *= c;
    return m;
}

/* Loss of the fixed batch through net k with W scaled by c, in training mode's arithmetic (BN with
 * this batch's statistics, which is where L(c·W) = L(W) holds; running statistics untouched). */
static double eval_loss(ScaleScene *s, int k, double c)
{
    Mlp *m = shadow_at(s, k, c);
    BnError err = { 0 };
    if (!mlp_forward(m, s->eval_x, s->eval_rows, MLP_MODE_BATCH_STATS, &err))
        return NAN;
    return mlp_loss(m, s->eval_y);
}

/* The scale view's figures for net k: losses, the largest change of an output, |W·g|/(|W||g|). */
static void measure_scaling(ScaleScene *s, int k)
{
    size_t outputs = (size_t)s->eval_rows * (size_t)s->net[k].mlp->n_out;
    double *base = xmalloc(sizeof(double) * outputs);
    s->loss_scaled[k] = eval_loss(s, k, s->c);
    memcpy(base, s->net[k].shadow->logits, sizeof(double) * outputs);
    s->loss_at[k] = eval_loss(s, k, 1.0);
    double largest = 0.0;
    for (size_t i = 0; i < outputs; i++)
        largest = fmax(largest, fabs(s->net[k].shadow->logits[i] - base[i]));
    s->out_change[k] = isfinite(s->loss_scaled[k]) ? largest : NAN;
    free(base);
    /* The gradient at W (the shadow's last forward) on the fixed batch. */
    Mlp *m = s->net[k].shadow;
    BnError err = { 0 };
    optimizer_zero_grad(m->grads, m->num_params);
    s->wg_cos[k] = NAN;
    if (!isfinite(s->loss_at[k]) || !mlp_backward(m, NULL, &err))
        return;
    const MlpLayer *L = &m->hidden[s->layer];
    size_t n = weight_count(L);
    double dot = 0.0;
    for (size_t i = 0; i < n; i++)
        dot += L->w[i] * L->dw[i];
    double scale = si_norm_of(L->w, n) * si_norm_of(L->dw, n);
    s->wg_cos[k] = scale > 0.0 ? fabs(dot) / scale : NAN;
}

static void measure_curve(ScaleScene *s)
{
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < SI_CURVE_POINTS; i++)
            s->curve[k][i] = eval_loss(s, k, s->curve_c[i]);
    s->curve_step = s->step;
}

/* The largest |∂L/∂b| of the last step over the watched layer's biases (0 for a net without them). */
static double largest_bias_grad(const ScaleScene *s, int k)
{
    const MlpLayer *L = si_watched(s, k);
    double largest = 0.0;
    for (int j = 0; L->db && j < L->out; j++)
        largest = fmax(largest, fabs(L->db[j]));
    return largest;
}

static void si_record(ScaleScene *s)
{
    if (s->view == VIEW_DECAY) {
        double norms[2] = { si_weight_norm(s, D_FREE), si_weight_norm(s, D_DECAY) };
        double eff[2] = { s->lr / (norms[0] * norms[0]), s->lr / (norms[1] * norms[1]) };
        history_add(&s->norms, s->step, norms);
        history_add(&s->eff, s->step, eff);
    } else if (s->view == VIEW_BIAS && s->step > 0) {
        double g[2] = { largest_bias_grad(s, B_BIAS), largest_bias_grad(s, B_NONE) };
        history_add(&s->bias_grad, s->step, g);
        s->bias_grad_max = fmax(s->bias_grad_max, g[0]);
        s->bias_grad_none_min = s->step == 1 ? g[1] : fmin(s->bias_grad_none_min, g[1]);
        s->loss_gap_max = fmax(s->loss_gap_max, fabs(s->net[B_BIAS].loss - s->net[B_NOBIAS].loss));
    }
}

/* ---- building and training ----------------------------------------------------------------- */

static void si_destroy(void *self)
{
    ScaleScene *s = self;
    if (!s)
        return;
    for (int k = 0; k < s->nets; k++) {
        mlp_destroy(s->net[k].mlp);
        mlp_destroy(s->net[k].shadow);
        sgd_destroy(s->net[k].sgd);
    }
    dataset_destroy(s->train);
    dataset_destroy(s->test);
    if (s->idx)
        sampler_free(&s->sampler);
    free(s->idx);
    free(s->x);
    free(s->y);
    free(s->eval_x);
    free(s->eval_y);
    free(s->prev_w);
    free(s->bias_start);
    history_free(&s->norms);
    history_free(&s->eff);
    history_free(&s->bias_grad);
    history_free(&s->wg);
    free(s);
}

/* Net k: the page's network with BN before each activation or none, a bias before BN or not. */
static bool add_net(ScaleScene *s, const LessonPage *page, uint64_t seed, BnPlacement bn, bool bias_before_bn,
                    double lambda, BnError *err)
{
    const double *hidden = NULL;
    int nh = lesson_page_list(page, "hidden", &hidden);
    int sizes[MLP_MAX_SIZES], ns = 0;
    sizes[ns++] = s->train->dim;
    for (int i = 0; i < nh && ns < MLP_MAX_SIZES - 1; i++)
        sizes[ns++] = (int)hidden[i];
    sizes[ns++] = s->train->classes;
    /* A page asking for wide layers must not take a tutor past the classroom budget (as netrun does). */
    StepCost cost = budget_mlp_step(sizes, ns, s->batch > SI_EVAL_ROWS ? s->batch : SI_EVAL_ROWS);
    char why[400];
    if (!budget_fits(&cost, why, sizeof why)) {
        error_set(err, "", "%s", why);
        return false;
    }
    MlpConfig c;
    mlp_config_init(&c, sizes, ns);
    activation_parse(lesson_page_enum(page, "act"), &c.act);
    c.bn = bn;
    c.bias_before_bn = bias_before_bn;
    c.seed = seed;      /* every net starts from the same weights */
    c.eps = s->eps;
    ScaleNet *n = &s->net[s->nets];
    if (!(n->mlp = mlp_create(&c, err)) || !(n->shadow = mlp_create(&c, err)))
        return false;
    s->nets++;
    n->sgd = sgd_create(n->mlp->num_params, s->lr, 0.0);
    n->decay = 1.0 - s->lr * lambda;
    n->loss = NAN;
    return true;
}

static bool build_nets(ScaleScene *s, const LessonPage *page, uint64_t seed, BnError *err)
{
    switch (s->view) {
    case VIEW_SCALE:
        return add_net(s, page, seed, BN_PLACEMENT_NONE, false, 0.0, err) &&
               add_net(s, page, seed, BN_PLACEMENT_BEFORE, false, 0.0, err);
    case VIEW_DECAY:
        return add_net(s, page, seed, BN_PLACEMENT_BEFORE, false, 0.0, err) &&
               add_net(s, page, seed, BN_PLACEMENT_BEFORE, false, s->lambda, err);
    case VIEW_BIAS:
        return add_net(s, page, seed, BN_PLACEMENT_BEFORE, true, 0.0, err) &&
               add_net(s, page, seed, BN_PLACEMENT_BEFORE, false, 0.0, err) &&
               add_net(s, page, seed, BN_PLACEMENT_NONE, false, 0.0, err);
    }
    return false;
}

static void *si_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    ScaleScene *s = xcalloc(1, sizeof *s);
    const char *view = lesson_page_enum(page, "view");
    s->view = strcmp(view, "decay") == 0 ? VIEW_DECAY : strcmp(view, "bias") == 0 ? VIEW_BIAS : VIEW_SCALE;
    uint64_t run_seed = netrun_seed(seed, lesson_page_int(page, "seed"));
    if (!dataset_load(lesson_page_enum(page, "dataset"), run_seed, 0, 0, &s->train, &s->test, err)) {
        si_destroy(s);
        return NULL;
    }
    if (s->train->classes < 2 || s->train->dim > 64) {
        error_set(err, lesson_page_enum(page, "dataset"), "this scene needs a small classification set "
                  "(blobs, moons, spirals)");
        si_destroy(s);
        return NULL;
    }
    s->lr = lesson_page_real(page, "lr");
    s->eps = bnrule_of_page(page).eps;
    s->lambda = lesson_page_real(page, "decay");
    s->c = lesson_page_real(page, "factor");
    s->steps_max = lesson_page_int(page, "steps");
    s->batch = (int)lesson_page_int(page, "batch");
    if (s->batch > s->train->n)
        s->batch = s->train->n;
    if (!build_nets(s, page, run_seed, err)) {
        si_destroy(s);
        return NULL;
    }
    int nh = s->net[0].mlp->num_hidden;
    long layer = lesson_page_int(page, "layer");
    s->layer = layer <= 0 || layer > nh ? 0 : (int)layer - 1;
    int dim = s->train->dim;
    s->idx = xmalloc(sizeof(int) * (size_t)s->batch);
    s->x = xmalloc(sizeof(double) * (size_t)s->batch * (size_t)dim);
    s->y = xmalloc(sizeof(double) * (size_t)s->batch);
    sampler_init(&s->sampler, s->train->n, run_seed);
    s->eval_rows = s->test->n < SI_EVAL_ROWS ? s->test->n : SI_EVAL_ROWS;
    s->eval_x = xmalloc(sizeof(double) * (size_t)s->eval_rows * (size_t)dim);
    s->eval_y = xmalloc(sizeof(double) * (size_t)s->eval_rows);
    for (int i = 0; i < s->eval_rows; i++) {
        dataset_row(s->test, i, s->eval_x + (size_t)i * (size_t)dim);
        s->eval_y[i] = s->test->y[i];
    }
    const MlpLayer *L = si_watched(s, 0);
    s->prev_w = xmalloc(sizeof(double) * weight_count(L));
    for (int i = 0; i < SI_CURVE_POINTS; i++)
        s->curve_c[i] = SI_SCALE_STEP * (i + 1);
    s->curve_step = -1;
    history_init(&s->norms, 2, SI_HISTORY_ROWS);
    history_init(&s->eff, 2, SI_HISTORY_ROWS);
    history_init(&s->bias_grad, 2, SI_HISTORY_ROWS);
    history_init(&s->wg, 2, SI_HISTORY_ROWS);
    if (s->view == VIEW_BIAS) {
        Pcg32 rng;
        pcg32_seed(&rng, run_seed, SI_BIAS_STREAM);
        for (int l = 0; l < nh; l++) {
            MlpLayer *B = &s->net[B_BIAS].mlp->hidden[l];
            for (int j = 0; j < B->out; j++)
                B->b[j] = pcg32_normal(&rng);
        }
        s->bias_start = xmalloc(sizeof(double) * (size_t)L->out);
        memcpy(s->bias_start, si_watched(s, B_BIAS)->b, sizeof(double) * (size_t)L->out);
    }
    s->norm_start = si_weight_norm(s, 0);
    si_record(s);
    return s;
}

/* Steps net k on the current mini-batch, then its weight decay; the angle its W turned by. */
static bool step_net(ScaleScene *s, int k)
{
    ScaleNet *n = &s->net[k];
    const MlpLayer *L = si_watched(s, k);
    size_t count = weight_count(L);
    memcpy(s->prev_w, L->w, sizeof(double) * count);
    BnError err = { 0 };
    if (!mlp_train_step(n->mlp, n->sgd, s->x, s->y, s->batch, &n->loss, &err) || !netrun_finite(n->mlp))
        return false;
    if (n->decay != 1.0)
        mlp_scale_weights(n->mlp, n->decay);
    if (s->view == VIEW_DECAY && k < 2) {
        /* tan² of the turn: the part of W_new across W_old against the part along it. */
        double along = 0.0, old_sq = 0.0, new_sq = 0.0;
        for (size_t i = 0; i < count; i++) {
            along += s->prev_w[i] * L->w[i];
            old_sq += s->prev_w[i] * s->prev_w[i];
            new_sq += L->w[i] * L->w[i];
        }
        double cos_sq = along * along / (old_sq * new_sq);
        s->turn_sq[k][s->step % SI_TURN_WINDOW] = cos_sq > 0.0 ? fmax(0.0, (1.0 - cos_sq) / cos_sq) : NAN;
    }
    return true;
}

static void si_step(void *self)
{
    ScaleScene *s = self;
    if (s->diverged || s->step >= s->steps_max)
        return;
    sampler_next(&s->sampler, s->idx, s->batch);
    dataset_gather(s->train, s->idx, s->batch, s->x, s->y);
    for (int k = 0; k < s->nets; k++)
        if (!step_net(s, k)) {
            s->diverged = true;
            return;
        }
    s->step++;
    if (s->view == VIEW_DECAY)
        s->turns = s->turns < SI_TURN_WINDOW ? s->turns + 1 : SI_TURN_WINDOW;
    si_record(s);
}

/* The scale view's figures follow the weights: after a key at once, while training every few steps. */
static void si_update(void *self)
{
    ScaleScene *s = self;
    if (s->view != VIEW_SCALE || s->diverged)
        return;
    bool fresh = s->curve_step >= 0 && (s->step == s->curve_step ||
                                        (s->step - s->curve_step < SI_CURVE_EVERY && s->step < s->steps_max));
    if (fresh)
        return;
    measure_curve(s);
    for (int k = 0; k < 2; k++)
        measure_scaling(s, k);
    /* A key measures again at the same step: the history keeps one row per step. */
    if (s->wg.n == 0 || s->wg.x[s->wg.n - 1] < (double)s->step)
        history_add(&s->wg, s->step, s->wg_cos);
}

static bool si_halted(const void *self) { return ((const ScaleScene *)self)->diverged; }

static bool si_key_scale(void *self, int key)
{
    ScaleScene *s = self;
    if (s->view != VIEW_SCALE)
        return false;
    double c = s->c + (key == ']' ? SI_SCALE_STEP : -SI_SCALE_STEP);
    if (c < SI_SCALE_STEP - 1e-9 || c > SI_SCALE_STEP * SI_CURVE_POINTS + 1e-9)
        return false;
    s->c = c;
    s->curve_step = -1;     /* measure again at once */
    return true;
}

static const SceneKeyAction si_keys[] = {
    { "[/]", "scale c down/up", si_key_scale },
};

/* The scale keys are in the footer only where there is a c to change. */
static bool si_key_offered(const void *self, int i) { return ((const ScaleScene *)self)->view == VIEW_SCALE; }

/* ---- live values ---------------------------------------------------------------------------- */

static const ScaleScene *as_scene(const void *self) { return self; }

#define SI_VIEW_VALUE(fn, view_, expr)                                                             \
    static bool fn(const void *self, const int *index, double *out)                               \
    {                                                                                              \
        const ScaleScene *s = as_scene(self);                                                      \
        return s->view == view_ && !s->diverged && scene_finite((expr), out);                     \
    }

SI_VIEW_VALUE(live_scale, VIEW_SCALE, s->c)
SI_VIEW_VALUE(live_loss_none, VIEW_SCALE, s->loss_at[S_NONE])
SI_VIEW_VALUE(live_loss_bn, VIEW_SCALE, s->loss_at[S_BN])
SI_VIEW_VALUE(live_loss_none_scaled, VIEW_SCALE, s->loss_scaled[S_NONE])
SI_VIEW_VALUE(live_loss_bn_scaled, VIEW_SCALE, s->loss_scaled[S_BN])
SI_VIEW_VALUE(live_out_change_none, VIEW_SCALE, s->out_change[S_NONE])
SI_VIEW_VALUE(live_out_change_bn, VIEW_SCALE, s->out_change[S_BN])
SI_VIEW_VALUE(live_wg_none, VIEW_SCALE, s->wg_cos[S_NONE])
SI_VIEW_VALUE(live_wg_bn, VIEW_SCALE, s->wg_cos[S_BN])
/* max − min of the loss over the knob's whole range of c, net k. */
static double curve_spread(const ScaleScene *s, int k)
{
    if (s->curve_step < 0)
        return NAN;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < SI_CURVE_POINTS; i++) {
        lo = fmin(lo, s->curve[k][i]);
        hi = fmax(hi, s->curve[k][i]);
    }
    return hi - lo;
}
SI_VIEW_VALUE(live_spread_none, VIEW_SCALE, curve_spread(s, S_NONE))
SI_VIEW_VALUE(live_spread_bn, VIEW_SCALE, curve_spread(s, S_BN))
SI_VIEW_VALUE(live_norm_free, VIEW_DECAY, si_weight_norm(s, D_FREE))
SI_VIEW_VALUE(live_norm_decay, VIEW_DECAY, si_weight_norm(s, D_DECAY))
SI_VIEW_VALUE(live_norm_start, VIEW_DECAY, s->norm_start)
SI_VIEW_VALUE(live_eff_free, VIEW_DECAY, s->lr / pow(si_weight_norm(s, D_FREE), 2))
SI_VIEW_VALUE(live_eff_decay, VIEW_DECAY, s->lr / pow(si_weight_norm(s, D_DECAY), 2))
SI_VIEW_VALUE(live_eff_start, VIEW_DECAY, s->lr / (s->norm_start * s->norm_start))
SI_VIEW_VALUE(live_turn_eq, VIEW_DECAY, sqrt(2.0 * s->lr * s->lambda))

/* The rms angle (radians) net k's W turned by per step, over the last SI_TURN_WINDOW steps. */
static double turn_rms(const ScaleScene *s, int k)
{
    if (s->turns == 0)
        return NAN;
    double sum = 0.0;
    for (int i = 0; i < s->turns; i++)
        sum += s->turn_sq[k][i];
    return atan(sqrt(sum / s->turns));
}
SI_VIEW_VALUE(live_turn_free, VIEW_DECAY, turn_rms(s, D_FREE))
SI_VIEW_VALUE(live_turn_decay, VIEW_DECAY, turn_rms(s, D_DECAY))

/* The largest |b − b(step 0)| of the BN net's biases before BN: SGD with a zero gradient leaves them. */
static double bias_moved(const ScaleScene *s)
{
    const MlpLayer *L = si_watched(s, B_BIAS);
    double largest = 0.0;
    for (int j = 0; j < L->out; j++)
        largest = fmax(largest, fabs(L->b[j] - s->bias_start[j]));
    return largest;
}

static bool bias_ready(const ScaleScene *s) { return s->view == VIEW_BIAS && !s->diverged && s->step > 0; }

static bool live_bias_grad_bn(const void *self, const int *index, double *out)
{
    const ScaleScene *s = self;
    return bias_ready(s) && scene_finite(largest_bias_grad(s, B_BIAS), out);
}
static bool live_bias_grad_none(const void *self, const int *index, double *out)
{
    const ScaleScene *s = self;
    return bias_ready(s) && scene_finite(largest_bias_grad(s, B_NONE), out);
}
static bool live_beta_grad(const void *self, const int *index, double *out)
{
    const ScaleScene *s = self;
    if (!bias_ready(s))
        return false;
    const MlpLayer *L = si_watched(s, B_BIAS);
    double largest = 0.0;
    for (int j = 0; j < L->out; j++)
        largest = fmax(largest, fabs(L->dbeta[j]));
    return scene_finite(largest, out);
}
static bool live_bias_moved_real(const void *self, const int *index, double *out)
{
    const ScaleScene *s = self;
    return s->view == VIEW_BIAS && !s->diverged && scene_finite(bias_moved(s), out);
}
/* The mini-batch loss of the BN nets with and without the bias: the same run, to rounding. */
static bool live_loss_gap(const void *self, const int *index, double *out)
{
    const ScaleScene *s = self;
    return bias_ready(s) && scene_finite(fabs(s->net[B_BIAS].loss - s->net[B_NOBIAS].loss), out);
}

static bool live_bias_grad_max(const void *self, const int *index, double *out)
{
    const ScaleScene *s = self;
    return bias_ready(s) && scene_finite(s->bias_grad_max, out);
}
static bool live_bias_grad_none_min(const void *self, const int *index, double *out)
{
    const ScaleScene *s = self;
    return bias_ready(s) && scene_finite(s->bias_grad_none_min, out);
}
static bool live_loss_gap_max(const void *self, const int *index, double *out)
{
    const ScaleScene *s = self;
    return bias_ready(s) && scene_finite(s->loss_gap_max, out);
}

static bool live_loss(const void *self, const int *index, double *out)
{
    const ScaleScene *s = self;
    int k = s->view == VIEW_SCALE ? S_BN : 0;
    return s->step > 0 && !s->diverged && scene_finite(s->net[k].loss, out);
}
static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const ScaleScene *)self)->step;
    return true;
}

static const CatalogLive si_lives[] = {
    { "scale", 0, "scale view: c, the factor the watched layer's W is scaled by", live_scale },
    { "loss_none", 0, "scale view: loss of the fixed batch at W, no BN", live_loss_none },
    { "loss_bn", 0, "scale view: the same with BN", live_loss_bn },
    { "loss_none_scaled", 0, "scale view: loss of the fixed batch at c·W, no BN", live_loss_none_scaled },
    { "loss_bn_scaled", 0, "scale view: the same with BN", live_loss_bn_scaled },
    { "out_change_none", 0, "scale view: largest change of an output from W to c·W, no BN", live_out_change_none },
    { "out_change_bn", 0, "scale view: the same with BN", live_out_change_bn },
    { "spread_none", 0, "scale view: largest minus smallest loss over c = 0.25 .. 4, no BN", live_spread_none },
    { "spread_bn", 0, "scale view: the same with BN", live_spread_bn },
    { "wg_none", 0, "scale view: |W·g| / (|W| |g|), g the layer's gradient on the fixed batch, no BN", live_wg_none },
    { "wg_bn", 0, "scale view: the same with BN (0: g orthogonal to W)", live_wg_bn },
    { "norm_free", 0, "decay view: |W| of the watched layer, BN net without weight decay", live_norm_free },
    { "norm_decay", 0, "decay view: the same with weight decay", live_norm_decay },
    { "norm_start", 0, "decay view: |W| at step 0 (the same in both)", live_norm_start },
    { "eff_free", 0, "decay view: effective learning rate lr/|W|^2 without weight decay", live_eff_free },
    { "eff_decay", 0, "decay view: the same with weight decay", live_eff_decay },
    { "eff_start", 0, "decay view: lr/|W|^2 at step 0", live_eff_start },
    { "turn_free", 0, "decay view: rms angle (radians) W turned by per step, last 100 steps, no decay", live_turn_free },
    { "turn_decay", 0, "decay view: the same with weight decay", live_turn_decay },
    { "turn_eq", 0, "decay view: sqrt(2·lr·decay), the turn per step at weight decay's equilibrium", live_turn_eq },
    { "bias_grad_bn", 0, "bias view: largest |dL/db| of the last step, bias before BN", live_bias_grad_bn },
    { "bias_grad_none", 0, "bias view: the same in the network without BN", live_bias_grad_none },
    { "beta_grad", 0, "bias view: largest |dL/dbeta| of the last step in the BN net", live_beta_grad },
    { "bias_moved", 0, "bias view: largest |b - b at step 0| of the biases before BN", live_bias_moved_real },
    { "loss_gap", 0, "bias view: |loss with the bias - loss without it| of the last mini-batch (BN nets)",
      live_loss_gap },
    { "bias_grad_max", 0, "bias view: the largest bias_grad_bn over every step so far", live_bias_grad_max },
    { "bias_grad_none_min", 0, "bias view: the smallest bias_grad_none over every step so far",
      live_bias_grad_none_min },
    { "loss_gap_max", 0, "bias view: the largest loss_gap over every step so far", live_loss_gap_max },
    { "loss", 0, "last mini-batch loss (the BN net; decay view: without decay)", live_loss },
    { "step", 0, "training steps taken", live_step },
};

static const CatalogSetting setting_view = {
    .name = "view", .type = SETTING_ENUM, .choices = view_choices, .fallback = "scale",
    .help = "scale: W scaled by c, with and without BN; decay: |W| and lr/|W|^2 without and with weight "
            "decay; bias: a bias before BN" };
static const CatalogSetting setting_factor = {
    .name = "factor", .type = SETTING_REAL, .min = 0.25, .max = 4, .fallback = "2",
    .help = "scale view: the factor c the watched layer's weights are scaled by ([ and ] change it by 0.25)" };
static const CatalogSetting setting_decay = {
    .name = "decay", .type = SETTING_REAL, .min = 0, .max = 1, .fallback = "0.01",
    .help = "decay view: weight decay lambda of the second net (each step multiplies W by 1 - lr*lambda)" };

static const CatalogSceneSetting si_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, "spirals" }, { &setting_hidden, "16,16" }, { &setting_act, "relu" },
    { &setting_batch, "32" }, { &setting_lr, "1" }, { &setting_steps, "1000" }, { &setting_view, NULL },
    { &setting_factor, NULL }, { &setting_decay, NULL }, { &setting_eps, NULL }, { &setting_layer, "1" }, { &setting_autoplay, NULL },
    { &setting_speed, NULL },
};

/* ---- drawing -------------------------------------------------------------------------------- */

static const char *si_num(char *buf, double v, int sig, bool unicode)
{
    return isfinite(v) ? format_number(buf, FORMAT_MAX, v, sig, unicode) : "-";
}

/* "step 120/1000" and " done" at the end. */
static int step_text(const ScaleScene *s, char *buf, size_t size)
{
    return snprintf(buf, size, "step %ld/%ld%s", s->step, s->steps_max, s->step >= s->steps_max ? " done" : "");
}

/* One chart of a two-column history over the run's steps. */
static void draw_history(const ScaleScene *s, Canvas *cv, Rect area, const History *h, const char *title,
                         const char *names[2], AxisSpec y, bool name_x)
{
    if (!layout_chart_fits(area))
        return;
    fitline_draw(cv, area.x, area.y, title, ROLE_TITLE, ATTR_BOLD, area.w);
    LineSeries series[2] = { { h->x, history_col(h, 0), h->n, names[0] }, { h->x, history_col(h, 1), h->n, names[1] } };
    LineChartSpec chart = {
        .series = series, .nseries = 2, .legend = true,
        .x = { .fixed = true, .lo = 0, .hi = (double)(s->steps_max > 0 ? s->steps_max : 1),
               .label = name_x ? "step" : NULL },
        .y = y,
    };
    linechart_draw(cv, rect_make(area.x, area.y + 1, area.w, area.h - 1), &chart);
}

/* The scale view: the fixed batch's loss at W and c·W for both nets, and the loss over c. */
static void draw_scale(const ScaleScene *s, Canvas *cv, SceneHead *head)
{
    bool u = cv->unicode;
    char line[256], a[FORMAT_MAX], b[FORMAT_MAX];
    int used = step_text(s, line, sizeof line);
    snprintf(line + used, sizeof line - (size_t)used,
             FITLINE_SEP "  layer %d's W %s c = %s" FITLINE_SEP "  ([ ] change c)" FITLINE_SEP
             "  BN's %s = %s" FITLINE_SEP "  loss of %d fixed rows, batch statistics",
             s->layer + 1, u ? "×" : "x", si_num(a, s->c, 3, u), u ? "ε" : "eps", si_num(b, s->eps, 2, u), s->eval_rows);
    scene_head_title(head, line, ROLE_TITLE);
    snprintf(line, sizeof line, "W%sg / (|W| |g|):" FITLINE_SEP " BN %s" FITLINE_SEP ", no BN %s" FITLINE_SEP
             "   (g: the gradient of layer %d's W)", u ? "·" : ".", si_num(a, s->wg_cos[S_BN], 2, u),
             si_num(b, s->wg_cos[S_NONE], 2, u), s->layer + 1);
    scene_head_line(head, line, ROLE_TEXT_DIM, 0);
    Rect body = scene_head_body(head, 0);
    Rect left = body, right = rect_make(0, 0, 0, 0);
    if (layout_fits(body, LAYOUT_W_FULL - 2, 0))
        rect_split_cols(body, 44, 2, &left, &right);
    else if (body.h >= LAYOUT_H_STACK_TWO)
        rect_split_rows(body, 5, 1, &left, &right);
    /* The table: a column per net, so each net's two losses line up digit for digit. */
    double v[6] = { s->loss_at[S_NONE], s->loss_at[S_BN], s->loss_scaled[S_NONE], s->loss_scaled[S_BN],
                    s->out_change[S_NONE], s->out_change[S_BN] };
    static const char *const cols[2] = { "no BN", "BN" };
    static const char *const rows_u[3] = { "loss at W", "loss at c·W", "max |Δ output|" };
    static const char *const rows_a[3] = { "loss at W", "loss at c*W", "max |d output|" };
    TableSpec spec = { .values = v, .rows = 3, .cols = 2, .row_names = u ? rows_u : rows_a, .col_names = cols,
                       .corner = "", .sig = 7, .hl_row = -1, .hl_col = -1 };
    table_draw(cv, rect_make(left.x, left.y, left.w, left.h < 4 ? left.h : 4), &spec, NULL);
    if (left.h >= 6 && right.w > 0 && right.x > left.x) {
        /* How far the loss moves over the knob's whole range: the chart's two lines in numbers. */
        snprintf(line, sizeof line, "loss range over c:" FITLINE_SEP " BN %s" FITLINE_SEP ", no BN %s",
                 si_num(a, curve_spread(s, S_BN), 2, u), si_num(b, curve_spread(s, S_NONE), 2, u));
        fitline_draw(cv, left.x, left.y + 5, line, ROLE_TEXT_DIM, 0, left.w);
        /* A tall screen has room under the table for W·g over training: zero all along with BN. */
        Rect below = rect_make(left.x, left.y + 7, left.w, left.h - 7);
        if (below.h >= LAYOUT_H_PANELS_BELOW) {
            const char *names[2] = { "no BN", "BN" };
            snprintf(line, sizeof line, "|W%sg| / (|W| |g|) over training" FITLINE_SEP ", log scale", u ? "·" : ".");
            draw_history(s, cv, below, &s->wg, line, names, (AxisSpec){ .log = true }, true);
        }
    }
    if (right.w <= 0 || !layout_chart_fits(right))
        return;
    snprintf(line, sizeof line, "loss at c%sW" FITLINE_SEP ", c = 0.25 .. 4", u ? "·" : "*");
    fitline_draw(cv, right.x, right.y, line, ROLE_TITLE, ATTR_BOLD, right.w);
    bool ready = s->curve_step >= 0;
    LineSeries series[2] = {
        { s->curve_c, s->curve[S_NONE], ready ? SI_CURVE_POINTS : 0, "no BN" },
        { s->curve_c, s->curve[S_BN], ready ? SI_CURVE_POINTS : 0, "BN" },
    };
    LineChartSpec chart = { .series = series, .nseries = 2, .legend = true,
                            .x = { .fixed = true, .lo = 0, .hi = 4, .label = "c" } };
    linechart_draw(cv, rect_make(right.x, right.y + 1, right.w, right.h - 1), &chart);
}

/* The decay view: |W| and lr/|W|² over training without and with weight decay. */
static void draw_decay(const ScaleScene *s, Canvas *cv, SceneHead *head)
{
    bool u = cv->unicode;
    char line[320], a[FORMAT_MAX], b[FORMAT_MAX], c[FORMAT_MAX], d[FORMAT_MAX];
    int used = step_text(s, line, sizeof line);
    snprintf(line + used, sizeof line - (size_t)used, FITLINE_SEP "  BN nets, lr %s, %s = 0 and %s"
             FITLINE_SEP "  |W| of layer %d", si_num(a, s->lr, 3, u), u ? "λ" : "lambda", si_num(b, s->lambda, 3, u),
             s->layer + 1);
    scene_head_title(head, line, ROLE_TITLE);
    double deg = 180.0 / M_PI;
    /* One decimal everywhere, so the measured turns read against √(2ηλ) as measured, not rounded; the
     * ASCII wording is shorter, so the reference stays on an 80-column line. */
    double turns[3] = { turn_rms(s, D_FREE) * deg, turn_rms(s, D_DECAY) * deg, sqrt(2.0 * s->lr * s->lambda) * deg };
    char t[3][FORMAT_MAX];
    for (int i = 0; i < 3; i++) {
        if (isfinite(turns[i]))
            format_fixed(t[i], FORMAT_MAX, turns[i], 1, u);
        else
            snprintf(t[i], sizeof t[i], "-");
    }
    if (u)
        snprintf(line, sizeof line, "rms turn of W per step (last %d):" FITLINE_SEP " λ=0 %s°," FITLINE_SEP
                 " λ=%s %s°," FITLINE_SEP " √(2·η·λ) = %s°", SI_TURN_WINDOW, t[0], si_num(d, s->lambda, 3, u), t[1],
                 t[2]);
    else
        snprintf(line, sizeof line, "rms turn/step (deg):" FITLINE_SEP " lambda=0 %s," FITLINE_SEP " lambda=%s %s,"
                 FITLINE_SEP " sqrt(2*eta*lambda) = %s", t[0], si_num(d, s->lambda, 3, u), t[1], t[2]);
    scene_head_line(head, line, ROLE_TEXT_DIM, 0);
    Rect body = scene_head_body(head, 0);
    char lam[48];
    snprintf(lam, sizeof lam, "%s=%s", u ? "λ" : "lambda", si_num(a, s->lambda, 3, u));
    const char *names[2] = { u ? "λ=0" : "lambda=0", lam };
    char t1[96], t2[96];
    snprintf(t1, sizeof t1, "|W|:" FITLINE_SEP " %s" FITLINE_SEP " and %s", si_num(a, history_last(&s->norms, 0), 3, u),
             si_num(b, history_last(&s->norms, 1), 3, u));
    snprintf(t2, sizeof t2, "eff. lr %s/|W|%s:" FITLINE_SEP " %s" FITLINE_SEP " and %s", u ? "η" : "eta", u ? "²" : "^2",
             si_num(c, history_last(&s->eff, 0), 3, u), si_num(d, history_last(&s->eff, 1), 3, u));
    Rect left, right;
    rect_split_cols(body, (body.w - 2) / 2, 2, &left, &right);
    draw_history(s, cv, left, &s->norms, t1, names, (AxisSpec){ 0 }, true);
    draw_history(s, cv, right, &s->eff, t2, names, (AxisSpec){ 0 }, true);
}

/* The bias view: the biases before BN, their gradients, and those of the net without BN. */
static void draw_bias(const ScaleScene *s, Canvas *cv, SceneHead *head)
{
    bool u = cv->unicode;
    char line[320], a[FORMAT_MAX], b[FORMAT_MAX], c[FORMAT_MAX];
    int used = step_text(s, line, sizeof line);
    const char *loss_word = s->step > 0 ? "" : " (after a step)";
    snprintf(line + used, sizeof line - (size_t)used,
             FITLINE_SEP "  loss: BN with b %s" FITLINE_SEP ", BN without b %s" FITLINE_SEP ", no BN %s%s",
             si_num(a, s->net[B_BIAS].loss, 5, u), si_num(b, s->net[B_NOBIAS].loss, 5, u), si_num(c, s->net[B_NONE].loss, 5, u),
             loss_word);
    scene_head_title(head, line, ROLE_TITLE);
    Rect body = scene_head_body(head, 0);
    const MlpLayer *L = si_watched(s, B_BIAS), *N = si_watched(s, B_NONE);
    /* Every unit (up to 16); the table ends in a "⋮" row where the screen has room for fewer. */
    int rows = L->out < SI_TABLE_UNITS ? L->out : SI_TABLE_UNITS;
    int table_h = rows + 1 < body.h ? rows + 1 : body.h;
    Rect left = body, right = rect_make(0, 0, 0, 0);
    if (layout_fits(body, LAYOUT_W_FULL - 2, 0))
        rect_split_cols(body, u ? 42 : 44, 2, &left, &right);   /* ASCII's "dL/dbeta" is wider */
    if (table_h >= 2) {
        bool grads = s->step > 0;
        enum { COLS = 4 };
        double v[SI_TABLE_UNITS * COLS];
        /* Before the first step there are no gradients: only the b column (the table would print "nan"). */
        int cols = grads ? COLS : 1;
        for (int r = 0; r < rows; r++) {
            double *row = v + r * cols;
            row[0] = L->b[r];
            if (grads) {
                row[1] = L->db[r];
                row[2] = L->dbeta[r];
                row[3] = N->db[r];
            }
        }
        TableLabels names = TABLE_LABELS_INIT;
        table_labels_number(&names, "", 1, rows);
        static const char *const cols_u[COLS] = { "b", "∂L/∂b", "∂L/∂β", "∂L/∂b no BN" };
        static const char *const cols_a[COLS] = { "b", "dL/db", "dL/dbeta", "dL/db no BN" };
        TableSpec spec = { .values = v, .rows = rows, .cols = cols, .row_names = table_labels_names(&names),
                           .col_names = u ? cols_u : cols_a, .corner = "unit", .sig = 3, .hl_row = -1, .hl_col = grads ? 1 : -1 };
        table_draw(cv, rect_make(left.x, left.y, left.w, table_h), &spec, NULL);
        table_labels_free(&names);
    }
    if (right.w <= 0)
        return;
    char title[96];
    /* The latest step's figures in the title: the log axis may not label the no-BN line's decade. */
    snprintf(title, sizeof title, "|%s|:" FITLINE_SEP " BN %s" FITLINE_SEP ", no BN %s", u ? "∂L/∂b" : "dL/db",
             si_num(a, history_last(&s->bias_grad, 0), 2, u), si_num(b, history_last(&s->bias_grad, 1), 2, u));
    const char *series[2] = { "BN", "no BN" };
    /* A fixed range from below double's rounding to 1, so the top tick says where the no-BN line is. */
    /* Beside the table the chart is narrow: without the axis name its step ticks have room. */
    draw_history(s, cv, right, &s->bias_grad, title, series,
                 (AxisSpec){ .fixed = true, .log = true, .lo = 1e-18, .hi = 1 }, false);
}

static void si_draw(const void *self, Canvas *cv, Rect area)
{
    const ScaleScene *s = self;
    SceneHead head = scene_head_begin(cv, area);
    if (s->diverged) {
        scene_head_diverged(&head, s->step, NULL);
        return;
    }
    switch (s->view) {
    case VIEW_SCALE: draw_scale(s, cv, &head); break;
    case VIEW_DECAY: draw_decay(s, cv, &head); break;
    case VIEW_BIAS: draw_bias(s, cv, &head); break;
    }
}

const SceneClass scene_scale_invariance = {
    .schema = SCENE_SCHEMA("scale-invariance", "weights followed by BN: their scale, weight decay and the bias "
                           "BN cancels", si_settings, si_lives),
    .create = si_create,
    .destroy = si_destroy,
    .step = si_step,
    .steps_per_second = 20,
    .update = si_update,
    .draw = si_draw,
    .keys = si_keys,
    .key_count = SCENE_COUNT(si_keys),
    .key_offered = si_key_offered,
    .halted = si_halted,
};
