/* Tests for the app loop's headless frame: the screen draws when there is room, else the enlarge message. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "support/check.h"
#include "ui/app.h"
#include "ui/assets.h"
#include "view/canvas.h"

typedef struct Probe {
    int draws;
    int width, height;      /* canvas size seen by the last draw */
} Probe;

static void probe_draw(void *self, Canvas *canvas)
{
    Probe *p = self;
    p->draws++;
    p->width = canvas->width;
    p->height = canvas->height;
    canvas_text(canvas, 0, 0, "probe screen", ROLE_TITLE, 0, -1);
}

static AppAction probe_key(void *self, App *app, int key) { return APP_QUIT; }

static AppScreen probe_screen(Probe *p)
{
    return (AppScreen){ .self = p, .draw = probe_draw, .key = probe_key };
}

/* Row y of the canvas as text (ASCII cells only; others as '#'). */
static void row_text(const Canvas *c, int y, char *out)
{
    for (int x = 0; x < c->width; x++) {
        uint32_t ch = canvas_cell(c, x, y)->ch;
        out[x] = ch >= 0x20 && ch < 0x7f ? (char)ch : '#';
    }
    out[c->width] = '\0';
}

/* All rows joined with spaces, for searching wrapped text. */
static char *all_text(const Canvas *c)
{
    char *buf = calloc((size_t)(c->width + 1) * (size_t)c->height + 1, 1);
    char row[512];
    for (int y = 0; y < c->height; y++) {
        row_text(c, y, row);
        strcat(buf, row);
        strcat(buf, " ");
    }
    return buf;
}

Test(ui_app, a_frame_at_the_minimum_size_or_more_is_the_screen)
{
    int sizes[][2] = { { 80, 24 }, { APP_MIN_WIDTH, APP_MIN_HEIGHT }, { 200, 60 } };
    for (int i = 0; i < 3; i++) {
        Probe p = { 0 };
        AppScreen s = probe_screen(&p);
        Canvas *c = canvas_create(sizes[i][0], sizes[i][1], RASTER_ASCII, false);
        app_render_frame(&s, c, NULL);
        cr_assert_eq(p.draws, 1, "%dx%d: the screen draws once", sizes[i][0], sizes[i][1]);
        cr_assert(p.width == sizes[i][0] && p.height == sizes[i][1], "draw sees the whole canvas");
        char row[256];
        row_text(c, 0, row);
        cr_assert(strncmp(row, "probe screen", 12) == 0, "%dx%d: got '%s'", sizes[i][0], sizes[i][1], row);
        canvas_destroy(c);
    }
}

Test(ui_app, below_the_minimum_the_frame_asks_to_enlarge_and_does_not_draw_the_screen)
{
    Probe p = { 0 };
    AppScreen s = probe_screen(&p);
    Canvas *c = canvas_create(APP_MIN_WIDTH - 1, APP_MIN_HEIGHT + 5, RASTER_ASCII, false);
    app_render_frame(&s, c, NULL);
    cr_assert_eq(p.draws, 0, "the screen is not asked to lay out in too little room");
    char *text = all_text(c);
    char want[64];
    snprintf(want, sizeof want, "at least %dx%d (now %dx%d)", APP_MIN_WIDTH, APP_MIN_HEIGHT, APP_MIN_WIDTH - 1,
             APP_MIN_HEIGHT + 5);
    cr_assert(strstr(text, "Please enlarge the terminal"), "message missing: '%s'", text);
    cr_assert(strstr(text, want), "expected '%s' in '%s'", want, text);
    cr_assert(strstr(text, "Paused; q quits."), "the message says the screen is paused and how to quit: %s", text);
    free(text);
    canvas_destroy(c);
}

Test(ui_app, the_enlarge_message_is_centred)
{
    Canvas *c = canvas_create(40, 11, RASTER_ASCII, false);
    app_draw_too_small(c, 60, 20);
    int first = -1, last = -1;
    char row[64];
    for (int y = 0; y < c->height; y++) {
        row_text(c, y, row);
        if (strspn(row, " ") == strlen(row))
            continue;
        if (first < 0)
            first = y;
        last = y;
        size_t len = strlen(row);
        while (len && row[len - 1] == ' ')
            len--;
        int left = (int)strspn(row, " "), right = c->width - (int)len;
        cr_assert_leq(abs(left - right), 1, "row %d '%s' is not centred (%d left, %d right)", y, row, left, right);
    }
    cr_assert_geq(first, 0, "nothing drawn");
    cr_assert_leq(abs(first - (c->height - 1 - last)), 1, "not centred vertically: rows %d..%d of %d", first, last,
                  c->height);
    canvas_destroy(c);
}

Test(ui_app, the_enlarge_message_uses_a_times_sign_only_in_unicode)
{
    Canvas *c = canvas_create(70, 10, RASTER_BRAILLE, true);
    app_draw_too_small(c, 80, 24);
    char *dump = canvas_dump(c, false);
    cr_assert(strstr(dump, "80\xC3\x97" "24"), "unicode: 80×24 expected in '%s'", dump);
    free(dump);
    canvas_destroy(c);
}

Test(ui_app, tiny_canvases_get_what_fits_without_crashing)
{
    int sizes[][2] = { { 1, 1 }, { 5, 2 }, { 12, 3 }, { 200, 1 } };
    for (int i = 0; i < 4; i++) {
        Probe p = { 0 };
        AppScreen s = probe_screen(&p);
        Canvas *c = canvas_create(sizes[i][0], sizes[i][1], RASTER_ASCII, false);
        app_render_frame(&s, c, NULL);
        cr_assert_eq(p.draws, 0);
        int used = 0;
        for (int y = 0; y < c->height; y++)
            for (int x = 0; x < c->width; x++)
                used += canvas_cell(c, x, y)->ch != ' ';
        cr_assert_gt(used, 0, "%dx%d: something of the message shows", sizes[i][0], sizes[i][1]);
        canvas_destroy(c);
    }
}

Test(ui_app, each_frame_starts_from_a_clear_canvas)
{
    Probe p = { 0 };
    AppScreen s = probe_screen(&p);
    Canvas *c = canvas_create(80, 24, RASTER_ASCII, false);
    canvas_text(c, 10, 10, "stale", ROLE_DEFAULT, 0, -1);
    app_render_frame(&s, c, NULL);
    cr_assert_eq(canvas_cell(c, 10, 10)->ch, ' ', "text from the previous frame was left");
    canvas_destroy(c);
}

Test(ui_app, the_minimum_size_comes_from_the_config)
{
    Probe p = { 0 };
    AppScreen s = probe_screen(&p);
    AppConfig config;
    app_config_default(&config);
    cr_assert(config.min_width == APP_MIN_WIDTH && config.min_height == APP_MIN_HEIGHT && config.fps == 30.0);
    config.min_width = 80;
    config.min_height = 24;
    Canvas *c = canvas_create(80, 23, RASTER_ASCII, false);
    app_render_frame(&s, c, &config);
    cr_assert_eq(p.draws, 0, "80x23 is below a configured 80x24");
    canvas_resize(c, 80, 24);
    app_render_frame(&s, c, &config);
    cr_assert_eq(p.draws, 1, "80x24 is enough");
    canvas_destroy(c);
}

Test(ui_app, the_dark_theme_is_built_in_and_needs_no_theme_file)
{
    Theme got, want;
    BnError err = { 0 };
    memset(&got, 0x5a, sizeof got);
    cr_assert(assets_theme_select(&got, "dark", &err), "%s", err.message);
    theme_default(&want);
    cr_assert(memcmp(got.roles, want.roles, sizeof want.roles) == 0, "the dark theme is the built-in one");
}

Test(ui_app, an_unknown_theme_is_a_usage_error_that_names_the_themes_there_are)
{
    Theme t;
    BnError err = { 0 };
    cr_assert_not(assets_theme_select(&t, "no-such-theme-here", &err), "a typo must not pass silently");
    cr_assert_str_eq(err.where, "--theme");
    cr_assert(strstr(err.message, "unknown theme 'no-such-theme-here'") != NULL, "%s", err.message);
    cr_assert(strstr(err.message, "dark") != NULL, "the message lists the themes: %s", err.message);
}

Test(ui_app, a_theme_name_cannot_be_a_path)
{
    Theme t;
    BnError err = { 0 };
    cr_assert(!assets_theme_select(&t, "../secret", &err));
    cr_assert_str_eq(err.where, "--theme");
}

Test(ui_app, assets_are_searched_beside_the_binary_then_in_the_share_dir)
{
    char storage[ASSETS_DIRS_MAX][ASSETS_PATH_MAX];
    const char *dirs[ASSETS_DIRS_MAX + 1];
    int n = assets_search_dirs("assets/themes", "themes", storage, dirs);
    cr_assert_eq(n, 4, "exe dir, ../share, ../.. (an uninstalled build), BNTUTOR_SHAREDIR");
    cr_assert_null(dirs[n], "the list is NULL-terminated");
    char exe[ASSETS_PATH_MAX];
    cr_assert(assets_exe_dir(exe, sizeof exe));
    size_t len = strlen(exe);
    cr_assert(strncmp(dirs[0], exe, len) == 0 && strcmp(dirs[0] + len, "/assets/themes") == 0, "got %s", dirs[0]);
    cr_assert(strcmp(dirs[1] + len, "/../share/bntutor/themes") == 0, "got %s", dirs[1]);
    cr_assert(strcmp(dirs[2] + len, "/../../assets/themes") == 0, "got %s", dirs[2]);
    cr_assert_str_eq(dirs[3], BNTUTOR_SHAREDIR "/themes");
}
