#!/bin/sh
# Runs every benchmark binary in DIR/bench, then the PyTorch comparison when torch is importable,
# and prints torch/bntutor ratios of medians measured in this same run. Usage: scripts/bench.sh DIR
set -u
dir=${1:?usage: scripts/bench.sh BUILDDIR (e.g. build/rel)}
here=$(dirname "$0")
results=$(mktemp)
trap 'rm -f "$results"' EXIT INT TERM

status=0
found=0
for b in "$dir"/bench/bench_*; do
    [ -x "$b" ] || continue
    found=1
    echo "== $(basename "$b")"
    if ! "$b" | tee -a "$results" | grep -v '^RESULT '; then
        echo "bntutor: bench: $(basename "$b") failed" >&2
        status=1
    fi
done
[ "$found" = 1 ] || echo "bntutor: bench: no benchmark binaries in $dir/bench" >&2

# Debian's python3-torch lives in the system python, which a pyenv shim may hide.
py=""
for cand in python3 /usr/bin/python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import torch' >/dev/null 2>&1; then
        py=$cand
        break
    fi
done
if [ -z "$py" ]; then
    echo "== torch_step: torch is not available (tried python3, /usr/bin/python3); skipped"
    exit "$status"
fi
echo "== torch_step ($py)"
"$py" "$here/../bench/torch_step.py" | tee -a "$results" | grep -v '^RESULT ' || status=1

ours=$(sed -n 's/^RESULT train_step_bn_before_us //p' "$results" | tail -n 1)
for kind in float64 float32; do
    theirs=$(sed -n "s/^RESULT torch_step_${kind}_us //p" "$results" | tail -n 1)
    if [ -n "$ours" ] && [ -n "$theirs" ]; then
        awk -v t="$theirs" -v o="$ours" -v k="$kind" 'BEGIN {
            printf "ratio torch(%s)/bntutor(double) median step time: %.2f  (%s us vs %s us; >1 means bntutor is faster)\n", k, t / o, t, o }'
    fi
done
exit "$status"
