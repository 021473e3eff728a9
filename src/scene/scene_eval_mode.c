/* The 'eval-mode' scene: a trained BN network's test predictions in eval mode and with "forgot eval()" batch statistics over different neighbours (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scene/layout.h"
#include "scene/lockstep.h"
#include "scene/scene.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "util/pcg32.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/plot.h"

/* At most this many test pictures are judged, in batches of the page's `batch`; the watched picture is
 * also run in a few freshly drawn mixed batches, to show that its output moves with its neighbours. */
enum { EVAL_ROWS_MAX = 1000, EVAL_DRAWS = 8, EVAL_CLASSES_MAX = 10, EVAL_CURVE_EVERY = 50 };
/* The stream of the watched picture's random neighbours: never the data's, weights' or batches'. */
#define EVAL_NEIGHBOUR_STREAM 0x6e656967u
/* A change of a picture's probability of its label that counts as moved: one percentage point. */
#define EVAL_MOVED 0.01

/* The ways one picture is judged: eval mode, then four "forgot eval()" neighbour sets. */
typedef enum EvalCase { CASE_EVAL, CASE_MIXED, CASE_ONECLASS, CASE_PAIR, CASE_SINGLE, CASE_COUNT } EvalCase;

typedef struct EvalMode {
    Lockstep ls;
    char data[48];                  /* what the data are, for the header: the page's set or its stand-in */
    long steps_max;
    int rows;                       /* test pictures judged: a whole number of batches */
    int classes;
    int tb;                         /* neighbours per batch: the page's batch */
    bool judged;                    /* the cases below are filled (training is over) */
    double *probs;                  /* (CASE_COUNT, rows, classes) softmax of each picture in each case */
    double acc[CASE_COUNT];         /* share of the rows whose top class is their label */
    double mixed_moved;             /* share of the rows whose p(label) moves by more than EVAL_MOVED in mixed batches */
    int single_classes;             /* distinct classes predicted with a batch of one */
    double single_spread;           /* largest |output − first picture's output| with a batch of one */
    int oneclass_min, oneclass_max; /* sizes of the one-class batches */
    int picture;                    /* the watched test picture */
    int shown;                      /* the neighbour set compared with eval mode (CASE_MIXED..CASE_SINGLE) */
    double draw_min, draw_max;      /* the watched picture's probability of its label over EVAL_DRAWS mixed batches */
    History acc_curve;              /* (points) eval-mode accuracy during training */
    double *x;                      /* (2·tb, dim) scratch rows */
    int *members;                   /* (rows) scratch row indices */
} EvalMode;

static const char *const case_names[CASE_COUNT] = {
    "eval mode (running stats)", "mixed batches", "one-class batches", "batches of 2", "batch of 1",
};

static double *case_probs(const EvalMode *s, int c, int row)
{
    return s->probs + ((size_t)c * (size_t)s->rows + (size_t)row) * (size_t)s->classes;
}

static int argmax(const double *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

static void softmax_row(double *out, const double *logits, int n)
{
    double hi = logits[argmax(logits, n)], sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += out[i] = exp(logits[i] - hi);
    for (int i = 0; i < n; i++)
        out[i] /= sum;
}

/* Runs test rows `idx` (n of them) through the trained net together, in `mode`, and writes each row's
 * softmax to out[r] (n pointers). A batch of one with batch statistics is fed as two copies of its row:
 * the statistics of one row (its own mean, variance 0), so BN's output is β whatever the picture. */
static bool judge_batch(EvalMode *s, const int *idx, int n, MlpMode mode, double *const *out)
{
    int dim = s->ls.test->dim;
    int fed = n == 1 && mode != MLP_MODE_EVAL ? 2 : n;
    for (int r = 0; r < fed; r++)
        dataset_row(s->ls.test, idx[r < n ? r : 0], s->x + (size_t)r * (size_t)dim);
    BnError err = { 0 };
    Mlp *net = s->ls.mlp[0];
    if (!mlp_forward(net, s->x, fed, mode, &err))
        return false;
    for (int r = 0; r < n; r++)
        softmax_row(out[r], net->logits + (size_t)r * (size_t)s->classes, s->classes);
    return true;
}

/* Judges rows idx[0..n) of one case in batches of the sizes `sizes` (count of them, summing to n). */
static bool judge_case(EvalMode *s, int c, const int *idx, const int *sizes, int count)
{
    MlpMode mode = c == CASE_EVAL ? MLP_MODE_EVAL : MLP_MODE_BATCH_STATS;
    double *out[2 * EVAL_ROWS_MAX];
    int at = 0;
    for (int b = 0; b < count; b++) {
        for (int r = 0; r < sizes[b]; r++)
            out[r] = case_probs(s, c, idx[at + r]);
        if (!judge_batch(s, idx + at, sizes[b], mode, out))
            return false;
        at += sizes[b];
    }
    return true;
}

/* One-class batches: each class's rows in test order, cut into as few batches of at most tb rows as
 * hold them, of sizes differing by at most one. Fills idx (rows) and sizes; returns the batch count. */
static int oneclass_batches(EvalMode *s, int *idx, int *sizes)
{
    int at = 0, count = 0;
    s->oneclass_min = s->rows;
    s->oneclass_max = 0;
    for (int k = 0; k < s->classes; k++) {
        int first = at;
        for (int r = 0; r < s->rows; r++)
            if ((int)s->ls.test->y[r] == k)
                idx[at++] = r;
        int n = at - first;
        if (n == 0)
            continue;
        int parts = (n + s->tb - 1) / s->tb;
        for (int p = 0; p < parts; p++) {
            sizes[count] = n / parts + (p < n % parts);
            if (sizes[count] < s->oneclass_min)
                s->oneclass_min = sizes[count];
            if (sizes[count] > s->oneclass_max)
                s->oneclass_max = sizes[count];
            count++;
        }
    }
    return count;
}

static double case_accuracy(const EvalMode *s, int c)
{
    int right = 0;
    for (int r = 0; r < s->rows; r++)
        right += argmax(case_probs(s, c, r), s->classes) == (int)s->ls.test->y[r];
    return (double)right / s->rows;
}

/* Every test picture in every case, once training is over (about 4·rows rows through a small net). */
static void eval_judge(EvalMode *s)
{
    lockstep_sync(&s->ls, 0);
    int *idx = xmalloc(sizeof *idx * (size_t)s->rows);
    int *sizes = xmalloc(sizeof *sizes * (size_t)s->rows);
    bool ok = true;
    for (int c = CASE_EVAL; c < CASE_COUNT && ok; c++) {
        int count = 0;
        if (c == CASE_ONECLASS) {
            count = oneclass_batches(s, idx, sizes);
        } else {
            int size = c == CASE_PAIR ? 2 : c == CASE_SINGLE ? 1 : s->tb;
            for (int r = 0; r < s->rows; r++)
                idx[r] = r;
            for (int at = 0; at < s->rows; at += size)
                sizes[count++] = s->rows - at < size ? s->rows - at : size;
        }
        ok = judge_case(s, c, idx, sizes, count);
    }
    free(idx);
    free(sizes);
    if (!ok)
        return;
    for (int c = CASE_EVAL; c < CASE_COUNT; c++)
        s->acc[c] = case_accuracy(s, c);
    int moved = 0;
    for (int r = 0; r < s->rows; r++) {
        int label = (int)s->ls.test->y[r];
        moved += fabs(case_probs(s, CASE_EVAL, r)[label] - case_probs(s, CASE_MIXED, r)[label]) > EVAL_MOVED;
    }
    s->mixed_moved = (double)moved / s->rows;
    /* With a batch of one every BN output is β: count the classes and the largest change of output. */
    bool seen[EVAL_CLASSES_MAX] = { false };
    s->single_classes = 0;
    s->single_spread = 0.0;
    for (int r = 0; r < s->rows; r++) {
        const double *p = case_probs(s, CASE_SINGLE, r);
        int k = argmax(p, s->classes);
        s->single_classes += !seen[k];
        seen[k] = true;
        for (int j = 0; j < s->classes; j++)
            s->single_spread = fmax(s->single_spread, fabs(p[j] - case_probs(s, CASE_SINGLE, 0)[j]));
    }
    s->judged = true;
}

/* The watched picture among EVAL_DRAWS sets of tb − 1 other test pictures drawn at random (the same
 * draws for every picture and seed of the scene): the range of its probability of its own label. */
static void eval_draws(EvalMode *s)
{
    s->draw_min = s->draw_max = NAN;
    if (!s->judged)
        return;
    Pcg32 rng;
    pcg32_seed(&rng, (uint64_t)s->picture, EVAL_NEIGHBOUR_STREAM);
    double probs[EVAL_CLASSES_MAX];
    double *out[1] = { probs };
    int label = (int)s->ls.test->y[s->picture];
    for (int d = 0; d < EVAL_DRAWS; d++) {
        int *idx = s->members;
        idx[0] = s->picture;
        for (int r = 1; r < s->tb; r++) {
            int pick = (int)pcg32_bounded(&rng, (uint32_t)(s->rows - 1));
            idx[r] = pick >= s->picture ? pick + 1 : pick;
        }
        /* Only the watched picture's output is kept: out holds one row, the first. */
        double *all[2 * EVAL_ROWS_MAX];
        double sink[EVAL_CLASSES_MAX];
        all[0] = out[0];
        for (int r = 1; r < s->tb; r++)
            all[r] = sink;
        if (!judge_batch(s, idx, s->tb, MLP_MODE_BATCH_STATS, all))
            return;
        s->draw_min = d == 0 ? probs[label] : fmin(s->draw_min, probs[label]);
        s->draw_max = d == 0 ? probs[label] : fmax(s->draw_max, probs[label]);
    }
}

static void eval_record(EvalMode *s)
{
    history_push(&s->acc_curve, s->ls.step, lockstep_test_accuracy(&s->ls, 0, s->rows));
}

static void eval_destroy(void *self)
{
    EvalMode *s = self;
    if (!s)
        return;
    lockstep_free(&s->ls);
    history_free(&s->acc_curve);
    free(s->probs);
    free(s->x);
    free(s->members);
    free(s);
}

static void *eval_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    EvalMode *s = xcalloc(1, sizeof *s);
    LockstepConfig c;
    lockstep_config_from_page(&c, page, seed);
    lockstep_data_label(s->data, sizeof s->data, page);
    c.placements[0] = BN_PLACEMENT_BEFORE;
    c.nets = 1;
    c.float_steps = true;
    if (!lockstep_init(&s->ls, &c, err)) {
        free(s);
        return NULL;
    }
    s->classes = s->ls.test->classes;
    if (s->classes > EVAL_CLASSES_MAX || s->ls.test->n < 4) {
        error_set(err, c.dataset, "this scene needs a test set of at least 4 rows and at most %d classes",
                  EVAL_CLASSES_MAX);
        eval_destroy(s);
        return NULL;
    }
    s->steps_max = lesson_page_int(page, "steps");
    int avail = s->ls.test->n < EVAL_ROWS_MAX ? s->ls.test->n : EVAL_ROWS_MAX;
    s->tb = s->ls.batch < avail ? s->ls.batch : avail;
    s->rows = avail / s->tb * s->tb;
    s->probs = xcalloc((size_t)CASE_COUNT * (size_t)s->rows * (size_t)s->classes, sizeof *s->probs);
    s->x = xmalloc(sizeof *s->x * 2 * (size_t)s->tb * (size_t)s->ls.test->dim);
    s->members = xmalloc(sizeof *s->members * (size_t)s->tb);
    s->shown = CASE_ONECLASS;
    s->draw_min = s->draw_max = NAN;
    eval_record(s);
    if (s->steps_max == 0)
        eval_judge(s);
    return s;
}

static void eval_step(void *self)
{
    EvalMode *s = self;
    if (s->ls.diverged || s->ls.step >= s->steps_max)
        return;
    if (!lockstep_step(&s->ls))
        return;
    if (s->ls.step % EVAL_CURVE_EVERY == 0 || s->ls.step == s->steps_max)
        eval_record(s);
    if (s->ls.step == s->steps_max)
        eval_judge(s);
}

/* After a step or a key: the watched picture's random neighbours (only when they can have changed). */
static void eval_update(void *self)
{
    EvalMode *s = self;
    if (s->judged && isnan(s->draw_min))
        eval_draws(s);
}

static bool eval_halted(const void *self)
{
    const EvalMode *s = self;
    return s->ls.diverged;
}

static bool eval_key_neighbours(void *self, int key)
{
    EvalMode *s = self;
    s->shown = s->shown == CASE_SINGLE ? CASE_MIXED : s->shown + 1;
    return true;
}

static bool eval_key_picture(void *self, int key)
{
    EvalMode *s = self;
    s->picture = (s->picture + (key == 'i' ? 1 : s->rows - 1)) % s->rows;
    s->draw_min = s->draw_max = NAN;
    return true;
}

static const SceneKeyAction eval_keys[] = {
    { "v", "next neighbours", eval_key_neighbours },
    { "i/I", "next/prev picture", eval_key_picture },
};

/* ---- live values ---- */

static bool live_step(const void *self, const int *index, double *out)
{
    *out = (double)((const EvalMode *)self)->ls.step;
    return true;
}

static bool case_acc(const EvalMode *s, EvalCase c, double *out)
{
    return s->judged && scene_finite(s->acc[c], out);
}

static bool case_pred(const EvalMode *s, EvalCase c, double *out)
{
    if (!s->judged)
        return false;
    *out = argmax(case_probs(s, c, s->picture), s->classes);
    return true;
}

static bool case_prob(const EvalMode *s, EvalCase c, double *out)
{
    return s->judged && scene_finite(case_probs(s, c, s->picture)[(int)s->ls.test->y[s->picture]], out);
}

#define EVAL_CASE_GETTERS(suffix, c)                                                                       \
    static bool live_acc_##suffix(const void *self, const int *index, double *out) { return case_acc(self, c, out); } \
    static bool live_pred_##suffix(const void *self, const int *index, double *out) { return case_pred(self, c, out); } \
    static bool live_prob_##suffix(const void *self, const int *index, double *out) { return case_prob(self, c, out); }
EVAL_CASE_GETTERS(eval, CASE_EVAL)
EVAL_CASE_GETTERS(mixed, CASE_MIXED)
EVAL_CASE_GETTERS(oneclass, CASE_ONECLASS)
EVAL_CASE_GETTERS(pair, CASE_PAIR)
EVAL_CASE_GETTERS(single, CASE_SINGLE)

static bool live_label(const void *self, const int *index, double *out)
{
    const EvalMode *s = self;
    *out = s->ls.test->y[s->picture];
    return true;
}

static bool live_single_classes(const void *self, const int *index, double *out)
{
    const EvalMode *s = self;
    return s->judged && scene_finite(s->single_classes, out);
}

static bool live_single_spread(const void *self, const int *index, double *out)
{
    const EvalMode *s = self;
    return s->judged && scene_finite(s->single_spread, out);
}

static bool live_mixed_moved(const void *self, const int *index, double *out)
{
    const EvalMode *s = self;
    return s->judged && scene_finite(s->mixed_moved, out);
}

static bool live_draw_min(const void *self, const int *index, double *out)
{
    return scene_finite(((const EvalMode *)self)->draw_min, out);
}

static bool live_draw_max(const void *self, const int *index, double *out)
{
    return scene_finite(((const EvalMode *)self)->draw_max, out);
}

static bool live_acc_now(const void *self, const int *index, double *out)
{
    return scene_finite(history_last(&((const EvalMode *)self)->acc_curve, 0), out);
}

static bool live_rows(const void *self, const int *index, double *out)
{
    *out = ((const EvalMode *)self)->rows;
    return true;
}

static bool live_oneclass_min(const void *self, const int *index, double *out)
{
    const EvalMode *s = self;
    return s->judged && scene_finite(s->oneclass_min, out);
}

static const CatalogLive eval_lives[] = {
    { "acc_eval", 0, "test accuracy in eval mode (running statistics), 0..1", live_acc_eval },
    { "acc_mixed", 0, "test accuracy with batch statistics of batches in test order", live_acc_mixed },
    { "acc_oneclass", 0, "test accuracy with batch statistics of one-class batches", live_acc_oneclass },
    { "acc_pair", 0, "test accuracy with batch statistics of pairs", live_acc_pair },
    { "acc_single", 0, "test accuracy with the statistics of a batch of one (BN output = beta)", live_acc_single },
    { "pred_eval", 0, "the watched picture's predicted class in eval mode", live_pred_eval },
    { "pred_mixed", 0, "its predicted class in its mixed batch", live_pred_mixed },
    { "pred_oneclass", 0, "its predicted class in its one-class batch", live_pred_oneclass },
    { "pred_pair", 0, "its predicted class in its pair", live_pred_pair },
    { "pred_single", 0, "its predicted class alone (batch of one)", live_pred_single },
    { "prob_eval", 0, "the watched picture's probability of its label in eval mode", live_prob_eval },
    { "prob_mixed", 0, "the same in its mixed batch", live_prob_mixed },
    { "prob_oneclass", 0, "the same in its one-class batch", live_prob_oneclass },
    { "prob_pair", 0, "the same in its pair", live_prob_pair },
    { "prob_single", 0, "the same alone (batch of one)", live_prob_single },
    { "mixed_moved", 0, "share of the test pictures whose probability of their label moves by more than 0.01 "
      "between eval mode and their mixed batch", live_mixed_moved },
    { "draw_min", 0, "its smallest probability of its label over 8 random mixed batches", live_draw_min },
    { "draw_max", 0, "its largest probability of its label over those batches", live_draw_max },
    { "label", 0, "the watched picture's label", live_label },
    { "single_classes", 0, "how many classes a batch of one predicts over the test pictures", live_single_classes },
    { "single_spread", 0, "largest change of any output probability between pictures, batch of one", live_single_spread },
    { "oneclass_min", 0, "the smallest one-class batch", live_oneclass_min },
    { "rows", 0, "test pictures judged", live_rows },
    { "acc_now", 0, "eval-mode test accuracy at the latest point of the training chart (every 50 steps)", live_acc_now },
    { "step", 0, "training steps taken", live_step },
};

static const CatalogSceneSetting eval_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, "fashion-mnist" }, { &setting_hidden, "32,32" },
    { &setting_act, "relu" }, { &setting_batch, "50" }, { &setting_lr, NULL }, { &setting_steps, "300" },
    { &setting_autoplay, NULL }, { &setting_speed, "30" },
};

/* ---- drawing ---- */

static void eval_header(const EvalMode *s, SceneHead *head)
{
    if (s->ls.diverged) {
        scene_head_diverged(head, s->ls.step, NULL);
        return;
    }
    char line[256];
    if (!s->judged)
        snprintf(line, sizeof line, "%s, training: step %ld/%ld" FITLINE_SEP "  then %d test pictures are judged",
                 s->data, s->ls.step, s->steps_max, s->rows);
    else
        snprintf(line, sizeof line, "%s, trained %ld steps" FITLINE_SEP "  %d test pictures, batches of %d"
                 FITLINE_SEP "  (v: neighbours, i: picture)", s->data, s->steps_max, s->rows, s->tb);
    scene_head_title(head, line, ROLE_TITLE);
}

static void percent(char *buf, size_t size, double v)
{
    if (isfinite(v))
        snprintf(buf, size, "%5.1f%%", 100.0 * v);
    else
        snprintf(buf, size, "    - ");
}

/* The table: one row per case, its accuracy and what it makes of the watched picture. */
static void eval_table(const EvalMode *s, Canvas *canvas, Rect area)
{
    char line[256], acc[32], prob[32], what[96];
    int label = (int)s->ls.test->y[s->picture];
    snprintf(line, sizeof line, "%-27s %s" FITLINE_SEP "   picture %d (label %d): class  p(label)", "", "accuracy",
             s->picture + 1, label);
    fitline_draw(canvas, area.x, area.y, line, ROLE_TEXT_DIM, 0, area.w);
    for (int c = CASE_EVAL; c < CASE_COUNT && c + 1 < area.h; c++) {
        char name[64];
        if (c == CASE_MIXED)
            snprintf(name, sizeof name, "forgot eval: batches of %d", s->tb);
        else if (c == CASE_ONECLASS && s->judged)
            snprintf(name, sizeof name, s->oneclass_min == s->oneclass_max ? "  one-class, %d each" : "  one-class, %d-%d each",
                     s->oneclass_min, s->oneclass_max);
        else
            snprintf(name, sizeof name, "%s%s", c == CASE_EVAL ? "" : "  ", case_names[c]);
        percent(acc, sizeof acc, s->judged ? s->acc[c] : NAN);
        if (s->judged) {
            const double *p = case_probs(s, c, s->picture);
            format_number(prob, sizeof prob, p[label], 3, canvas->unicode);
            snprintf(what, sizeof what, "%d  %s", argmax(p, s->classes), prob);
            if (c == CASE_MIXED && isfinite(s->draw_min)) {
                char lo[FORMAT_MAX], hi[FORMAT_MAX];
                size_t used = strlen(what);
                snprintf(what + used, sizeof what - used, " (%s to %s in 8 others)",
                         format_number(lo, sizeof lo, s->draw_min, 3, canvas->unicode),
                         format_number(hi, sizeof hi, s->draw_max, 3, canvas->unicode));
            }
            if (c == CASE_SINGLE)
                snprintf(what + strlen(what), sizeof what - strlen(what), " (every picture: %d class%s)",
                         s->single_classes, s->single_classes == 1 ? "" : "es");
        } else {
            snprintf(what, sizeof what, "-");
        }
        snprintf(line, sizeof line, "%-27s %8s" FITLINE_SEP "   %s", name, acc, what);
        ColorRole role = c == CASE_EVAL ? ROLE_SERIES1 : c == s->shown ? ROLE_HIGHLIGHT : ROLE_DEFAULT;
        fitline_draw(canvas, area.x, area.y + 1 + c, line, role, c == s->shown ? ATTR_BOLD : 0, area.w);
    }
}

/* The watched picture's class probabilities: eval mode up, the chosen neighbours down. */
static void eval_bars(const EvalMode *s, Canvas *canvas, Rect area)
{
    if (!s->judged || !layout_chart_fits(area))
        return;
    HistSeries series[2] = {
        { case_probs(s, CASE_EVAL, s->picture), s->classes, -0.5, s->classes - 0.5, "eval mode", false, 0, 0 },
        { case_probs(s, (int)s->shown, s->picture), s->classes, -0.5, s->classes - 0.5, case_names[s->shown],
          false, 0, 0 },
    };
    char title[96];
    snprintf(title, sizeof title, "picture %d: probability of each class", s->picture + 1);
    canvas_text(canvas, area.x, area.y, title, ROLE_TITLE, 0, area.w);
    HistogramSpec spec = { series, 2, HIST_MIRROR, false, { .fixed = true, .lo = -0.5, .hi = s->classes - 0.5,
                           .label = "class" }, { .fixed = true, .lo = 0, .hi = 1 } };
    histogram_draw(canvas, rect_make(area.x, area.y + 1, area.w, area.h - 1), &spec);
}

static void eval_draw(const void *self, Canvas *canvas, Rect area)
{
    const EvalMode *s = self;
    SceneHead head = scene_head_begin(canvas, area);
    eval_header(s, &head);
    Rect body = scene_head_body(&head, 0);
    int table_h = 1 + CASE_COUNT;
    Rect table = rect_make(body.x, body.y, body.w, table_h < body.h ? table_h : body.h);
    eval_table(s, canvas, table);
    if (s->judged && body.h > table.h) {
        char line[160];
        snprintf(line, sizeof line, "mixed batches move p(label) by more than 0.01 for %.1f%% of the pictures",
                 100.0 * s->mixed_moved);
        fitline_draw(canvas, body.x, body.y + table.h, line, ROLE_TEXT_DIM, 0, body.w);
        table.h++;
    }
    Rect rest = rect_make(body.x, body.y + table.h + 1, body.w, body.h - table.h - 1);
    if (!s->judged) {
        /* While it trains: the eval-mode accuracy so far. */
        if (!layout_chart_fits(rest))
            return;
        LineSeries line = { s->acc_curve.x, history_col(&s->acc_curve, 0), s->acc_curve.n, "eval-mode accuracy" };
        LineChartSpec spec = { .series = &line, .nseries = 1,
                               .x = { .fixed = true, .lo = 0, .hi = (double)(s->steps_max > 0 ? s->steps_max : 1),
                                      .label = "step" },
                               .y = { .fixed = true, .lo = 0, .hi = 1 }, .legend = true };
        linechart_draw(canvas, rest, &spec);
        return;
    }
    eval_bars(s, canvas, rest);
}

const SceneClass scene_eval_mode = {
    .schema = SCENE_SCHEMA("eval-mode", "a BN network's test predictions in eval mode and with batch statistics "
                           "of different neighbours (forgot eval())", eval_settings, eval_lives),
    .headline = "acc_now",
    .headline_label = "test accuracy, eval mode",
    .create = eval_create,
    .destroy = eval_destroy,
    .step = eval_step,
    .steps_per_second = 30,
    .update = eval_update,
    .draw = eval_draw,
    .keys = eval_keys,
    .key_count = SCENE_COUNT(eval_keys),
    .halted = eval_halted,
};
