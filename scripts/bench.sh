#!/bin/sh
# Runs every benchmark binary in DIR/bench, then the PyTorch comparisons when torch is importable, each
# alternating with its bntutor benchmark for BENCH_ROUNDS rounds (default 3), and prints medians of the
# per-round ratios: torch/bntutor step times, GFLOP/s against the core's measured peak, and a whole
# `bntutor train` run per step against the bare step. Usage: scripts/bench.sh DIR
set -u
dir=${1:?usage: scripts/bench.sh BUILDDIR (e.g. build/rel)}
here=$(dirname "$0")
results=$(mktemp)
train_stats=$(mktemp)
trap 'rm -f "$results" "$train_stats"' EXIT INT TERM

rounds=${BENCH_ROUNDS:-3}
status=0
found=0
bin=$(cd "$dir" && pwd)/bntutor

# CPU microseconds per step of a whole `bntutor train` run (startup, data, steps, evaluation, CSV) of
# STEPS steps: user + system time from GNU time, or wall time without it. It is compared with the bare
# step's median CPU time (not its wall time, which waiting for a busy core inflates).
# The run also writes its own step times to $train_stats (BNTUTOR_TRAIN_STATS), which inside_ratio reads.
# Usage: train_us_per_step STEPS ARGS...
train_us_per_step() {
    steps=$1
    shift
    : >"$train_stats"
    if [ -x /usr/bin/time ]; then
        cpu=$(BNTUTOR_TRAIN_STATS=$train_stats /usr/bin/time -f '%U %S' "$bin" train --steps="$steps" --csv=/dev/null "$@" 2>&1 >/dev/null)
        case $cpu in
            *'non-zero status'*|*bntutor:*) echo "bntutor: bench: bntutor train $*: $cpu" >&2; return 1 ;;
        esac
        echo "$cpu" | tail -n 1 | awk -v n="$steps" '{ printf "%.1f\n", ($1 + $2) * 1e6 / n }'
    else
        t0=$(date +%s%N)
        BNTUTOR_TRAIN_STATS=$train_stats "$bin" train --steps="$steps" --csv=/dev/null "$@" >/dev/null || return 1
        t1=$(date +%s%N)
        awk -v a="$t0" -v b="$t1" -v n="$steps" 'BEGIN { printf "%.1f\n", (b - a) / 1e3 / n }'
    fi
}

# The last run's whole CPU time against its own median step times its steps, both timed inside that one
# run (so a load that changes between the benchmark's processes cannot tilt it); empty when not recorded.
inside_ratio() {
    awk '$1 == "steps" && $4 > 0 { printf "%.3f %.1f\n", $8 / ($4 * $2), $4 }' "$train_stats" | tail -n 1
}

# The median of the second column of the lines of FILE that start with KEY, and the list of all.
median_of() {
    grep "^$2 " "$1" | sort -k2,2n | awk '
        { v[NR] = $2; line = line sprintf(" %.2f", $2) }
        END {
            if (NR == 0) exit 1
            m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.2f over %d rounds (each:%s)\n", m, NR, line
        }'
}
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
# Per-tutor CPU while a scene plays: one tutor on lesson 0 page 2 (Space starts its scene) in a private tmux
# server for BENCH_PLAY_SECONDS (default 10), utime+stime from /proc. Skipped without tmux.
bench_playing_cpu() {
    command -v tmux >/dev/null 2>&1 || { echo "== playing_cpu: tmux is not installed; skipped"; return 0; }
    secs=${BENCH_PLAY_SECONDS:-10}
    state=$(mktemp -d)
    tm="tmux -L bntutor-bench-$$ -f /dev/null"
    echo "== playing_cpu (one tutor playing lesson 0 page 2 at 100x30 for ${secs}s)"
    $tm new-session -d -s play -x 100 -y 30 "env LC_ALL=C.UTF-8 TERM=tmux-256color XDG_STATE_HOME=$state \
        BNTUTOR_LESSONS=$(pwd)/lessons $(cd "$dir" && pwd)/bntutor --lesson=0 --page=2" || { rm -rf "$state"; return 1; }
    pid=$($tm display -p -t play '#{pane_pid}')
    n=0
    until $tm capture-pane -p -t play | head -n 1 | grep -q ' playing '; do
        [ "$n" -eq 10 ] && $tm send-keys -t play Space
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

# Per-tutor CPU over every page, as a learner meets them: one tutor per page in a private tmux server,
# `Space` pressed once on arrival (a page that holds its scene for a question stays held), utime+stime
# over BENCH_PLAY_PAGE_SECONDS (default 2) after a settling second. Prints the mean over all pages and
# the BENCH_PLAY_TOP (5) busiest. Skipped without tmux.
bench_playing_pages() {
    command -v tmux >/dev/null 2>&1 || { echo "== playing_pages: tmux is not installed; skipped"; return 0; }
    secs=${BENCH_PLAY_PAGE_SECONDS:-2}
    top=${BENCH_PLAY_TOP:-5}
    state=$(mktemp -d)
    table=$(mktemp)
    tm="tmux -L bntutor-bench-pages-$$ -f /dev/null"
    echo "== playing_pages (one tutor per page at 100x30, Space pressed, ${secs}s each)"
    XDG_STATE_HOME=$state BNTUTOR_LESSONS=$(pwd)/lessons "$bin" list >"$table.list" || {
        echo "bntutor: bench: playing_pages: bntutor list failed" >&2; rm -rf "$state" "$table" "$table.list"; return 1; }
    # As in the page-memory sweep: the number before the word "page(s)", "?" where there is none.
    awk '$1 ~ /^[0-9]+$/ {
            pages = ""
            for (i = 2; i < NF; i++) if ($(i + 1) ~ /^pages?$/ && $i ~ /^[0-9]+$/) { pages = $i; break }
            print $1, (pages == "" ? "?" : pages)
        }' "$table.list" >"$table.pages"
    tck=$(getconf CLK_TCK)
    pfailed=0
    swept=0
    while read -r lesson pages; do
        case $pages in
            ''|*[!0-9]*)
                echo "bntutor: bench: playing_pages: lesson $lesson skipped: no page count in 'bntutor list'" >&2
                pfailed=1
                continue ;;
        esac
        p=1
        while [ "$p" -le "$pages" ]; do
            # A server that is still exiting can refuse the next one on its socket: one more try.
            pid=""
            for try in 1 2; do
                $tm new-session -d -s play -x 100 -y 30 "env LC_ALL=C.UTF-8 TERM=tmux-256color XDG_STATE_HOME=$state \
                    BNTUTOR_LESSONS=$(pwd)/lessons $bin --lesson=$lesson --page=$p" 2>/dev/null &&
                    pid=$($tm display -p -t play '#{pane_pid}' 2>/dev/null)
                [ -n "$pid" ] && break
                $tm kill-server 2>/dev/null
                sleep 0.5
            done
            if [ -z "$pid" ]; then
                echo "bntutor: bench: playing_pages: lesson $lesson page $p: tmux did not start it" >&2
                pfailed=1
                p=$((p + 1))
                continue
            fi
            sleep 1
            $tm send-keys -t play Space
            t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null)
            sleep "$secs"
            t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null)
            $tm kill-server 2>/dev/null
            sleep 0.2
            if [ -z "$t0" ] || [ -z "$t1" ]; then
                echo "bntutor: bench: playing_pages: lesson $lesson page $p: the tutor exited" >&2
                pfailed=1
            else
                awk -v d="$((t1 - t0))" -v t="$tck" -v s="$secs" -v l="$lesson" -v p="$p" \
                    'BEGIN { printf "%.2f %s %s\n", 100 * d / t / s, l, p }' >>"$table"
            fi
            p=$((p + 1))
        done
        swept=$((swept + 1))
    done <"$table.pages"
    listed=$(grep -c '^ *[0-9-]' "$table.list")
    if [ "$swept" -ne "$listed" ] || [ "$swept" -eq 0 ]; then
        echo "bntutor: bench: playing_pages: swept $swept of the $listed lessons 'bntutor list' shows" >&2
        pfailed=1
    fi
    sort -rn "$table" | awk -v top="$top" '
        { sum += $1; n++ }
        NR <= top { printf "  %6.2f%% of a core  lesson %s page %s\n", $1, $2, $3 }
        END { if (n) printf "mean over %d pages: %.2f%% of a core (target < 1)\nRESULT playing_pages_mean_percent %.2f\n", n, sum / n, sum / n }' |
        tee -a "$results" | grep -v '^RESULT '
    rm -rf "$state" "$table" "$table.list" "$table.pages"
    return "$pfailed"
}
if [ "${BENCH_PLAY_PAGES:-1}" != 0 ]; then
    bench_playing_pages || status=1
fi

# One SGD step of the conv net (batch 32, batch norm) against the same network in PyTorch on one thread,
# float64 and float32, taking turns for BENCH_ROUNDS rounds; the median of the per-round ratios. Each round
# also times a whole `bntutor train --net=conv` run (BENCH_CONV_STEPS steps, default 1000) per step
# against the bare float step.
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
        ours_float=$(sed -n 's/^RESULT conv_step_float_bn_us //p' "$conv_round")
        ours_float_cpu=$(sed -n 's/^RESULT conv_step_float_bn_cpu_us //p' "$conv_round")
        ours_double=$(sed -n 's/^RESULT conv_step_bn_us //p' "$conv_round")
        for kind in float64 float32; do
            theirs=$(sed -n "s/^RESULT torch_conv_step_${kind}_us //p" "$conv_round")
            ours=$ours_float
            [ "$kind" = float64 ] && ours=$ours_double
            [ -n "$ours" ] && [ -n "$theirs" ] && awk -v t="$theirs" -v o="$ours" -v k="$kind" \
                'BEGIN { printf "%s %.3f %s %s\n", k, t / o, t, o }' >>"$conv_ratios"
        done
        sed -n 's/^RESULT conv_gflops /gflops /p; s/^RESULT peak_gflops /peak /p' "$conv_round" >>"$conv_ratios"
        whole=$(train_us_per_step "${BENCH_CONV_STEPS:-1000}" --net=conv --batch=32) || conv_status=1
        if [ -n "$whole" ] && [ -n "$ours_float_cpu" ]; then
            whole_ratio=$(awk -v w="$whole" -v o="$ours_float_cpu" 'BEGIN { printf "%.3f", w / o }')
            echo "  bntutor train --net=conv --batch=32: $whole us of CPU per step, ${whole_ratio}x the bare float step's $ours_float_cpu"
            echo "whole $whole_ratio $whole $ours_float_cpu" >>"$conv_ratios"
        fi
        inside=$(inside_ratio)
        if [ -n "$inside" ]; then
            echo "  the same run against its own median step (${inside#* } us of CPU): ${inside% *}x"
            echo "inside ${inside% *}" >>"$conv_ratios"
        fi
        cat "$conv_round" >>"$results"
        rm -f "$conv_round"
        cr=$((cr + 1))
    done
    echo "== the conv net's float step"
    echo "conv step: GFLOP/s median $(median_of "$conv_ratios" gflops); the core's measured peak for this kernel: median $(median_of "$conv_ratios" peak)"
    echo "conv net: whole train run / bare float step, per step: median $(median_of "$conv_ratios" whole) (target <= 1.3)"
    echo "conv net: whole train run / its own median step, timed inside the run: median $(median_of "$conv_ratios" inside)"
    if [ -z "$cpy" ]; then
        echo "== torch_conv_step: torch is not available (tried python3, /usr/bin/python3); no ratio"
    else
        echo "== bntutor conv net against PyTorch, one thread each (>1 means bntutor is faster)"
        echo "conv step: ratio torch(float32)/bntutor(float) median $(median_of "$conv_ratios" float32) (target >= 3)"
        echo "conv step: ratio torch(float64)/bntutor(double) median $(median_of "$conv_ratios" float64)"
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
    # A private, empty state directory: no saved progress decorates the list. The page count is read as
    # the number before the word "page(s)", wherever progress or a title puts other words.
    state=$(mktemp -d)
    XDG_STATE_HOME=$state BNTUTOR_LESSONS=$(pwd)/lessons "$bin" list >"$table.list" || {
        echo "bntutor: bench: page_memory: bntutor list failed" >&2; rm -rf "$state" "$table" "$table.list"; return 1; }
    awk '$1 ~ /^[0-9]+$/ {
            pages = ""
            for (i = 2; i < NF; i++) if ($(i + 1) ~ /^pages?$/ && $i ~ /^[0-9]+$/) { pages = $i; break }
            print $1, (pages == "" ? "?" : pages)
        }' "$table.list" >"$table.pages"
    swept=0
    failed=0
    while read -r lesson pages; do
        case $pages in
            ''|*[!0-9]*)
                echo "bntutor: bench: page_memory: lesson $lesson skipped: no page count in 'bntutor list'" >&2
                failed=1
                continue ;;
        esac
        p=1
        while [ "$p" -le "$pages" ]; do
            for size in 80x24 200x60; do
                for steps in 0 500; do
                    kb=$(XDG_STATE_HOME=$state BNTUTOR_LESSONS=$(pwd)/lessons /usr/bin/time -f '%M' "$bin" render \
                        --lesson="$lesson" --page="$p" --size="$size" --steps="$steps" 2>&1 >/dev/null | tail -n 1)
                    case $kb in
                        ''|*[!0-9]*)
                            echo "bntutor: bench: page_memory: lesson $lesson page $p ($size, $steps steps) failed: $kb" >&2
                            failed=1 ;;
                        *) echo "$kb $lesson $p $size $steps" >>"$table" ;;
                    esac
                done
            done
            p=$((p + 1))
        done
        swept=$((swept + 1))
    done <"$table.pages"
    listed=$(grep -c '^ *[0-9-]' "$table.list")
    rm -rf "$state" "$table.list"
    if [ "$swept" -ne "$listed" ] || [ "$swept" -eq 0 ]; then
        echo "bntutor: bench: page_memory: swept $swept of the $listed lessons 'bntutor list' shows" >&2
        failed=1
    fi
    sort -rn "$table" | awk -v top="$top" -v limit="$limit" '
        NR <= top { printf "  %6.1f MB  lesson %s page %s at %s after %s steps\n", $1 / 1024, $2, $3, $4, $5 }
        { runs++; if ($1 > limit) over++ }
        NR == 1 { most = $1 }
        END {
            printf "%d runs, %d above %.0f MB; largest %.1f MB\nRESULT page_memory_max_kb %d\n", runs, over, limit / 1024, most / 1024, most
        }' | tee -a "$results" | grep -v '^RESULT '
    echo "  $swept lessons swept"
    rm -f "$table" "$table.pages"
    return "$failed"
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
trap 'rm -f "$results" "$ratios" "$train_stats"' EXIT INT TERM
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
    ours_cpu=$(sed -n 's/^RESULT train_step_bn_before_cpu_us //p' "$round")
    ours_double=$(sed -n 's/^RESULT train_step_double_bn_before_us //p' "$round")
    sed -n 's/^RESULT train_gflops /gflops /p; s/^RESULT peak_gflops /peak /p' "$round" >>"$ratios"
    # The whole run of the paper network with the benchmark's settings, per step, against its bare step.
    whole=$(train_us_per_step "${BENCH_TRAIN_STEPS:-3000}" --net=paper --dataset=synth784 --bn=before --batch=60 \
        --lr=0.5) || status=1
    if [ -n "$whole" ] && [ -n "$ours_cpu" ]; then
        whole_ratio=$(awk -v w="$whole" -v o="$ours_cpu" 'BEGIN { printf "%.3f", w / o }')
        echo "  bntutor train --net=paper --bn=before --batch=60: $whole us of CPU per step, ${whole_ratio}x the bare float step's $ours_cpu"
        echo "whole $whole_ratio $whole $ours_cpu" >>"$ratios"
    fi
    inside=$(inside_ratio)
    if [ -n "$inside" ]; then
        echo "  the same run against its own median step (${inside#* } us of CPU): ${inside% *}x"
        echo "inside ${inside% *}" >>"$ratios"
    fi
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

echo "== the paper network's float step"
echo "paper step: GFLOP/s median $(median_of "$ratios" gflops); the core's measured peak for this kernel: median $(median_of "$ratios" peak)"
echo "paper network: whole train run / bare float step, per step: median $(median_of "$ratios" whole) (target <= 1.3)"
echo "paper network: whole train run / its own median step, timed inside the run: median $(median_of "$ratios" inside)"
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
