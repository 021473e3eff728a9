/* The tutor's screens behind one interface: the registry, showing a screen, an overlay over what it covers. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "support/check.h"
#include "ui/screen.h"
#include "view/canvas.h"
#include "view/keys.h"

static Tutor *open_lesson(int lesson, int page)
{
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = "lessons";
    config.lesson = lesson;
    config.page = page;
    config.use_progress = false;
    BnError err = { 0 };
    Tutor *t = tutor_create(&config, &err);
    cr_assert_not_null(t, "tutor_create failed: %s: %s", err.where, err.message);
    return t;
}

static char *frame(Tutor *t)
{
    Canvas *c = canvas_create(100, 30, RASTER_ASCII, false);
    tutor_draw(t, c);
    char *text = canvas_dump(c, false);
    canvas_destroy(c);
    return text;
}

Test(tutor_screens, every_mode_has_one_screen_that_draws_and_takes_keys)
{
    const TutorMode modes[] = { TUTOR_PAGE, TUTOR_MENU, TUTOR_HELP };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        const TutorScreen *s = tutor_screen_for(modes[i]);
        cr_assert_not_null(s);
        cr_expect_eq(s->mode, modes[i], "mode %d is served by the screen of mode %d", modes[i], s->mode);
        cr_expect(s->draw && s->key, "the screen of mode %d lacks draw or key", modes[i]);
        for (size_t j = 0; j < i; j++)
            cr_expect_neq(s, tutor_screen_for(modes[j]), "modes %d and %d share a screen", modes[i], modes[j]);
    }
    cr_expect(tutor_screen_for(TUTOR_HELP)->overlay, "help is drawn over another screen");
    cr_expect(!tutor_screen_for(TUTOR_PAGE)->overlay && !tutor_screen_for(TUTOR_MENU)->overlay);
    cr_expect(tutor_screen_for(TUTOR_PAGE)->help && tutor_screen_for(TUTOR_MENU)->help,
              "the page and the menu list their keys for the help");
}

Test(tutor_screens, showing_the_menu_selects_the_lesson_being_read)
{
    Tutor *t = open_lesson(5, 1);
    t->menu_sel = 0;
    t->menu_digits[0] = '1';
    tutor_show(t, TUTOR_MENU);
    cr_expect_eq(tutor_mode(t), TUTOR_MENU);
    cr_expect_eq(t->menu_sel, t->index, "the selection starts on lesson 5");
    cr_expect_eq(t->menu_digits[0], '\0', "no digits carried over");
    tutor_destroy(t);
}

Test(tutor_screens, help_covers_the_screen_it_was_opened_from_and_closes_back_to_it_unchanged)
{
    Tutor *t = open_lesson(0, 1);
    tutor_key(t, 'm');
    tutor_key(t, BK_DOWN);
    tutor_key(t, BK_DOWN);
    int sel = t->menu_sel;
    tutor_key(t, '?');
    cr_assert_eq(tutor_mode(t), TUTOR_HELP);
    cr_expect_eq(t->beneath, TUTOR_MENU);
    char *text = frame(t);
    cr_expect(strstr(text, "Lessons"), "the menu's header shows around the help:\n%s", text);
    cr_expect(strstr(text, "Lesson menu") && strstr(text, "open lesson number"),
              "the help lists the menu's own keys:\n%s", text);
    cr_expect(!strstr(text, "previous page"), "and not the page's:\n%s", text);
    free(text);
    tutor_key(t, BK_ESC);
    cr_expect_eq(tutor_mode(t), TUTOR_MENU, "Escape goes back to the menu");
    cr_expect_eq(t->menu_sel, sel, "with its selection where it was");

    tutor_key(t, BK_ESC);
    cr_assert_eq(tutor_mode(t), TUTOR_PAGE);
    tutor_key(t, '?');
    cr_expect_eq(t->beneath, TUTOR_PAGE);
    text = frame(t);
    cr_expect(strstr(text, "Lesson 0") && strstr(text, "previous page"),
              "over a page: its header around, its keys inside:\n%s", text);
    free(text);
    tutor_show(t, TUTOR_HELP);          /* help over help would never get back to the page */
    tutor_back(t);
    cr_expect_eq(tutor_mode(t), TUTOR_PAGE);
    tutor_destroy(t);
}
