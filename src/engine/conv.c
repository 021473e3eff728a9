/* 3×3 convolution as im2col plus one matrix product, and 2×2 max/average pooling, forward and backward (engine layer). */
#include "engine/conv.h"

#include <string.h>

#include "engine/linear.h"

enum { TAPS = CONV_KSIZE * CONV_KSIZE };

size_t conv_cols_size(const ConvShape *s)
{
    return (size_t)s->n * (size_t)s->h * (size_t)s->w * (size_t)s->c_in * TAPS;
}

size_t conv_rows_size(const ConvShape *s)
{
    return (size_t)s->n * (size_t)s->h * (size_t)s->w * (size_t)s->c_out;
}

bool conv_check(const ConvShape *s, BnError *err)
{
    if (s->n < 1 || s->c_in < 1 || s->c_out < 1 || s->h < 1 || s->w < 1) {
        error_set(err, "conv", "shape N=%d C_in=%d C_out=%d H=%d W=%d has a dimension below 1", s->n, s->c_in,
                  s->c_out, s->h, s->w);
        return false;
    }
    return true;
}

/* cols row (n, i, j) holds x[n, ci, i+di-1, j+dj-1] at column ci·9 + di·3 + dj, zero outside the image:
 * the same order as a weight row, so the product of the two is the convolution. */
static void im2col(double *cols, const double *x, const ConvShape *s)
{
    int h = s->h, w = s->w, k = s->c_in * TAPS;
    for (int n = 0; n < s->n; n++)
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                double *row = cols + ((size_t)(n * h + i) * w + j) * k;
                if (i > 0 && i < h - 1 && j > 0 && j < w - 1) {
                    /* Inside the border every tap exists: three runs of three per channel. */
                    for (int ci = 0; ci < s->c_in; ci++) {
                        const double *at = x + ((size_t)n * s->c_in + ci) * h * w + (size_t)(i - 1) * w + j - 1;
                        for (int di = 0; di < CONV_KSIZE; di++, at += w, row += 3) {
                            row[0] = at[0];
                            row[1] = at[1];
                            row[2] = at[2];
                        }
                    }
                    continue;
                }
                for (int ci = 0; ci < s->c_in; ci++) {
                    const double *plane = x + ((size_t)n * s->c_in + ci) * h * w;
                    for (int di = 0; di < CONV_KSIZE; di++) {
                        int r = i + di - 1;
                        for (int dj = 0; dj < CONV_KSIZE; dj++) {
                            int c = j + dj - 1;
                            *row++ = r >= 0 && r < h && c >= 0 && c < w ? plane[r * w + c] : 0.0;
                        }
                    }
                }
            }
}

/* The adjoint of im2col: every column entry adds back into the input pixel it was copied from. */
static void col2im(double *dx, const double *dcols, const ConvShape *s)
{
    int h = s->h, w = s->w, k = s->c_in * TAPS;
    memset(dx, 0, sizeof *dx * (size_t)s->n * s->c_in * h * w);
    for (int n = 0; n < s->n; n++)
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                const double *row = dcols + ((size_t)(n * h + i) * w + j) * k;
                if (i > 0 && i < h - 1 && j > 0 && j < w - 1) {
                    for (int ci = 0; ci < s->c_in; ci++) {
                        double *at = dx + ((size_t)n * s->c_in + ci) * h * w + (size_t)(i - 1) * w + j - 1;
                        for (int di = 0; di < CONV_KSIZE; di++, at += w, row += 3) {
                            at[0] += row[0];
                            at[1] += row[1];
                            at[2] += row[2];
                        }
                    }
                    continue;
                }
                for (int ci = 0; ci < s->c_in; ci++) {
                    double *plane = dx + ((size_t)n * s->c_in + ci) * h * w;
                    for (int di = 0; di < CONV_KSIZE; di++) {
                        int r = i + di - 1;
                        for (int dj = 0; dj < CONV_KSIZE; dj++, row++) {
                            int c = j + dj - 1;
                            if (r >= 0 && r < h && c >= 0 && c < w)
                                plane[r * w + c] += *row;
                        }
                    }
                }
            }
}

void conv_forward(double *y, double *cols, double *rows, const double *x, const double *w, const double *b,
                  const ConvShape *s)
{
    int hw = s->h * s->w;
    im2col(cols, x, s);
    /* rows (N·H·W, C_out) = cols · wᵀ + b, then each sample's block is transposed to (C_out, H·W). */
    linear_forward(rows, cols, w, b, s->n * hw, s->c_in * TAPS, s->c_out);
    for (int n = 0; n < s->n; n++) {
        const double *src = rows + (size_t)n * hw * s->c_out;
        double *dst = y + (size_t)n * s->c_out * hw;
        for (int p = 0; p < hw; p++)
            for (int co = 0; co < s->c_out; co++)
                dst[(size_t)co * hw + p] = src[(size_t)p * s->c_out + co];
    }
}

void conv_backward(double *dx, double *dw, double *db, double *dcols, double *rows, const double *dy,
                   const double *cols, const double *w, const ConvShape *s)
{
    int hw = s->h * s->w;
    for (int n = 0; n < s->n; n++) {
        const double *src = dy + (size_t)n * s->c_out * hw;
        double *dst = rows + (size_t)n * hw * s->c_out;
        for (int co = 0; co < s->c_out; co++)
            for (int p = 0; p < hw; p++)
                dst[(size_t)p * s->c_out + co] = src[(size_t)co * hw + p];
    }
    linear_backward(dx ? dcols : NULL, dw, db, rows, cols, w, s->n * hw, s->c_in * TAPS, s->c_out);
    if (dx)
        col2im(dx, dcols, s);
}

const char *pool_kind_name(PoolKind kind)
{
    return kind == POOL_AVG ? "avg" : "max";
}

bool pool_kind_parse(const char *name, PoolKind *kind)
{
    if (strcmp(name, "max") == 0)
        *kind = POOL_MAX;
    else if (strcmp(name, "avg") == 0)
        *kind = POOL_AVG;
    else
        return false;
    return true;
}

bool pool_check(int n, int c, int h, int w, BnError *err)
{
    if (n < 1 || c < 1 || h < 2 || w < 2) {
        error_set(err, "pool", "shape N=%d C=%d H=%d W=%d is too small for 2x2 pooling (N, C >= 1; H, W >= 2)",
                  n, c, h, w);
        return false;
    }
    if (h % 2 != 0 || w % 2 != 0) {
        error_set(err, "pool", "%dx%d image: 2x2 pooling needs an even height and width", h, w);
        return false;
    }
    return true;
}

/* The larger of two values, or the NaN if either is one (PyTorch propagates NaN through max pooling, so
 * a diverging network is not hidden by its pool). Ties keep a, the earlier position. */
static inline int pick_max(const double *in, int a, int b)
{
    return in[b] > in[a] || (in[b] != in[b] && in[a] == in[a]) ? b : a;
}

bool pool_forward(double *y, int *argmax, const double *x, PoolKind kind, int n, int c, int h, int w,
                  BnError *err)
{
    if (!pool_check(n, c, h, w, err))
        return false;
    int oh = h / 2, ow = w / 2;
    for (int plane = 0; plane < n * c; plane++) {
        const double *in = x + (size_t)plane * h * w;
        double *out = y + (size_t)plane * oh * ow;
        int *arg = argmax ? argmax + (size_t)plane * oh * ow : NULL;
        for (int i = 0; i < oh; i++) {
            const double *r0 = in + 2 * i * w, *r1 = r0 + w;
            if (kind == POOL_AVG) {
                for (int j = 0; j < ow; j++)
                    out[i * ow + j] = 0.25 * (r0[2 * j] + r0[2 * j + 1] + r1[2 * j] + r1[2 * j + 1]);
                continue;
            }
            for (int j = 0; j < ow; j++) {
                int p = 2 * i * w + 2 * j;
                /* Scan order (0,0) (0,1) (1,0) (1,1); the first maximum wins, as in PyTorch. */
                int best = pick_max(in, pick_max(in, pick_max(in, p, p + 1), p + w), p + w + 1);
                out[i * ow + j] = in[best];
                if (arg)
                    arg[i * ow + j] = best;
            }
        }
    }
    return true;
}

void pool_backward(double *dx, const double *dy, const int *argmax, PoolKind kind, int n, int c, int h, int w)
{
    int oh = h / 2, ow = w / 2;
    memset(dx, 0, sizeof *dx * (size_t)n * c * h * w);
    for (int plane = 0; plane < n * c; plane++) {
        double *din = dx + (size_t)plane * h * w;
        const double *dout = dy + (size_t)plane * oh * ow;
        const int *arg = argmax ? argmax + (size_t)plane * oh * ow : NULL;
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                double g = dout[i * ow + j];
                if (kind == POOL_MAX) {
                    din[arg[i * ow + j]] += g;
                    continue;
                }
                din[2 * i * w + 2 * j] += 0.25 * g;
                din[2 * i * w + 2 * j + 1] += 0.25 * g;
                din[(2 * i + 1) * w + 2 * j] += 0.25 * g;
                din[(2 * i + 1) * w + 2 * j + 1] += 0.25 * g;
            }
    }
}
