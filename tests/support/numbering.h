/* Test helper: finds a thing a learner reads numbered from 0 ("feature 0", "ch0", "image 0"), since
 * every scene, lesson and the calculator number features, channels, images, units and groups from 1. */
#ifndef BNTUTOR_TESTS_NUMBERING_H
#define BNTUTOR_TESTS_NUMBERING_H

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* The words that number something; "c", "ch" and "t" are channel and token labels written without a space
 * ("ch0", "t0c1"). */
static const char *const numbering_words[] = {
    "feat", "feature", "features", "channel", "channels", "ch", "c", "image", "images", "img", "unit", "units",
    "group", "groups", "sample", "samples", "token", "tokens", "t", "set", "layer", "block", "showing", "#",
};

static inline bool numbering_is_word_char(char ch) { return isalpha((unsigned char)ch) || ch == '#'; }

/* Where a numbered label reads 0 (the "0" itself), or NULL. A count such as "batch 0 of 300" or a value
 * ("mean 0.32") is not a label: only the words above count, and a 0 that starts a longer number is skipped. */
static inline const char *numbering_find_zero(const char *text)
{
    for (const char *p = text; (p = strchr(p, '0')) != NULL; p++) {
        if (isdigit((unsigned char)p[1]) || p[1] == '.' || (p[1] == ',' && isdigit((unsigned char)p[2])))
            continue;
        if (p > text && (isdigit((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '-'))
            continue;
        const char *end = p;
        if (end > text && end[-1] == ' ')
            end--;
        const char *start = end;
        while (start > text && numbering_is_word_char(start[-1]) && end - start < 16)
            start--;
        size_t len = (size_t)(end - start);
        if (len == 0)
            continue;
        for (size_t w = 0; w < sizeof numbering_words / sizeof numbering_words[0]; w++)
            if (strlen(numbering_words[w]) == len && strncmp(start, numbering_words[w], len) == 0)
                return p;
    }
    return NULL;
}

#endif
