/* The screens the tutor knows, and what they share: the header row, the help overlay's key lists (ui layer). */
#include "ui/screen.h"
#include "ui/tutor_priv.h"

#include <string.h>

#include "view/unicode.h"

/* Each screen lives in its own file (screen_*.c); a new one is defined there and listed here. */
extern const TutorScreen screen_page, screen_menu, screen_help, screen_results;
static const TutorScreen *const screens[] = { &screen_page, &screen_menu, &screen_help, &screen_results };

enum { SCREEN_COUNT = sizeof screens / sizeof screens[0] };

const TutorScreen *tutor_screen_named(const char *name)
{
    for (int i = 0; name && i < SCREEN_COUNT; i++)
        if (strcmp(screens[i]->name, name) == 0)
            return screens[i];
    return NULL;
}

int tutor_screen_count(void) { return SCREEN_COUNT; }

const TutorScreen *tutor_screen_at(int index)
{
    return index >= 0 && index < SCREEN_COUNT ? screens[index] : NULL;
}

void help_list_add(HelpList *list, const char *key, const char *label)
{
    if (list->n < HELP_LINES_MAX)
        list->lines[list->n++] = (HelpLine){key, label};
}

void screen_draw_header(Canvas *canvas, const char *left, const char *middle, const char *right)
{
    int w = canvas->width;
    for (int x = 0; x < w; x++)
        canvas_put(canvas, x, 0, ' ', ROLE_STATUS, 0);
    int rw = right ? utf8_width(right) : 0;
    int room = w - 2 - (rw ? rw + 2 : 0);
    int x = 1;
    if (left)
        x += canvas_text(canvas, x, 0, left, ROLE_STATUS, 0, room);
    if (middle && x < 1 + room - 3) {
        const char *sep = canvas->unicode ? " \xE2\x80\xBA " : " > ";    /* › */
        x += canvas_text(canvas, x, 0, sep, ROLE_STATUS, 0, 1 + room - x);
        int mw = utf8_width(middle), left_room = 1 + room - x;
        if (mw <= left_room)
            canvas_text(canvas, x, 0, middle, ROLE_STATUS, ATTR_BOLD, left_room);
        else if (left_room > 1) {
            int used = canvas_text(canvas, x, 0, middle, ROLE_STATUS, ATTR_BOLD, left_room - 1);
            canvas_put(canvas, x + used, 0, canvas->unicode ? 0x2026 : '.', ROLE_STATUS, ATTR_BOLD);
        }
    }
    if (rw)
        canvas_text(canvas, w - 1 - rw, 0, right, ROLE_STATUS, 0, rw);
}
