#include "table/table_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "basin/checksum.h"
#include "basin/coding.h"

#define XXH_STATIC_LINKING_ONLY  // XXH3_state_t on the stack
#include <xxhash.h>

namespace basin::table {

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

bool BlockHandle::DecodeFrom(std::string_view* in) {
  return GetVarint64(in, &offset) && GetVarint64(in, &size);
}

void PartitionHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, filter_size);
  PutVarint64(dst, index_size);
  data.EncodeTo(dst);
}

bool PartitionHandle::DecodeFrom(std::string_view* in) {
  return GetVarint64(in, &offset) && GetVarint64(in, &filter_size) &&
         GetVarint64(in, &index_size) && data.DecodeFrom(in);
}

namespace {
uint32_t FooterChecksum(std::string_view first36) {
  char buf[kFooterVersionOffset + 4 + kMagic.size()];
  std::memcpy(buf, first36.data(), kFooterVersionOffset + 4);
  std::memcpy(buf + kFooterVersionOffset + 4, kMagic.data(), kMagic.size());
  return Xxh32(std::string_view(buf, sizeof buf));
}
}  // namespace

std::string Footer::Encode() const {
  std::string s;
  PutFixed64(&s, data_size);
  PutFixed64(&s, filter_size);
  PutFixed64(&s, partitions_size);
  PutFixed64(&s, meta_size);
  PutFixed32(&s, static_cast<uint32_t>(kFormatVersion));
  PutFixed32(&s, FooterChecksum(s));
  s.append(kMagic);
  return s;
}

Result<Footer> Footer::Decode(std::string_view b, uint64_t table_size) {
  if (b.size() != kFooterSize || table_size < kFooterSize) {
    return Status::Corruption(fmt::format("table of {} bytes is shorter than its footer ({})",
                                          std::min<uint64_t>(b.size(), table_size), kFooterSize));
  }
  if (b.substr(kFooterSize - kMagic.size()) != kMagic) {
    return Status::Corruption(
        "no table magic at the end: not a basin table, truncated, or a range that does not "
        "end where the table ends");
  }
  const char* version_at = b.data() + kFooterVersionOffset;
  if (DecodeFixed32(version_at + 4) != FooterChecksum(b.substr(0, kFooterVersionOffset + 4))) {
    return Status::Corruption("table footer checksum mismatch");
  }
  const uint32_t version = DecodeFixed32(version_at);
  if (version == static_cast<uint32_t>(FormatVersion::kV1Development)) {
    return Status::NotSupported(
        "table format version 1 (the unreleased development layout) is not read by this "
        "basin, which reads version 2: rebuild the table from its source");
  }
  if (version != static_cast<uint32_t>(kFormatVersion)) {
    return Status::NotSupported(fmt::format(
        "table format version {} (this basin reads version {}): open it with a newer basin",
        version, static_cast<uint32_t>(kFormatVersion)));
  }
  Footer f;
  f.data_size = DecodeFixed64(b.data());
  f.filter_size = DecodeFixed64(b.data() + 8);
  f.partitions_size = DecodeFixed64(b.data() + 16);
  f.meta_size = DecodeFixed64(b.data() + 24);
  // Each region lies inside the table and together with the footer they fill it exactly.
  const uint64_t room = table_size - kFooterSize;
  const bool fits = table_size < kMaxTableSize && f.data_size <= room &&
                    f.filter_size <= room - f.data_size &&
                    f.partitions_size <= room - f.data_size - f.filter_size &&
                    f.meta_size == room - f.data_size - f.filter_size - f.partitions_size;
  if (!fits) {
    return Status::Corruption(fmt::format(
        "table footer: regions of {} + {} + {} + {} bytes and a footer do not make the {} "
        "bytes read as the table (a truncated table, or a range that does not start where "
        "the table starts)",
        f.data_size, f.filter_size, f.partitions_size, f.meta_size, table_size));
  }
  if (f.meta_size < kBlockTrailerSize ||
      (f.filter_size != 0 && f.filter_size < kBlockTrailerSize) ||
      (f.partitions_size != 0 && f.partitions_size < kBlockTrailerSize)) {
    return Status::Corruption("table footer: a region is too small to hold a block");
  }
  if (f.filter_size != 0 && f.partitions_size != 0) {
    return Status::Corruption(
        "table footer: both a filter block and partitions (a partitioned table keeps its "
        "filter in its partitions)");
  }
  return f;
}

Status PrepareStoredBlock(std::string_view contents, Compressor* compressor, std::string* scratch,
                          std::string_view* body, char trailer[kBlockTrailerSize]) {
  CompressionType type = CompressionType::kNone;
  *body = contents;
  if (compressor != nullptr && compressor->options().type != CompressionType::kNone &&
      contents.size() <= kMaxDecompressedSize) {
    scratch->clear();
    PutVarint64(scratch, contents.size());
    BASIN_RETURN_IF_ERROR(compressor->Compress(contents, scratch));
    if (scratch->size() < contents.size() - contents.size() / 8) {
      type = compressor->options().type;
      *body = *scratch;
    }
  }
  trailer[0] = static_cast<char>(type);
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, body->data(), body->size());
  XXH3_64bits_update(&state, trailer, 1);
  EncodeFixed64(trailer + 1, XXH3_64bits_digest(&state));
  return Status::OK();
}

Status CheckStoredBlock(std::string_view stored, std::string_view what, CompressionType* type,
                        std::string_view* body) {
  auto bad = [&](std::string msg) {
    return Status::Corruption(what.empty() ? msg : fmt::format("{}: {}", what, msg));
  };
  if (stored.size() < kBlockTrailerSize) {
    return bad(fmt::format("{} bytes, too short for a block", stored.size()));
  }
  const size_t n = stored.size() - 8;
  if (Xxh3_64(stored.substr(0, n)) != DecodeFixed64(stored.data() + n)) {
    return bad("checksum mismatch");
  }
  const auto t = static_cast<uint8_t>(stored[n - 1]);
  if (!IsKnownCompression(t)) return bad(fmt::format("unknown compression {}", t));
  *type = static_cast<CompressionType>(t);
  *body = stored.substr(0, n - 1);
  return Status::OK();
}

Status DecompressBody(CompressionType type, std::string_view body, std::string_view what,
                      Decompressor& decompressor, std::string* contents) {
  uint64_t size = 0;
  if (!GetVarint64(&body, &size)) {
    return Status::Corruption(what.empty() ? "bad compression header"
                                           : fmt::format("{}: bad compression header", what));
  }
  contents->clear();
  Status s = decompressor.Decompress(type, body, size, contents);
  return what.empty() ? s : s.WithContext(what);
}

Status DecodeStoredBlock(std::string&& stored, std::string_view what, Decompressor& decompressor,
                         std::string* contents) {
  CompressionType type;
  std::string_view body;
  BASIN_RETURN_IF_ERROR(CheckStoredBlock(stored, what, &type, &body));
  if (type == CompressionType::kNone) {
    stored.resize(body.size());
    *contents = std::move(stored);
    return Status::OK();
  }
  return DecompressBody(type, body, what, decompressor, contents);
}

}  // namespace basin::table
