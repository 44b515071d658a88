// Builds one data block (docs/format/table.md): prefix-compressed entries, a full key at
// every restart point, the restart offsets at the end.
#ifndef BASIN_TABLE_BLOCK_BUILDER_H_
#define BASIN_TABLE_BLOCK_BUILDER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace basin::table {

class BlockBuilder {
 public:
  explicit BlockBuilder(int restart_interval) : restart_interval_(restart_interval) { Reset(); }

  // REQUIRES: key > every key added since Reset(); not finished.
  void Add(std::string_view key, std::string_view value);
  // Appends the restart array; the block's bytes stay valid until Reset().
  std::string_view Finish();
  void Reset();

  bool empty() const { return count_ == 0; }
  size_t SizeEstimate() const { return buffer_.size() + restarts_.size() * 4 + 4; }
  std::string_view last_key() const { return last_key_; }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;  // entries since the last restart
  size_t count_ = 0;
  std::string last_key_;
};

}  // namespace basin::table

#endif  // BASIN_TABLE_BLOCK_BUILDER_H_
