/* The tutor's screens behind one interface: the registry, showing a screen, an overlay over what it covers. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "support/check.h"
#include "support/lesson_page.h"
#include "ui/screen.h"
#include "view/canvas.h"
#include "view/keys.h"

static char *frame(Tutor *t)
{
    Canvas *c = canvas_create(100, 30, RASTER_ASCII, false);
    tutor_draw(t, c);
    char *text = canvas_dump(c, false);
    canvas_destroy(c);
    return text;
}

Test(tutor_screens, every_screen_has_its_own_name_draws_and_takes_keys)
{
    int n = tutor_screen_count();
    cr_assert_geq(n, 3, "the page, the menu and the help at least");
    for (int i = 0; i < n; i++) {
        const TutorScreen *s = tutor_screen_at(i);
        cr_assert_not_null(s);
        cr_assert_not_null(s->name, "screen %d has no name", i);
        cr_expect_eq(tutor_screen_named(s->name), s, "the name \"%s\" finds another screen", s->name);
        cr_expect(s->draw && s->key, "the screen \"%s\" lacks draw or key", s->name);
        for (int j = 0; j < i; j++)
            cr_expect_str_neq(s->name, tutor_screen_at(j)->name, "screens %d and %d share a name", i, j);
    }
    cr_expect_null(tutor_screen_at(n));
    cr_expect_null(tutor_screen_named("no such screen"));
    cr_assert(tutor_screen_named("page") && tutor_screen_named("menu") && tutor_screen_named("help"));
    cr_expect(tutor_screen_named("help")->overlay, "help is drawn over another screen");
    cr_expect(!tutor_screen_named("page")->overlay && !tutor_screen_named("menu")->overlay);
    cr_expect(tutor_screen_named("page")->runs_scene && !tutor_screen_named("menu")->runs_scene
              && !tutor_screen_named("help")->runs_scene, "only the page plays its scene");
    cr_expect(tutor_screen_named("page")->help && tutor_screen_named("menu")->help,
              "the page and the menu list their keys for the help");
}

Test(tutor_screens, a_name_no_screen_has_changes_nothing)
{
    Tutor *t = lesson_page_open(0, 1);
    tutor_show(t, "no such screen");
    cr_expect_str_eq(tutor_mode(t), "page");
    tutor_destroy(t);
}

Test(tutor_screens, showing_the_menu_selects_the_lesson_being_read)
{
    Tutor *t = lesson_page_open(5, 1);
    tutor_show(t, "menu");
    tutor_key(t, BK_HOME);
    tutor_key(t, '1');              /* lessons 10 and on start with 1 too: the digit waits for more */
    cr_assert_neq(screen_menu_selected(t), tutor_lesson_index(t), "the selection moved away first");
    cr_assert_str_eq(screen_menu_digits(t), "1", "a digit is typed first");
    tutor_show(t, "menu");
    cr_expect_str_eq(tutor_mode(t), "menu");
    cr_expect_eq(screen_menu_selected(t), tutor_lesson_index(t), "the selection starts on lesson 5");
    cr_expect_str_eq(screen_menu_digits(t), "", "no digits carried over");
    tutor_destroy(t);
}

Test(tutor_screens, help_covers_the_screen_it_was_opened_from_and_closes_back_to_it_unchanged)
{
    Tutor *t = lesson_page_open(0, 1);
    tutor_key(t, 'm');
    tutor_key(t, BK_DOWN);
    tutor_key(t, BK_DOWN);
    int sel = screen_menu_selected(t);
    tutor_key(t, '?');
    cr_assert_str_eq(tutor_mode(t), "help");
    cr_expect_eq(tutor_screen_beneath(t), tutor_screen_named("menu"));
    char *text = frame(t);
    cr_expect(strstr(text, "Lessons"), "the menu's header shows around the help:\n%s", text);
    cr_expect(strstr(text, "Lesson menu") && strstr(text, "open lesson number"),
              "the help lists the menu's own keys:\n%s", text);
    cr_expect(!strstr(text, "previous page"), "and not the page's:\n%s", text);
    free(text);
    tutor_key(t, BK_ESC);
    cr_expect_str_eq(tutor_mode(t), "menu", "Escape goes back to the menu");
    cr_expect_eq(screen_menu_selected(t), sel, "with its selection where it was");

    tutor_key(t, BK_ESC);
    cr_assert_str_eq(tutor_mode(t), "page");
    tutor_key(t, '?');
    cr_expect_eq(tutor_screen_beneath(t), tutor_screen_named("page"));
    text = frame(t);
    cr_expect(strstr(text, "Lesson 0") && strstr(text, "previous page"),
              "over a page: its header around, its keys inside:\n%s", text);
    free(text);
    tutor_show(t, "help");          /* help over help would never get back to the page */
    tutor_back(t);
    cr_expect_str_eq(tutor_mode(t), "page");
    tutor_destroy(t);
}

/* The help over lesson `number`'s page `page` (1-based) at w x h: every line it lists can be brought on
 * screen, the rows below the panel with the key its border names. Frames are collected while Down
 * scrolls, until it moves no more; each word of every label and every key must show in one of them,
 * and the list's last entry in the last. Returns the number of pages looked at (0 past the end). */
static int help_reaches_every_line(int number, int page, int w, int h, bool unicode)
{
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = "lessons";
    config.lesson = number;
    config.page = page;
    config.use_progress = false;
    BnError err = { 0 };
    Tutor *t = tutor_create(&config, &err);
    if (!t)
        return 0;
    Canvas *c = canvas_create(w, h, unicode ? RASTER_BRAILLE : RASTER_ASCII, unicode);
    tutor_draw(t, c);
    tutor_key(t, '?');
    cr_assert_str_eq(tutor_mode(t), "help");
    HelpList left = { .n = 0 }, right = { .n = 0 };
    tutor_help_beneath(t, &left, &right, unicode);
    size_t cap = 1 << 16, used = 0;
    char *seen = malloc(cap), *frame = NULL, *last = NULL;
    seen[0] = '\0';
    for (int scrolls = 0; scrolls < 4 * HELP_LINES_MAX; scrolls++) {
        tutor_draw(t, c);
        frame = canvas_dump(c, false);
        if (last && strcmp(frame, last) == 0) {
            free(frame);
            break;
        }
        if (last)
            cr_expect(unicode ? strstr(last, "\xE2\x86\x93 more (") || strstr(last, "\xE2\x86\x93\xE2\x86\x91 more (")
                              : strstr(last, "v more (") || strstr(last, "v^ more ("),
                      "lesson %d page %d at %dx%d: Down scrolled the help, so its border should have said so:\n%s",
                      number, page, w, h, last);
        size_t len = strlen(frame);
        if (used + len + 2 > cap)
            seen = realloc(seen, cap = 2 * (used + len + 2));
        memcpy(seen + used, frame, len + 1);
        used += len;
        free(last);
        last = frame;
        tutor_key(t, BK_DOWN);
    }
    cr_assert_str_eq(tutor_mode(t), "help", "Down keeps the help open");
    const HelpList *lists[2] = { &left, &right };
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < lists[k]->n; i++) {
            const HelpLine *l = &lists[k]->lines[i];
            if (l->key)
                cr_expect(strstr(seen, l->key), "lesson %d page %d at %dx%d%s: key \"%s\" never shows:\n%s", number,
                          page, w, h, unicode ? "" : " ascii", l->key, last);
            char words[256];
            snprintf(words, sizeof words, "%s", l->label);
            for (char *word = strtok(words, " "); word; word = strtok(NULL, " "))
                cr_expect(strstr(seen, word), "lesson %d page %d at %dx%d%s: \"%s\" of \"%s\" never shows:\n%s",
                          number, page, w, h, unicode ? "" : " ascii", word, l->label, last);
        }
    const HelpList *final = right.n > 0 ? &right : &left;
    if (final->n > 0) {
        const char *label = final->lines[final->n - 1].label, *tail = strrchr(label, ' ');
        cr_expect(strstr(last, tail ? tail + 1 : label), "lesson %d page %d at %dx%d: the last entry \"%s\" is not "
                  "in the last frame:\n%s", number, page, w, h, label, last);
    }
    free(seen);
    free(last);
    canvas_destroy(c);
    tutor_destroy(t);
    return 1;
}

Test(tutor_screens, every_line_of_the_help_can_be_brought_on_screen_at_80x24_and_60x20, .timeout = 300)
{
    int pages = 0;
    for (int number = 0; number <= 18; number++)
        for (int page = 1; page <= 20; page++) {
            int n = help_reaches_every_line(number, page, 80, 24, true);
            if (!n)
                break;
            pages += n;
            help_reaches_every_line(number, page, 80, 24, false);
            help_reaches_every_line(number, page, 60, 20, true);
            help_reaches_every_line(number, page, 60, 20, false);
        }
    cr_assert_gt(pages, 90, "only %d pages were looked at", pages);
}

/* At 80x24 the keys of a page with many knobs and an open number question fit without scrolling; the
 * widest label of all (a retried question's) wraps instead of being cut. */
Test(tutor_screens, at_80x24_the_help_of_a_busy_page_needs_no_scrolling)
{
    Tutor *t = lesson_page_open(18, 2);
    Canvas *c = canvas_create(80, 24, RASTER_BRAILLE, true);
    tutor_draw(t, c);
    tutor_key(t, '?');
    tutor_draw(t, c);
    char *text = canvas_dump(c, false);
    cr_expect(strstr(text, "token means on/off") && strstr(text, "check it"), "both columns end on screen:\n%s",
              text);
    cr_expect_null(strstr(text, "more ("), "no scrolling needed:\n%s", text);
    free(text);
    canvas_destroy(c);
    tutor_destroy(t);
}
