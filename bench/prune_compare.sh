#!/usr/bin/env bash
# Prune against restic's prune and borg's compact, in one run, on the same snapshot history
# (issue: resume, forget and prune). A corpus of this machine's files (/usr/include,
# /usr/share/doc, /usr/lib/python3: about 300 MB) is backed up 10 times; between backups
# 10% of the files get 1 KiB appended, 2% are deleted and 16 MiB of new files are added.
# Then each tool forgets all but the last 3 snapshots and frees the space:
#   basin forget --keep-last 3, then basin prune           (defaults: --max-unused 5%)
#   restic forget --keep-last 3, then restic prune         (defaults: --max-unused 5%)
#   borg prune --keep-last 3, then borg compact            (defaults: --threshold 10)
# Timed is the freeing step (prune, compact); figures: wall, CPU, peak RSS, repository size
# before and after; on radosgw (basin and restic; borg has no S3 backend) requests and
# bytes read and written, counted by radosgw.
#   bench/prune_compare.sh          (on the project machine: bb run bench/prune_compare.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
BASIN_SETUP_BENCH=1 scripts/setup.sh
scripts/build.sh release basin >/dev/null
basin=$PWD/${BASIN_BUILD_ROOT:-.}/build/basin
work=${BASIN_BENCH_WORK:-/var/tmp/basin-prune-bench}
rm -rf "$work"
mkdir -p "$work"
dat=$work/results.dat
: >"$dat"
# shellcheck source=bench/peers.sh
. bench/peers.sh
corpus=$work/corpus
snapshots=${SNAPSHOTS:-10}

make_corpus() {
  rm -rf "$corpus"
  mkdir -p "$corpus"
  cp -a /usr/include /usr/share/doc /usr/lib/python3 "$corpus/"
}
# Version $1 of the corpus: deterministic changes (every tool backs up the same history).
evolve() {
  local v=$1
  find "$corpus" -type f | sort >"$work/list"
  awk -v v="$v" 'NR % 10 == v % 10' "$work/list" |
    while IFS= read -r f; do head -c 1024 /dev/urandom >>"$f"; done
  awk -v v="$v" 'NR % 50 == (v * 7) % 50' "$work/list" | xargs -d '\n' rm -f
  mkdir -p "$corpus/new$v"
  for i in 1 2 3 4; do head -c $((4 << 20)) /dev/urandom >"$corpus/new$v/f$i"; done
}

history() {  # where tools...: the same history into each tool's repository
  local where=$1
  shift
  for t in "$@"; do init_repo "$t"; done
  make_corpus
  for v in $(seq 1 "$snapshots"); do
    evolve "$v"
    for t in "$@"; do backup "$t" >/dev/null; done
  done
  for t in "$@"; do
    [ "$where" = local ] && echo "$where $t size-before $(du -sb "$work/repo-$t" | cut -f1)" | tee -a "$dat"
    case $t in
      basin)
        "$basin" --repo "$repo_basin" -q forget --keep-last 3
        measure "$where" basin prune "$basin" --repo "$repo_basin" -q prune ;;
      restic)
        restic -q -r "$repo_restic" forget --keep-last 3 >/dev/null
        measure "$where" restic prune restic -q -r "$repo_restic" prune ;;
      borg)
        borg prune --keep-last 3 "$repo_borg"
        measure "$where" borg compact borg compact "$repo_borg" ;;
    esac
    [ "$where" = local ] && echo "$where $t size-after $(du -sb "$work/repo-$t" | cut -f1)" | tee -a "$dat"
  done
  for t in "$@"; do check_data "$t" >/dev/null; done
}

repo_basin=$work/repo-basin repo_restic=$work/repo-restic repo_borg=$work/repo-borg
history local basin restic borg
rm -rf "$work"/repo-*

# shellcheck source=bench/rgw_bench_env.sh
. bench/rgw_bench_env.sh
trap 'scripts/s3-server-stop.sh "$work/rgw" >/dev/null 2>&1' EXIT
asok=$work/rgw/run/client.rgw.a.asok
repo_basin="s3://bench/basin?endpoint=$S3_ENDPOINT&region=us-east-1&style=path"
repo_restic="s3:$S3_ENDPOINT/bench/restic"
history s3 basin restic
rm -rf "$corpus"

python3 - "$dat" <<'PY'
import sys
runs, sizes = {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 4:
        sizes[(f[0], f[1], f[2])] = int(f[3])
    else:
        runs[(f[0], f[1])] = [float(x) for x in f[3:]]
mib = 2**20
print("| where | tool | wall s | CPU s | peak RSS MiB | requests | MiB read | MiB written | size before → after MiB |")
print("|---|---|---|---|---|---|---|---|---|")
for (where, tool), (wall, cpu, rss, req, rd, wr) in runs.items():
    size = ""
    if (where, tool, "size-before") in sizes:
        size = f"{sizes[(where, tool, 'size-before')] / mib:.0f} → {sizes[(where, tool, 'size-after')] / mib:.0f}"
    s3 = where == "s3"
    print(f"| {where} | {tool} | {wall:.1f} | {cpu:.1f} | {rss / 1024:.0f} | "
          f"{int(req) if s3 else '-'} | {rd / mib if s3 else 0:.1f} | {wr / mib if s3 else 0:.1f} | {size} |")
for where in ("local", "s3"):
    b, r = runs.get((where, "basin")), runs.get((where, "restic"))
    if b and r:
        line = f"{where}: basin / restic: time {b[0] / r[0]:.2f}x, RSS {b[2] / r[2]:.2f}x"
        if where == "s3":
            line += (f", requests {b[3] / r[3]:.2f}x, bytes read {b[4] / max(r[4], 1):.2f}x, "
                     f"written {b[5] / max(r[5], 1):.2f}x")
        print(line)
PY
