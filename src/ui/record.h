/* Recorded tutor sessions: the text format of --record/--replay, its strict parser and its writer (ui layer).
 *
 * A record is plain text, one item per line:
 *   bntutor-record 1                 magic line (first line, exactly)
 *   version 0.1.0                    the bntutor that wrote it; another version is refused
 *   seed 7                           the session seed
 *   start 4 2                        lesson number and 1-based page the session started on
 *   autoplay 0                       --autoplay seconds (0: off)
 *   size 80 24                       terminal size when recording started (a replay in another size says so)
 *   key 1.250 RIGHT                  a key (see record_key_name) at seconds since the start
 *   steps 1.300 3                    scene steps an animation frame took at that time
 *   resize 2.000 100 30              the terminal became 100x30 at that time
 *   end 9.000                        when the session ended (optional)
 * Blank lines and lines starting with '#' are ignored. Times never decrease.
 *
 * A record is a file someone else may have written, so what it may ask is bounded: at most
 * RECORD_STEPS_PER_EVENT_MAX steps on one line (a live frame never takes more), RECORD_STEPS_TOTAL_MAX
 * steps and RECORD_EVENTS_MAX events in all, a size of at most RECORD_WIDTH_MAX x RECORD_HEIGHT_MAX. */
#ifndef BNTUTOR_UI_RECORD_H
#define BNTUTOR_UI_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define RECORD_MAGIC "bntutor-record 1"

enum {
    RECORD_EVENTS_MAX = 1000000,
    RECORD_STEPS_PER_EVENT_MAX = 10000,     /* a live frame: 1000 steps/s × speed 64 × 0.1 s is 6400 */
    RECORD_STEPS_TOTAL_MAX = 1000000,
    RECORD_WIDTH_MAX = 1000,
    RECORD_HEIGHT_MAX = 400,
    RECORD_NAME_MAX = 16,
};

typedef enum RecordKind { RECORD_KEY, RECORD_STEPS, RECORD_RESIZE } RecordKind;

typedef struct RecordEvent {
    double t;               /* seconds since the session started */
    RecordKind kind;
    long value;             /* the key code, the step count, or a size as record_size_value */
    int line;               /* where it was in the file (0: not from a file), for messages */
} RecordEvent;

typedef struct Record {
    char version[64];
    uint64_t seed;
    int lesson, page;       /* lesson number, page 1-based */
    double autoplay;
    int width, height;      /* 0 when not given */
    RecordEvent *events;    /* (count) in time order */
    int count, cap;
    double end;             /* -1 when not given */
    long steps;             /* the sum of every steps event */
} Record;

/* Parses a record. `path` names it in errors ("path:line: message"). NULL with err on any problem,
 * including a missing magic line or a version other than `version`. */
Record *record_parse(const char *text, size_t size, const char *path, const char *version, BnError *err);
/* Reads and parses a file (at most 256 MiB; a FIFO or other special file is refused, never waited on). */
Record *record_load(const char *path, const char *version, BnError *err);
void record_destroy(Record *record);        /* accepts NULL */

/* A key as a record writes it: printable ASCII other than space as itself ("n", "?", "#"), else a
 * name (SPACE, ENTER, TAB, BACKTAB, ESC, BACKSPACE, DELETE, LEFT, RIGHT, UP, DOWN, PGUP, PGDN,
 * HOME, END, F1..F12, AUTOPLAY) or U+XXXX. */
const char *record_key_name(int key, char *buf, size_t size);
/* The inverse; false for anything else. */
bool record_key_parse(const char *name, int *key);

/* A size packed into an event's value, and back. */
#define record_size_value(w, h) ((long)(w) * 65536L + (long)(h))
#define record_size_width(v) ((int)((v) / 65536L))
#define record_size_height(v) ((int)((v) % 65536L))

/* Writes a record as the session goes, line by line (flushed, so a crash keeps what happened). */
typedef struct Recorder Recorder;
/* Creates/truncates path, mode 0600 (a record holds typed answers), and writes the header lines from
 * `header` (its events are ignored). A path that is not a regular file is refused. */
Recorder *recorder_open(const char *path, const Record *header, BnError *err);
void recorder_key(Recorder *recorder, double t, int key);
void recorder_steps(Recorder *recorder, double t, long count);
void recorder_resize(Recorder *recorder, double t, int width, int height);
/* Writes the end line and closes; false with err when anything failed to write. Accepts NULL. */
bool recorder_close(Recorder *recorder, double t, BnError *err);

#endif
