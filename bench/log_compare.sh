#!/usr/bin/env bash
# The record log against the machine in one run: dd's sequential write speed (256 MiB,
# conv=fdatasync) next to basin's uncompressed appends of the same size, and compressed
# appends next to the compressor alone on the same bytes; the object-per-block layout (one
# create-only put per 2 MiB block) on the same disk. The disk here is shared and
# noisy, so dd and the appends alternate, three rounds, and medians are reported.
#   bench/log_compare.sh            (BASIN_BENCH_DIR: where the files go, default /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release log_bench >/dev/null
bench=${BASIN_BUILD_ROOT:-.}/build/bench/log_bench
dir=${BASIN_BENCH_DIR:-/tmp}
work=$(mktemp -d "$dir/basin-log-compare.XXXXXX")
trap 'rm -rf "$work" "$dir/basin-log-bench"' EXIT
{ find /usr/include/c++/12 -type f -print0 | sort -z | xargs -0 cat; } 2>/dev/null \
  | head -c 8388608 > "$work/sample" || true
export BASIN_BENCH_SAMPLE=$work/sample BASIN_BENCH_DIR=$dir

dd_speeds=()
for round in 1 2 3; do
  out=$(dd if=/dev/zero of="$work/dd.out" bs=2M count=128 conv=fdatasync 2>&1 | tail -n 1)
  rm -f "$work/dd.out"
  dd_speeds+=("$(awk '{ for (i = 1; i < NF; i++) if ($(i+1) ~ /^s,?$/) t = $i; print 268435456 / t / 1e6 }' <<<"$out")")
  "$bench" --benchmark_filter='BM_Append' --benchmark_format=json >"$work/append$round.json" 2>/dev/null
done
"$bench" --benchmark_filter='Compress|Iterate|Seek' --benchmark_repetitions=3 \
  --benchmark_format=json >"$work/other.json" 2>/dev/null

python3 - "$work" "${dd_speeds[@]}" <<'PY'
import json, statistics, sys
work, dd = sys.argv[1], [float(x) for x in sys.argv[2:]]
runs = {}
for r in (1, 2, 3):
    for b in json.load(open(f"{work}/append{r}.json"))["benchmarks"]:
        runs.setdefault(b["name"].split("/iterations")[0], []).append(b["bytes_per_second"] / 1e6)
other = {}
for b in json.load(open(f"{work}/other.json"))["benchmarks"]:
    if b.get("run_type") == "aggregate" and b["aggregate_name"] == "median":
        other[b["run_name"]] = b
med = lambda xs: statistics.median(xs)
dd_m = med(dd)
print(f"dd 256 MiB conv=fdatasync: {', '.join(f'{x:.0f}' for x in dd)} MB/s; median {dd_m:.0f} MB/s\n")
print("| append, 256 MiB, synced at close | MB/s (median of 3) | vs dd / vs compressor |")
print("|---|---|---|")
comp = {k: other[f"BM_CompressBlocks/{k}"]["bytes_per_second"] / 1e6 for k in ("lz4", "zstd_1")}
for name, xs in runs.items():
    bench, kind, size = name.split("/")[0], name.split("/")[1], int(name.split("/")[2])
    ref = dd_m if kind == "none" else comp[kind]
    what = "dd" if kind == "none" else f"{kind} alone {ref:.0f} MB/s"
    layout = ", object per block" if bench == "BM_AppendPerBlock" else ""
    print(f"| {kind}, {size} B records{layout} | {med(xs):.0f} | {med(xs) / ref:.2f}x {what} |")
it = other["BM_Iterate1KiB"]
print(f"\niterate 1 KiB records (cached 256 MiB log): {it['bytes_per_second'] / 1e9:.2f} GB/s, "
      f"{it['items_per_second'] / 1e6:.2f} M records/s")
s = other["BM_SeekByAddress"]
print(f"seek by address: {s['reads_per_seek']:.2f} reads per seek, {s['KiB_read_per_seek']:.0f} KiB "
      f"per seek, {s['items_per_second']:.0f} seeks/s (no block cache)")
PY
