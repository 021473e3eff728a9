/* The help overlay: every key of the screen underneath, as that screen lists them (ui layer). */
#include "ui/screen.h"
#include "ui/tutor_priv.h"
#include "view/chrome.h"
#include "view/keys.h"

enum { HELP_KEY_COLS = 13 };

static void draw_column(Canvas *canvas, const HelpList *list, int x, int y, int w, int h)
{
    for (int i = 0; i < list->n && i < h; i++) {
        const HelpLine *l = &list->lines[i];
        if (!l->key) {
            canvas_text(canvas, x, y + i, l->label, ROLE_TITLE, ATTR_BOLD, w);
            continue;
        }
        canvas_text(canvas, x, y + i, l->key, ROLE_HIGHLIGHT, ATTR_BOLD, HELP_KEY_COLS - 1);
        canvas_text(canvas, x + HELP_KEY_COLS, y + i, l->label, ROLE_DEFAULT, 0, w - HELP_KEY_COLS);
    }
}

static void help_draw(Tutor *t, const void *state, Canvas *canvas)
{
    tutor_draw_beneath(t, canvas);
    HelpList left = { .n = 0 }, right = { .n = 0 };
    tutor_help_beneath(t, &left, &right, canvas->unicode);

    int cols = right.n > 0 ? 2 : 1;
    int colw = 34;
    int rows = left.n > right.n ? left.n : right.n;
    int pw = cols * colw + (cols - 1) * 2 + 4, ph = rows + 4;
    if (pw > canvas->width - 2)
        pw = canvas->width - 2;
    if (ph > canvas->height - 2)
        ph = canvas->height - 2;
    Rect area = rect_make((canvas->width - pw) / 2, (canvas->height - ph) / 2, pw, ph);
    for (int y = area.y; y < area.y + area.h; y++)
        for (int x = area.x; x < area.x + area.w; x++)
            canvas_put(canvas, x, y, ' ', ROLE_DEFAULT, 0);
    Rect in = panel_draw(canvas, area, "Keys (Esc or ? closes)", ROLE_HIGHLIGHT);
    in = rect_inset(in, 1, 1);
    if (in.w <= 0 || in.h <= 0)
        return;
    int cw = cols == 2 ? (in.w - 2) / 2 : in.w;
    draw_column(canvas, &left, in.x, in.y, cw, in.h);
    if (cols == 2)
        draw_column(canvas, &right, in.x + cw + 2, in.y, cw, in.h);
}

static AppAction help_key(Tutor *t, void *state, int key)
{
    switch (key) {
    case BK_ESC: case '?': case BK_ENTER: case ' ':
        tutor_back(t);
        return APP_CONTINUE;
    case 'q':
        return APP_QUIT;
    case BK_AUTOPLAY:
        return APP_CONTINUE;            /* presenting waits while help is open */
    default:
        return APP_CONTINUE;
    }
}

const TutorScreen screen_help = {
    .name = "help", .overlay = true, .draw = help_draw, .key = help_key,
};
