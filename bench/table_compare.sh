#!/usr/bin/env bash
# The sorted table against RocksDB and LevelDB (Debian's packages) in one run:
# 5 million entries of 16-byte keys and 100-byte values, no compression and zstd, 4 KiB
# blocks, then basin alone at 4, 8 and 16 KiB blocks (the default's measurement).
#   bench/table_compare.sh        (BASIN_BENCH_DIR: where the tables go, default /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
BASIN_SETUP_BENCH=1 scripts/setup.sh
scripts/build.sh release >/dev/null   # configure again if the peers were just installed
if [ ! -x "${BASIN_BUILD_ROOT:-.}/build/bench/table_compare" ]; then
  cmake -S . -B "${BASIN_BUILD_ROOT:-.}/build" >/dev/null
  scripts/build.sh release table_compare >/dev/null
fi
bin=${BASIN_BUILD_ROOT:-.}/build/bench/table_compare
dir=${BASIN_BENCH_DIR:-/tmp}/basin-table-compare
"$bin" --dir "$dir"
echo "### basin's block size (2,000,000 entries)"
echo
echo "| block size | build MB/s | present lookups/s | absent lookups/s | scan MB/s | file MiB | index+filter bytes/key |"
echo "|---|---|---|---|---|---|---|"
for bs in 4096 8192 16384; do
  "$bin" --dir "$dir" --entries 2000000 --lookups 300000 --basin-only 1 --block-size "$bs" \
    | grep -E '^\| basin' | sed "s/^| basin/| $bs, basin/"
done
