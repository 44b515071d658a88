#include "log/log_format.h"

#include <cstring>

#include <fmt/format.h>

#include "basin/checksum.h"
#include "basin/coding.h"

namespace basin::log {

void EncodeRecordHeader(char* dst, RecordType type, std::string_view payload) {
  dst[4] = static_cast<char>(type);
  EncodeFixed32(dst + 5, static_cast<uint32_t>(payload.size()));
  const uint32_t crc = Crc32cExtend(Crc32c(std::string_view(dst + 4, 5)), payload);
  EncodeFixed32(dst, MaskCrc(crc));
}

void AppendCompact(std::string* dst, RecordType type, std::string_view payload) {
  dst->push_back(static_cast<char>(type));
  PutVarint64(dst, payload.size());
  dst->append(payload);
}

void AppendRecord(std::string* dst, RecordType type, std::string_view payload) {
  char header[kRecordHeaderSize];
  EncodeRecordHeader(header, type, payload);
  dst->append(header, sizeof header);
  dst->append(payload);
}

Status ParseRecord(std::string_view in, uint64_t offset, RecordView* out) {
  if (in.size() < kRecordHeaderSize) {
    return Status::Corruption(fmt::format("record at offset {} is cut off: {} of {} header bytes",
                                          offset, in.size(), kRecordHeaderSize));
  }
  const uint32_t length = DecodeFixed32(in.data() + 5);
  if (length > in.size() - kRecordHeaderSize) {
    return Status::Corruption(fmt::format("record at offset {} claims {} bytes but only {} follow",
                                          offset, length, in.size() - kRecordHeaderSize));
  }
  const uint32_t stored = UnmaskCrc(DecodeFixed32(in.data()));
  const uint32_t actual = Crc32c(in.substr(4, 5 + length));
  if (stored != actual) {
    return Status::Corruption(fmt::format("record at offset {}: checksum mismatch", offset));
  }
  out->type = static_cast<uint8_t>(in[4]);
  out->payload = in.substr(kRecordHeaderSize, length);
  out->offset = offset;
  return Status::OK();
}

namespace {

void PutFileId(std::string* dst, const FileId& id) {
  dst->append(reinterpret_cast<const char*>(id.data()), id.size());
}

void GetFileId(std::string_view* in, FileId* id) {
  std::memcpy(id->data(), in->data(), id->size());
  in->remove_prefix(id->size());
}

Status CheckMagicAndVersion(std::string_view* in, std::string_view what) {
  if (in->substr(0, kMagic.size()) != kMagic) {
    return Status::Corruption(fmt::format("{}: bad magic (not a basin log)", what));
  }
  in->remove_prefix(kMagic.size());
  uint16_t version = 0;
  GetFixed16(in, &version);
  if (version != kFormatVersion) {
    return Status::NotSupported(fmt::format("{}: format version {} (this basin reads version {})",
                                            what, version, kFormatVersion));
  }
  return Status::OK();
}

}  // namespace

std::string EncodeHeader(const FileHeader& h) {
  std::string s(kMagic);
  PutFixed16(&s, kFormatVersion);
  s.push_back(static_cast<char>(h.kind));
  s.push_back(static_cast<char>(h.compression));
  PutFixed32(&s, h.block_size);
  PutFixed32(&s, h.segment);
  PutFixed64(&s, h.first_entry);
  PutFileId(&s, h.file_id);
  return s;
}

Status DecodeHeader(std::string_view in, FileHeader* h) {
  if (in.size() != kHeaderPayloadSize) {
    return Status::Corruption(
        fmt::format("file header of {} bytes, expected {}", in.size(), kHeaderPayloadSize));
  }
  BASIN_RETURN_IF_ERROR(CheckMagicAndVersion(&in, "file header"));
  const uint8_t kind = static_cast<uint8_t>(in[0]);
  const uint8_t compression = static_cast<uint8_t>(in[1]);
  in.remove_prefix(2);
  if (kind != static_cast<uint8_t>(FileKind::kBlockFile) &&
      kind != static_cast<uint8_t>(FileKind::kBasicFile)) {
    return Status::Corruption(fmt::format("file header: unknown kind {}", kind));
  }
  if (!IsKnownCompression(compression)) {
    return Status::Corruption(fmt::format("file header: unknown compression {}", compression));
  }
  h->kind = static_cast<FileKind>(kind);
  h->compression = static_cast<CompressionType>(compression);
  GetFixed32(&in, &h->block_size);
  GetFixed32(&in, &h->segment);
  GetFixed64(&in, &h->first_entry);
  GetFileId(&in, &h->file_id);
  if (h->kind == FileKind::kBlockFile &&
      (h->block_size < kMinBlockSize || h->block_size > kMaxBlockSize)) {
    return Status::Corruption(fmt::format("file header: block size {} outside [{}, {}]",
                                          h->block_size, kMinBlockSize, kMaxBlockSize));
  }
  return Status::OK();
}

bool IsHeaderPrefix(std::string_view in) {
  if (in.size() >= kHeaderRecordSize) return false;
  // What every header record holds at fixed places: type, length, magic, version.
  std::string fixed(kRecordHeaderSize + kMagic.size() + 2, '\0');
  fixed[4] = static_cast<char>(RecordType::kHeader);
  EncodeFixed32(fixed.data() + 5, static_cast<uint32_t>(kHeaderPayloadSize));
  fixed.replace(kRecordHeaderSize, kMagic.size(), kMagic);
  EncodeFixed16(fixed.data() + kRecordHeaderSize + kMagic.size(), kFormatVersion);
  for (size_t i = 4; i < std::min(in.size(), fixed.size()); ++i) {
    if (in[i] != fixed[i]) return false;
  }
  size_t at = fixed.size();  // kind, compression, block size follow
  if (in.size() <= at) return true;
  const auto kind = static_cast<uint8_t>(in[at]);
  if (kind != static_cast<uint8_t>(FileKind::kBlockFile) &&
      kind != static_cast<uint8_t>(FileKind::kBasicFile)) {
    return false;
  }
  if (in.size() > at + 1 && !IsKnownCompression(static_cast<uint8_t>(in[at + 1]))) return false;
  at += 2;
  if (in.size() < at + 4) return true;
  const uint32_t block_size = DecodeFixed32(in.data() + at);
  return kind == static_cast<uint8_t>(FileKind::kBasicFile)
             ? true
             : block_size >= kMinBlockSize && block_size <= kMaxBlockSize;
}

std::string EncodeBlockInfo(const BlockInfo& b) {
  std::string s;
  s.reserve(kBlockInfoPayloadSize);
  PutFixed64(&s, b.block_number);
  PutFixed64(&s, b.block_offset);
  PutFixed32(&s, b.content_size);
  PutFixed64(&s, b.first_entry);
  PutFixed32(&s, b.record_count);
  s.push_back(static_cast<char>(b.flags));
  return s;
}

Status DecodeBlockInfo(std::string_view in, BlockInfo* b) {
  if (in.size() != kBlockInfoPayloadSize) {
    return Status::Corruption(
        fmt::format("block info of {} bytes, expected {}", in.size(), kBlockInfoPayloadSize));
  }
  GetFixed64(&in, &b->block_number);
  GetFixed64(&in, &b->block_offset);
  GetFixed32(&in, &b->content_size);
  GetFixed64(&in, &b->first_entry);
  GetFixed32(&in, &b->record_count);
  b->flags = static_cast<uint8_t>(in[0]);
  if ((b->flags & ~(kBlockContinues | kBlockCompressed)) != 0) {
    return Status::Corruption(
        fmt::format("block {}: unknown flags {:#x}", b->block_number, b->flags));
  }
  if (b->record_count > kMaxRecordsPerBlock) {
    return Status::Corruption(fmt::format("block {}: {} records, more than {}", b->block_number,
                                          b->record_count, kMaxRecordsPerBlock));
  }
  return Status::OK();
}

std::string EncodeFooter(const Footer& f) {
  std::string s(kMagic);
  PutFixed16(&s, kFormatVersion);
  PutFixed16(&s, f.flags);
  PutFixed32(&s, 0);
  PutFixed64(&s, f.index_offset);
  PutFixed64(&s, f.block_count);
  PutFixed64(&s, f.record_count);
  PutFixed64(&s, f.first_entry);
  PutFixed64(&s, f.next_entry);
  PutFixed64(&s, f.block_bytes);
  PutFixed64(&s, f.metadata_size);
  PutFileId(&s, f.file_id);
  return s;
}

Status DecodeFooter(std::string_view in, Footer* f) {
  if (in.size() != kFooterPayloadSize) {
    return Status::Corruption(
        fmt::format("footer of {} bytes, expected {}", in.size(), kFooterPayloadSize));
  }
  BASIN_RETURN_IF_ERROR(CheckMagicAndVersion(&in, "footer"));
  uint32_t reserved = 0;
  GetFixed16(&in, &f->flags);
  GetFixed32(&in, &reserved);
  GetFixed64(&in, &f->index_offset);
  GetFixed64(&in, &f->block_count);
  GetFixed64(&in, &f->record_count);
  GetFixed64(&in, &f->first_entry);
  GetFixed64(&in, &f->next_entry);
  GetFixed64(&in, &f->block_bytes);
  GetFixed64(&in, &f->metadata_size);
  GetFileId(&in, &f->file_id);
  if ((f->flags & ~kFooterHoles) != 0 || reserved != 0) {
    return Status::Corruption(fmt::format("footer: unknown flags {:#x}", f->flags));
  }
  if (f->next_entry < f->first_entry || f->record_count > f->next_entry - f->first_entry) {
    return Status::Corruption(fmt::format("footer: {} records between entries {} and {}",
                                          f->record_count, f->first_entry, f->next_entry));
  }
  return Status::OK();
}

}  // namespace basin::log
