/* Quadratic loss surfaces of a two-weight linear model for lesson 2: canyon vs bowl, gradient descent paths (engine layer). */
#ifndef BNTUTOR_ENGINE_SURFACE_H
#define BNTUTOR_ENGINE_SURFACE_H

#include <stdbool.h>

#include "engine/dataset.h"
#include "util/error.h"

/* The least-squares loss of y ≈ w1·x1 + w2·x2 + bias over n points,
 *     L(w) = 1/(2n) · Σ (y_i − w·x_i − bias)²,
 * with the bias always at its best value for the given w. That is the same as centring the
 * features and the target, which leaves a pure quadratic in w:
 *     L(w) = ½ wᵀA w − bᵀw + c = loss_min + ½ (w − w*)ᵀ A (w − w*),   ∇L = A (w − w*).
 * The features may first be divided by a scale per column (1: raw, std: standardized), and w is
 * the weight vector in those scaled units. */
typedef struct Surface {
    double a[2][2];         /* Hessian A = XᵀX / n of the centred, scaled features (symmetric) */
    double b[2];            /* Xᵀy / n with the centred target */
    double c;               /* yᵀy / (2n) of the centred target */
    double w_min[2];        /* the minimum w* = A⁻¹ b */
    double loss_min;        /* L(w*), summed from the residuals (never negative) */
    double eig[2];          /* eigenvalues of A, eig[0] ≤ eig[1], both > 0 */
    double evec[2][2];      /* evec[k]: unit eigenvector of eig[k] */
    double condition;       /* eig[1] / eig[0]: ~1 for standardized data, ~1e8–1e9 for raw scaled2d */
    double mean[2];         /* feature means (raw units) */
    double scale[2];        /* the features were divided by these (1, 1 when raw) */
    double y_mean;          /* the target's mean */
} Surface;

/* Builds the surface from x (n, 2) and y (n). standardize divides each centred feature by its
 * (biased) standard deviation; false keeps raw units. False with err when n < 2, a value is not
 * finite, or the features are constant or collinear (no unique minimum). */
bool surface_fit(Surface *s, const double *x, const double *y, int n, bool standardize, BnError *err);
/* Same with explicit scales (e.g. distance in km: {1, 1000}); every scale must be > 0. */
bool surface_fit_scaled(Surface *s, const double *x, const double *y, int n, const double scale[2], BnError *err);
/* From a 2-feature regression set such as scaled2d (set->dim must be 2). */
bool surface_from_dataset(Surface *s, const Dataset *set, bool standardize, BnError *err);

/* L(w). Never NaN: a non-finite w or an overflow gives +inf. */
double surface_loss(const Surface *s, const double w[2]);
/* L(w) − L(w*) computed as ½ dᵀA d without cancellation (≥ 0, +inf instead of NaN). */
double surface_excess(const Surface *s, const double w[2]);
/* grad (2) = A (w − w*). */
void surface_gradient(const Surface *s, const double w[2], double grad[2]);
/* The bias that goes with w, in the data's units: y_mean − Σ w_k · mean_k / scale_k. */
double surface_bias(const Surface *s, const double w[2]);

/* Largest stable learning rate: 2/λmax for plain gradient descent, 2(1+μ)/λmax with heavy-ball
 * momentum μ in [0, 1). Above it the path diverges; at it, it oscillates forever. */
double surface_max_stable_lr(const Surface *s, double momentum);
/* The fastest plain-GD learning rate 2/(λmin + λmax); its contraction per step is (κ−1)/(κ+1). */
double surface_best_lr(const Surface *s);
/* Steps plain GD with lr needs until the excess loss falls to tol times its start, in the worst
 * case over starting points: ⌈log(tol) / (2·log ρ)⌉, ρ = max_k |1 − lr·λ_k|. −1 when ρ ≥ 1 (never),
 * 0 when tol ≥ 1. A double, because raw scaled2d needs billions. */
double surface_predicted_steps(const Surface *s, double lr, double tol);

/* One gradient-descent step on w (2), with heavy-ball momentum when momentum > 0:
 *     v ← μ·v − lr·∇L(w),  w ← w + v      (v (2) is the velocity; NULL allowed when μ = 0).
 * Returns false and leaves w and v unchanged when the step would produce a non-finite value. */
bool surface_step(const Surface *s, double w[2], double v[2], double lr, double momentum);

typedef enum SurfaceOutcome {
    SURFACE_CONVERGED,      /* excess ≤ tol · excess at the start */
    SURFACE_DIVERGED,       /* excess grew past 1e10 × the start, or a step went non-finite */
    SURFACE_STEP_CAP        /* max_steps taken without either */
} SurfaceOutcome;

typedef struct SurfaceRun {
    SurfaceOutcome outcome;
    long steps;             /* steps taken (0 when the start already meets the tolerance) */
    double w[2];            /* where the path stopped (its last finite point) */
    double excess;          /* L(w) − L(w*) there */
    double excess0;         /* L(w0) − L(w*) */
    long path_len;          /* points written to path: w0 and each step's w, at most path_cap */
} SurfaceRun;

/* Runs gradient descent (momentum as in surface_step, starting with v = 0) from w0 until the
 * excess loss is within tol (relative to the starting excess; e.g. 1e-6) or max_steps steps.
 * path (path_cap, 2) may be NULL; it receives w0 then every step's w, stopping at path_cap points. */
SurfaceRun surface_run(const Surface *s, const double w0[2], double lr, double momentum, double tol,
                       long max_steps, double *path, long path_cap);

/* Samples the loss (excess_only: L − L*, which keeps the contours near the minimum exact) on an
 * nx × ny grid over [lo[0], hi[0]] × [lo[1], hi[1]]: z (ny, nx) row-major, z[j·nx + i] at
 * w = (lo[0] + i·(hi[0]−lo[0])/(nx−1), lo[1] + j·(hi[1]−lo[1])/(ny−1)). Row 0 is the BOTTOM (w2 = lo[1]);
 * flip when drawing top-down. nx or ny of 1 samples lo. Values are finite or +inf, never NaN. */
void surface_grid(double *z, const Surface *s, const double lo[2], const double hi[2], int nx, int ny,
                  bool excess_only);
/* A square window centred on w* that contains w0 with a margin (0.2 = 20 % extra): the same extent
 * on both axes, so the raw canyon looks as narrow as it is. Half-width 1 when w0 = w*. */
void surface_window(const Surface *s, const double w0[2], double margin, double lo[2], double hi[2]);

#endif
