/* The bad-input catalogue: every input a user can give, malformed, with the exit status and message it must get. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/check.h"
#include "support/command.h"
#include "util/csv.h"

/* One row of the catalogue. The command runs in a scratch folder holding the fixture files below, with
 * HOME pointing into it (so nothing touches the real progress file). */
typedef struct BadInput {
    const char *args;       /* after the program name; shell words, quoted where needed */
    const char *in;         /* standard input; NULL: /dev/null */
    int status;             /* expected exit status */
    const char *message;    /* a part of the message on stderr; NULL for a success that must print
                             * only finite numbers (numeric abuse that is handled, not refused) */
} BadInput;

static char scratch[64];

static void write_fixture(const char *name, const char *text, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write fixture %s", path);
    cr_assert_eq(fwrite(text, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

#define FIXTURE(name, text) write_fixture((name), (text), sizeof(text) - 1)

static void make_dir(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    cr_assert_eq(mkdir(path, 0700), 0, "cannot make %s", path);
}

static void setup(void)
{
    snprintf(scratch, sizeof scratch, "/tmp/bntutor-badinput-XXXXXX");
    cr_assert_not_null(mkdtemp(scratch), "cannot make a scratch folder");
    make_dir("home");
    make_dir("dir");
    /* CSV mini-batches. */
    FIXTURE("x.csv", "1,2\n3,5\n6,4\n");
    FIXTURE("dy.csv", "0.5,-1\n1,0\n-2,0.25\n");
    FIXTURE("dy-short.csv", "0.5,-1\n1,0\n");
    FIXTURE("dy-nan.csv", "0.5,-1\nnan,0\n-2,0.25\n");
    FIXTURE("nan.csv", "1,2\nnan,3\n");
    FIXTURE("minus-inf.csv", "1,2\n-inf,3\n");
    FIXTURE("overflow.csv", "1,2\n1e999,3\n");
    FIXTURE("huge.csv", "1e300,1\n-1e300,2\n1e300,3\n");
    FIXTURE("max.csv", "1.7e308,1\n1.7e308,2\n");
    FIXTURE("square-overflow.csv", "1e160,1\n-1e160,2\n");
    FIXTURE("tiny.csv", "1e-320,1\n0,2\n-1e-320,3\n");
    FIXTURE("constant.csv", "5,1\n5,2\n5,3\n");
    FIXTURE("one-row.csv", "1,2\n");
    FIXTURE("chw.csv", "# two samples of 2 channels x 2x2\n1,2,3,4,5,6,7,8\n8,6,4,2,7,5,3,1\n");
    FIXTURE("header-only.csv", "a,b\n");
    FIXTURE("ragged.csv", "1,2\n3\n");
    FIXTURE("semicolons.csv", "1;2\n3;4\n");
    FIXTURE("tabs.csv", "1\t2\n3\t4\n");
    FIXTURE("empty.csv", "");
    FIXTURE("comments-only.csv", "# nothing here\n\n   \n");
    FIXTURE("binary.csv", "1,2\n3,\0004\n");
    FIXTURE("empty-cell.csv", "1,,3\n4,5,6\n");
    FIXTURE("nameless.csv", ",b\n1,2\n3,4\n");
    FIXTURE("word.csv", "1,2\n3,four\n");
    /* Lesson files. */
    FIXTURE("good.lesson", "lesson 2\ntitle Good\npage One\ntext\n  Hello.\nend\n");
    FIXTURE("same-number.lesson", "lesson 2\ntitle Twin\npage One\ntext\n  Hello.\nend\n");
    FIXTURE("empty.lesson", "");
    FIXTURE("binary.lesson", "lesson 1\n\0\n");
    FIXTURE("unknown-keyword.lesson", "lesson 1\ntitle T\npage P\ntext\n x\nend\nbogus line\n");
    FIXTURE("no-pages.lesson", "lesson 8\ntitle T\n");
    FIXTURE("big-number.lesson", "lesson 1000\ntitle T\npage P\ntext\nx\nend\n");
    FIXTURE("open-text.lesson", "lesson 7\ntitle T\npage P\ntext\nunterminated\n");
    FIXTURE("stray-end.lesson", "lesson 7\ntitle T\npage P\ntext\nx\nend\nend\n");
    FIXTURE("lone-star.lesson", "lesson 3\ntitle T\npage P\ntext\n 2 * 3\nend\n");
    FIXTURE("bad-symbol.lesson", "lesson 10\ntitle T\npage P\ntext\n \\alfa\nend\n");
    FIXTURE("bad-utf8.lesson", "lesson 11\ntitle T\xff\npage P\ntext\nx\nend\n");
    FIXTURE("unknown-scene.lesson", "lesson 9\ntitle T\npage P\nscene nosuch\n");
    FIXTURE("out-of-range.lesson", "lesson 4\ntitle T\npage P\nscene bn-stages\n batch = 99999\n");
    FIXTURE("bad-tolerance.lesson",
            "lesson 5\ntitle T\npage P\ncheckpoint\n question Q\n answer 1\n tolerance x\nend\n");
    FIXTURE("bad-answer.lesson",
            "lesson 6\ntitle T\npage P\ncheckpoint\n question Q\n choice a: x\n choice b: y\n answer c\nend\n");
    /* Lesson folders for list and the tutor. */
    make_dir("lessons");
    FIXTURE("lessons/02-good.lesson", "lesson 2\ntitle Good\npage One\ntext\n  Hello.\nend\n");
    FIXTURE("lessons/03-broken.lesson", "lesson 3\ntitle Broken\npage P\nbogus line\n");
    make_dir("no-lessons");
    /* Special files named *.lesson: a FIFO nobody writes to, and a link to a device. */
    char path[256];
    snprintf(path, sizeof path, "%s/fifo.lesson", scratch);
    cr_assert_eq(mkfifo(path, 0600), 0, "cannot make the FIFO %s", path);
    snprintf(path, sizeof path, "%s/zero.lesson", scratch);
    cr_assert_eq(symlink("/dev/zero", path), 0, "cannot link %s", path);
    make_dir("fifo-lessons");
    FIXTURE("fifo-lessons/02-good.lesson", "lesson 2\ntitle Good\npage One\ntext\n  Hello.\nend\n");
    snprintf(path, sizeof path, "%s/fifo-lessons/01-pipe.lesson", scratch);
    cr_assert_eq(mkfifo(path, 0600), 0, "cannot make the FIFO %s", path);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", scratch);
}

TestSuite(bad_input, .init = setup, .fini = teardown);

static CommandRun run_case(const BadInput *c, const char *env)
{
    const char *bin = getenv("BNTUTOR_BIN");
    cr_assert(bin && *bin, "BNTUTOR_BIN must name the built binary");
    char in_path[128] = "/dev/null";
    if (c->in) {
        snprintf(in_path, sizeof in_path, "%s/stdin", scratch);
        write_fixture("stdin", c->in, strlen(c->in));
    }
    return command_run(scratch, "cd '%s' && HOME='%s/home' XDG_STATE_HOME= LC_ALL=C %s '%s' %s <'%s'", scratch,
                       scratch, env ? env : "", bin, c->args, in_path);
}

/* "nan" or "inf" as a word of its own (not inside "inference"): a number that is garbage. */
static bool has_non_finite(const char *text)
{
    for (const char *p = text; *p; p++) {
        if (p > text && isalpha((unsigned char)p[-1]))
            continue;
        size_t word = 0;
        while (isalpha((unsigned char)p[word]))
            word++;
        if ((word == 3 && (strncasecmp(p, "nan", 3) == 0 || strncasecmp(p, "inf", 3) == 0)) ||
            (word == 8 && strncasecmp(p, "infinity", 8) == 0))
            return true;
    }
    return false;
}

/* Runs every row; each failure names the row. Returns how many rows ran. */
static int run_table(const BadInput *table, size_t count, const char *env)
{
    for (size_t k = 0; k < count; k++) {
        const BadInput *c = &table[k];
        CommandRun run = run_case(c, env);
        cr_expect_eq(run.status, c->status, "`bntutor %s`: exit %d, expected %d; stderr: %s", c->args,
                     run.status, c->status, run.err);
        /* Under SAN=1 a sanitizer report may exit 1 too, which the status alone would not tell. */
        cr_expect(!strstr(run.err, "Sanitizer") && !strstr(run.err, "runtime error:"),
                  "`bntutor %s`: sanitizer report: %s", c->args, run.err);
        if (c->message) {
            cr_expect(strncmp(run.err, "bntutor: ", 9) == 0, "`bntutor %s`: stderr should start with "
                      "'bntutor: ', got: %s", c->args, run.err);
            cr_expect_not_null(strstr(run.err, c->message), "`bntutor %s`: stderr should say \"%s\", got: %s",
                               c->args, c->message, run.err);
            cr_expect(strchr(run.err, '\n') != NULL, "`bntutor %s`: message without a newline", c->args);
        } else {
            cr_expect_str_empty(run.err, "`bntutor %s`: unexpected stderr: %s", c->args, run.err);
            cr_expect(run.out[0] != '\0', "`bntutor %s`: printed nothing", c->args);
            cr_expect(!has_non_finite(run.out), "`bntutor %s`: NaN or infinity in the output:\n%s", c->args,
                      run.out);
        }
        free(run.out);
        free(run.err);
    }
    return (int)count;
}

#define RUN_TABLE(table, env) run_table((table), sizeof(table) / sizeof((table)[0]), (env))

/* ---------- the catalogue ---------- */

/* Global options and subcommand names; the tutor parses its options before it needs a terminal. */
static const BadInput global_cases[] = {
    { "--bogus", NULL, 2, "unknown option '--bogus'" },
    { "-x", NULL, 2, "unknown option '-x'" },
    { "unknowncmd", NULL, 2, "unknown command 'unknowncmd'" },
    { "--lesson=abc", NULL, 2, "--lesson: expected a lesson number from 0 to 999, got 'abc'" },
    { "--lesson", NULL, 2, "--lesson: expected a lesson number" },
    { "--lesson=", NULL, 2, "--lesson: expected a lesson number" },
    { "--lesson=1000", NULL, 2, "got '1000'" },
    { "--lesson=-1", NULL, 2, "got '-1'" },
    { "--lesson=99999999999999999999", NULL, 2, "--lesson: expected a lesson number" },
    { "--page=2", NULL, 2, "--page: needs --lesson=N too" },
    { "--lesson=2 --page=0", NULL, 2, "--page: expected a page number from 1" },
    { "--lesson=2 --page=x", NULL, 2, "--page: expected a page number" },
    { "--seed=-1", NULL, 2, "--seed: expected a non-negative whole number" },
    { "--seed=1.5", NULL, 2, "--seed: expected a non-negative whole number" },
    { "--theme=", NULL, 2, "--theme: expected a theme name" },
    { "--theme=../../etc/passwd", NULL, 2, "--theme: '../../etc/passwd' is not a theme name" },
    { "--theme=neon", NULL, 2, "--theme: unknown theme 'neon' (themes: dark" },
    { "--autoplay=0", NULL, 2, "--autoplay: expected seconds between pages" },
    { "--autoplay=0.2", NULL, 2, "--autoplay: expected seconds between pages, from 1" },
    { "--autoplay=nan", NULL, 2, "--autoplay: expected seconds between pages" },
    { "--autoplay=1e9", NULL, 2, "--autoplay: expected seconds between pages" },
    { "--ascii=1", NULL, 2, "--ascii: takes no value" },
    { "--no-color=yes", NULL, 2, "--no-color: takes no value" },
    { "--reset-progress=1", NULL, 2, "--reset-progress: takes no value" },
    { "--lessons-dir=", NULL, 2, "--lessons-dir: expected a directory" },
    { "--record=a --replay=b", NULL, 2, "--replay: cannot be combined with --record" },
    { "--lessons-dir=lessons --lesson=998", NULL, 2, "--lesson: there is no lesson 998" },
    { "--lessons-dir=lessons --lesson=2 --page=9", NULL, 2, "--page: lesson 2 has 1 page" },
    { "--lessons-dir=nowhere", NULL, 1, "--lessons-dir: 'nowhere' is not a directory" },
    { "--lessons-dir=lessons --replay=missing.rec", NULL, 1, "missing.rec" },
    { "--lessons-dir=lessons", NULL, 1, "not a terminal" },
};

Test(bad_input, global_options_and_unknown_commands_are_refused_with_a_usage_error)
{
    RUN_TABLE(global_cases, NULL);
}

/* bn: its options. */
static const BadInput bn_option_cases[] = {
    { "bn --bogus x.csv", NULL, 2, "--bogus: unknown option" },
    { "bn --json=1 x.csv", NULL, 2, "--json: takes no value" },
    { "bn --help=1", NULL, 2, "--help: takes no value" },
    { "bn --gamma x.csv", NULL, 2, "--gamma: needs a value" },
    { "bn --gamma= x.csv", NULL, 2, "--gamma: item 1 of '' is not a finite number" },
    { "bn --gamma=1,x x.csv", NULL, 2, "--gamma: item 2 of '1,x' is not a finite number" },
    { "bn --gamma=1,nan x.csv", NULL, 2, "--gamma: item 2 of '1,nan' is not a finite number" },
    { "bn --gamma=1 x.csv", NULL, 2, "--gamma: expected 2 values (one per feature), got 1" },
    { "bn --beta=1,2,3 x.csv", NULL, 2, "--beta: expected 2 values (one per feature), got 3" },
    { "bn --beta=1,,2 x.csv", NULL, 2, "--beta: item 2 of '1,,2' is not a finite number" },
    { "bn --eps= x.csv", NULL, 2, "--eps: '' is not a finite number" },
    { "bn --eps=-1 x.csv", NULL, 2, "--eps: must not be negative" },
    { "bn --eps=nan x.csv", NULL, 2, "--eps: 'nan' is not a finite number" },
    { "bn --eps=1e400 x.csv", NULL, 2, "--eps: '1e400' is not a finite number" },
    { "bn --eps=1e-5x x.csv", NULL, 2, "--eps: '1e-5x' is not a finite number" },
    { "bn --momentum=2 x.csv", NULL, 2, "--momentum: must lie in [0, 1]" },
    { "bn --momentum=-0.1 x.csv", NULL, 2, "--momentum: must lie in [0, 1]" },
    { "bn --convention=tf x.csv", NULL, 2, "--convention: unknown convention 'tf'" },
    { "bn --convention= x.csv", NULL, 2, "--convention: unknown convention ''" },
    { "bn --convention=paper --momentum=0.5 x.csv", NULL, 2, "--momentum: the paper convention has no momentum" },
    { "bn --batches-seen=3 x.csv", NULL, 2, "--batches-seen: only the paper convention counts batches" },
    { "bn --convention=paper --batches-seen=-1 x.csv", NULL, 2, "--batches-seen: '-1' is not a whole number" },
    { "bn --running-mean=1 x.csv", NULL, 2, "--running-mean: expected 2 values" },
    { "bn --running-var=-1,1 x.csv", NULL, 2, "--running-var: a variance cannot be negative (item 1 is -1)" },
    { "bn --running-var=1,inf x.csv", NULL, 2, "--running-var: item 2 of '1,inf' is not a finite number" },
    { "bn --dy= x.csv", NULL, 2, "--dy: needs a file name" },
    { "bn --dy=- -", "1\n2\n", 2, "--dy: stdin is already the input batch" },
    { "bn x.csv dy.csv", NULL, 2, "only one input file can be given" },
    { "bn --norm=bogus x.csv", NULL, 2, "--norm: unknown method 'bogus'" },
    { "bn --norm= x.csv", NULL, 2, "--norm: unknown method ''" },
    { "bn --norm=group x.csv", NULL, 2, "--norm: group norm needs the number of groups" },
    { "bn --groups=2 x.csv", NULL, 2, "--groups: only group norm has groups" },
    { "bn --norm=group --groups=-1 x.csv", NULL, 2, "--groups: '-1' is not a whole number of groups" },
    { "bn --norm=group --groups=99999999999 x.csv", NULL, 2, "--groups: '99999999999' is not a whole number" },
    { "bn --norm=group --groups=3 --shape=2,2,2 chw.csv", NULL, 2, "--groups: G=3 does not divide the C=2" },
    { "bn --shape= chw.csv", NULL, 2, "--shape: expected C,H,W" },
    { "bn --shape=2x2x2 chw.csv", NULL, 2, "--shape: expected C,H,W" },
    { "bn --shape=2,2,2,2 chw.csv", NULL, 2, "--shape: expected C,H,W" },
    { "bn --shape=0,2,2 chw.csv", NULL, 2, "--shape: expected C,H,W" },
    { "bn --shape=1e3,1,1 chw.csv", NULL, 2, "--shape: expected C,H,W" },
    { "bn --shape=65536,65536,2 chw.csv", NULL, 2, "--shape: 65536 x 65536 x 2 values per sample are too many" },
    { "bn --norm=layer --running-mean=0,0 x.csv", NULL, 2, "--running-mean: layer norm keeps no running statistics" },
    { "bn --norm=instance --shape=2,2,2 --gamma=1 chw.csv", NULL, 2, "--gamma: expected 2 values (one per channel)" },
    { "bn --norm=layer --shape=2,2,2 --beta=1,2 chw.csv", NULL, 2, "--beta: expected 8 values (one per element" },
};

Test(bad_input, bn_option_mistakes_exit_two_naming_the_option)
{
    RUN_TABLE(bn_option_cases, NULL);
}

/* bn: the mini-batch and the gradient files. */
static const BadInput bn_data_cases[] = {
    { "bn missing.csv", NULL, 1, "missing.csv: cannot open: No such file or directory" },
    { "bn dir", NULL, 1, "dir: cannot read: Is a directory" },
    { "bn", NULL, 1, "<stdin>: no data rows" },
    { "bn -", "", 1, "<stdin>: no data rows" },
    { "bn empty.csv", NULL, 1, "empty.csv: no data rows" },
    { "bn comments-only.csv", NULL, 1, "comments-only.csv: no data rows" },
    { "bn header-only.csv", NULL, 1, "header-only.csv: no data rows (only a header)" },
    { "bn one-row.csv", NULL, 1, "a batch of 1 sample has no spread" },
    { "bn ragged.csv", NULL, 1, "ragged.csv:2: row has 1 value, expected 2" },
    { "bn semicolons.csv", NULL, 1, "semicolons.csv:2: column 1: \"3;4\" is not a number (values are separated by commas)" },
    { "bn tabs.csv", NULL, 1, "(values are separated by commas)" },
    { "bn binary.csv", NULL, 1, "binary.csv:2: contains a NUL byte" },
    { "bn empty-cell.csv", NULL, 1, "empty-cell.csv:1: column 2 is empty" },
    { "bn nameless.csv", NULL, 1, "nameless.csv:1: header: column 1 has no name" },
    { "bn word.csv", NULL, 1, "word.csv:2: column 2: \"four\" is not a number" },
    { "bn nan.csv", NULL, 1, "nan.csv:2: column 1: \"nan\" is not a finite number" },
    { "bn minus-inf.csv", NULL, 1, "minus-inf.csv:2: column 1: \"-inf\" is not a finite number" },
    { "bn overflow.csv", NULL, 1, "overflow.csv:2: column 1: \"1e999\" is not a finite number" },
    { "bn -", "1,2\nNaN,3\n", 1, "<stdin>:2: column 1: \"NaN\" is not a finite number" },
    { "bn --dy=missing.csv x.csv", NULL, 1, "missing.csv: cannot open" },
    { "bn --dy=dy-short.csv x.csv", NULL, 1, "--dy: dy-short.csv has 2x2 values, expected 3x2" },
    { "bn --dy=dy-nan.csv x.csv", NULL, 1, "dy-nan.csv:2: column 1: \"nan\" is not a finite number" },
    { "bn --shape=3,1,2 chw.csv", NULL, 1, "chw.csv:2: row has 8 values, --shape=3,1,2 needs C*H*W = 6" },
    { "bn --norm=group --groups=3 x.csv", NULL, 1, "x.csv:1: group norm needs G to divide the channels" },
    { "bn --norm=instance x.csv", NULL, 1, "x.csv: instance norm normalizes sets of H*W values" },
    { "bn --norm=group --groups=2 x.csv", NULL, 1, "x.csv: group norm normalizes sets of C/G*H*W values" },
    { "bn --norm=batch --shape=2,1,1 one-row.csv", NULL, 1, "a batch of 1 sample has no spread" },
    { "bn --norm=layer --shape=2,2,2 --dy=dy.csv chw.csv", NULL, 1, "--dy: dy.csv has 3x2 values, expected 2x8" },
};

Test(bad_input, bn_bad_data_exits_one_with_file_line_and_column)
{
    RUN_TABLE(bn_data_cases, NULL);
}

/* bn: numbers that break naive arithmetic. Refused with a clear message, or computed correctly. */
static const BadInput bn_numeric_cases[] = {
    { "bn --eps=0 constant.csv", NULL, 1, "--eps: feature 1 is constant in this batch (variance 0) and eps is 0" },
    { "bn --eps=0 --json tiny.csv", NULL, 1, "feature 1 is constant in this batch" },
    { "bn --eps=0 --momentum=0 --running-var=0,1 x.csv", NULL, 1,
      "--eps: the running variance of feature 1 is 0 and eps is 0" },
    { "bn --json huge.csv", NULL, 1, "the numbers are too large: a result overflows a double" },
    { "bn --json max.csv", NULL, 1, "the numbers are too large" },
    { "bn --json square-overflow.csv", NULL, 1, "the numbers are too large" },
    { "bn --gamma=1e308,1 --beta=1e308,0 --json x.csv", NULL, 1, "the numbers are too large" },
    { "bn --gamma=1e308,1 --dy=dy.csv --json x.csv", NULL, 1, "the numbers are too large" },
    { "bn --running-mean=1e308,-1e308 --running-var=1e308,0 --json x.csv", NULL, 1, "the numbers are too large" },
    /* Handled: finite figures, exit 0. */
    { "bn --json constant.csv", NULL, 0, NULL },
    { "bn --eps=0 --json x.csv", NULL, 0, NULL },
    { "bn --json tiny.csv", NULL, 0, NULL },
    { "bn --eps=1e308 --json x.csv", NULL, 0, NULL },
    { "bn --running-mean=1e300,-1e300 --running-var=1e300,1e300 --json x.csv", NULL, 0, NULL },
    { "bn --convention=paper --batches-seen=1000000000000 --json x.csv", NULL, 0, NULL },
    { "bn --convention=keras --momentum=1 --json x.csv", NULL, 0, NULL },
    { "bn --momentum=0 --dy=dy.csv constant.csv", NULL, 0, NULL },
};

Test(bad_input, bn_numeric_abuse_gets_a_clear_message_or_finite_figures)
{
    RUN_TABLE(bn_numeric_cases, NULL);
}

/* train: its options, datasets, and learning rates that wreck the run. */
static const BadInput train_cases[] = {
    { "train --bogus", NULL, 2, "unknown option '--bogus'" },
    { "train extra", NULL, 2, "unknown option 'extra'" },
    { "train --help=1", NULL, 2, "--help: takes no value" },
    { "train --steps", NULL, 2, "--steps: needs a value" },
    { "train --steps=", NULL, 2, "--steps: needs a value" },
    { "train --steps=0", NULL, 2, "--steps: '0' is not a whole number from 1 to 100000000" },
    { "train --steps=1e3", NULL, 2, "--steps: '1e3' is not a whole number" },
    { "train --steps=100000001", NULL, 2, "--steps: '100000001' is not a whole number" },
    { "train --batch=0", NULL, 2, "--batch: '0' is not a whole number" },
    { "train --batch=100000", NULL, 2, "--batch: 100000 is larger than the training set of 'moons'" },
    { "train --bn=before --batch=1", NULL, 2, "--batch: batch norm needs at least 2 samples" },
    { "train --every=0", NULL, 2, "--every: '0' is not a whole number" },
    { "train --unit=-1", NULL, 2, "--unit: '-1' is not a whole number from 0" },
    { "train --unit=16", NULL, 2, "--unit: 16 is not a unit of the last hidden layer (0 to 15)" },
    { "train --lr=0", NULL, 2, "--lr: '0' is not a positive number" },
    { "train --lr=-1", NULL, 2, "--lr: '-1' is not a positive number" },
    { "train --lr=nan", NULL, 2, "--lr: 'nan' is not a positive number" },
    { "train --lr=inf", NULL, 2, "--lr: 'inf' is not a positive number" },
    { "train --momentum=1", NULL, 2, "--momentum: '1' is not a number in [0, 1)" },
    { "train --seed=-1", NULL, 2, "--seed: '-1' is not a whole number" },
    { "train --seed=2147483648", NULL, 2, "--seed: '2147483648' is not a whole number" },
    { "train --hidden=0", NULL, 2, "--hidden: '0' is not a list of widths" },
    { "train --hidden=16,", NULL, 2, "--hidden: '16,' is not a list of widths" },
    { "train --hidden=1,,2", NULL, 2, "--hidden: '1,,2' is not a list of widths" },
    { "train --hidden=100001", NULL, 2, "--hidden: '100001' is not a list of widths" },
    { "train --hidden=100000,100000", NULL, 2, "--hidden: that network and batch need about 2677" },
    { "train --hidden=8000,8000 --dataset=synth784", NULL, 2, "train allows at most 1024 MB" },
    { "train --act=gelu", NULL, 2, "--act: 'gelu' is not an activation" },
    { "train --bn=middle", NULL, 2, "--bn: 'middle' is not a placement" },
    { "train --net=resnet", NULL, 2, "--net: 'resnet' is not a known network" },
    { "train --net=paper", NULL, 2, "--net: the paper network takes 784 inputs, but 'moons' has 2 features" },
    { "train --net=paper", NULL, 2, "use --dataset=synth784 (or idx:DIR for MNIST files)" },
    { "train --net=paper --hidden=3", NULL, 2, "--net: paper fixes the layers and the activation" },
    { "train --csv=", NULL, 2, "--csv: needs a value" },
    { "train --dataset=nosuch", NULL, 2, "--dataset: unknown dataset 'nosuch' (valid: scaled2d, blobs, moons, "
      "spirals, synth784, shapes28, idx:DIR)" },
    { "train --dataset=idx:", NULL, 2, "--dataset: unknown dataset 'idx:'" },
    { "train --dataset=idx:nowhere", NULL, 1, "nowhere" },
    { "train --dataset=idx:dir", NULL, 1, "dir: no train-images-idx3-ubyte" },
    { "train --steps=1 --csv=dir/sub/out.csv", NULL, 1, "dir/sub/out.csv" },
    /* Learning rates that blow the run up: a message, exit 1, never rows of garbage. */
    { "train --lr=1e6 --steps=50", NULL, 1, "training diverged at step" },
    { "train --lr=1e6 --steps=50 --bn=before", NULL, 1, "lower --lr" },
    { "train --lr=1e6 --steps=20 --bn=before --act=relu --dataset=spirals", NULL, 1, "training diverged" },
    { "train --lr=1e300 --steps=5 --act=relu", NULL, 1, "training diverged at step" },
    { "train --lr=1e6 --dataset=scaled2d --steps=50", NULL, 1, "training diverged" },
    { "train --lr=2 --dataset=scaled2d --steps=200", NULL, 1, "training diverged" },
    /* Handled: a learning rate too small to move anything still gives finite rows. */
    { "train --lr=1e-320 --steps=3", NULL, 0, NULL },
    { "train --steps=3 --seed=2147483647 --bn=after --act=tanh --dataset=blobs", NULL, 0, NULL },
};

Test(bad_input, train_refuses_bad_options_and_says_when_training_diverges)
{
    RUN_TABLE(train_cases, NULL);
}

/* check: every kind of broken lesson file gets file:line and what is wrong. */
static const BadInput check_cases[] = {
    { "check", NULL, 2, "check: no lesson files given" },
    { "check --", NULL, 2, "check: no lesson files given" },
    { "check --bogus good.lesson", NULL, 2, "check: unknown option '--bogus'" },
    { "check missing.lesson", NULL, 1, "missing.lesson: cannot open: No such file or directory" },
    { "check dir", NULL, 1, "dir: is a directory, not a lesson file" },
    { "check empty.lesson", NULL, 1, "empty.lesson: the file is empty" },
    { "check binary.lesson", NULL, 1, "binary.lesson: this looks like a binary file" },
    { "check unknown-keyword.lesson", NULL, 1, "unknown-keyword.lesson:7: unknown directive 'bogus'" },
    { "check no-pages.lesson", NULL, 1, "no-pages.lesson: the lesson has no pages" },
    { "check big-number.lesson", NULL, 1, "big-number.lesson:1: the lesson number must be a whole number from 0 to 999" },
    { "check open-text.lesson", NULL, 1, "open-text.lesson:4: text block has no 'end'" },
    { "check stray-end.lesson", NULL, 1, "stray-end.lesson:7: 'end' without an open 'text' or 'checkpoint'" },
    { "check lone-star.lesson", NULL, 1, "lone-star.lesson:5: '*' at column 4 opens emphasis that never closes" },
    { "check bad-symbol.lesson", NULL, 1, "bad-symbol.lesson:5: unknown symbol '\\alfa'" },
    { "check bad-utf8.lesson", NULL, 1, "bad-utf8.lesson:2: invalid UTF-8 at byte column 8" },
    { "check unknown-scene.lesson", NULL, 1, "unknown-scene.lesson:4: unknown scene 'nosuch'" },
    { "check out-of-range.lesson", NULL, 1, "out-of-range.lesson:5: 'batch' = 99999 is out of range (allowed: 1 to 4096)" },
    { "check bad-tolerance.lesson", NULL, 1, "bad-tolerance.lesson:7: tolerance must be a number" },
    { "check bad-answer.lesson", NULL, 1, "bad-answer.lesson:8: answer 'c' is not among the choices (a, b)" },
    { "check good.lesson same-number.lesson", NULL, 1, "lesson number 2 is also used by" },
    { "check good.lesson missing.lesson", NULL, 1, "missing.lesson: cannot open" },
};

Test(bad_input, check_reports_each_broken_lesson_as_file_line_message)
{
    RUN_TABLE(check_cases, NULL);
}

/* list: bad arguments, bad folders, and a damaged progress file (a warning, never a stop). */
static const BadInput list_cases[] = {
    { "list extra", NULL, 2, "list: unexpected argument 'extra'" },
    { "list --bogus", NULL, 2, "list: unexpected argument '--bogus'" },
    { "list --lessons-dir", NULL, 2, "--lessons-dir: needs a directory" },
    { "list --lessons-dir=", NULL, 2, "--lessons-dir: needs a directory" },
    { "list --lessons-dir=nowhere", NULL, 1, "--lessons-dir: 'nowhere' is not a directory" },
    { "list --lessons-dir=good.lesson", NULL, 1, "--lessons-dir: 'good.lesson' is not a directory" },
};

/* A FIFO or device named *.lesson is refused at once: opening it must never wait for a writer. `timeout`
 * turns a hang into exit 124, which no row expects. */
static const BadInput special_file_cases[] = {
    { "check fifo.lesson", NULL, 1, "fifo.lesson: not a regular file" },
    { "check zero.lesson", NULL, 1, "zero.lesson: not a regular file" },
    { "check good.lesson fifo.lesson", NULL, 1, "fifo.lesson: not a regular file" },
    { "list --lessons-dir=fifo-lessons", NULL, 0, NULL },     /* stdout: "BROKEN: ...: not a regular file" */
    { "render --lessons-dir=fifo-lessons --lesson=2 --page=1 --size=60x20", NULL, 0, NULL },
};

Test(bad_input, a_fifo_or_device_named_lesson_is_refused_without_blocking)
{
    RUN_TABLE(special_file_cases, "timeout 20");
}

Test(bad_input, list_refuses_bad_arguments_and_folders)
{
    RUN_TABLE(list_cases, NULL);
}

/* The progress file is the user's too: damaged, foreign, or from a future version. */
Test(bad_input, list_warns_about_a_damaged_progress_file_and_goes_on)
{
    static const struct { const char *content; const char *message; } files[] = {
        { "garbage\n", "not a bntutor progress file" },
        { "bntutor-progress 9\n", "progress file of an unknown version '9'" },
        { "bntutor-progress 1\nposition 2 x\n", "progress file is damaged at line 2" },
        { "bntutor-progress 1\nlesson 2 1 maybe\n", "progress file is damaged at line 2" },
        /* Blank lines count: the line number must be the one an editor shows. */
        { "bntutor-progress 1\n\nposition 1 1\n\nlesson 2 x done\n", "progress file is damaged at line 5" },
        { "\n  \n\r\n", "progress file is empty" },
        { "", "progress file is empty" },
        { "\177ELF\002\001\001\000\000", "not a bntutor progress file" },
    };
    char dir[256];
    snprintf(dir, sizeof dir, "%s/home/.local", scratch);
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(dir, sizeof dir, "%s/home/.local/state", scratch);
    cr_assert_eq(mkdir(dir, 0700), 0);
    snprintf(dir, sizeof dir, "%s/home/.local/state/bntutor", scratch);
    cr_assert_eq(mkdir(dir, 0700), 0);
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        size_t len = strlen(files[k].content);
        if (k == sizeof files / sizeof files[0] - 1)
            len = 9;    /* the ELF header has NUL bytes */
        write_fixture("home/.local/state/bntutor/progress", files[k].content, len);
        /* The plain progress file belongs to the lessons bntutor finds by itself. */
        BadInput c = { "list", NULL, 0, files[k].message };
        CommandRun run = run_case(&c, "env BNTUTOR_LESSONS=lessons");
        cr_expect_eq(run.status, 0, "progress file %zu: exit %d; stderr: %s", k, run.status, run.err);
        cr_expect_not_null(strstr(run.err, files[k].message), "progress file %zu: stderr should say \"%s\", got: %s",
                           k, files[k].message, run.err);
        cr_expect_not_null(strstr(run.out, "Good"), "progress file %zu: the lessons are still listed: %s", k,
                           run.out);
        cr_expect_not_null(strstr(run.out, "BROKEN"), "progress file %zu: the broken lesson is marked: %s", k,
                           run.out);
        free(run.out);
        free(run.err);
    }
}

Test(bad_input, bn_stops_at_its_row_and_byte_limits_with_a_message)
{
    /* `yes 1.5 | bntutor bn -` and `--dy=/dev/zero` must stop at a stated limit, not grow until abort. */
    size_t rows = CSV_ROWS_MAX + 1;
    char *many = malloc(rows * 4 + 1);
    for (size_t i = 0; i < rows; i++)
        memcpy(many + 4 * i, "1.5\n", 4);
    many[rows * 4] = '\0';
    BadInput c = { "bn -", many, 1, "<stdin>:100001: more than 100000 rows: a mini-batch may have at most 100000" };
    CommandRun run = run_case(&c, NULL);
    cr_expect_eq(run.status, 1, "exit %d; stderr: %s", run.status, run.err);
    cr_expect_not_null(strstr(run.err, c.message), "stderr: %s", run.err);
    free(run.out);
    free(run.err);
    free(many);
    BadInput zero = { "bn --dy=/dev/zero x.csv", NULL, 1, "/dev/zero:1: contains a NUL byte" };
    run = run_case(&zero, NULL);
    cr_expect_eq(run.status, 1, "exit %d; stderr: %s", run.status, run.err);
    cr_expect_not_null(strstr(run.err, zero.message), "stderr: %s", run.err);
    free(run.out);
    free(run.err);
    BadInput endless = { "bn -", NULL, 1, "<stdin>: more than 32 MiB: too large for a mini-batch" };
    run = run_case(&endless, "sh -c 'yes 1.5 | \"$0\" \"$@\"'");
    cr_expect_eq(run.status, 1, "exit %d; stderr: %s", run.status, run.err);
    cr_expect_not_null(strstr(run.err, endless.message), "stderr: %s", run.err);
    free(run.out);
    free(run.err);
}

Test(bad_input, bn_cleans_terminal_controls_and_hidden_characters_from_names_and_cells)
{
    BadInput c = { "bn -", "a\033]0;PWNED\007,b\xe2\x80\xae\n1,2\n3,4\n", 0, "a\\x1B]0;PWNED\\x07" };
    CommandRun run = run_case(&c, NULL);
    cr_expect_eq(run.status, 0, "exit %d; stderr: %s", run.status, run.err);
    cr_expect_not_null(strstr(run.out, c.message), "the header name shows escaped: %s", run.out);
    cr_expect_not_null(strstr(run.out, "b<U+202E>"), "%s", run.out);
    cr_expect_null(strchr(run.out, '\033'), "no raw ESC on stdout");
    cr_expect_null(strstr(run.out, "\xe2\x80\xae"), "no raw U+202E on stdout");
    free(run.out);
    free(run.err);
    BadInput cell = { "bn -", "a,b\n1,\033]0;X\0072\n", 1, "<stdin>:2: column 2: \"\\x1B]0;X\\x072\" is not a number" };
    run = run_case(&cell, NULL);
    cr_expect_eq(run.status, 1);
    cr_expect_not_null(strstr(run.err, cell.message), "stderr: %s", run.err);
    cr_expect_null(strchr(run.err, '\033'), "no raw ESC on stderr");
    free(run.out);
    free(run.err);
}

Test(bad_input, list_without_home_warns_that_progress_is_not_kept)
{
    BadInput c = { "list --lessons-dir=lessons", NULL, 0, "neither XDG_STATE_HOME nor HOME is set" };
    CommandRun run = run_case(&c, "env -u HOME");
    cr_expect_eq(run.status, 0, "exit %d; stderr: %s", run.status, run.err);
    cr_expect_not_null(strstr(run.err, c.message), "stderr: %s", run.err);
    free(run.out);
    free(run.err);
}
