/* `bntutor export`: asciicast v2 from a record: header, event lines and times, escapes, idle limit, bad records. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/export.h"
#include "support/check.h"
#include "support/json.h"
#include "view/unicode.h"

/* Lesson 0: page 1, → to the live page 2, play it for a while, a pause of 30 s, a step, then quit. */
static const char session[] =
    "bntutor-record 1\n"
    "version " BNTUTOR_VERSION "\n"
    "seed 5\n"
    "start 0 1\n"
    "autoplay 0\n"
    "size 90 26\n"
    "key 1.000 RIGHT\n"
    "key 1.500 SPACE\n"
    "steps 1.533 1\n"
    "steps 1.566 1\n"
    "steps 1.600 2\n"
    "key 1.700 SPACE\n"
    "key 31.700 .\n"
    "key 32.000 q\n"
    "end 32.000\n";

/* The cast's lines, parsed: lines[0] the header. */
typedef struct Cast {
    char *text;
    JsonValue *lines[4096];
    int count;
} Cast;

static void cast_free(Cast *c)
{
    for (int i = 0; i < c->count; i++)
        json_free(c->lines[i]);
    free(c->text);
}

/* Whether text is valid UTF-8 (what utf8_decode turns into U+FFFD is not, nor is a real U+FFFD here). */
static bool valid_utf8(const char *s)
{
    uint32_t cp;
    int n;
    while ((n = utf8_decode(s, &cp)) > 0) {
        if (cp == UNICODE_REPLACEMENT)
            return false;
        s += n;
    }
    return true;
}

/* Exports `record` and checks what every cast must be: JSON lines, a header object, then
 * [time, "o", data] events with times that never decrease, all of it UTF-8 without raw controls. */
static bool export_to(Cast *c, const char *record, const ExportOptions *options, BnError *err)
{
    memset(c, 0, sizeof *c);
    size_t size = 0;
    FILE *out = open_memstream(&c->text, &size);
    cr_assert_not_null(out);
    ExportOptions o;
    export_options_default(&o);
    o.lessons_dir = "lessons";
    o.timestamp = 1700000000;
    if (options)
        o = *options;
    bool ok = export_asciicast(out, record, strlen(record), "t.rec", &o, err);
    fclose(out);
    if (!ok)
        return false;
    cr_assert(valid_utf8(c->text), "the cast is not valid UTF-8");
    for (const char *p = c->text; *p; p++)
        cr_assert((unsigned char)*p >= 0x20 || *p == '\n', "raw control byte 0x%02x at offset %td",
                  (unsigned char)*p, p - c->text);
    double last = 0.0;
    for (char *line = c->text, *next; *line; line = next) {
        next = strchr(line, '\n');
        cr_assert_not_null(next, "line %d does not end with a newline", c->count + 1);
        *next++ = '\0';
        char why[128];
        cr_assert_lt(c->count, 4096);
        JsonValue *v = json_parse(line, why, sizeof why);
        cr_assert_not_null(v, "line %d is not JSON (%s): %.120s", c->count + 1, why, line);
        if (c->count == 0) {
            cr_assert_eq(v->type, JSON_OBJECT, "the header is an object");
        } else {
            cr_assert(v->type == JSON_ARRAY && json_length(v) == 3, "line %d is not a 3-item array", c->count + 1);
            double t = json_number(json_index(v, 0));
            cr_assert(isfinite(t) && t >= last, "line %d: time %g after %g", c->count + 1, t, last);
            last = t;
            const char *kind = json_string(json_index(v, 1));
            cr_assert(kind && (strcmp(kind, "o") == 0 || strcmp(kind, "r") == 0), "line %d: kind '%s'", c->count + 1,
                      kind ? kind : "(none)");
            cr_assert_not_null(json_string(json_index(v, 2)), "line %d: data is not a string", c->count + 1);
            int w = 0, h = 0;
            char rest = 0;
            if (kind[0] == 'r')
                cr_assert(sscanf(json_string(json_index(v, 2)), "%dx%d%c", &w, &h, &rest) == 2 && w > 0 && h > 0,
                          "line %d: a resize to '%s'", c->count + 1, json_string(json_index(v, 2)));
        }
        c->lines[c->count++] = v;
    }
    cr_assert_geq(c->count, 2, "a header and at least the first frame");
    return true;
}

static double event_time(const Cast *c, int i) { return json_number(json_index(c->lines[i], 0)); }
static const char *event_data(const Cast *c, int i) { return json_string(json_index(c->lines[i], 2)); }

Test(cmd_export, the_header_gives_version_size_timestamp_and_the_lessons_title)
{
    Cast c;
    BnError err = { 0 };
    cr_assert(export_to(&c, session, NULL, &err), "%s: %s", err.where, err.message);
    const JsonValue *h = c.lines[0];
    cr_assert_eq(json_number(json_get(h, "version")), 2);
    cr_assert_eq(json_number(json_get(h, "width")), 90, "the recorded size");
    cr_assert_eq(json_number(json_get(h, "height")), 26);
    cr_assert_eq(json_number(json_get(h, "timestamp")), 1700000000);
    cr_assert_null(json_get(h, "idle_time_limit"), "no limit asked");
    const char *title = json_string(json_get(h, "title"));
    cr_assert(title && strstr(title, "bntutor") && strstr(title, "Lesson 0") && strstr(title, "Using bntutor"),
              "title '%s'", title ? title : "(none)");
    cast_free(&c);
}

Test(cmd_export, a_record_without_a_size_plays_at_80x24)
{
    const char *rec = "bntutor-record 1\nversion " BNTUTOR_VERSION "\nseed 1\nstart 0 1\nkey 0.5 RIGHT\n";
    Cast c;
    BnError err = { 0 };
    cr_assert(export_to(&c, rec, NULL, &err), "%s: %s", err.where, err.message);
    cr_assert_eq(json_number(json_get(c.lines[0], "width")), 80);
    cr_assert_eq(json_number(json_get(c.lines[0], "height")), 24);
    cast_free(&c);
}

Test(cmd_export, frames_follow_the_session_and_paint_only_what_changed)
{
    Cast c;
    BnError err = { 0 };
    cr_assert(export_to(&c, session, NULL, &err), "%s: %s", err.where, err.message);
    const char *first = event_data(&c, 1);
    cr_assert_eq(event_time(&c, 1), 0.0);
    cr_assert(strncmp(first, "\x1b[0m\x1b[?25l\x1b[H\x1b[2J", 17) == 0, "the first frame clears the screen");
    cr_assert(strstr(first, "Welcome"), "page 1 in the first frame");
    /* → at 1 s opens the live page; each later frame is much smaller than a full paint. */
    bool page2 = false;
    size_t full = strlen(first);
    for (int i = 2; i < c.count; i++) {
        page2 |= event_time(&c, i) == 1.0 && strstr(event_data(&c, i), "Scenes are live") != NULL;
        if (i > 2 && event_time(&c, i) > 1.0 && event_time(&c, i) < 31.0)
            cr_assert_lt(strlen(event_data(&c, i)), full / 2, "frame %d at %g s repaints too much", i,
                         event_time(&c, i));
        cr_assert_null(strstr(event_data(&c, i), "\x1b[2J"), "frame %d clears the screen again", i);
    }
    cr_assert(page2, "the live page shows at 1 s");
    /* The quitting key draws nothing; the last event, at that key, restores the terminal. */
    cr_assert_eq(event_time(&c, c.count - 1), 32.0);
    cr_assert_str_eq(event_data(&c, c.count - 1), "\x1b[0m\x1b[?25h");
    cr_assert_eq(event_time(&c, c.count - 2), 31.7, "the step at 31.7 s is the last frame");
    cast_free(&c);
}

Test(cmd_export, the_idle_limit_caps_every_pause)
{
    ExportOptions o;
    export_options_default(&o);
    o.lessons_dir = "lessons";
    o.idle_limit = 2.5;
    Cast plain, capped;
    BnError err = { 0 };
    cr_assert(export_to(&plain, session, NULL, &err), "%s", err.message);
    cr_assert(export_to(&capped, session, &o, &err), "%s", err.message);
    cr_assert_eq(capped.count, plain.count, "the same events, only the times change");
    cr_assert_eq(json_number(json_get(capped.lines[0], "idle_time_limit")), 2.5);
    bool long_pause = false;
    for (int i = 2; i < plain.count; i++) {
        double gap = event_time(&plain, i) - event_time(&plain, i - 1);
        double capped_gap = event_time(&capped, i) - event_time(&capped, i - 1);
        long_pause |= gap > 2.5;
        cr_assert_leq(capped_gap, 2.5 + 1e-6, "gap %d is %g s", i, capped_gap);
        cr_assert(fabs(capped_gap - fmin(gap, 2.5)) < 1e-5, "gap %d: %g s became %g s, not %g", i, gap, capped_gap,
                  fmin(gap, 2.5));
        cr_assert_str_eq(event_data(&capped, i), event_data(&plain, i));
    }
    cr_assert(long_pause, "the session has the 30 s pause to cap");
    /* 30 s pause → 2.5 s: the cast is 27.5 s shorter. */
    cr_assert(fabs(event_time(&plain, plain.count - 1) - event_time(&capped, capped.count - 1) - 27.5) < 1e-5);
    cast_free(&plain);
    cast_free(&capped);
}

Test(cmd_export, quotes_backslashes_and_controls_are_escaped)
{
    /* A lesson whose title needs every escape JSON has. */
    char dir[] = "/tmp/bntutor-export-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/00-x.lesson", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    /* (prose writes a backslash as '\\'; a title keeps both) */
    fputs("lesson 0\ntitle Say \"hi\" to C:\\\\path \xce\xb3\npage One\ntext\n  A \"quoted\" back\\\\slash.\nend\n", f);
    fclose(f);
    ExportOptions o;
    export_options_default(&o);
    o.lessons_dir = dir;
    Cast c;
    BnError err = { 0 };
    cr_assert(export_to(&c, "bntutor-record 1\nversion " BNTUTOR_VERSION "\nseed 1\nstart 0 1\n", &o, &err),
              "%s: %s", err.where, err.message);
    const char *raw = c.text;   /* the header line, before parsing (export_to cut it at its newline) */
    cr_assert(strstr(raw, "Say \\\"hi\\\" to C:\\\\\\\\path \xce\xb3\""), "escaped title in: %s", raw);
    cr_assert_str_eq(json_string(json_get(c.lines[0], "title")), "bntutor: Lesson 0: Say \"hi\" to C:\\\\path \xce\xb3");
    cr_assert(strstr(event_data(&c, 1), "A \"quoted\" back\\slash."), "the prose survives the round trip");
    const char *first_event = raw + strlen(raw) + 1;
    cr_assert(strstr(first_event, "\\u001b[2J"), "ESC written as \\u001b: %.80s", first_event);
    cast_free(&c);
    unlink(path);
    rmdir(dir);

    char *text = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&text, &size);
    export_json_string(m, "a\tb\x01\x7f\xff\"\\\n");
    fclose(m);
    cr_assert_str_eq(text, "\"a\\u0009b\\u0001\\u007f\xef\xbf\xbd\\\"\\\\\\u000a\"", "got %s", text);
    free(text);
}

/* Each bad record, and where its error must point. */
static const struct BadRecord {
    const char *text;
    const char *where;
    const char *says;
} bad[] = {
    { "hello\n", "bad.rec:1", "not a bntutor record" },
    { "bntutor-record 1\nversion 0.0.1\nseed 1\nstart 0 1\n", "bad.rec:2", "recorded by bntutor 0.0.1" },
    { "bntutor-record 1\nversion " BNTUTOR_VERSION "\nseed 1\nstart 0 1\nkey 1 n\nkey zero n\n", "bad.rec:6", "key" },
    { "bntutor-record 1\nversion " BNTUTOR_VERSION "\nseed 1\nstart 0 1\nsteps 2 1\nkey 1 n\n", "bad.rec:6", "goes back" },
    { "bntutor-record 1\nversion " BNTUTOR_VERSION "\nseed 1\n# here\nstart 99 1\n", "bad.rec:5", "no lesson 99" },
    { "bntutor-record 1\nversion " BNTUTOR_VERSION "\nseed 1\nstart 0 77\n", "bad.rec:4", "page" },
    { "bntutor-record 1\nversion " BNTUTOR_VERSION "\nseed 1\nsize 5000 24\nstart 0 1\n", "bad.rec:4", "at most" },
};

Test(cmd_export, a_damaged_or_foreign_record_fails_at_its_file_and_line)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);
        ExportOptions o;
        export_options_default(&o);
        o.lessons_dir = "lessons";
        BnError err = { 0 };
        bool ok = export_asciicast(out, bad[i].text, strlen(bad[i].text), "bad.rec", &o, &err);
        fclose(out);
        cr_assert(!ok, "case %zu was exported", i);
        cr_assert_str_eq(err.where, bad[i].where, "case %zu: where '%s' (%s)", i, err.where, err.message);
        cr_assert(strstr(err.message, bad[i].says), "case %zu: '%s' lacks '%s'", i, err.message, bad[i].says);
        cr_assert_eq(size, 0, "case %zu wrote %zu bytes before failing", i, size);
        free(text);
    }
}

/* The command itself, as the binary: exit status and stderr of `bntutor export ARGS` (a shell line). */
typedef struct Run {
    int status;
    char err[2048];
    char *out;
} Run;

static void run_export(Run *r, const char *args)
{
    const char *bin = getenv("BNTUTOR_BIN");
    cr_assert(bin && *bin, "BNTUTOR_BIN must name the built binary");
    char out_path[] = "/tmp/bntutor-export-out.XXXXXX", err_path[] = "/tmp/bntutor-export-err.XXXXXX";
    close(mkstemp(out_path));
    close(mkstemp(err_path));
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "BNTUTOR_LESSONS=lessons SOURCE_DATE_EPOCH=1234567890 '%s' export %s >%s 2>%s", bin,
             args, out_path, err_path);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc), "'%s' did not exit", cmd);
    r->status = WEXITSTATUS(rc);
    long size = 0;
    char *err = check_read_file(err_path, &size);
    snprintf(r->err, sizeof r->err, "%s", err ? err : "");
    free(err);
    r->out = check_read_file(out_path, &size);
    unlink(out_path);
    unlink(err_path);
}

Test(cmd_export, bad_options_exit_2_and_bad_records_exit_1_with_a_message)
{
    static const struct { const char *args; int status; const char *says; } cases[] = {
        { "--format=svg x.rec", 2, "bntutor: export: --format: expected asciicast, got 'svg'" },
        { "--idle-limit=0 x.rec", 2, "bntutor: export: --idle-limit: expected seconds above 0" },
        { "--idle-limit=soon x.rec", 2, "got 'soon'" },
        /* A value pasted with a terminal control in it is spelled out, never sent raw. */
        { "'--format=\033]2;X\007' x.rec", 2, "got '\\x1B]2;X\\x07'" },
        { "--frobnicate x.rec", 2, "bntutor: export: unknown option '--frobnicate'" },
        { "a.rec b.rec", 2, "one record at a time" },
        { "--ascii=yes x.rec", 2, "takes no value" },
        { "--theme=../x x.rec", 2, "not a theme name" },
        { "--theme=nosuch tests/fuzz/corpus/record/session.rec", 2, "unknown theme 'nosuch'" },
        { "", 2, "is required" },
        { "/nonexistent/x.rec", 1, "bntutor: export: /nonexistent/x.rec: No such file" },
        { "tests/fuzz/corpus/record/other-version.rec", 1,
          "bntutor: export: tests/fuzz/corpus/record/other-version.rec:2: recorded by bntutor 0.0.1" },
        { "- < lessons/00-using-bntutor.lesson", 1, "bntutor: export: <stdin>:1: not a bntutor record" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Run r;
        run_export(&r, cases[i].args);
        cr_assert_eq(r.status, cases[i].status, "'export %s': exit %d, expected %d (%s)", cases[i].args, r.status,
                     cases[i].status, r.err);
        cr_assert(strstr(r.err, cases[i].says), "'export %s' said '%s', without '%s'", cases[i].args, r.err,
                  cases[i].says);
        cr_assert(r.out && !r.out[0], "'export %s' wrote to stdout", cases[i].args);
        free(r.out);
    }
}

Test(cmd_export, the_binary_writes_the_cast_and_honours_source_date_epoch)
{
    Run r;
    run_export(&r, "--format=asciicast --idle-limit=1 - < tests/fuzz/corpus/record/session.rec");
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    cr_assert_str_eq(r.err, "");
    cr_assert(r.out && strncmp(r.out, "{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 1234567890,",
                               66) == 0, "header: %.100s", r.out ? r.out : "");
    free(r.out);
}

Test(cmd_export, a_record_over_the_budget_is_refused_at_its_line_before_anything_is_written)
{
    static const struct {
        const char *text;
        const char *where;
        const char *says;
    } heavy[] = {
        { "bntutor-record 1\nversion " BNTUTOR_VERSION "\nseed 1\nstart 0 1\nsteps 1 600\nsteps 2 600\n", "h.rec:6",
          "scene steps in all: over the export's budget" },
        { "bntutor-record 1\nversion " BNTUTOR_VERSION "\nseed 1\nstart 0 1\nkey 1 n\nkey 2 p\nkey 3 n\n", "h.rec:7",
          "more than 2 events" },
        { "bntutor-record 1\nversion " BNTUTOR_VERSION "\nseed 1\nsize 200 100\nstart 0 1\n", "h.rec:4",
          "more than 10000 cells" },
    };
    for (size_t i = 0; i < sizeof heavy / sizeof heavy[0]; i++) {
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);
        ExportOptions o;
        export_options_default(&o);
        o.lessons_dir = "lessons";
        o.max_steps = 1000;
        o.max_events = 2;
        o.max_cells = 10000;
        BnError err = { 0 };
        bool ok = export_asciicast(out, heavy[i].text, strlen(heavy[i].text), "h.rec", &o, &err);
        fclose(out);
        cr_assert_not(ok, "case %zu was exported", i);
        cr_assert_str_eq(err.where, heavy[i].where, "case %zu: %s", i, err.message);
        cr_assert(strstr(err.message, heavy[i].says), "case %zu: %s", i, err.message);
        cr_assert_eq(size, 0, "case %zu wrote %zu bytes", i, size);
        free(text);
    }
}

Test(cmd_export, a_cast_that_would_pass_its_byte_budget_stops_there_and_says_where)
{
    ExportOptions o;
    export_options_default(&o);
    o.lessons_dir = "lessons";
    o.max_bytes = 2000;         /* less than one full paint: the first changed frame passes it */
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    BnError err = { 0 };
    bool ok = export_asciicast(out, session, strlen(session), "t.rec", &o, &err);
    fclose(out);
    cr_assert_not(ok);
    cr_assert(strstr(err.message, "the cast passes"), "%s", err.message);
    cr_assert_str_eq(err.where, "t.rec:7", "the event where it passed: %s", err.where);
    free(text);
}

Test(cmd_export, hidden_bidi_and_format_characters_never_reach_the_cast_raw)
{
    char dir[] = "/tmp/bntutor-export-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/00-x.lesson", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    /* U+202E in the title, U+2066/U+2069, a soft hyphen and a tag character in the prose. */
    fputs("lesson 0\ntitle Evil \xe2\x80\xaetitle\npage One\ntext\n  A \xe2\x81\xa6" "b\xe2\x81\xa9 so\xc2\xad" "ft "
          "t\xf3\xa0\x80\x81" "ag.\nend\n", f);
    fclose(f);
    ExportOptions o;
    export_options_default(&o);
    o.lessons_dir = dir;
    Cast c;
    BnError err = { 0 };
    cr_assert(export_to(&c, "bntutor-record 1\nversion " BNTUTOR_VERSION "\nseed 1\nstart 0 1\n", &o, &err),
              "%s: %s", err.where, err.message);
    static const char *const raw[] = { "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa9", "\xc2\xad", "\xf3\xa0\x80\x81" };
    for (size_t k = 0; k < sizeof raw / sizeof raw[0]; k++)
        cr_assert_null(strstr(c.text, raw[k]), "hidden character %zu is in the cast raw", k);
    cr_assert(strstr(c.text, "Evil \\u202etitle"), "the title escapes it: %.200s", c.text);
    cr_assert(strstr(event_data(&c, 1), "A b soft tag."), "the frame drops them, as the tutor does");
    cast_free(&c);
    unlink(path);
    rmdir(dir);
}

Test(cmd_export, a_recorded_resize_becomes_a_resize_event_and_a_full_paint_at_the_new_size)
{
    const char *rec = "bntutor-record 1\nversion " BNTUTOR_VERSION "\nseed 1\nstart 0 1\nsize 80 24\n"
                      "key 1.000 RIGHT\nresize 2.000 100 30\nkey 3.000 LEFT\n";
    Cast c;
    BnError err = { 0 };
    cr_assert(export_to(&c, rec, NULL, &err), "%s: %s", err.where, err.message);
    cr_assert_eq(json_number(json_get(c.lines[0], "width")), 80, "the header keeps the starting size");
    int resize = -1;
    for (int i = 1; i < c.count; i++)
        if (strcmp(json_string(json_index(c.lines[i], 1)), "r") == 0)
            resize = i;
    cr_assert_gt(resize, 0, "no resize event in the cast");
    cr_assert_str_eq(event_data(&c, resize), "100x30");
    cr_assert_eq(event_time(&c, resize), 2.0);
    const char *after = event_data(&c, resize + 1);
    cr_assert(strncmp(after, "\x1b[0m\x1b[?25l\x1b[H\x1b[2J", 17) == 0, "a full paint follows the resize");
    cr_assert(strstr(after, "\x1b[30;1H") || strstr(after, "\x1b[30;"), "the paint reaches row 30");
    cast_free(&c);
    /* A resize over the cells budget is refused at its line. */
    ExportOptions o;
    export_options_default(&o);
    o.lessons_dir = "lessons";
    o.max_cells = 2500;
    error_clear(&err);
    cr_assert_not(export_to(&c, rec, &o, &err));
    cr_assert_str_eq(err.where, "t.rec:7", "%s", err.message);
    cr_assert(strstr(err.message, "resized to 100x30"), "%s", err.message);
}
