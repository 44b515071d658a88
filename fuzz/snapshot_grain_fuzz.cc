// Hostile bytes as a snapshot grain's contents and as a journal's snapshot summary: decoding
// must never crash, throw or allocate without bound, and what decodes must encode to bytes
// that decode again to the same encoding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "snapshot/tree_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace basin;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (auto s = snap::DecodeSnapshot(bytes, "fuzz"); s.ok()) {
    const std::string once = snap::EncodeSnapshot(*s);
    auto again = snap::DecodeSnapshot(once, "fuzz re-encoded");
    if (!again.ok() || snap::EncodeSnapshot(*again) != once) __builtin_trap();
  }
  if (auto s = snap::DecodeJournalSummary(bytes, "fuzz"); s.ok()) {
    const std::string once = snap::EncodeJournalSummary(*s);
    auto again = snap::DecodeJournalSummary(once, "fuzz re-encoded");
    if (!again.ok() || snap::EncodeJournalSummary(*again) != once) __builtin_trap();
  }
  return 0;
}
