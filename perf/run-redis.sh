#!/usr/bin/env bash
# corio-redis against Debian's redis-server, side by side: redis-benchmark (-c 50) on one
# core against each server pinned to the other, interleaved rounds, medians. Reports
# requests/s and server CPU per request (utime+stime from /proc over the run) for SET, GET,
# INCR, LPUSH, LPOP, SADD, HSET and MSET (10 keys), pipelined and not, small and 1 KiB values;
# corio-redis with 2 loops against 1; MSET with its keys on one shard or on both (the cost
# of a cross-shard operation); and RSS per key after loading small string keys.
#
# Environment:
#   BUILD      meson build dir with samples/redis/corio-redis (default ../build)
#   REQUESTS   requests per redis-benchmark run (default 200000; pipelined runs x4)
#   REPEAT     interleaved rounds (default 3)
#   TESTS      redis-benchmark -t list (default set,get,incr,lpush,lpop,sadd,hset,mset)
#   PIPELINES  default "1 16"     SIZES  default "3 1024"
#   KEYS       keys for the memory test (default 1000000; 0 skips)
#   SERVER_CPU / LOAD_CPU  cores (default 0 and 1)
#   MSET_CROSS 1 (default) measures MSET with keys on one shard against keys on both; 0 skips
# Writes perf/out/redis-results.csv and prints markdown tables.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
REQUESTS=${REQUESTS:-200000}
REPEAT=${REPEAT:-3}
TESTS=${TESTS:-set,get,incr,lpush,lpop,sadd,hset,mset}
PIPELINES=${PIPELINES:-1 16}
SIZES=${SIZES:-3 1024}
KEYS=${KEYS:-1000000}
MSET_CROSS=${MSET_CROSS:-1}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
OUT=$ROOT/perf/out
CORIO=$BUILD/samples/redis/corio-redis
mkdir -p "$OUT"

log() { printf '%s\n' "$*" >&2; }
[[ -x $CORIO ]] || { log "run-redis: $CORIO not found (build first)"; exit 1; }
command -v redis-benchmark >/dev/null || bash "$ROOT/scripts/install-deps.sh"

PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap cleanup EXIT

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
NEXT_PORT=$((40000 + RANDOM % 20000))
# start NAME: sets SERVER_PID and PORT. corio1 / corio2: corio-redis with 1 / 2 loops.
start() {
    local attempt
    for ((attempt = 0; attempt < 20; attempt++)); do
        start_once "$1" && return 0
    done
    log "run-redis: $1 did not start (see $OUT/redis-$1.log)"
    exit 1
}
# One try on the next port that looks free; false if the server exits (port taken after all).
start_once() {
    while port_open "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
    PORT=$NEXT_PORT
    NEXT_PORT=$((NEXT_PORT + 1))
    case $1 in
        redis) taskset -c "$SERVER_CPU" redis-server --port "$PORT" --bind 127.0.0.1 --save '' \
                   --appendonly no --daemonize no >"$OUT/redis-$1.log" 2>&1 & ;;
        corio1) taskset -c "$SERVER_CPU" "$CORIO" --port "$PORT" --loops 1 \
                    >"$OUT/redis-$1.log" 2>&1 & ;;
        corio2) taskset -c "$SERVER_CPU,$LOAD_CPU" "$CORIO" --port "$PORT" --loops 2 \
                    >"$OUT/redis-$1.log" 2>&1 & ;;
    esac
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    local i
    for ((i = 0; i < 100; i++)); do
        redis-cli -p "$PORT" ping >/dev/null 2>&1 && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || { stop; return 1; }
        sleep 0.05
    done
    stop
    return 1
}
stop() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    local keep=() p
    for p in "${PIDS[@]}"; do [[ $p == "$SERVER_PID" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}
# utime+stime of a process in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# bench SERVER PIPELINE SIZE: one redis-benchmark run per test against a fresh server;
# appends "server,test,pipeline,size,rps,cpu_us_per_req" rows to $RAW.
RAW=$OUT/redis-raw.csv
: >"$RAW"
bench() {
    local server=$1 pipeline=$2 size=$3 test n before after rps
    n=$REQUESTS
    ((pipeline > 1)) && n=$((REQUESTS * 4))
    start "$server"
    for test in ${TESTS//,/ }; do
        before=$(cpu_ticks "$SERVER_PID")
        rps=$(taskset -c "$LOAD_CPU" redis-benchmark -p "$PORT" -c 50 -n "$n" -P "$pipeline" \
                  -d "$size" -r 100000 -t "$test" --csv 2>/dev/null |
                  awk -F'"' 'NR > 1 && $2 != "" { print $4; exit }')
        after=$(cpu_ticks "$SERVER_PID")
        awk -v s="$server" -v t="$test" -v p="$pipeline" -v d="$size" -v r="$rps" \
            -v c=$(((after - before) * TICK_US)) -v n="$n" \
            'BEGIN { printf "%s,%s,%d,%d,%.0f,%.3f\n", s, t, p, d, r, c / n }' >>"$RAW"
        log "[$server P$pipeline ${size}B] $test: $rps req/s"
    done
    stop
}

for ((round = 1; round <= REPEAT; round++)); do
    for pipeline in $PIPELINES; do
        for size in $SIZES; do
            for server in redis corio1 corio2; do bench "$server" "$pipeline" "$size"; done
        done
    done
done

# Medians per (server, test, pipeline, size).
median_table() {
    sort -t, -k1,1 -k2,2 -k3,3n -k4,4n "$RAW" | awk -F, '
        { key = $1 "," $2 "," $3 "," $4; rps[key] = rps[key] " " $5; cpu[key] = cpu[key] " " $6;
          keys[key] = 1 }
        function med(list,   a, n, i, j, t) {
            n = split(list, a, " ");
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        END { for (k in keys) printf "%s,%.0f,%.3f\n", k, med(rps[k]), med(cpu[k]) }' | sort
}
median_table >"$OUT/redis-results.csv"

echo "corio-redis against redis-server $(redis-server --version | awk '{print $3}'); $(nproc) cores;"
echo "redis-benchmark -c 50 on CPU $LOAD_CPU, servers on CPU $SERVER_CPU (corio2: 2 loops on both"
echo "cores, sharing one with the load generator); medians of $REPEAT rounds of $REQUESTS requests"
echo "(x4 pipelined). CPU is the server's utime+stime per request."
echo
echo "| test | pipeline | value | redis req/s | corio 1 loop req/s | ratio | redis µs CPU/req | corio µs CPU/req | CPU ratio | corio 2 loops req/s | 2 loops / 1 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk -F, '
    { r[$1 "," $2 "," $3 "," $4] = $5; c[$1 "," $2 "," $3 "," $4] = $6; k[$2 "," $3 "," $4] = 1 }
    END { for (x in k) { split(x, p, ",");
            rr = r["redis," x]; cr = r["corio1," x]; c2 = r["corio2," x];
            rc = c["redis," x]; cc = c["corio1," x];
            printf "| %s | %s | %s | %.0f | %.0f | %.2f | %.3f | %.3f | %.2f | %.0f | %.2f |\n",
              p[1], p[2], p[3], rr, cr, (rr ? cr / rr : 0), rc, cc, (rc ? cc / rc : 0), c2,
              (cr ? c2 / cr : 0) } }' "$OUT/redis-results.csv" | sort

# Cross-shard cost: MSET of 10 keys. With random keys (no two clients on the same keys): on
# 1 loop every MSET is single-shard, on 2 loops nearly every one spans both shards (a
# multi-shard operation: key locks on both, two hops). With 10 fixed keys that every client
# writes: on one shard (no locks), or spread over both (every MSET waits for the previous
# one's locks: the worst case). Interleaved rounds, medians.
if ((MSET_CROSS)); then
    same=$(python3 "$HERE/redis_shard_keys.py" --shards 2 --count 10 --mode same)
    spread=$(python3 "$HERE/redis_shard_keys.py" --shards 2 --count 10 --mode spread)
    random_keys=$(for i in 0 1 2 3 4 5 6 7 8 9; do printf 'mset%d:__rand_int__ ' "$i"; done)
    mset_args() { local k; for k in $1; do printf '%s v ' "$k"; done; }
    MRAW=$OUT/redis-mset-raw.csv
    : >"$MRAW"
    for ((round = 1; round <= REPEAT; round++)); do
        for variant in corio1:random corio2:random corio2:same corio2:spread; do
            server=${variant%%:*}
            case ${variant#*:} in
                random) keys=$random_keys ;;
                same) keys=$same ;;
                spread) keys=$spread ;;
            esac
            start "$server"
            before=$(cpu_ticks "$SERVER_PID")
            # shellcheck disable=SC2046
            rps=$(taskset -c "$LOAD_CPU" redis-benchmark -p "$PORT" -c 50 -n "$REQUESTS" \
                      -r 1000000 --csv MSET $(mset_args "$keys") 2>/dev/null |
                      awk -F'"' 'NR > 1 && $2 != "" { print $4; exit }')
            after=$(cpu_ticks "$SERVER_PID")
            stop
            awk -v v="$variant" -v r="$rps" -v c=$(((after - before) * TICK_US)) -v n="$REQUESTS" \
                'BEGIN { printf "%s,%.0f,%.3f\n", v, r, c / n }' >>"$MRAW"
            log "[mset $variant] $rps req/s"
        done
    done
    echo
    echo "MSET of 10 keys (redis-benchmark -c 50 -P 1): random keys, or 10 fixed keys on one shard"
    echo "or on both:"
    echo
    echo "| server | keys | req/s | µs CPU/req |"
    echo "|---|---|---:|---:|"
    sort "$MRAW" | awk -F, '
        { rps[$1] = rps[$1] " " $2; cpu[$1] = cpu[$1] " " $3 }
        function med(list,   a, n, i, j, t) {
            n = split(list, a, " ");
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        END { name["random"] = "random"; name["same"] = "10 fixed, one shard";
              name["spread"] = "10 fixed, both shards (contended)";
              for (k in rps) { split(k, p, ":");
                printf "| %s | %s | %.0f | %.3f |\n", p[1] == "corio1" ? "corio 1 loop" : "corio 2 loops",
                  name[p[2]], med(rps[k]), med(cpu[k]) } }' | sort
fi

# Memory: RSS per key after loading KEYS small string keys with redis-cli --pipe.
if ((KEYS > 0)); then
    echo
    echo "Memory after loading $KEYS keys (SET key:N value-N, through redis-cli --pipe):"
    echo
    echo "| server | RSS before KiB | RSS after KiB | bytes/key |"
    echo "|---|---:|---:|---:|"
    awk -v n="$KEYS" 'BEGIN { for (i = 0; i < n; i++) { k = "key:" i; v = "value-" i;
        printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v } }' \
        >"$OUT/redis-keys.resp"
    for server in redis corio1; do
        start "$server"
        before=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
        redis-cli -p "$PORT" --pipe <"$OUT/redis-keys.resp" >/dev/null
        after=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
        echo "| $server | $before | $after | $(((after - before) * 1024 / KEYS)) |"
        stop
    done
fi

# Charts of the ratios (perf/chart-redis.sh), when gnuplot is there.
if command -v gnuplot >/dev/null; then
    bash "$HERE/chart-redis.sh" "$OUT/redis-results.csv" "$OUT/redis-ratios.png" || true
fi
