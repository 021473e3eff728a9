/* Entry points of the subcommands that main.c dispatches to (top layer, beside main.c). */
#ifndef BNTUTOR_CMD_CMD_H
#define BNTUTOR_CMD_CMD_H

/* Each takes the arguments after the subcommand name (argv[0] is the subcommand) and returns
 * the exit status: 0 success, 1 runtime/data failure, 2 usage error. Messages go to stderr. */
int cmd_bn(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_results(int argc, char **argv);
int cmd_cache(int argc, char **argv);
/* The interactive tutor; argv[0] is the program name. */
int cmd_tutor(int argc, char **argv);

#endif
