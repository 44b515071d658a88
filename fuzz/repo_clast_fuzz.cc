// Hostile bytes as a clast list (a large blob's chunk list): decoding must never crash,
// throw or allocate without bound, and a list that decodes must encode to bytes that decode
// to the same list. (Not to the input bytes: an over-long varint is accepted, as everywhere.)
#include <cstddef>
#include <cstdint>
#include <string>

#include "repo/clast.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace basin::repo;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto list = DecodeClastList(bytes, "fuzz");
  if (!list.ok()) return 0;
  if (list->entries.empty()) __builtin_trap();
  const std::string once = EncodeClastList(*list);
  auto again = DecodeClastList(once, "fuzz re-encoded");
  if (!again.ok() || again->level != list->level || EncodeClastList(*again) != once) {
    __builtin_trap();
  }
  (void)list->total_size();
  return 0;
}
