/* Fully connected layer y = x·Wᵀ + b over a mini-batch, in double (engine layer). */
#ifndef BNTUTOR_ENGINE_LINEAR_H
#define BNTUTOR_ENGINE_LINEAR_H

#include <stdbool.h>

/* y: (N,OUT) overwritten  x: (N,IN)  w: (OUT,IN) row-major  b: (OUT) or NULL for no bias. */
void linear_forward(double *y, const double *x, const double *w, const double *b,
                    int n, int in, int out);

/* Backward of linear_forward. dw: (OUT,IN) and db: (OUT) are accumulated into (db may be NULL when
 * the layer has no bias); dx: (N,IN) is overwritten, or skipped when NULL (the first layer needs no dx).
 * dy: (N,OUT)  x: (N,IN)  w: (OUT,IN). */
void linear_backward(double *dx, double *dw, double *db, const double *dy, const double *x,
                     const double *w, int n, int in, int out);

/* Which matrix kernels the layer uses. AUTO picks the fastest the CPU runs; the others exist so tests and
 * the benchmark can compare variants. Variants differ only in rounding (fused multiply-add), not in the
 * order of the sums. */
typedef enum LinearKernel { LINEAR_KERNEL_AUTO, LINEAR_KERNEL_PORTABLE, LINEAR_KERNEL_AVX2 } LinearKernel;

bool linear_kernel_supported(LinearKernel kernel);
/* Returns false, changing nothing, when this CPU or build can't run the kernel. */
bool linear_use_kernel(LinearKernel kernel);
/* The kernel in use now (never AUTO). */
LinearKernel linear_active_kernel(void);
const char *linear_kernel_name(LinearKernel kernel);

#endif
