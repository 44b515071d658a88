#!/usr/bin/env bash
# Installs basin into a scratch prefix and builds the example consumer against it, once
# with find_package(basin) and once with pkg-config.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release >/dev/null
build=${BASIN_BUILD_ROOT:-.}/build
work=$(mktemp -d "${TMPDIR:-/tmp}/basin-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -x "$work/prefix/bin/basin"
"$work/prefix/bin/basin" --version

cmake -S examples/consumer -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
echo "find_package(basin): $("$work/consumer/consumer")"

export PKG_CONFIG_PATH=$work/prefix/lib/pkgconfig:$work/prefix/lib/x86_64-linux-gnu/pkgconfig
# shellcheck disable=SC2046
c++ examples/consumer/main.cc -o "$work/consumer-pc" $(pkg-config --cflags --libs basin)
echo "pkg-config basin: $("$work/consumer-pc")"
