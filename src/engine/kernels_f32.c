/* Single-precision kernels of the fast training path (products, sigmoid, BN, SGD), AVX2 or portable (engine layer). */
#include "engine/kernels_f32.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "engine/linear.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KERNELS_F32_HAVE_AVX2 1
#include <immintrin.h>
#else
#define KERNELS_F32_HAVE_AVX2 0
#endif

/* Portable variant: 16-byte vectors (SSE2 on x86-64, NEON on arm64) through GCC's vector extension,
 * separate multiply and add. */
typedef float Float4 __attribute__((vector_size(16)));

static inline Float4 float4_load(const float *p)
{
    Float4 v;
    memcpy(&v, p, sizeof v);     /* unaligned */
    return v;
}

static inline void float4_store(float *p, Float4 v)
{
    memcpy(p, &v, sizeof v);
}

/* Σ a[p]·b[p] over four lanes, then the k % 4 tail. */
static float dot_portable(const float *restrict a, const float *restrict b, int k)
{
    Float4 acc = { 0 };
    int k4 = k & ~3;
    for (int p = 0; p < k4; p += 4)
        acc += float4_load(a + p) * float4_load(b + p);
    float sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (int p = k4; p < k; p++)
        sum += a[p] * b[p];
    return sum;
}

/* Two rows of a against two rows of b: four sums in flight, each row loaded once per two products. */
static void dot_2x2_portable(float *restrict c, long ldc, const float *restrict a, const float *restrict b,
                             const float *restrict bias, int k)
{
    const float *a0 = a, *a1 = a + k, *b0 = b, *b1 = b + k;
    Float4 c00 = { 0 }, c01 = { 0 }, c10 = { 0 }, c11 = { 0 };
    int k4 = k & ~3;
    for (int p = 0; p < k4; p += 4) {
        Float4 x0 = float4_load(a0 + p), x1 = float4_load(a1 + p), w0 = float4_load(b0 + p), w1 = float4_load(b1 + p);
        c00 += x0 * w0;
        c01 += x0 * w1;
        c10 += x1 * w0;
        c11 += x1 * w1;
    }
    float s00 = (c00[0] + c00[1]) + (c00[2] + c00[3]), s01 = (c01[0] + c01[1]) + (c01[2] + c01[3]);
    float s10 = (c10[0] + c10[1]) + (c10[2] + c10[3]), s11 = (c11[0] + c11[1]) + (c11[2] + c11[3]);
    for (int p = k4; p < k; p++) {
        s00 += a0[p] * b0[p];
        s01 += a0[p] * b1[p];
        s10 += a1[p] * b0[p];
        s11 += a1[p] * b1[p];
    }
    float bias0 = bias ? bias[0] : 0.0f, bias1 = bias ? bias[1] : 0.0f;
    c[0] = s00 + bias0;
    c[1] = s01 + bias1;
    c[ldc] = s10 + bias0;
    c[ldc + 1] = s11 + bias1;
}

static void matmul_bt_portable(float *c, const float *a, const float *b, const float *bias, int m, int n, int k)
{
    int i = 0;
    for (; i + 2 <= m; i += 2) {
        int j = 0;
        for (; j + 2 <= n; j += 2)
            dot_2x2_portable(c + (long)i * n + j, n, a + (long)i * k, b + (long)j * k, bias ? bias + j : NULL, k);
        for (; j < n; j++)
            for (int r = i; r < i + 2; r++)
                c[(long)r * n + j] = dot_portable(a + (long)r * k, b + (long)j * k, k) + (bias ? bias[j] : 0.0f);
    }
    for (; i < m; i++)
        for (int j = 0; j < n; j++)
            c[(long)i * n + j] = dot_portable(a + (long)i * k, b + (long)j * k, k) + (bias ? bias[j] : 0.0f);
}

/* Four rows by eight columns of c = A·B, summed in registers over k. */
static void acc_4x8_portable(float *restrict c, long ldc, const float *restrict a, long a_row, long a_col,
                             const float *restrict b, long ldb, int k)
{
    Float4 c00 = { 0 }, c01 = { 0 }, c10 = { 0 }, c11 = { 0 }, c20 = { 0 }, c21 = { 0 }, c30 = { 0 }, c31 = { 0 };
    for (int p = 0; p < k; p++) {
        const float *bp = b + p * ldb, *ap = a + p * a_col;
        Float4 b0 = float4_load(bp), b1 = float4_load(bp + 4);
        float s0 = ap[0], s1 = ap[a_row], s2 = ap[2 * a_row], s3 = ap[3 * a_row];
        c00 += s0 * b0;
        c01 += s0 * b1;
        c10 += s1 * b0;
        c11 += s1 * b1;
        c20 += s2 * b0;
        c21 += s2 * b1;
        c30 += s3 * b0;
        c31 += s3 * b1;
    }
    float4_store(c, c00);
    float4_store(c + 4, c01);
    float4_store(c + ldc, c10);
    float4_store(c + ldc + 4, c11);
    float4_store(c + 2 * ldc, c20);
    float4_store(c + 2 * ldc + 4, c21);
    float4_store(c + 3 * ldc, c30);
    float4_store(c + 3 * ldc + 4, c31);
}

/* One element of c = A·B. */
static float acc_one_portable(const float *a, long a_col, const float *b, long ldb, int k)
{
    float sum = 0.0f;
    for (int p = 0; p < k; p++)
        sum += a[p * a_col] * b[p * ldb];
    return sum;
}

static void matmul_portable(float *restrict c, long ldc, const float *restrict a, long a_row, long a_col,
                            const float *restrict b, long ldb, int m, int n, int k)
{
    int i = 0;
    for (; i + 4 <= m; i += 4) {
        int j = 0;
        for (; j + 8 <= n; j += 8)
            acc_4x8_portable(c + i * ldc + j, ldc, a + i * a_row, a_row, a_col, b + j, ldb, k);
        for (; j < n; j++)
            for (int r = i; r < i + 4; r++)
                c[r * ldc + j] = acc_one_portable(a + r * a_row, a_col, b + j, ldb, k);
    }
    for (; i < m; i++)
        for (int j = 0; j < n; j++)
            c[i * ldc + j] = acc_one_portable(a + i * a_row, a_col, b + j, ldb, k);
}

static void sigmoid_portable(float *y, const float *x, int count)
{
    for (int i = 0; i < count; i++) {
        float v = x[i], e = expf(-fabsf(v));
        y[i] = (v >= 0.0f ? 1.0f : e) / (1.0f + e);
    }
}

static void bn_forward_portable(float *y, float *xhat, float *mean, float *var, float *rstd, const float *x,
                                const float *gamma, const float *beta, float eps, int n, int c, bool then_sigmoid)
{
    for (int j = 0; j < c; j++)
        mean[j] = var[j] = 0.0f;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++)
            mean[j] += x[i * c + j];
    for (int j = 0; j < c; j++)
        mean[j] /= (float)n;
    /* Squared deviations from the mean, a second pass: accurate however far the features sit from 0. */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++) {
            float d = x[i * c + j] - mean[j];
            var[j] += d * d;
        }
    for (int j = 0; j < c; j++) {
        var[j] /= (float)n;
        rstd[j] = 1.0f / sqrtf(var[j] + eps);
    }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++) {
            float h = (x[i * c + j] - mean[j]) * rstd[j];
            xhat[i * c + j] = h;
            y[i * c + j] = gamma[j] * h + beta[j];
        }
    if (then_sigmoid)
        sigmoid_portable(y, y, n * c);
}

static inline float bn_grad_in(const float *dy, const float *sigmoid_out, long at)
{
    return sigmoid_out ? dy[at] * sigmoid_out[at] * (1.0f - sigmoid_out[at]) : dy[at];
}

static void bn_backward_portable(float *dx, float *dgamma, float *dbeta, const float *dy, const float *sigmoid_out,
                                 const float *xhat, const float *rstd, const float *gamma, int n, int c)
{
    for (int j = 0; j < c; j++)
        dbeta[j] = dgamma[j] = 0.0f;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++) {
            float g = bn_grad_in(dy, sigmoid_out, (long)i * c + j);
            dbeta[j] += g;
            dgamma[j] += g * xhat[i * c + j];
        }
    /* dx = γ·rstd/N · (N·dy − Σdy − x̂·Σ(dy·x̂)) */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++) {
            float g = bn_grad_in(dy, sigmoid_out, (long)i * c + j), scale = gamma[j] * rstd[j] / (float)n;
            dx[i * c + j] = scale * ((float)n * g - dbeta[j] - xhat[i * c + j] * dgamma[j]);
        }
}

static void sgd_portable(float *restrict p, float *restrict v, const float *restrict g, long count, float lr, float mu)
{
    if (mu == 0.0f) {
        for (long i = 0; i < count; i++)
            p[i] -= lr * g[i];
        return;
    }
    for (long i = 0; i < count; i++) {
        v[i] = mu * v[i] + g[i];
        p[i] -= lr * v[i];
    }
}

static double sum_portable(const float *x, int count)
{
    double sum = 0.0;
    for (int i = 0; i < count; i++)
        sum += x[i];
    return sum;
}

static double sum_sq_dev_portable(const float *x, float mean, int count)
{
    double sum = 0.0;
    for (int i = 0; i < count; i++) {
        float d = x[i] - mean;
        sum += d * d;
    }
    return sum;
}

static void norm_apply_portable(float *y, float *xhat, const float *x, float mean, float rstd, float gamma,
                                float beta, int count)
{
    for (int i = 0; i < count; i++) {
        float h = (x[i] - mean) * rstd;
        if (xhat)
            xhat[i] = h;
        y[i] = gamma * h + beta;
    }
}

static void sum_dot_portable(double *sum, double *sum_xhat, const float *dy, const float *xhat, int count)
{
    double s = 0.0, sx = 0.0;
    for (int i = 0; i < count; i++) {
        s += dy[i];
        sx += dy[i] * xhat[i];
    }
    *sum = s;
    *sum_xhat = sx;
}

static void scale_shift_columns_portable(float *y, const float *x, const float *scale, const float *shift, int n,
                                         int c)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c; j++) {
            float product = x[(size_t)i * c + j] * scale[j];
            y[(size_t)i * c + j] = product + shift[j];
        }
}

static void norm_backward_apply_portable(float *dx, const float *dy, const float *xhat, float a, float b, float c,
                                         int count)
{
    for (int i = 0; i < count; i++)
        dx[i] = a * dy[i] + b * xhat[i] + c;
}

/* The later value wins when it is larger, or when it is a NaN and the earlier one is not (PyTorch's max
 * pooling propagates NaN); ties keep the earlier. */
static inline bool pool_takes(float later, float best)
{
    return (later > best) | ((later != later) & (best == best));
}

static void relu_maxpool_portable(float *out, int32_t *arg, const float *x, int planes, int h, int w)
{
    int oh = h / 2, ow = w / 2;
    for (int plane = 0; plane < planes; plane++) {
        const float *in = x + (long)plane * h * w;
        for (int i = 0; i < oh; i++) {
            const float *r0 = in + 2 * i * w, *r1 = r0 + w;
            for (int j = 0; j < ow; j++) {
                float cand[4] = { r0[2 * j], r0[2 * j + 1], r1[2 * j], r1[2 * j + 1] };
                float top = cand[0];
                int best = 0;
                for (int k = 1; k < 4; k++) {
                    bool take = pool_takes(cand[k], top);   /* selects, not branches: ties are common */
                    top = take ? cand[k] : top;
                    best = take ? k : best;
                }
                *out++ = top < 0.0f ? 0.0f : top;
                *arg++ = best;
            }
        }
    }
}

static void relu_maxpool_backward_portable(float *dx, const float *dout, const float *out, const int32_t *arg,
                                           int planes, int h, int w)
{
    int oh = h / 2, ow = w / 2;
    for (int plane = 0; plane < planes; plane++) {
        float *d = dx + (long)plane * h * w;
        for (int i = 0; i < oh; i++) {
            float *r0 = d + 2 * i * w, *r1 = r0 + w;
            for (int j = 0; j < ow; j++) {
                float g = *out++ > 0.0f ? *dout : 0.0f;
                int a = *arg++;
                dout++;
                r0[2 * j] = a == 0 ? g : 0.0f;
                r0[2 * j + 1] = a == 1 ? g : 0.0f;
                r1[2 * j] = a == 2 ? g : 0.0f;
                r1[2 * j + 1] = a == 3 ? g : 0.0f;
            }
        }
    }
}

static void norm_relu_maxpool_portable(float *out, int32_t *arg, float *pick, const float *x, const float *affine,
                                       int planes, int h, int w)
{
    int oh = h / 2, ow = w / 2;
    for (int plane = 0; plane < planes; plane++) {
        const float *in = x + (long)plane * h * w, *af = affine + 4 * plane;
        float m = af[0], r = af[1], g = af[2], b = af[3];
        for (int i = 0; i < oh; i++) {
            const float *r0 = in + 2 * i * w, *r1 = r0 + w;
            for (int j = 0; j < ow; j++) {
                float xh[4] = { (r0[2 * j] - m) * r, (r0[2 * j + 1] - m) * r, (r1[2 * j] - m) * r,
                                (r1[2 * j + 1] - m) * r };
                float cand[4];
                for (int k = 0; k < 4; k++)
                    cand[k] = g * xh[k] + b;
                float top = cand[0], top_xh = xh[0];
                int best = 0;
                for (int k = 1; k < 4; k++) {
                    bool take = pool_takes(cand[k], top);
                    top = take ? cand[k] : top;
                    top_xh = take ? xh[k] : top_xh;
                    best = take ? k : best;
                }
                *out++ = top < 0.0f ? 0.0f : top;
                if (arg) {
                    *arg++ = best;
                    *pick++ = top_xh;
                }
            }
        }
    }
}

static void norm_relu_maxpool_backward_portable(float *dx, const float *dout, const float *out, const int32_t *arg,
                                                const float *x, const float *coef, int planes, int h, int w)
{
    int oh = h / 2, ow = w / 2;
    for (int plane = 0; plane < planes; plane++) {
        float *d = dx + (long)plane * h * w;
        const float *in = x + (long)plane * h * w, *cf = coef + 3 * plane;
        float a = cf[0], b = cf[1], c = cf[2];
        for (int i = 0; i < oh; i++) {
            float *d0 = d + 2 * i * w, *d1 = d0 + w;
            const float *x0 = in + 2 * i * w, *x1 = x0 + w;
            for (int j = 0; j < ow; j++) {
                float g = *out++ > 0.0f ? *dout : 0.0f;
                int which = *arg++;
                dout++;
                d0[2 * j] = a * (which == 0 ? g : 0.0f) + (b * x0[2 * j] + c);
                d0[2 * j + 1] = a * (which == 1 ? g : 0.0f) + (b * x0[2 * j + 1] + c);
                d1[2 * j] = a * (which == 2 ? g : 0.0f) + (b * x1[2 * j] + c);
                d1[2 * j + 1] = a * (which == 3 ? g : 0.0f) + (b * x1[2 * j + 1] + c);
            }
        }
    }
}

static void pool_grad_sums_portable(double *sum, double *sum_pick, const float *dout, const float *out,
                                    const float *pick, int count)
{
    double s = 0.0, sp = 0.0;
    for (int i = 0; i < count; i++)
        if (out[i] > 0.0f) {
            s += dout[i];
            sp += dout[i] * pick[i];
        }
    *sum = s;
    *sum_pick = sp;
}

static void add_portable(float *restrict dst, const float *restrict src, int count)
{
    for (int i = 0; i < count; i++)
        dst[i] += src[i];
}

#if KERNELS_F32_HAVE_AVX2
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) inline

/* Lanes 0..len-1 set, for loading the k % 8 tail of a row without reading past it. */
static const int32_t tail_lanes[16] = { -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0 };

static AVX2_INLINE __m256i tail_mask(int len)
{
    return _mm256_loadu_si256((const __m256i *)(const void *)(tail_lanes + 8 - len));
}

/* The first len (0 to 8) lanes of v to p. Not a masked store: on some cores (AMD Zen) those are slow
 * microcode, while this is at most three plain stores (four lanes, two, one). */
static AVX2_INLINE void store_lanes(float *p, __m256 v, int len)
{
    if (len == 8) {
        _mm256_storeu_ps(p, v);
        return;
    }
    __m128 part = _mm256_castps256_ps128(v);
    if (len >= 4) {
        _mm_storeu_ps(p, part);
        part = _mm256_extractf128_ps(v, 1);
        p += 4;
        len -= 4;
    }
    if (len >= 2) {
        _mm_storel_pi((__m64 *)(void *)p, part);
        part = _mm_movehl_ps(part, part);
        p += 2;
        len -= 2;
    }
    if (len >= 1)
        _mm_store_ss(p, part);
}

static AVX2_INLINE void store_lanes_i32(int32_t *p, __m256i v, int len)
{
    store_lanes((float *)(void *)p, _mm256_castsi256_ps(v), len);
}

static AVX2_INLINE float hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* R rows of a against C rows of b: R·C dot products of length k, each row loaded once per tile. */
#define DOT_TILE(R, C)                                                                                     \
    static AVX2_INLINE void dot_tile_##R##x##C(float *c, long ldc, const float *a, const float *b,         \
                                               const float *bias, int k)                                   \
    {                                                                                                      \
        __m256 acc[R][C];                                                                                  \
        _Pragma("GCC unroll 4") for (int r = 0; r < R; r++)                                                \
            _Pragma("GCC unroll 4") for (int q = 0; q < C; q++) acc[r][q] = _mm256_setzero_ps();           \
        int k8 = k & ~7;                                                                                   \
        for (int p = 0; p < k8; p += 8) {                                                                  \
            __m256 bv[C];                                                                                  \
            _Pragma("GCC unroll 4") for (int q = 0; q < C; q++) bv[q] = _mm256_loadu_ps(b + (long)q * k + p); \
            _Pragma("GCC unroll 4") for (int r = 0; r < R; r++) {                                          \
                __m256 av = _mm256_loadu_ps(a + (long)r * k + p);                                          \
                _Pragma("GCC unroll 4") for (int q = 0; q < C; q++)                                        \
                    acc[r][q] = _mm256_fmadd_ps(av, bv[q], acc[r][q]);                                     \
            }                                                                                              \
        }                                                                                                  \
        if (k8 < k) {                                                                                      \
            __m256i mask = tail_mask(k - k8);                                                              \
            __m256 bv[C];                                                                                  \
            _Pragma("GCC unroll 4") for (int q = 0; q < C; q++)                                            \
                bv[q] = _mm256_maskload_ps(b + (long)q * k + k8, mask);                                    \
            _Pragma("GCC unroll 4") for (int r = 0; r < R; r++) {                                          \
                __m256 av = _mm256_maskload_ps(a + (long)r * k + k8, mask);                                \
                _Pragma("GCC unroll 4") for (int q = 0; q < C; q++)                                        \
                    acc[r][q] = _mm256_fmadd_ps(av, bv[q], acc[r][q]);                                     \
            }                                                                                              \
        }                                                                                                  \
        _Pragma("GCC unroll 4") for (int r = 0; r < R; r++)                                                \
            _Pragma("GCC unroll 4") for (int q = 0; q < C; q++)                                            \
                c[r * ldc + q] = hsum8(acc[r][q]) + (bias ? bias[q] : 0.0f);                               \
    }

DOT_TILE(4, 3)
DOT_TILE(4, 1)
DOT_TILE(1, 3)
DOT_TILE(1, 1)

static AVX2 void matmul_bt_avx2(float *c, const float *a, const float *b, const float *bias, int m, int n, int k)
{
    int i = 0;
    for (; i + 4 <= m; i += 4) {
        int j = 0;
        for (; j + 3 <= n; j += 3)
            dot_tile_4x3(c + (long)i * n + j, n, a + (long)i * k, b + (long)j * k, bias ? bias + j : NULL, k);
        for (; j < n; j++)
            dot_tile_4x1(c + (long)i * n + j, n, a + (long)i * k, b + (long)j * k, bias ? bias + j : NULL, k);
    }
    for (; i < m; i++) {
        int j = 0;
        for (; j + 3 <= n; j += 3)
            dot_tile_1x3(c + (long)i * n + j, n, a + (long)i * k, b + (long)j * k, bias ? bias + j : NULL, k);
        for (; j < n; j++)
            dot_tile_1x1(c + (long)i * n + j, n, a + (long)i * k, b + (long)j * k, bias ? bias + j : NULL, k);
    }
}

/* R rows by 8·V columns of c = A·B: R·V accumulators, a broadcast of A times V loads of B per step. */
#define ACC_TILE(R, V)                                                                                     \
    static AVX2_INLINE void acc_tile_##R##x##V(float *c, long ldc, const float *a, long a_row, long a_col,  \
                                               const float *b, long ldb, int k)                            \
    {                                                                                                      \
        __m256 acc[R][V];                                                                                  \
        _Pragma("GCC unroll 6") for (int r = 0; r < R; r++)                                                \
            _Pragma("GCC unroll 2") for (int v = 0; v < V; v++) acc[r][v] = _mm256_setzero_ps();           \
        for (int p = 0; p < k; p++) {                                                                      \
            const float *bp = b + p * ldb, *ap = a + p * a_col;                                            \
            __m256 bv[V];                                                                                  \
            _Pragma("GCC unroll 2") for (int v = 0; v < V; v++) bv[v] = _mm256_loadu_ps(bp + 8 * v);       \
            _Pragma("GCC unroll 6") for (int r = 0; r < R; r++) {                                          \
                __m256 s = _mm256_broadcast_ss(ap + r * a_row);                                            \
                _Pragma("GCC unroll 2") for (int v = 0; v < V; v++)                                        \
                    acc[r][v] = _mm256_fmadd_ps(s, bv[v], acc[r][v]);                                      \
            }                                                                                              \
        }                                                                                                  \
        _Pragma("GCC unroll 6") for (int r = 0; r < R; r++)                                                \
            _Pragma("GCC unroll 2") for (int v = 0; v < V; v++) _mm256_storeu_ps(c + r * ldc + 8 * v, acc[r][v]); \
    }

ACC_TILE(6, 2)
ACC_TILE(6, 1)
ACC_TILE(4, 2)
ACC_TILE(4, 1)
ACC_TILE(1, 2)
ACC_TILE(1, 1)

/* R rows by the last width (< 8) columns of c = A·B, through masked loads and stores: a scalar loop here
 * would be one long chain of dependent adds per element. */
#define ACC_TILE_TAIL(R)                                                                                   \
    static AVX2_INLINE void acc_tail_##R(float *c, long ldc, const float *a, long a_row, long a_col,        \
                                         const float *b, long ldb, int k, int width)                       \
    {                                                                                                      \
        __m256i mask = tail_mask(width);                                                                   \
        __m256 acc[R];                                                                                     \
        _Pragma("GCC unroll 6") for (int r = 0; r < R; r++) acc[r] = _mm256_setzero_ps();                  \
        for (int p = 0; p < k; p++) {                                                                      \
            __m256 bv = _mm256_maskload_ps(b + p * ldb, mask);                                             \
            _Pragma("GCC unroll 6") for (int r = 0; r < R; r++)                                            \
                acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + p * a_col + r * a_row), bv, acc[r]);       \
        }                                                                                                  \
        _Pragma("GCC unroll 6") for (int r = 0; r < R; r++) store_lanes(c + r * ldc, acc[r], width);       \
    }

ACC_TILE_TAIL(6)
ACC_TILE_TAIL(4)
ACC_TILE_TAIL(1)

static AVX2 void matmul_avx2(float *c, long ldc, const float *a, long a_row, long a_col, const float *b, long ldb,
                             int m, int n, int k)
{
    /* Six-row tiles, except that a remainder of two or three rows (8, 9, 14 rows) is better taken as
     * four-row tiles than as single rows. Each element's sum runs over k in the same order either way. */
    int m6 = m / 6 * 6;
    if (m6 >= 6 && (m - m6 == 2 || m - m6 == 3))
        m6 -= 6;
    int i = 0;
    for (; i + 6 <= m6; i += 6) {
        int j = 0;
        for (; j + 16 <= n; j += 16)
            acc_tile_6x2(c + i * ldc + j, ldc, a + i * a_row, a_row, a_col, b + j, ldb, k);
        for (; j + 8 <= n; j += 8)
            acc_tile_6x1(c + i * ldc + j, ldc, a + i * a_row, a_row, a_col, b + j, ldb, k);
        if (j < n)
            acc_tail_6(c + i * ldc + j, ldc, a + i * a_row, a_row, a_col, b + j, ldb, k, n - j);
    }
    /* Four of the rows left over (100 = 16·6 + 4 in the paper network) still share their loads of b. */
    for (; i + 4 <= m; i += 4) {
        int j = 0;
        for (; j + 16 <= n; j += 16)
            acc_tile_4x2(c + i * ldc + j, ldc, a + i * a_row, a_row, a_col, b + j, ldb, k);
        for (; j + 8 <= n; j += 8)
            acc_tile_4x1(c + i * ldc + j, ldc, a + i * a_row, a_row, a_col, b + j, ldb, k);
        if (j < n)
            acc_tail_4(c + i * ldc + j, ldc, a + i * a_row, a_row, a_col, b + j, ldb, k, n - j);
    }
    for (; i < m; i++) {
        int j = 0;
        for (; j + 16 <= n; j += 16)
            acc_tile_1x2(c + i * ldc + j, ldc, a + i * a_row, a_row, a_col, b + j, ldb, k);
        for (; j + 8 <= n; j += 8)
            acc_tile_1x1(c + i * ldc + j, ldc, a + i * a_row, a_row, a_col, b + j, ldb, k);
        if (j < n)
            acc_tail_1(c + i * ldc + j, ldc, a + i * a_row, a_row, a_col, b + j, ldb, k, n - j);
    }
}

/* ---------- 3×3 convolution with zero padding, straight from a padded copy of the input ---------- */

/* R output channels by 16 columns of one output row: the products of matmul_avx2 on im2col's matrix,
 * one fused multiply-add per tap in the same order (input channel, tap row, tap column), from +0, the
 * padding's zeros included; im2col's row of a tap is the padded plane read at the tap's offset. */
#define CONV_TILE(R)                                                                                       \
    static AVX2_INLINE void conv_tile_##R(float *y, long ldy, const float *w, int k, const float *pad,       \
                                          long pw, long pplane, int c_in, int valid)                       \
    {                                                                                                      \
        __m256 acc[R][2];                                                                                  \
        _Pragma("GCC unroll 6") for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();   \
        for (int ci = 0; ci < c_in; ci++)                                                                  \
            for (int di = 0; di < 3; di++)                                                                 \
                _Pragma("GCC unroll 3") for (int dj = 0; dj < 3; dj++) {                                   \
                    const float *src = pad + ci * pplane + di * pw + dj;                                   \
                    __m256 b0 = _mm256_loadu_ps(src), b1 = _mm256_loadu_ps(src + 8);                       \
                    int p = ci * 9 + di * 3 + dj;                                                          \
                    _Pragma("GCC unroll 6") for (int r = 0; r < R; r++) {                                  \
                        __m256 a = _mm256_broadcast_ss(w + (long)r * k + p);                               \
                        acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);                                     \
                        acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);                                     \
                    }                                                                                      \
                }                                                                                          \
        _Pragma("GCC unroll 6") for (int r = 0; r < R; r++) {                                              \
            store_lanes(y + r * ldy, acc[r][0], valid < 8 ? valid : 8);                                    \
            store_lanes(y + r * ldy + 8, acc[r][1], valid > 8 ? valid - 8 : 0);                            \
        }                                                                                                  \
    }

CONV_TILE(6)
CONV_TILE(4)
CONV_TILE(2)
CONV_TILE(1)

static AVX2 void conv3x3_avx2(float *y, const float *w, const float *x, int c_out, int c_in, int h, int wd,
                              float *scratch)
{
    long pw = wd + 2, pplane = (long)(h + 2) * pw;
    /* The padded planes, and zeros after them: a row's last tile reads up to 16 columns on. */
    memset(scratch, 0, sizeof(float) * (size_t)(c_in * pplane + KERNELS_F32_CONV_SLACK));
    for (int ci = 0; ci < c_in; ci++)
        for (int i = 0; i < h; i++)
            memcpy(scratch + ci * pplane + (i + 1) * pw + 1, x + ((long)ci * h + i) * wd, sizeof(float) * (size_t)wd);
    int k = c_in * 9, plane = h * wd;
    for (int i = 0; i < h; i++)
        for (int j = 0; j < wd; j += 16) {
            const float *pad = scratch + (long)i * pw + j;
            int valid = wd - j < 16 ? wd - j : 16, co = 0;
            float *out = y + (long)i * wd + j;
            for (; co + 6 <= c_out; co += 6)
                conv_tile_6(out + (long)co * plane, plane, w + (long)co * k, k, pad, pw, pplane, c_in, valid);
            for (; co + 4 <= c_out; co += 4)
                conv_tile_4(out + (long)co * plane, plane, w + (long)co * k, k, pad, pw, pplane, c_in, valid);
            for (; co + 2 <= c_out; co += 2)
                conv_tile_2(out + (long)co * plane, plane, w + (long)co * k, k, pad, pw, pplane, c_in, valid);
            for (; co < c_out; co++)
                conv_tile_1(out + (long)co * plane, plane, w + (long)co * k, k, pad, pw, pplane, c_in, valid);
        }
}

/* exp(x) for x ≤ 0 (Cephes' expf: x = n·ln2 + r, a degree-5 polynomial in r, then 2ⁿ from the exponent
 * bits); below −87 it returns 0, where the true value is under float's smallest normal anyway. */
static AVX2_INLINE __m256 exp_nonpositive(__m256 x)
{
    const __m256 lo = _mm256_set1_ps(-87.0f);
    __m256 underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    x = _mm256_max_ps(x, lo);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(bits)));
}

static AVX2 void sigmoid_avx2(float *y, const float *x, int count)
{
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    int i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        /* e = exp(−|v|) never overflows; v ≥ 0 gives 1/(1+e), v < 0 gives e/(1+e). */
        __m256 e = exp_nonpositive(_mm256_or_ps(v, sign));
        __m256 num = _mm256_blendv_ps(one, e, v);      /* picks e where v's sign bit is set */
        _mm256_storeu_ps(y + i, _mm256_div_ps(num, _mm256_add_ps(one, e)));
    }
    sigmoid_portable(y + i, x + i, count - i);
}

static AVX2_INLINE __m256 sigmoid8(__m256 v)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = exp_nonpositive(_mm256_or_ps(v, _mm256_set1_ps(-0.0f)));
    return _mm256_div_ps(_mm256_blendv_ps(one, e, v), _mm256_add_ps(one, e));
}

/* Eight features at a time, rows inner; the last block of fewer than eight is masked. */
static AVX2 void bn_forward_avx2(float *y, float *xhat, float *mean, float *var, float *rstd, const float *x,
                                 const float *gamma, const float *beta, float eps, int n, int c, bool then_sigmoid)
{
    const __m256 inv_n = _mm256_set1_ps(1.0f / (float)n), one = _mm256_set1_ps(1.0f);
    for (int j = 0; j < c; j += 8) {
        int len = c - j < 8 ? c - j : 8;
        __m256i mask = tail_mask(len);
        __m256 m = _mm256_setzero_ps(), v = _mm256_setzero_ps();
        for (int i = 0; i < n; i++)
            m = _mm256_add_ps(m, _mm256_maskload_ps(x + (long)i * c + j, mask));
        m = _mm256_mul_ps(m, inv_n);
        for (int i = 0; i < n; i++) {
            __m256 d = _mm256_sub_ps(_mm256_maskload_ps(x + (long)i * c + j, mask), m);
            v = _mm256_fmadd_ps(d, d, v);
        }
        v = _mm256_mul_ps(v, inv_n);
        __m256 r = _mm256_div_ps(one, _mm256_sqrt_ps(_mm256_add_ps(v, _mm256_set1_ps(eps))));
        store_lanes(mean + j, m, len);
        store_lanes(var + j, v, len);
        store_lanes(rstd + j, r, len);
        __m256 g = _mm256_maskload_ps(gamma + j, mask), b = _mm256_maskload_ps(beta + j, mask);
        for (int i = 0; i < n; i++) {
            long at = (long)i * c + j;
            __m256 h = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(x + at, mask), m), r);
            store_lanes(xhat + at, h, len);
            __m256 out = _mm256_fmadd_ps(g, h, b);
            store_lanes(y + at, then_sigmoid ? sigmoid8(out) : out, len);
        }
    }
}

static AVX2_INLINE __m256 bn_grad_in8(const float *dy, const float *sigmoid_out, long at, __m256i mask)
{
    __m256 g = _mm256_maskload_ps(dy + at, mask);
    if (!sigmoid_out)
        return g;
    __m256 s = _mm256_maskload_ps(sigmoid_out + at, mask);
    return _mm256_mul_ps(_mm256_mul_ps(g, s), _mm256_sub_ps(_mm256_set1_ps(1.0f), s));
}

static AVX2 void bn_backward_avx2(float *dx, float *dgamma, float *dbeta, const float *dy, const float *sigmoid_out,
                                  const float *xhat, const float *rstd, const float *gamma, int n, int c)
{
    const __m256 nf = _mm256_set1_ps((float)n);
    for (int j = 0; j < c; j += 8) {
        int len = c - j < 8 ? c - j : 8;
        __m256i mask = tail_mask(len);
        __m256 sum = _mm256_setzero_ps(), sum_x = _mm256_setzero_ps();
        for (int i = 0; i < n; i++) {
            long at = (long)i * c + j;
            __m256 g = bn_grad_in8(dy, sigmoid_out, at, mask);
            sum = _mm256_add_ps(sum, g);
            sum_x = _mm256_fmadd_ps(g, _mm256_maskload_ps(xhat + at, mask), sum_x);
        }
        store_lanes(dbeta + j, sum, len);
        store_lanes(dgamma + j, sum_x, len);
        __m256 scale = _mm256_div_ps(_mm256_mul_ps(_mm256_maskload_ps(gamma + j, mask),
                                                   _mm256_maskload_ps(rstd + j, mask)), nf);
        for (int i = 0; i < n; i++) {
            long at = (long)i * c + j;
            __m256 g = bn_grad_in8(dy, sigmoid_out, at, mask);
            __m256 t = _mm256_fnmadd_ps(_mm256_maskload_ps(xhat + at, mask), sum_x, _mm256_fmsub_ps(nf, g, sum));
            store_lanes(dx + at, _mm256_mul_ps(scale, t), len);
        }
    }
}

static AVX2 void sgd_avx2(float *p, float *v, const float *g, long count, float lr, float mu)
{
    const __m256 rate = _mm256_set1_ps(lr), keep = _mm256_set1_ps(mu);
    long i = 0;
    if (mu == 0.0f) {
        for (; i + 8 <= count; i += 8)
            _mm256_storeu_ps(p + i, _mm256_fnmadd_ps(rate, _mm256_loadu_ps(g + i), _mm256_loadu_ps(p + i)));
    } else {
        for (; i + 8 <= count; i += 8) {
            __m256 vel = _mm256_fmadd_ps(keep, _mm256_loadu_ps(v + i), _mm256_loadu_ps(g + i));
            _mm256_storeu_ps(v + i, vel);
            _mm256_storeu_ps(p + i, _mm256_fnmadd_ps(rate, vel, _mm256_loadu_ps(p + i)));
        }
    }
    sgd_portable(p + i, v + i, g + i, count - i, lr, mu);
}

/* Four lanes of eight in flight, so the sum is not one chain of dependent adds. */
static AVX2 double sum_avx2(const float *x, int count)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int i = 0;
    for (; i + 32 <= count; i += 32) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
    }
    for (; i < count; i += 8)
        a0 = _mm256_add_ps(a0, _mm256_maskload_ps(x + i, tail_mask(count - i < 8 ? count - i : 8)));
    return hsum8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

static AVX2 double sum_sq_dev_avx2(const float *x, float mean, int count)
{
    const __m256 m = _mm256_set1_ps(mean);
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int i = 0;
    for (; i + 32 <= count; i += 32) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), m), d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), m);
        __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 16), m), d3 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 24), m);
        a0 = _mm256_fmadd_ps(d0, d0, a0);
        a1 = _mm256_fmadd_ps(d1, d1, a1);
        a2 = _mm256_fmadd_ps(d2, d2, a2);
        a3 = _mm256_fmadd_ps(d3, d3, a3);
    }
    for (; i < count; i += 8) {
        __m256i mask = tail_mask(count - i < 8 ? count - i : 8);
        /* Masked-off lanes load 0, and 0 − mean must not count: they are masked again. */
        __m256 d = _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, mask), m), _mm256_castsi256_ps(mask));
        a0 = _mm256_fmadd_ps(d, d, a0);
    }
    return hsum8(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

static AVX2 void norm_apply_avx2(float *y, float *xhat, const float *x, float mean, float rstd, float gamma,
                                 float beta, int count)
{
    const __m256 m = _mm256_set1_ps(mean), r = _mm256_set1_ps(rstd), g = _mm256_set1_ps(gamma),
                 b = _mm256_set1_ps(beta);
    int i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 h = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), m), r);
        if (xhat)
            _mm256_storeu_ps(xhat + i, h);
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(g, h, b));
    }
    if (i < count) {
        int len = count - i;
        __m256 h = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(x + i, tail_mask(len)), m), r);
        if (xhat)
            store_lanes(xhat + i, h, len);
        store_lanes(y + i, _mm256_fmadd_ps(g, h, b), len);
    }
}

static AVX2 void sum_dot_avx2(double *sum, double *sum_xhat, const float *dy, const float *xhat, int count)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, x0 = s0, x1 = s0;
    int i = 0;
    for (; i + 16 <= count; i += 16) {
        __m256 g0 = _mm256_loadu_ps(dy + i), g1 = _mm256_loadu_ps(dy + i + 8);
        s0 = _mm256_add_ps(s0, g0);
        s1 = _mm256_add_ps(s1, g1);
        x0 = _mm256_fmadd_ps(g0, _mm256_loadu_ps(xhat + i), x0);
        x1 = _mm256_fmadd_ps(g1, _mm256_loadu_ps(xhat + i + 8), x1);
    }
    for (; i < count; i += 8) {
        __m256i mask = tail_mask(count - i < 8 ? count - i : 8);
        __m256 g = _mm256_maskload_ps(dy + i, mask);
        s0 = _mm256_add_ps(s0, g);
        x0 = _mm256_fmadd_ps(g, _mm256_maskload_ps(xhat + i, mask), x0);
    }
    *sum = hsum8(_mm256_add_ps(s0, s1));
    *sum_xhat = hsum8(_mm256_add_ps(x0, x1));
}

/* A product, then a sum: two roundings as in the portable loop, never one fused multiply-add. */
static AVX2 void scale_shift_columns_avx2(float *y, const float *x, const float *scale, const float *shift, int n,
                                          int c)
{
    for (int j = 0; j < c; j += 8) {
        int len = c - j < 8 ? c - j : 8;
        __m256i mask = tail_mask(len);
        __m256 a = _mm256_maskload_ps(scale + j, mask), b = _mm256_maskload_ps(shift + j, mask);
        for (int i = 0; i < n; i++) {
            long at = (long)i * c + j;
            __m256 product = _mm256_mul_ps(_mm256_maskload_ps(x + at, mask), a);
            store_lanes(y + at, _mm256_add_ps(product, b), len);
        }
    }
}

static AVX2 void norm_backward_apply_avx2(float *dx, const float *dy, const float *xhat, float a, float b, float c,
                                          int count)
{
    const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b), vc = _mm256_set1_ps(c);
    int i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 t = _mm256_fmadd_ps(vb, _mm256_loadu_ps(xhat + i), vc);
        _mm256_storeu_ps(dx + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(dy + i), t));
    }
    if (i < count) {
        __m256i mask = tail_mask(count - i);
        __m256 t = _mm256_fmadd_ps(vb, _mm256_maskload_ps(xhat + i, mask), vc);
        store_lanes(dx + i, _mm256_fmadd_ps(va, _mm256_maskload_ps(dy + i, mask), t), count - i);
    }
}

/* Even and odd lanes of 16 consecutive values (lo, hi), each in order: the left and right columns of
 * eight 2×2 windows. */
static AVX2_INLINE void deinterleave(__m256 lo, __m256 hi, __m256 *even, __m256 *odd)
{
    __m256 e = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0)), o = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
}

/* The inverse of deinterleave. */
static AVX2_INLINE void interleave(__m256 even, __m256 odd, __m256 *lo, __m256 *hi)
{
    __m256 a = _mm256_unpacklo_ps(even, odd), b = _mm256_unpackhi_ps(even, odd);
    *lo = _mm256_permute2f128_ps(a, b, 0x20);
    *hi = _mm256_permute2f128_ps(a, b, 0x31);
}

/* Eight windows of a row pair at a time; a row's last windows (fewer than eight) through masks. */
static AVX2 void relu_maxpool_avx2(float *out, int32_t *arg, const float *x, int planes, int h, int w)
{
    int oh = h / 2, ow = w / 2;
    const __m256 zero = _mm256_setzero_ps();
    for (int plane = 0; plane < planes; plane++) {
        const float *in = x + (long)plane * h * w;
        for (int i = 0; i < oh; i++, out += ow, arg += ow) {
            const float *r0 = in + 2 * i * w, *r1 = r0 + w;
            for (int j = 0; j < ow; j += 8) {
                int windows = ow - j < 8 ? ow - j : 8;
                __m256i m_lo = tail_mask(2 * windows < 8 ? 2 * windows : 8);
                __m256i m_hi = tail_mask(2 * windows > 8 ? 2 * windows - 8 : 0);
                __m256 v[4];
                deinterleave(_mm256_maskload_ps(r0 + 2 * j, m_lo), _mm256_maskload_ps(r0 + 2 * j + 8, m_hi), &v[0],
                             &v[1]);
                deinterleave(_mm256_maskload_ps(r1 + 2 * j, m_lo), _mm256_maskload_ps(r1 + 2 * j + 8, m_hi), &v[2],
                             &v[3]);
                __m256 best = v[0];
                __m256i which = _mm256_setzero_si256();
                for (int k = 1; k < 4; k++) {
                    __m256 take = _mm256_or_ps(_mm256_cmp_ps(v[k], best, _CMP_GT_OQ),
                                               _mm256_and_ps(_mm256_cmp_ps(v[k], v[k], _CMP_UNORD_Q),
                                                             _mm256_cmp_ps(best, best, _CMP_ORD_Q)));
                    best = _mm256_blendv_ps(best, v[k], take);
                    which = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(which),
                                                                 _mm256_castsi256_ps(_mm256_set1_epi32(k)), take));
                }
                /* max(0, best) with best second: a NaN comes through, and so does −0 (relu keeps it). */
                store_lanes(out + j, _mm256_max_ps(zero, best), windows);
                store_lanes_i32(arg + j, which, windows);
            }
        }
    }
}

static AVX2 void relu_maxpool_backward_avx2(float *dx, const float *dout, const float *out, const int32_t *arg,
                                            int planes, int h, int w)
{
    int oh = h / 2, ow = w / 2;
    const __m256 zero = _mm256_setzero_ps();
    for (int plane = 0; plane < planes; plane++) {
        float *d = dx + (long)plane * h * w;
        for (int i = 0; i < oh; i++, out += ow, arg += ow, dout += ow) {
            float *r0 = d + 2 * i * w, *r1 = r0 + w;
            for (int j = 0; j < ow; j += 8) {
                int windows = ow - j < 8 ? ow - j : 8;
                __m256i mask = tail_mask(windows);
                __m256 g = _mm256_and_ps(_mm256_cmp_ps(_mm256_maskload_ps(out + j, mask), zero, _CMP_GT_OQ),
                                         _mm256_maskload_ps(dout + j, mask));
                __m256i which = _mm256_maskload_epi32(arg + j, mask);
                __m256 part[4];
                for (int k = 0; k < 4; k++)
                    part[k] = _mm256_and_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(which, _mm256_set1_epi32(k))), g);
                int len_lo = 2 * windows < 8 ? 2 * windows : 8, len_hi = 2 * windows > 8 ? 2 * windows - 8 : 0;
                __m256 lo, hi;
                interleave(part[0], part[1], &lo, &hi);
                store_lanes(r0 + 2 * j, lo, len_lo);
                store_lanes(r0 + 2 * j + 8, hi, len_hi);
                interleave(part[2], part[3], &lo, &hi);
                store_lanes(r1 + 2 * j, lo, len_lo);
                store_lanes(r1 + 2 * j + 8, hi, len_hi);
            }
        }
    }
}

/* Eight windows of norm_relu_maxpool_avx2's out alone: each value normalized, then the largest. */
static AVX2_INLINE __m256 norm_relu_pool8(const __m256 v_in[4], __m256 m, __m256 r, __m256 g, __m256 b)
{
    __m256 v[4];
    for (int k = 0; k < 4; k++)
        v[k] = _mm256_fmadd_ps(g, _mm256_mul_ps(_mm256_sub_ps(v_in[k], m), r), b);
    __m256 best = v[0];
    for (int k = 1; k < 4; k++) {
        __m256 take = _mm256_or_ps(_mm256_cmp_ps(v[k], best, _CMP_GT_OQ),
                                   _mm256_and_ps(_mm256_cmp_ps(v[k], v[k], _CMP_UNORD_Q),
                                                 _mm256_cmp_ps(best, best, _CMP_ORD_Q)));
        best = _mm256_blendv_ps(best, v[k], take);
    }
    return _mm256_max_ps(_mm256_setzero_ps(), best);
}

/* norm_relu_maxpool_avx2 for out alone (a forward no backward follows): the same windows and values.
 * The normalization y = fma(γ, (x − mean)·rstd, β) is monotonic in x, each rounded step included
 * (rstd > 0: rising with γ > 0, falling with γ < 0), so the largest y of a window is y of its largest x
 * (smallest with γ < 0), and ties of x give equal y: one normalization per window instead of four.
 * Where that could differ — a NaN in the window, γ = 0 or a non-finite parameter (0·∞), β = −0 (a
 * −0 and a +0 among the y) — the window or plane takes norm_relu_pool8. */
static AVX2 void norm_relu_maxpool_out_avx2(float *out, const float *x, const float *affine, int planes, int h, int w)
{
    int oh = h / 2, ow = w / 2;
    for (int plane = 0; plane < planes; plane++) {
        const float *in = x + (long)plane * h * w, *af = affine + 4 * plane;
        const __m256 m = _mm256_set1_ps(af[0]), r = _mm256_set1_ps(af[1]), g = _mm256_set1_ps(af[2]),
                     b = _mm256_set1_ps(af[3]);
        bool monotonic = af[2] != 0.0f && isfinite(af[0]) && isfinite(af[1]) && af[1] > 0.0f && isfinite(af[2]) &&
                         isfinite(af[3]) && !(af[3] == 0.0f && signbit(af[3]));
        bool rising = af[2] > 0.0f;
        for (int i = 0; i < oh; i++, out += ow) {
            const float *r0 = in + 2 * i * w, *r1 = r0 + w;
            for (int j = 0; j < ow; j += 8) {
                int windows = ow - j < 8 ? ow - j : 8;
                __m256i m_lo = tail_mask(2 * windows < 8 ? 2 * windows : 8);
                __m256i m_hi = tail_mask(2 * windows > 8 ? 2 * windows - 8 : 0);
                __m256 v[4];
                deinterleave(_mm256_maskload_ps(r0 + 2 * j, m_lo), _mm256_maskload_ps(r0 + 2 * j + 8, m_hi), &v[0],
                             &v[1]);
                deinterleave(_mm256_maskload_ps(r1 + 2 * j, m_lo), _mm256_maskload_ps(r1 + 2 * j + 8, m_hi), &v[2],
                             &v[3]);
                __m256 nan = _mm256_or_ps(_mm256_cmp_ps(v[0], v[1], _CMP_UNORD_Q), _mm256_cmp_ps(v[2], v[3], _CMP_UNORD_Q));
                if (!monotonic || _mm256_movemask_ps(nan)) {
                    store_lanes(out + j, norm_relu_pool8(v, m, r, g, b), windows);
                    continue;
                }
                /* max_ps(a, b) is a > b ? a : b and min_ps(a, b) a < b ? a : b: the earlier x stays on a tie. */
                __m256 best = v[0];
                for (int k = 1; k < 4; k++)
                    best = rising ? _mm256_max_ps(v[k], best) : _mm256_min_ps(v[k], best);
                __m256 y = _mm256_fmadd_ps(g, _mm256_mul_ps(_mm256_sub_ps(best, m), r), b);
                store_lanes(out + j, _mm256_max_ps(_mm256_setzero_ps(), y), windows);
            }
        }
    }
}

static AVX2 void norm_relu_maxpool_avx2(float *out, int32_t *arg, float *pick, const float *x, const float *affine,
                                        int planes, int h, int w)
{
    if (!arg) {
        norm_relu_maxpool_out_avx2(out, x, affine, planes, h, w);
        return;
    }
    int oh = h / 2, ow = w / 2;
    const __m256 zero = _mm256_setzero_ps();
    for (int plane = 0; plane < planes; plane++) {
        const float *in = x + (long)plane * h * w, *af = affine + 4 * plane;
        const __m256 m = _mm256_set1_ps(af[0]), r = _mm256_set1_ps(af[1]), g = _mm256_set1_ps(af[2]),
                     b = _mm256_set1_ps(af[3]);
        for (int i = 0; i < oh; i++, out += ow, arg += ow, pick += ow) {
            const float *r0 = in + 2 * i * w, *r1 = r0 + w;
            for (int j = 0; j < ow; j += 8) {
                int windows = ow - j < 8 ? ow - j : 8;
                __m256i m_lo = tail_mask(2 * windows < 8 ? 2 * windows : 8);
                __m256i m_hi = tail_mask(2 * windows > 8 ? 2 * windows - 8 : 0);
                __m256 xh[4], v[4];
                deinterleave(_mm256_maskload_ps(r0 + 2 * j, m_lo), _mm256_maskload_ps(r0 + 2 * j + 8, m_hi), &xh[0],
                             &xh[1]);
                deinterleave(_mm256_maskload_ps(r1 + 2 * j, m_lo), _mm256_maskload_ps(r1 + 2 * j + 8, m_hi), &xh[2],
                             &xh[3]);
                for (int k = 0; k < 4; k++) {
                    xh[k] = _mm256_mul_ps(_mm256_sub_ps(xh[k], m), r);
                    v[k] = _mm256_fmadd_ps(g, xh[k], b);
                }
                __m256 best = v[0], best_xh = xh[0];
                __m256i which = _mm256_setzero_si256();
                for (int k = 1; k < 4; k++) {
                    __m256 take = _mm256_or_ps(_mm256_cmp_ps(v[k], best, _CMP_GT_OQ),
                                               _mm256_and_ps(_mm256_cmp_ps(v[k], v[k], _CMP_UNORD_Q),
                                                             _mm256_cmp_ps(best, best, _CMP_ORD_Q)));
                    best = _mm256_blendv_ps(best, v[k], take);
                    best_xh = _mm256_blendv_ps(best_xh, xh[k], take);
                    which = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(which),
                                                                 _mm256_castsi256_ps(_mm256_set1_epi32(k)), take));
                }
                store_lanes(out + j, _mm256_max_ps(zero, best), windows);
                store_lanes_i32(arg + j, which, windows);
                store_lanes(pick + j, best_xh, windows);
            }
        }
    }
}

static AVX2 void norm_relu_maxpool_backward_avx2(float *dx, const float *dout, const float *out, const int32_t *arg,
                                                 const float *x, const float *coef, int planes, int h, int w)
{
    int oh = h / 2, ow = w / 2;
    const __m256 zero = _mm256_setzero_ps();
    for (int plane = 0; plane < planes; plane++) {
        float *d = dx + (long)plane * h * w;
        const float *in = x + (long)plane * h * w, *cf = coef + 3 * plane;
        const __m256 a = _mm256_set1_ps(cf[0]), b = _mm256_set1_ps(cf[1]), c = _mm256_set1_ps(cf[2]);
        for (int i = 0; i < oh; i++, out += ow, arg += ow, dout += ow) {
            for (int j = 0; j < ow; j += 8) {
                int windows = ow - j < 8 ? ow - j : 8;
                __m256i mask = tail_mask(windows);
                __m256 gsel = _mm256_and_ps(_mm256_cmp_ps(_mm256_maskload_ps(out + j, mask), zero, _CMP_GT_OQ),
                                            _mm256_maskload_ps(dout + j, mask));
                __m256i which = _mm256_maskload_epi32(arg + j, mask);
                int len_lo = 2 * windows < 8 ? 2 * windows : 8, len_hi = 2 * windows > 8 ? 2 * windows - 8 : 0;
                __m256i m_lo = tail_mask(len_lo), m_hi = tail_mask(len_hi);
                /* Both rows of the windows: positions 0, 1 in the upper row, 2, 3 in the lower. */
                for (int row = 0; row < 2; row++) {
                    float *dr = d + (2 * i + row) * w + 2 * j;
                    const float *xr = in + (2 * i + row) * w + 2 * j;
                    __m256 left = _mm256_and_ps(
                        _mm256_castsi256_ps(_mm256_cmpeq_epi32(which, _mm256_set1_epi32(2 * row))), gsel);
                    __m256 right = _mm256_and_ps(
                        _mm256_castsi256_ps(_mm256_cmpeq_epi32(which, _mm256_set1_epi32(2 * row + 1))), gsel);
                    __m256 lo, hi;
                    interleave(left, right, &lo, &hi);
                    store_lanes(dr, _mm256_fmadd_ps(a, lo, _mm256_fmadd_ps(b, _mm256_maskload_ps(xr, m_lo), c)), len_lo);
                    store_lanes(dr + 8, _mm256_fmadd_ps(a, hi, _mm256_fmadd_ps(b, _mm256_maskload_ps(xr + 8, m_hi), c)),
                                len_hi);
                }
            }
        }
    }
}

static AVX2 void pool_grad_sums_avx2(double *sum, double *sum_pick, const float *dout, const float *out,
                                     const float *pick, int count)
{
    const __m256 zero = _mm256_setzero_ps();
    __m256 s = zero, sp = zero;
    for (int i = 0; i < count; i += 8) {
        __m256i mask = tail_mask(count - i < 8 ? count - i : 8);
        __m256 g = _mm256_and_ps(_mm256_cmp_ps(_mm256_maskload_ps(out + i, mask), zero, _CMP_GT_OQ),
                                 _mm256_maskload_ps(dout + i, mask));
        s = _mm256_add_ps(s, g);
        sp = _mm256_fmadd_ps(g, _mm256_maskload_ps(pick + i, mask), sp);
    }
    *sum = hsum8(s);
    *sum_pick = hsum8(sp);
}

static AVX2 void add_avx2(float *dst, const float *src, int count)
{
    int i = 0;
    for (; i + 8 <= count; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_add_ps(_mm256_loadu_ps(dst + i), _mm256_loadu_ps(src + i)));
    add_portable(dst + i, src + i, count - i);
}
#endif

#if KERNELS_F32_HAVE_AVX2
static bool use_avx2(void)
{
    return linear_active_kernel() == LINEAR_KERNEL_AVX2;
}
#endif

void kernels_f32_matmul_bt(float *c, const float *a, const float *b, const float *bias, int m, int n, int k)
{
#if KERNELS_F32_HAVE_AVX2
    if (use_avx2()) {
        matmul_bt_avx2(c, a, b, bias, m, n, k);
        return;
    }
#endif
    matmul_bt_portable(c, a, b, bias, m, n, k);
}

void kernels_f32_matmul(float *c, long ldc, const float *a, long a_row, long a_col, const float *b, long ldb,
                        int m, int n, int k)
{
#if KERNELS_F32_HAVE_AVX2
    if (use_avx2()) {
        matmul_avx2(c, ldc, a, a_row, a_col, b, ldb, m, n, k);
        return;
    }
#endif
    matmul_portable(c, ldc, a, a_row, a_col, b, ldb, m, n, k);
}

void kernels_f32_sigmoid(float *y, const float *x, int count)
{
#if KERNELS_F32_HAVE_AVX2
    if (use_avx2()) {
        sigmoid_avx2(y, x, count);
        return;
    }
#endif
    sigmoid_portable(y, x, count);
}

void kernels_f32_bn_forward(float *y, float *xhat, float *mean, float *var, float *rstd, const float *x,
                            const float *gamma, const float *beta, float eps, int n, int c, bool then_sigmoid)
{
#if KERNELS_F32_HAVE_AVX2
    if (use_avx2()) {
        bn_forward_avx2(y, xhat, mean, var, rstd, x, gamma, beta, eps, n, c, then_sigmoid);
        return;
    }
#endif
    bn_forward_portable(y, xhat, mean, var, rstd, x, gamma, beta, eps, n, c, then_sigmoid);
}

void kernels_f32_bn_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *sigmoid_out,
                             const float *xhat, const float *rstd, const float *gamma, int n, int c)
{
#if KERNELS_F32_HAVE_AVX2
    if (use_avx2()) {
        bn_backward_avx2(dx, dgamma, dbeta, dy, sigmoid_out, xhat, rstd, gamma, n, c);
        return;
    }
#endif
    bn_backward_portable(dx, dgamma, dbeta, dy, sigmoid_out, xhat, rstd, gamma, n, c);
}

void kernels_f32_sgd(float *p, float *v, const float *g, long count, float lr, float mu)
{
#if KERNELS_F32_HAVE_AVX2
    if (use_avx2()) {
        sgd_avx2(p, v, g, count, lr, mu);
        return;
    }
#endif
    sgd_portable(p, v, g, count, lr, mu);
}

#if KERNELS_F32_HAVE_AVX2
/* Runs the AVX2 call when the kernels chosen are AVX2's, else the portable one. */
#define DISPATCH(call_avx2, call_portable) \
    do {                                   \
        if (use_avx2()) {                  \
            call_avx2;                     \
            return;                        \
        }                                  \
        call_portable;                     \
    } while (0)
#define DISPATCH_VALUE(call_avx2, call_portable) return use_avx2() ? call_avx2 : call_portable
#else
#define DISPATCH(call_avx2, call_portable) call_portable
#define DISPATCH_VALUE(call_avx2, call_portable) return call_portable
#endif

double kernels_f32_sum(const float *x, int count)
{
    DISPATCH_VALUE(sum_avx2(x, count), sum_portable(x, count));
}

double kernels_f32_sum_sq_dev(const float *x, float mean, int count)
{
    DISPATCH_VALUE(sum_sq_dev_avx2(x, mean, count), sum_sq_dev_portable(x, mean, count));
}

void kernels_f32_norm_apply(float *y, float *xhat, const float *x, float mean, float rstd, float gamma, float beta,
                            int count)
{
    DISPATCH(norm_apply_avx2(y, xhat, x, mean, rstd, gamma, beta, count),
             norm_apply_portable(y, xhat, x, mean, rstd, gamma, beta, count));
}

void kernels_f32_sum_dot(double *sum, double *sum_xhat, const float *dy, const float *xhat, int count)
{
    DISPATCH(sum_dot_avx2(sum, sum_xhat, dy, xhat, count), sum_dot_portable(sum, sum_xhat, dy, xhat, count));
}

void kernels_f32_scale_shift_columns(float *y, const float *x, const float *scale, const float *shift, int n, int c)
{
    DISPATCH(scale_shift_columns_avx2(y, x, scale, shift, n, c),
             scale_shift_columns_portable(y, x, scale, shift, n, c));
}

void kernels_f32_norm_backward_apply(float *dx, const float *dy, const float *xhat, float a, float b, float c,
                                     int count)
{
    DISPATCH(norm_backward_apply_avx2(dx, dy, xhat, a, b, c, count),
             norm_backward_apply_portable(dx, dy, xhat, a, b, c, count));
}

void kernels_f32_relu_maxpool(float *out, int32_t *arg, const float *x, int planes, int h, int w)
{
    DISPATCH(relu_maxpool_avx2(out, arg, x, planes, h, w), relu_maxpool_portable(out, arg, x, planes, h, w));
}

void kernels_f32_relu_maxpool_backward(float *dx, const float *dout, const float *out, const int32_t *arg,
                                       int planes, int h, int w)
{
    DISPATCH(relu_maxpool_backward_avx2(dx, dout, out, arg, planes, h, w),
             relu_maxpool_backward_portable(dx, dout, out, arg, planes, h, w));
}

void kernels_f32_norm_relu_maxpool(float *out, int32_t *arg, float *pick, const float *x, const float *affine,
                                   int planes, int h, int w)
{
    DISPATCH(norm_relu_maxpool_avx2(out, arg, pick, x, affine, planes, h, w),
             norm_relu_maxpool_portable(out, arg, pick, x, affine, planes, h, w));
}

void kernels_f32_norm_relu_maxpool_backward(float *dx, const float *dout, const float *out, const int32_t *arg,
                                            const float *x, const float *coef, int planes, int h, int w)
{
    DISPATCH(norm_relu_maxpool_backward_avx2(dx, dout, out, arg, x, coef, planes, h, w),
             norm_relu_maxpool_backward_portable(dx, dout, out, arg, x, coef, planes, h, w));
}

void kernels_f32_pool_grad_sums(double *sum, double *sum_pick, const float *dout, const float *out, const float *pick,
                                int count)
{
    DISPATCH(pool_grad_sums_avx2(sum, sum_pick, dout, out, pick, count),
             pool_grad_sums_portable(sum, sum_pick, dout, out, pick, count));
}

void kernels_f32_add(float *dst, const float *src, int count)
{
    DISPATCH(add_avx2(dst, src, count), add_portable(dst, src, count));
}

size_t kernels_f32_conv3x3_scratch(int c_in, int h, int w)
{
    return (size_t)c_in * (size_t)(h + 2) * (size_t)(w + 2) + KERNELS_F32_CONV_SLACK;
}

bool kernels_f32_conv3x3(float *y, const float *w, const float *x, int c_out, int c_in, int h, int wd, float *scratch)
{
#if KERNELS_F32_HAVE_AVX2
    if (use_avx2()) {
        conv3x3_avx2(y, w, x, c_out, c_in, h, wd, scratch);
        return true;
    }
#endif
    (void)y, (void)w, (void)x, (void)c_out, (void)c_in, (void)h, (void)wd, (void)scratch;
    return false;
}
