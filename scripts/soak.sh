#!/bin/sh
# Soak test for people, not CI: autoplay through every lesson in tmux, sampling memory, then idle CPU.
# Usage: scripts/soak.sh [SECONDS] [BIN]   (default 600 s and $BNTUTOR_BIN, else build/rel/bntutor)
# Environment: SOAK_INTERVAL (seconds between RSS samples, default 3), SOAK_CSV (keep the samples there).
# Prints the peak RSS, whether memory stayed flat (max of the last third vs the first third of the run),
# and the CPU ticks the tutor used in 10 s paused on a page with nothing animating (should be ~0).
# Exit status: 0 flat and quiet, 1 memory grew, the process died, or the paused tutor burned CPU, 2 cannot run.
set -u
cd "$(dirname "$0")/.." || exit 2
SECONDS_TOTAL=${1:-600}
BIN=${2:-${BNTUTOR_BIN:-build/rel/bntutor}}
INTERVAL=${SOAK_INTERVAL:-3}
IDLE_SECONDS=10

command -v tmux >/dev/null 2>&1 || { echo "bntutor: soak: tmux is not installed" >&2; exit 2; }
[ -x "$BIN" ] || { echo "bntutor: soak: no binary at $BIN (run make first)" >&2; exit 2; }
case $SECONDS_TOTAL in ''|*[!0-9]*) echo "bntutor: soak: SECONDS must be a whole number" >&2; exit 2 ;; esac
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bntutor-soak.XXXXXX") || exit 2
SOCKET=bntutor-soak-$$
TM="tmux -L $SOCKET -f /dev/null"
SOCKET_PATH=
PID=
cleanup() {
    $TM kill-server 2>/dev/null
    # A tutor still ending saves its progress into WORK: let it finish before removing WORK.
    n=0
    while [ -n "$PID" ] && [ -d "/proc/$PID" ] && [ "$n" -lt 30 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    [ -n "$SOCKET_PATH" ] && rm -f "$SOCKET_PATH"     # kill-server leaves the socket file behind
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

die() {
    echo "bntutor: soak: $*" >&2
    $TM capture-pane -p -t soak 2>/dev/null | sed 's/^/  | /' >&2
    exit 1
}

# The tutor runs as the pane's own command, so the pane's pid is the tutor's.
$TM new-session -d -s soak -x 120 -y 40 \
    "env LC_ALL=C.UTF-8 TERM=tmux-256color XDG_STATE_HOME=$WORK/state BNTUTOR_LESSONS=$(pwd)/lessons \
     $BIN --lesson=0 --page=1 --autoplay=2" || die "cannot start tmux"
$TM set-option -t soak remain-on-exit on >/dev/null
SOCKET_PATH=$($TM display -p '#{socket_path}')
PID=$($TM display -p -t soak '#{pane_pid}')
[ -n "$PID" ] && [ -d "/proc/$PID" ] || die "the tutor did not start"

# kB values of VmRSS/VmHWM; empty when the process is gone.
status_kb() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$PID/status" 2>/dev/null; }
# utime + stime in clock ticks (fields 14 and 15; the command name in field 2 has no spaces here).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat" 2>/dev/null; }

echo "soak: $BIN for ${SECONDS_TOTAL}s at 120x40, autoplay every 2 s, RSS every ${INTERVAL}s"
: > "$WORK/samples"
start=$(date +%s)
pages_seen=""
while :; do
    now=$(date +%s)
    elapsed=$((now - start))
    [ "$elapsed" -ge "$SECONDS_TOTAL" ] && break
    rss=$(status_kb VmRSS)
    [ -n "$rss" ] || die "the tutor exited after ${elapsed}s ($($TM display -p -t soak '#{pane_dead_status}'))"
    echo "$elapsed $rss" >> "$WORK/samples"
    # Which lesson/page is showing, to say how much of the course the run covered.
    where=$($TM capture-pane -p -t soak | sed -n '1s/^ *\(Lesson [0-9]*\).*\(page [0-9]*\/[0-9]*\).*/\1 \2/p')
    [ -n "$where" ] && pages_seen="$pages_seen
$where"
    sleep "$INTERVAL"
done
[ -n "${SOAK_CSV:-}" ] && { echo "seconds,vmrss_kb"; tr ' ' , < "$WORK/samples"; } > "$SOAK_CSV"

hwm=$(status_kb VmHWM)
[ -n "$hwm" ] || die "the tutor exited at the end of the run"
n=$(wc -l < "$WORK/samples")
[ "$n" -ge 3 ] || die "too few samples ($n): run longer"
third=$((n / 3))
first_max=$(head -n "$third" "$WORK/samples" | awk 'm < $2 { m = $2 } END { print m }')
last_max=$(tail -n "$third" "$WORK/samples" | awk 'm < $2 { m = $2 } END { print m }')
peak=$(awk 'm < $2 { m = $2 } END { print m }' "$WORK/samples")
low=$(awk 'NR == 1 || $2 < m { m = $2 } END { print m }' "$WORK/samples")
distinct=$(printf '%s\n' "$pages_seen" | sed '/^$/d' | sort -u | wc -l)
# Flat: the last third's peak within 10% (and 4 MB) of the first third's; both thirds cover whole
# tours of the course when the run is long enough (one tour is about two minutes).
flat=$(awk -v a="$first_max" -v b="$last_max" 'BEGIN { print (b <= a * 1.10 || b - a <= 4096) ? "yes" : "no" }')

echo "samples: $n, pages seen: $distinct distinct"
echo "RSS: low ${low} kB, peak ${peak} kB, VmHWM ${hwm} kB"
echo "RSS max, first third: ${first_max} kB; last third: ${last_max} kB; flat: $flat"

# Idle: menu, then lesson 0 page 1 (prose only). A real key also ends autoplay.
$TM send-keys -t soak m
sleep 0.5
$TM send-keys -t soak Home Enter
n=0
until $TM capture-pane -p -t soak | grep -q '^ *Lesson 0 .*page 1/'; do
    n=$((n + 1))
    [ "$n" -lt 100 ] || die "could not reach lesson 0 page 1 to measure the paused tutor"
    # The menu reopens a lesson where it was left: step back to its first page.
    [ $((n % 10)) = 0 ] && $TM send-keys -t soak Left
    sleep 0.1
done
sleep 1      # let the last frame and any progress save finish
t0=$(cpu_ticks)
sleep "$IDLE_SECONDS"
t1=$(cpu_ticks)
[ -n "$t0" ] && [ -n "$t1" ] || die "the tutor exited while paused"
idle=$((t1 - t0))
echo "paused on lesson 0 page 1: $idle CPU ticks in ${IDLE_SECONDS}s (at $(getconf CLK_TCK) ticks/s)"

$TM send-keys -t soak q
# remain-on-exit keeps the pane, so tmux can say how the tutor ended.
n=0
until [ "$($TM display -p -t soak '#{pane_dead}')" = 1 ]; do
    n=$((n + 1))
    [ "$n" -lt 100 ] || die "the tutor did not quit"
    sleep 0.1
done
# tmux leaves pane_dead_status empty for 0; a signal shows in pane_dead_signal instead.
rc=$($TM display -p -t soak '#{pane_dead_status}')
sig=$($TM display -p -t soak '#{pane_dead_signal}')
if [ -n "$sig" ]; then
    echo "quit: killed by signal $sig"
    rc=$((128 + sig))
else
    rc=${rc:-0}
    echo "quit: exit status $rc"
fi

result=0
[ "$flat" = yes ] || { echo "soak: memory grew"; result=1; }
[ "$idle" -le 2 ] || { echo "soak: the paused tutor used CPU"; result=1; }
[ "$rc" = 0 ] || { echo "soak: exit status $rc"; result=1; }
[ "$result" = 0 ] && echo "soak: ok"
exit $result
