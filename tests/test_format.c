/* Number formatting and tick choice: significant digits, separators, signs, specials, nice and log ticks. */
#include <criterion/criterion.h>
#include <math.h>

#include "support/check.h"
#include "view/format.h"

#define MINUS "\xe2\x88\x92"

static const char *num(double v, int sig, bool unicode)
{
    static char buf[FORMAT_MAX];
    return format_number(buf, sizeof buf, v, sig, unicode);
}

Test(format, large_numbers_keep_integer_digits_with_thousands_separators)
{
    cr_assert_str_eq(num(12345.678, 4, true), "12,346");
    cr_assert_str_eq(num(1234.6, 4, true), "1235", "four digits need no separator");
    cr_assert_str_eq(num(999999.4, 4, true), "999,999");
    cr_assert_str_eq(num(-54321, 3, false), "-54,321");
}

Test(format, ordinary_numbers_get_significant_digits_without_trailing_zeros)
{
    cr_assert_str_eq(num(3.14159, 4, true), "3.142");
    cr_assert_str_eq(num(0.5, 4, true), "0.5");
    cr_assert_str_eq(num(2.0, 4, true), "2");
    cr_assert_str_eq(num(0.000123, 3, true), "0.000123");
    cr_assert_str_eq(num(9.99996, 4, true), "10", "rounding carries");
    cr_assert_str_eq(num(0, 4, true), "0");
}

Test(format, very_large_and_small_numbers_go_scientific)
{
    cr_assert_str_eq(num(1234567, 4, true), "1.235e6");
    cr_assert_str_eq(num(1e9, 4, true), "1e9");
    cr_assert_str_eq(num(1.2e-7, 3, true), "1.2e-7");
    cr_assert_str_eq(num(-4.5e-5, 3, true), MINUS "4.5e-5");
}

Test(format, negatives_use_a_true_minus_only_in_unicode)
{
    cr_assert_str_eq(num(-1.5, 4, true), MINUS "1.5");
    cr_assert_str_eq(num(-1.5, 4, false), "-1.5");
    cr_assert_str_eq(num(-0.0, 4, true), "0", "no negative zero");
    char buf[FORMAT_MAX];
    cr_assert_str_eq(format_fixed(buf, sizeof buf, -0.0001, 2, true), "0.00", "rounds to zero: no sign");
}

Test(format, nan_and_infinities_have_readable_names)
{
    cr_assert_str_eq(num(NAN, 4, true), "nan");
    cr_assert_str_eq(num(INFINITY, 4, true), "\xe2\x88\x9e");
    cr_assert_str_eq(num(-INFINITY, 4, true), MINUS "\xe2\x88\x9e");
    cr_assert_str_eq(num(INFINITY, 4, false), "inf");
    cr_assert_str_eq(num(-INFINITY, 4, false), "-inf");
}

Test(format, fixed_decimals_align_table_columns)
{
    char buf[FORMAT_MAX];
    cr_assert_str_eq(format_fixed(buf, sizeof buf, 1.5, 3, false), "1.500");
    cr_assert_str_eq(format_fixed(buf, sizeof buf, 123456.789, 1, false), "123,456.8");
    cr_assert_str_eq(format_fixed(buf, sizeof buf, 7, 0, false), "7");
}

Test(format, a_small_buffer_truncates_instead_of_overflowing)
{
    char buf[4] = "xyz";
    format_number(buf, sizeof buf, 123456.0, 4, false);
    cr_assert_str_eq(buf, "123");
}

static void check_ticks(const Ticks *t, const double *want, int n, const char *what)
{
    cr_assert_eq(t->count, n, "%s: %d ticks", what, t->count);
    for (int i = 0; i < n; i++)
        check_close(t->v[i], want[i], 1e-12, 1e-12, "%s: tick %d", what, i);
}

Test(format, ticks_over_0_to_1_step_by_a_fifth)
{
    Ticks t;
    ticks_nice(&t, 0, 1, 6, true);
    check_ticks(&t, (double[]){0, 0.2, 0.4, 0.6, 0.8, 1.0}, 6, "0..1");
    check_close(t.step, 0.2, 1e-12, 0, "step");
}

Test(format, ticks_over_0_to_97_round_out_to_100)
{
    Ticks t;
    ticks_nice(&t, 0, 97, 6, true);
    check_ticks(&t, (double[]){0, 20, 40, 60, 80, 100}, 6, "0..97");
    ticks_nice(&t, 0, 97, 6, false);
    check_ticks(&t, (double[]){0, 20, 40, 60, 80}, 5, "0..97 inside");
}

Test(format, ticks_handle_negative_ranges_without_minus_zero)
{
    Ticks t;
    ticks_nice(&t, -0.3, 0.7, 6, true);
    check_ticks(&t, (double[]){-0.4, -0.2, 0, 0.2, 0.4, 0.6, 0.8}, 7, "-0.3..0.7");
    cr_assert(!signbit(t.v[2]), "zero tick has no sign");
    ticks_nice(&t, 5, 5, 5, true);
    cr_assert_geq(t.count, 2, "a degenerate range is widened");
}

Test(format, nice_steps_are_one_two_or_five_times_a_power_of_ten)
{
    check_close(ticks_nice_step(0.13), 0.2, 1e-12, 0, "0.13");
    check_close(ticks_nice_step(3), 5, 1e-12, 0, "3");
    check_close(ticks_nice_step(7), 10, 1e-12, 0, "7");
    check_close(ticks_nice_step(1000), 1000, 1e-12, 0, "1000");
}

Test(format, log_ticks_are_powers_of_ten_and_fill_in_short_ranges)
{
    Ticks t;
    ticks_log(&t, 0.01, 1000, 10);
    check_ticks(&t, (double[]){0.01, 0.1, 1, 10, 100, 1000}, 6, "six decades");
    ticks_log(&t, 1, 50, 10);
    check_ticks(&t, (double[]){1, 2, 5, 10, 20, 50}, 6, "under two decades");
    ticks_log(&t, 1e-3, 1e6, 4);
    cr_assert_leq(t.count, 5, "thinned to about the target");
    cr_assert_eq(ticks_log(&t, -1, 10, 5), 0, "no log ticks for a non-positive range");
}

Test(format, tick_labels_use_the_decimals_the_step_needs)
{
    char buf[FORMAT_MAX];
    cr_assert_str_eq(format_tick(buf, sizeof buf, 0.4, 0.2, true), "0.4");
    cr_assert_str_eq(format_tick(buf, sizeof buf, 1, 0.2, true), "1.0");
    cr_assert_str_eq(format_tick(buf, sizeof buf, 40, 20, true), "40");
    cr_assert_str_eq(format_tick(buf, sizeof buf, -0.5, 0.05, false), "-0.50");
    cr_assert_str_eq(format_tick(buf, sizeof buf, 20000, 10000, false), "20,000");
    cr_assert_str_eq(format_tick(buf, sizeof buf, 3e6, 1e6, false), "3e6");
    cr_assert_str_eq(format_tick(buf, sizeof buf, 1e-17, 0.1, false), "0.0", "round-off zero");
}
