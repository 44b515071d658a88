#!/usr/bin/env bash
# Runs basin's utility benchmarks and, in the same run on the same bytes, the libraries'
# own command-line tools (b3sum, xxhsum, zstd -b, lz4 -b), so that the cost of basin's
# wrappers can be read off side by side. Output: a markdown report on stdout.
#   bench/compare_tools.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release util_bench >/dev/null
bench=${BASIN_BUILD_ROOT:-.}/build/bench/util_bench
work=$(mktemp -d "${TMPDIR:-/tmp}/basin-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Real text: the C++ standard library's headers, 8 MiB of them.
{ find /usr/include/c++/12 -type f -print0 | sort -z | xargs -0 cat; } 2>/dev/null \
  | head -c 8388608 > "$work/sample" || true
[ "$(stat -c %s "$work/sample")" -eq 8388608 ] || { echo "could not make the sample" >&2; exit 1; }
head -c 268435456 /dev/urandom > "$work/random256M"
export BASIN_BENCH_SAMPLE=$work/sample

echo "## basin util_bench"
echo '```'
"$bench" --benchmark_min_time=0.3 2>/dev/null | grep -E "^(BM_|Compress|Decompress)" \
  | awk '{printf "%-32s %s %s\n", $1, $(NF-1), $NF}'
echo '```'

echo "## b3sum (1 thread, 256 MiB random file in page cache)"
cat "$work/random256M" >/dev/null
t0=$(date +%s.%N); b3sum --num-threads 1 --no-names "$work/random256M" >/dev/null; t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "b3sum: %.2f GiB/s\n", 0.25 / (b - a) }'

echo "## xxhsum -b (its own benchmark, 100 KB input)"
echo '```'
xxhsum -b1,3,5 2>&1 | tr '\r' '\n' | grep -oE "[0-9]+#XXH[0-9a-zA-Z_]+ *: *[0-9]+ -> *[0-9]+ it/s \( *[0-9.]+ MB/s\)"
echo '```'

echo "## zstd -b and lz4 -b on the same 8 MiB sample (compress, decompress)"
echo '```'
last_result() { tr '\r' '\n' | grep -E "MB/s.*MB/s" | tail -n 1 | sed -E 's/^ *[^:]*: *//'; }
for bs in 4096 1048576; do
  for level in 1 3; do
    echo "zstd -b$level -B$bs: $(zstd -b"$level" -B"$bs" "$work/sample" 2>&1 | last_result)"
  done
done
echo "lz4 -b1 (whole file): $(lz4 -b1 "$work/sample" 2>&1 | last_result)"
echo '```'
