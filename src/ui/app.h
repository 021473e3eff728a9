/* The app loop: a small state machine of screens (one draw and one key function each, like ncdu 1.x),
 * frame pacing while something animates, and a headless frame for tests and `bntutor render` (ui layer). */
#ifndef BNTUTOR_UI_APP_H
#define BNTUTOR_UI_APP_H

#include <stdbool.h>

#include "ui/tty.h"
#include "view/canvas.h"

/* The smallest terminal a screen must lay out in; below it the loop shows a centred
 * "Please enlarge the terminal to at least 60×20 (now w×h)" instead. 80×24 is the size every screen
 * is designed for; 60×20 leaves room for a tmux status line or a smaller projector font. */
enum { APP_MIN_WIDTH = 60, APP_MIN_HEIGHT = 20 };

typedef struct App App;

typedef enum AppAction { APP_CONTINUE, APP_QUIT } AppAction;

/* One screen. `self` is the screen's own state, passed back to every callback.
 * draw: paint the whole screen into the canvas (already cleared, sized to the terminal, at least
 *       min_width × min_height). Must not change state: it may run any number of times.
 * key: one key from view/keys.h (printable characters as themselves, BK_* for the rest, and
 *      BK_AUTOPLAY from the loop's autoplay timer); return APP_QUIT to end the loop. The loop redraws
 *      after every key. (The tutor is one such screen; its own screens live behind it, ui/screen.h.)
 * tick (optional): advance animation by dt seconds (real time since the previous tick, capped).
 * animating (optional, NULL = never): true while ticks are wanted; the loop then runs the paced
 *      frame clock, otherwise it sleeps in poll() until a key arrives (0% CPU).
 * failed (optional, NULL = never): true when the screen cannot go on (its data became unreadable);
 *      the loop then ends with status 1 and the caller says why after restoring the terminal. */
typedef struct AppScreen {
    void *self;
    void (*draw)(void *self, Canvas *canvas);
    AppAction (*key)(void *self, App *app, int key);
    void (*tick)(void *self, double dt);
    bool (*animating)(void *self);
    bool (*failed)(void *self);
} AppScreen;

typedef struct AppConfig {
    double fps;             /* frame rate while animating; default 30 */
    int min_width, min_height;  /* default APP_MIN_WIDTH × APP_MIN_HEIGHT */
    double autoplay;        /* > 0: send BK_AUTOPLAY to the screen every `autoplay` seconds until the
                             * first real key press ("any key takes over"); 0: off */
} AppConfig;

void app_config_default(AppConfig *config);

/* Runs screens on the terminal until a key function returns APP_QUIT (→ 0), input is gone or the screen
 * failed (→ 1) or a fatal signal arrives (→ 1; the caller then runs tty_close() and tty_raise_pending_signal()).
 * `first` is copied, so it may live on the caller's stack. config NULL = defaults. */
int app_run(Tty *tty, const AppScreen *first, const AppConfig *config);

/* Headless: one frame of `screen` into `canvas` exactly as the loop would draw it at the canvas's size
 * (cleared first; the enlarge message when smaller than the minimum). config NULL = defaults. */
void app_render_frame(const AppScreen *screen, Canvas *canvas, const AppConfig *config);
/* The canvas is below the minimum size: the loop then shows the enlarge message, pauses (no ticks, no
 * autoplay page turns) and passes on only 'q'. config must not be NULL. */
bool app_too_small(const Canvas *canvas, const AppConfig *config);
/* The centred "Please enlarge ... Paused; q quits." message, word-wrapped to the canvas. */
void app_draw_too_small(Canvas *canvas, int min_width, int min_height);

#endif
