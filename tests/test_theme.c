/* Themes: the shipped files parse, dark.theme equals the built-in default, and bad files name their line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/check.h"
#include "view/theme.h"

static const char *good_body =
    "name t\n"
    "default -1 -1 -1 -1 -1 -1\n"
    "text_dim 244 -1 8 -1 7 -1 mono=dim\n"
    "title 231 -1 15 -1 7 -1 bold mono=bold\n"
    "axis 246 -1 7 -1 7 -1\n"
    "series1 214 -1 11 -1 3 -1 bold mono=bold\n"
    "series2 39 -1 12 -1 6 -1 underline mono=underline\n"
    "series3 114 -1 10 -1 2 -1\n"
    "series4 176 -1 13 -1 5 -1\n"
    "highlight 16 220 0 11 0 3 bold mono=bold,reverse\n"
    "warning 203 -1 9 -1 1 -1 bold\n"
    "good 114 -1 10 -1 2 -1\n"
    "code 180 -1 3 -1 3 -1 mono=underline\n"
    "status 252 238 15 8 7 4 mono=reverse\n";

/* Writes text to a fresh temporary file; returns its path (static buffer). */
static const char *temp_theme(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/bntutor-theme-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0, "mkstemp");
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads text as a theme that must fail; returns the "where: message" text. */
static void expect_error(const char *text, const char *where_suffix, const char *message_part)
{
    const char *path = temp_theme(text);
    Theme t;
    BnError err = {0};
    cr_assert_not(theme_load(&t, path, &err), "should fail: %s", message_part);
    char want_where[128];
    snprintf(want_where, sizeof want_where, "%s%s", path, where_suffix);
    cr_assert_str_eq(err.where, want_where, "where for '%s'", message_part);
    cr_assert(strstr(err.message, message_part), "message \"%s\" mentions \"%s\"", err.message, message_part);
    unlink(path);
}

Test(theme, the_shipped_dark_theme_equals_the_built_in_default)
{
    Theme file, builtin;
    BnError err = {0};
    cr_assert(theme_load(&file, "assets/themes/dark.theme", &err), "%s: %s", err.where, err.message);
    theme_default(&builtin);
    cr_assert_str_eq(file.name, "dark");
    for (int r = 0; r < ROLE_COUNT; r++) {
        const ThemeColor *a = &file.roles[r], *b = &builtin.roles[r];
        cr_assert(a->fg256 == b->fg256 && a->bg256 == b->bg256 && a->fg16 == b->fg16 && a->bg16 == b->bg16 &&
                      a->fg8 == b->fg8 && a->bg8 == b->bg8 && a->attr == b->attr && a->mono_attr == b->mono_attr,
                  "role %s differs between dark.theme and theme_default", theme_role_name((ColorRole)r));
    }
}

Test(theme, every_shipped_theme_loads_and_keeps_series_one_and_two_apart_beyond_hue)
{
    static const char *names[3] = {"dark", "light", "contrast"};
    static const char *const dirs[] = {"assets/themes", NULL};
    for (int i = 0; i < 3; i++) {
        Theme t;
        BnError err = {0};
        cr_assert(theme_find(&t, names[i], dirs, &err), "%s: %s: %s", names[i], err.where, err.message);
        cr_assert_str_eq(t.name, names[i]);
        const ThemeColor *s1 = &t.roles[ROLE_SERIES1], *s2 = &t.roles[ROLE_SERIES2];
        cr_assert_neq(s1->attr, s2->attr, "%s: series1 and series2 need different attributes", names[i]);
        cr_assert_neq(s1->mono_attr, s2->mono_attr, "%s: ... and different monochrome attributes", names[i]);
        cr_assert_neq(s1->fg256, s2->fg256, "%s: and different colors", names[i]);
    }
}

/* Four series on one chart must look four ways in every palette a colour terminal may use: the colours a
 * series cell is drawn in (on the terminal's own black or white, where a theme keeps them) plus its
 * attributes, pairwise different. An 8-colour light terminal has only black, red and blue that read on
 * its white; series 3 and 4 were both black there. */
Test(theme, the_four_series_look_different_in_every_shipped_theme_and_palette)
{
    static const char *names[3] = {"dark", "light", "contrast"};
    static const char *const dirs[] = {"assets/themes", NULL};
    static const struct { ThemePalette palette; const char *name; } palettes[] = {
        { THEME_PALETTE_256, "256 colours" }, { THEME_PALETTE_16, "16 colours" }, { THEME_PALETTE_8, "8 colours" },
    };
    static const uint32_t terminal_fg[2] = { 0xffffff, 0x000000 }, terminal_bg[2] = { 0x000000, 0xffffff };
    for (int i = 0; i < 4; i++) {
        Theme t;
        BnError err = {0};
        if (i < 3)
            cr_assert(theme_find(&t, names[i], dirs, &err), "%s: %s: %s", names[i], err.where, err.message);
        else
            theme_default(&t);
        for (size_t p = 0; p < sizeof palettes / sizeof palettes[0]; p++)
            for (int term = 0; term < 2; term++) {
                uint32_t fg[4], bg[4];
                for (int s = 0; s < 4; s++)
                    theme_cell_rgb(&t, palettes[p].palette, (ColorRole)(ROLE_SERIES1 + s), 0, terminal_fg[term],
                                   terminal_bg[term], &fg[s], &bg[s]);
                for (int a = 0; a < 4; a++)
                    for (int b = a + 1; b < 4; b++)
                        cr_expect(fg[a] != fg[b] || bg[a] != bg[b]
                                      || t.roles[ROLE_SERIES1 + a].attr != t.roles[ROLE_SERIES1 + b].attr,
                                  "theme %s, %s, %s terminal: series%d and series%d are both #%06x on #%06x "
                                  "with the same attributes", t.name, palettes[p].name, term ? "white" : "black",
                                  a + 1, b + 1, (unsigned)fg[a], (unsigned)bg[a]);
            }
    }
}

Test(theme, a_complete_file_parses_colors_and_attributes)
{
    const char *path = temp_theme(good_body);
    Theme t;
    BnError err = {0};
    cr_assert(theme_load(&t, path, &err), "%s: %s", err.where, err.message);
    cr_assert_str_eq(t.name, "t");
    cr_assert_eq(t.roles[ROLE_HIGHLIGHT].bg256, 220);
    cr_assert_eq(t.roles[ROLE_HIGHLIGHT].bg8, 3);
    cr_assert_eq(t.roles[ROLE_HIGHLIGHT].mono_attr, ATTR_BOLD | ATTR_REVERSE);
    cr_assert_eq(t.roles[ROLE_SERIES2].attr, ATTR_UNDERLINE);
    unlink(path);
}

Test(theme, errors_name_the_file_and_line)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "# comment\n\n%s", good_body);
    /* Line 6 is "title ..." after the comment, the blank line, name, default and text_dim. */
    char *title = strstr(buf, "title 231");
    memcpy(title, "titel", 5);
    expect_error(buf, ":6", "unknown role 'titel'");

    snprintf(buf, sizeof buf, "%s", good_body);
    char *axis = strstr(buf, "axis 246 -1 7 -1 7 -1");
    memcpy(axis, "axis 256", 8);
    expect_error(buf, ":5", "fg256 color '256'");

    expect_error("name x\ndefault -1 -1 -1 -1 -1\n", ":2", "needs 6 colors");
    expect_error("default -1 -1 -1 -1 -1 -1 blink\n", ":1", "unknown attribute 'blink'");
    expect_error("default -1 -1 -1 -1 -1 -1\ndefault -1 -1 -1 -1 -1 -1\n", ":2", "already given on line 1");
    expect_error("default -1 -1 -1 -1 -1 -1 mono=bold bold\n", ":1", "after mono=");
    expect_error("default -1 -1 -1 -1 -1 -1\n", "", "missing role 'text_dim'");
    expect_error("default -1 -1 -1 -1 -1 x\n", ":1", "bg8 color 'x'");
}

Test(theme, a_missing_file_or_bad_name_is_an_error_not_a_crash)
{
    Theme t;
    BnError err = {0};
    cr_assert_not(theme_load(&t, "/nonexistent/x.theme", &err));
    cr_assert_str_eq(err.where, "/nonexistent/x.theme");
    error_clear(&err);
    static const char *const dirs[] = {"assets/themes", NULL};
    cr_assert_not(theme_find(&t, "nosuch", dirs, &err));
    cr_assert(strstr(err.message, "nosuch"), "%s", err.message);
    error_clear(&err);
    cr_assert_not(theme_find(&t, "../etc/passwd", dirs, &err), "path characters are refused");
}

Test(theme, role_names_round_trip)
{
    cr_assert_str_eq(theme_role_name(ROLE_SERIES1), "series1");
    cr_assert_str_eq(theme_role_name(ROLE_STATUS), "status");
    cr_assert_str_eq(theme_role_name((ColorRole)99), "?");
}
