/* Canvas frames as the bytes a terminal would receive: a full paint, then only the cells that changed (view layer; builds bytes, talks to no terminal). */
#ifndef BNTUTOR_VIEW_ANSI_H
#define BNTUTOR_VIEW_ANSI_H

#include <stdbool.h>
#include <stddef.h>

#include "view/canvas.h"
#include "view/theme.h"

/* Remembers the screen as the bytes so far left it (cells, cursor, current SGR), so each frame sends
 * only what differs. The bytes are for an xterm-compatible terminal of the canvas's size: cursor moves
 * (CUP/CHA), SGR with 256-colour indices from the theme (or the theme's monochrome attributes), and
 * UTF-8 text. */
typedef struct AnsiEncoder AnsiEncoder;

/* `theme` is copied. color false: no colours at all, each role's monochrome attributes instead. */
AnsiEncoder *ansi_encoder_create(const Theme *theme, bool color);
void ansi_encoder_destroy(AnsiEncoder *encoder);    /* accepts NULL */

/* The bytes that turn the screen as last encoded into `canvas`. The first frame, and any frame whose
 * size differs from the one before, resets attributes, hides the cursor, clears the screen and paints
 * every cell that is not blank; later frames only rewrite changed cells (a wide character's two
 * columns always together). Returns a NUL-terminated buffer owned by the encoder, valid until the
 * next call; *len (if not NULL) gets its length; "" when nothing changed. */
const char *ansi_encoder_frame(AnsiEncoder *encoder, const Canvas *canvas, size_t *len);

#endif
