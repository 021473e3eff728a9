#!/bin/sh
# make install / uninstall honour PREFIX and DESTDIR: every file lands where it should and leaves again.
set -eu
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
# A build root of its own: another PREFIX must not leave its objects in the main build.
make -s -j2 install BUILDROOT="$dest/build" DESTDIR="$dest" PREFIX=/opt/bnt >/dev/null
for f in bin/bntutor share/man/man1/bntutor.1 share/bntutor/lessons/README.md share/bntutor/themes/dark.theme; do
    [ -f "$dest/opt/bnt/$f" ] || { echo "install did not put $f under DESTDIR/PREFIX"; exit 1; }
done
ls "$dest/opt/bnt/share/bntutor/lessons/"*.lesson >/dev/null 2>&1 || { echo "no lessons installed"; exit 1; }
"$dest/opt/bnt/bin/bntutor" --version | grep -q '^bntutor ' || { echo "installed binary does not run"; exit 1; }
"$dest/opt/bnt/bin/bntutor" list 2>&1 | grep -q "Inside a BN layer" || { echo "installed binary does not find its lessons"; exit 1; }
make -s uninstall BUILDROOT="$dest/build" DESTDIR="$dest" PREFIX=/opt/bnt >/dev/null
rm -rf "$dest/build"
left=$(find "$dest" -type f | head -n 5)
[ -z "$left" ] || { echo "uninstall left files behind: $left"; exit 1; }
echo ok
