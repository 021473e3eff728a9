#!/bin/sh
# End-to-end: a dataset file truncated while the tutor trains on it (the per-user cache of a gzipped file,
# or a plain IDX file) ends the tutor with a clear message, exit 1, the terminal restored and progress
# saved, never a SIGBUS; and a SIGBUS that still arrives restores the terminal and saves progress too.
set -u
. "$(dirname "$0")/lib/tmux.sh"
export BNTUTOR_LESSONS="${BNTUTOR_LESSONS:-$(pwd)/lessons}"
export XDG_STATE_HOME="$WORK/state" XDG_CACHE_HOME="$WORK/cache" BNTUTOR_SYSTEM_CACHE="$WORK/no-system-cache"

# A small stand-in for Fashion-MNIST (random pixels, labels 0-9), so no test depends on the real one.
# make_set DIR GZIP: 2000 training and 1000 test images of 28x28.
be32() { printf "\\$(printf %03o $(($1 >> 24 & 255)))\\$(printf %03o $(($1 >> 16 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))\\$(printf %03o $(($1 & 255)))"; }
make_set() {
    mkdir -p "$1"
    for part in train:2000 t10k:1000; do
        name=${part%%:*} n=${part#*:}
        { printf '\000\000\010\003'; be32 "$n"; be32 28; be32 28; head -c $((n * 784)) /dev/urandom; } > "$1/$name-images-idx3-ubyte"
        { printf '\000\000\010\001'; be32 "$n"; head -c "$n" /dev/urandom | tr '\000-\377' '\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\011\000-\005'; } > "$1/$name-labels-idx1-ubyte"
        [ "$2" = gz ] && gzip "$1/$name-images-idx3-ubyte"
    done
    return 0
}

start_shell 80 24
run_in_shell "stty -a > $WORK/before"

# play_real_data WHAT: the tutor on lesson 11, playing, with the training images read from disk.
play_real_data() {
    rm -rf "$XDG_STATE_HOME"
    # The pane's shell started before these variables were set: name them on the command line.
    $TM send-keys -t e2e "BNTUTOR_FASHION_MNIST=$BNTUTOR_FASHION_MNIST $BIN --lesson=11 --page=1 2> $WORK/err" Enter
    wait_for 'space play .*q quit' || fail "$1: tutor did not start"
    screen | grep -q 'Fashion-MNIST, 2000 train' || fail "$1: the stand-in set was not loaded"
    $TM send-keys -t e2e ' '
    wait_for 'playing . step [1-9]' || fail "$1: training did not start"
}

# ended WHAT STATUS MESSAGE: the tutor has ended with STATUS, MESSAGE on stderr, the terminal as it was,
# and the position saved (lesson 11).
ended() {
    wait_shell || fail "$1: the tutor did not end"
    rm -f "$WORK/after"
    run_in_shell "echo \$? > $WORK/rc; stty -a > $WORK/after"
    [ "$(cat "$WORK/rc")" = "$2" ] || fail "$1: exit status $(cat "$WORK/rc"), expected $2; stderr: $(cat "$WORK/err")"
    cmp -s "$WORK/before" "$WORK/after" || fail "$1: stty changed: $(diff "$WORK/before" "$WORK/after")"
    wait_for "stty -a > $WORK/before" || fail "$1: the shell's screen is not back"
    grep -q -- "$3" "$WORK/err" || fail "$1: stderr should say '$3', got: $(cat "$WORK/err")"
    grep -q '^lesson 11' "$XDG_STATE_HOME/bntutor/progress" 2>/dev/null ||
        fail "$1: progress not saved: $(cat "$XDG_STATE_HOME/bntutor/progress" 2>&1)"
}

# 1. The per-user cache of a gzipped set, truncated while training reads it.
make_set "$WORK/gz" gz
export BNTUTOR_FASHION_MNIST="$WORK/gz"
play_real_data "cache"
cache=$(ls "$XDG_CACHE_HOME"/bntutor/train-images-idx3-ubyte-*.idx 2>/dev/null | grep -v lock | head -n 1)
[ -n "$cache" ] || fail "cache: no cache file was written"
: > "$cache"
ended "cache" 1 "truncated or replaced while in use"
grep -q "$cache" "$WORK/err" || fail "cache: the message should name $cache: $(cat "$WORK/err")"

# 2. A plain IDX file, read in place, cut short the same way.
make_set "$WORK/plain" plain
export BNTUTOR_FASHION_MNIST="$WORK/plain"
play_real_data "plain"
truncate -s 5000 "$WORK/plain/train-images-idx3-ubyte"
ended "plain" 1 "train-images-idx3-ubyte: truncated or replaced while in use"

# 3. The safety net: a SIGBUS (here sent by kill) restores the terminal, saves progress, and the
#    tutor dies by the signal like after SIGTERM.
make_set "$WORK/plain2" plain
export BNTUTOR_FASHION_MNIST="$WORK/plain2"
play_real_data "SIGBUS"
pid=$(tutor_pid)
[ -n "$pid" ] || fail "SIGBUS: no tutor process"
kill -BUS "$pid"
ended "SIGBUS" 135 ""
echo "dataset_truncated: ok"
