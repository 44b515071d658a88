#!/usr/bin/env bash
# The S3 store against curl in one run, on Ceph's radosgw started on 127.0.0.1 for the
# purpose: PUT and GET of 4 MiB objects at 1, 4 and 16 requests in flight (curl: that
# many processes), a 256 MiB object (basin: multipart, 8 and 32 MiB parts, 4 in flight;
# curl: one PUT), listing 10,000 keys, and basin's CPU seconds per GB moved.
#   bench/s3_compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh release basin >/dev/null
basin=$PWD/${BASIN_BUILD_ROOT:-.}/build/basin
work=$(mktemp -d "${TMPDIR:-/tmp}/basin-s3-bench.XXXXXX")
port=$((20000 + RANDOM % 20000))
MON_PORT=$((port + 1)) scripts/s3-server-start.sh "$work/rgw" "$port" bluestore >/dev/null
trap 'scripts/s3-server-stop.sh "$work/rgw" >/dev/null 2>&1; rm -rf "$work"' EXIT
# shellcheck disable=SC1091
. "$work/rgw/env.sh"
export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_ENDPOINT_URL=$S3_ENDPOINT
E0=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
sig=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY")
curl -s -o /dev/null "${sig[@]}" -X PUT -H "x-amz-content-sha256: $E0" "$S3_ENDPOINT/bench"
head -c 4194304 /dev/urandom > "$work/obj"
head -c 268435456 /dev/urandom > "$work/big"
SHA=$(sha256sum "$work/obj" | cut -d' ' -f1)
export S3_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY SHA E0 work
cput() { curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" -H "x-amz-content-sha256: $SHA" -T "$work/obj" "$S3_ENDPOINT/bench/curl/$1"; }
cget() { curl -s -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" -H "x-amz-content-sha256: $E0" "$S3_ENDPOINT/bench/curl/$1"; }
export -f cput cget
now() { date +%s.%N; }
mbs() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", n * 4.194304 / (b - a) }'; }

n=48
echo "| 4 MiB objects, $n of them | basin PUT MB/s | curl PUT MB/s | basin GET MB/s | curl GET MB/s |"
echo "|---|---|---|---|---|"
for p in 1 4 16; do
  out=$("$basin" store bench "s3://bench/basin$p" --count "$n" --parallel "$p")
  bput=$(awk '/^put/ { print $7 }' <<<"$out")
  bget=$(awk '/^get/ { print $7 }' <<<"$out")
  t0=$(now); seq 1 "$n" | xargs -P "$p" -I{} bash -c "cput $p-{}"
  t1=$(now); seq 1 "$n" | xargs -P "$p" -I{} bash -c "cget $p-{}"
  t2=$(now)
  echo "| $p in flight | $bput | $(mbs "$n" "$t0" "$t1") | $bget | $(mbs "$n" "$t1" "$t2") |"
done

echo
cpu=$( { /usr/bin/time -f "%U %S" "$basin" store bench "s3://bench/cpu" --count "$n" --parallel 4 >/dev/null; } 2>&1 | tail -n 1)
awk -v c="$cpu" -v n="$n" 'BEGIN { split(c, x, " "); printf "basin CPU: %.2f s for %.0f MB moved (put + get): %.2f CPU s per GB\n", x[1] + x[2], 2 * n * 4.194304, (x[1] + x[2]) / (2 * n * 4.194304 / 1000) }'

# The 256 MiB object. Over plain HTTP every body's SHA-256 is signed, so curl needs the
# file's hash before it sends a byte: timed both without and with computing it.
t0=$(now); "$basin" store put "s3://bench/big-basin" "$work/big"; t1=$(now)
"$basin" store put "s3://bench/big-basin32?part_mib=32" "$work/big"; t2=$(now)
BSHA=$(openssl dgst -sha256 -r "$work/big" | cut -d' ' -f1); t3=$(now)
curl -s -o /dev/null "${sig[@]}" -H "x-amz-content-sha256: $BSHA" -T "$work/big" "$S3_ENDPOINT/bench/big-curl"; t4=$(now)
echo
echo "| 256 MiB object | MB/s |"
echo "|---|---|"
awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t4" 'BEGIN {
  m = 268.435456
  printf "| basin, multipart: 8 MiB parts, 4 in flight | %.1f |\n", m / (b - a)
  printf "| basin, multipart: 32 MiB parts, 4 in flight | %.1f |\n", m / (c - b)
  printf "| curl, one PUT, its hash computed beforehand | %.1f |\n", m / (e - d)
  printf "| curl, one PUT, the hash included (openssl dgst -sha256) | %.1f |\n", m / (e - c)
}'
echo

out=$("$basin" store bench "s3://bench/list" --count 10000 --size 0 --parallel 16 --keep 2>&1) || true
out=$(grep -E '^(list|basin:)' <<<"$out" || true)
t0=$(now); token=""; keys=0; pages=0
while :; do
  q="list-type=2&prefix=list%2F"
  if [ -n "$token" ]; then
    q="continuation-token=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$token")&$q"
  fi
  body=$(curl -s "${sig[@]}" -H "x-amz-content-sha256: $E0" "$S3_ENDPOINT/bench?$q")
  found=$(grep -o '<Key>' <<<"$body" | wc -l || true)
  keys=$((keys + found))
  pages=$((pages + 1))
  token=$(grep -o '<NextContinuationToken>[^<]*' <<<"$body" | sed 's/.*>//' || true)
  [ -z "$token" ] && break
done
t1=$(now)
echo "list 10,000 keys: basin: $out; curl: $keys keys in $pages requests, $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
