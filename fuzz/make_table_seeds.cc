// Writes a few small tables to seed the table fuzzers: make_table_seeds DIR.
#include <cstdio>
#include <string>

#include "basin/memory_store.h"
#include "basin/table.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_table_seeds DIR\n");
    return 2;
  }
  int n = 0;
  for (auto c : {basin::CompressionType::kNone, basin::CompressionType::kZstd}) {
    auto store = basin::NewMemoryStore();
    basin::TableOptions o;
    o.block_size = 256;
    o.compression.type = c;
    auto b = *basin::TableBuilder::Open(store, "t", o);
    for (int i = 0; i < 60; ++i) {
      (void)b->Add("key" + std::to_string(1000 + i), std::string(static_cast<size_t>(i % 17), 'v'));
    }
    (void)b->Finish();
    const std::string bytes = *store->Get("t");
    const std::string path = std::string(argv[1]) + "/seed" + std::to_string(n++);
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return 1;
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
  return 0;
}
