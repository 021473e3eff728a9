/* 'bntutor check [--verify] FILE...': lints lesson files, and runs their scenes headless to prove each claim on many seeds (top layer). */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "engine/dataset.h"
#include "lesson/discover.h"
#include "lesson/lesson.h"
#include "scene/imagesrc.h"
#include "scene/scene.h"
#include "util/alloc.h"
#include "util/file.h"
#include "util/parse.h"
#include "util/termtext.h"

enum { CHECK_SCAN_MAX = 16 << 20, CHECK_HIDDEN_WARNINGS_MAX = 20 };

/* Warns, per line, about characters the screen drops but that reorder or hide text elsewhere (bidi
 * overrides and isolates, soft hyphens, tag characters): a lesson should not rely on them, and they can
 * make a line say something other than what a reviewer reads. Returns how many lines had one. */
static int warn_hidden_characters(const char *path)
{
    /* A FIFO named *.lesson must not block the linter (its load already said what is wrong). */
    struct stat st;
    int fd = file_open_regular(path, O_RDONLY, 0, &st, NULL);
    if (fd < 0)
        return 0;
    if (st.st_size > CHECK_SCAN_MAX) {
        close(fd);
        return 0;
    }
    size_t size = (size_t)st.st_size;
    char *text = xmalloc(size + 1);
    size_t len = 0;
    while (len < size) {
        ssize_t got = read(fd, text + len, size - len);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    text[len] = '\0';
    int warned = 0, line = 1;
    bool line_warned = false;
    char where[512];
    for (const char *s = text; *s;) {
        uint32_t cp;
        int n = termtext_decode(s, &cp);
        if (cp == '\n') {
            line++;
            line_warned = false;
        } else if (!line_warned && termtext_is_hidden(cp)) {
            line_warned = true;
            if (++warned <= CHECK_HIDDEN_WARNINGS_MAX)
                fprintf(stderr, "bntutor: %s:%d: warning: invisible character U+%04X (a bidi control, separator, "
                        "soft hyphen or tag); the screen drops it, remove it from the lesson\n",
                        termtext_clean(path, where, sizeof where, 0), line, (unsigned)cp);
        }
        s += n;
    }
    if (warned > CHECK_HIDDEN_WARNINGS_MAX)
        fprintf(stderr, "bntutor: %s: warning: %d more lines with invisible characters\n",
                termtext_clean(path, where, sizeof where, 0), warned - CHECK_HIDDEN_WARNINGS_MAX);
    free(text);
    return warned;
}

/* The knob keys a page's scene offers as the page opens (0 when it has no scene). A scene may hide a key
 * that does nothing in the view its settings choose (key_offered), and only the scene can tell: such a
 * scene is built once, on seed 1, and asked. When it will not start, every key of its table counts. */
static int page_knob_keys(const LessonPage *page, SceneKey *keys)
{
    const SceneClass *cls = scene_class_find(page->scene->name);
    if (!cls || strcmp(page->scene->name, "none") == 0)
        return 0;
    if (cls->key_offered) {
        BnError err = { 0 };
        Scene *scene = scene_create(page, scene_seed_for_page(page, 1), &err);
        if (scene) {
            int n = scene_keys(scene, keys);
            scene_destroy(scene);
            return n;
        }
    }
    int n = 0;
    for (int k = 0; k < cls->key_count && n < SCENE_KEYS_MAX; k++)
        keys[n++] = (SceneKey){ cls->keys[k].key, cls->keys[k].label };
    return n;
}

/* Warns about a page's 'shows ... or key K' whose K does nothing on that page: only z (zoom, on a page
 * with a scene) and the knob keys its scene offers there reveal anything. Returns how many it warned about. */
static int warn_shows_keys(const Lesson *lesson)
{
    int warned = 0;
    char where[512];
    for (int p = 0; p < lesson->page_count; p++) {
        const LessonPage *page = &lesson->pages[p];
        if (page->show_count == 0)
            continue;
        bool has_scene = scene_class_find(page->scene->name) && strcmp(page->scene->name, "none") != 0;
        SceneKey knobs[SCENE_KEYS_MAX];
        int knob_count = page_knob_keys(page, knobs);
        for (int i = 0; i < page->show_count; i++) {
            int key = page->shows[i].key;
            if (!key || key == 'z')
                continue;               /* z zooms a scene; without one the parser reports it */
            bool known = false;
            char keys[160] = "";
            size_t used = 0;
            for (int k = 0; k < knob_count; k++) {
                known = known || scene_key_names(knobs[k].key, key);
                int w = snprintf(keys + used, sizeof keys - used, ", %s", knobs[k].key);
                if (w > 0 && (size_t)w < sizeof keys - used)
                    used += (size_t)w;
            }
            if (known)
                continue;
            warned++;
            char text[256];
            fprintf(stderr, "bntutor: %s:%d: warning: shows \"%s\" or key %c: %c does nothing on this page (%s%s)\n",
                    termtext_clean(lesson->path, where, sizeof where, 0), page->shows[i].line,
                    termtext_clean(page->shows[i].text, text, sizeof text, 0), key, key,
                    has_scene ? "its keys: z zooms the scene" : "it has no scene to turn",
                    has_scene ? keys : "");
        }
    }
    return warned;
}

static const char check_usage[] =
    "Usage: bntutor check [--verify [--seeds=A-B] [--data=synthetic|idx:DIR]] FILE...\n"
    "Checks lesson files. Every problem is printed on stderr as 'bntutor: file:line: message';\n"
    "invisible characters (bidi controls, soft hyphens, tag characters), a live value whose index is\n"
    "out of range for the page's settings (scene:mean[7] with 3 features), a '*' in a formula line\n"
    "(taken as emphasis) and a 'shows ... or key K' whose key does nothing on its page (a key its\n"
    "scene hides there does nothing) get a warning there too, as 'bntutor: file:line: warning: ...';\n"
    "each good file gets 'FILE: ok (N pages)' on stdout. The format is described in lessons/README.md.\n"
    "\n"
    "  --verify         also run every page that states claims, headless, on every seed, and report\n"
    "                   each claim (and each answer key backed by one) that fails, with the seed and\n"
    "                   the values\n"
    "  --seeds=A-B      the session seeds to verify on (default 1-100; one number: just that seed)\n"
    "  --data=synthetic verify as if Fashion-MNIST were not installed (shapes28, synth784)\n"
    "  --data=idx:DIR   verify on the MNIST-format files in DIR instead of the installed Fashion-MNIST\n"
    "\n"
    "Exit status: 0 all files good (and every claim holds), 1 a file has problems or a claim fails,\n"
    "2 usage error.\n";

enum {
    VERIFY_SEEDS_MAX = 100000,          /* seeds in one --seeds range */
    VERIFY_DONE_LIMIT = 1000000,        /* steps 'when done' waits for a scene to finish */
    VERIFY_REPORTS_PER_CLAIM = 3,       /* failing seeds shown in full per claim; the rest are counted */
};

/* One claim being verified: where it comes from and how it fared. */
typedef struct Probe {
    const Lesson *lesson;
    const LessonPage *page;
    const LessonClaim *claim;
    long target;                        /* steps before it is checked; LONG_MAX: when the scene is done */
    long failures;
    char failed_seeds[160];             /* "3, 4, 6 ..." */
} Probe;

/* Pages whose scenes are the same simulation share one run per seed: same scene, same settings
 * (presentation settings aside), same seed rule. */
typedef struct Group {
    const LessonPage *page;             /* the first page; its settings build the scene */
    char *key;
    Probe *probes;                      /* (probe_count) sorted by target */
    int probe_count;
} Group;

typedef struct Verifier {
    long seed_first, seed_last;
    Group *groups;
    int group_count;
    long claim_count, failures, runs;
} Verifier;

static bool presentation_only(const char *name)
{
    return strcmp(name, "autoplay") == 0 || strcmp(name, "speed") == 0;
}

/* The simulation a page runs, as text: scene name and every setting that can change it. */
static char *simulation_key(const LessonPage *page)
{
    size_t cap = 256, used = 0;
    char *key = xmalloc(cap);
    used = (size_t)snprintf(key, cap, "%s", page->scene->name);
    for (int i = 0; i < page->setting_count; i++) {
        const LessonSetting *s = &page->settings[i];
        if (presentation_only(s->setting->name))
            continue;
        char one[128];
        snprintf(one, sizeof one, ";%s=%ld/%.17g/%d", s->setting->name, s->value.integer, s->value.real,
                         strcmp(s->setting->name, "seed") == 0 ? s->line != 0 : 0);
        for (int k = 0; k < s->value.item_count; k++) {
            size_t len = strlen(one);
            if (len + 32 < sizeof one)
                snprintf(one + len, sizeof one - len, ",%.17g", s->value.items[k]);
        }
        size_t len = strlen(one);
        if (used + len + 1 > cap) {
            while (used + len + 1 > cap)
                cap *= 2;
            key = xrealloc(key, cap);
        }
        memcpy(key + used, one, len + 1);
        used += len;
    }
    return key;
}

static long claim_target(const LessonPage *page, const LessonClaim *claim)
{
    switch (claim->when) {
    case CLAIM_AFTER_STEPS:
        return claim->steps;
    case CLAIM_WHEN_DONE:
        return LONG_MAX;
    case CLAIM_AT_RUN_END:
        break;
    }
    const LessonSetting *steps = lesson_page_setting(page, "steps");
    return steps ? steps->value.integer : 0;
}

static int probe_order(const void *a, const void *b)
{
    const Probe *x = a, *y = b;
    return x->target < y->target ? -1 : x->target > y->target;
}

static void verifier_add_lesson(Verifier *V, const Lesson *lesson)
{
    for (int p = 0; p < lesson->page_count; p++) {
        const LessonPage *page = &lesson->pages[p];
        if (page->claim_count == 0)
            continue;
        char *key = simulation_key(page);
        Group *g = NULL;
        for (int i = 0; i < V->group_count && !g; i++)
            if (strcmp(V->groups[i].key, key) == 0)
                g = &V->groups[i];
        if (g) {
            free(key);
        } else {
            V->groups = xrealloc(V->groups, sizeof *V->groups * (size_t)(V->group_count + 1));
            g = &V->groups[V->group_count++];
            memset(g, 0, sizeof *g);
            g->page = page;
            g->key = key;
        }
        g->probes = xrealloc(g->probes, sizeof *g->probes * (size_t)(g->probe_count + page->claim_count));
        for (int c = 0; c < page->claim_count; c++) {
            Probe *probe = &g->probes[g->probe_count++];
            memset(probe, 0, sizeof *probe);
            probe->lesson = lesson;
            probe->page = page;
            probe->claim = &page->claims[c];
            probe->target = claim_target(page, probe->claim);
            V->claim_count++;
        }
    }
}

static bool lookup_live(void *ctx, const LessonLiveRef *ref, double *out)
{
    return scene_live((const Scene *)ctx, ref->live->name, ref->index, out);
}

/* "the claim", or "the claim behind answer 'b'" for a checkpoint's. */
static const char *claim_role(const Probe *probe, char *buf, size_t size)
{
    const LessonClaim *claim = probe->claim;
    if (claim->checkpoint < 0 || claim->checkpoint >= probe->page->checkpoint_count) {
        snprintf(buf, size, "claim");
        return buf;
    }
    const LessonCheckpoint *cp = &probe->page->checkpoints[claim->checkpoint];
    if (cp->kind == CHECKPOINT_CHOICE)
        snprintf(buf, size, "answer '%s' (claim)", cp->choices[cp->answer].key);
    else
        snprintf(buf, size, "answer (claim)");
    return buf;
}

static void note_failure(Verifier *V, Probe *probe, long seed, const char *what)
{
    V->failures++;
    probe->failures++;
    char role[64], path[1024];
    if (probe->failures <= VERIFY_REPORTS_PER_CLAIM)
        fprintf(stderr, "bntutor: %s:%d: %s fails on seed %ld: %s\n",
                termtext_clean(probe->lesson->path, path, sizeof path, 0), probe->claim->line,
                claim_role(probe, role, sizeof role), seed, what);
    size_t used = strlen(probe->failed_seeds);
    if (used + 24 < sizeof probe->failed_seeds)
        snprintf(probe->failed_seeds + used, sizeof probe->failed_seeds - used, "%s%ld", used ? ", " : "", seed);
    else if (used + 5 < sizeof probe->failed_seeds && strcmp(probe->failed_seeds + used - 3, "...") != 0)
        snprintf(probe->failed_seeds + used, sizeof probe->failed_seeds - used, " ...");
}

/* One seed of one group: the scene runs once, each claim is checked when its step comes. */
static void verify_group_seed(Verifier *V, Group *g, long seed)
{
    BnError err = { 0 };
    uint64_t scene_seed = scene_seed_for_page(g->page, (uint64_t)seed);
    Scene *scene = scene_create(g->page, scene_seed, &err);
    V->runs++;
    if (!scene) {
        char buf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 4];
        char what[sizeof buf + 64];
        snprintf(what, sizeof what, "the scene does not start: %s", error_format(&err, buf, (int)sizeof buf));
        for (int i = 0; i < g->probe_count; i++)
            note_failure(V, &g->probes[i], seed, what);
        return;
    }
    for (int i = 0; i < g->probe_count; i++) {
        Probe *probe = &g->probes[i];
        char what[2048];
        if (probe->target == LONG_MAX) {
            while (!scene_halted(scene) && scene_animates(scene) && scene->steps < VERIFY_DONE_LIMIT)
                scene_step(scene, 1000);
            if (!scene_halted(scene)) {
                snprintf(what, sizeof what, "'when done' but the scene %s", scene_animates(scene)
                         ? "had not finished after a million steps" : "never runs (it has no steps)");
                note_failure(V, probe, seed, what);
                continue;
            }
        } else if (probe->target > scene->steps) {
            scene_step(scene, probe->target - scene->steps);
        }
        char report[1800];
        ClaimVerdict verdict = claim_check(probe->claim, lookup_live, scene, report, sizeof report);
        if (verdict == CLAIM_HOLDS)
            continue;
        if (verdict == CLAIM_NO_VALUE)
            snprintf(what, sizeof what, "%s after %ld steps", report, scene->steps);
        else
            snprintf(what, sizeof what, "%s", report);
        note_failure(V, probe, seed, what);
    }
    scene_destroy(scene);
}

static double verify_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs every claim of the lessons on every seed; returns the number of failures. */
static long verify_lessons(Verifier *V, LessonSet *set)
{
    for (int i = 0; i < set->count; i++)
        if (!lesson_is_broken(set->lessons[i]))
            verifier_add_lesson(V, set->lessons[i]);
    for (int i = 0; i < V->group_count; i++)
        qsort(V->groups[i].probes, (size_t)V->groups[i].probe_count, sizeof *V->groups[i].probes, probe_order);
    double start = verify_clock();
    bool progress = isatty(STDERR_FILENO);
    long seeds = V->seed_last - V->seed_first + 1;
    for (long seed = V->seed_first; seed <= V->seed_last; seed++) {
        if (progress) {
            fprintf(stderr, "\rverifying: seed %ld (%ld of %ld), %ld failure%s so far ", seed, seed - V->seed_first + 1,
                    seeds, V->failures, V->failures == 1 ? "" : "s");
            fflush(stderr);
        }
        for (int g = 0; g < V->group_count; g++)
            verify_group_seed(V, &V->groups[g], seed);
    }
    if (progress)
        fprintf(stderr, "\r%*s\r", 70, "");
    for (int g = 0; g < V->group_count; g++)
        for (int i = 0; i < V->groups[g].probe_count; i++) {
            Probe *probe = &V->groups[g].probes[i];
            char role[64], path[1024];
            if (probe->failures > VERIFY_REPORTS_PER_CLAIM)
                fprintf(stderr, "bntutor: %s:%d: %s fails on %ld of %ld seeds: %s\n",
                        termtext_clean(probe->lesson->path, path, sizeof path, 0),
                        probe->claim->line, claim_role(probe, role, sizeof role), probe->failures, seeds,
                        probe->failed_seeds);
        }
    printf("verify: %ld claim%s on %d simulation%s, seeds %ld-%ld: %s (%ld runs, %.1f s)\n", V->claim_count,
           V->claim_count == 1 ? "" : "s", V->group_count, V->group_count == 1 ? "" : "s", V->seed_first,
           V->seed_last, V->failures ? "FAILED" : "all hold", V->runs, verify_clock() - start);
    return V->failures;
}

static void verifier_free(Verifier *V)
{
    for (int i = 0; i < V->group_count; i++) {
        free(V->groups[i].key);
        free(V->groups[i].probes);
    }
    free(V->groups);
}

/* "A-B" or "N" into [first, last]. */
static bool parse_seeds(const char *text, long *first, long *last)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", text);
    char *dash = strchr(buf, '-');
    if (dash)
        *dash = '\0';
    if (!parse_long(buf, 0, UINT32_MAX, first))
        return false;
    if (!dash) {
        *last = *first;
        return true;
    }
    return parse_long(dash + 1, *first, UINT32_MAX, last) && *last - *first < VERIFY_SEEDS_MAX;
}

int cmd_check(int argc, char **argv)
{
    char **files = argv + 1;
    int count = 0;
    bool options_done = false, verify = false, seeds_given = false;
    const char *data = NULL;
    Verifier V = { .seed_first = 1, .seed_last = 100 };
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (!options_done && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) {
            fputs(check_usage, stdout);
            return 0;
        } else if (!options_done && strcmp(arg, "--verify") == 0) {
            verify = true;
        } else if (!options_done && strncmp(arg, "--seeds=", 8) == 0) {
            seeds_given = true;
            if (!parse_seeds(arg + 8, &V.seed_first, &V.seed_last)) {
                fprintf(stderr, "bntutor: check: --seeds takes A-B or N, whole numbers from 0 to %lu with A <= B and "
                        "at most %d seeds, not '%s'\n", (unsigned long)UINT32_MAX, VERIFY_SEEDS_MAX, arg + 8);
                return 2;
            }
        } else if (!options_done && strncmp(arg, "--data=", 7) == 0) {
            data = arg + 7;
            if (strcmp(data, "synthetic") != 0 && (strncmp(data, "idx:", 4) != 0 || data[4] == '\0')) {
                fprintf(stderr, "bntutor: check: --data takes synthetic or idx:DIR, not '%s'\n", data);
                return 2;
            }
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "bntutor: check: unknown option '%s' (try 'bntutor check --help')\n", arg);
            return 2;
        } else {
            files[count++] = argv[i];   /* compacts the file names in place, dropping "--" */
        }
    }
    if (count == 0) {
        fprintf(stderr, "bntutor: check: no lesson files given (usage: bntutor check FILE...)\n");
        return 2;
    }
    if ((data || seeds_given) && !verify) {
        fprintf(stderr, "bntutor: check: --seeds and --data go with --verify\n");
        return 2;
    }
    if (data && strcmp(data, "synthetic") == 0) {
        dataset_fashion_set(NULL);
    } else if (data) {
        /* A directory that cannot be read would quietly verify on the fallback: refuse it up front. */
        Dataset *train = NULL, *test = NULL;
        BnError err = { 0 };
        if (!dataset_load(data, 1, 1, 1, &train, &test, &err)) {
            char buf[ERROR_WHERE_MAX + ERROR_MESSAGE_MAX + 4];
            fprintf(stderr, "bntutor: check: --data=%s: %s\n", data, error_format(&err, buf, (int)sizeof buf));
            return 1;
        }
        dataset_destroy(train);
        dataset_destroy(test);
        dataset_fashion_set(data);
    }
    LessonSet *set = lesson_set_load_files(files, count);
    int status = 0;
    for (int i = 0; i < set->count; i++) {
        const Lesson *lesson = set->lessons[i];
        char shown[1024];
        warn_hidden_characters(lesson->path);
        warn_shows_keys(lesson);
        for (int k = 0; k < lesson->warning_count; k++) {
            LessonProblem w = lesson->warnings[k];
            char message[1100], line[2048], clean[4096];
            snprintf(message, sizeof message, "warning: %s", w.message);
            w.message = message;
            lesson_problem_format(lesson, &w, line, sizeof line);
            fprintf(stderr, "bntutor: %s\n", termtext_clean(line, clean, sizeof clean, 0));
        }
        if (!lesson_is_broken(lesson)) {
            printf("%s: ok (%d page%s)\n", termtext_clean(lesson->path, shown, sizeof shown, 0), lesson->page_count,
                   lesson->page_count == 1 ? "" : "s");
            continue;
        }
        status = 1;
        for (int k = 0; k < lesson->problem_count; k++) {
            char line[2048], clean[4096];
            lesson_problem_format(lesson, &lesson->problems[k], line, sizeof line);
            fprintf(stderr, "bntutor: %s\n", termtext_clean(line, clean, sizeof clean, 0));
        }
    }
    fflush(stdout);
    if (verify) {
        if (verify_lessons(&V, set) > 0)
            status = 1;
        verifier_free(&V);
        fflush(stdout);
    }
    lesson_set_destroy(set);
    return status;
}
