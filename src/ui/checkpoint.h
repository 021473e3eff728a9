/* Answering one checkpoint: the keys it takes, the typed number, grading and the feedback text (ui layer). */
#ifndef BNTUTOR_UI_CHECKPOINT_H
#define BNTUTOR_UI_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lesson/lesson.h"
#include "scene/scene.h"

enum { CHECK_INPUT_MAX = 24, CHECK_FEEDBACK_MAX = 2048 };

typedef enum CheckStatus {
    CHECK_OPEN,             /* waiting for an answer */
    CHECK_RIGHT,
    CHECK_WRONG,
    CHECK_UNGRADED,         /* a live value the scene could not give: shown, not recorded */
} CheckStatus;

typedef struct CheckState {
    const LessonCheckpoint *cp;
    CheckStatus status;
    char input[CHECK_INPUT_MAX + 1];    /* the number typed so far */
    int len;
    bool bad_input;                     /* Enter on something that is not a number */
    int picked;                         /* choice index, -1 none */
    int tries;                          /* answers given (a wrong one may be tried again) */
    CheckStatus first;                  /* the first answer's verdict: the one the score keeps */
    double guess, right;
    char feedback[CHECK_FEEDBACK_MAX];  /* markup, once answered */
} CheckState;

typedef enum CheckKey {
    CHECK_KEY_UNUSED,       /* not a key for this checkpoint: the page handles it */
    CHECK_KEY_USED,         /* typed into the field, or ignored on purpose */
    CHECK_KEY_ANSWERED,     /* the checkpoint was just answered (status tells how) */
} CheckKey;

void check_begin(CheckState *state, const LessonCheckpoint *cp);
/* The key that picks choice i: the choice's own key when it is one character (lower case), else the
 * first letter of its key when no other choice starts with it, else 'a' + i. */
uint32_t check_choice_letter(const LessonCheckpoint *cp, int i);
/* The letter as shown (typed in either case). While the question is open its letters answer it, even
 * when the page's scene has a knob on the same key: the knob waits until the question is answered. */
uint32_t check_choice_key(const CheckState *state, int i);
/* Feeds a key to an open checkpoint. Choice: its letters (any case). Number: digits, '.', '-',
 * Backspace, Enter (grades; live answers read scene_live(scene) at that moment; scene may be NULL).
 * Anything else is CHECK_KEY_UNUSED; an answered checkpoint uses no keys. */
CheckKey check_key(CheckState *state, int key, const Scene *scene, bool unicode);
/* The answer given, as progress keeps it: the choice's key as the lesson file names it, or the number
 * as typed; "" while open. */
void check_answer_text(const CheckState *state, char *buf, size_t size);
/* Whether a wrong answer may be tried again (it may, once its feedback is shown). */
bool check_can_retry(const CheckState *state);
/* Opens an answered question again for another try; the first verdict stays in `first`. */
void check_retry(CheckState *state);
/* Grades directly (choice index or a number), as the keys would. */
void check_answer_choice(CheckState *state, int choice);
void check_answer_number(CheckState *state, double guess, const Scene *scene, bool unicode);
/* The checkpoint as markup lines for the page: the question, then choices (open) or the feedback. */
void check_question_markup(const CheckState *state, int number, bool unicode, char *buf, size_t size);
/* Whether the open checkpoint takes this key (for the footer: which scene knobs it shadows). */
bool check_takes_key(const CheckState *state, int key);
/* Whether the open checkpoint takes every key a hint names ("w", "1-9", "j/k", "[/]"), so the hint does
 * nothing until the question is answered. A hint naming anything else ("Enter", "←/→") is never shadowed. */
bool check_shadows_hint(const CheckState *state, const char *hint_key);

#endif
