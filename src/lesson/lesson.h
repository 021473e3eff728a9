/* The lesson model and its parser: a lesson file becomes pages, scenes with settings, checkpoints (lesson layer). */
#ifndef BNTUTOR_LESSON_LESSON_H
#define BNTUTOR_LESSON_LESSON_H

#include <stdbool.h>
#include <stddef.h>

#include "lesson/catalog.h"
#include "lesson/claim.h"

/* Limits that keep the parser bounded on any input (lessons/README.md documents them). */
enum {
    LESSON_FILE_MAX = 1 << 20,      /* bytes in one file */
    LESSON_LINE_MAX = 4096,         /* bytes in one line, without the newline */
    LESSON_PROBLEM_MAX = 100,       /* problems kept per file; the last one says more were dropped */
    LESSON_PAGE_MAX = 500,
    LESSON_CHECKPOINT_MAX = 16,     /* per page */
    LESSON_CHOICE_MAX = 26,         /* per checkpoint */
    LESSON_CLAIM_MAX = 32,          /* per page, its checkpoints' claims included */
    LESSON_SHOWS_MAX = 16,          /* 'shows' lines per page */
    LESSON_NUMBER_MAX = 999,
};

/* One setting of a page's scene, resolved: every setting the scene offers is present, in catalogue
 * order, with the value from the file or the scene's default. */
typedef struct LessonSetting {
    const CatalogSetting *setting;
    SettingValue value;
    int line;                       /* where the file set it; 0 when it is the default */
} LessonSetting;

typedef enum CheckpointKind {
    CHECKPOINT_CHOICE,              /* pick one of the choices */
    CHECKPOINT_NUMBER,              /* type a number; right within the tolerance */
} CheckpointKind;

typedef struct LessonChoice {
    char *key;                      /* "a", "b", ... as written (compared without case) */
    char *text;
    char *explain;                  /* shown when this choice is picked; NULL if none */
} LessonChoice;

/* A predict-then-reveal question. Everything in the model is valid: a checkpoint with problems is
 * reported and left out. */
typedef struct LessonCheckpoint {
    int line;
    CheckpointKind kind;
    char *question;
    char *explain;                  /* general explanation, shown after any answer; NULL if none */
    /* CHECKPOINT_CHOICE */
    LessonChoice *choices;          /* (choice_count), at least 2 */
    int choice_count;
    int answer;                     /* index of the right choice */
    /* CHECKPOINT_NUMBER */
    bool live;                      /* the right value is read from the page's scene */
    double value;                   /* the fixed right value when !live */
    const CatalogLive *live_value;  /* when live: which value of the scene */
    int index[CATALOG_LIVE_INDEX_MAX];  /* when live: its indices (live_value->indices of them) */
    int answer_line;                /* when live: the line of its 'answer' */
    double tolerance;               /* absolute, or a fraction of |right value| when relative */
    bool relative;
} LessonCheckpoint;

/* When the page's scene may show what its questions ask about. */
typedef enum LessonReveal {
    REVEAL_ALWAYS,                  /* the scene runs freely (autoplay still waits for the answers) */
    REVEAL_AFTER_ANSWER,            /* the scene stays as it opens, its play, step and knob keys wait */
    REVEAL_HIDDEN,                  /* as after-answer, and the scene is not drawn until then */
} LessonReveal;

/* What a page declares it shows on an 80×24 screen ('shows "TEXT" [after N steps] [or key K]'): text
 * that must be on the screen as the page opens (after N scene steps), or, where it cannot fit, once
 * the learner presses K (the screen names K). */
typedef struct LessonShows {
    int line;
    char *text;                     /* UTF-8, compared with the screen as it is */
    long steps;                     /* scene steps first (0: as the page opens) */
    int key;                        /* 0: none; else the printable key that reveals it */
} LessonShows;

typedef struct LessonPage {
    int line;                       /* the 'page' line */
    char *title;
    char *text;                     /* prose with markup, lines joined by '\n'; "" if none */
    const CatalogScene *scene;      /* never NULL: catalog_scene_none() without a scene line */
    LessonSetting *settings;        /* (setting_count) == scene->setting_count */
    int setting_count;
    LessonCheckpoint *checkpoints;  /* (checkpoint_count) */
    int checkpoint_count;
    LessonClaim *claims;            /* (claim_count): the page's and its checkpoints' ('checkpoint' >= 0) */
    int claim_count;
    LessonReveal reveal;
    int reveal_line;                /* 0: not set */
    LessonShows *shows;             /* (show_count) */
    int show_count;
} LessonPage;

typedef struct LessonProblem {
    int line;                       /* 0: about the whole file */
    char *message;
} LessonProblem;

typedef struct Lesson {
    char *path;                     /* as given to the parser */
    int number;                     /* -1 when the file has no valid 'lesson' line */
    int number_line;
    char *title;                    /* never NULL: the file's name when the 'title' line is missing */
    char *summary;                  /* NULL if none */
    LessonPage *pages;              /* (page_count) */
    int page_count;
    LessonProblem *problems;        /* (problem_count): a lesson with problems is broken */
    int problem_count;
    /* (warning_count) what `bntutor check` warns about: the lesson works, but something in it will not
     * do what its author meant (a live value's index always out of range, a star in a formula line). */
    LessonProblem *warnings;
    int warning_count;
} Lesson;

/* Parses `size` bytes of text (need not be NUL-terminated). `path` names it in problems. Never NULL;
 * a lesson with errors comes back with its problems listed (and whatever parsed cleanly). */
Lesson *lesson_parse(const char *text, size_t size, const char *path);
/* Reads and parses a file; an unreadable, empty, binary or huge file gives a broken lesson. Never NULL. */
Lesson *lesson_load(const char *path);
void lesson_destroy(Lesson *lesson);

bool lesson_is_broken(const Lesson *lesson);
/* Adds a problem (used by discovery for duplicate numbers). */
void lesson_add_problem(Lesson *lesson, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "path:line: message" (or "path: message" for line 0) into buf. */
const char *lesson_problem_format(const Lesson *lesson, const LessonProblem *problem, char *buf, size_t size);

/* Settings of a page's scene by name; NULL (or 0, "", no items) when the scene has no such setting. */
const LessonSetting *lesson_page_setting(const LessonPage *page, const char *name);
long lesson_page_int(const LessonPage *page, const char *name);     /* int, bool (0/1), enum index */
double lesson_page_real(const LessonPage *page, const char *name);  /* real (or int as a double) */
bool lesson_page_bool(const LessonPage *page, const char *name);
const char *lesson_page_enum(const LessonPage *page, const char *name);
int lesson_page_list(const LessonPage *page, const char *name, const double **items);

/* Whether `guess` is right for a number checkpoint whose right value is `right` (for live
 * checkpoints the scene supplies it). Relative tolerances compare against |right|, and against 1
 * when right is 0. */
bool lesson_checkpoint_accepts(const LessonCheckpoint *checkpoint, double right, double guess);
/* Index of the choice with this key (case-insensitive), or -1. */
int lesson_checkpoint_choice(const LessonCheckpoint *checkpoint, const char *key);

/* Symbol escapes the prose may use (\alpha ...): NULL-terminated names without the backslash. */
extern const char *const lesson_symbols[];

#endif
