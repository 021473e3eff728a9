/* The canvas-to-terminal-bytes encoder: its bytes, played on a tiny terminal, rebuild every frame exactly. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/pcg32.h"
#include "view/ansi.h"
#include "view/unicode.h"

/* A terminal just big enough for what the encoder sends: CUP, CHA, SGR, ED 2, DECTCEM, UTF-8 text
 * with wide characters and deferred wrap. Anything else fails the test. */
typedef struct TermCell {
    uint32_t ch;            /* 0: the right half of a wide character */
    short fg, bg;
    int attr;
} TermCell;

typedef struct Term {
    int w, h, x, y;
    bool wrap_pending;      /* the last text filled the last column */
    short fg, bg;
    int attr;
    bool cursor_hidden;
    TermCell *cells;
} Term;

static Term *term_new(int w, int h)
{
    Term *t = calloc(1, sizeof *t);
    t->w = w;
    t->h = h;
    t->fg = t->bg = -1;
    t->cells = calloc((size_t)(w * h), sizeof *t->cells);
    for (int i = 0; i < w * h; i++)
        t->cells[i] = (TermCell){ 'X', 7, 1, 0 };  /* garbage until cleared: a missing clear shows */
    return t;
}

static void term_free(Term *t)
{
    free(t->cells);
    free(t);
}

static void term_sgr(Term *t, const char *params)
{
    int v[16], n = 0;
    for (const char *p = params; n < 16;) {
        v[n++] = atoi(p);
        p = strchr(p, ';');
        if (!p)
            break;
        p++;
    }
    for (int i = 0; i < n; i++) {
        switch (v[i]) {
        case 0: t->fg = t->bg = -1; t->attr = 0; break;
        case 1: t->attr |= ATTR_BOLD; break;
        case 2: t->attr |= ATTR_DIM; break;
        case 3: t->attr |= ATTR_ITALIC; break;
        case 4: t->attr |= ATTR_UNDERLINE; break;
        case 7: t->attr |= ATTR_REVERSE; break;
        case 38: cr_assert(i + 2 < n && v[i + 1] == 5, "only 38;5;N colors"); t->fg = (short)v[i + 2]; i += 2; break;
        case 48: cr_assert(i + 2 < n && v[i + 1] == 5, "only 48;5;N colors"); t->bg = (short)v[i + 2]; i += 2; break;
        default: cr_assert_fail("unexpected SGR parameter %d in '%s'", v[i], params);
        }
    }
}

static void term_play(Term *t, const char *s)
{
    while (*s) {
        if (*s == '\x1b') {
            cr_assert_eq(s[1], '[', "only CSI sequences, got ESC %c", s[1]);
            const char *p = s + 2;
            char params[64];
            size_t n = 0;
            while ((*p >= '0' && *p <= '9') || *p == ';' || *p == '?') {
                cr_assert_lt(n, sizeof params - 1);
                params[n++] = *p++;
            }
            params[n] = '\0';
            switch (*p) {
            case 'H': {
                int row = 1, col = 1;
                if (n)
                    cr_assert_eq(sscanf(params, "%d;%d", &row, &col), 2, "CUP '%s'", params);
                cr_assert(row >= 1 && row <= t->h && col >= 1 && col <= t->w, "CUP %d;%d off screen", row, col);
                t->y = row - 1;
                t->x = col - 1;
                t->wrap_pending = false;
                break;
            }
            case 'G': {
                int col = atoi(params);
                cr_assert(col >= 1 && col <= t->w, "CHA %d off screen", col);
                t->x = col - 1;
                t->wrap_pending = false;
                break;
            }
            case 'J':
                cr_assert_str_eq(params, "2");
                for (int i = 0; i < t->w * t->h; i++)
                    t->cells[i] = (TermCell){ ' ', -1, t->bg, 0 };
                break;
            case 'm': term_sgr(t, params); break;
            case 'l': cr_assert_str_eq(params, "?25"); t->cursor_hidden = true; break;
            default: cr_assert_fail("unexpected CSI final '%c'", *p);
            }
            s = p + 1;
            continue;
        }
        uint32_t cp;
        int len = utf8_decode(s, &cp);
        cr_assert(cp >= 0x20 && cp != 0x7f && cp != UNICODE_REPLACEMENT, "control or invalid text U+%04X", cp);
        s += len;
        int w = unicode_width(cp);
        cr_assert(w == 1 || w == 2, "U+%04X has width %d", cp, w);
        cr_assert(!t->wrap_pending && t->x + w <= t->w,
                  "text U+%04X would wrap at column %d (the encoder never relies on wrap)", cp, t->x);
        TermCell *c = &t->cells[t->y * t->w + t->x];
        c[0] = (TermCell){ cp, t->fg, t->bg, t->attr };
        if (w == 2)
            c[1] = (TermCell){ 0, t->fg, t->bg, t->attr };
        t->x += w;
        if (t->x == t->w) {
            t->x = t->w - 1;    /* deferred wrap: the next text would wrap; the encoder moves first */
            t->wrap_pending = true;
        }
    }
}

/* The cell as the terminal must show it. */
static void expect_screen(const Term *t, const Canvas *c, const Theme *theme, const char *what)
{
    for (int y = 0; y < c->height; y++)
        for (int x = 0; x < c->width; x++) {
            const Cell *cell = canvas_cell(c, x, y);
            const TermCell *tc = &t->cells[y * t->w + x];
            const ThemeColor *col = &theme->roles[cell->role];
            uint32_t want = cell->ch;
            cr_assert_eq(tc->ch, want, "%s: cell %d,%d shows U+%04X, canvas has U+%04X", what, x, y, tc->ch, want);
            bool blank = cell->ch == ' ' && col->bg256 < 0 && !((cell->attr | col->attr) & (ATTR_REVERSE | ATTR_UNDERLINE));
            if (blank)
                continue;       /* a plain space looks the same in any foreground */
            cr_assert_eq(tc->fg, col->fg256, "%s: cell %d,%d foreground %d, theme says %d", what, x, y, tc->fg, col->fg256);
            cr_assert_eq(tc->bg, col->bg256, "%s: cell %d,%d background %d, theme says %d", what, x, y, tc->bg, col->bg256);
            cr_assert_eq(tc->attr, cell->attr | col->attr, "%s: cell %d,%d attributes %d, want %d", what, x, y,
                         tc->attr, cell->attr | col->attr);
        }
}

static const uint32_t glyphs[] = { 'a', 'b', ' ', '#', 0x2800 + 0x5b, 0x2502, 0x3b3, 0x4e2d /* 中, wide */, 0xff21 /* Ａ */ };

static void scribble(Canvas *c, Pcg32 *rng, int count)
{
    for (int k = 0; k < count; k++) {
        int x = (int)pcg32_bounded(rng, (uint32_t)c->width), y = (int)pcg32_bounded(rng, (uint32_t)c->height);
        uint32_t ch = glyphs[pcg32_bounded(rng, sizeof glyphs / sizeof glyphs[0])];
        canvas_put(c, x, y, ch, (ColorRole)pcg32_bounded(rng, ROLE_COUNT), (int)pcg32_bounded(rng, 32));
    }
}

Test(ansi, frames_played_on_a_terminal_rebuild_every_canvas)
{
    Theme theme;
    theme_default(&theme);
    /* Two roles alike but for the background, so a style change that forgets one part shows. */
    theme.roles[ROLE_SERIES3].fg256 = theme.roles[ROLE_SERIES4].fg256 = 33;
    theme.roles[ROLE_SERIES3].bg256 = 17;
    theme.roles[ROLE_SERIES4].bg256 = -1;
    Pcg32 rng;
    pcg32_seed(&rng, 42, 7);
    Canvas *c = canvas_create(23, 7, RASTER_BRAILLE, true);
    AnsiEncoder *e = ansi_encoder_create(&theme, true);
    Term *t = term_new(23, 7);
    for (int frame = 0; frame < 300; frame++) {
        if (frame % 50 == 0)
            canvas_clear(c);
        scribble(c, &rng, frame % 7 == 0 ? 60 : 3);
        size_t len = 0;
        const char *bytes = ansi_encoder_frame(e, c, &len);
        cr_assert_eq(strlen(bytes), len);
        term_play(t, bytes);
        char what[32];
        snprintf(what, sizeof what, "frame %d", frame);
        expect_screen(t, c, &theme, what);
    }
    cr_assert(t->cursor_hidden, "the first frame hides the cursor");
    term_free(t);
    ansi_encoder_destroy(e);
    canvas_destroy(c);
}

/* A theme that keeps the terminal's own colours for the default role, as the byte-count tests assume:
 * the shipped themes paint their background, so their first frame writes every cell. */
static void plain_default_theme(Theme *theme)
{
    theme_default(theme);
    theme->roles[ROLE_DEFAULT] = (ThemeColor){ .fg256 = -1, .bg256 = -1, .fg16 = -1, .bg16 = -1, .fg8 = -1, .bg8 = -1 };
}

Test(ansi, the_first_frame_clears_and_an_unchanged_frame_sends_nothing)
{
    Theme theme;
    plain_default_theme(&theme);
    Canvas *c = canvas_create(10, 3, RASTER_BRAILLE, true);
    canvas_text(c, 2, 1, "hi", ROLE_DEFAULT, 0, -1);
    AnsiEncoder *e = ansi_encoder_create(&theme, true);
    size_t len;
    const char *first = ansi_encoder_frame(e, c, &len);
    cr_assert(strncmp(first, "\x1b[0m\x1b[?25l\x1b[H\x1b[2J", 17) == 0, "starts with a reset and clear: %s", first);
    cr_assert(strstr(first, "\x1b[2;3Hhi"), "hi placed at row 2, column 3: %s", first + 17);
    first = ansi_encoder_frame(e, c, &len);
    cr_assert_eq(len, 0, "nothing changed, yet %zu bytes", len);
    cr_assert_str_eq(first, "");
    ansi_encoder_destroy(e);
    canvas_destroy(c);
}

Test(ansi, one_changed_cell_costs_a_cursor_move_and_its_character)
{
    Theme theme;
    plain_default_theme(&theme);
    Canvas *c = canvas_create(40, 5, RASTER_BRAILLE, true);
    canvas_text(c, 0, 0, "step 9 of 100", ROLE_DEFAULT, 0, -1);
    AnsiEncoder *e = ansi_encoder_create(&theme, true);
    ansi_encoder_frame(e, c, NULL);
    canvas_put(c, 5, 0, '8', ROLE_DEFAULT, 0);
    cr_assert_str_eq(ansi_encoder_frame(e, c, NULL), "\x1b[6G8", "a column move on the cursor's row");
    /* Close to the cursor on the same row: unchanged cells rewritten beat a move. */
    canvas_put(c, 7, 0, 'O', ROLE_DEFAULT, 0);
    canvas_put(c, 9, 0, 'F', ROLE_DEFAULT, 0);
    cr_assert_str_eq(ansi_encoder_frame(e, c, NULL), " OfF");
    canvas_put(c, 2, 3, '!', ROLE_DEFAULT, 0);
    cr_assert_str_eq(ansi_encoder_frame(e, c, NULL), "\x1b[4;3H!", "another row: a full move");
    ansi_encoder_destroy(e);
    canvas_destroy(c);
}

Test(ansi, a_wide_character_is_always_rewritten_whole)
{
    Theme theme;
    plain_default_theme(&theme);
    Canvas *c = canvas_create(8, 1, RASTER_BRAILLE, true);
    canvas_put(c, 2, 0, 0x4e2d, ROLE_DEFAULT, 0);     /* 中 over columns 2-3 */
    AnsiEncoder *e = ansi_encoder_create(&theme, true);
    Term *t = term_new(8, 1);
    term_play(t, ansi_encoder_frame(e, c, NULL));
    canvas_put(c, 3, 0, 'x', ROLE_DEFAULT, 0);         /* its right half: the head goes too */
    const char *bytes = ansi_encoder_frame(e, c, NULL);
    cr_assert_str_eq(bytes, "\x1b[3G x", "the old head must be blanked as well: '%s'", bytes);
    term_play(t, bytes);
    expect_screen(t, c, &theme, "after");
    /* Only the right half's style changed (a cell written directly): the head must be sent again, as
     * a space over the right half alone would wipe the whole character. */
    canvas_put(c, 5, 0, 0x4e2d, ROLE_SERIES1, 0);
    term_play(t, ansi_encoder_frame(e, c, NULL));
    c->cells[6].role = ROLE_SERIES2;
    bytes = ansi_encoder_frame(e, c, NULL);
    cr_assert(strstr(bytes, "\xe4\xb8\xad"), "the head is rewritten: '%s'", bytes);
    term_play(t, bytes);
    cr_assert_eq(t->cells[5].ch, 0x4e2d);
    cr_assert_eq(t->cells[6].ch, 0);
    term_free(t);
    ansi_encoder_destroy(e);
    canvas_destroy(c);
}

Test(ansi, without_color_only_the_monochrome_attributes_are_sent)
{
    Theme theme;
    theme_default(&theme);
    Canvas *c = canvas_create(12, 2, RASTER_BRAILLE, true);
    for (int r = 0; r < ROLE_COUNT && r < 12; r++)
        canvas_put(c, r, 0, 'a' + (uint32_t)r, (ColorRole)r, 0);
    AnsiEncoder *e = ansi_encoder_create(&theme, false);
    const char *bytes = ansi_encoder_frame(e, c, NULL);
    cr_assert_null(strstr(bytes, "38;5;"), "no colours: %s", bytes);
    cr_assert_null(strstr(bytes, "48;5;"), "no colours: %s", bytes);
    bool any_attr = false;
    for (int r = 0; r < ROLE_COUNT; r++)
        any_attr |= (theme.roles[r].mono_attr | theme.roles[r].attr) != 0;
    if (any_attr)
        cr_assert(strstr(bytes, "\x1b[0;"), "the monochrome attributes show: %s", bytes);
    ansi_encoder_destroy(e);
    canvas_destroy(c);
}

Test(ansi, a_new_size_repaints_from_a_clear)
{
    Theme theme;
    theme_default(&theme);
    Canvas *c = canvas_create(10, 3, RASTER_BRAILLE, true);
    AnsiEncoder *e = ansi_encoder_create(&theme, true);
    ansi_encoder_frame(e, c, NULL);
    canvas_resize(c, 12, 4);
    canvas_text(c, 0, 3, "z", ROLE_DEFAULT, 0, -1);
    const char *bytes = ansi_encoder_frame(e, c, NULL);
    cr_assert(strstr(bytes, "\x1b[2J") && strstr(bytes, "\x1b[4;1Hz"), "%s", bytes);
    ansi_encoder_destroy(e);
    canvas_destroy(c);
}
