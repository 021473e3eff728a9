/* Tests of the layering rules over src/ (scripts/check-layers.sh): one layer per function name, no upward includes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/check.h"

typedef struct LayerRun {
    int status;             /* the script's exit status, -1 when it did not run */
    char *out;              /* its stdout and stderr together */
} LayerRun;

static LayerRun run_checker(const char *args)
{
    char tmpl[] = "/tmp/bntutor-layers-XXXXXX";
    int fd = mkstemp(tmpl);
    cr_assert_geq(fd, 0, "cannot make a temporary file for the checker's output");
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sh scripts/check-layers.sh %s >%s 2>&1", args, tmpl);
    int rc = system(cmd);
    LayerRun run = { .status = rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1 };
    run.out = check_read_file(tmpl, NULL);
    unlink(tmpl);
    cr_assert_not_null(run.out, "cannot read the checker's output");
    return run;
}

/* A scratch source tree: files written under a fresh temporary directory. */
static char tree[64];

static void tree_begin(void)
{
    snprintf(tree, sizeof tree, "/tmp/bntutor-src-XXXXXX");
    cr_assert_not_null(mkdtemp(tree), "cannot make a scratch source tree");
}

static void tree_write(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tree, rel);
    char dir[256];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    mkdir(dir, 0700);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static void tree_end(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tree);
    cr_expect_eq(system(cmd), 0, "cannot remove %s", tree);
}

Test(layers, the_project_sources_keep_both_rules)
{
    LayerRun run = run_checker("src");
    cr_expect_eq(run.status, 0, "scripts/check-layers.sh src found breaks of the layering rules:\n%s", run.out);
    free(run.out);
}

Test(layers, the_listing_finds_functions_of_every_layer_including_static_ones)
{
    LayerRun run = run_checker("--list src");
    cr_assert_eq(run.status, 0, "%s", run.out);
    /* One public and one static function per layer, as a sample of what the clash check compares. */
    const char *expect[] = {
        "engine batchnorm_forward_train src/engine/batchnorm.c:", "view canvas_put src/view/canvas.c:",
        "lesson lint_markup src/lesson/lesson.c:",          "ui check_question_markup src/ui/checkpoint.c:",
        "ui tutor_key src/ui/tutor.c:",                      "util pcg32_next src/util/pcg32.c:",
        "main main src/main.c:",
    };
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
        cr_expect_not_null(strstr(run.out, expect[i]), "the listing lacks \"%s\"", expect[i]);
    free(run.out);
}

Test(layers, a_name_defined_in_two_layers_is_reported_with_both_places)
{
    tree_begin();
    tree_write("lesson/lesson.c", "/* x */\nstatic void check_markup(Parser *P, const char *s,\n"
                                  "                         int col0)\n{\n    (void)P;\n}\n");
    tree_write("ui/checkpoint.c", "/* x */\nint helper_ok(void) { return 1; }\n"
                                  "void check_markup(const CheckState *s, int n)\n{\n}\n");
    tree_write("view/text.c", "/* x */\nint helper_ok(void);\nstatic int only_here(int a) { return a; }\n");
    char args[128];
    snprintf(args, sizeof args, "'%s'", tree);
    LayerRun run = run_checker(args);
    cr_expect_eq(run.status, 1, "a clash must fail the check:\n%s", run.out);
    cr_expect_not_null(strstr(run.out, "lesson/lesson.c:2: check_markup() is defined in more than one layer (lesson ui)"),
                       "the lesson definition (spread over two lines) is not named:\n%s", run.out);
    cr_expect_not_null(strstr(run.out, "ui/checkpoint.c:3: check_markup()"), "the ui definition is not named:\n%s",
                       run.out);
    /* A prototype is no definition: helper_ok lives in ui only. */
    cr_expect_null(strstr(run.out, "helper_ok"), "a prototype counted as a definition:\n%s", run.out);
    cr_expect_null(strstr(run.out, "only_here"), "%s", run.out);
    free(run.out);
    tree_end();
}

Test(layers, the_same_name_twice_in_one_layer_is_no_clash)
{
    tree_begin();
    tree_write("scene/scene_a.c", "/* x */\nstatic int num(int v) { return v; }\n");
    tree_write("scene/scene_b.c", "/* x */\nstatic int num(int v)\n{\n    return v;\n}\n");
    char args[128];
    snprintf(args, sizeof args, "'%s'", tree);
    LayerRun run = run_checker(args);
    cr_expect_eq(run.status, 0, "two files of one layer may share a static name:\n%s", run.out);
    free(run.out);
    tree_end();
}

Test(layers, includes_that_reach_up_a_layer_are_reported)
{
    tree_begin();
    tree_write("engine/mlp.c", "/* x */\n#include \"engine/mlp.h\"\n#include \"scene/scene.h\"\n");
    tree_write("view/canvas.h", "/* x */\n#include <stdio.h>\n#  include \"ui/tty.h\"\n");
    tree_write("lesson/catalog.c", "/* x */\n#include \"view/canvas.h\"\n#include \"local.h\"\n");
    tree_write("scene/scene.c", "/* x */\n#include \"lesson/lesson.h\"\n#include \"ui/tutor.h\"\n");
    tree_write("ui/tutor.c", "/* x */\n#include \"scene/scene.h\"\n");
    char args[128];
    snprintf(args, sizeof args, "'%s'", tree);
    LayerRun run = run_checker(args);
    cr_expect_eq(run.status, 1, "upward includes must fail the check:\n%s", run.out);
    cr_expect_not_null(strstr(run.out, "engine/mlp.c:3: engine code includes the higher scene layer: "
                                       "#include \"scene/scene.h\""), "%s", run.out);
    cr_expect_not_null(strstr(run.out, "view/canvas.h:3: view code includes the higher ui layer"), "%s", run.out);
    cr_expect_not_null(strstr(run.out, "scene/scene.c:3: scene code includes the higher ui layer"), "%s", run.out);
    /* Downward and same-folder includes are the normal case. */
    cr_expect_null(strstr(run.out, "catalog.c"), "lesson may include view:\n%s", run.out);
    cr_expect_null(strstr(run.out, "scene.c:2"), "scene may include lesson:\n%s", run.out);
    cr_expect_null(strstr(run.out, "ui/tutor.c"), "ui may include scene:\n%s", run.out);
    free(run.out);
    tree_end();
}

Test(layers, curses_outside_the_ui_layer_is_reported)
{
    tree_begin();
    tree_write("view/keys.h", "/* x */\n#include <curses.h>\n");
    tree_write("ui/tty.c", "/* x */\n#include <curses.h>\n#include <term.h>\n");
    char args[128];
    snprintf(args, sizeof args, "'%s'", tree);
    LayerRun run = run_checker(args);
    cr_expect_eq(run.status, 1, "%s", run.out);
    cr_expect_not_null(strstr(run.out, "view/keys.h:2: only src/ui may include curses"), "%s", run.out);
    cr_expect_null(strstr(run.out, "tty.c"), "ui may include curses:\n%s", run.out);
    free(run.out);
    tree_end();
}

Test(layers, a_missing_source_tree_is_a_usage_error)
{
    LayerRun run = run_checker("/nonexistent/bntutor-src");
    cr_expect_eq(run.status, 2, "%s", run.out);
    cr_expect_not_null(strstr(run.out, "bntutor: /nonexistent/bntutor-src: no such source directory"), "%s", run.out);
    free(run.out);
}
