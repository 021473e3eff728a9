/* Test helper (tests/support): a shell command run to its end with its standard output and error captured. */
#ifndef BNTUTOR_TESTS_COMMAND_H
#define BNTUTOR_TESTS_COMMAND_H

typedef struct CommandRun {
    int status;         /* exit status, or -1 when the program did not exit normally */
    char *out, *err;    /* captured standard output and error */
} CommandRun;

/* Runs the shell command printf(format, ...) with its standard output and error going to dir/out and
 * dir/err, and reads both back; fails the test when they cannot be read. */
CommandRun command_run(const char *dir, const char *format, ...) __attribute__((format(printf, 2, 3)));
void command_run_free(CommandRun *run);

#endif
