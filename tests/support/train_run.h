/* Test helper (tests/support): `bntutor train` run as the real binary in a scratch folder, output captured. */
#ifndef BNTUTOR_TESTS_TRAIN_RUN_H
#define BNTUTOR_TESTS_TRAIN_RUN_H

#include "support/command.h"

/* The scratch folder (a fresh /tmp/bntutor-train-XXXXXX per test): made by train_run_scratch_make, removed
 * with everything in it by train_run_scratch_remove; a suite's .init and .fini. */
extern char train_run_scratch[64];
void train_run_scratch_make(void);
void train_run_scratch_remove(void);
/* Runs `$BNTUTOR_BIN train ARGS` (ARGS already shell-quoted where needed; every "@" in it stands for the
 * scratch folder) and captures everything (command_run_free frees it). */
CommandRun train_run(const char *args);

#endif
