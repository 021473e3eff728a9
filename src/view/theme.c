/* Color themes: the built-in dark theme and the strict theme file reader (view layer).
 *
 * Theme file format (assets/themes/NAME.theme), one statement per line:
 *
 *     # a comment: '#' to the end of the line; blank lines are skipped
 *     name NAME
 *     ROLE FG256 BG256 FG16 BG16 FG8 BG8 [ATTR...] [mono=ATTR[,ATTR...]]
 *
 * ROLE is one of default text_dim title axis series1 series2 series3 series4 highlight warning good
 * code status, and every role must appear exactly once. Colors are integers: FG256/BG256 in -1..255,
 * FG16/BG16 in -1..15, FG8/BG8 in -1..7, where -1 keeps the terminal's own color. ATTR words are
 * bold dim underline reverse italic: the ones listed before mono= are always added to the role;
 * mono= lists the attributes used instead of color on a monochrome terminal (mono=none for none;
 * without mono= the role has no monochrome attributes). "name" is optional (default: the file
 * name without .theme). Any deviation is an error reported as "path:line: message".
 */
#include "view/theme.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/parse.h"

static const char *const role_names[ROLE_COUNT] = {
    [ROLE_DEFAULT] = "default",   [ROLE_TEXT_DIM] = "text_dim", [ROLE_TITLE] = "title",
    [ROLE_AXIS] = "axis",         [ROLE_SERIES1] = "series1",   [ROLE_SERIES2] = "series2",
    [ROLE_SERIES3] = "series3",   [ROLE_SERIES4] = "series4",   [ROLE_HIGHLIGHT] = "highlight",
    [ROLE_WARNING] = "warning",   [ROLE_GOOD] = "good",         [ROLE_CODE] = "code",
    [ROLE_STATUS] = "status",
};

const char *theme_role_name(ColorRole role)
{
    return (unsigned)role < ROLE_COUNT ? role_names[role] : "?";
}

void theme_default(Theme *theme)
{
    /* Every role paints its own background (234, a near-black grey), so the theme reads the same on a
     * dark or a white terminal: nothing is left to the terminal's own colours. Series 1 (before) is
     * bold orange, series 2 (after) plain sky blue: they differ in brightness and weight as well as
     * hue, and the widgets give them different glyphs and fills. Each colour keeps 4.5:1 against the
     * background (tests/test_contrast.c measures it). */
#define TC(f256, b256, f16, b16, f8, b8, at, mono)                                                  \
    {.fg256 = f256, .bg256 = b256, .fg16 = f16, .bg16 = b16, .fg8 = f8, .bg8 = b8, .attr = at, .mono_attr = mono}
    static const ThemeColor dark[ROLE_COUNT] = {
        [ROLE_DEFAULT] = TC(252, 234, 7, 0, 7, 0, 0, 0),
        [ROLE_TEXT_DIM] = TC(246, 234, 8, 0, 7, 0, 0, ATTR_DIM),
        [ROLE_TITLE] = TC(231, 234, 15, 0, 7, 0, ATTR_BOLD, ATTR_BOLD),
        [ROLE_AXIS] = TC(248, 234, 7, 0, 7, 0, 0, 0),
        [ROLE_SERIES1] = TC(214, 234, 11, 0, 3, 0, ATTR_BOLD, ATTR_BOLD),
        [ROLE_SERIES2] = TC(39, 234, 14, 0, 6, 0, 0, 0),
        [ROLE_SERIES3] = TC(114, 234, 10, 0, 2, 0, 0, 0),
        [ROLE_SERIES4] = TC(176, 234, 13, 0, 7, 0, 0, 0),
        [ROLE_HIGHLIGHT] = TC(16, 220, 0, 11, 0, 3, ATTR_BOLD, ATTR_BOLD | ATTR_REVERSE),
        [ROLE_WARNING] = TC(203, 234, 9, 0, 7, 1, ATTR_BOLD, ATTR_BOLD),
        [ROLE_GOOD] = TC(114, 234, 10, 0, 2, 0, 0, 0),
        [ROLE_CODE] = TC(180, 234, 3, 0, 3, 0, 0, ATTR_UNDERLINE),
        [ROLE_STATUS] = TC(252, 238, 0, 7, 0, 7, 0, ATTR_REVERSE),
    };
#undef TC
    memset(theme, 0, sizeof *theme);
    snprintf(theme->name, sizeof theme->name, "dark");
    memcpy(theme->roles, dark, sizeof dark);
}

uint32_t theme_xterm_rgb(int index)
{
    /* xterm's own defaults (XTerm-col.ad), not the VGA ones: a contrast figure is only as true as these. */
    static const uint32_t xterm16[16] = {
        0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd, 0x00cdcd, 0xe5e5e5,
        0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00, 0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff,
    };
    if (index < 0 || index > 255)
        return 0;
    if (index < 16)
        return xterm16[index];
    if (index >= 232) {
        uint32_t v = (uint32_t)(8 + 10 * (index - 232));
        return v << 16 | v << 8 | v;
    }
    /* The 6x6x6 cube: levels 0, 95, 135, 175, 215, 255. */
    int i = index - 16;
    int r = i / 36, g = i / 6 % 6, b = i % 6;
#define LEVEL(c) ((uint32_t)((c) ? 55 + 40 * (c) : 0))
    return LEVEL(r) << 16 | LEVEL(g) << 8 | LEVEL(b);
#undef LEVEL
}

static double srgb_to_linear(unsigned channel)
{
    double c = channel / 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

double theme_luminance(uint32_t rgb)
{
    return 0.2126 * srgb_to_linear(rgb >> 16 & 0xff) + 0.7152 * srgb_to_linear(rgb >> 8 & 0xff) +
           0.0722 * srgb_to_linear(rgb & 0xff);
}

double theme_contrast(uint32_t a, uint32_t b)
{
    double la = theme_luminance(a), lb = theme_luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

static uint32_t rgb_halfway(uint32_t a, uint32_t b)
{
    uint32_t out = 0;
    for (int shift = 16; shift >= 0; shift -= 8)
        out |= (((a >> shift & 0xff) + (b >> shift & 0xff) + 1) / 2) << shift;
    return out;
}

void theme_cell_rgb(const Theme *theme, ThemePalette palette, ColorRole role, int attr, uint32_t term_fg,
                    uint32_t term_bg, uint32_t *fg, uint32_t *bg)
{
    const ThemeColor *tc = &theme->roles[(unsigned)role < ROLE_COUNT ? role : ROLE_DEFAULT];
    short f = palette == THEME_PALETTE_256 ? tc->fg256 : palette == THEME_PALETTE_16 ? tc->fg16 : tc->fg8;
    short b = palette == THEME_PALETTE_256 ? tc->bg256 : palette == THEME_PALETTE_16 ? tc->bg16 : tc->bg8;
    uint32_t f_rgb = f >= 0 ? theme_xterm_rgb(f) : term_fg;
    uint32_t b_rgb = b >= 0 ? theme_xterm_rgb(b) : term_bg;
    attr |= tc->attr;
    if (attr & ATTR_REVERSE) {
        uint32_t t = f_rgb;
        f_rgb = b_rgb;
        b_rgb = t;
    }
    if (attr & ATTR_DIM)
        f_rgb = rgb_halfway(f_rgb, b_rgb);
    *fg = f_rgb;
    *bg = b_rgb;
}

bool theme_is_light(const Theme *theme)
{
    const ThemeColor *def = &theme->roles[ROLE_DEFAULT];
    /* 0.179: the luminance at which black and white text contrast equally with the background. */
    if (def->bg256 >= 0)
        return theme_luminance(theme_xterm_rgb(def->bg256)) > 0.179;
    double sum = 0;
    int n = 0;
    for (int r = 0; r < ROLE_COUNT; r++) {
        const ThemeColor *tc = &theme->roles[r];
        if (tc->fg256 >= 0 && tc->bg256 < 0) {
            sum += theme_luminance(theme_xterm_rgb(tc->fg256));
            n++;
        }
    }
    return n > 0 && sum / n < 0.179;
}

static int attr_bit(const char *word)
{
    static const struct {
        const char *name;
        int bit;
    } attrs[] = {
        {"bold", ATTR_BOLD},           {"dim", ATTR_DIM},       {"underline", ATTR_UNDERLINE},
        {"reverse", ATTR_REVERSE},     {"italic", ATTR_ITALIC},
    };
    for (size_t i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        if (strcmp(word, attrs[i].name) == 0)
            return attrs[i].bit;
    return -1;
}

/* Splits line in place at blanks; returns the word count (at most max). */
static int split_theme_line(char *line, char **words, int max)
{
    int n = 0;
    char *p = line;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            *p++ = '\0';
        if (!*p)
            break;
        if (n == max)
            return max + 1;
        words[n++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r')
            p++;
    }
    return n;
}

static bool parse_role_line(ThemeColor *tc, char **words, int n, const char *path, int line, BnError *err)
{
    static const char *const fields[6] = {"fg256", "bg256", "fg16", "bg16", "fg8", "bg8"};
    static const long maxima[6] = {255, 255, 15, 15, 7, 7};
    if (n < 7) {
        error_set_at(err, path, line, "role '%s' needs 6 colors (fg256 bg256 fg16 bg16 fg8 bg8), got %d",
                     words[0], n - 1);
        return false;
    }
    short *slots[6] = {&tc->fg256, &tc->bg256, &tc->fg16, &tc->bg16, &tc->fg8, &tc->bg8};
    for (int i = 0; i < 6; i++) {
        long v;
        if (!parse_long(words[1 + i], -1, maxima[i], &v)) {
            error_set_at(err, path, line, "%s color '%s' is not an integer in -1..%ld", fields[i],
                         words[1 + i], maxima[i]);
            return false;
        }
        *slots[i] = (short)v;
    }
    tc->attr = 0;
    tc->mono_attr = 0;
    bool seen_mono = false;
    for (int i = 7; i < n; i++) {
        if (strncmp(words[i], "mono=", 5) == 0) {
            if (seen_mono) {
                error_set_at(err, path, line, "mono= given twice");
                return false;
            }
            seen_mono = true;
            char *list = words[i] + 5;
            if (strcmp(list, "none") == 0)
                continue;
            char *save = NULL;
            if (!*list) {
                error_set_at(err, path, line, "mono= needs attributes or 'none'");
                return false;
            }
            for (char *a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
                int bit = attr_bit(a);
                if (bit < 0) {
                    error_set_at(err, path, line, "unknown attribute '%s' (bold dim underline reverse italic)", a);
                    return false;
                }
                tc->mono_attr |= bit;
            }
        } else {
            if (seen_mono) {
                error_set_at(err, path, line, "attribute '%s' after mono= (put mono= last)", words[i]);
                return false;
            }
            int bit = attr_bit(words[i]);
            if (bit < 0) {
                error_set_at(err, path, line, "unknown attribute '%s' (bold dim underline reverse italic)",
                             words[i]);
                return false;
            }
            tc->attr |= bit;
        }
    }
    return true;
}

static void name_from_path(char *name, size_t size, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 6 && strcmp(base + len - 6, ".theme") == 0)
        len -= 6;
    if (len >= size)
        len = size - 1;
    memcpy(name, base, len);
    name[len] = '\0';
}

bool theme_load(Theme *theme, const char *path, BnError *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        error_set_at(err, path, 0, "cannot open theme: %s", strerror(errno));
        return false;
    }
    Theme t;
    memset(&t, 0, sizeof t);
    name_from_path(t.name, sizeof t.name, path);
    int line_of[ROLE_COUNT] = {0};
    char line[1024];
    int lineno = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            error_set_at(err, path, lineno, "line longer than %d bytes", (int)sizeof line - 2);
            ok = false;
            break;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *words[16];
        int n = split_theme_line(line, words, 15);
        if (n == 0)
            continue;
        if (n > 15) {
            error_set_at(err, path, lineno, "too many words");
            ok = false;
        } else if (strcmp(words[0], "name") == 0) {
            if (n != 2 || strlen(words[1]) >= sizeof t.name) {
                error_set_at(err, path, lineno, "'name' takes one word of at most %d bytes",
                             (int)sizeof t.name - 1);
                ok = false;
            } else {
                snprintf(t.name, sizeof t.name, "%s", words[1]);
            }
        } else {
            int role = -1;
            for (int r = 0; r < ROLE_COUNT; r++)
                if (strcmp(words[0], role_names[r]) == 0)
                    role = r;
            if (role < 0) {
                error_set_at(err, path, lineno, "unknown role '%s'", words[0]);
                ok = false;
            } else if (line_of[role]) {
                error_set_at(err, path, lineno, "role '%s' already given on line %d", words[0], line_of[role]);
                ok = false;
            } else {
                line_of[role] = lineno;
                ok = parse_role_line(&t.roles[role], words, n, path, lineno, err);
            }
        }
    }
    fclose(f);
    for (int r = 0; ok && r < ROLE_COUNT; r++) {
        if (!line_of[r]) {
            error_set_at(err, path, 0, "missing role '%s'", role_names[r]);
            ok = false;
        }
    }
    if (ok)
        *theme = t;
    return ok;
}

bool theme_find(Theme *theme, const char *name, const char *const *dirs, BnError *err)
{
    if (!name || !*name || strlen(name) > 60 || strspn(name, "abcdefghijklmnopqrstuvwxyz"
                                                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(name)) {
        error_set(err, "--theme", "'%s' is not a theme name (letters, digits, '-' and '_')", name ? name : "");
        return false;
    }
    for (int i = 0; dirs && dirs[i]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.theme", dirs[i], name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        fclose(f);
        return theme_load(theme, path, err);
    }
    error_set(err, "--theme", "no theme named '%s'%s", name,
              dirs && dirs[0] ? " in the theme directories" : "");
    return false;
}
