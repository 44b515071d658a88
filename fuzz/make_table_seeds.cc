// Writes a few small tables to seed the table fuzzers: make_table_seeds DIR.
#include <cstdio>
#include <string>
#include <utility>

#include "basin/memory_store.h"
#include "basin/table.h"
#include "table/table_format.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_table_seeds DIR\n");
    return 2;
  }
  int n = 0;
  // Single-level and two-level (partitioned), uncompressed and zstd. Each seed starts with
  // the byte table_reader_fuzz reads as the number of bytes before the table (0).
  for (auto [c, partition] : {std::pair{basin::CompressionType::kNone, 16384u},
                              std::pair{basin::CompressionType::kZstd, 16384u},
                              std::pair{basin::CompressionType::kNone, 256u}}) {
    auto store = basin::NewMemoryStore();
    basin::TableOptions o;
    o.block_size = 256;
    o.partition_size = partition;
    o.compression.type = c;
    auto b = *basin::TableBuilder::Open(store, "t", o);
    for (int i = 0; i < 400; ++i) {
      (void)b->Add("key" + std::to_string(1000 + i), std::string(static_cast<size_t>(i % 17), 'v'));
    }
    (void)b->Finish();
    const std::string table = *store->Get("t");
    // For table_meta_fuzz: the meta block's contents (these tables are uncompressed or
    // have a meta block too small to compress).
    const auto footer = *basin::table::Footer::Decode(
        std::string_view(table).substr(table.size() - basin::table::kFooterSize), table.size());
    const std::string meta =
        table.substr(footer.meta_offset(), footer.meta_size - basin::table::kBlockTrailerSize);
    for (const std::string& bytes : {std::string(1, '\0') + table, meta}) {
      const std::string path = std::string(argv[1]) + "/seed" + std::to_string(n++);
      FILE* f = std::fopen(path.c_str(), "wb");
      if (f == nullptr) return 1;
      std::fwrite(bytes.data(), 1, bytes.size(), f);
      std::fclose(f);
    }
  }
  return 0;
}
