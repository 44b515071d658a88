// The conformance suite every ObjectStore passes. A store's test file instantiates it:
//   INSTANTIATE_TEST_SUITE_P(File, StoreConformanceTest,
//                            ::testing::Values(StoreFactory{"file", [] { return ...; }}),
//                            StoreFactoryName);
#ifndef BASIN_STORE_STORE_CONFORMANCE_H_
#define BASIN_STORE_STORE_CONFORMANCE_H_

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "basin/object_store.h"

namespace basin {

struct StoreFactory {
  std::string name;
  // A new, empty store; it may own resources (a directory) that go with it.
  std::function<std::shared_ptr<ObjectStore>()> make;
  // Whether the store grows objects in place (OpenAppendable); the suite checks that a
  // store that cannot says NotSupported.
  bool appendable = true;
  // How many keys the listing test pages through (more than 2 * 777: three pages at least).
  // A store whose PUTs are slow (S3: a server round trip each) may use fewer: the paging
  // code is the same.
  int list_keys = 10000;
};

// Keeps test names and messages readable (gtest would dump the bytes).
inline void PrintTo(const StoreFactory& f, std::ostream* os) { *os << f.name; }

inline std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    ASSERT_NE(store_, nullptr) << GetParam().name << " could not be set up";
  }
  std::shared_ptr<ObjectStore> store_;
};

}  // namespace basin

#endif  // BASIN_STORE_STORE_CONFORMANCE_H_
