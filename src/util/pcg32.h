/* PCG32 (XSH-RR 64/32) random numbers: every random choice in bntutor goes through one of these (util layer). */
#ifndef BNTUTOR_UTIL_PCG32_H
#define BNTUTOR_UTIL_PCG32_H

#include <stdint.h>

typedef struct Pcg32 {
    uint64_t state;
    uint64_t inc;       /* always odd: selects the stream */
} Pcg32;

/* Seeds as the reference pcg32_srandom_r(initstate, initseq) does. */
void pcg32_seed(Pcg32 *rng, uint64_t initstate, uint64_t initseq);
uint32_t pcg32_next(Pcg32 *rng);
/* The next count outputs into out, exactly as count calls of pcg32_next would give them and leaving rng
 * where they would, but several times faster: four interleaved chains, each jumping four steps. */
void pcg32_fill(Pcg32 *rng, uint32_t *out, int count);
/* Moves rng past the next count outputs without computing them, in about log2(count) steps: where
 * count calls of pcg32_next would leave it. */
void pcg32_advance(Pcg32 *rng, uint64_t count);
/* Uniform in [0, bound) by rejection, so no modulo bias; bound 0 returns 0. */
uint32_t pcg32_bounded(Pcg32 *rng, uint32_t bound);
/* Uniform double in [0, 1) with 53 random bits (two outputs). */
double pcg32_uniform(Pcg32 *rng);
/* Standard normal deviate (Box–Muller, two uniforms per call, no hidden cache). */
double pcg32_normal(Pcg32 *rng);
/* Fisher–Yates shuffle of n ints. */
void pcg32_shuffle_ints(Pcg32 *rng, int *items, int n);

#endif
