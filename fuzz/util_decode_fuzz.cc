// Feeds hostile bytes to every decoder of the utility layer: varints, fixed-width and
// length-prefixed values, each decompressor (with a declared size taken from the input),
// and AEAD opening. None may crash, read out of bounds or allocate past the declared size.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "basin/coding.h"
#include "basin/compression.h"
#include "basin/crypto.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  // Decode the input as a stream of tagged values until it runs out or fails.
  std::string_view rest = in;
  while (!rest.empty()) {
    const char tag = rest[0];
    rest.remove_prefix(1);
    uint32_t v32;
    uint64_t v64;
    uint16_t v16;
    std::string_view bytes;
    bool ok = false;
    switch (tag & 7) {
      case 0:
        ok = basin::GetVarint32(&rest, &v32);
        break;
      case 1:
        ok = basin::GetVarint64(&rest, &v64);
        break;
      case 2:
        ok = basin::GetFixed16(&rest, &v16);
        break;
      case 3:
        ok = basin::GetFixed32(&rest, &v32);
        break;
      case 4:
        ok = basin::GetFixed64(&rest, &v64);
        break;
      case 5:
        ok = basin::GetLengthPrefixed(&rest, &bytes);
        break;
      default:
        ok = basin::GetBytes(&rest, static_cast<uint8_t>(tag) >> 3, &bytes);
        break;
    }
    if (!ok) break;
  }

  // Decompression: [type:1][declared size:3][payload...]; sizes up to 1 MiB.
  if (size >= 4) {
    const auto type = static_cast<basin::CompressionType>(data[0] % 3);
    const size_t declared = (data[1] | (data[2] << 8) | (size_t{data[3]} << 16)) & 0xfffff;
    std::string out;
    static basin::Decompressor d;
    basin::Status s = d.Decompress(type, in.substr(4), declared, &out);
    if (s.ok() && out.size() != declared) __builtin_trap();
    if (!s.ok() && !out.empty()) __builtin_trap();
  }

  // AEAD: nothing but the sealer's key opens anything.
  static const basin::SecretKey key = basin::SecretKey::Random();
  std::string plain;
  if (basin::AeadOpen(key, in, "ad", &plain).ok()) __builtin_trap();
  return 0;
}
