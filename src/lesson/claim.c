/* Claims and live references: parsing "scene:a[2] > 2 * scene:b[0] after 300 steps" and checking it against live values (lesson layer). */
#include "lesson/claim.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/parse.h"

enum { NAME_MAX_LEN = 64 };

static void say(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
}

static const char *skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* ---- live references ---- */

bool lesson_live_parse(const CatalogScene *scene, const char *text, LessonLiveRef *out, char *why, size_t size)
{
    memset(out, 0, sizeof *out);
    const char *p = text + (strncmp(text, "scene:", 6) == 0 ? 6 : 0);
    char name[NAME_MAX_LEN];
    size_t n = 0;
    while ((isalnum((unsigned char)p[n]) || p[n] == '_') && n < sizeof name - 1)
        n++;
    memcpy(name, p, n);
    name[n] = '\0';
    p += n;
    int count = 0;
    int index[CATALOG_LIVE_INDEX_MAX + 1];
    while (*p == '[') {
        long v;
        char digits[16];
        const char *close = strchr(p, ']');
        size_t len = close ? (size_t)(close - p - 1) : 0;
        if (!close || len == 0 || len >= sizeof digits) {
            say(why, size, "bad index in '%.60s' (write it like scene:running_mean[0])", text);
            return false;
        }
        memcpy(digits, p + 1, len);
        digits[len] = '\0';
        if (!parse_long(digits, 0, CLAIM_LIVE_INDEX_LIMIT, &v)) {
            say(why, size, "index '%s' in '%.60s' must be a whole number from 0 to %d", digits, text,
                CLAIM_LIVE_INDEX_LIMIT);
            return false;
        }
        if (count > CATALOG_LIVE_INDEX_MAX) {
            say(why, size, "too many indices in '%.60s'", text);
            return false;
        }
        index[count++] = (int)v;
        p = close + 1;
    }
    if (n == 0 || *skip_blanks(p) != '\0') {
        say(why, size, "bad live value '%.60s' (write it like scene:running_mean[0])", text);
        return false;
    }
    const CatalogLive *live = catalog_scene_live(scene, name);
    if (!live) {
        const char *names[64];
        int k = scene->live_count < 64 ? scene->live_count : 64;
        for (int i = 0; i < k; i++)
            names[i] = scene->lives[i].name;
        const char *near = catalog_closest(name, names, k);
        if (k == 0) {
            say(why, size, "scene '%s' publishes no live values", scene->name);
        } else if (near) {
            say(why, size, "scene '%s' publishes no live value '%s' (did you mean '%s'?)", scene->name, name, near);
        } else {
            char known[1024];
            size_t used = 0;
            known[0] = '\0';
            for (int i = 0; i < k && used + 1 < sizeof known; i++) {
                int w = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", names[i]);
                if (w < 0)
                    break;
                used += (size_t)w;
            }
            say(why, size, "scene '%s' publishes no live value '%s' (it publishes: %s)", scene->name, name, known);
        }
        return false;
    }
    if (count != live->indices) {
        say(why, size, "live value '%s' takes %d ind%s, not %d", name, live->indices,
            live->indices == 1 ? "ex" : "ices", count);
        return false;
    }
    out->live = live;
    for (int i = 0; i < count; i++)
        out->index[i] = index[i];
    return true;
}

const char *lesson_live_format(const LessonLiveRef *ref, char *buf, size_t size)
{
    int used = snprintf(buf, size, "scene:%s", ref->live ? ref->live->name : "?");
    for (int i = 0; ref->live && i < ref->live->indices && used >= 0 && (size_t)used < size; i++)
        used += snprintf(buf + used, size - (size_t)used, "[%d]", ref->index[i]);
    return buf;
}

/* ---- the expression parser: recursive descent over the claim's text ---- */

typedef struct ClaimParser {
    const CatalogScene *scene;
    const char *text;
    const char *p;
    LessonClaim *claim;
    char *why;
    size_t why_size;
    bool failed;
    int depth;
} ClaimParser;

static void claim_fail(ClaimParser *P, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void claim_fail(ClaimParser *P, const char *fmt, ...)
{
    if (P->failed)
        return;
    P->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(P->why, P->why_size, fmt, ap);
    va_end(ap);
}

static int column(const ClaimParser *P) { return (int)(P->p - P->text) + 1; }

static int add_node(ClaimParser *P, ClaimNode node)
{
    LessonClaim *c = P->claim;
    if (c->node_count >= CLAIM_NODE_MAX) {
        claim_fail(P, "the claim is too long (at most %d numbers, values and operators)", CLAIM_NODE_MAX);
        return 0;
    }
    c->nodes[c->node_count] = node;
    return c->node_count++;
}

static bool is_name_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* A word of letters at p (abs, min, after ...): its length, 0 when p is not at a word. */
static size_t word_at(const char *p)
{
    size_t n = 0;
    while (isalpha((unsigned char)p[n]))
        n++;
    return n;
}

static int parse_sum(ClaimParser *P);

static int parse_call(ClaimParser *P, ClaimNodeKind kind, int operands, const char *name)
{
    P->p = skip_blanks(P->p);
    if (*P->p != '(') {
        claim_fail(P, "'%s' needs parentheses, like %s(%s), at column %d", name, name, operands == 1 ? "x" : "x, y",
             column(P));
        return 0;
    }
    P->p++;
    ClaimNode node = { .kind = kind };
    node.a = parse_sum(P);
    if (operands == 2) {
        P->p = skip_blanks(P->p);
        if (*P->p != ',') {
            claim_fail(P, "'%s' takes two values, like %s(x, y): ',' expected at column %d", name, name, column(P));
            return 0;
        }
        P->p++;
        node.b = parse_sum(P);
    }
    P->p = skip_blanks(P->p);
    if (*P->p != ')') {
        claim_fail(P, "')' expected at column %d to close '%s('", column(P), name);
        return 0;
    }
    P->p++;
    return add_node(P, node);
}

static int parse_atom(ClaimParser *P)
{
    P->p = skip_blanks(P->p);
    const char *p = P->p;
    if (P->failed)
        return 0;
    if (++P->depth > CLAIM_NODE_MAX) {
        claim_fail(P, "the claim nests too deeply");
        return 0;
    }
    int result = 0;
    if (*p == '(') {
        P->p++;
        result = parse_sum(P);
        P->p = skip_blanks(P->p);
        if (*P->p != ')')
            claim_fail(P, "')' expected at column %d", column(P));
        else
            P->p++;
    } else if (*p == '-') {
        P->p++;
        ClaimNode node = { .kind = CLAIM_NEG };
        node.a = parse_atom(P);
        result = add_node(P, node);
    } else if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
        /* Digits, a point and an exponent only: strtod alone would also take "inf" or hex. */
        const char *q = p;
        while (isdigit((unsigned char)*q) || *q == '.')
            q++;
        if ((*q == 'e' || *q == 'E') &&
            (isdigit((unsigned char)q[1]) || ((q[1] == '-' || q[1] == '+') && isdigit((unsigned char)q[2])))) {
            q += 2;
            while (isdigit((unsigned char)*q))
                q++;
        }
        char buf[64];
        size_t len = (size_t)(q - p);
        double v;
        if (len >= sizeof buf) {
            claim_fail(P, "number too long at column %d", column(P));
            return 0;
        }
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (!parse_double(buf, &v) || !isfinite(v)) {
            claim_fail(P, "'%s' at column %d is not a number", buf, column(P));
            return 0;
        }
        P->p = q;
        result = add_node(P, (ClaimNode){ .kind = CLAIM_NUMBER, .number = v });
    } else if (strncmp(p, "scene:", 6) == 0) {
        const char *q = p + 6;
        while (is_name_char(*q))
            q++;
        while (*q == '[') {
            const char *close = strchr(q, ']');
            q = close ? close + 1 : q + strlen(q);
        }
        char buf[256];
        size_t len = (size_t)(q - p);
        if (len >= sizeof buf)
            len = sizeof buf - 1;
        memcpy(buf, p, len);
        buf[len] = '\0';
        ClaimNode node = { .kind = CLAIM_LIVE };
        char why[1200];
        if (!lesson_live_parse(P->scene, buf, &node.ref, why, sizeof why)) {
            claim_fail(P, "%s", why);
            return 0;
        }
        P->p = q;
        result = add_node(P, node);
    } else if (word_at(p) > 0) {
        size_t n = word_at(p);
        P->p += n;
        if (n == 3 && strncmp(p, "abs", 3) == 0)
            result = parse_call(P, CLAIM_ABS, 1, "abs");
        else if (n == 3 && strncmp(p, "min", 3) == 0)
            result = parse_call(P, CLAIM_MIN, 2, "min");
        else if (n == 3 && strncmp(p, "max", 3) == 0)
            result = parse_call(P, CLAIM_MAX, 2, "max");
        else
            claim_fail(P, "unknown word '%.*s' at column %d (a claim uses numbers, scene:VALUE, + - * /, abs(), "
                 "min(), max() and < <= > >=)", (int)n, p, (int)(p - P->text) + 1);
    } else if (*p == '\0') {
        claim_fail(P, "a value is missing at the end of the claim");
    } else {
        claim_fail(P, "a value is expected at column %d, not '%.20s'", column(P), p);
    }
    P->depth--;
    return result;
}

static int parse_product(ClaimParser *P)
{
    int left = parse_atom(P);
    for (;;) {
        P->p = skip_blanks(P->p);
        char op = *P->p;
        if (P->failed || (op != '*' && op != '/'))
            return left;
        P->p++;
        ClaimNode node = { .kind = op == '*' ? CLAIM_MUL : CLAIM_DIV, .a = left };
        node.b = parse_atom(P);
        left = add_node(P, node);
    }
}

static int parse_sum(ClaimParser *P)
{
    int left = parse_product(P);
    for (;;) {
        P->p = skip_blanks(P->p);
        char op = *P->p;
        if (P->failed || (op != '+' && op != '-'))
            return left;
        P->p++;
        ClaimNode node = { .kind = op == '+' ? CLAIM_ADD : CLAIM_SUB, .a = left };
        node.b = parse_product(P);
        left = add_node(P, node);
    }
}

static char *trimmed_copy(const char *from, const char *to)
{
    from = skip_blanks(from);
    while (to > from && (to[-1] == ' ' || to[-1] == '\t'))
        to--;
    size_t n = (size_t)(to - from);
    char *s = xmalloc(n + 1);
    memcpy(s, from, n);
    s[n] = '\0';
    return s;
}

/* "after N steps" / "after N step" / "when done" at p (blanks before it already skipped). */
static void parse_when(ClaimParser *P)
{
    const char *p = P->p;
    LessonClaim *c = P->claim;
    if (strncmp(p, "when", 4) == 0 && word_at(p) == 4) {
        const char *q = skip_blanks(p + 4);
        if (strncmp(q, "done", 4) != 0 || is_name_char(q[4]) || *skip_blanks(q + 4) != '\0') {
            claim_fail(P, "write 'when done' (checked once the scene has finished by itself)");
            return;
        }
        c->when = CLAIM_WHEN_DONE;
        return;
    }
    if (strncmp(p, "after", 5) != 0 || word_at(p) != 5) {
        claim_fail(P, "unexpected '%.30s' at column %d (a claim ends after its condition, or with 'after N steps' or "
             "'when done')", p, column(P));
        return;
    }
    const char *q = skip_blanks(p + 5);
    const char *digits = q;
    while (isdigit((unsigned char)*q))
        q++;
    char buf[16];
    size_t len = (size_t)(q - digits);
    long steps;
    if (len == 0 || len >= sizeof buf) {
        claim_fail(P, "'after' needs a number of steps, like 'after 300 steps'");
        return;
    }
    memcpy(buf, digits, len);
    buf[len] = '\0';
    if (!parse_long(buf, 0, CLAIM_STEPS_MAX, &steps)) {
        claim_fail(P, "'after %s steps': the steps must be a whole number from 0 to %d", buf, CLAIM_STEPS_MAX);
        return;
    }
    q = skip_blanks(q);
    size_t n = word_at(q);
    if (!((n == 5 && strncmp(q, "steps", 5) == 0) || (n == 4 && strncmp(q, "step", 4) == 0)) ||
        *skip_blanks(q + n) != '\0') {
        claim_fail(P, "write 'after %ld steps' at the end of the claim", steps);
        return;
    }
    c->when = CLAIM_AFTER_STEPS;
    c->steps = steps;
}

bool claim_parse(const CatalogScene *scene, const char *text, LessonClaim *out, char *why, size_t size)
{
    memset(out, 0, sizeof *out);
    out->checkpoint = -1;
    out->nodes = xcalloc(CLAIM_NODE_MAX, sizeof *out->nodes);
    ClaimParser P = { .scene = scene, .text = text, .p = text, .claim = out, .why = why, .why_size = size };
    if (*skip_blanks(text) == '\0') {
        claim_fail(&P, "'claim' needs a condition, like: claim scene:loss < 0.5");
        claim_free(out);
        return false;
    }
    out->left = parse_sum(&P);
    const char *left_end = P.p;
    P.p = skip_blanks(P.p);
    const char *op = P.p;
    if (!P.failed) {
        if (op[0] == '<' || op[0] == '>') {
            bool equal = op[1] == '=';
            out->compare = op[0] == '<' ? (equal ? CLAIM_LE : CLAIM_LT) : (equal ? CLAIM_GE : CLAIM_GT);
            P.p += equal ? 2 : 1;
        } else if (op[0] == '=' || (op[0] == '!' && op[1] == '=')) {
            claim_fail(&P, "'%.*s' at column %d: a claim compares with <, <=, > or >= (numbers from a simulation are "
                 "never exactly equal: write abs(a - b) < 0.01)", op[1] == '=' ? 2 : 1, op, column(&P));
        } else if (*op == '\0') {
            claim_fail(&P, "the claim has no comparison: write it as A < B, A <= B, A > B or A >= B");
        } else {
            claim_fail(&P, "'<', '<=', '>' or '>=' expected at column %d, not '%.20s'", column(&P), op);
        }
    }
    const char *right_start = P.p;
    if (!P.failed)
        out->right = parse_sum(&P);
    const char *right_end = P.p;
    P.p = skip_blanks(P.p);
    if (!P.failed && *P.p != '\0')
        parse_when(&P);
    if (P.failed) {
        claim_free(out);
        return false;
    }
    out->text = trimmed_copy(text, right_end);
    out->left_text = trimmed_copy(text, left_end);
    out->right_text = trimmed_copy(right_start, right_end);
    return true;
}

void claim_free(LessonClaim *claim)
{
    if (!claim)
        return;
    free(claim->nodes);
    free(claim->text);
    free(claim->left_text);
    free(claim->right_text);
    claim->nodes = NULL;
    claim->text = claim->left_text = claim->right_text = NULL;
    claim->node_count = 0;
}

/* ---- checking ---- */

typedef struct Eval {
    const LessonClaim *claim;
    ClaimLookup lookup;
    void *ctx;
    bool missing;
    const LessonLiveRef *missing_ref;
    double values[CLAIM_NODE_MAX];      /* each live node's value, for the report */
} Eval;

static double eval_node(Eval *E, int i)
{
    const ClaimNode *n = &E->claim->nodes[i];
    switch (n->kind) {
    case CLAIM_NUMBER:
        return n->number;
    case CLAIM_LIVE: {
        double v = NAN;
        if (!E->lookup(E->ctx, &n->ref, &v) || !isfinite(v)) {
            if (!E->missing)
                E->missing_ref = &n->ref;
            E->missing = true;
            v = NAN;
        }
        E->values[i] = v;
        return v;
    }
    case CLAIM_NEG:
        return -eval_node(E, n->a);
    case CLAIM_ABS:
        return fabs(eval_node(E, n->a));
    case CLAIM_ADD:
        return eval_node(E, n->a) + eval_node(E, n->b);
    case CLAIM_SUB:
        return eval_node(E, n->a) - eval_node(E, n->b);
    case CLAIM_MUL:
        return eval_node(E, n->a) * eval_node(E, n->b);
    case CLAIM_DIV:
        return eval_node(E, n->a) / eval_node(E, n->b);
    case CLAIM_MIN:
        return fmin(eval_node(E, n->a), eval_node(E, n->b));
    case CLAIM_MAX:
        return fmax(eval_node(E, n->a), eval_node(E, n->b));
    }
    return NAN;
}

/* Appends to buf (NUL-terminated, size bytes in all). */
static void append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

/* Whether the subtree at i is one live value (reported as "ref = v") or a number (reported as is). */
static bool in_subtree(const LessonClaim *c, int root, int i)
{
    if (root == i)
        return true;
    const ClaimNode *n = &c->nodes[root];
    switch (n->kind) {
    case CLAIM_NUMBER: case CLAIM_LIVE:
        return false;
    case CLAIM_NEG: case CLAIM_ABS:
        return in_subtree(c, n->a, i);
    default:
        return in_subtree(c, n->a, i) || in_subtree(c, n->b, i);
    }
}

static void describe_side(const Eval *E, int root, const char *text, double value, char *buf, size_t size)
{
    const ClaimNode *n = &E->claim->nodes[root];
    if (n->kind == CLAIM_NUMBER)
        append(buf, size, "%s", text);
    else
        append(buf, size, "%s = %.4g", text, value);
}

/* ", scene:a = 1, scene:b = 2" for the live values inside composite sides. */
static void describe_values(const Eval *E, char *buf, size_t size)
{
    const LessonClaim *c = E->claim;
    bool first = true;
    for (int i = 0; i < c->node_count; i++) {
        if (c->nodes[i].kind != CLAIM_LIVE || i == c->left || i == c->right)
            continue;
        if (!in_subtree(c, c->left, i) && !in_subtree(c, c->right, i))
            continue;
        char name[96];
        append(buf, size, "%s%s = %.4g", first ? " (with " : ", ", lesson_live_format(&c->nodes[i].ref, name, sizeof name),
               E->values[i]);
        first = false;
    }
    if (!first)
        append(buf, size, ")");
}

ClaimVerdict claim_check(const LessonClaim *claim, ClaimLookup lookup, void *ctx, char *report, size_t size)
{
    static const char *const ops[] = { "<", "<=", ">", ">=" };
    Eval E = { .claim = claim, .lookup = lookup, .ctx = ctx };
    for (int i = 0; i < CLAIM_NODE_MAX; i++)
        E.values[i] = NAN;
    double left = eval_node(&E, claim->left);
    double right = eval_node(&E, claim->right);
    report[0] = '\0';
    if (E.missing) {
        char name[96];
        append(report, size, "%s has no value", lesson_live_format(E.missing_ref, name, sizeof name));
        return CLAIM_NO_VALUE;
    }
    bool holds = false;
    switch (claim->compare) {
    case CLAIM_LT: holds = left < right; break;
    case CLAIM_LE: holds = left <= right; break;
    case CLAIM_GT: holds = left > right; break;
    case CLAIM_GE: holds = left >= right; break;
    }
    describe_side(&E, claim->left, claim->left_text, left, report, size);
    append(report, size, " %s ", ops[claim->compare]);
    describe_side(&E, claim->right, claim->right_text, right, report, size);
    append(report, size, " is %s", holds ? "true" : "false");
    describe_values(&E, report, size);
    return holds ? CLAIM_HOLDS : CLAIM_FALSE;
}
