// A decoded data (or index) block and an iterator over it that checks every bound: a
// damaged block gives a Corruption status, never a read outside it.
#ifndef BASIN_TABLE_BLOCK_H_
#define BASIN_TABLE_BLOCK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "basin/coding.h"
#include "basin/status.h"

namespace basin::table {

class Block {
 public:
  // Takes decoded contents; Corruption (naming `what`) when the restart array is malformed.
  static Result<std::shared_ptr<const Block>> Parse(std::string contents, std::string_view what);
  // The same over bytes the block does not own (a mapped file), kept alive by `pin`.
  static Result<std::shared_ptr<const Block>> ParseView(std::string_view contents,
                                                        std::shared_ptr<const void> pin,
                                                        std::string_view what);

  // Makes a block (one on the stack) view `contents`, which must outlive it; Corruption
  // when the restart array is malformed.
  Status SetView(std::string_view contents) {
    view_ = contents;
    return Init("");
  }
  // The same for contents that passed SetView or Parse before (a checked block of a
  // mapped table): reads the restart count and checks that it fits, not each restart
  // point again. Get and RestartEntry bound every offset they read, so a block that was
  // never checked is still read safely (a wrong answer or Corruption, never outside it).
  Status SetCheckedView(std::string_view contents);

  // The value of the entry whose key is `target`, without an iterator and without
  // copying keys: binary search over the restart points, then a scan that compares only
  // what each entry's key does not share with the one before. *found false when no entry
  // has that key; Corruption when an entry it reads does not decode.
  Status Get(std::string_view target, bool* found, std::string_view* value) const;
  // The entry at restart point i, whose key is stored whole (an index block has a restart
  // point at every entry). Corruption when it does not decode or shares bytes.
  // REQUIRES: i < num_restarts().
  Status RestartEntry(uint32_t i, std::string_view* key, std::string_view* value) const;

  const char* data() const { return view_.data(); }
  uint32_t restarts_offset() const { return restarts_offset_; }
  uint32_t num_restarts() const { return num_restarts_; }
  uint32_t restart(uint32_t i) const {
    return DecodeFixed32(view_.data() + restarts_offset_ + 4 * size_t{i});
  }
  size_t charge() const { return owned_.capacity() + sizeof(*this); }

 private:
  Status Init(std::string_view what);

  std::string owned_;      // the contents, when the block owns them
  std::string_view view_;  // the contents
  std::shared_ptr<const void> pin_;
  uint32_t restarts_offset_ = 0;
  uint32_t num_restarts_ = 0;
};

class BlockIter {
 public:
  // REQUIRES: block outlives the iterator.
  explicit BlockIter(const Block* block);

  bool Valid() const { return current_ < limit_; }
  const Status& status() const { return status_; }
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }
  // The restart point at or before the current entry: in a block with a restart point at
  // every entry (an index block), the current entry's number.
  uint32_t restart_index() const { return restart_index_; }

  void SeekToFirst();
  void SeekToLast();
  // The first entry whose key is >= target.
  void Seek(std::string_view target);
  // The entry at restart point `index` (in a block with a restart point at every entry,
  // entry `index`). REQUIRES: index < the block's number of restart points.
  void SeekToRestartEntry(uint32_t index) {
    if (!status_.ok()) return;
    SeekToRestart(index);
    ParseNext();
  }
  void Next();
  void Prev();

 private:
  void SeekToRestart(uint32_t index);
  bool ParseNext();  // decodes the entry at next_ into current_/key_/value_
  void Invalidate() {
    current_ = limit_;
    restart_index_ = num_restarts_;
  }
  void Corrupt(uint32_t at);

  const Block* block_;
  const char* data_;
  uint32_t limit_;  // where the entries end (the restart array starts)
  uint32_t num_restarts_;
  uint32_t current_;            // offset of the current entry; limit_ when not valid
  uint32_t next_ = 0;           // offset just after it
  uint32_t restart_index_ = 0;  // the restart point at or before current_
  std::string key_;
  std::string_view value_;
  Status status_;
};

}  // namespace basin::table

#endif  // BASIN_TABLE_BLOCK_H_
