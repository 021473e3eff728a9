/* Answering one checkpoint: choice letters, a typed number, grading against fixed or live values (ui layer). */
#include "ui/checkpoint.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/parse.h"
#include "view/format.h"
#include "view/keys.h"
#include "view/unicode.h"

void check_begin(CheckState *s, const LessonCheckpoint *cp)
{
    memset(s, 0, sizeof *s);
    s->cp = cp;
    s->picked = -1;
}

uint32_t check_choice_letter(const LessonCheckpoint *cp, int i)
{
    const char *key = cp->choices[i].key;
    if (key && key[0] && !key[1] && (unsigned char)key[0] < 0x80)
        return (uint32_t)tolower((unsigned char)key[0]);
    if (key && isalpha((unsigned char)key[0])) {
        int first = tolower((unsigned char)key[0]);
        bool unique = true;
        for (int j = 0; j < cp->choice_count; j++)
            if (j != i && cp->choices[j].key && tolower((unsigned char)cp->choices[j].key[0]) == first)
                unique = false;
        if (unique)
            return (uint32_t)first;
    }
    return (uint32_t)('a' + i);
}

uint32_t check_choice_key(const CheckState *s, int i) { return check_choice_letter(s->cp, i); }

void check_answer_text(const CheckState *s, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!s->cp || s->status == CHECK_OPEN)
        return;
    if (s->cp->kind == CHECKPOINT_CHOICE && s->picked >= 0 && s->picked < s->cp->choice_count)
        snprintf(buf, size, "%s", s->cp->choices[s->picked].key);
    else if (s->cp->kind == CHECKPOINT_NUMBER && s->len > 0)
        snprintf(buf, size, "%s", s->input);
    else if (s->cp->kind == CHECKPOINT_NUMBER)
        snprintf(buf, size, "%.10g", s->guess);
}

bool check_can_retry(const CheckState *s) { return s->cp && s->status == CHECK_WRONG; }

void check_retry(CheckState *s)
{
    if (!check_can_retry(s))
        return;
    s->status = CHECK_OPEN;
    s->picked = -1;
    s->len = 0;
    s->input[0] = '\0';
    s->bad_input = false;
    s->feedback[0] = '\0';
}

/* Counts an answer; the first one's verdict is the one the score keeps. */
static void check_count_try(CheckState *s)
{
    if (s->tries++ == 0)
        s->first = s->status;
}

/* Appends printf text to buf (which holds a NUL-terminated string of at most size-1 bytes). */
static void append_bounded(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append_bounded(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

void check_answer_choice(CheckState *s, int choice)
{
    const LessonCheckpoint *cp = s->cp;
    if (!cp || cp->kind != CHECKPOINT_CHOICE || choice < 0 || choice >= cp->choice_count)
        return;
    s->picked = choice;
    s->status = choice == cp->answer ? CHECK_RIGHT : CHECK_WRONG;
    s->feedback[0] = '\0';
    const LessonChoice *right = &cp->choices[cp->answer];
    if (s->status == CHECK_RIGHT)
        append_bounded(s->feedback, sizeof s->feedback, "**Right:** %c) %s.", (char)check_choice_key(s, choice),
               right->text);
    else
        append_bounded(s->feedback, sizeof s->feedback, "**Not quite.** You picked %c) %s; the answer is %c) %s.",
               (char)check_choice_key(s, choice), cp->choices[choice].text,
               (char)check_choice_key(s, cp->answer), right->text);
    if (cp->choices[choice].explain)
        append_bounded(s->feedback, sizeof s->feedback, " %s", cp->choices[choice].explain);
    if (cp->explain)
        append_bounded(s->feedback, sizeof s->feedback, " %s", cp->explain);
    check_count_try(s);
}

void check_answer_number(CheckState *s, double guess, const Scene *scene, bool unicode)
{
    const LessonCheckpoint *cp = s->cp;
    if (!cp || cp->kind != CHECKPOINT_NUMBER)
        return;
    s->guess = guess;
    s->feedback[0] = '\0';
    char g[FORMAT_MAX], r[FORMAT_MAX], tol[FORMAT_MAX];
    format_number(g, sizeof g, guess, 6, unicode);
    double right = cp->value;
    if (cp->live) {
        if (!scene || !scene_live(scene, cp->live_value->name, cp->index, &right) || !isfinite(right)) {
            s->status = CHECK_UNGRADED;
            append_bounded(s->feedback, sizeof s->feedback, "You said %s. The scene cannot give this value right now, "
                   "so this one is not graded.", g);
            if (cp->explain)
                append_bounded(s->feedback, sizeof s->feedback, " %s", cp->explain);
            check_count_try(s);
            return;
        }
    }
    s->right = right;
    format_number(r, sizeof r, right, 4, unicode);
    bool ok = lesson_checkpoint_accepts(cp, right, guess);
    s->status = ok ? CHECK_RIGHT : CHECK_WRONG;
    if (cp->relative)
        snprintf(tol, sizeof tol, "%g%%", cp->tolerance * 100.0);
    else
        format_number(tol, sizeof tol, cp->tolerance, 3, unicode);
    const char *pm = unicode ? "\\pm" : "+/-";
    if (cp->live) {
        if (ok)
            append_bounded(s->feedback, sizeof s->feedback, "**Right:** on screen now it is %s (you said %s).", r, g);
        else
            append_bounded(s->feedback, sizeof s->feedback,
                           "**Not quite:** on screen now it is %s; you said %s (%s %s counts).", r, g, pm, tol);
    } else {
        if (ok)
            append_bounded(s->feedback, sizeof s->feedback, "**Right:** %s.", r);
        else if (cp->tolerance > 0.0)
            append_bounded(s->feedback, sizeof s->feedback,
                           "**Not quite:** the answer is %s (%s %s counts); you said %s.", r, pm, tol, g);
        else
            append_bounded(s->feedback, sizeof s->feedback,
                           "**Not quite:** the answer is %s; you said %s.", r, g);
    }
    if (cp->explain)
        append_bounded(s->feedback, sizeof s->feedback, " %s", cp->explain);
    check_count_try(s);
}

bool check_takes_key(const CheckState *s, int key)
{
    if (!s->cp || s->status != CHECK_OPEN)
        return false;
    if (s->cp->kind == CHECKPOINT_CHOICE) {
        int k = key < 0x80 && key >= 0 ? tolower(key) : key;
        for (int i = 0; i < s->cp->choice_count; i++)
            if ((int)check_choice_letter(s->cp, i) == k)
                return true;
        return false;
    }
    return (key >= '0' && key <= '9') || key == '.' || key == '-' || key == BK_BACKSPACE || key == BK_ENTER;
}

bool check_shadows_hint(const CheckState *s, const char *hint)
{
    uint32_t cp;
    int len = utf8_decode(hint, &cp);
    if (len > 0 && hint[len] == '\0')
        return check_takes_key(s, (int)cp);     /* one key, whatever it is ("/" too) */
    bool named = false;
    for (const char *p = hint; *p;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 1) {
            if (!check_takes_key(s, (unsigned char)p[0]))
                return false;
        } else if (n == 3 && p[1] == '-' && (unsigned char)p[0] < 0x80 && p[0] < p[2]) {
            for (int k = (unsigned char)p[0]; k <= (unsigned char)p[2]; k++)
                if (!check_takes_key(s, k))
                    return false;
        } else {
            return false;
        }
        named = true;
        p += n + (end ? 1 : 0);
    }
    return named;
}

CheckKey check_key(CheckState *s, int key, const Scene *scene, bool unicode)
{
    if (!check_takes_key(s, key))
        return CHECK_KEY_UNUSED;
    if (s->cp->kind == CHECKPOINT_CHOICE) {
        int k = tolower(key);
        for (int i = 0; i < s->cp->choice_count; i++)
            if ((int)check_choice_letter(s->cp, i) == k) {
                check_answer_choice(s, i);
                return CHECK_KEY_ANSWERED;
            }
        return CHECK_KEY_UNUSED;
    }
    s->bad_input = false;
    if (key == BK_BACKSPACE) {
        if (s->len > 0)
            s->input[--s->len] = '\0';
        return CHECK_KEY_USED;
    }
    if (key == BK_ENTER) {
        double guess;
        if (s->len == 0)
            return CHECK_KEY_USED;          /* nothing typed yet: Enter is not an answer */
        if (!parse_double(s->input, &guess)) {
            s->bad_input = true;
            return CHECK_KEY_USED;
        }
        check_answer_number(s, guess, scene, unicode);
        return CHECK_KEY_ANSWERED;
    }
    if (key == '-' && s->len > 0)
        return CHECK_KEY_USED;              /* a minus only leads */
    if (key == '.' && strchr(s->input, '.'))
        return CHECK_KEY_USED;
    if (s->len < CHECK_INPUT_MAX) {
        s->input[s->len++] = (char)key;
        s->input[s->len] = '\0';
    }
    return CHECK_KEY_USED;
}

void check_question_markup(const CheckState *s, int number, bool unicode, char *buf, size_t size)
{
    const LessonCheckpoint *cp = s->cp;
    buf[0] = '\0';
    if (!cp)
        return;
    append_bounded(buf, size, "**Question %d.** %s", number, cp->question);
    if (s->status == CHECK_OPEN) {
        if (cp->kind == CHECKPOINT_CHOICE) {
            for (int i = 0; i < cp->choice_count; i++)
                append_bounded(buf, size, "\n  **%c)** %s", (char)check_choice_key(s, i), cp->choices[i].text);
        }
        return;
    }
    append_bounded(buf, size, "\n%s", s->feedback);
    if (s->tries > 1)
        append_bounded(buf, size, " (Try %d: the score keeps your first answer.)", s->tries);
    if (check_can_retry(s))
        append_bounded(buf, size, "\nPress `t` to try again (the score keeps your first answer).");
    (void)unicode;
}
