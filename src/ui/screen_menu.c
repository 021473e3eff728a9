/* The lesson menu: every lesson with its number, title, pages, progress; broken ones with their first problem (ui layer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/screen.h"
#include "ui/tutor_priv.h"
#include "util/alloc.h"
#include "view/chrome.h"
#include "view/keys.h"
#include "view/unicode.h"

extern const TutorScreen screen_menu;

/* The menu's own state. */
typedef struct MenuState {
    int sel;                /* selected index in the lesson set */
    char digits[4];         /* digits typed so far */
} MenuState;

static void *menu_create(Tutor *t) { return xcalloc(1, sizeof(MenuState)); }
static void menu_destroy(void *state) { free(state); }

int screen_menu_selected(const Tutor *t)
{
    const MenuState *m = tutor_screen_state(t, &screen_menu);
    return m->sel;
}

const char *screen_menu_digits(const Tutor *t)
{
    const MenuState *m = tutor_screen_state(t, &screen_menu);
    return m->digits;
}

/* Rows of the list: below the header and a blank row, above the detail row and the footer. */
static int list_rows(int height) { return height - 5; }

static void menu_draw(Tutor *t, const void *state, Canvas *canvas)
{
    const MenuState *m = state;
    bool u = canvas->unicode;
    int w = canvas->width, h = canvas->height;
    char right[64];
    snprintf(right, sizeof right, "%d lesson%s", t->set->count, t->set->count == 1 ? "" : "s");
    screen_draw_header(canvas, "bntutor", "Lessons", right);

    int rows = list_rows(h);
    int first = 0;
    if (m->sel >= rows)
        first = m->sel - rows + 1;
    int title_w = w - 2 - 6 - 24;               /* number column, then status column */
    if (title_w > 60)
        title_w = 60;
    for (int r = 0; r < rows && first + r < t->set->count; r++) {
        int i = first + r;
        const Lesson *lesson = t->set->lessons[i];
        int y = 2 + r;
        bool sel = i == m->sel;
        bool broken = lesson_is_broken(lesson);
        int attr = sel ? ATTR_REVERSE : 0;
        ColorRole role = broken ? ROLE_WARNING : sel ? ROLE_HIGHLIGHT : ROLE_DEFAULT;
        if (sel)
            for (int x = 1; x < w - 1; x++)
                canvas_put(canvas, x, y, ' ', role, attr);
        char num[16];
        if (lesson->number >= 0)
            snprintf(num, sizeof num, "%4d", lesson->number);
        else
            snprintf(num, sizeof num, "   -");
        canvas_text(canvas, 1, y, num, role, attr | ATTR_BOLD, 5);
        canvas_text(canvas, 7, y, lesson->title, role, attr, title_w);
        char status[1200];
        const ProgressLesson *seen = t->progress ? progress_lesson(t->progress, lesson->number) : NULL;
        char problem[1024];
        if (broken)
            snprintf(status, sizeof status, "broken: %s",
                     lesson_problem_format(lesson, &lesson->problems[0], problem, sizeof problem));
        else if (seen && seen->done)
            snprintf(status, sizeof status, "%3d pages  %s done", lesson->page_count, u ? "\xE2\x9C\x93" : "*");
        else if (seen)
            snprintf(status, sizeof status, "%3d pages  at %d", lesson->page_count, seen->page);
        else
            snprintf(status, sizeof status, "%3d page%s", lesson->page_count, lesson->page_count == 1 ? "" : "s");
        canvas_text(canvas, 7 + title_w + 2, y, status, role, attr, w - 9 - title_w - 1);
        if (i == t->index)
            canvas_put(canvas, 0, y, u ? 0x25B8 : '>', ROLE_HIGHLIGHT, ATTR_BOLD);   /* where you are */
    }
    if (first > 0)
        canvas_text(canvas, w - 10, 1, u ? "\xE2\x86\x91 more" : "^ more", ROLE_HIGHLIGHT, 0, 8);
    if (first + rows < t->set->count)
        canvas_text(canvas, w - 10, 2 + rows, u ? "\xE2\x86\x93 more" : "v more", ROLE_HIGHLIGHT, 0, 8);

    /* The detail row: the selected lesson's summary, or its first problem when broken. */
    if (m->sel >= 0 && m->sel < t->set->count) {
        const Lesson *lesson = t->set->lessons[m->sel];
        char detail[1200];
        if (lesson_is_broken(lesson)) {
            char problem[1024];
            snprintf(detail, sizeof detail, "Broken, cannot open: %s",
                     lesson_problem_format(lesson, &lesson->problems[0], problem, sizeof problem));
            canvas_text(canvas, 1, h - 2, detail, ROLE_WARNING, ATTR_BOLD, w - 2);
        } else {
            snprintf(detail, sizeof detail, "%s", lesson->summary ? lesson->summary : "");
            canvas_text(canvas, 1, h - 2, detail, ROLE_TEXT_DIM, 0, w - 2);
        }
    }
    if (t->status[0]) {
        for (int x = 0; x < w; x++)
            canvas_put(canvas, x, h - 1, ' ', ROLE_STATUS, 0);
        canvas_text(canvas, 1, h - 1, t->status, ROLE_STATUS, ATTR_BOLD, w - 2);
        return;
    }
    KeyHint hints[] = {
        {"\xE2\x86\x91/\xE2\x86\x93", "select"}, {"Enter", "open"}, {"0-9", "lesson"},
        {"Esc/m", "back"}, {"g", "results"}, {"?", "help"}, {"q", "quit"},
    };
    statusbar_draw(canvas, rect_make(0, h - 1, w, 1), hints, (int)(sizeof hints / sizeof hints[0]),
                   t->set->dir);
}

static AppAction open_selected(Tutor *t, MenuState *m)
{
    if (m->sel < 0 || m->sel >= t->set->count)
        return APP_CONTINUE;
    const Lesson *lesson = t->set->lessons[m->sel];
    if (lesson_is_broken(lesson)) {
        char problem[1024];
        tutor_set_status(t, "Lesson %d is broken: %s", lesson->number,
                         lesson_problem_format(lesson, &lesson->problems[0], problem, sizeof problem));
        return APP_CONTINUE;
    }
    int page = 0;
    const ProgressLesson *seen = t->progress ? progress_lesson(t->progress, lesson->number) : NULL;
    if (m->sel == t->index)
        page = t->page;                     /* back to the page you were on */
    else if (seen && !seen->done)
        page = seen->page - 1;
    tutor_open(t, m->sel, page);
    return APP_CONTINUE;
}

static AppAction menu_key(Tutor *t, void *state, int key)
{
    MenuState *m = state;
    int n = t->set->count;
    if (key >= '0' && key <= '9') {
        size_t len = strlen(m->digits);
        if (len >= sizeof m->digits - 1)
            len = 0;
        m->digits[len] = (char)key;
        m->digits[len + 1] = '\0';
        int want = atoi(m->digits);
        int found = -1;
        bool longer = false;            /* a lesson whose number starts with these digits and goes on */
        for (int i = 0; i < n; i++) {
            int num = t->set->lessons[i]->number;
            if (num == want && found < 0)
                found = i;
            char s[16];
            snprintf(s, sizeof s, "%d", num);
            if (num >= 0 && strncmp(s, m->digits, strlen(m->digits)) == 0 &&
                strlen(s) > strlen(m->digits))
                longer = true;
        }
        if (found < 0 && !longer) {
            m->digits[0] = '\0';
            tutor_set_status(t, "There is no lesson %d.", want);
            return APP_CONTINUE;
        }
        if (found >= 0)
            m->sel = found;
        if (found >= 0 && !longer) {
            m->digits[0] = '\0';
            return open_selected(t, m);
        }
        return APP_CONTINUE;
    }
    m->digits[0] = '\0';
    switch (key) {
    case BK_UP: case 'k':
        if (m->sel > 0)
            m->sel--;
        break;
    case BK_DOWN: case 'j':
        if (m->sel < n - 1)
            m->sel++;
        break;
    case BK_HOME:
        m->sel = 0;
        break;
    case BK_END:
        m->sel = n - 1;
        break;
    case BK_PAGE_UP:
        m->sel = m->sel > 10 ? m->sel - 10 : 0;
        break;
    case BK_PAGE_DOWN:
        m->sel = m->sel + 10 < n ? m->sel + 10 : n - 1;
        break;
    case BK_ENTER: case BK_RIGHT:
        return open_selected(t, m);
    case BK_ESC: case 'm': case BK_LEFT:
        if (tutor_page_ptr(t))
            tutor_show(t, "page");
        else
            tutor_set_status(t, "Pick a lesson that is not broken, or q to quit.");
        break;
    case 'g':
        screen_results_open(t, RESULTS_BROWSE, -1, -1);
        break;
    case '?':
        tutor_show(t, "help");
        break;
    case 'q':
        return APP_QUIT;
    case BK_AUTOPLAY:
        if (tutor_page_ptr(t)) {
            tutor_show(t, "page");
            tutor_next_page(t);
        }
        break;
    default:
        break;
    }
    return APP_CONTINUE;
}

/* Opened from a page: the selection starts on the lesson being read. */
static void menu_enter(Tutor *t, void *state)
{
    MenuState *m = state;
    m->sel = t->index;
    m->digits[0] = '\0';
}

static void menu_help(Tutor *t, const void *state, HelpList *left, HelpList *right, bool unicode)
{
    help_list_add(left, NULL, "Lesson menu");
    help_list_add(left, "Up Down j k", "select");
    help_list_add(left, "Enter", "open the lesson");
    help_list_add(left, "0-9", "open lesson number");
    help_list_add(left, "Esc m", "back to the page");
    help_list_add(left, "g", "your results");
    help_list_add(left, "?", "this help");
    help_list_add(left, "q", "quit (place saved)");
}

const TutorScreen screen_menu = {
    .name = "menu", .create = menu_create, .destroy = menu_destroy, .enter = menu_enter, .draw = menu_draw,
    .key = menu_key, .help = menu_help,
};
