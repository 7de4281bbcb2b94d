#!/usr/bin/env bash
# SET throughput with the append-only file on, corio-redis (one loop) against Debian's
# redis-server with the same settings, for appendfsync no, everysec and always: each server
# pinned to SERVER_CPU with redis-benchmark (-c 50, 100-byte values) on LOAD_CPU, interleaved,
# REPEAT rounds, medians. Prints a markdown table.
# Environment: BUILD (default ../build), REQUESTS (default 200000), REPEAT (default 3),
# SERVER_CPU / LOAD_CPU (default 0 / 1).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
REQUESTS=${REQUESTS:-200000}
REPEAT=${REPEAT:-3}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
CORIO=$BUILD/samples/redis/corio-redis
[[ -x $CORIO ]] || { echo "run-aof: $CORIO not found (build first)" >&2; exit 1; }
WORK=$(mktemp -d)
PID=
cleanup() { [[ -n $PID ]] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# run SERVER POLICY: requests/s of one redis-benchmark SET run against a fresh server.
run() {
    local port=$((30000 + RANDOM % 20000)) dir="$WORK/$1-$2-$RANDOM"
    mkdir -p "$dir"
    if [[ $1 == redis ]]; then
        taskset -c "$SERVER_CPU" redis-server --port "$port" --bind 127.0.0.1 --save "" \
            --appendonly yes --appendfsync "$2" --dir "$dir" >"$dir/log" 2>&1 &
    else
        taskset -c "$SERVER_CPU" "$CORIO" --port "$port" --bind 127.0.0.1 --save "" --loops 1 \
            --appendonly yes --appendfsync "$2" --dir "$dir" >"$dir/log" 2>&1 &
    fi
    PID=$!
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
    taskset -c "$LOAD_CPU" redis-benchmark -p "$port" -c 50 -n "$REQUESTS" -t set -r 100000 \
        -d 100 --csv 2>/dev/null | awk -F'"' '/"SET"/ {print $4}'
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
    rm -rf "$dir"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "| appendfsync | redis-server SET/s | corio-redis SET/s | corio / redis |"
echo "|---|---|---|---|"
for policy in no everysec always; do
    r=() c=()
    for ((i = 0; i < REPEAT; i++)); do
        if ((i % 2 == 0)); then r+=("$(run redis $policy)"); c+=("$(run corio $policy)")
        else c+=("$(run corio $policy)"); r+=("$(run redis $policy)"); fi
    done
    rm=$(printf '%s\n' "${r[@]}" | median)
    cm=$(printf '%s\n' "${c[@]}" | median)
    echo "| $policy | $rm | $cm | $(awk -v a="$cm" -v b="$rm" 'BEGIN {printf "%.2fx", a / b}') |"
done
