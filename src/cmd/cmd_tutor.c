/* Placeholder for the 'tutor' subcommand until it is written (top layer). */
#include <stdio.h>

#include "cmd/cmd.h"

int cmd_tutor(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "bntutor: 'tutor' is not available yet\n");
    return 1;
}
