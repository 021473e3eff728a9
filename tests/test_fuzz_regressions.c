/* Every fuzz seed and every input that ever failed, run through the fuzz targets' own entry functions. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/check.h"
#include "support/fuzz_harness.h"

/* Runs every file of tests/fuzz/<kind>/<target>/ through the target; returns how many ran.
 * A crash, sanitizer report or broken invariant aborts the test, naming the file on stderr first. */
static int run_folder(const char *kind, const char *target)
{
    FuzzEntry entry = fuzz_entry(target);
    cr_assert_not_null(entry, "no fuzz entry named %s", target);
    char dir_path[256];
    snprintf(dir_path, sizeof dir_path, "tests/fuzz/%s/%s", kind, target);
    DIR *dir = opendir(dir_path);
    if (!dir)
        return 0;
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir_path, e->d_name);
        long size = 0;
        char *data = check_read_file(path, &size);
        cr_assert_not_null(data, "cannot read %s", path);
        /* Said before running, so a crash report can be traced to its input. */
        fprintf(stderr, "fuzz regression: %s\n", path);
        cr_assert_eq(entry((const uint8_t *)data, (size_t)size), 0, "%s", path);
        free(data);
        count++;
    }
    closedir(dir);
    return count;
}

static void run_target(const char *target)
{
    int seeds = run_folder("corpus", target);
    cr_assert_gt(seeds, 0, "tests/fuzz/corpus/%s/ should hold seed inputs", target);
    run_folder("regressions", target);
}

Test(fuzz_regressions, lesson_parser_survives_every_seed_and_past_failure) { run_target("lesson"); }
Test(fuzz_regressions, csv_reader_survives_every_seed_and_past_failure) { run_target("csv"); }
Test(fuzz_regressions, idx_reader_survives_every_seed_and_past_failure) { run_target("idx"); }
Test(fuzz_regressions, idx_cache_survives_every_seed_damage_truncation_and_past_failure) { run_target("idxcache"); }
Test(fuzz_regressions, progress_file_survives_every_seed_and_past_failure) { run_target("progress"); }
Test(fuzz_regressions, bn_and_train_options_survive_every_seed_and_past_failure) { run_target("options"); }
Test(fuzz_regressions, replay_records_survive_every_seed_and_past_failure) { run_target("record"); }
Test(fuzz_regressions, exported_casts_stay_well_formed_for_every_seed_and_past_failure) { run_target("export"); }

/* The lookup the tests and the fuzz/ targets rely on: a misspelt target must not silently run nothing. */
Test(fuzz_regressions, unknown_target_has_no_entry)
{
    cr_assert_null(fuzz_entry("nonsense"));
    cr_assert_not_null(fuzz_entry("options"));
}
