/* PCG32 against the reference generator's published outputs, plus the derived draws. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/check.h"
#include "util/pcg32.h"

/* Returns the text after "key:" on its line in the known-answers file. */
static char *known_answer(const char *key)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/pcg32_known_answers.txt", check_reference_dir());
    char *text = check_read_file(path, NULL);
    cr_assert_not_null(text, "cannot read %s", path);
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\n%s:", key);
    char *at = strstr(text, pattern);
    cr_assert_not_null(at, "no '%s:' line in %s", key, path);
    at += strlen(pattern);
    char *end = strchr(at, '\n');
    if (end)
        *end = '\0';
    char *line = strdup(at);
    free(text);
    return line;
}

static Pcg32 seeded_42_54(void)
{
    Pcg32 rng;
    pcg32_seed(&rng, 42u, 54u);
    return rng;
}

Test(pcg32, seeding_with_42_54_reaches_the_reference_state)
{
    Pcg32 rng = seeded_42_54();
    cr_assert_eq(rng.state, 0x185706b82c2e03f8ULL, "state after seeding is %#llx",
                 (unsigned long long)rng.state);
    cr_assert_eq(rng.inc, 0x6dULL);
}

Test(pcg32, first_six_outputs_match_the_reference)
{
    Pcg32 rng = seeded_42_54();
    char *line = known_answer("first_six_outputs");
    char *cursor = line;
    for (int i = 0; i < 6; i++) {
        unsigned long expected = strtoul(cursor, &cursor, 16);
        uint32_t got = pcg32_next(&rng);
        cr_assert_eq(got, (uint32_t)expected, "output %d: got %#x, expected %#lx", i, got, expected);
    }
    free(line);
}

Test(pcg32, coin_flips_and_die_rolls_follow_the_outputs_as_in_the_reference)
{
    Pcg32 rng = seeded_42_54();
    for (int i = 0; i < 6; i++)
        pcg32_next(&rng);
    char *coins = known_answer("coins");
    char *c = coins;
    while (*c == ' ')
        c++;
    int flips = 0;
    for (; *c == 'H' || *c == 'T'; c++, flips++) {
        char got = pcg32_bounded(&rng, 2) ? 'H' : 'T';
        cr_assert_eq(got, *c, "coin %d: got %c, expected %c", flips, got, *c);
    }
    cr_assert_eq(flips, 65, "the reference lists 65 flips, read %d", flips);
    free(coins);

    char *rolls = known_answer("rolls");
    char *cursor = rolls;
    for (int i = 0; i < 33; i++) {
        long expected = strtol(cursor, &cursor, 10);
        long got = (long)pcg32_bounded(&rng, 6) + 1;
        cr_assert_eq(got, expected, "roll %d: got %ld, expected %ld", i, got, expected);
    }
    free(rolls);
}

Test(pcg32, the_default_initializer_state_gives_the_reference_outputs)
{
    Pcg32 rng = { 0x853c49e6748fea9bULL, 0xda3e39cb94b95bdbULL };
    char *line = known_answer("initializer_outputs");
    char *cursor = line;
    for (int i = 0; i < 3; i++) {
        unsigned long expected = strtoul(cursor, &cursor, 16);
        cr_assert_eq(pcg32_next(&rng), (uint32_t)expected, "initializer output %d", i);
    }
    free(line);
}

Test(pcg32, bounded_values_stay_in_range_and_cover_it_evenly)
{
    Pcg32 rng = seeded_42_54();
    int counts[7] = { 0 };
    for (int i = 0; i < 70000; i++) {
        uint32_t v = pcg32_bounded(&rng, 7);
        cr_assert_lt(v, 7u);
        counts[v]++;
    }
    for (int k = 0; k < 7; k++)
        cr_assert(counts[k] > 9500 && counts[k] < 10500, "value %d drawn %d times of 70000", k, counts[k]);
}

Test(pcg32, uniforms_lie_in_the_unit_interval_with_mean_one_half)
{
    Pcg32 rng = seeded_42_54();
    double sum = 0.0;
    for (int i = 0; i < 100000; i++) {
        double u = pcg32_uniform(&rng);
        cr_assert(u >= 0.0 && u < 1.0, "uniform %d is %g", i, u);
        sum += u;
    }
    check_close(sum / 100000, 0.5, 0.01, 0.0, "mean of 100000 uniforms");
}

Test(pcg32, normals_have_mean_zero_and_variance_one)
{
    Pcg32 rng = seeded_42_54();
    double sum = 0.0, sq = 0.0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double z = pcg32_normal(&rng);
        cr_assert(isfinite(z));
        sum += z;
        sq += z * z;
    }
    double mean = sum / n;
    cr_assert(fabs(mean) < 0.01, "mean of %d normals is %g", n, mean);
    check_close(sq / n - mean * mean, 1.0, 0.02, 0.0, "variance of %d normals", n);
}

Test(pcg32, the_same_seed_reproduces_the_same_shuffle)
{
    int a[20], b[20];
    for (int i = 0; i < 20; i++)
        a[i] = b[i] = i;
    Pcg32 r1 = seeded_42_54(), r2 = seeded_42_54();
    pcg32_shuffle_ints(&r1, a, 20);
    pcg32_shuffle_ints(&r2, b, 20);
    cr_assert_arr_eq(a, b, sizeof a);
    int seen[20] = { 0 };
    for (int i = 0; i < 20; i++)
        seen[a[i]]++;
    for (int i = 0; i < 20; i++)
        cr_assert_eq(seen[i], 1, "a shuffle is a permutation: %d appears %d times", i, seen[i]);
}

Test(pcg32, fill_gives_the_outputs_and_the_final_state_of_one_by_one_draws)
{
    static const int counts[] = { 0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 100, 784 };
    uint32_t got[784];
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        Pcg32 one, many;
        pcg32_seed(&one, 42u + c, 54u);
        many = one;
        pcg32_fill(&many, got, counts[c]);
        for (int i = 0; i < counts[c]; i++) {
            uint32_t want = pcg32_next(&one);
            cr_assert_eq(got[i], want, "fill of %d: output %d is %u, one by one %u", counts[c], i, got[i], want);
        }
        cr_assert_eq(many.state, one.state, "fill of %d left the state elsewhere", counts[c]);
        cr_assert_eq(many.inc, one.inc);
    }
}

Test(pcg32, advance_leaves_the_state_where_as_many_draws_would)
{
    static const uint64_t counts[] = { 0, 1, 2, 3, 7, 8, 63, 64, 65, 784, 1000, 4097, 100003 };
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        Pcg32 drawn, jumped;
        pcg32_seed(&drawn, 7u * c + 1u, 2u * c + 5u);
        jumped = drawn;
        for (uint64_t i = 0; i < counts[c]; i++)
            pcg32_next(&drawn);
        pcg32_advance(&jumped, counts[c]);
        cr_assert_eq(jumped.state, drawn.state, "advance by %llu", (unsigned long long)counts[c]);
        cr_assert_eq(jumped.inc, drawn.inc);
        cr_assert_eq(pcg32_next(&jumped), pcg32_next(&drawn), "the next output after %llu",
                     (unsigned long long)counts[c]);
    }
}

Test(pcg32, advancing_by_the_full_period_returns_to_the_start)
{
    /* 2^64 steps is the period: advancing by 2^63 twice must come back, by 2^63 once must not. */
    Pcg32 rng, start;
    pcg32_seed(&rng, 42u, 54u);
    start = rng;
    pcg32_advance(&rng, UINT64_C(1) << 63);
    cr_assert_neq(rng.state, start.state);
    pcg32_advance(&rng, UINT64_C(1) << 63);
    cr_assert_eq(rng.state, start.state);
}
