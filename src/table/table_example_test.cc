// The worked examples of docs/format/table.md are what the builder writes: byte for byte,
// but for the random file id and the meta block's checksum, which covers it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "basin/memory_store.h"
#include "basin/table.h"
#include "table/table_format.h"
#include "table/table_test_util.h"
#include "test_util.h"

namespace basin {
namespace {

using testing::KV;
using testing::Unhex;

// `printf 'apple\t1\napricot\t2\n' | basin table build ex.tbl`, as the page shows it.
constexpr std::string_view kSingleLevel =
    "0005016170706c65310205017269636f7432000000000100000000f760dfc315cf4606000000000000000000"
    "0000000010000100200000000000100001000000000000000000000400000000200000100000000000004000"
    "00000010000101000000000100000006010010efdc39cf192bec02010204010106010c0801020a01000c0110"
    "0e056170706c65100761707269636f74131065dc50ec587c787aa27a7df636321adb150101170e0001026200"
    "2300000000010000001a01001c014f000aa3ec8a70341e0b23000000000000004f0000000000000000000000"
    "0000000056000000000000000200000054bd505d626173696e74626c";

// The last 169 bytes (meta block and footer) of the page's two-level table:
// awk 'BEGIN{for(i=1;i<=400;i++) printf "%06d\tv\n", i*2477}' |
//   basin table build --block-size 256 --partition-size 256 ex2.tbl
constexpr std::string_view kTwoLevelTail =
    "0202900304010e0602e012080290030a01000c01100e06303032343737100639393038303013107de7c7886b"
    "7fcf2e603b42e7b67868c31501021727000308353038c51ccf026e00cb0e0001093a82208f026dcb0efa0d00"
    "0000000e000000020000001801021a0493c09e031c02de040046b9ba55735ce86a450e000000000000000000"
    "000000000039030000000000007900000000000000020000007fbd4ada626173696e74626c";

std::string Build(const KV& kv, const TableOptions& o) {
  auto store = NewMemoryStore();
  EXPECT_OK(testing::Build(store, "t", kv, o));
  return *store->Get("t");
}

// *expected with the bytes that differ from run to run taken from `actual`: the file id
// (16 bytes at id_offset) and the meta block's checksum (the 8 bytes before the footer).
void TakeRandomBytes(const std::string& actual, size_t id_offset, std::string* expected) {
  ASSERT_EQ(actual.size(), expected->size());
  expected->replace(id_offset, 16, actual, id_offset, 16);
  const size_t checksum = actual.size() - table::kFooterSize - 8;
  expected->replace(checksum, 8, actual, checksum, 8);
}

TEST(TableExampleTest, TheSingleLevelExampleIsWhatTheBuilderWrites) {
  const std::string table = Build({{"apple", "1"}, {"apricot", "2"}}, TableOptions{});
  std::string expected = Unhex(kSingleLevel);
  TakeRandomBytes(table, 0x96, &expected);
  EXPECT_EQ(table, expected);
}

TEST(TableExampleTest, TheTwoLevelExampleIsWhatTheBuilderWrites) {
  KV kv;
  for (int i = 1; i <= 400; ++i) kv[fmt::format("{:06}", i * 2477)] = "v";
  TableOptions o;
  o.block_size = 256;
  o.partition_size = 256;
  const std::string table = Build(kv, o);
  ASSERT_EQ(table.size(), 4647u);
  std::string expected = Unhex(kTwoLevelTail);
  ASSERT_EQ(expected.size(), 169u);
  const std::string tail = table.substr(table.size() - expected.size());
  TakeRandomBytes(tail, 0x27, &expected);
  EXPECT_EQ(tail, expected);
}

}  // namespace
}  // namespace basin
