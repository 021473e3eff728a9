#!/bin/sh
# Runs every Criterion test binary given, then the end-to-end scripts, and prints one closing tally.
# Environment: BNTUTOR_BIN (the binary under test), BNTUTOR_SKIP_E2E=1 to skip tests/e2e/*.sh.
# An end-to-end script that exits 77 was skipped (its packages are missing): reported, not counted as passed.
set -u
# Absolute, so tests that work in a temporary folder still find the binary.
if [ -n "${BNTUTOR_BIN:-}" ] && [ -e "$BNTUTOR_BIN" ]; then
    BNTUTOR_BIN=$(cd "$(dirname "$BNTUTOR_BIN")" && pwd)/$(basename "$BNTUTOR_BIN")
    export BNTUTOR_BIN
fi
passed=0
failed=0
skipped=0
failed_names=""

for t in "$@"; do
    name=$(basename "$t")
    out=$("$t" --short-filename 2>&1)
    rc=$?
    echo "$out" | grep -E '^\[(----|FAIL|ERR )\]|Synthesis' | sed "s/^/$name: /"
    synth=$(echo "$out" | grep 'Synthesis' | tail -n 1)
    p=$(echo "$synth" | sed -n 's/.*Passing: *\([0-9]*\).*/\1/p')
    f=$(echo "$synth" | sed -n 's/.*Failing: *\([0-9]*\).*/\1/p')
    c=$(echo "$synth" | sed -n 's/.*Crashing: *\([0-9]*\).*/\1/p')
    passed=$((passed + ${p:-0}))
    bad=$((${f:-0} + ${c:-0}))
    if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
    if [ "$bad" -gt 0 ]; then
        failed=$((failed + bad))
        failed_names="$failed_names $name"
        echo "$out" | tail -n 40
    fi
done

if [ "${BNTUTOR_SKIP_E2E:-0}" != 1 ]; then
    for s in tests/e2e/*.sh; do
        [ -f "$s" ] || continue
        name=$(basename "$s" .sh)
        out=$(sh "$s" 2>&1)
        rc=$?
        if [ "$rc" -eq 0 ]; then
            passed=$((passed + 1))
            echo "e2e $name: ok"
        elif [ "$rc" -eq 77 ]; then
            # A test that needs packages this machine lacks says so and is counted apart, never as passed.
            skipped=$((skipped + 1))
            echo "e2e $name: SKIPPED: $(echo "$out" | sed -n 's/^SKIP: [^:]*: //p' | tail -n 1)"
        else
            failed=$((failed + 1))
            failed_names="$failed_names $name"
            echo "e2e $name: FAILED"
            echo "$out" | tail -n 40
        fi
    done
fi

[ -n "$failed_names" ] && echo "failing:$failed_names"
[ "$skipped" -gt 0 ] && echo "skipped: $skipped end-to-end test(s) whose packages are not installed (see above)"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
