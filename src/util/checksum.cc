#include "basin/checksum.h"

#include <climits>

#include <isa-l/crc.h>
#include <xxhash.h>
#if defined(__x86_64__)
// libxxhash's runtime dispatch picks the AVX2 or AVX-512 kernel where the CPU has one;
// the plain XXH3 entry points are built for baseline SSE2.
#include <xxh_x86dispatch.h>
#define BASIN_XXH3_64 XXH3_64bits_dispatch
#else
#define BASIN_XXH3_64 XXH3_64bits
#endif

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

uint64_t Xxh3_64(std::string_view data) { return BASIN_XXH3_64(data.data(), data.size()); }

uint64_t Xxh64(std::string_view data, uint64_t seed) {
  return XXH64(data.data(), data.size(), seed);
}

uint32_t Xxh32(std::string_view data, uint32_t seed) {
  return XXH32(data.data(), data.size(), seed);
}

}  // namespace basin
