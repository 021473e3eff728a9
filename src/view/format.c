/* Number formatting and tick choice for axes, tables and readouts (view layer). */
#include "view/format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MINUS_UTF8 "\xe2\x88\x92"

static const char *format_special(char *buf, int size, double v, bool unicode)
{
    if (isnan(v))
        snprintf(buf, (size_t)size, "nan");
    else if (v > 0)
        snprintf(buf, (size_t)size, "%s", unicode ? "\xe2\x88\x9e" : "inf");
    else
        snprintf(buf, (size_t)size, "%s", unicode ? MINUS_UTF8 "\xe2\x88\x9e" : "-inf");
    return buf;
}

/* Copies digits (an unsigned "%.Nf" result) to out with separators and the sign. */
static void compose(char *buf, int size, const char *digits, bool negative, bool unicode)
{
    char out[FORMAT_MAX * 2];
    size_t n = 0;
    bool all_zero = strspn(digits, "0.") == strlen(digits);
    if (negative && !all_zero) {
        const char *m = unicode ? MINUS_UTF8 : "-";
        memcpy(out, m, strlen(m));
        n += strlen(m);
    }
    size_t int_len = strcspn(digits, ".");
    for (size_t i = 0; digits[i] && n < sizeof out - 2; i++) {
        out[n++] = digits[i];
        size_t left = int_len - i - 1;  /* integer digits still to come */
        if (i < int_len && int_len >= 5 && left > 0 && left % 3 == 0)
            out[n++] = ',';
    }
    out[n] = '\0';
    snprintf(buf, (size_t)size, "%s", out);
}

const char *format_fixed(char *buf, int size, double v, int decimals, bool unicode)
{
    if (size <= 0)
        return buf;
    if (!isfinite(v))
        return format_special(buf, size, v, unicode);
    if (decimals < 0)
        decimals = 0;
    if (decimals > 12)
        decimals = 12;
    char digits[FORMAT_MAX * 8];
    snprintf(digits, sizeof digits, "%.*f", decimals, fabs(v));
    compose(buf, size, digits, signbit(v), unicode);
    return buf;
}

static void strip_zeros(char *s)
{
    if (!strchr(s, '.'))
        return;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '0')
        s[--n] = '\0';
    if (n > 0 && s[n - 1] == '.')
        s[--n] = '\0';
}

static const char *format_scientific(char *buf, int size, double v, int sig, bool unicode)
{
    char mant[64];
    snprintf(mant, sizeof mant, "%.*e", sig - 1, fabs(v));
    char *e = strchr(mant, 'e');
    int exponent = 0;
    if (e) {
        exponent = (int)strtol(e + 1, NULL, 10);
        *e = '\0';
    }
    strip_zeros(mant);
    char digits[96];
    snprintf(digits, sizeof digits, "%se%d", mant, exponent);
    const char *m = (signbit(v) && v != 0) ? (unicode ? MINUS_UTF8 : "-") : "";
    snprintf(buf, (size_t)size, "%s%s", m, digits);
    return buf;
}

const char *format_number(char *buf, int size, double v, int sig, bool unicode)
{
    if (size <= 0)
        return buf;
    if (!isfinite(v))
        return format_special(buf, size, v, unicode);
    if (sig <= 0)
        sig = 4;
    if (sig > 15)
        sig = 15;
    double a = fabs(v);
    if (a == 0) {
        snprintf(buf, (size_t)size, "0");
        return buf;
    }
    if (a < 1e-4 || a >= 1e6)
        return format_scientific(buf, size, v, sig, unicode);
    int e = (int)floor(log10(a));
    int decimals = sig - 1 - e;
    if (decimals < 0)
        decimals = 0;
    char digits[FORMAT_MAX * 2];
    snprintf(digits, sizeof digits, "%.*f", decimals, a);
    strip_zeros(digits);
    compose(buf, size, digits, v < 0, unicode);
    return buf;
}

const char *format_tick(char *buf, int size, double v, double step, bool unicode)
{
    if (!(step > 0) || !isfinite(step))
        return format_number(buf, size, v, 3, unicode);
    if (fabs(v) < step * 1e-6)
        v = 0;
    if (v != 0 && (step < 1e-4 || fabs(v) >= 1e6)) {
        /* Enough mantissa digits to tell neighbouring ticks apart. */
        int sig = (int)floor(log10(fabs(v))) - (int)floor(log10(step) + 1e-9) + 1;
        if (sig < 1)
            sig = 1;
        if (sig > 6)
            sig = 6;
        return format_scientific(buf, size, v, sig, unicode);
    }
    int decimals = -(int)floor(log10(step) + 1e-9);
    return format_fixed(buf, size, v, decimals < 0 ? 0 : decimals, unicode);
}

double ticks_nice_step(double raw)
{
    if (!(raw > 0) || !isfinite(raw))
        return 1;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double nice = f <= 1.000001 ? 1 : f <= 2.000001 ? 2 : f <= 5.000001 ? 5 : 10;
    return nice * mag;
}

int ticks_nice(Ticks *ticks, double lo, double hi, int target, bool extend)
{
    ticks->count = 0;
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    if (hi < lo) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    if (hi == lo) {
        double pad = lo == 0 ? 1 : fabs(lo) * 0.1;
        lo -= pad;
        hi += pad;
    }
    if (target < 2)
        target = 2;
    if (target > TICKS_MAX - 1)
        target = TICKS_MAX - 1;
    double step = ticks_nice_step((hi - lo) / (target - 1));
    double first, last;
    if (extend) {
        first = floor(lo / step + 1e-9) * step;
        last = ceil(hi / step - 1e-9) * step;
    } else {
        first = ceil(lo / step - 1e-9) * step;
        last = floor(hi / step + 1e-9) * step;
    }
    /* Rounding out can add a tick or two beyond target; a coarser step fixes a crowded axis. */
    while ((last - first) / step + 1.5 > TICKS_MAX) {
        step = ticks_nice_step(step * 1.5);
        first = extend ? floor(lo / step + 1e-9) * step : ceil(lo / step - 1e-9) * step;
        last = extend ? ceil(hi / step - 1e-9) * step : floor(hi / step + 1e-9) * step;
    }
    ticks->step = step;
    int n = (int)floor((last - first) / step + 0.5) + 1;
    for (int i = 0; i < n && ticks->count < TICKS_MAX; i++) {
        double t = first + i * step;
        if (fabs(t) < step * 1e-9)
            t = 0;                      /* no "-0" ticks */
        ticks->v[ticks->count++] = t;
    }
    return ticks->count;
}

int ticks_log(Ticks *ticks, double lo, double hi, int target)
{
    ticks->count = 0;
    ticks->step = 0;
    if (!(lo > 0) || !(hi > lo) || !isfinite(hi))
        return 0;
    if (target < 2)
        target = 2;
    int e0 = (int)ceil(log10(lo) - 1e-9), e1 = (int)floor(log10(hi) + 1e-9);
    int decades = e1 - e0 + 1;
    if (decades < 3) {
        static const double mult[3] = {1, 2, 5};
        for (int e = e0 - 1; e <= e1; e++)
            for (int k = 0; k < 3; k++) {
                double t = mult[k] * pow(10, e);
                if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9) && ticks->count < TICKS_MAX)
                    ticks->v[ticks->count++] = t;
            }
        return ticks->count;
    }
    int every = (decades + target - 1) / target;
    for (int e = e0; e <= e1 && ticks->count < TICKS_MAX; e++)
        if ((e - e0) % every == 0)
            ticks->v[ticks->count++] = pow(10, e);
    return ticks->count;
}
