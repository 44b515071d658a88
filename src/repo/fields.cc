#include "repo/fields.h"

#include <fmt/format.h>

#include "basin/coding.h"

namespace basin::repo {

void FieldWriter::Bytes(uint32_t tag, std::string_view value) {
  PutVarint32(&out_, tag);
  PutLengthPrefixed(&out_, value);
}

void FieldWriter::Varint(uint32_t tag, uint64_t value) {
  char buf[kMaxVarint64Length];
  const char* end = EncodeVarint64(buf, value);
  Bytes(tag, std::string_view(buf, static_cast<size_t>(end - buf)));
}

Result<bool> FieldReader::Next(uint32_t* tag, std::string_view* value) {
  if (in_.empty()) return false;
  if (!GetVarint32(&in_, tag) || !GetLengthPrefixed(&in_, value)) {
    return Status::Corruption(fmt::format("{}: a field is cut short", what_));
  }
  if (*tag < last_tag_) {
    return Status::Corruption(
        fmt::format("{}: field {} comes after field {} (out of order)", what_, *tag, last_tag_));
  }
  last_tag_ = *tag;
  return true;
}

Status FieldReader::Unknown(uint32_t tag) const {
  if (tag % 2 == 1) return Status::OK();
  return Status::NotSupported(fmt::format(
      "{} holds field {}, which this version of basin does not know: it was written by a "
      "newer basin",
      what_, tag));
}

Result<uint64_t> FieldVarint(std::string_view value, std::string_view what) {
  uint64_t v = 0;
  if (!GetVarint64(&value, &v) || !value.empty()) {
    return Status::Corruption(fmt::format("{}: not a number", what));
  }
  return v;
}

Status FieldFixed(std::string_view value, size_t size, std::string_view what) {
  if (value.size() != size) {
    return Status::Corruption(
        fmt::format("{}: {} bytes where {} belong", what, value.size(), size));
  }
  return Status::OK();
}

}  // namespace basin::repo
