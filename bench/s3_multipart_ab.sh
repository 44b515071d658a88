#!/usr/bin/env bash
# A/B of the 256 MiB multipart upload (`basin store put`: 8 MiB parts, 4 in flight) between
# two basin binaries, with curl's single PUT of the same file as the reference, alternating
# OLD, NEW, curl for ROUNDS rounds on one radosgw started for the purpose (docs/BENCHMARKS.md,
# "S3 store"). Prints each round and the median MB/s of each.
#   bench/s3_multipart_ab.sh OLD_BASIN NEW_BASIN [ROUNDS]    (on the project machine: bb run)
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "$1") new=$(realpath "$2") rounds=${3:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/basin-s3ab.XXXXXX")
# shellcheck source=bench/rgw_bench_env.sh
. bench/rgw_bench_env.sh
export AWS_ENDPOINT_URL=$S3_ENDPOINT
head -c 268435456 /dev/urandom >"$work/big"
# Over plain HTTP the body's SHA-256 is signed, as basin signs each part's: curl's time
# includes computing it (openssl), as in bench/s3_compare.sh's "hash included" row.
curl_put() {
  local sha
  sha=$(openssl dgst -sha256 -r "$work/big" | cut -d' ' -f1)
  curl -s -f -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" -H "x-amz-content-sha256: $sha" -T "$work/big" \
    "$S3_ENDPOINT/bench/curl-$1"
}
now() { date +%s.%N; }
timed() {  # timed NAME COMMAND...: appends "NAME MB/s" to $work/rates
  local t0 t1
  t0=$(now); "${@:2}"; t1=$(now)
  awk -v n="$1" -v a="$t0" -v b="$t1" 'BEGIN { printf "%s %.1f\n", n, 268.435456 / (b - a) }' |
    tee -a "$work/rates"
}
for r in $(seq 1 "$rounds"); do
  timed old "$old" store put "s3://bench/old-$r" "$work/big"
  timed new "$new" store put "s3://bench/new-$r" "$work/big"
  timed curl curl_put "$r"
done
echo
echo "| 256 MiB object, median of $rounds alternating rounds | MB/s | to curl |"
echo "|---|---|---|"
for w in old new curl; do
  awk -v w="$w" '$1 == w { print $2 }' "$work/rates" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }' >"$work/median-$w"
done
c=$(cat "$work/median-curl")
for w in old new curl; do
  awk -v w="$w" -v m="$(cat "$work/median-$w")" -v c="$c" 'BEGIN { printf "| %s | %.1f | %.2fx |\n", w, m, m / c }'
done
