#include "log/log_file.h"

#include <fmt/format.h>

namespace basin::log {
namespace {

constexpr uint64_t kTailProbe = 64 << 10;  // one suffix read covers most tails

}  // namespace

uint64_t LogState::next_entry() const {
  if (blocks.empty()) return header.first_entry;
  return blocks.back().first_entry + blocks.back().record_count;
}

uint64_t LogState::record_count() const {
  uint64_t n = 0;
  for (const BlockInfo& b : blocks) n += b.record_count;
  return n;
}

LogInfo LogState::ToInfo() const {
  LogInfo info;
  info.layout = layout;
  info.has_header = has_header;
  info.format_version = has_header ? kFormatVersion : 0;
  info.footer_size = sealed ? kFooterSize : 0;
  info.sealed = sealed;
  info.holes = holes;
  info.block_size = header.block_size;
  info.compression = header.compression;
  info.segment = header.segment;
  info.first_entry = header.first_entry;
  info.next_entry = next_entry();
  info.record_count = record_count();
  info.size = size;
  info.index_offset = end;
  info.metadata = metadata;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const BlockInfo& b = blocks[i];
    const bool trailer = !(last_partial && i + 1 == blocks.size());
    info.blocks.push_back(
        {b.block_number, b.block_offset, b.content_size + (trailer ? kTrailerSize : 0),
         b.first_entry, b.record_count, b.compressed(), (b.flags & kBlockContinues) != 0, trailer});
  }
  return info;
}

std::string BlockObjectName(std::string_view key, uint64_t number) {
  return fmt::format("{}/b{:016x}", key, number);
}

std::string FooterObjectName(std::string_view key) { return fmt::format("{}/footer", key); }

Result<LogLayout> DetectLayout(ObjectStore& store, const std::string& key) {
  auto head = store.Head(key);
  if (head.ok()) return LogLayout::kSingleObject;
  if (!head.status().IsNotFound()) return head.status();
  ListOptions o;
  o.prefix = key + "/b";
  o.max_keys = 1;
  BASIN_ASSIGN_OR_RETURN(ListPage page, store.List(o));
  if (!page.objects.empty()) return LogLayout::kObjectPerBlock;
  return Status::NotFound(fmt::format("no log at '{}' in {}", key, store.url()));
}

Status ReadBlockFileHeader(ObjectStore& store, const std::string& object, FileHeader* h) {
  BASIN_ASSIGN_OR_RETURN(std::string head,
                         store.Get(object, ByteRange::Span(0, kHeaderRecordSize)));
  RecordView r;
  BASIN_RETURN_IF_ERROR(ParseRecord(head, 0, &r));
  if (r.type != static_cast<uint8_t>(RecordType::kHeader)) {
    return Status::Corruption("the first record is not a file header (not a basin log)");
  }
  BASIN_RETURN_IF_ERROR(DecodeHeader(r.payload, h));
  if (h->kind != FileKind::kBlockFile) {
    return Status::InvalidArgument("a basic record file, not a block log (open it as one)");
  }
  return Status::OK();
}

std::string EncodeTail(const LogState& state) {
  std::string tail;
  uint64_t block_bytes = 0;
  for (const BlockInfo& b : state.blocks) {
    AppendRecord(&tail, RecordType::kIndex, EncodeBlockInfo(b));
    block_bytes += b.content_size + kTrailerSize;
  }
  if (!state.metadata.empty()) AppendRecord(&tail, RecordType::kMetadata, state.metadata);
  Footer f;
  f.flags = state.holes ? kFooterHoles : 0;
  f.index_offset = state.end;
  f.block_count = state.blocks.size();
  f.record_count = state.record_count();
  f.first_entry = state.header.first_entry;
  f.next_entry = state.next_entry();
  f.block_bytes = block_bytes;
  f.metadata_size = state.metadata.size();
  f.file_id = state.header.file_id;
  AppendRecord(&tail, RecordType::kFooter, EncodeFooter(f));
  return tail;
}

Status ParseTail(std::string_view tail, uint64_t offset, bool take_blocks, LogState* state) {
  std::vector<BlockInfo> index;
  std::string metadata;
  Footer footer;
  bool have_footer = false;
  size_t off = 0;
  while (off < tail.size()) {
    if (have_footer) {
      return Status::Corruption(fmt::format("bytes after the footer at offset {}", offset + off));
    }
    RecordView r;
    BASIN_RETURN_IF_ERROR(ParseRecord(tail.substr(off), offset + off, &r));
    switch (static_cast<RecordType>(r.type)) {
      case RecordType::kIndex: {
        BlockInfo b;
        BASIN_RETURN_IF_ERROR(DecodeBlockInfo(r.payload, &b));
        index.push_back(b);
        break;
      }
      case RecordType::kMetadata:
        metadata.assign(r.payload);
        break;
      case RecordType::kFooter:
        BASIN_RETURN_IF_ERROR(DecodeFooter(r.payload, &footer));
        have_footer = true;
        break;
      default:
        if ((r.type & kSafeToIgnoreMask) == 0) {
          return Status::Corruption(
              fmt::format("record type {:#04x} in the tail at offset {}", r.type, r.offset));
        }
    }
    off += r.size();
  }
  if (!have_footer) return Status::Corruption(fmt::format("no footer after offset {}", offset));
  const bool holes = (footer.flags & kFooterHoles) != 0;
  // The index must describe blocks that tile the log from the header to the tail.
  uint64_t expect_offset = kHeaderRecordSize, expect_entry = state->header.first_entry;
  uint64_t block_bytes = 0, records = 0;
  for (size_t i = 0; i < index.size(); ++i) {
    const BlockInfo& b = index[i];
    const bool ok = holes ? (b.block_offset >= expect_offset && b.first_entry >= expect_entry &&
                             (i == 0 || b.block_number > index[i - 1].block_number))
                          : (b.block_offset == expect_offset && b.first_entry == expect_entry &&
                             b.block_number == i);
    if (!ok) {
      return Status::Corruption(
          fmt::format("index entry {} (block {} at offset {}) does not follow block {}", i,
                      b.block_number, b.block_offset, i == 0 ? 0 : index[i - 1].block_number));
    }
    expect_offset = b.end();
    expect_entry = b.first_entry + b.record_count;
    block_bytes += b.content_size + kTrailerSize;
    records += b.record_count;
  }
  if ((holes ? expect_offset > offset : expect_offset != offset) || footer.index_offset != offset ||
      footer.block_count != index.size() || footer.record_count != records ||
      footer.block_bytes != block_bytes || footer.first_entry != state->header.first_entry ||
      footer.next_entry != expect_entry || footer.metadata_size != metadata.size() ||
      footer.file_id != state->header.file_id) {
    return Status::Corruption(
        fmt::format("footer at offset {} does not match the index before it", offset));
  }
  if (take_blocks) {
    state->blocks = std::move(index);
  } else if (index != state->blocks) {
    return Status::Corruption(
        fmt::format("the index at offset {} does not list the blocks found", offset));
  }
  state->metadata = std::move(metadata);
  state->holes = holes;
  state->end = offset;
  return Status::OK();
}

namespace {

Status DecodeHeaderRecord(std::string_view bytes, FileHeader* h) {
  RecordView r;
  BASIN_RETURN_IF_ERROR(ParseRecord(bytes, 0, &r));
  if (r.type != static_cast<uint8_t>(RecordType::kHeader)) {
    return Status::Corruption("the first record is not a file header (not a basin log)");
  }
  return DecodeHeader(r.payload, h);
}

// A sealed single object: footer, index and header from one suffix read when they fit.
Status LoadSealedSingle(ObjectStore& store, const std::string& key, LogState* st) {
  if (st->size < kHeaderRecordSize + kFooterSize) return Status::Corruption("too short");
  const uint64_t probe = std::min(st->size, kTailProbe);
  BASIN_ASSIGN_OR_RETURN(std::string buf, store.Get(key, ByteRange::Suffix(probe)));
  RecordView r;
  BASIN_RETURN_IF_ERROR(ParseRecord(std::string_view(buf).substr(buf.size() - kFooterSize),
                                    st->size - kFooterSize, &r));
  Footer f;
  if (r.type != static_cast<uint8_t>(RecordType::kFooter)) return Status::Corruption("no footer");
  BASIN_RETURN_IF_ERROR(DecodeFooter(r.payload, &f));
  if (f.index_offset < kHeaderRecordSize || f.index_offset > st->size - kFooterSize) {
    return Status::Corruption("footer points outside the file");
  }
  const uint64_t buf_start = st->size - probe;
  std::string tail;
  if (f.index_offset >= buf_start) {
    tail = buf.substr(f.index_offset - buf_start);
  } else {
    BASIN_ASSIGN_OR_RETURN(
        tail, store.Get(key, ByteRange::Span(f.index_offset, st->size - f.index_offset)));
  }
  std::string head = buf_start == 0 ? buf.substr(0, kHeaderRecordSize) : std::string();
  if (head.empty()) {
    BASIN_ASSIGN_OR_RETURN(head, store.Get(key, ByteRange::Span(0, kHeaderRecordSize)));
  }
  BASIN_RETURN_IF_ERROR(DecodeHeaderRecord(head, &st->header));
  BASIN_RETURN_IF_ERROR(ParseTail(tail, f.index_offset, /*take_blocks=*/true, st));
  st->sealed = true;
  return Status::OK();
}

// A single object shorter than a header: empty, or a header torn by a crash (damage that
// point-in-time recovery cuts to an empty object), or not a log.
Status LoadHeaderless(ObjectStore& store, const std::string& key, RecoveryMode mode, LogState* st) {
  std::string bytes;
  if (st->size > 0) BASIN_RETURN_IF_ERROR(store.Get(key, ByteRange::Span(0, st->size), &bytes));
  if (!IsHeaderPrefix(bytes)) {
    return Status::Corruption(fmt::format(
        "'{}' holds {} bytes that do not start a log header: not a basin log", key, st->size));
  }
  st->has_header = false;
  st->end = 0;
  if (st->size == 0) return Status::OK();
  const std::string what =
      fmt::format("the header is torn ({} of {} bytes): its writer died creating the log", st->size,
                  kHeaderRecordSize);
  if (mode == RecoveryMode::kStrict) {
    return Status::Corruption(fmt::format("'{}' is damaged at offset 0: {}", key, what));
  }
  st->damage.push_back({0, what});
  return Status::OK();
}

}  // namespace

Result<LogState> LoadLog(ObjectStore& store, const std::string& key, RecoveryMode mode) {
  BASIN_ASSIGN_OR_RETURN(LogLayout layout, DetectLayout(store, key));
  LogState st;
  st.layout = layout;
  if (layout == LogLayout::kObjectPerBlock) {
    BASIN_RETURN_IF_ERROR(ScanBlockObjects(store, key, mode, &st));
    return st;
  }
  BASIN_ASSIGN_OR_RETURN(st.size, store.Head(key));
  if (st.size < kHeaderRecordSize) {
    BASIN_RETURN_IF_ERROR(LoadHeaderless(store, key, mode, &st));
    return st;
  }
  if (LoadSealedSingle(store, key, &st).ok()) return st;
  LogState scanned;
  scanned.layout = layout;
  scanned.size = st.size;
  BASIN_RETURN_IF_ERROR(ScanSingleObject(store, key, mode, &scanned));
  return scanned;
}

Status ReadBlockBytes(ObjectStore& store, const std::string& key, const LogState& state, size_t i,
                      std::string* out) {
  const BlockInfo& b = state.blocks[i];
  const bool trailer = !(state.last_partial && i + 1 == state.blocks.size());
  const uint64_t size = b.content_size + (trailer ? kTrailerSize : 0);
  if (state.layout == LogLayout::kSingleObject) {
    return store.Get(key, ByteRange::Span(b.block_offset, size), out);
  }
  const uint64_t skip = b.block_number == 0 ? kHeaderRecordSize : 0;
  return store.Get(BlockObjectName(key, b.block_number), ByteRange::Span(skip, size), out);
}

}  // namespace basin::log
