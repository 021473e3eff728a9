/* Where installed data lives (themes, lessons) relative to the binary, and theme selection (ui layer). */
#include "ui/assets.h"

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
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
        /* An uninstalled build under build/rel/ finds the source tree's files, as lessons do. */
        int g = snprintf(storage[count], ASSETS_PATH_MAX, "%s/../../%s", exe, beside_exe);
        if (g > 0 && g < ASSETS_PATH_MAX)
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

/* Appends ", NAME" for each NAME.theme in dir not yet in list. */
static void list_themes(const char *dir, char *list, size_t size)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n <= 6 || e->d_name[0] == '.' || strcmp(e->d_name + n - 6, ".theme") != 0)
            continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(n - 6), e->d_name);
        /* Whole-word check against what the list already holds. */
        bool seen = false;
        for (const char *p = list; (p = strstr(p, name)) != NULL; p += strlen(name)) {
            bool starts = p == list || p[-1] == ' ';
            bool ends = p[strlen(name)] == ',' || p[strlen(name)] == '\0';
            if (starts && ends) {
                seen = true;
                break;
            }
        }
        if (!seen && strlen(list) + strlen(name) + 3 < size) {
            strcat(list, ", ");
            strcat(list, name);
        }
    }
    closedir(d);
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
    /* Load the first file that exists; its errors are real errors. */
    for (int i = 0; i < count; i++) {
        char path[ASSETS_PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s.theme", dirs[i], name);
        if (access(path, R_OK) == 0)
            return theme_load(theme, path, err);
    }
    /* The dark theme is built in, so a binary without its theme files still starts. */
    if (strcmp(name, "dark") == 0) {
        theme_default(theme);
        return true;
    }
    char known[512] = "dark";
    for (int i = 0; i < count; i++)
        list_themes(dirs[i], known, sizeof known);
    error_set(err, "--theme", "unknown theme '%s' (themes: %s)", name, known);
    return false;
}
