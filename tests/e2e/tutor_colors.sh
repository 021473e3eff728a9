#!/bin/sh
# End-to-end: colors follow the terminal (256 or 8), NO_COLOR and --no-color turn them off, --ascii draws ASCII only.
set -u
. "$(dirname "$0")/lib/tmux.sh"
# The real lessons and a private progress store, whatever build root the binary lives in.
export BNTUTOR_LESSONS="${BNTUTOR_LESSONS:-$(pwd)/lessons}"
export XDG_STATE_HOME="$WORK/state"

start_shell 80 24
ESC=$(printf '\033')

# show ENV ARGS...: starts the tutor with ENV and ARGS, waits for the footer, saves the screen with escapes.
show() {
    env=$1
    shift
    $TM send-keys -t e2e "$env $BIN $*" Enter
    wait_for 'q quit' || fail "$env $*: the tutor did not start"
    $TM capture-pane -p -e -t e2e > "$WORK/screen"
    $TM send-keys -t e2e q
    wait_shell || fail "$env $*: q did not quit"
}

show TERM=tmux-256color
grep -q "$ESC\\[[0-9;]*38;5;[0-9]" "$WORK/screen" || fail "no 256-color escapes on a 256-color terminal"

show TERM=xterm
grep -q "$ESC\\[[0-9;]*38;5;" "$WORK/screen" && fail "256-color escapes on an 8-color terminal"
grep -q "$ESC\\[[0-9;]*3[0-7]m" "$WORK/screen" || fail "no 8-color escapes on an 8-color terminal"

for how in "NO_COLOR=1" "TERM=tmux-256color --no-color"; do
    show $how
    grep -q "$ESC\\[[0-9;]*\\(3[0-7]\\|38;5\\|4[0-7]\\|48;5\\)[;m]" "$WORK/screen" && fail "$how: colors shown"
    grep -q "$ESC\\[[0-9;]*[17]m" "$WORK/screen" || fail "$how: no mono attributes (bold/reverse)"
done

show NO_COLOR= --ascii
left=$(sed "s/$ESC\\[[0-9;]*m//g" "$WORK/screen" | LC_ALL=C tr -d ' -~\n')
[ -z "$left" ] || fail "--ascii: non-ASCII characters on screen: $left"
grep -q 'Lesson 0 - ' "$WORK/screen" || fail "--ascii: no ASCII header"
echo "tutor_colors: ok"
