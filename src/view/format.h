/* Numbers for people: significant digits, thousands separators, scientific form, nice axis ticks (view layer). */
#ifndef BNTUTOR_VIEW_FORMAT_H
#define BNTUTOR_VIEW_FORMAT_H

#include <stdbool.h>

/* Enough room for any formatted number (size arguments may be smaller: output is truncated). */
enum { FORMAT_MAX = 48, TICKS_MAX = 32 };

/* Rules shared by every formatter below:
 * - NaN is "nan"; infinities are "∞" / "−∞" ("inf" / "-inf" when !unicode).
 * - The minus sign is U+2212 "−" when unicode, else '-'. Exponents always use plain '-'.
 * - Integer parts of 5 or more digits get ',' thousands separators (12,346; 1234 stays 1234).
 * - -0 and values that round to zero print without a sign. */

/* About `sig` significant digits (1..15; ≤0 means 4): fixed notation for 1e-4 ≤ |v| < 1e6 with
 * trailing zeros dropped (integer digits are never dropped: 12345.678 → "12,346"); otherwise
 * scientific "1.235e6", "1.2e-7". Returns buf. */
const char *format_number(char *buf, int size, double v, int sig, bool unicode);
/* Exactly `decimals` digits after the point (0..12), with separators: table columns align. */
const char *format_fixed(char *buf, int size, double v, int decimals, bool unicode);
/* A tick label: as many decimals as the tick step needs, so 0, 0.2, 0.4 and 0, 20, 40 read evenly;
 * scientific when the step is below 1e-4 or |v| ≥ 1e6. */
const char *format_tick(char *buf, int size, double v, double step, bool unicode);

typedef struct Ticks {
    int count;
    double step;                /* 0 for log ticks */
    double v[TICKS_MAX];        /* ascending */
} Ticks;

/* The nice step (1, 2 or 5 × 10^k) not below raw (raw > 0). */
double ticks_nice_step(double raw);
/* About `target` (≥2) ticks for [lo, hi] at a nice step. extend: the first and last ticks round
 * outward to cover the range (use them as the new range: 0..97 → 0, 20, ..., 100); otherwise only
 * ticks inside [lo, hi]. Equal or reversed ends are widened. Returns the tick count. */
int ticks_nice(Ticks *ticks, double lo, double hi, int target, bool extend);
/* Log-scale ticks inside [lo, hi] (lo > 0): powers of ten, adding 2× and 5× when fewer than three
 * decades show, thinning to every k-th decade when there are more than `target`. */
int ticks_log(Ticks *ticks, double lo, double hi, int target);

#endif
