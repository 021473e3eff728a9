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

/* k steps of state·M + inc compose into one affine map state·A + C; squaring the one-step map doubles the
 * steps, so the bits of count pick which powers to apply (the LCG jump-ahead). */
void pcg32_advance(Pcg32 *rng, uint64_t count)
{
    uint64_t step_mult = PCG32_MULTIPLIER, step_inc = rng->inc, mult = 1u, inc = 0u;
    for (; count; count >>= 1) {
        if (count & 1u) {
            mult *= step_mult;
            inc = inc * step_mult + step_inc;
        }
        step_inc *= step_mult + 1u;
        step_mult *= step_mult;
    }
    rng->state = rng->state * mult + inc;
}

static inline uint32_t pcg32_output(uint64_t old)
{
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PCG32_HAVE_AVX2 1
#include <immintrin.h>

/* a·b mod 2⁶⁴ in each 64-bit lane, from 32-bit products (AVX2 has no 64-bit multiply). */
__attribute__((target("avx2"))) static inline __m256i mul64(__m256i a, __m256i b)
{
    __m256i cross = _mm256_mullo_epi32(a, _mm256_shuffle_epi32(b, 0xB1));    /* lo·hi and hi·lo */
    __m256i high = _mm256_add_epi32(cross, _mm256_srli_epi64(cross, 32));     /* their sum, in the low half */
    return _mm256_add_epi64(_mm256_mul_epu32(a, b), _mm256_slli_epi64(high, 32));
}

/* XSH-RR of four states, the four outputs in the low 128 bits. */
__attribute__((target("avx2"))) static inline __m128i output4(__m256i old)
{
    __m256i xorshifted = _mm256_srli_epi64(_mm256_xor_si256(_mm256_srli_epi64(old, 18), old), 27);
    __m256i rot = _mm256_srli_epi64(old, 59);
    __m256i left = _mm256_and_si256(_mm256_sub_epi32(_mm256_setzero_si256(), rot), _mm256_set1_epi32(31));
    __m256i r = _mm256_or_si256(_mm256_srlv_epi32(xorshifted, rot), _mm256_sllv_epi32(xorshifted, left));
    return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(r, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7)));
}

/* Eight lanes in two vectors, each jumping eight steps; returns how many outputs it wrote. */
__attribute__((target("avx2"))) static int fill_avx2(Pcg32 *rng, uint32_t *out, int count)
{
    enum { LANES = 8 };
    uint64_t jump_mult = 1u, jump_inc = 0u, lane[LANES];
    for (int k = 0; k < LANES; k++) {
        jump_inc = jump_inc * PCG32_MULTIPLIER + rng->inc;
        jump_mult *= PCG32_MULTIPLIER;
    }
    lane[0] = rng->state;
    for (int k = 1; k < LANES; k++)
        lane[k] = lane[k - 1] * PCG32_MULTIPLIER + rng->inc;
    __m256i s0 = _mm256_loadu_si256((const __m256i *)(const void *)lane);
    __m256i s1 = _mm256_loadu_si256((const __m256i *)(const void *)(lane + 4));
    const __m256i mult = _mm256_set1_epi64x((long long)jump_mult), inc = _mm256_set1_epi64x((long long)jump_inc);
    int i = 0;
    for (; i + LANES <= count; i += LANES) {
        _mm_storeu_si128((__m128i *)(void *)(out + i), output4(s0));
        _mm_storeu_si128((__m128i *)(void *)(out + i + 4), output4(s1));
        s0 = _mm256_add_epi64(mul64(s0, mult), inc);
        s1 = _mm256_add_epi64(mul64(s1, mult), inc);
    }
    _mm256_storeu_si256((__m256i *)(void *)lane, s0);
    rng->state = lane[0];   /* the state of draw i, the first not taken */
    return i;
}
#else
#define PCG32_HAVE_AVX2 0
#endif

void pcg32_fill(Pcg32 *rng, uint32_t *out, int count)
{
    int i = 0;
#if PCG32_HAVE_AVX2
    static int avx2 = -1;
    if (avx2 < 0)
        avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    if (avx2)
        i = fill_avx2(rng, out, count);
#endif
    enum { LANES = 4 };
    /* state ← jump_mult·state + jump_inc is LANES steps of state ← MULTIPLIER·state + inc at once. */
    uint64_t jump_mult = 1u, jump_inc = 0u;
    for (int k = 0; k < LANES; k++) {
        jump_inc = jump_inc * PCG32_MULTIPLIER + rng->inc;
        jump_mult *= PCG32_MULTIPLIER;
    }
    uint64_t lane[LANES];
    lane[0] = rng->state;
    for (int k = 1; k < LANES; k++)
        lane[k] = lane[k - 1] * PCG32_MULTIPLIER + rng->inc;
    for (; i + LANES <= count; i += LANES)
        for (int k = 0; k < LANES; k++) {
            out[i + k] = pcg32_output(lane[k]);
            lane[k] = lane[k] * jump_mult + jump_inc;
        }
    rng->state = lane[0];
    for (; i < count; i++)
        out[i] = pcg32_next(rng);
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
