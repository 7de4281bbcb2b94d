#!/usr/bin/env bash
# The consumer test: installs the meson build in BUILD_DIR into a temporary DESTDIR and, out of
# tree, builds the README's example and tests/consumer/line_server.cpp twice, with pkg-config
# and with CMake's find_package(corio), under -Wall -Wextra -Werror; then runs every binary
# against a real client (bash's /dev/tcp on 127.0.0.1) and stops it with SIGINT. Also checks
# that a pre-C++20 compile stops with corio's one clear #error. Ends with
# "consumer: N passed, M failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
tmp=$(mktemp -d /tmp/corio-consumer-XXXXXX)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
check() { # check NAME COMMAND...: one test case
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok: $name"
    else
        failed=$((failed + 1))
        echo "FAILED: $name"
    fi
}
finish() {
    echo "consumer: $passed passed, $failed failed"
    exit $((failed > 0))
}

# --- install ------------------------------------------------------------------------
if ! meson install -C "$build" --destdir "$tmp/root" --quiet >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"
    failed=$((failed + 1))
    finish
fi
pc=$(find "$tmp/root" -name corio.pc | head -1)
installed_prefix=$(sed -n 's/^prefix=//p' "$pc")
prefix=$tmp/root$installed_prefix
check "install has corio.pc, corioConfig.cmake and the headers" \
    test -f "$pc" -a -n "$(find "$prefix" -name corioConfig.cmake)" -a -f "$prefix/include/corio/corio.hpp"

mkdir -p "$tmp/src" "$tmp/bin"
awk '/^## Example/ { in_section = 1 } in_section && /^```cpp/ { code = 1; next }
     code && /^```/ { exit } code { print }' "$root/README.md" >"$tmp/src/readme_example.cpp"
cp "$here/line_server.cpp" "$tmp/src/"
check "the README has an example to build" grep -q "engine.run" "$tmp/src/readme_example.cpp"

# --- pkg-config ---------------------------------------------------------------------
pkgconf() { PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$prefix" "$@" corio; }
for program in readme_example line_server; do
    # shellcheck disable=SC2046
    check "pkg-config build of $program (-Wall -Wextra -Werror)" \
        g++ -std=c++20 -Wall -Wextra -Werror $(pkgconf --cflags) "$tmp/src/$program.cpp" \
        -o "$tmp/bin/$program.pkgconfig" $(pkgconf --libs)
done

# Below C++20 the first error is corio's own.
echo '#include <corio/corio.hpp>' >"$tmp/src/old_standard.cpp"
# shellcheck disable=SC2046
g++ -std=c++17 -fsyntax-only $(pkgconf --cflags) "$tmp/src/old_standard.cpp" >"$tmp/old.log" 2>&1
check "-std=c++17 stops with corio's #error first" \
    bash -c "grep -m1 'error' '$tmp/old.log' | grep -q 'corio needs C++20'"

# --- CMake --------------------------------------------------------------------------
if cmake -S "$here" -B "$tmp/cmake-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" -DCONSUMER_SOURCES="$tmp/src" >"$tmp/cmake.log" 2>&1 &&
    cmake --build "$tmp/cmake-build" >>"$tmp/cmake.log" 2>&1; then
    cmake_ok=true
else
    cmake_ok=false
    tail -30 "$tmp/cmake.log"
fi
check "CMake find_package(corio) build of both programs (-Wall -Wextra -Werror)" $cmake_ok
if $cmake_ok; then
    cp "$tmp/cmake-build/readme_example" "$tmp/bin/readme_example.cmake"
    cp "$tmp/cmake-build/line_server" "$tmp/bin/line_server.cmake"
fi

# --- running them -------------------------------------------------------------------
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# ask PORT LINE: one connection, one line out, the first line back (5 s at most).
ask() {
    local reply=""
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
    printf '%s\n' "$2" >&3
    IFS= read -r -t 5 reply <&3
    exec 3>&-
    printf '%s' "$reply"
}
# stop PID: SIGINT, then up to 5 s for a clean exit (status 0).
stop_cleanly() {
    local pid=$1 i
    kill -INT "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then return 1; fi
    wait "$pid"
    local rc=$? keep=() p
    for p in "${pids[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
    pids=("${keep[@]}")
    return $rc
}

run_line_server() { # run_line_server BINARY
    local bin=$1 out=$tmp/line.out pid port=
    "$bin" 0 >"$out" 2>"$tmp/line.err" &
    pid=$!
    pids+=("$pid")
    for ((i = 0; i < 100; i++)); do
        port=$(sed -n 's/^listening on //p' "$out")
        [[ -n $port ]] && break
        sleep 0.05
    done
    [[ -n $port ]] || return 1
    [[ $(ask "$port" PING) == PONG ]] || return 1
    [[ $(ask "$port" "ECHO a b c") == "a b c" ]] || return 1
    [[ $(ask "$port" SLOW) == done ]] || return 1
    [[ $(ask "$port" UPSTREAM) == PONG ]] || return 1
    [[ $(ask "$port" SPAWNED) == yes ]] || return 1
    [[ $(ask "$port" TICKS) == yes ]] || return 1
    stop_cleanly "$pid"
}

run_readme_example() { # run_readme_example BINARY: it echoes on 127.0.0.1:9000
    local bin=$1 pid
    "$bin" >"$tmp/readme.out" 2>&1 &
    pid=$!
    pids+=("$pid")
    for ((i = 0; i < 100; i++)); do port_open 9000 && break; sleep 0.05; done
    [[ $(ask 9000 "hello corio") == "hello corio" ]] || return 1
    stop_cleanly "$pid"
}

for kind in pkgconfig cmake; do
    if [[ -x $tmp/bin/line_server.$kind ]]; then
        check "line_server ($kind build) answers a real client and stops on SIGINT" \
            run_line_server "$tmp/bin/line_server.$kind"
    fi
    if [[ -x $tmp/bin/readme_example.$kind ]]; then
        if port_open 9000; then
            echo "FAILED: port 9000 is taken: the README example ($kind build) cannot run"
            failed=$((failed + 1))
        else
            check "README example ($kind build) echoes on 127.0.0.1:9000 and stops on SIGINT" \
                run_readme_example "$tmp/bin/readme_example.$kind"
        fi
    fi
done
finish
