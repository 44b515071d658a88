#!/usr/bin/env bash
# Restore from radosgw with two basin binaries, alternating (A/B): the same basin of a
# corpus, each restore into tmpfs with a fresh local cache; time, and requests and bytes as
# radosgw counts them (its admin socket). For changes to the read path.
#   OLD=/path/to/old/basin bench/restore_s3_ab.sh     (NEW: this tree's build/basin;
#   CORPUS: a directory, default the one bench/backup_compare.sh leaves in /var/tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=${OLD:?give OLD=/path/to/the/other/basin}
NEW=${NEW:-$PWD/build/basin}
corpus=${CORPUS:-/var/tmp/basin-backup-bench/corpus}
work=${BASIN_BENCH_WORK:-/tmp/basin-bench}/restore-ab
shm=/dev/shm/basin-restore-ab
rm -rf "$work" "$shm"
mkdir -p "$work"
# shellcheck source=bench/rgw_bench_env.sh
. bench/rgw_bench_env.sh
# shellcheck source=bench/peers.sh
. bench/peers.sh
asok=$work/rgw/run/client.rgw.a.asok
export BASIN_PASSWORD=bench-password
repo="s3://bench/r?endpoint=$S3_ENDPOINT&region=us-east-1&style=path"
"$NEW" --repo "$repo" init >/dev/null
"$NEW" --repo "$repo" -q backup "$corpus"
for round in 1 2; do
  for b in OLD NEW; do
    rm -rf "$shm" "$work/cache"
    r0=$(rgw_counter req) g0=$(rgw_counter get_b)
    s=$(date +%s.%N)
    XDG_CACHE_HOME=$work/cache "${!b}" --repo "$repo" -q restore latest --target "$shm"
    e=$(date +%s.%N)
    r1=$(rgw_counter req) g1=$(rgw_counter get_b)
    echo "round $round $b: $(echo "$e - $s" | bc) s, $((r1 - r0)) requests," \
      "$(((g1 - g0) / 1048576)) MiB received (radosgw)"
  done
done
rm -rf "$shm"
