// Stores an object in a memory store, reads it back by its BLAKE3 id, and writes and reads
// a one-row table: basin without S3 (it links neither libcurl, OpenSSL nor pugixml).
#include <cstdio>

#include <basin/blake3.h>
#include <basin/memory_store.h>
#include <basin/table.h>

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
  auto builder = basin::TableBuilder::Open(store, "tables/1");
  if (!builder.ok() || !(*builder)->Add(id, data).ok() || !(*builder)->Finish().ok()) return 1;
  auto reader = basin::TableReader::Open(store, "tables/1");
  std::string value;
  if (!reader.ok() || !(*reader)->GetRow(id, &value).ok() || value != data) return 1;
  std::printf("ok %s\n", id.c_str());
  return 0;
}
