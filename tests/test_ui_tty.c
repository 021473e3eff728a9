/* Tests for the terminal layer's pure choices: color mode fallback, colors per mode, UTF-8, TERM checks. */
#include <criterion/criterion.h>
#include <string.h>

#include "support/check.h"
#include "ui/tty.h"

Test(ui_tty, colors_fall_back_from_256_to_16_to_8_to_mono)
{
    cr_assert_eq(tty_choose_color_mode(true, 256, 32767, false, NULL), COLOR_MODE_256);
    cr_assert_eq(tty_choose_color_mode(true, 88, 256, false, NULL), COLOR_MODE_16, "88 colors use the 16 set");
    cr_assert_eq(tty_choose_color_mode(true, 16, 256, false, NULL), COLOR_MODE_16);
    cr_assert_eq(tty_choose_color_mode(true, 8, 64, false, NULL), COLOR_MODE_8);
    cr_assert_eq(tty_choose_color_mode(true, 2, 64, false, NULL), COLOR_MODE_MONO, "2 colors is mono");
    cr_assert_eq(tty_choose_color_mode(false, 256, 256, false, NULL), COLOR_MODE_MONO, "no color support");
}

Test(ui_tty, too_few_color_pairs_for_every_role_means_mono)
{
    cr_assert_eq(tty_choose_color_mode(true, 256, ROLE_COUNT, false, NULL), COLOR_MODE_MONO,
                 "one pair per role plus pair 0 is needed");
    cr_assert_eq(tty_choose_color_mode(true, 256, ROLE_COUNT + 1, false, NULL), COLOR_MODE_256);
}

Test(ui_tty, no_color_set_and_non_empty_or_the_flag_disables_color)
{
    cr_assert_eq(tty_choose_color_mode(true, 256, 256, false, "1"), COLOR_MODE_MONO, "NO_COLOR=1");
    cr_assert_eq(tty_choose_color_mode(true, 256, 256, false, ""), COLOR_MODE_256, "NO_COLOR= (empty) is ignored");
    cr_assert_eq(tty_choose_color_mode(true, 256, 256, true, NULL), COLOR_MODE_MONO, "--no-color");
}

Test(ui_tty, each_color_mode_picks_its_own_theme_colors)
{
    ThemeColor c = { .fg256 = 208, .bg256 = 17, .fg16 = 11, .bg16 = 4, .fg8 = 3, .bg8 = 4 };
    short fg, bg;
    tty_pick_colors(&c, COLOR_MODE_256, 256, true, &fg, &bg);
    cr_assert(fg == 208 && bg == 17, "256: got %d/%d", fg, bg);
    tty_pick_colors(&c, COLOR_MODE_16, 16, true, &fg, &bg);
    cr_assert(fg == 11 && bg == 4, "16: got %d/%d", fg, bg);
    tty_pick_colors(&c, COLOR_MODE_8, 8, true, &fg, &bg);
    cr_assert(fg == 3 && bg == 4, "8: got %d/%d", fg, bg);
}

Test(ui_tty, default_colors_stay_default_or_become_white_on_black)
{
    ThemeColor c = { .fg256 = -1, .bg256 = -1, .fg16 = 12, .bg16 = -1, .fg8 = -1, .bg8 = -1 };
    short fg, bg;
    tty_pick_colors(&c, COLOR_MODE_256, 256, true, &fg, &bg);
    cr_assert(fg == -1 && bg == -1, "the terminal's own colors are kept, got %d/%d", fg, bg);
    tty_pick_colors(&c, COLOR_MODE_256, 256, false, &fg, &bg);
    cr_assert(fg == 7 && bg == 0, "without use_default_colors: white on black, got %d/%d", fg, bg);
    tty_pick_colors(&c, COLOR_MODE_16, 8, true, &fg, &bg);
    cr_assert_eq(fg, -1, "a color the terminal lacks (12 of 8) becomes the default, got %d", fg);
}

Test(ui_tty, utf8_codesets_are_recognised_in_any_spelling)
{
    cr_assert(tty_codeset_is_utf8("UTF-8"));
    cr_assert(tty_codeset_is_utf8("utf-8"));
    cr_assert(tty_codeset_is_utf8("utf8"));
    cr_assert(!tty_codeset_is_utf8("ANSI_X3.4-1968"), "the C locale is not UTF-8");
    cr_assert(!tty_codeset_is_utf8("ISO-8859-1"));
    cr_assert(!tty_codeset_is_utf8(NULL));
}

Test(ui_tty, unicode_is_drawn_only_in_utf8_without_ascii_and_outside_shellinabox)
{
    cr_assert(tty_use_unicode(false, "UTF-8", NULL));
    cr_assert(tty_use_unicode(false, "UTF-8", ""), "an empty SHELLINABOX_URL is no shellinabox");
    cr_assert_not(tty_use_unicode(true, "UTF-8", NULL), "--ascii wins");
    cr_assert_not(tty_use_unicode(false, "ANSI_X3.4-1968", NULL));
    cr_assert_not(tty_use_unicode(false, "UTF-8", "http://127.0.0.1:4200/"),
                  "shellinabox's font draws braille wider than a cell");
}

Test(ui_tty, unset_empty_and_dumb_terminals_are_refused_with_a_reason)
{
    const char *bad[] = { NULL, "", "dumb" };
    for (int i = 0; i < 3; i++) {
        BnError err = { 0 };
        cr_assert(!tty_term_name_ok(bad[i], &err), "TERM=%s", bad[i] ? bad[i] : "(unset)");
        cr_assert(err.set && strstr(err.message, "TERM"), "the message names TERM: '%s'", err.message);
    }
    BnError err = { 0 };
    cr_assert(tty_term_name_ok("xterm-256color", &err));
    cr_assert(!err.set);
}

Test(ui_tty, an_osc_11_reply_tells_a_light_from_a_dark_background)
{
    static const char white[] = "\x1b]11;rgb:ffff/ffff/ffff\x1b\\\x1b[?62;22c";
    cr_assert_eq(tty_background_from_osc11(white, sizeof white - 1), TTY_BACKGROUND_LIGHT);
    static const char black_bel[] = "\x1b]11;rgb:0000/0000/0000\a";
    cr_assert_eq(tty_background_from_osc11(black_bel, sizeof black_bel - 1), TTY_BACKGROUND_DARK);
    /* Solarized light (#fdf6e3) in two hex digits a channel; a mid grey just below the 0.179 line. */
    static const char solarized[] = "\x1b]11;rgb:fd/f6/e3\x1b\\";
    cr_assert_eq(tty_background_from_osc11(solarized, sizeof solarized - 1), TTY_BACKGROUND_LIGHT);
    static const char grey[] = "\x1b]11;rgb:70/70/70\x1b\\";
    cr_assert_eq(tty_background_from_osc11(grey, sizeof grey - 1), TTY_BACKGROUND_DARK);
    static const char only_da1[] = "\x1b[?62;22c";
    cr_assert_eq(tty_background_from_osc11(only_da1, sizeof only_da1 - 1), TTY_BACKGROUND_UNKNOWN);
    static const char cut[] = "\x1b]11;rgb:ffff/ffff/ff";
    cr_assert_eq(tty_background_from_osc11(cut, sizeof cut - 1), TTY_BACKGROUND_UNKNOWN, "an unfinished reply");
    static const char bad[] = "\x1b]11;rgb:ffff/zz/ffff\x1b\\";
    cr_assert_eq(tty_background_from_osc11(bad, sizeof bad - 1), TTY_BACKGROUND_UNKNOWN);
}

Test(ui_tty, colorfgbg_names_the_background_by_its_last_field)
{
    cr_assert_eq(tty_background_from_colorfgbg("15;0"), TTY_BACKGROUND_DARK);
    cr_assert_eq(tty_background_from_colorfgbg("0;15"), TTY_BACKGROUND_LIGHT);
    cr_assert_eq(tty_background_from_colorfgbg("0;default;15"), TTY_BACKGROUND_LIGHT);
    cr_assert_eq(tty_background_from_colorfgbg("12;8"), TTY_BACKGROUND_DARK);
    cr_assert_eq(tty_background_from_colorfgbg("0;7"), TTY_BACKGROUND_LIGHT);
    cr_assert_eq(tty_background_from_colorfgbg("15;default"), TTY_BACKGROUND_UNKNOWN);
    cr_assert_eq(tty_background_from_colorfgbg("7"), TTY_BACKGROUND_UNKNOWN);
    cr_assert_eq(tty_background_from_colorfgbg(""), TTY_BACKGROUND_UNKNOWN);
    cr_assert_eq(tty_background_from_colorfgbg(NULL), TTY_BACKGROUND_UNKNOWN);
    cr_assert_eq(tty_background_from_colorfgbg("0;99"), TTY_BACKGROUND_UNKNOWN);
}
