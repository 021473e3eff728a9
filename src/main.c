/* bntutor's entry point: global options and dispatch to the subcommands (top layer). */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "scene/scene.h"

static const char usage_text[] =
    "Usage: bntutor [OPTIONS]              start the interactive tutor\n"
    "       bntutor list                   lessons with titles, page counts and progress\n"
    "       bntutor results [--csv|--json] [--lessons-dir=DIR]\n"
    "                                      your first answer to every question, for a teacher\n"
    "                                      (bntutor results --help)\n"
    "       bntutor check FILE...          lint lesson files\n"
    "       bntutor check --verify [--seeds=A-B] [--data=synthetic|idx:DIR] FILE...\n"
    "                                      also prove each claim on every seed (bntutor check --help)\n"
    "       bntutor render --lesson=N --page=P [--size=WxH] [--steps=K] [--ascii] [--color]\n"
    "                      [--format=text|ansi|svg] [--theme=NAME] [--zoom] [--seed=S]\n"
    "                      [--lessons-dir=DIR]\n"
    "                                      print one page (bntutor render --help)\n"
    "       bntutor export --format=asciicast FILE\n"
    "                                      a --record file as an asciicast (bntutor export --help)\n"
    "       bntutor bn [OPTIONS] [FILE|-]  the batch-norm calculator (bntutor bn --help)\n"
    "       bntutor train [OPTIONS]        headless training, history as CSV (bntutor train --help)\n"
    "       bntutor cache build [--data=DIR]\n"
    "                                      (as root) unpack a dataset once into the system-wide cache\n"
    "                                      that every learner reads (bntutor cache --help)\n"
    "\n"
    "Tutor options:\n"
    "  --lesson=N         start at lesson N\n"
    "  --page=P           start at page P of that lesson\n"
    "  --seed=S           seed for every random choice (a seed reproduces a session)\n"
    "  --theme=NAME       color theme: dark, light, contrast (default: light on a light terminal\n"
    "                     background, else dark; every theme paints its own background)\n"
    "  --ascii            draw with plain ASCII only (automatic inside shellinabox, whose font\n"
    "                     draws braille wider than a cell)\n"
    "  --no-color         no colors (also when NO_COLOR is set and non-empty)\n"
    "  --autoplay=SECS    advance pages by themselves every SECS seconds (at least 1); any key\n"
    "                     takes over; progress is shown but never changed\n"
    "  --lessons-dir=DIR  read lessons from DIR (its progress is kept apart from the shipped lessons')\n"
    "  --reset-progress   forget saved progress (asks first; the old file is kept as progress.bak)\n"
    "  --record=FILE      save the seed and every key with its time to FILE (mode 0600)\n"
    "  --replay=FILE      play a recorded session back exactly; any key takes over; progress is\n"
    "                     never changed (a record may ask at most 10000 steps a frame, 1000000 in all)\n"
    "  --help             this text\n"
    "  --version          version number\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure, 2 usage error.\n";

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    scene_catalog_install();    /* the lesson parser checks pages against the scenes' own tables */
    if (argc >= 2) {
        const char *sub = argv[1];
        if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (strcmp(sub, "--version") == 0) {
            printf("bntutor %s\n", BNTUTOR_VERSION);
            return 0;
        }
        static const struct { const char *name; int (*run)(int, char **); } subcommands[] = {
            { "bn", cmd_bn }, { "train", cmd_train }, { "render", cmd_render },
            { "check", cmd_check }, { "list", cmd_list }, { "results", cmd_results }, { "export", cmd_export }, { "cache", cmd_cache },
        };
        for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
            if (strcmp(sub, subcommands[i].name) == 0)
                return subcommands[i].run(argc - 1, argv + 1);
        if (sub[0] != '-') {
            fprintf(stderr, "bntutor: unknown command '%s' (try 'bntutor --help')\n", sub);
            return 2;
        }
    }
    return cmd_tutor(argc, argv);
}
