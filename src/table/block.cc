#include "table/block.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "basin/coding.h"

namespace basin::table {

Result<std::shared_ptr<const Block>> Block::Parse(std::string contents, std::string_view what) {
  auto b = std::make_shared<Block>();
  b->owned_ = std::move(contents);
  b->view_ = b->owned_;
  BASIN_RETURN_IF_ERROR(b->Init(what));
  return std::shared_ptr<const Block>(std::move(b));
}

Result<std::shared_ptr<const Block>> Block::ParseView(std::string_view contents,
                                                      std::shared_ptr<const void> pin,
                                                      std::string_view what) {
  auto b = std::make_shared<Block>();
  b->view_ = contents;
  b->pin_ = std::move(pin);
  BASIN_RETURN_IF_ERROR(b->Init(what));
  return std::shared_ptr<const Block>(std::move(b));
}

Status Block::Init(std::string_view what) {
  auto bad = [&](std::string msg) {
    return Status::Corruption(what.empty() ? msg : fmt::format("{}: {}", what, msg));
  };
  if (view_.size() < 4) return bad(fmt::format("{} bytes, too short for a block", view_.size()));
  const uint32_t n = DecodeFixed32(view_.data() + view_.size() - 4);
  const size_t max = (view_.size() - 4) / 4;
  if (n == 0 || n > max) return bad(fmt::format("{} restart points do not fit", n));
  num_restarts_ = n;
  restarts_offset_ = static_cast<uint32_t>(view_.size() - 4 - 4 * size_t{n});
  uint32_t prev = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t r = restart(i);
    if ((i == 0 && r != 0) || (i > 0 && r <= prev) ||
        (r >= restarts_offset_ && restarts_offset_ != 0)) {
      return bad(fmt::format("restart point {} is out of place", i));
    }
    prev = r;
  }
  return Status::OK();
}

Status Block::SetCheckedView(std::string_view contents) {
  view_ = contents;
  const uint32_t n = view_.size() < 4 ? 0 : DecodeFixed32(view_.data() + view_.size() - 4);
  if (n == 0 || n > (view_.size() - 4) / 4) {
    return Status::Corruption(fmt::format("{} restart points do not fit a block", n));
  }
  num_restarts_ = n;
  restarts_offset_ = static_cast<uint32_t>(view_.size() - 4 - 4 * size_t{n});
  return Status::OK();
}

namespace {

// One entry's header and bytes at *p (below end); nullptr when they do not fit.
const char* DecodeEntry(const char* p, const char* end, uint32_t* shared, uint32_t* unshared,
                        uint32_t* vlen) {
  if ((p = GetVarint32Ptr(p, end, shared)) == nullptr ||
      (p = GetVarint32Ptr(p, end, unshared)) == nullptr ||
      (p = GetVarint32Ptr(p, end, vlen)) == nullptr ||
      static_cast<uint64_t>(*unshared) + *vlen > static_cast<uint64_t>(end - p)) {
    return nullptr;
  }
  return p;
}

// How many leading bytes a and b share.
size_t CommonPrefix(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) break;
  }
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

Status BadEntry(uint32_t at) {
  return Status::Corruption(fmt::format("bad entry at byte {} of a block", at));
}

}  // namespace

Status Block::RestartEntry(uint32_t i, std::string_view* key, std::string_view* value) const {
  const uint32_t off = restart(i);
  if (off >= restarts_offset_) return BadEntry(off);
  uint32_t shared, unshared, vlen;
  const char* p =
      DecodeEntry(view_.data() + off, view_.data() + restarts_offset_, &shared, &unshared, &vlen);
  if (p == nullptr || shared != 0) return BadEntry(off);
  *key = std::string_view(p, unshared);
  *value = std::string_view(p + unshared, vlen);
  return Status::OK();
}

Status Block::Get(std::string_view target, bool* found, std::string_view* value) const {
  *found = false;
  // The last restart point whose key is < target (or the first).
  std::string_view key, v;
  uint32_t left = 0, right = num_restarts_ - 1;
  while (left < right) {
    const uint32_t mid = left + (right - left + 1) / 2;
    BASIN_RETURN_IF_ERROR(RestartEntry(mid, &key, &v));
    const int c = key.compare(target);
    if (c == 0) {
      *found = true;
      *value = v;
      return Status::OK();
    }
    if (c < 0) {
      left = mid;
    } else {
      right = mid - 1;
    }
  }
  // Scan from it. `match`: how many bytes the previous key (below target) shares with
  // target. A key sharing more than that with the previous one is below target too; one
  // sharing at most that equals target up to what it shares, and its own bytes decide.
  const char* data = view_.data();
  const char* end = data + restarts_offset_;
  const uint32_t start = restart(left);
  if (start >= restarts_offset_) return BadEntry(start);
  const char* p = data + start;
  size_t prev_size = 0, match = 0;
  while (p < end) {
    const uint32_t at = static_cast<uint32_t>(p - data);
    uint32_t shared, unshared, vlen;
    p = DecodeEntry(p, end, &shared, &unshared, &vlen);
    if (p == nullptr || shared > prev_size) return BadEntry(at);
    const std::string_view own(p, unshared);
    p += unshared + vlen;
    prev_size = size_t{shared} + unshared;
    if (shared > match) continue;
    const std::string_view rest = target.substr(shared);
    const size_t m = CommonPrefix(own, rest);
    if (m == own.size() && m == rest.size()) {
      *found = true;
      *value = std::string_view(p - vlen, vlen);
      return Status::OK();
    }
    const bool below = m == own.size() || (m < rest.size() && static_cast<uint8_t>(own[m]) <
                                                                  static_cast<uint8_t>(rest[m]));
    if (!below) return Status::OK();
    match = shared + m;
  }
  return Status::OK();
}

BlockIter::BlockIter(const Block* block)
    : block_(block),
      data_(block->data()),
      limit_(block->restarts_offset()),
      num_restarts_(block->num_restarts()),
      current_(limit_) {}

void BlockIter::Corrupt(uint32_t at) {
  status_ = Status::Corruption(fmt::format("bad entry at byte {} of a block", at));
  Invalidate();
  key_.clear();
  value_ = {};
}

void BlockIter::SeekToRestart(uint32_t index) {
  key_.clear();
  restart_index_ = index;
  next_ = block_->restart(index);
}

bool BlockIter::ParseNext() {
  current_ = next_;
  if (current_ >= limit_) {
    Invalidate();
    return false;
  }
  const char* p = data_ + current_;
  const char* end = data_ + limit_;
  uint32_t shared = 0, unshared = 0, vlen = 0;
  if ((p = GetVarint32Ptr(p, end, &shared)) == nullptr ||
      (p = GetVarint32Ptr(p, end, &unshared)) == nullptr ||
      (p = GetVarint32Ptr(p, end, &vlen)) == nullptr || shared > key_.size() ||
      static_cast<uint64_t>(unshared) + vlen > static_cast<uint64_t>(end - p)) {
    Corrupt(current_);
    return false;
  }
  key_.resize(shared);
  key_.append(p, unshared);
  value_ = std::string_view(p + unshared, vlen);
  next_ = static_cast<uint32_t>((p + unshared + vlen) - data_);
  while (restart_index_ + 1 < num_restarts_ && block_->restart(restart_index_ + 1) <= current_) {
    ++restart_index_;
  }
  return true;
}

void BlockIter::SeekToFirst() {
  if (!status_.ok()) return;
  SeekToRestart(0);
  ParseNext();
}

void BlockIter::SeekToLast() {
  if (!status_.ok()) return;
  SeekToRestart(num_restarts_ - 1);
  while (ParseNext() && next_ < limit_) {
  }
}

void BlockIter::Next() {
  if (Valid()) ParseNext();
}

void BlockIter::Prev() {
  if (!Valid()) return;
  const uint32_t original = current_;
  while (block_->restart(restart_index_) >= original) {
    if (restart_index_ == 0) {  // no entry before the first
      Invalidate();
      return;
    }
    --restart_index_;
  }
  SeekToRestart(restart_index_);
  while (ParseNext() && next_ < original) {
  }
}

void BlockIter::Seek(std::string_view target) {
  if (!status_.ok()) return;
  // Binary search for the last restart point whose key is < target.
  uint32_t left = 0, right = num_restarts_ - 1;
  while (left < right) {
    const uint32_t mid = left + (right - left + 1) / 2;
    const uint32_t off = block_->restart(mid);
    const char* p = data_ + off;
    const char* end = data_ + limit_;
    uint32_t shared = 0, unshared = 0, vlen = 0;
    if ((p = GetVarint32Ptr(p, end, &shared)) == nullptr ||
        (p = GetVarint32Ptr(p, end, &unshared)) == nullptr ||
        (p = GetVarint32Ptr(p, end, &vlen)) == nullptr || shared != 0 ||
        unshared > static_cast<uint64_t>(end - p)) {
      Corrupt(off);
      return;
    }
    if (std::string_view(p, unshared) < target) {
      left = mid;
    } else {
      right = mid - 1;
    }
  }
  SeekToRestart(left);
  while (ParseNext() && key_ < target) {
  }
}

}  // namespace basin::table
