/* The tutor's screens behind one interface, and the requests a screen may make of the tutor (ui layer).
 * A screen is one file defining a TutorScreen, listed once in screens.c; the tutor dispatches through
 * it and screens reach each other only through the requests below. */
#ifndef BNTUTOR_UI_SCREEN_H
#define BNTUTOR_UI_SCREEN_H

#include <stdbool.h>

#include "lesson/lesson.h"
#include "ui/checkpoint.h"
#include "ui/tutor.h"
#include "view/canvas.h"

typedef struct TutorScreen TutorScreen;

/* The keys a screen explains in the help overlay: headings (key NULL) and key/label rows. */
enum { HELP_LINES_MAX = 64 };
typedef struct HelpLine {
    const char *key;        /* NULL: a heading */
    const char *label;
} HelpLine;
typedef struct HelpList {
    HelpLine lines[HELP_LINES_MAX];
    int n;
} HelpList;
void help_list_add(HelpList *list, const char *key, const char *label);

/* A screen owns its state (the menu's selection, the page's scroll and layout): the tutor makes it
 * with create when it starts and frees it with destroy, and passes it to every callback. What the
 * screens share (the lesson, the page, its scene and checkpoints) stays the tutor's. Any callback but
 * draw and key may be NULL. */
struct TutorScreen {
    const char *name;           /* how screens ask for it (tutor_show), and what tutor_mode() reports */
    bool overlay;               /* drawn over the screen it was opened from, and closed back to it */
    bool runs_scene;            /* the page's scene plays and animates while this screen shows */
    void *(*create)(Tutor *t);  /* its state (NULL: none) */
    void (*destroy)(void *state);   /* accepts NULL */
    /* Called by tutor_show when the screen comes up. */
    void (*enter)(Tutor *t, void *state);
    /* Another lesson page was opened (the tutor calls every screen's). */
    void (*page_opened)(Tutor *t, void *state);
    /* The terminal (canvas) size or character set changed; also before the first frame. */
    void (*resize)(Tutor *t, void *state, int width, int height, bool unicode);
    /* Paints the screen from its state; never changes it (it may run any number of times). */
    void (*draw)(Tutor *t, const void *state, Canvas *canvas);
    AppAction (*key)(Tutor *t, void *state, int key);
    /* Its keys for the help overlay: moving around on the left, what it shows on the right.
     * Strings must outlive the drawing of the frame (literals, or the scene's own). */
    void (*help)(Tutor *t, const void *state, HelpList *left, HelpList *right, bool unicode);
};

/* The registered screens (screens.c): the one called `name`, or NULL; and all of them in order. */
const TutorScreen *tutor_screen_named(const char *name);
int tutor_screen_count(void);
const TutorScreen *tutor_screen_at(int index);

/* The state of `screen` in this tutor (what its create returned). */
void *tutor_screen_state(const Tutor *t, const TutorScreen *screen);
/* The screen an overlay covers (the screen showing when no overlay is open). */
const TutorScreen *tutor_screen_beneath(const Tutor *t);

/* The screens' own figures, for tests and the help. */
int screen_menu_selected(const Tutor *t);           /* index in the lesson set of the menu's selection */
const char *screen_menu_digits(const Tutor *t);     /* digits typed so far, "" for none */

/* The results screen: browsing every lesson's results (from the page or the menu), the summary after a
 * lesson's last page, or the course's results after the last lesson's. */
typedef enum ResultsMode { RESULTS_BROWSE, RESULTS_LESSON_END, RESULTS_COURSE_END } ResultsMode;
/* Shows it; for RESULTS_LESSON_END, lesson_index is the lesson just finished and next_index the one its
 * "go on" opens (-1: none). Both are indices in the lesson set. */
void screen_results_open(Tutor *t, ResultsMode mode, int lesson_index, int next_index);

/* ---- requests a screen may make -------------------------------------------------------------- */

int tutor_lesson_index(const Tutor *t);             /* index in the lesson set; -1 none open */
const Lesson *tutor_lesson(const Tutor *t);
const LessonPage *tutor_page_ptr(const Tutor *t);
/* Opens lesson index `index`, page `page` (0-based; clamped): scene, checkpoints, progress; shows the page. */
void tutor_open(Tutor *t, int index, int page);
/* Next/previous page, crossing into the next/previous lesson at the ends. */
void tutor_next_page(Tutor *t);
void tutor_prev_page(Tutor *t);
void tutor_next_lesson(Tutor *t, int dir);
void tutor_set_status(Tutor *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The scene can take no more steps: the page's `steps` are done, or the run halted (diverged). */
bool tutor_scene_finished(const Tutor *t);
/* The open checkpoint that takes keys now (the first unanswered), or NULL (also while held). */
CheckState *tutor_open_check(Tutor *t);
int tutor_open_check_index(const Tutor *t);     /* the same as an index, -1 for none */

/* Shows the screen called `name`, running its enter; an overlay remembers the screen it covers. A name
 * no screen has changes nothing. */
void tutor_show(Tutor *t, const char *name);
/* Closes an overlay: back to the screen it covers, as that screen was. */
void tutor_back(Tutor *t);
/* For an overlay: draws the screen it covers, and asks that screen for its keys. */
void tutor_draw_beneath(Tutor *t, Canvas *canvas);
void tutor_help_beneath(Tutor *t, HelpList *left, HelpList *right, bool unicode);

/* The header row of every screen: left text, middle (bold, after a "›"), right text; any may be NULL. */
void screen_draw_header(Canvas *canvas, const char *left, const char *middle, const char *right);

#endif
