/* Recorded sessions: key names, the record format's strict parser, and a replay ending on the same screen. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/check.h"
#include "ui/record.h"
#include "ui/tutor.h"
#include "view/keys.h"

static const char *good =
    "bntutor-record 1\n"
    "# comment\n"
    "version 9.9.9\n"
    "seed 7\n"
    "start 0 2\n"
    "autoplay 0\n"
    "size 80 24\n"
    "key 0.500 RIGHT\n"
    "key 0.500 SPACE\n"
    "steps 0.600 3\n"
    "key 1.000 n\n"
    "key 1.200 U+00E9\n"
    "end 2.000\n";

Test(tutor_record, a_well_formed_record_parses_in_order)
{
    BnError err = { 0 };
    Record *r = record_parse(good, strlen(good), "good.rec", "9.9.9", &err);
    cr_assert_not_null(r, "%s: %s", err.where, err.message);
    cr_assert_eq(r->seed, 7);
    cr_assert_eq(r->lesson, 0);
    cr_assert_eq(r->page, 2);
    cr_assert_eq(r->count, 5);
    cr_assert_eq(r->events[0].value, BK_RIGHT);
    cr_assert_eq(r->events[1].value, ' ');
    cr_assert_eq(r->events[2].kind, RECORD_STEPS);
    cr_assert_eq(r->events[2].value, 3);
    cr_assert_eq(r->events[3].value, 'n');
    cr_assert_eq(r->events[4].value, 0xE9);
    check_close(r->end, 2.0, 1e-12, 0, "end time");
    record_destroy(r);
}

Test(tutor_record, every_key_name_reads_back_as_the_same_key)
{
    int keys[] = { ' ', 'a', 'Z', '?', '#', '.', BK_ENTER, BK_TAB, BK_BACKTAB, BK_ESC, BK_BACKSPACE, BK_DELETE,
                   BK_LEFT, BK_RIGHT, BK_UP, BK_DOWN, BK_PAGE_UP, BK_PAGE_DOWN, BK_HOME, BK_END, BK_F1,
                   BK_F12, BK_AUTOPLAY, 0x3B1, 12 };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char name[RECORD_NAME_MAX];
        int back = -1;
        record_key_name(keys[i], name, sizeof name);
        cr_assert(!strchr(name, ' '), "a key name is one word: '%s'", name);
        cr_assert(record_key_parse(name, &back), "'%s' does not parse", name);
        cr_assert_eq(back, keys[i], "'%s' read back as %d, not %d", name, back, keys[i]);
    }
}

/* Each bad record and the line and words its error must carry. */
static const struct BadRecord {
    const char *text;
    int line;
    const char *says;
} bad[] = {
    { "", 0, "empty" },
    { "hello\n", 1, "not a bntutor record" },
    { "bntutor-record 2\nversion 9.9.9\n", 1, "not a bntutor record" },
    { "bntutor-record 1\nversion 1.0.0\nseed 1\nstart 0 1\n", 2, "recorded by bntutor 1.0.0" },
    { "bntutor-record 1\nversion 9.9.9\nseed x\n", 3, "seed" },
    { "bntutor-record 1\nversion 9.9.9\nseed 1\nstart 0 0\n", 4, "start" },
    { "bntutor-record 1\nversion 9.9.9\nkey 1 n\n", 3, "before" },
    { "bntutor-record 1\nversion 9.9.9\nseed 1\nstart 0 1\nkey 2 n\nkey 1 n\n", 6, "goes back" },
    { "bntutor-record 1\nversion 9.9.9\nseed 1\nstart 0 1\nkey 1 NOPE\n", 5, "unknown key" },
    { "bntutor-record 1\nversion 9.9.9\nseed 1\nstart 0 1\nsteps 1 0\n", 5, "step count" },
    { "bntutor-record 1\nversion 9.9.9\nseed 1\nstart 0 1\nkey -1 n\n", 5, "key SECONDS" },
    { "bntutor-record 1\nversion 9.9.9\nseed 1\nstart 0 1\nfrobnicate 1\n", 5, "unknown line" },
    { "bntutor-record 1\nversion 9.9.9\nseed 1\n", 3, "missing the 'start' line" },
    /* Budgets: a small file must not ask for minutes of simulation or a giant screen. */
    { "bntutor-record 1\nversion 9.9.9\nseed 1\nstart 0 1\nsteps 1 1000000\n", 5, "from 1 to 10000" },
    { "bntutor-record 1\nversion 9.9.9\nseed 1\nstart 0 1\nsteps 1 10001\n", 5, "no frame takes more" },
    { "bntutor-record 1\nversion 9.9.9\nsize 1001 24\n", 3, "at most 1000x400" },
    { "bntutor-record 1\nversion 9.9.9\nsize 80 401\n", 3, "at most 1000x400" },
    { "bntutor-record 1\nversion 9.9.9\nseed 1\nstart 0 1\nresize 1 2000 30\n", 5, "'resize SECONDS WIDTH HEIGHT'" },
    { "bntutor-record 1\nversion 9.9.9\nseed 1\nstart 0 1\nkey 2 n\nresize 1 90 30\n", 6, "goes back" },
};

Test(tutor_record, bad_records_are_refused_with_file_line_and_reason)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        BnError err = { 0 };
        Record *r = record_parse(bad[i].text, strlen(bad[i].text), "x.rec", "9.9.9", &err);
        cr_assert_null(r, "case %zu was accepted", i);
        char want[32];
        if (bad[i].line)
            snprintf(want, sizeof want, "x.rec:%d", bad[i].line);
        else
            snprintf(want, sizeof want, "x.rec");
        cr_assert_str_eq(err.where, want, "case %zu: where '%s', expected '%s' (%s)", i, err.where, want,
                         err.message);
        cr_assert(strstr(err.message, bad[i].says), "case %zu: '%s' lacks '%s'", i, err.message, bad[i].says);
    }
}

Test(tutor_record, a_binary_file_is_refused_without_reading_on)
{
    const char text[] = "bntutor-record 1\nver\0sion\n";
    BnError err = { 0 };
    cr_assert_null(record_parse(text, sizeof text - 1, "bin.rec", "9.9.9", &err));
    cr_assert(strstr(err.message, "binary"), "%s", err.message);
}

/* A fake clock the recording reads: the test moves it. */
static double fake_time;
static double fake_now(void) { return fake_time; }

static char *frame(Tutor *t)
{
    Canvas *c = canvas_create(80, 24, RASTER_BRAILLE, true);
    AppScreen s = tutor_screen(t);
    app_render_frame(&s, c, NULL);
    char *text = canvas_dump(c, false);
    canvas_destroy(c);
    return text;
}

Test(tutor_record, a_recorded_session_replays_to_the_same_final_screen)
{
    char path[] = "/tmp/bntutor-test-record.XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);

    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = "lessons";
    config.use_progress = false;
    config.lesson = 0;
    config.page = 1;
    config.seed = 11;
    config.record_path = path;
    config.now = fake_now;
    config.term_width = 80;
    config.term_height = 24;
    fake_time = 100.0;
    BnError err = { 0 };
    Tutor *a = tutor_create(&config, &err);
    cr_assert_not_null(a, "%s", err.message);
    /* Page 2 (a live scene): play for a while at uneven frame times, a new seed, a step, page 3: a
     * wrong answer and a typed number. */
    int keys[] = { BK_RIGHT, ' ', 0, 0, 0, '+', 0, 0, ' ', 'R', '.', '.', ' ', 0, 0, ' ', BK_RIGHT, 'b', '4',
                   BK_BACKSPACE, '5', BK_ENTER };
    double dts[] = { 0.031, 0.047, 0.029, 0.2, 0.033 };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        fake_time += 0.25;
        if (keys[i] == 0)
            for (size_t k = 0; k < sizeof dts / sizeof dts[0]; k++) {
                fake_time += dts[k];
                tutor_tick(a, dts[k]);
            }
        else
            tutor_key(a, keys[i]);
    }
    char *want = frame(a);
    long steps_live = tutor_scene_steps(a);
    tutor_destroy(a);
    (void)steps_live;

    Record *rec = record_load(path, BNTUTOR_VERSION, &err);
    cr_assert_not_null(rec, "%s: %s", err.where, err.message);
    cr_assert_eq(rec->seed, 11);
    cr_assert_eq(rec->lesson, 0);
    cr_assert_eq(rec->page, 1);
    cr_assert(rec->width == 80 && rec->height == 24, "recorded size %dx%d", rec->width, rec->height);
    TutorConfig again;
    tutor_config_default(&again);
    again.lessons_dir = "lessons";
    again.use_progress = false;
    again.lesson = rec->lesson;
    again.page = rec->page;
    again.seed = rec->seed;
    again.replay = rec;
    Tutor *b = tutor_create(&again, &err);
    cr_assert_not_null(b, "%s", err.message);
    cr_assert(tutor_replaying(b));
    for (int i = 0; i < 10000 && tutor_replaying(b); i++)
        tutor_tick(b, 1.0 / 30.0);          /* a different frame rate than the recording */
    cr_assert(!tutor_replaying(b), "the replay ends");
    char *got = frame(b);
    /* The footer's status differs ("Replay finished"); every other row must be identical. */
    char *wf = strrchr(want, '\n'), *gf = strrchr(got, '\n');
    cr_assert(wf && gf);
    *wf = '\0';
    *gf = '\0';
    cr_assert_str_eq(got, want, "replayed screen differs from the recorded one");
    free(want);
    free(got);
    tutor_destroy(b);
    record_destroy(rec);
    unlink(path);
}

/* A tutor replaying a short record (lesson 0 page 1, one RIGHT at 5 s) with `extra` lines in its header. */
static Tutor *replay_of(Record **rec, const char *extra)
{
    char text[256];
    snprintf(text, sizeof text, "bntutor-record 1\nversion %s\nseed 1\nstart 0 1\n%skey 5 RIGHT\n",
             BNTUTOR_VERSION, extra);
    BnError err = { 0 };
    *rec = record_parse(text, strlen(text), "r", BNTUTOR_VERSION, &err);
    cr_assert_not_null(*rec, "%s", err.message);
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = "lessons";
    config.use_progress = false;
    config.lesson = 0;
    config.page = 1;
    config.replay = *rec;
    Tutor *t = tutor_create(&config, &err);
    cr_assert_not_null(t, "%s", err.message);
    return t;
}

Test(tutor_record, a_real_key_during_a_replay_takes_over)
{
    Record *rec;
    Tutor *t = replay_of(&rec, "");
    cr_assert(tutor_animating(t), "a replay runs on the frame clock");
    tutor_tick(t, 1.0);
    tutor_key(t, 'x');
    cr_assert(!tutor_replaying(t));
    tutor_tick(t, 10.0);
    cr_assert_eq(tutor_page(t), 1, "the rest of the replay does not run");
    tutor_destroy(t);
    record_destroy(rec);
}

/* Pages lay out by the terminal's size: a replay in another size says so in the status line. */
Test(tutor_record, a_replay_in_another_terminal_size_says_so_once)
{
    const char *sizes[] = { "size 100 30\n", "size 80 24\n", "" };
    bool expect_note[] = { true, false, false };
    for (int i = 0; i < 3; i++) {
        Record *rec;
        Tutor *t = replay_of(&rec, sizes[i]);
        free(frame(t));                      /* drawn at 80x24 */
        bool noted = strstr(tutor_status(t), "Recorded at 100x30, replayed at 80x24") != NULL;
        cr_assert_eq(noted, expect_note[i], "'%s': status '%s'", sizes[i], tutor_status(t));
        tutor_destroy(t);
        record_destroy(rec);
    }
}

Test(tutor_record, a_record_asking_more_steps_in_all_than_the_budget_is_refused_at_that_line)
{
    /* 100 lines of 10000 steps reach the budget exactly; one step more is refused where it is asked. */
    size_t cap = 8192;
    char *text = malloc(cap);
    int len = snprintf(text, cap, "bntutor-record 1\nversion 9.9.9\nseed 1\nstart 0 1\n");
    for (int i = 0; i < RECORD_STEPS_TOTAL_MAX / RECORD_STEPS_PER_EVENT_MAX; i++)
        len += snprintf(text + len, cap - (size_t)len, "steps %d %d\n", i, RECORD_STEPS_PER_EVENT_MAX);
    BnError err = { 0 };
    Record *r = record_parse(text, (size_t)len, "big.rec", "9.9.9", &err);
    cr_assert_not_null(r, "%s", err.message);
    cr_assert_eq(r->steps, RECORD_STEPS_TOTAL_MAX);
    record_destroy(r);
    len += snprintf(text + len, cap - (size_t)len, "steps 1000 1\n");
    cr_assert_null(record_parse(text, (size_t)len, "big.rec", "9.9.9", &err));
    cr_assert_str_eq(err.where, "big.rec:105");
    cr_assert(strstr(err.message, "scene steps in all"), "%s", err.message);
    free(text);
}

Test(tutor_record, a_record_is_written_0600_even_over_a_file_that_was_0644)
{
    char path[] = "/tmp/bntutor-test-mode.XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(chmod(path, 0644), 0);
    Record header = { .seed = 1, .lesson = 0, .page = 1 };
    snprintf(header.version, sizeof header.version, "9.9.9");
    BnError err = { 0 };
    Recorder *rec = recorder_open(path, &header, &err);
    cr_assert_not_null(rec, "%s", err.message);
    recorder_key(rec, 0.5, 'n');
    cr_assert(recorder_close(rec, 1.0, &err));
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "mode %o: a record holds typed answers", (unsigned)(st.st_mode & 0777));
    unlink(path);
    /* A new file too, whatever the umask. */
    mode_t old = umask(022);
    rec = recorder_open(path, &header, &err);
    cr_assert_not_null(rec);
    recorder_close(rec, 1.0, &err);
    umask(old);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    unlink(path);
}

Test(tutor_record, a_fifo_is_neither_replayed_nor_recorded_into_and_nothing_blocks, .timeout = 10)
{
    char dir[] = "/tmp/bntutor-test-fifo.XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/session.rec", dir);
    cr_assert_eq(mkfifo(path, 0600), 0);
    BnError err = { 0 };
    cr_assert_null(record_load(path, "9.9.9", &err));
    cr_assert(strstr(err.message, "not a regular file"), "%s", err.message);
    Record header = { .seed = 1, .lesson = 0, .page = 1 };
    error_clear(&err);
    cr_assert_null(recorder_open(path, &header, &err), "a FIFO without a reader is not written to");
    cr_assert(err.set);
    unlink(path);
    rmdir(dir);
}

/* Says "stop" from the n-th question on, as a pending SIGTERM would. */
static int asked, stop_after;
static int stop_soon(void) { return ++asked > stop_after; }

Test(tutor_record, a_replayed_frame_of_many_steps_stops_at_once_when_a_signal_asks)
{
    const char *text = "bntutor-record 1\nversion 9.9.9\nseed 1\nstart 10 1\nsteps 0.1 10000\nsteps 0.2 10000\n";
    BnError err = { 0 };
    Record *r = record_parse(text, strlen(text), "s.rec", "9.9.9", &err);
    cr_assert_not_null(r, "%s", err.message);
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = "lessons";
    config.use_progress = false;
    config.lesson = 10;
    config.page = 1;
    config.replay = r;
    config.interrupted = stop_soon;
    asked = 0;
    stop_after = 5;
    Tutor *t = tutor_create(&config, &err);
    cr_assert_not_null(t, "%s", err.message);
    tutor_tick(t, 1.0);
    cr_assert_leq(tutor_scene_steps(t), 5, "%ld steps ran after the signal", tutor_scene_steps(t));
    tutor_destroy(t);
    /* Without a signal the same record runs its steps. */
    config.interrupted = NULL;
    t = tutor_create(&config, &err);
    tutor_tick(t, 1.0);
    cr_assert_gt(tutor_scene_steps(t), 5);
    tutor_destroy(t);
    record_destroy(r);
}

static char *canvas_frame_at(Tutor *t, int w, int h)
{
    Canvas *c = canvas_create(w, h, RASTER_BRAILLE, true);
    AppScreen s = tutor_screen(t);
    app_render_frame(&s, c, NULL);
    char *text = canvas_dump(c, false);
    canvas_destroy(c);
    return text;
}

Test(tutor_record, a_recording_keeps_every_terminal_resize)
{
    char path[] = "/tmp/bntutor-test-resize.XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    TutorConfig config;
    tutor_config_default(&config);
    config.lessons_dir = "lessons";
    config.use_progress = false;
    config.lesson = 0;
    config.page = 1;
    config.record_path = path;
    config.now = fake_now;
    config.term_width = 80;
    config.term_height = 24;
    fake_time = 10.0;
    BnError err = { 0 };
    Tutor *t = tutor_create(&config, &err);
    cr_assert_not_null(t, "%s", err.message);
    free(canvas_frame_at(t, 80, 24));       /* the starting size: nothing to write */
    fake_time = 11.5;
    free(canvas_frame_at(t, 100, 30));
    fake_time = 12.0;
    free(canvas_frame_at(t, 100, 30));      /* the same size again: nothing either */
    fake_time = 13.25;
    free(canvas_frame_at(t, 60, 20));
    tutor_destroy(t);
    Record *rec = record_load(path, BNTUTOR_VERSION, &err);
    cr_assert_not_null(rec, "%s: %s", err.where, err.message);
    cr_assert_eq(rec->count, 2, "one event per size change");
    cr_assert_eq(rec->events[0].kind, RECORD_RESIZE);
    check_close(rec->events[0].t, 1.5, 1e-9, 0, "first resize time");
    cr_assert_eq(record_size_width(rec->events[0].value), 100);
    cr_assert_eq(record_size_height(rec->events[0].value), 30);
    cr_assert_eq(record_size_width(rec->events[1].value), 60);
    cr_assert_eq(record_size_height(rec->events[1].value), 20);
    record_destroy(rec);
    unlink(path);
}

Test(tutor_record, a_file_name_with_a_newline_still_gives_a_record_that_reads_back)
{
    char dir[] = "/tmp/bntutor-test-name.XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[96];
    snprintf(path, sizeof path, "%s/two\nlines.rec", dir);
    Record header = { .seed = 3, .lesson = 0, .page = 1 };
    snprintf(header.version, sizeof header.version, "9.9.9");
    BnError err = { 0 };
    Recorder *rec = recorder_open(path, &header, &err);
    cr_assert_not_null(rec, "%s", err.message);
    cr_assert(recorder_close(rec, 1.0, &err));
    Record *r = record_load(path, "9.9.9", &err);
    cr_assert_not_null(r, "the name's newline broke the record: %s: %s", err.where, err.message);
    cr_assert_eq(r->seed, 3);
    record_destroy(r);
    unlink(path);
    rmdir(dir);
}
