#!/usr/bin/env bash
# Builds corio and runs the main job, corio-redis, in the foreground (Ctrl-C stops it), on
# its embedded default config: 127.0.0.1:6379, or the next free port when 6379 is taken (it
# says which), one loop per core. Extra arguments go to corio-redis, with redis-server's
# names (--port, --requirepass, --loops N, a config file first, ...; see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
[[ -f build/build.ninja ]] || meson setup build --buildtype=release >/dev/null
ninja -C build samples/redis/corio-redis
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=6379
while port_open "$port"; do port=$((port + 1)); done
echo "serve.sh: corio-redis on 127.0.0.1:$port (try: redis-cli -p $port)"
exec build/samples/redis/corio-redis --port "$port" "$@"
