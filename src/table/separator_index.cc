#include "table/separator_index.h"

#include <fmt/format.h>

#include <algorithm>

namespace basin::table {

uint64_t KeyPrefix(std::string_view key) {
  uint64_t v = 0;
  const size_t n = std::min<size_t>(key.size(), 8);
  for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(key[i])} << (56 - 8 * i);
  return v;
}

SeparatorIndex::SeparatorIndex(const Block& block) {
  BlockIter it(&block);
  for (it.SeekToFirst(); it.Valid(); it.Next()) ++entries_;
  if (entries_ < 2) return;
  // Sorted: what the first and the last but one share, all but the last share (the last is
  // often a short successor of a table's last key, which shares little).
  it.SeekToFirst();
  const std::string first(it.key());
  it.SeekToRestartEntry(static_cast<uint32_t>(entries_ - 2));
  const std::string_view b = it.key();
  size_t n = 0;
  while (n < first.size() && n < b.size() && first[n] == b[n]) ++n;
  common_ = first.substr(0, n);
  prefixes_.reserve(entries_ - 1);
  it.SeekToFirst();
  for (size_t i = 0; i + 1 < entries_ && it.Valid(); ++i, it.Next()) {
    prefixes_.push_back(KeyPrefix(it.key().substr(n)));
  }
}

Status SeparatorIndex::Seek(std::string_view target, const Block& block, size_t* entry) const {
  *entry = entries_;
  if (entries_ == 0) return Status::OK();
  if (block.num_restarts() < entries_) {
    return Status::Corruption("index block: fewer restart points than entries");
  }
  // Among all keys but the last: below common_, the first; above it, none; else by
  // prefix, then (among equal prefixes: for random keys, none or one) by the whole key.
  const ptrdiff_t last = static_cast<ptrdiff_t>(entries_ - 1);
  const int c = target.substr(0, common_.size()).compare(common_);
  ptrdiff_t lo = c < 0 ? 0 : last, hi = lo;
  if (c == 0) {
    const uint64_t prefix = KeyPrefix(target.substr(common_.size()));
    lo = std::lower_bound(prefixes_.begin(), prefixes_.end(), prefix) - prefixes_.begin();
    hi = std::upper_bound(prefixes_.begin() + lo, prefixes_.end(), prefix) - prefixes_.begin();
  }
  std::string_view key, value;  // entry i's
  while (lo < hi) {
    const ptrdiff_t mid = lo + (hi - lo) / 2;
    BASIN_RETURN_IF_ERROR(block.RestartEntry(static_cast<uint32_t>(mid), &key, &value));
    if (key < target) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == last) {  // above every key but the last: the last, or none
    BASIN_RETURN_IF_ERROR(block.RestartEntry(static_cast<uint32_t>(lo), &key, &value));
    if (key < target) return Status::OK();
  }
  *entry = static_cast<size_t>(lo);
  return Status::OK();
}
}  // namespace basin::table
