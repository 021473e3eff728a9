/* The 'gamma-beta' scene: a network trains live while each BN layer's γ and β move under gradient descent (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scene/netrun.h"
#include "scene/scene.h"
#include "scene/bnlabels.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"
#include "view/table.h"

enum {
    GB_SHOW = 4,            /* features per chart: the line chart has four series roles */
    GB_RECORD = 16,         /* features of each layer whose history is kept */
    GB_TRACE_ROWS = 600,    /* history rows per layer before thinning */
};

typedef struct GammaBeta {
    NetRun run;
    long steps_max;
    int watch;              /* watched hidden layer, from 0 */
    int group;              /* first feature shown */
    int rec;                /* features recorded per layer: min(width, GB_RECORD) */
    Trace *traces;          /* (num_hidden) columns: γ of rec features, then β of them */
    Trace loss;             /* one column: mini-batch loss */
    bool has_bn;
} GammaBeta;

static void gb_record(GammaBeta *g)
{
    Mlp *m = g->run.mlp;
    double row[2 * GB_RECORD];
    for (int l = 0; l < m->num_hidden; l++) {
        const MlpLayer *L = &m->hidden[l];
        int rec = L->out < GB_RECORD ? L->out : GB_RECORD;
        for (int j = 0; j < rec; j++) {
            row[j] = L->gamma ? L->gamma[j] : NAN;
            row[rec + j] = L->beta ? L->beta[j] : NAN;
        }
        trace_add(&g->traces[l], g->run.step, row);
    }
    double loss = g->run.loss;
    trace_add(&g->loss, g->run.step, &loss);
}

static void gb_destroy(void *self)
{
    GammaBeta *g = self;
    if (!g)
        return;
    for (int l = 0; g->traces && l < g->run.mlp->num_hidden; l++)
        trace_free(&g->traces[l]);
    free(g->traces);
    trace_free(&g->loss);
    netrun_free(&g->run);
    free(g);
}

static void *gb_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    GammaBeta *g = xcalloc(1, sizeof *g);
    const double *hidden = NULL;
    int nh = lesson_page_list(page, "hidden", &hidden);
    Activation act = ACTIVATION_RELU;
    activation_parse(lesson_page_enum(page, "act"), &act);
    BnPlacement placement = BN_PLACEMENT_BEFORE;
    mlp_placement_parse(lesson_page_enum(page, "placement"), &placement);
    BnRule rule = bnrule_of_page(page);
    NetRunConfig c = {
        .dataset = lesson_page_enum(page, "dataset"), .hidden = hidden, .num_hidden = nh, .act = act,
        .placement = placement, .batch = (int)lesson_page_int(page, "batch"), .lr = lesson_page_real(page, "lr"),
        .alpha = rule.alpha, .eps = rule.eps, .convention = rule.convention,
        .seed = netrun_seed(seed, lesson_page_int(page, "seed")),
    };
    if (!netrun_init(&g->run, &c, err)) {
        free(g);
        return NULL;
    }
    g->steps_max = lesson_page_int(page, "steps");
    int nlayers = g->run.mlp->num_hidden;
    long layer = lesson_page_int(page, "layer");
    g->watch = layer <= 0 || layer > nlayers ? nlayers - 1 : (int)layer - 1;
    g->has_bn = placement != BN_PLACEMENT_NONE;
    g->traces = xcalloc((size_t)nlayers, sizeof *g->traces);
    for (int l = 0; l < nlayers; l++) {
        int out = g->run.mlp->hidden[l].out;
        trace_init(&g->traces[l], 2 * (out < GB_RECORD ? out : GB_RECORD), GB_TRACE_ROWS);
    }
    trace_init(&g->loss, 1, GB_TRACE_ROWS);
    g->rec = g->run.mlp->hidden[g->watch].out < GB_RECORD ? g->run.mlp->hidden[g->watch].out : GB_RECORD;
    gb_record(g);
    return g;
}

static void gb_step(void *self)
{
    GammaBeta *g = self;
    if (!g->has_bn || g->run.step >= g->steps_max || g->run.state != NETRUN_OK)
        return;
    if (netrun_step(&g->run))
        gb_record(g);
}

static void gb_watch(GammaBeta *g, int layer)
{
    g->watch = layer;
    int out = g->run.mlp->hidden[layer].out;
    g->rec = out < GB_RECORD ? out : GB_RECORD;
    if (g->group >= g->rec)
        g->group = 0;
}

static bool gb_key_next_layer(void *self, int key)
{
    GammaBeta *g = self;
    gb_watch(g, (g->watch + 1) % g->run.mlp->num_hidden);
    return true;
}

static bool gb_key_layer(void *self, int key)
{
    GammaBeta *g = self;
    if (key - '1' >= g->run.mlp->num_hidden)
        return false;
    gb_watch(g, key - '1');
    return true;
}

static bool gb_key_features(void *self, int key)
{
    GammaBeta *g = self;
    g->group += GB_SHOW;
    if (g->group >= g->rec)
        g->group = 0;
    return true;
}

static const SceneKeyAction gb_keys[] = {
    { "w", "next BN layer", gb_key_next_layer },
    { "1-9", "watch layer", gb_key_layer },
    { "f", "next features", gb_key_features },
};

static bool gb_live_loss(const void *self, const int *index, double *out)
{
    const GammaBeta *g = self;
    *out = g->run.loss;
    return isfinite(*out);
}

static bool gb_live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const GammaBeta *)self)->run.step;
    return true;
}

/* γ (which = 0) or β (1) of feature index[0] of the watched layer. */
static bool gb_live_param(const GammaBeta *g, int which, const int *index, double *out)
{
    const MlpLayer *L = &g->run.mlp->hidden[g->watch];
    if (!L->gamma || index[0] < 0 || index[0] >= L->out)
        return false;
    *out = which == 0 ? L->gamma[index[0]] : L->beta[index[0]];
    return true;
}

static bool gb_live_gamma(const void *self, const int *index, double *out) { return gb_live_param(self, 0, index, out); }
static bool gb_live_beta(const void *self, const int *index, double *out) { return gb_live_param(self, 1, index, out); }

static const CatalogLive gb_lives[] = {
    { "gamma", 1, "gamma of feature i of the watched layer", gb_live_gamma },
    { "beta", 1, "beta of feature i of the watched layer", gb_live_beta },
    { "loss", 0, "current training loss", gb_live_loss },
    { "step", 0, "training steps taken", gb_live_step },
};

static const CatalogSceneSetting gb_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, "moons" }, { &setting_hidden, "16,16" }, { &setting_act, "relu" },
    { &setting_placement, NULL }, { &setting_batch, NULL }, { &setting_lr, NULL }, { &setting_steps, "500" },
    { &setting_layer, "1" }, { &setting_autoplay, NULL }, { &setting_speed, NULL },
};

/* ---- drawing --------------------------------------------------------------------------------- */

/* γ (which = 0) or β (1) of the shown features of the watched layer over the steps. */
static void gb_chart(const GammaBeta *g, Canvas *cv, Rect area, int which)
{
    const Trace *t = &g->traces[g->watch];
    char names[GB_SHOW][12];    /* the features' numbers, from 1 as in the table */
    LineSeries series[GB_SHOW];
    int ns = 0;
    for (int j = g->group; j < g->rec && ns < GB_SHOW; j++, ns++) {
        snprintf(names[ns], sizeof names[ns], "%d", j + 1);
        series[ns] = (LineSeries){t->x, trace_col(t, which * g->rec + j), t->n, names[ns]};
    }
    char label[48];
    bool u = cv->unicode;
    snprintf(label, sizeof label, "%s %s", which == 0 ? bnlabels_symbols(u)->gamma : bnlabels_symbols(u)->beta,
             which == 0 ? "(scale)" : "(shift)");
    LineChartSpec spec = {.series = series, .nseries = ns, .legend = true};
    spec.y.label = label;
    spec.x.label = "step";
    if (g->steps_max > 0 && g->steps_max <= 100000)
        spec.x = (AxisSpec){.fixed = true, .lo = 0, .hi = (double)g->steps_max, .label = "step"};
    linechart_draw(cv, area, &spec);
}

/* Learnable γ, β with their last gradients, then the running statistics that are not learned.
 * Before the first step there are no gradients yet: those columns are left out (the table widget
 * would print a placeholder NaN as "nan"). */
static void gb_table(const GammaBeta *g, Canvas *cv, Rect area)
{
    const MlpLayer *L = &g->run.mlp->hidden[g->watch];
    bool u = cv->unicode;
    int rows = area.h - 1;
    if (rows > L->out - g->group)
        rows = L->out - g->group;
    if (rows < 1)
        return;
    enum { COLS = 6 };
    bool grads = g->run.step > 0;
    int cols = grads ? COLS : COLS - 2;
    double *v = xcalloc((size_t)rows * COLS, sizeof *v);
    TableLabels row_names = TABLE_LABELS_INIT;
    table_labels_number(&row_names, "", g->group + 1, rows);
    for (int r = 0; r < rows; r++) {
        int j = g->group + r;
        double *row = v + r * cols;
        *row++ = L->gamma[j];
        if (grads)
            *row++ = L->dgamma[j];
        *row++ = L->beta[j];
        if (grads)
            *row++ = L->dbeta[j];
        *row++ = L->running_mean[j];
        *row = L->running_var[j];
    }
    static const char *const cols_u[COLS] = {"γ learned", "∂L/∂γ", "β learned", "∂L/∂β", "run mean",
                                             "run var"};
    static const char *const cols_a[COLS] = {"gamma", "dL/dgamma", "beta", "dL/dbeta", "run mean",
                                             "run var"};
    static const char *const start_u[COLS - 2] = {"γ learned", "β learned", "run mean", "run var"};
    static const char *const start_a[COLS - 2] = {"gamma", "beta", "run mean", "run var"};
    TableSpec spec = {.values = v, .rows = rows, .cols = cols, .row_names = table_labels_names(&row_names),
                      .col_names = grads ? (u ? cols_u : cols_a) : (u ? start_u : start_a), .corner = "feat",
                      .sig = 3, .hl_row = -1, .hl_col = -1};
    table_draw(cv, area, &spec, NULL);
    free(v);
    table_labels_free(&row_names);
}

static void gb_draw(const void *self, Canvas *cv, Rect area)
{
    const GammaBeta *g = self;
    bool u = cv->unicode;
    const Mlp *m = g->run.mlp;
    char line[768], a[FORMAT_MAX];
    if (!g->has_bn) {
        canvas_text(cv, area.x, area.y, "placement = none: this network has no BN layer, so no gamma or beta.",
                    ROLE_WARNING, 0, area.w);
        return;
    }
    const MlpLayer *L = &m->hidden[g->watch];
    int last = g->group + GB_SHOW < g->rec ? g->group + GB_SHOW - 1 : g->rec - 1;
    /* A shorter wording before any figure goes; segments drop whole, so the loss is never cut short. */
    char line_short[256];
    const char *dot = u ? "·" : "-";
    bnlabels_number(a, g->run.loss, 3, u);
    snprintf(line, sizeof line, "BN layer %d of %d (%d features, showing %d-%d) %s step %ld of %ld %s loss %s",
             g->watch + 1, m->num_hidden, L->out, g->group + 1, last + 1, dot, g->run.step, g->steps_max, dot,
             isfinite(g->run.loss) ? a : "-");
    snprintf(line_short, sizeof line_short,
             "BN layer %d/%d" FITLINE_SEP " %s step %ld/%ld" FITLINE_SEP " %s loss %s" FITLINE_SEP " %s features %d-%d of %d",
             g->watch + 1, m->num_hidden, dot, g->run.step, g->steps_max, dot, isfinite(g->run.loss) ? a : "-", dot,
             g->group + 1, last + 1, L->out);
    const char *head[2] = {line, line_short};
    SceneHead h = scene_head_begin(cv, area);
    scene_head_title_first(&h, head, 2, ROLE_TITLE);
    if (g->run.state != NETRUN_OK) {
        scene_head_run(&h, g->run.message, g->run.state == NETRUN_DIVERGED, g->run.step + 1, false);
    } else {
        char sets_short[256];
        snprintf(line, sizeof line, "%d BN layers = %d sets: %s,%s learned (%d each); running mean, var tracked, not learned",
                 m->num_hidden, m->num_hidden, bnlabels_symbols(u)->gamma, bnlabels_symbols(u)->beta, L->out);
        snprintf(sets_short, sizeof sets_short, "%d BN layers = %d sets of %s,%s (learned)" FITLINE_SEP " + running stats (not)",
                 m->num_hidden, m->num_hidden, bnlabels_symbols(u)->gamma, bnlabels_symbols(u)->beta);
        const char *alts[2] = {line, sets_short};
        scene_head_line_first(&h, alts, 2, ROLE_TEXT_DIM, 0);
    }
    Rect below = scene_head_body(&h, 0);
    int row = below.y, rest = below.h;
    int table_h = rest >= LAYOUT_H_DETAILS ? (rest / 3 < 18 ? rest / 3 : 18) : rest >= LAYOUT_H_TABLE_ROW ? 6 : 5;
    if (table_h > L->out - g->group + 1)
        table_h = L->out - g->group + 1;
    if (table_h > rest - 5)
        table_h = rest - 5;
    int chart_h = rest - table_h - (table_h > 0 ? (rest >= LAYOUT_H_CHART_GAP ? 1 : 0) : 0);
    Rect charts = rect_make(area.x, row, area.w, chart_h);
    Rect left, right, loss_r = rect_make(0, 0, 0, 0);
    if (layout_fits(area, LAYOUT_W_VERY_WIDE, 0)) {

        Rect two;
        rect_split_cols(charts, (area.w * 2) / 3, 2, &two, &loss_r);
        rect_split_cols(two, (two.w - 2) / 2, 2, &left, &right);
    } else {
        rect_split_cols(charts, (area.w - 2) / 2, 2, &left, &right);
    }
    gb_chart(g, cv, left, 0);
    gb_chart(g, cv, right, 1);
    if (loss_r.w > 0) {
        LineSeries s = {g->loss.x, trace_col(&g->loss, 0), g->loss.n, "mini-batch loss"};
        LineChartSpec spec = {.series = &s, .nseries = 1, .legend = false};
        spec.y.label = "loss";
        spec.x.label = "step";
        linechart_draw(cv, loss_r, &spec);
    }
    /* After a divergence the layer holds the failed step's non-finite numbers: the charts keep the
     * history up to it and the message above says what happened. */
    if (table_h >= 2 && g->run.state != NETRUN_DIVERGED)
        gb_table(g, cv, rect_make(area.x, area.y + area.h - table_h, area.w > 100 ? 100 : area.w, table_h));
}

const SceneClass scene_gamma_beta = {
    .schema = SCENE_SCHEMA("gamma-beta", "gamma and beta evolving as a network trains", gb_settings, gb_lives),
    .headline = "gamma[0]",
    .headline_label = "gamma of feature 1",
    .create = gb_create,
    .destroy = gb_destroy,
    .step = gb_step,
    .steps_per_second = 20,
    .draw = gb_draw,
    .keys = gb_keys,
    .key_count = SCENE_COUNT(gb_keys),
};
