/* Contrast of what the tutor actually draws: every cell of every lesson page (and the help, menu and
 * too-small screens), in every shipped theme, for 256, 16 and 8 colours, on a black and on a white
 * terminal: text at least 4.5:1 and chart glyphs at least 3:1 (WCAG 2.1) against the background the
 * cell is drawn on. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lesson/discover.h"
#include "support/lesson_page.h"
#include "ui/app.h"
#include "ui/tutor.h"
#include "view/canvas.h"
#include "view/keys.h"
#include "view/theme.h"

enum { THEMES_MAX = 16, KINDS_MAX = 4096 };

static const double TEXT_MIN = 4.5, GLYPH_MIN = 3.0;

/* Braille, block elements and box drawing are drawings, not text: WCAG's 3:1 for graphics. */
static bool is_chart_glyph(uint32_t ch)
{
    return (ch >= 0x2800 && ch <= 0x28ff) || (ch >= 0x2580 && ch <= 0x259f) || (ch >= 0x2500 && ch <= 0x257f);
}

/* One way a cell can look: role, attributes and whether it is text; where it was first seen. */
typedef struct CellKind {
    uint8_t role, attr;
    bool glyph;
    char where[256];
} CellKind;

typedef struct Kinds {
    CellKind k[KINDS_MAX];
    int n;
} Kinds;

static void collect(Kinds *kinds, const Canvas *c, const char *what)
{
    for (int y = 0; y < c->height; y++)
        for (int x = 0; x < c->width; x++) {
            const Cell *cell = canvas_cell(c, x, y);
            if (cell->ch == ' ' || cell->ch == CANVAS_WIDE_TAIL)
                continue;
            bool glyph = is_chart_glyph(cell->ch);
            int i = 0;
            while (i < kinds->n && !(kinds->k[i].role == cell->role && kinds->k[i].attr == cell->attr &&
                                     kinds->k[i].glyph == glyph))
                i++;
            if (i < kinds->n)
                continue;
            cr_assert_lt(kinds->n, KINDS_MAX);
            CellKind *k = &kinds->k[kinds->n++];
            k->role = cell->role;
            k->attr = cell->attr;
            k->glyph = glyph;
            char u[5] = { 0 };
            uint32_t ch = cell->ch;
            if (ch < 0x80)
                u[0] = (char)ch;
            else if (ch < 0x800)
                u[0] = (char)(0xc0 | ch >> 6), u[1] = (char)(0x80 | (ch & 0x3f));
            else
                u[0] = (char)(0xe0 | ch >> 12), u[1] = (char)(0x80 | (ch >> 6 & 0x3f)), u[2] = (char)(0x80 | (ch & 0x3f));
            snprintf(k->where, sizeof k->where, "%s, cell (%d,%d) '%s'", what, x, y, u);
        }
}

static void draw_into(Kinds *kinds, Tutor *t, int w, int h, const char *what)
{
    Canvas *c = canvas_create(w, h, RASTER_BRAILLE, true);
    AppScreen s = tutor_screen(t);
    app_render_frame(&s, c, NULL);
    char label[128];
    snprintf(label, sizeof label, "%s at %dx%d", what, w, h);
    collect(kinds, c, label);
    canvas_destroy(c);
}

/* Every kind of cell the shipped lessons draw: each page before and after some steps, at 80x24 and at
 * 200x60 (where the projector figure shows), plus the help, menu and too-small screens. */
static void collect_all(Kinds *kinds)
{
    BnError err = { 0 };
    LessonSet *set = lesson_set_discover("lessons", &err);
    cr_assert_not_null(set, "%s: %s", err.where, err.message);
    for (int i = 0; i < set->count; i++) {
        const Lesson *l = set->lessons[i];
        if (lesson_is_broken(l))
            continue;
        for (int p = 1; p <= l->page_count; p++) {
            Tutor *t = lesson_page_open(l->number, p);
            char what[64];
            snprintf(what, sizeof what, "lesson %d page %d", l->number, p);
            draw_into(kinds, t, 80, 24, what);
            tutor_steps(t, 40);
            snprintf(what, sizeof what, "lesson %d page %d after 40 steps", l->number, p);
            draw_into(kinds, t, 80, 24, what);
            draw_into(kinds, t, 200, 60, what);
            tutor_destroy(t);
        }
    }
    Tutor *t = lesson_page_open(set->lessons[0]->number, 1);
    draw_into(kinds, t, 40, 12, "the too-small screen");
    tutor_key(t, '?');
    draw_into(kinds, t, 80, 24, "the help screen");
    tutor_key(t, BK_ESC);
    tutor_key(t, 'm');
    draw_into(kinds, t, 80, 24, "the menu");
    tutor_destroy(t);

    /* The results with every mark: lesson 0's questions answered wrong, then right, in a scratch store. */
    char progress[] = "/tmp/bntutor-contrast-XXXXXX";
    int fd = mkstemp(progress);
    cr_assert_geq(fd, 0);
    close(fd);
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = "lessons";
    config.lesson = 0;
    config.page = 3;
    config.progress_path = progress;
    t = tutor_create(&config, &err);
    cr_assert_not_null(t, "%s", err.message);
    tutor_key(t, 'b');
    tutor_key(t, BK_ENTER);
    tutor_key(t, '4');
    tutor_key(t, BK_ENTER);
    tutor_key(t, 'g');
    cr_assert_str_eq(tutor_mode(t), "results");
    draw_into(kinds, t, 80, 24, "the results");
    draw_into(kinds, t, 200, 60, "the results");
    tutor_destroy(t);
    unlink(progress);
    lesson_set_destroy(set);
}

static int load_themes(Theme *themes)
{
    int n = 0;
    DIR *d = opendir("assets/themes");
    cr_assert_not_null(d, "assets/themes is missing");
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= 6 || strcmp(e->d_name + len - 6, ".theme") != 0)
            continue;
        cr_assert_lt(n, THEMES_MAX);
        char path[512];
        snprintf(path, sizeof path, "assets/themes/%s", e->d_name);
        BnError err = { 0 };
        cr_assert(theme_load(&themes[n], path, &err), "%s: %s", err.where, err.message);
        n++;
    }
    closedir(d);
    theme_default(&themes[n]);
    snprintf(themes[n].name, sizeof themes[n].name, "built-in dark");
    return n + 1;
}

Test(contrast, every_cell_of_every_page_is_readable_in_every_theme_on_black_and_on_white,
     .timeout = 600)
{
    static Kinds kinds;
    collect_all(&kinds);
    cr_assert_gt(kinds.n, 10, "too few kinds of cell: the pages did not draw");
    Theme themes[THEMES_MAX + 1];
    int nthemes = load_themes(themes);
    cr_assert_geq(nthemes, 4, "expected the dark, light and contrast themes and the built-in one");
    static const struct { ThemePalette palette; const char *name; } palettes[] = {
        { THEME_PALETTE_256, "256 colours" }, { THEME_PALETTE_16, "16 colours" }, { THEME_PALETTE_8, "8 colours" },
    };
    /* A terminal's own colours: white text on black, or black text on white. */
    static const struct { uint32_t fg, bg; const char *name; } terminals[] = {
        { 0xffffff, 0x000000, "black" }, { 0x000000, 0xffffff, "white" },
    };
    char report[8192] = "";
    size_t used = 0;
    int failures = 0, checked = 0;
    for (int t = 0; t < nthemes; t++)
        for (size_t p = 0; p < sizeof palettes / sizeof palettes[0]; p++)
            for (size_t b = 0; b < 2; b++)
                for (int k = 0; k < kinds.n; k++) {
                    const CellKind *ck = &kinds.k[k];
                    uint32_t fg, bg;
                    theme_cell_rgb(&themes[t], palettes[p].palette, (ColorRole)ck->role, ck->attr,
                                   terminals[b].fg, terminals[b].bg, &fg, &bg);
                    double ratio = theme_contrast(fg, bg), need = ck->glyph ? GLYPH_MIN : TEXT_MIN;
                    checked++;
                    if (ratio >= need)
                        continue;
                    failures++;
                    if (used < sizeof report - 400)
                        used += (size_t)snprintf(report + used, sizeof report - used,
                                                 "  theme %s, %s, %s terminal: role %s attr %d %s "
                                                 "#%06x on #%06x is %.2f:1, needs %.1f:1 (%s)\n",
                                                 themes[t].name, palettes[p].name, terminals[b].name,
                                                 theme_role_name((ColorRole)ck->role), ck->attr,
                                                 ck->glyph ? "glyph" : "text", (unsigned)fg, (unsigned)bg, ratio,
                                                 need, ck->where);
                }
    cr_assert_eq(failures, 0, "%d of %d checks fail:\n%s", failures, checked, report);
}

Test(contrast, the_measure_is_wcag_2_1)
{
    cr_assert_float_eq(theme_contrast(0x000000, 0xffffff), 21.0, 1e-9);
    cr_assert_float_eq(theme_contrast(0x777777, 0xffffff), 4.48, 0.01, "the classic just-failing grey");
    cr_assert_float_eq(theme_contrast(0xffffff, 0x777777), theme_contrast(0x777777, 0xffffff), 1e-12);
    cr_assert_float_eq(theme_luminance(0xff0000), 0.2126, 1e-9);
    cr_assert_eq(theme_xterm_rgb(1), 0xcd0000u, "xterm's own red, not VGA's");
    cr_assert_eq(theme_xterm_rgb(12), 0x5c5cffu);
    cr_assert_eq(theme_xterm_rgb(39), 0x00afffu);
    cr_assert_eq(theme_xterm_rgb(234), 0x1c1c1cu);
}

Test(contrast, a_theme_that_leaves_the_background_to_the_terminal_is_measured_on_both)
{
    Theme t;
    theme_default(&t);
    t.roles[ROLE_TITLE].bg256 = -1;
    t.roles[ROLE_TITLE].fg256 = 231;
    uint32_t fg, bg;
    theme_cell_rgb(&t, THEME_PALETTE_256, ROLE_TITLE, 0, 0x000000, 0xffffff, &fg, &bg);
    cr_assert_eq(bg, 0xffffffu);
    cr_assert_lt(theme_contrast(fg, bg), 1.01, "white on a white terminal is what the old dark theme drew");
    theme_cell_rgb(&t, THEME_PALETTE_256, ROLE_TITLE, ATTR_REVERSE, 0x000000, 0xffffff, &fg, &bg);
    cr_assert_eq(fg, 0xffffffu, "reverse swaps");
    cr_assert_eq(bg, 0xffffffu);
    theme_cell_rgb(&t, THEME_PALETTE_16, ROLE_DEFAULT, ATTR_DIM, 0xffffff, 0x000000, &fg, &bg);
    cr_assert_eq(bg, 0x000000u);
    cr_assert_eq(fg, 0x737373u, "dim is halfway from #e5e5e5 to the background");
}
