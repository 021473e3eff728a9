/* Our own key codes, so scenes never see ncurses: the ui layer translates terminal input into these (view layer). */
#ifndef BNTUTOR_VIEW_KEYS_H
#define BNTUTOR_VIEW_KEYS_H

/* A key is an int. Printable characters (and control characters other than the ones named below, e.g.
 * Ctrl-L = 12) arrive as their Unicode code point. Named keys live above the Unicode range
 * (0x10FFFF), so they can never be mistaken for a character. */
enum {
    BK_NONE = -1,               /* no key (timeout, or input the ui ignores) */
    BK_BASE = 0x110000,
    BK_ENTER = BK_BASE,         /* Return, Enter, keypad Enter ('\r' and '\n' both map here) */
    BK_TAB,
    BK_BACKTAB,                 /* Shift-Tab */
    BK_ESC,
    BK_BACKSPACE,               /* Backspace, DEL (127), Ctrl-H */
    BK_DELETE,
    BK_LEFT,
    BK_RIGHT,
    BK_UP,
    BK_DOWN,
    BK_PAGE_UP,
    BK_PAGE_DOWN,
    BK_HOME,
    BK_END,
    BK_F1,                      /* BK_F1 + n - 1 is Fn, for n = 1..12 */
    BK_F12 = BK_F1 + 11,
    /* Events, not keys: the app loop handles these itself and does not pass them to screens. */
    BK_RESIZE,                  /* the terminal changed size */
    BK_REDRAW,                  /* the screen must be repainted (e.g. after Ctrl-Z and fg) */
    BK_HANGUP,                  /* input is gone (terminal closed) */
    BK_INTERRUPT,               /* SIGINT/SIGTERM/SIGHUP/SIGQUIT arrived: the loop must stop */
    /* Sent to the screen by the app loop's autoplay timer (--autoplay=SECS): "advance by yourself". */
    BK_AUTOPLAY,
};

/* Control-letter keys as they arrive: BK_CTRL('l') == 12. */
#define BK_CTRL(c) ((c) & 0x1f)

#endif
