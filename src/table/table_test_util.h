// Helpers for the table tests: build tables, make random keys, and damage tables on
// purpose (flip a byte, rewrite a block with a correct checksum, fix a footer).
#ifndef BASIN_TABLE_TABLE_TEST_UTIL_H_
#define BASIN_TABLE_TABLE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "basin/checksum.h"
#include "basin/coding.h"
#include "basin/memory_store.h"
#include "basin/table.h"
#include "table/table_format.h"
#include "table/table_metadata.h"
#include "test_util.h"

namespace basin::testing {

using KV = std::map<std::string, std::string>;

// Bytes from lowercase hex (two digits a byte), as the format tests quote tables.
inline std::string Unhex(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

inline Status AddAll(TableBuilder& b, const KV& kv) {
  for (const auto& [k, v] : kv) BASIN_RETURN_IF_ERROR(b.Add(k, v));
  return Status::OK();
}

inline Status Build(std::shared_ptr<ObjectStore> store, const std::string& key, const KV& kv,
                    const TableOptions& o = {}) {
  auto b = TableBuilder::Open(store, key, o);
  if (!b.ok()) return b.status();
  BASIN_RETURN_IF_ERROR(AddAll(**b, kv));
  return (*b)->Finish();
}

// n random 32-byte keys (as the content store's BLAKE3 ids) with 16-byte values.
inline KV RandomIds(size_t n, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  KV kv;
  while (kv.size() < n) {
    std::string k(32, '\0'), v(16, '\0');
    for (char& c : k) c = static_cast<char>(rng());
    for (char& c : v) c = static_cast<char>(rng());
    kv.emplace(std::move(k), std::move(v));
  }
  return kv;
}

inline table::Footer FooterOf(std::string_view table) {
  return *table::Footer::Decode(table.substr(table.size() - table::kFooterSize), table.size());
}

// Rewrites the footer's checksum after its fields were changed.
inline void FixFooter(std::string* table) {
  const size_t at = table->size() - table::kFooterSize;
  std::string first(table->substr(at, table::kFooterVersionOffset + 4));
  first.append(table::kMagic);
  EncodeFixed32(table->data() + at + table::kFooterVersionOffset + 4, Xxh32(first));
}

// Replaces the stored block at [offset, offset + size) with `contents`, uncompressed and
// correctly checksummed, and moves what follows; the caller fixes the footer's sizes.
inline void ReplaceBlock(std::string* table, uint64_t offset, uint64_t size,
                         std::string_view contents) {
  std::string scratch;
  std::string_view body;
  char trailer[table::kBlockTrailerSize];
  ASSERT_TRUE(table::PrepareStoredBlock(contents, nullptr, &scratch, &body, trailer).ok());
  std::string stored(body);
  stored.append(trailer, sizeof trailer);
  table->replace(offset, size, stored);
}

// The decoded contents of the stored block at [offset, offset + size).
inline std::string BlockContents(const std::string& table, uint64_t offset, uint64_t size) {
  Decompressor d;
  std::string contents;
  EXPECT_TRUE(table::DecodeStoredBlock(table.substr(offset, size), "test", d, &contents).ok());
  return contents;
}

// Replaces a table's meta block contents (correctly checksummed), fixing the footer.
inline void ReplaceMeta(std::string* table, std::string_view meta) {
  table::Footer f = FooterOf(*table);
  ReplaceBlock(table, f.meta_offset(), f.meta_size, meta);
  f.meta_size = table->size() - table::kFooterSize - f.meta_offset();
  table->replace(table->size() - table::kFooterSize, table::kFooterSize, f.Encode());
}

}  // namespace basin::testing

#endif  // BASIN_TABLE_TABLE_TEST_UTIL_H_
