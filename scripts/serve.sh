#!/usr/bin/env bash
# Builds corio and runs the main sample server in the foreground (Ctrl-C stops it).
# Until the Redis sample lands this is the echo server on tcp://127.0.0.1:9000; extra
# arguments go to the server (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[[ -f build/build.ninja ]] || meson setup build --buildtype=release >/dev/null
ninja -C build samples/echo/corio-echo
exec build/samples/echo/corio-echo "$@"
