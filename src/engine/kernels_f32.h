/* Single-precision kernels of the fast training path: matrix products, sigmoid, batch norm, SGD (engine layer).
 *
 * They follow linear_active_kernel(): AVX2 with fused multiply-add where the CPU has it, plain loops
 * elsewhere. The two variants sum in different orders, so they agree to float rounding, not bit for bit. */
#ifndef BNTUTOR_ENGINE_KERNELS_F32_H
#define BNTUTOR_ENGINE_KERNELS_F32_H

#include <stdbool.h>

/* c (m×n) = a (m×k) · bᵀ + bias, with b (n×k); bias (n) or NULL. All rows contiguous; c overwritten. */
void kernels_f32_matmul_bt(float *c, const float *a, const float *b, const float *bias, int m, int n, int k);

/* c (m×n, row stride ldc) = A·B, overwritten, where A(i,p) = a[i·a_row + p·a_col] and b is k×n with row
 * stride ldb. With a_row = 1, a_col = m it reads a transposed (k×m) matrix, as dW = dYᵀ·X needs. */
void kernels_f32_matmul(float *c, long ldc, const float *a, long a_row, long a_col, const float *b, long ldb,
                        int m, int n, int k);

/* y = 1 / (1 + exp(−x)), count values; y may equal x. */
void kernels_f32_sigmoid(float *y, const float *x, int count);

/* Training-mode batch norm of x (n, c): mean, var (biased) and rstd = 1/sqrt(var + eps) into (c) vectors,
 * xhat and y = γ·x̂ + β into (n, c) buffers; with then_sigmoid, y = sigmoid(γ·x̂ + β) in the same pass. */
void kernels_f32_bn_forward(float *y, float *xhat, float *mean, float *var, float *rstd, const float *x,
                            const float *gamma, const float *beta, float eps, int n, int c, bool then_sigmoid);

/* Batch-norm backward: dx (n, c), dgamma and dbeta (c) overwritten. The gradient at BN's output is dy,
 * or with sigmoid_out (the sigmoid's output, BN feeding a sigmoid) dy·s·(1 − s), formed on the fly. */
void kernels_f32_bn_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *sigmoid_out,
                             const float *xhat, const float *rstd, const float *gamma, int n, int c);

/* SGD over count parameters: p −= lr·g, or with momentum mu ≠ 0, v = mu·v + g and p −= lr·v. */
void kernels_f32_sgd(float *p, float *v, const float *g, long count, float lr, float mu);

#endif
