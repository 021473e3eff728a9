/* The tutor's session state (lesson, page, scene, checkpoints, record), shared by tutor.c and the screens; a screen's own state is its own (ui/screen.h). Not for other modules or tests (ui layer). */
#ifndef BNTUTOR_UI_TUTOR_PRIV_H
#define BNTUTOR_UI_TUTOR_PRIV_H

#include "lesson/discover.h"
#include "lesson/progress.h"
#include "scene/scene.h"
#include "ui/checkpoint.h"
#include "ui/record.h"
#include "ui/tutor.h"
#include "util/pcg32.h"

#include "ui/screen.h"

enum { TUTOR_STATUS_MAX = 600, TUTOR_CHECK_TEXT_MAX = 4096 };

struct Tutor {
    TutorConfig config;
    LessonSet *set;
    Progress *progress;
    char status[TUTOR_STATUS_MAX];  /* a one-time message (warnings, "lesson 3 is broken"); cleared by a key */

    int index;                      /* lesson index in set->lessons; -1 none open */
    int page;                       /* 0-based page */
    const TutorScreen *screen;      /* the screen showing */
    const TutorScreen *beneath;     /* the screen an overlay (help) covers */
    void **screen_states;           /* (tutor_screen_count()) each screen's own state */
    int view_w, view_h;             /* the size the screens were last told (0: not yet) */
    bool view_unicode;

    Scene *scene;                   /* NULL when create failed (scene_error says why) */
    char scene_error[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 8];
    uint64_t scene_seed;
    Pcg32 rng;                      /* new seeds for 'R', from the session seed */
    bool playing;
    double speed;                   /* multiplier of the page's steps per second */
    double acc;                     /* fractional steps not yet taken */
    double limited_at;              /* config.now() of the last frame whose steps ran out of time; 0 never */
    double reached_speed;           /* smoothed speed multiplier actually reached while limited */

    CheckState checks[LESSON_CHECKPOINT_MAX];
    int check_count;
    bool check_held;                /* a question was just answered and another follows: Enter opens it */
    int check_last;                 /* the question answered last (for 't', try again); -1 none */
    bool revealed;                  /* the scene is free: the page does not hold it back, or it is answered */
    bool autoplay_waiting;          /* the page autoplays, but holds its scene until its questions are answered */

    bool presenting;                /* --autoplay until the first real key */

    Recorder *rec;
    int rec_width, rec_height;      /* the size the record last wrote (0: none yet) */
    double start;                   /* config.now() at creation: record times count from here */
    const Record *replay;
    int replay_next;                /* next event of the replay */
    double replay_clock;
    bool replay_size_checked;       /* the first frame of a replay compared the recorded size */
    char replay_note[48];           /* the footer's replay label when the size differs; "" otherwise */
};

#endif
