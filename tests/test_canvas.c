/* Canvas: cells, clipping, UTF-8 text with wide and combining characters, invalid bytes, and the dump. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "support/check.h"
#include "view/canvas.h"
#include "view/theme.h"
#include "view/raster.h"
#include "view/unicode.h"

Test(canvas, a_new_canvas_is_blank_and_out_of_range_puts_are_ignored)
{
    Canvas *c = canvas_create(4, 2, RASTER_BRAILLE, true);
    canvas_put(c, -1, 0, 'x', ROLE_AXIS, 0);
    canvas_put(c, 4, 1, 'x', ROLE_AXIS, 0);
    canvas_put(c, 0, 2, 'x', ROLE_AXIS, 0);
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 4; x++)
            cr_assert_eq(canvas_cell(c, x, y)->ch, ' ', "cell %d,%d", x, y);
    cr_assert_null(canvas_cell(c, 4, 0));
    cr_assert_null(canvas_cell(c, 0, -1));
    char *d = canvas_dump(c, false);
    cr_assert_str_eq(d, "\n", "two empty rows");
    free(d);
    canvas_destroy(c);
    canvas_destroy(NULL);
}

Test(canvas, text_counts_columns_and_stops_at_the_limit)
{
    Canvas *c = canvas_create(10, 1, RASTER_BRAILLE, true);
    cr_assert_eq(canvas_text(c, 1, 0, "hello world", ROLE_DEFAULT, 0, 5), 5);
    char *d = canvas_dump(c, false);
    cr_assert_str_eq(d, " hello");
    free(d);
    cr_assert_eq(canvas_text(c, 7, 0, "abcdef", ROLE_DEFAULT, 0, -1), 3, "to the edge");
    canvas_destroy(c);
}

Test(canvas, wide_characters_take_two_cells_with_a_tail)
{
    Canvas *c = canvas_create(6, 1, RASTER_BRAILLE, true);
    int used = canvas_text(c, 0, 0, "a\xe6\x97\xa5" "b", ROLE_DEFAULT, 0, -1);   /* a日b */
    cr_assert_eq(used, 4);
    cr_assert_eq(canvas_cell(c, 1, 0)->ch, 0x65E5);
    cr_assert_eq(canvas_cell(c, 2, 0)->ch, CANVAS_WIDE_TAIL);
    cr_assert_eq(canvas_cell(c, 3, 0)->ch, 'b');
    char *d = canvas_dump(c, false);
    cr_assert_str_eq(d, "a\xe6\x97\xa5" "b", "the tail is not printed");
    free(d);
    /* Overwriting the tail blanks the head: no half characters remain. */
    canvas_put(c, 2, 0, 'x', ROLE_DEFAULT, 0);
    cr_assert_eq(canvas_cell(c, 1, 0)->ch, ' ');
    canvas_destroy(c);
}

Test(canvas, a_wide_character_that_does_not_fit_is_not_drawn_by_halves)
{
    Canvas *c = canvas_create(3, 1, RASTER_BRAILLE, true);
    cr_assert_eq(canvas_text(c, 0, 0, "ab\xe6\x97\xa5", ROLE_DEFAULT, 0, 3), 2, "stops before the wide char");
    cr_assert_eq(canvas_text(c, 0, 0, "\xe6\x97\xa5\xe6\x97\xa5", ROLE_DEFAULT, 0, -1), 2);
    cr_assert_eq(canvas_cell(c, 2, 0)->ch, ' ', "the second wide char did not fit in one column");
    canvas_destroy(c);
}

Test(canvas, combining_marks_are_skipped)
{
    Canvas *c = canvas_create(5, 1, RASTER_BRAILLE, true);
    cr_assert_eq(canvas_text(c, 0, 0, "e\xcc\x81x", ROLE_DEFAULT, 0, -1), 2, "e + U+0301 + x");
    cr_assert_eq(canvas_cell(c, 1, 0)->ch, 'x');
    canvas_destroy(c);
}

Test(canvas, invalid_utf8_shows_as_replacement_characters)
{
    Canvas *c = canvas_create(10, 2, RASTER_BRAILLE, true);
    /* stray continuation, truncated sequence, overlong '/', surrogate, then 'z' */
    const char *bad = "\x80" "\xe6\x97" "\xc0\xaf" "\xed\xa0\x80" "z";
    int used = canvas_text(c, 0, 0, bad, ROLE_DEFAULT, 0, -1);
    cr_assert_gt(used, 3);
    for (int x = 0; x < used - 1; x++)
        cr_assert_eq(canvas_cell(c, x, 0)->ch, UNICODE_REPLACEMENT, "column %d", x);
    cr_assert_eq(canvas_cell(c, used - 1, 0)->ch, 'z', "decoding recovers");
    Canvas *a = canvas_create(10, 1, RASTER_ASCII, false);
    canvas_text(a, 0, 0, "\xff" "\xe2\x86\x92" "\x01", ROLE_DEFAULT, 0, -1);
    char *d = canvas_dump(a, false);
    cr_assert_str_eq(d, "?>?", "ASCII canvas: '?' for invalid and control, '>' for an arrow");
    free(d);
    canvas_destroy(a);
    canvas_destroy(c);
}

Test(canvas, widths_follow_east_asian_wide_and_zero_width_rules)
{
    cr_assert_eq(unicode_width('a'), 1);
    cr_assert_eq(unicode_width(0x03B3), 1, "gamma");
    cr_assert_eq(unicode_width(0x4E00), 2, "CJK");
    cr_assert_eq(unicode_width(0xFF21), 2, "fullwidth A");
    cr_assert_eq(unicode_width(0xAC00), 2, "Hangul");
    cr_assert_eq(unicode_width(0x0301), 0, "combining acute");
    cr_assert_eq(unicode_width(0x200B), 0, "zero-width space");
    cr_assert_eq(unicode_width(0x07), -1, "control");
    cr_assert_eq(utf8_width("a\xe6\x97\xa5\xcc\x81"), 3);
}

Test(canvas, the_plain_dump_trims_trailing_spaces_and_joins_rows)
{
    Canvas *c = canvas_create(6, 3, RASTER_BRAILLE, true);
    canvas_text(c, 0, 0, "ab", ROLE_DEFAULT, 0, -1);
    canvas_text(c, 2, 2, "\xce\xb3", ROLE_SERIES1, ATTR_BOLD, -1);
    char *d = canvas_dump(c, false);
    cr_assert_str_eq(d, "ab\n\n  \xce\xb3");
    free(d);
    canvas_destroy(c);
}

Test(canvas, the_ansi_dump_colors_roles_from_the_default_theme_and_paints_its_background)
{
    Canvas *c = canvas_create(4, 2, RASTER_BRAILLE, true);
    canvas_put(c, 0, 0, 'A', ROLE_SERIES1, 0);
    canvas_put(c, 1, 0, 'b', ROLE_DEFAULT, 0);
    char *d = canvas_dump(c, true);
    /* series1 in the dark theme: bold 214; the default role 252; both on the theme's own 234, which
     * also fills the blank cells, so every row is painted to its end and then reset. */
    const char *want = "\x1b[0;1;38;5;214;48;5;234mA\x1b[0;38;5;252;48;5;234mb  \x1b[0m\n"
                       "\x1b[0;38;5;252;48;5;234m    \x1b[0m";
    cr_assert_str_eq(d, want);
    free(d);
    canvas_destroy(c);
}

Test(canvas, the_ansi_dump_of_a_theme_using_the_terminals_colors_resets_at_line_ends)
{
    Theme plain;
    theme_default(&plain);
    for (int r = 0; r < ROLE_COUNT; r++)
        plain.roles[r] = (ThemeColor){ .fg256 = -1, .bg256 = -1, .fg16 = -1, .bg16 = -1, .fg8 = -1, .bg8 = -1 };
    plain.roles[ROLE_SERIES1].fg256 = 214;
    plain.roles[ROLE_SERIES1].attr = ATTR_BOLD;
    plain.roles[ROLE_WARNING].fg256 = 203;
    Canvas *c = canvas_create(4, 2, RASTER_BRAILLE, true);
    canvas_put(c, 0, 0, 'A', ROLE_SERIES1, 0);
    canvas_put(c, 1, 0, 'b', ROLE_DEFAULT, 0);
    char *d = canvas_dump_ansi(c, &plain);
    cr_assert(strncmp(d, "\x1b[0;1;38;5;214mA\x1b[0mb\n", 21) == 0, "got \"%s\"", d);
    cr_assert_null(strstr(d + 20, "\x1b[0;"), "the second row has no color");
    free(d);
    canvas_clear(c);
    canvas_put(c, 3, 1, 'z', ROLE_WARNING, 0);
    d = canvas_dump_ansi(c, &plain);
    size_t n = strlen(d);
    cr_assert(n > 4 && strcmp(d + n - 4, "\x1b[0m") == 0, "a colored row ends with a reset: \"%s\"", d);
    free(d);
    canvas_destroy(c);
}

Test(canvas, resize_clears_and_changes_the_size)
{
    Canvas *c = canvas_create(2, 2, RASTER_BLOCKS, true);
    canvas_put(c, 1, 1, 'x', ROLE_DEFAULT, 0);
    canvas_resize(c, 5, 1);
    cr_assert(c->width == 5 && c->height == 1);
    cr_assert_eq(canvas_cell(c, 1, 0)->ch, ' ');
    canvas_resize(c, 0, 0);
    char *d = canvas_dump(c, false);
    cr_assert_str_eq(d, "");
    free(d);
    canvas_destroy(c);
}

Test(canvas, raster_modes_pack_dots_into_braille_blocks_and_glyphs)
{
    Canvas *c = canvas_create(2, 1, RASTER_BRAILLE, true);
    Raster *r = raster_create(c, rect_make(0, 0, 2, 1));
    cr_assert(r->w == 4 && r->h == 4, "braille: 2x4 dots per cell");
    raster_plot(r, 0, 0, 0);            /* dot 1 */
    raster_plot(r, 1, 3, 0);            /* dot 8 */
    raster_plot(r, 2, 0, 1);
    raster_render(r);
    cr_assert_eq(canvas_cell(c, 0, 0)->ch, 0x2800 + 0x01 + 0x80);
    cr_assert_eq(canvas_cell(c, 1, 0)->role, ROLE_SERIES2);
    raster_destroy(r);
    canvas_destroy(c);

    c = canvas_create(3, 1, RASTER_BLOCKS, true);
    r = raster_create(c, rect_make(0, 0, 3, 1));
    cr_assert(r->w == 3 && r->h == 2, "blocks: 1x2 dots per cell");
    raster_plot(r, 0, 0, 0);
    raster_plot(r, 1, 1, 0);
    raster_fill(r, 2, 0, 2, 1, 0, FILL_SOLID);
    raster_render(r);
    cr_assert_eq(canvas_cell(c, 0, 0)->ch, 0x2580);
    cr_assert_eq(canvas_cell(c, 1, 0)->ch, 0x2584);
    cr_assert_eq(canvas_cell(c, 2, 0)->ch, 0x2588);
    raster_destroy(r);
    canvas_destroy(c);

    c = canvas_create(3, 1, RASTER_ASCII, false);
    r = raster_create(c, rect_make(0, 0, 3, 1));
    raster_plot(r, 0, 0, 0);
    raster_plot(r, 1, 0, 1);
    raster_plot(r, 2, 0, 0);
    raster_plot(r, 2, 0, 1);
    raster_render(r);
    char *d = canvas_dump(c, false);
    cr_assert_str_eq(d, "*o@", "series glyphs and the overlap mark");
    free(d);
    raster_destroy(r);
    canvas_destroy(c);
}

Test(canvas, the_more_important_series_wins_a_shared_braille_cell)
{
    Canvas *c = canvas_create(1, 1, RASTER_BRAILLE, true);
    Raster *r = raster_create(c, rect_make(0, 0, 1, 1));
    raster_set_series(r, 7, ROLE_TEXT_DIM, 0, ':', true);
    raster_fill(r, 0, 0, 1, 3, 7, FILL_SOLID);
    raster_plot(r, 0, 0, 1);
    raster_render(r);
    cr_assert_eq(canvas_cell(c, 0, 0)->ch, 0x2801, "only series 1's dot, not the band's");
    cr_assert_eq(canvas_cell(c, 0, 0)->role, ROLE_SERIES2);
    raster_destroy(r);
    canvas_destroy(c);
}
