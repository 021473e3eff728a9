/* Networks that differ only in BN placement, trained in lockstep on the same mini-batches, with growable history tracks and shared chart drawing (scene layer). */
#include "scene/lockstep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stats.h"
#include "scene/netrun.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"

bool lockstep_init(Lockstep *ls, const LockstepConfig *config, BnError *err)
{
    memset(ls, 0, sizeof *ls);
    if (config->nets < 1 || config->nets > LOCKSTEP_MAX_NETS || config->num_hidden < 1 ||
        config->num_hidden > MLP_MAX_SIZES - 2) {
        error_set(err, "", "a lockstep run needs 1 to %d nets and at least one hidden layer", LOCKSTEP_MAX_NETS);
        return false;
    }
    if (!dataset_load(config->dataset, config->seed, config->n_train, config->n_test, &ls->train, &ls->test, err))
        return false;
    if (ls->train->classes < 2) {
        error_set(err, config->dataset, "this scene needs a classification set (blobs, moons, spirals, synth784)");
        lockstep_free(ls);
        return false;
    }
    int sizes[MLP_MAX_SIZES];
    int num = 0;
    sizes[num++] = ls->train->dim;
    for (int i = 0; i < config->num_hidden; i++)
        sizes[num++] = (int)config->hidden[i];
    sizes[num++] = ls->train->classes;
    ls->nets = config->nets;
    for (int k = 0; k < config->nets; k++) {
        MlpConfig mc;
        mlp_config_init(&mc, sizes, num);
        mc.act = config->act;
        mc.bn = config->placements[k];
        mc.seed = config->seed;         /* the same seed for every net: the same initial weights */
        mc.convention = config->rule.convention;
        mc.eps = config->rule.eps;
        mc.bn_momentum = config->rule.momentum;
        ls->placement[k] = config->placements[k];
        ls->mlp[k] = mlp_create(&mc, err);
        if (!ls->mlp[k]) {
            lockstep_free(ls);
            return false;
        }
        ls->sgd[k] = sgd_create(ls->mlp[k]->num_params, config->lr, 0.0);
    }
    /* A batch larger than the set is clamped: the sampler cannot fill it otherwise. */
    ls->batch = config->batch < ls->train->n ? config->batch : ls->train->n;
    if (ls->batch < 2)
        ls->batch = 2;
    sampler_init(&ls->sampler, ls->train->n, config->seed ^ LOCKSTEP_SAMPLER_STREAM);
    ls->idx = xmalloc(sizeof *ls->idx * (size_t)ls->batch);
    ls->x = xmalloc(sizeof *ls->x * (size_t)ls->batch * (size_t)ls->train->dim);
    ls->y = xmalloc(sizeof *ls->y * (size_t)ls->batch);
    return true;
}

void lockstep_free(Lockstep *ls)
{
    if (!ls)
        return;
    for (int k = 0; k < LOCKSTEP_MAX_NETS; k++) {
        mlp_destroy(ls->mlp[k]);
        sgd_destroy(ls->sgd[k]);
    }
    if (ls->idx)
        sampler_free(&ls->sampler);
    dataset_destroy(ls->train);
    dataset_destroy(ls->test);
    free(ls->idx);
    free(ls->x);
    free(ls->y);
    memset(ls, 0, sizeof *ls);
}

bool lockstep_step(Lockstep *ls)
{
    if (ls->diverged)
        return false;
    sampler_next(&ls->sampler, ls->idx, ls->batch);
    dataset_gather(ls->train, ls->idx, ls->batch, ls->x, ls->y);
    for (int k = 0; k < ls->nets; k++) {
        BnError err = { 0 };
        double loss = NAN;
        bool ok = mlp_train_step(ls->mlp[k], ls->sgd[k], ls->x, ls->y, ls->batch, &loss, &err);
        ls->loss[k] = loss;
        if (!ok || !isfinite(loss) || loss > LOCKSTEP_LOSS_LIMIT)
            ls->diverged = true;
    }
    if (ls->diverged)
        return false;
    ls->step++;
    return true;
}

bool lockstep_probe(const Lockstep *ls, int k, int rows, const MlpInferTap *taps, int num_taps)
{
    if (rows > ls->test->n)
        rows = ls->test->n;
    if (rows < 2)
        return false;
    /* Layer by layer, a few input rows at a time: the probe never grows the net's training buffers. */
    BnError err = { 0 };
    return mlp_infer_rows(ls->mlp[k], ls->test, 0, rows, MLP_MODE_BATCH_STATS, NULL, taps, num_taps, &err);
}

double lockstep_test_accuracy(Lockstep *ls, int k, int rows)
{
    if (rows > ls->test->n)
        rows = ls->test->n;
    if (rows < 2)
        return NAN;
    /* A batch at a time through the mini-batch buffer, free between steps: the networks' buffers
     * grow to the largest pass they see, so one pass over every test row would cost the most. */
    return netrun_set_accuracy(ls->mlp[k], ls->test, rows, ls->x, ls->batch);
}

void track_push(Track *t, double value)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 256;
        t->v = xrealloc(t->v, sizeof *t->v * (size_t)t->cap);
    }
    t->v[t->n++] = value;
}

double track_last(const Track *t) { return t->n ? t->v[t->n - 1] : NAN; }

void track_clear(Track *t) { t->n = 0; }

void track_free(Track *t)
{
    if (!t)
        return;
    free(t->v);
    memset(t, 0, sizeof *t);
}

void lockstep_percentiles(double *out, const double *x, int n)
{
    static const double ps[3] = { 15.0, 50.0, 85.0 };
    stats_percentiles(out, x, n, ps, 3);
}

const char *lockstep_net_label(BnPlacement placement)
{
    switch (placement) {
    case BN_PLACEMENT_BEFORE: return "BN before";
    case BN_PLACEMENT_AFTER: return "BN after";
    default: return "no BN";
    }
}

void lockstep_range(double *lo, double *hi, const double *const *arrays, int count, int n)
{
    double a = INFINITY, b = -INFINITY;
    for (int i = 0; i < count; i++) {
        if (!arrays[i])
            continue;
        for (int j = 0; j < n; j++)
            if (isfinite(arrays[i][j])) {
                a = fmin(a, arrays[i][j]);
                b = fmax(b, arrays[i][j]);
            }
    }
    if (!isfinite(a)) {
        a = -1.0;
        b = 1.0;
    }
    if (b - a < 0.2) {
        /* A flat history would fill the chart with noise: show at least a little range around it. */
        double mid = 0.5 * (a + b);
        a = mid - 0.1;
        b = mid + 0.1;
    }
    /* Round out to nice ticks so both ends carry a label. */
    Ticks t;
    ticks_nice(&t, a, b, 4, true);
    *lo = t.count >= 2 ? t.v[0] : a;
    *hi = t.count >= 2 ? t.v[t.count - 1] : b;
}

void lockstep_draw_bands(Canvas *canvas, Rect area, const char *title, const double *steps, const double *p15,
                         const double *p50, const double *p85, int n, double y_lo, double y_hi, double x_hi,
                         ColorRole role)
{
    if (area.w < 12 || area.h < 6)
        return;
    fitline_draw(canvas, area.x, area.y, title, role, ATTR_BOLD, area.w);
    Rect chart = rect_make(area.x, area.y + 1, area.w, area.h - 1);
    LineSeries series[3] = {
        { steps, p50, n, "median" },
        { steps, p15, n, "15th" },
        { steps, p85, n, "85th" },
    };
    LineBand band = { steps, p15, p85, n, ROLE_SERIES1 };
    LineChartSpec spec = {
        .series = series, .nseries = 3, .band = &band,
        .x = { .fixed = true, .lo = 0, .hi = x_hi > 0 ? x_hi : 1, .label = "step" },
        .y = { .fixed = true, .lo = y_lo, .hi = y_hi, .label = NULL },
        .legend = false,
    };
    linechart_draw(canvas, chart, &spec);
}
