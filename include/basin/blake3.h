// BLAKE3 over the official C implementation (with its SSE2/SSE4.1/AVX2/AVX-512 kernels).
#ifndef BASIN_BLAKE3_H_
#define BASIN_BLAKE3_H_

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "basin/status.h"

namespace basin {

// A 256-bit digest: the id of content in basin.
struct Hash256 {
  static constexpr size_t kSize = 32;
  std::array<uint8_t, kSize> bytes{};

  std::string ToHex() const;
  // Parses 64 hex digits (either case); anything else is InvalidArgument.
  static Result<Hash256> FromHex(std::string_view hex);
  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  auto operator<=>(const Hash256&) const = default;
};

// Incremental hasher. Not thread-safe; cheap to create (no allocation).
class Blake3 {
 public:
  static constexpr size_t kKeySize = 32;

  Blake3();  // plain hash
  // Keyed hash (a MAC): ids that do not reveal content to someone without the key.
  static Blake3 Keyed(std::span<const uint8_t, kKeySize> key);
  // Key derivation: a hasher whose output is a key for `context` (a fixed, unique string).
  static Blake3 DeriveKey(std::string_view context);

  void Update(std::string_view data);
  Hash256 Finalize() const;
  // Extendable output: fills `out` with the first out.size() bytes of the output stream.
  void FinalizeXof(std::span<uint8_t> out) const;

 private:
  struct Uninit {};
  explicit Blake3(Uninit) {}
  // Storage for the C library's blake3_hasher (kept out of this header).
  alignas(8) unsigned char state_[1920];
};

Hash256 Blake3Hash(std::string_view data);
Hash256 Blake3KeyedHash(std::span<const uint8_t, Blake3::kKeySize> key, std::string_view data);

}  // namespace basin

#endif  // BASIN_BLAKE3_H_
