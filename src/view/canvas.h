/* A terminal-free grid of cells (code point, color role, attributes) that widgets draw into (view layer). */
#ifndef BNTUTOR_VIEW_CANVAS_H
#define BNTUTOR_VIEW_CANVAS_H

#include <stdbool.h>
#include <stdint.h>

/* Colors are roles; a theme maps each role to real colors for 256, 16, 8 colors or none. */
typedef enum ColorRole {
    ROLE_DEFAULT,
    ROLE_TEXT_DIM,      /* secondary text, gridlines */
    ROLE_TITLE,
    ROLE_AXIS,
    ROLE_SERIES1,       /* the series that matters most; also "before" */
    ROLE_SERIES2,       /* second most; also "after" — differs from SERIES1 in more than hue */
    ROLE_SERIES3,
    ROLE_SERIES4,
    ROLE_HIGHLIGHT,     /* current stage, selected cell */
    ROLE_WARNING,
    ROLE_GOOD,
    ROLE_CODE,
    ROLE_STATUS,        /* status bar / footer */
    ROLE_COUNT
} ColorRole;

#define ROLE_BEFORE ROLE_SERIES1
#define ROLE_AFTER  ROLE_SERIES2

enum {
    ATTR_BOLD = 1 << 0,
    ATTR_DIM = 1 << 1,
    ATTR_UNDERLINE = 1 << 2,
    ATTR_REVERSE = 1 << 3,
    ATTR_ITALIC = 1 << 4,
};

/* How plots draw below cell size. */
typedef enum RasterMode {
    RASTER_BRAILLE,     /* 2×4 dots per cell (UTF-8 terminals) */
    RASTER_BLOCKS,      /* half blocks, 1×2 per cell */
    RASTER_ASCII,       /* plain ASCII, 1×1 */
} RasterMode;

/* A wide character occupies its cell and the next, whose ch is CANVAS_WIDE_TAIL. */
#define CANVAS_WIDE_TAIL 0u

typedef struct Cell {
    uint32_t ch;        /* Unicode code point; ' ' when empty */
    uint8_t role;       /* ColorRole */
    uint8_t attr;       /* ATTR_* bits */
} Cell;

typedef struct Canvas {
    int width, height;
    RasterMode raster;
    bool unicode;       /* false: draw only ASCII (box lines, symbols, glyphs all fall back) */
    Cell *cells;        /* width*height, row-major */
} Canvas;

Canvas *canvas_create(int width, int height, RasterMode raster, bool unicode);
void canvas_destroy(Canvas *canvas);                 /* accepts NULL */
void canvas_resize(Canvas *canvas, int width, int height);  /* clears */
void canvas_clear(Canvas *canvas);
/* Out-of-range coordinates are ignored, so widgets can clip by drawing freely. */
void canvas_put(Canvas *canvas, int x, int y, uint32_t ch, ColorRole role, int attr);
const Cell *canvas_cell(const Canvas *canvas, int x, int y);   /* NULL outside */
/* Draws UTF-8 text on one row, at most max_cols columns (<0: to the edge); returns columns used.
 * Invalid UTF-8 shows as U+FFFD (or '?' when !unicode). */
int canvas_text(Canvas *canvas, int x, int y, const char *utf8, ColorRole role, int attr, int max_cols);
/* The whole canvas as text, rows joined by '\n'; with ansi, SGR colors from the default theme.
 * Trailing spaces of each row are trimmed. Caller frees. */
char *canvas_dump(const Canvas *canvas, bool ansi);
/* The same with ANSI colours (256-colour SGR) from `theme`. */
struct Theme;
char *canvas_dump_ansi(const Canvas *canvas, const struct Theme *theme);

#endif
