/* The 'sandbox' scene: a small network with every knob, its curves, its decision boundary, and scrubbing through history (scene layer). */
#include "scene/scene_sandbox.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scene/netrun.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/axes.h"
#include "view/format.h"
#include "view/plot.h"

enum {
    SB_SNAPS = 200,         /* snapshots kept; thinned to every other one when full */
    SB_GRID_W = 48, SB_GRID_H = 24,
    SB_EVERY = 5,           /* accuracy and boundary refresh, and the first snapshot spacing */
    SB_TRACE = 800,
    SB_POINTS = 150,        /* test points drawn on the boundary map */
};

typedef enum SbKnob {
    KNOB_DATASET, KNOB_HIDDEN, KNOB_ACT, KNOB_PLACEMENT, KNOB_LR, KNOB_BATCH, KNOB_ALPHA, KNOB_EPS,
    KNOB_CONVENTION, KNOB_SEED, KNOB_COUNT
} SbKnob;

static const char *const sb_datasets[] = {"blobs", "moons", "spirals", "synth784"};
enum { SB_DATASETS = 4 };
static const char *const sb_hidden[] = {"4", "8", "16", "8,8", "16,16", "32,32", "16,16,16", "64,64", "8,8,8,8"};
enum { SB_HIDDEN = 9 };
static const double sb_lr[] = {0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10};
static const double sb_batch[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
static const double sb_alpha[] = {0.01, 0.05, 0.1, 0.2, 0.5, 0.9, 1};
static const double sb_eps[] = {1e-8, 1e-5, 1e-3, 0.01, 0.1, 1};
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

typedef struct SbSnap {
    long step;
    double loss, acc;
    double *params;         /* (num_params) */
    double *running;        /* (num_running) per BN layer: means then variances */
} SbSnap;

typedef struct Sandbox {
    /* knobs */
    int dataset;
    double hidden[8];
    int nh;
    Activation act;
    BnPlacement placement;
    double lr, alpha, eps;
    int batch;
    BnConvention conv;
    long seed;              /* the knob; mixed with the tutor's seed */
    uint64_t base_seed;
    long steps_max;
    int knob;
    char note[ERROR_MESSAGE_MAX];
    /* training */
    NetRun run;
    Mlp *view;              /* same shapes; holds a snapshot while scrubbing */
    size_t num_running;
    double acc;             /* latest test accuracy (eval mode) */
    Trace hist;             /* columns: loss, accuracy */
    SbSnap snaps[SB_SNAPS];
    int nsnaps;
    long snap_every;
    int cursor;             /* -1: live; else the snapshot on screen */
    /* boundary */
    bool two_d;
    double x_lo, x_hi, y_lo, y_hi;
    double *grid_in;        /* (GRID_H·GRID_W, 2) */
    double grid[SB_GRID_H * SB_GRID_W];
    int *grid_class;
    double *pts[3][2];      /* per class: x, y of up to SB_POINTS test points */
    int npts[3];
} Sandbox;

/* ---- state ------------------------------------------------------------------------------------- */

static void sb_running_copy(const Mlp *m, double *out)
{
    size_t k = 0;
    for (int l = 0; l < m->num_hidden; l++) {
        const MlpLayer *L = &m->hidden[l];
        if (!L->running_mean)
            continue;
        memcpy(out + k, L->running_mean, sizeof(double) * (size_t)L->out);
        memcpy(out + k + L->out, L->running_var, sizeof(double) * (size_t)L->out);
        k += 2 * (size_t)L->out;
    }
}

static void sb_running_load(Mlp *m, const double *in)
{
    size_t k = 0;
    for (int l = 0; l < m->num_hidden; l++) {
        MlpLayer *L = &m->hidden[l];
        if (!L->running_mean)
            continue;
        memcpy(L->running_mean, in + k, sizeof(double) * (size_t)L->out);
        memcpy(L->running_var, in + k + L->out, sizeof(double) * (size_t)L->out);
        k += 2 * (size_t)L->out;
    }
}

static void sb_clear(Sandbox *s)
{
    for (int i = 0; i < s->nsnaps; i++) {
        free(s->snaps[i].params);
        free(s->snaps[i].running);
    }
    s->nsnaps = 0;
    trace_free(&s->hist);
    mlp_destroy(s->view);
    s->view = NULL;
    free(s->grid_in);
    free(s->grid_class);
    for (int c = 0; c < 3; c++)
        for (int a = 0; a < 2; a++) {
            free(s->pts[c][a]);
            s->pts[c][a] = NULL;
        }
    s->grid_in = NULL;
    s->grid_class = NULL;
    netrun_free(&s->run);
}

/* Classifies the grid with `m` in eval mode: the heat map of the decision regions. */
static void sb_boundary(Sandbox *s, Mlp *m)
{
    if (!s->two_d || s->run.state == NETRUN_DIVERGED)
        return;
    int n = SB_GRID_W * SB_GRID_H;
    if (!mlp_forward(m, s->grid_in, n, MLP_MODE_EVAL, NULL))
        return;
    mlp_predict(m, s->grid_class);
    for (int i = 0; i < n; i++)
        s->grid[i] = s->grid_class[i];
}

static void sb_snapshot(Sandbox *s)
{
    if (s->nsnaps == SB_SNAPS) {
        /* Keep every other snapshot (the first stays) and record half as often from now on. */
        int k = 0;
        for (int i = 0; i < s->nsnaps; i++) {
            if (i % 2 == 0) {
                s->snaps[k++] = s->snaps[i];
            } else {
                free(s->snaps[i].params);
                free(s->snaps[i].running);
            }
        }
        s->nsnaps = k;
        s->snap_every *= 2;
        if (s->run.step % s->snap_every != 0)
            return;
    }
    SbSnap *p = &s->snaps[s->nsnaps++];
    p->step = s->run.step;
    p->loss = s->run.loss;
    p->acc = s->acc;
    p->params = xmalloc(sizeof(double) * s->run.mlp->num_params);
    memcpy(p->params, s->run.mlp->params, sizeof(double) * s->run.mlp->num_params);
    p->running = xcalloc(s->num_running ? s->num_running : 1, sizeof(double));
    sb_running_copy(s->run.mlp, p->running);
}

static double sb_evaluate(Sandbox *s, Mlp *m)
{
    return netrun_accuracy(&s->run, m, s->two_d ? 0 : 300);
}

/* Builds the network from the knobs: a fresh run, empty history. */
static bool sb_build(Sandbox *s, BnError *err)
{
    sb_clear(s);
    NetRunConfig c = {.dataset = sb_datasets[s->dataset], .hidden = s->hidden, .num_hidden = s->nh,
                      .act = s->act, .placement = s->placement, .batch = s->batch, .lr = s->lr,
                      .alpha = s->alpha, .eps = s->eps, .convention = s->conv,
                      .seed = netrun_seed(s->base_seed, s->seed)};
    if (!netrun_init(&s->run, &c, err))
        return false;
    BnError ignored = {0};
    s->view = mlp_create(&s->run.mlp->config, &ignored);
    s->num_running = 0;
    for (int l = 0; l < s->run.mlp->num_hidden; l++)
        if (s->run.mlp->hidden[l].running_mean)
            s->num_running += 2 * (size_t)s->run.mlp->hidden[l].out;
    trace_init(&s->hist, 2, SB_TRACE);
    s->snap_every = SB_EVERY;
    s->cursor = -1;
    s->two_d = s->run.train->dim == 2;
    if (s->two_d) {
        const Dataset *d = s->run.train;
        double xl = INFINITY, xh = -INFINITY, yl = INFINITY, yh = -INFINITY;
        for (int i = 0; i < d->n; i++) {
            double pt[2];
            dataset_row(d, i, pt);
            xl = fmin(xl, pt[0]), xh = fmax(xh, pt[0]);
            yl = fmin(yl, pt[1]), yh = fmax(yh, pt[1]);
        }
        double mx = 0.08 * (xh - xl), my = 0.08 * (yh - yl);
        s->x_lo = xl - mx, s->x_hi = xh + mx, s->y_lo = yl - my, s->y_hi = yh + my;
        s->grid_in = xmalloc(sizeof(double) * 2 * SB_GRID_W * SB_GRID_H);
        s->grid_class = xcalloc(SB_GRID_W * SB_GRID_H, sizeof(int));
        for (int r = 0; r < SB_GRID_H; r++)
            for (int c2 = 0; c2 < SB_GRID_W; c2++) {
                double *g = s->grid_in + 2 * (r * SB_GRID_W + c2);
                g[0] = s->x_lo + (s->x_hi - s->x_lo) * c2 / (SB_GRID_W - 1);
                g[1] = s->y_lo + (s->y_hi - s->y_lo) * r / (SB_GRID_H - 1);
            }
        const Dataset *t = s->run.test;
        for (int k = 0; k < 3; k++) {
            s->npts[k] = 0;
            s->pts[k][0] = xcalloc(SB_POINTS, sizeof(double));
            s->pts[k][1] = xcalloc(SB_POINTS, sizeof(double));
        }
        for (int i = 0; i < t->n; i++) {
            int k = (int)t->y[i];
            if (k < 0 || k > 2 || s->npts[k] >= SB_POINTS / t->classes)
                continue;
            double pt[2];
            dataset_row(t, i, pt);
            s->pts[k][0][s->npts[k]] = pt[0];
            s->pts[k][1][s->npts[k]] = pt[1];
            s->npts[k]++;
        }
    }
    s->acc = sb_evaluate(s, s->run.mlp);
    sb_boundary(s, s->run.mlp);
    double row[2] = {NAN, s->acc};
    trace_add(&s->hist, 0, row);
    sb_snapshot(s);
    return true;
}

static void sb_destroy(void *self)
{
    Sandbox *s = self;
    if (!s)
        return;
    sb_clear(s);
    free(s);
}

/* Index of a preset string or -1. */
static int sb_find(const char *const *list, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0)
            return i;
    return -1;
}

static void *sb_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    Sandbox *s = xcalloc(1, sizeof *s);
    s->base_seed = seed;
    s->seed = lesson_page_int(page, "seed");
    const char *ds = lesson_page_enum(page, "dataset");
    s->dataset = sb_find(sb_datasets, SB_DATASETS, ds);
    if (s->dataset < 0) {
        /* Real images are not offered; their stand-in is, and anything else becomes moons. */
        s->dataset = sb_find(sb_datasets, SB_DATASETS, dataset_resolve(ds, false, "synth784", NULL));
        if (s->dataset < 0)
            s->dataset = 1;
        snprintf(s->note, sizeof s->note, "(%s is not offered here; using %s)", ds, sb_datasets[s->dataset]);
    }
    const double *hidden = NULL;
    s->nh = lesson_page_list(page, "hidden", &hidden);
    memcpy(s->hidden, hidden, sizeof(double) * (size_t)s->nh);
    s->act = ACTIVATION_RELU;
    activation_parse(lesson_page_enum(page, "act"), &s->act);
    s->placement = BN_PLACEMENT_BEFORE;
    mlp_placement_parse(lesson_page_enum(page, "placement"), &s->placement);
    s->lr = lesson_page_real(page, "lr");
    s->batch = (int)lesson_page_int(page, "batch");
    BnRule rule = bnrule_of_page(page);
    s->alpha = rule.alpha;
    s->eps = rule.eps;
    s->conv = rule.convention;
    s->steps_max = lesson_page_int(page, "steps");
    if (!sb_build(s, err)) {
        sb_destroy(s);
        return NULL;
    }
    return s;
}

static void sb_step(void *self)
{
    Sandbox *s = self;
    if (s->cursor >= 0) {
        /* Playing (or '.') while looking at the past returns to the live end first. */
        s->cursor = -1;
        sb_boundary(s, s->run.mlp);
    }
    if (s->run.step >= s->steps_max || !netrun_step(&s->run))
        return;
    bool eval = s->run.step % SB_EVERY == 0;
    if (eval) {
        s->acc = sb_evaluate(s, s->run.mlp);
        sb_boundary(s, s->run.mlp);
    }
    double row[2] = {s->run.loss, s->acc};
    trace_add(&s->hist, s->run.step, row);
    if (s->run.step % s->snap_every == 0)
        sb_snapshot(s);
}

/* Shows snapshot i in the view network (parameters and running statistics exactly as recorded). */
static void sb_view(Sandbox *s, int i)
{
    s->cursor = i;
    if (!s->view)
        return;
    memcpy(s->view->params, s->snaps[i].params, sizeof(double) * s->view->num_params);
    sb_running_load(s->view, s->snaps[i].running);
    sb_boundary(s, s->view);
}

/* The next preset above (dir > 0) or below the current value, or the value itself at the end. */
static double sb_preset(const double *list, int n, double cur, int dir)
{
    if (dir > 0) {
        for (int i = 0; i < n; i++)
            if (list[i] > cur * (1 + 1e-9))
                return list[i];
    } else {
        for (int i = n - 1; i >= 0; i--)
            if (list[i] < cur * (1 - 1e-9))
                return list[i];
    }
    return cur;
}

static void sb_hidden_text(const Sandbox *s, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < s->nh && used + 1 < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%g", i ? "," : "", s->hidden[i]);
}

static void sb_set_hidden(Sandbox *s, const char *text)
{
    s->nh = 0;
    for (const char *p = text; *p && s->nh < 8;) {
        s->hidden[s->nh++] = strtod(p, NULL);
        const char *comma = strchr(p, ',');
        if (!comma)
            break;
        p = comma + 1;
    }
}

/* Changes the selected knob by dir; live knobs apply to the running network, the others rebuild it. */
static void sb_change(Sandbox *s, int dir)
{
    bool rebuild = true;
    switch ((SbKnob)s->knob) {
    case KNOB_DATASET:
        s->dataset = (s->dataset + SB_DATASETS + dir) % SB_DATASETS;
        s->note[0] = '\0';
        break;
    case KNOB_HIDDEN: {
        char now[64];
        sb_hidden_text(s, now, sizeof now);
        int i = sb_find(sb_hidden, SB_HIDDEN, now);
        i = i < 0 ? (dir > 0 ? 0 : SB_HIDDEN - 1) : (i + SB_HIDDEN + dir) % SB_HIDDEN;
        sb_set_hidden(s, sb_hidden[i]);
        break;
    }
    case KNOB_ACT: s->act = (Activation)((s->act + 3 + dir) % 3); break;
    case KNOB_PLACEMENT: s->placement = (BnPlacement)((s->placement + 3 + dir) % 3); break;
    case KNOB_LR:
        s->lr = sb_preset(sb_lr, COUNT(sb_lr), s->lr, dir);
        rebuild = false;
        break;
    case KNOB_BATCH: s->batch = (int)sb_preset(sb_batch, COUNT(sb_batch), s->batch, dir); break;
    case KNOB_ALPHA:
        s->alpha = sb_preset(sb_alpha, COUNT(sb_alpha), s->alpha, dir);
        rebuild = false;
        break;
    case KNOB_EPS:
        s->eps = sb_preset(sb_eps, COUNT(sb_eps), s->eps, dir);
        rebuild = false;
        break;
    case KNOB_CONVENTION:
        s->conv = (BnConvention)((s->conv + 3 + dir) % 3);
        rebuild = false;
        break;
    case KNOB_SEED:
        s->seed = s->seed + dir < 0 ? 0 : s->seed + dir;
        break;
    case KNOB_COUNT: break;
    }
    if (rebuild || s->run.state != NETRUN_OK) {
        BnError err = {0};
        if (!sb_build(s, &err))
            snprintf(s->note, sizeof s->note, "%s", err.message);
        return;
    }
    s->run.sgd->lr = s->lr;
    s->run.mlp->convention = s->conv;
    s->run.mlp->bn_momentum = bnrule_momentum(s->conv, s->alpha);
    s->run.mlp->eps = s->eps;
    if (s->view) {
        s->view->convention = s->conv;
        s->view->eps = s->eps;
    }
}

static bool sb_key_knob(void *self, int key)
{
    Sandbox *s = self;
    s->knob = (s->knob + (key == 'j' ? 1 : KNOB_COUNT - 1)) % KNOB_COUNT;
    return true;
}

static bool sb_key_change(void *self, int key)
{
    sb_change(self, key == ']' ? +1 : -1);
    return true;
}

/* Back one snapshot in the history (from the live state: the latest one older than it). */
static bool sb_key_back(void *self, int key)
{
    Sandbox *s = self;
    if (!s->run.mlp || s->nsnaps == 0)
        return true;
    int i = s->cursor;
    if (i < 0) {
        i = s->nsnaps - 1;
        if (s->snaps[i].step == s->run.step && i > 0)
            i--;
    } else if (i > 0) {
        i--;
    }
    sb_view(s, i);
    return true;
}

/* Forward one snapshot; past the last one, back to the live state. */
static bool sb_key_forward(void *self, int key)
{
    Sandbox *s = self;
    if (s->cursor < 0)
        return true;
    if (s->cursor + 1 < s->nsnaps && s->snaps[s->cursor + 1].step < s->run.step) {
        sb_view(s, s->cursor + 1);
    } else {
        s->cursor = -1;
        sb_boundary(s, s->run.mlp);
    }
    return true;
}

static const SceneKeyAction sb_keys[] = {
    { "j/k", "choose knob", sb_key_knob },
    { "[/]", "change knob", sb_key_change },
    { "</,", "back in history", sb_key_back },
    { ">", "forward", sb_key_forward },
};

/* The snapshot being viewed, NULL when the live state is on screen. */
static const SbSnap *sb_viewed(const Sandbox *s) { return s->cursor >= 0 ? &s->snaps[s->cursor] : NULL; }

static bool live_loss(const void *self, const int *index, double *out)
{
    const SbSnap *p = sb_viewed(self);
    return scene_finite(p ? p->loss : ((const Sandbox *)self)->run.loss, out);
}

static bool live_accuracy(const void *self, const int *index, double *out)
{
    const SbSnap *p = sb_viewed(self);
    return scene_finite(p ? p->acc : ((const Sandbox *)self)->acc, out);
}

static bool live_step(const void *self, const int *index, double *out)
{
    const SbSnap *p = sb_viewed(self);
    *out = (double)(p ? p->step : ((const Sandbox *)self)->run.step);
    return true;
}

static const CatalogLive sb_lives[] = {
    { "loss", 0, "current training loss", live_loss },
    { "accuracy", 0, "test accuracy, 0 to 1", live_accuracy },
    { "step", 0, "training steps taken", live_step },
};

static const CatalogSceneSetting sb_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, "moons" }, { &setting_hidden, "16,16" }, { &setting_act, "relu" },
    { &setting_placement, NULL }, { &setting_batch, NULL }, { &setting_lr, NULL }, { &setting_steps, NULL },
    { &setting_alpha, NULL }, { &setting_eps, NULL }, { &setting_convention, NULL }, { &setting_autoplay, NULL },
    { &setting_speed, NULL },
};

void sandbox_view_state(const void *self, const double **params, size_t *num_params, const double **running,
                        size_t *num_running, long *step)
{
    const Sandbox *s = self;
    bool past = s->cursor >= 0;
    *params = past ? s->view->params : s->run.mlp->params;
    *num_params = s->run.mlp->num_params;
    *running = past ? s->snaps[s->cursor].running : NULL;
    *num_running = s->num_running;
    *step = past ? s->snaps[s->cursor].step : s->run.step;
}

void sandbox_live_running(const void *self, double *out)
{
    const Sandbox *s = self;
    sb_running_copy(s->run.mlp, out);
}

/* ---- drawing --------------------------------------------------------------------------------- */

static void sb_knob_value(const Sandbox *s, int k, bool u, char *buf, size_t size)
{
    char f[FORMAT_MAX];
    switch ((SbKnob)k) {
    case KNOB_DATASET: snprintf(buf, size, "%s", sb_datasets[s->dataset]); break;
    case KNOB_HIDDEN: sb_hidden_text(s, buf, size); break;
    case KNOB_ACT: snprintf(buf, size, "%s", activation_name(s->act)); break;
    case KNOB_PLACEMENT: snprintf(buf, size, "%s", mlp_placement_name(s->placement)); break;
    case KNOB_LR: snprintf(buf, size, "%s", format_number(f, sizeof f, s->lr, 3, u)); break;
    case KNOB_BATCH: snprintf(buf, size, "%d", s->batch); break;
    case KNOB_ALPHA: snprintf(buf, size, "%s", format_number(f, sizeof f, s->alpha, 3, u)); break;
    case KNOB_EPS: snprintf(buf, size, "%s", format_number(f, sizeof f, s->eps, 3, u)); break;
    case KNOB_CONVENTION: snprintf(buf, size, "%s", batchnorm_convention_name(s->conv)); break;
    case KNOB_SEED: snprintf(buf, size, "%ld", s->seed); break;
    case KNOB_COUNT: buf[0] = '\0'; break;
    }
}

static void sb_draw_knobs(const Sandbox *s, Canvas *cv, Rect area)
{
    static const char *const names[KNOB_COUNT] = {"dataset", "hidden", "act", "BN", "lr", "batch", "alpha",
                                                  "eps", "convention", "seed"};
    static const char *const names_u[KNOB_COUNT] = {"dataset", "hidden", "act", "BN", "lr", "batch", "α",
                                                    "ε", "convention", "seed"};
    bool u = cv->unicode;
    canvas_text(cv, area.x, area.y, "knobs  j/k  [ ]", ROLE_TEXT_DIM, 0, area.w);
    for (int k = 0; k < KNOB_COUNT && k + 1 < area.h; k++) {
        char value[64], line[96];
        sb_knob_value(s, k, u, value, sizeof value);
        const char *name = u ? names_u[k] : names[k];
        /* Greek letters take two bytes but one column: pad by columns, not bytes. */
        int pad = 10 + (u && (k == KNOB_ALPHA || k == KNOB_EPS) ? 1 : 0);
        snprintf(line, sizeof line, "%s%-*s %s", k == s->knob ? ">" : " ", pad, name, value);
        canvas_text(cv, area.x, area.y + 1 + k, line, k == s->knob ? ROLE_HIGHLIGHT : ROLE_DEFAULT,
                    k == s->knob ? ATTR_BOLD : 0, area.w);
    }
}

/* A line chart of history column col, with the viewed step marked by a vertical cursor. */
static void sb_chart(const Sandbox *s, Canvas *cv, Rect area, int col)
{
    const Trace *t = &s->hist;
    double xmax = (double)(s->steps_max > 0 && s->steps_max <= 100000 ? s->steps_max : 0);
    if ((double)s->run.step > xmax)
        xmax = (double)s->run.step;
    if (xmax < 1)
        xmax = 1;
    double ymax = 1.0;
    if (col == 0) {
        ymax = 0;
        for (int i = 0; i < t->n; i++)
            if (isfinite(trace_col(t, 0)[i]))
                ymax = fmax(ymax, trace_col(t, 0)[i]);
        Ticks ticks;
        ticks_nice(&ticks, 0, ymax > 0 ? ymax : 1, 3, true);
        ymax = ticks.v[ticks.count - 1];
    }
    LineSeries series = {t->x, trace_col(t, col), t->n, NULL};
    AxisSpec xs = {.fixed = true, .lo = 0, .hi = xmax, .label = "step"};
    AxisSpec ys = {.fixed = true, .lo = 0, .hi = ymax, .label = col == 0 ? "loss (batch)" : "test accuracy"};
    LineChartSpec spec = {.series = &series, .nseries = 1, .x = xs, .y = ys};
    linechart_draw(cv, area, &spec);
    if (s->cursor < 0)
        return;
    PlotFrame f;
    plot_frame_layout(&f, cv, area, &xs, &ys, 0, xmax, 0, ymax, 1, false, true);
    if (!f.ok)
        return;
    double dot = plot_frame_xdot(&f, (double)s->snaps[s->cursor].step);
    if (!isfinite(dot))
        return;
    int cx = f.plot.x + (int)(lround(dot) / f.cell_w);
    for (int y = f.plot.y; y < f.plot.y + f.plot.h; y++) {
        const Cell *c = canvas_cell(cv, cx, y);
        if (c && c->ch == ' ')
            canvas_put(cv, cx, y, cv->unicode ? 0x2502 : '|', ROLE_HIGHLIGHT, 0);
    }
}

static void sb_draw_map(const Sandbox *s, Canvas *cv, Rect area)
{
    int classes = s->run.train->classes;
    ContourSpec c = {.z = s->grid, .nx = SB_GRID_W, .ny = SB_GRID_H, .x_lo = s->x_lo, .x_hi = s->x_hi,
                     .y_lo = s->y_lo, .y_hi = s->y_hi, .levels = classes, .shaded = true, .y_label = "decision regions"};
    contour_draw(cv, area, &c);
    ScatterSet sets[3];
    for (int k = 0; k < classes && k < 3; k++)
        sets[k] = (ScatterSet){s->pts[k][0], s->pts[k][1], s->npts[k], NULL};
    ScatterSpec sp = {.sets = sets, .nsets = classes < 3 ? classes : 3, .legend = false};
    sp.x = (AxisSpec){.fixed = true, .lo = s->x_lo, .hi = s->x_hi};
    sp.y = (AxisSpec){.fixed = true, .lo = s->y_lo, .hi = s->y_hi, .label = "decision regions"};
    scatter_draw(cv, area, &sp);
}

static void sb_draw(const void *self, Canvas *cv, Rect area)
{
    const Sandbox *s = self;
    bool u = cv->unicode;
    char line[640], a[FORMAT_MAX], b[FORMAT_MAX];
    const char *sep = u ? " · " : " - ";
    SceneHead h = scene_head_begin(cv, area);
    if (s->cursor >= 0) {
        const SbSnap *p = &s->snaps[s->cursor];
        snprintf(line, sizeof line, "viewing step %ld of %ld%sloss %s%stest acc %s%%%s> forward, play resumes",
                 p->step, s->run.step, sep, isfinite(p->loss) ? format_number(a, sizeof a, p->loss, 3, u) : "-", sep,
                 format_number(b, sizeof b, 100 * p->acc, 3, u), sep);
        scene_head_text(&h, line, ROLE_HIGHLIGHT, ATTR_BOLD);
    } else if (s->run.state != NETRUN_OK) {
        scene_head_run(&h, s->run.message, s->run.state == NETRUN_DIVERGED, s->run.step + 1, true);
    } else {
        snprintf(line, sizeof line, "step %ld of %ld%sloss %s%stest acc %s%% (eval mode)", s->run.step,
                 s->steps_max, sep, isfinite(s->run.loss) ? format_number(a, sizeof a, s->run.loss, 3, u) : "-",
                 sep, format_number(b, sizeof b, 100 * s->acc, 3, u));
        scene_head_text(&h, line, ROLE_TITLE, ATTR_BOLD);
    }
    if (s->note[0] && layout_fits(scene_head_body(&h, 0), 0, LAYOUT_H_NOTE_ROW))
        scene_head_text(&h, s->note, ROLE_TEXT_DIM, 0);
    Rect body = scene_head_body(&h, 0);
    int knob_w = layout_fits(area, LAYOUT_W_WIDE, 0) ? 26 : 22;
    Rect rest, knobs;
    rect_split_cols(body, body.w - knob_w, 1, &rest, &knobs);
    if (layout_fits(area, LAYOUT_W_KNOBS_BESIDE, 0))
        sb_draw_knobs(s, cv, knobs);
    else
        rest = body;
    Rect map = rect_make(0, 0, 0, 0), charts = rest;
    if (s->two_d && layout_fits(rest, LAYOUT_W_MAP_BESIDE, 0))

        rect_split_cols(rest, rest.w * 11 / 20, 2, &map, &charts);
    if (map.w > 0)
        sb_draw_map(s, cv, map);
    Rect top, bottom;
    rect_split_rows(charts, charts.h / 2, 0, &top, &bottom);
    sb_chart(s, cv, top, 0);
    sb_chart(s, cv, bottom, 1);
}

/* A diverged or impossible run (or one at its last step) takes no more steps until a knob restarts it. */
static bool sb_halted(const void *self)
{
    const Sandbox *s = self;
    return s->run.state != NETRUN_OK || s->run.step >= s->steps_max;
}

/* Knobs restart the run, so its own count is the one the header shows; the step that diverged counts,
 * as in the scene's "diverged at step N". */
static long sb_position(const void *self)
{
    const Sandbox *s = self;
    return s->run.step + (s->run.state == NETRUN_DIVERGED ? 1 : 0);
}

const SceneClass scene_sandbox = {
    .schema = SCENE_SCHEMA("sandbox", "a small network to play with every knob",
                           sb_settings, sb_lives),
    .headline = "accuracy",
    .headline_label = "test accuracy",
    .create = sb_create,
    .destroy = sb_destroy,
    .step = sb_step,
    .steps_per_second = 20,
    .draw = sb_draw,
    .keys = sb_keys,
    .key_count = SCENE_COUNT(sb_keys),
    .halted = sb_halted,
    .position = sb_position,
};
