#!/usr/bin/env bash
# Sets everything up on a fresh Debian 12 machine, builds, and runs the whole test suite.
#   scripts/test.sh            the release build's tests
#   scripts/test.sh --asan     the same tests built with AddressSanitizer and UBSan
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
kind=release
[ "${1:-}" = "--asan" ] && kind=asan
scripts/build.sh "$kind"
dir=${BASIN_BUILD_ROOT:-.}/build
[ "$kind" = asan ] && dir=${BASIN_BUILD_ROOT:-.}/build-asan
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)"
