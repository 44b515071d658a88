#include "repo/grain.h"

#include <fmt/format.h>

#include "basin/basin.h"
#include "basin/checksum.h"
#include "basin/coding.h"
#include "repo/basin_format.h"

namespace basin::repo {

std::string GrainAd(std::string_view basin_id, const Hash256& id, uint8_t type) {
  std::string ad(kGrainAd);
  ad += basin_id;
  ad += id.view();
  ad += static_cast<char>(type);
  return ad;
}

void EncodeGrain(const Keys& keys, std::string_view basin_id, uint8_t type, const Hash256& id,
                 std::string_view data, GrainCodec* codec, std::string* out) {
  // plaintext := compression | raw length | data (compressed when that is smaller)
  std::string& plain = codec->plain;
  plain.clear();
  plain += static_cast<char>(CompressionType::kNone);
  PutVarint64(&plain, data.size());
  const size_t prefix = plain.size();
  const CompressionType c = codec->compressor.options().type;
  if (c != CompressionType::kNone && data.size() > 64 &&
      codec->compressor.Compress(data, &plain).ok() && plain.size() - prefix < data.size()) {
    plain[0] = static_cast<char>(c);
  } else {
    plain.resize(prefix);
    plain.append(data);
  }
  const size_t start = out->size();
  out->resize(start + kGrainHeaderSize);
  keys.SealGrain(plain, GrainAd(basin_id, id, type), out);
  char* h = out->data() + start;
  const size_t length = out->size() - start - kGrainLengthFieldEnd;
  EncodeFixed32(h + 4, static_cast<uint32_t>(length));
  h[8] = static_cast<char>(type);
  h[9] = 0;  // flags
  std::memcpy(h + 10, id.bytes.data(), kIdSize);
  EncodeFixed32(h, Xxh32(std::string_view(h + 4, out->size() - start - 4)));
}

Status ParseGrainHeader(std::string_view stored, std::string_view what, GrainHeader* header) {
  if (stored.size() < kGrainHeaderSize) {
    return Status::Corruption(
        fmt::format("{}: {} bytes, too short for a grain", what, stored.size()));
  }
  header->length = DecodeFixed32(stored.data() + 4);
  header->type = static_cast<uint8_t>(stored[8]);
  if (header->length < kGrainHeaderSize - kGrainLengthFieldEnd ||
      header->length > kMaxGrainLength) {
    return Status::Corruption(
        fmt::format("{}: grain length {} is out of bounds", what, header->length));
  }
  if (stored[9] != 0) return Status::Corruption(fmt::format("{}: unknown grain flags", what));
  std::memcpy(header->id.bytes.data(), stored.data() + 10, kIdSize);
  return Status::OK();
}

Status CheckGrainChecksum(std::string_view stored, std::string_view what, GrainHeader* header) {
  BASIN_RETURN_IF_ERROR(ParseGrainHeader(stored, what, header));
  if (stored.size() != kGrainLengthFieldEnd + header->length) {
    return Status::Corruption(fmt::format("{}: the grain says {} bytes, {} are there", what,
                                          kGrainLengthFieldEnd + header->length, stored.size()));
  }
  if (Xxh32(stored.substr(4)) != DecodeFixed32(stored.data())) {
    return Status::Corruption(fmt::format("{}: grain checksum mismatch (damaged)", what));
  }
  return Status::OK();
}

Status OpenGrain(const Keys& keys, std::string_view basin_id, std::string_view stored,
                 std::string_view what, GrainCodec* codec, GrainHeader* header, std::string* data) {
  BASIN_RETURN_IF_ERROR(CheckGrainChecksum(stored, what, header));
  std::string& plain = codec->plain;
  BASIN_RETURN_IF_ERROR(keys.OpenGrain(stored.substr(kGrainHeaderSize),
                                       GrainAd(basin_id, header->id, header->type), what, &plain));
  std::string_view in = plain;
  uint64_t raw = 0;
  if (in.empty() || !(in.remove_prefix(1), GetVarint64(&in, &raw)) || raw > kMaxGrainDataSize) {
    return Status::Corruption(fmt::format("{}: malformed grain contents", what));
  }
  const auto compression = static_cast<uint8_t>(plain[0]);
  data->clear();
  if (compression == static_cast<uint8_t>(CompressionType::kNone)) {
    if (in.size() != raw) {
      return Status::Corruption(
          fmt::format("{}: grain holds {} bytes, says {}", what, in.size(), raw));
    }
    data->assign(in);
  } else if (compression == static_cast<uint8_t>(CompressionType::kZstd)) {
    BASIN_RETURN_IF_ERROR(
        codec->decompressor.Decompress(CompressionType::kZstd, in, raw, data).WithContext(what));
  } else {
    return Status::Corruption(fmt::format("{}: unknown grain compression {}", what, compression));
  }
  if (keys.GrainId(header->type, *data) != header->id) {
    return Status::Corruption(
        fmt::format("{}: contents do not hash to the grain's id {}", what, header->id.ToHex()));
  }
  return Status::OK();
}

}  // namespace basin::repo

namespace basin {

std::string_view GrainTypeName(GrainType type) {
  switch (type) {
    case GrainType::kChunk:
      return "chunk";
    case GrainType::kClastList:
      return "clast list";
    case GrainType::kTree:
      return "tree";
    case GrainType::kSnapshot:
      return "snapshot";
    case GrainType::kBlob:
      return "blob";
  }
  return "unknown";
}

bool IsDataGrain(GrainType type) { return type == GrainType::kChunk || type == GrainType::kBlob; }

}  // namespace basin
