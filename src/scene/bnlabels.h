/* Symbols and number formatting shared by the BN scenes, in Unicode or plain ASCII (scene layer). */
#ifndef BNTUTOR_SCENE_BNLABELS_H
#define BNTUTOR_SCENE_BNLABELS_H

#include <stdbool.h>

#include "view/canvas.h"
#include "view/format.h"
#include "view/rect.h"

/* The names a formula needs; ASCII canvases get words ("mu", "gamma") rather than fallbacks. */
typedef struct BnSymbols {
    const char *mu, *var, *sd, *eps, *gamma, *beta, *alpha, *sqrt, *dot, *minus, *sum, *arrow, *times,
        *xhat, *approx, *half, *dgamma, *dbeta, *partial;
} BnSymbols;

const BnSymbols *bnlabels_symbols(bool unicode);

enum { BNLABELS_SLOTS = 12 };

/* A few formatted numbers at once for one snprintf: each call returns the next slot (reused cyclically). */
typedef struct BnNumbers {
    char slot[BNLABELS_SLOTS][FORMAT_MAX];
    int next;
    bool unicode;
    int sig;
} BnNumbers;

void bnlabels_numbers_init(BnNumbers *numbers, bool unicode, int sig);
const char *bnlabels_num(BnNumbers *numbers, double v);
/* The same, in parentheses when negative, for a number that follows an operator: "2 − (−1.5)". */
const char *bnlabels_term(BnNumbers *numbers, double v);
/* Every scene's one number formatter: v into buf (FORMAT_MAX bytes) with sig significant digits. */
const char *bnlabels_number(char *buf, double v, int sig, bool unicode);

#endif
