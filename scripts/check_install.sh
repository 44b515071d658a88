#!/usr/bin/env bash
# Installs basin into a scratch prefix and builds the example consumers against it, once
# with find_package(basin) and once with pkg-config; checks that a consumer of the table
# and the local stores links none of the S3 store's libraries (libcurl, OpenSSL, pugixml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release >/dev/null
build=${BASIN_BUILD_ROOT:-.}/build
work=$(mktemp -d "${TMPDIR:-/tmp}/basin-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -x "$work/prefix/bin/basin"
"$work/prefix/bin/basin" --version

# No S3 library among what the program needs.
no_s3_libs() {
  if readelf -d "$1" | grep -E 'NEEDED.*(libcurl|libssl|libcrypto|libpugixml)'; then
    echo "$1 links the S3 store's libraries" >&2
    exit 1
  fi
}

cmake -S examples/consumer -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
echo "find_package(basin), basin::table: $("$work/consumer/consumer")"
no_s3_libs "$work/consumer/consumer"
echo "find_package(basin), basin::store_url: $("$work/consumer/consumer_url" "file://$work/store")"

export PKG_CONFIG_PATH=$work/prefix/lib/pkgconfig:$work/prefix/lib/x86_64-linux-gnu/pkgconfig
# shellcheck disable=SC2046
c++ examples/consumer/main.cc -o "$work/consumer-pc" $(pkg-config --cflags --libs basin)
echo "pkg-config basin: $("$work/consumer-pc")"
no_s3_libs "$work/consumer-pc"
# shellcheck disable=SC2046
c++ examples/consumer/url_main.cc -o "$work/consumer-url-pc" \
  $(pkg-config --cflags --libs basin-s3)
echo "pkg-config basin-s3: $("$work/consumer-url-pc" "mem://x")"
