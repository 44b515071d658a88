// The content store's encodings: fields, keys and slots, config, grains, chunker, clast
// lists, journal records and checkpoints. Every decoder is fed damage.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <set>
#include <vector>

#include "basin/basin.h"
#include "basin/checksum.h"
#include "basin/coding.h"
#include "repo/basin_format.h"
#include "repo/chunker.h"
#include "repo/clast.h"
#include "repo/config.h"
#include "repo/fields.h"
#include "repo/grain.h"
#include "repo/journal.h"
#include "repo/keys.h"
#include "test_util.h"

namespace basin::repo {
namespace {

using basin::testing::RandomBytes;

// Cheap Argon2id costs for tests (libsodium's minimum memory).
const KdfParams kFastKdf{1, 8 << 10};

Keys TestKeys(uint64_t seed = 1) {
  const std::string m = RandomBytes(32, seed);
  return Keys::FromMaster(
      SecretKey(std::span<const uint8_t, 32>(reinterpret_cast<const uint8_t*>(m.data()), 32)));
}

const std::string kBasinId = RandomBytes(16, 99);

TEST(FieldsTest, RoundTripAndUnknownOddTagsAreSkipped) {
  FieldWriter w;
  w.Varint(2, 300);
  w.Bytes(3, "skip me");
  w.Bytes(4, std::string("a\0b", 3));
  FieldReader r(w.data(), "test record");
  uint32_t tag;
  std::string_view v;
  std::vector<uint32_t> seen;
  while (*r.Next(&tag, &v)) {
    seen.push_back(tag);
    if (tag == 2) {
      EXPECT_EQ(*FieldVarint(v, "n"), 300u);
    } else if (tag == 3) {
      EXPECT_TRUE(r.Unknown(tag).ok());
    } else if (tag == 4) {
      EXPECT_EQ(v, std::string("a\0b", 3));
    }
  }
  EXPECT_EQ(seen, (std::vector<uint32_t>{2, 3, 4}));
  EXPECT_TRUE(r.Unknown(6).IsNotSupported());
}

TEST(FieldsTest, TruncatedOrOutOfOrderFieldsAreCorruption) {
  FieldWriter w;
  w.Varint(4, 1);
  w.Varint(2, 1);
  uint32_t tag;
  std::string_view v;
  FieldReader r(w.data(), "rec");
  ASSERT_TRUE(*r.Next(&tag, &v));
  EXPECT_TRUE(r.Next(&tag, &v).status().IsCorruption());
  const std::string cut = w.data().substr(0, 2);
  FieldReader r2(cut, "rec");
  EXPECT_TRUE(r2.Next(&tag, &v).status().IsCorruption());
}

TEST(KeysTest, IdsDependOnKeyAndTypeButDataTypesShareOne) {
  const Keys a = TestKeys(1), b = TestKeys(2), plain = Keys::Unencrypted();
  const uint8_t chunk = 1, blob = 5, tree = 3, list = 2;
  EXPECT_EQ(a.GrainId(chunk, "x"), a.GrainId(blob, "x"));
  EXPECT_NE(a.GrainId(chunk, "x"), a.GrainId(tree, "x"));
  EXPECT_NE(a.GrainId(tree, "x"), a.GrainId(list, "x"));
  EXPECT_NE(a.GrainId(chunk, "x"), b.GrainId(chunk, "x"));
  EXPECT_EQ(plain.GrainId(chunk, "x"), Blake3Hash("x"));
  EXPECT_NE(plain.GrainId(tree, "x"), Blake3Hash("x"));
  EXPECT_NE(a.GearTable(), b.GearTable());
  EXPECT_EQ(a.GearTable(), TestKeys(1).GearTable());
}

TEST(KeysTest, RecordsOpenOnlyUnchangedAndWithTheirAssociatedData) {
  for (const Keys& k : {TestKeys(), Keys::Unencrypted()}) {
    std::string sealed, out;
    k.SealRecord("fields", "ad", &sealed);
    ASSERT_OK(k.OpenRecord(sealed, "ad", "rec", &out));
    EXPECT_EQ(out, "fields");
    EXPECT_TRUE(k.OpenRecord(sealed, "other ad", "rec", &out).IsCorruption());
    for (size_t i = 0; i < sealed.size(); ++i) {
      std::string bad = sealed;
      bad[i] ^= 0x10;
      EXPECT_TRUE(k.OpenRecord(bad, "ad", "rec", &out).IsCorruption()) << i;
    }
  }
}

TEST(KeysTest, SlotsUnwrapWithTheRightPasswordOnly) {
  const Keys k = TestKeys();
  auto slot = WrapMasterKey(k.master(), "hunter2", kFastKdf, kBasinId, "test");
  ASSERT_TRUE(slot.ok());
  auto master = UnwrapMasterKey(*slot, "hunter2", kBasinId);
  ASSERT_TRUE(master.ok());
  EXPECT_TRUE(
      std::equal(master->bytes().begin(), master->bytes().end(), k.master().bytes().begin()));
  EXPECT_TRUE(UnwrapMasterKey(*slot, "hunter3", kBasinId).status().IsPermissionDenied());
  EXPECT_TRUE(UnwrapMasterKey(*slot, "hunter2", RandomBytes(16, 5)).status().IsPermissionDenied());
  KeySlot changed = *slot;
  changed.kdf.ops = 2;  // parameters are bound by the associated data
  EXPECT_TRUE(UnwrapMasterKey(changed, "hunter2", kBasinId).status().IsPermissionDenied());
}

// A million grains (under the grain key) and a million records (under the metadata key)
// sealed with the same contents: no nonce repeats (a repeat
// under XChaCha20-Poly1305 would reveal the XOR of two plaintexts and allow forgeries).
TEST(KeysTest, AMillionSealsNeverRepeatANonce) {
  const Keys k = TestKeys();
  constexpr size_t kSeals = 1'000'000;
  std::vector<std::array<uint8_t, kAeadNonceSize>> nonces(2 * kSeals);
  std::string sealed;
  for (size_t i = 0; i < 2 * kSeals; ++i) {
    sealed.clear();
    if (i < kSeals) {
      k.SealGrain("the same grain", "the same id", &sealed);
    } else {
      k.SealRecord("the same record", "the same ad", &sealed);
    }
    ASSERT_GE(sealed.size(), kAeadNonceSize);
    std::memcpy(nonces[i].data(), sealed.data(), kAeadNonceSize);
  }
  std::sort(nonces.begin(), nonces.end());
  EXPECT_EQ(std::adjacent_find(nonces.begin(), nonces.end()), nonces.end());
}

Config TestConfig(const Keys& keys) {
  Config c;
  std::memcpy(c.basin_id.data(), kBasinId.data(), 16);
  c.encrypted = keys.encrypted();
  if (c.encrypted) c.slots.push_back(*WrapMasterKey(keys.master(), "pw", kFastKdf, kBasinId, "l"));
  c.settings.chunker = {256 << 10, 512 << 10, 2 << 20};
  c.settings.cold_url = "s3://cold/bucket";
  return c;
}

TEST(ConfigTest, RoundTripsEncryptedAndNot) {
  for (const Keys& k : {TestKeys(), Keys::Unencrypted()}) {
    const Config c = TestConfig(k);
    const std::string bytes = EncodeConfig(c, k);
    std::string sealed;
    auto parsed = ParseConfig(bytes, &sealed);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->encrypted, k.encrypted());
    EXPECT_EQ(parsed->slots.size(), c.slots.size());
    ASSERT_OK(OpenConfig(bytes, sealed, k, &*parsed));
    EXPECT_EQ(parsed->settings.chunker.avg_size, 512u << 10);
    EXPECT_EQ(parsed->settings.cold_url, "s3://cold/bucket");
    EXPECT_EQ(parsed->settings.data_stratum_size, c.settings.data_stratum_size);
  }
}

// Any changed byte of a config is noticed: it fails to parse, or its MAC fails.
TEST(ConfigTest, EverySingleByteChangeIsDetected) {
  const Keys k = TestKeys();
  const std::string bytes = EncodeConfig(TestConfig(k), k);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x01;
    std::string sealed;
    auto parsed = ParseConfig(bad, &sealed);
    if (!parsed.ok()) continue;
    EXPECT_FALSE(OpenConfig(bad, sealed, k, &*parsed).ok()) << "byte " << i;
  }
  std::string sealed;
  EXPECT_TRUE(ParseConfig(bytes.substr(0, bytes.size() - 1), &sealed).status().IsCorruption());
  EXPECT_TRUE(ParseConfig("", &sealed).status().IsCorruption());
}

TEST(GrainTest, RoundTripsAndStoresIncompressibleDataAsIs) {
  for (const Keys& k : {TestKeys(), Keys::Unencrypted()}) {
    GrainCodec codec(CompressionOptions{CompressionType::kZstd, 3});
    for (const std::string& data :
         {std::string(100000, 'a'), RandomBytes(100000, 3), std::string(), std::string("x")}) {
      const Hash256 id = k.GrainId(1, data);
      std::string stored;
      EncodeGrain(k, kBasinId, 1, id, data, &codec, &stored);
      if (data.size() > 1000 && data[0] == 'a') {
        EXPECT_LT(stored.size(), 1000u);
      }
      EXPECT_LE(stored.size(), data.size() + kGrainHeaderSize + 64);
      GrainHeader h;
      std::string out;
      ASSERT_OK(OpenGrain(k, kBasinId, stored, "g", &codec, &h, &out));
      EXPECT_EQ(out, data);
      EXPECT_EQ(h.id, id);
      EXPECT_EQ(h.type, 1);
    }
  }
}

TEST(GrainTest, EveryDamageMoveAndRetypeIsRefused) {
  const Keys k = TestKeys();
  GrainCodec codec(CompressionOptions{CompressionType::kZstd, 3});
  const std::string data = RandomBytes(300, 4) + std::string(300, 'z');
  const Hash256 id = k.GrainId(3, data);
  std::string stored;
  EncodeGrain(k, kBasinId, 3, id, data, &codec, &stored);
  GrainHeader h;
  std::string out;
  for (size_t i = 0; i < stored.size(); ++i) {
    std::string bad = stored;
    bad[i] ^= 0x40;
    Status s = OpenGrain(k, kBasinId, bad, "g", &codec, &h, &out);
    EXPECT_TRUE(s.IsCorruption()) << "byte " << i << ": " << s.ToString();
  }
  // Another basin's id, or the right checksum over a retyped header, still fails.
  EXPECT_TRUE(OpenGrain(k, RandomBytes(16, 7), stored, "g", &codec, &h, &out).IsCorruption());
  std::string retyped = stored;
  retyped[8] = 4;
  EncodeFixed32(retyped.data(), Xxh32(std::string_view(retyped).substr(4)));
  EXPECT_TRUE(OpenGrain(k, kBasinId, retyped, "g", &codec, &h, &out).IsCorruption());
  EXPECT_TRUE(OpenGrain(k, kBasinId, stored.substr(0, 20), "g", &codec, &h, &out).IsCorruption());
}

TEST(ChunkerTest, CutsWithinBoundsAndNearTheAverage) {
  const ChunkerParams p{64 << 10, 256 << 10, 1 << 20};
  ASSERT_OK(ValidateChunkerParams(p));
  const Chunker c(TestKeys().GearTable(), p);
  const std::string data = RandomBytes(32 << 20, 11);
  std::string_view rest = data;
  std::vector<size_t> sizes;
  while (!rest.empty()) {
    const size_t n = c.Cut(rest);
    ASSERT_GT(n, 0u);
    if (n < rest.size()) {
      EXPECT_GE(n, p.min_size);
      EXPECT_LE(n, p.max_size);
    }
    sizes.push_back(n);
    rest.remove_prefix(n);
  }
  const double mean = double(data.size()) / sizes.size();
  EXPECT_GT(mean, 0.7 * p.avg_size);
  EXPECT_LT(mean, 1.5 * p.avg_size);
}

// Inserting bytes in the middle changes only the chunks around the insertion.
TEST(ChunkerTest, AnInsertionChangesOnlyNearbyChunks) {
  const ChunkerParams p{16 << 10, 64 << 10, 256 << 10};
  const Chunker c(TestKeys().GearTable(), p);
  const std::string a = RandomBytes(8 << 20, 12);
  const std::string b = a.substr(0, 4 << 20) + "inserted!" + a.substr(4 << 20);
  auto chunks = [&](const std::string& d) {
    std::set<std::string> out;
    std::string_view rest = d;
    while (!rest.empty()) {
      const size_t n = c.Cut(rest);
      out.insert(Blake3Hash(rest.substr(0, n)).ToHex());
      rest.remove_prefix(n);
    }
    return out;
  };
  const auto ca = chunks(a), cb = chunks(b);
  size_t shared = 0;
  for (const auto& h : cb) shared += ca.count(h);
  EXPECT_GE(shared + 3, cb.size());
  // A different key cuts elsewhere.
  const Chunker other(TestKeys(2).GearTable(), p);
  EXPECT_NE(c.Cut(a), other.Cut(a));
}

TEST(ChunkerTest, BadParametersAreRefused) {
  EXPECT_FALSE(ValidateChunkerParams({0, 1 << 20, 8 << 20}).ok());
  EXPECT_FALSE(ValidateChunkerParams({1 << 20, 1000000, 8 << 20}).ok());
  EXPECT_FALSE(ValidateChunkerParams({2 << 20, 1 << 20, 8 << 20}).ok());
  EXPECT_FALSE(ValidateChunkerParams({1 << 10, 32 << 10, 64 << 10}).ok());
  EXPECT_FALSE(ValidateChunkerParams({1 << 20, 1 << 20, 128 << 20}).ok());
}

TEST(ClastTest, RoundTripsAndRefusesMalformedLists) {
  ClastList l;
  l.level = 1;
  for (int i = 0; i < 100; ++i) l.entries.push_back({Blake3Hash(std::to_string(i)), 1000u + i});
  const std::string bytes = EncodeClastList(l);
  auto back = DecodeClastList(bytes, "list");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->level, 1);
  ASSERT_EQ(back->entries.size(), 100u);
  EXPECT_EQ(back->entries[7].size, 1007u);
  EXPECT_EQ(back->total_size(), l.total_size());
  for (size_t cut : {size_t{0}, size_t{1}, size_t{2}, bytes.size() - 1}) {
    EXPECT_TRUE(DecodeClastList(bytes.substr(0, cut), "list").status().IsCorruption()) << cut;
  }
  EXPECT_TRUE(DecodeClastList(bytes + "x", "list").status().IsCorruption());
  std::string huge = bytes;
  huge[1] = '\xff';  // count beyond the limit
  EXPECT_FALSE(DecodeClastList(huge, "list").ok());
}

JournalRecord TestRecord() {
  JournalRecord r;
  r.seq = 7;
  r.time_ns = 123456789;
  r.host = "host";
  r.program = "basin test";
  StratumRef s;
  s.id = RandomName();
  s.size = 1000;
  s.grains = 3;
  s.digest = Blake3Hash("d");
  r.strata.push_back(s);
  TableRef t;
  t.name = RandomName();
  t.size = 500;
  t.entries = 3;
  t.mac = Blake3Hash("m");
  r.tables.push_back(t);
  r.snapshots_added.push_back(SnapshotEntry{Blake3Hash("snap"), "summary bytes", 0});
  r.snapshots_removed.push_back(Blake3Hash("old"));
  return r;
}

TEST(JournalTest, RecordsRoundTripAndAreBoundToTheirNumberAndBasin) {
  for (const Keys& k : {TestKeys(), Keys::Unencrypted()}) {
    const JournalRecord r = TestRecord();
    const std::string bytes = EncodeRecord(r, k, kBasinId);
    auto back = DecodeRecord(bytes, 7, k, kBasinId);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->host, "host");
    ASSERT_EQ(back->strata.size(), 1u);
    EXPECT_EQ(back->strata[0].id, r.strata[0].id);
    EXPECT_EQ(back->tables[0].mac, r.tables[0].mac);
    EXPECT_EQ(back->snapshots_added[0].summary, "summary bytes");
    EXPECT_EQ(back->snapshots_removed[0], Blake3Hash("old"));
    EXPECT_TRUE(DecodeRecord(bytes, 8, k, kBasinId).status().IsCorruption());
    EXPECT_TRUE(DecodeRecord(bytes, 7, k, RandomBytes(16, 8)).status().IsCorruption());
    for (size_t i = 0; i < bytes.size(); ++i) {
      std::string bad = bytes;
      bad[i] ^= 0x02;
      EXPECT_FALSE(DecodeRecord(bad, 7, k, kBasinId).ok()) << i;
    }
  }
}

TEST(JournalTest, CheckpointsRoundTripAndStateAppliesRecords) {
  const Keys k = TestKeys();
  BasinState st;
  JournalRecord r = TestRecord();
  r.seq = 1;
  st.Apply(r);
  EXPECT_EQ(st.seq, 1u);
  EXPECT_EQ(st.tables.size(), 1u);
  EXPECT_EQ(st.snapshots.size(), 1u);
  EXPECT_EQ(st.snapshots[0].seq, 1u);
  EXPECT_EQ(st.strata, 1u);
  JournalRecord r2;
  r2.seq = 2;
  r2.snapshots_removed.push_back(Blake3Hash("snap"));
  TableRef t2;
  t2.name = RandomName();
  r2.tables.push_back(t2);
  st.Apply(r2);
  EXPECT_TRUE(st.snapshots.empty());
  // A merge of both tables applies once; a second one naming the same inputs is void.
  MergeRef m;
  m.output.name = RandomName();
  m.inputs = {st.tables[0].name, st.tables[1].name};
  JournalRecord r3;
  r3.seq = 3;
  r3.merges.push_back(m);
  MergeRef again = m;
  again.output.name = RandomName();
  r3.merges.push_back(again);
  st.Apply(r3);
  ASSERT_EQ(st.tables.size(), 1u);
  EXPECT_EQ(st.tables[0].name, m.output.name);
  const std::string cp = EncodeCheckpoint(st.ToCheckpoint(), k, kBasinId);
  auto back = DecodeCheckpoint(cp, k, kBasinId);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->seq, 3u);
  EXPECT_EQ(back->tables.size(), 1u);
  EXPECT_EQ(back->strata, 1u);
  for (size_t i = 0; i < cp.size(); ++i) {
    std::string bad = cp;
    bad[i] ^= 0x08;
    EXPECT_FALSE(DecodeCheckpoint(bad, k, kBasinId).ok()) << i;
  }
}

}  // namespace
}  // namespace basin::repo
