// Hostile bytes as a tree grain's contents: decoding must never crash, throw or allocate
// without bound, and a tree that decodes must encode to bytes that decode again to the
// same encoding (no entry the decoder accepts may be one the encoder cannot write back).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "snapshot/tree_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace basin;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto tree = snap::DecodeTree(bytes, "fuzz");
  if (!tree.ok()) return 0;
  std::vector<GrainId> refs;
  for (const TreeEntry& e : tree->entries) snap::EntryReferences(e, &refs);
  const std::string once = snap::EncodeTree(*tree);
  auto again = snap::DecodeTree(once, "fuzz re-encoded");
  if (!again.ok() || snap::EncodeTree(*again) != once) __builtin_trap();
  return 0;
}
