// Little-endian fixed-width and varint encoding, with bounds-checked decoding.
//
// Every decoder takes the end of its input and fails (returns false or nullptr) rather than
// read past it; a varint longer than its type allows is an error, not a wrap-around.
// Varints are LEB128: 7 bits per byte, low bits first, high bit set on all but the last byte.
#ifndef BASIN_CODING_H_
#define BASIN_CODING_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace basin {

inline constexpr int kMaxVarint32Length = 5;
inline constexpr int kMaxVarint64Length = 10;

namespace coding_internal {
template <typename T>
inline T ToLittle(T v) {
  if constexpr (std::endian::native == std::endian::big) {
    if constexpr (sizeof(T) == 2) return __builtin_bswap16(v);
    if constexpr (sizeof(T) == 4) return __builtin_bswap32(v);
    if constexpr (sizeof(T) == 8) return __builtin_bswap64(v);
  }
  return v;
}
}  // namespace coding_internal

// Raw stores and loads. REQUIRES: the buffer has room for sizeof(value) bytes.
inline void EncodeFixed16(char* dst, uint16_t v) {
  v = coding_internal::ToLittle(v);
  std::memcpy(dst, &v, sizeof v);
}
inline void EncodeFixed32(char* dst, uint32_t v) {
  v = coding_internal::ToLittle(v);
  std::memcpy(dst, &v, sizeof v);
}
inline void EncodeFixed64(char* dst, uint64_t v) {
  v = coding_internal::ToLittle(v);
  std::memcpy(dst, &v, sizeof v);
}
inline uint16_t DecodeFixed16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return coding_internal::ToLittle(v);
}
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return coding_internal::ToLittle(v);
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return coding_internal::ToLittle(v);
}

// Appending encoders.
void PutFixed16(std::string* dst, uint16_t v);
void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
void PutVarint32(std::string* dst, uint32_t v);
void PutVarint64(std::string* dst, uint64_t v);
// A varint length followed by the bytes.
void PutLengthPrefixed(std::string* dst, std::string_view value);

// Writes the varint at dst and returns the byte after it. REQUIRES: room for its length.
char* EncodeVarint32(char* dst, uint32_t v);
char* EncodeVarint64(char* dst, uint64_t v);
// Number of bytes the varint encoding of v takes (1 to 10).
int VarintLength(uint64_t v);

// Decodes a varint from [p, limit). Returns the byte after it, or nullptr when the input
// ends inside the varint or the value does not fit the type.
const char* GetVarint32PtrSlow(const char* p, const char* limit, uint32_t* v);
const char* GetVarint64PtrSlow(const char* p, const char* limit, uint64_t* v);
inline const char* GetVarint32Ptr(const char* p, const char* limit, uint32_t* v) {
  if (p < limit && (static_cast<unsigned char>(*p) & 0x80) == 0) {  // one byte: most lengths
    *v = static_cast<unsigned char>(*p);
    return p + 1;
  }
  return GetVarint32PtrSlow(p, limit, v);
}
inline const char* GetVarint64Ptr(const char* p, const char* limit, uint64_t* v) {
  if (p < limit && (static_cast<unsigned char>(*p) & 0x80) == 0) {
    *v = static_cast<unsigned char>(*p);
    return p + 1;
  }
  return GetVarint64PtrSlow(p, limit, v);
}

// Consuming decoders: on success advance *in past the value and return true; on failure
// return false and leave *in unchanged.
bool GetFixed16(std::string_view* in, uint16_t* v);
bool GetFixed32(std::string_view* in, uint32_t* v);
bool GetFixed64(std::string_view* in, uint64_t* v);
bool GetVarint32(std::string_view* in, uint32_t* v);
bool GetVarint64(std::string_view* in, uint64_t* v);
bool GetLengthPrefixed(std::string_view* in, std::string_view* value);
bool GetBytes(std::string_view* in, size_t n, std::string_view* value);

}  // namespace basin

#endif  // BASIN_CODING_H_
