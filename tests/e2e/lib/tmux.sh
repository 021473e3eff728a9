# Shared helpers for the end-to-end scripts: a private tmux server, waiting for screen text (sourced, POSIX sh).
# Sets: BIN (absolute path of $BNTUTOR_BIN), WORK (a temporary directory), TM (tmux with a private socket).

if [ -z "${BNTUTOR_BIN:-}" ] || [ ! -x "$BNTUTOR_BIN" ]; then
    echo "e2e: BNTUTOR_BIN must point at the built binary" >&2
    exit 1
fi
BIN=$(cd "$(dirname "$BNTUTOR_BIN")" && pwd)/$(basename "$BNTUTOR_BIN")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bntutor-e2e.XXXXXX")
SOCKET=bntutor-e2e-$$
TM="tmux -L $SOCKET -f /dev/null"
# UTF-8 so the tutor draws with Unicode; the tests match text that reads the same either way.
export LC_ALL=C.UTF-8

SOCKET_PATH=
e2e_cleanup() {
    $TM kill-server 2>/dev/null
    [ -n "$SOCKET_PATH" ] && rm -f "$SOCKET_PATH"   # kill-server leaves the socket file behind
    rm -rf "$WORK"
}
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
    echo "FAIL: $*" >&2
    if $TM has-session -t e2e 2>/dev/null; then
        echo "--- screen ---" >&2
        $TM capture-pane -p -t e2e >&2
        echo "--------------" >&2
    fi
    exit 1
}

# Starts a detached session of WxH running a plain sh with a fixed prompt.
start_shell() {
    $TM new-session -d -s e2e -x "$1" -y "$2" "env PS1='e2e\$ ' TERM=tmux-256color sh" ||
        fail "cannot start tmux"
    SOCKET_PATH=$($TM display -p '#{socket_path}')
    wait_for 'e2e\$' || fail "no shell prompt"
}

screen() { $TM capture-pane -p -t e2e; }

# wait_for REGEX [TENTHS]: polls the screen until REGEX (grep -E) shows, 10 s by default.
wait_for() {
    n=0
    while [ "$n" -lt "${2:-100}" ]; do
        screen | grep -E -q -- "$1" && return 0
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}

# wait_gone REGEX [TENTHS]: polls until REGEX no longer shows.
wait_gone() {
    n=0
    while [ "$n" -lt "${2:-100}" ]; do
        screen | grep -E -q -- "$1" || return 0
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}

# wait_file PATH: polls until PATH exists and is not empty.
wait_file() {
    n=0
    while [ "$n" -lt 100 ]; do
        [ -s "$1" ] && return 0
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}

# wait_shell: polls until the pane runs the shell again (the tutor has exited) and the main screen is back.
wait_shell() {
    n=0
    while [ "$n" -lt 100 ]; do
        cmd=$($TM display -p -t e2e '#{pane_current_command}')
        alt=$($TM display -p -t e2e '#{alternate_on}')
        [ "$cmd" = sh ] && [ "$alt" = 0 ] && return 0
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}

# run_in_shell CMD: types CMD, then waits until it has finished (a marker file appears).
run_in_shell() {
    rm -f "$WORK/done"
    $TM send-keys -t e2e "$1; echo done > $WORK/done" Enter
    wait_file "$WORK/done" || fail "command did not finish: $1"
}

# The pid of the program running in the pane (the shell's child).
tutor_pid() { ps -o pid= --ppid "$($TM display -p -t e2e '#{pane_pid}')" | tr -d ' ' | head -n 1; }
