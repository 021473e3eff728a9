#!/bin/sh
# Builds the libFuzzer targets in fuzz/ (clang, ASan + UBSan) and runs each for a bounded time: `make fuzz`.
# Environment:
#   FUZZ_SECONDS  seconds per target (default 60)
#   FUZZ_TARGETS  which targets, e.g. "csv idx" (default: every fuzz/fuzz_*.c)
#   FUZZ_JOBS     targets run at the same time (default 1; the fuzzers are single-threaded)
#   FUZZ_BUILD    build and work folder (default build/fuzz): objects, binaries, the growing corpora,
#                 logs, and crash artifacts under $FUZZ_BUILD/artifacts/<target>/
#   FUZZ_BUILD_ONLY=1  build, do not run
#   CLANG         the compiler (default clang)
# Seeds come from tests/fuzz/corpus/<target>/ and tests/fuzz/regressions/<target>/. A failing input is
# left in the artifacts folder: copy it to tests/fuzz/regressions/<target>/ so the test suite keeps it.
# Exit status: 0 no crash, leak, hang or sanitizer report; 1 something was found; 2 build failure.
set -u
cd "$(dirname "$0")/.." || exit 2

CLANG=${CLANG:-clang}
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
OUT=${FUZZ_BUILD:-build/fuzz}
VERSION=$(cat VERSION 2>/dev/null || echo 0.0.0)

if ! command -v "$CLANG" >/dev/null 2>&1; then
    echo "bntutor: fuzz: $CLANG not found (libFuzzer needs clang)" >&2
    exit 2
fi

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CPP="-Isrc -Itests -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -D_XOPEN_SOURCE_EXTENDED \
 -DBNTUTOR_VERSION=\"$VERSION\" -DBNTUTOR_SHAREDIR=\"/usr/local/share/bntutor\""
CFLAGS_FUZZ="-std=c11 -O1 -g $SAN -fsanitize=fuzzer-no-link -Wall -Wextra -Wno-unused-parameter"
NCURSES_CFLAGS=$(pkg-config --cflags ncursesw 2>/dev/null | sed 's/-D_XOPEN_SOURCE=[^ ]*//; s/-D_DEFAULT_SOURCE//')
NCURSES_LIBS=$(pkg-config --libs ncursesw 2>/dev/null)

mkdir -p "$OUT/obj" "$OUT/bin" "$OUT/logs" || exit 2

# Compiles $1 to $2 when the object is missing or older than the source or any header.
newest_header=$(find src tests/support -name '*.h' -newer "$OUT/.stamp" 2>/dev/null | head -n 1)
[ -f "$OUT/.stamp" ] || newest_header=yes
compile() {
    if [ -n "$newest_header" ] || [ ! -f "$2" ] || [ "$1" -nt "$2" ]; then
        mkdir -p "$(dirname "$2")"
        # shellcheck disable=SC2086
        nice "$CLANG" $CPP $NCURSES_CFLAGS $CFLAGS_FUZZ -c "$1" -o "$2"
    fi
}

echo "fuzz: building with $CLANG into $OUT"
failed_build=0
objs=""
for src in $(find src -name '*.c' ! -path src/main.c | sort); do
    obj="$OUT/obj/${src%.c}.o"
    if compile "$src" "$obj"; then
        objs="$objs $obj"
    else
        # Another engineer's half-written file must not stop fuzzing the parts that do not need it.
        echo "fuzz: warning: $src does not compile; left out" >&2
    fi
done
compile tests/support/fuzz_harness.c "$OUT/obj/fuzz_harness.o" || exit 2
compile tests/support/json.c "$OUT/obj/json.o" || exit 2
rm -f "$OUT/libbntutor-fuzz.a"
# shellcheck disable=SC2086
ar rcs "$OUT/libbntutor-fuzz.a" $objs || exit 2
touch "$OUT/.stamp"

targets=${FUZZ_TARGETS:-$(for f in fuzz/fuzz_*.c; do basename "$f" .c | sed 's/^fuzz_//'; done)}
for t in $targets; do
    [ -f "fuzz/fuzz_$t.c" ] || { echo "bntutor: fuzz: no target fuzz/fuzz_$t.c" >&2; exit 2; }
    # shellcheck disable=SC2086
    nice "$CLANG" $CPP -std=c11 -O1 -g $SAN -fsanitize=fuzzer -o "$OUT/bin/fuzz_$t" "fuzz/fuzz_$t.c" \
        "$OUT/obj/fuzz_harness.o" "$OUT/obj/json.o" "$OUT/libbntutor-fuzz.a" $NCURSES_LIBS -lz -lm || failed_build=1
done
[ "$failed_build" -eq 0 ] || { echo "bntutor: fuzz: a target did not link" >&2; exit 2; }
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit 0

# One target: its own working corpus (seeded from the test corpora), artifacts, log.
run_one() {
    t=$1
    work="$OUT/corpus/$t"
    art="$OUT/artifacts/$t"
    mkdir -p "$work" "$art"
    for d in "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t"; do
        [ -d "$d" ] && cp -p "$d"/* "$work"/ 2>/dev/null
    done
    dict=""
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    # detect_leaks: a leak is a finding too; the options target redirects its own stdout/stderr.
    # shellcheck disable=SC2086
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 UBSAN_OPTIONS=print_stacktrace=1 \
        nice "$OUT/bin/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=2048 \
        -max_len=8192 -print_final_stats=1 -artifact_prefix="$art/" $dict "$work" \
        >"$OUT/logs/$t.log" 2>&1
    echo $? >"$OUT/logs/$t.rc"
}

echo "fuzz: running $targets for $SECONDS_EACH s each, $JOBS at a time"
running=0
for t in $targets; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then
        wait
        running=0
    fi
done
wait

status=0
total_runs=0
for t in $targets; do
    rc=$(cat "$OUT/logs/$t.rc" 2>/dev/null || echo 1)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/logs/$t.log" | tail -n 1)
    total_runs=$((total_runs + ${runs:-0}))
    found=$(ls "$OUT/artifacts/$t" 2>/dev/null)
    if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
        status=1
        echo "fuzz $t: FOUND SOMETHING (exit $rc, ${runs:-?} runs); log $OUT/logs/$t.log"
        for f in $found; do echo "    $OUT/artifacts/$t/$f"; done
        grep -m 3 -E 'ERROR|runtime error|invariant broken|SUMMARY' "$OUT/logs/$t.log" | sed 's/^/    /'
    else
        echo "fuzz $t: ok (${runs:-?} runs, corpus $(ls "$OUT/corpus/$t" | wc -l) inputs)"
    fi
done
echo "fuzz: $total_runs runs in total"
[ "$status" -eq 0 ] || echo "fuzz: copy each failing input to tests/fuzz/regressions/<target>/ once fixed"
exit "$status"
