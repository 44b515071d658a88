#!/usr/bin/env bash
# Opening a basin of 10,000 commits (BENCHMARKS.md, "Opening"), default settings (a
# checkpoint every 16 commits), on a local file store and on Ceph's radosgw started on
# 127.0.0.1: time (hyperfine; the reference is opening an empty basin with the same key
# derivation, which dominates) and requests (counted by the store wrapper).
#   scripts/build.sh release benchmarks && bench/repo_open.sh         (on the project machine: bb run)
set -euo pipefail
cd "$(dirname "$0")/.."
b=${BASIN_BUILD_DIR:-build}/bench
work=${BASIN_BENCH_WORK:-/tmp/basin-bench}/open
commits=${COMMITS:-10000}
commits_s3=${COMMITS_S3:-$commits}
rm -rf "$work"
mkdir -p "$work"
# shellcheck source=bench/rgw_bench_env.sh
. bench/rgw_bench_env.sh
s3="s3://bench/PREFIX?endpoint=$S3_ENDPOINT&region=us-east-1&style=path"
for where in file s3; do
  if [ $where = file ]; then full=$work/full empty=$work/empty n=$commits; else
    full=${s3/PREFIX/full} empty=${s3/PREFIX/empty} n=$commits_s3; fi
  "$b/repo_tool" init "$empty" >/dev/null
  "$b/repo_tool" init "$full" >/dev/null
  echo "== $where store: $n commits"
  "$b/repo_tool" commits "$full" --count "$n"
  "$b/repo_tool" open "$empty" | sed -n 1p
  "$b/repo_tool" open "$full"
  hyperfine -N -w 1 -r 10 --style basic "$b/repo_tool open '$empty'" "$b/repo_tool open '$full'" 2>&1 |
    grep -E 'Time|±|faster|Benchmark'
done
