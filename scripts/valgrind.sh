#!/bin/sh
# Runs the headless paths of bntutor under valgrind (memcheck): any invalid access or leak fails. `make valgrind`.
# Usage: scripts/valgrind.sh [BIN]   (default build/rel/bntutor; a release build, not SAN=1)
# Each case also checks the program's own exit status, so we know the intended path ran.
# valgrind's own error status is 97 (not 1) because bntutor exits 1 on bad data by design.
# Exit status: 0 clean, 1 a valgrind error or an unexpected exit status, 2 cannot run.
set -u
cd "$(dirname "$0")/.." || exit 2
BIN=${1:-build/rel/bntutor}
VG_STATUS=97

command -v valgrind >/dev/null 2>&1 || { echo "bntutor: valgrind: valgrind is not installed" >&2; exit 2; }
[ -x "$BIN" ] || { echo "bntutor: valgrind: no binary at $BIN (run make first)" >&2; exit 2; }
if grep -q __asan_init "$BIN" 2>/dev/null; then
    echo "bntutor: valgrind: $BIN is a sanitizer build; valgrind needs the release build" >&2
    exit 2
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

WORK=$(mktemp -d /tmp/bntutor-valgrind-XXXXXX) || exit 2
trap 'rm -rf "$WORK"' EXIT INT TERM
mkdir -p "$WORK/home" "$WORK/logs"
TOP=$(pwd)
F=tests/fuzz/files
C=tests/fuzz/corpus

# Small fixtures beyond the fuzz seeds.
printf '1,2\n3\n' >"$WORK/ragged.csv"
printf '5,1\n5,2\n5,3\n' >"$WORK/constant.csv"
printf 'lesson 1\ntitle T\npage P\nbogus\n' >"$WORK/bad.lesson"
printf 'garbage\n' >"$WORK/progress-garbage"
mkdir -p "$WORK/home/.local/state/bntutor"

failures=0
cases=0
# vg EXPECTED_STATUS STDIN ARGS...: one run under memcheck.
vg() {
    expected=$1
    input=$2
    shift 2
    cases=$((cases + 1))
    log="$WORK/logs/case$cases.log"
    HOME="$WORK/home" XDG_STATE_HOME= LC_ALL=C.UTF-8 valgrind -q --leak-check=full \
        --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
        --error-exitcode=$VG_STATUS --log-file="$log" "$BIN" "$@" <"$input" >/dev/null 2>"$WORK/stderr"
    status=$?
    if [ "$status" -eq "$VG_STATUS" ] || [ -s "$log" ]; then
        failures=$((failures + 1))
        echo "valgrind: FAIL (memcheck) bntutor $*"
        sed 's/^/    /' "$log" | head -n 40
    elif [ "$status" -ne "$expected" ]; then
        failures=$((failures + 1))
        echo "valgrind: FAIL (exit $status, expected $expected) bntutor $*"
        head -n 5 "$WORK/stderr" | sed 's/^/    /'
    else
        echo "valgrind: ok   bntutor $*"
    fi
}

N=/dev/null
# The calculator on the PyTorch reference cases, every convention, report and JSON, forward and backward.
for f in $C/csv/reference-*.csv; do
    vg 0 $N bn --json "$f"
    vg 0 $N bn "$f"
done
vg 0 $N bn --json --dy=$F/dy.csv $F/x.csv
vg 0 $N bn --dy=$F/dy.csv --gamma=1,2 --beta=0,-1 $F/x.csv
vg 0 $N bn --convention=keras --running-mean=1,2 --running-var=2,3 $F/x.csv
vg 0 $N bn --convention=paper --batches-seen=4 --json $F/x.csv
vg 0 $F/x.csv bn -
vg 0 $N bn --json "$WORK/constant.csv"
# The calculator on bad input.
vg 1 $N bn $F/nan.csv
vg 1 $N bn $F/huge.csv
vg 1 $N bn $F/one-row.csv
vg 1 $N bn "$WORK/ragged.csv"
vg 1 $N bn --eps=0 "$WORK/constant.csv"
vg 1 $N bn --dy=$F/dy-short.csv $F/x.csv
vg 1 $N bn /nonexistent.csv
vg 1 $N bn
vg 2 $N bn --gamma=1,x $F/x.csv
vg 2 $N bn --gamma=1 $F/x.csv
vg 2 $N bn --bogus
vg 0 $N bn --help
# Short training runs: every placement and activation, a diverging one, a CSV file, bad options.
vg 0 $N train --steps=30 --every=10
vg 0 $N train --steps=30 --every=10 --bn=before --act=relu --dataset=blobs --momentum=0.9
vg 0 $N train --steps=30 --every=10 --bn=after --act=tanh --dataset=spirals --hidden=8,8,8
vg 0 $N train --steps=30 --every=10 --dataset=scaled2d
vg 0 $N train --steps=2 --every=1 --dataset=synth784 --hidden=8 --batch=16
vg 0 $N train --steps=10 --csv="$WORK/history.csv"
vg 1 $N train --steps=50 --lr=1e6
vg 1 $N train --steps=50 --lr=1e6 --dataset=scaled2d --act=relu
vg 2 $N train --dataset=nosuch
vg 1 $N train --dataset=idx:/nonexistent
vg 1 $N train --steps=1 --csv=/nonexistent/dir/out.csv
vg 2 $N train --net=paper
vg 2 $N train --hidden=1,,2
vg 2 $N train --bogus
vg 0 $N train --help
# Lesson checking and listing, with a good and a damaged progress file.
vg 0 $N check lessons/*.lesson
vg 1 $N check "$WORK/bad.lesson" $C/lesson/tiny-number.lesson /nonexistent.lesson
vg 2 $N check
vg 0 $N list --lessons-dir=lessons
cp "$WORK/progress-garbage" "$WORK/home/.local/state/bntutor/progress"
vg 0 $N list --lessons-dir=lessons
cp $C/progress/full "$WORK/home/.local/state/bntutor/progress"
vg 0 $N list --lessons-dir=lessons
vg 1 $N list --lessons-dir=/nonexistent
# Global options and the tutor's checks before it needs a terminal.
vg 0 $N --help
vg 0 $N --version
vg 2 $N unknowncmd
vg 2 $N --bogus
vg 2 $N --lesson=abc
vg 2 $N --lessons-dir=lessons --lesson=998
vg 1 $N --lessons-dir=lessons

echo "valgrind: $cases runs, $failures failed"
[ "$failures" -eq 0 ]
