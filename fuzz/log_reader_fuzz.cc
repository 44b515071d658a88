// Hostile bytes as a record log: opening, iterating, seeking and verifying must never
// crash, hang or allocate without bound; every record returned must come with a valid
// position. Seeds: small logs written by basin (see scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string>

#include "basin/log_reader.h"
#include "basin/memory_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto store = basin::NewMemoryStore();
  if (!store->Put("log", std::string(reinterpret_cast<const char*>(data), size)).ok()) return 0;
  auto reader = basin::LogReader::Open(store, "log");
  if (!reader.ok()) return 0;
  auto it = (*reader)->NewIterator();
  size_t n = 0;
  uint64_t last_entry = 0;
  while (it->Next() && n < 100000) {
    if (n > 0 && it->entry_id() <= last_entry) __builtin_trap();  // ids only grow
    last_entry = it->entry_id();
    auto again = (*reader)->Get(it->position());
    if (again.ok() && *again != it->value()) __builtin_trap();
    ++n;
  }
  (void)(*reader)->Verify();
  (void)it->SeekToEntry(size % 97);
  (void)it->Seek(static_cast<uint64_t>(size) << 14);
  return 0;
}
