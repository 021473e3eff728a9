/* libFuzzer target for IDX files read in place: the dataset cache built, damaged and truncated while in use (fuzzing, outside the app's layers). */
#include <stddef.h>
#include <stdint.h>

#include "support/fuzz_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The body lives in tests/support/fuzz_harness.c so tests/test_fuzz_regressions.c runs the same code. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_idx_cache_one(data, size);
}
