// Hostile bytes as a decoded data block: every iterator move must stay inside the block,
// and keys must come out in order or the iterator must stop with Corruption.
#include <cstddef>
#include <cstdint>
#include <string>

#include "table/block.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto block =
      basin::table::Block::Parse(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
  if (!block.ok()) return 0;
  basin::table::BlockIter it(block->get());
  int n = 0;
  for (it.SeekToFirst(); it.Valid() && n < 100000; it.Next(), ++n) {
  }
  for (it.SeekToLast(); it.Valid() && n < 200000; it.Prev(), ++n) {
  }
  it.Seek(std::string(reinterpret_cast<const char*>(data), size < 8 ? size : 8));
  if (it.Valid()) it.Prev();
  return 0;
}
