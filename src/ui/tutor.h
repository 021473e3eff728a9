/* The tutor: lessons, the page/menu/help screens, progress, checkpoints, autoplay, record and replay,
 * offered to the app loop as one screen (ui layer; draws only into a Canvas, so it also runs headless). */
#ifndef BNTUTOR_UI_TUTOR_H
#define BNTUTOR_UI_TUTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "ui/app.h"
#include "ui/record.h"
#include "util/error.h"
#include "view/rect.h"

typedef struct Tutor Tutor;

typedef struct TutorConfig {
    const char *lessons_dir;    /* --lessons-dir; NULL: $BNTUTOR_LESSONS, beside the binary, share dir */
    int lesson;                 /* lesson number to open; -1: where progress says (or the first) */
    int page;                   /* 1-based page of that lesson; 0: its saved page, else 1 */
    uint64_t seed;              /* session seed: scenes start from it; 'R' draws new ones from it */
    bool use_progress;          /* false: nothing is loaded or saved (render, tests, replays) */
    const char *progress_path;  /* NULL: progress_path_for_lessons(lessons_dir), one store per lessons folder;
                                 * with autoplay or a replay it is only read, never changed */
    bool reset_progress;
    double autoplay;            /* > 0: presenting (BK_AUTOPLAY turns pages, live scenes play) */
    const char *record_path;    /* --record=FILE, or NULL */
    const Record *replay;       /* --replay: played back from the first tick; NULL for none */
    double (*now)(void);        /* monotonic seconds for record times; NULL: CLOCK_MONOTONIC */
    int (*interrupted)(void);   /* non-zero when a signal asks to stop: long replays check it between
                                 * steps so SIGTERM/SIGINT are answered at once; NULL: never */
    int term_width, term_height; /* terminal size, written to the record; 0: unknown */
} TutorConfig;

void tutor_config_default(TutorConfig *config);

/* Finds the lessons and opens the starting page. NULL with err when no lessons are found, the asked
 * lesson or page does not exist (err.where is then "--lesson" or "--page": a usage error) or the
 * record cannot be written. Progress warnings do not fail: they show once in the status line. */
Tutor *tutor_create(const TutorConfig *config, BnError *err);
/* Saves the position (when using progress) and closes the record. Accepts NULL. */
void tutor_destroy(Tutor *tutor);

/* The tutor as the app loop's screen (draw, key, tick, animating). */
AppScreen tutor_screen(Tutor *tutor);
/* The same callbacks, callable directly (tests, render, bench). tutor_key takes our key codes. */
void tutor_draw(Tutor *tutor, Canvas *canvas);
AppAction tutor_key(Tutor *tutor, int key);
void tutor_tick(Tutor *tutor, double dt);
bool tutor_animating(const Tutor *tutor);
/* True (with the cause in err, which may be NULL) when the session cannot go on: a dataset file a
 * scene reads was truncated or replaced while in use. The app loop then ends; say why after it. */
bool tutor_failed(const Tutor *tutor, BnError *err);

/* Headless helpers: K scene steps at once, zoom the scene. */
void tutor_steps(Tutor *tutor, long count);
void tutor_set_zoom(Tutor *tutor, bool zoom);

/* Where the tutor is. */
/* The name of the screen showing: "page", "menu", "help" or "results". */
const char *tutor_mode(const Tutor *tutor);
int tutor_lesson_number(const Tutor *tutor);    /* -1 when no lesson is open */
const char *tutor_lesson_title(const Tutor *tutor);   /* "" when no lesson is open */
int tutor_page(const Tutor *tutor);             /* 1-based */
int tutor_page_count(const Tutor *tutor);
bool tutor_playing(const Tutor *tutor);
bool tutor_replaying(const Tutor *tutor);
double tutor_speed(const Tutor *tutor);
/* Stepping time allowed per frame: at 30 frames a second this leaves a few milliseconds for drawing. */
#define TUTOR_STEP_BUDGET_SECONDS 0.025
/* The shortest --autoplay pause between pages: faster is unreadable and keeps a core busy. */
#define TUTOR_AUTOPLAY_MIN_SECONDS 1.0
/* The speed multiplier actually reached when this machine can't step as fast as asked, shown in the
 * footer; 0 when it keeps up (or within a second of catching up). */
double tutor_reached_speed(const Tutor *tutor);
long tutor_scene_steps(const Tutor *tutor);
const char *tutor_status(const Tutor *tutor);   /* the status line's message, "" when none */
/* Every lesson found, as "0-9, 12" for messages. */
const char *tutor_lesson_list(const Tutor *tutor, char *buf, int size);

/* The page screen's layout at a size (the contract scenes rely on):
 *   header row 0, footer the last row, the body between;
 *   narrow (width < TUTOR_WIDE): prose (and checkpoint) on top, then a rule row with the "more" mark,
 *     then the scene at full width. The text takes what it needs up to about a third of the body (8
 *     rows at 80×24, leaving the scene 80×13), or more when the question being asked needs it: all of
 *     an open question and its choices, with up to 3 rows of prose above it;
 *   wide: prose in a left column of 45–55 columns, the scene to the right at full body height;
 *   zoom: the scene takes the whole body; a page without a scene gives the body to the prose.
 * The prose and the checkpoints scroll as one column; the question being asked (the open one, or the
 * one just answered: its question and at least its verdict) is pinned at the bottom of the text region
 * while its own place in the column is scrolled below it, so it is always on screen. */
enum { TUTOR_WIDE = 140, TUTOR_TEXT_MAX_COLS = 100 };
typedef struct PageLayout {
    Rect header, footer, body;
    Rect prose;             /* page text, then its checkpoints: one column that scrolls */
    Rect rule;              /* the row with the "more" mark (h = 0 when none) */
    Rect scene;             /* h = 0 when the page shows no scene */
    Rect big;               /* big lesson number on very large terminals (h = 0 when none) */
    Rect figure;            /* the scene's headline figure in big digits, same terminals (h = 0: none) */
    bool wide;
    int prose_lines;        /* wrapped lines of the whole column (prose and checkpoints) at prose.w */
    int check_line;         /* the column's line where the checkpoints start; -1 when none */
    int current_line;       /* the column's line where the question being asked starts; -1 when none */
    int current_lines;      /* its lines (with the answer row of a number question) */
    int pinned;             /* rows at the bottom of prose it takes while its own place is below them */
} PageLayout;
void tutor_layout(const Tutor *tutor, int width, int height, bool unicode, PageLayout *layout);

#endif
