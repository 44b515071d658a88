#include "basin/checksum.h"

#include <climits>

#include <isa-l/crc.h>
#include <xxhash.h>

namespace basin {

uint32_t Crc32cExtend(uint32_t crc, std::string_view data) {
  // ISA-L takes an int length and neither pre- nor post-inverts; do both, in int-sized steps.
  uint32_t state = ~crc;
  auto* p = reinterpret_cast<unsigned char*>(const_cast<char*>(data.data()));
  size_t left = data.size();
  while (left > 0) {
    const int n = left > static_cast<size_t>(INT_MAX) ? INT_MAX : static_cast<int>(left);
    state = crc32_iscsi(p, n, state);
    p += n;
    left -= static_cast<size_t>(n);
  }
  return ~state;
}

uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

uint64_t Xxh3_64(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

uint64_t Xxh64(std::string_view data, uint64_t seed) {
  return XXH64(data.data(), data.size(), seed);
}

uint32_t Xxh32(std::string_view data, uint32_t seed) {
  return XXH32(data.data(), data.size(), seed);
}

}  // namespace basin
