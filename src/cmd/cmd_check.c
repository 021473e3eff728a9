/* Placeholder for the 'check' subcommand until it is written (top layer). */
#include <stdio.h>

#include "cmd/cmd.h"

int cmd_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "bntutor: 'check' is not available yet\n");
    return 1;
}
