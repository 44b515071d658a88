#include "basin/log.h"

#include <fmt/format.h>

#include "log/log_format.h"

namespace basin {

std::string_view RecoveryModeName(RecoveryMode mode) {
  switch (mode) {
    case RecoveryMode::kStrict:
      return "strict";
    case RecoveryMode::kPointInTime:
      return "point-in-time";
    case RecoveryMode::kSkipDamaged:
      return "skip-damaged";
  }
  return "?";
}

Result<RecoveryMode> ParseRecoveryMode(std::string_view name) {
  for (RecoveryMode m :
       {RecoveryMode::kStrict, RecoveryMode::kPointInTime, RecoveryMode::kSkipDamaged}) {
    if (name == RecoveryModeName(m)) return m;
  }
  return Status::InvalidArgument(
      fmt::format("unknown recovery mode '{}' (strict, point-in-time, skip-damaged)", name));
}

namespace {
constexpr uint64_t Mask(int bits) { return (uint64_t{1} << bits) - 1; }
}  // namespace

uint64_t LogAddress::PackFile() const {
  return (block << log::kRecordIndexBits) | (record_index & Mask(log::kRecordIndexBits));
}

uint64_t LogAddress::PackSegment() const {
  return (uint64_t{segment} << (64 - log::kSegmentBits)) |
         ((block & Mask(log::kSegmentBlockBits)) << log::kRecordIndexBits) |
         (record_index & Mask(log::kRecordIndexBits));
}

LogAddress LogAddress::UnpackFile(uint64_t a) {
  return {0, a >> log::kRecordIndexBits, static_cast<uint32_t>(a & Mask(log::kRecordIndexBits))};
}

LogAddress LogAddress::UnpackSegment(uint64_t a) {
  return {static_cast<uint32_t>(a >> (64 - log::kSegmentBits)),
          (a >> log::kRecordIndexBits) & Mask(log::kSegmentBlockBits),
          static_cast<uint32_t>(a & Mask(log::kRecordIndexBits))};
}

}  // namespace basin
