# Sourced by the benchmarks that run basin against restic and borg (backup_compare.sh,
# prune_compare.sh): passwords for all three, and `measure`, which times one command.
# Expects $work (a scratch directory) and $dat (the figures file) to be set.
export RESTIC_PASSWORD=bench-password BORG_PASSPHRASE=bench-password
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
echo bench-password >"$work/pw"
export BASIN_PASSWORD_FILE=$work/pw

# One of radosgw's perf counters (req: requests; get_b, put_b: bytes), when $asok names
# its admin socket (bench/rgw_bench_env.sh started it); 0 otherwise.
rgw_counter() {
  if [ -n "${asok:-}" ]; then
    ceph --admin-daemon "$asok" perf dump 2>/dev/null |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["rgw"][sys.argv[1]])' "$1"
  else
    echo 0
  fi
}

# measure WHERE TOOL STAGE CMD...: runs CMD under GNU time and appends to $dat the row
#   where tool stage wall_s cpu_s peak_rss_kib requests bytes_read bytes_written
# (the last three counted by radosgw: 0 on a local disk). borg's exit code 1 (warnings
# only) passes; any other failure ends the benchmark.
measure() {
  local where=$1 tool=$2 stage=$3
  shift 3
  local r0 g0 p0 r1 g1 p1 rc=0
  r0=$(rgw_counter req) g0=$(rgw_counter get_b) p0=$(rgw_counter put_b)
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err" || rc=$?
  r1=$(rgw_counter req) g1=$(rgw_counter get_b) p1=$(rgw_counter put_b)
  if [ $rc -ne 0 ] && ! { [ "$tool" = borg ] && [ $rc -eq 1 ]; }; then
    echo "$tool $stage failed ($rc): $*" >&2
    tail -n 20 "$work/err" >&2
    exit 1
  fi
  local wall user sys rss
  read -r wall user sys rss <"$work/time"
  printf '%s %s %s %s %.2f %s %s %s %s\n' "$where" "$tool" "$stage" "$wall" \
    "$(echo "$user + $sys" | bc)" "$rss" $((r1 - r0)) $((g1 - g0)) $((p1 - p0)) | tee -a "$dat"
}

# What each tool does, the way its documentation recommends (see the scripts' headers), on
# the repositories $repo_basin, $repo_restic, $repo_borg, backing up $corpus with $basin.
init_repo() {
  case $1 in
    basin) "$basin" --repo "$repo_basin" init >/dev/null ;;
    restic) restic -q -r "$repo_restic" init >/dev/null ;;
    borg) borg init --encryption repokey "$repo_borg" >/dev/null ;;
  esac
}
backup() {
  case $1 in
    basin) "$basin" --repo "$repo_basin" -q backup "$corpus" ;;
    restic) restic -q -r "$repo_restic" backup "$corpus" >/dev/null ;;
    borg) borg create "$repo_borg::{now:%Y-%m-%dT%H:%M:%S.%f}" "$corpus" ;;
  esac
}
restore_into() {  # tool target: the latest snapshot
  case $1 in
    basin) "$basin" --repo "$repo_basin" -q restore latest --target "$2" ;;
    restic) restic -q -r "$repo_restic" restore latest --target "$2" >/dev/null ;;
    borg) (cd "$2" && borg extract "$repo_borg::$(borg list --short --last 1 "$repo_borg")") ;;
  esac
}
check_data() {
  case $1 in
    basin) "$basin" --repo "$repo_basin" -q check --read-data ;;
    restic) restic -q -r "$repo_restic" check --read-data ;;
    borg) borg check --verify-data "$repo_borg" ;;
  esac
}
export -f init_repo backup restore_into check_data
