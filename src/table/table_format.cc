#include "table/table_format.h"

#include <fmt/format.h>

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
