/* One sanitizer for every string bound for a terminal: controls and hidden bidi/format characters made visible (util layer). */
#include "util/termtext.h"

#include <stdio.h>
#include <string.h>

#include "util/alloc.h"

#define INVALID 0xFFFFFFFFu

bool termtext_is_control(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp < 0xA0); }

bool termtext_is_hidden(uint32_t cp)
{
    return cp == 0x00AD || cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 || (cp >= 0xE0000 && cp <= 0xE007F);
}

int termtext_decode(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char b = u[0];
    *cp = b;
    if (b < 0x80)
        return b ? 1 : 0;
    int need;
    uint32_t v, min;
    if (b >= 0xC2 && b <= 0xDF)
        need = 1, v = b & 0x1Fu, min = 0x80;
    else if (b >= 0xE0 && b <= 0xEF)
        need = 2, v = b & 0x0Fu, min = 0x800;
    else if (b >= 0xF0 && b <= 0xF4)
        need = 3, v = b & 0x07u, min = 0x10000;
    else
        return *cp = INVALID, 1;
    for (int i = 1; i <= need; i++) {
        if ((u[i] & 0xC0) != 0x80)      /* also stops at the NUL */
            return *cp = INVALID, 1;
        v = (v << 6) | (u[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return *cp = INVALID, 1;
    *cp = v;
    return need + 1;
}

/* Whether cp passes through unchanged. */
static bool passes(uint32_t cp, int flags)
{
    if (cp == INVALID || termtext_is_hidden(cp))
        return false;
    if (cp == '\t' || (cp == '\n' && (flags & TERMTEXT_KEEP_NEWLINE)))
        return true;
    return !termtext_is_control(cp);
}

const char *termtext_clean(const char *text, char *buf, size_t size, int flags)
{
    size_t used = 0;
    buf[0] = '\0';
    if (!text)
        return buf;
    uint32_t cp;
    int n;
    while ((n = termtext_decode(text, &cp)) > 0) {
        char piece[16];
        size_t len;
        if (passes(cp, flags)) {
            memcpy(piece, text, (size_t)n);
            len = (size_t)n;
        } else if (cp == INVALID || cp < 0x80) {
            len = (size_t)snprintf(piece, sizeof piece, "\\x%02X", (unsigned char)text[0]);
        } else {
            len = (size_t)snprintf(piece, sizeof piece, "<U+%04X>", (unsigned)cp);
        }
        if (used + len + 1 > size)
            break;
        memcpy(buf + used, piece, len);
        used += len;
        text += n;
    }
    buf[used] = '\0';
    return buf;
}

bool termtext_is_clean(const char *text, int flags)
{
    uint32_t cp;
    int n;
    while (text && (n = termtext_decode(text, &cp)) > 0) {
        if (!passes(cp, flags))
            return false;
        text += n;
    }
    return true;
}

char *termtext_dup(const char *text, int flags)
{
    if (!text)
        return NULL;
    size_t size = strlen(text) * 8 + 1;     /* the longest escape, <U+XXXXX>, is 9 bytes for 2 to 4 */
    char *buf = xmalloc(size);
    termtext_clean(text, buf, size, flags);
    return buf;
}
