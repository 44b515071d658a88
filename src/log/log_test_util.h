// Helpers for the record log's tests: write a log, read it all back.
#ifndef BASIN_LOG_LOG_TEST_UTIL_H_
#define BASIN_LOG_LOG_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "basin/log_reader.h"
#include "basin/log_writer.h"
#include "test_util.h"

namespace basin::testing {

struct ReadRecord {
  uint64_t entry;
  uint64_t address;
  std::string value;
  bool operator==(const ReadRecord&) const = default;
};

// Appends every record, closes, and returns the addresses.
inline std::vector<uint64_t> WriteLog(std::shared_ptr<ObjectStore> store, const std::string& key,
                                      const LogOptions& options,
                                      const std::vector<std::string>& records, bool close = true) {
  auto w = LogWriter::Open(store, key, options);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  if (!w.ok()) return {};
  std::vector<uint64_t> addresses;
  for (const auto& r : records) {
    auto a = (*w)->Append(r);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    addresses.push_back(a.ok() ? *a : 0);
  }
  Status s = close ? (*w)->Close() : (*w)->Flush();
  EXPECT_TRUE(s.ok()) << s.ToString();
  return addresses;
}

// Every record the log returns, in order; the status of the iteration in *status.
inline std::vector<ReadRecord> ReadAll(std::shared_ptr<ObjectStore> store, const std::string& key,
                                       Status* status = nullptr, const LogOptions& options = {}) {
  std::vector<ReadRecord> out;
  auto r = LogReader::Open(store, key, options);
  if (!r.ok()) {
    if (status) *status = r.status();
    return out;
  }
  auto it = (*r)->NewIterator();
  while (it->Next()) out.push_back({it->entry_id(), it->position(), std::string(it->value())});
  if (status) *status = it->status();
  return out;
}

}  // namespace basin::testing

#endif  // BASIN_LOG_LOG_TEST_UTIL_H_
