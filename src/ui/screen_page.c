/* The page screen: header, prose, checkpoints, the live scene, footer; its layout, its keys and their help (ui layer). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui/page_column.h"
#include "ui/screen.h"
#include "ui/tutor_priv.h"
#include "util/alloc.h"
#include "view/chrome.h"
#include "view/format.h"
#include "view/keys.h"
#include "view/text.h"
#include "view/unicode.h"

extern const TutorScreen screen_page;

/* The page's own state: where the text is scrolled, the zoom, and its text column and layout for the
 * terminal's size, made when a page opens, the size changes or a key changes what the column holds. */
typedef struct PageState {
    int scroll;             /* first line of the text column shown (clamped when drawn) */
    bool zoom;              /* the scene takes the whole body */
    int w, h;               /* the terminal the layout is for: 80×24 until the first frame */
    bool unicode;
    bool sized;             /* w, h and unicode come from a real frame */
    PageColumn column;      /* the prose and checkpoints, wrapped for the layout */
    PageLayout layout;
} PageState;

static bool page_has_scene(const LessonPage *page)
{
    return page && page->scene && strcmp(page->scene->name, "none") != 0;
}

/* Whether the page holds its scene back until its questions are answered ('reveal' after-answer or hidden). */
static bool scene_waits(const Tutor *t)
{
    const LessonPage *page = tutor_page_ptr(t);
    return page && page->reveal != REVEAL_ALWAYS && !t->revealed;
}

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

static const char scene_waits_note[] = "The scene waits for your answer: answer the question first.";

void tutor_layout(const Tutor *t, int w, int h, bool unicode, PageLayout *L)
{
    const PageState *ps = tutor_screen_state(t, &screen_page);
    PageColumn column = { 0 };
    page_column_update(&column, t, page_column_width(t, w), unicode);
    page_column_layout(t, &column, w, h, ps && ps->zoom, L);
    page_column_clear(&column);
}

/* Wraps what changed (the page, the size, an answer) and lays the page out again. */
static void page_relayout(Tutor *t, PageState *ps)
{
    page_column_update(&ps->column, t, page_column_width(t, ps->w), ps->unicode);
    page_column_layout(t, &ps->column, ps->w, ps->h, ps->zoom, &ps->layout);
}

static void *page_create(Tutor *t)
{
    PageState *ps = xcalloc(1, sizeof *ps);
    ps->w = 80;
    ps->h = 24;
    return ps;
}

static void page_destroy(void *state)
{
    PageState *ps = state;
    if (ps)
        page_column_clear(&ps->column);
    free(ps);
}

static void page_opened(Tutor *t, void *state)
{
    PageState *ps = state;
    ps->scroll = 0;
    ps->zoom = false;
    page_column_clear(&ps->column);     /* a page opened again has fresh checkpoints */
    page_relayout(t, ps);
}

static void page_resize(Tutor *t, void *state, int width, int height, bool unicode)
{
    PageState *ps = state;
    ps->w = width;
    ps->h = height;
    ps->unicode = unicode;
    ps->sized = true;
    page_relayout(t, ps);
}

static void page_enter(Tutor *t, void *state) { page_relayout(t, state); }

void tutor_set_zoom(Tutor *t, bool zoom)
{
    PageState *ps = tutor_screen_state(t, &screen_page);
    ps->zoom = zoom;
    page_relayout(t, ps);
}

/* The scene's headline figure, big enough to read from the back of a room. */
static void draw_figure(const Scene *scene, Canvas *canvas, Rect area)
{
    const char *label;
    double value;
    if (!scene_headline(scene, &label, &value))
        return;
    char text[FORMAT_MAX];
    format_number(text, sizeof text, value, 4, false);   /* big glyphs exist for ASCII digits only */
    if (bigdigits_width(text) > area.w)
        return;
    canvas_text(canvas, area.x, area.y, label, ROLE_TEXT_DIM, ATTR_BOLD, area.w);
    /* Plain foreground blocks in the theme's brightest text colour on the page's own background: the
     * highlight role (a coloured background) turned its blocks into dark-on-dark digits. */
    bigdigits_draw(canvas, area.x, area.y + 2, text, ROLE_TITLE);
}

/* The "more" mark: which way the prose continues. */
static void draw_rule(const Tutor *t, Canvas *canvas, const PageLayout *L, int scroll)
{
    bool u = canvas->unicode;
    if (L->rule.h == 0)
        return;
    bool narrow_rule = !L->wide && L->scene.h > 0;
    if (narrow_rule)
        for (int x = L->rule.x; x < L->rule.x + L->rule.w; x++)
            canvas_put(canvas, x, L->rule.y, u ? 0x2500 : '-', ROLE_TEXT_DIM, 0);
    bool below = scroll + L->prose.h < L->prose_lines, above = scroll > 0;
    if (!below && !above)
        return;
    char mark[64];
    snprintf(mark, sizeof mark, " %s%s more (%s) ", below ? (u ? "\xE2\x86\x93" : "v") : "",
             above ? (u ? "\xE2\x86\x91" : "^") : "",
             u ? "\xE2\x86\x91/\xE2\x86\x93" : "up/down");
    int mw = utf8_width(mark);
    int x = L->rule.x + L->rule.w - mw - 1;
    canvas_text(canvas, x < L->rule.x ? L->rule.x : x, L->rule.y, mark, ROLE_HIGHLIGHT, ATTR_BOLD, L->rule.w);
}

/* Footer hints: the keys that do something on this page now, most important first. */
enum { HINTS_MAX = 16 + SCENE_KEYS_MAX };
/* Whether the prose names one of the hint's keys ("r/R" has two) as code: "press `o`". */
static bool prose_names_key(const char *prose, const char *hint_key)
{
    for (const char *q = strchr(prose, '`'); q; q = strchr(q + 1, '`')) {
        const char *end = strchr(q + 1, '`');
        if (!end)
            break;
        size_t span = (size_t)(end - q - 1);
        for (const char *k = hint_key; *k;) {
            const char *slash = strchr(k, '/');
            size_t len = slash && slash != k ? (size_t)(slash - k) : strlen(k);
            if (len == span && strncmp(k, q + 1, len) == 0)
                return true;
            k += len + (k[len] == '/' ? 1 : 0);
        }
        q = end;
    }
    return false;
}

/* Whether the page declares that one of the hint's keys reveals what it shows ('shows ... or key z'). */
static bool shows_names_key(const LessonPage *page, const char *hint_key)
{
    for (int i = 0; i < page->show_count; i++)
        if (page->shows[i].key && scene_key_names(hint_key, page->shows[i].key))
            return true;
    return false;
}

/* The footer drops the hints that don't fit from the end, so keys the page points to move up, right after
 * the answer keys: first a key that brings the page's declared evidence into view, then the keys the
 * prose asks for ("press `o`"), so a narrow screen still names them. */
static void hints_prefer_named(const LessonPage *page, KeyHint *hints, int first, int n)
{
    KeyHint shows[HINTS_MAX], named[HINTS_MAX], rest[HINTS_MAX];
    int a = 0, b = 0, c = 0;
    for (int i = first; i < n; i++) {
        if (shows_names_key(page, hints[i].key))
            shows[a++] = hints[i];
        else if (prose_names_key(page->text, hints[i].key))
            named[b++] = hints[i];
        else
            rest[c++] = hints[i];
    }
    memcpy(hints + first, shows, sizeof *hints * (size_t)a);
    memcpy(hints + first + a, named, sizeof *hints * (size_t)b);
    memcpy(hints + first + a + b, rest, sizeof *hints * (size_t)c);
}

static int page_hints(Tutor *t, const PageState *ps, KeyHint *hints, char choice_keys[64])
{
    int n = 0;
    CheckState *open = tutor_open_check(t);
    if (t->check_last >= 0 && !open && check_can_retry(&t->checks[t->check_last]))
        hints[n++] = (KeyHint){"t", "try again"};
    if (t->check_held)
        hints[n++] = (KeyHint){"Enter", "next question"};
    if (open && open->cp->kind == CHECKPOINT_CHOICE) {
        int used = 0;
        for (int i = 0; i < open->cp->choice_count && used < 60; i++) {
            if (i)
                choice_keys[used++] = '/';
            choice_keys[used++] = (char)check_choice_key(open, i);
        }
        choice_keys[used] = '\0';
        hints[n++] = (KeyHint){choice_keys, "answer"};
    } else if (open) {
        hints[n++] = (KeyHint){"0-9", "answer"};
        hints[n++] = (KeyHint){"Enter", "check"};
    }
    hints[n++] = (KeyHint){"\xE2\x86\x90/\xE2\x86\x92", "page"};
    bool waits = scene_waits(t);
    bool animates = t->scene && scene_animates(t->scene) && !waits;
    if (animates)
        hints[n++] = (KeyHint){"space", t->playing ? "pause" : "play"};
    else if (!page_has_scene(tutor_page_ptr(t)) && !open)
        hints[n++] = (KeyHint){"N/P", "lesson"};
    hints[n++] = (KeyHint){"?", "help"};
    hints[n++] = (KeyHint){"q", "quit"};
    if (animates && !(open && check_takes_key(open, '.')))
        hints[n++] = (KeyHint){".", "step"};
    if (t->scene && !waits) {
        static SceneKey keys[SCENE_KEYS_MAX];    /* the footer is drawn from one thread only */
        int k = scene_keys(t->scene, keys);
        for (int i = 0; i < k && i < SCENE_KEYS_MAX; i++) {
            if (open && check_shadows_hint(open, keys[i].key))
                continue;                       /* shadowed until the question is answered */
            hints[n++] = (KeyHint){keys[i].key, keys[i].label};
        }
    }
    hints[n++] = (KeyHint){"m", "menu"};
    if (page_has_scene(tutor_page_ptr(t)))
        hints[n++] = (KeyHint){"z", ps->zoom ? "unzoom" : "zoom"};
    if (t->scene && page_has_scene(tutor_page_ptr(t)))
        hints[n++] = (KeyHint){"r/R", "restart"};
    if (animates)
        hints[n++] = (KeyHint){"+/-", "speed"};
    const LessonPage *page = tutor_page_ptr(t);
    if (page)
        hints_prefer_named(page, hints,
                           (n > 0 && strcmp(hints[0].key, "t") == 0) + (t->check_held ? 1 : 0) +
                               (open ? (open->cp->kind == CHECKPOINT_CHOICE ? 1 : 2) : 0),
                           n);
    return n;
}

static void draw_footer(Tutor *t, const PageState *ps, Canvas *canvas, Rect footer)
{
    if (t->status[0]) {
        for (int x = 0; x < footer.w; x++)
            canvas_put(canvas, footer.x + x, footer.y, ' ', ROLE_STATUS, 0);
        int used = canvas_text(canvas, footer.x + 1, footer.y, t->status, ROLE_STATUS, ATTR_BOLD, footer.w - 2);
        if (utf8_width(t->status) > footer.w - 2 && used > 0)
            canvas_put(canvas, footer.x + used, footer.y, canvas->unicode ? 0x2026 : '.', ROLE_STATUS, ATTR_BOLD);
        return;
    }
    KeyHint hints[HINTS_MAX];
    char choice_keys[64];
    int n = page_hints(t, ps, hints, choice_keys);
    statusbar_draw(canvas, footer, hints, n, !t->replay ? NULL : t->replay_note[0] ? t->replay_note : "replaying");
}

static void page_draw(Tutor *t, const void *state, Canvas *canvas)
{
    const PageState *ps = state;
    const Lesson *lesson = tutor_lesson(t);
    const LessonPage *page = tutor_page_ptr(t);
    if (!lesson || !page)
        return;
    bool u = canvas->unicode;
    const PageLayout L = ps->layout;      /* laid out when the page opened or the size changed */

    char left[300], right[128];
    snprintf(left, sizeof left, "Lesson %d %s %s", lesson->number, u ? "\xC2\xB7" : "-", lesson->title);
    /* The scene's state sits beside the page number, where it always fits. */
    if (t->scene && scene_animates(t->scene)) {
        char speed[48] = "";
        if (t->speed > 1.0)
            snprintf(speed, sizeof speed, " x%g", t->speed);
        else if (t->speed < 1.0)
            snprintf(speed, sizeof speed, " x1/%g", 1.0 / t->speed);
        double reached = tutor_reached_speed(t);
        if (reached > 0.0) {
            size_t used = strlen(speed);
            snprintf(speed + used, sizeof speed - used, reached >= 1.0 ? " (max x%.0f)" : " (max x%.2f)", reached);
        }
        snprintf(right, sizeof right, "%s%s %s step %ld %s page %d/%d", t->playing ? "playing" : "paused", speed,
                 u ? "\xC2\xB7" : "-", t->scene->steps, u ? "\xC2\xB7" : "-", t->page + 1, lesson->page_count);
    } else {
        snprintf(right, sizeof right, "page %d/%d", t->page + 1, lesson->page_count);
    }
    /* A long lesson title gives way to the page's own title. */
    if (utf8_width(left) + 3 + utf8_width(page->title) + utf8_width(right) + 4 > canvas->width)
        snprintf(left, sizeof left, "Lesson %d", lesson->number);
    screen_draw_header(canvas, left, page->title, right);

    if (L.big.h > 0) {
        char num[16];
        snprintf(num, sizeof num, "%d", lesson->number);
        int bw = bigdigits_draw(canvas, L.big.x, L.big.y, num, ROLE_TITLE);
        Rect title = rect_make(L.big.x + bw + 2, L.big.y + 1, L.big.w - bw - 2, BIGDIGITS_HEIGHT - 1);
        char heading[400];
        snprintf(heading, sizeof heading, "**%s**\n%s", lesson->title, page->title);
        text_draw(canvas, title, heading, ROLE_TITLE, 0);
    }

    if (L.figure.h > 0 && t->scene)
        draw_figure(t->scene, canvas, L.figure);

    int scroll = imax(0, imin(ps->scroll, L.prose_lines - L.prose.h));
    page_column_draw(t, &ps->column, &L, scroll, canvas);
    draw_rule(t, canvas, &L, scroll);
    if (L.wide && !ps->zoom)
        for (int y = L.body.y; y < L.body.y + L.body.h; y++)
            canvas_put(canvas, L.scene.x - 2, y, u ? 0x2502 : '|', ROLE_TEXT_DIM, 0);

    if (L.scene.h > 0 && L.scene.w > 0) {
        const LessonPage *p = tutor_page_ptr(t);
        if (t->scene && scene_waits(t) && p->reveal == REVEAL_HIDDEN) {
            Rect in = panel_draw(canvas, L.scene, "the scene", ROLE_TEXT_DIM);
            text_draw(canvas, in, "It appears once you have answered the question.", ROLE_TEXT_DIM, 0);
        } else if (t->scene) {
            scene_draw(t->scene, canvas, L.scene);
        } else {
            Rect in = panel_draw(canvas, L.scene, "the scene could not start", ROLE_WARNING);
            text_draw(canvas, in, t->scene_error, ROLE_WARNING, 0);
        }
    }
    draw_footer(t, ps, canvas, L.footer);
}

static void scroll_by(PageState *ps, int delta)
{
    const PageLayout *L = &ps->layout;
    int most = imax(0, L->prose_lines - L->prose.h);
    ps->scroll = imax(0, imin(ps->scroll + delta, most));
}

/* Scrolls the text so checkpoint `index` starts at its top, as far as the column allows: after an
 * answer the verdict comes into view, after Enter the next question does. */
static void scroll_to_check(Tutor *t, PageState *ps, int index)
{
    page_relayout(t, ps);               /* the column changed: an answer's verdict, the next question */
    const PageLayout *L = &ps->layout;
    int line = page_column_check_line(&ps->column, index);
    if (line < 0 || L->prose.h <= 0)
        return;
    int most = imax(0, L->prose_lines - L->prose.h);
    ps->scroll = imax(0, imin(line, most));
}

static void restart_scene(Tutor *t, bool new_seed)
{
    const LessonPage *page = tutor_page_ptr(t);
    if (!page)
        return;
    uint64_t seed = new_seed ? ((uint64_t)pcg32_next(&t->rng) << 32 | pcg32_next(&t->rng)) : t->scene_seed;
    BnError err = { 0 };
    if (t->scene) {
        if (!scene_reset(t->scene, seed, &err)) {
            char buf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 4];
            tutor_set_status(t, "restart failed: %s", error_format(&err, buf, (int)sizeof buf));
            return;
        }
        t->scene_seed = seed;
        t->acc = 0.0;
    } else {
        t->scene_seed = seed;
        t->scene = scene_create(page, seed, &err);
        if (t->scene)
            t->scene_error[0] = '\0';
    }
    if (new_seed)
        tutor_set_status(t, "New seed: %llu", (unsigned long long)seed);
}

static void answered(Tutor *t, PageState *ps, CheckState *s)
{
    /* The verdict and explanation come first; the next question waits for Enter, so a small screen never
     * scrolls the feedback away before it is read. */
    t->check_held = tutor_open_check(t) != NULL;
    t->check_last = (int)(s - t->checks);
    ps->zoom = false;                   /* the verdict and explanation are in the text column */
    scroll_to_check(t, ps, (int)(s - t->checks));
    bool all = true;
    for (int i = 0; i < t->check_count; i++)
        if (t->checks[i].status == CHECK_OPEN)
            all = false;
    if (all && !t->revealed) {
        /* The learner has committed: the scene may now show what the questions asked about. */
        t->revealed = true;
        if (t->autoplay_waiting && t->scene && !tutor_scene_finished(t))
            t->playing = true, t->acc = 0.0;
        t->autoplay_waiting = false;
    }
    const Lesson *lesson = tutor_lesson(t);
    /* A second try ('t') is for learning: the score keeps the first answer. The store also keeps the
     * first answer ever given, with its time, for the results. */
    if (s->status == CHECK_UNGRADED || s->tries > 1 || !t->progress || !lesson || lesson->number < 0)
        return;
    char answer[PROGRESS_ANSWER_MAX];
    check_answer_text(s, answer, sizeof answer);
    progress_record_answer(t->progress, lesson->number, t->page + 1, (int)(s - t->checks) + 1,
                           s->status == CHECK_RIGHT, answer, (long long)time(NULL));
    BnError warning = { 0 };
    if (!progress_save(t->progress, &warning) && warning.set && !t->status[0]) {
        char buf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 4];
        tutor_set_status(t, "%s", error_format(&warning, buf, (int)sizeof buf));
    }
}

/* Whether key is a choice letter of a question already answered on this page. */
static bool answered_letter(const Tutor *t, int key)
{
    for (int i = 0; i < t->check_count; i++) {
        const CheckState *c = &t->checks[i];
        if (c->status == CHECK_OPEN || c->cp->kind != CHECKPOINT_CHOICE)
            continue;
        for (int k = 0; k < c->cp->choice_count; k++)
            if ((int)check_choice_letter(c->cp, k) == tolower(key))
                return true;
    }
    return false;
}

/* Space plays or pauses, '.' takes one step; both say why when there is nothing to play. */
static void play_key(Tutor *t, int key, bool animates)
{
    if (!animates) {
        tutor_set_status(t, "Nothing to play on this page.");
    } else if (tutor_scene_finished(t)) {
        t->playing = false;
        tutor_set_status(t, scene_halted(t->scene) ? "This run has stopped: r starts it again, or change a knob."
                                                   : "This run is complete: r starts it again.");
    } else if (key == ' ') {
        t->playing = !t->playing, t->acc = 0.0;
        t->autoplay_waiting = false;        /* the learner took over */
    } else {
        t->playing = false;
        scene_step(t->scene, 1);
    }
}

/* A printable key that did nothing: say why, rather than only "does nothing" (a choice letter). */
static void explain_unused_key(Tutor *t, const CheckState *open, int key)
{
    bool retry = t->check_last >= 0 && check_can_retry(&t->checks[t->check_last]);
    if (t->check_held && isalpha(key))
        tutor_set_status(t, "That question is answered: %sEnter brings up the next one.", retry ? "t tries it again, " : "");
    else if (!open && t->check_count > 0 && isalpha(key) && answered_letter(t, key))
        tutor_set_status(t, retry ? "Already answered: t tries it again." : "Already answered.");
    else
        tutor_set_status(t, "'%c' does nothing on this page: ? lists the keys.", (char)key);
}

/* The keys of the page's checkpoints (Enter after a held answer, an open question's answers, t to
 * retry): true when the key was theirs. `open` is the question being asked, or NULL. */
static bool page_key_checkpoint(Tutor *t, PageState *ps, int key, CheckState *open)
{
    if (t->check_held && key == BK_ENTER) {
        t->check_held = false;
        CheckState *next = tutor_open_check(t);
        if (next)
            scroll_to_check(t, ps, (int)(next - t->checks));
        return true;
    }
    if (open) {
        CheckKey r = check_key(open, key, t->scene, ps->unicode || !ps->sized);
        if (r == CHECK_KEY_ANSWERED)
            answered(t, ps, open);
        if (r != CHECK_KEY_UNUSED)
            return true;
    }
    if (key == 't' && t->check_last >= 0 && !open && check_can_retry(&t->checks[t->check_last])) {
        CheckState *again = &t->checks[t->check_last];
        check_retry(again);
        t->check_held = false;
        scroll_to_check(t, ps, (int)(again - t->checks));
        return true;
    }
    return false;
}

static AppAction page_key_act(Tutor *t, PageState *ps, int key)
{
    if (!tutor_page_ptr(t))
        return key == 'q' ? APP_QUIT : APP_CONTINUE;
    CheckState *open = tutor_open_check(t);
    if (page_key_checkpoint(t, ps, key, open))
        return APP_CONTINUE;
    bool animates = t->scene && scene_animates(t->scene);
    if (scene_waits(t) && (key == ' ' || key == '.')) {
        tutor_set_status(t, "%s", scene_waits_note);
        return APP_CONTINUE;
    }
    switch (key) {
    case BK_RIGHT: case 'n': case 'l': case BK_PAGE_DOWN: case BK_AUTOPLAY:
        tutor_next_page(t);
        return APP_CONTINUE;
    case BK_LEFT: case 'p': case 'h': case BK_PAGE_UP:
        tutor_prev_page(t);
        return APP_CONTINUE;
    case 'N':
        tutor_next_lesson(t, +1);
        return APP_CONTINUE;
    case 'P':
        tutor_next_lesson(t, -1);
        return APP_CONTINUE;
    case 'q':
        return APP_QUIT;
    case 'm':
        tutor_show(t, "menu");
        return APP_CONTINUE;
    case 'g':
        screen_results_open(t, RESULTS_BROWSE, -1, -1);
        return APP_CONTINUE;
    case '?':
        tutor_show(t, "help");
        return APP_CONTINUE;
    case BK_UP:
        scroll_by(ps, -1);
        return APP_CONTINUE;
    case BK_DOWN:
        scroll_by(ps, +1);
        return APP_CONTINUE;
    case BK_TAB: case 'z':
        if (page_has_scene(tutor_page_ptr(t)))
            ps->zoom = !ps->zoom;
        return APP_CONTINUE;
    case BK_ESC:
        ps->zoom = false;
        return APP_CONTINUE;
    case ' ':
    case '.':
        play_key(t, key, animates);
        return APP_CONTINUE;
    case 'r':
        restart_scene(t, false);
        return APP_CONTINUE;
    case 'R':
        restart_scene(t, true);
        return APP_CONTINUE;
    case '+': case '=':
        if (t->speed < 64.0)
            t->speed *= 2.0;
        return APP_CONTINUE;
    case '-': case '_':
        if (t->speed > 1.0 / 16.0)
            t->speed /= 2.0;
        return APP_CONTINUE;
    default:
        break;
    }
    if (t->scene && scene_waits(t)) {
        SceneKey keys[SCENE_KEYS_MAX];
        int k = scene_keys(t->scene, keys);
        for (int i = 0; i < k && i < SCENE_KEYS_MAX; i++)
            if (scene_key_names(keys[i].key, key)) {
                tutor_set_status(t, "%s", scene_waits_note);
                return APP_CONTINUE;
            }
    }
    if (t->scene && scene_key(t->scene, key))
        return APP_CONTINUE;
    if (key > ' ' && key < 0x7f)
        explain_unused_key(t, open, key);
    return APP_CONTINUE;
}

/* A key may change what the column holds (a checkpoint's text, the zoom): the layout follows, once. */
static AppAction page_key(Tutor *t, void *state, int key)
{
    PageState *ps = state;
    AppAction action = page_key_act(t, ps, key);
    page_relayout(t, ps);
    return action;
}

/* The help overlay's two columns: (left) moving around, (right) the scene and the checkpoint. */
static void page_help(Tutor *t, const void *state, HelpList *left, HelpList *right, bool u)
{
    SceneKey keys[SCENE_KEYS_MAX];
    help_list_add(left, NULL, "Pages");
    help_list_add(left, u ? "\xE2\x86\x92 n l PgDn" : "-> n l PgDn", "next page");
    help_list_add(left, u ? "\xE2\x86\x90 p h PgUp" : "<- p h PgUp", "previous page");
    help_list_add(left, "N", "next lesson");
    help_list_add(left, "P", "previous lesson");
    help_list_add(left, u ? "\xE2\x86\x91 \xE2\x86\x93" : "up down", "scroll the text");
    help_list_add(left, "m", "lesson menu");
    help_list_add(left, "g", "your results");
    help_list_add(left, "?", "this help");
    help_list_add(left, "Ctrl-L", "redraw the screen");
    help_list_add(left, "q", "quit (place saved)");
    CheckState *open = tutor_open_check(t);
    bool retry = !open && t->check_last >= 0 && check_can_retry(&t->checks[t->check_last]);
    if (t->check_held || retry) {
        help_list_add(left, NULL, "");
        help_list_add(left, NULL, "Question");
        if (retry)
            help_list_add(left, "t", "try it again (the score keeps the first)");
        if (t->check_held)
            help_list_add(left, "Enter", "next question");
    } else if (open) {
        help_list_add(left, NULL, "");
        help_list_add(left, NULL, "Question");
        if (open->cp->kind == CHECKPOINT_CHOICE)
            help_list_add(left, "a b c ...", "pick your answer");
        else {
            help_list_add(left, "0-9 . -", "type a number");
            help_list_add(left, "Backspace", "erase");
            help_list_add(left, "Enter", "check it");
        }
    }
    if (t->scene && scene_animates(t->scene)) {
        help_list_add(right, NULL, "Scene");
        help_list_add(right, "Space", "play / pause");
        help_list_add(right, ".", "one step");
        help_list_add(right, "+ -", "faster / slower");
    } else if (t->scene) {
        help_list_add(right, NULL, "Scene");
    }
    const LessonPage *page = tutor_page_ptr(t);
    bool has_scene = page && strcmp(page->scene->name, "none") != 0;
    if (t->scene && !has_scene)
        right->n = 0;
    if (t->scene && has_scene) {
        help_list_add(right, "r", "restart, same seed");
        help_list_add(right, "R", "restart, new seed");
    }
    if (has_scene)
        help_list_add(right, "z Tab", "zoom the scene");
    int k = t->scene ? scene_keys(t->scene, keys) : 0;
    if (k > 0) {
        help_list_add(right, NULL, "");
        help_list_add(right, NULL, "This scene's knobs");
        for (int i = 0; i < k && i < SCENE_KEYS_MAX; i++) {
            bool shadowed = open && check_shadows_hint(open, keys[i].key);
            help_list_add(right, keys[i].key, shadowed ? "(after the question)" : keys[i].label);
        }
    }
}

const TutorScreen screen_page = {
    .name = "page", .runs_scene = true, .create = page_create, .destroy = page_destroy, .enter = page_enter,
    .page_opened = page_opened, .resize = page_resize, .draw = page_draw, .key = page_key, .help = page_help,
};
