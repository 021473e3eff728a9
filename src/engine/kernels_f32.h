/* Single-precision kernels of the fast training path: matrix products and the sigmoid (engine layer).
 *
 * They follow linear_active_kernel(): AVX2 with fused multiply-add where the CPU has it, plain loops
 * elsewhere. The two variants sum in different orders, so they agree to float rounding, not bit for bit. */
#ifndef BNTUTOR_ENGINE_KERNELS_F32_H
#define BNTUTOR_ENGINE_KERNELS_F32_H

/* c (m×n) = a (m×k) · bᵀ + bias, with b (n×k); bias (n) or NULL. All rows contiguous; c overwritten. */
void kernels_f32_matmul_bt(float *c, const float *a, const float *b, const float *bias, int m, int n, int k);

/* c (m×n, row stride ldc) = A·B, overwritten, where A(i,p) = a[i·a_row + p·a_col] and b is k×n with row
 * stride ldb. With a_row = 1, a_col = m it reads a transposed (k×m) matrix, as dW = dYᵀ·X needs. */
void kernels_f32_matmul(float *c, long ldc, const float *a, long a_row, long a_col, const float *b, long ldb,
                        int m, int n, int k);

/* y = 1 / (1 + exp(−x)), count values; y may equal x. */
void kernels_f32_sigmoid(float *y, const float *x, int count);

#endif
