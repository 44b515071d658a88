#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: set up, build, then back up a real directory
# tree into a local basin, change it, back it up again, and restore both snapshots,
# checking every byte and every piece of metadata against what was backed up.
#
#   scripts/demo.sh [SOURCE_DIR] [BASIN_DIR]
#
# SOURCE_DIR defaults to this repository's sources and docs plus /usr/share/doc (about
# 7,000 files); it is never changed: the demo works on a copy of it. BASIN_DIR (default
# ${TMPDIR:-/tmp}/basin-demo/basin) is created on the first run and reused afterwards, so
# a second run backs up into the basin the first run made (and finds most data there).
# The password is $BASIN_PASSWORD if set, else a random one kept next to the basin
# (BASIN_DIR/../password, mode 0600).
set -euo pipefail
# Under pipefail a reader that stops early (head) kills its writer with SIGPIPE (exit 141), so
# every pipe here is read to its end: sed -n 1p, not head -1.
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release basin >/dev/null
basin=$PWD/build/basin

state=$(realpath -m "${TMPDIR:-/tmp}/basin-demo")
repo=$(realpath -m "${2:-$state/basin}")
work=$state/work
mkdir -p "$state" "$(dirname "$repo")"
export BASIN_REPOSITORY=$repo
if [ -z "${BASIN_PASSWORD:-}" ] && [ -z "${BASIN_PASSWORD_FILE:-}" ]; then
  pwfile=$(dirname "$repo")/password
  if [ ! -s "$pwfile" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 >"$pwfile")
  fi
  export BASIN_PASSWORD_FILE=$pwfile
fi

# A listing of a tree that two equal trees share: type, mode, owner, mtime (ns), link
# target, and for files size and SHA-256; directories' sizes depend on the file system's
# history, so they are left out.
manifest() {
  (cd "$1" && find . -mindepth 1 -printf '%y %m %u:%g %T@ %P -> %l\n' | LC_ALL=C sort &&
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}
same() {  # same TREE MANIFEST WHAT
  if diff <(manifest "$1") "$2" >"$state/manifest.diff"; then
    echo "== OK: $3: every file, link and directory identical in content and metadata"
  else
    echo "== FAILED: $3 differs (first differences below)" >&2
    head -20 "$state/manifest.diff" >&2
    exit 1
  fi
}

echo "== copying the source into $work (the demo changes the copy, never the source)"
rm -rf "$work" "$state/restore-1" "$state/restore-2"
mkdir -p "$work"
if [ -n "${1:-}" ]; then
  cp -a "$(realpath "$1")/." "$work/"
else
  mkdir -p "$work/basin" "$work/doc"
  cp -a src include docs scripts bench fuzz CMakeLists.txt README.md "$work/basin/"
  cp -a /usr/share/doc/. "$work/doc/"
  ln -s basin/README.md "$work/readme-link"
  mkfifo "$work/a-fifo"
  printf 'sparse tail' | dd of="$work/sparse.img" bs=1 seek=$((64 << 20)) conv=notrunc 2>/dev/null
fi
echo "   $(find "$work" | wc -l) entries, $(du -sh --apparent-size "$work" | cut -f1) apparent"

if [ ! -f "$repo/config" ]; then
  echo "== basin init $repo"
  "$basin" init
fi

now_ms() { echo $(($(date +%s%N) / 1000000)); }
seconds() { echo "$(($1 / 1000)).$(($1 % 1000 / 100)) s"; }

echo "== basin backup $work  (first snapshot)"
t0=$(now_ms)
"$basin" backup --tag demo "$work" | tee "$state/backup-1.out"
t1=$(now_ms)
first=$(awk '$1 == "snapshot" && $3 == "saved" {print $2}' "$state/backup-1.out")
manifest "$work" >"$state/manifest-1"

echo "== changing the copy: one file appended to, one removed, one added, a mode changed"
victim=$(find "$work" -type f -size +4k -name '*.gz' | LC_ALL=C sort | sed -n 1p)
[ -n "$victim" ] || victim=$(find "$work" -type f -size +4k | LC_ALL=C sort | sed -n 1p)
echo "appended by the demo" >>"$(find "$work" -type f -name '*.md' | LC_ALL=C sort | sed -n 1p)"
rm -f "$victim"
head -c $((8 << 20)) /dev/urandom >"$work/new-8MiB.bin"
chmod 0600 "$(find "$work" -type f -name '*.txt' | LC_ALL=C sort | tail -1)" 2>/dev/null || true

echo "== basin backup $work  (second snapshot: only what changed is read and stored)"
t2=$(now_ms)
"$basin" backup --tag demo "$work"
t3=$(now_ms)
manifest "$work" >"$state/manifest-2"

echo "== basin snapshots"
"$basin" snapshots
echo "== basin diff $first latest"
"$basin" diff "$first" latest | sed -n 1,12p

echo "== basin restore latest:$work --target $state/restore-2 --verify"
t4=$(now_ms)
"$basin" restore "latest:$work" --target "$state/restore-2" --verify
t5=$(now_ms)
same "$state/restore-2" "$state/manifest-2" "the latest snapshot, restored"

echo "== basin restore $first:$work --target $state/restore-1"
"$basin" restore "$first:$work" --target "$state/restore-1"
same "$state/restore-1" "$state/manifest-1" "the first snapshot, restored"

echo "== basin check --read-data"
"$basin" check --read-data

echo "== basin stats"
"$basin" stats | sed -n 1,12p
echo "== times: first backup $(seconds $((t1 - t0))), second $(seconds $((t3 - t2)))," \
  "restore $(seconds $((t5 - t4))); the basin takes $(du -sh "$repo" | cut -f1) on disk" \
  "for $(du -sh --apparent-size "$work" | cut -f1) of files"
echo "== done: the basin is $repo (BASIN_REPOSITORY=$repo $basin snapshots)"
