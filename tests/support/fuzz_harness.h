/* Entry functions shared by the libFuzzer targets (fuzz/) and the regression test (test support). */
#ifndef BNTUTOR_TESTS_FUZZ_HARNESS_H
#define BNTUTOR_TESTS_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* Each takes one input as libFuzzer gives it and returns 0. A broken invariant aborts with a message,
 * so the fuzzer (and the regression test, as a crash) notices it. */
int fuzz_lesson_one(const uint8_t *data, size_t size);     /* lesson_parse and the model's accessors */
int fuzz_csv_one(const uint8_t *data, size_t size);        /* csv_parse, then one BN step on the result */
int fuzz_idx_one(const uint8_t *data, size_t size);        /* byte 0: mode; the rest: the file (see .c) */
int fuzz_idx_cache_one(const uint8_t *data, size_t size);  /* idx_source_open/read: cache, damage, truncation */
int fuzz_progress_one(const uint8_t *data, size_t size);   /* progress_load, queries, save/load round trip */
int fuzz_options_one(const uint8_t *data, size_t size);    /* "bn|train\nARG\nARG...\0STDIN" */
int fuzz_record_one(const uint8_t *data, size_t size);     /* record_parse and the events' invariants */
int fuzz_export_one(const uint8_t *data, size_t size);     /* a record exported: a well-formed asciicast */

typedef int (*FuzzEntry)(const uint8_t *data, size_t size);

/* The entry of a target by its name ("lesson", "csv", "idx", "idxcache", "progress", "options", "record", "export");
 * NULL if unknown. */
FuzzEntry fuzz_entry(const char *target);

#endif
