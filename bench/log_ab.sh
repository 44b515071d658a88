#!/usr/bin/env bash
# Two builds of log_bench against each other in one run: the append benchmarks (both
# layouts) of BEFORE and AFTER alternate, three rounds, on the same sample and disk, and
# the medians are compared. For measuring a change to the log writer on a noisy machine.
#   bench/log_ab.sh BEFORE/bench/log_bench AFTER/bench/log_bench
# (BASIN_BENCH_DIR: where the files go, default /tmp). Build BEFORE from a commit with
#   git archive REV | tar -x -C DIR && (cd DIR && git init -q && bb build log_bench)
set -euo pipefail
before=${1:?usage: bench/log_ab.sh BEFORE_LOG_BENCH AFTER_LOG_BENCH}
after=${2:?usage: bench/log_ab.sh BEFORE_LOG_BENCH AFTER_LOG_BENCH}
dir=${BASIN_BENCH_DIR:-/tmp}
work=$(mktemp -d "$dir/basin-log-ab.XXXXXX")
trap 'rm -rf "$work" "$dir/basin-log-bench"' EXIT
{ find /usr/include/c++/12 -type f -print0 | sort -z | xargs -0 cat; } 2>/dev/null \
  | head -c 8388608 > "$work/sample" || true
export BASIN_BENCH_SAMPLE=$work/sample BASIN_BENCH_DIR=$dir
for round in 1 2 3; do
  "$before" --benchmark_filter='BM_Append' --benchmark_format=json >"$work/before$round.json" 2>/dev/null
  "$after" --benchmark_filter='BM_Append' --benchmark_format=json >"$work/after$round.json" 2>/dev/null
done
python3 - "$work" <<'PY'
import json, statistics, sys
work = sys.argv[1]
runs = {}
for kind in ("before", "after"):
    for r in (1, 2, 3):
        for b in json.load(open(f"{work}/{kind}{r}.json"))["benchmarks"]:
            name = b["name"].split("/iterations")[0]
            runs.setdefault(name, {}).setdefault(kind, []).append(b["bytes_per_second"] / 1e6)
print("| append, 256 MiB | before MB/s (3 rounds) | after MB/s (3 rounds) | after / before (medians) |")
print("|---|---|---|---|")
for name, d in runs.items():
    b, a = d["before"], d["after"]
    print(f"| {name} | {', '.join(f'{x:.0f}' for x in b)} | {', '.join(f'{x:.0f}' for x in a)} "
          f"| {statistics.median(a) / statistics.median(b):.2f}x |")
PY
