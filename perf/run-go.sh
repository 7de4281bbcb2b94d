#!/usr/bin/env bash
# run-go.sh: corio's Go-style kit (perf/go_bench.cpp) against Go itself (perf/go/gobench.go):
# channel ping-pong and spawning a million coroutines/goroutines, in one interleaved run.
# Prints markdown tables of medians and corio/Go ratios (also perf/out/go-results.md).
#
# Env knobs: N round trips per ping-pong run (default 1000000)
#   SPAWN_N coroutines per spawn run (default 1000000)   REPEAT (default 3)
#   CASES   subset of "pingpong-1 pingpong-2 spawn-alive-1 spawn-alive-2 spawn-finish-1
#           spawn-finish-2" (default: all; -1 one thread, -2 two)
#   SPAWN_YIELD  the spawner yields every K spawns (0, the default: never)
#   IDLE_SPIN  corio's options::idle_spin in µs (0, the default: loops sleep at once)
#   ONE_CPU core for the one-thread cases (default 0)   TWO_CPUS cores for the two-thread cases
#           (default 0,1)   TIMEOUT seconds before a run counts as hung (default 600)
#   BUILD   meson build dir for perf/go_bench (default ../build)   GO (default go)   OUT (perf/out)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=${BUILD:-$ROOT/build}
OUT=${OUT:-$HERE/out}
N=${N:-1000000}
SPAWN_N=${SPAWN_N:-1000000}
REPEAT=${REPEAT:-3}
CASES=${CASES:-}
SPAWN_YIELD=${SPAWN_YIELD:-0}
IDLE_SPIN=${IDLE_SPIN:-0}
ONE_CPU=${ONE_CPU:-0}
TWO_CPUS=${TWO_CPUS:-0,1}
TIMEOUT=${TIMEOUT:-600}
GO=${GO:-go}
CORIO=$BUILD/perf/go_bench
GOBENCH=$OUT/gobench

ALL_CASES="pingpong-1 pingpong-2 spawn-alive-1 spawn-alive-2 spawn-finish-1 spawn-finish-2"

log() { printf '%s\n' "$*" >&2; }
die() { log "run-go: $*"; exit 1; }

# --- tools --------------------------------------------------------------------------------

# Debian's golang-go only when there is no Go at all (a Go installed otherwise is used as is).
if ! command -v "$GO" >/dev/null; then
    bash "$ROOT/scripts/install-deps.sh" --go >&2 || die "installing golang-go failed"
    command -v "$GO" >/dev/null || die "no '$GO' after installing golang-go"
fi
mkdir -p "$OUT/logs" || die "cannot create $OUT"

# go_bench from the meson build (ninja builds only that target and libcorio, and does nothing
# when they are up to date).
[[ -f $BUILD/build.ninja ]] || die "no meson build in $BUILD (meson setup $BUILD --buildtype=release, or BUILD=...)"
ninja -C "$BUILD" perf/go_bench >&2 || die "building perf/go_bench failed"
[[ -x $CORIO ]] || die "$CORIO missing after the build"

# The Go side: standard library only, so the module proxy is never asked (GOPROXY=off), and
# the toolchain named in go.mod is this one (GOTOOLCHAIN=local for Go 1.21 and later).
[[ -n ${HOME:-} ]] || export GOCACHE=${GOCACHE:-$OUT/go-cache}
if [[ ! -x $GOBENCH || $HERE/go/gobench.go -nt $GOBENCH || $HERE/go/go.mod -nt $GOBENCH ]]; then
    log "building gobench"
    (cd "$HERE/go" && GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local "$GO" build -o "$GOBENCH" .) ||
        die "go build failed"
fi

# --- what to run -----------------------------------------------------------------------------

cases=()
for c in ${CASES:-$ALL_CASES}; do
    c=${c//,/}
    [[ -z $c ]] && continue
    [[ " $ALL_CASES " == *" $c "* ]] || die "unknown case '$c' ($ALL_CASES)"
    cases+=("$c")
done
((${#cases[@]})) || die "no case to run"

# impls CASE: who runs in it. Ping-pong on two threads has two Go variants: plain GOMAXPROCS=2
# (Go's scheduler may keep both goroutines on one P, so it need not cross threads at all) and
# each goroutine locked to its own OS thread, which forces every hop across threads as
# corio's two loops do.
impls() {
    case $1 in
        pingpong-2) echo "corio go go-locked" ;;
        *) echo "corio go" ;;
    esac
}

threads_of() { echo "${1##*-}"; }
cpus_of() { if [[ $(threads_of "$1") == 1 ]]; then echo "$ONE_CPU"; else echo "$TWO_CPUS"; fi; }

# command_of CASE IMPL: sets CMD, the command line of one run (without the taskset).
command_of() {
    local c=$1 impl=$2 t mode
    t=$(threads_of "$c")
    case $c in
        pingpong-*)
            if [[ $impl == corio ]]; then
                if ((t == 1)); then CMD=("$CORIO" pingpong-one --n "$N"); else CMD=("$CORIO" pingpong-two --n "$N"); fi
                CMD+=(--idle-spin-us "$IDLE_SPIN")
            else
                CMD=(env GOMAXPROCS="$t" "$GOBENCH" pingpong -n "$N")
                [[ $impl == go-locked ]] && CMD+=(-lock)
            fi
            ;;
        spawn-*)
            mode=${c#spawn-}
            mode=${mode%-*}
            if [[ $impl == corio ]]; then
                CMD=("$CORIO" spawn --n "$SPAWN_N" --mode "$mode" --loops "$t" --yield-every "$SPAWN_YIELD"
                     --idle-spin-us "$IDLE_SPIN")
            else
                CMD=(env GOMAXPROCS="$t" "$GOBENCH" spawn -n "$SPAWN_N" -mode "$mode" -yield-every "$SPAWN_YIELD")
            fi
            ;;
    esac
}

label() {
    case $1 in
        corio) echo "corio" ;;
        go) echo "Go" ;;
        go-locked) echo "Go, LockOSThread" ;;
    esac
}

# key=value field from a result line.
field() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) { n = index($i, "="); if (substr($i, 1, n - 1) == k) print substr($i, n + 1) } }' <<<"$2"; }

# --- the runs ---------------------------------------------------------------------------------

RAW=$OUT/go-raw.tsv
COLS="round_trips_per_s ns_per_round_trip spawn_s release_s total_s base_rss_kib parked_rss_kib peak_rss_kib peak_bytes_per_coroutine"
{
    printf 'case\timpl\trep'
    for k in $COLS; do printf '\t%s' "$k"; done
    printf '\terrors\n'
} >"$RAW"
FAILED=0

for ((rep = 1; rep <= REPEAT; rep++)); do
    for c in "${cases[@]}"; do
        read -ra who <<<"$(impls "$c")"
        nwho=${#who[@]}
        # Rotate the order each repeat so that neither side always runs first.
        for ((k = 0; k < nwho; k++)); do
            impl=${who[$(((k + rep - 1) % nwho))]}
            tag="go-$c-$impl-$rep"
            command_of "$c" "$impl"
            timeout -k 5 "$TIMEOUT" taskset -c "$(cpus_of "$c")" "${CMD[@]}" \
                >"$OUT/logs/$tag.out" 2>"$OUT/logs/$tag.err"
            rc=$?
            line=$(grep '^bench=' "$OUT/logs/$tag.out" | tail -n 1)
            errs=$(field errors "$line")
            if ((rc != 0)) || [[ -z $line || $errs != 0 ]]; then
                FAILED=$((FAILED + 1))
                log "[$c $rep/$REPEAT] $impl: FAILED (rc=$rc); see $OUT/logs/$tag.*"
                tail -n 5 "$OUT/logs/$tag.err" >&2
                printf '%s\t%s\t%s' "$c" "$impl" "$rep" >>"$RAW"
                for k2 in $COLS; do printf '\t' >>"$RAW"; done
                printf '\t%s\n' "${errs:-1}" >>"$RAW"
                continue
            fi
            {
                printf '%s\t%s\t%s' "$c" "$impl" "$rep"
                for k2 in $COLS; do printf '\t%s' "$(field "$k2" "$line")"; done
                printf '\t0\n'
            } >>"$RAW"
            if [[ $c == pingpong-* ]]; then
                log "[$c $rep/$REPEAT] $impl: $(field round_trips_per_s "$line") round trips/s"
            else
                log "[$c $rep/$REPEAT] $impl: $(field total_s "$line") s, peak RSS $(field peak_rss_kib "$line") KiB"
            fi
        done
    done
done

# --- report -------------------------------------------------------------------------------------

# median CASE IMPL COLUMN over the successful repeats ("" when none).
median() {
    awk -F'\t' -v c="$1" -v s="$2" -v col="$3" '
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) k = i; next }
        $1 == c && $2 == s && $NF == "0" && $k != "" { print $k }' "$RAW" |
        sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
fmt() { [[ -n $2 ]] && printf "%.$1f" "$2" || printf 'n/a'; }
ratio() { [[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }' || printf 'n/a'; }
mib() { [[ -n $1 ]] && awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' || printf 'n/a'; }
has() { [[ " ${cases[*]} " == *" $1 "* ]]; }

report() {
    local rev cpu gov c impl t ct gt
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]] && rev="$rev+dirty"
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    gov=$("$GO" version 2>/dev/null | awk '{ print $3 }')
    echo "### corio's Go-style kit against Go, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "corio $rev ($(g++ --version 2>/dev/null | head -n 1), $(basename "$BUILD")), Go ${gov:-?};" \
        "$cpu, $(nproc) cores, Linux $(uname -r). One-thread cases pinned to CPU $ONE_CPU (corio: one loop;" \
        "Go: GOMAXPROCS=1), two-thread cases to CPUs $TWO_CPUS (corio: two loops; Go: GOMAXPROCS=2)." \
        "Medians of $REPEAT interleaved run(s), a fresh process per run."
    if has pingpong-1 || has pingpong-2; then
        echo
        echo "Ping-pong: two coroutines (goroutines) bounce an int over two unbuffered channels, $N round" \
            "trips; on two threads corio puts one coroutine on each loop. corio/Go above 1.00 means corio" \
            "is faster."
        echo
        echo "| case | corio round trips/s | corio ns/round trip | Go | Go round trips/s | Go ns/round trip | corio/Go |"
        echo "|---|---:|---:|---|---:|---:|---:|"
        for c in pingpong-1 pingpong-2; do
            has "$c" || continue
            t=$(threads_of "$c")
            ct=$(median "$c" corio round_trips_per_s)
            for impl in $(impls "$c"); do
                [[ $impl == corio ]] && continue
                gt=$(median "$c" "$impl" round_trips_per_s)
                echo "| $c | $(fmt 0 "$ct") | $(fmt 1 "$(median "$c" corio ns_per_round_trip)")" \
                    "| GOMAXPROCS=$t$([[ $impl == go-locked ]] && echo ", LockOSThread") | $(fmt 0 "$gt")" \
                    "| $(fmt 1 "$(median "$c" "$impl" ns_per_round_trip)") | $(ratio "$ct" "$gt") |"
            done
        done
    fi
    local any_spawn=0
    for c in "${cases[@]}"; do [[ $c == spawn-* ]] && any_spawn=1; done
    if ((any_spawn)); then
        echo
        echo "Spawn: $SPAWN_N coroutines with corio::go (goroutines with go), each adding to a checksum" \
            "and calling wait_group done; alive: each first parks on a gate channel, closed once all are" \
            "parked (all alive at once); finish: each runs to the end when scheduled. Two threads: corio" \
            "spreads them round-robin over its two loops. Spawner yield every: ${SPAWN_YIELD} (0: never)." \
            "Spawn s: until all are parked (alive) or spawned (finish). Peak RSS is VmHWM; per coroutine is" \
            "(VmHWM - VmRSS before spawning) / $SPAWN_N. Time and memory ratios below 1.00 mean corio uses" \
            "less."
        echo
        echo "| case | corio total s | Go total s | time corio/Go | corio spawn s | Go spawn s | corio peak MiB | Go peak MiB | peak corio/Go | corio B/coroutine | Go B/goroutine |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        for c in spawn-alive-1 spawn-alive-2 spawn-finish-1 spawn-finish-2; do
            has "$c" || continue
            echo "| $c | $(fmt 3 "$(median "$c" corio total_s)") | $(fmt 3 "$(median "$c" go total_s)")" \
                "| $(ratio "$(median "$c" corio total_s)" "$(median "$c" go total_s)")" \
                "| $(fmt 3 "$(median "$c" corio spawn_s)") | $(fmt 3 "$(median "$c" go spawn_s)")" \
                "| $(mib "$(median "$c" corio peak_rss_kib)") | $(mib "$(median "$c" go peak_rss_kib)")" \
                "| $(ratio "$(median "$c" corio peak_rss_kib)" "$(median "$c" go peak_rss_kib)")" \
                "| $(fmt 0 "$(median "$c" corio peak_bytes_per_coroutine)")" \
                "| $(fmt 0 "$(median "$c" go peak_bytes_per_coroutine)") |"
        done
    fi
    ((FAILED)) && { echo; echo "$FAILED run(s) failed and are left out of the medians; logs in perf/out/logs/."; }
    return 0
}

report | tee "$OUT/go-results.md"
log "written to $OUT/go-results.md (raw runs: $RAW)"
((FAILED == 0))
