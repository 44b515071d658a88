// Checksums, as thin wrappers: CRC32C from ISA-L, XXH3/XXH64/XXH32 from libxxhash.
// All are pure functions, safe from any thread.
#ifndef BASIN_CHECKSUM_H_
#define BASIN_CHECKSUM_H_

#include <cstdint>
#include <string_view>

namespace basin {

// CRC32C (Castagnoli, as in iSCSI and ext4): Crc32c("123456789") == 0xE3069283.
uint32_t Crc32c(std::string_view data);
// The CRC32C of A followed by `data`, given crc == Crc32c(A).
uint32_t Crc32cExtend(uint32_t crc, std::string_view data);

// A CRC stored inside data that is itself CRC'd is masked, so that a checksum over bytes
// holding checksums does not degenerate (the LevelDB/RocksDB convention).
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t UnmaskCrc(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

uint64_t Xxh3_64(std::string_view data);
uint64_t Xxh64(std::string_view data, uint64_t seed = 0);
uint32_t Xxh32(std::string_view data, uint32_t seed = 0);

}  // namespace basin

#endif  // BASIN_CHECKSUM_H_
