// Block grammar:
//   entry := shared: varint | unshared: varint | value_length: varint | key suffix | value
//   block := entry* | restarts: u32 * n | n: u32
#include "table/block_builder.h"

#include <algorithm>

#include "basin/coding.h"

namespace basin::table {

void BlockBuilder::Reset() {
  buffer_.clear();
  restarts_.clear();
  restarts_.push_back(0);
  counter_ = 0;
  count_ = 0;
  last_key_.clear();
}

void BlockBuilder::Add(std::string_view key, std::string_view value) {
  size_t shared = 0;
  if (counter_ < restart_interval_ && count_ > 0) {
    const size_t limit = std::min(last_key_.size(), key.size());
    while (shared < limit && last_key_[shared] == key[shared]) ++shared;
  } else if (count_ > 0) {
    restarts_.push_back(static_cast<uint32_t>(buffer_.size()));
    counter_ = 0;
  }
  char header[3 * kMaxVarint64Length];
  char* p = EncodeVarint64(header, shared);
  p = EncodeVarint64(p, key.size() - shared);
  p = EncodeVarint64(p, value.size());
  buffer_.append(header, p - header);
  buffer_.append(key.substr(shared));
  buffer_.append(value);
  last_key_.resize(shared);
  last_key_.append(key.substr(shared));
  ++counter_;
  ++count_;
}

std::string_view BlockBuilder::Finish() {
  for (uint32_t r : restarts_) PutFixed32(&buffer_, r);
  PutFixed32(&buffer_, static_cast<uint32_t>(restarts_.size()));
  return buffer_;
}

}  // namespace basin::table
