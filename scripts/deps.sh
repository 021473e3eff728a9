#!/bin/sh
# Checks the system packages bntutor needs and installs the missing ones with apt-get when run as root.
# Usage: scripts/deps.sh build|test|bench   (test also needs Criterion and tmux for the end-to-end tests;
# bench needs GNU time for the pages' peak memory, tmux for a playing tutor's CPU, and PyTorch to compare with)
set -u
what=${1:-build}

missing=""
need_pkg() { missing="$missing $1"; }

command -v pkg-config >/dev/null 2>&1 || need_pkg pkg-config
have() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1"; }
have ncursesw || need_pkg libncurses-dev
have zlib || need_pkg zlib1g-dev
if [ "$what" = test ]; then
    have criterion || need_pkg libcriterion-dev
    command -v tmux >/dev/null 2>&1 || need_pkg tmux
    # The end-to-end tests compare terminal settings before and after a run.
    command -v stty >/dev/null 2>&1 || need_pkg coreutils
fi

if [ "$what" = bench ]; then
    [ -x /usr/bin/time ] || need_pkg time
    command -v tmux >/dev/null 2>&1 || need_pkg tmux
    python3 -c 'import torch' >/dev/null 2>&1 || /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || need_pkg python3-torch
fi

[ -z "$missing" ] && exit 0

cmd="apt-get install -y$missing"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bntutor: installing missing packages:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine has no package lists yet; refresh them once before installing.
    apt-get update -qq -o DPkg::Lock::Timeout=600 >&2 || { echo "bntutor: apt-get update failed" >&2; exit 1; }
    apt-get install -y -qq -o DPkg::Lock::Timeout=600$missing >/dev/null || { echo "bntutor: '$cmd' failed" >&2; exit 1; }
    exit 0
fi
echo "bntutor: missing system packages:$missing" >&2
echo "bntutor: install them with:  sudo $cmd" >&2
exit 1
