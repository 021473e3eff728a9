/* Wrapped text with light markup: bold, emphasis, code and named symbols (view layer).
 *
 * Markup:
 *   **bold**        ATTR_BOLD
 *   *emphasis*      ATTR_ITALIC (terminals without italics usually show underline or nothing)
 *   `code`          ROLE_CODE; no markup inside backticks
 *   \name           a symbol, only as an escape (plain words are never rewritten): \alpha α, \beta β,
 *                   \gamma γ, \delta δ, \epsilon ε, \eta η, \theta θ, \lambda λ, \mu μ, \sigma σ,
 *                   \Sigma Σ, \nabla ∇, \partial ∂, \sqrt √, \times ×, \cdot ·, \pm ±, \approx ≈,
 *                   \le ≤, \ge ≥, \ne ≠, \to →, \infty ∞, \sum Σ, \minus −, \deg °, \sq ² —
 *                   on an ASCII canvas each becomes its name or a plain stand-in (gamma, beta, sqrt,
 *                   x, *, +/-, ~, <=, >=, !=, ->, inf, sum, -, deg, ^2). An unknown \name is shown as is.
 *   \\ \* \`        a literal backslash, star, backtick
 * A newline ends the line; an empty line is an empty line. Words wrap at spaces; a word longer than
 * the width breaks anywhere (never inside a wide character). Leading spaces of wrapped lines drop. */
#ifndef BNTUTOR_VIEW_TEXT_H
#define BNTUTOR_VIEW_TEXT_H

#include <stdbool.h>

#include "view/canvas.h"
#include "view/rect.h"

/* Draws lines first_line.. of the wrapped text into area (role: the plain text's role).
 * Returns the total number of lines the text takes at this width (compare with area.h to scroll). */
int text_draw(Canvas *canvas, Rect area, const char *markup, ColorRole role, int first_line);
/* Lines the text needs at `width` columns, without drawing. */
int text_height(const char *markup, int width, bool unicode);
/* The text without its markup, on one line (line breaks and runs of blanks become one space), symbols
 * resolved for the character set: for tables and one-line lists. Cut to fit size. Returns buf. */
const char *text_plain(const char *markup, bool unicode, char *buf, int size);
/* Text wrapped once at a width, to draw any number of times (a screen wraps its prose when the page
 * opens or the terminal is resized, not on every frame). The glyphs are those of the canvas kind
 * `unicode` names; draw it on such a canvas. */
typedef struct TextLines TextLines;
TextLines *text_lines_create(const char *markup, ColorRole role, int width, bool unicode);
void text_lines_destroy(TextLines *lines);      /* accepts NULL */
int text_lines_count(const TextLines *lines);   /* 0 for NULL */
/* Lines first_line.. into area's rows (at most area.w columns each). */
void text_lines_draw(Canvas *canvas, Rect area, const TextLines *lines, int first_line);
/* Line `line` at (x, y), at most `width` columns; nothing when out of range. */
void text_lines_draw_one(Canvas *canvas, int x, int y, const TextLines *lines, int line, int width);
/* How many texts text_lines_create has wrapped so far (not text_draw's own): tests count the wrapping
 * a screen does. */
unsigned long text_lines_created(void);

/* The symbol for \name (name without the backslash), or NULL when unknown. */
const char *text_symbol(const char *name, bool unicode);

#endif
