/* Placeholder for the 'train' subcommand until it is written (top layer). */
#include <stdio.h>

#include "cmd/cmd.h"

int cmd_train(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "bntutor: 'train' is not available yet\n");
    return 1;
}
