// Hostile bytes as a stratum's tail (a tail copy: grain index table and footer): the footer
// parser and the embedded grain index must never crash, and every entry they give lies
// inside the stratum. The digest is not checked (the fuzzer cannot forge it), so that the
// index behind it is reached.
#include <cstddef>
#include <cstdint>
#include <string>

#include "repo/basin_format.h"
#include "repo/keys.h"
#include "repo/stratum.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace basin::repo;
  if (size < kStratumFooterSize) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::string_view footer = std::string_view(bytes).substr(size - kStratumFooterSize);
  const std::string basin_id(footer.substr(40, kBasinIdSize));  // accept any basin
  auto t = ParseStratumFooter(footer, size, /*is_copy=*/true, basin_id, nullptr, "fuzz");
  if (!t.ok()) return 0;
  t->bytes = bytes;
  static const Keys keys = Keys::Unencrypted();
  if (!OpenStratumTail(&*t, keys, "fuzz", /*check_digest=*/false).ok()) return 0;
  auto entries = t->Entries();
  if (!entries.ok()) return 0;
  for (const GrainEntry& e : *entries) {
    if (e.offset < kStratumHeaderSize || e.offset + e.length > t->index_offset) __builtin_trap();
  }
  return 0;
}
