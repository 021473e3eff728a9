/* View widgets: golden frames in each raster mode, and layout staying inside its rectangle at two sizes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/check.h"
#include "support/golden.h"
#include "util/pcg32.h"
#include "view/raster.h"
#include "view/axes.h"
#include "view/canvas.h"
#include "view/chrome.h"
#include "view/fitline.h"
#include "view/plot.h"
#include "view/table.h"
#include "view/text.h"

/* ---- fixed data ---------------------------------------------------------------------------- */

enum { BINS = 24, NPTS = 120 };

/* Counts of n normal samples (mean, sd) in BINS bins over [lo, hi]. */
static void normal_counts(double *counts, uint64_t seed, int n, double mean, double sd, double lo, double hi)
{
    Pcg32 rng;
    pcg32_seed(&rng, seed, 7);
    memset(counts, 0, BINS * sizeof *counts);
    for (int i = 0; i < n; i++) {
        double v = mean + sd * pcg32_normal(&rng);
        int b = (int)floor((v - lo) / (hi - lo) * BINS);
        if (b >= 0 && b < BINS)
            counts[b]++;
    }
}

static void draw_hist(Canvas *c, Rect r, HistLayout layout, bool separate)
{
    static double before[BINS], after[BINS];
    normal_counts(before, 1, 400, 12, 3, 0, 24);
    normal_counts(after, 2, 400, 0, 1, -4, 4);
    HistSeries s[2] = {
        {before, BINS, 0, 24, "before", true, 12, 3},
        {after, BINS, separate ? -4 : 0, separate ? 4 : 24, "after", true, separate ? 0 : 12, separate ? 1 : 2},
    };
    if (!separate && layout == HIST_OVERLAY)
        normal_counts(after, 2, 400, 15, 2, 0, 24), s[1].mean = 15;
    else if (!separate)
        normal_counts(after, 2, 400, 12, 1.5, 0, 24), s[1].sd = 1.5;
    HistogramSpec spec = {s, 2, layout, separate, {.label = "activation"}, {.label = "count"}};
    histogram_draw(c, r, &spec);
}

static void draw_hist_overlay(Canvas *c, Rect r)
{
    draw_hist(c, r, HIST_OVERLAY, false);
}

static void draw_hist_mirror(Canvas *c, Rect r)
{
    draw_hist(c, r, HIST_MIRROR, false);
}

static void draw_hist_mirror_separate(Canvas *c, Rect r)
{
    draw_hist(c, r, HIST_MIRROR, true);
}

static void draw_line(Canvas *c, Rect r)
{
    static double y1[NPTS], y2[NPTS], lo[NPTS], hi[NPTS];
    for (int i = 0; i < NPTS; i++) {
        y1[i] = 2.0 * exp(-i / 30.0) + 0.1;
        y2[i] = 1.5 * exp(-i / 60.0) + 0.2 + 0.05 * sin(i / 3.0);
        lo[i] = y1[i] - 0.3 * exp(-i / 50.0);
        hi[i] = y1[i] + 0.3 * exp(-i / 50.0);
    }
    LineSeries s[2] = {{NULL, y1, NPTS, "with BN"}, {NULL, y2, NPTS, "without"}};
    LineBand band = {NULL, lo, hi, NPTS, ROLE_SERIES1};
    LineChartSpec spec = {s, 2, &band, {.label = "step"}, {.label = "loss"}, true};
    linechart_draw(c, r, &spec);
}

static void draw_line_log(Canvas *c, Rect r)
{
    static double y[NPTS];
    for (int i = 0; i < NPTS; i++)
        y[i] = 1000.0 * exp(-i / 12.0);
    LineSeries s[1] = {{NULL, y, NPTS, "loss"}};
    LineChartSpec spec = {s, 1, NULL, {.label = "step"}, {.log = true}, true};
    linechart_draw(c, r, &spec);
}

static void draw_scatter(Canvas *c, Rect r)
{
    static double x1[60], y1[60], x2[60], y2[60];
    Pcg32 rng;
    pcg32_seed(&rng, 3, 9);
    for (int i = 0; i < 60; i++) {
        x1[i] = 3 + 0.8 * pcg32_normal(&rng);
        y1[i] = 2 + 1.5 * pcg32_normal(&rng);
        x2[i] = pcg32_normal(&rng);
        y2[i] = pcg32_normal(&rng);
    }
    ScatterSet sets[2] = {{x1, y1, 60, "raw"}, {x2, y2, 60, "standardized"}};
    ScatterSpec spec = {sets, 2, {.label = "x1"}, {.label = "x2"}, true, false};
    scatter_draw(c, r, &spec);
}

static void draw_contour_common(Canvas *c, Rect r, bool shaded)
{
    enum { NX = 40, NY = 20 };
    static double z[NX * NY];
    for (int j = 0; j < NY; j++)
        for (int i = 0; i < NX; i++) {
            double x = -2 + 4.0 * i / (NX - 1), y = -1 + 2.0 * j / (NY - 1);
            z[j * NX + i] = 0.5 * x * x + 4 * y * y;
        }
    double px[8], py[8];
    double x = -1.8, y = 0.9;
    for (int k = 0; k < 8; k++) {
        px[k] = x, py[k] = y;
        x -= 0.3 * x;
        y -= 0.2 * 8 * y;
    }
    ContourSpec spec = {z, NX, NY, -2, 2, -1, 1, 6, CONTOUR_SQRT, shaded, px, py, 8, true, 0, 0, "w1", "w2", false};
    contour_draw(c, r, &spec);
}

static void draw_contour(Canvas *c, Rect r)
{
    draw_contour_common(c, r, false);
}

static void draw_contour_shaded(Canvas *c, Rect r)
{
    draw_contour_common(c, r, true);
}

static void draw_table(Canvas *c, Rect r)
{
    static const double v[4 * 5] = {
        1.5, -0.25, 12345.678, 0.000123, NAN,
        2.75, 3.5, -42.0, 0.5, 1e9,
        -1.0, 0.0, 7.0, 0.25, INFINITY,
        0.125, 100.0, 3.14159, -0.75, 2.0,
    };
    static const char *const rows[4] = {"x1", "x2", "x3", "x4"};
    static const char *const cols[5] = {"mean", "var", "big", "tiny", "odd"};
    TableSpec spec = {v, 4, 5, rows, cols, "sample", 4, 1, 2, 0, 0};
    table_draw(c, r, &spec, NULL);
}

static void draw_text(Canvas *c, Rect r)
{
    text_draw(c, r,
              "**Batch normalization** rescales each feature: subtract the mean \\mu, divide by "
              "\\sqrt(\\sigma\\sq + \\epsilon), then scale by \\gamma and shift by \\beta. Call `bn_forward()` "
              "*once* per step.\n\n日本語の文章も折り返す: 幅の広い文字。",
              ROLE_DEFAULT, 0);
}

static void draw_chrome(Canvas *c, Rect r)
{
    if (r.h < 1)
        return;
    Rect inner = panel_draw(c, rect_make(r.x, r.y, r.w, r.h - 1), "Lesson 4 \xe2\x80\x94 inside a BN layer",
                            ROLE_AXIS);
    if (inner.w >= bigdigits_width("-0.125") + 1 && inner.h >= BIGDIGITS_HEIGHT)
        bigdigits_draw(c, inner.x + 1, inner.y, "-0.125", ROLE_SERIES1);
    static const KeyHint hints[4] = {{"\xe2\x86\x90/\xe2\x86\x92", "page"}, {"space", "play"}, {"?", "help"}, {"q", "quit"}};
    statusbar_draw(c, rect_make(r.x, r.y + r.h - 1, r.w, 1), hints, 4, "page 2/7");
}

typedef struct Fixture {
    const char *name;
    void (*draw)(Canvas *, Rect);
} Fixture;

static const Fixture fixtures[] = {
    {"hist_overlay", draw_hist_overlay}, {"hist_mirror", draw_hist_mirror},
    {"hist_mirror_separate", draw_hist_mirror_separate}, {"line_band", draw_line},
    {"line_log", draw_line_log}, {"scatter", draw_scatter}, {"contour", draw_contour},
    {"contour_shaded", draw_contour_shaded}, {"table", draw_table}, {"text", draw_text},
    {"chrome", draw_chrome},
};
enum { NFIX = sizeof fixtures / sizeof fixtures[0] };

static const struct Mode {
    const char *name;
    RasterMode raster;
    bool unicode;
} modes[3] = {{"braille", RASTER_BRAILLE, true}, {"blocks", RASTER_BLOCKS, true}, {"ascii", RASTER_ASCII, false}};

/* ---- golden frames ------------------------------------------------------------------------- */

static void golden_widget(const char *fixture, int w, int h)
{
    for (int f = 0; f < NFIX; f++) {
        if (strcmp(fixtures[f].name, fixture) != 0)
            continue;
        for (int m = 0; m < 3; m++) {
            Canvas *c = canvas_create(w, h, modes[m].raster, modes[m].unicode);
            fixtures[f].draw(c, rect_make(0, 0, w, h));
            char name[128];
            snprintf(name, sizeof name, "%s_%s", fixture, modes[m].name);
            golden_check_canvas(name, c);
            canvas_destroy(c);
        }
        return;
    }
    cr_assert(false, "no fixture %s", fixture);
}

Test(widgets, overlaid_histograms_match_their_golden_frames) { golden_widget("hist_overlay", 60, 14); }
Test(widgets, mirrored_histograms_match_their_golden_frames) { golden_widget("hist_mirror", 60, 16); }
Test(widgets, mirrored_histograms_with_separate_axes_match_their_golden_frames)
{
    golden_widget("hist_mirror_separate", 60, 18);
}
Test(widgets, a_line_chart_with_a_band_matches_its_golden_frames) { golden_widget("line_band", 60, 14); }
Test(widgets, a_log_scale_line_chart_matches_its_golden_frames) { golden_widget("line_log", 50, 12); }
Test(widgets, a_scatter_of_two_sets_matches_its_golden_frames) { golden_widget("scatter", 50, 14); }
Test(widgets, a_contour_map_with_a_path_matches_its_golden_frames) { golden_widget("contour", 60, 16); }
Test(widgets, a_shaded_contour_map_matches_its_golden_frames) { golden_widget("contour_shaded", 60, 16); }
Test(widgets, a_table_matches_its_golden_frames) { golden_widget("table", 60, 6); }
Test(widgets, wrapped_markup_text_matches_its_golden_frames) { golden_widget("text", 40, 10); }
Test(widgets, panel_big_digits_and_status_bar_match_their_golden_frames) { golden_widget("chrome", 44, 9); }

/* ---- layout -------------------------------------------------------------------------------- */

/* Every fixture, in every mode, at 80×24 and 200×60, draws something and nothing outside its rectangle. */
Test(widgets, every_widget_stays_inside_its_rectangle_at_80x24_and_200x60)
{
    static const int sizes[2][2] = {{80, 24}, {200, 60}};
    for (int s = 0; s < 2; s++)
        for (int m = 0; m < 3; m++)
            for (int f = 0; f < NFIX; f++) {
                int w = sizes[s][0], h = sizes[s][1];
                Canvas *c = canvas_create(w, h, modes[m].raster, modes[m].unicode);
                /* An off-centre rectangle, and a half-size one, so clipping is exercised on all sides. */
                Rect rects[2] = {rect_make(3, 2, w - 7, h - 5), rect_make(w / 2, h / 3, w / 2 - 1, h / 2)};
                for (int k = 0; k < 2; k++) {
                    canvas_clear(c);
                    Rect r = rects[k];
                    fixtures[f].draw(c, r);
                    int inside = 0;
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++) {
                            const Cell *cell = canvas_cell(c, x, y);
                            bool in = x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
                            if (in) {
                                inside += cell->ch != ' ';
                                continue;
                            }
                            cr_assert(cell->ch == ' ' && cell->role == ROLE_DEFAULT,
                                      "%s (%s, %dx%d, rect %d,%d %dx%d) drew U+%04X at %d,%d outside its rectangle",
                                      fixtures[f].name, modes[m].name, w, h, r.x, r.y, r.w, r.h,
                                      (unsigned)cell->ch, x, y);
                        }
                    cr_assert(inside > 20, "%s (%s, %dx%d) drew almost nothing (%d cells)", fixtures[f].name,
                              modes[m].name, w, h, inside);
                }
                canvas_destroy(c);
            }
}

Test(widgets, tiny_rectangles_draw_nothing_outside_and_do_not_crash)
{
    for (int m = 0; m < 3; m++)
        for (int f = 0; f < NFIX; f++)
            for (int w = 0; w <= 12; w += 3)
                for (int h = 0; h <= 6; h += 2) {
                    Canvas *c = canvas_create(30, 12, modes[m].raster, modes[m].unicode);
                    fixtures[f].draw(c, rect_make(5, 3, w, h));
                    for (int y = 0; y < 12; y++)
                        for (int x = 0; x < 30; x++) {
                            bool in = x >= 5 && x < 5 + w && y >= 3 && y < 3 + h;
                            cr_assert(in || canvas_cell(c, x, y)->ch == ' ', "%s drew outside a %dx%d rectangle",
                                      fixtures[f].name, w, h);
                        }
                    canvas_destroy(c);
                }
}

static char *row_text(const Canvas *c, int y)
{
    char *all = canvas_dump(c, false);
    char *p = all;
    for (int i = 0; i < y && p; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    char *line = strdup(p ? p : "");
    char *nl = strchr(line, '\n');
    if (nl)
        *nl = '\0';
    free(all);
    return line;
}

static const KeyHint hints[4] = {{"\xe2\x86\x90/\xe2\x86\x92", "page"}, {"space", "play"}, {"?", "help"}, {"q", "quit"}};

Test(widgets, the_status_bar_shows_every_hint_when_there_is_room)
{
    Canvas *c = canvas_create(80, 1, RASTER_BRAILLE, true);
    statusbar_draw(c, rect_make(0, 0, 80, 1), hints, 4, "page 2/7");
    char *line = row_text(c, 0);
    cr_assert(strstr(line, "\xe2\x86\x90/\xe2\x86\x92 page  space play  ? help  q quit"), "got \"%s\"", line);
    cr_assert(strstr(line, "page 2/7"), "right text missing: \"%s\"", line);
    free(line);
    canvas_destroy(c);
}

Test(widgets, the_status_bar_shortens_by_dropping_spacing_then_extras_then_late_hints)
{
    Canvas *c = canvas_create(40, 1, RASTER_ASCII, false);
    statusbar_draw(c, rect_make(0, 0, 36, 1), hints, 4, "page 2/7");
    char *line = row_text(c, 0);
    cr_assert_str_eq(line, " </> page space play ? help q quit", "at 36 columns");
    free(line);
    canvas_clear(c);
    statusbar_draw(c, rect_make(0, 0, 22, 1), hints, 4, "page 2/7");
    line = row_text(c, 0);
    cr_assert_str_eq(line, " </> page space play", "at 22 columns");
    free(line);
    for (int x = 22; x < 40; x++)
        cr_assert_eq(canvas_cell(c, x, 0)->ch, ' ', "status bar spilled to column %d", x);
    canvas_destroy(c);
}

Test(widgets, a_narrow_table_drops_precision_then_columns_behind_an_ellipsis)
{
    static const double v[2 * 4] = {1.23456, 2.34567, 3.45678, 4.56789, 5.6789, 6.789, 7.89, 8.9};
    static const char *const cols[4] = {"a", "b", "c", "d"};
    TableSpec spec = {v, 2, 4, NULL, cols, NULL, 4, -1, -1, 0, 0};
    Canvas *c = canvas_create(40, 4, RASTER_BRAILLE, true);
    TableFit fit;
    table_draw(c, rect_make(0, 0, 40, 4), &spec, &fit);
    cr_assert_eq(fit.cols_shown, 4, "all columns fit in 40");
    cr_assert_eq(fit.sig, 4, "full precision in 40");
    canvas_clear(c);
    table_draw(c, rect_make(0, 0, 14, 4), &spec, &fit);
    cr_assert_eq(fit.sig, 2, "precision shrinks first (sig %d)", fit.sig);
    cr_assert(fit.cols_shown < 4 && fit.more_cols, "then columns drop (%d shown)", fit.cols_shown);
    char *line = row_text(c, 1);
    cr_assert(strstr(line, "\xe2\x80\xa6"), "an ellipsis marks the dropped columns: \"%s\"", line);
    free(line);
    for (int y = 0; y < 4; y++)
        for (int x = 14; x < 40; x++)
            cr_assert_eq(canvas_cell(c, x, y)->ch, ' ', "table spilled to %d,%d", x, y);
    canvas_destroy(c);
}

Test(widgets, a_table_scrolls_by_row_and_column_offsets)
{
    static const double v[3 * 3] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    TableSpec spec = {v, 3, 3, NULL, NULL, NULL, 2, -1, -1, 1, 1};
    Canvas *c = canvas_create(20, 3, RASTER_ASCII, false);
    table_draw(c, rect_make(0, 0, 20, 3), &spec, NULL);
    char *line = row_text(c, 0);
    cr_assert_str_eq(line, "5.0  6.0", "first shown row is row 1 from column 1");
    free(line);
    canvas_destroy(c);
}

Test(widgets, table_labels_number_name_and_stay_valid_as_they_grow)
{
    TableLabels labels = TABLE_LABELS_INIT;
    cr_assert_null(table_labels_names(&labels), "no labels yet: no names for the table");
    table_labels_number(&labels, "#", 1, 3);
    const char *first = table_labels_names(&labels)[0];
    cr_assert_str_eq(first, "#1");
    /* Past the first block of room the text moves: every name must follow it. */
    for (int i = 0; i < 40; i++)
        table_labels_add(&labels, "feat %d", 10 + i);
    table_labels_number(&labels, "", 0, 2);
    cr_assert_eq(labels.count, 45);
    const char *const *names = table_labels_names(&labels);
    cr_assert_str_eq(names[0], "#1");
    cr_assert_str_eq(names[2], "#3");
    cr_assert_str_eq(names[3], "feat 10");
    cr_assert_str_eq(names[42], "feat 49");
    cr_assert_str_eq(names[43], "0");
    cr_assert_str_eq(names[44], "1");
    for (int i = 0; i < labels.count; i++)
        cr_assert_eq(names[i], labels.text[i], "name %d points at its own text", i);
    table_labels_free(&labels);
    cr_assert_eq(labels.count, 0);
    table_labels_free(NULL);
}

Test(widgets, a_long_table_label_is_cut_and_clear_keeps_the_room)
{
    TableLabels labels = TABLE_LABELS_INIT;
    table_labels_add(&labels, "%s", "a label far longer than the thirty-one bytes a label holds");
    cr_assert_eq(strlen(table_labels_names(&labels)[0]), TABLE_LABEL_MAX - 1);
    int cap = labels.cap;
    table_labels_clear(&labels);
    cr_assert_null(table_labels_names(&labels));
    table_labels_add(&labels, "run %s", "mu");
    cr_assert_str_eq(table_labels_names(&labels)[0], "run mu");
    cr_assert_eq(labels.cap, cap, "clearing keeps the room");
    table_labels_free(&labels);
}

Test(widgets, a_table_shows_labels_made_with_the_helper)
{
    static const double v[2 * 2] = {1, 2, 3, 4};
    TableLabels rows = TABLE_LABELS_INIT, cols = TABLE_LABELS_INIT;
    table_labels_number(&rows, "#", 1, 2);
    table_labels_number(&cols, "feat ", 1, 2);
    TableSpec spec = {v, 2, 2, table_labels_names(&rows), table_labels_names(&cols), "x", 2, -1, -1, 0, 0};
    Canvas *c = canvas_create(30, 3, RASTER_ASCII, false);
    table_draw(c, rect_make(0, 0, 30, 3), &spec, NULL);
    char *head = row_text(c, 0), *second = row_text(c, 2);
    cr_expect(strstr(head, "feat 1") && strstr(head, "feat 2"), "header row: \"%s\"", head);
    cr_expect(strncmp(second, "#2", 2) == 0 && strstr(second, "4.0"), "second data row: \"%s\"", second);
    free(head);
    free(second);
    canvas_destroy(c);
    table_labels_free(&rows);
    table_labels_free(&cols);
}

Test(widgets, wrapping_keeps_wide_characters_whole)
{
    const char *text = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";   /* 日本語日本語 */
    cr_assert_eq(text_height(text, 5, true), 3, "two 2-column characters per 5-column line");
    Canvas *c = canvas_create(5, 3, RASTER_BRAILLE, true);
    int lines = text_draw(c, rect_make(0, 0, 5, 3), text, ROLE_DEFAULT, 0);
    cr_assert_eq(lines, 3);
    for (int y = 0; y < 3; y++) {
        cr_assert_eq(canvas_cell(c, 1, y)->ch, CANVAS_WIDE_TAIL, "row %d: tail in column 1", y);
        cr_assert_eq(canvas_cell(c, 3, y)->ch, CANVAS_WIDE_TAIL, "row %d: tail in column 3", y);
        cr_assert_eq(canvas_cell(c, 4, y)->ch, ' ', "row %d: column 4 stays empty", y);
    }
    canvas_destroy(c);
}

Test(widgets, wrapping_breaks_at_spaces_and_reports_lines_used)
{
    Canvas *c = canvas_create(10, 5, RASTER_ASCII, false);
    int lines = text_draw(c, rect_make(0, 0, 10, 5), "one two three four\nfive", ROLE_DEFAULT, 0);
    cr_assert_eq(lines, 3, "'one two' / 'three four' / 'five'");
    char *l0 = row_text(c, 0), *l1 = row_text(c, 1), *l2 = row_text(c, 2);
    cr_assert_str_eq(l0, "one two");
    cr_assert_str_eq(l1, "three four");
    cr_assert_str_eq(l2, "five");
    free(l0), free(l1), free(l2);
    cr_assert_eq(text_height("abcdefghijklmnopqrstuvwxyz", 10, false), 3, "long words break anywhere");
    canvas_destroy(c);
}

Test(widgets, markup_sets_attributes_and_symbols_fall_back_to_words_in_ascii)
{
    Canvas *c = canvas_create(30, 1, RASTER_BRAILLE, true);
    text_draw(c, rect_make(0, 0, 30, 1), "**B** *e* `c` \\gamma \\* x", ROLE_DEFAULT, 0);
    cr_assert_eq(canvas_cell(c, 0, 0)->ch, 'B');
    cr_assert(canvas_cell(c, 0, 0)->attr & ATTR_BOLD, "bold");
    cr_assert(canvas_cell(c, 2, 0)->attr & ATTR_ITALIC, "emphasis");
    cr_assert_eq(canvas_cell(c, 4, 0)->role, ROLE_CODE, "code");
    cr_assert_eq(canvas_cell(c, 6, 0)->ch, 0x03B3, "\\gamma is γ");
    cr_assert_eq(canvas_cell(c, 8, 0)->ch, '*', "\\* is a literal star");
    canvas_destroy(c);
    c = canvas_create(30, 1, RASTER_ASCII, false);
    text_draw(c, rect_make(0, 0, 30, 1), "\\gamma \\beta \\epsilon \\unknown", ROLE_DEFAULT, 0);
    char *line = row_text(c, 0);
    cr_assert_str_eq(line, "gamma beta eps \\unknown");
    free(line);
    canvas_destroy(c);
    /* "{}" ends a symbol's name where a letter follows; spaces after a symbol are kept. */
    c = canvas_create(30, 1, RASTER_ASCII, false);
    text_draw(c, rect_make(0, 0, 30, 1), "\\partial{}L/\\partial\\beta a \\cdot b {}", ROLE_DEFAULT, 0);
    line = row_text(c, 0);
    cr_assert_str_eq(line, "dL/dbeta a * b {}");
    free(line);
    canvas_destroy(c);
}

Test(widgets, wrapped_list_items_and_choices_hang_under_their_text)
{
    Canvas *c = canvas_create(20, 6, RASTER_ASCII, false);
    int lines = text_draw(c, rect_make(0, 0, 20, 6), "- one two three four five\n  b) six seven eight nine ten",
                          ROLE_DEFAULT, 0);
    cr_assert_eq(lines, 4);
    const char *want[] = { "- one two three four", "  five", "  b) six seven eight", "     nine ten" };
    for (int y = 0; y < 4; y++) {
        char *line = row_text(c, y);
        cr_assert_str_eq(line, want[y], "row %d", y);
        free(line);
    }
    canvas_destroy(c);
}

Test(widgets, a_panel_returns_its_inside_and_truncates_a_long_title)
{
    Canvas *c = canvas_create(12, 4, RASTER_ASCII, false);
    Rect in = panel_draw(c, rect_make(0, 0, 12, 4), "a very long title", ROLE_AXIS);
    cr_assert(in.x == 1 && in.y == 1 && in.w == 10 && in.h == 2, "inside %d,%d %dx%d", in.x, in.y, in.w, in.h);
    char *line = row_text(c, 0);
    /* 12 columns: corner, blank, 5 characters and "." , blank, 2 lines, corner. */
    cr_assert_str_eq(line, "+ a ver. --+");
    free(line);
    canvas_destroy(c);
}

Test(widgets, big_digits_are_five_rows_and_report_their_width)
{
    Canvas *c = canvas_create(20, 6, RASTER_BRAILLE, true);
    int w = bigdigits_draw(c, 0, 0, "1.5", ROLE_SERIES1);
    cr_assert_eq(w, 11, "3 characters of 3 columns and 2 gaps");
    cr_assert_eq(bigdigits_width("1.5"), 11);
    cr_assert_eq(canvas_cell(c, 1, 0)->ch, 0x2588, "top of the 1");
    cr_assert_eq(canvas_cell(c, 5, 4)->ch, 0x2588, "the point sits on the bottom row");
    for (int x = 0; x < 20; x++)
        cr_assert_eq(canvas_cell(c, x, 5)->ch, ' ', "nothing on row 5");
    canvas_destroy(c);
}

Test(widgets, a_dashed_line_leaves_two_gaps_in_every_five_dots_and_keeps_its_pattern_across_segments)
{
    Canvas *canvas = canvas_create(40, 4, RASTER_BRAILLE, true);
    Raster *r = raster_create(canvas, rect_make(0, 0, 40, 4));   /* 80 × 16 dots */
    int phase = 0;
    raster_line_dashed(r, 0, 0, 39, 0, 0, &phase);
    raster_line_dashed(r, 40, 0, 79, 0, 0, &phase);  /* the second segment continues the pattern */
    raster_line(r, 0, 5, 79, 5, 1);
    int dashed = 0, solid = 0;
    for (int x = 0; x < 80; x++) {
        bool on = raster_get(r, x, 0, 0);
        cr_assert_eq(on, x % 5 < 3, "dot %d of the dashed line is %s", x, on ? "on" : "off");
        dashed += on;
        solid += raster_get(r, x, 5, 1);
    }
    cr_assert_eq(dashed, 48);
    cr_assert_eq(solid, 80);
    raster_destroy(r);
    canvas_destroy(canvas);
}

/* ---- captions of whole segments ------------------------------------------------------------ */

Test(widgets, a_caption_that_fits_is_drawn_whole_without_its_separators)
{
    Canvas *c = canvas_create(40, 1, RASTER_ASCII, false);
    const char *line = "loss 0.617" FITLINE_SEP "  acc 97.5%";
    cr_assert_eq(fitline_width(line, false), 21);
    cr_assert_eq(fitline_draw(c, 0, 0, line, ROLE_DEFAULT, 0, 21), 21);
    char *got = row_text(c, 0);
    cr_assert_str_eq(got, "loss 0.617  acc 97.5%");
    free(got);
    canvas_destroy(c);
}

Test(widgets, a_caption_too_wide_drops_whole_segments_and_never_cuts_a_number)
{
    Canvas *c = canvas_create(40, 1, RASTER_BRAILLE, true);
    const char *line = "step 2000" FITLINE_SEP "  loss no BN 0.617" FITLINE_SEP "  loss BN 0.0141";
    /* 43 columns of text in 37: the last segment would read "loss BN 0.01" if cut. */
    int used = fitline_draw(c, 0, 0, line, ROLE_DEFAULT, 0, 37);
    char *got = row_text(c, 0);
    cr_assert_str_eq(got, "step 2000  loss no BN 0.617 \xe2\x80\xa6", "got \"%s\"", got);
    cr_assert_eq(used, 29);
    free(got);
    canvas_destroy(c);
}

Test(widgets, a_dropped_segment_leaves_the_mark_out_when_there_is_no_room_for_it)
{
    Canvas *c = canvas_create(40, 1, RASTER_ASCII, false);
    const char *line = "N 76.5%" FITLINE_SEP " B 100.0%";
    fitline_draw(c, 0, 0, line, ROLE_DEFAULT, 0, 9);
    char *got = row_text(c, 0);
    cr_assert_str_eq(got, "N 76.5%", "no room for \" ...\": got \"%s\"", got);
    free(got);
    canvas_destroy(c);
}

Test(widgets, a_first_segment_wider_than_the_line_is_cut_with_a_mark)
{
    Canvas *c = canvas_create(20, 1, RASTER_ASCII, false);
    fitline_draw(c, 0, 0, "abcdefghij" FITLINE_SEP " 12", ROLE_DEFAULT, 0, 6);
    char *got = row_text(c, 0);
    cr_assert_str_eq(got, "abcde~");
    free(got);
    canvas_destroy(c);
}

Test(widgets, the_first_wording_that_fits_is_chosen)
{
    Canvas *c = canvas_create(50, 1, RASTER_ASCII, false);
    const char *alts[2] = {"still not there after 200 (needs ~5.62e9)", "after 200 (needs ~5.62e9)"};
    fitline_draw_first(c, 0, 0, alts, 2, ROLE_DEFAULT, 0, 30);
    char *got = row_text(c, 0);
    cr_assert_str_eq(got, "after 200 (needs ~5.62e9)");
    free(got);
    canvas_clear(c);
    fitline_draw_first(c, 0, 0, alts, 2, ROLE_DEFAULT, 0, 50);
    got = row_text(c, 0);
    cr_assert_str_eq(got, "still not there after 200 (needs ~5.62e9)");
    free(got);
    canvas_destroy(c);
}

/* ---- histogram markers --------------------------------------------------------------------- */

/* The plot's first column and width, read off the x axis line: the lowest row that starts with a
 * corner (└, or + on ASCII) followed by the line. */
static void find_x_axis(const Canvas *c, int *row, int *col0, int *cols)
{
    for (int y = c->height - 1; y >= 0; y--) {
        int x = 0;
        while (x < c->width && canvas_cell(c, x, y)->ch == ' ')
            x++;
        uint32_t ch = x < c->width ? canvas_cell(c, x, y)->ch : ' ';
        if (ch != 0x2514 && ch != '+')
            continue;
        int n = 0;
        while (x + 1 + n < c->width && canvas_cell(c, x + 1 + n, y)->ch != ' ')
            n++;
        *row = y, *col0 = x + 1, *cols = n;
        return;
    }
    cr_assert_fail("no x axis line found");
}

static void check_markers_on_full_bars(RasterMode mode, bool unicode, int cell_w)
{
    /* Every bin full height: every plot cell is a bar cell, the case where the mean's marker hid. */
    static const double counts[10] = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    HistSeries s = {counts, 10, 0, 10, NULL, true, 5.0, 2.0};
    HistogramSpec spec = {&s, 1, HIST_OVERLAY, false, {.fixed = true, .lo = 0, .hi = 10},
                          {.fixed = true, .lo = 0, .hi = 5, .label = "count"}};
    Canvas *c = canvas_create(50, 12, mode, unicode);
    histogram_draw(c, rect_make(0, 0, 50, 12), &spec);
    int axis_row, col0, cols;
    find_x_axis(c, &axis_row, &col0, &cols);
    int label_row = 1;      /* under the y name's row */
    const double at[3] = {3.0, 7.0, 5.0};
    const uint32_t mark[3] = {unicode ? 0x03C3 : 's', unicode ? 0x03C3 : 's', unicode ? 0x03BC : 'm'};
    for (int k = 0; k < 3; k++) {
        /* The cell holding value v is where its bar is: dot v/10 · cols·cell_w. */
        int want = col0 + (int)floor(at[k] / 10.0 * cols * cell_w) / cell_w;
        cr_assert_eq(canvas_cell(c, want, label_row)->ch, mark[k],
                     "the marker for %g should be at column %d (plot %d..%d), found U+%04X", at[k], want, col0,
                     col0 + cols - 1, canvas_cell(c, want, label_row)->ch);
    }
    canvas_destroy(c);
}

Test(widgets, histogram_markers_show_over_bars_and_sit_in_the_cell_of_their_value)
{
    check_markers_on_full_bars(RASTER_BRAILLE, true, 2);
    check_markers_on_full_bars(RASTER_ASCII, false, 1);
}

/* ---- x axis names and tick labels ---------------------------------------------------------- */

static char *x_labels_row(int width, double hi, int target, const char *name)
{
    Canvas *c = canvas_create(width, 1, RASTER_ASCII, false);
    AxisSpec spec = {.fixed = true, .lo = 0, .hi = hi};
    AxisScale axis;
    axis_fit(&axis, &spec, 0, hi, target, false);
    /* Plot columns 4..width-2, as plot_frame_layout leaves them (margin 4, one spare column). */
    axis_draw_x_labels(c, 0, 4, width - 5, 1, &axis, 0, width, name);
    char *line = canvas_dump(c, false);
    canvas_destroy(c);
    return line;
}

Test(widgets, an_x_axis_name_never_hides_a_tick_label)
{
    /* The last tick ends at the right edge: "step" used to replace "2000". */
    char *line = x_labels_row(40, 2000, 5, "step");
    cr_assert(strstr(line, "2000"), "the last tick label is missing: \"%s\"", line);
    cr_assert(strstr(line, "1000") && strstr(line, "0"), "tick labels missing: \"%s\"", line);
    const char *at = strstr(line, "step");
    if (at) {   /* wherever it went, it stands apart from the numbers */
        cr_assert(at == line || at[-1] == ' ', "the name touches a label: \"%s\"", line);
        cr_assert(at[4] == '\0' || (at[4] == ' ' && at[5] == ' '), "the name runs into a label: \"%s\"", line);
    }
    free(line);
}

Test(widgets, an_x_axis_name_goes_right_aligned_when_the_end_of_the_row_is_free)
{
    /* Ticks at 0..150 of a 0..200 range leave the right end free. */
    char *line = x_labels_row(60, 170, 6, "batch");
    size_t n = strlen(line);
    cr_assert(n >= 5 && strcmp(line + n - 5, "batch") == 0, "the name should end the row: \"%s\"", line);
    cr_assert(strstr(line, "150"), "tick labels stay: \"%s\"", line);
    free(line);
}

/* Cells are about twice as tall as wide: with equal_scale a round bowl must come out round, its
 * innermost shaded band about twice as many columns wide as rows tall, however wide the grid reaches. */
Test(widgets, an_equal_scale_contour_draws_a_round_bowl_round)
{
    enum { NX = 161, NY = 41 };
    static double z[NX * NY];
    for (int j = 0; j < NY; j++)
        for (int i = 0; i < NX; i++) {
            double x = -8 + 16.0 * i / (NX - 1), y = -2 + 4.0 * j / (NY - 1);
            z[j * NX + i] = x * x + y * y;
        }
    for (int pass = 0; pass < 2; pass++) {
        bool equal = pass == 1;
        Canvas *c = canvas_create(70, 22, RASTER_ASCII, false);
        ContourSpec spec = {.z = z, .nx = NX, .ny = NY, .x_lo = -8, .x_hi = 8, .y_lo = -2, .y_hi = 2,
                            .levels = 16, .scale = CONTOUR_LINEAR, .shaded = true, .equal_scale = equal};
        contour_draw(c, rect_make(0, 0, 70, 22), &spec);
        /* The lowest band is drawn as blanks around the plot's centre: measure that run across and down. */
        int left = 69, right = 0, top = 21, bottom = 0;
        for (int y = 0; y < 22; y++)
            for (int x = 0; x < 70; x++)
                if (canvas_cell(c, x, y)->ch == '|' || canvas_cell(c, x, y)->ch == '+') {
                    left = x < left ? x : left;
                    top = y < top ? y : top;
                }
        for (int y = 0; y < 22; y++)
            for (int x = 0; x < 70; x++)
                if (canvas_cell(c, x, y)->ch == '-')
                    bottom = y > bottom ? y : bottom;
        int xmid = (left + 1 + 69) / 2, ymid = (top + bottom) / 2, cols = 0, rows = 0;
        for (int x = xmid; x < 70 && canvas_cell(c, x, ymid)->ch == ' '; x++)
            cols++;
        for (int x = xmid - 1; x > left && canvas_cell(c, x, ymid)->ch == ' '; x--)
            cols++;
        for (int y = ymid; y < bottom && canvas_cell(c, xmid, y)->ch == ' '; y++)
            rows++;
        for (int y = ymid - 1; y >= top && canvas_cell(c, xmid, y)->ch == ' '; y--)
            rows++;
        (void)right;
        canvas_destroy(c);
        double ratio = rows > 0 ? (double)cols / rows : 0;
        if (equal)
            cr_assert(ratio > 1.6 && ratio < 2.6, "equal scale: the bowl's centre is %d cols × %d rows", cols, rows);
        else
            cr_assert(ratio < 1.3, "without equal scale the x range is squeezed: %d cols × %d rows", cols, rows);
    }
}

/* Where `text` starts on the canvas (row and column), searching row by row; false when absent. */
static bool find_text(const Canvas *c, const char *text, int *col, int *row)
{
    for (int y = 0; y < c->height; y++) {
        char *line = row_text(c, y);
        char *at = strstr(line, text);
        if (at) {
            *row = y;
            *col = 0;
            for (const char *p = line; p < at; p++)
                *col += ((unsigned char)*p & 0xc0) != 0x80;   /* code points: one column each here */
            free(line);
            return true;
        }
        free(line);
    }
    return false;
}

Test(widgets, two_converging_lines_carry_their_names_at_their_ends_so_they_differ_without_color)
{
    /* Two running averages that end at the same value (as α = 0.1 and 0.01 do): colour alone told
     * them apart. Each now ends in its own name, on its own row, right of its last point. */
    enum { N = 60 };
    static double fast[N], slow[N];
    for (int i = 0; i < N; i++) {
        fast[i] = 1.0 - exp(-i / 5.0);
        slow[i] = 1.0 - exp(-i / 20.0);
    }
    LineSeries s[2] = {{NULL, fast, N, "α0.1"}, {NULL, slow, N, "α0.01"}};
    LineChartSpec spec = {s, 2, NULL, {.label = "step"}, {.label = "mean"}, true};
    for (int ascii = 0; ascii < 2; ascii++) {
        Canvas *c = canvas_create(60, 14, ascii ? RASTER_ASCII : RASTER_BRAILLE, !ascii);
        linechart_draw(c, rect_make(0, 0, 60, 14), &spec);
        int x1, y1, x2, y2;
        /* The legend on row 0 names both too: look below it. */
        Canvas *body = canvas_create(60, 13, c->raster, c->unicode);
        for (int y = 1; y < 14; y++)
            for (int x = 0; x < 60; x++) {
                const Cell *cell = canvas_cell(c, x, y);
                canvas_put(body, x, y - 1, cell->ch, (ColorRole)cell->role, cell->attr);
            }
        const char *n1 = ascii ? "a0.1" : "α0.1", *n2 = ascii ? "a0.01" : "α0.01";
        if (ascii) {
            s[0].name = n1;
            s[1].name = n2;
            canvas_clear(c);
            linechart_draw(c, rect_make(0, 0, 60, 14), &spec);
            for (int y = 1; y < 14; y++)
                for (int x = 0; x < 60; x++) {
                    const Cell *cell = canvas_cell(c, x, y);
                    canvas_put(body, x, y - 1, cell->ch, (ColorRole)cell->role, cell->attr);
                }
        }
        cr_assert(find_text(body, n2, &x2, &y2), "no end label %s:\n%s", n2, canvas_dump(c, false));
        /* "α0.1" is also the start of "α0.01": look for it followed by something other than '1'. */
        bool found1 = false;
        for (int y = 0; y < 13 && !found1; y++)
            for (int x = 0; x + 3 < 60 && !found1; x++) {
                const Cell *a = canvas_cell(body, x, y);
                if (a->role == ROLE_SERIES1 && (a->ch == 0x3b1 || a->ch == 'a') && canvas_cell(body, x + 1, y)->ch == '0' &&
                    canvas_cell(body, x + 3, y)->ch == '1') {
                    found1 = true;
                    x1 = x;
                    y1 = y;
                }
            }
        cr_assert(found1, "no end label %s in series 1's role:\n%s", n1, canvas_dump(c, false));
        cr_assert_neq(y1, y2, "the two labels share a row:\n%s", canvas_dump(c, false));
        cr_assert_eq(canvas_cell(body, x2, y2)->role, ROLE_SERIES2);
        /* Both lines end at the right edge: their names sit in the gutter right of the plot. */
        cr_assert_geq(x1, 60 - 10, "label 1 at column %d", x1);
        cr_assert_geq(x2, 60 - 10, "label 2 at column %d", x2);
        cr_assert_leq(x2 + 5, 60);
        canvas_destroy(body);
        canvas_destroy(c);
        s[0].name = "α0.1";
        s[1].name = "α0.01";
    }
}

/* A name's closing note in brackets ("no BN (diverged at step 5)") is the legend's: the line ends in
 * the name alone, whole, not in a cut "no BN (d~". */
Test(widgets, an_end_label_leaves_the_names_note_in_brackets_to_the_legend)
{
    enum { N = 30 };
    static double up[N], down[N];
    for (int i = 0; i < N; i++) {
        up[i] = i;
        down[i] = N - i;
    }
    LineSeries s[2] = {{NULL, up, N, "no BN (diverged at step 5)"}, {NULL, down, N, "BN"}};
    LineChartSpec spec = {s, 2, NULL, {.label = "step"}, {0}, true};
    for (int ascii = 0; ascii < 2; ascii++) {
        Canvas *c = canvas_create(70, 12, ascii ? RASTER_ASCII : RASTER_BRAILLE, !ascii);
        linechart_draw(c, rect_make(0, 0, 70, 12), &spec);
        char *d = canvas_dump(c, false);
        const char *legend = strstr(d, "no BN (diverged at step 5)");
        cr_assert_not_null(legend, "the legend keeps the whole name:\n%s", d);
        cr_expect_not_null(strstr(legend + 1, "no BN"), "the line ends in its name:\n%s", d);
        cr_expect_null(strstr(legend + 1, "no BN ("), "without the note:\n%s", d);
        free(d);
        canvas_destroy(c);
    }
}

Test(widgets, a_single_line_or_a_chart_without_legend_gets_no_end_label)
{
    enum { N = 30 };
    static double y[N];
    for (int i = 0; i < N; i++)
        y[i] = i;
    LineSeries s[2] = {{NULL, y, N, "only"}, {NULL, NULL, 0, "empty"}};
    LineChartSpec spec = {s, 2, NULL, {.label = "step"}, {0}, true};
    Canvas *c = canvas_create(50, 10, RASTER_BRAILLE, true);
    linechart_draw(c, rect_make(0, 0, 50, 10), &spec);
    char *d = canvas_dump(c, false);
    cr_assert_eq(strstr(d, "only") ? strstr(strstr(d, "only") + 1, "only") : NULL, NULL,
                 "one named line needs no end label (its legend entry is enough):\n%s", d);
    free(d);
    canvas_destroy(c);
}
