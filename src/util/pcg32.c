/* PCG32 XSH-RR 64/32 generator (util layer), bit-for-bit the reference algorithm. */
#include "util/pcg32.h"

#include <math.h>

#define PCG32_MULTIPLIER 6364136223846793005ULL

uint32_t pcg32_next(Pcg32 *rng)
{
    uint64_t old = rng->state;
    rng->state = old * PCG32_MULTIPLIER + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

void pcg32_seed(Pcg32 *rng, uint64_t initstate, uint64_t initseq)
{
    rng->state = 0u;
    rng->inc = (initseq << 1u) | 1u;
    pcg32_next(rng);
    rng->state += initstate;
    pcg32_next(rng);
}

uint32_t pcg32_bounded(Pcg32 *rng, uint32_t bound)
{
    if (bound == 0)
        return 0;
    /* Values below 2^32 mod bound would make low results more likely; skip them. */
    uint32_t threshold = (uint32_t)(-bound) % bound;
    for (;;) {
        uint32_t r = pcg32_next(rng);
        if (r >= threshold)
            return r % bound;
    }
}

double pcg32_uniform(Pcg32 *rng)
{
    uint64_t hi = pcg32_next(rng) >> 5;   /* 27 bits */
    uint64_t lo = pcg32_next(rng) >> 6;   /* 26 bits */
    return (double)((hi << 26) | lo) * (1.0 / 9007199254740992.0);
}

double pcg32_normal(Pcg32 *rng)
{
    /* 1 - u lies in (0, 1], so the logarithm is finite. */
    double u1 = 1.0 - pcg32_uniform(rng);
    double u2 = pcg32_uniform(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void pcg32_shuffle_ints(Pcg32 *rng, int *items, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)pcg32_bounded(rng, (uint32_t)i + 1u);
        int t = items[i];
        items[i] = items[j];
        items[j] = t;
    }
}
