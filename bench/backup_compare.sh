#!/usr/bin/env bash
# basin against restic 0.14 and borgbackup 1.2 (Debian's packages), in one run, on a corpus
# built from this machine's files (/usr/share and /usr/lib/x86_64-linux-gnu: about 2.2 GB,
# 67,000 files): first backup, unchanged re-backup, re-backup after 5% of the files changed,
# restore into tmpfs (against `cp -a` of the same tree), `check --read-data`; wall time,
# CPU seconds, peak RSS, repository size. Then basin and restic again with the repository
# on Ceph's radosgw (started on 127.0.0.1 by the script; borg has no S3 backend), with the
# requests radosgw counted. Writes a Markdown table, the raw figures and a chart (gnuplot).
#
# Each peer is configured as its documentation recommends for this workload: restic with
# its defaults (repository v2: zstd auto, 16 MiB packs, its local cache); borg with
# `init --encryption repokey` (AES-NI and SHA-NI are present here: the docs' choice; blake2
# variants are for CPUs without them) and its default lz4 compression; basin with its
# defaults (encrypted, zstd level 3). Every tool reads the corpus from the page cache
# (warmed before each stage), and every tool writes its repository to the same disk.
#   bench/backup_compare.sh                  (on the project machine: bb run bench/backup_compare.sh)
#   CORPUS="/usr/share/doc" bench/backup_compare.sh     (a smaller corpus, to try the script)
#   CHART=FILE: where the chart goes (default docs/img/backup_compare.svg); figures: $work/results.dat
set -euo pipefail
cd "$(dirname "$0")/.."
BASIN_SETUP_BENCH=1 scripts/setup.sh
scripts/build.sh release basin >/dev/null
basin=$PWD/${BASIN_BUILD_ROOT:-.}/build/basin
work=${BASIN_BENCH_WORK:-/var/tmp/basin-backup-bench}
shm=/dev/shm/basin-backup-bench
chart=${CHART:-$PWD/docs/img/backup_compare.svg}
rm -rf "$work" "$shm"
mkdir -p "$work" "$shm"
trap 'rm -rf "$shm"' EXIT
dat=$work/results.dat
: >"$dat"

# The corpus.
corpus=$work/corpus
mkdir -p "$corpus"
# shellcheck disable=SC2086
cp -a ${CORPUS:-/usr/share /usr/lib/x86_64-linux-gnu} "$corpus/"
files=$(find "$corpus" -type f | wc -l)
bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f\n", s }')
echo "corpus: $files files, $bytes bytes (${CORPUS:-/usr/share /usr/lib/x86_64-linux-gnu})"
warm() { find "$corpus" -type f -print0 | xargs -0 cat >/dev/null 2>&1 || true; }
# Changes 5% of the files: every 20th regular file in name order, starting at $1, gets 100
# random bytes appended (size, mtime and ctime change, as an edit would).
change5() {
  find "$corpus" -type f | sort | awk -v o="$1" 'NR % 20 == o' |
    while IFS= read -r f; do head -c 100 /dev/urandom >>"$f"; done
}

# shellcheck source=bench/peers.sh
. bench/peers.sh
export basin corpus
size() { du -sb "$1" | cut -f1; }
run_all() {  # where tools...
  local where=$1
  shift
  for t in "$@"; do init_repo "$t"; done
  for stage in first unchanged changed; do
    [ $stage = changed ] && change5 "$change_offset"
    for t in "$@"; do
      warm
      measure "$where" "$t" "backup-$stage" bash -c "backup $t"
      [ "$where" = local ] && echo "$where $t size-$stage $(size "$work/repo-$t")" | tee -a "$dat"
    done
  done
  for t in "$@"; do
    rm -rf "${shm:?}/r"
    mkdir -p "$shm/r"
    measure "$where" "$t" restore bash -c "restore_into $t $shm/r"
  done
  rm -rf "${shm:?}/r"
  for t in "$@"; do measure "$where" "$t" check-read-data bash -c "check_data $t"; done
}

export repo_basin=$work/repo-basin repo_restic=$work/repo-restic repo_borg=$work/repo-borg
change_offset=0
run_all local basin restic borg
# The reference for restore: cp -a of the same tree into tmpfs.
warm
measure local cp restore cp -a "$corpus" "$shm/cp"
rm -rf "${shm:?}/cp"

# On radosgw: basin and restic.
# shellcheck source=bench/rgw_bench_env.sh
. bench/rgw_bench_env.sh
trap 'scripts/s3-server-stop.sh "$work/rgw" >/dev/null 2>&1; rm -rf "$shm"' EXIT
asok=$work/rgw/run/client.rgw.a.asok
export repo_basin="s3://bench/basin?endpoint=$S3_ENDPOINT&region=us-east-1&style=path"
export repo_restic="s3:$S3_ENDPOINT/bench/restic"
change_offset=10
run_all s3 basin restic

mkdir -p "$(dirname "$chart")"
python3 bench/backup_report.py "$dat" "$files" "$bytes" "$chart"
rm -rf "$corpus" "$work"/repo-*
