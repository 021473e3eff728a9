/* Small assertion helpers shared by the tests: closeness with context in the failure message. */
#ifndef BNTUTOR_TESTS_CHECK_H
#define BNTUTOR_TESTS_CHECK_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

/* |a − b| ≤ rel·max(|a|, |b|, floor): relative, with an absolute floor for values near zero. */
#define check_close(actual, expected, rel, floor_abs, ...)                                         \
    do {                                                                                           \
        double check_a_ = (actual), check_e_ = (expected);                                         \
        double check_s_ = fmax(fmax(fabs(check_a_), fabs(check_e_)), (floor_abs));                 \
        char check_m_[512];                                                                        \
        snprintf(check_m_, sizeof check_m_, __VA_ARGS__);                                          \
        cr_assert(fabs(check_a_ - check_e_) <= (rel) * check_s_,                                   \
                  "got %.17g, expected %.17g (rel %.3g): %s", check_a_, check_e_, (double)(rel),  \
                  check_m_);                                                                       \
    } while (0)

/* Path of the shared reference folder: $BNTUTOR_REFERENCE or ../shared/reference. */
const char *check_reference_dir(void);
/* Reads a whole file into a new NUL-terminated buffer (NULL if unreadable). */
char *check_read_file(const char *path, long *size_out);

#endif
