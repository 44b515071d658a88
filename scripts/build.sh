#!/usr/bin/env bash
# Configures and builds basin into a build directory.
#   scripts/build.sh [release|asan|fuzz] [ninja targets...]
# release: build/ (RelWithDebInfo); asan: build-asan/ (ASan+UBSan); fuzz: build-fuzz/ (clang,
# libFuzzer). BASIN_BUILD_ROOT overrides where the build directories go (default: the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
shift || true
root=${BASIN_BUILD_ROOT:-.}
# Optimized builds keep line tables only (-g1): enough for perf, gdb backtraces and
# sanitizer reports, and a quarter less compile time than full debug information.
lines_only=(-DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
            -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
case "$kind" in
  release) dir=$root/build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "${lines_only[@]}") ;;
  asan) dir=$root/build-asan
        flags=(-DCMAKE_BUILD_TYPE=Debug -DBASIN_SANITIZE=ON -DBASIN_BUILD_BENCH=OFF) ;;
  fuzz) dir=$root/build-fuzz
        flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "${lines_only[@]}" -DCMAKE_C_COMPILER=clang
               -DCMAKE_CXX_COMPILER=clang++ -DBASIN_BUILD_FUZZ=ON -DBASIN_BUILD_TESTS=OFF
               -DBASIN_BUILD_BENCH=OFF) ;;
  *) echo "usage: scripts/build.sh [release|asan|fuzz] [targets...]" >&2; exit 2 ;;
esac
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja -DBASIN_WERROR=ON "${flags[@]}" >/dev/null
fi
cmake --build "$dir" -- "$@"
