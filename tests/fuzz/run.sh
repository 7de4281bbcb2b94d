#!/usr/bin/env bash
# Runs each libFuzzer target of a fuzz build over its seed corpus for a bounded time, printing
# executions and crashes (with reproducers), and ends with "fuzz: N passed, M failed".
# Usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]   (SECONDS per target, default 60)
set -uo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [SECONDS]" >&2
  exit 2
fi
build=$1
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
targets=(resp_parser_fuzz rdb_load_fuzz command_fuzz aof_replay_fuzz)
# The largest input each target reads (each also cuts longer ones itself).
declare -A max_len=([resp_parser_fuzz]=16384 [rdb_load_fuzz]=32768 [command_fuzz]=4096 [aof_replay_fuzz]=16384)

# Sanitizer reports are crashes; the caller's settings (scripts/test.sh's) win.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# New inputs, logs and crashes go here, never into the source tree.
work=$(mktemp -d "${TMPDIR:-/tmp}/corio-fuzz.XXXXXX")
echo "fuzz: ${seconds}s per target; new inputs, logs and crashes under $work"
passed=0
failed=0
for t in "${targets[@]}"; do
  bin=$build/tests/fuzz/$t
  echo "== $t"
  if [[ ! -x $bin ]]; then
    echo "!! $t: $bin is not built (ninja -C $build fuzz)"
    failed=$((failed + 1))
    continue
  fi
  mkdir -p "$work/$t/new" "$work/$t/crashes"
  dict=()
  [[ -f $here/dict/$t.dict ]] && dict=(-dict="$here/dict/$t.dict")
  # The first directory takes what the run finds; the seeds are only read.
  timeout $((seconds + 120)) "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len="${max_len[$t]}" -print_final_stats=1 -artifact_prefix="$work/$t/crashes/" \
    "${dict[@]}" "$work/$t/new" "$here/corpus/$t" >"$work/$t/log" 2>&1
  rc=$?
  execs=$(grep -E '^stat::number_of_executed_units:' "$work/$t/log" | tail -1 | awk '{print $2}')
  reproducers=$(grep -oE 'Test unit written to .*' "$work/$t/log" | sed 's/Test unit written to //')
  # Passed: it ran the whole time without a crash.
  if [[ $rc -eq 0 && -z $reproducers ]]; then
    echo "$t: passed, ${execs:-?} executions in ${seconds}s"
    passed=$((passed + 1))
  else
    echo "!! $t: failed (exit status $rc) after ${execs:-?} executions"
    # What went wrong: the target's own message, the sanitizer's summary, libFuzzer's verdict.
    grep -E '_fuzz: |^SUMMARY: |ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error:' \
      "$work/$t/log" | head -n 20
    if [[ -n $reproducers ]]; then
      for r in $reproducers; do
        echo "   reproducer: $r (run: $bin $r)"
      done
    else
      tail -n 20 "$work/$t/log"
    fi
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
