// Partitioning: the builder reports each key and the end of each data block as they
// happen, and each block's index entry later (blocks are written by a pipeline). The
// filter side decides the cuts: after a block, when the keys since the last cut fill a
// filter partition (or their index entries fill an index partition), the partition ends,
// and its filter is finished at once (the builder holds 8 bytes of hash only for the keys
// of the open partition). The index side closes its partition when it reaches the block
// of the next cut. At Finish, a table of one partition is written single-level:
//   single-level: filter block?                    meta.index = index over data blocks
//   two-level:    (filter block? index block)*     meta.index = top-level index
// with top-level entries  separator -> (partition offset, filter size, index size, data
// span): a partition's filter and index lie together, so one read fetches both.
#include "table/index_builder.h"

#include <utility>

namespace basin::table {

IndexBuilder::IndexBuilder(int bits_per_key, uint32_t partition_size)
    : partition_size_(partition_size), bits_per_key_(bits_per_key) {
  if (bits_per_key > 0) bloom_.emplace(bits_per_key);
}

void IndexBuilder::AddKey(std::string_view key) {
  if (bloom_) bloom_->AddKey(key);
  ++keys_;
}

void IndexBuilder::EndBlock(size_t last_key_size) {
  // An index entry: a separator about as long as the key, two varint handles, a 3-byte
  // entry header and a 4-byte restart point.
  index_estimate_ += last_key_size + 16;
  const uint64_t filter_bytes = keys_ * static_cast<uint64_t>(bits_per_key_) / 8;
  if (filter_bytes >= partition_size_ || index_estimate_ >= partition_size_) {
    filters_.push_back(FinishFilter());
    cuts_.push_back(blocks_);
    keys_ = 0;
    index_estimate_ = 0;
  }
  ++blocks_;
}

std::string IndexBuilder::FinishFilter() {
  if (!bloom_) return {};
  std::string filter = bloom_->Finish();
  if (auto r = BloomReader::Parse(filter); r.ok()) {
    fp_sum_ += r->SumLineFalsePositives();
    fp_lines_ += r->lines();
  }
  return filter;
}

void IndexBuilder::AddEntry(std::string_view separator, const BlockHandle& handle) {
  if (index_.empty()) span_ = {handle.offset, 0};
  handle_buf_.clear();
  handle.EncodeTo(&handle_buf_);
  index_.Add(separator, handle_buf_);
  span_.size += handle.size;
  last_separator_.assign(separator);
  if (!cuts_.empty() && cuts_.front() == entries_) {
    cuts_.pop_front();
    CloseIndexPartition();
  }
  ++entries_;
}

void IndexBuilder::CloseIndexPartition() {
  Partition p;
  p.filter = std::move(filters_.front());
  filters_.pop_front();
  p.index.assign(index_.Finish());
  index_.Reset();
  p.separator = last_separator_;
  p.data = span_;
  partitions_.push_back(std::move(p));
}

Status IndexBuilder::Finish(const WriteBlock& write, Footer* footer, MetaBlock* meta) {
  if (!index_.empty()) {  // the blocks after the last cut
    filters_.push_back(FinishFilter());
    CloseIndexPartition();
  }
  if (partitions_.size() > 1) {
    BASIN_RETURN_IF_ERROR(WriteTwoLevel(write, footer, meta));
  } else {
    std::string filter = partitions_.empty() ? FinishFilter() : std::move(partitions_[0].filter);
    if (bloom_) {
      BlockHandle h;
      BASIN_RETURN_IF_ERROR(write(filter, /*compress=*/false, &h));
      footer->filter_size = h.size;
      meta->filter_bytes = h.size;
    }
    meta->index_levels = kSingleLevelIndex;
    meta->index = partitions_.empty() ? std::string(index_.Finish()) : partitions_[0].index;
  }
  if (fp_lines_ > 0) {
    meta->filter_fp_ppb = static_cast<uint64_t>(fp_sum_ / static_cast<double>(fp_lines_) * 1e9);
  }
  return Status::OK();
}

Status IndexBuilder::WriteTwoLevel(const WriteBlock& write, Footer* footer, MetaBlock* meta) {
  BlockBuilder top(1);
  for (Partition& part : partitions_) {
    PartitionHandle p;
    BlockHandle h;
    if (bloom_) {
      BASIN_RETURN_IF_ERROR(write(part.filter, /*compress=*/false, &h));
      p.offset = h.offset;
      p.filter_size = h.size;
      meta->filter_bytes += h.size;
    }
    BASIN_RETURN_IF_ERROR(write(part.index, /*compress=*/true, &h));
    if (!bloom_) p.offset = h.offset;
    p.index_size = h.size;
    p.data = part.data;
    footer->partitions_size += p.size();
    handle_buf_.clear();
    p.EncodeTo(&handle_buf_);
    top.Add(part.separator, handle_buf_);
    part = {};  // its memory is no longer needed
  }
  meta->index_levels = kTwoLevelIndex;
  meta->index.assign(top.Finish());
  meta->partitions = partitions_.size();
  return Status::OK();
}

}  // namespace basin::table
