// Table grammar (docs/format/table.md), offsets from the table's first byte:
//   table  := data_block* filter_region index_region meta_block footer
//   filter_region := filter_block?              (single-level)
//                  | filter_partition*          (two-level)
//   index_region  := index_partition*           (two-level; empty when single-level)
//   meta   := tagged fields: properties and the index (or the top-level index)
// Every block is stored as [contents][type][xxh3]. The builder streams: a data block is
// written as soon as it reaches its target size; index and filter come from
// index_builder.h. With compression, data blocks are
// compressed on several threads (util/ordered_pipeline.h) and written in order; each
// block's index entry is added once both its handle (known when it is written) and its
// separator (known when the next key arrives) are.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "basin/coding.h"
#include "basin/crypto.h"
#include "basin/table.h"
#include "table/block_builder.h"
#include "table/index_builder.h"
#include "table/meta_block.h"
#include "table/table_format.h"
#include "util/ordered_pipeline.h"

namespace basin {
namespace {

using table::BlockHandle;

// A short key k with a <= k < b. REQUIRES: a < b. Past their common prefix, a's next
// byte plus one when that stays below b's; else (adjacent keys of a dense random set,
// where b's byte is a's plus one) a's bytes up to its first byte after that which can be
// incremented, incremented: still below b, and 2 bytes past the prefix instead of a's
// whole length (LevelDB keeps the whole key there).
std::string Separator(std::string_view a, std::string_view b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  if (n < a.size() && n < b.size()) {
    const auto c = static_cast<uint8_t>(a[n]);
    if (c < 0xff && c + 1 < static_cast<uint8_t>(b[n])) {
      std::string s(a.substr(0, n + 1));
      s[n] = static_cast<char>(c + 1);
      return s;
    }
    for (size_t i = n + 1; i < a.size(); ++i) {
      if (static_cast<uint8_t>(a[i]) != 0xff) {
        std::string s(a.substr(0, i + 1));
        s[i] = static_cast<char>(a[i] + 1);
        return s;
      }
    }
  }
  return std::string(a);
}

// A short key k >= a: the first byte that is not 0xff, incremented.
std::string Successor(std::string_view a) {
  for (size_t i = 0; i < a.size(); ++i) {
    const auto c = static_cast<uint8_t>(a[i]);
    if (c != 0xff) {
      std::string s(a.substr(0, i + 1));
      s[i] = static_cast<char>(c + 1);
      return s;
    }
  }
  return std::string(a);
}

std::string Printable(std::string_view key) {
  std::string out;
  for (char c : key.substr(0, 64)) {
    const auto u = static_cast<uint8_t>(c);
    out += (u >= 0x20 && u < 0x7f) ? std::string(1, c) : fmt::format("\\x{:02x}", u);
  }
  if (key.size() > 64) out += "...";
  return out;
}

// A data block on its way to the store: contents in, body and trailer out.
struct StoredBlock {
  std::string contents;
  std::string scratch;      // the compressed form, when compression pays
  bool compressed = false;  // the body is scratch, not contents
  char trailer[table::kBlockTrailerSize];
  std::string_view body() const { return compressed ? scratch : contents; }
};

class Builder : public TableBuilder {
 public:
  // `owned`: a writer the builder made, closed at Finish; else the caller's.
  Builder(ObjectWriter* writer, std::unique_ptr<ObjectWriter> owned, const TableOptions& options)
      : owned_writer_(std::move(owned)),
        writer_(writer),
        options_(options),
        data_(options.restart_interval),
        index_(options.bloom_bits_per_key, options.partition_size),
        compressor_(options.compression) {
    if (options.compression.type != CompressionType::kNone) {
      // Data blocks are compressed on several threads and written in order.
      const size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
      for (size_t i = 0; i < threads; ++i) {
        worker_compressors_.push_back(std::make_unique<Compressor>(options.compression));
      }
      pipeline_.emplace(
          threads, 2 * threads,
          [this](std::vector<StoredBlock>& batch, size_t worker) {
            for (StoredBlock& b : batch) {
              BASIN_RETURN_IF_ERROR(Prepare(b, worker_compressors_[worker].get()));
            }
            return Status::OK();
          },
          [this](std::vector<StoredBlock>& batch) {
            for (const StoredBlock& b : batch) BASIN_RETURN_IF_ERROR(Emit(b));
            return Status::OK();
          });
    }
  }

  Status Add(std::string_view key, std::string_view value) override {
    if (!status_.ok()) return status_;
    if (key.size() > options_.max_key_size) {
      return status_ = Status::InvalidArgument(
                 fmt::format("key {} of {} bytes is larger than the limit of {}", entries_,
                             key.size(), options_.max_key_size));
    }
    if (value.size() > options_.max_value_size) {
      return status_ = Status::InvalidArgument(
                 fmt::format("value of key {} ('{}') is {} bytes, more than the limit of {}",
                             entries_, Printable(key), value.size(), options_.max_value_size));
    }
    if (entries_ > 0 && key <= std::string_view(last_key_)) {
      return status_ = Status::InvalidArgument(fmt::format(
                 "key {} ('{}') is not greater than the key before it ('{}'): keys must be "
                 "added in strictly increasing order",
                 entries_, Printable(key), Printable(last_key_)));
    }
    if (pending_index_) {
      separators_.push_back(Separator(last_key_, key));
      pending_index_ = false;
    }
    if (entries_ == 0) first_key_.assign(key);
    index_.AddKey(key);
    data_.Add(key, value);
    last_key_.assign(key);
    ++entries_;
    raw_key_bytes_ += key.size();
    raw_value_bytes_ += value.size();
    if (data_.SizeEstimate() >= options_.block_size) return FlushData();
    return Status::OK();
  }

  Status Finish() override {
    if (!status_.ok()) return status_;
    BASIN_RETURN_IF_ERROR(FlushData());
    if (pipeline_) {
      if (!batch_.empty()) status_ = pipeline_->Submit(std::move(batch_));
      if (status_.ok()) status_ = pipeline_->Finish();
      if (!status_.ok()) return status_;
    }
    if (pending_index_) separators_.push_back(Successor(last_key_));
    AddIndexEntries();
    table::Footer footer;
    footer.data_size = offset_.load(std::memory_order_relaxed);
    table::MetaBlock meta;
    status_ = index_.Finish([this](std::string_view contents, bool compress,
                                   BlockHandle* h) { return WriteBlock(contents, compress, h); },
                            &footer, &meta);
    if (!status_.ok()) return status_;
    meta.entries = entries_;
    meta.data_blocks = data_blocks_;
    meta.raw_key_bytes = raw_key_bytes_;
    meta.raw_value_bytes = raw_value_bytes_;
    meta.compression = options_.compression.type;
    meta.restart_interval = static_cast<uint32_t>(options_.restart_interval);
    meta.first_key = first_key_;
    meta.last_key = last_key_;
    RandomBytes(meta.file_id);
    BlockHandle meta_handle;
    BASIN_RETURN_IF_ERROR(WriteBlock(meta.Encode(), /*compress=*/true, &meta_handle));
    footer.meta_size = meta_handle.size;
    BASIN_RETURN_IF_ERROR(Write(footer.Encode()));
    if (owned_writer_) {
      status_ = owned_writer_->Close();
      if (!status_.ok()) return status_;
    }
    status_ = Status::InvalidArgument("table builder is finished");
    return Status::OK();
  }

  uint64_t entries() const override { return entries_; }
  uint64_t bytes_written() const override { return offset_.load(std::memory_order_relaxed); }

 private:
  static Status Prepare(StoredBlock& b, Compressor* compressor) {
    std::string_view body;
    BASIN_RETURN_IF_ERROR(
        table::PrepareStoredBlock(b.contents, compressor, &b.scratch, &body, b.trailer));
    b.compressed = body.data() != b.contents.data();
    return Status::OK();
  }

  Status Emit(const StoredBlock& b) {
    return Emit(b.body(), std::string_view(b.trailer, sizeof b.trailer));
  }

  // Writes a prepared data block at the end of the file and queues its handle for the
  // index. Called for one block at a time, in block order.
  Status Emit(std::string_view body, std::string_view trailer) {
    const BlockHandle h{offset_.load(std::memory_order_relaxed), body.size() + trailer.size()};
    BASIN_RETURN_IF_ERROR(writer_->Append(body));
    BASIN_RETURN_IF_ERROR(writer_->Append(trailer));
    offset_.fetch_add(h.size, std::memory_order_relaxed);
    std::lock_guard lock(handles_mu_);
    handles_.push_back(h);
    return Status::OK();
  }

  // Adds the index entries whose block is written and whose separator is known, in order.
  void AddIndexEntries() {
    std::lock_guard lock(handles_mu_);
    while (!handles_.empty() && !separators_.empty()) {
      index_.AddEntry(separators_.front(), handles_.front());
      handles_.pop_front();
      separators_.pop_front();
    }
  }

  Status Write(std::string_view bytes) {
    status_ = writer_->Append(bytes);
    offset_.fetch_add(bytes.size(), std::memory_order_relaxed);
    return status_;
  }

  // Writes a block in this thread (filter and meta, once the data blocks are written).
  Status WriteBlock(std::string_view contents, bool compress, BlockHandle* handle) {
    std::string_view body;
    char trailer[table::kBlockTrailerSize];
    status_ = table::PrepareStoredBlock(contents, compress ? &compressor_ : nullptr, &scratch_,
                                        &body, trailer);
    if (!status_.ok()) return status_;
    *handle = {offset_.load(std::memory_order_relaxed), body.size() + sizeof trailer};
    BASIN_RETURN_IF_ERROR(Write(body));
    return Write(std::string_view(trailer, sizeof trailer));
  }

  Status FlushData() {
    if (data_.empty()) return Status::OK();
    pending_index_ = true;
    ++data_blocks_;
    index_.EndBlock(last_key_.size());
    if (pipeline_) {
      // Blocks travel in batches: one hand-over between threads per batch, not per block.
      StoredBlock b;
      b.contents.assign(data_.Finish());
      batch_bytes_ += b.contents.size();
      batch_.push_back(std::move(b));
      if (batch_bytes_ >= kBatchBytes) {
        status_ = pipeline_->Submit(std::move(batch_));
        batch_ = {};
        batch_bytes_ = 0;
      }
    } else {
      // Uncompressed: written straight from the block builder, no copy.
      std::string_view body;
      char trailer[table::kBlockTrailerSize];
      status_ = table::PrepareStoredBlock(data_.Finish(), nullptr, &scratch_, &body, trailer);
      if (status_.ok()) status_ = Emit(body, std::string_view(trailer, sizeof trailer));
    }
    data_.Reset();
    if (status_.ok()) AddIndexEntries();
    return status_;
  }

  std::unique_ptr<ObjectWriter> owned_writer_;
  ObjectWriter* const writer_;
  const TableOptions options_;
  table::BlockBuilder data_;
  table::IndexBuilder index_;
  Compressor compressor_;
  std::vector<std::unique_ptr<Compressor>> worker_compressors_;
  std::string scratch_;
  bool pending_index_ = false;          // the last data block still needs its separator
  std::deque<std::string> separators_;  // of blocks whose handle is not known yet
  std::mutex handles_mu_;
  std::deque<BlockHandle> handles_;  // of written blocks waiting for their separator
  std::atomic<uint64_t> offset_{0};
  std::string first_key_, last_key_;
  uint64_t entries_ = 0, data_blocks_ = 0, raw_key_bytes_ = 0, raw_value_bytes_ = 0;
  Status status_;
  // Data blocks for the pipeline, handed over together once they hold kBatchBytes.
  static constexpr size_t kBatchBytes = 128 << 10;
  std::vector<StoredBlock> batch_;
  size_t batch_bytes_ = 0;
  // Last: its threads stop before the members they use go away.
  std::optional<OrderedPipeline<std::vector<StoredBlock>>> pipeline_;
};

}  // namespace

namespace {

Status CheckOptions(const TableOptions& o) {
  if (o.block_size < 256 || o.block_size > (uint32_t{1} << 30) || o.restart_interval < 1 ||
      o.bloom_bits_per_key < 0 || o.bloom_bits_per_key > 64 || o.partition_size < 256 ||
      o.partition_size > (uint32_t{1} << 30) || o.max_key_size > table::kMaxKeySize ||
      o.max_value_size > table::kMaxValueSize) {
    return Status::InvalidArgument(
        "table options out of range (block size and partition size 256 B to 1 GiB, "
        "restart interval >= 1, bloom bits 0 to 64, key and value limits within 65535 and "
        "2^32 - 1)");
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<TableBuilder>> TableBuilder::Open(std::shared_ptr<ObjectStore> store,
                                                         std::string key,
                                                         const TableOptions& options,
                                                         PutMode mode) {
  BASIN_RETURN_IF_ERROR(CheckOptions(options));
  BASIN_ASSIGN_OR_RETURN(auto writer, store->NewWriter(key, mode));
  ObjectWriter* w = writer.get();
  return std::unique_ptr<TableBuilder>(std::make_unique<Builder>(w, std::move(writer), options));
}

Result<std::unique_ptr<TableBuilder>> TableBuilder::Open(ObjectWriter* writer,
                                                         const TableOptions& options) {
  if (writer == nullptr) return Status::InvalidArgument("table builder: no writer");
  BASIN_RETURN_IF_ERROR(CheckOptions(options));
  return std::unique_ptr<TableBuilder>(std::make_unique<Builder>(writer, nullptr, options));
}

}  // namespace basin
