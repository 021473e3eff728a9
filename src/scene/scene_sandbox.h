/* The 'sandbox' scene's inspection hook for tests: the parameters of the state on screen (scene layer). */
#ifndef BNTUTOR_SCENE_SCENE_SANDBOX_H
#define BNTUTOR_SCENE_SCENE_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/* The learnable parameters of the state shown (the live network, or the snapshot being viewed),
 * their count and the training step they belong to; running statistics likewise (count = the sum
 * of the BN layers' widths, means then variances per layer). self is the scene's state. */
void sandbox_view_state(const void *self, const double **params, size_t *num_params, const double **running,
                        size_t *num_running, long *step);
/* The live network's running statistics in the same layout as above, copied into out (num_running). */
void sandbox_live_running(const void *self, double *out);

#endif
