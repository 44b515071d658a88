// Hostile listings of an object-per-block log: the input edits a valid log's objects
// (deletes them, flips and cuts their bytes, adds stray keys with any block number, replaces
// the footer). Never a crash, a hang or an allocation sized by a listed number; after a
// recovery that read the blocks, the log must read back without error, verify, and take
// another append.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "basin/log_reader.h"
#include "basin/log_recovery.h"
#include "basin/log_writer.h"
#include "basin/memory_store.h"

namespace {

struct Input {
  const uint8_t* p;
  size_t n;
  bool empty() const { return n == 0; }
  uint8_t Byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  uint64_t U64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | Byte();
    return v;
  }
  std::string Bytes(size_t max) {
    const size_t len = std::min<size_t>(Byte() % (max + 1), n);
    std::string s(reinterpret_cast<const char*>(p), len);
    p += len;
    n -= len;
    return s;
  }
};

std::vector<std::string> Keys(basin::ObjectStore& store) {
  std::vector<std::string> keys;
  auto objects = store.ListAll("log/");
  if (objects.ok()) {
    for (const auto& o : *objects) keys.push_back(o.key);
  }
  return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in{data, size};
  const auto mode = static_cast<basin::RecoveryMode>(in.Byte() % 3);
  const bool close = in.Byte() & 1;
  auto store = basin::NewMemoryStore();
  basin::LogOptions o;
  o.block_size = 1024;
  o.layout = basin::LogLayout::kObjectPerBlock;
  {
    auto w = basin::LogWriter::Open(store, "log", o);
    if (!w.ok()) __builtin_trap();
    for (int i = 0; i < 12; ++i) (void)(*w)->Append(std::string(300, static_cast<char>('a' + i)));
    if (!(close ? (*w)->Close() : (*w)->Flush()).ok()) __builtin_trap();
  }
  for (int edits = 0; edits < 8 && !in.empty(); ++edits) {
    const auto keys = Keys(*store);
    if (keys.empty()) break;
    const std::string& victim = keys[in.Byte() % keys.size()];
    switch (in.Byte() % 5) {
      case 0:
        (void)store->Delete(victim);
        break;
      case 1:
        (void)store->Put(fmt::format("log/b{:016x}", in.U64()), in.Bytes(200));
        break;
      case 2: {
        std::string bytes = *store->Get(victim);
        if (!bytes.empty()) bytes[in.U64() % bytes.size()] ^= static_cast<char>(in.Byte() | 1);
        (void)store->Put(victim, bytes);
        break;
      }
      case 3: {
        std::string bytes = *store->Get(victim);
        (void)store->Put(victim, bytes.substr(0, bytes.empty() ? 0 : in.U64() % bytes.size()));
        break;
      }
      default:
        (void)store->Put("log/footer", in.Bytes(255));
    }
  }
  if (auto reader = basin::LogReader::Open(store, "log"); reader.ok()) {
    auto it = (*reader)->NewIterator();
    while (it->Next()) {
    }
    (void)(*reader)->Verify();
  }
  auto report = basin::RecoverLog(store, "log", mode);
  if (!report.ok()) return 0;
  auto reader = basin::LogReader::Open(store, "log");
  if (!reader.ok()) __builtin_trap();  // recovery left something unreadable
  if (report->contents_checked) {
    auto it = (*reader)->NewIterator();
    while (it->Next()) {
    }
    if (!it->status().ok()) __builtin_trap();
    if (!(*reader)->Verify().ok()) __builtin_trap();
  }
  auto w = basin::LogWriter::Open(store, "log", o);
  if (!w.ok() || !(*w)->Append("x").ok() || !(*w)->Close().ok()) __builtin_trap();
  return 0;
}
