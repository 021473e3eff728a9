/* The tutor's state shared by its screens (page, menu, help) and tutor.c; not for other modules (ui layer). */
#ifndef BNTUTOR_UI_TUTOR_PRIV_H
#define BNTUTOR_UI_TUTOR_PRIV_H

#include "lesson/discover.h"
#include "lesson/progress.h"
#include "scene/scene.h"
#include "ui/checkpoint.h"
#include "ui/record.h"
#include "ui/tutor.h"
#include "util/pcg32.h"

enum { TUTOR_STATUS_MAX = 600, TUTOR_CHECK_TEXT_MAX = 4096 };

struct Tutor {
    TutorConfig config;
    LessonSet *set;
    Progress *progress;
    char status[TUTOR_STATUS_MAX];  /* a one-time message (warnings, "lesson 3 is broken"); cleared by a key */

    int index;                      /* lesson index in set->lessons; -1 none open */
    int page;                       /* 0-based page */
    TutorMode mode;
    TutorMode help_from;            /* the screen under the help overlay */
    int menu_sel;                   /* menu: selected index */
    char menu_digits[4];            /* menu: digits typed so far */

    Scene *scene;                   /* NULL when create failed (scene_error says why) */
    char scene_error[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 8];
    uint64_t scene_seed;
    Pcg32 rng;                      /* new seeds for 'R', from the session seed */
    bool playing;
    double speed;                   /* multiplier of the page's steps per second */
    double acc;                     /* fractional steps not yet taken */
    double limited_at;              /* config.now() of the last frame whose steps ran out of time; 0 never */
    double reached_speed;           /* smoothed speed multiplier actually reached while limited */
    bool zoom;
    int scroll;                     /* first prose line shown */
    int view_w, view_h;             /* size of the last page drawn (to clamp scrolling) */
    bool view_unicode;

    CheckState checks[LESSON_CHECKPOINT_MAX];
    int check_count;
    bool check_held;                /* a question was just answered and another follows: Enter opens it */

    bool presenting;                /* --autoplay until the first real key */

    Recorder *rec;
    double start;                   /* config.now() at creation: record times count from here */
    const Record *replay;
    int replay_next;                /* next event of the replay */
    double replay_clock;
    bool replay_size_checked;       /* the first frame of a replay compared the recorded size */
    char replay_note[48];           /* the footer's replay label when the size differs; "" otherwise */
};

const Lesson *tutor_lesson(const Tutor *t);
const LessonPage *tutor_page_ptr(const Tutor *t);
/* Opens lesson index `index`, page `page` (0-based; clamped): scene, checkpoints, progress. */
void tutor_open(Tutor *t, int index, int page);
void tutor_set_status(Tutor *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The scene can take no more steps: the page's `steps` are done, or the run halted (diverged). */
bool tutor_scene_finished(const Tutor *t);
/* The open checkpoint that takes keys now (the first unanswered), or NULL (also while held). */
CheckState *tutor_open_check(Tutor *t);
int tutor_open_check_index(const Tutor *t);     /* the same as an index, -1 for none */
/* Next/previous page, crossing into the next/previous lesson at the ends. */
void tutor_next_page(Tutor *t);
void tutor_prev_page(Tutor *t);
void tutor_next_lesson(Tutor *t, int dir);

/* Generic keys of the page, for the footer and help: key, label. */
typedef struct TutorKeyHelp {
    const char *key, *ascii_key, *label;
} TutorKeyHelp;

void page_draw(Tutor *t, Canvas *canvas);
AppAction page_key(Tutor *t, int key);
void menu_draw(Tutor *t, Canvas *canvas);
AppAction menu_key(Tutor *t, int key);
void help_draw(Tutor *t, Canvas *canvas);
AppAction help_key(Tutor *t, int key);
/* The header row of every screen: left text, right text (either may be NULL). */
void tutor_draw_header(Canvas *canvas, const char *left, const char *middle, const char *right);

#endif
