#!/bin/sh
# End-to-end in a browser: bntutor served by shellinabox on a loopback port (as README's "In a browser"
# section sets it up), loaded in headless Chromium through the DevTools protocol; keys sent, the page's text
# checked (lesson title, help after ?, a page turn, the session closed by q), and charts drawn without
# braille there. Skipped (exit 77, said on stdout) when shellinabox, Chromium or python3 is missing.
set -u
skip() {
    echo "SKIP: browser_classroom: $* (apt-get install shellinabox chromium to run it)"
    exit 77
}
command -v shellinaboxd > /dev/null 2>&1 || skip "shellinaboxd is not installed"
CHROMIUM=$(command -v chromium || command -v chromium-browser) || skip "chromium is not installed"
command -v python3 > /dev/null 2>&1 || skip "python3 is not installed"

. "$(dirname "$0")/lib/tmux.sh"
DEVTOOLS="python3 $(cd "$(dirname "$0")" && pwd)/lib/devtools.py"
LESSONS="${BNTUTOR_LESSONS:-$(pwd)/lessons}"

# Everything started here leads its own process group, so stopping takes the group, children and all; Chromium's
# crash handlers leave the group, but they hold $WORK (its HOME) in their command line and end with the browser.
STARTED=
start() {
    python3 -c 'import os, sys
try:
    os.setsid()
except OSError:
    pass                    # already a group leader
os.execvp(sys.argv[1], sys.argv[1:])' "$@" &
    STARTED="$STARTED $!"
}
# The ids of the processes still running with $WORK in their command line (started by this script).
ours() {
    for dir in /proc/[0-9]*; do
        line=$( { tr '\0' ' ' < "$dir/cmdline"; } 2>/dev/null)
        case $line in *"$WORK"*) echo "${dir#/proc/}" ;; esac
    done
}
# Whether a started group still has a running member (zombies wait for init to reap them: they are gone).
groups_alive() {
    [ -n "$STARTED" ] || return 1
    ps -eo pgid=,stat= | awk -v groups=" $STARTED " '
        index(groups, " " $1 " ") && $2 !~ /^Z/ { alive = 1 } END { exit !alive }'
}
stop_started() {
    for pid in $STARTED; do
        kill -TERM -- "-$pid" 2>/dev/null
    done
    n=0
    while { [ -n "$(ours)" ] || groups_alive; } && [ "$n" -lt 50 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    for pid in $STARTED; do
        kill -KILL -- "-$pid" 2>/dev/null
    done
    for pid in $(ours); do
        kill -KILL "$pid" 2>/dev/null
    done
    n=0
    while groups_alive && [ "$n" -lt 20 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    STARTED=
}
trap 'stop_started; e2e_cleanup' EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Polls until something answers HTTP on 127.0.0.1:$1 (10 s).
wait_http() {
    python3 - "$1" <<'EOF' || fail "nothing answers on 127.0.0.1:$1"
import sys, time, urllib.request
deadline = time.time() + 10
while True:
    try:
        urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=1).read(1)
        break
    except OSError:
        if time.time() > deadline:
            sys.exit(1)
        time.sleep(0.1)
EOF
}

WEB=$(free_port)
DEVPORT=$(free_port)
[ "$WEB" != "$DEVPORT" ] || DEVPORT=$(free_port)
user=$(id -un)
group=$(id -gn)
env_vars="XDG_STATE_HOME=$WORK/state XDG_CACHE_HOME=$WORK/cache BNTUTOR_LESSONS=$LESSONS"
# "/": the documented service line (--ascii). "/auto": a UTF-8 locale and no --ascii, so bntutor must notice
# shellinabox by itself. "/braille": the same with SHELLINABOX_URL removed, to show the check can tell.
plain="/usr/bin/env $env_vars $BIN --ascii --lesson=0 --page=1"
auto="/usr/bin/env $env_vars LANG=C.UTF-8 $BIN --lesson=0 --page=2"
braille="/usr/bin/env -u SHELLINABOX_URL $env_vars LANG=C.UTF-8 $BIN --lesson=0 --page=2"
start shellinaboxd --disable-ssl --localhost-only --port="$WEB" --no-beep --disable-ssl-menu --quiet \
    --service="/:$user:$group:$WORK:$plain" --service="/auto:$user:$group:$WORK:$auto" \
    --service="/braille:$user:$group:$WORK:$braille" \
    > "$WORK/shellinabox.log" 2>&1
wait_http "$WEB"

sandbox=
[ "$(id -u)" = 0 ] && sandbox=--no-sandbox     # Chromium refuses to run as root with its sandbox
mkdir -p "$WORK/home"
start env HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" "$CHROMIUM" --headless=new $sandbox --disable-gpu \
    --no-first-run --disable-dev-shm-usage \
    --window-size=1400,1000 --user-data-dir="$WORK/chromium" --remote-debugging-port="$DEVPORT" about:blank \
    > "$WORK/chromium.log" 2>&1

$DEVTOOLS "$DEVPORT" open "http://127.0.0.1:$WEB/" wait "Lesson 0 - Using bntutor" 40 wait "page 1/5" 5 ||
    fail "the browser does not show lesson 0's first page"
$DEVTOOLS "$DEVPORT" keys "?" wait "Keys (Esc or ? closes)" 10 wait "next page" 5 ||
    fail "? does not bring up the help in the browser"
$DEVTOOLS "$DEVPORT" keys '\e' gone "Keys (Esc" 10 keys n wait "page 2/5" 10 braille no ||
    fail "Esc and n do not close the help and turn the page"
$DEVTOOLS "$DEVPORT" keys q wait "Session closed" 10 || fail "q does not end the session"

# A few steps draw the loss curve: braille in a UTF-8 terminal, ASCII here.
$DEVTOOLS "$DEVPORT" open "http://127.0.0.1:$WEB/auto/" wait "page 2/5" 40 keys ........ wait "step 8 of" 10 braille no ||
    fail "without --ascii, bntutor drew braille inside shellinabox"
$DEVTOOLS "$DEVPORT" keys q wait "Session closed" 10 || fail "q does not end the /auto session"
$DEVTOOLS "$DEVPORT" open "http://127.0.0.1:$WEB/braille/" wait "page 2/5" 40 keys ........ wait "step 8 of" 10 \
    braille yes ||
    { $DEVTOOLS "$DEVPORT" text; fail "the braille check cannot tell: no braille even outside shellinabox"; }
$DEVTOOLS "$DEVPORT" keys q wait "Session closed" 10 || fail "q does not end the /braille session"

stop_started
echo "browser_classroom: ok"
