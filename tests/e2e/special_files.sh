#!/bin/sh
# End-to-end: a FIFO (or a device) named *.lesson blocks nothing: list, check, render and the tutor refuse
# it at once as "not a regular file", the other lessons still work, and the terminal is left as it was.
set -u
. "$(dirname "$0")/lib/tmux.sh"
export XDG_STATE_HOME="$WORK/state"
LESSONS=$(pwd)/lessons
mkdir -p "$WORK/lessons"
cp "$LESSONS"/01-*.lesson "$WORK/lessons/"
mkfifo "$WORK/lessons/02-pipe.lesson" || fail "cannot make a FIFO"
ln -s /dev/zero "$WORK/lessons/03-zero.lesson"

start_shell 80 24
run_in_shell "stty -a > $WORK/before"

# Each command must finish (run_in_shell waits 10 s for it) and say what is wrong with the FIFO.
run_in_shell "$BIN check $WORK/lessons/02-pipe.lesson > $WORK/out 2>&1; echo \$? > $WORK/rc"
[ "$(cat "$WORK/rc")" = 1 ] || fail "check: exit status $(cat "$WORK/rc")"
grep -q "bntutor: $WORK/lessons/02-pipe.lesson: not a regular file" "$WORK/out" || fail "check: $(cat "$WORK/out")"
run_in_shell "$BIN list --lessons-dir=$WORK/lessons > $WORK/out 2>&1; echo \$? > $WORK/rc"
[ "$(cat "$WORK/rc")" = 0 ] || fail "list: exit status $(cat "$WORK/rc")"
grep -q "02-pipe.lesson: not a regular file" "$WORK/out" || fail "list: $(cat "$WORK/out")"
grep -q "03-zero.lesson: not a regular file" "$WORK/out" || fail "list: $(cat "$WORK/out")"
run_in_shell "$BIN render --lessons-dir=$WORK/lessons --lesson=1 --page=1 > $WORK/out 2>&1; echo \$? > $WORK/rc"
[ "$(cat "$WORK/rc")" = 0 ] || fail "render: exit status $(cat "$WORK/rc"): $(cat "$WORK/out")"

# The tutor starts on the good lesson and quits cleanly.
$TM send-keys -t e2e "$BIN --lessons-dir=$WORK/lessons --lesson=1" Enter
wait_for 'q quit' || fail "tutor: did not start (blocked on the FIFO?)"
screen | grep -q 'Lesson 1' || fail "tutor: lesson 1 is not shown"
$TM send-keys -t e2e q
wait_shell || fail "tutor: did not end"
rm -f "$WORK/after"
run_in_shell "echo \$? > $WORK/rc; stty -a > $WORK/after"
[ "$(cat "$WORK/rc")" = 0 ] || fail "tutor: exit status $(cat "$WORK/rc")"
cmp -s "$WORK/before" "$WORK/after" || fail "tutor: stty changed: $(diff "$WORK/before" "$WORK/after")"
echo "special_files: ok"
