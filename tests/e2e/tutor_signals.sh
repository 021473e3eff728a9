#!/bin/sh
# End-to-end: SIGTERM, SIGHUP and Ctrl-C end the tutor by that signal with the terminal restored.
set -u
. "$(dirname "$0")/lib/tmux.sh"
# The real lessons and a private progress store, whatever build root the binary lives in.
export BNTUTOR_LESSONS="${BNTUTOR_LESSONS:-$(pwd)/lessons}"
export XDG_STATE_HOME="$WORK/state"

start_shell 80 24
run_in_shell "stty -a > $WORK/before"

# check_signal HOW EXPECTED_STATUS: starts the tutor (animating, to test the busy path too), ends it.
check_signal() {
    $TM send-keys -t e2e "$BIN --lesson=0 --page=2" Enter
    wait_for 'space play .*q quit' || fail "$1: tutor did not start"
    $TM send-keys -t e2e ' '
    wait_for 'playing . step [1-9]' || fail "$1: animation did not start"
    case $1 in
        C-c) $TM send-keys -t e2e C-c ;;
        *) pid=$(tutor_pid)
           [ -n "$pid" ] || fail "$1: no tutor process"
           kill "-$1" "$pid" ;;
    esac
    wait_shell || fail "$1: the tutor did not end"
    rm -f "$WORK/after"
    run_in_shell "echo \$? > $WORK/rc; stty -a > $WORK/after"
    [ "$(cat "$WORK/rc")" = "$2" ] || fail "$1: exit status $(cat "$WORK/rc"), expected $2"
    cmp -s "$WORK/before" "$WORK/after" || fail "$1: stty changed: $(diff "$WORK/before" "$WORK/after")"
    wait_for "stty -a > $WORK/before" || fail "$1: the shell's screen is not back"
}

check_signal TERM 143
check_signal HUP 129
check_signal C-c 130
echo "tutor_signals: ok"
