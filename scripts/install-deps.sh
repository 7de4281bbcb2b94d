#!/usr/bin/env bash
# Installs the Debian 12 packages corio needs to build, test and benchmark (clang-14 and its
# libFuzzer runtime for the fuzz build, tests/fuzz).
# Idempotent: installs only what is missing; safe to run on every build. With --perf, also
# what perf/run-echo.sh needs (linux-perf for syscall counts, gnuplot-nox for charts); with
# --go, Debian's Go toolchain for perf/run-go.sh's Go side (never needed by the tests).
set -euo pipefail

packages=(
  g++ pkg-config meson ninja-build
  libboost1.81-dev libfmt-dev doctest-dev
  libssl-dev openssl ca-certificates liburing-dev
  curl cmake
  procps util-linux
  redis-server redis-tools python3 python3-redis
  clang-14 libclang-rt-14-dev
)
for arg in "$@"; do
  case $arg in
    # --perf: what the benchmarks in perf/ use besides (syscall counts, charts).
    --perf) packages+=(linux-perf gnuplot-nox) ;;
    # --go: the Go programs perf/run-go.sh compares corio's Go-style kit with.
    --go) packages+=(golang-go) ;;
    *) echo "install-deps: unknown option $arg (--perf, --go)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
