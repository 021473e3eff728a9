#!/bin/sh
# End-to-end tour in tmux: every page of every lesson `bntutor list` reports, forward (through each lesson's
# summary and the course's results) then back; menu; help;
# a checkpoint answered wrong and right; quit and resume on the same page; a recording replayed to the same screen.
set -u
. "$(dirname "$0")/lib/tmux.sh"
export BNTUTOR_LESSONS="${BNTUTOR_LESSONS:-$(pwd)/lessons}"
export XDG_STATE_HOME="$WORK/state"

# The lessons as "number pages" lines, broken ones left out (they cannot be opened).
"$BIN" list > "$WORK/list" 2>/dev/null || fail "bntutor list failed"
sed -n 's/^ *\([0-9][0-9]*\)  .*  *\([0-9][0-9]*\) pages\{0,1\}.*/\1 \2/p' "$WORK/list" > "$WORK/lessons"
[ -s "$WORK/lessons" ] || fail "no lessons in: $(cat "$WORK/list")"
first=$(head -n 1 "$WORK/lessons" | cut -d' ' -f1)

start_shell 80 24
run_in_shell "stty -a > $WORK/before"

# Forward through everything with the right arrow, each page's header checked; then back with the left arrow.
$TM send-keys -t e2e "$BIN --lesson=$first --page=1" Enter
# (read from fd 3: tmux may read the loop's stdin)
exec 3< "$WORK/lessons"
while read -r num pages <&3; do
    p=1
    while [ "$p" -le "$pages" ]; do
        wait_for "^ Lesson $num .*page $p/$pages *\$" 100 || fail "forward: lesson $num page $p/$pages not shown"
        $TM send-keys -t e2e Right
        if [ "$p" -eq "$pages" ]; then
            # A lesson with questions ends on its summary; Right goes on from there.
            wait_gone "^ Lesson $num .*page $p/$pages *\$" || fail "forward: lesson $num did not end"
            if screen | grep -q "End of lesson $num:"; then
                $TM send-keys -t e2e Right
            fi
        fi
        p=$((p + 1))
    done
done
exec 3<&-
wait_for 'last page of the last lesson' || fail "no message after the last page"
wait_for 'The course: [0-9]+ of [0-9]+ right at the first try' || fail "the course's results do not show its score"
$TM send-keys -t e2e Left       # back from the results to the last page
sort -rn "$WORK/lessons" > "$WORK/backward"
exec 3< "$WORK/backward"
while read -r num pages <&3; do
    p=$pages
    while [ "$p" -ge 1 ]; do
        wait_for "^ Lesson $num .*page $p/$pages *\$" 100 || fail "backward: lesson $num page $p/$pages not shown"
        $TM send-keys -t e2e Left
        p=$((p - 1))
    done
done
exec 3<&-
wait_for 'This is the first page' || fail "no message before the first page"

# Menu and help.
$TM send-keys -t e2e m
wait_for 'Lessons' || fail "menu not shown"
wait_for 'Enter open' || fail "menu footer not shown"
$TM send-keys -t e2e '?'
wait_for 'Keys \(Esc or \? closes\)' || fail "help over the menu not shown"
$TM send-keys -t e2e Escape
wait_gone 'Keys \(Esc' || fail "help did not close"
$TM send-keys -t e2e Escape
wait_for "^ Lesson $first .*page 1/" || fail "Esc did not leave the menu"
$TM send-keys -t e2e '?'
wait_for 'next page' || fail "page help not shown"
$TM send-keys -t e2e '?'
wait_gone 'Keys \(Esc' || fail "? did not close help"

# A checkpoint (lesson 0 page 3): wrong choice, then a typed number that is right.
$TM send-keys -t e2e q
wait_shell || fail "q did not quit"
$TM send-keys -t e2e "$BIN --lesson=0 --page=3" Enter
wait_for 'Question 1' || fail "checkpoint question not shown"
$TM send-keys -t e2e b
wait_for 'Not quite' || fail "a wrong answer got no feedback"
wait_for 'Enter next question' || fail "the footer does not say how to reach the next question"
$TM send-keys -t e2e Enter
wait_for 'Your answer:' || fail "no input field for the number question"
$TM send-keys -t e2e 5 BSpace 4 Enter
wait_for 'Right: 4' || fail "a right number answer was not accepted"

# Quit and restart: the same page comes back.
$TM send-keys -t e2e Right
wait_for 'page 4/5' || fail "next page after the checkpoint"
$TM send-keys -t e2e q
wait_shell || fail "q did not quit"
[ -s "$XDG_STATE_HOME/bntutor/progress" ] || fail "no progress file under XDG_STATE_HOME"
$TM send-keys -t e2e "$BIN" Enter
wait_for '^ Lesson 0 .*page 4/5' || fail "did not resume on lesson 0 page 4"
$TM send-keys -t e2e q
wait_shell || fail "q did not quit"

# Record a session on a live page, then replay it: the same screen at the end.
$TM send-keys -t e2e "$BIN --lesson=0 --page=2 --seed=5 --record=$WORK/session" Enter
wait_for 'space play' || fail "record: tutor did not start"
$TM send-keys -t e2e ' '
wait_for 'playing . step [1-9]' || fail "record: scene did not play"
sleep 0.4
$TM send-keys -t e2e ' '
wait_for 'paused' || fail "record: did not pause"
$TM send-keys -t e2e . . R Down
sleep 0.3
screen | sed '$d' > "$WORK/recorded"
$TM send-keys -t e2e q
wait_shell || fail "record: q did not quit"
head -n 1 "$WORK/session" | grep -q '^bntutor-record 1$' || fail "record has no magic line"
grep -q '^steps ' "$WORK/session" || fail "record has no steps lines"
$TM send-keys -t e2e "$BIN --replay=$WORK/session" Enter
wait_for 'Replay finished' 150 || fail "replay did not finish"
screen | sed '$d' > "$WORK/replayed"
cmp -s "$WORK/recorded" "$WORK/replayed" || fail "replayed screen differs: $(diff "$WORK/recorded" "$WORK/replayed")"
$TM send-keys -t e2e q
wait_shell || fail "replay: q did not quit"

run_in_shell "stty -a > $WORK/after"
cmp -s "$WORK/before" "$WORK/after" || fail "stty settings changed: $(diff "$WORK/before" "$WORK/after")"
echo "tour_lessons: ok"
