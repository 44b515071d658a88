#include "basin/coding.h"

namespace basin {

void PutFixed16(std::string* dst, uint16_t v) {
  char buf[sizeof v];
  EncodeFixed16(buf, v);
  dst->append(buf, sizeof buf);
}

void PutFixed32(std::string* dst, uint32_t v) {
  char buf[sizeof v];
  EncodeFixed32(buf, v);
  dst->append(buf, sizeof buf);
}

void PutFixed64(std::string* dst, uint64_t v) {
  char buf[sizeof v];
  EncodeFixed64(buf, v);
  dst->append(buf, sizeof buf);
}

char* EncodeVarint64(char* dst, uint64_t v) {
  auto* p = reinterpret_cast<unsigned char*>(dst);
  while (v >= 0x80) {
    *p++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<unsigned char>(v);
  return reinterpret_cast<char*>(p);
}

char* EncodeVarint32(char* dst, uint32_t v) { return EncodeVarint64(dst, v); }

void PutVarint32(std::string* dst, uint32_t v) {
  char buf[kMaxVarint32Length];
  dst->append(buf, EncodeVarint32(buf, v) - buf);
}

void PutVarint64(std::string* dst, uint64_t v) {
  char buf[kMaxVarint64Length];
  dst->append(buf, EncodeVarint64(buf, v) - buf);
}

void PutLengthPrefixed(std::string* dst, std::string_view value) {
  PutVarint64(dst, value.size());
  dst->append(value);
}

int VarintLength(uint64_t v) {
  int len = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++len;
  }
  return len;
}

namespace {

// Decodes at most max_bytes bytes; the last allowed byte may carry only `last_bits` bits.
const char* DecodeVarint(const char* p, const char* limit, int max_bytes, int last_bits,
                         uint64_t* v) {
  uint64_t result = 0;
  for (int i = 0; i < max_bytes && p < limit; ++i) {
    const auto byte = static_cast<unsigned char>(*p++);
    if (i == max_bytes - 1 && (byte >> last_bits) != 0) return nullptr;  // overflow
    result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *v = result;
      return p;
    }
  }
  return nullptr;  // truncated, or too long
}

}  // namespace

const char* GetVarint64PtrSlow(const char* p, const char* limit, uint64_t* v) {
  return DecodeVarint(p, limit, kMaxVarint64Length, 1, v);
}

const char* GetVarint32PtrSlow(const char* p, const char* limit, uint32_t* v) {
  uint64_t wide = 0;
  const char* q = DecodeVarint(p, limit, kMaxVarint32Length, 4, &wide);
  if (q != nullptr) *v = static_cast<uint32_t>(wide);
  return q;
}

namespace {
template <typename T, T (*Decode)(const char*)>
bool GetFixed(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  *v = Decode(in->data());
  in->remove_prefix(sizeof(T));
  return true;
}
}  // namespace

bool GetFixed16(std::string_view* in, uint16_t* v) {
  return GetFixed<uint16_t, DecodeFixed16>(in, v);
}
bool GetFixed32(std::string_view* in, uint32_t* v) {
  return GetFixed<uint32_t, DecodeFixed32>(in, v);
}
bool GetFixed64(std::string_view* in, uint64_t* v) {
  return GetFixed<uint64_t, DecodeFixed64>(in, v);
}

bool GetVarint32(std::string_view* in, uint32_t* v) {
  const char* end = in->data() + in->size();
  const char* q = GetVarint32Ptr(in->data(), end, v);
  if (q == nullptr) return false;
  in->remove_prefix(q - in->data());
  return true;
}

bool GetVarint64(std::string_view* in, uint64_t* v) {
  const char* end = in->data() + in->size();
  const char* q = GetVarint64Ptr(in->data(), end, v);
  if (q == nullptr) return false;
  in->remove_prefix(q - in->data());
  return true;
}

bool GetBytes(std::string_view* in, size_t n, std::string_view* value) {
  if (in->size() < n) return false;
  *value = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

bool GetLengthPrefixed(std::string_view* in, std::string_view* value) {
  std::string_view rest = *in;
  uint64_t len = 0;
  if (!GetVarint64(&rest, &len) || len > rest.size()) return false;
  *value = rest.substr(0, len);
  rest.remove_prefix(len);
  *in = rest;
  return true;
}

}  // namespace basin
