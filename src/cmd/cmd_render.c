/* Placeholder for the 'render' subcommand until it is written (top layer). */
#include <stdio.h>

#include "cmd/cmd.h"

int cmd_render(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "bntutor: 'render' is not available yet\n");
    return 1;
}
