#!/usr/bin/env bash
# Installs everything basin needs to build, test and benchmark, from Debian's packages.
# Idempotent: when every package is already installed it returns at once.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libzstd-dev liblz4-dev libxxhash-dev libisal-dev librust-blake3-dev libsodium-dev
  libcurl4-openssl-dev libssl-dev libpugixml-dev nlohmann-json3-dev libcli11-dev libarchive-dev
  libfmt-dev libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev librapidcheck-dev
  zstd lz4 xxhash b3sum
  libfuse3-dev fuse3          # basin mount (FUSE); fuse3 brings fusermount3
  ceph-mon ceph-osd radosgw   # the S3 server the S3 tests run against (scripts/s3-server-start.sh)
  curl openssl                # which that script uses (its HTTPS certificates come from openssl)
  spin                        # the model checker of model/prune.pml (model/check.sh)
)
# Extra packages for benchmarks against peers: BASIN_SETUP_BENCH=1 scripts/setup.sh
if [ "${BASIN_SETUP_BENCH:-0}" = 1 ]; then
  PACKAGES+=(librocksdb-dev libleveldb-dev restic borgbackup hyperfine gnuplot-nox time)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
