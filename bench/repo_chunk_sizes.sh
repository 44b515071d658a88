#!/usr/bin/env bash
# Dedup ratio against chunk size on versioned data (BENCHMARKS.md, "Chunk size"): five
# versions of a tar of /usr/share/doc and /usr/share/man with files edited, added and
# removed at random places, and five versions of a 512 MiB file edited in place
# (bench/make_versions.py), cut with each candidate (min:avg:max KiB) by repo::Chunker;
# then the chunker's throughput alone (Google Benchmark, 1 and 2 threads).
#   scripts/build.sh release benchmarks && bench/repo_chunk_sizes.sh   (on the project machine: bb run)
set -euo pipefail
cd "$(dirname "$0")/.."
b=${BASIN_BUILD_DIR:-build}/bench
work=${BASIN_BENCH_WORK:-/tmp/basin-bench}/versions
[ -f "$work/img.v4" ] || bench/make_versions.py "$work"
params=${CHUNK_PARAMS:-64:256:1024,128:512:2048,256:512:2048,256:512:4096,256:1024:4096,512:1024:8192,512:2048:8192,2048:4096:8192}
echo "== tar of /usr/share/doc and /usr/share/man, 5 versions"
"$b/chunk_sweep" --params "$params" "$work"/tar.v{0..4}
echo "== 512 MiB file edited in place, 5 versions"
"$b/chunk_sweep" --params "$params" "$work"/img.v{0..4}
echo "== chunker throughput"
"$b/repo_bench" --benchmark_filter='BM_Chunk'
