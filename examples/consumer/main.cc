// Stores an object in a memory store and reads it back by its BLAKE3 id.
#include <cstdio>

#include <basin/blake3.h>
#include <basin/memory_store.h>

int main() {
  auto store = basin::NewMemoryStore();
  const std::string data = "hello from a basin consumer";
  const std::string id = basin::Blake3Hash(data).ToHex();
  if (basin::Status s = store->Put("blobs/" + id, data); !s.ok()) {
    std::fprintf(stderr, "put: %s\n", s.ToString().c_str());
    return 1;
  }
  auto back = store->Get("blobs/" + id);
  if (!back.ok() || *back != data) return 1;
  std::printf("ok %s\n", id.c_str());
  return 0;
}
