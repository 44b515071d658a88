#include "repo/chunker.h"

#include <bit>

#include <fmt/format.h>

namespace basin::repo {
namespace {

// A mask of the top `bits` bits: the gear hash's high bits hold the longest history
// (each step shifts left), so they decide cut points.
uint64_t TopBits(int bits) { return bits <= 0 ? 0 : ~uint64_t{0} << (64 - bits); }

}  // namespace

Status ValidateChunkerParams(const ChunkerParams& p) {
  if (p.min_size == 0 || p.min_size > p.avg_size || p.avg_size > p.max_size) {
    return Status::InvalidArgument(
        fmt::format("chunk sizes must satisfy 0 < min <= avg <= max (got {}, {}, {})", p.min_size,
                    p.avg_size, p.max_size));
  }
  if (!std::has_single_bit(p.avg_size) || p.avg_size < (64u << 10) || p.avg_size > (16u << 20)) {
    return Status::InvalidArgument(
        fmt::format("the average chunk size must be a power of two from 64 KiB to 16 MiB (got {})",
                    p.avg_size));
  }
  if (p.max_size > (64u << 20)) {
    return Status::InvalidArgument("the largest chunk may be at most 64 MiB");
  }
  return Status::OK();
}

Chunker::Chunker(const std::array<uint64_t, 256>& gear, const ChunkerParams& params)
    : gear_(gear), params_(params) {
  const int bits = std::countr_zero(params.avg_size);
  mask_small_ = TopBits(bits + 2);
  mask_large_ = TopBits(bits - 2);
}

size_t Chunker::Cut(std::string_view data) const {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  if (n <= params_.min_size) return n;
  if (n > params_.max_size) n = params_.max_size;
  const size_t normal = std::min<size_t>(n, params_.avg_size);
  uint64_t fp = 0;
  size_t i = params_.min_size;
  for (; i < normal; ++i) {
    fp = (fp << 1) + gear_[p[i]];
    if ((fp & mask_small_) == 0) return i + 1;
  }
  for (; i < n; ++i) {
    fp = (fp << 1) + gear_[p[i]];
    if ((fp & mask_large_) == 0) return i + 1;
  }
  return n;
}

}  // namespace basin::repo
