#!/usr/bin/env bash
# Resume after a kill (issue: resume, forget and prune; docs/format/maintenance.md, W2): a
# backup of 2 GiB of incompressible files is killed with SIGKILL once about half of it is
# on the store, then run again. Figures, on a local file store and on Ceph's radosgw
# (started on 127.0.0.1 by the script):
#   A  bytes of strata and tails on the store when the first run was killed
#   B  bytes the second run put (every PUT and multipart part, from its --json summary)
#   T  bytes of strata and tails on the store afterwards, once prune has removed what no
#      snapshot references (what one uninterrupted backup leaves)
#   A + B - T  bytes uploaded twice: of what the first run had put, what the second put
#      again. The promise: at most one data stratum (64 MiB).
#   bench/resume_kill.sh            (on the project machine: bb run bench/resume_kill.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release basin >/dev/null
basin=$PWD/${BASIN_BUILD_ROOT:-.}/build/basin
work=${BASIN_BENCH_WORK:-/var/tmp/basin-resume-bench}
rm -rf "$work"
mkdir -p "$work/input"
gib=${GIB:-2}
for i in $(seq 1 $((gib * 16))); do head -c $((64 << 20)) /dev/urandom >"$work/input/f$i"; done
echo bench-password >"$work/pw"
export BASIN_PASSWORD_FILE=$work/pw
half=$((gib << 29))

# Bytes of the strata and tails under a basin's URL (objects only: no temporary files).
stored() {
  "$basin" store ls "$1" | awk '$2 ~ /(^|\/)(strata|tails)\// { s += $1 } END { print s + 0 }'
}
run() {  # name url ls-url
  local name=$1 url=$2 ls=$3
  "$basin" --repo "$url" init >/dev/null
  "$basin" --repo "$url" -q backup "$work/input" &
  local pid=$! a=0
  while kill -0 $pid 2>/dev/null; do
    a=$(stored "$ls")
    [ "$a" -ge "$half" ] && break
    sleep 0.2
  done
  kill -9 $pid 2>/dev/null || { echo "$name: the backup ended before it was killed" >&2; exit 1; }
  wait $pid 2>/dev/null || true
  a=$(stored "$ls")
  local t0 t1
  t0=$(date +%s.%N)
  "$basin" --repo "$url" --json backup "$work/input" | tail -n 1 >"$work/summary.json"
  t1=$(date +%s.%N)
  local b adopted
  b=$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
print(sum(op.get("bytes_sent", 0) for st in s["requests"].values() for op in st.values()))' \
    "$work/summary.json")
  adopted=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["strata_adopted"])' \
    "$work/summary.json")
  "$basin" --repo "$url" -q prune --abandoned-after 0s >/dev/null
  local t
  t=$(stored "$ls")
  "$basin" --repo "$url" -q check >/dev/null
  awk -v n="$name" -v a="$a" -v b="$b" -v t="$t" -v ad="$adopted" -v s="$t0" -v e="$t1" 'BEGIN {
    m = 1048576
    printf "| %s | %.0f MiB | %d | %.0f MiB in %.1f s | %.0f MiB | **%.1f MiB** |\n",
      n, a / m, ad, b / m, e - s, t / m, (a + b - t) / m }'
}

echo "| store | A: on the store at the kill | strata adopted | B: put by the rerun | T: after prune | A + B - T: uploaded twice |"
echo "|---|---|---|---|---|---|"
run "file" "$work/repo" "$work/repo/"
# shellcheck source=bench/rgw_bench_env.sh
. bench/rgw_bench_env.sh
trap 'scripts/s3-server-stop.sh "$work/rgw" >/dev/null 2>&1; rm -rf "$work"' EXIT
s3="s3://bench/resume?endpoint=$S3_ENDPOINT&region=us-east-1&style=path"
run "radosgw" "$s3" "$s3"
