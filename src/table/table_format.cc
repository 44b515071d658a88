#include "table/table_format.h"

#include <fmt/format.h>

#include "basin/checksum.h"
#include "basin/coding.h"

namespace basin::table {

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

bool BlockHandle::DecodeFrom(std::string_view* in) {
  return GetVarint64(in, &offset) && GetVarint64(in, &size);
}

namespace {
uint32_t FooterChecksum(std::string_view first36) {
  std::string buf(first36);
  buf.append(kMagic);
  return Xxh32(buf);
}
}  // namespace

std::string Footer::Encode() const {
  std::string s;
  PutFixed64(&s, meta.offset);
  PutFixed64(&s, meta.size);
  PutFixed64(&s, filter.offset);
  PutFixed64(&s, filter.size);
  PutFixed32(&s, kFormatVersion);
  PutFixed32(&s, FooterChecksum(s));
  s.append(kMagic);
  return s;
}

Result<Footer> Footer::Decode(std::string_view b, uint64_t file_size) {
  if (b.size() != kFooterSize) {
    return Status::Corruption(
        fmt::format("table of {} bytes is shorter than its footer ({})", b.size(), kFooterSize));
  }
  if (b.substr(40) != kMagic) {
    return Status::Corruption("no table magic at the end: not a basin table, or truncated");
  }
  if (DecodeFixed32(b.data() + 36) != FooterChecksum(b.substr(0, 36))) {
    return Status::Corruption("table footer checksum mismatch");
  }
  const uint32_t version = DecodeFixed32(b.data() + 32);
  if (version != kFormatVersion) {
    return Status::NotSupported(
        fmt::format("table format version {} (this basin reads {})", version, kFormatVersion));
  }
  Footer f;
  f.meta = {DecodeFixed64(b.data()), DecodeFixed64(b.data() + 8)};
  f.filter = {DecodeFixed64(b.data() + 16), DecodeFixed64(b.data() + 24)};
  const uint64_t end = file_size - kFooterSize;
  auto inside = [&](const BlockHandle& h) {
    return h.offset <= end && h.size <= end - h.offset && h.size >= kBlockTrailerSize;
  };
  if (!inside(f.meta) || f.meta.offset + f.meta.size != end ||
      (f.filter.size != 0 &&
       (!inside(f.filter) || f.filter.offset + f.filter.size != f.meta.offset))) {
    return Status::Corruption("table footer: the meta or filter block lies outside the table");
  }
  return f;
}

Status AppendStoredBlock(std::string_view contents, Compressor* compressor, std::string* scratch,
                         std::string* out) {
  const size_t start = out->size();
  CompressionType type = CompressionType::kNone;
  if (compressor != nullptr && compressor->options().type != CompressionType::kNone &&
      contents.size() <= kMaxDecompressedSize) {
    scratch->clear();
    PutVarint64(scratch, contents.size());
    BASIN_RETURN_IF_ERROR(compressor->Compress(contents, scratch));
    if (scratch->size() < contents.size() - contents.size() / 8) {
      type = compressor->options().type;
      out->append(*scratch);
    }
  }
  if (type == CompressionType::kNone) out->append(contents);
  out->push_back(static_cast<char>(type));
  PutFixed64(out, Xxh3_64(std::string_view(*out).substr(start)));
  return Status::OK();
}

Status DecodeStoredBlock(std::string_view stored, std::string_view what, Decompressor& decompressor,
                         std::string* contents) {
  if (stored.size() < kBlockTrailerSize) {
    return Status::Corruption(
        fmt::format("{}: {} bytes, too short for a block", what, stored.size()));
  }
  const size_t n = stored.size() - 8;
  if (Xxh3_64(stored.substr(0, n)) != DecodeFixed64(stored.data() + n)) {
    return Status::Corruption(fmt::format("{}: checksum mismatch", what));
  }
  const uint8_t type = static_cast<uint8_t>(stored[n - 1]);
  std::string_view body = stored.substr(0, n - 1);
  contents->clear();
  if (type == 0) {
    contents->assign(body);
    return Status::OK();
  }
  uint64_t size = 0;
  if (!IsKnownCompression(type) || !GetVarint64(&body, &size)) {
    return Status::Corruption(fmt::format("{}: bad compression header", what));
  }
  return decompressor.Decompress(static_cast<CompressionType>(type), body, size, contents)
      .WithContext(what);
}

}  // namespace basin::table
