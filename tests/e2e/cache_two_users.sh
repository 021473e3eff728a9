#!/bin/sh
# Two learners on one machine (run as root: two throwaway uids through setpriv; skipped otherwise): a cache
# folder, file or lock another user controls is refused with a warning and never trusted or waited on;
# the system-wide cache built by root is read by both; results equal those of a private cache.
set -u
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1; then
    echo "cache_two_users: skipped (needs root and setpriv to act as two users)"
    exit 0
fi
[ -n "${BNTUTOR_BIN:-}" ] && [ -x "$BNTUTOR_BIN" ] || { echo "BNTUTOR_BIN must point at the built binary" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bntutor-2uid.XXXXXX")
holder=
cleanup() {
    [ -n "$holder" ] && kill "$holder" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL: $*" >&2; exit 1; }
chmod 755 "$WORK"
cp "$BNTUTOR_BIN" "$WORK/bntutor"     # wherever the build lives, both users can run this copy
BIN=$WORK/bntutor
ATTACKER=64101 VICTIM=64102
# as UID CMD...: runs CMD as that user, with a home of its own and no system cache unless given.
as() {
    uid=$1
    shift
    mkdir -p "$WORK/home-$uid" && chown "$uid:$uid" "$WORK/home-$uid"
    env -i PATH=/usr/bin:/bin HOME="$WORK/home-$uid" BNTUTOR_CACHE_LOCK_SECONDS=2 \
        BNTUTOR_SYSTEM_CACHE="${SYSTEM_CACHE:-$WORK/no-system-cache}" ${XDG:+XDG_CACHE_HOME=$XDG} \
        setpriv --reuid="$uid" --regid="$uid" --clear-groups "$@"
}

# A small MNIST-format set (random pixels), gzipped as Fashion-MNIST is.
be32() { printf "\\$(printf %03o $(($1 >> 24 & 255)))\\$(printf %03o $(($1 >> 16 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))\\$(printf %03o $(($1 & 255)))"; }
mkdir -p "$WORK/data"
for part in train:3000 t10k:1000; do
    name=${part%%:*} n=${part#*:}
    { printf '\000\000\010\003'; be32 "$n"; be32 28; be32 28; head -c $((n * 784)) /dev/urandom; } | gzip > "$WORK/data/$name-images-idx3-ubyte.gz"
    { printf '\000\000\010\001'; be32 "$n"; head -c "$n" /dev/zero; } > "$WORK/data/$name-labels-idx1-ubyte"
done
chmod -R a+rX "$WORK/data"
TRAIN="train --dataset=idx:$WORK/data --steps=30 --every=10 --seed=3"

# The reference: the victim alone, with a private cache.
XDG="$WORK/home-$VICTIM/.cache" as "$VICTIM" "$BIN" $TRAIN > "$WORK/clean.csv" 2> "$WORK/clean.err" ||
    fail "clean run: $(cat "$WORK/clean.err")"
[ -s "$WORK/clean.csv" ] && [ ! -s "$WORK/clean.err" ] || fail "clean run: $(cat "$WORK/clean.err")"

# 1. A shared XDG_CACHE_HOME (sticky and world-writable, like /tmp): the attacker unpacks first, then forges
#    the cache (header kept, pixels zeroed) and opens it and its folder to everyone.
mkdir -m 1777 "$WORK/shared"
XDG="$WORK/shared" as "$ATTACKER" "$BIN" $TRAIN > /dev/null 2>&1 || fail "attacker's run failed"
cache=$(ls "$WORK/shared/bntutor/"train-images-idx3-ubyte-*.idx | head -n 1)
[ -f "$cache" ] || fail "the attacker's run left no cache"
size=$(stat -c %s "$cache")
as "$ATTACKER" sh -c "head -c 80 '$cache' > '$cache.new' && head -c $((size - 80)) /dev/zero >> '$cache.new' &&
    mv '$cache.new' '$cache' && chmod 666 '$cache' && chmod 777 '$WORK/shared/bntutor'" || fail "cannot forge"
start=$(date +%s)
XDG="$WORK/shared" as "$VICTIM" timeout 30 "$BIN" $TRAIN > "$WORK/victim.csv" 2> "$WORK/victim.err"
rc=$?
[ "$rc" = 0 ] || fail "victim: exit $rc: $(cat "$WORK/victim.err")"
grep -q "belongs to uid $ATTACKER" "$WORK/victim.err" || fail "victim: no warning about the foreign folder: $(cat "$WORK/victim.err")"
cmp -s "$WORK/clean.csv" "$WORK/victim.csv" || fail "victim: trained on other data than the clean run:
$(diff "$WORK/clean.csv" "$WORK/victim.csv")"

# 2. The attacker's folder, readable by all, with a 0666 lock file the attacker holds: refused before
#    the lock is touched, so the victim never waits on it.
rm -rf "$WORK/shared/bntutor"
as "$ATTACKER" mkdir -m 755 "$WORK/shared/bntutor"
lock="$WORK/shared/bntutor/$(basename "$cache").lock"
as "$ATTACKER" sh -c "umask 0; : > '$lock'; chmod 666 '$lock'"
as "$ATTACKER" flock "$lock" sleep 60 &
holder=$!
sleep 0.5
start=$(date +%s)
XDG="$WORK/shared" as "$VICTIM" timeout 30 "$BIN" $TRAIN > "$WORK/victim2.csv" 2> "$WORK/victim2.err"
rc=$? took=$(($(date +%s) - start))
[ "$rc" = 0 ] || fail "lock: exit $rc after ${took}s: $(cat "$WORK/victim2.err")"
[ "$took" -le 10 ] || fail "lock: the victim waited ${took}s"
grep -q "refused" "$WORK/victim2.err" || fail "lock: no warning: $(cat "$WORK/victim2.err")"
cmp -s "$WORK/clean.csv" "$WORK/victim2.csv" || fail "lock: other data than the clean run"
kill "$holder" 2>/dev/null
holder=

# 3. The system-wide cache: built by root, read-only, read by both learners, no private copy unpacked.
"$BIN" cache build --data="$WORK/data" --cache-dir="$WORK/sys" > "$WORK/build.out" 2>&1 || fail "cache build: $(cat "$WORK/build.out")"
for who in "$ATTACKER" "$VICTIM"; do
    SYSTEM_CACHE="$WORK/sys" XDG="$WORK/home-$who/sys-run" as "$who" "$BIN" $TRAIN > "$WORK/sys-$who.csv" 2> "$WORK/sys-$who.err" ||
        fail "system cache, uid $who: $(cat "$WORK/sys-$who.err")"
    cmp -s "$WORK/clean.csv" "$WORK/sys-$who.csv" || fail "system cache, uid $who: other results"
    [ ! -e "$WORK/home-$who/sys-run/bntutor" ] || fail "uid $who unpacked a private copy beside the system cache"
done
# The attacker cannot change what the victim reads from it.
sys_cache=$(ls "$WORK/sys/"train-images-idx3-ubyte-*.idx | head -n 1)
as "$ATTACKER" sh -c "echo x >> '$sys_cache'" 2>/dev/null && fail "the system cache is writable by a learner"

# 4. A "system" cache folder a learner owns is not the system's: refused, the victim unpacks its own.
rm -rf "$WORK/fake-sys"
mkdir "$WORK/fake-sys" && chown "$ATTACKER:$ATTACKER" "$WORK/fake-sys"
as "$ATTACKER" "$BIN" cache build --data="$WORK/data" --cache-dir="$WORK/fake-sys" > /dev/null 2>&1 || fail "attacker's build"
SYSTEM_CACHE="$WORK/fake-sys" XDG="$WORK/home-$VICTIM/fake-run" as "$VICTIM" "$BIN" $TRAIN > "$WORK/fake.csv" 2> "$WORK/fake.err" ||
    fail "fake system cache: $(cat "$WORK/fake.err")"
[ -e "$WORK/home-$VICTIM/fake-run/bntutor" ] || fail "the victim trusted a learner's 'system' cache"
cmp -s "$WORK/clean.csv" "$WORK/fake.csv" || fail "fake system cache: other results"
echo "cache_two_users: ok"
