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
# Leaks inside libraries basin does not own (tests/lsan.supp says which, and why).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp}
# The sanitizer pass checks memory and undefined behaviour on the same code: its property
# tests try 30 random cases each, the release pass rapidcheck's default 100.
[ "$kind" = asan ] && export RC_PARAMS=${RC_PARAMS:-max_success=30}
# and the maintenance schedules (src/snapshot/schedule_test.cc) 3 schedules, not 12.
[ "$kind" = asan ] && export BASIN_SCHEDULES=${BASIN_SCHEDULES:-3}

# A real S3 server (Ceph's radosgw) on 127.0.0.1 for the S3 tests, on ports of our own:
# plain HTTP on $port, HTTPS on $port+2 with a CA made at start (S3_HTTPS_ENDPOINT, S3_CA_FILE).
s3dir=$(mktemp -d "${TMPDIR:-/tmp}/basin-s3.XXXXXX")
stop_s3() { scripts/s3-server-stop.sh "$s3dir/rgw" >/dev/null 2>&1 || true; rm -rf "$s3dir"; }
trap stop_s3 EXIT
port=$((20000 + RANDOM % 20000))
if MON_PORT=$((port + 1)) scripts/s3-server-start.sh "$s3dir/rgw" "$port" bluestore \
    >"$s3dir/start.log" 2>&1; then
  # shellcheck disable=SC1091
  . "$s3dir/rgw/env.sh"
  echo "S3 test server (radosgw) at $S3_ENDPOINT and $S3_HTTPS_ENDPOINT"
elif [ "${CI:-}" = true ]; then
  cat "$s3dir/start.log" >&2
  echo "the S3 test server did not start" >&2
  exit 1
else
  echo "warning: the S3 test server did not start ($s3dir/start.log); the S3 tests will fail" >&2
fi
# The spin model is not basin's code, and the 100,000-entry directory is a test of scale (its
# code runs under the sanitizers in the smaller directory tests): both run in the plain build.
exclude=()
[ "$kind" = asan ] && exclude=(-E '^(model_check$|File/BackupLargeTest\.ADirectoryOf100000EntriesRoundTrips/)')
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" "${exclude[@]}"
