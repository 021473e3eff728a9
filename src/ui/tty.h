/* The terminal: setup and restore, signals, input as our key codes, colors, and copying a canvas to the
 * screen (ui layer; this header is ncurses-free, only tty.c includes ncurses). */
#ifndef BNTUTOR_UI_TTY_H
#define BNTUTOR_UI_TTY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"
#include "view/canvas.h"
#include "view/theme.h"

typedef enum ColorMode {
    COLOR_MODE_MONO,    /* no colors: the theme's mono attributes */
    COLOR_MODE_8,
    COLOR_MODE_16,
    COLOR_MODE_256,
} ColorMode;

typedef struct TtyOptions {
    bool force_ascii;       /* --ascii: canvas.unicode = false, RASTER_ASCII */
    bool no_color;          /* --no-color (NO_COLOR in the environment is checked by tty_open too) */
    const Theme *theme;     /* NULL: theme_default */
} TtyOptions;

typedef struct Tty Tty;

/* Takes over the terminal (stdin/stdout). Fails, without touching the screen, when stdout or stdin is
 * not a terminal, TERM is unset, dumb or unknown, or the terminal cannot address the cursor; err then
 * says why ("standard output is not a terminal", ...). Only one Tty may be open at a time.
 * Signals: SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP and SIGWINCH get handlers that only set a flag and
 * write a byte to a self-pipe; everything else happens in tty_read_key (see there). */
Tty *tty_open(const TtyOptions *options, BnError *err);
/* Restores the terminal (endwin: cooked mode, cursor, main screen) and the previous signal handlers.
 * Accepts NULL. Does not re-raise a caught fatal signal: call tty_raise_pending_signal() for that. */
void tty_close(Tty *tty);
/* If a SIGINT/SIGTERM/SIGHUP/SIGQUIT stopped the program, re-raises it with the default action so the
 * exit status tells the parent what happened (does not return then). Call after tty_close and cleanup. */
void tty_raise_pending_signal(void);
/* Runs body(arg) and returns its result; if SIGBUS arrives meanwhile (between tty_open and tty_close),
 * returns 1 at once with SIGBUS as the pending fatal signal, for the caller to handle like SIGTERM:
 * tty_close, save, tty_raise_pending_signal. */
int tty_run_guarded(int (*body)(void *arg), void *arg);
/* The signal number caught (0 if none). */
int tty_pending_signal(void);

void tty_size(const Tty *tty, int *width, int *height);
/* The size of the terminal on standard output, before any Tty is open; false when there is none. */
bool tty_query_size(int *width, int *height);
bool tty_unicode(const Tty *tty);
RasterMode tty_raster(const Tty *tty);
ColorMode tty_color_mode(const Tty *tty);
/* Rebuilds the color pairs for a theme (once per theme; drawing then only looks roles up). */
void tty_set_theme(Tty *tty, const Theme *theme);

/* Copies the canvas to the screen; ncurses sends only the cells that changed. */
void tty_draw(Tty *tty, const Canvas *canvas);
/* Waits up to timeout_ms (-1: forever) for input and returns a key code from view/keys.h, or
 * BK_NONE on timeout or a wake-up with nothing to report. Signal work happens here, outside handlers:
 * SIGWINCH resizes ncurses' screen and returns BK_RESIZE; SIGTSTP leaves curses mode, stops the
 * process, and on `fg` returns BK_RESIZE (size changed meanwhile) or BK_REDRAW; a fatal signal
 * returns BK_INTERRUPT (every call from then on); input gone (EOF/hangup) returns BK_HANGUP.
 * After BK_RESIZE/BK_REDRAW the next tty_draw repaints the whole screen. */
int tty_read_key(Tty *tty, int timeout_ms);

/* What the terminal's own background is, as far as it can be told. */
typedef enum TtyBackground { TTY_BACKGROUND_UNKNOWN, TTY_BACKGROUND_DARK, TTY_BACKGROUND_LIGHT } TtyBackground;
/* Asks the terminal on stdin/stdout for its background colour (OSC 11), with a device-attributes query
 * (DA1) behind it as the end mark, waiting at most timeout_ms; without an answer, COLORFGBG decides.
 * Call before tty_open (it switches the terminal to raw mode for the question and back). UNKNOWN when
 * stdin or stdout is not a terminal and COLORFGBG says nothing. */
TtyBackground tty_detect_background(int timeout_ms);

/* --- pure helpers, exposed for tests --- */

/* An OSC 11 reply anywhere in `reply` ("ESC ] 11 ; rgb:RRRR/GGGG/BBBB" ended by BEL or ESC \, 1 to 4
 * hex digits a channel) → light when its luminance is above 0.179 (where black text starts to beat
 * white); UNKNOWN when there is no well-formed reply. */
TtyBackground tty_background_from_osc11(const char *reply, size_t len);
/* COLORFGBG ("fg;bg" or "fg;xpm;bg", as rxvt and others set it): the last field is the background's
 * colour index; 7 and 9..15 are light, 0..6 and 8 dark; anything else UNKNOWN. */
TtyBackground tty_background_from_colorfgbg(const char *value);

/* NO_COLOR set and non-empty, or --no-color, or no usable colors → mono; else by the number of colors
 * (256 → 16 → 8). A mode also needs ROLE_COUNT + 1 color pairs. */
ColorMode tty_choose_color_mode(bool has_colors, int colors, int color_pairs, bool no_color_flag,
                                const char *no_color_env);
/* "UTF-8", "utf8", "UTF8" (any case) → true. */
bool tty_codeset_is_utf8(const char *codeset);
/* Whether to draw with Unicode: not when --ascii asks, nor in a locale that is not UTF-8, nor inside
 * shellinabox (shellinabox_url: $SHELLINABOX_URL, which it sets for every session), whose web font draws
 * braille wider than a cell, so charts would overflow their lines. */
bool tty_use_unicode(bool force_ascii, const char *codeset, const char *shellinabox_url);
/* The TERM value is worth asking terminfo about: not NULL, not empty, not "dumb". */
bool tty_term_name_ok(const char *term, BnError *err);
/* The foreground/background a role gets in a color mode. Colors ≥ colors are replaced by the
 * default (-1); without default-color support (-1 unavailable) -1 becomes white on black. */
void tty_pick_colors(const ThemeColor *color, ColorMode mode, int colors, bool default_colors,
                     short *fg, short *bg);

#endif
