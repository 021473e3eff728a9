#!/bin/sh
# End-to-end: without a usable terminal the tutor says why and exits 1; bad options exit 2.
set -u
. "$(dirname "$0")/lib/tmux.sh"
# The real lessons and a private progress store, whatever build root the binary lives in.
export BNTUTOR_LESSONS="${BNTUTOR_LESSONS:-$(pwd)/lessons}"
export XDG_STATE_HOME="$WORK/state"

# expect STATUS PATTERN CMD...: runs CMD (stdout and stderr to files), checks status and stderr text.
expect() {
    want=$1 pattern=$2
    shift 2
    "$@" > "$WORK/out" 2> "$WORK/err" < /dev/null
    got=$?
    [ "$got" = "$want" ] || fail "$*: status $got, expected $want; stderr: $(cat "$WORK/err")"
    grep -E -q -- "$pattern" "$WORK/err" || fail "$*: stderr lacks /$pattern/: $(cat "$WORK/err")"
}

# stdout is a file here: message, status 1, nothing written to the file.
expect 1 '^bntutor: standard output is not a terminal' "$BIN"
[ ! -s "$WORK/out" ] || fail "bytes written to a non-terminal stdout"
# A tutor that cannot start leaves no progress file and no record behind.
expect 1 '^bntutor: standard output is not a terminal' "$BIN" --record="$WORK/never.rec"
[ ! -e "$WORK/never.rec" ] || fail "a record file was created though the tutor never started"
[ ! -e "$XDG_STATE_HOME/bntutor/progress" ] || fail "progress was saved though the tutor never started"

# Usage errors need no terminal.
expect 2 '^bntutor: --lesson: ' "$BIN" --lesson=abc
expect 2 '^bntutor: --page: ' "$BIN" --page=0
expect 2 '^bntutor: --autoplay: ' "$BIN" --autoplay=-3
expect 2 '^bntutor: --seed: ' "$BIN" --seed
expect 2 "^bntutor: unknown option '--bogus'" "$BIN" --bogus
expect 2 '^bntutor: --ascii: takes no value' "$BIN" --ascii=yes
expect 2 '^bntutor: --theme: ' "$BIN" --theme=../../etc/passwd
expect 2 '^bntutor: --lesson: there is no lesson 999 \(lessons: 0' "$BIN" --lesson=999
expect 2 '^bntutor: --page: lesson 0 has 5 pages' "$BIN" --lesson=0 --page=9
expect 2 '^bntutor: --replay: cannot be combined with --record' "$BIN" --record=a --replay=b
printf 'not a record\n' > "$WORK/bad.rec"
expect 1 "^bntutor: $WORK/bad.rec:1: not a bntutor record" "$BIN" --replay="$WORK/bad.rec"
printf 'bntutor-record 1\nversion 0.0.0-other\nseed 1\nstart 0 1\n' > "$WORK/old.rec"
expect 1 "^bntutor: $WORK/old.rec:2: recorded by bntutor 0.0.0-other" "$BIN" --replay="$WORK/old.rec"
"$BIN" --ascii --help > "$WORK/out" 2>&1 || fail "--help failed"
grep -q -- '--autoplay=SECS' "$WORK/out" || fail "--help does not list the options"

# In a real terminal (tmux), bad TERM values: message, status 1, the screen untouched.
start_shell 80 24
for term in dumb no-such-terminal-xyz ''; do
    case $term in
        dumb) says='TERM=dumb' ;;
        no-such-terminal-xyz) says='unknown terminal type TERM=no-such-terminal-xyz' ;;
        *) says='TERM is not set' ;;
    esac
    rm -f "$WORK/rc"
    if [ -n "$term" ]; then setterm="TERM=$term"; else setterm="env -u TERM"; fi
    $TM send-keys -t e2e "$setterm $BIN 2> $WORK/err; echo \$? > $WORK/rc" Enter
    wait_file "$WORK/rc" || fail "TERM='$term': no exit"
    [ "$(cat "$WORK/rc")" = 1 ] || fail "TERM='$term': status $(cat "$WORK/rc"), expected 1"
    grep -q '^bntutor: ' "$WORK/err" || fail "TERM='$term': no message: $(cat "$WORK/err")"
    grep -q "$says" "$WORK/err" || fail "TERM='$term': message does not say '$says': $(cat "$WORK/err")"
    [ "$(wc -l < "$WORK/err")" = 1 ] || fail "TERM='$term': more than one line: $(cat "$WORK/err")"
    [ "$($TM display -p -t e2e '#{alternate_on}')" = 0 ] || fail "TERM='$term': alternate screen on"
done

# A terminfo entry without cursor addressing (cup), compiled privately with tic.
if command -v tic >/dev/null 2>&1; then
    printf 'bntutor-nocup|terminal without cursor addressing,\n\tcols#80, lines#24,\n\tbel=^G, cr=\\r, cud1=\\n, ind=\\n,\n' \
        > "$WORK/nocup.src"
    tic -o "$WORK/terminfo" "$WORK/nocup.src" || fail "tic failed"
    rm -f "$WORK/rc"
    $TM send-keys -t e2e "TERMINFO=$WORK/terminfo TERM=bntutor-nocup $BIN 2> $WORK/err; echo \$? > $WORK/rc" Enter
    wait_file "$WORK/rc" || fail "no-cup terminal: no exit"
    [ "$(cat "$WORK/rc")" = 1 ] || fail "no-cup terminal: status $(cat "$WORK/rc"), expected 1"
    grep -q '^bntutor: .*cannot move the cursor' "$WORK/err" || fail "no-cup terminal: $(cat "$WORK/err")"
fi
echo "tutor_no_terminal: ok"
