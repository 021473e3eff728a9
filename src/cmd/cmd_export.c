/* 'bntutor export': a --record file replayed headless through the tutor's drawing and written as asciicast v2 (top layer). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "cmd/export.h"
#include "ui/app.h"
#include "ui/assets.h"
#include "ui/record.h"
#include "ui/tutor.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/parse.h"
#include "util/termtext.h"
#include "view/ansi.h"
#include "view/canvas.h"
#include "view/theme.h"
#include "view/unicode.h"

enum { EXPORT_FILE_MAX = 256 << 20 };

static const char export_usage[] =
    "Usage: bntutor export [--format=asciicast] [--idle-limit=SECS] [--theme=NAME] [--ascii]\n"
    "                      [--no-color] [--lessons-dir=DIR] FILE\n"
    "Replays a session recorded with 'bntutor --record=FILE' without a terminal and writes it to\n"
    "standard output as an asciicast v2 recording, for asciinema and web players:\n"
    "    bntutor export --format=asciicast lesson.rec > lesson.cast\n"
    "  --format=asciicast  the output format (the only one, and the default)\n"
    "  --idle-limit=SECS   shorten every pause between two screens to at most SECS seconds\n"
    "  --theme=NAME        colors: dark (default), light, contrast\n"
    "  --ascii             draw with plain ASCII (default: Unicode, as asciicast is UTF-8)\n"
    "  --no-color          no colors, only bold/underline/reverse (also when NO_COLOR is set)\n"
    "  --lessons-dir=DIR   read lessons from DIR (they must be the ones recorded)\n"
    "FILE '-' reads standard input. The screen size is the recorded one (80x24 when not recorded),\n"
    "and the cast follows the recorded resizes.\n"
    "A record may ask at most 1000000 scene steps (10000 per frame), 1000000 events and 1000x400\n"
    "cells, and make at most a 256 MiB cast. The cast ends at the last recorded event with the\n"
    "terminal restored (attributes reset, cursor shown).\n"
    "The header's timestamp is $SOURCE_DATE_EPOCH when set, else when the record was last written\n"
    "less its length.\n"
    "Exit status: 0 written, 1 a damaged or foreign record or a write error, 2 usage error.\n";

void export_options_default(ExportOptions *options)
{
    *options = (ExportOptions){ .unicode = true, .color = true };
}

void export_json_string(FILE *out, const char *text)
{
    putc('"', out);
    uint32_t cp;
    int n;
    while ((n = utf8_decode(text, &cp)) > 0) {
        text += n;
        if (cp == '"' || cp == '\\') {
            putc('\\', out);
            putc((int)cp, out);
        } else if (termtext_is_control(cp) || termtext_is_hidden(cp)) {
            /* Escaped, so a player or a `cat` of the cast never meets them raw (util/termtext.h). */
            if (cp > 0xFFFF)
                fprintf(out, "\\u%04x\\u%04x", 0xD800u + ((cp - 0x10000u) >> 10), 0xDC00u + ((cp - 0x10000u) & 0x3FFu));
            else
                fprintf(out, "\\u%04x", (unsigned)cp);
        } else {
            char u[4];
            fwrite(u, 1, (size_t)utf8_encode(cp, u), out);
        }
    }
    putc('"', out);
}

/* The line number of the last line whose first word is `word` (the one the parser kept), 0 if none. */
static int line_of(const char *text, size_t size, const char *word)
{
    size_t wlen = strlen(word);
    int line = 0, found = 0;
    for (size_t pos = 0; pos < size;) {
        line++;
        size_t p = pos;
        while (p < size && (text[p] == ' ' || text[p] == '\t'))
            p++;
        if (size - p > wlen && memcmp(text + p, word, wlen) == 0 &&
            (text[p + wlen] == ' ' || text[p + wlen] == '\t'))
            found = line;
        while (pos < size && text[pos] != '\n')
            pos++;
        pos++;
    }
    return found;
}

/* One cast event; empty data is written only for the closing event. */
static void write_event(FILE *out, double t, const char *data)
{
    fprintf(out, "[%.6f, \"o\", ", t);
    export_json_string(out, data);
    fputs("]\n", out);
}

/* The cast's own clock: every gap between two written events capped at the idle limit. */
typedef struct CastClock {
    double limit;           /* <= 0: none */
    double out;             /* the last written event's time in the cast */
    double at;              /* the same event's time in the record */
} CastClock;

static double cast_time(CastClock *c, double record_time)
{
    double gap = record_time - c->at;
    if (gap < 0.0)
        gap = 0.0;
    if (c->limit > 0.0 && gap > c->limit)
        gap = c->limit;
    c->out += gap;
    c->at = record_time;
    return c->out;
}

/* Advances the tutor's replay clock to `t`, mirroring its sum (replay_clock += dt) exactly so that we
 * know which events it has fired. Returns the new clock. */
static double tick_to(Tutor *tutor, double clock, double t)
{
    for (int tries = 0;; tries++) {
        double dt = t > clock ? t - clock : 0.0;
        if (tries >= 3)
            dt = nextafter(t, INFINITY) - clock;    /* rounding twice short: overshoot by one unit */
        tutor_tick(tutor, dt);
        clock += dt;
        if (clock >= t)
            return clock;
    }
}

/* The cast's first line: its size, time, idle limit, title and terminal. */
static void cast_header(FILE *out, const Tutor *tutor, int width, int height, const ExportOptions *options)
{
    char title[300];
    if (tutor_lesson_number(tutor) >= 0)
        snprintf(title, sizeof title, "bntutor: Lesson %d: %s", tutor_lesson_number(tutor), tutor_lesson_title(tutor));
    else
        snprintf(title, sizeof title, "bntutor");
    fprintf(out, "{\"version\": 2, \"width\": %d, \"height\": %d, \"timestamp\": %lld", width, height,
            options->timestamp);
    if (options->idle_limit > 0.0)
        fprintf(out, ", \"idle_time_limit\": %g", options->idle_limit);
    fputs(", \"title\": ", out);
    export_json_string(out, title);
    fputs(", \"env\": {\"TERM\": \"xterm-256color\"}}\n", out);
}

/* Replays the record through the tutor, one output event per frame that changed and one "r" event
 * per recorded resize (the canvas and encoder are then made anew at that size, so *canvas and
 * *encoder may change); false with err when the cast would pass max_bytes (it stops there). */
static bool cast_frames(FILE *out, Tutor *tutor, const Record *rec, Canvas **canvas_io, AnsiEncoder **encoder_io,
                        const ExportOptions *options, const Theme *theme, size_t max_bytes, const char *path,
                        BnError *err)
{
    Canvas *canvas = *canvas_io;
    AnsiEncoder *encoder = *encoder_io;
    AppScreen screen = tutor_screen(tutor);
    CastClock cast = { .limit = options->idle_limit };
    app_render_frame(&screen, canvas, NULL);
    size_t written = 0, len;
    const char *data = ansi_encoder_frame(encoder, canvas, &len);
    write_event(out, 0.0, data);
    written += len;
    double clock = 0.0, last = 0.0;
    bool over = false;
    for (int i = 0; i < rec->count;) {
        double t = rec->events[i].t;
        int line = rec->events[i].line;
        clock = tick_to(tutor, clock, t);
        long resized = 0;
        while (i < rec->count && rec->events[i].t <= clock) {
            if (rec->events[i].kind == RECORD_RESIZE)
                resized = rec->events[i].value;     /* the tutor ignores these; the cast follows them */
            i++;                /* the events the tick fired */
        }
        last = t;
        if (!tutor_replaying(tutor))
            break;              /* a quitting key: the program closed here, nothing more to show */
        int width = record_size_width(resized), height = record_size_height(resized);
        if (resized && (width != canvas->width || height != canvas->height)) {
            /* A player resizes its terminal on an "r" event; the next frame is a full paint at the new size. */
            canvas_destroy(canvas);
            canvas = *canvas_io = canvas_create(width, height, options->unicode ? RASTER_BRAILLE : RASTER_ASCII,
                                                options->unicode);
            ansi_encoder_destroy(encoder);
            encoder = *encoder_io = ansi_encoder_create(theme, options->color);
            fprintf(out, "[%.6f, \"r\", \"%dx%d\"]\n", cast_time(&cast, t), width, height);
        }
        app_render_frame(&screen, canvas, NULL);
        data = ansi_encoder_frame(encoder, canvas, &len);
        if (len == 0)
            continue;
        written += len;
        if (written > max_bytes) {
            error_set_at(err, path, line, "the cast passes %zu MiB here: over the export's budget (export a "
                         "shorter or smaller record)", max_bytes >> 20);
            over = true;
            break;
        }
        write_event(out, cast_time(&cast, t), data);
    }
    /* The cast ends where the session's last event was (not at its 'end' line, which may sit long after),
     * with the terminal as a player found it: attributes reset, cursor shown. */
    if (!over)
        write_event(out, cast_time(&cast, last), "\x1b[0m\x1b[?25h");
    return !over;
}

bool export_asciicast(FILE *out, const char *text, size_t size, const char *path, const ExportOptions *options,
                      BnError *err)
{
    ExportOptions defaults;
    if (!options) {
        export_options_default(&defaults);
        options = &defaults;
    }
    Record *rec = record_parse(text, size, path, BNTUTOR_VERSION, err);
    if (!rec)
        return false;
    /* A budget checked before any work: a small file must not ask for minutes of simulation. */
    long max_steps = options->max_steps > 0 ? options->max_steps : RECORD_STEPS_TOTAL_MAX;
    long max_events = options->max_events > 0 ? options->max_events : RECORD_EVENTS_MAX;
    size_t max_bytes = options->max_bytes > 0 ? options->max_bytes : EXPORT_CAST_MAX;
    long steps = 0;
    for (int i = 0; i < rec->count; i++) {
        const RecordEvent *e = &rec->events[i];
        steps += e->kind == RECORD_STEPS ? e->value : 0;
        long cells = e->kind == RECORD_RESIZE ? (long)record_size_width(e->value) * record_size_height(e->value) : 0;
        if (options->max_cells > 0 && cells > options->max_cells) {
            error_set_at(err, path, e->line, "resized to %dx%d: more than %ld cells, over the export's budget",
                         record_size_width(e->value), record_size_height(e->value), options->max_cells);
            record_destroy(rec);
            return false;
        }
        if (i >= max_events || steps > max_steps) {
            if (i >= max_events)
                error_set_at(err, path, e->line, "more than %ld events: over the export's budget", max_events);
            else
                error_set_at(err, path, e->line, "more than %ld scene steps in all: over the export's budget",
                             max_steps);
            record_destroy(rec);
            return false;
        }
    }
    int width = rec->width > 0 ? rec->width : EXPORT_DEFAULT_WIDTH;
    int height = rec->height > 0 ? rec->height : EXPORT_DEFAULT_HEIGHT;
    if (width > EXPORT_SIZE_MAX || height > EXPORT_SIZE_MAX) {
        error_set_at(err, path, line_of(text, size, "size"), "recorded at %dx%d; export draws at most %dx%d",
                     width, height, EXPORT_SIZE_MAX, EXPORT_SIZE_MAX);
        record_destroy(rec);
        return false;
    }
    if (options->max_cells > 0 && (long)width * height > options->max_cells) {
        error_set_at(err, path, line_of(text, size, "size"), "recorded at %dx%d: more than %ld cells, over the "
                     "export's budget", width, height, options->max_cells);
        record_destroy(rec);
        return false;
    }

    /* The tutor replays a copy with one more event that never comes: it then never announces the end
     * of the replay in its status line, which a viewer of the cast has no use for. */
    Record replay = *rec;
    replay.events = xmalloc(((size_t)rec->count + 1) * sizeof *replay.events);
    if (rec->count)
        memcpy(replay.events, rec->events, (size_t)rec->count * sizeof *rec->events);
    replay.events[rec->count] = (RecordEvent){ HUGE_VAL, RECORD_STEPS, 0, 0 };
    replay.count = rec->count + 1;

    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = options->lessons_dir;
    config.use_progress = false;
    config.lesson = rec->lesson;
    config.page = rec->page;
    config.seed = rec->seed;
    config.autoplay = rec->autoplay;
    config.replay = &replay;
    BnError sub = { 0 };
    Tutor *tutor = tutor_create(&config, &sub);
    if (!tutor) {
        bool start = strcmp(sub.where, "--lesson") == 0 || strcmp(sub.where, "--page") == 0;
        if (start)
            error_set_at(err, path, line_of(text, size, "start"), "cannot replay here: %s", sub.message);
        else
            error_set(err, sub.where, "%s", sub.message);
        free(replay.events);
        record_destroy(rec);
        return false;
    }

    Theme fallback;
    if (!options->theme)
        theme_default(&fallback);
    AnsiEncoder *encoder = ansi_encoder_create(options->theme ? options->theme : &fallback, options->color);
    Canvas *canvas = canvas_create(width, height, options->unicode ? RASTER_BRAILLE : RASTER_ASCII,
                                   options->unicode);

    cast_header(out, tutor, width, height, options);
    bool over = !cast_frames(out, tutor, rec, &canvas, &encoder, options, options->theme ? options->theme : &fallback,
                             max_bytes, path, err);

    canvas_destroy(canvas);
    ansi_encoder_destroy(encoder);
    tutor_destroy(tutor);
    free(replay.events);
    record_destroy(rec);
    if (over)
        return false;
    if (fflush(out) != 0 || ferror(out)) {
        error_set(err, "", "could not write the cast: %s", strerror(errno));
        return false;
    }
    return true;
}

/* A whole file (or stdin for "-") into a new buffer; NULL with err. */
static char *read_all(const char *path, size_t *size, BnError *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        error_set(err, path, "%s", strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0, got;
    char *buf = xmalloc(cap);
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            if (cap >= EXPORT_FILE_MAX) {
                error_set(err, path, "too large for a record (over %d MiB)", EXPORT_FILE_MAX >> 20);
                break;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    if (!err->set && ferror(f))
        error_set(err, path, "read error");
    if (f != stdin)
        fclose(f);
    if (err->set) {
        free(buf);
        return NULL;
    }
    *size = len;
    return buf;
}

/* When the session started: $SOURCE_DATE_EPOCH (reproducible output), else the record's last write
 * less its length, else now. */
static long long start_timestamp(const char *path, const char *text, size_t size)
{
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    long v;
    if (epoch && parse_long(epoch, 0, 253402300799L, &v))
        return v;
    struct stat st;
    if (strcmp(path, "-") == 0 || stat(path, &st) != 0)
        return (long long)time(NULL);
    Record *rec = record_parse(text, size, path, NULL, NULL);
    double length = 0.0;
    if (rec) {
        length = rec->end >= 0.0 ? rec->end : rec->count ? rec->events[rec->count - 1].t : 0.0;
        record_destroy(rec);
    }
    return (long long)st.st_mtime - (long long)llround(length);
}

int cmd_export(int argc, char **argv)
{
    ExportOptions options;
    export_options_default(&options);
    const char *theme_name = NULL, *file = NULL;
    bool no_color = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(export_usage, stdout);
            return 0;
        } else if (parse_option(arg, "format", &v)) {
            if (!v || strcmp(v, "asciicast") != 0)
                return cmd_usage_error("export", "--format", "expected asciicast", v);
        } else if (parse_option(arg, "idle-limit", &v)) {
            if (!v || !parse_double(v, &options.idle_limit) || options.idle_limit <= 0.0 ||
                options.idle_limit > 86400.0)
                return cmd_usage_error("export", "--idle-limit", "expected seconds above 0 (e.g. 2)", v);
        } else if (parse_option(arg, "theme", &v)) {
            if (!v || !v[0])
                return cmd_usage_error("export", "--theme", "expected a theme name (dark, light, contrast)", v);
            theme_name = v;
        } else if (parse_option(arg, "lessons-dir", &v)) {
            if (!v || !v[0])
                return cmd_usage_error("export", "--lessons-dir", "expected a directory", v);
            options.lessons_dir = v;
        } else if (parse_option(arg, "ascii", &v) || parse_option(arg, "no-color", &v)) {
            if (v)
                return cmd_usage_error("export", arg, "takes no value", NULL);
            if (strncmp(arg, "--ascii", 7) == 0)
                options.unicode = false;
            else
                no_color = true;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "bntutor: export: unknown option '%s' (try 'bntutor export --help')\n", arg);
            return 2;
        } else if (file) {
            fprintf(stderr, "bntutor: export: one record at a time, got '%s' and '%s'\n", file, arg);
            return 2;
        } else {
            file = arg;
        }
    }
    if (!file)
        return cmd_usage_error("export", "FILE", "a record made with 'bntutor --record=FILE' is required", NULL);
    const char *no_color_env = getenv("NO_COLOR");
    options.color = !no_color && !(no_color_env && no_color_env[0]);

    char buf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 4];
    BnError err = { 0 };
    Theme theme;
    if (!assets_theme_select(&theme, theme_name, &err)) {
        fprintf(stderr, "bntutor: export: %s\n", error_format(&err, buf, sizeof buf));
        return strcmp(err.where, "--theme") == 0 ? 2 : 1;
    }
    options.theme = &theme;
    size_t size = 0;
    char *text = read_all(file, &size, &err);
    if (!text) {
        fprintf(stderr, "bntutor: export: %s\n", error_format(&err, buf, sizeof buf));
        return 1;
    }
    options.timestamp = start_timestamp(file, text, size);
    bool ok = export_asciicast(stdout, text, size, strcmp(file, "-") == 0 ? "<stdin>" : file, &options, &err);
    free(text);
    if (!ok) {
        fprintf(stderr, "bntutor: export: %s\n", error_format(&err, buf, sizeof buf));
        return 1;
    }
    return 0;
}
