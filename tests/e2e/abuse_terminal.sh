#!/bin/sh
# End-to-end abuse in tmux while scenes animate: a storm of resizes (1x1 up to 400x150), seeded random keys,
# SIGTERM mid-frame, and the terminal closed under the tutor. Each run must end by itself or by its
# signal, never crash (no crash signal, no core, no sanitizer report with a SAN=1 binary), leave no
# bntutor process behind, and leave the shell's terminal settings as they were.
# Environment: BNTUTOR_ABUSE_SEED (default 1), BNTUTOR_ABUSE_KEYS_SECONDS (default 20).
set -u
. "$(dirname "$0")/lib/tmux.sh"
export BNTUTOR_LESSONS="${BNTUTOR_LESSONS:-$(pwd)/lessons}"
export XDG_STATE_HOME="$WORK/state"
SEED=${BNTUTOR_ABUSE_SEED:-1}
KEYS_SECONDS=${BNTUTOR_ABUSE_KEYS_SECONDS:-20}
# Only the tutors started here carry this variable: it finds any left running, whatever the pane did.
MARK=bntutor-abuse-$$
RUN="$WORK/run"
mkdir -p "$RUN"

# The pids of tutors that carry MARK (grep -z: environ is NUL-separated).
leftovers() {
    grep -lzx "BNTUTOR_ABUSE_MARK=$MARK" /proc/[0-9]*/environ 2>/dev/null | sed 's|/proc/\([0-9]*\)/environ|\1|'
}
all_gone() {
    n=0
    while [ -n "$(leftovers)" ]; do
        n=$((n + 1))
        [ "$n" -lt 100 ] || return 1
        sleep 0.1
    done
}

# check_end NAME RC ALLOWED...: the exit status is one of ALLOWED, no core file, no sanitizer report.
check_end() {
    name=$1 rc=$2
    shift 2
    ok=no
    for want in "$@"; do [ "$rc" = "$want" ] && ok=yes; done
    [ "$ok" = yes ] || fail "$name: exit status $rc, expected one of: $* (stderr: $(cat "$RUN/err.$name" 2>/dev/null))"
    ls "$RUN" | grep -q '^core' && fail "$name: a core file was left in $RUN"
    if grep -E -q 'Sanitizer|runtime error|Segmentation|Aborted' "$RUN/err.$name" 2>/dev/null; then
        fail "$name: sanitizer or crash report: $(head -n 20 "$RUN/err.$name")"
    fi
    all_gone || fail "$name: a bntutor process is still running: $(leftovers)"
}

# The tutor's command line in the shell pane: marker, stderr to a file, status to a file.
tutor_cmd() { # NAME ARGS...
    name=$1
    shift
    echo "env BNTUTOR_ABUSE_MARK=$MARK $BIN $* 2>$RUN/err.$name; echo \$? > $RUN/rc.$name"
}

# wait_rc NAME: polls until the tutor's exit status is written (30 s: SAN builds are slow to exit).
wait_rc() {
    n=0
    while [ ! -s "$RUN/rc.$1" ]; do
        n=$((n + 1))
        [ "$n" -lt 300 ] || return 1
        sleep 0.1
    done
}

# Seeded numbers: "rand N" prints N pseudo-random integers in [0, 2^31) from the stream SEED, then SEED+1...
STREAM=0
rand() {
    STREAM=$((STREAM + 1))
    awk -v seed="$((SEED * 1000 + STREAM))" -v n="$1" 'BEGIN { srand(seed); for (i = 0; i < n; i++) print int(rand() * 2147483647) }'
}

# resize_storm COUNT: COUNT window sizes, the corners (1x1 ... 400x150) first, then random ones.
# tmux 3.3 accepts every size from 1x1 up (it clamps nothing in that range); older ones may clamp tiny sizes.
resize_storm() {
    rand $((2 * $1)) | paste - - | {
        i=0
        while read -r a b; do
            case $i in
                0) w=1 h=1 ;; 1) w=400 h=150 ;; 2) w=1 h=150 ;; 3) w=400 h=1 ;; 4) w=59 h=19 ;; 5) w=60 h=20 ;;
                *) w=$((1 + a % 400)) h=$((1 + b % 150)) ;;
            esac
            $TM resize-window -t e2e -x "$w" -y "$h" 2>/dev/null
            i=$((i + 1))
            [ $((i % 4)) = 0 ] && sleep 0.03    # let some frames land between the sizes
        done
    }
}

start_shell 80 24
# Cores on (where the hard limit allows), so a crash would leave one in $RUN for check_end to find.
run_in_shell "cd $RUN && ulimit -c unlimited 2>/dev/null; stty -a > $WORK/before"
# tmux accepts these sizes as given (recorded for the report; a clamp would still be a valid storm).
$TM resize-window -t e2e -x 1 -y 1
tiny=$($TM display -p -t e2e '#{window_width}x#{window_height}')
$TM resize-window -t e2e -x 400 -y 150
huge=$($TM display -p -t e2e '#{window_width}x#{window_height}')
$TM resize-window -t e2e -x 80 -y 24
wait_for 'e2e\$' || fail "the shell did not come back after probing sizes"

# check_stty NAME: the shell's terminal settings are as they were before any tutor ran.
check_stty() {
    wait_shell || fail "$1: the tutor did not end"
    $TM resize-window -t e2e -x 80 -y 24
    rm -f "$WORK/after"
    run_in_shell "stty -a > $WORK/after"
    # The size is not a setting, and tmux applies resize-window to the pty a moment later: leave it out.
    for f in before after; do sed 's/rows [0-9]*; columns [0-9]*;//' "$WORK/$f" > "$WORK/$f.modes"; done
    cmp -s "$WORK/before.modes" "$WORK/after.modes" ||
        fail "$1: stty changed: $(diff "$WORK/before.modes" "$WORK/after.modes")"
}

# --- 1. Resize storm and random keys while lesson 0's scene animates; then q. ---------------------------
$TM send-keys -t e2e "$(tutor_cmd storm --lesson=0 --page=2)" Enter
wait_for 'space play .*q quit' || fail "storm: tutor did not start"
$TM send-keys -t e2e ' '
wait_for 'playing . step [1-9]' || fail "storm: animation did not start"
resize_storm 100
$TM resize-window -t e2e -x 80 -y 24
[ -n "$(leftovers)" ] || fail "storm: the tutor died in the resize storm (status $(cat "$RUN/rc.storm" 2>/dev/null))"
wait_for '^ Lesson 0 .*page 2/' || fail "storm: the page did not come back at 80x24"
wait_for 'q quit' || fail "storm: the footer did not come back at 80x24"
screen | grep -q 'Please enlarge' && fail "storm: still says the terminal is too small at 80x24"

# Random keys: printable ASCII but q (quit) and ; \ (tmux's own syntax), arrows, Esc, Enter, Tab, Ctrl-L,
# a few characters per send, with now and then a resize, for KEYS_SECONDS.
keys=$(printf '%s' 'abcdefghijklmnoprstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$%&()*+,-./:<=>?@[]^_{|}~')
nkeys=${#keys}
end=$(( $(date +%s) + KEYS_SECONDS ))

rand 4000 | while read -r r; do
    [ "$(date +%s)" -ge "$end" ] && break
    case $((r % 16)) in
        0) $TM send-keys -t e2e Left ;; 1) $TM send-keys -t e2e Right ;; 2) $TM send-keys -t e2e Up ;;
        3) $TM send-keys -t e2e Down ;; 4) $TM send-keys -t e2e Escape ;; 5) $TM send-keys -t e2e Enter ;;
        6) $TM send-keys -t e2e Tab ;; 7) $TM send-keys -t e2e C-l ;;
        8) $TM resize-window -t e2e -x $((20 + r % 181)) -y $((5 + r % 56)) ;;
        *) n=$((1 + r % 4)) s=""
           while [ "$n" -gt 0 ]; do
               i=$(( (r / (n * 7 + 3)) % nkeys ))
               s="$s$(printf '%s' "$keys" | cut -c$((i + 1)))"
               n=$((n - 1))
           done
           $TM send-keys -t e2e -l -- "$s" ;;
    esac
    echo >> "$WORK/sends"

    sleep 0.02
done
$TM resize-window -t e2e -x 80 -y 24
sends=$(wc -l < "$WORK/sends")
where=$(screen | sed -n '1s/^ *\(Lesson [0-9]*\).*\(page [0-9]*\/[0-9]*\).*/\1 \2/p')
[ -n "$(leftovers)" ] || fail "keys: the tutor died under random keys (status $(cat "$RUN/rc.storm" 2>/dev/null))"
# Out of help and menu (Esc), then q; a second round in case a key was still queued.
for attempt in 1 2 3; do
    $TM send-keys -t e2e Escape
    sleep 0.2
    $TM send-keys -t e2e Escape
    sleep 0.2
    $TM send-keys -t e2e q
    wait_rc storm && break
done
wait_rc storm || fail "keys: q did not end the tutor"
check_end storm "$(cat "$RUN/rc.storm")" 0
check_stty storm

# --- 2. SIGTERM mid-frame: on the heaviest scene (lesson 3's three networks) at 4x speed, alone and in
# the middle of a resize storm. ------------------------------------------------------------------------------
for how in plain storm; do
    name=term-$how
    $TM send-keys -t e2e "$(tutor_cmd "$name" --lesson=3 --page=1)" Enter
    wait_for 'q quit' || fail "$name: tutor did not start"
    $TM send-keys -t e2e ' ' + +
    wait_for 'playing' || fail "$name: animation did not start"
    pid=$(tutor_pid)
    [ -n "$pid" ] || fail "$name: no tutor process"
    if [ "$how" = storm ]; then
        resize_storm 40 &
        storm_pid=$!
        sleep 0.4
        kill -TERM "$pid"
        wait "$storm_pid"
    else
        sleep 0.5
        kill -TERM "$pid"
    fi
    $TM resize-window -t e2e -x 80 -y 24
    wait_rc "$name" || fail "$name: the tutor did not end on SIGTERM"
    check_end "$name" "$(cat "$RUN/rc.$name")" 143
    check_stty "$name"
done

# --- 3. The terminal closed under the animating tutor (kill-window hangs up its tty), three ways:
#   dead-tty: the session leader survives SIGHUP, so only the dead terminal tells the tutor (status 1);
#   hup:      the leader dies of SIGHUP and the kernel sends SIGHUP on to the tutor (129, or 1 if it
#             saw the dead terminal first); a middle shell that survives SIGHUP records the status;
#   nohup:    SIGHUP ignored from the start, as under nohup: the dead terminal again (status 1). ----------
for how in dead-tty hup nohup; do
    name=close-$how
    # The shell that runs the tutor and records its status; the window's own shell is the session leader.
    {
        case $how in nohup) echo 'trap "" HUP' ;; *) echo 'trap : HUP' ;; esac
        echo "cd $RUN && ulimit -c unlimited 2>/dev/null"
        tutor_cmd "$name" --lesson=3 --page=1
    } > "$RUN/run.$name"
    case $how in
        hup) cmd="sh $RUN/run.$name; true" ;;      # a leader that dies of SIGHUP: not exec'd away
        *) cmd="exec sh $RUN/run.$name" ;;         # the recording shell is the leader itself
    esac
    $TM new-window -d -n "$name" "$cmd"
    n=0
    until $TM capture-pane -p -t "$name" 2>/dev/null | grep -q 'q quit'; do
        n=$((n + 1))
        [ "$n" -lt 100 ] || fail "$name: tutor did not start"
        sleep 0.1
    done
    $TM send-keys -t "$name" ' '
    sleep 0.5
    $TM kill-window -t "$name"
    wait_rc "$name" || fail "$name: no exit status after the terminal closed (still running: $(leftovers))"
    case $how in hup) allowed="129 1" ;; *) allowed=1 ;; esac
    # shellcheck disable=SC2086
    check_end "$name" "$(cat "$RUN/rc.$name")" $allowed
done

echo "abuse_terminal: ok ($sends random sends, ended on ${where:-a menu or help}; tmux took sizes $tiny to $huge; closed: dead-tty $(cat "$RUN/rc.close-dead-tty"), hup $(cat "$RUN/rc.close-hup"), nohup $(cat "$RUN/rc.close-nohup"))"
