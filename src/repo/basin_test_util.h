// The content store's test fixture: a basin on each kind of store (memory, a local
// directory, S3 on the test server), small chunks and strata, and blob helpers.
#ifndef BASIN_REPO_BASIN_TEST_UTIL_H_
#define BASIN_REPO_BASIN_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "basin/basin.h"
#include "basin/file_store.h"
#include "basin/maintenance.h"
#include "basin/memory_store.h"
#include "s3_test_store.h"
#include "test_util.h"

namespace basin {

using basin::testing::RandomBytes;
using basin::testing::TempDir;

struct StoreKind {
  std::string name;
  std::function<std::shared_ptr<ObjectStore>(TempDir*)> make;
};

inline void PrintTo(const StoreKind& k, std::ostream* os) { *os << k.name; }

// Small chunks and strata, so that tests cross every boundary with little data.
inline InitOptions SmallBasin(bool encrypted = true) {
  InitOptions o;
  o.encrypted = encrypted;
  o.password = "correct horse";
  o.kdf = {1, 8 << 10};  // tests need no real cost
  o.settings.chunker = {16 << 10, 64 << 10, 256 << 10};
  o.settings.data_stratum_size = 1 << 20;
  o.settings.meta_stratum_size = 1 << 20;
  o.settings.checkpoint_interval = 4;
  return o;
}

inline Result<GrainId> PutBlob(BasinWriter& w, std::string_view data) {
  size_t at = 0;
  return w.PutBlob([&](char* buf, size_t n) -> Result<size_t> {
    const size_t k = std::min(n, data.size() - at);
    std::memcpy(buf, data.data() + at, k);
    at += k;
    return k;
  });
}

inline std::string ReadBlob(Basin& b, const GrainId& id) {
  std::string out;
  Status s = b.ReadBlob(id, [&](std::string_view piece) {
    out.append(piece);
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

inline CheckOptions ReadData() {
  CheckOptions o;
  o.read_data = true;
  return o;
}

class BasinTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    store_ = GetParam().make(&dir_);
    ASSERT_NE(store_, nullptr) << GetParam().name << " could not be set up";
  }
  BasinOptions Options() {
    BasinOptions o;
    o.store = store_;
    o.host = "test-host";
    o.auto_compact_index = auto_compact_index_;
    return o;
  }
  std::unique_ptr<Basin> Create(const InitOptions& init = SmallBasin()) {
    auto b = Basin::Init(Options(), init);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? std::move(b).value() : nullptr;
  }
  std::unique_ptr<Basin> Reopen(std::string_view password = "correct horse") {
    auto b = Basin::Open(Options(), password);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? std::move(b).value() : nullptr;
  }

  TempDir dir_;
  std::shared_ptr<ObjectStore> store_;
  bool auto_compact_index_ = true;  // tests that count journal records may turn it off
};

inline std::shared_ptr<ObjectStore> FileStoreIn(TempDir* dir) {
  return *OpenFileStore(dir->path() + "/basin");
}

inline auto AllStores() {
  return ::testing::Values(
      StoreKind{"Memory", [](TempDir*) { return NewMemoryStore(); }},
      StoreKind{"File", FileStoreIn},
      StoreKind{"S3", [](TempDir*) { return basin::testing::NewS3TestStore(); }});
}

inline std::string StoreName(const ::testing::TestParamInfo<StoreKind>& info) {
  return info.param.name;
}

}  // namespace basin

#endif  // BASIN_REPO_BASIN_TEST_UTIL_H_
