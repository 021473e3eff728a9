#!/bin/sh
# End-to-end: after many animated frames (each one only sending the cells that changed) and a resize, the
# screen equals a fresh headless render of the same step, so no cell is ever left stale.
set -u
. "$(dirname "$0")/lib/tmux.sh"
export BNTUTOR_LESSONS="${BNTUTOR_LESSONS:-$(pwd)/lessons}"
export XDG_STATE_HOME="$WORK/state"

start_shell 100 30
# Lesson 5 page 2 plays on arrival (its question is about a gradient step, not what the scene will show,
# so it does not hold the scene back): the lines of gamma and beta redrawn every frame.
$TM send-keys -t e2e "$BIN --lesson=5 --page=2" Enter
wait_for 'Lesson 5 .*playing . step [4-9][0-9]' || fail "lesson 5 page 2 did not start playing"
$TM resize-window -t e2e -x 120 -y 40
wait_for 'playing . step [0-9]+ . page 2/5 *$' || fail "no frame after growing to 120x40"
$TM resize-window -t e2e -x 100 -y 30
sleep 1
$TM send-keys -t e2e ' '
wait_for 'paused . step [1-9]' || fail "the scene did not pause"
sleep 0.5
screen > "$WORK/live"
steps=$(sed -n '1s/.* step \([0-9][0-9]*\) .*/\1/p' "$WORK/live")
[ -n "$steps" ] || fail "no step count in the header"
LC_ALL=C.UTF-8 "$BIN" render --lesson=5 --page=2 --size=100x30 --steps="$steps" > "$WORK/render" \
    || fail "render failed"
# The live screen says paused where the render says playing; every other cell must match.
normalize() { sed -e '1s/  */ /g' -e 's/ playing / paused /' -e 's/space pause /space play /' -e 's/ *$//' "$1"; }
normalize "$WORK/live" > "$WORK/live.n"
normalize "$WORK/render" > "$WORK/render.n"
diff "$WORK/render.n" "$WORK/live.n" >&2 || fail "the screen after $steps steps differs from a fresh render"
$TM send-keys -t e2e q
wait_shell || fail "the tutor did not quit"
