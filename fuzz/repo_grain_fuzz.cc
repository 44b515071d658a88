// Hostile bytes as a stored grain: checking and opening must never crash, and a grain that
// opens must hash to its id. The first byte picks the path: with the checksum fixed up by
// the harness (so that the fuzzer gets past it into the contents), or as given; and the
// contents are also tried as a clast list.
#include <cstddef>
#include <cstdint>
#include <string>

#include "basin/checksum.h"
#include "basin/coding.h"
#include "repo/basin_format.h"
#include "repo/clast.h"
#include "repo/grain.h"
#include "repo/keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace basin::repo;
  if (size < 1) return 0;
  const bool fix_checksum = (data[0] & 1) != 0;
  std::string grain(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (fix_checksum && grain.size() >= kGrainHeaderSize) {
    basin::EncodeFixed32(grain.data(), basin::Xxh32(std::string_view(grain).substr(4)));
  }
  static const Keys keys = Keys::Unencrypted();
  static const std::string basin_id(16, 'b');
  GrainCodec codec(basin::CompressionOptions{basin::CompressionType::kZstd, 1});
  GrainHeader h;
  std::string out;
  if (OpenGrain(keys, basin_id, grain, "fuzz", &codec, &h, &out).ok()) {
    if (keys.GrainId(h.type, out) != h.id) __builtin_trap();
  }
  (void)DecodeClastList(grain, "fuzz");
  return 0;
}
