/* Test helper (tests/support): compare text with a golden file under tests/golden, or rewrite it on request. */
#ifndef BNTUTOR_TESTS_GOLDEN_H
#define BNTUTOR_TESTS_GOLDEN_H

#include "view/canvas.h"

/* Compares `actual` with tests/golden/<name>.txt (one trailing newline ignored); a mismatch fails the
 * test naming the first differing line, expected vs got. Under BNTUTOR_REGEN_GOLDEN=1 it rewrites the
 * file instead. */
void golden_check(const char *name, const char *actual);
/* golden_check on canvas_dump(canvas, false). */
void golden_check_canvas(const char *name, const Canvas *canvas);

#endif
