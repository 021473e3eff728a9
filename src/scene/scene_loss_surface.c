/* The 'loss-surface' scene of lesson 2: gradient descent on the raw canyon and the standardized bowl, one rule for both (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/surface.h"
#include "scene/netrun.h"
#include "scene/scene.h"
#include "scene/bnlabels.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/fitline.h"
#include "view/format.h"
#include "view/keys.h"
#include "view/plot.h"
#include "view/unicode.h"

enum { RAW, SCALED };
enum { SHOW_RAW, SHOW_SCALED, SHOW_BOTH };
/* The grid spans GRID_WIDEN times the square window across, so the map can be drawn with one scale on
 * both axes in areas up to GRID_WIDEN times as wide (in screen units) as tall. */
enum { GRID_WIDEN = 4, GRID_X = 72 * GRID_WIDEN, GRID_Y = 36, PATH_CAP = 2048, HISTORY_CAP = 1024 };

#define MOMENTUM 0.9
#define LR_MIN 1e-12
#define LR_MAX 10.0
/* Same threshold as the engine's runs: this many times the starting excess means it left the bowl. */
#define DIVERGE_FACTOR 1e10
/* Points this many window half-widths away are not kept for drawing: the path has left the map. */
#define FAR_AWAY 20.0

typedef enum PathState { PATH_RUNNING, PATH_CONVERGED, PATH_DIVERGED, PATH_CAPPED } PathState;

typedef struct Path {
    double w[2], v[2];          /* weights and heavy-ball velocity */
    long steps;
    double excess;              /* L(w) − L(w*) now */
    PathState state;
    double *px, *py;            /* (PATH_CAP) the points drawn; the last slot is overwritten once full */
    int pn;
} Path;

typedef struct LossSurface {
    Surface surf[2];            /* raw units, standardized units */
    double w0[2][2];            /* the same starting model in each parametrization */
    double excess0;             /* starting excess (the same on both: the same model) */
    double tol;                 /* converged: excess ≤ tol (absolute, 0.1 % of the best loss) */
    double lo[2][2], hi[2][2];  /* map windows: square, the same extent on both axes */
    double grid_x_lo[2], grid_x_hi[2];  /* the grid's w1 range: the window widened GRID_WIDEN times */
    double *grid[2];            /* (GRID_Y, GRID_X) excess loss samples, row 0 at the bottom */
    Path path[2];
    Trace history;              /* excess of both paths over the steps */
    double lr;
    bool momentum;
    long cap;                   /* the page's steps: the run stops here */
    int show;
} LossSurface;

static void path_free(Path *p)
{
    free(p->px);
    free(p->py);
}

static void loss_surface_destroy(void *self)
{
    LossSurface *s = self;
    if (!s)
        return;
    for (int k = 0; k < 2; k++) {
        free(s->grid[k]);
        path_free(&s->path[k]);
    }
    trace_free(&s->history);
    free(s);
}

/* Both paths back to the start (after a change of rule: the step counts must mean one rule). */
static void loss_surface_restart(LossSurface *s)
{
    for (int k = 0; k < 2; k++) {
        Path *p = &s->path[k];
        p->w[0] = s->w0[k][0], p->w[1] = s->w0[k][1];
        p->v[0] = p->v[1] = 0.0;
        p->steps = 0;
        p->excess = surface_excess(&s->surf[k], p->w);
        p->state = p->excess <= s->tol ? PATH_CONVERGED : s->cap == 0 ? PATH_CAPPED : PATH_RUNNING;
        p->px[0] = p->w[0], p->py[0] = p->w[1];
        p->pn = 1;
    }
    trace_free(&s->history);
    trace_init(&s->history, 2, HISTORY_CAP);
    double row[2] = {s->path[RAW].excess, s->path[SCALED].excess};
    trace_add(&s->history, 0, row);
}

static void *loss_surface_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    Dataset *train = NULL, *test = NULL;
    if (!dataset_load("scaled2d", seed, 200, 1, &train, &test, err))
        return NULL;
    dataset_destroy(test);
    LossSurface *s = xcalloc(1, sizeof *s);
    bool ok = surface_from_dataset(&s->surf[RAW], train, false, err) &&
              surface_from_dataset(&s->surf[SCALED], train, true, err);
    dataset_destroy(train);
    if (!ok) {
        free(s);
        return NULL;
    }
    s->lr = fmax(lesson_page_real(page, "lr"), LR_MIN);     /* lr = 0 would never move */
    s->cap = lesson_page_int(page, "steps");
    s->show = (int)lesson_page_int(page, "scale");
    /* The start: w = (0, 1) in raw units, a weight of the size a random initialisation gives, and
     * the very same model in standardized units (w_k · std_k), so both start at the same loss. */
    s->w0[RAW][0] = 0.0, s->w0[RAW][1] = 1.0;
    for (int k = 0; k < 2; k++)
        s->w0[SCALED][k] = s->w0[RAW][k] * s->surf[SCALED].scale[k];
    s->excess0 = surface_excess(&s->surf[RAW], s->w0[RAW]);
    s->tol = 1e-3 * fmax(s->surf[RAW].loss_min, 1e-6);
    for (int k = 0; k < 2; k++) {
        /* Square windows (the same extent on both axes): the canyon looks as narrow as it is. */
        surface_window(&s->surf[k], s->w0[k], 0.2, s->lo[k], s->hi[k]);
        s->grid[k] = xmalloc((size_t)GRID_X * GRID_Y * sizeof *s->grid[k]);
        double glo[2] = { s->lo[k][0], s->lo[k][1] }, ghi[2] = { s->hi[k][0], s->hi[k][1] };
        double cx = 0.5 * (glo[0] + ghi[0]), half = 0.5 * (ghi[0] - glo[0]);
        glo[0] = cx - GRID_WIDEN * half;
        ghi[0] = cx + GRID_WIDEN * half;
        s->grid_x_lo[k] = glo[0];
        s->grid_x_hi[k] = ghi[0];
        surface_grid(s->grid[k], &s->surf[k], glo, ghi, GRID_X, GRID_Y, true);
        s->path[k].px = xmalloc(PATH_CAP * sizeof *s->path[k].px);
        s->path[k].py = xmalloc(PATH_CAP * sizeof *s->path[k].py);
    }
    loss_surface_restart(s);
    return s;
}

static void path_step(LossSurface *s, int k)
{
    Path *p = &s->path[k];
    const Surface *surf = &s->surf[k];
    if (p->state != PATH_RUNNING)
        return;
    if (!surface_step(surf, p->w, p->v, s->lr, s->momentum ? MOMENTUM : 0.0)) {
        p->state = PATH_DIVERGED;
        p->steps++;
        return;
    }
    p->steps++;
    p->excess = surface_excess(surf, p->w);
    double half = 0.5 * (s->hi[k][0] - s->lo[k][0]);
    double cx = 0.5 * (s->hi[k][0] + s->lo[k][0]), cy = 0.5 * (s->hi[k][1] + s->lo[k][1]);
    bool near = fabs(p->w[0] - cx) < FAR_AWAY * half && fabs(p->w[1] - cy) < FAR_AWAY * half;
    if (near) {
        int slot = p->pn < PATH_CAP ? p->pn++ : PATH_CAP - 1;
        p->px[slot] = p->w[0], p->py[slot] = p->w[1];
    }
    if (!(p->excess <= DIVERGE_FACTOR * s->excess0))
        p->state = PATH_DIVERGED;
    else if (p->excess <= s->tol)
        p->state = PATH_CONVERGED;
    else if (p->steps >= s->cap)
        p->state = PATH_CAPPED;
}

static void loss_surface_step(void *self)
{
    LossSurface *s = self;
    if (s->path[RAW].state != PATH_RUNNING && s->path[SCALED].state != PATH_RUNNING)
        return;
    path_step(s, RAW);
    path_step(s, SCALED);
    long step = s->path[RAW].steps > s->path[SCALED].steps ? s->path[RAW].steps : s->path[SCALED].steps;
    double row[2];
    for (int k = 0; k < 2; k++)
        row[k] = s->path[k].state == PATH_DIVERGED ? NAN : s->path[k].excess;
    trace_add(&s->history, step, row);
}

static bool loss_surface_key(void *self, int key)
{
    LossSurface *s = self;
    double lr = s->lr;
    switch (key) {
    case '[': lr /= 2; break;
    case ']': lr *= 2; break;
    case '{': lr /= 10; break;
    case '}': lr *= 10; break;
    case 'c': lr = 0.9 * surface_max_stable_lr(&s->surf[RAW], s->momentum ? MOMENTUM : 0.0); break;
    case 'b': lr = surface_best_lr(&s->surf[SCALED]); break;
    case 'o': s->momentum = !s->momentum; break;
    default: return false;
    }
    s->lr = fmin(fmax(lr, LR_MIN), LR_MAX);
    loss_surface_restart(s);
    return true;
}

/* Every knob sets the learning rate (or momentum) and restarts both paths from the start. */
static const SceneKeyAction loss_surface_keys[] = {
    { "[/]", "lr /2 x2", loss_surface_key },
    { "{/}", "lr /10 x10", loss_surface_key },
    { "c", "lr canyon-safe", loss_surface_key },
    { "b", "lr best for bowl", loss_surface_key },
    { "o", "momentum 0.9", loss_surface_key },
};

/* Steps this rule needs from the start: what the path did when it got there, else a replay on a
 * copy (bounded), else the engine's prediction for plain descent. Unknown when it diverges. */
static bool steps_needed(const LossSurface *s, int k, double *out)
{
    const Path *p = &s->path[k];
    if (p->state == PATH_CONVERGED) {
        *out = (double)p->steps;
        return true;
    }
    if (p->state == PATH_DIVERGED)
        return false;
    double mu = s->momentum ? MOMENTUM : 0.0;
    SurfaceRun run = surface_run(&s->surf[k], s->w0[k], s->lr, mu, s->tol / s->excess0, 200000, NULL, 0);
    if (run.outcome == SURFACE_CONVERGED) {
        *out = (double)run.steps;
        return true;
    }
    if (run.outcome == SURFACE_DIVERGED || mu > 0)
        return false;
    double predicted = surface_predicted_steps(&s->surf[k], s->lr, s->tol / s->excess0);
    if (predicted < 0)
        return false;
    *out = predicted;
    return true;
}

static bool loss_now(const LossSurface *s, int k, double *out)
{
    if (s->path[k].state == PATH_DIVERGED)
        return false;
    *out = surface_loss(&s->surf[k], s->path[k].w);
    return true;
}

static bool live_steps_raw(const void *self, const int *index, double *out) { return steps_needed(self, RAW, out); }
static bool live_steps_scaled(const void *self, const int *index, double *out) { return steps_needed(self, SCALED, out); }
static bool live_loss_raw(const void *self, const int *index, double *out) { return loss_now(self, RAW, out); }
static bool live_loss_scaled(const void *self, const int *index, double *out) { return loss_now(self, SCALED, out); }

static bool live_lambda_min_raw(const void *self, const int *index, double *out) { *out = ((const LossSurface *)self)->surf[RAW].eig[0]; return true; }
static bool live_lambda_max_raw(const void *self, const int *index, double *out) { *out = ((const LossSurface *)self)->surf[RAW].eig[1]; return true; }
static bool live_lambda_min_scaled(const void *self, const int *index, double *out) { *out = ((const LossSurface *)self)->surf[SCALED].eig[0]; return true; }
static bool live_lambda_max_scaled(const void *self, const int *index, double *out) { *out = ((const LossSurface *)self)->surf[SCALED].eig[1]; return true; }

static const CatalogLive loss_surface_lives[] = {
    { "steps_raw", 0, "steps descent needed on the raw surface", live_steps_raw },
    { "steps_scaled", 0, "steps descent needed on the scaled surface", live_steps_scaled },
    { "loss_raw", 0, "current loss on the raw surface", live_loss_raw },
    { "loss_scaled", 0, "current loss on the scaled surface", live_loss_scaled },
    { "lambda_min_raw", 0, "smallest curvature (Hessian eigenvalue) of the raw surface", live_lambda_min_raw },
    { "lambda_max_raw", 0, "largest curvature of the raw surface", live_lambda_max_raw },
    { "lambda_min_scaled", 0, "smallest curvature of the scaled surface", live_lambda_min_scaled },
    { "lambda_max_scaled", 0, "largest curvature of the scaled surface", live_lambda_max_scaled },
};

static const char *const scale_choices[] = { "raw", "scaled", "both", NULL };
static const CatalogSetting setting_scale = {
    .name = "scale", .type = SETTING_ENUM, .choices = scale_choices, .fallback = "both",
    .help = "which loss surface to show: raw features, scaled features, or both side by side" };

static const CatalogSceneSetting loss_surface_settings[] = {
    { &setting_seed, NULL }, { &setting_scale, NULL }, { &setting_lr, "0.01" }, { &setting_steps, "200" },
    { &setting_autoplay, NULL }, { &setting_speed, NULL },
};

/* ---- drawing ------------------------------------------------------------------------------- */

/* A status line in a role, its segments (FITLINE_SEP) kept or dropped whole; returns 1 so callers
 * can count rows. */
static int line_at(Canvas *c, Rect r, int row, ColorRole role, int attr, const char *text)
{
    if (row < 0 || row >= r.h)
        return 0;
    fitline_draw(c, r.x, r.y + row, text, role, attr, r.w);
    return 1;
}

static void draw_map(const LossSurface *s, int k, Canvas *c, Rect r)
{
    const Path *p = &s->path[k];
    ContourSpec spec = {
        .z = s->grid[k], .nx = GRID_X, .ny = GRID_Y,
        .x_lo = s->grid_x_lo[k], .x_hi = s->grid_x_hi[k], .y_lo = s->lo[k][1], .y_hi = s->hi[k][1],
        .equal_scale = true,    /* a round bowl looks round */
        .levels = r.h >= 16 ? 8 : r.h >= 11 ? 6 : 4, .scale = CONTOUR_SQRT,
        .path_x = p->px, .path_y = p->py, .path_n = p->pn,
        .mark_target = true, .target_x = s->surf[k].w_min[0], .target_y = s->surf[k].w_min[1],
        .x_label = "w1", .y_label = "w2",
    };
    contour_draw(c, r, &spec);
}

/* The lines under a map: the stability limit, where the path is, how it ended. Returns rows used. */
static int draw_status(const LossSurface *s, int k, Canvas *c, Rect r, bool details)
{
    bool u = c->unicode;
    const Surface *surf = &s->surf[k];
    const Path *p = &s->path[k];
    double mu = s->momentum ? MOMENTUM : 0.0;
    double limit = surface_max_stable_lr(surf, mu);
    char a[FORMAT_MAX], b[FORMAT_MAX], line[160];
    int row = 0;
    if (details) {
        snprintf(line, sizeof line, u ? "λmin %s" FITLINE_SEP "  λmax %s" : "lambda min %s" FITLINE_SEP "  max %s", bnlabels_number(a, surf->eig[0], 3, u),
                 bnlabels_number(b, surf->eig[1], 3, u));
        row += line_at(c, r, row, ROLE_TEXT_DIM, 0, line);
        snprintf(line, sizeof line, u ? "minimum ✕" FITLINE_SEP " at w = (%s, " : "minimum X" FITLINE_SEP " at w = (%s, ", bnlabels_number(a, surf->w_min[0], 3, u));
        size_t len = strlen(line);
        snprintf(line + len, sizeof line - len, "%s)", bnlabels_number(b, surf->w_min[1], 3, u));
        row += line_at(c, r, row, ROLE_TEXT_DIM, 0, line);
    }
    if (mu > 0)
        snprintf(line, sizeof line, u ? "stable below 2(1+0.9)/λmax" FITLINE_SEP " = %s" : "stable below 3.8/lambda_max" FITLINE_SEP " = %s", bnlabels_number(a, limit, 3, u));
    else
        snprintf(line, sizeof line, u ? "stable below 2/λmax" FITLINE_SEP " = %s" : "stable below 2/lambda_max" FITLINE_SEP " = %s", bnlabels_number(a, limit, 3, u));
    row += line_at(c, r, row, s->lr < limit ? ROLE_DEFAULT : ROLE_WARNING, 0, line);
    if (p->state == PATH_DIVERGED) {
        snprintf(line, sizeof line, "diverged at step %ld" FITLINE_SEP " (lr = %s%s limit)", p->steps, bnlabels_number(a, s->lr / limit, 3, u),
                 bnlabels_symbols(u)->times);
        row += line_at(c, r, row, ROLE_WARNING, ATTR_BOLD, line);
        row += line_at(c, r, row, ROLE_WARNING, 0, "lower lr ([ or c), or r to reset");
        return row;
    }
    snprintf(line, sizeof line, "step %ld" FITLINE_SEP "  loss above min %s", p->steps,
             bnlabels_number(a, p->excess, 3, u));
    row += line_at(c, r, row, ROLE_DEFAULT, 0, line);
    double need = surface_predicted_steps(surf, s->lr, s->tol / s->excess0);
    if (need >= 0 && mu == 0)
        snprintf(b, sizeof b, "%s", bnlabels_number(a, need, 3, u));
    else
        snprintf(b, sizeof b, "?");
    ColorRole role = p->state == PATH_CONVERGED ? ROLE_GOOD : p->state == PATH_CAPPED ? ROLE_WARNING : ROLE_TEXT_DIM;
    int attr = p->state == PATH_RUNNING ? 0 : ATTR_BOLD;
    if (p->state == PATH_CAPPED) {
        /* The prediction is the point of the line: a shorter wording before dropping it. */
        char shorter[160];
        snprintf(line, sizeof line, u ? "still not there after %ld (needs ≈ %s)" : "still not there after %ld (needs ~%s)",
                 p->steps, b);
        snprintf(shorter, sizeof shorter, u ? "not there after %ld" FITLINE_SEP " (needs ≈ %s)"
                                            : "not there after %ld" FITLINE_SEP " (needs ~%s)", p->steps, b);
        const char *alts[2] = {line, shorter};
        if (row < r.h)
            fitline_draw_first(c, r.x, r.y + row++, alts, 2, role, attr, r.w);
        return row;
    }
    if (p->state == PATH_CONVERGED)
        snprintf(line, sizeof line, "converged after %ld steps", p->steps);
    else
        snprintf(line, sizeof line, u ? "running:" FITLINE_SEP " needs ≈ %s steps" : "running:" FITLINE_SEP " needs ~%s steps", b);
    row += line_at(c, r, row, role, attr, line);
    return row;
}

/* A map with its title and status. Wide panels put the status beside the map: a map wider than
 * ~70 columns shows nothing more and costs more to draw (the contour widget samples every dot). */
static void draw_panel(const LossSurface *s, int k, Canvas *c, Rect r, int status_rows, bool details)
{
    bool u = c->unicode;
    char a[FORMAT_MAX], line[120];
    snprintf(line, sizeof line, "%s" FITLINE_SEP " (%s %s)", k == RAW ? "raw features: canyon" : "standardized: bowl",
             u ? "κ" : "condition", bnlabels_number(a, s->surf[k].condition, 3, u));
    fitline_draw(c, r.x, r.y, line, ROLE_TITLE, ATTR_BOLD, r.w);
    Rect body = rect_make(r.x, r.y + 1, r.w, r.h - 1);
    if (layout_fits(body, LAYOUT_W_TWO_PANELS, 0)) {
        int map_w = body.w - 38 > 70 ? 70 : body.w - 38;
        draw_map(s, k, c, rect_make(body.x, body.y, map_w, body.h));
        draw_status(s, k, c, rect_make(body.x + map_w + 2, body.y + 1, body.w - map_w - 2, body.h - 1), true);
        return;
    }
    int map_h = body.h - status_rows;
    if (map_h >= LAYOUT_H_MAP_MIN)
        draw_map(s, k, c, rect_make(body.x, body.y, body.w, map_h));
    else
        map_h = 0;
    draw_status(s, k, c, rect_make(body.x, body.y + map_h, body.w, body.h - map_h), details);
}

static void draw_history(const LossSurface *s, Canvas *c, Rect r)
{
    const Trace *t = &s->history;
    if (t->n < 2)
        return;
    LineSeries series[2] = {
        {t->x, trace_col(t, RAW), t->n, "raw (canyon)"},
        {t->x, trace_col(t, SCALED), t->n, "standardized (bowl)"},
    };
    LineChartSpec spec = {series, 2, NULL, {.label = "step"}, {.log = true, .label = "loss above min"}, true};
    linechart_draw(c, r, &spec);
}

static void loss_surface_draw(const void *self, Canvas *c, Rect area)
{
    const LossSurface *s = self;
    bool u = c->unicode;
    char a[FORMAT_MAX], line[200];
    snprintf(line, sizeof line, "one rule for both: lr = %s" FITLINE_SEP ", momentum %s", bnlabels_number(a, s->lr, 3, u),
             s->momentum ? "0.9 (heavy ball)" : "off");
    SceneHead h = scene_head_begin(c, area);
    scene_head_title(&h, line, ROLE_HIGHLIGHT);
    Rect body = scene_head_body(&h, 0);
    /* A loss-over-steps chart under the maps when there is height to spare. */
    if (layout_fits(body, LAYOUT_W_KNOBS_BESIDE, LAYOUT_H_HISTORY_BELOW)) {
        Rect top, bottom;
        int maps_h = body.h - 10 > 26 ? 26 : body.h - 10;
        rect_split_rows(body, maps_h, 1, &top, &bottom);
        draw_history(s, c, bottom);
        body = top;
    }
    bool details = body.h >= LAYOUT_H_DETAILS;
    int status_rows = details ? 5 : 3;
    if (s->show == SHOW_BOTH) {
        Rect left, right;
        rect_split_cols(body, (body.w - 2) / 2, 2, &left, &right);
        draw_panel(s, RAW, c, left, status_rows, details);
        draw_panel(s, SCALED, c, right, status_rows, details);
    } else {
        int k = s->show == SHOW_RAW ? RAW : SCALED;
        Rect left, right;
        int side = layout_fits(body, LAYOUT_W_SIDE_PANEL, 0) ? 36 : 0;

        rect_split_cols(body, body.w - side - (side ? 2 : 0), side ? 2 : 0, &left, &right);
        draw_panel(s, k, c, left, side ? 0 : 3, false);
        if (side)
            draw_status(s, k, c, rect_make(right.x, right.y + 1, right.w, right.h - 1), true);
    }
}

const SceneClass scene_loss_surface = {
    .schema = SCENE_SCHEMA("loss-surface", "contour maps of the loss with gradient descent paths, raw vs scaled",
                           loss_surface_settings, loss_surface_lives),
    .headline = "loss_scaled",
    .headline_label = "loss on the scaled surface",
    .create = loss_surface_create,
    .destroy = loss_surface_destroy,
    .step = loss_surface_step,
    .steps_per_second = 4,
    .draw = loss_surface_draw,
    .keys = loss_surface_keys,
    .key_count = SCENE_COUNT(loss_surface_keys),
};
