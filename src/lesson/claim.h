/* Claims: what a page states about its scene, as a condition on live values that `check --verify` proves (lesson layer). */
#ifndef BNTUTOR_LESSON_CLAIM_H
#define BNTUTOR_LESSON_CLAIM_H

#include <stdbool.h>
#include <stddef.h>

#include "lesson/catalog.h"

enum {
    CLAIM_NODE_MAX = 64,            /* values and operators in one claim */
    CLAIM_LIVE_INDEX_LIMIT = 99999, /* largest index a live reference may name */
    CLAIM_STEPS_MAX = 10000000,     /* 'after N steps' */
};

/* A live value of the page's scene named in a lesson: scene:running_mean[0]. */
typedef struct LessonLiveRef {
    const CatalogLive *live;
    int index[CATALOG_LIVE_INDEX_MAX];  /* (live->indices) of them */
} LessonLiveRef;

typedef enum ClaimNodeKind {
    CLAIM_NUMBER, CLAIM_LIVE, CLAIM_NEG, CLAIM_ADD, CLAIM_SUB, CLAIM_MUL, CLAIM_DIV, CLAIM_ABS, CLAIM_MIN,
    CLAIM_MAX,
} ClaimNodeKind;

/* One node of an arithmetic expression; operands are indices of earlier nodes. */
typedef struct ClaimNode {
    ClaimNodeKind kind;
    double number;                  /* CLAIM_NUMBER */
    LessonLiveRef ref;              /* CLAIM_LIVE */
    int a, b;                       /* operands (b only for two-operand kinds) */
} ClaimNode;

typedef enum ClaimCompare { CLAIM_LT, CLAIM_LE, CLAIM_GT, CLAIM_GE } ClaimCompare;

/* When a claim is checked: how many steps the page's scene has run. */
typedef enum ClaimWhen {
    CLAIM_AT_RUN_END,               /* the page's 'steps' when its scene has that setting, else as it opens */
    CLAIM_AFTER_STEPS,              /* 'after N steps' */
    CLAIM_WHEN_DONE,                /* 'when done': once the scene has finished by itself (it halts) */
} ClaimWhen;

typedef struct LessonClaim {
    int line;
    char *text;                     /* the condition as written, without 'claim' and 'after ...' */
    char *left_text, *right_text;   /* the two sides as written, for reports */
    ClaimNode *nodes;               /* (node_count) */
    int node_count;
    int left, right;                /* root nodes of the two sides */
    ClaimCompare compare;
    ClaimWhen when;
    long steps;                     /* CLAIM_AFTER_STEPS */
    int checkpoint;                 /* the page's checkpoint whose answer key rests on it; -1: the page's own */
} LessonClaim;

/* Parses the live value written in `text` ("scene:name[i][j]", nothing after it) against the scene's
 * published values. False with a sentence in why ("scene 'x' publishes no live value 'y' ..."). */
bool lesson_live_parse(const CatalogScene *scene, const char *text, LessonLiveRef *out, char *why, size_t size);

/* Parses the text after 'claim': CONDITION [after N steps | when done], where CONDITION compares two
 * expressions with <, <=, >, >= and an expression is built from numbers, live values, + - * /,
 * parentheses, abs(x), min(x, y) and max(x, y). False with a sentence in why. */
bool claim_parse(const CatalogScene *scene, const char *text, LessonClaim *out, char *why, size_t size);
void claim_free(LessonClaim *claim);       /* the claim's contents; accepts NULL */

/* Reads one live value now; false when the scene cannot give it. */
typedef bool (*ClaimLookup)(void *ctx, const LessonLiveRef *ref, double *out);

typedef enum ClaimVerdict { CLAIM_HOLDS, CLAIM_FALSE, CLAIM_NO_VALUE } ClaimVerdict;

/* Evaluates the claim and describes it with its values in report, e.g.
 * "scene:bn_error[2] = 0.213 > scene:bn_error[32] = 0.22 is false". */
ClaimVerdict claim_check(const LessonClaim *claim, ClaimLookup lookup, void *ctx, char *report, size_t size);

/* The live value's name with its indices: "running_mean[0]". */
const char *lesson_live_format(const LessonLiveRef *ref, char *buf, size_t size);

#endif
