#!/usr/bin/env bash
# The global index at 1, 5 and 20 million grains (BENCHMARKS.md, "Index memory and
# lookups"): synthetic basins (bench/index_bench.cc) on a local file store, opened with
# Basin::Open, Has() on 1M random present and 1M random absent ids, resident memory per
# grain; at 20 million, 16 index tables of 1.25 million against the one table that
# compaction makes of them, and RocksDB and LevelDB holding the same ids (index_compare)
# in the same run. Every lookup process starts cold of heap but with the files in the
# page cache (each is read once before).
#   scripts/build.sh release benchmarks && bench/repo_index.sh        (on the project machine: bb run)
set -euo pipefail
cd "$(dirname "$0")/.."
b=${BASIN_BUILD_DIR:-build}/bench
work=${BASIN_BENCH_WORK:-/tmp/basin-bench}/index
lookups=${LOOKUPS:-1000000}
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
warm() { find "$1" -type f -exec cat {} + >/dev/null; }
lookup() {  # dir grains [cache MiB]
  warm "$1"
  "$b/index_bench" lookup "$1" --grains "$2" --lookups "$lookups" ${3:+--cache-mib "$3"}
}
for n in 1000000 5000000; do
  "$b/index_bench" make "$work/b$n" --grains "$n" --tables 1
  lookup "$work/b$n" "$n"
  lookup "$work/b$n" "$n" 8
done
n=20000000
"$b/index_bench" make "$work/b20m" --grains "$n" --tables 16
lookup "$work/b20m" "$n"
lookup "$work/b20m" "$n" 8
"$b/index_bench" compact "$work/b20m"
lookup "$work/b20m" "$n"
lookup "$work/b20m" "$n" 8
for lib in rocksdb leveldb; do
  "$b/index_compare" build "$lib" "$work/$lib" --grains "$n"
  warm "$work/$lib"
  "$b/index_compare" lookup "$lib" "$work/$lib" --grains "$n" --lookups "$lookups"
done
