/* Where installed data lives (themes, lessons) relative to the binary, and theme selection (ui layer). */
#ifndef BNTUTOR_UI_ASSETS_H
#define BNTUTOR_UI_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"
#include "view/theme.h"

enum { ASSETS_DIRS_MAX = 4, ASSETS_PATH_MAX = 4096 };

/* Directory of the running binary (from /proc/self/exe); false when it cannot be read. */
bool assets_exe_dir(char *buf, size_t size);
/* The directories searched, in order: <exe dir>/BESIDE_EXE, <exe dir>/../share/bntutor/SHARED,
 * <exe dir>/../../BESIDE_EXE (a build under build/rel/), BNTUTOR_SHAREDIR/SHARED. Fills dirs (a
 * NULL-terminated list pointing into storage) and returns
 * the count. Themes: ("assets/themes", "themes"); lessons: ("lessons", "lessons"). */
int assets_search_dirs(const char *beside_exe, const char *shared,
                       char storage[ASSETS_DIRS_MAX][ASSETS_PATH_MAX],
                       const char *dirs[ASSETS_DIRS_MAX + 1]);
/* Theme NAME (letters, digits, '-', '_'; NULL = "dark") from NAME.theme in the theme directories.
 * A theme found nowhere falls back to theme_default without complaint (a bare binary still runs);
 * a bad name or a broken theme file is an error. */
bool assets_theme_select(Theme *theme, const char *name, BnError *err);

#endif
