#include "repo/keys.h"

#include <algorithm>

#include <fmt/format.h>

#include "basin/basin.h"
#include "basin/coding.h"
#include "repo/basin_format.h"

namespace basin::repo {
namespace {

SecretKey Derive(const SecretKey& master, std::string_view context) {
  Blake3 h = Blake3::DeriveKey(context);
  h.Update(std::string_view(reinterpret_cast<const char*>(master.bytes().data()),
                            master.bytes().size()));
  SecretKey out;
  h.FinalizeXof(out.mutable_bytes());
  return out;
}

std::string SlotAd(const KeySlot& slot, std::string_view basin_id) {
  std::string ad(kSlotAd);
  ad += basin_id;
  ad.append(reinterpret_cast<const char*>(slot.id.data()), slot.id.size());
  ad += static_cast<char>(kKdfArgon2id);
  PutFixed32(&ad, static_cast<uint32_t>(slot.kdf.ops));
  PutFixed64(&ad, slot.kdf.mem_bytes);
  ad.append(reinterpret_cast<const char*>(slot.salt.data()), slot.salt.size());
  return ad;
}

// The id key of a metadata type: derived from the id key (from nothing, unencrypted).
SecretKey TypeIdKey(const SecretKey* id_key, uint8_t type) {
  Blake3 h = Blake3::DeriveKey(fmt::format("{} type {}", kIdKeyContext, type));
  if (id_key != nullptr) {
    h.Update(std::string_view(reinterpret_cast<const char*>(id_key->bytes().data()),
                              id_key->bytes().size()));
  }
  SecretKey out;
  h.FinalizeXof(out.mutable_bytes());
  return out;
}

bool IsDataType(uint8_t type) {
  return type == static_cast<uint8_t>(GrainType::kChunk) ||
         type == static_cast<uint8_t>(GrainType::kBlob);
}

}  // namespace

Keys Keys::Unencrypted() {
  Keys k;
  for (uint8_t t = 0; t < k.type_id_.size(); ++t) k.type_id_[t] = TypeIdKey(nullptr, t);
  // The chunker of an unencrypted basin still needs a table; it is fixed.
  Blake3 h = Blake3::DeriveKey(kPlainChunkerKey);
  h.FinalizeXof(k.chunker_.mutable_bytes());
  return k;
}

Keys Keys::FromMaster(const SecretKey& master) {
  Keys k;
  k.encrypted_ = true;
  k.master_ = master;
  k.grain_ = Derive(master, kGrainKeyContext);
  k.id_ = Derive(master, kIdKeyContext);
  k.chunker_ = Derive(master, kChunkerKeyContext);
  k.metadata_ = Derive(master, kMetadataKeyContext);
  k.mac_ = Derive(master, kMacKeyContext);
  for (uint8_t t = 0; t < k.type_id_.size(); ++t) k.type_id_[t] = TypeIdKey(&k.id_, t);
  return k;
}

Blake3 Keys::IdHasher(uint8_t type) const {
  if (IsDataType(type)) return encrypted_ ? Blake3::Keyed(id_.bytes()) : Blake3();
  // Types beyond the table share the last key: they are all "unknown" to this version.
  return Blake3::Keyed(type_id_[std::min<size_t>(type, type_id_.size() - 1)].bytes());
}

Hash256 Keys::GrainId(uint8_t type, std::string_view plaintext) const {
  Blake3 h = IdHasher(type);
  h.Update(plaintext);
  return h.Finalize();
}

Blake3 Keys::MacHasher() const { return encrypted_ ? Blake3::Keyed(mac_.bytes()) : Blake3(); }

Hash256 Keys::Mac(std::string_view bytes) const {
  Blake3 h = MacHasher();
  h.Update(bytes);
  return h.Finalize();
}

std::array<uint64_t, 256> Keys::GearTable() const {
  Blake3 h = Blake3::Keyed(chunker_.bytes());
  std::array<uint8_t, 256 * 8> bytes;
  h.FinalizeXof(bytes);
  std::array<uint64_t, 256> table;
  for (size_t i = 0; i < table.size(); ++i) {
    table[i] = DecodeFixed64(reinterpret_cast<const char*>(bytes.data()) + 8 * i);
  }
  return table;
}

void Keys::SealRecord(std::string_view plaintext, std::string_view ad, std::string* out) const {
  if (encrypted_) {
    AeadSeal(metadata_, plaintext, ad, out);
    return;
  }
  out->append(plaintext);
  Blake3 h;
  h.Update(ad);
  h.Update(plaintext);
  out->append(h.Finalize().view());
}

Status Keys::OpenRecord(std::string_view body, std::string_view ad, std::string_view what,
                        std::string* plaintext) const {
  plaintext->clear();
  if (encrypted_) {
    Status s = AeadOpen(metadata_, body, ad, plaintext);
    if (!s.ok()) {
      return Status::Corruption(
          fmt::format("{} fails authentication: damaged or tampered with", what));
    }
    return Status::OK();
  }
  if (body.size() < kMacSize) return Status::Corruption(fmt::format("{} is cut short", what));
  const std::string_view fields = body.substr(0, body.size() - kMacSize);
  Blake3 h;
  h.Update(ad);
  h.Update(fields);
  if (h.Finalize().view() != body.substr(fields.size())) {
    return Status::Corruption(fmt::format("{} fails its checksum: damaged", what));
  }
  plaintext->assign(fields);
  return Status::OK();
}

void Keys::SealGrain(std::string_view plaintext, std::string_view ad, std::string* out) const {
  if (encrypted_) {
    AeadSeal(grain_, plaintext, ad, out);
  } else {
    out->append(plaintext);
  }
}

Status Keys::OpenGrain(std::string_view body, std::string_view ad, std::string_view what,
                       std::string* plaintext) const {
  plaintext->clear();
  if (!encrypted_) {
    plaintext->assign(body);
    return Status::OK();
  }
  if (!AeadOpen(grain_, body, ad, plaintext).ok()) {
    return Status::Corruption(
        fmt::format("{} fails authentication: damaged, tampered with, or not of this basin", what));
  }
  return Status::OK();
}

std::string KeySlot::IdHex() const {
  std::string out;
  for (uint8_t b : id) out += fmt::format("{:02x}", b);
  return out;
}

Result<KeySlot> WrapMasterKey(const SecretKey& master, std::string_view password,
                              const KdfParams& kdf, std::string_view basin_id, std::string label) {
  KeySlot slot;
  RandomBytes(slot.id);
  RandomBytes(slot.salt);
  slot.kdf = kdf;
  slot.label = std::move(label);
  if (slot.label.size() > 255) slot.label.resize(255);
  SecretKey kek;
  BASIN_RETURN_IF_ERROR(DeriveKeyFromPassword(password, slot.salt, kdf, kek.mutable_bytes()));
  AeadSeal(
      kek,
      std::string_view(reinterpret_cast<const char*>(master.bytes().data()), master.bytes().size()),
      SlotAd(slot, basin_id), &slot.wrapped);
  return slot;
}

Result<SecretKey> UnwrapMasterKey(const KeySlot& slot, std::string_view password,
                                  std::string_view basin_id) {
  SecretKey kek;
  Status s = DeriveKeyFromPassword(password, slot.salt, slot.kdf, kek.mutable_bytes());
  if (s.IsInvalidArgument()) {
    return Status::Corruption(
        fmt::format("key slot {} has impossible Argon2id costs: {}", slot.IdHex(), s.message()));
  }
  BASIN_RETURN_IF_ERROR(s);
  std::string plain;
  if (!AeadOpen(kek, slot.wrapped, SlotAd(slot, basin_id), &plain).ok() ||
      plain.size() != kAeadKeySize) {
    return Status::PermissionDenied(
        fmt::format("the password does not open key slot {}", slot.IdHex()));
  }
  SecretKey master(std::span<const uint8_t, kAeadKeySize>(
      reinterpret_cast<const uint8_t*>(plain.data()), kAeadKeySize));
  WipeSecret(plain);
  return master;
}

}  // namespace basin::repo
