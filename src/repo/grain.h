// Grains (docs/format/repository.md, "Grains"): one keyed record in a stratum.
//
//   grain     := check: u32 | length: u32 | type: u8 | flags: u8 | id: 32 | body
//   body      := sealed plaintext (AEAD with the grain key; the plaintext itself unencrypted)
//   plaintext := compression: u8 | raw length: varint | data
//   check     := XXH32 of every byte after it; AD := "basin grain v1" | basin id | id | type
#ifndef BASIN_REPO_GRAIN_H_
#define BASIN_REPO_GRAIN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "basin/blake3.h"
#include "basin/compression.h"
#include "repo/keys.h"

namespace basin::repo {

struct GrainHeader {
  uint32_t length = 0;  // the stored grain is kGrainLengthFieldEnd + length bytes
  uint8_t type = 0;
  Hash256 id;
};

// Per-thread scratch for encoding and decoding grains (reused buffers and contexts).
struct GrainCodec {
  explicit GrainCodec(CompressionOptions compression) : compressor(compression) {}
  Compressor compressor;
  Decompressor decompressor;
  std::string plain, sealed;
};

// Appends the stored form of a grain holding `data` to *out. Compresses with the codec's
// compressor, keeping the data as it is when that does not make it smaller.
void EncodeGrain(const Keys& keys, std::string_view basin_id, uint8_t type, const Hash256& id,
                 std::string_view data, GrainCodec* codec, std::string* out);

// The header of a stored grain; Corruption naming `what` when it cannot be one (too short,
// a length out of bounds, flags set). Does not check the XXH32.
Status ParseGrainHeader(std::string_view stored, std::string_view what, GrainHeader* header);

// Checks a whole stored grain (exactly its bytes) without opening it: its header (as
// ParseGrainHeader), that its length is the bytes given, and its XXH32. Catches damage, not
// tampering (the AEAD tag, checked by OpenGrain, does). Corruption naming `what`.
Status CheckGrainChecksum(std::string_view stored, std::string_view what, GrainHeader* header);

// Checks and opens a whole stored grain (exactly its bytes): XXH32, AEAD, decompressed
// size, and the id recomputed from the data. *data receives the plaintext data.
// Corruption naming `what` for damage or tampering.
Status OpenGrain(const Keys& keys, std::string_view basin_id, std::string_view stored,
                 std::string_view what, GrainCodec* codec, GrainHeader* header, std::string* data);

// The associated data that binds a grain to its basin, id and type.
std::string GrainAd(std::string_view basin_id, const Hash256& id, uint8_t type);

}  // namespace basin::repo

#endif  // BASIN_REPO_GRAIN_H_
