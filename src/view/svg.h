/* A canvas written as one standalone SVG picture in a theme's colors, for handouts and slides (view layer). */
#ifndef BNTUTOR_VIEW_SVG_H
#define BNTUTOR_VIEW_SVG_H

#include <stdint.h>

#include "view/canvas.h"
#include "view/theme.h"

/* One cell is 6 x 12 user units (font size 10, a monospace advance of 0.6 em), shown at 1.4x:
 * 8.4 x 16.8 pixels, the size of a 14-pixel terminal font. */
enum { SVG_CELL_WIDTH = 6, SVG_CELL_HEIGHT = 12 };
/* Background all around the grid, in user units (one cell's width). */
enum { SVG_MARGIN = 6 };

/* 0xRRGGBB of an xterm 256-color index (0..255): theme_xterm_rgb, xterm's own palette. */
uint32_t svg_xterm_rgb(int index);

/* The whole canvas as an SVG document: a background rect (with a margin of SVG_MARGIN around the grid), rects for painted backgrounds, and one
 * <text> per run of adjacent cells sharing a style, placed at its own x so spacing never drifts.
 * Colors are the theme's 256-color ones; where the theme keeps the terminal's own color (-1) a
 * dark or light terminal is assumed from how bright the theme's foregrounds are. Caller frees. */
char *svg_render(const Canvas *canvas, const Theme *theme);

#endif
