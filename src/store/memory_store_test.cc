#include "basin/memory_store.h"

#include <gtest/gtest.h>

#include "store/store_conformance.h"

namespace basin {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, StoreConformanceTest,
                         ::testing::Values(StoreFactory{"MemoryStore", NewMemoryStore}),
                         StoreFactoryName);

TEST(MemoryStoreTest, StoresAreIndependent) {
  auto a = NewMemoryStore(), b = NewMemoryStore();
  ASSERT_TRUE(a->Put("k", "v").ok());
  EXPECT_TRUE(b->Head("k").status().IsNotFound());
  EXPECT_EQ(a->url(), "mem://");
}

}  // namespace
}  // namespace basin
