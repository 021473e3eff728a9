#!/bin/sh
# Classroom load test for people, not CI: many tutors at once on one machine, each in its own window of
# one private tmux server, spread over every lesson, some paused and some playing; reports their memory,
# their CPU over a hold, and whether each still answers a key.
# Usage: scripts/classroom.sh [BIN]   (default $BNTUTOR_BIN, else build/rel/bntutor)
# Environment: CLASSROOM_TUTORS (default 60), CLASSROOM_SECONDS (hold, default 60),
#   CLASSROOM_CACHE=system (default: the dataset is unpacked once, as root, by `bntutor cache build` into a
#   system-wide cache every learner reads) or user (no system cache: each learner unpacks their own).
# As root every learner is a user of their own (throwaway system users made with useradd, removed at
# the end; numeric uids through setpriv when useradd is missing), with their own home, cache and
# progress, as on a lab server. Not as root, every tutor runs as you with one shared cache folder and
# the distinct-user part is skipped (said so in the report).
# Exit status: 0 every tutor answered, 1 a tutor died or did not answer, 2 cannot run.
set -u
cd "$(dirname "$0")/.." || exit 2
BIN=${1:-${BNTUTOR_BIN:-build/rel/bntutor}}
TUTORS=${CLASSROOM_TUTORS:-60}
HOLD=${CLASSROOM_SECONDS:-60}
CACHE_MODE=${CLASSROOM_CACHE:-system}

command -v tmux >/dev/null 2>&1 || { echo "bntutor: classroom: tmux is not installed" >&2; exit 2; }
[ -x "$BIN" ] || { echo "bntutor: classroom: no binary at $BIN (run make first)" >&2; exit 2; }
case $TUTORS in ''|0|*[!0-9]*) echo "bntutor: classroom: CLASSROOM_TUTORS must be a whole number > 0" >&2; exit 2 ;; esac
case $HOLD in ''|*[!0-9]*) echo "bntutor: classroom: CLASSROOM_SECONDS must be a whole number" >&2; exit 2 ;; esac
case $CACHE_MODE in system|user) ;; *) echo "bntutor: classroom: CLASSROOM_CACHE must be system or user" >&2; exit 2 ;; esac
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
LESSONS=$(pwd)/lessons

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bntutor-classroom.XXXXXX") || exit 2
SOCKET=bntutor-classroom-$$
TM="tmux -L $SOCKET -f /dev/null"
SOCKET_PATH=
cleanup() {
    $TM kill-server 2>/dev/null
    # Tutors ending save progress into WORK: give them a moment before removing it.
    for pid in $(cat "$WORK/pids" 2>/dev/null); do
        n=0
        while [ -d "/proc/$pid" ] && [ "$n" -lt 20 ]; do sleep 0.1; n=$((n + 1)); done
    done
    [ -n "$SOCKET_PATH" ] && rm -f "$SOCKET_PATH"     # kill-server leaves the socket file behind
    # The throwaway learners: only the ones this run made, by the names it recorded.
    for name in $(cat "$WORK/users" 2>/dev/null); do userdel "$name" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

die() { echo "bntutor: classroom: $*" >&2; exit 1; }

# Page counts per lesson, from `bntutor list` (lesson number, title, "N pages").
BNTUTOR_LESSONS=$LESSONS XDG_STATE_HOME=$WORK/list "$BIN" list 2>/dev/null \
    | sed -n 's/^ *\([0-9][0-9]*\) .* \([0-9][0-9]*\) pages*$/\1 \2/p' > "$WORK/lessons"
nlessons=$(wc -l < "$WORK/lessons")
[ "$nlessons" -gt 0 ] || die "bntutor list shows no lessons"

mkdir -p "$WORK/cache"
chmod 755 "$WORK"      # learners of their own must reach their homes inside it
: > "$WORK/pids"
: > "$WORK/users"

# Learner i's uid (as root), one each; empty when every tutor runs as the caller.
learner_uid() { sed -n "$(($1 + 1))p" "$WORK/uids" 2>/dev/null; }
: > "$WORK/uids"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    i=0
    while [ "$i" -lt "$TUTORS" ]; do
        name=bntc$$-$i
        if command -v useradd >/dev/null 2>&1 && useradd -r -M -N -g nogroup -s /usr/sbin/nologin "$name" 2>/dev/null; then
            echo "$name" >> "$WORK/users"
            id -u "$name" >> "$WORK/uids"
        else
            echo $((61000 + i)) >> "$WORK/uids"
        fi
        i=$((i + 1))
    done
    LEARNERS="$TUTORS learners on distinct uids"
else
    LEARNERS="one uid for every tutor (not root: the distinct-user part is skipped)"
fi
# The system-wide cache, as an administrator fills it (the machine's own is left alone).
SYSTEM_CACHE=$WORK/system-cache
if [ "$CACHE_MODE" = system ]; then
    "$BIN" cache build --cache-dir="$SYSTEM_CACHE" > "$WORK/cache-build.out" 2>&1 ||
        echo "classroom: note: no system cache ($(tail -n 1 "$WORK/cache-build.out"))" >&2
fi
# Tutor i: lesson i mod L, page (i div L) mod pages + 1; even tutors play, odd ones pause.
i=0
while [ "$i" -lt "$TUTORS" ]; do
    line=$(sed -n "$((i % nlessons + 1))p" "$WORK/lessons")
    lesson=${line% *}
    pages=${line#* }
    page=$(( (i / nlessons) % pages + 1 ))
    uid=$(learner_uid "$i")
    home=$WORK/home/$i
    mkdir -p "$home" "$WORK/state/$i"
    cache=$WORK/cache
    as=
    if [ -n "$uid" ]; then
        cache=$home/.cache
        chown "$uid" "$home" "$WORK/state/$i"
        as="setpriv --reuid=$uid --regid=$(id -g nobody 2>/dev/null || echo 65534) --clear-groups"
    fi
    cmd="env LC_ALL=C.UTF-8 TERM=tmux-256color HOME=$home XDG_STATE_HOME=$WORK/state/$i XDG_CACHE_HOME=$cache \
         BNTUTOR_SYSTEM_CACHE=$SYSTEM_CACHE BNTUTOR_LESSONS=$LESSONS $as $BIN --lesson=$lesson --page=$page"
    if [ "$i" = 0 ]; then
        $TM new-session -d -s class -n t0 -x 100 -y 30 "$cmd" || die "cannot start tmux"
        $TM set-option -g remain-on-exit on >/dev/null
        SOCKET_PATH=$($TM display -p '#{socket_path}')
    else
        $TM new-window -d -t class -n "t$i" "$cmd" || die "cannot open window $i"
    fi
    $TM display -p -t "class:t$i" '#{pane_pid}' >> "$WORK/pids"
    echo "$i $lesson $page $((i % 2 == 0))" >> "$WORK/plan"
    i=$((i + 1))
done

header() { $TM capture-pane -p -t "class:t$1" 2>/dev/null | head -n 1; }
# Waits (up to 30 s, the machine may be busy) for tutor $1's header to show $2.
wait_for() {
    n=0
    until header "$1" | grep -q "$2"; do
        n=$((n + 1))
        [ "$n" -lt 300 ] || return 1
        sleep 0.1
    done
}

# Bring each tutor to its planned state; space toggles play/pause where the page has a scene.
while read -r i lesson page want_play; do
    wait_for "$i" 'Lesson' || die "tutor $i (lesson $lesson page $page) did not draw"
    h=$(header "$i")
    if [ "$want_play" = 1 ] && echo "$h" | grep -q ' paused '; then
        $TM send-keys -t "class:t$i" Space
        wait_for "$i" ' playing ' || die "tutor $i (lesson $lesson page $page) did not start playing"
    elif [ "$want_play" = 0 ] && echo "$h" | grep -q ' playing '; then
        $TM send-keys -t "class:t$i" Space
        wait_for "$i" ' paused ' || die "tutor $i (lesson $lesson page $page) did not pause"
    fi
done < "$WORK/plan"
sleep 2      # let the last key's frame and any progress save settle

# What each tutor really is now: "playing" from its header, anything else counts as paused.
: > "$WORK/roles"
while read -r i lesson page want_play; do
    if header "$i" | grep -q ' playing '; then role=playing; else role=paused; fi
    echo "$i $lesson $page $role $(sed -n "$((i + 1))p" "$WORK/pids")" >> "$WORK/roles"
done < "$WORK/plan"

# utime + stime in clock ticks (fields 14 and 15; the command name has no spaces here).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
while read -r i lesson page role pid; do echo "$(cpu_ticks "$pid")"; done < "$WORK/roles" > "$WORK/t0"
echo "classroom: $TUTORS tutors ($(grep -c ' playing ' "$WORK/roles") playing, \
$(grep -c ' paused ' "$WORK/roles") paused) over $nlessons lessons at 100x30, holding ${HOLD}s"
echo "learners $LEARNERS; dataset cache: $CACHE_MODE"
sleep "$HOLD"
while read -r i lesson page role pid; do echo "$(cpu_ticks "$pid")"; done < "$WORK/roles" > "$WORK/t1"

# Memory at the end of the hold: VmRSS from status, Pss from smaps_rollup (shared pages split fairly).
: > "$WORK/samples"
dead=0
paste -d ' ' "$WORK/roles" "$WORK/t0" "$WORK/t1" | while read -r i lesson page role pid t0 t1; do
    rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null)
    pss=$(sed -n 's/^Pss:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/smaps_rollup" 2>/dev/null)
    if [ -z "$rss" ] || [ -z "$t1" ]; then
        echo "tutor $i (lesson $lesson page $page) died during the hold" >&2
        echo "$i $role dead" >> "$WORK/samples"
        continue
    fi
    echo "$i $role $rss ${pss:-0} $((t1 - t0)) $lesson $page" >> "$WORK/samples"
done
dead=$(grep -c ' dead$' "$WORK/samples")

tck=$(getconf CLK_TCK)
grep -v ' dead$' "$WORK/samples" | awk -v tck="$tck" -v hold="$HOLD" '
    { n++; rss += $3; pss += $4; if ($4 > maxpss) maxpss = $4
      if ($3 > maxrss) { maxrss = $3; bigwhere = "lesson " $6 " page " $7 }
      cpu[$2] += $5; cnt[$2]++; if ($5 > maxcpu[$2]) { maxcpu[$2] = $5; where[$2] = "lesson " $6 " page " $7 } }
    END {
        printf "memory   VmRSS total %.1f MB, largest %.1f MB (%s); Pss total %.1f MB, largest %.1f MB (%d tutors)\n",
            rss / 1024, maxrss / 1024, bigwhere, pss / 1024, maxpss / 1024, n
        split("paused playing", roles, " ")
        for (k = 1; k <= 2; k++) {
            r = roles[k]; if (!cnt[r]) continue
            printf "cpu      %-7s %2d tutors: %.2f s in all over %d s, %.3f s per tutor (%.2f%% of a core), most %.2f s (%s)\n",
                r, cnt[r], cpu[r] / tck, hold, cpu[r] / tck / cnt[r], 100 * cpu[r] / tck / cnt[r] / (hold ? hold : 1),
                maxcpu[r] / tck, where[r] == "" ? "none above 0" : where[r]
        }
    }'

# One copy of the dataset? Every cache file a tutor holds open, and every copy unpacked on disk.
: > "$WORK/open-caches"
while read -r i lesson page role pid; do
    for fd in /proc/"$pid"/fd/*; do
        target=$(readlink "$fd" 2>/dev/null) || continue
        case $target in *.idx) echo "$target $pid" >> "$WORK/open-caches" ;; esac
    done
done < "$WORK/roles"
readers=$(cut -d ' ' -f 2 "$WORK/open-caches" | sort -u | wc -l)
files=$(cut -d ' ' -f 1 "$WORK/open-caches" | sort -u)
nfiles=$(echo "$files" | grep -c . )
bytes=0
for f in $files; do bytes=$((bytes + $(stat -c %s "$f" 2>/dev/null || echo 0))); done
copies=$(find "$WORK/home" "$WORK/cache" -name '*-idx3-ubyte-*.idx' 2>/dev/null | wc -l)
if [ "$readers" -gt 0 ]; then
    echo "dataset  $readers tutors read $nfiles cache file(s), $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB in all \
($(echo "$files" | grep -q "^$SYSTEM_CACHE/" && echo "the system cache" || echo "per-user caches")); $copies private copies unpacked"
else
    echo "dataset  no tutor reads a cached dataset (Fashion-MNIST not installed?)"
fi

# Every tutor must still answer: ? opens the key help, Escape closes it.
silent=0
while read -r i lesson page role pid; do
    [ -d "/proc/$pid" ] || { silent=$((silent + 1)); continue; }
    ok=1
    $TM send-keys -t "class:t$i" '?'
    n=0
    until $TM capture-pane -p -t "class:t$i" | grep -q 'Keys (Esc or ? closes)'; do
        n=$((n + 1))
        if [ "$n" -ge 100 ]; then
            echo "tutor $i (lesson $lesson page $page, $role) did not show its help within 10 s" >&2
            ok=0
            break
        fi
        sleep 0.1
    done
    $TM send-keys -t "class:t$i" Escape
    n=0
    while $TM capture-pane -p -t "class:t$i" | grep -q 'Keys (Esc or ? closes)'; do
        n=$((n + 1))
        if [ "$n" -ge 100 ]; then
            echo "tutor $i (lesson $lesson page $page, $role) did not close its help on Escape" >&2
            ok=0
            break
        fi
        sleep 0.1
    done
    [ "$ok" = 1 ] || silent=$((silent + 1))
done < "$WORK/roles"
answered=$((TUTORS - silent))
echo "answers  $answered of $TUTORS tutors showed their help on ? and closed it on Escape"
echo "machine  $(nproc) cores, load average $(cut -d ' ' -f 1-3 /proc/loadavg) at the end"
[ "$silent" = 0 ] && [ "$dead" = 0 ] || exit 1
echo "classroom: ok"
