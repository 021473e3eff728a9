/* Convolution and pooling: PyTorch parity cases, hand-computed answers, central differences, refused shapes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conv.h"
#include "support/check.h"
#include "util/pcg32.h"

/* ---------- PyTorch cases (tests/reference/make_conv_cases.py) ---------- */

static const char cases_path[] = "tests/reference/conv_cases.txt";

/* Reads "LABEL COUNT v..." into a new array after checking the label and the count. */
static double *read_values(FILE *f, const char *label, size_t count, const char *name)
{
    char got[32];
    size_t n = 0;
    cr_assert_eq(fscanf(f, "%31s %zu", got, &n), 2, "%s: case %s: no '%s' line", cases_path, name, label);
    cr_assert_str_eq(got, label, "%s: case %s: '%s' where '%s' was expected", cases_path, name, got, label);
    cr_assert_eq(n, count, "%s: case %s: %s has %zu values, the shape says %zu", cases_path, name, label, n,
                 count);
    double *v = malloc(sizeof *v * (count ? count : 1));
    cr_assert_not_null(v);
    for (size_t k = 0; k < count; k++)
        cr_assert_eq(fscanf(f, "%lf", &v[k]), 1, "%s: case %s: %s[%zu] unreadable", cases_path, name, label, k);
    return v;
}

/* 1e-9 relative; entries tiny next to the rest of the array get an absolute floor of 1e-12 of its scale. */
static void check_values(const double *got, const double *want, size_t count, const char *name, const char *label)
{
    double scale = 0.0;
    for (size_t k = 0; k < count; k++)
        scale = fmax(scale, fabs(want[k]));
    for (size_t k = 0; k < count; k++)
        check_close(got[k], want[k], 1e-9, 1e-12 * scale, "case %s, %s[%zu]", name, label, k);
}

static void run_conv_case(FILE *f, const char *name, ConvShape s)
{
    size_t nx = (size_t)s.n * s.c_in * s.h * s.w, ny = (size_t)s.n * s.c_out * s.h * s.w;
    size_t nw = (size_t)s.c_out * s.c_in * 9;
    double *x = read_values(f, "x", nx, name), *w = read_values(f, "w", nw, name);
    double *b = read_values(f, "b", (size_t)s.c_out, name), *dy = read_values(f, "dy", ny, name);
    double *want_y = read_values(f, "y", ny, name), *want_dx = read_values(f, "dx", nx, name);
    double *want_dw = read_values(f, "dw", nw, name), *want_db = read_values(f, "db", (size_t)s.c_out, name);
    double *y = malloc(sizeof *y * ny), *dx = malloc(sizeof *dx * nx);
    double *dw = calloc(nw, sizeof *dw), *db = calloc((size_t)s.c_out, sizeof *db);
    double *cols = malloc(sizeof *cols * conv_cols_size(&s)), *dcols = malloc(sizeof *dcols * conv_cols_size(&s));
    double *rows = malloc(sizeof *rows * conv_rows_size(&s));
    cr_assert(y && dx && dw && db && cols && dcols && rows);
    conv_forward(y, cols, rows, x, w, b, &s);
    conv_backward(dx, dw, db, dcols, rows, dy, cols, w, &s);
    check_values(y, want_y, ny, name, "y");
    check_values(dx, want_dx, nx, name, "dx");
    check_values(dw, want_dw, nw, name, "dw");
    check_values(db, want_db, (size_t)s.c_out, name, "db");
    double *all[] = { x, w, b, dy, want_y, want_dx, want_dw, want_db, y, dx, dw, db, cols, dcols, rows };
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        free(all[k]);
}

static void run_pool_case(FILE *f, const char *name, PoolKind kind, int n, int c, int h, int w)
{
    size_t nx = (size_t)n * c * h * w, ny = nx / 4;
    double *x = read_values(f, "x", nx, name), *dy = read_values(f, "dy", ny, name);
    double *want_y = read_values(f, "y", ny, name), *want_dx = read_values(f, "dx", nx, name);
    double *y = malloc(sizeof *y * ny), *dx = malloc(sizeof *dx * nx);
    int *arg = malloc(sizeof *arg * ny);
    cr_assert(y && dx && arg);
    BnError err = { 0 };
    cr_assert(pool_forward(y, arg, x, kind, n, c, h, w, &err), "case %s: %s", name, err.message);
    pool_backward(dx, dy, arg, kind, n, c, h, w);
    check_values(y, want_y, ny, name, "y");
    check_values(dx, want_dx, nx, name, "dx");
    free(x), free(dy), free(want_y), free(want_dx), free(y), free(dx), free(arg);
}

Test(conv, matches_pytorch_conv2d_max_pool2d_and_avg_pool2d_forward_and_backward)
{
    FILE *f = fopen(cases_path, "r");
    cr_assert_not_null(f, "cannot open %s (made by tests/reference/make_conv_cases.py)", cases_path);
    char line[256];
    int convs = 0, pools = 0;
    while (fscanf(f, " %255[^\n]", line) == 1) {
        if (line[0] == '#')
            continue;
        char kind[16], name[64], pool[16];
        int n, ci, co, h, w;
        if (sscanf(line, "case conv %63s %d %d %d %d %d", name, &n, &ci, &co, &h, &w) == 6) {
            run_conv_case(f, name, (ConvShape){ .n = n, .c_in = ci, .c_out = co, .h = h, .w = w });
            convs++;
        } else if (sscanf(line, "case pool %15s %63s %d %d %d %d", pool, name, &n, &ci, &h, &w) == 6) {
            PoolKind pk;
            cr_assert(pool_kind_parse(pool, &pk), "%s: unknown pool kind '%s'", cases_path, pool);
            snprintf(kind, sizeof kind, "%s", pool);
            strncat(name, kind, sizeof name - strlen(name) - 1);
            run_pool_case(f, name, pk, n, ci, h, w);
            pools++;
        } else {
            cr_assert_fail("%s: unexpected line '%.60s'", cases_path, line);
        }
        cr_assert_eq(fscanf(f, " %15s", kind), 1);
        cr_assert_str_eq(kind, "end", "%s: case %s not closed by 'end'", cases_path, name);
    }
    fclose(f);
    cr_assert_geq(convs, 5, "only %d convolution cases in %s", convs, cases_path);
    cr_assert_geq(pools, 6, "only %d pooling cases in %s", pools, cases_path);
}

/* ---------- hand-computed cases ---------- */

Test(conv, an_all_ones_kernel_sums_each_pixels_neighbourhood_inside_the_image)
{
    /* x = 1..9 in a 3×3 image; corners see 4 pixels, edges 6, the centre all 9. */
    double x[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, w[9], b = 0.5, y[9], cols[81], rows[9];
    for (int k = 0; k < 9; k++)
        w[k] = 1.0;
    ConvShape s = { .n = 1, .c_in = 1, .c_out = 1, .h = 3, .w = 3 };
    conv_forward(y, cols, rows, x, w, &b, &s);
    const double want[9] = { 12.5, 21.5, 16.5, 27.5, 45.5, 33.5, 24.5, 39.5, 28.5 };
    for (int k = 0; k < 9; k++)
        check_close(y[k], want[k], 1e-15, 0.0, "pixel %d", k);
}

Test(conv, a_centre_only_kernel_copies_each_input_channel_to_its_output)
{
    /* Two channels in, two out: out0 = 2·in1, out1 = −in0 + 1 (bias). */
    double x[2 * 4 * 2], w[2 * 2 * 9] = { 0 }, b[2] = { 0.0, 1.0 }, y[16], cols[8 * 18], rows[16];
    for (int k = 0; k < 16; k++)
        x[k] = k * 0.25 - 1.0;
    w[(0 * 2 + 1) * 9 + 4] = 2.0;
    w[(1 * 2 + 0) * 9 + 4] = -1.0;
    ConvShape s = { .n = 1, .c_in = 2, .c_out = 2, .h = 4, .w = 2 };
    conv_forward(y, cols, rows, x, w, b, &s);
    for (int p = 0; p < 8; p++) {
        check_close(y[p], 2.0 * x[8 + p], 1e-15, 1e-15, "out 0 pixel %d", p);
        check_close(y[8 + p], 1.0 - x[p], 1e-15, 1e-15, "out 1 pixel %d", p);
    }
}

Test(conv, pooling_a_4x4_plane_takes_each_windows_maximum_or_mean_and_routes_gradients_back)
{
    double x[16] = { 1, 5, 2, 0,
                     3, 4, -1, -2,
                     9, 8, 0, 0,
                     7, 6, 0, 1 };
    double y[4], dx[16], dy[4] = { 1, 2, 3, 4 };
    int arg[4];
    BnError err = { 0 };
    cr_assert(pool_forward(y, arg, x, POOL_MAX, 1, 1, 4, 4, &err));
    const double max_want[4] = { 5, 2, 9, 1 };
    for (int k = 0; k < 4; k++)
        cr_assert_eq(y[k], max_want[k], "max window %d: %g", k, y[k]);
    pool_backward(dx, dy, arg, POOL_MAX, 1, 1, 4, 4);
    const double max_dx[16] = { 0, 1, 2, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 4 };
    for (int k = 0; k < 16; k++)
        cr_assert_eq(dx[k], max_dx[k], "max dx[%d] = %g", k, dx[k]);
    cr_assert(pool_forward(y, NULL, x, POOL_AVG, 1, 1, 4, 4, &err));
    const double avg_want[4] = { 3.25, -0.25, 7.5, 0.25 };
    for (int k = 0; k < 4; k++)
        cr_assert_eq(y[k], avg_want[k], "avg window %d: %g", k, y[k]);
    pool_backward(dx, dy, NULL, POOL_AVG, 1, 1, 4, 4);
    cr_assert(dx[0] == 0.25 && dx[5] == 0.25 && dx[2] == 0.5 && dx[15] == 1.0 && dx[10] == 1.0,
              "avg dx: %g %g %g %g %g", dx[0], dx[5], dx[2], dx[15], dx[10]);
}

Test(conv, max_pooling_ties_go_to_the_first_position_as_in_pytorch)
{
    double x[4] = { 2, 2, 2, 2 }, y[1], dx[4], dy[1] = { 1 };
    int arg[1];
    cr_assert(pool_forward(y, arg, x, POOL_MAX, 1, 1, 2, 2, NULL));
    pool_backward(dx, dy, arg, POOL_MAX, 1, 1, 2, 2);
    cr_assert(arg[0] == 0 && dx[0] == 1 && dx[1] == 0 && dx[2] == 0 && dx[3] == 0, "argmax %d", arg[0]);
}

Test(conv, max_pooling_passes_a_nan_on_wherever_it_sits_in_the_window)
{
    for (int at = 0; at < 4; at++) {
        double x[4] = { 1, 5, 2, 3 }, y[1];
        int arg[1];
        x[at] = NAN;
        cr_assert(pool_forward(y, arg, x, POOL_MAX, 1, 1, 2, 2, NULL));
        cr_assert(isnan(y[0]) && arg[0] == at, "NaN at %d: got %g from %d", at, y[0], arg[0]);
    }
}

/* ---------- refused shapes ---------- */

Test(conv, pooling_refuses_odd_and_too_small_images_and_leaves_the_output_alone)
{
    double x[5 * 4] = { 0 }, y[4] = { 7, 7, 7, 7 };
    int arg[4];
    BnError err = { 0 };
    cr_assert_not(pool_forward(y, arg, x, POOL_MAX, 1, 1, 5, 4, &err), "a 5-row image was pooled");
    cr_assert(err.set && strstr(err.message, "even"), "message: %s", err.message);
    cr_assert(y[0] == 7 && y[3] == 7, "output written on refusal");
    error_clear(&err);
    cr_assert_not(pool_forward(y, arg, x, POOL_AVG, 1, 1, 4, 3, &err), "a 3-column image was pooled");
    cr_assert(strstr(err.message, "4x3"), "message names the size: %s", err.message);
    error_clear(&err);
    cr_assert_not(pool_check(1, 1, 1, 2, &err));
    cr_assert(strstr(err.message, "too small"), "message: %s", err.message);
    error_clear(&err);
    cr_assert_not(pool_check(0, 1, 2, 2, &err), "an empty batch passed");
    cr_assert(pool_check(2, 3, 28, 28, &err));
}

Test(conv, conv_check_refuses_an_empty_dimension)
{
    BnError err = { 0 };
    cr_assert_not(conv_check(&(ConvShape){ .n = 1, .c_in = 0, .c_out = 2, .h = 3, .w = 3 }, &err));
    cr_assert(strstr(err.message, "C_in=0"), "message: %s", err.message);
    cr_assert(conv_check(&(ConvShape){ .n = 1, .c_in = 1, .c_out = 1, .h = 1, .w = 1 }, NULL));
}

/* ---------- central differences ---------- */

static void fill_normal(double *v, size_t n, Pcg32 *rng)
{
    for (size_t k = 0; k < n; k++)
        v[k] = pcg32_normal(rng);
}

/* loss = Σ y·r for fixed random r, so ∂loss/∂y = r. */
static double conv_loss(const double *x, const double *w, const double *b, const double *r, const ConvShape *s)
{
    size_t ny = (size_t)s->n * s->c_out * s->h * s->w;
    double *y = malloc(sizeof *y * ny), *cols = malloc(sizeof *cols * conv_cols_size(s));
    double *rows = malloc(sizeof *rows * conv_rows_size(s));
    conv_forward(y, cols, rows, x, w, b, s);
    double loss = 0.0;
    for (size_t k = 0; k < ny; k++)
        loss += y[k] * r[k];
    free(y), free(cols), free(rows);
    return loss;
}

/* Central difference of conv_loss in v[k] against the analytic value. */
static void check_entry(double *v, size_t k, double analytic, const double *x, const double *w, const double *b,
                        const double *r, const ConvShape *s, const char *what)
{
    const double h = 1e-5;
    double saved = v[k];
    v[k] = saved + h;
    double up = conv_loss(x, w, b, r, s);
    v[k] = saved - h;
    double down = conv_loss(x, w, b, r, s);
    v[k] = saved;
    check_close(analytic, (up - down) / (2 * h), 1e-6, 1e-8, "%s[%zu] shape %dx%dx%dx%d→%d", what, k, s->n,
                s->c_in, s->h, s->w, s->c_out);
}

static void gradient_check_conv(ConvShape s, uint64_t seed)
{
    Pcg32 rng;
    pcg32_seed(&rng, seed, 7);
    size_t nx = (size_t)s.n * s.c_in * s.h * s.w, ny = (size_t)s.n * s.c_out * s.h * s.w;
    size_t nw = (size_t)s.c_out * s.c_in * 9;
    double *x = malloc(sizeof *x * nx), *w = malloc(sizeof *w * nw), *b = malloc(sizeof *b * (size_t)s.c_out);
    double *r = malloc(sizeof *r * ny), *y = malloc(sizeof *y * ny), *dx = malloc(sizeof *dx * nx);
    double *dw = calloc(nw, sizeof *dw), *db = calloc((size_t)s.c_out, sizeof *db);
    double *cols = malloc(sizeof *cols * conv_cols_size(&s)), *dcols = malloc(sizeof *dcols * conv_cols_size(&s));
    double *rows = malloc(sizeof *rows * conv_rows_size(&s));
    fill_normal(x, nx, &rng), fill_normal(w, nw, &rng), fill_normal(b, (size_t)s.c_out, &rng);
    fill_normal(r, ny, &rng);
    conv_forward(y, cols, rows, x, w, b, &s);
    conv_backward(dx, dw, db, dcols, rows, r, cols, w, &s);
    double largest = 0.0;
    for (size_t k = 0; k < nx; k++) {
        check_entry(x, k, dx[k], x, w, b, r, &s, "dx");
        largest = fmax(largest, fabs(dx[k]));
    }
    for (size_t k = 0; k < nw; k++) {
        check_entry(w, k, dw[k], x, w, b, r, &s, "dw");
        largest = fmax(largest, fabs(dw[k]));
    }
    for (size_t k = 0; k < (size_t)s.c_out; k++)
        check_entry(b, k, db[k], x, w, b, r, &s, "db");
    cr_assert_gt(largest, 1e-3, "all gradients ~0: the check would pass for anything");
    double *all[] = { x, w, b, r, y, dx, dw, db, cols, dcols, rows };
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        free(all[k]);
}

Test(conv, conv_gradients_match_central_differences_for_several_shapes)
{
    gradient_check_conv((ConvShape){ .n = 1, .c_in = 1, .c_out = 1, .h = 3, .w = 3 }, 1);
    gradient_check_conv((ConvShape){ .n = 2, .c_in = 1, .c_out = 3, .h = 5, .w = 4 }, 2);
    gradient_check_conv((ConvShape){ .n = 2, .c_in = 3, .c_out = 2, .h = 4, .w = 7 }, 3);
    gradient_check_conv((ConvShape){ .n = 3, .c_in = 2, .c_out = 1, .h = 1, .w = 5 }, 4);
}

Test(conv, conv_backward_accumulates_dw_and_db_and_may_skip_dx)
{
    ConvShape s = { .n = 2, .c_in = 2, .c_out = 3, .h = 4, .w = 4 };
    Pcg32 rng;
    pcg32_seed(&rng, 9, 1);
    double x[64], w[54], b[3], dy[96], y[96], cols[32 * 18], rows[96], dw1[54] = { 0 }, db1[3] = { 0 };
    double dw2[54] = { 0 }, db2[3] = { 0 };
    fill_normal(x, 64, &rng), fill_normal(w, 54, &rng), fill_normal(b, 3, &rng), fill_normal(dy, 96, &rng);
    conv_forward(y, cols, rows, x, w, b, &s);
    conv_backward(NULL, dw1, db1, NULL, rows, dy, cols, w, &s);
    conv_backward(NULL, dw2, db2, NULL, rows, dy, cols, w, &s);
    conv_backward(NULL, dw2, db2, NULL, rows, dy, cols, w, &s);
    for (int k = 0; k < 54; k++)
        check_close(dw2[k], 2.0 * dw1[k], 1e-12, 1e-12, "dw[%d] after two backwards", k);
    for (int k = 0; k < 3; k++)
        check_close(db2[k], 2.0 * db1[k], 1e-12, 1e-12, "db[%d] after two backwards", k);
}

static double pool_loss(const double *x, const double *r, PoolKind kind, int n, int c, int h, int w)
{
    size_t ny = (size_t)n * c * h * w / 4;
    double *y = malloc(sizeof *y * ny);
    cr_assert(pool_forward(y, NULL, x, kind, n, c, h, w, NULL));
    double loss = 0.0;
    for (size_t k = 0; k < ny; k++)
        loss += y[k] * r[k];
    free(y);
    return loss;
}

static void gradient_check_pool(PoolKind kind, int n, int c, int h, int w, uint64_t seed)
{
    Pcg32 rng;
    pcg32_seed(&rng, seed, 3);
    size_t nx = (size_t)n * c * h * w, ny = nx / 4;
    double *x = malloc(sizeof *x * nx), *r = malloc(sizeof *r * ny), *y = malloc(sizeof *y * ny);
    double *dx = malloc(sizeof *dx * nx);
    int *arg = malloc(sizeof *arg * ny);
    /* Normal draws are distinct almost surely, so no window sits on a tie a difference could cross. */
    fill_normal(x, nx, &rng), fill_normal(r, ny, &rng);
    cr_assert(pool_forward(y, arg, x, kind, n, c, h, w, NULL));
    pool_backward(dx, r, arg, kind, n, c, h, w);
    const double step = 1e-6;
    int nonzero = 0;
    for (size_t k = 0; k < nx; k++) {
        double saved = x[k];
        x[k] = saved + step;
        double up = pool_loss(x, r, kind, n, c, h, w);
        x[k] = saved - step;
        double down = pool_loss(x, r, kind, n, c, h, w);
        x[k] = saved;
        check_close(dx[k], (up - down) / (2 * step), 1e-6, 1e-8, "%s pool dx[%zu] of %dx%dx%dx%d",
                    pool_kind_name(kind), k, n, c, h, w);
        nonzero += dx[k] != 0.0;
    }
    /* Max pooling passes a gradient to exactly one pixel per window, averaging to all four. */
    cr_assert_eq((size_t)nonzero, kind == POOL_MAX ? ny : nx, "%d pixels got a gradient", nonzero);
    free(x), free(r), free(y), free(dx), free(arg);
}

Test(conv, pooling_gradients_match_central_differences)
{
    gradient_check_pool(POOL_MAX, 1, 1, 2, 2, 1);
    gradient_check_pool(POOL_MAX, 2, 3, 6, 4, 2);
    gradient_check_pool(POOL_AVG, 1, 1, 4, 4, 3);
    gradient_check_pool(POOL_AVG, 3, 2, 2, 8, 4);
}
