/* 'bntutor render': one page of the tutor drawn headless, through the live screen's own code, printed as text, ANSI or SVG (top layer). */
#include <langinfo.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "ui/app.h"
#include "ui/assets.h"
#include "ui/tty.h"
#include "ui/tutor.h"
#include "util/error.h"
#include "util/parse.h"
#include "view/canvas.h"
#include "view/svg.h"
#include "view/theme.h"

static const char render_usage[] =
    "Usage: bntutor render --lesson=N --page=P [--size=WxH] [--steps=K] [--ascii] [--zoom]\n"
    "                      [--format=text|ansi|svg] [--theme=NAME] [--seed=S] [--lessons-dir=DIR]\n"
    "Prints one page of the tutor as text, as the live screen would show it, or as an SVG picture.\n"
    "  --lesson=N         lesson number (bntutor list shows them)\n"
    "  --page=P           page of that lesson, from 1 (default 1)\n"
    "  --size=WxH         screen size in columns x rows (default 80x24); below 60x20 the page asks\n"
    "                     to enlarge the terminal, as the live screen does\n"
    "  --steps=K          simulation steps to run before drawing (default 0)\n"
    "  --ascii            plain ASCII (default: Unicode when the locale is UTF-8)\n"
    "  --format=FORMAT    text (default), ansi (text with ANSI colors) or svg (one standalone\n"
    "                     SVG picture in the theme's colors)\n"
    "  --color            the same as --format=ansi\n"
    "  --theme=NAME       colors of the ansi and svg formats: dark (default), light, contrast\n"
    "  --zoom             the scene alone (and an open question under it), as after 'z'\n"
    "  --seed=S           seed (default 1, as the tutor)\n"
    "  --lessons-dir=DIR  read lessons from DIR\n";

/* "WxH" (also "W×H" is not accepted: keep it typeable) into width and height, each 1..1000. */
static bool parse_size(const char *text, long *w, long *h)
{
    const char *x = strchr(text, 'x');
    if (!x || x == text || strchr(x + 1, 'x'))
        return false;
    char wbuf[16];
    size_t n = (size_t)(x - text);
    if (n >= sizeof wbuf)
        return false;
    memcpy(wbuf, text, n);
    wbuf[n] = '\0';
    return parse_long(wbuf, 1, 1000, w) && parse_long(x + 1, 1, 1000, h);
}

/* What the options ask for. */
typedef struct RenderOptions {
    long lesson, page, width, height, steps, seed;
    bool ascii, color, zoom;
    const char *dir, *format, *theme_name;
} RenderOptions;

/* Reads the options into o; -1 when they are fine, else the exit status (0 after --help, 2 on a usage error). */
static int render_parse(int argc, char **argv, RenderOptions *o)
{
    *o = (RenderOptions){ .lesson = -1, .page = 1, .width = 80, .height = 24, .steps = 0, .seed = 1 };
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(render_usage, stdout);
            return 0;
        } else if (parse_option(arg, "lesson", &v)) {
            if (!v || !parse_long(v, 0, 999, &o->lesson))
                return cmd_usage_error("render", "--lesson", "expected a lesson number from 0 to 999", v);
        } else if (parse_option(arg, "page", &v)) {
            if (!v || !parse_long(v, 1, 9999, &o->page))
                return cmd_usage_error("render", "--page", "expected a page number from 1", v);
        } else if (parse_option(arg, "size", &v)) {
            if (!v || !parse_size(v, &o->width, &o->height))
                return cmd_usage_error("render", "--size", "expected WIDTHxHEIGHT, each 1 to 1000 (e.g. 80x24)", v);
        } else if (parse_option(arg, "steps", &v)) {
            if (!v || !parse_long(v, 0, 10000000, &o->steps))
                return cmd_usage_error("render", "--steps", "expected a step count from 0 to 10000000", v);
        } else if (parse_option(arg, "seed", &v)) {
            if (!v || !parse_long(v, 0, LONG_MAX, &o->seed))
                return cmd_usage_error("render", "--seed", "expected a non-negative whole number", v);
        } else if (parse_option(arg, "lessons-dir", &v)) {
            if (!v || !v[0])
                return cmd_usage_error("render", "--lessons-dir", "expected a directory", v);
            o->dir = v;
        } else if (parse_option(arg, "format", &v)) {
            if (!v || (strcmp(v, "text") != 0 && strcmp(v, "ansi") != 0 && strcmp(v, "svg") != 0))
                return cmd_usage_error("render", "--format", "expected text, ansi or svg", v);
            o->format = v;
        } else if (parse_option(arg, "theme", &v)) {
            if (!v || !v[0])
                return cmd_usage_error("render", "--theme", "expected a theme name (dark, light, contrast)", v);
            o->theme_name = v;
        } else if (parse_option(arg, "ascii", &v) || parse_option(arg, "color", &v) ||
                   parse_option(arg, "zoom", &v)) {
            if (v)
                return cmd_usage_error("render", arg, "takes no value", NULL);
            if (strncmp(arg, "--ascii", 7) == 0)
                o->ascii = true;
            else if (strncmp(arg, "--color", 7) == 0)
                o->color = true;
            else
                o->zoom = true;
        } else {
            fprintf(stderr, "bntutor: render: unexpected argument '%s' (try 'bntutor render --help')\n", arg);
            return 2;
        }
    }
    if (o->lesson < 0)
        return cmd_usage_error("render", "--lesson", "is required (bntutor list shows the lessons)", NULL);
    if (o->color && o->format && strcmp(o->format, "ansi") != 0)
        return cmd_usage_error("render", "--color", "means --format=ansi, which contradicts --format", o->format);
    if (!o->format)
        o->format = o->color ? "ansi" : "text";
    return -1;
}

/* The frame on standard output in the format asked for; 0, or 1 after a message. */
static int render_print(const Canvas *canvas, const char *format, const Theme *theme)
{
    char *text;
    if (strcmp(format, "svg") == 0) {
        text = svg_render(canvas, theme);
        fputs(text, stdout);    /* the document ends with its own newline */
    } else {
        text = strcmp(format, "ansi") == 0 ? canvas_dump_ansi(canvas, theme) : canvas_dump(canvas, false);
        fputs(text, stdout);
        fputc('\n', stdout);
    }
    free(text);
    int status = fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
    if (status)
        fprintf(stderr, "bntutor: render: could not write the page to standard output\n");
    return status;
}

int cmd_render(int argc, char **argv)
{
    RenderOptions opts;
    int parsed = render_parse(argc, argv, &opts);
    if (parsed >= 0)
        return parsed;
    const RenderOptions *o = &opts;
    /* The theme is checked before the lesson is built, so a bad name fails fast. */
    Theme theme;
    BnError theme_err = { 0 };
    if (!assets_theme_select(&theme, o->theme_name, &theme_err)) {
        char tbuf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 4];
        fprintf(stderr, "bntutor: render: %s\n", error_format(&theme_err, tbuf, sizeof tbuf));
        return strcmp(theme_err.where, "--theme") == 0 ? 2 : 1;
    }

    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = o->dir;
    config.lesson = (int)o->lesson;
    config.page = (int)o->page;
    config.seed = (uint64_t)o->seed;
    config.use_progress = false;
    BnError err = { 0 };
    char buf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 4];
    Tutor *tutor = tutor_create(&config, &err);
    if (!tutor) {
        fprintf(stderr, "bntutor: render: %s\n", error_format(&err, buf, sizeof buf));
        return strcmp(err.where, "--lesson") == 0 || strcmp(err.where, "--page") == 0 ? 2 : 1;
    }
    tutor_steps(tutor, o->steps);
    tutor_set_zoom(tutor, o->zoom);
    if (tutor_failed(tutor, &err)) {      /* a dataset file changed under us: no frame of zeros */
        fprintf(stderr, "bntutor: render: %s\n", error_format(&err, buf, sizeof buf));
        tutor_destroy(tutor);
        return 1;
    }

    bool unicode = !o->ascii && tty_codeset_is_utf8(nl_langinfo(CODESET));
    Canvas *canvas = canvas_create((int)o->width, (int)o->height, unicode ? RASTER_BRAILLE : RASTER_ASCII, unicode);
    AppScreen screen = tutor_screen(tutor);
    app_render_frame(&screen, canvas, NULL);
    int status = render_print(canvas, o->format, &theme);
    canvas_destroy(canvas);
    tutor_destroy(tutor);
    return status;
}
