// Hostile bytes through recovery, in every mode: never a crash; after a repair the log
// must read back without error, verify, and take another append.
#include <cstddef>
#include <cstdint>
#include <string>

#include "basin/log_reader.h"
#include "basin/log_recovery.h"
#include "basin/log_writer.h"
#include "basin/memory_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The mode comes from the length, so that seeds are plain logs.
  const auto mode = static_cast<basin::RecoveryMode>(size % 3);
  auto store = basin::NewMemoryStore();
  if (!store->Put("log", std::string(reinterpret_cast<const char*>(data), size)).ok()) return 0;
  auto report = basin::RecoverLog(store, "log", mode);
  if (!report.ok()) return 0;
  auto reader = basin::LogReader::Open(store, "log");
  if (!reader.ok()) __builtin_trap();  // recovery left something unreadable
  auto it = (*reader)->NewIterator();
  while (it->Next()) {
  }
  if (!it->status().ok()) __builtin_trap();
  if (!(*reader)->Verify().ok()) __builtin_trap();
  basin::LogOptions o;
  o.block_size = 1024;
  auto w = basin::LogWriter::Open(store, "log", o);
  if (!w.ok() || !(*w)->Append("x").ok() || !(*w)->Close().ok()) __builtin_trap();
  return 0;
}
