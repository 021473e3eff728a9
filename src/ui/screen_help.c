/* The help overlay: every key of the screen underneath (generic, the scene's knobs, the checkpoint's) (ui layer). */
#include <stdio.h>
#include <string.h>

#include "ui/tutor_priv.h"
#include "view/chrome.h"
#include "view/keys.h"
#include "view/unicode.h"

enum { HELP_LINES_MAX = 64, HELP_KEY_COLS = 13 };

typedef struct HelpLine {
    const char *key;        /* NULL: a heading */
    const char *label;
} HelpLine;

typedef struct HelpList {
    HelpLine lines[HELP_LINES_MAX];
    int n;
} HelpList;

static void add(HelpList *list, const char *key, const char *label)
{
    if (list->n < HELP_LINES_MAX)
        list->lines[list->n++] = (HelpLine){key, label};
}

/* Fills two columns: (left) moving around, (right) the scene and the checkpoint. */
static void page_help(Tutor *t, HelpList *left, HelpList *right, bool u, SceneKey *keys)
{
    add(left, NULL, "Pages");
    add(left, u ? "\xE2\x86\x92 n l PgDn" : "-> n l PgDn", "next page");
    add(left, u ? "\xE2\x86\x90 p h PgUp" : "<- p h PgUp", "previous page");
    add(left, "N", "next lesson");
    add(left, "P", "previous lesson");
    add(left, u ? "\xE2\x86\x91 \xE2\x86\x93" : "up down", "scroll the text");
    add(left, "m", "lesson menu");
    add(left, "?", "this help");
    add(left, "Ctrl-L", "redraw the screen");
    add(left, "q", "quit (place saved)");
    CheckState *open = tutor_open_check(t);
    if (t->check_held) {
        add(left, NULL, "");
        add(left, NULL, "Question");
        add(left, "Enter", "next question");
    } else if (open) {
        add(left, NULL, "");
        add(left, NULL, "Question");
        if (open->cp->kind == CHECKPOINT_CHOICE)
            add(left, open->shifted ? "A B C ..." : "a b c ...",
                open->shifted ? "pick your answer (with Shift)" : "pick your answer");
        else {
            add(left, "0-9 . -", "type a number");
            add(left, "Backspace", "erase");
            add(left, "Enter", "check it");
        }
    }
    if (t->scene && scene_animates(t->scene)) {
        add(right, NULL, "Scene");
        add(right, "Space", "play / pause");
        add(right, ".", "one step");
        add(right, "+ -", "faster / slower");
    } else if (t->scene) {
        add(right, NULL, "Scene");
    }
    const LessonPage *page = tutor_page_ptr(t);
    bool has_scene = page && strcmp(page->scene->name, "none") != 0;
    if (t->scene && !has_scene)
        right->n = 0;
    if (t->scene && has_scene) {
        add(right, "r", "restart, same seed");
        add(right, "R", "restart, new seed");
    }
    if (has_scene)
        add(right, "z Tab", "zoom the scene");
    int k = t->scene ? scene_keys(t->scene, keys) : 0;
    if (k > 0) {
        add(right, NULL, "");
        add(right, NULL, "This scene's knobs");
        for (int i = 0; i < k && i < SCENE_KEYS_MAX; i++) {
            bool shadowed = open && check_shadows_hint(open, keys[i].key);
            add(right, keys[i].key, shadowed ? "(after the question)" : keys[i].label);
        }
    }
}

static void menu_help(HelpList *left)
{
    add(left, NULL, "Lesson menu");
    add(left, "Up Down j k", "select");
    add(left, "Enter", "open the lesson");
    add(left, "0-9", "open lesson number");
    add(left, "Esc m", "back to the page");
    add(left, "?", "this help");
    add(left, "q", "quit (place saved)");
}

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

void help_draw(Tutor *t, Canvas *canvas)
{
    if (t->help_from == TUTOR_MENU || !tutor_page_ptr(t))
        menu_draw(t, canvas);
    else
        page_draw(t, canvas);
    bool u = canvas->unicode;
    HelpList left = { .n = 0 }, right = { .n = 0 };
    SceneKey keys[SCENE_KEYS_MAX];
    if (t->help_from == TUTOR_MENU || !tutor_page_ptr(t))
        menu_help(&left);
    else
        page_help(t, &left, &right, u, keys);

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

AppAction help_key(Tutor *t, int key)
{
    switch (key) {
    case BK_ESC: case '?': case BK_ENTER: case ' ':
        t->mode = t->help_from == TUTOR_MENU || !tutor_page_ptr(t) ? TUTOR_MENU : TUTOR_PAGE;
        return APP_CONTINUE;
    case 'q':
        return APP_QUIT;
    case BK_AUTOPLAY:
        return APP_CONTINUE;            /* presenting waits while help is open */
    default:
        return APP_CONTINUE;
    }
}
