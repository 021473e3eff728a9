/* `bntutor export`: a recorded session replayed headless through the tutor's own drawing and written as an asciicast v2 file (top layer). */
#ifndef BNTUTOR_CMD_EXPORT_H
#define BNTUTOR_CMD_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/error.h"
#include "view/theme.h"

/* The largest recorded terminal an export draws (as render's --size). */
enum { EXPORT_SIZE_MAX = 1000, EXPORT_DEFAULT_WIDTH = 80, EXPORT_DEFAULT_HEIGHT = 24 };
/* The largest cast an export writes; a record that would make more is refused where it passes it. */
#define EXPORT_CAST_MAX ((size_t)256 << 20)

typedef struct ExportOptions {
    const char *lessons_dir;    /* NULL: where the tutor looks ($BNTUTOR_LESSONS, beside the binary, ...) */
    const Theme *theme;         /* NULL: the built-in dark theme */
    bool unicode;               /* false: plain ASCII drawing, as --ascii */
    bool color;                 /* false: no colours, the theme's monochrome attributes instead */
    double idle_limit;          /* > 0: no pause between two events of the cast is longer (seconds) */
    long long timestamp;        /* the header's "timestamp": Unix seconds when the session started */
    /* Budgets, below the record format's own limits (ui/record.h); 0 means those limits. */
    long max_steps;             /* scene steps the record may ask in all */
    long max_events;            /* events the record may hold */
    long max_cells;             /* width × height of the recorded screen */
    size_t max_bytes;           /* bytes of cast (0: EXPORT_CAST_MAX) */
} ExportOptions;

void export_options_default(ExportOptions *options);

/* Parses `size` bytes of a --record file (`path` names it in messages), replays it headless at its
 * recorded size (80x24 without a size line) and writes the asciicast v2 lines to `out`: the header
 * object, then one [seconds, "o", data] event per frame that changed the screen and one
 * [seconds, "r", "WxH"] event per recorded resize (followed by a full paint at that size), times never
 * decreasing, and a last empty event at the record's end. A damaged record, or one this bntutor
 * cannot replay (another version, a lesson or page that is not here, a size above EXPORT_SIZE_MAX),
 * gives false with err "path:line: message", as does a record over a budget of ExportOptions (steps,
 * events, cells: refused before anything is written; bytes: where the cast passes it). The cast ends with an
 * event at the last recorded event that resets attributes and shows the cursor again. A write error
 * gives false with err about `out`. */
bool export_asciicast(FILE *out, const char *text, size_t size, const char *path, const ExportOptions *options,
                      BnError *err);

/* Writes NUL-terminated UTF-8 as a JSON string with its quotes: '"' and '\' escaped, every control
 * control and hidden bidi/format character (util/termtext.h) as \uXXXX, invalid UTF-8 as U+FFFD, so the output is always valid JSON and UTF-8. */
void export_json_string(FILE *out, const char *text);

#endif
