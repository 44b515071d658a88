#include "basin/blake3.h"

#include <blake3.h>

#include <cstring>

namespace basin {
namespace {

static_assert(sizeof(blake3_hasher) <= 1920, "grow Blake3::state_");
static_assert(alignof(blake3_hasher) <= 8, "align Blake3::state_");

blake3_hasher* H(unsigned char* state) { return reinterpret_cast<blake3_hasher*>(state); }
const blake3_hasher* H(const unsigned char* state) {
  return reinterpret_cast<const blake3_hasher*>(state);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Hash256::ToHex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(kSize * 2, '0');
  for (size_t i = 0; i < kSize; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

Result<Hash256> Hash256::FromHex(std::string_view hex) {
  if (hex.size() != kSize * 2) {
    return Status::InvalidArgument("a BLAKE3 id is 64 hex digits, got " +
                                   std::to_string(hex.size()) + " characters");
  }
  Hash256 h;
  for (size_t i = 0; i < kSize; ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("not a hex digit at position " + std::to_string(2 * i));
    }
    h.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return h;
}

Blake3::Blake3() { blake3_hasher_init(H(state_)); }

Blake3 Blake3::Keyed(std::span<const uint8_t, kKeySize> key) {
  Blake3 b{Uninit{}};
  blake3_hasher_init_keyed(H(b.state_), key.data());
  return b;
}

Blake3 Blake3::DeriveKey(std::string_view context) {
  Blake3 b{Uninit{}};
  blake3_hasher_init_derive_key_raw(H(b.state_), context.data(), context.size());
  return b;
}

void Blake3::Update(std::string_view data) {
  blake3_hasher_update(H(state_), data.data(), data.size());
}

Hash256 Blake3::Finalize() const {
  Hash256 h;
  blake3_hasher_finalize(H(state_), h.bytes.data(), h.bytes.size());
  return h;
}

void Blake3::FinalizeXof(std::span<uint8_t> out) const {
  blake3_hasher_finalize(H(state_), out.data(), out.size());
}

Hash256 Blake3Hash(std::string_view data) {
  Blake3 b;
  b.Update(data);
  return b.Finalize();
}

Hash256 Blake3KeyedHash(std::span<const uint8_t, Blake3::kKeySize> key, std::string_view data) {
  Blake3 b = Blake3::Keyed(key);
  b.Update(data);
  return b.Finalize();
}

}  // namespace basin
