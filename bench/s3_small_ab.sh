#!/usr/bin/env bash
# Per-request latency of small objects (100 bytes, one request in flight) between two basin
# binaries, over plain HTTP and HTTPS, with curl's GETs of the same size on one connection as
# the reference, alternating OLD, NEW for ROUNDS rounds on one radosgw started for the purpose
# (docs/BENCHMARKS.md, "Small requests"). Prints the median milliseconds per PUT and GET.
#   bench/s3_small_ab.sh OLD_BASIN NEW_BASIN [ROUNDS] [COUNT]   (on the project machine: bb run)
set -euo pipefail
cd "$(dirname "$0")/.."
old=$(realpath "$1") new=$(realpath "$2") rounds=${3:-3} count=${4:-200}
work=$(mktemp -d "${TMPDIR:-/tmp}/basin-s3small.XXXXXX")
# shellcheck source=bench/rgw_bench_env.sh disable=SC1091
. bench/rgw_bench_env.sh
declare -A url=([http]="s3://bench/b?endpoint=$S3_ENDPOINT&style=path"
  [https]="s3://bench/b?endpoint=$S3_HTTPS_ENDPOINT&style=path&ca_file=$S3_CA_FILE")
run() {  # run NAME BINARY TRANSPORT: appends "NAME-TRANSPORT-put|get MS" to $work/ms
  "$2" store bench --size 100 --count "$count" --parallel 1 "${url[$3]}" |
    awk -v n="$1-$3" '$1 == "put" || $1 == "get" { printf "%s-%s %.2f\n", n, $1, $5 * 1000 / $2 }' |
    tee -a "$work/ms"
}
# curl: COUNT GETs of one 100-byte object, all on one connection (one curl process).
head -c 100 /dev/urandom >"$work/obj"
auth=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY")
curl -s -f -o /dev/null "${auth[@]}" -T "$work/obj" \
  -H "x-amz-content-sha256: $(sha256sum "$work/obj" | cut -d' ' -f1)" "$S3_ENDPOINT/bench/obj"
curl_gets() {  # curl_gets TRANSPORT
  local ep=$S3_ENDPOINT
  [ "$1" = https ] && ep=$S3_HTTPS_ENDPOINT
  local gets=()
  for _ in $(seq 1 "$count"); do gets+=(-o /dev/null "$ep/bench/obj"); done
  curl -s -f "${auth[@]}" --cacert "$S3_CA_FILE" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    -w '%{time_total}\n' "${gets[@]}" |
    awk -v n="curl-$1-get" '{ s += $1 } END { printf "%s %.2f\n", n, s * 1000 / NR }' |
    tee -a "$work/ms"
}
for _ in $(seq 1 "$rounds"); do
  for t in http https; do
    run old "$old" "$t"
    run new "$new" "$t"
    curl_gets "$t"
  done
done
echo
echo "| ms per request, 100 B, 1 in flight (median of $rounds rounds) | PUT | GET |"
echo "|---|---|---|"
median() { awk -v k="$1" '$1 == k { print $2 }' "$work/ms" | sort -n |
  awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for w in old new curl; do
  for t in http https; do
    echo "| $w, $t | $(median "$w-$t-put") | $(median "$w-$t-get") |"
  done
done
