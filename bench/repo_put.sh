#!/usr/bin/env bash
# Blob put of a 2 GB directory's files against the machine's ceiling (BENCHMARKS.md, "Blob
# put"): each stage alone on both cores (reading the files; FastCDC, keyed BLAKE3, zstd -3,
# XChaCha20-Poly1305 over the same bytes in memory), then BasinWriter::PutBlob of every
# file from 2 threads into a new basin on a local file store, the same put again
# (everything deduplicated), and a profile of a third put into a fresh basin.
#   scripts/build.sh release benchmarks && bench/repo_put.sh      (on the project machine: bb run)
set -euo pipefail
cd "$(dirname "$0")/.."
b=${BASIN_BUILD_DIR:-build}/bench
work=${BASIN_BENCH_WORK:-/tmp/basin-bench}/put
rm -rf "$work"
mkdir -p "$work"
# The directory: the first regular files of /usr/lib, in name order, adding up to 2 GB.
find /usr/lib -type f -printf '%s %p\n' | sort -k2 |
  awk '{ if (s < 2e9) print substr($0, index($0, " ") + 1); s += $1 }' >"$work/files"
awk 'END { print NR " files" }' "$work/files"
xargs -d '\n' cat <"$work/files" | head -c 268435456 >"$work/sample" || true
xargs -d '\n' cat <"$work/files" >/dev/null  # in the page cache, as for every later read

echo "== stages alone"
"$b/repo_tool" read-files "$work/files" --threads 1
"$b/repo_tool" read-files "$work/files" --threads 2
BASIN_BENCH_DATA=$work/sample "$b/repo_bench" \
  --benchmark_filter='BM_(Chunk/minK:256/avgK:512/maxK:2048|GrainId|Zstd3|SealXChaCha|EncodeGrain)/'
dd if="$work/sample" of="$work/dd.out" bs=1M conv=fdatasync 2>&1 | tail -n 1
rm -f "$work/dd.out"

echo "== blob put, 2 threads: first, then the same data again"
"$b/repo_tool" init "$work/basin" >/dev/null
/usr/bin/time -f '%e s elapsed, %U s user, %S s system, %M KiB max RSS' \
  "$b/repo_tool" put-files "$work/basin" "$work/files" --threads 2
/usr/bin/time -f '%e s elapsed, %U s user, %S s system, %M KiB max RSS' \
  "$b/repo_tool" put-files "$work/basin" "$work/files" --threads 2

echo "== profile of a first put (perf, 499 Hz, call graphs)"
"$b/repo_tool" init "$work/basin2" >/dev/null
perf record -F 499 -g -o "$work/perf.data" \
  "$b/repo_tool" put-files "$work/basin2" "$work/files" --threads 2 >/dev/null 2>&1
perf report -i "$work/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null |
  grep -E '^ +[0-9]' | head -n 30
rm -rf "$work/basin" "$work/basin2" "$work/perf.data"
