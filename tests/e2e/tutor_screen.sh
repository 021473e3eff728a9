#!/bin/sh
# End-to-end: the tutor in tmux at 80x24 — text shows, resizes re-lay out, Ctrl-Z/fg redraws, q quits cleanly.
set -u
. "$(dirname "$0")/lib/tmux.sh"
# The real lessons and a private progress store, whatever build root the binary lives in.
export BNTUTOR_LESSONS="${BNTUTOR_LESSONS:-$(pwd)/lessons}"
export XDG_STATE_HOME="$WORK/state"

start_shell 80 24
run_in_shell "stty -a > $WORK/before"

$TM send-keys -t e2e "$BIN --seed=7 --lesson=0 --page=2" Enter
wait_for 'Lesson 0 .*Scenes are live .*page 2/5' || fail "header not shown at 80x24"
wait_for 'space play .*q quit' || fail "footer not shown at 80x24"
screen | sed -n 24p | grep -q 'q quit' || fail "footer not on the last row at 80x24"
[ "$($TM display -p -t e2e '#{alternate_on}')" = 1 ] || fail "the tutor is not on the alternate screen"

# Animation: space starts the frame clock, the frame counter moves, space pauses it.
$TM send-keys -t e2e ' '
wait_for 'playing . step [1-9]' || fail "animation did not start"
$TM send-keys -t e2e ' '
wait_for 'paused . step [1-9]' || fail "animation did not pause"

# Resizes: larger, below the minimum (enlarge message), back.
$TM resize-window -t e2e -x 200 -y 60
wait_for 'Scenes are live .*page 2/5' || fail "no re-layout at 200x60"
screen | grep -q '│ *step' || fail "no right-hand scene column at 200x60"
[ "$(screen | wc -l)" -ge 60 ] || fail "capture is not 60 rows"
screen | sed -n 60p | grep -q 'q quit' || fail "footer not on the last row at 200x60"
$TM resize-window -t e2e -x 30 -y 10
wait_for 'Please enlarge' || fail "no enlarge message at 30x10"
wait_for 'now 30.10' || fail "enlarge message does not give the current size"
wait_for 'q quits' || fail "the enlarge message does not say how to quit"
$TM resize-window -t e2e -x 80 -y 24
wait_for 'page 2/5' || fail "no re-layout back at 80x24"
wait_gone 'Please enlarge' || fail "enlarge message left behind"

# Too small while playing: the scene pauses unseen, and keys other than q do nothing there. How many
# steps the scene may take between two readings of the counter depends on how long it was visible, and
# on a loaded machine a reading can lag by a lot, so the allowance is measured, not fixed: first the
# rate it plays at while visible (an upper bound: the readings are at most t_b - t_a apart), then the
# visible seconds around the hidden ones (at most the time between the readings less the hidden time).
# Hidden for 4 s it must not gain more than 1 s of steps on top of what it could take while visible.
now() { date +%s.%N; }
step_now() { screen | sed -n 's/.*playing . step \([0-9]*\).*/\1/p' | head -1; }
$TM send-keys -t e2e ' '
wait_for 'playing . step [1-9]' || fail "animation did not restart"
s_a=$(step_now); t_a=$(now)
sleep 2
t_b=$(now); s_b=$(step_now)
[ -n "$s_a" ] && [ -n "$s_b" ] && [ "$s_b" -gt "$s_a" ] || fail "the scene does not play at 80x24 ($s_a, $s_b)"
t_before=$(now); before=$(step_now)
$TM resize-window -t e2e -x 30 -y 10
wait_for 'Paused; q quits' || fail "no pause message at 30x10 while playing"
t_hidden=$(now)
$TM send-keys -t e2e 'm'
sleep 4
t_shown=$(now)
$TM resize-window -t e2e -x 80 -y 24
wait_for 'page 2/5' || fail "a key pressed while too small acted on the hidden screen"
after=$(step_now); t_after=$(now)
[ -n "$before" ] && [ -n "$after" ] || fail "no step count to compare ($before, $after)"
allowed=$(awk -v sa="$s_a" -v sb="$s_b" -v ta="$t_a" -v tb="$t_b" -v t0="$t_before" -v th="$t_hidden" \
    -v ts="$t_shown" -v t1="$t_after" 'BEGIN {
        rate = (sb - sa + 1) / (tb - ta)        # steps a second while visible, at most
        visible = (t1 - t0) - (ts - th)         # seconds it could be seen between the readings, at most
        printf "%d", rate * (visible + 1) + 2 }')
[ $((after - before)) -le "$allowed" ] ||
    fail "the scene ran on while too small: step $before -> $after, at most $allowed steps while visible"
$TM send-keys -t e2e ' '
wait_for 'paused . step [1-9]' || fail "animation did not pause again"

# Ctrl-Z: back to the shell with the terminal restored; fg: the screen is drawn again.
$TM send-keys -t e2e C-z
wait_for 'Stopped' || fail "Ctrl-Z did not stop the tutor"
[ "$($TM display -p -t e2e '#{alternate_on}')" = 0 ] || fail "alternate screen still on while stopped"
$TM send-keys -t e2e 'fg' Enter
wait_for 'q quit' || fail "not redrawn after fg"
wait_for 'Scenes are live' || fail "title not redrawn after fg"
wait_gone 'Stopped' || fail "shell text left on the tutor screen after fg"
$TM send-keys -t e2e ' '
wait_for 'playing' || fail "keys not read after fg"

# q quits with status 0, the terminal modes are as before, the shell's screen is back.
$TM send-keys -t e2e q
wait_shell || fail "q did not end the tutor"
run_in_shell "echo \$? > $WORK/rc; stty -a > $WORK/after"
[ "$(cat "$WORK/rc")" = 0 ] || fail "exit status $(cat "$WORK/rc"), expected 0"
cmp -s "$WORK/before" "$WORK/after" || fail "stty settings changed: $(diff "$WORK/before" "$WORK/after")"
wait_for "stty -a > $WORK/before" || fail "the shell's earlier output is not back (alternate screen left on?)"

# --autoplay: pages turn by themselves; the first real key takes over and stops them. The key has been
# read once the status line answers it; from then on no page may turn, over more than two autoplay
# periods. (1 s is the shortest pause --autoplay takes.)
$TM send-keys -t e2e "$BIN --lesson=0 --page=1 --autoplay=1" Enter
wait_for 'page 1/5' || fail "autoplay: no first page"
wait_for 'page 3/5' || fail "autoplay did not turn pages"
$TM send-keys -t e2e x
wait_for "'x' does nothing|question is answered|Already answered" || fail "autoplay: the key x was not answered"
before=$(screen | grep -o 'page [0-9]*/5')
sleep 2.5
after=$(screen | grep -o 'page [0-9]*/5')
[ "$before" = "$after" ] || fail "autoplay went on after a key: $before, then $after"
$TM send-keys -t e2e q
wait_shell || fail "q did not end the autoplaying tutor"
echo "tutor_screen: ok"
