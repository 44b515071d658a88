// Meta block grammar:
//   meta  := field*                      (written in tag order; read in any order)
//   field := tag: varint | length: varint | value: length bytes
// A value is a varint, a u8 or bytes, as its tag says, and fills its length exactly.
#include "table/meta_block.h"

#include <fmt/format.h>

#include <cstring>

#include "basin/coding.h"
#include "table/table_format.h"

namespace basin::table {
namespace {

void PutField(std::string* dst, uint32_t tag, std::string_view value) {
  PutVarint32(dst, tag);
  PutLengthPrefixed(dst, value);
}

void PutVarintField(std::string* dst, uint32_t tag, uint64_t v) {
  char buf[kMaxVarint64Length];
  PutField(dst, tag, std::string_view(buf, EncodeVarint64(buf, v) - buf));
}

std::string_view FieldName(uint32_t tag) {
  switch (tag) {
    case kTagEntries:
      return "entries";
    case kTagDataBlocks:
      return "data_blocks";
    case kTagRawKeyBytes:
      return "raw_key_bytes";
    case kTagRawValueBytes:
      return "raw_value_bytes";
    case kTagCompression:
      return "compression";
    case kTagRestartInterval:
      return "restart_interval";
    case kTagFirstKey:
      return "first_key";
    case kTagLastKey:
      return "last_key";
    case kTagFileId:
      return "file_id";
    case kTagIndexLevels:
      return "index_levels";
    case kTagIndex:
      return "index";
    case kTagPartitions:
      return "partitions";
    case kTagFilterFpPpb:
      return "filter_fp_ppb";
    case kTagFilterBytes:
      return "filter_bytes";
    default:
      return "";
  }
}

Status Bad(uint32_t tag, std::string_view what) {
  return Status::Corruption(
      fmt::format("table meta block: field {} ({}) {}", FieldName(tag), tag, what));
}

// A varint that fills the whole value.
Status Varint(uint32_t tag, std::string_view v, uint64_t* out) {
  if (!GetVarint64(&v, out) || !v.empty()) return Bad(tag, "is not one varint");
  return Status::OK();
}

// Decodes one known field into *m.
Status DecodeField(uint32_t tag, std::string_view v, MetaBlock* m) {
  uint64_t n = 0;
  switch (tag) {
    case kTagEntries:
      return Varint(tag, v, &m->entries);
    case kTagDataBlocks:
      return Varint(tag, v, &m->data_blocks);
    case kTagRawKeyBytes:
      return Varint(tag, v, &m->raw_key_bytes);
    case kTagRawValueBytes:
      return Varint(tag, v, &m->raw_value_bytes);
    case kTagCompression:
      if (v.size() != 1 || !IsKnownCompression(static_cast<uint8_t>(v[0]))) {
        return Bad(tag, "is not a known compression");
      }
      m->compression = static_cast<CompressionType>(v[0]);
      return Status::OK();
    case kTagRestartInterval:
      BASIN_RETURN_IF_ERROR(Varint(tag, v, &n));
      if (n == 0 || n > UINT32_MAX) return Bad(tag, "is out of range");
      m->restart_interval = static_cast<uint32_t>(n);
      return Status::OK();
    case kTagFirstKey:
      m->first_key.assign(v);
      return Status::OK();
    case kTagLastKey:
      m->last_key.assign(v);
      return Status::OK();
    case kTagFileId:
      if (v.size() != m->file_id.size()) return Bad(tag, "is not 16 bytes");
      std::memcpy(m->file_id.data(), v.data(), v.size());
      return Status::OK();
    case kTagIndexLevels:
      BASIN_RETURN_IF_ERROR(Varint(tag, v, &m->index_levels));
      if (m->index_levels != kSingleLevelIndex && m->index_levels != kTwoLevelIndex) {
        return Bad(tag, fmt::format("gives {} levels (1 or 2)", m->index_levels));
      }
      return Status::OK();
    case kTagIndex:
      m->index.assign(v);
      return Status::OK();
    case kTagPartitions:
      return Varint(tag, v, &m->partitions);
    case kTagFilterFpPpb:
      BASIN_RETURN_IF_ERROR(Varint(tag, v, &n));
      if (n > 1000000000) return Bad(tag, "is above 1");
      m->filter_fp_ppb = n;
      return Status::OK();
    case kTagFilterBytes:
      return Varint(tag, v, &m->filter_bytes);
    default:
      return Status::OK();
  }
}

// Bit i: the field numbered i was seen.
uint64_t Bit(uint32_t tag) { return uint64_t{1} << (tag >> 1); }

}  // namespace

std::string MetaBlock::Encode() const {
  std::string s;
  PutVarintField(&s, kTagEntries, entries);
  PutVarintField(&s, kTagDataBlocks, data_blocks);
  PutVarintField(&s, kTagRawKeyBytes, raw_key_bytes);
  PutVarintField(&s, kTagRawValueBytes, raw_value_bytes);
  const char c = static_cast<char>(compression);
  PutField(&s, kTagCompression, std::string_view(&c, 1));
  PutVarintField(&s, kTagRestartInterval, restart_interval);
  PutField(&s, kTagFirstKey, first_key);
  PutField(&s, kTagLastKey, last_key);
  PutField(&s, kTagFileId,
           std::string_view(reinterpret_cast<const char*>(file_id.data()), file_id.size()));
  PutVarintField(&s, kTagIndexLevels, index_levels);
  PutField(&s, kTagIndex, index);
  if (index_levels == kTwoLevelIndex) PutVarintField(&s, kTagPartitions, partitions);
  if (filter_fp_ppb) PutVarintField(&s, kTagFilterFpPpb, *filter_fp_ppb);
  if (filter_bytes != 0) PutVarintField(&s, kTagFilterBytes, filter_bytes);
  return s;
}

Result<MetaBlock> MetaBlock::Decode(std::string_view in) {
  MetaBlock m;
  uint64_t seen = 0;
  while (!in.empty()) {
    uint32_t tag = 0;
    std::string_view value;
    if (!GetVarint32(&in, &tag) || !GetLengthPrefixed(&in, &value)) {
      return Status::Corruption("table meta block: a field is cut off");
    }
    if (FieldName(tag).empty()) {
      if (tag & kTagMustUnderstand) {
        return Status::NotSupported(fmt::format(
            "table meta block: field {} is unknown to this basin and must be understood: "
            "the table needs a newer basin",
            tag));
      }
      continue;  // a property added later: skipped
    }
    if (seen & Bit(tag)) return Bad(tag, "appears twice");
    seen |= Bit(tag);
    BASIN_RETURN_IF_ERROR(DecodeField(tag, value, &m));
  }
  for (uint32_t tag : {kTagEntries, kTagDataBlocks, kTagFileId, kTagIndexLevels, kTagIndex}) {
    if (!(seen & Bit(tag))) return Bad(tag, "is missing");
  }
  if (m.index_levels == kTwoLevelIndex && !(seen & Bit(kTagPartitions))) {
    return Bad(kTagPartitions, "is missing from a two-level table");
  }
  return m;
}

}  // namespace basin::table
