#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for SECONDS (default 30).
# .ci/run gives each 15 seconds.
# Corpora persist in fuzz/corpus-work/ (not committed) so later runs start where these ended.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
scripts/setup.sh
scripts/build.sh fuzz fuzz_targets >/dev/null
dir=${BASIN_BUILD_ROOT:-.}/build-fuzz
for f in "$dir"/fuzz/*_fuzz; do
  name=$(basename "$f")
  corpus=fuzz/corpus-work/$name
  mkdir -p "$corpus"
  case "$name" in
    log_*) "$dir"/fuzz/make_log_seeds "$corpus" ;;
    table_*) "$dir"/fuzz/make_table_seeds "$corpus" ;;
    snapshot_*) kind=${name#snapshot_}; "$dir"/fuzz/make_snapshot_seeds "$corpus" "${kind%_fuzz}" ;;
    repo_*) kind=${name#repo_}; "$dir"/fuzz/make_repo_seeds "$corpus" "${kind%_fuzz}" ;;
  esac
  echo "== $name for ${seconds}s"
  log=$(mktemp)
  if ! "$f" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz target $name failed" >&2
    exit 1
  fi
  grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$log" || true
  rm -f "$log"
done
