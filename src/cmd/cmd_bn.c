/* Placeholder for the 'bn' subcommand until it is written (top layer). */
#include <stdio.h>

#include "cmd/cmd.h"

int cmd_bn(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "bntutor: 'bn' is not available yet\n");
    return 1;
}
