#include "basin/checksum.h"

#include <gtest/gtest.h>

#include <string>

namespace basin {
namespace {

TEST(ChecksumTest, Crc32cKnownVectors) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  // RFC 3720 B.4: 32 bytes of zeros, of 0xff, and ascending 0..31.
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending += static_cast<char>(i);
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
}

TEST(ChecksumTest, Crc32cExtendEqualsWhole) {
  const std::string a = "hello, ", b = "basin";
  EXPECT_EQ(Crc32cExtend(Crc32c(a), b), Crc32c(a + b));
}

TEST(ChecksumTest, MaskRoundTripsAndChangesValue) {
  for (uint32_t crc : {0u, 1u, 0xE3069283u, 0xffffffffu}) {
    EXPECT_NE(MaskCrc(crc), crc);
    EXPECT_EQ(UnmaskCrc(MaskCrc(crc)), crc);
  }
}

TEST(ChecksumTest, XxhashKnownVectors) {
  // Reference values of xxHash 0.8 for the empty input (seed 0).
  EXPECT_EQ(Xxh32(""), 0x02CC5D05u);
  EXPECT_EQ(Xxh64(""), 0xEF46DB3751D8E999ull);
  EXPECT_EQ(Xxh3_64(""), 0x2D06800538D394C2ull);
  EXPECT_NE(Xxh64("a", 1), Xxh64("a", 2));
}

TEST(ChecksumTest, EveryChecksumSeesASingleBitFlip) {
  std::string data(4096, 'x');
  const uint32_t crc = Crc32c(data);
  const uint64_t x3 = Xxh3_64(data), x64 = Xxh64(data);
  const uint32_t x32 = Xxh32(data);
  for (size_t byte : {size_t{0}, size_t{1000}, data.size() - 1}) {
    data[byte] ^= 0x10;
    EXPECT_NE(Crc32c(data), crc);
    EXPECT_NE(Xxh3_64(data), x3);
    EXPECT_NE(Xxh64(data), x64);
    EXPECT_NE(Xxh32(data), x32);
    data[byte] ^= 0x10;
  }
}

}  // namespace
}  // namespace basin
