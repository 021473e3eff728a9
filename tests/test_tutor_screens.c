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
