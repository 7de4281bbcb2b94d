#!/usr/bin/env bash
# run-tls.sh: TLS echo against plain TCP echo, same server binary (corio-echo serving a tcp://
# and a tls:// address) and the same load generator (stream_load, corio's own client), in one
# interleaved run. Prints a markdown table with the TLS/TCP ratios (also perf/out/tls-results.md).
#
# Env knobs: DURATION (s, default 5)  WARMUP (s, default 1)  REPEAT (default 3)
#   CASES "conns:size ..." (default "50:64 50:4096")   BUILD (default ../build)
#   PORT first port (default 19600)   SERVER_CPU / LOAD_CPU (default 0 / 1)   OUT (perf/out)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${BUILD:-$ROOT/build}
OUT=${OUT:-$HERE/out}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
REPEAT=${REPEAT:-3}
CASES=${CASES:-50:64 50:4096}
PORT=${PORT:-19600}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
ECHO=$BUILD/samples/echo/corio-echo
LOAD=$BUILD/perf/stream_load

log() { printf '%s\n' "$*" >&2; }
die() { log "run-tls: $*"; exit 1; }
[[ -x $ECHO && -x $LOAD ]] || die "build first: ninja -C $BUILD (needs $ECHO and $LOAD)"
mkdir -p "$OUT/logs" || die "cannot create $OUT"

SERVER_PID=
cleanup() {
    if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null
    fi
}
trap cleanup EXIT

# A throwaway self-signed certificate for localhost.
CERT=$OUT/tls-cert.pem KEY=$OUT/tls-key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$KEY" \
    -out "$CERT" -days 2 -subj /CN=localhost -addext 'subjectAltName=DNS:localhost' \
    2>/dev/null || die "openssl could not make a certificate"

TCP_PORT=$PORT TLS_PORT=$((PORT + 1))
taskset -c "$SERVER_CPU" "$ECHO" --loops 1 --address "tcp://127.0.0.1:$TCP_PORT" \
    --address "tls://127.0.0.1:$TLS_PORT" --tls-cert "$CERT" --tls-key "$KEY" \
    >"$OUT/logs/tls-server.log" 2>&1 &
SERVER_PID=$!
for ((i = 0; i < 100; i++)); do
    grep -q "listening on tls" "$OUT/logs/tls-server.log" 2>/dev/null && break
    sleep 0.1
done
grep -q "listening on tls" "$OUT/logs/tls-server.log" || die "server did not start: $(tail -3 "$OUT/logs/tls-server.log")"

field() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2 }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

RAW=$OUT/tls-raw.tsv
printf 'case\tproto\trep\tmsgs_per_s\tcpu_us_per_msg\n' >"$RAW"
for c in $CASES; do
    conns=${c%%:*} size=${c##*:}
    for ((rep = 1; rep <= REPEAT; rep++)); do
        for proto in tcp tls; do
            port=$TCP_PORT; [[ $proto == tls ]] && port=$TLS_PORT
            line=$(taskset -c "$LOAD_CPU" "$LOAD" --url "$proto://localhost:$port" --ca "$CERT" \
                --conns "$conns" --size "$size" --duration "$DURATION" --warmup "$WARMUP" \
                --server-pid "$SERVER_PID" 2>>"$OUT/logs/tls-load.err")
            [[ $(field errors "$line") == 0 ]] || { log "[$c $rep] $proto failed: $line"; continue; }
            printf '%s\t%s\t%s\t%s\t%s\n' "$c" "$proto" "$rep" "$(field msgs_per_s "$line")" \
                "$(field server_cpu_us_per_msg "$line")" >>"$RAW"
            log "[$c $rep/$REPEAT] $proto: $(field msgs_per_s "$line") msgs/s, $(field server_cpu_us_per_msg "$line") us CPU/msg"
        done
    done
done

col() { awk -F'\t' -v c="$1" -v p="$2" -v k="$3" 'NR > 1 && $1 == c && $2 == p { print $k }' "$RAW" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.2f", a / b; else printf "n/a" }'; }
{
    echo "### TLS echo against TCP echo, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "corio $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null); corio-echo with one loop pinned to CPU $SERVER_CPU serving both" \
        "addresses; stream_load (corio's client, one loop) pinned to CPU $LOAD_CPU; closed loop, one message in flight" \
        "per connection; medians of $REPEAT runs of ${DURATION} s. TLS 1.3, ECDSA P-256 certificate."
    echo
    echo "| conns:size | TCP msgs/s | TLS msgs/s | TLS/TCP msgs/s | TCP CPU µs/msg | TLS CPU µs/msg | TLS/TCP CPU/msg |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    for c in $CASES; do
        tt=$(col "$c" tcp 4); ts=$(col "$c" tls 4); ct=$(col "$c" tcp 5); cs=$(col "$c" tls 5)
        echo "| $c | ${tt:-n/a} | ${ts:-n/a} | $(ratio "$ts" "$tt") | ${ct:-n/a} | ${cs:-n/a} | $(ratio "$cs" "$ct") |"
    done
} | tee "$OUT/tls-results.md"
