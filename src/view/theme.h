/* Color themes: each color role mapped to colors for 256, 16 and 8-color terminals and to
 * attributes for monochrome (view layer; knows nothing of the terminal). */
#ifndef BNTUTOR_VIEW_THEME_H
#define BNTUTOR_VIEW_THEME_H

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"
#include "view/canvas.h"

/* -1 means the terminal's default color (its own background is respected). */
typedef struct ThemeColor {
    short fg256, bg256;     /* 0..255 or -1 */
    short fg16, bg16;       /* 0..15 or -1 */
    short fg8, bg8;         /* 0..7 or -1 */
    int mono_attr;          /* ATTR_* bits used when there is no color at all */
    int attr;               /* ATTR_* bits always added (e.g. bold for a series) */
} ThemeColor;

typedef struct Theme {
    char name[64];
    ThemeColor roles[ROLE_COUNT];
} Theme;

/* The built-in dark theme (also what assets/themes/dark.theme holds). */
void theme_default(Theme *theme);
/* Reads a theme file; unknown roles, bad colors etc. give "path:line: message". */
bool theme_load(Theme *theme, const char *path, BnError *err);
/* Finds NAME.theme in the given directories (NULL-terminated list) and loads it. */
bool theme_find(Theme *theme, const char *name, const char *const *dirs, BnError *err);
const char *theme_role_name(ColorRole role);

/* ---- Colours as light: what a theme looks like on a given terminal, and how readable it is ---- */

/* Which of a role's colour sets a terminal uses (256, 16 or 8 colours). */
typedef enum ThemePalette { THEME_PALETTE_256, THEME_PALETTE_16, THEME_PALETTE_8 } ThemePalette;

/* 0xRRGGBB that xterm shows for a colour index: its default 16 colours (0..15), the 6x6x6 cube
 * (16..231) and the grey ramp (232..255); 0 outside 0..255. */
uint32_t theme_xterm_rgb(int index);
/* WCAG 2.1 relative luminance, 0 (black) .. 1 (white). */
double theme_luminance(uint32_t rgb);
/* WCAG 2.1 contrast ratio of two colours, 1 .. 21 (order does not matter). */
double theme_contrast(uint32_t a, uint32_t b);
/* The colours a cell of `role` with the extra attributes `attr` is drawn in: the role's colours from
 * `palette`, the terminal's own term_fg/term_bg where the theme keeps them (-1), reverse swapped,
 * dim blended halfway toward the background (as terminals draw faint text). */
void theme_cell_rgb(const Theme *theme, ThemePalette palette, ColorRole role, int attr, uint32_t term_fg,
                    uint32_t term_bg, uint32_t *fg, uint32_t *bg);
/* The theme was made for a light background: its default role's background (or, where that is the
 * terminal's own, its foregrounds) is light. */
bool theme_is_light(const Theme *theme);

#endif
