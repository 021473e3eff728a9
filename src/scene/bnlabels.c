/* Symbols and number formatting shared by the BN scenes, in Unicode or plain ASCII (scene layer). */
#include "scene/bnlabels.h"

#include <stdio.h>

static const BnSymbols unicode_symbols = {
    .mu = "μ", .var = "σ²", .sd = "σ", .eps = "ε", .gamma = "γ", .beta = "β", .alpha = "α", .sqrt = "√",
    .dot = "·", .minus = "−", .sum = "Σ", .arrow = "←", .times = "×", .xhat = "xhat", .approx = "≈",
    .half = "½", .dgamma = "dγ", .dbeta = "dβ", .partial = "∂",
};

static const BnSymbols ascii_symbols = {
    .mu = "mu", .var = "var", .sd = "sd", .eps = "eps", .gamma = "gamma", .beta = "beta", .alpha = "alpha",
    .sqrt = "sqrt", .dot = "*", .minus = "-", .sum = "sum", .arrow = "<-", .times = "x", .xhat = "xhat",
    .approx = "~", .half = "1/2", .dgamma = "dgamma", .dbeta = "dbeta", .partial = "d",
};

const BnSymbols *bnlabels_symbols(bool unicode) { return unicode ? &unicode_symbols : &ascii_symbols; }

void bnlabels_numbers_init(BnNumbers *numbers, bool unicode, int sig)
{
    numbers->next = 0;
    numbers->unicode = unicode;
    numbers->sig = sig;
}

const char *bnlabels_num(BnNumbers *numbers, double v)
{
    char *buf = numbers->slot[numbers->next];
    numbers->next = (numbers->next + 1) % BNLABELS_SLOTS;
    return format_number(buf, FORMAT_MAX, v, numbers->sig, numbers->unicode);
}

const char *bnlabels_term(BnNumbers *numbers, double v)
{
    const char *text = bnlabels_num(numbers, v);
    if (!(v < 0) || text[0] == '0')
        return text;
    char *buf = numbers->slot[numbers->next];
    numbers->next = (numbers->next + 1) % BNLABELS_SLOTS;
    snprintf(buf, FORMAT_MAX, "(%s)", text);
    return buf;
}

const char *bnlabels_number(char *buf, double v, int sig, bool unicode)
{
    return format_number(buf, FORMAT_MAX, v, sig, unicode);
}
