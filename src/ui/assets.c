/* Where installed data lives (themes, lessons) relative to the binary, and theme selection (ui layer). */
#include "ui/assets.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef BNTUTOR_SHAREDIR
#define BNTUTOR_SHAREDIR "/usr/local/share/bntutor"
#endif

bool assets_exe_dir(char *buf, size_t size)
{
    if (size < 2)
        return false;
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0 || (size_t)n >= size - 1)
        return false;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return false;
    if (slash == buf)
        slash[1] = '\0';    /* the binary sits in "/" */
    else
        *slash = '\0';
    return true;
}

int assets_search_dirs(const char *beside_exe, const char *shared,
                       char storage[ASSETS_DIRS_MAX][ASSETS_PATH_MAX],
                       const char *dirs[ASSETS_DIRS_MAX + 1])
{
    int count = 0;
    char exe[ASSETS_PATH_MAX];
    if (assets_exe_dir(exe, sizeof exe)) {
        int a = snprintf(storage[count], ASSETS_PATH_MAX, "%s/%s", exe, beside_exe);
        if (a > 0 && a < ASSETS_PATH_MAX)
            count++;
        int b = snprintf(storage[count], ASSETS_PATH_MAX, "%s/../share/bntutor/%s", exe, shared);
        if (b > 0 && b < ASSETS_PATH_MAX)
            count++;
    }
    int c = snprintf(storage[count], ASSETS_PATH_MAX, "%s/%s", BNTUTOR_SHAREDIR, shared);
    if (c > 0 && c < ASSETS_PATH_MAX)
        count++;
    for (int i = 0; i < count; i++)
        dirs[i] = storage[i];
    dirs[count] = NULL;
    return count;
}

static bool theme_name_ok(const char *name)
{
    if (!name[0] || strlen(name) > 48)
        return false;
    for (const char *p = name; *p; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '-' || ch == '_';
        if (!ok)
            return false;
    }
    return true;
}

bool assets_theme_select(Theme *theme, const char *name, BnError *err)
{
    if (!name)
        name = "dark";
    if (!theme_name_ok(name)) {
        error_set(err, "--theme", "'%s' is not a theme name (letters, digits, '-' and '_')", name);
        return false;
    }
    static char storage[ASSETS_DIRS_MAX][ASSETS_PATH_MAX];
    const char *dirs[ASSETS_DIRS_MAX + 1];
    int count = assets_search_dirs("assets/themes", "themes", storage, dirs);
    /* Load the first file that exists; its errors are real errors. None at all: the built-in theme. */
    for (int i = 0; i < count; i++) {
        char path[ASSETS_PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s.theme", dirs[i], name);
        if (access(path, R_OK) == 0)
            return theme_load(theme, path, err);
    }
    theme_default(theme);
    return true;
}
