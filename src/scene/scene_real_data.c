/* The 'real-data' scene: the BN paper's Figure 1 live, on Fashion-MNIST when installed (synth784 otherwise): test accuracy and a last-layer sigmoid's input bands, with and without BN (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scene/imagesrc.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"

/* Fashion-MNIST comes from dataset_fashion() (dataset_fashion_dir() unless `check --verify` chose).
 * The training images are read in place (from a decompressed cache, the system-wide one when built),
 * so all 60,000 cost no private memory; accuracy is measured on the first 1,000 test images. */
enum {
    REAL_TEST = 1000,
    REAL_PROBE_ROWS = 200,      /* the percentiles are taken over these test rows */
    REAL_BAND_EVERY = 10,       /* steps between percentile points */
    REAL_ACC_EVERY = 50,        /* steps between accuracy points (a pass over the test rows) */
};

enum { PLAIN, WITH_BN };

typedef struct RealData {
    Lockstep ls;
    int net_of[2];                  /* lockstep index of the plain and the BN net */
    BnPlacement placement;
    long steps_max;
    bool fashion;                   /* Fashion-MNIST loaded */
    bool fell_back;                 /* Fashion-MNIST asked for but not installed or unreadable: synth784 */
    char notice[256];               /* with fell_back: why, one line */
    char data_label[96];
    History pct[2][3];              /* (points) p15/p50/p85 per net */
    History acc[2];                 /* (points) test accuracy 0..1 per net */
} RealData;

static void real_record_bands(RealData *r)
{
    int rows = r->ls.test->n < REAL_PROBE_ROWS ? r->ls.test->n : REAL_PROBE_ROWS;
    double values[REAL_PROBE_ROWS];
    for (int role = 0; role < 2; role++) {
        int k = r->net_of[role];
        double p[3] = { NAN, NAN, NAN };
        MlpInferTap unit0 = { .layer = r->ls.mlp[k]->num_hidden - 1, .unit = 0, .values = values };
        if (lockstep_probe(&r->ls, k, rows, &unit0, 1))
            bandchart_percentiles(p, values, rows);
        for (int q = 0; q < 3; q++)
            history_push(&r->pct[role][q], r->ls.step, p[q]);
    }
}

static void real_record_accuracy(RealData *r)
{
    for (int role = 0; role < 2; role++)
        history_push(&r->acc[role], r->ls.step, lockstep_test_accuracy(&r->ls, r->net_of[role], r->ls.test->n));
}

static void real_destroy(void *self)
{
    RealData *r = self;
    if (!r)
        return;
    lockstep_free(&r->ls);
    for (int role = 0; role < 2; role++) {
        history_free(&r->acc[role]);
        for (int q = 0; q < 3; q++)
            history_free(&r->pct[role][q]);
    }
    free(r);
}

static void *real_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    RealData *r = xcalloc(1, sizeof *r);
    LockstepConfig c = { 0 };
    const char *dataset = lesson_page_enum(page, "dataset");
    c.seed = seed;
    c.rule = bnrule_of_page(page);
    c.num_hidden = lesson_page_list(page, "hidden", &c.hidden);
    activation_parse(lesson_page_enum(page, "act"), &c.act);
    c.batch = (int)lesson_page_int(page, "batch");
    c.lr = lesson_page_real(page, "lr");
    mlp_placement_parse(lesson_page_enum(page, "placement"), &r->placement);
    if (r->placement == BN_PLACEMENT_NONE)
        r->placement = BN_PLACEMENT_BEFORE;     /* the comparison needs a BN net; the paper's is "before" */
    r->net_of[PLAIN] = 0;
    r->net_of[WITH_BN] = 1;
    c.placements[0] = BN_PLACEMENT_NONE;
    c.placements[1] = r->placement;
    c.nets = 2;
    /* The learner reads accuracies and percentiles, which lockstep computes in double on the trained
     * weights: the steps may be float. */
    c.float_steps = true;
    bool ok = false, stand_in = false;
    const char *real = dataset_resolve(dataset, true, "synth784", &stand_in);
    BnError missing = { 0 };
    if (real != dataset && !stand_in) {
        c.dataset = real;
        c.n_train = 0;
        c.n_test = REAL_TEST;
        ok = lockstep_init(&r->ls, &c, &missing);
        if (ok) {
            r->fashion = true;
            snprintf(r->data_label, sizeof r->data_label, "Fashion-MNIST, %d train / first %d test images",
                     r->ls.train->n, r->ls.test->n);
        }
    }
    if (real != dataset && !ok) {
        r->fell_back = true;
        imagesrc_explain_fallback(r->notice, sizeof r->notice, stand_in ? NULL : real, &missing);
        dataset = "synth784";
    }
    if (!ok) {
        c.dataset = dataset;
        c.n_train = c.n_test = 0;
        if (!lockstep_init(&r->ls, &c, err)) {
            free(r);
            return NULL;
        }
        snprintf(r->data_label, sizeof r->data_label, "%s (%d train / %d test)", dataset, r->ls.train->n,
                 r->ls.test->n);
    }
    r->steps_max = lesson_page_int(page, "steps");
    real_record_bands(r);
    real_record_accuracy(r);
    return r;
}

static void real_step(void *self)
{
    RealData *r = self;
    if (r->ls.diverged || r->ls.step >= r->steps_max)
        return;
    if (!lockstep_step(&r->ls))
        return;
    bool end = r->ls.step == r->steps_max;
    if (r->ls.step % REAL_BAND_EVERY == 0 || end)
        real_record_bands(r);
    if (r->ls.step % REAL_ACC_EVERY == 0 || end)
        real_record_accuracy(r);
}


/* Percentile q of the last-layer unit's input in the net of this role, at the latest probe. */
static bool real_percentile(const RealData *r, int role, int q, double *out)
{
    return scene_finite(history_last(&r->pct[role][q], 0), out);
}

static bool live_p15(const void *self, const int *index, double *out) { return real_percentile(self, PLAIN, 0, out); }
static bool live_p50(const void *self, const int *index, double *out) { return real_percentile(self, PLAIN, 1, out); }
static bool live_p85(const void *self, const int *index, double *out) { return real_percentile(self, PLAIN, 2, out); }
static bool live_bn_p15(const void *self, const int *index, double *out) { return real_percentile(self, WITH_BN, 0, out); }
static bool live_bn_p50(const void *self, const int *index, double *out) { return real_percentile(self, WITH_BN, 1, out); }
static bool live_bn_p85(const void *self, const int *index, double *out) { return real_percentile(self, WITH_BN, 2, out); }

static bool live_accuracy(const void *self, const int *index, double *out)
{
    return scene_finite(history_last(&((const RealData *)self)->acc[WITH_BN], 0), out);
}

static bool live_plain_accuracy(const void *self, const int *index, double *out)
{
    return scene_finite(history_last(&((const RealData *)self)->acc[PLAIN], 0), out);
}

static bool live_loss(const void *self, const int *index, double *out)
{
    const RealData *r = self;
    return scene_finite(r->ls.step > 0 && !r->ls.diverged ? r->ls.loss[r->net_of[WITH_BN]] : NAN, out);
}

static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const RealData *)self)->ls.step;
    return true;
}

static const CatalogLive real_lives[] = {
    { "accuracy", 0, "test accuracy with BN, 0 to 1", live_accuracy },
    { "plain_accuracy", 0, "test accuracy without BN, 0 to 1", live_plain_accuracy },
    { "p15", 0, "15th percentile of the last-layer unit's input (without BN)", live_p15 },
    { "p50", 0, "median of that input (without BN)", live_p50 },
    { "p85", 0, "85th percentile (without BN)", live_p85 },
    { "bn_p15", 0, "15th percentile with BN", live_bn_p15 },
    { "bn_p50", 0, "median with BN", live_bn_p50 },
    { "bn_p85", 0, "85th percentile with BN", live_bn_p85 },
    { "loss", 0, "training loss with BN", live_loss },
    { "step", 0, "training steps taken", live_step },
};

static const CatalogSceneSetting real_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, "fashion-mnist" }, { &setting_hidden, "100,100,100" },
    { &setting_act, NULL }, { &setting_placement, NULL }, { &setting_batch, "60" }, { &setting_lr, NULL },
    { &setting_steps, NULL }, { &setting_autoplay, NULL }, { &setting_speed, NULL },
};

/* ---- drawing ---- */

static void real_accuracy_chart(const RealData *r, Canvas *canvas, Rect area)
{
    if (!layout_chart_fits(area))

        return;
    /* Wordings from long to short; each figure is a segment kept or dropped whole ("100.0%" never
     * reads "100."). */
    char title[3][160], a[2][FORMAT_MAX], b[2][FORMAT_MAX];
    double pa = history_last(&r->acc[PLAIN], 0), pb = history_last(&r->acc[WITH_BN], 0);
    for (int d = 0; d < 2; d++) {
        snprintf(a[d], sizeof a[d], d ? "%.0f%%" : "%.1f%%", 100.0 * pa);
        snprintf(b[d], sizeof b[d], d ? "%.0f%%" : "%.1f%%", 100.0 * pb);
    }
    /* A net that diverged has no accuracy: its figure says so. */
    bool dead_a = !lockstep_alive(&r->ls, r->net_of[PLAIN]), dead_b = !lockstep_alive(&r->ls, r->net_of[WITH_BN]);
    if (dead_a)
        pa = NAN;
    if (dead_b)
        pb = NAN;
    snprintf(title[0], sizeof title[0], "test accuracy: BN %s" FITLINE_SEP ", no BN %s", isfinite(pb) ? b[0] : dead_b ? "diverged" : "-",
             isfinite(pa) ? a[0] : dead_a ? "diverged" : "-");
    snprintf(title[1], sizeof title[1], "test acc BN %s" FITLINE_SEP " none %s", isfinite(pb) ? b[0] : dead_b ? "diverged" : "-",
             isfinite(pa) ? a[0] : dead_a ? "diverged" : "-");
    snprintf(title[2], sizeof title[2], "test acc BN %s" FITLINE_SEP " none %s", isfinite(pb) ? b[1] : dead_b ? "diverged" : "-",
             isfinite(pa) ? a[1] : dead_a ? "diverged" : "-");
    const char *alts[3] = { title[0], title[1], title[2] };
    fitline_draw_first(canvas, area.x, area.y, alts, 3, ROLE_TITLE, ATTR_BOLD, area.w);
    char names[2][80];
    LineSeries series[2] = {
        { r->acc[WITH_BN].x, history_col(&r->acc[WITH_BN], 0), r->acc[WITH_BN].n,
          lockstep_series_name(&r->ls, r->net_of[WITH_BN], "with BN", names[0], (int)sizeof names[0]) },
        { r->acc[PLAIN].x, history_col(&r->acc[PLAIN], 0), r->acc[PLAIN].n,
          lockstep_series_name(&r->ls, r->net_of[PLAIN], "without", names[1], (int)sizeof names[1]) },
    };
    LineChartSpec spec = {
        .series = series, .nseries = 2,
        .x = { .fixed = true, .lo = 0, .hi = (double)(r->steps_max > 0 ? r->steps_max : 1), .label = "step" },
        .y = { .fixed = true, .lo = 0, .hi = 1, .label = NULL },
        .legend = true,
    };
    linechart_draw(canvas, rect_make(area.x, area.y + 1, area.w, area.h - 1), &spec);
}

static void real_bands(const RealData *r, Canvas *canvas, Rect left, Rect right)
{
    const double *arrays[6];
    for (int role = 0; role < 2; role++)
        for (int q = 0; q < 3; q++)
            arrays[role * 3 + q] = history_col(&r->pct[role][q], 0);
    double lo, hi;
    int n = r->pct[PLAIN][0].n;
    bandchart_range(&lo, &hi, arrays, 6, n);
    Rect cells[2] = { left, right };
    for (int role = 0; role < 2; role++) {
        char title[256], p[3][FORMAT_MAX];
        bool long_title = layout_fits(cells[role], LAYOUT_W_LONG_TITLE, 0);
        int sig = long_title ? 3 : 2;
        for (int q = 0; q < 3; q++)
            format_number(p[q], sizeof p[q], history_last(&r->pct[role][q], 0), sig, canvas->unicode);
        char who_buf[80];
        const char *who = lockstep_series_name(&r->ls, r->net_of[role], role == PLAIN ? "no BN" : "BN", who_buf,
                                               (int)sizeof who_buf);
        if (long_title)
            snprintf(title, sizeof title, "%s, 15/50/85th:" FITLINE_SEP " %s %s %s", who, p[0], p[1], p[2]);
        else
            snprintf(title, sizeof title, "%s:" FITLINE_SEP " %s %s %s", who, p[0], p[1], p[2]);
        const History *pct = r->pct[role];
        bandchart_draw(canvas, cells[role], title, pct[0].x, history_col(&pct[0], 0), history_col(&pct[1], 0),
                       history_col(&pct[2], 0), n, lo, hi, (double)(r->steps_max > 0 ? r->steps_max : 1),
                       role == PLAIN ? ROLE_SERIES1 : ROLE_SERIES2);
    }
}

static void real_draw(const void *self, Canvas *canvas, Rect area)
{
    const RealData *r = self;
    SceneHead h = scene_head_begin(canvas, area);
    if (r->ls.diverged) {
        scene_head_diverged(&h, r->ls.step, NULL);
    } else {
        char head[256];
        snprintf(head, sizeof head, "step %ld/%ld" FITLINE_SEP "  %s", r->ls.step, r->steps_max, r->data_label);
        scene_head_title(&h, head, ROLE_TITLE);
    }
    if (r->fell_back)
        scene_head_text(&h, r->notice, ROLE_WARNING, 0);
    else if (r->ls.train->warning[0])    /* loaded, but into this tutor's memory: say why, so a teacher can fix the cache */
        scene_head_text(&h, r->ls.train->warning, ROLE_WARNING, 0);
    /* The band charts follow the first unit of the last hidden layer (unit 1 on screen, as every scene
     * numbers from 1): the input to its activation. */
    scene_head_text(&h, "bands: input to unit 1 of the last hidden layer (15th-85th pct)", ROLE_TEXT_DIM, 0);
    Rect body = scene_head_body(&h, 0);
    int gap = 2;
    if (layout_fits(body, LAYOUT_W_THREE_SMALL, 0)) {

        int col = (body.w - 2 * gap) / 3;
        real_accuracy_chart(r, canvas, rect_make(body.x, body.y, col, body.h));
        real_bands(r, canvas, rect_make(body.x + col + gap, body.y, col, body.h),
                   rect_make(body.x + 2 * (col + gap), body.y, body.w - 2 * (col + gap), body.h));
    } else {
        real_accuracy_chart(r, canvas, body);
    }
}

/* Without and with BN, for the page's budget (CatalogScene.networks). */
static int real_networks(const LessonPage *page) { return 2; }

const SceneClass scene_real_data = {
    .schema = SCENE_SCHEMA_NETWORKS("real-data", "training on real images (Fashion-MNIST) with and without BN",
                                    real_settings, real_lives, real_networks),
    .headline = "accuracy",
    .headline_label = "test accuracy with BN",
    .min_h = 8,
    .create = real_create,
    .destroy = real_destroy,
    .step = real_step,
    .steps_per_second = 25,
    .draw = real_draw,
};
