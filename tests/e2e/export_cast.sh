#!/bin/sh
# End-to-end in tmux: a real session recorded with --record, exported with `bntutor export`, checked line by
# line as asciicast v2 (header, event lines, times, title), and shown by asciinema as --replay shows it.
set -u
. "$(dirname "$0")/lib/tmux.sh"
export BNTUTOR_LESSONS="${BNTUTOR_LESSONS:-$(pwd)/lessons}"
export XDG_STATE_HOME="$WORK/state"

title=$(sed -n 's/^title //p' "$BNTUTOR_LESSONS/00-using-bntutor.lesson")
[ -n "$title" ] || fail "lesson 0 has no title line"

start_shell 80 24
$TM send-keys -t e2e "$BIN --lesson=0 --page=2 --seed=5 --record=$WORK/session.rec" Enter
wait_for 'space play' || fail "record: tutor did not start"
sleep 0.3
$TM send-keys -t e2e ' '
wait_for 'playing . step [1-9]' || fail "record: scene did not play"
sleep 0.5
$TM send-keys -t e2e ' '
wait_for 'paused' || fail "record: did not pause"
sleep 1.2      # a pause for --idle-limit to shorten
$TM send-keys -t e2e . . ?
wait_for 'Keys' || fail "record: no help screen"
$TM send-keys -t e2e Escape
sleep 0.5
screen > "$WORK/recorded"
$TM send-keys -t e2e q
wait_shell || fail "record: q did not quit"
grep -q '^steps ' "$WORK/session.rec" || fail "record has no steps lines"

# The cast, line by line.
"$BIN" export --format=asciicast "$WORK/session.rec" > "$WORK/lesson.cast" 2> "$WORK/err" ||
    fail "export failed: $(cat "$WORK/err")"
[ -s "$WORK/err" ] && fail "export wrote to stderr: $(cat "$WORK/err")"
header=$(head -n 1 "$WORK/lesson.cast")
for field in '"version": 2' '"width": 80' '"height": 24'; do
    case "$header" in *"$field"*) ;; *) fail "header lacks $field: $header" ;; esac
done
echo "$header" | grep -Eq '"timestamp": [0-9]{9,}[,}]' || fail "header has no Unix timestamp: $header"
echo "$header" | grep -Fq "\"title\": \"bntutor: Lesson 0: $title\"" || fail "header title is not lesson 0's: $header"
tail -n +2 "$WORK/lesson.cast" > "$WORK/events"
[ "$(wc -l < "$WORK/events")" -ge 5 ] || fail "too few events: $(wc -l < "$WORK/events")"
bad=$(grep -Evn '^\[[0-9]+\.[0-9]{6}, "o", ".*"\]$' "$WORK/events" | head -n 3)
[ -z "$bad" ] || fail "lines that are not [time, \"o\", data]: $bad"
# Inside the data, after removing JSON's escapes, no backslash or quote may remain, nor a raw control byte.
sed 's/^\[[0-9.]*, "o", "//; s/"\]$//' "$WORK/events" |
    sed 's/\\[\\"\/bfnrt]//g; s/\\u[0-9a-fA-F]\{4\}//g' | grep -n '[\\"]' | head -n 3 > "$WORK/unescaped"
[ -s "$WORK/unescaped" ] && fail "badly escaped data: $(cut -c1-120 "$WORK/unescaped")"
LC_ALL=C tr -d '\n' < "$WORK/lesson.cast" | LC_ALL=C grep -q '[[:cntrl:]]' && fail "raw control bytes in the cast"
iconv -f UTF-8 -t UTF-8 "$WORK/lesson.cast" > /dev/null 2>&1 || fail "the cast is not valid UTF-8"
awk -F'[[,]' '{ t = $2 + 0; if (t < last) { print "time " t " after " last " on line " NR + 1; exit 1 } last = t }' \
    "$WORK/events" > "$WORK/order" || fail "times go back: $(cat "$WORK/order")"
head -n 1 "$WORK/events" | grep -q '^\[0\.000000, "o", "\\u001b\[0m\\u001b\[?25l\\u001b\[H\\u001b\[2J' ||
    fail "the first frame does not clear the screen: $(head -c 120 "$WORK/events")"
grep -Fq "Lesson 0 · $title" "$WORK/events" || fail "the lesson's title never shows in the frames"
grep -q 'Keys' "$WORK/events" || fail "the help screen never shows in the frames"

# --idle-limit: the same events, no gap above the limit, a shorter cast.
"$BIN" export --idle-limit=0.25 "$WORK/session.rec" > "$WORK/capped.cast" || fail "export --idle-limit failed"
grep -q '"idle_time_limit": 0.25' "$WORK/capped.cast" || fail "no idle_time_limit in: $(head -n 1 "$WORK/capped.cast")"
[ "$(wc -l < "$WORK/capped.cast")" -eq "$(wc -l < "$WORK/lesson.cast")" ] || fail "--idle-limit changed the events"
tail -n +2 "$WORK/capped.cast" | awk -F'[[,]' 'NR > 1 && $2 - last > 0.250001 { print "gap " $2 - last " before " $2; exit 1 }
    { last = $2 }' > "$WORK/gaps" || fail "a gap above the limit: $(cat "$WORK/gaps")"
full_end=$(tail -n 1 "$WORK/lesson.cast" | cut -d, -f1 | tr -d '[')
capped_end=$(tail -n 1 "$WORK/capped.cast" | cut -d, -f1 | tr -d '[')
awk "BEGIN { exit !($capped_end + 1 < $full_end) }" || fail "capped cast ($capped_end s) not shorter than $full_end s"

# A damaged record: file:line, exit 1, nothing on stdout. Bad options: exit 2.
sed 's/^steps \([0-9.]*\) .*/steps \1 lots/' "$WORK/session.rec" > "$WORK/damaged.rec"
line=$(grep -n '^steps ' "$WORK/damaged.rec" | head -n 1 | cut -d: -f1)
"$BIN" export "$WORK/damaged.rec" > "$WORK/out" 2> "$WORK/err"
rc=$?
[ "$rc" -eq 1 ] || fail "damaged record: exit $rc, expected 1"
grep -q "^bntutor: export: $WORK/damaged.rec:$line: " "$WORK/err" || fail "damaged record: $(cat "$WORK/err")"
[ -s "$WORK/out" ] && fail "damaged record: something on stdout"
"$BIN" export --idle-limit=-1 "$WORK/session.rec" > /dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] || fail "--idle-limit=-1: exit $rc, expected 2"

# asciinema shows the cast's last screen as the live session left it, and as --replay does.
if command -v asciinema > /dev/null 2>&1; then
    # (asciinema cat reads /dev/tty, so it runs in the pane)
    $TM send-keys -t e2e "clear; asciinema cat $WORK/lesson.cast 2> $WORK/cat-err && touch $WORK/shown; sleep 60" Enter
    n=0
    while [ ! -e "$WORK/shown" ] && [ "$n" -lt 100 ]; do
        [ -s "$WORK/cat-err" ] && fail "asciinema cat: $(cat "$WORK/cat-err")"
        sleep 0.1
        n=$((n + 1))
    done
    [ -e "$WORK/shown" ] || fail "asciinema cat did not finish"
    sleep 0.3
    screen > "$WORK/cast-screen"
    $TM send-keys -t e2e C-c
    cmp -s "$WORK/recorded" "$WORK/cast-screen" ||
        fail "asciinema shows another screen than the session: $(diff "$WORK/recorded" "$WORK/cast-screen")"
    $TM send-keys -t e2e "clear; $BIN --replay=$WORK/session.rec" Enter
    wait_for 'Replay finished' 150 || fail "replay did not finish"
    screen | sed '$d' > "$WORK/replayed"
    $TM send-keys -t e2e q
    wait_shell || fail "replay: q did not quit"
    sed '$d' "$WORK/cast-screen" > "$WORK/cast-body"
    cmp -s "$WORK/replayed" "$WORK/cast-body" ||
        fail "asciinema and --replay differ above the footer: $(diff "$WORK/replayed" "$WORK/cast-body")"
else
    echo "export_cast: asciinema not installed, its check skipped"
fi
echo "export_cast: ok"
