#include "basin/blake3.h"

#include <gtest/gtest.h>

#include <string>

namespace basin {
namespace {

// The input pattern of BLAKE3's published test vectors: byte i is i % 251.
std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i % 251);
  return s;
}

constexpr char kKey[] = "whats the Elvish word for friend";
constexpr char kContext[] = "BLAKE3 2019-12-27 16:29:52 test vectors context";

std::span<const uint8_t, 32> KeySpan() {
  return std::span<const uint8_t, 32>(reinterpret_cast<const uint8_t*>(kKey), 32);
}

struct Vector {
  size_t len;
  const char* hash;
  const char* keyed;
};

// Expected values as printed by b3sum (the Rust implementation), which agree with the
// published test vectors; lengths cross the 1 KiB chunk boundary and the SIMD batch sizes.
constexpr Vector kVectors[] = {
    {0, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
     "92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26"},
    {1, "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213",
     "6d7878dfff2f485635d39013278ae14f1454b8c0a3a2d34bc1ab38228a80c95b"},
    {1023, "10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11",
     "c951ecdf03288d0fcc96ee3413563d8a6d3589547f2c2fb36d9786470f1b9d6e"},
    {1024, "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7",
     "75c46f6f3d9eb4f55ecaaee480db732e6c2105546f1e675003687c31719c7ba4"},
    {1025, "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444",
     "357dc55de0c7e382c900fd6e320acc04146be01db6a8ce7210b7189bd664ea69"},
    {2048, "e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a",
     "879cf1fa2ea0e79126cb1063617a05b6ad9d0b696d0d757cf053439f60a99dd1"},
    {8193, "bab6c09cb8ce8cf459261398d2e7aef35700bf488116ceb94a36d0f5f1b7bc3b",
     "954a2a75420c8d6547e3ba5b98d963e6fa6491addc8c023189cc519821b4a1f5"},
    {102400, "bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085",
     "1c35d1a5811083fd7119f5d5d1ba027b4d01c0c6c49fb6ff2cf75393ea5db4a7"},
};

TEST(Blake3Test, HashMatchesTestVectors) {
  for (const Vector& v : kVectors) {
    EXPECT_EQ(Blake3Hash(Pattern(v.len)).ToHex(), v.hash) << "length " << v.len;
  }
}

TEST(Blake3Test, KeyedHashMatchesTestVectors) {
  for (const Vector& v : kVectors) {
    EXPECT_EQ(Blake3KeyedHash(KeySpan(), Pattern(v.len)).ToHex(), v.keyed) << "length " << v.len;
  }
}

TEST(Blake3Test, DeriveKeyMatchesTestVectors) {
  Blake3 empty = Blake3::DeriveKey(kContext);
  EXPECT_EQ(empty.Finalize().ToHex(),
            "2cc39783c223154fea8dfb7c1b1660f2ac2dcbd1c1de8277b0b0dd39b7e50d7d");
  Blake3 b = Blake3::DeriveKey(kContext);
  b.Update(Pattern(1025));
  EXPECT_EQ(b.Finalize().ToHex(),
            "effaa245f065fbf82ac186839a249707c3bddf6d3fdda22d1b95a3c970379bcb");
}

TEST(Blake3Test, StreamingEqualsOneShotAtAnySplit) {
  const std::string data = Pattern(5000);
  const Hash256 whole = Blake3Hash(data);
  for (size_t split : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{1024}, size_t{4999}}) {
    Blake3 b;
    b.Update(std::string_view(data).substr(0, split));
    b.Update(std::string_view(data).substr(split));
    EXPECT_EQ(b.Finalize(), whole) << "split at " << split;
  }
}

TEST(Blake3Test, ExtendedOutputStartsWithTheHash) {
  Blake3 b;
  b.Update(Pattern(1025));
  std::array<uint8_t, 131> xof{};
  b.FinalizeXof(xof);
  Hash256 h;
  std::copy(xof.begin(), xof.begin() + 32, h.bytes.begin());
  EXPECT_EQ(h.ToHex(), "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444");
  EXPECT_EQ(xof[130], 0x7a);  // last byte of b3sum -l 131
}

TEST(Blake3Test, HexRoundTripAndErrors) {
  const Hash256 h = Blake3Hash("basin");
  auto parsed = Hash256::FromHex(h.ToHex());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, h);
  std::string upper = h.ToHex();
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(*Hash256::FromHex(upper), h);
  EXPECT_TRUE(Hash256::FromHex("abc").status().IsInvalidArgument());
  EXPECT_TRUE(Hash256::FromHex(std::string(64, 'g')).status().IsInvalidArgument());
}

}  // namespace
}  // namespace basin
