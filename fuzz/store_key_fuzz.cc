// Hostile keys and URLs: validation must never crash, and every key it accepts must work
// in a memory store (put, get, list back the same key).
#include <cstddef>
#include <cstdint>
#include <string>

#include "basin/memory_store.h"
#include "basin/object_store.h"
#include "basin/store_url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  (void)basin::ParseStoreUrl(in);
  if (!basin::ValidateKey(in).ok()) return 0;
  auto store = basin::NewMemoryStore();
  if (!store->Put(in, "v").ok()) __builtin_trap();
  auto got = store->Get(in);
  if (!got.ok() || *got != "v") __builtin_trap();
  auto all = store->ListAll("");
  if (!all.ok() || all->size() != 1 || (*all)[0].key != in) __builtin_trap();
  return 0;
}
