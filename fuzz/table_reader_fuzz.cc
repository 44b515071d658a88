// Hostile bytes as a table, whole or embedded: open, point lookups, iteration both ways and
// verify must never crash; a value returned by a lookup must be the one iteration finds for
// the key. The first byte picks how many of the following bytes come before the table in
// the object (0 to 15), so that embedded ranges and relative offsets are exercised too.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "basin/memory_store.h"
#include "basin/table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t skip = std::min<size_t>(data[0] % 16, size - 1);
  auto store = basin::NewMemoryStore();
  if (!store->Put("t", std::string(reinterpret_cast<const char*>(data) + 1, size - 1)).ok()) {
    return 0;
  }
  basin::TableOptions o;
  o.block_cache = std::make_shared<basin::BlockCache>(1 << 20);  // partitions are cached
  std::shared_ptr<basin::ReadableObject> object = *store->OpenReadable("t");
  auto r =
      basin::TableReader::Open(basin::EmbeddedTable{object, skip, object->size() - skip, "t"}, o);
  if (!r.ok() || !(*r)->FetchAndLoadMetadata().ok()) return 0;
  auto it = (*r)->NewIterator();
  int n = 0;
  for (it->SeekToFirst(); it->Valid() && n < 100000; it->Next(), ++n) {
    std::string v;
    const std::string key(it->key()), value(it->value());
    if ((*r)->GetRow(key, &v).ok() && v != value) __builtin_trap();
  }
  for (it->SeekToLast(); it->Valid() && n < 200000; it->Prev(), ++n) {
  }
  (void)(*r)->Blocks();
  (void)(*r)->Verify();
  return 0;
}
