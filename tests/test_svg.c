/* SVG frames: escaping, run merging, theme colors, page goldens, and xmllint / rsvg-convert when installed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/check.h"
#include "view/canvas.h"
#include "view/svg.h"
#include "view/theme.h"

static int count_of(const char *haystack, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The SVG of one row of text drawn in one role on an otherwise blank canvas. */
static char *svg_of_text(int width, const char *utf8, ColorRole role, int attr)
{
    Canvas *c = canvas_create(width, 2, RASTER_BRAILLE, true);
    canvas_text(c, 0, 0, utf8, role, attr, -1);
    Theme theme;
    theme_default(&theme);
    char *svg = svg_render(c, &theme);
    canvas_destroy(c);
    return svg;
}

static bool tool_present(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

/* Writes text to a new temporary file whose name ends in .svg; returns the path (caller frees). */
static char *write_temp_svg(const char *text)
{
    char *path = strdup("/tmp/bntutor-test-svg-XXXXXX.svg");
    int fd = mkstemps(path, 4);
    cr_assert(fd >= 0, "cannot create %s", path);
    size_t n = strlen(text);
    cr_assert_eq(write(fd, text, n), (ssize_t)n);
    close(fd);
    return path;
}

static void assert_valid_xml(const char *svg, const char *what)
{
    if (!tool_present("xmllint"))
        return;
    char *path = write_temp_svg(svg);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "xmllint --noout '%s'", path);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "xmllint rejects the SVG of %s (kept in %s)", what, path);
    unlink(path);
    free(path);
}

Test(svg, ampersands_and_angle_brackets_in_text_are_escaped)
{
    char *svg = svg_of_text(20, "a<b & c>d", ROLE_DEFAULT, 0);
    cr_assert(strstr(svg, ">a&lt;b &amp; c&gt;d</text>"), "%s", svg);
    cr_assert_null(strstr(svg, "a<b"), "a raw '<' in the text");
    assert_valid_xml(svg, "escaped text");
    free(svg);
}

Test(svg, control_characters_become_the_replacement_character_so_the_xml_stays_valid)
{
    Canvas *c = canvas_create(4, 1, RASTER_BRAILLE, true);
    canvas_put(c, 0, 0, 'x', ROLE_DEFAULT, 0);
    canvas_put(c, 1, 0, 0x01, ROLE_DEFAULT, 0);
    canvas_put(c, 2, 0, 0xFFFF, ROLE_DEFAULT, 0);
    Theme theme;
    theme_default(&theme);
    char *svg = svg_render(c, &theme);
    cr_assert(strstr(svg, ">x\xEF\xBF\xBD\xEF\xBF\xBD</text>"), "%s", svg);
    assert_valid_xml(svg, "control characters");
    free(svg);
    canvas_destroy(c);
}

Test(svg, adjacent_cells_of_one_style_make_one_text_run_spaces_included)
{
    char *svg = svg_of_text(30, "Batch normalization", ROLE_DEFAULT, 0);
    cr_assert_eq(count_of(svg, "<text"), 1, "%s", svg);
    cr_assert(strstr(svg, "<text x=\"0\" y=\"9\" textLength=\"114\">Batch normalization</text>"), "%s", svg);
    free(svg);
}

Test(svg, a_change_of_style_starts_a_new_run_at_its_own_column)
{
    Canvas *c = canvas_create(30, 2, RASTER_BRAILLE, true);
    canvas_text(c, 0, 0, "mean", ROLE_DEFAULT, 0, -1);
    canvas_text(c, 4, 0, "=", ROLE_SERIES1, 0, -1);
    canvas_text(c, 5, 0, "0.5", ROLE_DEFAULT, 0, -1);
    canvas_text(c, 3, 1, "var", ROLE_SERIES2, ATTR_ITALIC, -1);
    Theme theme;
    theme_default(&theme);
    char *svg = svg_render(c, &theme);
    cr_assert_eq(count_of(svg, "<text"), 4, "%s", svg);
    cr_assert(strstr(svg, "<text x=\"24\" y=\"9\" textLength=\"6\" fill=\"#ffaf00\" font-weight=\"bold\">=</text>"),
              "series1 is bold 256-color 214: %s", svg);
    cr_assert(strstr(svg, "<text x=\"30\" y=\"9\" textLength=\"18\">0.5</text>"), "%s", svg);
    cr_assert(strstr(svg, "<text x=\"18\" y=\"21\" textLength=\"18\" fill=\"#00afff\" font-style=\"italic\">var</text>"),
              "%s", svg);
    free(svg);
    canvas_destroy(c);
}

Test(svg, trailing_spaces_are_not_written_and_a_blank_canvas_has_no_text)
{
    char *svg = svg_of_text(30, "ab   ", ROLE_DEFAULT, 0);
    cr_assert(strstr(svg, ">ab</text>"), "%s", svg);
    free(svg);
    svg = svg_of_text(10, "", ROLE_DEFAULT, 0);
    cr_assert_eq(count_of(svg, "<text"), 0, "%s", svg);
    cr_assert(strstr(svg, "<rect x=\"-6\" y=\"-6\" width=\"72\" height=\"36\" fill=\"#1c1c1c\"/>"),
              "the dark background, one cell of margin all round: %s", svg);
    cr_assert(strstr(svg, "viewBox=\"-6 -6 72 36\""), "the margin is inside the picture: %s", svg);
    free(svg);
}

Test(svg, a_highlight_paints_one_background_rect_under_its_run)
{
    char *svg = svg_of_text(20, "stage b", ROLE_HIGHLIGHT, 0);
    cr_assert(strstr(svg, "<rect x=\"0\" y=\"0\" width=\"42\" height=\"12\" fill=\"#ffd700\"/>"), "%s", svg);
    cr_assert(strstr(svg, "fill=\"#000000\" font-weight=\"bold\">stage b</text>"), "%s", svg);
    free(svg);
}

Test(svg, reverse_swaps_the_colors_and_dim_blends_toward_the_background)
{
    char *svg = svg_of_text(10, "R", ROLE_DEFAULT, ATTR_REVERSE);
    cr_assert(strstr(svg, "<rect x=\"0\" y=\"0\" width=\"6\" height=\"12\" fill=\"#d0d0d0\"/>"), "%s", svg);
    cr_assert(strstr(svg, "fill=\"#1c1c1c\">R</text>"), "%s", svg);
    free(svg);
    svg = svg_of_text(10, "D", ROLE_DEFAULT, ATTR_DIM);
    /* halfway: (0xd0 + 0x1c + 1) / 2 = 0x76 */
    cr_assert(strstr(svg, "fill=\"#767676\">D</text>"), "%s", svg);
    free(svg);
}

Test(svg, braille_block_and_wide_glyphs_stay_characters_and_wide_ones_count_two_columns)
{
    char *svg = svg_of_text(20, "⣿▀█世x", ROLE_DEFAULT, 0);
    cr_assert(strstr(svg, "textLength=\"36\">⣿▀█世x</text>"), "6 columns of 6 units: %s", svg);
    free(svg);
}

Test(svg, the_xterm_palette_matches_xterms_own_values)
{
    /* xterm's defaults (XTerm-col.ad): red3 and gray50, not the VGA 0x800000 and 0x808080. */
    cr_assert_eq(svg_xterm_rgb(1), 0xcd0000u);
    cr_assert_eq(svg_xterm_rgb(8), 0x7f7f7fu);
    cr_assert_eq(svg_xterm_rgb(16), 0x000000u);
    cr_assert_eq(svg_xterm_rgb(39), 0x00afffu);
    cr_assert_eq(svg_xterm_rgb(196), 0xff0000u);
    cr_assert_eq(svg_xterm_rgb(231), 0xffffffu);
    cr_assert_eq(svg_xterm_rgb(232), 0x080808u);
    cr_assert_eq(svg_xterm_rgb(255), 0xeeeeeeu);
}

static char *svg_with_theme_file(const char *path)
{
    Theme theme;
    BnError err = {0};
    cr_assert(theme_load(&theme, path, &err), "%s: %s", path, err.message);
    Canvas *c = canvas_create(10, 1, RASTER_BRAILLE, true);
    canvas_text(c, 0, 0, "hi", ROLE_DEFAULT, 0, -1);
    char *svg = svg_render(c, &theme);
    canvas_destroy(c);
    return svg;
}

Test(svg, the_light_theme_is_drawn_on_a_light_background_and_contrast_on_its_own_black)
{
    char *svg = svg_with_theme_file("assets/themes/light.theme");
    cr_assert(strstr(svg, "<rect x=\"-6\" y=\"-6\" width=\"72\" height=\"24\" fill=\"#ffffff\"/>"), "%s", svg);
    cr_assert(strstr(svg, "fill=\"#262626\" xml:space=\"preserve\">"), "dark text on light: %s", svg);
    free(svg);
    svg = svg_with_theme_file("assets/themes/contrast.theme");
    cr_assert(strstr(svg, "<rect x=\"-6\" y=\"-6\" width=\"72\" height=\"24\" fill=\"#000000\"/>"), "%s", svg);
    cr_assert(strstr(svg, "fill=\"#ffffff\" xml:space=\"preserve\">"), "%s", svg);
    free(svg);
}

/* Runs `bntutor render ARGS`; returns the exit status, stdout and stderr into new strings. */
static int run_render(const char *args, char **out, char **err)
{
    const char *bin = getenv("BNTUTOR_BIN");
    cr_assert_not_null(bin, "BNTUTOR_BIN must point at the built binary");
    char outp[] = "/tmp/bntutor-test-svg-out.XXXXXX", errp[] = "/tmp/bntutor-test-svg-err.XXXXXX";
    int fo = mkstemp(outp), fe = mkstemp(errp);
    cr_assert(fo >= 0 && fe >= 0);
    close(fo);
    close(fe);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "LC_ALL=C.UTF-8 BNTUTOR_LESSONS=lessons '%s' render %s > %s 2> %s", bin, args, outp,
             errp);
    int status = system(cmd);
    *out = check_read_file(outp, NULL);
    *err = check_read_file(errp, NULL);
    unlink(outp);
    unlink(errp);
    cr_assert(WIFEXITED(status), "render did not exit normally: %s", args);
    return WEXITSTATUS(status);
}

/* Compares with tests/golden/NAME.svg byte for byte; BNTUTOR_REGEN_GOLDEN=1 rewrites it. */
static void svg_golden_check(const char *name, const char *actual)
{
    char path[256];
    snprintf(path, sizeof path, "tests/golden/%s.svg", name);
    const char *regen = getenv("BNTUTOR_REGEN_GOLDEN");
    if (regen && strcmp(regen, "1") == 0) {
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f, "cannot write %s", path);
        fputs(actual, f);
        fclose(f);
        return;
    }
    char *want = check_read_file(path, NULL);
    cr_assert_not_null(want, "cannot read %s (BNTUTOR_REGEN_GOLDEN=1 creates it)", path);
    const char *a = want, *b = actual;
    for (int line = 1; *a || *b; line++) {
        size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
        cr_assert(la == lb && strncmp(a, b, la) == 0,
                  "%s: line %d differs (BNTUTOR_REGEN_GOLDEN=1 rewrites it if the change is meant)\n"
                  "  expected: \"%.*s\"\n       got: \"%.*s\"", path, line, (int)la, a, (int)lb, b);
        a += la + (a[la] ? 1 : 0);
        b += lb + (b[lb] ? 1 : 0);
    }
    free(want);
}

static const struct {
    const char *golden, *args;
} golden_pages[] = {
    {"page_4_2", "--lesson=4 --page=2 --format=svg"},
    {"page_7_3", "--lesson=7 --page=3 --steps=200 --format=svg"},
};

Test(svg, two_pages_match_their_svg_goldens_and_are_valid_xml)
{
    for (size_t i = 0; i < sizeof golden_pages / sizeof golden_pages[0]; i++) {
        char *out, *err;
        int rc = run_render(golden_pages[i].args, &out, &err);
        cr_assert_eq(rc, 0, "%s: %s", golden_pages[i].args, err);
        cr_assert(strncmp(out, "<?xml ", 6) == 0 && strstr(out, "</svg>\n"), "%s", golden_pages[i].args);
        svg_golden_check(golden_pages[i].golden, out);
        assert_valid_xml(out, golden_pages[i].golden);
        free(out);
        free(err);
    }
}

Test(svg, rsvg_convert_draws_a_page_as_a_png_of_the_expected_size)
{
    if (!tool_present("rsvg-convert"))
        cr_skip_test("rsvg-convert is not installed (Debian: librsvg2-bin)");
    char *out, *err;
    cr_assert_eq(run_render("--lesson=7 --page=3 --steps=200 --format=svg", &out, &err), 0, "%s", err);
    char *svg_path = write_temp_svg(out);
    char png_path[] = "/tmp/bntutor-test-svg-png.XXXXXX";
    int fd = mkstemp(png_path);
    cr_assert(fd >= 0);
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rsvg-convert -o '%s' '%s' 2>/dev/null", png_path, svg_path);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "rsvg-convert failed on %s", svg_path);
    long size = 0;
    unsigned char *png = (unsigned char *)check_read_file(png_path, &size);
    cr_assert(png && size > 1000, "a PNG of some substance (%ld bytes)", size);
    cr_assert(memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0, "PNG signature");
    /* IHDR: big-endian width and height at bytes 16 and 20; 80x24 cells at 8.4 x 16.8 pixels, and a
     * margin of half a cell's height (8.4 pixels) on every side: 688.8 x 420. */
    unsigned w = (unsigned)png[16] << 24 | (unsigned)png[17] << 16 | (unsigned)png[18] << 8 | png[19];
    unsigned h = (unsigned)png[20] << 24 | (unsigned)png[21] << 16 | (unsigned)png[22] << 8 | png[23];
    cr_assert(w == 688u || w == 689u, "width %u", w);
    cr_assert(h == 420u || h == 421u, "height %u", h);
    unlink(png_path);
    unlink(svg_path);
    free(svg_path);
    free(png);
    free(out);
    free(err);
}

Test(svg, format_text_and_ansi_are_the_plain_and_color_dumps)
{
    char *a, *b, *e1, *e2;
    cr_assert_eq(run_render("--lesson=0 --page=1 --format=ansi", &a, &e1), 0, "%s", e1);
    cr_assert_eq(run_render("--lesson=0 --page=1 --color", &b, &e2), 0, "%s", e2);
    cr_assert(strstr(a, "\033[") && strcmp(a, b) == 0, "--format=ansi is --color");
    free(a), free(b), free(e1), free(e2);
    cr_assert_eq(run_render("--lesson=0 --page=1 --format=text", &a, &e1), 0, "%s", e1);
    cr_assert_eq(run_render("--lesson=0 --page=1", &b, &e2), 0, "%s", e2);
    cr_assert(!strstr(a, "\033[") && strcmp(a, b) == 0, "text is the default");
    free(a), free(b), free(e1), free(e2);
}

Test(svg, bad_format_theme_or_contradicting_color_are_usage_errors)
{
    static const struct {
        const char *args, *message;
    } cases[] = {
        {"--lesson=0 --format=pdf", "bntutor: render: --format: expected text, ansi or svg, got 'pdf'"},
        {"--lesson=0 --format=", "bntutor: render: --format: expected text, ansi or svg, got ''"},
        {"--lesson=0 --format=svg --color", "bntutor: render: --color: means --format=ansi"},
        {"--lesson=0 --format=svg --theme=no_such", "bntutor: render: --theme: unknown theme 'no_such'"},
        {"--lesson=0 --format=svg --theme=../x", "bntutor: render: --theme: '../x' is not a theme name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out, *err;
        cr_assert_eq(run_render(cases[i].args, &out, &err), 2, "%s", cases[i].args);
        cr_assert(strstr(err, cases[i].message), "%s: stderr was: %s", cases[i].args, err);
        cr_assert_str_empty(out, "%s: nothing on stdout", cases[i].args);
        free(out);
        free(err);
    }
}

Test(svg, render_in_ansi_draws_the_theme_asked_for)
{
    char *out, *err;
    cr_assert_eq(run_render("--lesson=1 --page=1 --format=ansi --theme=light", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, ";48;5;231m"), "the light theme's white background: %.300s", out);
    cr_assert_null(strstr(out, ";48;5;234m"), "no trace of the dark theme's background");
    free(out);
    free(err);
    cr_assert_eq(run_render("--lesson=1 --page=1 --color", &out, &err), 0, "%s", err);
    cr_assert(strstr(out, ";48;5;234m"), "without --theme, the dark theme: %.300s", out);
    free(out);
    free(err);
    cr_assert_eq(run_render("--lesson=1 --page=1 --format=ansi --theme=nosuch", &out, &err), 2);
    cr_assert(strstr(err, "unknown theme 'nosuch'"), "%s", err);
    free(out);
    free(err);
}
