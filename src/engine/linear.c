/* Fully connected layer forward and backward over a mini-batch, with kernels chosen for the CPU (engine layer). */
#include "engine/linear.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LINEAR_HAVE_AVX2 1
#include <immintrin.h>
#else
#define LINEAR_HAVE_AVX2 0
#endif

/* Each variant defines VEC4, four doubles, and the few operations the kernels use on it. Both sum a
 * VEC4's lanes in the same order, so the variants differ only where one fuses a multiply-add. */

/* Portable variant: two 16-byte vectors (SSE2 on x86-64, NEON on arm64), separate multiply and add. GCC
 * keeps a 32-byte vector in memory when the CPU has no 32-byte registers, hence the pair. */
typedef double Double2 __attribute__((vector_size(16)));
typedef struct Pair4 {
    Double2 lo, hi;
} Pair4;

static inline Double2 double2_load(const double *p)
{
    Double2 v;
    memcpy(&v, p, sizeof v);     /* unaligned */
    return v;
}

static inline Pair4 vec4_load_portable(const double *p)
{
    return (Pair4){ double2_load(p), double2_load(p + 2) };
}

static inline Pair4 vec4_splat_portable(double x)
{
    return (Pair4){ { x, x }, { x, x } };
}

static inline Pair4 vec4_madd_portable(Pair4 acc, Pair4 x, Pair4 y)
{
    return (Pair4){ acc.lo + x.lo * y.lo, acc.hi + x.hi * y.hi };
}

static inline void vec4_add_to_portable(double *p, const Pair4 *v)
{
    Double2 lo = double2_load(p) + v->lo, hi = double2_load(p + 2) + v->hi;
    memcpy(p, &lo, sizeof lo);
    memcpy(p + 2, &hi, sizeof hi);
}

static inline double vec4_sum_portable(const Pair4 *v)
{
    return (v->lo[0] + v->lo[1]) + (v->hi[0] + v->hi[1]);
}

#define KERNEL(name) name##_portable
#define KERNEL_ATTR
#define KERNEL_TILE_ROWS 2     /* a Pair4 takes two of SSE2's sixteen registers */
#define VEC4 Pair4
#include "engine/linear_kernels.inc"
#undef KERNEL
#undef KERNEL_ATTR
#undef KERNEL_TILE_ROWS
#undef VEC4

#if LINEAR_HAVE_AVX2
/* AVX2 variant: one 32-byte register per VEC4 and fused multiply-add, four times the multiply-adds per
 * cycle of the portable variant. */
#define AVX2_ATTR __attribute__((target("avx2,fma"), always_inline))

static inline AVX2_ATTR __m256d vec4_load_avx2(const double *p)
{
    return _mm256_loadu_pd(p);
}

static inline AVX2_ATTR __m256d vec4_splat_avx2(double x)
{
    return _mm256_set1_pd(x);
}

static inline AVX2_ATTR __m256d vec4_madd_avx2(__m256d acc, __m256d x, __m256d y)
{
    return _mm256_fmadd_pd(x, y, acc);
}

static inline AVX2_ATTR void vec4_add_to_avx2(double *p, const __m256d *v)
{
    _mm256_storeu_pd(p, _mm256_add_pd(_mm256_loadu_pd(p), *v));
}

static inline AVX2_ATTR double vec4_sum_avx2(const __m256d *v)
{
    double lane[4];
    _mm256_storeu_pd(lane, *v);
    return (lane[0] + lane[1]) + (lane[2] + lane[3]);
}

#define KERNEL(name) name##_avx2
#define KERNEL_ATTR __attribute__((target("avx2,fma")))
#define KERNEL_TILE_ROWS 4
#define VEC4 __m256d
#include "engine/linear_kernels.inc"
#undef KERNEL
#undef KERNEL_ATTR
#undef KERNEL_TILE_ROWS
#undef VEC4
#endif

static LinearKernel forced_kernel = LINEAR_KERNEL_AUTO;

bool linear_kernel_supported(LinearKernel kernel)
{
    switch (kernel) {
    case LINEAR_KERNEL_AUTO:
    case LINEAR_KERNEL_PORTABLE:
        return true;
    case LINEAR_KERNEL_AVX2:
#if LINEAR_HAVE_AVX2
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
        return false;
#endif
    }
    return false;
}

bool linear_use_kernel(LinearKernel kernel)
{
    if (!linear_kernel_supported(kernel))
        return false;
    forced_kernel = kernel;
    return true;
}

LinearKernel linear_active_kernel(void)
{
    if (forced_kernel != LINEAR_KERNEL_AUTO)
        return forced_kernel;
    /* The CPU does not change under us: ask once, not on every matrix product. */
    static LinearKernel automatic = LINEAR_KERNEL_AUTO;
    if (automatic == LINEAR_KERNEL_AUTO)
        automatic = linear_kernel_supported(LINEAR_KERNEL_AVX2) ? LINEAR_KERNEL_AVX2 : LINEAR_KERNEL_PORTABLE;
    return automatic;
}

const char *linear_kernel_name(LinearKernel kernel)
{
    switch (kernel) {
    case LINEAR_KERNEL_AUTO:
        return "auto";
    case LINEAR_KERNEL_PORTABLE:
        return "portable";
    case LINEAR_KERNEL_AVX2:
        return "avx2+fma";
    }
    return "?";
}

static void matmul_bt(double *c, const double *a, const double *b, const double *bias, int m, int n, int k)
{
#if LINEAR_HAVE_AVX2
    if (linear_active_kernel() == LINEAR_KERNEL_AVX2) {
        matmul_bt_avx2(c, a, b, bias, m, n, k);
        return;
    }
#endif
    matmul_bt_portable(c, a, b, bias, m, n, k);
}

static void matmul_acc(double *c, long ldc, const double *a, long a_row, long a_col, const double *b, long ldb,
                       int m, int n, int k)
{
#if LINEAR_HAVE_AVX2
    if (linear_active_kernel() == LINEAR_KERNEL_AVX2) {
        matmul_acc_avx2(c, ldc, a, a_row, a_col, b, ldb, m, n, k);
        return;
    }
#endif
    matmul_acc_portable(c, ldc, a, a_row, a_col, b, ldb, m, n, k);
}

void linear_forward(double *y, const double *x, const double *w, const double *b,
                    int n, int in, int out)
{
    matmul_bt(y, x, w, b, n, out, in);
}

void linear_backward(double *dx, double *dw, double *db, const double *dy, const double *x,
                     const double *w, int n, int in, int out)
{
    /* dW (OUT×IN) += dYᵀ·X: A(o,r) = dy[r·OUT + o]. */
    matmul_acc(dw, in, dy, 1, out, x, in, out, in, n);
    if (db) {
        for (int r = 0; r < n; r++)
            for (int o = 0; o < out; o++)
                db[o] += dy[(long)r * out + o];
    }
    if (dx) {
        /* dX (N×IN) = dY·W: A(r,o) = dy[r·OUT + o], B = W (OUT×IN). */
        memset(dx, 0, sizeof(double) * (size_t)n * (size_t)in);
        matmul_acc(dx, in, dy, out, 1, w, in, n, in, out);
    }
}
