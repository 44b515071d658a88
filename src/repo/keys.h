// The keys of a basin (docs/format/repository.md, "Keys and ids"): the master key, what is
// derived from it, and the key slots that wrap it under passwords. Also the unencrypted
// case, where ids are plain BLAKE3 and "sealing" is a checksum.
//
// Thread safety: a Keys is immutable after construction; share it freely.
#ifndef BASIN_REPO_KEYS_H_
#define BASIN_REPO_KEYS_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "basin/blake3.h"
#include "basin/crypto.h"
#include "basin/status.h"

namespace basin::repo {

class Keys {
 public:
  // A basin without encryption: plain BLAKE3 ids and checksums.
  static Keys Unencrypted();
  // Derives every key of an encrypted basin from its master key.
  static Keys FromMaster(const SecretKey& master);

  bool encrypted() const { return encrypted_; }
  const SecretKey& master() const { return master_; }

  // The id of a grain of `type` holding `plaintext`, and a hasher that computes it in
  // pieces. Data grains (chunk, blob) hash with the id key; every other type with a key of
  // its own derived from it, so that grains of different types never share an id even
  // when their bytes are equal (docs/format/repository.md, "Keys and ids").
  Hash256 GrainId(uint8_t type, std::string_view plaintext) const;
  Blake3 IdHasher(uint8_t type) const;
  // Keyed BLAKE3 with the mac key (plain BLAKE3 unencrypted), and its hasher.
  Hash256 Mac(std::string_view bytes) const;
  Blake3 MacHasher() const;
  // The chunker's gear table: 256 values from the chunker key.
  std::array<uint64_t, 256> GearTable() const;

  // Seals `plaintext` for a record (config settings, journal, checkpoint), appending to
  // *out: nonce | AEAD | tag with the metadata key, or plaintext | BLAKE3(ad | plaintext)
  // unencrypted.
  void SealRecord(std::string_view plaintext, std::string_view ad, std::string* out) const;
  // The reverse; Corruption naming `what` when the body was damaged or tampered with.
  Status OpenRecord(std::string_view body, std::string_view ad, std::string_view what,
                    std::string* plaintext) const;
  // Grain bodies: AEAD with the grain key, or the plaintext itself unencrypted.
  void SealGrain(std::string_view plaintext, std::string_view ad, std::string* out) const;
  Status OpenGrain(std::string_view body, std::string_view ad, std::string_view what,
                   std::string* plaintext) const;
  // Bytes a sealed body adds to its plaintext.
  size_t GrainOverhead() const { return encrypted_ ? kAeadOverhead : 0; }

 private:
  Keys() = default;

  bool encrypted_ = false;
  SecretKey master_, grain_, id_, chunker_, metadata_, mac_;
  // Id keys of the metadata types (index: the type; unused entries stay zero).
  std::array<SecretKey, 8> type_id_;
};

// A key slot: the master key wrapped under a key derived from a password.
struct KeySlot {
  std::array<uint8_t, 8> id{};
  KdfParams kdf;
  std::array<uint8_t, kKdfSaltSize> salt{};
  std::string label;    // who made it and when, for `basin key list`
  std::string wrapped;  // nonce | sealed master key | tag

  std::string IdHex() const;
};

// A new slot wrapping `master` under `password`, for the basin `basin_id`.
Result<KeySlot> WrapMasterKey(const SecretKey& master, std::string_view password,
                              const KdfParams& kdf, std::string_view basin_id, std::string label);
// The master key, when `password` opens `slot`; PermissionDenied when it does not (a wrong
// password and a tampered slot cannot be told apart).
Result<SecretKey> UnwrapMasterKey(const KeySlot& slot, std::string_view password,
                                  std::string_view basin_id);

}  // namespace basin::repo

#endif  // BASIN_REPO_KEYS_H_
