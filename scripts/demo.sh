#!/usr/bin/env bash
# The main job, on a fresh Debian 12 machine: set up, build, and show basin at work.
# Until the backup commands land this stores a directory tree in a local object store with
# `basin store`, lists it, reads every object back and checks it byte for byte.
#   scripts/demo.sh [SOURCE_DIR] [STORE_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release basin >/dev/null
basin=$PWD/build/basin

src=$(realpath "${1:-$PWD/src}")
store=$(realpath -m "${2:-${TMPDIR:-/tmp}/basin-demo-store}")
restore=$(mktemp -d "${TMPDIR:-/tmp}/basin-demo-restore.XXXXXX")
trap 'rm -rf "$restore"' EXIT
rm -rf "$store"

echo "== storing $src in file://$store"
n=0
bytes=0
while IFS= read -r -d '' f; do
  rel=${f#"$src"/}
  "$basin" store put "file://$store/$rel" "$f"
  n=$((n + 1))
  bytes=$((bytes + $(stat -c %s "$f")))
done < <(find "$src" -type f -print0)
echo "stored $n files, $bytes bytes"

echo "== listing (first 5 of $("$basin" store ls "$store/" | wc -l) objects)"
"$basin" store ls "$store/" | head -5

echo "== reading every object back into $restore"
while IFS=$'\t' read -r size key; do
  rel=${key#"${store#/}"/}
  mkdir -p "$restore/$(dirname "$rel")"
  "$basin" store get "/$key" "$restore/$rel"
done < <("$basin" store ls "$store/")

if diff -r "$src" "$restore" >/dev/null; then
  echo "== OK: all $n files read back identical (diff -r $src $restore)"
else
  echo "== FAILED: the restored tree differs" >&2
  exit 1
fi

log=$store-lines.log
rm -f "$log" "$log.damaged"
echo "== writing every line of those files to a zstd record log, $log"
find "$src" -type f -print0 | sort -z | xargs -0 cat | "$basin" log append "$log" --compression zstd --block-size 65536
"$basin" log inspect "$log" | head -8
"$basin" log verify "$log"
lines=$(find "$src" -type f -print0 | xargs -0 cat | wc -l)
echo "== damaging a copy in the middle, then repairing it (skip-damaged)"
cp "$log" "$log.damaged"
printf '\xff' | dd of="$log.damaged" bs=1 seek=$(( $(stat -c %s "$log") / 3 )) conv=notrunc 2>/dev/null
"$basin" log verify "$log.damaged" || echo "(verify found the damage: exit $?)"
"$basin" log recover "$log.damaged" --mode skip-damaged
kept=$("$basin" log cat "$log.damaged" | wc -l)
echo "== OK: $kept of $lines lines kept; the rest were in the one damaged block"
