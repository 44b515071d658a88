#include "basin/crypto.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace basin {
namespace {

static_assert(kAeadKeySize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kAeadNonceSize == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kAeadTagSize == crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(kKdfSaltSize == crypto_pwhash_SALTBYTES);

void EnsureSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) {
      std::fputs("basin: libsodium failed to initialise\n", stderr);
      std::abort();
    }
    return true;
  }();
  (void)ready;
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

SecretKey::SecretKey(std::span<const uint8_t, kAeadKeySize> bytes) {
  std::copy(bytes.begin(), bytes.end(), bytes_.begin());
}

SecretKey::~SecretKey() { sodium_memzero(bytes_.data(), bytes_.size()); }

SecretKey SecretKey::Random() {
  SecretKey k;
  RandomBytes(k.bytes_);
  return k;
}

void WipeSecret(std::string& s) {
  EnsureSodium();
  sodium_memzero(s.data(), s.size());
}

void RandomBytes(std::span<uint8_t> out) {
  EnsureSodium();
  randombytes_buf(out.data(), out.size());
}

void AeadSeal(const SecretKey& key, std::string_view plaintext, std::string_view associated,
              std::string* out) {
  EnsureSodium();
  const size_t base = out->size();
  out->resize(base + kAeadNonceSize + plaintext.size() + kAeadTagSize);
  auto* nonce = reinterpret_cast<unsigned char*>(out->data() + base);
  randombytes_buf(nonce, kAeadNonceSize);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kAeadNonceSize, &clen, U(plaintext),
                                             plaintext.size(), U(associated), associated.size(),
                                             nullptr, nonce, key.bytes().data());
}

Status AeadOpen(const SecretKey& key, std::string_view sealed, std::string_view associated,
                std::string* out) {
  EnsureSodium();
  if (sealed.size() < kAeadOverhead) {
    return Status::Corruption("sealed data of " + std::to_string(sealed.size()) +
                              " bytes is shorter than nonce and tag (" +
                              std::to_string(kAeadOverhead) + ")");
  }
  const size_t base = out->size();
  const size_t plain_size = sealed.size() - kAeadOverhead;
  out->resize(base + plain_size);
  unsigned long long mlen = 0;
  const auto* nonce = U(sealed);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out->data() + base), &mlen, nullptr,
          nonce + kAeadNonceSize, sealed.size() - kAeadNonceSize, U(associated), associated.size(),
          nonce, key.bytes().data()) != 0) {
    sodium_memzero(out->data() + base, plain_size);
    out->resize(base);
    return Status::Corruption("authentication failed: the data was altered, or the key is wrong");
  }
  return Status::OK();
}

Status DeriveKeyFromPassword(std::string_view password, std::span<const uint8_t, kKdfSaltSize> salt,
                             const KdfParams& params, std::span<uint8_t> out) {
  EnsureSodium();
  if (params.ops < crypto_pwhash_OPSLIMIT_MIN || params.ops > crypto_pwhash_OPSLIMIT_MAX ||
      params.mem_bytes < crypto_pwhash_MEMLIMIT_MIN ||
      params.mem_bytes > crypto_pwhash_MEMLIMIT_MAX) {
    return Status::InvalidArgument("Argon2id cost out of range: ops " + std::to_string(params.ops) +
                                   ", memory " + std::to_string(params.mem_bytes) + " bytes");
  }
  if (out.size() < crypto_pwhash_BYTES_MIN) {
    return Status::InvalidArgument("derived key too short");
  }
  if (crypto_pwhash(out.data(), out.size(), password.data(), password.size(), salt.data(),
                    params.ops, params.mem_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::IOError("Argon2id could not allocate " + std::to_string(params.mem_bytes) +
                           " bytes");
  }
  return Status::OK();
}

}  // namespace basin
