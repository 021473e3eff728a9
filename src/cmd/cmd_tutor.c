/* The interactive tutor: options, theme, lessons, terminal, and the app loop running the tutor's screens (top layer). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "lesson/progress.h"
#include "ui/app.h"
#include "ui/assets.h"
#include "ui/record.h"
#include "ui/tty.h"
#include "ui/tutor.h"
#include "util/error.h"
#include "util/parse.h"
#include "util/termtext.h"
#include "view/canvas.h"
#include "view/keys.h"
#include "view/theme.h"

typedef struct TutorOptions {
    long lesson, page;          /* lesson number (-1 = not given: start where progress says); page 1-based (0 = not given) */
    long seed;                  /* -1 = not given */
    const char *theme;          /* NULL = light or dark, after the terminal's background */
    const char *lessons_dir;    /* NULL = search beside the binary, then the share dir */
    double autoplay;            /* seconds; 0 = off */
    const char *record, *replay;    /* --record=FILE, --replay=FILE */
    bool ascii, no_color, reset_progress;
} TutorOptions;

/* How long the terminal may take to say its background colour (one round trip, also over SSH). */
enum { BACKGROUND_QUERY_MS = 300 };

static const char tutor_usage[] =
    "Usage: bntutor [--lesson=N] [--page=P] [--seed=S] [--theme=NAME] [--ascii] [--no-color]\n"
    "               [--autoplay=SECS] [--lessons-dir=DIR] [--reset-progress]\n"
    "               [--record=FILE | --replay=FILE]\n"
    "Starts the interactive batch-normalization tutor ('bntutor --help' lists the subcommands too).\n";

/* Returns -1 when the options are fine, else the exit status (0 after --help, 2 on a usage error). */
static int tutor_parse(TutorOptions *o, int argc, char **argv)
{
    *o = (TutorOptions){ .lesson = -1, .seed = -1 };
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        if (parse_option(arg, "help", &v) || strcmp(arg, "-h") == 0) {
            fputs(tutor_usage, stdout);
            return 0;
        } else if (parse_option(arg, "version", &v)) {
            printf("bntutor %s\n", BNTUTOR_VERSION);
            return 0;
        } else if (parse_option(arg, "lesson", &v)) {
            if (!v || !parse_long(v, 0, 999, &o->lesson))
                return cmd_usage_error(NULL, "--lesson", "expected a lesson number from 0 to 999", v);
        } else if (parse_option(arg, "page", &v)) {
            if (!v || !parse_long(v, 1, 9999, &o->page))
                return cmd_usage_error(NULL, "--page", "expected a page number from 1", v);
        } else if (parse_option(arg, "seed", &v)) {
            if (!v || !parse_long(v, 0, LONG_MAX, &o->seed))
                return cmd_usage_error(NULL, "--seed", "expected a non-negative whole number", v);
        } else if (parse_option(arg, "theme", &v)) {
            if (!v || !v[0])
                return cmd_usage_error(NULL, "--theme", "expected a theme name (dark, light, contrast)", v);
            o->theme = v;
        } else if (parse_option(arg, "lessons-dir", &v)) {
            if (!v || !v[0])
                return cmd_usage_error(NULL, "--lessons-dir", "expected a directory", v);
            o->lessons_dir = v;
        } else if (parse_option(arg, "autoplay", &v)) {
            double secs;
            if (!v || !parse_double(v, &secs) || secs < TUTOR_AUTOPLAY_MIN_SECONDS || secs > 86400.0)
                return cmd_usage_error(NULL, "--autoplay", "expected seconds between pages, from 1 to 86400 (e.g. 8)",
                                       v);
            o->autoplay = secs;
        } else if (parse_option(arg, "record", &v)) {
            if (!v || !v[0])
                return cmd_usage_error(NULL, "--record", "expected a file to write the session to", v);
            o->record = v;
        } else if (parse_option(arg, "replay", &v)) {
            if (!v || !v[0])
                return cmd_usage_error(NULL, "--replay", "expected a file recorded with --record", v);
            o->replay = v;
        } else if (parse_option(arg, "ascii", &v)) {
            if (v)
                return cmd_usage_error(NULL, "--ascii", "takes no value", NULL);
            o->ascii = true;
        } else if (parse_option(arg, "no-color", &v)) {
            if (v)
                return cmd_usage_error(NULL, "--no-color", "takes no value", NULL);
            o->no_color = true;
        } else if (parse_option(arg, "reset-progress", &v)) {
            if (v)
                return cmd_usage_error(NULL, "--reset-progress", "takes no value", NULL);
            o->reset_progress = true;
        } else if (arg[0] == '-') {
            fprintf(stderr, "bntutor: unknown option '%s' (try 'bntutor --help')\n", arg);
            return 2;
        } else {
            fprintf(stderr, "bntutor: unexpected argument '%s' (try 'bntutor --help')\n", arg);
            return 2;
        }
    }
    if (o->record && o->replay)
        return cmd_usage_error(NULL, "--replay", "cannot be combined with --record", NULL);
    if (o->page > 0 && o->lesson < 0)
        return cmd_usage_error(NULL, "--page", "needs --lesson=N too", NULL);
    return -1;
}

/* app_run's arguments, for tty_run_guarded. */
typedef struct AppRun {
    Tty *tty;
    const AppScreen *screen;
    const AppConfig *config;
} AppRun;

static int run_app(void *arg)
{
    const AppRun *run = arg;
    return app_run(run->tty, run->screen, run->config);
}

/* --reset-progress erases every answer: asked first on a terminal (the file is kept as one backup). */
static bool confirm_reset(const char *lessons_dir)
{
    char *path = progress_path_for_lessons(lessons_dir);
    if (!path || access(path, F_OK) != 0) {
        free(path);
        return true;                /* nothing to erase */
    }
    char shown[1024], answer[16] = "";
    termtext_clean(path, shown, sizeof shown, 0);
    fprintf(stderr, "bntutor: --reset-progress erases every answer and done mark in %s\n"
            "(the old file is kept as %s.bak). Erase? [y/N] ", shown, shown);
    fflush(stderr);
    bool yes = fgets(answer, sizeof answer, stdin) && (answer[0] == 'y' || answer[0] == 'Y');
    if (!yes)
        fprintf(stderr, "bntutor: progress kept\n");
    free(path);
    return yes;
}

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

    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = options.lessons_dir;
    config.lesson = (int)options.lesson;
    config.page = (int)options.page;
    if (options.seed >= 0)
        config.seed = (uint64_t)options.seed;
    config.reset_progress = options.reset_progress;
    config.autoplay = options.autoplay;
    config.record_path = options.record;
    config.interrupted = tty_pending_signal;
    Record *replay = NULL;
    if (options.replay) {
        /* A replay starts where the recording started, with its seed and autoplay. */
        replay = record_load(options.replay, BNTUTOR_VERSION, &err);
        if (!replay) {
            fprintf(stderr, "bntutor: %s\n", error_format(&err, buf, sizeof buf));
            return 1;
        }
        config.seed = replay->seed;
        config.lesson = replay->lesson;
        config.page = replay->page;
        config.autoplay = replay->autoplay;
        config.replay = replay;
        /* Someone else's session must not move this learner's position, answers or done marks. */
        config.use_progress = false;
    }
    /* Without a terminal the tutor will not start: check the lesson options all the same, but touch
     * neither the progress file nor a record file. */
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        config.use_progress = false;
        config.record_path = NULL;
    }
    if (config.use_progress && config.reset_progress && !confirm_reset(options.lessons_dir))
        return 0;                   /* declined: nothing failed, nothing changed */
    if (!tty_query_size(&config.term_width, &config.term_height))
        config.term_width = config.term_height = 0;
    Tutor *tutor = tutor_create(&config, &err);
    if (!tutor) {
        fprintf(stderr, "bntutor: %s\n", error_format(&err, buf, sizeof buf));
        record_destroy(replay);
        return strcmp(err.where, "--lesson") == 0 || strcmp(err.where, "--page") == 0 ? 2 : 1;
    }

    /* Without --theme the terminal's background chooses light or dark. Both paint their own
     * background, so a wrong or missing answer still leaves the screen readable; --theme always wins. */
    const char *no_color_env = getenv("NO_COLOR");
    if (!options.theme && !options.no_color && !(no_color_env && *no_color_env) &&
        tty_detect_background(BACKGROUND_QUERY_MS) == TTY_BACKGROUND_LIGHT) {
        Theme light;
        BnError light_err = { 0 };
        if (assets_theme_select(&light, "light", &light_err))
            theme = light;
    }
    TtyOptions tty_options = { .force_ascii = options.ascii, .no_color = options.no_color, .theme = &theme };
    Tty *tty = tty_open(&tty_options, &err);
    if (!tty) {
        fprintf(stderr, "bntutor: %s\n", error_format(&err, buf, sizeof buf));
        tutor_destroy(tutor);
        record_destroy(replay);
        return 1;
    }
    AppScreen screen = tutor_screen(tutor);
    AppConfig app_config;
    app_config_default(&app_config);
    app_config.autoplay = replay ? 0.0 : options.autoplay;   /* a replay brings its own page turns */
    AppRun run = { tty, &screen, &app_config };
    int status = tty_run_guarded(run_app, &run);

    tty_close(tty);
    BnError failure = { 0 };
    if (tutor_failed(tutor, &failure)) {
        fprintf(stderr, "bntutor: %s\n", error_format(&failure, buf, sizeof buf));
        status = 1;
    }
    tutor_destroy(tutor);           /* saves the position, closes the record */
    record_destroy(replay);
    tty_raise_pending_signal();     /* SIGTERM etc.: die by the signal now that the terminal is sane */
    return status;
}
