/* The tutor: lessons and pages, the running scene, progress, autoplay, record and replay; shows its screens (ui layer). */
#include "ui/screen.h"
#include "ui/tutor_priv.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/dataset.h"
#include "util/alloc.h"
#include "view/keys.h"

static double monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void tutor_config_default(TutorConfig *config)
{
    *config = (TutorConfig){ .lesson = -1, .seed = 1, .use_progress = true };
}

void tutor_set_status(Tutor *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->status, sizeof t->status, fmt, ap);
    va_end(ap);
}

static void warn_once(Tutor *t, const BnError *warning)
{
    char buf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 4];
    if (warning->set && !t->status[0])
        tutor_set_status(t, "%s", error_format(warning, buf, (int)sizeof buf));
}

const Lesson *tutor_lesson(const Tutor *t)
{
    return t->index >= 0 && t->index < t->set->count ? t->set->lessons[t->index] : NULL;
}

const LessonPage *tutor_page_ptr(const Tutor *t)
{
    const Lesson *lesson = tutor_lesson(t);
    return lesson && t->page >= 0 && t->page < lesson->page_count ? &lesson->pages[t->page] : NULL;
}

static void save_progress(Tutor *t)
{
    if (!t->progress)
        return;
    const Lesson *lesson = tutor_lesson(t);
    if (lesson && lesson->number >= 0)
        progress_set_position(t->progress, lesson->number, t->page + 1);
    BnError warning = { 0 };
    if (!progress_save(t->progress, &warning))
        warn_once(t, &warning);
}

int tutor_open_check_index(const Tutor *t)
{
    if (t->check_held)
        return -1;
    for (int i = 0; i < t->check_count; i++)
        if (t->checks[i].status == CHECK_OPEN)
            return i;
    return -1;
}

CheckState *tutor_open_check(Tutor *t)
{
    int i = tutor_open_check_index(t);
    return i < 0 ? NULL : &t->checks[i];
}

/* Builds the page's scene from the seed in t->scene_seed; a failure is kept to show in its place. */
static void build_scene(Tutor *t, const LessonPage *page)
{
    scene_destroy(t->scene);
    t->scene = NULL;
    t->scene_error[0] = '\0';
    BnError err = { 0 };
    t->scene = scene_create(page, t->scene_seed, &err);
    if (!t->scene) {
        char buf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 4];
        snprintf(t->scene_error, sizeof t->scene_error, "%s",
                 err.set ? error_format(&err, buf, (int)sizeof buf) : "the scene could not start");
    }
    t->acc = 0.0;
}

void tutor_open(Tutor *t, int index, int page)
{
    if (index < 0 || index >= t->set->count || lesson_is_broken(t->set->lessons[index]))
        return;
    const Lesson *lesson = t->set->lessons[index];
    if (page >= lesson->page_count)
        page = lesson->page_count - 1;
    if (page < 0)
        page = 0;
    t->index = index;
    t->page = page;
    t->screen = t->beneath = tutor_screen_named("page");
    const LessonPage *p = &lesson->pages[page];
    t->scene_seed = scene_seed_for_page(p, t->config.seed);
    build_scene(t, p);
    t->check_count = p->checkpoint_count;
    t->check_held = false;
    t->check_last = -1;
    for (int i = 0; i < p->checkpoint_count; i++)
        check_begin(&t->checks[i], &p->checkpoints[i]);
    /* A page that holds its scene back ('reveal') plays it only once answered, so the scene never draws
     * the answer before the question is read; an unattended booth (--autoplay) has nobody to answer. */
    t->revealed = p->checkpoint_count == 0 || p->reveal == REVEAL_ALWAYS || t->presenting;
    bool animates = t->scene && scene_animates(t->scene);
    bool autoplay = lesson_page_bool(p, "autoplay") || t->presenting;
    t->playing = animates && autoplay && t->revealed;
    t->autoplay_waiting = animates && autoplay && !t->revealed;
    for (int i = 0; i < tutor_screen_count(); i++) {
        const TutorScreen *s = tutor_screen_at(i);
        if (s->page_opened)
            s->page_opened(t, t->screen_states[i]);
    }
    save_progress(t);
}

/* The first openable lesson at or after index (dir +1) or before it (dir -1), or -1. */
static int openable(const Tutor *t, int index, int dir)
{
    for (int i = index; i >= 0 && i < t->set->count; i += dir)
        if (!lesson_is_broken(t->set->lessons[i]) && t->set->lessons[i]->page_count > 0)
            return i;
    return -1;
}

static void mark_done(Tutor *t)
{
    const Lesson *lesson = tutor_lesson(t);
    if (t->progress && lesson && lesson->number >= 0)
        progress_mark_done(t->progress, lesson->number);
}

void tutor_next_page(Tutor *t)
{
    const Lesson *lesson = tutor_lesson(t);
    if (!lesson)
        return;
    if (t->page + 1 < lesson->page_count) {
        tutor_open(t, t->index, t->page + 1);
        return;
    }
    mark_done(t);
    int next = openable(t, t->index + 1, +1);
    if (next < 0 && t->presenting)
        next = openable(t, 0, +1);          /* a booth loops back to the start */
    /* A lesson with questions ends on its summary, the course on its results; a booth goes straight on. */
    bool asked = false;
    for (int p = 0; p < lesson->page_count; p++)
        asked = asked || lesson->pages[p].checkpoint_count > 0;
    if (t->progress && !t->presenting && (asked || next < 0)) {
        save_progress(t);
        screen_results_open(t, next >= 0 ? RESULTS_LESSON_END : RESULTS_COURSE_END, t->index, next);
    } else if (next >= 0) {
        tutor_open(t, next, 0);
    } else {
        save_progress(t);
        tutor_set_status(t, "That was the last page of the last lesson.");
    }
}

void tutor_prev_page(Tutor *t)
{
    if (!tutor_lesson(t))
        return;
    if (t->page > 0) {
        tutor_open(t, t->index, t->page - 1);
        return;
    }
    int prev = openable(t, t->index - 1, -1);
    if (prev >= 0)
        tutor_open(t, prev, t->set->lessons[prev]->page_count - 1);
    else
        tutor_set_status(t, "This is the first page.");
}

void tutor_next_lesson(Tutor *t, int dir)
{
    if (!tutor_lesson(t))
        return;
    if (dir > 0)
        mark_done(t);
    int to = openable(t, t->index + dir, dir);
    if (to >= 0)
        tutor_open(t, to, 0);
    else
        tutor_set_status(t, dir > 0 ? "This is the last lesson." : "This is the first lesson.");
}

const char *tutor_lesson_list(const Tutor *t, char *buf, int size)
{
    buf[0] = '\0';
    int used = 0;
    for (int i = 0; i < t->set->count && used < size - 1; i++) {
        int n = t->set->lessons[i]->number;
        if (n < 0)
            continue;
        /* Runs of consecutive numbers as "a-b". */
        int j = i;
        while (j + 1 < t->set->count && t->set->lessons[j + 1]->number == t->set->lessons[j]->number + 1)
            j++;
        int w = j > i ? snprintf(buf + used, (size_t)(size - used), "%s%d-%d", used ? ", " : "", n,
                                 t->set->lessons[j]->number)
                      : snprintf(buf + used, (size_t)(size - used), "%s%d", used ? ", " : "", n);
        if (w < 0)
            break;
        used += w;
        i = j;
    }
    if (used >= size)
        buf[size - 1] = '\0';
    return buf;
}

/* The index of --lesson's lesson into *index, checked with --page; false with err (where "--lesson" or
 * "--page") when it cannot open. */
static bool asked_lesson(const Tutor *t, const TutorConfig *config, int *index, BnError *err)
{
    const LessonSet *set = t->set;
    char list[256];
    for (int i = 0; i < set->count && *index < 0; i++)
        if (set->lessons[i]->number == config->lesson)
            *index = i;
    if (*index < 0) {
        error_set(err, "--lesson", "there is no lesson %d (lessons: %s)", config->lesson,
                  tutor_lesson_list(t, list, sizeof list));
        return false;
    }
    const Lesson *lesson = set->lessons[*index];
    if (lesson_is_broken(lesson)) {
        char problem[1024];
        error_set(err, "--lesson", "lesson %d is broken: %s", config->lesson,
                  lesson_problem_format(lesson, &lesson->problems[0], problem, sizeof problem));
        return false;
    }
    if (config->page > lesson->page_count) {
        error_set(err, "--page", "lesson %d has %d page%s", lesson->number, lesson->page_count,
                  lesson->page_count == 1 ? "" : "s");
        return false;
    }
    return true;
}

/* Every screen's own state, made once for the tutor's life. */
static void screens_create(Tutor *t)
{
    int n = tutor_screen_count();
    t->screen_states = xcalloc((size_t)n, sizeof *t->screen_states);
    for (int i = 0; i < n; i++) {
        const TutorScreen *s = tutor_screen_at(i);
        t->screen_states[i] = s->create ? s->create(t) : NULL;
    }
}

static void screens_destroy(Tutor *t)
{
    for (int i = 0; t->screen_states && i < tutor_screen_count(); i++) {
        const TutorScreen *s = tutor_screen_at(i);
        if (s->destroy)
            s->destroy(t->screen_states[i]);
    }
    free(t->screen_states);
    t->screen_states = NULL;
}

void *tutor_screen_state(const Tutor *t, const TutorScreen *screen)
{
    for (int i = 0; i < tutor_screen_count(); i++)
        if (tutor_screen_at(i) == screen)
            return t->screen_states[i];
    return NULL;
}

const TutorScreen *tutor_screen_beneath(const Tutor *t) { return t->beneath; }

int tutor_lesson_index(const Tutor *t) { return t->index; }

Tutor *tutor_create(const TutorConfig *config, BnError *err)
{
    LessonSet *set = lesson_set_discover(config->lessons_dir, err);
    if (!set)
        return NULL;
    if (set->count == 0) {
        error_set(err, set->dir ? set->dir : "", "no lessons found (no *.lesson files)");
        lesson_set_destroy(set);
        return NULL;
    }
    Tutor *t = xcalloc(1, sizeof *t);
    t->config = *config;
    if (!t->config.now)
        t->config.now = monotonic_now;
    t->set = set;
    t->index = -1;
    t->speed = 1.0;
    t->presenting = config->autoplay > 0.0;
    pcg32_seed(&t->rng, config->seed, 0x7475746f72ULL);   /* "tutor" */
    screens_create(t);

    /* Where to start: the asked lesson, else where the learner left off, else the first lesson. */
    int index = -1, page = 0;
    if (config->lesson >= 0 && !asked_lesson(t, config, &index, err))
        goto fail;
    if (config->use_progress) {
        BnError warning = { 0 };
        char *path = config->progress_path ? xstrdup(config->progress_path)
                                           : progress_path_for_lessons(config->lessons_dir);
        t->progress = progress_load(path, &warning);
        free(path);
        /* A booth (--autoplay) or a replay shows the learner's progress but never changes it. */
        t->progress->readonly = config->autoplay > 0.0 || config->replay != NULL;
        warn_once(t, &warning);
        if (config->reset_progress) {
            error_clear(&warning);
            if (!progress_reset(t->progress, &warning))
                warn_once(t, &warning);
        }
    }
    if (index >= 0) {
        page = config->page > 0 ? config->page - 1 : 0;
        if (config->page == 0 && t->progress) {
            const ProgressLesson *seen = progress_lesson(t->progress, set->lessons[index]->number);
            if (seen && !seen->done)
                page = seen->page - 1;
        }
    } else if (t->progress && t->progress->lesson >= 0) {
        for (int i = 0; i < set->count; i++)
            if (set->lessons[i]->number == t->progress->lesson && !lesson_is_broken(set->lessons[i])) {
                index = i;
                page = t->progress->page - 1;
                break;
            }
    }
    if (index < 0)
        index = openable(t, 0, +1);
    if (set->skipped > 0 && !t->status[0])
        tutor_set_status(t, "%d more *.lesson files left out: at most %d are read (the first by name).", set->skipped,
                         LESSON_SET_MAX);
    if (config->record_path) {
        Record header = { .seed = config->seed, .autoplay = config->autoplay, .width = config->term_width,
                          .height = config->term_height };
        snprintf(header.version, sizeof header.version, "%s", BNTUTOR_VERSION);
        header.lesson = index >= 0 ? set->lessons[index]->number : 0;
        header.page = page + 1;
        t->rec = recorder_open(config->record_path, &header, err);
        if (!t->rec)
            goto fail;
    }
    t->start = t->config.now();
    t->rec_width = config->term_width;
    t->rec_height = config->term_height;
    t->replay = config->replay;
    if (index >= 0)
        tutor_open(t, index, page);
    else {
        t->screen = t->beneath = tutor_screen_named("menu");
        tutor_set_status(t, "Every lesson has problems: run 'bntutor check' on the files.");
    }
    return t;
fail:
    screens_destroy(t);
    lesson_set_destroy(set);
    free(t);
    return NULL;
}

void tutor_destroy(Tutor *t)
{
    if (!t)
        return;
    save_progress(t);
    recorder_close(t->rec, t->config.now() - t->start, NULL);
    scene_destroy(t->scene);
    screens_destroy(t);
    progress_destroy(t->progress);
    lesson_set_destroy(t->set);
    free(t);
}

/* Steps per second at speed 1: the page's own 'speed' setting, else the scene's. */
static double steps_per_second(const Tutor *t)
{
    const LessonPage *page = tutor_page_ptr(t);
    if (page && lesson_page_setting(page, "speed"))
        return lesson_page_real(page, "speed");
    double sps = t->scene ? t->scene->cls->steps_per_second : 0.0;
    return sps > 0.0 ? sps : 10.0;
}

/* A page's 'steps' setting is where its run ends: playing stops there. */
bool tutor_scene_finished(const Tutor *t)
{
    const LessonPage *page = tutor_page_ptr(t);
    if (t->scene && scene_halted(t->scene))
        return true;                /* e.g. a diverged run: nothing more to play */
    if (!t->scene || !page || !lesson_page_setting(page, "steps"))
        return false;
    long limit = lesson_page_int(page, "steps");
    return limit > 0 && t->scene->steps >= limit;
}

void tutor_steps(Tutor *t, long count)
{
    if (t->scene && count > 0)
        scene_step(t->scene, count);
}

void tutor_show(Tutor *t, const char *name)
{
    const TutorScreen *to = tutor_screen_named(name);
    if (!to)
        return;
    if (to->overlay && !t->screen->overlay)
        t->beneath = t->screen;
    t->screen = to;
    if (to->enter)
        to->enter(t, tutor_screen_state(t, to));
}

void tutor_back(Tutor *t) { t->screen = t->beneath; }

void tutor_draw_beneath(Tutor *t, Canvas *canvas)
{
    const TutorScreen *under = t->beneath;
    if (!under->overlay)
        under->draw(t, tutor_screen_state(t, under), canvas);
}

void tutor_help_beneath(Tutor *t, HelpList *left, HelpList *right, bool unicode)
{
    const TutorScreen *under = t->beneath;
    if (!under->overlay && under->help)
        under->help(t, tutor_screen_state(t, under), left, right, unicode);
}

/* A key for the screen now showing; the same path live and in a replay. */
static AppAction dispatch_key(Tutor *t, int key)
{
    if (key != BK_AUTOPLAY)
        t->presenting = false;              /* any key takes over from --autoplay */
    t->status[0] = '\0';
    return t->screen->key(t, tutor_screen_state(t, t->screen), key);
}

/* Applies one recorded event; a replayed key that would quit ends the replay instead. */
static bool interrupted(const Tutor *t) { return t->config.interrupted && t->config.interrupted(); }

static void replay_fire(Tutor *t, const RecordEvent *e)
{
    if (e->kind == RECORD_RESIZE) {
        return;                             /* the real terminal has its own size; export follows these */
    } else if (e->kind == RECORD_STEPS) {
        /* One step at a time, so a signal never waits for a whole recorded frame of a heavy scene. */
        for (long k = 0; k < e->value && !interrupted(t); k++)
            tutor_steps(t, 1);
        if (tutor_scene_finished(t))
            t->playing = false;             /* as the live tick did */
    } else if (dispatch_key(t, (int)e->value) == APP_QUIT) {
        t->replay = NULL;                   /* the recording ended by quitting: stay on its last screen */
        tutor_set_status(t, "Replay finished: the keys are yours.");
    }
}

void tutor_tick(Tutor *t, double dt)
{
    if (t->replay) {
        t->replay_clock += dt;
        while (t->replay && t->replay_next < t->replay->count && !interrupted(t) &&
               t->replay->events[t->replay_next].t <= t->replay_clock)
            replay_fire(t, &t->replay->events[t->replay_next++]);
        if (t->replay && t->replay_next >= t->replay->count) {
            t->replay = NULL;
            tutor_set_status(t, "Replay finished: the keys are yours.");
        }
        return;
    }
    if (!t->playing || !t->scene || !t->screen->runs_scene)
        return;
    double rate = steps_per_second(t) * t->speed;
    t->acc += dt * rate;
    long n = (long)floor(t->acc);
    /* At most a tenth of a second's worth per frame: a slow frame or a stop never queues a burst. */
    long cap = (long)ceil(rate * 0.1);
    if (cap < 1)
        cap = 1;
    if (n > cap) {
        n = cap;
        t->acc = 0.0;
    } else {
        t->acc -= (double)n;
    }
    if (n > 0) {
        /* One step at a time against the clock: past the budget the rest is dropped, so a high speed on a
         * slow machine (or a heavy scene) never makes keys wait; the footer then shows the speed reached. */
        double begin = t->config.now();
        long done = 0;
        while (done < n && !tutor_scene_finished(t)) {
            scene_step(t->scene, 1);
            done++;
            if (done < n && t->config.now() - begin > TUTOR_STEP_BUDGET_SECONDS)
                break;
        }
        if (done < n && !tutor_scene_finished(t)) {
            t->acc = 0.0;
            double reached = dt > 0.0 ? (double)done / dt / steps_per_second(t) : t->speed;
            t->reached_speed = t->limited_at > 0.0 ? 0.8 * t->reached_speed + 0.2 * reached : reached;
            t->limited_at = begin;
        }
        if (t->rec && done > 0)
            recorder_steps(t->rec, t->config.now() - t->start, done);
    }
    if (tutor_scene_finished(t))
        t->playing = false;
}

double tutor_reached_speed(const Tutor *t)
{
    /* Shown for a second after the last frame that ran out of time. */
    if (t->limited_at <= 0.0 || !t->playing || t->config.now() - t->limited_at > 1.0)
        return 0.0;
    return t->reached_speed < t->speed ? t->reached_speed : 0.0;
}

bool tutor_animating(const Tutor *t)
{
    if (t->replay)
        return true;
    return t->playing && t->scene && t->screen->runs_scene && scene_animates(t->scene);
}

AppAction tutor_key(Tutor *t, int key)
{
    if (t->replay) {
        if (key == BK_AUTOPLAY)
            return APP_CONTINUE;
        t->replay = NULL;                   /* any key takes over; this one only says so */
        tutor_set_status(t, "Replay stopped: the keys are yours.");
        return APP_CONTINUE;
    }
    if (t->rec)
        recorder_key(t->rec, t->config.now() - t->start, key);
    return dispatch_key(t, key);
}

void tutor_draw(Tutor *t, Canvas *canvas)
{
    /* Pages lay out and scroll by the terminal's size, so a replay in another size may drift from the
     * original: say so once, at the first frame. */
    if (t->replay && !t->replay_size_checked) {
        t->replay_size_checked = true;
        int w = t->replay->width, h = t->replay->height;
        if (w > 0 && h > 0 && (w != canvas->width || h != canvas->height)) {
            tutor_set_status(t, "Recorded at %dx%d, replayed at %dx%d: scrolled pages may differ.", w, h,
                             canvas->width, canvas->height);
            /* The status line gives way to the replayed keys; the footer keeps a short note. */
            snprintf(t->replay_note, sizeof t->replay_note, "replaying (recorded at %dx%d)", w, h);
        }
    }
    /* A recording keeps every size the terminal took, so an export can follow the resizes. */
    if (t->rec && (canvas->width != t->rec_width || canvas->height != t->rec_height)) {
        if (t->rec_width > 0)
            recorder_resize(t->rec, t->config.now() - t->start, canvas->width, canvas->height);
        t->rec_width = canvas->width;
        t->rec_height = canvas->height;
    }
    /* A new size (or character set) is a resize for every screen: they lay out again, then draw. */
    if (canvas->width != t->view_w || canvas->height != t->view_h || canvas->unicode != t->view_unicode) {
        t->view_w = canvas->width;
        t->view_h = canvas->height;
        t->view_unicode = canvas->unicode;
        for (int i = 0; i < tutor_screen_count(); i++) {
            const TutorScreen *s = tutor_screen_at(i);
            if (s->resize)
                s->resize(t, t->screen_states[i], canvas->width, canvas->height, canvas->unicode);
        }
    }
    t->screen->draw(t, tutor_screen_state(t, t->screen), canvas);
}

static void screen_draw(void *self, Canvas *canvas) { tutor_draw(self, canvas); }
static AppAction screen_key(void *self, App *app, int key)
{
    (void)app;
    return tutor_key(self, key);
}
static void screen_tick(void *self, double dt) { tutor_tick(self, dt); }
static bool screen_animating(void *self) { return tutor_animating(self); }
static bool screen_failed(void *self) { return tutor_failed(self, NULL); }

bool tutor_failed(const Tutor *t, BnError *err)
{
    (void)t;
    /* The scenes' datasets are theirs; a read that failed in any of them ends the session. */
    return dataset_read_failure(err);
}

AppScreen tutor_screen(Tutor *t)
{
    return (AppScreen){ .self = t, .draw = screen_draw, .key = screen_key, .tick = screen_tick,
                        .animating = screen_animating, .failed = screen_failed };
}

const char *tutor_mode(const Tutor *t) { return t->screen->name; }
int tutor_lesson_number(const Tutor *t) { return tutor_lesson(t) ? tutor_lesson(t)->number : -1; }
const char *tutor_lesson_title(const Tutor *t) { return tutor_lesson(t) ? tutor_lesson(t)->title : ""; }
int tutor_page(const Tutor *t) { return t->page + 1; }
int tutor_page_count(const Tutor *t) { return tutor_lesson(t) ? tutor_lesson(t)->page_count : 0; }
bool tutor_playing(const Tutor *t) { return t->playing; }
bool tutor_replaying(const Tutor *t) { return t->replay != NULL; }
double tutor_speed(const Tutor *t) { return t->speed; }
long tutor_scene_steps(const Tutor *t) { return t->scene ? t->scene->steps : 0; }
const char *tutor_status(const Tutor *t) { return t->status; }
