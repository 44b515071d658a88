// Authenticated encryption and password hashing, as thin wrappers over libsodium.
//
// AEAD: XChaCha20-Poly1305 (IETF). Its 192-bit nonces are drawn at random for every
// message, so no nonce bookkeeping is needed and reuse is negligible (2^-96 at 2^48
// messages). Sealed layout: nonce (24) || ciphertext (same length as plaintext) || tag (16).
// KDF: Argon2id (v1.3), for turning a password into a key.
// All functions are thread-safe.
#ifndef BASIN_CRYPTO_H_
#define BASIN_CRYPTO_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "basin/status.h"

namespace basin {

inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadNonceSize = 24;
inline constexpr size_t kAeadTagSize = 16;
inline constexpr size_t kAeadOverhead = kAeadNonceSize + kAeadTagSize;

// A secret key; its bytes are wiped when it is destroyed.
class SecretKey {
 public:
  SecretKey() = default;
  explicit SecretKey(std::span<const uint8_t, kAeadKeySize> bytes);
  SecretKey(const SecretKey& other) = default;
  SecretKey& operator=(const SecretKey& other) = default;
  ~SecretKey();

  static SecretKey Random();
  std::span<const uint8_t, kAeadKeySize> bytes() const { return bytes_; }
  std::span<uint8_t, kAeadKeySize> mutable_bytes() { return bytes_; }

 private:
  std::array<uint8_t, kAeadKeySize> bytes_{};
};

// Appends nonce || ciphertext || tag to *out. `associated` is authenticated, not stored.
void AeadSeal(const SecretKey& key, std::string_view plaintext, std::string_view associated,
              std::string* out);

// Appends the plaintext to *out. Corruption when `sealed` is too short, was altered, or was
// sealed with another key or other associated data (these cannot be told apart).
Status AeadOpen(const SecretKey& key, std::string_view sealed, std::string_view associated,
                std::string* out);

// Argon2id cost: passes over mem_bytes. The default a new basin's key gets (InitOptions) is
// 20 passes over 64 MiB: RFC 9106's memory-constrained choice (64 MiB) with the passes
// raised to take about 0.5 s here (docs/format/repository.md, "Keys").
struct KdfParams {
  uint64_t ops = 20;
  uint64_t mem_bytes = uint64_t{64} << 20;
};
inline constexpr size_t kKdfSaltSize = 16;

// Derives out.size() bytes from the password. InvalidArgument for costs outside
// libsodium's limits; IOError when the memory cannot be had.
Status DeriveKeyFromPassword(std::string_view password, std::span<const uint8_t, kKdfSaltSize> salt,
                             const KdfParams& params, std::span<uint8_t> out);

// Fills `out` with cryptographically secure random bytes.
void RandomBytes(std::span<uint8_t> out);

// Overwrites the bytes of `s` with zeros in a way the compiler keeps (secrets in buffers).
void WipeSecret(std::string& s);

}  // namespace basin

#endif  // BASIN_CRYPTO_H_
