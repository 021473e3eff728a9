/* UTF-8 and character widths written out by hand so rendering never depends on setlocale (view layer). */
#include "view/unicode.h"

#include <stddef.h>

#include "util/termtext.h"

int utf8_decode(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char b = u[0];
    if (b == 0) {
        *cp = 0;
        return 0;
    }
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    int need;
    uint32_t v, min;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1, v = b & 0x1Fu, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2, v = b & 0x0Fu, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3, v = b & 0x07u, min = 0x10000;
    } else {
        *cp = UNICODE_REPLACEMENT;
        return 1;
    }
    for (int i = 1; i <= need; i++) {
        if ((u[i] & 0xC0) != 0x80) {    /* also stops at NUL */
            *cp = UNICODE_REPLACEMENT;
            return 1;
        }
        v = (v << 6) | (u[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = UNICODE_REPLACEMENT;
        return 1;
    }
    *cp = v;
    return need + 1;
}

int utf8_encode(uint32_t cp, char *out)
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = UNICODE_REPLACEMENT;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

typedef struct Range {
    uint32_t lo, hi;
} Range;

/* Combining marks and zero-width characters (the blocks a tutor's text can plausibly contain). */
static const Range zero_width[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF}, {0x05C1, 0x05C2},
    {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F}, {0x0670, 0x0670},
    {0x06D6, 0x06DC}, {0x06DF, 0x06E4}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E},
    {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064},
    {0x20D0, 0x20FF}, {0x302A, 0x302F}, {0x3099, 0x309A}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
    {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

/* East Asian Wide and Fullwidth ranges, plus the emoji blocks terminals draw two columns wide. */
static const Range wide[] = {
    {0x1100, 0x115F}, {0x231A, 0x231B}, {0x2329, 0x232A}, {0x23E9, 0x23EC}, {0x23F0, 0x23F0},
    {0x23F3, 0x23F3}, {0x25FD, 0x25FE}, {0x2614, 0x2615}, {0x2648, 0x2653}, {0x267F, 0x267F},
    {0x2693, 0x2693}, {0x26A1, 0x26A1}, {0x26AA, 0x26AB}, {0x26BD, 0x26BE}, {0x26C4, 0x26C5},
    {0x26CE, 0x26CE}, {0x26D4, 0x26D4}, {0x26EA, 0x26EA}, {0x26F2, 0x26F3}, {0x26F5, 0x26F5},
    {0x26FA, 0x26FA}, {0x26FD, 0x26FD}, {0x2705, 0x2705}, {0x270A, 0x270B}, {0x2728, 0x2728},
    {0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755}, {0x2757, 0x2757}, {0x2795, 0x2797},
    {0x27B0, 0x27B0}, {0x27BF, 0x27BF}, {0x2B1B, 0x2B1C}, {0x2B50, 0x2B50}, {0x2B55, 0x2B55},
    {0x2E80, 0x303E}, {0x3041, 0x33FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xA000, 0xA4CF},
    {0xA960, 0xA97F}, {0xAC00, 0xD7A3}, {0xF900, 0xFAFF}, {0xFE10, 0xFE19}, {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60}, {0xFFE0, 0xFFE6}, {0x16FE0, 0x16FE4}, {0x17000, 0x18AFF}, {0x1B000, 0x1B2FF},
    {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
    {0x1F200, 0x1F251}, {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB},
    {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

static int in_ranges(uint32_t cp, const Range *r, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < r[mid].lo)
            hi = mid;
        else if (cp > r[mid].hi)
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

int unicode_width(uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        return -1;
    if (termtext_is_hidden(cp))
        return 0;                   /* bidi controls, soft hyphen, tags: never drawn (util/termtext.h) */
    if (cp < 0x300)
        return 1;
    if (in_ranges(cp, zero_width, sizeof zero_width / sizeof zero_width[0]))
        return 0;
    if (cp >= 0x1100 && in_ranges(cp, wide, sizeof wide / sizeof wide[0]))
        return 2;
    return 1;
}

int utf8_width(const char *s)
{
    int cols = 0;
    uint32_t cp;
    int n;
    while ((n = utf8_decode(s, &cp)) > 0) {
        int w = unicode_width(cp);
        cols += w < 0 ? 1 : w;
        s += n;
    }
    return cols;
}

uint32_t unicode_ascii_fallback(uint32_t cp)
{
    if (cp < 0x80)
        return cp;
    switch (cp) {
    case 0x2190: return '<';            /* ← */
    case 0x2192: return '>';            /* → */
    case 0x2191: return '^';            /* ↑ */
    case 0x2193: return 'v';            /* ↓ */
    case 0x2212: case 0x2013: case 0x2014: case 0x2010: case 0x2011: return '-';
    case 0x00B7: case 0x2022: case 0x2026: case 0x22C5: return '.';
    case 0x00D7: case 0x2715: return 'x';
    case 0x2018: case 0x2019: case 0x2032: return '\'';
    case 0x201C: case 0x201D: case 0x2033: return '"';
    case 0x00A0: case 0x2002: case 0x2003: case 0x2009: return ' ';
    case 0x25CF: case 0x2605: return '*';   /* ● ★ */
    case 0x25CB: case 0x25CE: case 0x25C9: return 'o';
    case 0x25C6: case 0x25C7: return '+';
    case 0x2264: return '<';
    case 0x2265: return '>';
    case 0x2248: case 0x223C: return '~';
    case 0x25B2: return '^';
    case 0x25BC: return 'v';
    case 0x2588: case 0x2593: case 0x2592: return '#';
    case 0x2591: return ':';
    case 0x2580: return '"';
    case 0x2584: return '.';
    default: break;
    }
    /* Box drawing: horizontal, vertical, everything else is a junction. */
    if (cp >= 0x2500 && cp <= 0x257F) {
        if (cp == 0x2500 || cp == 0x2501 || cp == 0x2504 || cp == 0x2505 || cp == 0x2508 ||
            cp == 0x2509 || cp == 0x254C || cp == 0x254D || cp == 0x2550 || cp == 0x2574 || cp == 0x2576)
            return '-';
        if (cp == 0x2502 || cp == 0x2503 || cp == 0x2506 || cp == 0x2507 || cp == 0x250A ||
            cp == 0x250B || cp == 0x254E || cp == 0x254F || cp == 0x2551 || cp == 0x2575 || cp == 0x2577)
            return '|';
        return '+';
    }
    if (cp >= 0x2800 && cp <= 0x28FF)
        return cp == 0x2800 ? ' ' : '.';
    return '?';
}
