/* Screen furniture: titled panels, the status bar with key hints, and big block digits (view layer). */
#ifndef BNTUTOR_VIEW_CHROME_H
#define BNTUTOR_VIEW_CHROME_H

#include "view/canvas.h"
#include "view/rect.h"

/* A box around area (┌─┐ or +-+ on an ASCII canvas) with " title " on its top edge (NULL: none),
 * truncated with "…" when long. Returns the inside rectangle (area inset by one cell). */
Rect panel_draw(Canvas *canvas, Rect area, const char *title, ColorRole border_role);

typedef struct KeyHint {
    const char *key;        /* "←/→", "space", "?", "q" (arrows fall back to < > on ASCII canvases) */
    const char *label;      /* "page", "play", "help", "quit" */
} KeyHint;

/* One row (area.y, area.x .. area.x+area.w) in ROLE_STATUS: hints in order of importance, keys bold,
 * and `right` (or NULL) right-aligned. When it does not fit it shortens step by step: single spaces
 * between hints, then without `right`, then dropping hints from the end, then truncating. */
void statusbar_draw(Canvas *canvas, Rect area, const KeyHint *hints, int n, const char *right);

enum { BIGDIGITS_HEIGHT = 5 };
/* Block numerals 5 rows tall, 3 columns per character plus 1 between: digits, '.', ',', '-', '−',
 * '+', 'e', '%', ':', 'x', ' ' (others show as a blank). Returns the columns used. */
int bigdigits_draw(Canvas *canvas, int x, int y, const char *text, ColorRole role);
int bigdigits_width(const char *text);

#endif
