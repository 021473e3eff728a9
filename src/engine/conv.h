/* 3×3 convolution (stride 1, zero padding 1) and 2×2 pooling (stride 2) of N×C×H×W tensors, in double (engine layer).
 *
 * Tensors are row-major (N, C, H, W) as in norm.h. The convolution keeps H×W; its weights are
 * (C_out, C_in, 3, 3), PyTorch's Conv2d layout, so weights copy across unchanged. It runs as im2col
 * and one matrix product through linear.h: every output pixel becomes a row of its C_in·9 inputs. */
#ifndef BNTUTOR_ENGINE_CONV_H
#define BNTUTOR_ENGINE_CONV_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

enum { CONV_KSIZE = 3 };    /* kernel side; padding 1 keeps the image size */

typedef struct ConvShape {
    int n;              /* samples */
    int c_in, c_out;    /* channels */
    int h, w;           /* image size, the same in and out */
} ConvShape;

/* Doubles in the buffers the caller provides: cols (N·H·W, C_in·9), rows (N·H·W, C_out). */
size_t conv_cols_size(const ConvShape *shape);
size_t conv_rows_size(const ConvShape *shape);

/* False with a message for a dimension < 1. */
bool conv_check(const ConvShape *shape, BnError *err);

/* y: (N,C_out,H,W) overwritten  cols: (N·H·W, C_in·9) written, the im2col of x that backward needs
 * rows: (N·H·W, C_out) scratch  x: (N,C_in,H,W)  w: (C_out,C_in,3,3)  b: (C_out) or NULL. */
void conv_forward(double *y, double *cols, double *rows, const double *x, const double *w, const double *b,
                  const ConvShape *shape);

/* Backward of conv_forward. dw: (C_out,C_in,3,3) and db: (C_out) accumulated into (db may be NULL);
 * dx: (N,C_in,H,W) overwritten, skipped when NULL (a first layer needs none). dcols: (N·H·W, C_in·9)
 * and rows: (N·H·W, C_out) scratch (dcols unused when dx is NULL). dy: (N,C_out,H,W)  cols: from the
 * forward  w: (C_out,C_in,3,3). */
void conv_backward(double *dx, double *dw, double *db, double *dcols, double *rows, const double *dy,
                   const double *cols, const double *w, const ConvShape *shape);

typedef enum PoolKind {
    POOL_MAX,           /* the largest of each 2×2 window (the first one on ties, as PyTorch) */
    POOL_AVG,           /* the mean of each 2×2 window */
} PoolKind;

const char *pool_kind_name(PoolKind kind);                  /* "max", "avg" */
bool pool_kind_parse(const char *name, PoolKind *kind);

/* False with a message unless H and W are even and ≥ 2: an odd row or column would be dropped
 * silently (PyTorch floors), which hides a wrong image size, so it is refused instead. */
bool pool_check(int n, int c, int h, int w, BnError *err);

/* y: (N,C,H/2,W/2) overwritten  argmax: (N,C,H/2,W/2) position (row·W + column) in the input plane of
 * each window's maximum, written for POOL_MAX when not NULL (backward needs it)  x: (N,C,H,W).
 * Calls pool_check first; false with a message changes nothing. */
bool pool_forward(double *y, int *argmax, const double *x, PoolKind kind, int n, int c, int h, int w,
                  BnError *err);

/* Backward of pool_forward. dx: (N,C,H,W) overwritten  dy: (N,C,H/2,W/2)  argmax: from the forward
 * (POOL_MAX). The shape must have passed pool_check. */
void pool_backward(double *dx, const double *dy, const int *argmax, PoolKind kind, int n, int c, int h,
                   int w);

#endif
