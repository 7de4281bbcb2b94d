#!/usr/bin/env bash
# run-events.sh: the gnet-style event_handler echo (samples/gnet-echo/corio-gnet-echo) against
# the coroutine echo (samples/echo/corio-echo): the same engine, the same load generator
# (echo_load), interleaved runs, medians and the event_handler/coroutine ratios (target for
# throughput: 0.97 or more). It is run-echo.sh with SERVERS="corio gnet" and its own output
# files (perf/out/events-results.md, events-raw.tsv, events-results.csv, events-syscalls.tsv).
#
# Every run-echo.sh knob works here (DURATION, WARMUP, REPEAT, CASES, IDLE, SYSCALLS, BUILD,
# PORT, SERVER_CPU, LOAD_CPU, ...); SERVERS may add epoll or asio for the usual tables too.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${BUILD:-$(dirname "$HERE")/build}
for bin in samples/echo/corio-echo samples/gnet-echo/corio-gnet-echo; do
    # run-echo.sh would skip a missing server and print a table without the comparison.
    [[ -x $BUILD/$bin ]] || { echo "run-events: $BUILD/$bin not found (ninja -C $BUILD $bin)" >&2; exit 1; }
done
SERVERS=${SERVERS:-corio gnet} RESULTS=${RESULTS:-events} BUILD=$BUILD exec "$HERE/run-echo.sh" "$@"
