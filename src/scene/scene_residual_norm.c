/* The 'residual-norm' scene: a pre-norm and a post-norm residual stack trained in lockstep, with every block's gradient norm as bars and the training loss (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/optimizer.h"
#include "engine/resmlp.h"
#include "scene/history.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"

/* The bars average the first EARLY steps' gradients (one mini-batch is noisy); the loss is the mean
 * of the last LOSS_WINDOW mini-batches, and a loss point is drawn every LOSS_EVERY steps. */
enum { RN_EARLY = 10, RN_LOSS_WINDOW = 50, RN_LOSS_EVERY = 5, RN_NETS = 2, RN_WARMUP_KEY = 100 };

enum { PRE, POST };     /* the two stacks, in NormPlace order */

/* The rates `l` and `L` step through. */
static const double rn_rates[] = { 0.01, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0 };

typedef struct ResidualNorm {
    /* What the page asked for; the knobs change lr and warmup, and a change restarts the run. */
    uint64_t seed;
    ResMlpConfig config;                    /* of the pre-norm stack (post differs only in place) */
    int batch;
    long steps_max;
    double lr;
    long warmup;                            /* steps of linear warm-up, 0: none */
    long page_warmup;                       /* what `w` turns on: the page's warm-up, else RN_WARMUP_KEY */
    Dataset *train, *test;
    BatchSampler sampler;
    int *idx;                               /* (batch) */
    double *x, *y;                          /* (batch, dim), (batch) */
    ResMlp *net[RN_NETS];
    Sgd *sgd[RN_NETS];
    long step;
    bool diverged[RN_NETS];                 /* that stack's loss went non-finite or huge: it stops */
    double *grad_now;                       /* (RN_NETS, B) each block's gradient norm at the last step */
    double *grad_early;                     /* (RN_NETS, B) sum over steps 1..RN_EARLY */
    double loss_window[RN_NETS][RN_LOSS_WINDOW];
    double loss_point_sum[RN_NETS];
    int loss_point_count;
    History loss[RN_NETS];                  /* (points) mean mini-batch loss */
    double stack_change[RN_NETS];           /* max |x_B − x_0| on the first mini-batch at initialization */
    bool latest;                            /* 'v': the bars show the latest step, not steps 1-10 */
} ResidualNorm;

static double *grad_row(double *base, const ResidualNorm *r, int k) { return base + (size_t)k * (size_t)r->config.blocks; }
static const double *grad_row_c(const double *base, const ResidualNorm *r, int k)
{
    return base + (size_t)k * (size_t)r->config.blocks;
}

static double rn_lr_at(const ResidualNorm *r, long step)
{
    /* Step t (from 1) of a warm-up of W steps trains at lr·t/W. */
    return r->warmup > 0 && step < r->warmup ? r->lr * (double)(step + 1) / (double)r->warmup : r->lr;
}

static void rn_free_run(ResidualNorm *r)
{
    for (int k = 0; k < RN_NETS; k++) {
        resmlp_destroy(r->net[k]);
        sgd_destroy(r->sgd[k]);
        r->net[k] = NULL;
        r->sgd[k] = NULL;
        history_free(&r->loss[k]);
    }
    sampler_free(&r->sampler);
}

/* Builds both stacks from the seed (same weights), the sampler (same mini-batches) and empty records;
 * measures how much the untrained stacks change their input on the first mini-batch. */
static bool rn_start(ResidualNorm *r, BnError *err)
{
    rn_free_run(r);
    for (int k = 0; k < RN_NETS; k++) {
        ResMlpConfig c = r->config;
        c.place = k == PRE ? NORM_PLACE_PRE : NORM_PLACE_POST;
        r->net[k] = resmlp_create(&c, err);
        if (!r->net[k])
            return false;
        r->sgd[k] = sgd_create(r->net[k]->num_params, r->lr, 0.0);
        history_init(&r->loss[k], 1, 0);
        r->diverged[k] = false;
        r->loss_point_sum[k] = 0;
    }
    sampler_init(&r->sampler, r->train->n, r->seed ^ LOCKSTEP_SAMPLER_STREAM);
    r->step = 0;
    r->loss_point_count = 0;
    size_t bars = (size_t)RN_NETS * (size_t)r->config.blocks;
    memset(r->grad_now, 0, bars * sizeof *r->grad_now);
    memset(r->grad_early, 0, bars * sizeof *r->grad_early);
    int rows = r->batch < r->train->n ? r->batch : r->train->n;
    int first[4096];
    for (int i = 0; i < rows; i++)
        first[i] = i;
    dataset_gather(r->train, first, rows, r->x, r->y);
    for (int k = 0; k < RN_NETS; k++) {
        ResMlp *n = r->net[k];
        resmlp_forward(n, r->x, rows);
        const double *xb = n->block[r->config.blocks - 1].out;
        double most = 0;
        for (int i = 0; i < rows * r->config.width; i++)
            most = fmax(most, fabs(xb[i] - n->x0[i]));
        r->stack_change[k] = most;
    }
    return true;
}

static void rn_destroy(void *self)
{
    ResidualNorm *r = self;
    if (!r)
        return;
    rn_free_run(r);
    dataset_destroy(r->train);
    dataset_destroy(r->test);
    free(r->idx);
    free(r->x);
    free(r->y);
    free(r->grad_now);
    free(r->grad_early);
    free(r);
}

static void *rn_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    ResidualNorm *r = xcalloc(1, sizeof *r);
    r->seed = seed;
    const char *dataset = dataset_resolve(lesson_page_enum(page, "dataset"), true, "synth784", NULL);
    bool real = strncmp(dataset, "idx:", 4) == 0;
    if (!dataset_load(dataset, seed, real ? 10000 : 0, real ? 1000 : 0, &r->train, &r->test, err)) {
        rn_destroy(r);
        return NULL;
    }
    r->batch = (int)lesson_page_int(page, "batch");
    if (r->batch > r->train->n)
        r->batch = r->train->n;
    r->lr = lesson_page_real(page, "lr");
    r->steps_max = lesson_page_int(page, "steps");
    r->warmup = lesson_page_int(page, "warmup");
    r->page_warmup = r->warmup > 0 ? r->warmup : RN_WARMUP_KEY;
    resmlp_config_init(&r->config, r->train->dim, r->train->classes);
    r->config.blocks = (int)lesson_page_int(page, "blocks");
    r->config.width = (int)lesson_page_int(page, "width");
    r->config.zero_init_last = lesson_page_bool(page, "zero_init");
    r->config.seed = seed;
    r->idx = xcalloc((size_t)r->batch, sizeof *r->idx);
    r->x = xcalloc((size_t)r->batch * (size_t)r->train->dim, sizeof *r->x);
    r->y = xcalloc((size_t)r->batch, sizeof *r->y);
    r->grad_now = xcalloc((size_t)RN_NETS * (size_t)r->config.blocks, sizeof *r->grad_now);
    r->grad_early = xcalloc((size_t)RN_NETS * (size_t)r->config.blocks, sizeof *r->grad_early);
    if (r->train->classes < 2) {
        error_set(err, "", "the residual-norm scene needs a data set with classes, not '%s'", dataset);
        rn_destroy(r);
        return NULL;
    }
    if (!rn_start(r, err)) {
        rn_destroy(r);
        return NULL;
    }
    return r;
}

static void rn_step(void *self)
{
    ResidualNorm *r = self;
    if (r->step >= r->steps_max || (r->diverged[PRE] && r->diverged[POST]))
        return;
    sampler_next(&r->sampler, r->idx, r->batch);
    dataset_gather(r->train, r->idx, r->batch, r->x, r->y);
    for (int k = 0; k < RN_NETS; k++) {
        if (r->diverged[k])
            continue;
        double loss;
        r->sgd[k]->lr = rn_lr_at(r, r->step);
        if (!resmlp_train_step(r->net[k], r->sgd[k], r->x, r->y, r->batch, &loss) || loss > LOCKSTEP_LOSS_LIMIT) {
            r->diverged[k] = true;
            continue;
        }
        double *now = grad_row(r->grad_now, r, k), *early = grad_row(r->grad_early, r, k);
        for (int l = 0; l < r->config.blocks; l++) {
            now[l] = resmlp_block_grad_norm(r->net[k], l);
            if (r->step < RN_EARLY)
                early[l] += now[l];
        }
        r->loss_window[k][r->step % RN_LOSS_WINDOW] = loss;
        r->loss_point_sum[k] += loss;
    }
    r->step++;
    r->loss_point_count++;
    if (r->step % RN_LOSS_EVERY == 0 || r->step == r->steps_max) {
        for (int k = 0; k < RN_NETS; k++) {
            history_push(&r->loss[k], r->step, r->diverged[k] ? NAN : r->loss_point_sum[k] / r->loss_point_count);
            r->loss_point_sum[k] = 0;
        }
        r->loss_point_count = 0;
    }
}

static bool rn_halted(const void *self)
{
    const ResidualNorm *r = self;
    return r->diverged[PRE] && r->diverged[POST];
}

static long rn_position(const void *self) { return ((const ResidualNorm *)self)->step; }

/* ---- keys: the learning rate and the warm-up restart the run from the same seed ---- */

static bool rn_restart(ResidualNorm *r)
{
    BnError err = { 0 };
    return rn_start(r, &err);
}

static bool rn_key_rate(void *self, int key)
{
    ResidualNorm *r = self;
    int n = SCENE_COUNT(rn_rates), at = 0;
    /* The rung nearest the current rate, then one up (e) or down (E). */
    for (int i = 1; i < n; i++)
        if (fabs(log(rn_rates[i] / r->lr)) < fabs(log(rn_rates[at] / r->lr)))
            at = i;
    at += key == 'e' ? 1 : -1;
    if (at < 0 || at >= n)
        return false;
    r->lr = rn_rates[at];
    return rn_restart(r);
}

static bool rn_key_warmup(void *self, int key)
{
    ResidualNorm *r = self;
    r->warmup = r->warmup > 0 ? 0 : r->page_warmup;
    return rn_restart(r);
}

static bool rn_key_latest(void *self, int key)
{
    ResidualNorm *r = self;
    r->latest = !r->latest;
    return true;
}

static const SceneKeyAction rn_keys[] = {
    { "e/E", "rate up/down", rn_key_rate },
    { "w", "warm-up on/off", rn_key_warmup },
    { "v", "bars: steps 1-10/latest", rn_key_latest },
};

/* ---- live values ---- */

static int rn_early_steps(const ResidualNorm *r) { return r->step < RN_EARLY ? (int)r->step : RN_EARLY; }

/* Block l's gradient norm in stack k, averaged over steps 1-10 (all ten taken, the stack alive). */
static bool rn_early(const ResidualNorm *r, int k, int l, double *out)
{
    if (r->step < RN_EARLY || l < 0 || l >= r->config.blocks || r->diverged[k])
        return false;
    return scene_finite(grad_row_c(r->grad_early, r, k)[l] / RN_EARLY, out);
}

static bool live_early_pre(const void *self, const int *index, double *out) { return rn_early(self, PRE, index[0], out); }
static bool live_early_post(const void *self, const int *index, double *out) { return rn_early(self, POST, index[0], out); }

static bool rn_now(const ResidualNorm *r, int k, int l, double *out)
{
    if (r->step == 0 || l < 0 || l >= r->config.blocks || r->diverged[k])
        return false;
    return scene_finite(grad_row_c(r->grad_now, r, k)[l], out);
}

static bool live_grad_pre(const void *self, const int *index, double *out) { return rn_now(self, PRE, index[0], out); }
static bool live_grad_post(const void *self, const int *index, double *out) { return rn_now(self, POST, index[0], out); }

/* Last block over first block, steps 1-10. */
static bool rn_ratio(const ResidualNorm *r, int k, double *out)
{
    double first, last;
    if (!rn_early(r, k, 0, &first) || !rn_early(r, k, r->config.blocks - 1, &last) || !(first > 0))
        return false;
    return scene_finite(last / first, out);
}

static bool live_ratio_pre(const void *self, const int *index, double *out) { return rn_ratio(self, PRE, out); }
static bool live_ratio_post(const void *self, const int *index, double *out) { return rn_ratio(self, POST, out); }

static bool live_last_post_pre(const void *self, const int *index, double *out)
{
    const ResidualNorm *r = self;
    double pre, post;
    int last = r->config.blocks - 1;
    if (!rn_early(r, PRE, last, &pre) || !rn_early(r, POST, last, &post) || !(pre > 0))
        return false;
    return scene_finite(post / pre, out);
}

/* Mean training loss over the last RN_LOSS_WINDOW mini-batches (fewer early on). */
static bool rn_loss(const ResidualNorm *r, int k, double *out)
{
    if (r->step == 0 || r->diverged[k])
        return false;
    int n = r->step < RN_LOSS_WINDOW ? (int)r->step : RN_LOSS_WINDOW;
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += r->loss_window[k][i];
    return scene_finite(sum / n, out);
}

static bool live_loss_pre(const void *self, const int *index, double *out) { return rn_loss(self, PRE, out); }
static bool live_loss_post(const void *self, const int *index, double *out) { return rn_loss(self, POST, out); }

static bool live_change_pre(const void *self, const int *index, double *out)
{
    return scene_finite(((const ResidualNorm *)self)->stack_change[PRE], out);
}

static bool live_change_post(const void *self, const int *index, double *out)
{
    return scene_finite(((const ResidualNorm *)self)->stack_change[POST], out);
}

static bool live_diverged_post(const void *self, const int *index, double *out)
{
    *out = ((const ResidualNorm *)self)->diverged[POST] ? 1.0 : 0.0;
    return true;
}

static bool live_lr(const void *self, const int *index, double *out)
{
    const ResidualNorm *r = self;
    *out = rn_lr_at(r, r->step > 0 ? r->step - 1 : 0);
    return true;
}

static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const ResidualNorm *)self)->step;
    return true;
}

static const CatalogLive rn_lives[] = {
    { "early_pre", 1, "block i's gradient norm in the pre-norm stack, mean of steps 1-10 (i from 0)", live_early_pre },
    { "early_post", 1, "block i's gradient norm in the post-norm stack, mean of steps 1-10", live_early_post },
    { "grad_pre", 1, "block i's gradient norm in the pre-norm stack at the latest step", live_grad_pre },
    { "grad_post", 1, "block i's gradient norm in the post-norm stack at the latest step", live_grad_post },
    { "ratio_pre", 0, "pre-norm: last block's over first block's gradient norm, steps 1-10", live_ratio_pre },
    { "ratio_post", 0, "post-norm: last block's over first block's gradient norm, steps 1-10", live_ratio_post },
    { "last_post_pre", 0, "last block's gradient norm, post-norm over pre-norm, steps 1-10", live_last_post_pre },
    { "loss_pre", 0, "pre-norm: mean training loss of the last 50 mini-batches", live_loss_pre },
    { "loss_post", 0, "post-norm: mean training loss of the last 50 mini-batches", live_loss_post },
    { "change_pre", 0, "pre-norm at initialization: largest |x_B - x_0| on the first mini-batch", live_change_pre },
    { "change_post", 0, "post-norm at initialization: largest |x_B - x_0| on the first mini-batch", live_change_post },
    { "diverged_post", 0, "1 when the post-norm stack's loss blew up (it stops), else 0", live_diverged_post },
    { "lr", 0, "the learning rate of the latest step (warm-up included)", live_lr },
    { "step", 0, "training steps taken", live_step },
};

static const CatalogSetting setting_blocks = {
    .name = "blocks", .type = SETTING_INT, .min = 2, .max = 24, .fallback = "12",
    .help = "residual blocks in each stack" };
static const CatalogSetting setting_width = {
    .name = "width", .type = SETTING_INT, .min = 4, .max = 64, .fallback = "16",
    .help = "features of the residual stream (and of each branch's hidden layer)" };
static const CatalogSetting setting_warmup = {
    .name = "warmup", .type = SETTING_INT, .min = 0, .max = 10000, .fallback = "0",
    .help = "steps of linear learning-rate warm-up (0: none); the key w turns it on and off" };
static const CatalogSetting setting_zero_init = {
    .name = "zero_init", .type = SETTING_BOOL, .fallback = "no",
    .help = "a layer norm with γ = 0 at the end of every branch, so each block starts as the identity" };

static const CatalogSceneSetting rn_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, "moons" }, { &setting_batch, "32" }, { &setting_lr, "0.3" },
    { &setting_steps, "400" }, { &setting_blocks, NULL }, { &setting_width, NULL }, { &setting_warmup, NULL },
    { &setting_zero_init, NULL }, { &setting_autoplay, NULL }, { &setting_speed, NULL },
};

static const CatalogLiveExtent rn_extents[] = {
    { "early_pre", { "blocks" } }, { "early_post", { "blocks" } }, { "grad_pre", { "blocks" } }, { "grad_post", { "blocks" } },
};

/* ---- drawing ---- */

static void rn_header(const ResidualNorm *r, SceneHead *head)
{
    char buf[256], lr[FORMAT_MAX], loss[RN_NETS][FORMAT_MAX];
    format_number(lr, sizeof lr, r->lr, 3, head->canvas->unicode);
    for (int k = 0; k < RN_NETS; k++) {
        double v;
        if (r->diverged[k])
            snprintf(loss[k], sizeof loss[k], "blew up");
        else if (rn_loss(r, k, &v))
            format_number(loss[k], sizeof loss[k], v, 3, head->canvas->unicode);
        else
            snprintf(loss[k], sizeof loss[k], "-");
    }
    char warm[48] = "";
    if (r->warmup > 0)
        snprintf(warm, sizeof warm, ", warm-up %ld", r->warmup);
    snprintf(buf, sizeof buf, "step %ld/%ld%s" FITLINE_SEP "  lr %s%s" FITLINE_SEP "   loss: pre %s" FITLINE_SEP
             " post %s%s",
             r->step, r->steps_max, r->step >= r->steps_max ? " done" : "", lr, warm, loss[PRE], loss[POST],
             !r->config.zero_init_last ? "" : head->canvas->unicode ? FITLINE_SEP "   zero-init γ" : FITLINE_SEP "   zero-init gamma");
    scene_head_title(head, buf, ROLE_TITLE);
}

/* Mirrored bars, block 1 … B left to right: pre-norm up, post-norm down, on one scale. */
static void rn_bars(const ResidualNorm *r, Canvas *canvas, Rect area)
{
    if (area.h < 2 + LAYOUT_H_CHART_MIN || area.w < LAYOUT_W_CHART_MIN)
        return;
    int b = r->config.blocks, seen = rn_early_steps(r);
    double values[RN_NETS][RESMLP_MAX_BLOCKS];
    double top = 0;
    for (int k = 0; k < RN_NETS; k++)
        for (int l = 0; l < b; l++) {
            double v = r->latest ? grad_row_c(r->grad_now, r, k)[l]
                                 : seen ? grad_row_c(r->grad_early, r, k)[l] / seen : 0.0;
            values[k][l] = r->diverged[k] || !isfinite(v) ? 0.0 : v;
            top = fmax(top, values[k][l]);
        }
    char title[160];
    if (r->latest)
        snprintf(title, sizeof title, "gradient norm per block, step %ld:" FITLINE_SEP " up pre, down post", r->step);
    else
        snprintf(title, sizeof title, "gradient norm per block, steps 1-%d:" FITLINE_SEP " up pre, down post",
                 seen ? seen : RN_EARLY);
    fitline_draw(canvas, area.x, area.y, title, ROLE_TITLE, ATTR_BOLD, area.w);
    /* The bars have no numeric scale of their own: the first and the last block in figures. */
    char line[4 * FORMAT_MAX + 64], num[4][FORMAT_MAX];
    int ends[2] = { 0, b - 1 };
    for (int e = 0; e < 2; e++)
        for (int k = 0; k < RN_NETS; k++) {
            if (r->diverged[k] || (!r->latest && !seen) || (r->latest && r->step == 0))
                snprintf(num[e * 2 + k], sizeof num[0], "-");
            else
                format_number(num[e * 2 + k], sizeof num[0], values[k][ends[e]], 3, canvas->unicode);
        }
    snprintf(line, sizeof line, "block 1: pre %s post %s" FITLINE_SEP "   block %d: pre %s post %s", num[0], num[1], b,
             num[2], num[3]);
    fitline_draw(canvas, area.x, area.y + 1, line, ROLE_DEFAULT, 0, area.w);
    area = rect_make(area.x, area.y + 1, area.w, area.h - 1);
    if (r->step == 0 || (r->diverged[PRE] && r->diverged[POST])) {
        /* Nothing measured (yet): empty bars would only draw a meaningless scale. */
        fitline_draw(canvas, area.x, area.y + area.h / 2,
                     r->step == 0 ? "(the bars appear with the first training step)" : "(no gradients: both blew up)",
                     ROLE_TEXT_DIM, 0, area.w);
        return;
    }
    HistSeries s[RN_NETS] = {
        { values[PRE], b, 0.5, b + 0.5, "pre-norm", false, 0, 0 },
        { values[POST], b, 0.5, b + 0.5, "post-norm", false, 0, 0 },
    };
    HistogramSpec spec = { s, RN_NETS, HIST_MIRROR, false, { .fixed = true, .lo = 0.5, .hi = b + 0.5, .label = "block" },
                           { .fixed = false, .label = NULL } };
    histogram_draw(canvas, rect_make(area.x, area.y + 1, area.w, area.h - 1), &spec);
}

static void rn_loss_chart(const ResidualNorm *r, Canvas *canvas, Rect area)
{
    if (!layout_chart_fits(area))
        return;
    canvas_text(canvas, area.x, area.y, "training loss", ROLE_TITLE, ATTR_BOLD, area.w);
    LineSeries series[RN_NETS] = {
        { r->loss[PRE].x, history_col(&r->loss[PRE], 0), r->loss[PRE].n, "pre" },
        { r->loss[POST].x, history_col(&r->loss[POST], 0), r->loss[POST].n, "post" },
    };
    LineChartSpec spec = { .series = series, .nseries = RN_NETS,
                           .x = { .fixed = true, .lo = 0, .hi = (double)(r->steps_max > 0 ? r->steps_max : 1),
                                  .label = "step" },
                           .y = { .label = NULL }, .legend = true };
    linechart_draw(canvas, rect_make(area.x, area.y + 1, area.w, area.h - 1), &spec);
}

static void rn_draw(const void *self, Canvas *canvas, Rect area)
{
    const ResidualNorm *r = self;
    SceneHead head = scene_head_begin(canvas, area);
    if (r->diverged[PRE] && r->diverged[POST]) {
        /* The rate knob is this scene's own key, so the banner names it. */
        char line[128];
        snprintf(line, sizeof line, "step %ld: both stacks blew up - E lowers the rate, r resets", r->step);
        scene_head_text(&head, line, ROLE_WARNING, ATTR_BOLD);
    } else
        rn_header(r, &head);
    Rect body = scene_head_body(&head, 0);
    if (layout_fits(body, LAYOUT_W_TWO_PANELS, 0)) {
        Rect left, right;
        rect_split_cols(body, body.w * 3 / 5, 2, &left, &right);
        rn_bars(r, canvas, left);
        rn_loss_chart(r, canvas, right);
    } else if (layout_fits(body, 0, LAYOUT_H_ROW_BELOW)) {
        Rect top, bottom;
        rect_split_rows(body, body.h * 3 / 5, 1, &top, &bottom);
        rn_bars(r, canvas, top);
        rn_loss_chart(r, canvas, bottom);
    } else {
        rn_bars(r, canvas, body);
    }
}

const SceneClass scene_residual_norm = {
    .schema = SCENE_SCHEMA_BOUNDED("residual-norm",
                                   "pre-norm and post-norm residual stacks side by side: gradient norm per block, loss",
                                   rn_settings, rn_lives, rn_extents),
    .headline = "loss_post",
    .headline_label = "post-norm training loss",
    .create = rn_create,
    .destroy = rn_destroy,
    .step = rn_step,
    /* Two 12-block stacks cost about 0.45 ms a step here: 10 steps a second keep a playing tutor near 1%
     * of a core with its drawing, and the 400 steps of a page take 40 s. */
    .steps_per_second = 10,
    .draw = rn_draw,
    .keys = rn_keys,
    .key_count = SCENE_COUNT(rn_keys),
    .halted = rn_halted,
    .position = rn_position,
};
