#!/bin/sh
# End-to-end: text from files someone else controls never drives the terminal (no retitle through
# check, list, bn, --replay or export messages); a FIFO at the progress path neither hangs the tutor nor
# is written; a replay leaves the learner's progress as it was; the terminal is restored each time.
set -u
. "$(dirname "$0")/lib/tmux.sh"
LESSONS="${BNTUTOR_LESSONS:-$(pwd)/lessons}"
export XDG_STATE_HOME="$WORK/state"
ESC=$(printf '\033')
BEL=$(printf '\007')

start_shell 100 30
title() { $TM display -p -t e2e '#{pane_title}'; }

# The control: a raw OSC 2 does retitle this terminal, so the checks below can fail.
run_in_shell "printf '\\033]2;PWNED\\007'"
[ "$(title)" = PWNED ] || fail "tmux ignored a raw OSC 2: the test cannot see a retitle (title '$(title)')"
run_in_shell "printf '\\033]2;clean\\007'"
[ "$(title)" = clean ] || fail "could not reset the title"

# Hostile names and contents.
mkdir -p "$WORK/lessons"
evil="$WORK/lessons/x${ESC}]2;PWNED${BEL}.lesson"
printf 'lesson 7\ntitle T\xe2\x80\xaeitle %s]2;PWNED%s\npage P\ntext\n  words\nend\n' "$ESC" "$BEL" > "$evil"
printf 'lesson 8\ntitle Fine\npage P\ntext\n  a soft\xc2\xadhyphen\nend\n' > "$WORK/lessons/08.lesson"
printf 'a%s]2;PWNED%s,b\n1,%s]2;PWNED%s\n' "$ESC" "$BEL" "$ESC" "$BEL" > "$WORK/evil.csv"
printf 'bntutor-record 1\nversion %s\nseed 1\nstart 0 1\nkey 1 %s]2;PWNED%s\n' \
    "$("$BIN" --version | cut -d' ' -f2)" "$ESC" "$BEL" > "$WORK/evil.rec"

for cmd in "check $WORK/lessons/*.lesson" "list --lessons-dir=$WORK/lessons" "bn $WORK/evil.csv" \
           "--replay=$WORK/evil.rec" "export $WORK/evil.rec"; do
    run_in_shell "\"$BIN\" $cmd > $WORK/out 2> $WORK/err; cat $WORK/out $WORK/err"
    [ "$(title)" = clean ] || fail "bntutor $cmd retitled the terminal to '$(title)'"
    grep -q "$ESC" "$WORK/out" "$WORK/err" && fail "bntutor $cmd wrote a raw ESC"
done
grep -q 'x\\x1B\]2;PWNED\\x07.lesson' "$WORK/out" "$WORK/err" 2>/dev/null ||
    { run_in_shell "\"$BIN\" check $WORK/lessons/*.lesson > $WORK/out 2>&1"
      grep -q 'x\\x1B\]2;PWNED\\x07.lesson' "$WORK/out" || fail "check does not show the name cleaned: $(cat "$WORK/out")"; }

# A FIFO where the progress file goes: the tutor starts, says so, and leaves it alone.
mkdir -p "$XDG_STATE_HOME/bntutor"
mkfifo "$XDG_STATE_HOME/bntutor/progress"
run_in_shell "stty -a > $WORK/before"
$TM send-keys -t e2e "BNTUTOR_LESSONS=$LESSONS $BIN --lesson=0" Enter
wait_for 'not a regular file' 50 || fail "no word about the FIFO at the progress path"
$TM send-keys -t e2e n
$TM send-keys -t e2e q
wait_shell || fail "the tutor did not end with a FIFO at the progress path"
run_in_shell "stty -a > $WORK/after"
cmp -s "$WORK/before" "$WORK/after" || fail "stty changed: $(diff "$WORK/before" "$WORK/after")"
[ -p "$XDG_STATE_HOME/bntutor/progress" ] || fail "the FIFO was replaced"
rm -f "$XDG_STATE_HOME/bntutor/progress"

# A replay of someone else's session leaves this learner's progress byte for byte.
printf 'bntutor-progress 1\nposition 2 1\nlesson 2 1 open\ncheck 2 1 1 right\n' > "$XDG_STATE_HOME/bntutor/progress"
cp "$XDG_STATE_HOME/bntutor/progress" "$WORK/progress.before"
printf 'bntutor-record 1\nversion %s\nseed 1\nstart 0 1\nkey 0.2 RIGHT\nkey 0.4 RIGHT\nkey 0.6 n\n' \
    "$("$BIN" --version | cut -d' ' -f2)" > "$WORK/other.rec"
$TM send-keys -t e2e "BNTUTOR_LESSONS=$LESSONS $BIN --replay=$WORK/other.rec" Enter
wait_for 'Replay finished' 50 || fail "the replay did not finish"
$TM send-keys -t e2e q
wait_shell || fail "the replaying tutor did not end"
cmp -s "$WORK/progress.before" "$XDG_STATE_HOME/bntutor/progress" ||
    fail "the replay changed the progress: $(cat "$XDG_STATE_HOME/bntutor/progress")"
echo "safe_terminal: ok"
