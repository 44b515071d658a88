// SeparatorIndex answers as a binary search of the block's keys would, for every shape of
// separators: none, one, a shared prefix, keys shorter than it, equal prefixes, zero bytes.
#include "table/separator_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "table/block.h"
#include "table/block_builder.h"
#include "test_util.h"

namespace basin::table {
namespace {

// An index block over `keys` (sorted, distinct), a restart point at each.
std::shared_ptr<const Block> IndexOf(const std::vector<std::string>& keys) {
  BlockBuilder b(1);
  for (const std::string& k : keys) b.Add(k, "v");
  auto block = Block::Parse(std::string(b.Finish()), "test index");
  EXPECT_TRUE(block.ok());
  return *std::move(block);
}

// Checks Seek against std::lower_bound for each target.
void ExpectSeeksMatch(const std::vector<std::string>& keys,
                      const std::vector<std::string>& targets) {
  auto block = IndexOf(keys);
  SeparatorIndex search(*block);
  ASSERT_EQ(search.entries(), keys.size());
  for (const std::string& t : targets) {
    size_t entry = 0;
    ASSERT_OK(search.Seek(t, *block, &entry));
    const size_t want = std::lower_bound(keys.begin(), keys.end(), t) - keys.begin();
    EXPECT_EQ(entry, want) << "target " << ::testing::PrintToString(t);
  }
}

TEST(SeparatorIndex, EmptyBlockFindsNothing) { ExpectSeeksMatch({}, {"", "a"}); }

TEST(SeparatorIndex, OneKey) { ExpectSeeksMatch({"m"}, {"", "a", "m", "m\0", "z"}); }

TEST(SeparatorIndex, SharedPrefixAndShortTargets) {
  const std::vector<std::string> keys = {"prefix-aa", "prefix-ab", "prefix-b", "prefix-c", "q"};
  ExpectSeeksMatch(
      keys, {"", "p", "prefix", "prefix-", "prefix-a", "prefix-aa", "prefix-aa\0", "prefix-ab",
             "prefix-abc", "prefix-b", "prefix-bz", "prefix-c", "prefix-d", "pz", "q", "q\0", "r"});
}

TEST(SeparatorIndex, KeysEqualInTheirFirstEightBytesAfterThePrefix) {
  std::vector<std::string> keys;
  for (char c = 'a'; c <= 'h'; ++c) keys.push_back(std::string("x12345678") + c);
  keys.push_back("x12345679");
  keys.push_back("y");
  std::vector<std::string> targets = keys;
  targets.insert(targets.end(), {"x12345678", "x12345678b0", "x123456780", "x1234567", "x2"});
  ExpectSeeksMatch(keys, targets);
}

TEST(SeparatorIndex, ZeroBytesAreNotPadding) {
  const std::vector<std::string> keys = {std::string("a"), std::string("a\0", 2),
                                         std::string("a\0\0", 3), std::string("a\1", 2), "b"};
  ExpectSeeksMatch(keys, {"", "a", std::string("a\0", 2), std::string("a\0\0", 3),
                          std::string("a\0\0\0", 4), std::string("a\1", 2), "a\2", "b", "c"});
}

TEST(SeparatorIndex, RandomSeparatorsMatchBinarySearch) {
  std::mt19937_64 rng(7);
  auto random_key = [&](size_t len) {
    std::string k(len, '\0');
    for (char& c : k) c = static_cast<char>(rng() % 4);  // few values: many equal prefixes
    return "common" + k;
  };
  std::vector<std::string> keys;
  for (int i = 0; i < 500; ++i) keys.push_back(random_key(1 + rng() % 12));
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<std::string> targets = keys;
  for (int i = 0; i < 2000; ++i) targets.push_back(random_key(rng() % 14));
  targets.insert(targets.end(), {"", "commo", "common", "commoo", "d"});
  ExpectSeeksMatch(keys, targets);
}

}  // namespace
}  // namespace basin::table
