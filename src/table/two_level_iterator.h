// Iterators over a table's blocks (LevelDB's two-level iterator): an outer iterator whose
// values name blocks, and the entries of the block it is at. A table's iterator is one
// over its index; a partitioned table's index iterator is itself one over the top level.
#ifndef BASIN_TABLE_TWO_LEVEL_ITERATOR_H_
#define BASIN_TABLE_TWO_LEVEL_ITERATOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "basin/table.h"
#include "table/block.h"

namespace basin::table {

// The entries of one block, which it keeps alive.
class BlockIterator final : public TableIterator {
 public:
  explicit BlockIterator(std::shared_ptr<const Block> block)
      : block_(std::move(block)), it_(block_.get()) {}
  bool Valid() const override { return it_.Valid(); }
  void SeekToFirst() override { it_.SeekToFirst(); }
  void SeekToLast() override { it_.SeekToLast(); }
  void Seek(std::string_view target) override { it_.Seek(target); }
  void Next() override { it_.Next(); }
  void Prev() override { it_.Prev(); }
  std::string_view key() const override { return it_.key(); }
  std::string_view value() const override { return it_.value(); }
  const Status& status() const override { return it_.status(); }

 private:
  std::shared_ptr<const Block> block_;
  BlockIter it_;
};

// Gives the block an outer entry (key, value) names.
using BlockLoader =
    std::function<Result<std::shared_ptr<const Block>>(std::string_view, std::string_view)>;

class TwoLevelIterator final : public TableIterator {
 public:
  TwoLevelIterator(std::unique_ptr<TableIterator> outer, BlockLoader load)
      : outer_(std::move(outer)), load_(std::move(load)) {}

  bool Valid() const override { return inner_.has_value() && inner_->Valid(); }
  void SeekToFirst() override;
  void SeekToLast() override;
  void Seek(std::string_view target) override;
  void Next() override;
  void Prev() override;
  std::string_view key() const override { return inner_->key(); }
  std::string_view value() const override { return inner_->value(); }
  const Status& status() const override;

 private:
  bool LoadBlock();
  void SkipForward();
  void SkipBackward();

  std::unique_ptr<TableIterator> outer_;
  BlockLoader load_;
  std::shared_ptr<const Block> block_;
  std::optional<BlockIter> inner_;
  Status status_;
};

// An iterator that is never valid and reports why.
std::unique_ptr<TableIterator> NewErrorIterator(Status status);

}  // namespace basin::table

#endif  // BASIN_TABLE_TWO_LEVEL_ITERATOR_H_
