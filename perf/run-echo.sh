#!/usr/bin/env bash
# run-echo.sh: echo benchmark, corio against a hand-written epoll server (the
# ceiling) and a stock Boost.Asio coroutine server, in one interleaved run.
# Prints a markdown table (also written to perf/out/echo-results.md).
#
# Env knobs: DURATION (s, default 5)  WARMUP (s, default 1)  REPEAT (default 3)
#   CASES   names to run, comma/space separated (default: all, see below)
#   SERVERS subset of "epoll asio corio corio-uring gnet" (default: the first three; corio-uring
#           is corio-echo from an -Dio_uring=enabled build, gnet the event_handler echo
#           samples/gnet-echo/corio-gnet-echo)   IDLE idle conns (default 10000; 0 skips)
#   IDLE_HOLD seconds the idle connections are held (default 5)
#   BUILD   meson build dir holding samples/echo/corio-echo (default ../build)
#   URING_BUILD  the same from an io_uring build (default ../build-uring)
#   PORT    first TCP port to use (default 19400)   OUT (default perf/out)
#   RESULTS name prefix of the output files in OUT (default echo: echo-results.md, ...)
#   SERVER_CPU / LOAD_CPU  cores to pin to (default 0 / 1)   CC, CXX
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${BUILD:-$ROOT/build}
OUT=${OUT:-$HERE/out}
DURATION=${DURATION:-5}
WARMUP=${WARMUP:-1}
REPEAT=${REPEAT:-3}
CASES=${CASES:-}
SERVERS=${SERVERS:-epoll asio corio}
IDLE=${IDLE:-10000}
IDLE_HOLD=${IDLE_HOLD:-5}
PORT=${PORT:-19400}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
CC=${CC:-gcc}
CXX=${CXX:-g++}
CORIO=$BUILD/samples/echo/corio-echo
CORIO_URING=${URING_BUILD:-$ROOT/build-uring}/samples/echo/corio-echo
CORIO_GNET=$BUILD/samples/gnet-echo/corio-gnet-echo
RESULTS=${RESULTS:-echo}

# The default cases; any "NxS" or "NxSdD" name works in CASES (N connections, S-byte
# messages, D pipelined per connection).
DEFAULT_CASES="100x16 1000x512 100x4096 1000x16d8"
# SWEEP=1 adds the chart cases: connections at SWEEP_SIZE bytes, and sizes at SWEEP_CONNS
# connections.
SWEEP=${SWEEP:-0}
SWEEP_CONN_LIST=${SWEEP_CONN_LIST:-10 100 1000 5000}
SWEEP_SIZE=${SWEEP_SIZE:-512}
SWEEP_SIZE_LIST=${SWEEP_SIZE_LIST:-16 64 256 1024 4096 16384 65536}
SWEEP_CONNS=${SWEEP_CONNS:-100}
# SYSCALLS=1 (default) counts the server's receive, send and wait syscalls per message in one
# extra run per case and server (perf stat on syscall tracepoints), SYSCALL_SECONDS long.
SYSCALLS=${SYSCALLS:-1}
SYSCALL_SECONDS=${SYSCALL_SECONDS:-2}

log() { printf '%s\n' "$*" >&2; }
die() { log "run-echo: $*"; exit 1; }

# --- process bookkeeping: everything we start is stopped by PID on exit ------

PIDS=()
forget() { local p keep=(); for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done; PIDS=("${keep[@]}"); }

# SIGTERM, give it up to 3 s, then SIGKILL.
stop_pid() {
    local pid=$1 i
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    forget "$pid"
}

cleanup() {
    local p
    for p in "${PIDS[@]}"; do stop_pid "$p"; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- build the tools (perf/out is gitignored) -------------------------------

bash "$ROOT/scripts/install-deps.sh" --perf >&2 || die "installing the benchmark's packages failed"

mkdir -p "$OUT" "$OUT/logs" || die "cannot create $OUT"

build() {  # build OUTPUT SOURCE COMMAND...
    local bin=$1 src=$2
    shift 2
    if [[ ! -x $bin || $src -nt $bin ]]; then
        log "building $(basename "$bin")"
        "$@" || die "build of $bin failed"
    fi
}
build "$OUT/epoll_echo" "$HERE/epoll_echo.c" \
    "$CC" -std=gnu11 -O2 -Wall -o "$OUT/epoll_echo" "$HERE/epoll_echo.c"
build "$OUT/asio_echo" "$HERE/asio_echo.cpp" \
    "$CXX" -std=c++20 -O2 -Wall -o "$OUT/asio_echo" "$HERE/asio_echo.cpp" -pthread
build "$OUT/echo_load" "$HERE/echo_load.cpp" \
    "$CXX" -std=c++20 -O2 -Wall -o "$OUT/echo_load" "$HERE/echo_load.cpp"

# --- what to run --------------------------------------------------------------

NOTES=()
servers=()
for s in ${SERVERS//,/ }; do
    case $s in
        epoll | asio) servers+=("$s") ;;
        corio)
            if [[ -x $CORIO ]]; then
                servers+=(corio)
            else
                log "run-echo: $CORIO not found (build the project first); skipping corio"
                NOTES+=("corio skipped: $CORIO not found.")
            fi
            ;;
        corio-uring)
            if [[ -x $CORIO_URING ]]; then
                servers+=(corio-uring)
            else
                log "run-echo: $CORIO_URING not found (meson setup build-uring -Dio_uring=enabled); skipping"
                NOTES+=("corio-uring skipped: $CORIO_URING not found.")
            fi
            ;;
        gnet)
            if [[ -x $CORIO_GNET ]]; then
                servers+=(gnet)
            else
                log "run-echo: $CORIO_GNET not found (build the project first); skipping gnet"
                NOTES+=("gnet skipped: $CORIO_GNET not found.")
            fi
            ;;
        *) die "unknown server '$s' (epoll, asio, corio, corio-uring, gnet)" ;;
    esac
done
((${#servers[@]})) || die "no server to run"

# parse_case NAME: prints "NAME CONNS SIZE DEPTH".
parse_case() {
    [[ $1 =~ ^([0-9]+)x([0-9]+)(d([0-9]+))?$ ]] || return 1
    echo "$1 ${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[4]:-1}"
}
wanted=${CASES:-$DEFAULT_CASES}
if ((SWEEP)); then
    for n in $SWEEP_CONN_LIST; do wanted+=" ${n}x$SWEEP_SIZE"; done
    for z in $SWEEP_SIZE_LIST; do wanted+=" ${SWEEP_CONNS}x$z"; done
fi
cases=()
seen=" "
for want in ${wanted//,/ }; do
    [[ $seen == *" $want "* ]] && continue
    seen+="$want "
    c=$(parse_case "$want") || die "bad case '$want' (NxS or NxSdD: connections x bytes, D in flight)"
    cases+=("$c")
done

# Servers and the load generator each need a descriptor per connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
nofile=$(ulimit -n)
if [[ $nofile != unlimited ]] && ((IDLE + 64 > nofile)); then
    log "run-echo: open files limit is $nofile; idle test lowered to $((nofile - 64)) connections"
    IDLE=$((nofile - 64))
fi

label() { case $1 in epoll) echo "epoll (ceiling)" ;; asio) echo "asio" ;; corio) echo "corio" ;; corio-uring) echo "corio io_uring" ;; gnet) echo "corio event_handler" ;; esac; }

# --- servers ------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

NEXT_PORT=$PORT
# A fresh port per server start sidesteps TIME_WAIT and SO_REUSEADDR questions.
take_port() {
    while port_open "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
    SERVER_PORT=$NEXT_PORT
    NEXT_PORT=$((NEXT_PORT + 1))
}

# start_server NAME LOGFILE: sets SERVER_PID and SERVER_PORT; waits until the
# port accepts. taskset execs the server, so $! is the server's own PID.
start_server() {
    local name=$1 logf=$2 i
    take_port
    case $name in
        epoll) taskset -c "$SERVER_CPU" "$OUT/epoll_echo" "$SERVER_PORT" >"$logf" 2>&1 & ;;
        asio) taskset -c "$SERVER_CPU" "$OUT/asio_echo" "$SERVER_PORT" >"$logf" 2>&1 & ;;
        corio) taskset -c "$SERVER_CPU" "$CORIO" --address "tcp://127.0.0.1:$SERVER_PORT" --loops 1 >"$logf" 2>&1 & ;;
        corio-uring) taskset -c "$SERVER_CPU" "$CORIO_URING" --address "tcp://127.0.0.1:$SERVER_PORT" --loops 1 >"$logf" 2>&1 & ;;
        gnet) taskset -c "$SERVER_CPU" "$CORIO_GNET" --address "tcp://127.0.0.1:$SERVER_PORT" --loops 1 >"$logf" 2>&1 & ;;
    esac
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    for ((i = 0; i < 200; i++)); do
        port_open "$SERVER_PORT" && return 0
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            log "run-echo: $name exited on start; log:"
            tail -n 20 "$logf" >&2
            return 1
        fi
        sleep 0.05
    done
    log "run-echo: $name did not accept on port $SERVER_PORT within 10 s"
    stop_pid "$SERVER_PID"
    return 1
}

# start_load TAG ARGS...: echo_load on the load core against SERVER_PORT, its output in
# logs/TAG.load.out and .err; sets lpid. end_load waits for it and sets rc.
start_load() {
    local tag=$1
    shift
    taskset -c "$LOAD_CPU" "$OUT/echo_load" --port "$SERVER_PORT" "$@" \
        >"$OUT/logs/$tag.load.out" 2>"$OUT/logs/$tag.load.err" &
    lpid=$!
    PIDS+=("$lpid")
}
end_load() {
    wait "$lpid"
    rc=$?
    forget "$lpid"
}

# key=value field from an echo_load result line.
field() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) { n = index($i, "="); if (substr($i, 1, n - 1) == k) print substr($i, n + 1) } }' <<<"$2"; }

# --- throughput / latency runs -----------------------------------------------

RAW=$OUT/$RESULTS-raw.tsv
printf 'case\tserver\trep\tmsgs_per_s\tmib_per_s\tp50_us\tp99_us\tcpu_us_per_msg\tserver_cpu_pct\tload_cpu_pct\terrors\n' >"$RAW"
FAILED=0
nserv=${#servers[@]}

for c in "${cases[@]}"; do
    read -r cname conns size depth <<<"$c"
    for ((rep = 1; rep <= REPEAT; rep++)); do
        # Rotate the order each repeat so no server always runs first.
        for ((k = 0; k < nserv; k++)); do
            s=${servers[$(((k + rep - 1) % nserv))]}
            tag="$cname-$s-$rep"
            if ! start_server "$s" "$OUT/logs/$tag.server.log"; then
                FAILED=$((FAILED + 1))
                printf '%s\t%s\t%s\t\t\t\t\t\t\t\t1\n' "$cname" "$s" "$rep" >>"$RAW"
                continue
            fi
            # echo_load samples the server's utime+stime itself at the exact
            # start and end of the measured window (it prints measure_start /
            # measure_end there), so warmup and teardown are not billed.
            start_load "$tag" --conns "$conns" --size "$size" --depth "$depth" --duration "$DURATION" \
                --warmup "$WARMUP" --server-pid "$SERVER_PID"
            end_load
            stop_pid "$SERVER_PID"
            line=$(grep '^msgs=' "$OUT/logs/$tag.load.out" | tail -n 1)
            errs=$(field errors "$line")
            if ((rc != 0)) || [[ -z $line || $errs != 0 ]]; then
                FAILED=$((FAILED + 1))
                log "[$cname $rep/$REPEAT] $s: FAILED (rc=$rc); see $OUT/logs/$tag.*"
                tail -n 5 "$OUT/logs/$tag.load.err" >&2
                printf '%s\t%s\t%s\t\t\t\t\t\t\t\t%s\n' "$cname" "$s" "$rep" "${errs:-1}" >>"$RAW"
                continue
            fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t0\n' "$cname" "$s" "$rep" \
                "$(field msgs_per_s "$line")" "$(field mib_per_s "$line")" "$(field p50_us "$line")" \
                "$(field p99_us "$line")" "$(field server_cpu_us_per_msg "$line")" \
                "$(field server_cpu_pct "$line")" "$(field client_cpu_pct "$line")" >>"$RAW"
            log "[$cname $rep/$REPEAT] $s: $(field msgs_per_s "$line") msgs/s, p99 $(field p99_us "$line") us," \
                "$(field server_cpu_us_per_msg "$line") us CPU/msg"
        done
    done
done

# --- syscalls per message ---------------------------------------------------------

# One extra run per case and server under `perf stat` on syscall tracepoints, apart from the
# timed runs so that tracing does not touch their CPU figures. Receives are recv/recvfrom,
# recvmsg, readv and read; sends sendto, sendmsg, writev and write; waits epoll_wait/pwait
# and io_uring_enter.
SYS=$OUT/$RESULTS-syscalls.tsv
printf 'case\tserver\tmsgs\trecv\tsend\twait\n' >"$SYS"
SYS_EVENTS=recvfrom,recvmsg,readv,read,sendto,sendmsg,writev,write,epoll_wait,epoll_pwait,epoll_pwait2,io_uring_enter
if ((SYSCALLS)); then
    if ! command -v perf >/dev/null || ! perf stat -e syscalls:sys_enter_sendto -- true >/dev/null 2>&1; then
        log "run-echo: perf cannot count syscall tracepoints here (linux-perf, root); syscall counts skipped"
        NOTES+=("Syscall counts skipped: perf cannot count syscall tracepoints here.")
        SYSCALLS=0
    fi
fi
if ((SYSCALLS)); then
    perf_events=$(echo "$SYS_EVENTS" | tr ',' '\n' | sed 's/^/syscalls:sys_enter_/' | paste -sd,)
    for c in "${cases[@]}"; do
        read -r cname conns size depth <<<"$c"
        for s in "${servers[@]}"; do
            tag="$cname-$s-syscalls"
            start_server "$s" "$OUT/logs/$tag.server.log" || { FAILED=$((FAILED + 1)); continue; }
            start_load "$tag" --conns "$conns" --size "$size" --depth "$depth" \
                --duration "$((SYSCALL_SECONDS + 1))" --warmup "$WARMUP"
            for ((i = 0; i < 600; i++)); do
                grep -q '^measure_start' "$OUT/logs/$tag.load.out" 2>/dev/null && break
                kill -0 "$lpid" 2>/dev/null || break
                sleep 0.05
            done
            # Counted inside the measured window, which outlasts it by a second.
            perf stat -x, -e "$perf_events" -p "$SERVER_PID" -o "$OUT/logs/$tag.perf" -- sleep "$SYSCALL_SECONDS" \
                >/dev/null 2>&1
            end_load
            stop_pid "$SERVER_PID"
            line=$(grep '^msgs=' "$OUT/logs/$tag.load.out" | tail -n 1)
            rate=$(field msgs_per_s "$line")
            if ((rc != 0)) || [[ -z $rate ]]; then
                FAILED=$((FAILED + 1))
                log "[$cname syscalls] $s: FAILED (rc=$rc); see $OUT/logs/$tag.*"
                continue
            fi
            awk -F, -v c="$cname" -v s="$s" -v msgs="$(awk -v r="$rate" -v t="$SYSCALL_SECONDS" 'BEGIN { print r * t }')" '
                $3 ~ /sys_enter_/ { n = $1 + 0; e = $3; sub(/.*sys_enter_/, "", e)
                    if (e ~ /^(recvfrom|recvmsg|readv|read)$/) r += n
                    else if (e ~ /^(sendto|sendmsg|writev|write)$/) w += n
                    else x += n }
                END { printf "%s\t%s\t%.0f\t%d\t%d\t%d\n", c, s, msgs, r, w, x }' "$OUT/logs/$tag.perf" >>"$SYS"
            log "[$cname syscalls] $s: $(tail -n 1 "$SYS" | awk -F'\t' '{ if ($3 > 0) printf "%.2f recv, %.2f send, %.3f wait per msg", $4 / $3, $5 / $3, $6 / $3 }')"
        done
    done
fi

# --- idle memory ----------------------------------------------------------------

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
nfds() { local f=(/proc/"$1"/fd/*); echo "${#f[@]}"; }

IDLE_ROWS=()
if ((IDLE > 0)); then
    for s in "${servers[@]}"; do
        tag="idle-$s"
        if ! start_server "$s" "$OUT/logs/$tag.server.log"; then
            FAILED=$((FAILED + 1)); IDLE_ROWS+=("$s|failed to start"); continue
        fi
        sleep 0.3  # let the port probe's connection come and go
        base_fds=$(nfds "$SERVER_PID")
        before=$(rss_kib "$SERVER_PID")
        start_load "$tag" --idle "$IDLE" --hold "$IDLE_HOLD"
        # Sample once the server holds a descriptor for every connection, i.e.
        # has really accepted them (client-side connect completes earlier).
        held=
        for ((i = 0; i < 600; i++)); do
            if (($(nfds "$SERVER_PID") >= base_fds + IDLE)); then
                sleep 0.5
                held=$(rss_kib "$SERVER_PID")
                break
            fi
            kill -0 "$lpid" 2>/dev/null || break
            sleep 0.1
        done
        end_load
        stop_pid "$SERVER_PID"
        if [[ -z $held || $rc != 0 ]]; then
            FAILED=$((FAILED + 1))
            log "idle $s: FAILED (rc=$rc); see $OUT/logs/$tag.*"
            tail -n 5 "$OUT/logs/$tag.load.err" >&2
            IDLE_ROWS+=("$s|failed")
            continue
        fi
        per=$(awk -v a="$before" -v b="$held" -v n="$IDLE" 'BEGIN { printf "%.2f", (b - a) / n }')
        log "idle $s: RSS $before -> $held KiB, $per KiB/conn"
        IDLE_ROWS+=("$s|$IDLE|$before|$held|$per")
    done
fi

# --- report -----------------------------------------------------------------------

# median CASE SERVER COLUMN over the successful repeats ("" when none).
median() {
    awk -F'\t' -v c="$1" -v s="$2" -v col="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) k = i; next }
        $1 == c && $2 == s && $NF == "0" { print $k }' "$RAW" |
        sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
fmt() { [[ -n $2 ]] && printf "%.$1f" "$2" || printf 'n/a'; }
ratio() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }' || printf 'n/a'; }

report() {
    local rev cpu
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]] && rev="$rev+dirty"
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    echo "### Echo benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "corio $rev; $cpu, $(nproc) cores, Linux $(uname -r). Server pinned to CPU $SERVER_CPU, load generator" \
        "to CPU $LOAD_CPU; loopback TCP. Each figure is the median of $REPEAT run(s) of ${DURATION} s after" \
        "${WARMUP} s warmup, a fresh server per run. Case NxS[dD]: N connections, S-byte messages, D in flight" \
        "per connection (closed loop). MiB/s counts payload one way. Server CPU is utime+stime over the" \
        "measured window; load CPU near 100% means the load generator may be the bound."
    echo
    echo "| case | server | msgs/s | MiB/s | p50 µs | p99 µs | server CPU µs/msg | server CPU % | load CPU % |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    local c s
    for c in "${cases[@]}"; do
        c=${c%% *}
        for s in "${servers[@]}"; do
            echo "| $c | $(label "$s") | $(fmt 0 "$(median "$c" "$s" msgs_per_s)") | $(fmt 2 "$(median "$c" "$s" mib_per_s)")" \
                "| $(fmt 1 "$(median "$c" "$s" p50_us)") | $(fmt 1 "$(median "$c" "$s" p99_us)")" \
                "| $(fmt 3 "$(median "$c" "$s" cpu_us_per_msg)") | $(fmt 0 "$(median "$c" "$s" server_cpu_pct)")" \
                "| $(fmt 0 "$(median "$c" "$s" load_cpu_pct)") |"
        done
    done
    if [[ -s $SYS ]] && (($(wc -l <"$SYS") > 1)); then
        echo
        echo "Server syscalls per message (one run of ${SYSCALL_SECONDS} s per case and server under perf stat; receives:" \
            "recv/recvmsg/readv/read, sends: send/sendmsg/writev/write, waits: epoll_wait/pwait, io_uring_enter):"
        echo
        echo "| case | server | receives/msg | sends/msg | waits/msg |"
        echo "|---|---|---:|---:|---:|"
        awk -F'\t' 'NR > 1 && $3 > 0 { printf "%s\t%s\t%.2f\t%.2f\t%.3f\n", $1, $2, $4 / $3, $5 / $3, $6 / $3 }' "$SYS" |
            while IFS=$'\t' read -r c s r w x; do echo "| $c | $(label "$s") | $r | $w | $x |"; done
    fi
    if [[ " ${servers[*]} " == *" epoll "* || " ${servers[*]} " == *" asio "* ]]; then
    echo
    echo "Ratios of medians (throughput: higher is better; CPU per message: lower is better):"
    echo
    echo "| case | msgs/s corio/ceiling | msgs/s corio/asio | CPU/msg corio/ceiling | CPU/msg corio/asio | msgs/s asio/ceiling | CPU/msg asio/ceiling |"
    echo "|---|---:|---:|---:|---:|---:|---:|"
    local te ta tc ce ca cc
    for c in "${cases[@]}"; do
        c=${c%% *}
        te=$(median "$c" epoll msgs_per_s); ta=$(median "$c" asio msgs_per_s); tc=$(median "$c" corio msgs_per_s)
        ce=$(median "$c" epoll cpu_us_per_msg); ca=$(median "$c" asio cpu_us_per_msg); cc=$(median "$c" corio cpu_us_per_msg)
        echo "| $c | $(ratio "$tc" "$te") | $(ratio "$tc" "$ta") | $(ratio "$cc" "$ce") | $(ratio "$cc" "$ca")" \
            "| $(ratio "$ta" "$te") | $(ratio "$ca" "$ce") |"
    done
    fi
    if [[ " ${servers[*]} " == *" corio-uring "* ]]; then
        echo
        echo "io_uring against epoll, both corio (throughput: higher is better; CPU per message: lower is better):"
        echo
        echo "| case | msgs/s io_uring/epoll | CPU/msg io_uring/epoll |"
        echo "|---|---:|---:|"
        local tu cu
        for c in "${cases[@]}"; do
            c=${c%% *}
            tc=$(median "$c" corio msgs_per_s); tu=$(median "$c" corio-uring msgs_per_s)
            cc=$(median "$c" corio cpu_us_per_msg); cu=$(median "$c" corio-uring cpu_us_per_msg)
            echo "| $c | $(ratio "$tu" "$tc") | $(ratio "$cu" "$cc") |"
        done
    fi
    if [[ " ${servers[*]} " == *" gnet "* && " ${servers[*]} " == *" corio "* ]]; then
        echo
        echo "event_handler (corio-gnet-echo) against coroutines (corio-echo), same engine and load" \
            "(throughput: higher is better, target 0.97 or more; CPU per message: lower is better):"
        echo
        echo "| case | msgs/s event_handler/coroutine | p99 event_handler/coroutine | CPU/msg event_handler/coroutine |"
        echo "|---|---:|---:|---:|"
        local tc tg pc pg cc cg
        for c in "${cases[@]}"; do
            c=${c%% *}
            tc=$(median "$c" corio msgs_per_s); tg=$(median "$c" gnet msgs_per_s)
            pc=$(median "$c" corio p99_us); pg=$(median "$c" gnet p99_us)
            cc=$(median "$c" corio cpu_us_per_msg); cg=$(median "$c" gnet cpu_us_per_msg)
            echo "| $c | $(ratio "$tg" "$tc") | $(ratio "$pg" "$pc") | $(ratio "$cg" "$cc") |"
        done
    fi
    if ((${#IDLE_ROWS[@]})); then
        echo
        echo "Idle connections (server VmRSS before and while holding them; kernel socket memory not included):"
        echo
        echo "| server | idle conns | RSS before KiB | RSS held KiB | KiB/conn |"
        echo "|---|---:|---:|---:|---:|"
        local row
        for row in "${IDLE_ROWS[@]}"; do
            IFS='|' read -r s n b h p <<<"$row"
            if [[ -z $b ]]; then echo "| $(label "$s") | $n | | | |"; else echo "| $(label "$s") | $n | $b | $h | $p |"; fi
        done
    fi
    local note
    for note in "${NOTES[@]}"; do echo; echo "$note"; done
    ((FAILED)) && { echo; echo "$FAILED run(s) failed and are left out of the medians; logs in perf/out/logs/."; }
    return 0
}

report | tee "$OUT/$RESULTS-results.md"

# --- CSV and charts -------------------------------------------------------------------

# per_msg CASE SERVER COLUMN(4=recv 5=send 6=wait) from the syscall runs ("" when none).
per_msg() { awk -F'\t' -v c="$1" -v s="$2" -v k="$3" '$1 == c && $2 == s && $3 > 0 { printf "%.3f", $k / $3 }' "$SYS" 2>/dev/null; }

CSV=$OUT/$RESULTS-results.csv
{
    echo "case,connections,size,depth,server,msgs_per_s,mib_per_s,p50_us,p99_us,cpu_us_per_msg,recv_per_msg,send_per_msg,wait_per_msg"
    for c in "${cases[@]}"; do
        read -r cname conns size depth <<<"$c"
        for s in "${servers[@]}"; do
            echo "$cname,$conns,$size,$depth,$s,$(median "$cname" "$s" msgs_per_s),$(median "$cname" "$s" mib_per_s)," \
                "$(median "$cname" "$s" p50_us),$(median "$cname" "$s" p99_us),$(median "$cname" "$s" cpu_us_per_msg)," \
                "$(per_msg "$cname" "$s" 4),$(per_msg "$cname" "$s" 5),$(per_msg "$cname" "$s" 6)" | tr -d ' '
        done
    done
} >"$CSV"
log "CSV: $CSV"

# chart FILE XCOL XLABEL FILTER TITLE: two panels (server CPU per message, messages/s) against
# connections or payload size, one line per server, from the sweep rows of the CSV.
chart() {
    local file=$1 xcol=$2 xlabel=$3 filter=$4 title=$5 s plots_cpu="" plots_rate="" data
    data=$OUT/chart-$(basename "$file" .png)
    for s in "${servers[@]}"; do
        awk -F, -v s="$s" -v x="$xcol" "NR > 1 && \$5 == s && $filter && \$10 != \"\" { print \$x, \$10, \$6 }" "$CSV" |
            sort -n >"$data.$s.dat"
        [[ -s $data.$s.dat ]] || continue
        plots_cpu+="${plots_cpu:+, }'$data.$s.dat' using 1:2 with linespoints title '$(label "$s")'"
        plots_rate+="${plots_rate:+, }'$data.$s.dat' using 1:(\$3/1000) with linespoints title '$(label "$s")'"
    done
    [[ -n $plots_cpu ]] || return 0
    gnuplot <<GP || log "run-echo: gnuplot failed for $file"
set terminal pngcairo size 1200,480 font 'sans,10'
set output '$file'
set multiplot layout 1,2 title "$title"
set logscale x 2
set grid
set key top left
set xlabel '$xlabel'
set ylabel 'server CPU per message (µs, lower is better)'
plot $plots_cpu
set ylabel 'messages/s (thousands, higher is better)'
plot $plots_rate
unset multiplot
GP
    log "chart: $file"
}
if ((SWEEP)); then
    if command -v gnuplot >/dev/null; then
        chart "$OUT/$RESULTS-connections.png" 2 connections "\$3 == $SWEEP_SIZE && \$4 == 1" \
            "Echo, $SWEEP_SIZE-byte messages, one in flight per connection"
        chart "$OUT/$RESULTS-sizes.png" 3 "message bytes" "\$2 == $SWEEP_CONNS && \$4 == 1" \
            "Echo, $SWEEP_CONNS connections, one message in flight each"
    else
        log "run-echo: gnuplot not found (scripts/install-deps.sh --perf installs gnuplot-nox); no charts"
    fi
fi

log "written to $OUT/$RESULTS-results.md (raw runs: $RAW)"
((FAILED == 0))
