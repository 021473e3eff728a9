/* The terminal through ncurses: setup and restore, signals, input, colors, canvas to screen (ui layer). */
#include "ui/tty.h"

#include <curses.h>
#include <term.h>

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "util/alloc.h"
#include "view/keys.h"

/* Signal handling: handlers only record the signal and write one byte to a self-pipe, which wakes the
 * poll() in tty_read_key. All terminal work (endwin, resizeterm, stopping for Ctrl-Z) then runs in normal
 * context, so nothing async-signal-unsafe ever runs inside a handler. The handlers are installed before
 * newterm(), so ncurses sees them and does not install its own. */
static volatile sig_atomic_t pending_fatal;     /* signal number, 0 = none */
static volatile sig_atomic_t pending_winch;
static volatile sig_atomic_t pending_tstp;
static int wake_pipe[2] = { -1, -1 };

static const int handled_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGWINCH };
enum { HANDLED_COUNT = sizeof handled_signals / sizeof handled_signals[0] };

/* SIGBUS cannot wait for the loop: returning from its handler would fault again. Inside
 * tty_run_guarded the handler records it like any fatal signal and jumps back there, so the caller
 * restores the terminal and saves progress in normal context and then dies by the signal. No read
 * goes through a mapping another process can shrink; this is the safety net for one we missed. */
static sigjmp_buf fault_jump;
static volatile sig_atomic_t fault_armed;

/* Input that says "readable" yet yields no key this many times in a row is treated as gone (EOF). */
enum { STALL_LIMIT = 100 };

struct Tty {
    SCREEN *screen;
    bool unicode;
    RasterMode raster;
    ColorMode color_mode;
    bool default_colors;        /* use_default_colors() worked: -1 is the terminal's own color */
    int width, height;
    int stalls;
    long frames;                /* frames drawn, for the terminal-output benchmark */
    int stats_fd;               /* BNTUTOR_TTY_STATS: where that count goes, or -1 */
    /* The canvas last copied to stdscr: cells equal to it are not handed to ncurses again, which
     * otherwise spends most of an animated frame re-adding unchanged cells only to diff them away. */
    Cell *shown;
    int shown_width, shown_height;
    bool shown_valid;           /* false after a resize, a theme change or a repaint */
    attr_t role_attr[ROLE_COUNT];
    short role_pair[ROLE_COUNT];
    struct sigaction saved[HANDLED_COUNT];
    bool installed[HANDLED_COUNT];
    struct sigaction saved_bus;
    bool bus_installed;
};

static Tty *active_tty;     /* for the out-of-memory and atexit restores */

static void on_signal(int sig)
{
    int saved_errno = errno;
    if (sig == SIGWINCH)
        pending_winch = 1;
    else if (sig == SIGTSTP)
        pending_tstp = 1;
    else if (!pending_fatal)
        pending_fatal = sig;
    if (wake_pipe[1] >= 0) {
        char byte = 0;
        ssize_t n = write(wake_pipe[1], &byte, 1);   /* full pipe: a wake-up is already queued */
        (void)n;
    }
    errno = saved_errno;
}

static void on_fault(int sig)
{
    if (!fault_armed) {
        signal(sig, SIG_DFL);       /* outside the guard: die by it as before */
        raise(sig);
        return;
    }
    fault_armed = 0;
    if (!pending_fatal)
        pending_fatal = sig;
    siglongjmp(fault_jump, 1);
}

int tty_run_guarded(int (*body)(void *arg), void *arg)
{
    if (sigsetjmp(fault_jump, 1) != 0)
        return 1;
    fault_armed = 1;
    int status = body(arg);
    fault_armed = 0;
    return status;
}

static void install_fault_handler(Tty *tty)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sigemptyset(&sa.sa_mask);
    tty->bus_installed = sigaction(SIGBUS, &sa, &tty->saved_bus) == 0;
}

static void install_handler(Tty *tty, int i)
{
    struct sigaction old;
    if (sigaction(handled_signals[i], NULL, &old) != 0)
        return;
    /* A signal ignored at startup (nohup, background jobs) stays ignored. */
    if (old.sa_handler == SIG_IGN)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;   /* ncurses' own reads/writes are not cut short; poll() still wakes */
    if (sigaction(handled_signals[i], &sa, &tty->saved[i]) == 0)
        tty->installed[i] = true;
}

static void restore_handlers(Tty *tty)
{
    fault_armed = 0;
    if (tty->bus_installed) {
        sigaction(SIGBUS, &tty->saved_bus, NULL);
        tty->bus_installed = false;
    }
    for (int i = 0; i < HANDLED_COUNT; i++)
        if (tty->installed[i]) {
            sigaction(handled_signals[i], &tty->saved[i], NULL);
            tty->installed[i] = false;
        }
}

static int set_flags(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    int fd_flags = fcntl(fd, F_GETFD);
    if (fl < 0 || fd_flags < 0)
        return -1;
    if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, fd_flags | FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

static void close_pipe(void)
{
    for (int i = 0; i < 2; i++)
        if (wake_pipe[i] >= 0) {
            close(wake_pipe[i]);
            wake_pipe[i] = -1;
        }
}

static void drain_pipe(void)
{
    char buf[64];
    while (read(wake_pipe[0], buf, sizeof buf) > 0) {
    }
}

/* Registered with alloc_set_failure_hook and atexit: leave curses mode so the message is readable. */
static void emergency_restore(void)
{
    if (active_tty && !isendwin()) {
        endwin();
        fflush(stdout);
    }
}

/* --- pure helpers --- */

ColorMode tty_choose_color_mode(bool has_colors, int colors, int color_pairs, bool no_color_flag,
                                const char *no_color_env)
{
    if (no_color_flag || (no_color_env && no_color_env[0]) || !has_colors)
        return COLOR_MODE_MONO;
    if (color_pairs < ROLE_COUNT + 1)
        return COLOR_MODE_MONO;
    if (colors >= 256)
        return COLOR_MODE_256;
    if (colors >= 16)
        return COLOR_MODE_16;
    if (colors >= 8)
        return COLOR_MODE_8;
    return COLOR_MODE_MONO;
}

bool tty_codeset_is_utf8(const char *codeset)
{
    return codeset && (strcasecmp(codeset, "UTF-8") == 0 || strcasecmp(codeset, "UTF8") == 0);
}

bool tty_use_unicode(bool force_ascii, const char *codeset, const char *shellinabox_url)
{
    return !force_ascii && tty_codeset_is_utf8(codeset) && !(shellinabox_url && shellinabox_url[0]);
}

bool tty_term_name_ok(const char *term, BnError *err)
{
    if (!term || !term[0]) {
        error_set(err, "", "TERM is not set, so the terminal type is unknown (try TERM=xterm)");
        return false;
    }
    if (strcmp(term, "dumb") == 0) {
        error_set(err, "", "this terminal (TERM=dumb) cannot show the full-screen tutor; "
                           "'bntutor render' prints frames as text");
        return false;
    }
    return true;
}

static short clamp_color(short c, int colors, bool default_colors, short fallback)
{
    if (c < 0 || c >= colors)
        c = -1;
    if (c < 0 && !default_colors)
        c = fallback;
    return c;
}

void tty_pick_colors(const ThemeColor *color, ColorMode mode, int colors, bool default_colors,
                     short *fg, short *bg)
{
    short f = -1, b = -1;
    switch (mode) {
    case COLOR_MODE_256: f = color->fg256; b = color->bg256; break;
    case COLOR_MODE_16: f = color->fg16; b = color->bg16; break;
    case COLOR_MODE_8: f = color->fg8; b = color->bg8; break;
    case COLOR_MODE_MONO: break;
    }
    *fg = clamp_color(f, colors, default_colors, 7);   /* white on black without default colors */
    *bg = clamp_color(b, colors, default_colors, 0);
}

/* --- the terminal's background --- */

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* One channel of "rgb:R/G/B": 1 to 4 hex digits, scaled to 0..255; advances *p. -1 when malformed. */
static int osc_channel(const char **p, const char *end)
{
    int digits = 0;
    unsigned value = 0;
    while (*p < end && hex_digit(**p) >= 0 && digits < 4) {
        value = value * 16 + (unsigned)hex_digit(**p);
        (*p)++;
        digits++;
    }
    if (digits == 0 || (*p < end && hex_digit(**p) >= 0))
        return -1;
    unsigned max = (1u << (4 * digits)) - 1;
    return (int)((value * 255 + max / 2) / max);
}

TtyBackground tty_background_from_osc11(const char *reply, size_t len)
{
    static const char head[] = "\x1b]11;rgb:";
    const size_t head_len = sizeof head - 1;
    for (size_t i = 0; i + head_len <= len; i++) {
        if (memcmp(reply + i, head, head_len) != 0)
            continue;
        const char *p = reply + i + head_len, *end = reply + len;
        int rgb[3];
        bool ok = true;
        for (int c = 0; c < 3 && ok; c++) {
            rgb[c] = osc_channel(&p, end);
            ok = rgb[c] >= 0 && (c == 2 || (p < end && *p++ == '/'));
        }
        /* Ended by BEL or ST (ESC \); some terminals add an alpha channel ("rgba:") we do not accept. */
        ok = ok && p < end && (*p == '\a' || (*p == '\x1b' && p + 1 < end && p[1] == '\\'));
        if (!ok)
            continue;
        uint32_t color = (uint32_t)rgb[0] << 16 | (uint32_t)rgb[1] << 8 | (uint32_t)rgb[2];
        return theme_luminance(color) > 0.179 ? TTY_BACKGROUND_LIGHT : TTY_BACKGROUND_DARK;
    }
    return TTY_BACKGROUND_UNKNOWN;
}

TtyBackground tty_background_from_colorfgbg(const char *value)
{
    if (!value || !*value)
        return TTY_BACKGROUND_UNKNOWN;
    const char *last = strrchr(value, ';');
    if (!last)
        return TTY_BACKGROUND_UNKNOWN;
    last++;
    if (!*last || strspn(last, "0123456789") != strlen(last) || strlen(last) > 2)
        return TTY_BACKGROUND_UNKNOWN;
    int bg = atoi(last);
    if (bg > 15)
        return TTY_BACKGROUND_UNKNOWN;
    return bg == 7 || bg >= 9 ? TTY_BACKGROUND_LIGHT : TTY_BACKGROUND_DARK;
}

static double monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Sends OSC 11 then DA1 and collects the answers until DA1's ("ESC [ ? ... c") or the timeout. Every
 * terminal answers DA1, so a terminal that ignores OSC 11 costs one round trip, not the timeout. */
static TtyBackground query_background(int timeout_ms)
{
    struct termios saved, raw;
    if (tcgetattr(STDIN_FILENO, &saved) != 0)
        return TTY_BACKGROUND_UNKNOWN;
    raw = saved;
    raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0)
        return TTY_BACKGROUND_UNKNOWN;
    static const char question[] = "\x1b]11;?\x1b\\\x1b[c";
    char reply[256];
    size_t len = 0;
    bool answered = false;
    if (write(STDOUT_FILENO, question, sizeof question - 1) == (ssize_t)(sizeof question - 1)) {
        double deadline = monotonic_ms() + timeout_ms;
        while (!answered && len < sizeof reply - 1) {
            int left = (int)(deadline - monotonic_ms());
            struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
            if (left <= 0 || poll(&pfd, 1, left) <= 0)
                break;
            ssize_t n = read(STDIN_FILENO, reply + len, sizeof reply - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
            reply[len] = '\0';
            const char *da = strstr(reply, "\x1b[?");
            answered = da && strchr(da, 'c');
        }
    }
    /* An answer cut short by the timeout must not reach the tutor as keys. */
    tcsetattr(STDIN_FILENO, answered ? TCSANOW : TCSAFLUSH, &saved);
    return tty_background_from_osc11(reply, len);
}

TtyBackground tty_detect_background(int timeout_ms)
{
    TtyBackground found = TTY_BACKGROUND_UNKNOWN;
    const char *term = getenv("TERM");
    if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term && *term && strcmp(term, "dumb") != 0 &&
        strcmp(term, "linux") != 0)
        found = query_background(timeout_ms);
    if (found == TTY_BACKGROUND_UNKNOWN)
        found = tty_background_from_colorfgbg(getenv("COLORFGBG"));
    return found;
}

/* --- setup and teardown --- */

static bool check_terminfo(const char *term, BnError *err)
{
    int status = 0;
    if (setupterm(term, STDOUT_FILENO, &status) != OK) {
        if (status == -1)
            error_set(err, "", "cannot find the terminfo database to look up TERM=%s", term);
        else if (status == 1)
            error_set(err, "", "TERM=%s is a hardcopy terminal; the tutor needs a screen", term);
        else
            error_set(err, "", "unknown terminal type TERM=%s (no terminfo entry; try TERM=xterm)",
                      term);
        return false;
    }
    const char *cup = tigetstr("cup");
    bool ok = cup && cup != (const char *)-1;
    if (!ok)
        error_set(err, "", "this terminal (TERM=%s) cannot move the cursor, so it cannot show the "
                           "full-screen tutor; 'bntutor render' prints frames as text", term);
    del_curterm(cur_term);
    return ok;
}

static attr_t attr_bits(int attr)
{
    attr_t a = A_NORMAL;
    if (attr & ATTR_BOLD)
        a |= A_BOLD;
    if (attr & ATTR_DIM)
        a |= A_DIM;
    if (attr & ATTR_UNDERLINE)
        a |= A_UNDERLINE;
    if (attr & ATTR_REVERSE)
        a |= A_REVERSE;
    if (attr & ATTR_ITALIC)
        a |= A_ITALIC;
    return a;
}

void tty_set_theme(Tty *tty, const Theme *theme)
{
    Theme fallback;
    if (!theme) {
        theme_default(&fallback);
        theme = &fallback;
    }
    for (int r = 0; r < ROLE_COUNT; r++) {
        const ThemeColor *c = &theme->roles[r];
        if (tty->color_mode == COLOR_MODE_MONO) {
            tty->role_attr[r] = attr_bits(c->attr | c->mono_attr);
            tty->role_pair[r] = 0;
            continue;
        }
        short fg, bg;
        tty_pick_colors(c, tty->color_mode, COLORS, tty->default_colors, &fg, &bg);
        init_pair((short)(r + 1), fg, bg);
        tty->role_attr[r] = attr_bits(c->attr);
        tty->role_pair[r] = (short)(r + 1);
    }
    /* Cleared and uncovered cells take the theme's default role, so its own background fills the screen. */
    wbkgd(stdscr, (chtype)' ' | (tty->color_mode == COLOR_MODE_MONO ? 0 : COLOR_PAIR(tty->role_pair[ROLE_DEFAULT])));
    tty->shown_valid = false;
}

static void read_size(Tty *tty)
{
    getmaxyx(stdscr, tty->height, tty->width);
}

Tty *tty_open(const TtyOptions *options, BnError *err)
{
    if (active_tty) {
        error_set(err, "", "the terminal is already in use");
        return NULL;
    }
    if (!isatty(STDOUT_FILENO)) {
        error_set(err, "", "standard output is not a terminal; the tutor needs one "
                           "('bntutor render' prints frames as text)");
        return NULL;
    }
    if (!isatty(STDIN_FILENO)) {
        error_set(err, "", "standard input is not a terminal; the tutor reads keys from it");
        return NULL;
    }
    const char *term = getenv("TERM");
    if (!tty_term_name_ok(term, err) || !check_terminfo(term, err))
        return NULL;

    Tty *tty = xcalloc(1, sizeof *tty);
    pending_fatal = pending_winch = pending_tstp = 0;
    if (pipe(wake_pipe) != 0 || set_flags(wake_pipe[0]) != 0 || set_flags(wake_pipe[1]) != 0) {
        error_set(err, "", "cannot create a pipe: %s", strerror(errno));
        close_pipe();
        free(tty);
        return NULL;
    }
    for (int i = 0; i < HANDLED_COUNT; i++)
        install_handler(tty, i);
    install_fault_handler(tty);

    fflush(stdout);
    tty->screen = newterm(term, stdout, stdin);
    if (!tty->screen) {
        error_set(err, "", "cannot start the terminal (TERM=%s)", term);
        restore_handlers(tty);
        close_pipe();
        free(tty);
        return NULL;
    }
    set_term(tty->screen);
    active_tty = tty;
    static bool hooks_registered;
    if (!hooks_registered) {
        alloc_set_failure_hook(emergency_restore);
        atexit(emergency_restore);
        hooks_registered = true;
    }

    cbreak();                   /* keys at once; Ctrl-C, Ctrl-Z still raise signals */
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);      /* tty_read_key waits in poll(), never inside ncurses */
    leaveok(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);

    bool force_ascii = options && options->force_ascii;
    tty->unicode = tty_use_unicode(force_ascii, nl_langinfo(CODESET), getenv("SHELLINABOX_URL"));
    tty->raster = tty->unicode ? RASTER_BRAILLE : RASTER_ASCII;

    bool no_color = options && options->no_color;
    const char *no_color_env = getenv("NO_COLOR");
    bool want_color = tty_choose_color_mode(has_colors(), 256, 256, no_color, no_color_env)
                      != COLOR_MODE_MONO;
    if (want_color && start_color() == OK) {
        tty->default_colors = use_default_colors() == OK;
        tty->color_mode = tty_choose_color_mode(true, COLORS, COLOR_PAIRS, false, NULL);
    } else {
        tty->color_mode = COLOR_MODE_MONO;
    }
    tty_set_theme(tty, options ? options->theme : NULL);
    read_size(tty);
    /* The benchmark counts bytes on the terminal's side; it needs to know how many frames they made. */
    const char *stats = getenv("BNTUTOR_TTY_STATS");
    tty->stats_fd = stats && *stats ? open(stats, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    return tty;
}

void tty_close(Tty *tty)
{
    if (!tty)
        return;
    if (!isendwin())
        endwin();
    fflush(stdout);
    delscreen(tty->screen);
    if (tty->stats_fd >= 0)
        close(tty->stats_fd);
    free(tty->shown);
    restore_handlers(tty);
    close_pipe();
    if (active_tty == tty)
        active_tty = NULL;
    free(tty);
}

int tty_pending_signal(void) { return pending_fatal; }

void tty_raise_pending_signal(void)
{
    int sig = pending_fatal;
    if (!sig)
        return;
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
}

void tty_size(const Tty *tty, int *width, int *height)
{
    *width = tty->width;
    *height = tty->height;
}

bool tty_unicode(const Tty *tty) { return tty->unicode; }
RasterMode tty_raster(const Tty *tty) { return tty->raster; }
ColorMode tty_color_mode(const Tty *tty) { return tty->color_mode; }

/* --- drawing --- */

/* What one cell shows: a printable character that fits, else a plain stand-in. */
static wchar_t cell_glyph(const Tty *tty, uint32_t ch, int *cols)
{
    *cols = 1;
    if (ch < 0x20 || ch == 0x7f)
        return L' ';
    if (ch < 0x7f)
        return (wchar_t)ch;
    if (!tty->unicode || ch > 0x10ffff || (ch >= 0xd800 && ch <= 0xdfff))
        return L'?';
    int w = wcwidth((wchar_t)ch);
    if (w < 1 || w > 2)
        return L'?';
    *cols = w;
    return (wchar_t)ch;
}

static bool cell_same(const Cell *a, const Cell *b)
{
    return a->ch == b->ch && a->role == b->role && a->attr == b->attr;
}

/* Keeps a copy of the canvas as drawn; on a size change (or no memory) the next frame draws every cell. */
static void remember_shown(Tty *tty, const Canvas *canvas)
{
    size_t n = (size_t)canvas->width * (size_t)canvas->height;
    if (!tty->shown || tty->shown_width != canvas->width || tty->shown_height != canvas->height) {
        free(tty->shown);
        tty->shown = n ? malloc(n * sizeof *tty->shown) : NULL;
        tty->shown_width = canvas->width;
        tty->shown_height = canvas->height;
    }
    tty->shown_valid = tty->shown != NULL;
    if (tty->shown)
        memcpy(tty->shown, canvas->cells, n * sizeof *tty->shown);
}

void tty_draw(Tty *tty, const Canvas *canvas)
{
    int w = canvas->width < tty->width ? canvas->width : tty->width;
    int h = canvas->height < tty->height ? canvas->height : tty->height;
    bool diff = tty->shown_valid && tty->shown_width == canvas->width && tty->shown_height == canvas->height;
    for (int y = 0; y < h; y++) {
        const Cell *row = canvas->cells + (long)y * canvas->width;
        const Cell *before = diff ? tty->shown + (long)y * canvas->width : NULL;
        int x = 0;
        while (x < w) {
            const Cell *c = &row[x];
            /* An orphan tail always draws: the head beside it may have been replaced under it. */
            bool unchanged = before && c->ch != CANVAS_WIDE_TAIL && cell_same(c, &before[x]);
            if (unchanged && c->ch < 0x7f) {
                x++;            /* unchanged one-column cell: stdscr still holds it */
                continue;
            }
            int cols = 1;
            /* A tail without its head (the head draws both columns) shows a blank. */
            wchar_t text[2] = { c->ch == CANVAS_WIDE_TAIL ? L' ' : cell_glyph(tty, c->ch, &cols), 0 };
            if (cols == 2 && x + 1 >= w) {
                text[0] = L' ';     /* no room for the right half */
                cols = 1;
            }
            if (unchanged && (cols == 1 || cell_same(&row[x + 1], &before[x + 1]))) {
                x += cols;
                continue;
            }
            int role = c->role < ROLE_COUNT ? c->role : ROLE_DEFAULT;
            cchar_t cc;
            setcchar(&cc, text, tty->role_attr[role] | attr_bits(c->attr), tty->role_pair[role], NULL);
            mvwadd_wch(stdscr, y, x, &cc);     /* the bottom-right cell returns ERR yet is drawn */
            x += cols;
        }
        if (w < tty->width) {
            wmove(stdscr, y, w);
            wclrtoeol(stdscr);
        }
    }
    if (h < tty->height) {
        wmove(stdscr, h, 0);
        wclrtobot(stdscr);
    }
    remember_shown(tty, canvas);
    wnoutrefresh(stdscr);
    doupdate();
    tty->frames++;
    if (tty->stats_fd >= 0) {
        char line[32];
        int len = snprintf(line, sizeof line, "%-20ld\n", tty->frames);
        if (pwrite(tty->stats_fd, line, (size_t)len, 0) != len)
            tty->stats_fd = -1;     /* a counting aid only: stop quietly */
    }
}

/* --- input and signal work --- */

static int map_function_key(wint_t key)
{
    switch (key) {
    case KEY_LEFT: return BK_LEFT;
    case KEY_RIGHT: return BK_RIGHT;
    case KEY_UP: return BK_UP;
    case KEY_DOWN: return BK_DOWN;
    case KEY_PPAGE: return BK_PAGE_UP;
    case KEY_NPAGE: return BK_PAGE_DOWN;
    case KEY_HOME: case KEY_A1: return BK_HOME;
    case KEY_END: case KEY_C1: return BK_END;
    case KEY_ENTER: return BK_ENTER;
    case KEY_BACKSPACE: return BK_BACKSPACE;
    case KEY_DC: return BK_DELETE;
    case KEY_BTAB: return BK_BACKTAB;
    case KEY_RESIZE: return BK_RESIZE;
    default: break;
    }
    if (key >= (wint_t)KEY_F(1) && key <= (wint_t)KEY_F(12))
        return BK_F1 + (int)(key - (wint_t)KEY_F(1));
    return BK_NONE;
}

static int map_char(wint_t ch)
{
    switch (ch) {
    case L'\r': case L'\n': return BK_ENTER;
    case L'\t': return BK_TAB;
    case 27: return BK_ESC;
    case 127: case 8: return BK_BACKSPACE;
    default: return (int)ch;
    }
}

bool tty_query_size(int *width, int *height)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0)
        return false;
    *width = ws.ws_col;
    *height = ws.ws_row;
    return true;
}

/* Asks the kernel for the size and resizes ncurses' screen; true when it changed. */
static bool update_size(Tty *tty)
{
    struct winsize ws;
    /* Only on a real change: ncurses 6.4's resizeterm() queues a KEY_RESIZE on every call. */
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0 &&
        (ws.ws_row != tty->height || ws.ws_col != tty->width))
        resizeterm(ws.ws_row, ws.ws_col);
    int old_w = tty->width, old_h = tty->height;
    read_size(tty);
    bool changed = tty->width != old_w || tty->height != old_h;
    if (changed) {
        clearok(curscr, TRUE);  /* repaint everything once after a resize; never per frame */
        tty->shown_valid = false;
    }
    return changed;
}

/* Ctrl-Z: leave curses mode, stop with the default action, and come back on SIGCONT. */
static int suspend(Tty *tty)
{
    endwin();
    fflush(stdout);
    struct sigaction dfl, ours;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, &ours);
    raise(SIGTSTP);             /* stops here until `fg` */
    sigaction(SIGTSTP, &ours, NULL);
    /* doupdate() after endwin() returns to program mode by itself; the shell wrote over the screen,
     * so repaint it all, and the size may differ now. */
    clearok(curscr, TRUE);
    tty->shown_valid = false;
    return update_size(tty) ? BK_RESIZE : BK_REDRAW;
}

static int take_signal_work(Tty *tty)
{
    if (pending_fatal)
        return BK_INTERRUPT;
    if (pending_tstp) {
        pending_tstp = 0;
        pending_winch = 0;      /* suspend() re-reads the size anyway */
        return suspend(tty);
    }
    if (pending_winch) {
        pending_winch = 0;
        update_size(tty);
        return BK_RESIZE;
    }
    return BK_NONE;
}

int tty_read_key(Tty *tty, int timeout_ms)
{
    for (;;) {
        int work = take_signal_work(tty);
        if (work != BK_NONE)
            return work;
        wint_t ch;
        int r = wget_wch(stdscr, &ch);
        if (r == KEY_CODE_YES) {
            tty->stalls = 0;
            int key = map_function_key(ch);
            if (key == BK_RESIZE) {
                /* Usually queued by our own resizeterm() after SIGWINCH was reported; a change
                 * we have not seen (SIGWINCH ignored at startup) is reported now. */
                if (update_size(tty))
                    return BK_RESIZE;
                continue;
            }
            if (key != BK_NONE)
                return key;
            continue;
        }
        if (r == OK) {
            tty->stalls = 0;
            if (ch == BK_CTRL('l')) {
                clearok(curscr, TRUE);  /* Ctrl-L: repaint everything, e.g. after line noise over SSH */
                tty->shown_valid = false;
                return BK_REDRAW;
            }
            return map_char(ch);
        }
        struct pollfd fds[2] = {
            { .fd = STDIN_FILENO, .events = POLLIN },
            { .fd = wake_pipe[0], .events = POLLIN },
        };
        int n = poll(fds, 2, timeout_ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return BK_HANGUP;
        }
        if (n == 0)
            return BK_NONE;
        if (fds[1].revents) {
            drain_pipe();
            /* Return so the caller recomputes its deadline; signal work is picked up next call. */
            int w = take_signal_work(tty);
            return w;
        }
        if ((fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) && !(fds[0].revents & POLLIN))
            return BK_HANGUP;
        /* Readable: the next wget_wch gets it. Readable with nothing to read, again and again, is EOF. */
        if (++tty->stalls > STALL_LIMIT)
            return BK_HANGUP;
    }
}
