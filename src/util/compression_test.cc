#include "basin/compression.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <random>

namespace basin {
namespace {

const CompressionType kAll[] = {CompressionType::kNone, CompressionType::kLz4,
                                CompressionType::kZstd};

std::string Compressible(size_t n) {
  std::string s;
  while (s.size() < n)
    s += "the quick brown fox jumps over the lazy dog " + std::to_string(s.size() % 97);
  s.resize(n);
  return s;
}

TEST(CompressionTest, NamesParseBack) {
  for (CompressionType t : kAll) EXPECT_EQ(*ParseCompression(CompressionName(t)), t);
  EXPECT_TRUE(ParseCompression("gzip").status().IsInvalidArgument());
  EXPECT_TRUE(IsKnownCompression(2));
  EXPECT_FALSE(IsKnownCompression(3));
}

TEST(CompressionTest, RoundTripsEveryTypeAndLevel) {
  const std::string data = Compressible(100000);
  for (CompressionType t : kAll) {
    for (int level : {0, 1, 9}) {
      std::string packed = "prefix";
      ASSERT_TRUE(Compress({t, level}, data, &packed).ok());
      ASSERT_EQ(packed.substr(0, 6), "prefix");  // appends
      if (t != CompressionType::kNone) {
        EXPECT_LT(packed.size(), data.size() / 2);
      }
      std::string out = "x";
      ASSERT_TRUE(Decompress(t, std::string_view(packed).substr(6), data.size(), &out).ok());
      EXPECT_EQ(out, "x" + data) << CompressionName(t) << " level " << level;
    }
  }
}

TEST(CompressionTest, EmptyInputRoundTrips) {
  for (CompressionType t : kAll) {
    std::string packed, out;
    ASSERT_TRUE(Compress({t, 0}, "", &packed).ok());
    ASSERT_TRUE(Decompress(t, packed, 0, &out).ok()) << CompressionName(t);
    EXPECT_TRUE(out.empty());
  }
}

RC_GTEST_PROP(CompressionProp, AnyBytesRoundTrip, (const std::string& data, uint8_t which)) {
  const CompressionType t = kAll[which % 3];
  Compressor c({t, 0});
  Decompressor d;
  std::string packed, out;
  RC_ASSERT(c.Compress(data, &packed).ok());
  RC_ASSERT(d.Decompress(t, packed, data.size(), &out).ok());
  RC_ASSERT(out == data);
}

TEST(CompressionTest, WrongDeclaredSizeIsCorruption) {
  const std::string data = Compressible(5000);
  for (CompressionType t : kAll) {
    std::string packed;
    ASSERT_TRUE(Compress({t, 0}, data, &packed).ok());
    for (size_t wrong : {data.size() - 1, data.size() + 1, size_t{0}}) {
      std::string out = "keep";
      Status s = Decompress(t, packed, wrong, &out);
      EXPECT_TRUE(s.IsCorruption()) << CompressionName(t) << " " << wrong << ": " << s.ToString();
      EXPECT_EQ(out, "keep");  // untouched on failure
    }
  }
}

TEST(CompressionTest, HugeDeclaredSizeIsRefusedBeforeAllocating) {
  std::string packed, out;
  ASSERT_TRUE(Compress({CompressionType::kZstd, 0}, "abc", &packed).ok());
  Status s = Decompress(CompressionType::kLz4, packed, size_t{1} << 40, &out);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("exceeds the limit"), std::string::npos);
  EXPECT_TRUE(out.empty());
}

TEST(CompressionTest, TruncatedInputIsCorruptionAtEveryCut) {
  const std::string data = Compressible(3000);
  for (CompressionType t : {CompressionType::kLz4, CompressionType::kZstd}) {
    std::string packed;
    ASSERT_TRUE(Compress({t, 0}, data, &packed).ok());
    for (size_t cut = 0; cut < packed.size(); ++cut) {
      std::string out;
      Status s = Decompress(t, std::string_view(packed).substr(0, cut), data.size(), &out);
      ASSERT_TRUE(s.IsCorruption()) << CompressionName(t) << " cut at " << cut;
      EXPECT_TRUE(out.empty());
    }
  }
}

TEST(CompressionTest, GarbageInputIsCorruptionNotACrash) {
  std::mt19937 rng(42);
  for (CompressionType t : {CompressionType::kLz4, CompressionType::kZstd}) {
    for (int i = 0; i < 500; ++i) {
      std::string junk(rng() % 200, '\0');
      for (char& c : junk) c = static_cast<char>(rng());
      if (t == CompressionType::kZstd && junk.size() >= 4) {
        junk.replace(0, 4, "\x28\xb5\x2f\xfd", 4);  // zstd magic, to get past the first check
      }
      std::string out;
      Status s = Decompress(t, junk, rng() % 4096, &out);
      EXPECT_TRUE(s.ok() || s.IsCorruption()) << s.ToString();
    }
  }
}

TEST(CompressionTest, BitFlipsNeverYieldTheWrongSizeSilently) {
  const std::string data = Compressible(2000);
  for (CompressionType t : {CompressionType::kLz4, CompressionType::kZstd}) {
    std::string packed;
    ASSERT_TRUE(Compress({t, 0}, data, &packed).ok());
    for (size_t i = 0; i < packed.size(); ++i) {
      std::string bad = packed;
      bad[i] ^= 0x01;
      std::string out;
      Status s = Decompress(t, bad, data.size(), &out);
      // Compression is not a checksum (formats checksum the stored bytes); what it must
      // never do is crash or return a size other than the one declared.
      if (s.ok()) {
        EXPECT_EQ(out.size(), data.size());
      } else {
        EXPECT_TRUE(s.IsCorruption());
      }
    }
  }
}

}  // namespace
}  // namespace basin
