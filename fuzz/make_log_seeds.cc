// Writes a few small logs to seed the log fuzzers' corpora: make_log_seeds DIR.
#include <cstdio>
#include <string>

#include "basin/log_writer.h"
#include "basin/memory_store.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_log_seeds DIR\n");
    return 2;
  }
  int n = 0;
  for (auto c : {basin::CompressionType::kNone, basin::CompressionType::kLz4,
                 basin::CompressionType::kZstd}) {
    for (bool close : {true, false}) {
      auto store = basin::NewMemoryStore();
      basin::LogOptions o;
      o.block_size = 1024;
      o.compression.type = c;
      auto w = *basin::LogWriter::Open(store, "log", o);
      for (int i = 0; i < 30; ++i) {
        (void)w->Append(
            std::string(static_cast<size_t>(i * 61 % 1500), static_cast<char>('a' + i)));
      }
      (void)(close ? w->Close() : w->Flush());
      const std::string bytes = *store->Get("log");
      const std::string path = std::string(argv[1]) + "/seed" + std::to_string(n++);
      FILE* f = std::fopen(path.c_str(), "wb");
      if (f == nullptr) return 1;
      std::fwrite(bytes.data(), 1, bytes.size(), f);
      std::fclose(f);
    }
  }
  return 0;
}
