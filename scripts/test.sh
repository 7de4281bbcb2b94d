#!/usr/bin/env bash
# Builds corio three times (release, ASan+UBSan, and release on Asio's io_uring backend) and
# runs every test binary in each, plus a lean ThreadSanitizer build of the Go-style kit's
# tests; the io_uring build's tests run only where the kernel allows
# io_uring (it says so when it does not). Then builds the libFuzzer targets with clang and
# runs each for 45 seconds (tests/fuzz). Installs what is missing first. Ends with one line:
# "N passed, M failed" (test cases; a fuzz target counts as one).
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

jobs=$(nproc)
passed=0
failed=0

# build DIR [meson options...] [--target T]: configure once, then build (everything, or
# only target T). Returns non-zero on failure.
build() {
  local dir=$1; shift
  local opts=() target=()
  while [[ $# -gt 0 ]]; do
    if [[ $1 == --target ]]; then target=("$2"); shift 2; else opts+=("$1"); shift; fi
  done
  if [[ ! -f $dir/build.ninja ]]; then
    meson setup "$dir" "${opts[@]}" >/dev/null || return 1
  fi
  ninja -C "$dir" -j "$jobs" "${target[@]}" >"$dir/ninja-output.log" 2>&1 ||
    { tail -40 "$dir/ninja-output.log"; return 1; }
}

# run_suite DIR [BINARIES...]: runs each doctest binary (by default all of them), adding its
# test-case counts to the totals.
run_suite() {
  local dir=$1 bin out line p f
  shift
  local bins=("$@")
  [[ ${#bins[@]} -gt 0 ]] || bins=(unit_tests integration_tests go_tests alloc_tests)
  for bin in "${bins[@]}"; do
    [[ -x $dir/tests/$bin ]] || continue
    echo "== $dir/tests/$bin"
    out=$(timeout 1200 "$dir/tests/$bin" 2>&1)
    local rc=$?
    echo "$out" | grep -vE '^\[doctest\] (doctest version|run with)' | tail -n 60
    line=$(echo "$out" | grep -E '^\[doctest\] test cases:' | tail -1)
    if [[ -n $line ]]; then
      p=$(echo "$line" | sed -E 's/.*\| *([0-9]+) passed.*/\1/')
      f=$(echo "$line" | sed -E 's/.*\| *([0-9]+) failed.*/\1/')
      passed=$((passed + p))
      failed=$((failed + f))
      # A crash or sanitizer abort after the summary still fails the run.
      if [[ $rc -ne 0 && $f -eq 0 ]]; then failed=$((failed + 1)); fi
    else
      echo "!! $bin exited with status $rc without a summary"
      failed=$((failed + 1))
    fi
  done
}

# run_consumer DIR: installs DIR's build into a temporary prefix and builds and runs two
# programs against it, with pkg-config and with CMake (tests/consumer/run.sh).
run_consumer() {
  local out line
  echo "== consumer test (install, pkg-config, CMake) from $1"
  out=$(timeout 600 bash tests/consumer/run.sh "$1" 2>&1)
  echo "$out" | tail -n 30
  line=$(echo "$out" | grep -E '^consumer: [0-9]+ passed, [0-9]+ failed' | tail -1)
  if [[ -n $line ]]; then
    passed=$((passed + $(echo "$line" | sed -E 's/consumer: ([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed/\1/')))
  else
    echo "!! consumer test ended without a summary"
    failed=$((failed + 1))
  fi
}

# run_py LABEL SUMMARY LIMIT SCRIPT ARGS...: runs a Python test script (Debian's python3,
# for python3-redis) for at most LIMIT seconds and adds up the counts of its last
# "SUMMARY: N passed, M failed" line; no such line counts as one failure.
run_py() {
  local label=$1 summary=$2 limit=$3 out line
  shift 3
  echo "== $label"
  out=$(timeout "$limit" /usr/bin/python3 "$@" 2>&1)
  echo "$out" | grep -vE '^PASS ' | tail -n 40
  line=$(echo "$out" | grep -E "^$summary: [0-9]+ passed, [0-9]+ failed" | tail -1)
  if [[ -n $line ]]; then
    passed=$((passed + $(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed/\1/')))
  else
    echo "!! $label ended without a summary"
    failed=$((failed + 1))
  fi
}

# run_redis_diff DIR: the differential tests (tests/redis/run_diff.py): the same command
# sequences and seeded random ones sent to Debian's redis-server and to DIR's corio-redis
# (one loop per core, so keys land on different shards), replies compared.
REDIS_FAMILIES=connection,protocol,strings,bits,keys,expire,lists,hashes,sets,transactions,pubsub,notifications,client,introspection,persistence,limits,acl
run_redis_diff() {
  run_py "redis differential tests against $1/samples/redis/corio-redis" redis-diff 900 \
    tests/redis/run_diff.py --corio-bin "$PWD/$1/samples/redis/corio-redis" \
    --families "$REDIS_FAMILIES" --random-batches "${REDIS_RANDOM_BATCHES:-4}"
}

# run_redis_clients DIR: real clients against DIR's corio-redis on 4 loops (redis-py,
# redis-cli incl. --pipe and --scan, redis-benchmark as a functional check, pub/sub and
# blocking pops across connections, WATCH retries, an atomicity checker, bad input).
run_redis_clients() {
  run_py "redis real-client tests against $1/samples/redis/corio-redis" redis-clients 900 \
    tests/redis/clients_test.py --corio-bin "$PWD/$1/samples/redis/corio-redis" --loops 4
}

# run_command_docs DIR: COMMAND's introspection (INFO, DOCS, LIST, COUNT, GETKEYS, redis-cli's
# view of DOCS) of DIR's corio-redis against redis-server's (tests/redis/command_docs_test.py).
run_command_docs() {
  run_py "COMMAND docs tests against $1/samples/redis/corio-redis" command-docs 400 \
    tests/redis/command_docs_test.py --corio-bin "$PWD/$1/samples/redis/corio-redis"
}

# run_persist DIR [ARGS]: RDB files both ways with redis-server, redis-check-rdb, BGSAVE's
# point in time under writes, DUMP/RESTORE across servers, shutdown saves, the schedule
# (tests/redis/persist_test.py).
run_persist() {
  local dir=$1
  shift
  run_py "persistence tests against $dir/samples/redis/corio-redis" persist 600 \
    tests/redis/persist_test.py --corio-bin "$PWD/$dir/samples/redis/corio-redis" "$@"
}

if build build --buildtype=release; then
  run_suite build
  run_consumer build
  run_redis_diff build
  run_redis_clients build
  run_command_docs build
  run_persist build
else
  echo "!! release build failed"; failed=$((failed + 1))
fi

# Sanitizer build (debug, ASan+UBSan, leak detection on), same tests.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if build build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false; then
  run_suite build-asan
  REDIS_RANDOM_BATCHES=2 run_redis_diff build-asan
  run_persist build-asan --keys 20000
else
  echo "!! sanitizer build failed"; failed=$((failed + 1))
fi

# ThreadSanitizer build, lean: libcorio and the Go-style kit's tests only (tests/go: channels,
# select, contexts, sync and go across loops); a data race report fails the run.
if build build-tsan --buildtype=debugoptimized -Db_sanitize=thread -Db_lundef=false \
  --target tests/go_tests; then
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:report_signal_unsafe=0 run_suite build-tsan go_tests
else
  echo "!! ThreadSanitizer build failed"; failed=$((failed + 1))
fi

# io_uring build: the same tests on Asio's io_uring backend, where the kernel allows it.
if build build-uring --buildtype=release -Dio_uring=enabled; then
  if why=$(build-uring/tests/io_uring_probe); then
    run_suite build-uring
  else
    echo "!! io_uring: the kernel refuses it here ($why); the io_uring build's tests are skipped," \
      "the epoll builds above ran"
  fi
else
  echo "!! io_uring build failed"; failed=$((failed + 1))
fi

# run_fuzz: the libFuzzer targets (tests/fuzz), built with clang in build-fuzz (only them:
# the alias target "fuzz"), 45 seconds each over their seed corpora; each target that ran
# without a crash counts as passed. A fuzz build that cannot be configured (no clang, no
# libFuzzer runtime) is a failure, not a skip.
run_fuzz() {
  local out line
  echo "== fuzz targets (libFuzzer, clang) from build-fuzz"
  if [[ ! -f build-fuzz/build.ninja ]]; then
    if ! CC=clang-14 CXX=clang++-14 meson setup build-fuzz -Dfuzz=enabled -Dtests=false \
      -Dbuildtype=debugoptimized >/dev/null; then
      echo "!! fuzz build failed to configure (clang-14 and libclang-rt-14-dev installed?)"
      failed=$((failed + 1))
      return
    fi
  fi
  if ! ninja -C build-fuzz -j "$jobs" fuzz >build-fuzz/ninja-output.log 2>&1; then
    tail -40 build-fuzz/ninja-output.log
    echo "!! fuzz build failed"
    failed=$((failed + 1))
    return
  fi
  out=$(timeout 900 bash tests/fuzz/run.sh build-fuzz 45 2>&1)
  echo "$out" | tail -n 60
  line=$(echo "$out" | grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' | tail -1)
  if [[ -n $line ]]; then
    passed=$((passed + $(echo "$line" | sed -E 's/fuzz: ([0-9]+) passed.*/\1/')))
    failed=$((failed + $(echo "$line" | sed -E 's/.* ([0-9]+) failed/\1/')))
  else
    echo "!! fuzz run ended without a summary"
    failed=$((failed + 1))
  fi
}
run_fuzz

echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
