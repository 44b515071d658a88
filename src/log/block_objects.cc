// The object-per-block layout as found in a store (docs/format/log.md, "Object-per-block
// layout" and "Recovery"). A listing is untrusted input: a stray key may carry any block
// number and any size. Nothing here is sized by a number from a listing: work and memory
// follow the objects actually listed, a run of missing numbers is one line of damage,
// block numbers past the format's 50 bits are damage, and a block object is read only
// after its trailer has said how long it is and that length fits the header's block size.
#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "log/block_decoder.h"
#include "log/log_file.h"
#include "util/parallel.h"

namespace basin::log {
namespace {

constexpr size_t kReadParallelism = 8;     // object reads in flight
constexpr uint64_t kTailProbe = 64 << 10;  // one suffix read covers most footer objects
constexpr uint64_t kBlockLimit = uint64_t{1} << kFileBlockBits;

struct ListedBlock {
  uint64_t number;
  uint64_t size;
};

struct Listing {
  std::vector<ListedBlock> blocks;  // by number, no duplicates
  std::optional<uint64_t> footer_size;
  uint64_t total = 0;  // bytes of every object, saturating
};

// "b" and 16 lowercase hex digits, as BlockObjectName writes them.
std::optional<uint64_t> ParseBlockName(std::string_view name) {
  if (name.size() != 17 || name[0] != 'b') return std::nullopt;
  uint64_t n = 0;
  for (char c : name.substr(1)) {
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return std::nullopt;
    n = (n << 4) | static_cast<uint64_t>(v);
  }
  return n;
}

Result<Listing> ListBlockObjects(ObjectStore& store, const std::string& key) {
  BASIN_ASSIGN_OR_RETURN(auto objects, store.ListAll(key + "/"));
  Listing l;
  for (const ObjectInfo& o : objects) {
    if (o.key.size() <= key.size() + 1) continue;  // a listing that ignores the prefix
    const std::string_view name = std::string_view(o.key).substr(key.size() + 1);
    l.total = o.size > UINT64_MAX - l.total ? UINT64_MAX : l.total + o.size;
    if (name == "footer") {
      l.footer_size = o.size;
    } else if (auto n = ParseBlockName(name)) {
      l.blocks.push_back({*n, o.size});
    }
  }
  std::sort(l.blocks.begin(), l.blocks.end(),
            [](const ListedBlock& a, const ListedBlock& b) { return a.number < b.number; });
  l.blocks.erase(
      std::unique(l.blocks.begin(), l.blocks.end(),
                  [](const ListedBlock& a, const ListedBlock& b) { return a.number == b.number; }),
      l.blocks.end());
  return l;
}

uint64_t ObjectBytes(const BlockInfo& b) {
  return (b.block_number == 0 ? kHeaderRecordSize : 0) + b.content_size + kTrailerSize;
}

// A sealed log: the footer object describes exactly the block objects listed. Sets
// st->sealed, or leaves st unchanged (the trailers decide). A footer that lists more
// blocks than there are objects is damage: sealed blocks have gone.
Status TryLoadSealed(ObjectStore& store, const std::string& key, const Listing& l, LogState* st) {
  if (!l.footer_size || *l.footer_size < kFooterSize) return Status::OK();
  std::string buf;
  uint64_t object_size = 0;
  Status s = store.Get(FooterObjectName(key), ByteRange::Suffix(kTailProbe), &buf, &object_size);
  if (s.IsNotFound() || s.IsInvalidArgument()) return Status::OK();
  BASIN_RETURN_IF_ERROR(s);
  RecordView r;
  Footer f;
  if (buf.size() < kFooterSize ||
      !ParseRecord(std::string_view(buf).substr(buf.size() - kFooterSize), 0, &r).ok() ||
      r.type != static_cast<uint8_t>(RecordType::kFooter) || !DecodeFooter(r.payload, &f).ok()) {
    return Status::OK();
  }
  if (f.block_count > l.blocks.size()) {
    st->damage.push_back(
        {f.index_offset, fmt::format("the footer object lists {} blocks but only {} block "
                                     "objects are listed: sealed blocks are missing",
                                     f.block_count, l.blocks.size())});
    return Status::OK();
  }
  // The footer object is the tail alone: its size follows from the footer's own counts.
  const uint64_t meta = f.metadata_size == 0 ? 0 : kRecordHeaderSize + f.metadata_size;
  if (f.metadata_size > object_size ||
      object_size != f.block_count * kTrailerSize + meta + kFooterSize) {
    return Status::OK();
  }
  std::string tail;
  if (object_size <= buf.size()) {
    tail = buf.substr(buf.size() - object_size);
  } else {
    BASIN_RETURN_IF_ERROR(store.Get(FooterObjectName(key), ByteRange::Span(0, object_size), &tail));
  }
  LogState sealed = *st;
  if (!ParseTail(tail, f.index_offset, /*take_blocks=*/true, &sealed).ok() ||
      sealed.blocks.size() != l.blocks.size()) {
    return Status::OK();
  }
  for (size_t i = 0; i < l.blocks.size(); ++i) {
    const BlockInfo& b = sealed.blocks[i];
    if (b.block_number != l.blocks[i].number || ObjectBytes(b) != l.blocks[i].size ||
        b.content_size + kTrailerSize > st->header.block_size) {
      return Status::OK();
    }
  }
  sealed.sealed = true;
  *st = std::move(sealed);
  return Status::OK();
}

// Damage found at `offset`: refused (kStrict), the end of what is kept (kPointInTime: every
// listed object from index i on is dropped; returns true to stop), or left out (skip).
Result<bool> OnDamage(const std::string& key, RecoveryMode mode, const Listing& l, size_t i,
                      uint64_t offset, std::string what, LogState* st) {
  if (mode == RecoveryMode::kStrict) {
    return Status::Corruption(fmt::format("'{}' is damaged at offset {}: {}", key, offset, what));
  }
  st->damage.push_back({offset, std::move(what)});
  if (mode == RecoveryMode::kPointInTime) {
    for (size_t j = i; j < l.blocks.size(); ++j) st->dropped_objects.push_back(l.blocks[j].number);
    return true;
  }
  st->holes = true;
  return false;
}

// Not sealed: each block object's trailer (its last 42 bytes), several at a time, chained
// in number order.
Status ScanTrailers(ObjectStore& store, const std::string& key, RecoveryMode mode, const Listing& l,
                    LogState* st) {
  std::vector<std::optional<BlockInfo>> trailers(l.blocks.size());
  BASIN_RETURN_IF_ERROR(ParallelFor(l.blocks.size(), kReadParallelism, [&](size_t i) -> Status {
    if (l.blocks[i].size < kTrailerSize || l.blocks[i].number >= kBlockLimit) return Status::OK();
    std::string bytes;
    Status s = store.Get(BlockObjectName(key, l.blocks[i].number), ByteRange::Suffix(kTrailerSize),
                         &bytes);
    if (s.IsNotFound() || s.IsCorruption()) return Status::OK();
    BASIN_RETURN_IF_ERROR(s);
    RecordView r;
    BlockInfo b;
    if (ParseRecord(bytes, 0, &r).ok() && r.type == static_cast<uint8_t>(RecordType::kTrailer) &&
        DecodeBlockInfo(r.payload, &b).ok()) {
      trailers[i] = b;
    }
    return Status::OK();
  }));
  uint64_t expect_number = 0, expect_offset = kHeaderRecordSize;
  uint64_t expect_entry = st->header.first_entry;
  for (size_t i = 0; i < l.blocks.size(); ++i) {
    const uint64_t n = l.blocks[i].number;
    if (n != expect_number) {
      const std::string what =
          n == expect_number + 1
              ? fmt::format("block object {} is missing", expect_number)
              : fmt::format("block objects {} to {} are missing ({} block objects are listed)",
                            expect_number, n - 1, l.blocks.size());
      BASIN_ASSIGN_OR_RETURN(bool stop, OnDamage(key, mode, l, i, expect_offset, what, st));
      if (stop) break;
    }
    const auto& t = trailers[i];
    const bool follows =
        t.has_value() && t->block_number == n && n < kBlockLimit &&
        ObjectBytes(*t) == l.blocks[i].size &&
        t->content_size + kTrailerSize <= st->header.block_size &&
        (st->holes ? t->block_offset >= expect_offset && t->first_entry >= expect_entry
                   : t->block_offset == expect_offset && t->first_entry == expect_entry);
    expect_number = n + 1;
    if (follows) {
      st->blocks.push_back(*t);
      expect_offset = t->end();
      expect_entry = t->first_entry + t->record_count;
      continue;
    }
    const std::string what =
        n >= kBlockLimit ? fmt::format("object b{:016x} is past the largest block number (2^{})", n,
                                       kFileBlockBits)
                         : fmt::format(
                               "block object {} has no valid trailer, or it does not follow the "
                               "blocks before it",
                               n);
    BASIN_ASSIGN_OR_RETURN(bool stop, OnDamage(key, mode, l, i, expect_offset, what, st));
    if (stop) break;
    st->dropped_objects.push_back(n);
  }
  st->end = expect_offset;
  return Status::OK();
}

}  // namespace

std::string EmptyBlockZeroObject(const FileHeader& header, BlockInfo* block0) {
  *block0 = BlockInfo{0, kHeaderRecordSize, 0, header.first_entry, 0, 0};
  std::string object;
  AppendRecord(&object, RecordType::kHeader, EncodeHeader(header));
  AppendRecord(&object, RecordType::kTrailer, EncodeBlockInfo(*block0));
  return object;
}

Status ScanBlockObjects(ObjectStore& store, const std::string& key, RecoveryMode mode,
                        LogState* st) {
  BASIN_ASSIGN_OR_RETURN(Listing l, ListBlockObjects(store, key));
  if (l.blocks.empty()) return Status::NotFound(fmt::format("no block objects under '{}/'", key));
  st->size = l.total;
  if (l.blocks[0].number != 0) {
    return Status::Corruption(
        fmt::format("'{}': block object 0, which holds the header, is missing", key));
  }
  BASIN_RETURN_IF_ERROR(ReadBlockFileHeader(store, BlockObjectName(key, 0), &st->header)
                            .WithContext(BlockObjectName(key, 0)));
  BASIN_RETURN_IF_ERROR(TryLoadSealed(store, key, l, st));
  if (st->sealed) return Status::OK();
  if (mode == RecoveryMode::kStrict && !st->damage.empty()) {
    return Status::Corruption(fmt::format("'{}' is damaged at offset {}: {}", key,
                                          st->damage[0].offset, st->damage[0].what));
  }
  BASIN_RETURN_IF_ERROR(ScanTrailers(store, key, mode, l, st));
  st->rewrite_block0 = !st->dropped_objects.empty() && st->dropped_objects.front() == 0;
  return Status::OK();
}

}  // namespace basin::log
