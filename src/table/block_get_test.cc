// Block::Get answers as a map of the block's entries would, for keys that share prefixes,
// keys that are prefixes of others, zero bytes and every restart interval; and a damaged
// block gives Corruption or an answer, never a read outside it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "table/block.h"
#include "table/block_builder.h"
#include "test_util.h"

namespace basin::table {
namespace {

std::string BlockOf(const std::map<std::string, std::string>& rows, int restart_interval) {
  BlockBuilder b(restart_interval);
  for (const auto& [k, v] : rows) b.Add(k, v);
  return std::string(b.Finish());
}

// Checks Get for every key of `rows` and each of `probes`.
void ExpectGetsMatch(const std::map<std::string, std::string>& rows,
                     const std::vector<std::string>& probes) {
  for (int interval : {1, 2, 3, 16}) {
    auto block = Block::Parse(BlockOf(rows, interval), "test block");
    ASSERT_OK(block.status());
    auto check = [&](const std::string& target) {
      bool found = false;
      std::string_view value;
      ASSERT_OK((*block)->Get(target, &found, &value));
      auto it = rows.find(target);
      EXPECT_EQ(found, it != rows.end())
          << "interval " << interval << ", target " << ::testing::PrintToString(target);
      if (found && it != rows.end()) {
        EXPECT_EQ(value, it->second);
      }
    };
    for (const auto& [k, v] : rows) check(k);
    for (const std::string& p : probes) check(p);
  }
}

TEST(BlockGet, PrefixKeysAndZeroBytes) {
  std::map<std::string, std::string> rows;
  for (std::string k : {"a", "ab", "abc", "abd", "b", "ba", "bb", "c"}) rows[k] = "v" + k;
  rows[std::string("a\0", 2)] = "zero";
  rows[std::string("a\0\0", 3)] = "zeros";
  ExpectGetsMatch(rows, {"", std::string("\0", 1), "aa", "abb", "abcd", "abe", "az", "b\xff", "bc",
                         "c\0", "d", "\xff\xff"});
}

TEST(BlockGet, RandomKeysSharingPrefixes) {
  std::mt19937_64 rng(7);
  std::map<std::string, std::string> rows;
  std::vector<std::string> probes;
  for (int i = 0; i < 500; ++i) {
    std::string k(1 + rng() % 12, '\0');
    for (char& c : k) c = static_cast<char>("ab\0\xff"[rng() % 4]);
    if (i % 3 == 0) {
      probes.push_back(k);
    } else {
      rows[k] = std::to_string(i);
    }
  }
  ExpectGetsMatch(rows, probes);
}

TEST(BlockGet, DamagedBlockNeverReadsOutside) {
  std::map<std::string, std::string> rows;
  for (int i = 0; i < 200; ++i) rows[fmt::format("key{:05}", i)] = fmt::format("value{}", i);
  const std::string good = BlockOf(rows, 4);
  std::mt19937_64 rng(11);
  for (int round = 0; round < 2000; ++round) {
    std::string bad = good;
    for (int flips = 1 + rng() % 3; flips > 0; --flips) bad[rng() % bad.size()] ^= 1 << (rng() % 8);
    // Unchecked (SetCheckedView) as a mapped block is after its first check: every offset
    // Get reads must still be bounded. ASan catches a read outside `bad`.
    Block view;
    if (!view.SetCheckedView(bad).ok()) continue;
    for (const std::string& t :
         {std::string("key00100"), std::string("key00199"), std::string("zzz"), std::string("")}) {
      bool found = false;
      std::string_view value;
      Status s = view.Get(t, &found, &value);
      if (s.ok() && found) {
        EXPECT_GE(value.data(), bad.data());
        EXPECT_LE(value.data() + value.size(), bad.data() + bad.size());
      }
    }
  }
}

}  // namespace
}  // namespace basin::table
