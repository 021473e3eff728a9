/* The 'input-norm' scene of lesson 1: two features on wildly different scales, raw and standardized (scene layer). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/dataset.h"
#include "engine/stats.h"
#include "scene/scene.h"
#include "scene/bnlabels.h"
#include "scene/settings.h"
#include "util/alloc.h"
#include "view/axes.h"
#include "view/chrome.h"
#include "view/format.h"
#include "view/keys.h"
#include "view/plot.h"
#include "view/table.h"
#include "view/unicode.h"

enum { SHOW_RAW, SHOW_NORMALIZED, SHOW_BOTH, SHOW_COUNT };

/* Standardized values are drawn on this fixed frame so "centred at 0, spread 1" reads off the ticks. */
#define Z_FRAME 3.0

typedef struct InputNorm {
    int n;                      /* points (the page's batch) */
    double *raw_x, *raw_y;      /* (n) feature 1 and feature 2 as drawn */
    double *z_x, *z_y;          /* (n) the same points standardized */
    double raw_mean[2], raw_var[2], raw_std[2];     /* biased variance: what standardizing divides by */
    double norm_mean[2], norm_var[2];               /* recomputed from z, not assumed */
    int show;                   /* SHOW_* */
    int point;                  /* the highlighted point */
    char name[2][24];           /* short feature names for labels */
    char note[96];              /* a fallback worth telling, or "" */
} InputNorm;

static void input_norm_destroy(void *self)
{
    InputNorm *s = self;
    if (!s)
        return;
    free(s->raw_x);
    free(s->raw_y);
    free(s->z_x);
    free(s->z_y);
    free(s);
}

static void *input_norm_create(const LessonPage *page, uint64_t seed, BnError *err)
{
    const char *dataset = lesson_page_enum(page, "dataset");
    long batch = lesson_page_int(page, "batch");
    InputNorm *s = xcalloc(1, sizeof *s);
    /* Real images are not two features; their synthetic stand-in is, two pixels at a time. */
    bool stand_in = false;
    dataset = dataset_resolve(dataset, false, "synth784", &stand_in);
    if (stand_in) {
        snprintf(s->note, sizeof s->note, "fashion-mnist has no two features: two synth784 pixels shown");
    }
    Dataset *train = NULL, *test = NULL;
    if (!dataset_load(dataset, seed, (int)batch, 1, &train, &test, err)) {
        free(s);
        return NULL;
    }
    dataset_destroy(test);
    int n = train->n, dim = train->dim;
    /* Two columns: the pair itself, or the two central pixels of an image set (the corners are blank). */
    int c0 = dim > 2 ? dim / 2 + (int)sqrt((double)dim) / 2 : 0;
    if (c0 + 1 >= dim)
        c0 = dim >= 2 ? dim - 2 : 0;
    int c1 = dim >= 2 ? c0 + 1 : c0;
    s->n = n;
    s->raw_x = xmalloc((size_t)n * sizeof *s->raw_x);
    s->raw_y = xmalloc((size_t)n * sizeof *s->raw_y);
    s->z_x = xmalloc((size_t)n * sizeof *s->z_x);
    s->z_y = xmalloc((size_t)n * sizeof *s->z_y);
    double *pair = xmalloc((size_t)n * 2 * sizeof *pair);   /* (n, 2) */
    double *row = xmalloc((size_t)dim * sizeof *row);       /* (dim) */
    for (int i = 0; i < n; i++) {
        dataset_row(train, i, row);
        s->raw_x[i] = pair[i * 2] = row[c0];
        s->raw_y[i] = pair[i * 2 + 1] = row[c1];
    }
    free(row);
    dataset_destroy(train);
    stats_column_mean_var(s->raw_mean, s->raw_var, pair, n, 2, 0);
    stats_standardize_columns(pair, NULL, s->raw_std, pair, n, 2);
    for (int i = 0; i < n; i++) {
        s->z_x[i] = pair[i * 2];
        s->z_y[i] = pair[i * 2 + 1];
    }
    stats_column_mean_var(s->norm_mean, s->norm_var, pair, n, 2, 0);
    free(pair);
    if (strcmp(dataset, "scaled2d") == 0) {
        snprintf(s->name[0], sizeof s->name[0], "x1 rooms");
        snprintf(s->name[1], sizeof s->name[1], "x2 distance");
    } else {
        snprintf(s->name[0], sizeof s->name[0], "x1");
        snprintf(s->name[1], sizeof s->name[1], "x2");
    }
    s->show = (int)lesson_page_int(page, "show");
    return s;
}

static void input_norm_step(void *self)
{
    InputNorm *s = self;
    s->point = (s->point + 1) % s->n;
}

static bool input_norm_key_point(void *self, int key)
{
    InputNorm *s = self;
    s->point = (s->point + (key == 'j' ? 1 : s->n - 1)) % s->n;
    return true;
}

static bool input_norm_key_view(void *self, int key)
{
    InputNorm *s = self;
    s->show = (s->show + 1) % SHOW_COUNT;
    return true;
}

static const SceneKeyAction input_norm_keys[] = {
    { "j/k", "next/prev point", input_norm_key_point },
    { "v", "raw/std/both", input_norm_key_view },
};

/* Column index[0] (0 or 1) of one of the four per-column statistics. */
static bool input_norm_column(const double v[2], const int *index, double *out)
{
    if (index[0] < 0 || index[0] > 1)
        return false;
    *out = v[index[0]];
    return true;
}

static bool input_norm_raw_mean(const void *self, const int *index, double *out)
{
    return input_norm_column(((const InputNorm *)self)->raw_mean, index, out);
}

static bool input_norm_raw_var(const void *self, const int *index, double *out)
{
    return input_norm_column(((const InputNorm *)self)->raw_var, index, out);
}

static bool input_norm_norm_mean(const void *self, const int *index, double *out)
{
    return input_norm_column(((const InputNorm *)self)->norm_mean, index, out);
}

static bool input_norm_norm_var(const void *self, const int *index, double *out)
{
    return input_norm_column(((const InputNorm *)self)->norm_var, index, out);
}

static const CatalogLive input_norm_lives[] = {
    { "raw_mean", 1, "mean of raw column i", input_norm_raw_mean },
    { "raw_var", 1, "variance of raw column i", input_norm_raw_var },
    { "norm_mean", 1, "mean of standardized column i", input_norm_norm_mean },
    { "norm_var", 1, "variance of standardized column i", input_norm_norm_var },
};

static const char *const show_choices[] = { "raw", "normalized", "both", NULL };
static const CatalogSetting setting_show = {
    .name = "show", .type = SETTING_ENUM, .choices = show_choices, .fallback = "both",
    .help = "which points the scatter shows: raw, normalized or both" };

static const CatalogSceneSetting input_norm_settings[] = {
    { &setting_seed, NULL }, { &setting_dataset, "scaled2d" }, { &setting_batch, "200" }, { &setting_show, NULL },
    { &setting_autoplay, NULL },
};

/* ---- drawing ------------------------------------------------------------------------------- */

/* A mean of 1e-17 is rounding noise of an exact 0; showing it would suggest it matters. */
static double display_clean(double v, double scale)
{
    return fabs(v) < 1e-9 * (scale > 1 ? scale : 1) ? 0.0 : v;
}

typedef enum Panel { PANEL_ONE_FRAME, PANEL_RAW, PANEL_Z } Panel;

/* One scatter panel with a title row; the highlighted point is drawn over the cloud afterwards
 * (it shares its cell with neighbours, and the widget would show a shared-cell mark there). */
static void draw_scatter_panel(const InputNorm *s, Canvas *c, Rect r, Panel panel)
{
    if (!layout_fits(r, LAYOUT_W_CHART_MIN, LAYOUT_H_MAP_MIN))

        return;
    bool u = c->unicode;
    const char *title = panel == PANEL_ONE_FRAME ? "raw and standardized, one frame"
                        : panel == PANEL_RAW     ? "raw: each axis its own scale"
                                                 : (u ? "standardized: centred at 0, σ = 1" : "standardized: centred at 0, sd 1");
    canvas_text(c, r.x, r.y, title, ROLE_TITLE, ATTR_BOLD, r.w);
    Rect plot = rect_make(r.x, r.y + 1, r.w, r.h - 1);
    double hx[2], hy[2];
    char hl_name[32];
    snprintf(hl_name, sizeof hl_name, "point %d", s->point + 1);
    /* Fixed slots keep glyphs and colours the same in every panel: ● raw, ○ standardized, ◆ point. */
    ScatterSet sets[3] = {{NULL, NULL, 0, NULL}, {NULL, NULL, 0, NULL}, {hx, hy, 0, hl_name}};
    int nh = 0;
    if (panel != PANEL_Z) {
        sets[0] = (ScatterSet){s->raw_x, s->raw_y, s->n, "raw"};
        hx[nh] = s->raw_x[s->point], hy[nh] = s->raw_y[s->point], nh++;
    }
    if (panel != PANEL_RAW) {
        sets[1] = (ScatterSet){s->z_x, s->z_y, s->n, "standardized"};
        hx[nh] = s->z_x[s->point], hy[nh] = s->z_y[s->point], nh++;
    }
    sets[2].n = nh;
    int ns = 3;
    ScatterSpec spec = {sets, ns, {.label = "x1"}, {.label = "x2"}, true, false};
    if (panel == PANEL_Z) {
        spec.x = (AxisSpec){.fixed = true, .lo = -Z_FRAME, .hi = Z_FRAME, .label = "z1"};
        spec.y = (AxisSpec){.fixed = true, .lo = -Z_FRAME, .hi = Z_FRAME, .label = "z2"};
    } else {
        /* The data's own range with a small margin: rounding out to nice ticks would waste a third
         * of the height below 0 on the one-frame view. */
        double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < sets[k].n; i++) {
                lo[0] = fmin(lo[0], sets[k].x[i]), hi[0] = fmax(hi[0], sets[k].x[i]);
                lo[1] = fmin(lo[1], sets[k].y[i]), hi[1] = fmax(hi[1], sets[k].y[i]);
            }
        for (int d = 1; d < 2 && lo[d] <= hi[d]; d++) {   /* x rounds out to nice ticks by itself */
            double pad = hi[d] > lo[d] ? 0.04 * (hi[d] - lo[d]) : 1.0;
            AxisSpec *ax = d == 0 ? &spec.x : &spec.y;
            ax->fixed = true;
            ax->lo = lo[d] - pad;
            ax->hi = hi[d] + pad;
        }
    }
    scatter_draw(c, plot, &spec);
    /* Same frame as the widget computed, to find the highlighted point's cell. */
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int k = 0; k < ns; k++)
        for (int i = 0; i < sets[k].n; i++) {
            if (!isfinite(sets[k].x[i]) || !isfinite(sets[k].y[i]))
                continue;
            xlo = fmin(xlo, sets[k].x[i]), xhi = fmax(xhi, sets[k].x[i]);
            ylo = fmin(ylo, sets[k].y[i]), yhi = fmax(yhi, sets[k].y[i]);
        }
    if (xlo > xhi)
        return;
    PlotFrame f;
    plot_frame_layout(&f, c, plot, &spec.x, &spec.y, xlo, xhi, ylo, yhi, 1, true, true);
    if (!f.ok)
        return;
    for (int k = 0; k < nh; k++) {
        double a = plot_frame_xdot(&f, hx[k]), b = plot_frame_ydot(&f, hy[k]);
        if (!isfinite(a) || !isfinite(b))
            continue;
        int cx = (int)floor(lround(a) / (double)f.cell_w), cy = (int)floor(lround(b) / (double)f.cell_h);
        if (a < -0.5 || b < -0.5 || cx < 0 || cy < 0 || cx >= f.plot.w || cy >= f.plot.h)
            continue;
        canvas_put(c, f.plot.x + cx, f.plot.y + cy, u ? 0x25C6 : '+', ROLE_SERIES3, ATTR_BOLD);
    }
}

/* The table of μ and σ² per feature, before and after. Returns rows used. */
static int draw_stats_table(const InputNorm *s, Canvas *c, Rect r)
{
    bool u = c->unicode;
    const char *rows[5] = {
        u ? "raw mean μ" : "raw mean mu", u ? "raw var σ²" : "raw var",   u ? "raw std σ" : "raw std sd",
        u ? "after μ" : "after mean",     u ? "after σ²" : "after var",
    };
    const char *cols[2] = {s->name[0], s->name[1]};
    double v[5 * 2];
    for (int k = 0; k < 2; k++) {
        v[0 * 2 + k] = s->raw_mean[k];
        v[1 * 2 + k] = s->raw_var[k];
        v[2 * 2 + k] = s->raw_std[k];
        v[3 * 2 + k] = display_clean(s->norm_mean[k], 1.0);
        v[4 * 2 + k] = s->norm_var[k];
    }
    int h = r.h < 6 ? r.h : 6;
    TableSpec spec = {v, 5, 2, rows, cols, NULL, 4, -1, -1, 0, 0};
    table_draw(c, rect_make(r.x, r.y, r.w, h), &spec, NULL);
    return h;
}

/* z = (x − μ)/σ with the highlighted point's numbers, one line per feature. Returns rows used. */
static int draw_formula(const InputNorm *s, Canvas *c, Rect r)
{
    if (r.h <= 0)
        return 0;
    bool u = c->unicode;
    char line[160], a[FORMAT_MAX], m[FORMAT_MAX], sd[FORMAT_MAX], z[FORMAT_MAX];
    snprintf(line, sizeof line, u ? "point %d of %d:  z = (x − μ) / σ" : "point %d of %d:  z = (x - mu) / sd",
             s->point + 1, s->n);
    canvas_text(c, r.x, r.y, line, ROLE_SERIES3, ATTR_BOLD, r.w);
    int used = 1;
    const double *xs[2] = {s->raw_x, s->raw_y}, *zs[2] = {s->z_x, s->z_y};
    const char *minus = bnlabels_symbols(u)->minus;
    char lines[2][320];
    bool squeeze = false;
    /* Both lines in the same form: spaced when they fit, squeezed (never cut) when not. */
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < 2; k++) {
            bnlabels_number(a, xs[k][s->point], 4, u);
            bnlabels_number(m, s->raw_mean[k], 4, u);
            bnlabels_number(sd, s->raw_std[k], 4, u);
            bnlabels_number(z, zs[k][s->point], 4, u);
            if (!(s->raw_std[k] > 0))
                snprintf(lines[k], sizeof lines[k], "z%d = %s %s %s = %s (constant: centred only)", k + 1, a, minus, m, z);
            else if (!squeeze)
                snprintf(lines[k], sizeof lines[k], "z%d = (%s %s %s) / %s = %s", k + 1, a, minus, m, sd, z);
            else
                snprintf(lines[k], sizeof lines[k], "z%d=(%s%s%s)/%s=%s", k + 1, a, minus, m, sd, z);
            if (utf8_width(lines[k]) > r.w)
                squeeze = true;
        }
        if (!squeeze)
            break;
    }
    for (int k = 0; k < 2 && used < r.h; k++, used++)
        canvas_text(c, r.x, r.y + used, lines[k], ROLE_DEFAULT, 0, r.w);
    return used;
}

static void input_norm_draw(const void *self, Canvas *c, Rect area)
{
    const InputNorm *s = self;
    /* Right column: numbers (table and formula); left: the scatter panels. Narrow: formula under the plot. */
    int right_w = area.w >= LAYOUT_W_SIDE_PANEL ? (area.w >= LAYOUT_W_WIDE ? 44 : 36) : 0;
    Rect plots, side;
    rect_split_cols(area, area.w - right_w - (right_w ? 2 : 0), right_w ? 2 : 0, &plots, &side);
    int y = side.y;
    if (right_w) {
        y += draw_stats_table(s, c, rect_make(side.x, y, side.w, side.y + side.h - y));
        y += 1;
        y += draw_formula(s, c, rect_make(side.x, y, side.w, side.y + side.h - y));
        if (s->note[0] && y < side.y + side.h)
            canvas_text(c, side.x, ++y, s->note, ROLE_WARNING, 0, side.w);
        /* With height to spare, say in words what the picture shows (the ratio is computed). */
        if (y + 1 + 4 <= side.y + side.h && s->raw_std[0] > 0 && s->raw_std[1] > 0) {
            bool u = c->unicode;
            char ratio[FORMAT_MAX], line[4][96];
            format_number(ratio, sizeof ratio, s->raw_std[1] / s->raw_std[0], 2, u);
            snprintf(line[0], sizeof line[0], u ? "σ² is the variance; σ = √σ²." : "var is the variance; sd = sqrt(var).");
            snprintf(line[1], sizeof line[1], u ? "Raw: σ of x2 is %s× σ of x1;" : "Raw: sd of x2 is %sx sd of x1;", ratio);
            snprintf(line[2], sizeof line[2], "one frame shows mostly x2.");
            snprintf(line[3], sizeof line[3], "Standardized: mean 0, variance 1.");
            y++;
            for (int i = 0; i < 4; i++)
                canvas_text(c, side.x, ++y, line[i], ROLE_TEXT_DIM, 0, side.w);
        }
    } else {
        Rect under;
        rect_split_rows(area, area.h - 3, 0, &plots, &under);
        draw_formula(s, c, under);
    }
    /* Panels: the one-frame view teaches the scale gap; with room, the two own-axes views beside it. */
    Panel panels[3];
    int np = 0;
    if (s->show == SHOW_BOTH) {
        panels[np++] = PANEL_ONE_FRAME;
        if (layout_fits(plots, LAYOUT_W_WIDE, 0)) {
            panels[np++] = PANEL_RAW;
            panels[np++] = PANEL_Z;
        } else if (layout_fits(plots, LAYOUT_W_TWO_SCATTERS, 0)) {

            panels[np++] = PANEL_Z;
        }
    } else {
        panels[np++] = s->show == SHOW_RAW ? PANEL_RAW : PANEL_Z;
    }
    int gap = 2, pw = (plots.w - gap * (np - 1)) / np;
    for (int i = 0; i < np; i++)
        draw_scatter_panel(s, c, rect_make(plots.x + i * (pw + gap), plots.y, pw, plots.h), panels[i]);
}

const SceneClass scene_input_norm = {
    .schema = SCENE_SCHEMA("input-norm", "raw and standardized scatter of two features on different scales",
                           input_norm_settings, input_norm_lives),
    .headline = "raw_var[1]",
    .headline_label = "variance of raw distance x2",
    .create = input_norm_create,
    .destroy = input_norm_destroy,
    .step = input_norm_step,
    .steps_per_second = 1.5,
    .draw = input_norm_draw,
    .keys = input_norm_keys,
    .key_count = SCENE_COUNT(input_norm_keys),
};
