// Iteration, the block list and verification: everything that walks a whole table.
#include <fmt/format.h>

#include <algorithm>

#include "table/table_reader_impl.h"
#include "table/two_level_iterator.h"

namespace basin::table {

std::unique_ptr<TableIterator> Reader::NewIndexIterator(std::shared_ptr<const TableMetadata> m,
                                                        bool use_cache) {
  auto top = std::make_unique<BlockIterator>(m->index);
  if (!m->two_level) return top;
  return std::make_unique<TwoLevelIterator>(
      std::move(top),
      [this, m, use_cache](std::string_view,
                           std::string_view value) -> Result<std::shared_ptr<const Block>> {
        // The entry's number: by its partition's offset (they increase).
        PartitionHandle p;
        p.DecodeFrom(&value);  // checked at open
        const auto& all = m->top_handles;
        const size_t i = std::lower_bound(all.begin(), all.end(), p.offset,
                                          [](const PartitionHandle& h, uint64_t offset) {
                                            return h.offset < offset;
                                          }) -
                         all.begin();
        BASIN_ASSIGN_OR_RETURN(auto part, PartitionOf(*m, i, use_cache));
        const Block* index = part->index.get();
        return std::shared_ptr<const Block>(std::move(part), index);  // keeps it alive
      });
}

std::unique_ptr<TableIterator> Reader::NewIterator() {
  auto meta = Metadata();
  if (!meta.ok()) return NewErrorIterator(meta.status());
  auto m = *meta;
  auto readahead = std::make_shared<Readahead>();
  return std::make_unique<TwoLevelIterator>(
      NewIndexIterator(m, /*use_cache=*/true),
      [this, m, readahead](std::string_view, std::string_view handle) {
        return DataBlock(*m, handle, /*use_cache=*/true, readahead.get());
      });
}

Result<std::vector<TableBlock>> Reader::Blocks() {
  BASIN_ASSIGN_OR_RETURN(auto meta, Metadata());
  std::vector<TableBlock> out;
  auto index = NewIndexIterator(meta, /*use_cache=*/true);
  for (index->SeekToFirst(); index->Valid(); index->Next()) {
    std::string_view v = index->value();
    BlockHandle h;
    h.DecodeFrom(&v);  // checked when the index (or its partition) was loaded
    out.push_back({h.offset, h.size, std::string(index->key())});
  }
  BASIN_RETURN_IF_ERROR(index->status());
  return out;
}

Status Reader::VerifyBlocks(const TableMetadata& m, const Block& index_block,
                            const BloomReader* filter, std::string* prev_key, uint64_t* blocks,
                            uint64_t* entries) {
  BlockIter index(&index_block);
  for (index.SeekToFirst(); index.Valid(); index.Next(), ++*blocks) {
    std::string_view hv = index.value();
    BlockHandle h;
    h.DecodeFrom(&hv);
    BASIN_ASSIGN_OR_RETURN(auto block, DataBlock(m, index.value(), /*use_cache=*/false));
    const std::string where =
        fmt::format("{}: data block {} at offset {}", key_, *blocks, h.offset);
    BlockIter it(block.get());
    for (it.SeekToFirst(); it.Valid(); it.Next(), ++*entries) {
      if ((*entries > 0 && it.key() <= std::string_view(*prev_key)) || it.key() > index.key()) {
        return Status::Corruption(where + ": keys out of order");
      }
      if (filter != nullptr && !filter->MayContain(BloomHash(it.key()))) {
        return Status::Corruption(where + ": a key is missing from the filter");
      }
      prev_key->assign(it.key());
    }
    BASIN_RETURN_IF_ERROR(it.status().WithContext(where));
  }
  return index.status().WithContext(key_);
}

Status Reader::Verify() {
  BASIN_ASSIGN_OR_RETURN(auto meta, Metadata());
  const TableMetadata& m = *meta;
  std::string prev_key;
  uint64_t blocks = 0, entries = 0;
  if (!m.two_level) {
    BASIN_RETURN_IF_ERROR(
        VerifyBlocks(m, *m.index, m.bloom ? &*m.bloom : nullptr, &prev_key, &blocks, &entries));
  } else {
    for (size_t i = 0; i < m.top_handles.size(); ++i) {
      BASIN_ASSIGN_OR_RETURN(auto part, PartitionOf(m, i, /*use_cache=*/false));
      BASIN_RETURN_IF_ERROR(VerifyBlocks(m, *part->index, part->bloom ? &*part->bloom : nullptr,
                                         &prev_key, &blocks, &entries));
    }
  }
  if (entries != m.props.entries || blocks != m.props.data_blocks) {
    return Status::Corruption(
        fmt::format("{}: {} entries in {} data blocks found, the properties say {} in {}", key_,
                    entries, blocks, m.props.entries, m.props.data_blocks));
  }
  return Status::OK();
}

}  // namespace basin::table
