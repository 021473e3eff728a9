/* UTF-8 decoding/encoding and terminal column widths of code points, independent of the C locale (view layer). */
#ifndef BNTUTOR_VIEW_UNICODE_H
#define BNTUTOR_VIEW_UNICODE_H

#include <stdint.h>

#define UNICODE_REPLACEMENT 0xFFFDu

/* Decodes one code point from NUL-terminated s; returns bytes consumed (0 at the terminating NUL).
 * Invalid or truncated sequences, overlongs, surrogates and values above U+10FFFF consume one byte
 * and yield U+FFFD, so decoding always makes progress. */
int utf8_decode(const char *s, uint32_t *cp);
/* Writes cp as UTF-8 into out (4 bytes room); returns the byte count (invalid cp → U+FFFD). */
int utf8_encode(uint32_t cp, char *out);
/* Columns a code point takes: 2 East Asian wide/fullwidth, 0 combining marks and zero-width
 * characters and the hidden bidi/format characters of termtext_is_hidden, -1 control characters,
 * 1 otherwise. */
int unicode_width(uint32_t cp);
/* Columns of a UTF-8 string as canvas_text draws it (controls and invalid bytes count 1). */
int utf8_width(const char *s);
/* An ASCII stand-in for cp ('→' → '>', box lines → '-', '|', '+', '−' → '-'; '?' when none fits). */
uint32_t unicode_ascii_fallback(uint32_t cp);

#endif
