#!/usr/bin/env bash
# Data stratum size against requests per GB on radosgw (BENCHMARKS.md, "Stratum size"):
# `basin blob put` of a 1 GiB file into basins made with data strata of 8, 16, 32 and
# 64 MiB, and `restic backup` of the same file (its default 16 MiB packs), on Ceph's
# radosgw started on 127.0.0.1 for the purpose. Requests are counted by radosgw itself
# (its "rgw req" perf counter, read from its admin socket before and after each command),
# so multipart parts, HEADs and listings all count.
#   scripts/build.sh release benchmarks && bench/repo_strata.sh       (on the project machine: bb run)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BASIN_BUILD_DIR:-build}
work=${BASIN_BENCH_WORK:-/tmp/basin-bench}/strata
sizes=${STRATA_MIB:-8 16 32 64}
part=${PART_MIB:+&part_mib=$PART_MIB}  # the S3 store's multipart part size (default 8 MiB)
rm -rf "$work"
mkdir -p "$work"
# shellcheck source=bench/rgw_bench_env.sh
. bench/rgw_bench_env.sh
asok=$work/rgw/run/client.rgw.a.asok
reqs() {
  ceph --admin-daemon "$asok" perf dump 2>/dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["rgw"]["req"])'
}
# The input: the first 1 GiB of /usr/lib's files, in name order (binaries and text).
find /usr/lib -type f | sort | xargs -d '\n' cat 2>/dev/null | head -c 1073741824 >"$work/input" || true
echo bench-password >"$work/pw"
gb=$(stat -c %s "$work/input" | awk '{ print $1 / 1e9 }')
now() { date +%s.%N; }
row() {  # name, requests, seconds
  awk -v n="$1" -v r="$2" -v s="$3" -v gb="$gb" \
    'BEGIN { printf "| %s | %d | %.0f | %.1f | %.0f |\n", n, r, r / gb, s, gb * 1000 / s }'
}
echo "| what | requests | requests per GB | seconds | MB/s |"
echo "|---|---|---|---|---|"
for s in $sizes; do
  url="s3://bench/d$s?endpoint=$S3_ENDPOINT&region=us-east-1&style=path$part"
  "$build/bench/repo_tool" init "$url" --data-mib "$s" >/dev/null
  r0=$(reqs); t0=$(now)
  "$build/basin" --repo "$url" --password-file "$work/pw" -q blob put "$work/input" >/dev/null
  t1=$(now); r1=$(reqs)
  row "basin blob put, data strata $s MiB${PART_MIB:+, parts of $PART_MIB MiB}" $((r1 - r0)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
done
export RESTIC_PASSWORD=bench-password
repo="s3:$S3_ENDPOINT/bench/restic"
restic -q -r "$repo" init >/dev/null
r0=$(reqs); t0=$(now)
restic -q -r "$repo" backup "$work/input" >/dev/null
t1=$(now); r1=$(reqs)
row "restic 0.14 backup (16 MiB packs)" $((r1 - r0)) "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
