/* Single-precision kernels of the fast training path: matrix products, sigmoid, batch norm, SGD (engine layer).
 *
 * They follow linear_active_kernel(): AVX2 with fused multiply-add where the CPU has it, plain loops
 * elsewhere. The two variants sum in different orders, so they agree to float rounding, not bit for bit. */
#ifndef BNTUTOR_ENGINE_KERNELS_F32_H
#define BNTUTOR_ENGINE_KERNELS_F32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* c (m×n) = a (m×k) · bᵀ + bias, with b (n×k); bias (n) or NULL. All rows contiguous; c overwritten. */
void kernels_f32_matmul_bt(float *c, const float *a, const float *b, const float *bias, int m, int n, int k);

/* c (m×n, row stride ldc) = A·B, overwritten, where A(i,p) = a[i·a_row + p·a_col] and b is k×n with row
 * stride ldb. With a_row = 1, a_col = m it reads a transposed (k×m) matrix, as dW = dYᵀ·X needs. */
void kernels_f32_matmul(float *c, long ldc, const float *a, long a_row, long a_col, const float *b, long ldb,
                        int m, int n, int k);

/* A 3×3 convolution with zero padding, straight from a padded copy of the input: y (c_out, h·w) =
 * W (c_out, c_in·9) · im2col(x), x (c_in, h, w), with scratch holding kernels_f32_conv3x3_scratch
 * floats. On the AVX2 kernel every output is the very sum kernels_f32_matmul forms from im2col's matrix
 * (the same multiply-adds in the same order), without building that matrix; the portable kernel has no
 * such path and returns false, leaving y alone (the caller then takes im2col and kernels_f32_matmul). */
enum { KERNELS_F32_CONV_SLACK = 32 };
size_t kernels_f32_conv3x3_scratch(int c_in, int h, int w);
bool kernels_f32_conv3x3(float *y, const float *w, const float *x, int c_out, int c_in, int h, int wd, float *scratch);

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

/* Runs of contiguous values (a feature map's plane, a normalization set): the pieces the conv net's float
 * path normalizes with. Each run is summed in float lanes, and the result handed back in double so
 * that a caller adding many runs loses nothing more. */
double kernels_f32_sum(const float *x, int count);
/* Σ (x − mean)² over count values. */
double kernels_f32_sum_sq_dev(const float *x, float mean, int count);
/* xhat = (x − mean)·rstd and y = γ·xhat + β, count values; xhat may be NULL. */
void kernels_f32_norm_apply(float *y, float *xhat, const float *x, float mean, float rstd, float gamma, float beta,
                            int count);
/* *sum = Σ dy and *sum_xhat = Σ dy·xhat over count values. */
void kernels_f32_sum_dot(double *sum, double *sum_xhat, const float *dy, const float *xhat, int count);
/* y (n, c) = x·scale + shift per column j (scale[j], shift[j]): the product rounded, then the sum, alike in
 * both variants (an eval-mode batch norm folded to one affine map per unit). y may equal x. */
void kernels_f32_scale_shift_columns(float *y, const float *x, const float *scale, const float *shift, int n, int c);
/* dx = a·dy + b·xhat + c, count values (the last pass of a normalization's backward). */
void kernels_f32_norm_backward_apply(float *dx, const float *dy, const float *xhat, float a, float b, float c,
                                     int count);

/* relu, then 2×2 max pooling (stride 2) of `planes` planes of h×w values (h, w even): out (planes, h/2, w/2)
 * = max(0, the window's largest value), a NaN in the window passing through as in PyTorch; arg (same
 * shape) = which of the four, 0 to 3 in the order (0,0) (0,1) (1,0) (1,1), was the first largest. */
void kernels_f32_relu_maxpool(float *out, int32_t *arg, const float *x, int planes, int h, int w);
/* Backward of kernels_f32_relu_maxpool: dx (planes, h, w) overwritten; each window's dout goes to its
 * arg position when its out is above 0, every other position gets 0. */
void kernels_f32_relu_maxpool_backward(float *dx, const float *dout, const float *out, const int32_t *arg,
                                       int planes, int h, int w);

/* The same pooling after a per-plane normalization, fused into one pass over x: for plane p with
 * affine[4p..4p+3] = (mean, rstd, γ, β), each value's x̂ = (x − mean)·rstd and normed = γ·x̂ + β; out and
 * arg as kernels_f32_relu_maxpool gives for normed, and pick (same shape) the x̂ of each window's pick.
 * arg and pick both NULL: out alone, the same values, faster (for a forward no backward follows). */
void kernels_f32_norm_relu_maxpool(float *out, int32_t *arg, float *pick, const float *x, const float *affine,
                                   int planes, int h, int w);
/* Its backward, with the normalization's backward folded in: for plane p with coef[3p..3p+2] = (a, b, c),
 * dx = a·g + b·x + c, where g is the pooled gradient routed as kernels_f32_relu_maxpool_backward does
 * (each window's dout to its arg when its out is above 0). dx (planes, h, w) overwritten. */
void kernels_f32_norm_relu_maxpool_backward(float *dx, const float *dout, const float *out, const int32_t *arg,
                                            const float *x, const float *coef, int planes, int h, int w);
/* *sum = Σ g and *sum_pick = Σ g·pick over count windows, g = dout where out is above 0, else 0: a plane's
 * Σ dy and Σ dy·x̂ of the norm's output gradient, read off the pooled arrays. */
void kernels_f32_pool_grad_sums(double *sum, double *sum_pick, const float *dout, const float *out, const float *pick,
                                int count);
/* dst += src, count values. */
void kernels_f32_add(float *dst, const float *src, int count);

#endif
