#!/bin/sh
# Runs every benchmark binary in DIR/bench, then the PyTorch comparison when torch is importable,
# alternating with bench_train for BENCH_ROUNDS rounds (default 3), and prints the median torch/bntutor
# ratio. Usage: scripts/bench.sh DIR
set -u
dir=${1:?usage: scripts/bench.sh BUILDDIR (e.g. build/rel)}
here=$(dirname "$0")
results=$(mktemp)
trap 'rm -f "$results"' EXIT INT TERM

rounds=${BENCH_ROUNDS:-3}
status=0
found=0
for b in "$dir"/bench/bench_*; do
    [ -x "$b" ] || continue
    [ "$(basename "$b")" = bench_train ] && continue     # run below, alternating with PyTorch
    [ "$(basename "$b")" = bench_conv ] && continue      # run by bench_conv_vs_torch, alternating too
    found=1
    echo "== $(basename "$b")"
    if ! "$b" | tee -a "$results" | grep -v '^RESULT '; then
        echo "bntutor: bench: $(basename "$b") failed" >&2
        status=1
    fi
done
# Per-tutor CPU while a scene plays: one tutor on lesson 7 page 3 (it plays on arrival) in a private tmux
# server for BENCH_PLAY_SECONDS (default 10), utime+stime from /proc. Skipped without tmux.
bench_playing_cpu() {
    command -v tmux >/dev/null 2>&1 || { echo "== playing_cpu: tmux is not installed; skipped"; return 0; }
    secs=${BENCH_PLAY_SECONDS:-10}
    state=$(mktemp -d)
    tm="tmux -L bntutor-bench-$$ -f /dev/null"
    echo "== playing_cpu (one tutor playing lesson 7 page 3 at 100x30 for ${secs}s)"
    $tm new-session -d -s play -x 100 -y 30 "env LC_ALL=C.UTF-8 TERM=tmux-256color XDG_STATE_HOME=$state \
        BNTUTOR_LESSONS=$(pwd)/lessons $(cd "$dir" && pwd)/bntutor --lesson=7 --page=3" || { rm -rf "$state"; return 1; }
    pid=$($tm display -p -t play '#{pane_pid}')
    n=0
    until $tm capture-pane -p -t play | head -n 1 | grep -q ' playing '; do
        n=$((n + 1))
        [ "$n" -lt 100 ] || { echo "bntutor: bench: the tutor did not start playing" >&2; $tm kill-server; rm -rf "$state"; return 1; }
        sleep 0.1
    done
    t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    sleep "$secs"
    t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
    $tm kill-server 2>/dev/null
    sleep 0.3
    rm -rf "$state"
    awk -v d="$((t1 - t0))" -v tck="$(getconf CLK_TCK)" -v s="$secs" 'BEGIN {
        printf "one playing tutor: %.2f s CPU in %d s, %.2f%% of a core\nRESULT playing_cpu_percent %.2f\n",
            d / tck, s, 100 * d / tck / s, 100 * d / tck / s }' | tee -a "$results" | grep -v '^RESULT '
}
bench_playing_cpu || status=1

# One SGD step of the conv net (batch 32, batch norm) against the same network in PyTorch on one thread,
# float64 and float32, taking turns for BENCH_ROUNDS rounds; the median of the per-round ratios.
bench_conv_vs_torch() {
    [ -x "$dir/bench/bench_conv" ] || { echo "bntutor: bench: no bench_conv in $dir/bench" >&2; return 1; }
    cpy=""
    for cand in python3 /usr/bin/python3; do
        if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import torch' >/dev/null 2>&1; then
            cpy=$cand
            break
        fi
    done
    conv_ratios=$(mktemp)
    conv_status=0
    cr=1
    while [ "$cr" -le "$rounds" ]; do
        echo "== bench_conv (round $cr of $rounds)"
        conv_round=$(mktemp)
        "$dir/bench/bench_conv" | tee "$conv_round" | grep -v '^RESULT ' || conv_status=1
        if [ -n "$cpy" ]; then
            echo "== torch_conv_step ($cpy, round $cr of $rounds)"
            "$cpy" "$here/../bench/torch_conv_step.py" | tee -a "$conv_round" | grep -v '^RESULT ' || conv_status=1
        fi
        ours=$(sed -n 's/^RESULT conv_step_bn_us //p' "$conv_round")
        for kind in float64 float32; do
            theirs=$(sed -n "s/^RESULT torch_conv_step_${kind}_us //p" "$conv_round")
            [ -n "$ours" ] && [ -n "$theirs" ] && awk -v t="$theirs" -v o="$ours" -v k="$kind" \
                'BEGIN { printf "%s %.3f %s %s\n", k, t / o, t, o }' >>"$conv_ratios"
        done
        cat "$conv_round" >>"$results"
        rm -f "$conv_round"
        cr=$((cr + 1))
    done
    if [ -z "$cpy" ]; then
        echo "== torch_conv_step: torch is not available (tried python3, /usr/bin/python3); no ratio"
    else
        echo "== bntutor conv net against PyTorch, one thread each (>1 means bntutor is faster)"
        for kind in float64 float32; do
            grep "^$kind " "$conv_ratios" | sort -k2,2n | awk -v k="$kind" '
                { ratio[NR] = $2; line = line sprintf(" %.2f", $2) }
                END {
                    if (NR == 0) exit
                    m = NR % 2 ? ratio[(NR + 1) / 2] : (ratio[NR / 2] + ratio[NR / 2 + 1]) / 2
                    printf "conv step: ratio torch(%s)/bntutor(double) median %.2f over %d rounds (each:%s)\n", k, m, NR, line
                }'
        done
    fi
    rm -f "$conv_ratios"
    return "$conv_status"
}
bench_conv_vs_torch || status=1
# Peak resident memory (VmHWM, as GNU time's %M reports it) of `bntutor render` for every page of every
# lesson, after 0 and 500 steps, at 80x24 and 200x60; prints the largest BENCH_MEMORY_TOP (5) and how
# many runs pass BENCH_MEMORY_LIMIT_KB (16384). Images of a mapped IDX file are read from the shared page
# cache, which no tutor's resident set counts. Skipped without GNU time.
bench_page_memory() {
    [ -x /usr/bin/time ] || { echo "== page_memory: /usr/bin/time (GNU time) is not installed; skipped"; return 0; }
    bin=$(cd "$dir" && pwd)/bntutor
    top=${BENCH_MEMORY_TOP:-5}
    limit=${BENCH_MEMORY_LIMIT_KB:-16384}
    table=$(mktemp)
    echo "== page_memory (peak resident memory of bntutor render, every page, 0 and 500 steps, 80x24 and 200x60)"
    BNTUTOR_LESSONS=$(pwd)/lessons "$bin" list | awk '$1 ~ /^[0-9]+$/ { print $1, $(NF - 1) }' >"$table.pages"
    while read -r lesson pages; do
        p=1
        while [ "$p" -le "$pages" ]; do
            for size in 80x24 200x60; do
                for steps in 0 500; do
                    kb=$(BNTUTOR_LESSONS=$(pwd)/lessons /usr/bin/time -f '%M' "$bin" render --lesson="$lesson" \
                        --page="$p" --size="$size" --steps="$steps" 2>&1 >/dev/null | tail -n 1)
                    echo "$kb $lesson $p $size $steps" >>"$table"
                done
            done
            p=$((p + 1))
        done
    done <"$table.pages"
    sort -rn "$table" | awk -v top="$top" -v limit="$limit" '
        NR <= top { printf "  %6.1f MB  lesson %s page %s at %s after %s steps\n", $1 / 1024, $2, $3, $4, $5 }
        { runs++; if ($1 > limit) over++ }
        NR == 1 { most = $1 }
        END {
            printf "%d runs, %d above %.0f MB; largest %.1f MB\nRESULT page_memory_max_kb %d\n", runs, over, limit / 1024, most / 1024, most
        }' | tee -a "$results" | grep -v '^RESULT '
    rm -f "$table" "$table.pages"
}
bench_page_memory || status=1

[ -x "$dir/bench/bench_train" ] || { echo "bntutor: bench: no bench_train in $dir/bench" >&2; exit 1; }

# Debian's python3-torch lives in the system python, which a pyenv shim may hide.
py=""
for cand in python3 /usr/bin/python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import torch' >/dev/null 2>&1; then
        py=$cand
        break
    fi
done

# The machine's load drifts, so the two sides take turns: each round times bntutor then PyTorch, and the
# ratio is taken per round, then its median over the rounds.
ratios=$(mktemp)
trap 'rm -f "$results" "$ratios"' EXIT INT TERM
r=1
while [ "$r" -le "$rounds" ]; do
    echo "== bench_train (round $r of $rounds)"
    round=$(mktemp)
    "$dir/bench/bench_train" | tee "$round" | grep -v '^RESULT ' || status=1
    if [ -n "$py" ]; then
        echo "== torch_step ($py, round $r of $rounds)"
        "$py" "$here/../bench/torch_step.py" | tee -a "$round" | grep -v '^RESULT ' || status=1
    fi
    # bntutor's float step (what `bntutor train` takes) and its double step (the lessons' scenes).
    ours=$(sed -n 's/^RESULT train_step_bn_before_us //p' "$round")
    ours_double=$(sed -n 's/^RESULT train_step_double_bn_before_us //p' "$round")
    for kind in float64 float32; do
        theirs=$(sed -n "s/^RESULT torch_step_${kind}_us //p" "$round")
        [ -n "$ours" ] && [ -n "$theirs" ] && awk -v t="$theirs" -v o="$ours" -v k="$kind" \
            'BEGIN { printf "%s:float %.3f %s %s\n", k, t / o, t, o }' >>"$ratios"
        [ -n "$ours_double" ] && [ -n "$theirs" ] && awk -v t="$theirs" -v o="$ours_double" -v k="$kind" \
            'BEGIN { printf "%s:double %.3f %s %s\n", k, t / o, t, o }' >>"$ratios"
    done
    rm -f "$round"
    r=$((r + 1))
done

if [ -z "$py" ]; then
    echo "== torch_step: torch is not available (tried python3, /usr/bin/python3); no ratio"
    exit "$status"
fi
echo "== bntutor against PyTorch, one thread each (>1 means bntutor is faster; target >= 10 for bntutor train's float step)"
for kind in float64:float float32:float float64:double float32:double; do
    grep "^$kind " "$ratios" | sort -k2,2n | awk -v k="$kind" '
        { ratio[NR] = $2; line = line sprintf(" %.2f", $2) }
        END {
            if (NR == 0) exit
            m = NR % 2 ? ratio[(NR + 1) / 2] : (ratio[NR / 2] + ratio[NR / 2 + 1]) / 2
            split(k, side, ":")
            printf "ratio torch(%s)/bntutor(%s) step time: median %.2f over %d rounds (each:%s)\n", side[1], side[2],
                m, NR, line
        }'
done
exit "$status"
