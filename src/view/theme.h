/* Color themes: each color role mapped to colors for 256, 16 and 8-color terminals and to
 * attributes for monochrome (view layer; knows nothing of the terminal). */
#ifndef BNTUTOR_VIEW_THEME_H
#define BNTUTOR_VIEW_THEME_H

#include <stdbool.h>

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

#endif
