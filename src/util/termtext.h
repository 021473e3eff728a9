/* Text bound for a terminal: which characters may not reach it raw, and one sanitizer for every message (util layer). */
#ifndef BNTUTOR_UTIL_TERMTEXT_H
#define BNTUTOR_UTIL_TERMTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* C0 controls, DEL and C1 controls: a terminal acts on them (ESC starts a sequence, BEL rings). */
bool termtext_is_control(uint32_t cp);
/* Characters a terminal does not show as themselves but that reorder or hide text: the bidi
 * embeddings, overrides, isolates and marks (U+061C, U+200E/F, U+202A–202E, U+2066–2069), the line
 * and paragraph separators U+2028/9, the soft hyphen U+00AD and the tag characters U+E0000–E007F.
 * The canvas drops them (so the tutor, render and export agree) and the sanitizer spells them out. */
bool termtext_is_hidden(uint32_t cp);

/* Flags for termtext_clean. */
enum { TERMTEXT_KEEP_NEWLINE = 1 };

/* Copies NUL-terminated text into buf (size > 0) as safe to print: controls become \xHH ('\t' stays,
 * '\n' stays with TERMTEXT_KEEP_NEWLINE), hidden characters become <U+XXXX>, invalid UTF-8 bytes
 * become \xHH. Cut short at a character boundary when buf is too small. Returns buf. */
const char *termtext_clean(const char *text, char *buf, size_t size, int flags);
/* The same as a new string (never NULL for a non-NULL text). */
char *termtext_dup(const char *text, int flags);
/* True when text holds nothing termtext_clean would change (flags as there). */
bool termtext_is_clean(const char *text, int flags);
/* Decodes one UTF-8 code point of NUL-terminated s: bytes used (0 at the NUL); an invalid byte
 * uses 1 and gives *cp = 0xFFFFFFFF so callers can tell it from a real character. */
int termtext_decode(const char *s, uint32_t *cp);

#endif
