/* One-row captions made of segments that are kept or dropped whole, so a number is never cut (view layer).
 *
 * A caption such as "step 200  loss 0.0141  acc 97.5%" cut at the right edge can read as a different
 * number ("loss 0.01"). Callers mark where the line may end with FITLINE_SEP ("\x1f", never drawn):
 *     snprintf(buf, n, "step %ld" FITLINE_SEP "  loss %s" FITLINE_SEP "  acc %s", ...);
 * fitline_draw keeps the longest run of whole segments from the start that fits, and says that
 * something was left out with " …" (" ..." on ASCII canvases) when there is room for it. */
#ifndef BNTUTOR_VIEW_FITLINE_H
#define BNTUTOR_VIEW_FITLINE_H

#include <stdbool.h>

#include "view/canvas.h"

#define FITLINE_SEP "\x1f"

/* Columns the whole line takes on a canvas of this kind (separators take none). */
int fitline_width(const char *line, bool unicode);
/* Draws whole segments of `line` at (x, y) within max_cols columns (<0: to the canvas edge) and
 * returns the columns used. Only when even the first segment does not fit is it cut (with "…"). */
int fitline_draw(Canvas *canvas, int x, int y, const char *line, ColorRole role, int attr, int max_cols);
/* The first of `n` alternative wordings (longest first) that fits whole; when none does, the last
 * one drawn by fitline_draw. Returns the columns used. */
int fitline_draw_first(Canvas *canvas, int x, int y, const char *const *alts, int n, ColorRole role, int attr,
                       int max_cols);

#endif
