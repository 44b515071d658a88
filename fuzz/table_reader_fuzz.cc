// Hostile bytes as a whole table: open, point lookups, iteration both ways and verify must
// never crash; a value returned by a lookup must be the one iteration finds for the key.
#include <cstddef>
#include <cstdint>
#include <string>

#include "basin/memory_store.h"
#include "basin/table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto store = basin::NewMemoryStore();
  if (!store->Put("t", std::string(reinterpret_cast<const char*>(data), size)).ok()) return 0;
  auto r = *basin::TableReader::Open(store, "t");
  if (!r->FetchAndLoadMetadata().ok()) return 0;
  auto it = r->NewIterator();
  int n = 0;
  for (it->SeekToFirst(); it->Valid() && n < 100000; it->Next(), ++n) {
    std::string v;
    const std::string key(it->key()), value(it->value());
    if (r->GetRow(key, &v).ok() && v != value) __builtin_trap();
  }
  for (it->SeekToLast(); it->Valid() && n < 200000; it->Prev(), ++n) {
  }
  (void)r->Verify();
  return 0;
}
