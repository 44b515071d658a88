#include "basin/crypto.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>

namespace basin {
namespace {

std::span<const uint8_t, kKdfSaltSize> Salt(const std::array<uint8_t, kKdfSaltSize>& s) {
  return s;
}

TEST(CryptoTest, SealOpenRoundTrip) {
  const SecretKey key = SecretKey::Random();
  for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{1} << 20}) {
    const std::string plain(n, 'p');
    std::string sealed;
    AeadSeal(key, plain, "grain-id", &sealed);
    EXPECT_EQ(sealed.size(), n + kAeadOverhead);
    std::string out;
    ASSERT_TRUE(AeadOpen(key, sealed, "grain-id", &out).ok());
    EXPECT_EQ(out, plain);
  }
}

TEST(CryptoTest, NoncesAreFreshEachSeal) {
  const SecretKey key = SecretKey::Random();
  std::string a, b;
  AeadSeal(key, "same", "", &a);
  AeadSeal(key, "same", "", &b);
  EXPECT_NE(a, b);
}

TEST(CryptoTest, AnyFlippedBitIsRefused) {
  const SecretKey key = SecretKey::Random();
  std::string sealed;
  AeadSeal(key, "attack at dawn", "ad", &sealed);
  for (size_t i = 0; i < sealed.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = sealed;
      bad[i] ^= static_cast<char>(1 << bit);
      std::string out;
      Status s = AeadOpen(key, bad, "ad", &out);
      ASSERT_TRUE(s.IsCorruption()) << "byte " << i << " bit " << bit;
      EXPECT_TRUE(out.empty());
    }
  }
}

TEST(CryptoTest, WrongKeyOrAssociatedDataIsRefused) {
  const SecretKey key = SecretKey::Random(), other = SecretKey::Random();
  std::string sealed, out;
  AeadSeal(key, "secret", "id-1", &sealed);
  EXPECT_TRUE(AeadOpen(other, sealed, "id-1", &out).IsCorruption());
  EXPECT_TRUE(AeadOpen(key, sealed, "id-2", &out).IsCorruption());
  EXPECT_TRUE(out.empty());
}

TEST(CryptoTest, TruncatedSealedDataIsRefused) {
  const SecretKey key = SecretKey::Random();
  std::string sealed;
  AeadSeal(key, "x", "", &sealed);
  for (size_t cut = 0; cut < sealed.size(); ++cut) {
    std::string out;
    EXPECT_TRUE(AeadOpen(key, std::string_view(sealed).substr(0, cut), "", &out).IsCorruption());
  }
}

TEST(CryptoTest, Argon2idIsDeterministicAndSaltSensitive) {
  const KdfParams fast{1, 8 << 10};  // the minimum cost, for a quick test
  std::array<uint8_t, kKdfSaltSize> salt{}, salt2{};
  salt2[0] = 1;
  std::array<uint8_t, 32> a{}, b{}, c{}, d{};
  ASSERT_TRUE(DeriveKeyFromPassword("correct horse", Salt(salt), fast, a).ok());
  ASSERT_TRUE(DeriveKeyFromPassword("correct horse", Salt(salt), fast, b).ok());
  ASSERT_TRUE(DeriveKeyFromPassword("correct horse", Salt(salt2), fast, c).ok());
  ASSERT_TRUE(DeriveKeyFromPassword("wrong horse", Salt(salt), fast, d).ok());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, d);
}

TEST(CryptoTest, Argon2idKnownAnswer) {
  // The reference implementation's CLI (Debian's argon2 package) gives, for
  //   echo -n password | argon2 somesaltsomesalt -id -t 2 -k 64 -p 1 -l 32 -r
  // 1a98fba8e6394425c9bdc333a9c750aaf811df070f5fb4a5788e1cf4db5793a1.
  std::array<uint8_t, kKdfSaltSize> salt{};
  std::memcpy(salt.data(), "somesaltsomesalt", kKdfSaltSize);
  std::array<uint8_t, 32> out{};
  ASSERT_TRUE(DeriveKeyFromPassword("password", Salt(salt), {2, 64 << 10}, out).ok());
  std::string hex;
  for (uint8_t b : out) hex += fmt::format("{:02x}", b);
  EXPECT_EQ(hex, "1a98fba8e6394425c9bdc333a9c750aaf811df070f5fb4a5788e1cf4db5793a1");
}

TEST(CryptoTest, Argon2idRefusesCostsOutOfRange) {
  std::array<uint8_t, kKdfSaltSize> salt{};
  std::array<uint8_t, 32> out{};
  EXPECT_TRUE(DeriveKeyFromPassword("p", Salt(salt), {0, 8 << 10}, out).IsInvalidArgument());
  EXPECT_TRUE(DeriveKeyFromPassword("p", Salt(salt), {1, 1}, out).IsInvalidArgument());
}

}  // namespace
}  // namespace basin
