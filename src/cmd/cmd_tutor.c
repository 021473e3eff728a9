/* The interactive tutor: options, theme, terminal, and the app loop with its first screen (top layer). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "ui/app.h"
#include "ui/assets.h"
#include "ui/tty.h"
#include "util/error.h"
#include "util/parse.h"
#include "view/canvas.h"
#include "view/keys.h"
#include "view/theme.h"

typedef struct TutorOptions {
    long lesson, page;          /* 1-based; 0 = not given (start where progress says) */
    long seed;                  /* -1 = not given */
    const char *theme;          /* NULL = dark */
    const char *lessons_dir;    /* NULL = search beside the binary, then the share dir */
    double autoplay;            /* seconds; 0 = off */
    bool ascii, no_color, reset_progress;
} TutorOptions;

static const char tutor_usage[] =
    "Usage: bntutor [--lesson=N] [--page=P] [--seed=S] [--theme=NAME] [--ascii] [--no-color]\n"
    "               [--autoplay=SECS] [--lessons-dir=DIR] [--reset-progress]\n"
    "Starts the interactive batch-normalization tutor ('bntutor --help' lists the subcommands too).\n";

/* "bntutor: --where: what" for usage errors; returns the exit status 2. */
static int usage_error(const char *where, const char *what, const char *value)
{
    if (value)
        fprintf(stderr, "bntutor: %s: %s, got '%s' (try 'bntutor --help')\n", where, what, value);
    else
        fprintf(stderr, "bntutor: %s: %s (try 'bntutor --help')\n", where, what);
    return 2;
}

/* Returns -1 when the options are fine, else the exit status (0 after --help, 2 on a usage error). */
static int tutor_parse(TutorOptions *o, int argc, char **argv)
{
    *o = (TutorOptions){ .seed = -1 };
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        if (parse_option(arg, "help", &v) || strcmp(arg, "-h") == 0) {
            fputs(tutor_usage, stdout);
            return 0;
        } else if (parse_option(arg, "version", &v)) {
            printf("bntutor %s\n", BNTUTOR_VERSION);
            return 0;
        } else if (parse_option(arg, "lesson", &v)) {
            if (!v || !parse_long(v, 1, 999, &o->lesson))
                return usage_error("--lesson", "expected a lesson number from 1", v);
        } else if (parse_option(arg, "page", &v)) {
            if (!v || !parse_long(v, 1, 9999, &o->page))
                return usage_error("--page", "expected a page number from 1", v);
        } else if (parse_option(arg, "seed", &v)) {
            if (!v || !parse_long(v, 0, LONG_MAX, &o->seed))
                return usage_error("--seed", "expected a non-negative whole number", v);
        } else if (parse_option(arg, "theme", &v)) {
            if (!v || !v[0])
                return usage_error("--theme", "expected a theme name (dark, light, contrast)", v);
            o->theme = v;
        } else if (parse_option(arg, "lessons-dir", &v)) {
            if (!v || !v[0])
                return usage_error("--lessons-dir", "expected a directory", v);
            o->lessons_dir = v;
        } else if (parse_option(arg, "autoplay", &v)) {
            double secs;
            if (!v || !parse_double(v, &secs) || secs <= 0.0 || secs > 86400.0)
                return usage_error("--autoplay", "expected seconds between pages (e.g. 8)", v);
            o->autoplay = secs;
        } else if (parse_option(arg, "ascii", &v)) {
            if (v)
                return usage_error("--ascii", "takes no value", NULL);
            o->ascii = true;
        } else if (parse_option(arg, "no-color", &v)) {
            if (v)
                return usage_error("--no-color", "takes no value", NULL);
            o->no_color = true;
        } else if (parse_option(arg, "reset-progress", &v)) {
            if (v)
                return usage_error("--reset-progress", "takes no value", NULL);
            o->reset_progress = true;
        } else if (arg[0] == '-') {
            fprintf(stderr, "bntutor: unknown option '%s' (try 'bntutor --help')\n", arg);
            return 2;
        } else {
            fprintf(stderr, "bntutor: unexpected argument '%s' (try 'bntutor --help')\n", arg);
            return 2;
        }
    }
    return -1;
}

/* --- Placeholder first screen: replace with the lesson engine's screens. It exists so the loop,
 * pacing, resize and signals can be tried: a title, some text, and a bouncing indicator. --- */

typedef struct Placeholder {
    const TutorOptions *options;
    bool playing;
    double t;           /* seconds of animation played */
    long frames;        /* ticks so far */
    long autoplays;     /* BK_AUTOPLAY events received */
} Placeholder;

static void placeholder_draw(void *self, Canvas *canvas)
{
    const Placeholder *p = self;
    bool u = canvas->unicode;
    const char *dash = u ? "\xE2\x80\x94" : "-", *dot = u ? "\xC2\xB7" : "|", *times = u ? "\xC3\x97" : "x";
    char line[256];
    int w = canvas->width, h = canvas->height;

    snprintf(line, sizeof line, "bntutor %s %s batch normalization tutor", BNTUTOR_VERSION, dash);
    canvas_text(canvas, 2, 1, line, ROLE_TITLE, ATTR_BOLD, w - 4);
    canvas_text(canvas, 2, 3, "The lessons are not plugged in yet; this screen checks the terminal layer.",
                ROLE_DEFAULT, 0, w - 4);
    snprintf(line, sizeof line, "terminal %d%s%d %s lesson %ld %s page %ld %s seed %ld %s theme %s", w, times,
             h, dot, p->options->lesson ? p->options->lesson : 1L, dot,
             p->options->page ? p->options->page : 1L, dot, p->options->seed < 0 ? 0L : p->options->seed,
             dot, p->options->theme ? p->options->theme : "dark");
    canvas_text(canvas, 2, 5, line, ROLE_TEXT_DIM, 0, w - 4);
    snprintf(line, sizeof line, "%s %s frames %ld %s autoplay events %ld", p->playing ? "playing" : "paused",
             dot, p->frames, dot, p->autoplays);
    canvas_text(canvas, 2, 6, line, p->playing ? ROLE_GOOD : ROLE_TEXT_DIM, 0, w - 4);

    /* The track: a ball bouncing between the ends, one trip every two seconds. */
    int track = w - 6, row = h / 2;
    for (int x = 0; x < track; x++)
        canvas_put(canvas, 3 + x, row + 1, u ? 0x2500 : '-', ROLE_AXIS, 0);
    double phase = fmod(p->t, 2.0) / 2.0;
    double along = phase < 0.5 ? 2.0 * phase : 2.0 - 2.0 * phase;
    int ball = (int)lround(along * (track - 1));
    canvas_put(canvas, 3 + ball, row, u ? 0x25CF : 'o', ROLE_SERIES1, ATTR_BOLD);

    for (int x = 0; x < w; x++)
        canvas_put(canvas, x, h - 1, ' ', ROLE_STATUS, 0);
    snprintf(line, sizeof line, " space play/pause %s q quit", dot);
    canvas_text(canvas, 0, h - 1, line, ROLE_STATUS, 0, w);
}

static AppAction placeholder_key(void *self, App *app, int key)
{
    (void)app;
    Placeholder *p = self;
    if (key == 'q' || key == 'Q')
        return APP_QUIT;
    if (key == ' ')
        p->playing = !p->playing;
    else if (key == BK_AUTOPLAY)
        p->autoplays++;
    return APP_CONTINUE;
}

static void placeholder_tick(void *self, double dt)
{
    Placeholder *p = self;
    p->t += dt;
    p->frames++;
}

static bool placeholder_animating(void *self) { return ((Placeholder *)self)->playing; }

int cmd_tutor(int argc, char **argv)
{
    TutorOptions options;
    int rc = tutor_parse(&options, argc, argv);
    if (rc >= 0)
        return rc;

    BnError err = { 0 };
    char buf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 4];
    Theme theme;
    if (!assets_theme_select(&theme, options.theme, &err)) {
        fprintf(stderr, "bntutor: %s\n", error_format(&err, buf, sizeof buf));
        return strcmp(err.where, "--theme") == 0 ? 2 : 1;
    }
    TtyOptions tty_options = { .force_ascii = options.ascii, .no_color = options.no_color, .theme = &theme };
    Tty *tty = tty_open(&tty_options, &err);
    if (!tty) {
        fprintf(stderr, "bntutor: %s\n", error_format(&err, buf, sizeof buf));
        return 1;
    }

    Placeholder placeholder = { .options = &options };
    AppScreen first = {
        .self = &placeholder,
        .draw = placeholder_draw,
        .key = placeholder_key,
        .tick = placeholder_tick,
        .animating = placeholder_animating,
    };
    AppConfig config;
    app_config_default(&config);
    config.autoplay = options.autoplay;
    int status = app_run(tty, &first, &config);

    tty_close(tty);
    tty_raise_pending_signal();     /* SIGTERM etc.: die by the signal now that the terminal is sane */
    return status;
}
