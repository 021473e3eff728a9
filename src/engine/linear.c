/* Fully connected layer forward and backward; loops ordered so the inner loop is contiguous (engine layer). */
#include "engine/linear.h"

#include <string.h>

/* The inner loops are written as explicit four-wide blocks over restrict pointers: that is what lets the
 * compiler's basic-block vectorizer use SIMD registers at the Makefile's -O2 (GCC 12's -O2 loop vectorizer
 * refuses loops that need an aliasing check or a scalar tail). Four rows are handled per pass so every
 * weight row loaded from memory is used four times. */

/* Two doubles in one SIMD register (SSE2 on x86-64, NEON on arm64), a GCC/clang vector extension:
 * a running sum the compiler may not reorder has to be spelled out in vector form. */
typedef double Double2 __attribute__((vector_size(16)));

static Double2 load2(const double *p)
{
    Double2 v;
    memcpy(&v, p, sizeof v);     /* unaligned load */
    return v;
}

/* y[0..3] = Σ_i x_k[i]·w[i] for four rows x0..x3 against one weight row w. */
static void dot4(double *restrict y, const double *restrict x0, const double *restrict x1,
                 const double *restrict x2, const double *restrict x3, const double *restrict w, int len)
{
    Double2 a0 = { 0, 0 }, a1 = { 0, 0 }, a2 = { 0, 0 }, a3 = { 0, 0 };
    int i = 0;
    for (; i + 2 <= len; i += 2) {
        Double2 wv = load2(w + i);
        a0 += load2(x0 + i) * wv;
        a1 += load2(x1 + i) * wv;
        a2 += load2(x2 + i) * wv;
        a3 += load2(x3 + i) * wv;
    }
    double s0 = a0[0] + a0[1], s1 = a1[0] + a1[1], s2 = a2[0] + a2[1], s3 = a3[0] + a3[1];
    for (; i < len; i++) {
        s0 += x0[i] * w[i];
        s1 += x1[i] * w[i];
        s2 += x2[i] * w[i];
        s3 += x3[i] * w[i];
    }
    y[0] = s0;
    y[1] = s1;
    y[2] = s2;
    y[3] = s3;
}

static double dot1(const double *restrict x, const double *restrict w, int len)
{
    double a[2] = { 0, 0 };
    int i = 0;
    for (; i + 2 <= len; i += 2) {
        a[0] += x[i] * w[i];
        a[1] += x[i + 1] * w[i + 1];
    }
    double s = a[0] + a[1];
    for (; i < len; i++)
        s += x[i] * w[i];
    return s;
}

/* d[i] += g0·s0[i] + g1·s1[i] + g2·s2[i] + g3·s3[i]: four axpys fused, d loaded and stored once. */
static void axpy4(double *restrict d, double g0, const double *restrict s0, double g1,
                  const double *restrict s1, double g2, const double *restrict s2, double g3,
                  const double *restrict s3, int len)
{
    int i = 0;
    for (; i + 2 <= len; i += 2) {
        d[i] += (g0 * s0[i] + g1 * s1[i]) + (g2 * s2[i] + g3 * s3[i]);
        d[i + 1] += (g0 * s0[i + 1] + g1 * s1[i + 1]) + (g2 * s2[i + 1] + g3 * s3[i + 1]);
    }
    for (; i < len; i++)
        d[i] += (g0 * s0[i] + g1 * s1[i]) + (g2 * s2[i] + g3 * s3[i]);
}

static void axpy1(double *restrict d, double g, const double *restrict s, int len)
{
    int i = 0;
    for (; i + 2 <= len; i += 2) {
        d[i] += g * s[i];
        d[i + 1] += g * s[i + 1];
    }
    for (; i < len; i++)
        d[i] += g * s[i];
}

void linear_forward(double *y, const double *x, const double *w, const double *b,
                    int n, int in, int out)
{
    int r = 0;
    for (; r + 4 <= n; r += 4) {
        const double *x0 = x + (long)r * in;   /* four rows of x: (4, IN) */
        for (int o = 0; o < out; o++) {
            double s[4];
            dot4(s, x0, x0 + in, x0 + 2L * in, x0 + 3L * in, w + (long)o * in, in);
            double bias = b ? b[o] : 0.0;
            for (int k = 0; k < 4; k++)
                y[(long)(r + k) * out + o] = s[k] + bias;
        }
    }
    for (; r < n; r++)
        for (int o = 0; o < out; o++)
            y[(long)r * out + o] = (b ? b[o] : 0.0) + dot1(x + (long)r * in, w + (long)o * in, in);
}

void linear_backward(double *dx, double *dw, double *db, const double *dy, const double *x,
                     const double *w, int n, int in, int out)
{
    /* dW[o,:] += Σ_r dy[r,o]·x[r,:] — axpys over contiguous rows, four rows of x at a time. */
    for (int o = 0; o < out; o++) {
        double *dwo = dw + (long)o * in;       /* (IN) */
        int r = 0;
        for (; r + 4 <= n; r += 4) {
            const double *xr = x + (long)r * in;
            axpy4(dwo, dy[(long)r * out + o], xr, dy[(long)(r + 1) * out + o], xr + in,
                  dy[(long)(r + 2) * out + o], xr + 2L * in, dy[(long)(r + 3) * out + o], xr + 3L * in, in);
        }
        for (; r < n; r++)
            axpy1(dwo, dy[(long)r * out + o], x + (long)r * in, in);
    }
    if (db) {
        for (int r = 0; r < n; r++)
            for (int o = 0; o < out; o++)
                db[o] += dy[(long)r * out + o];
    }
    if (dx) {
        /* dx[r,:] = Σ_o dy[r,o]·W[o,:] — axpys over contiguous rows of W, four at a time. */
        memset(dx, 0, sizeof(double) * (size_t)n * (size_t)in);
        for (int r = 0; r < n; r++) {
            double *dxr = dx + (long)r * in;   /* (IN) */
            const double *dyr = dy + (long)r * out;
            int o = 0;
            for (; o + 4 <= out; o += 4) {
                const double *wo = w + (long)o * in;
                axpy4(dxr, dyr[o], wo, dyr[o + 1], wo + in, dyr[o + 2], wo + 2L * in, dyr[o + 3], wo + 3L * in, in);
            }
            for (; o < out; o++)
                axpy1(dxr, dyr[o], w + (long)o * in, in);
        }
    }
}
