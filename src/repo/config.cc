// config := magic | version u32 | basin id 16 | flags u32 | slots u8 | slot* |
//           settings length u32 | settings | mac 32
// slot   := id 8 | kdf u8 | ops u32 | mem u64 | salt 16 | label length u8 | label | wrapped 72
#include "repo/config.h"

#include <fmt/format.h>

#include "basin/coding.h"
#include "repo/fields.h"

namespace basin::repo {
namespace {

enum SettingTag : uint32_t {
  kChunker = 2,
  kCompression = 4,
  kDataStratumSize = 6,
  kMetaStratumSize = 8,
  kCheckpointInterval = 10,
  kColdUrl = 11,
};

std::string EncodeSettings(const BasinSettings& s) {
  FieldWriter w;
  std::string chunker;
  chunker += static_cast<char>(1);  // FastCDC, normalized level 2
  PutVarint32(&chunker, s.chunker.min_size);
  PutVarint32(&chunker, s.chunker.avg_size);
  PutVarint32(&chunker, s.chunker.max_size);
  w.Bytes(kChunker, chunker);
  std::string compression;
  compression += static_cast<char>(s.compression);
  PutVarint32(&compression, static_cast<uint32_t>(s.compression_level));
  w.Bytes(kCompression, compression);
  w.Varint(kDataStratumSize, s.data_stratum_size);
  w.Varint(kMetaStratumSize, s.meta_stratum_size);
  w.Varint(kCheckpointInterval, s.checkpoint_interval);
  if (!s.cold_url.empty()) w.Bytes(kColdUrl, s.cold_url);
  return w.Release();
}

}  // namespace

Status DecodeSettings(std::string_view fields, BasinSettings* s) {
  FieldReader r(fields, "config settings");
  uint32_t tag;
  std::string_view v;
  while (true) {
    BASIN_ASSIGN_OR_RETURN(bool more, r.Next(&tag, &v));
    if (!more) break;
    switch (tag) {
      case kChunker: {
        if (v.empty() || v[0] != 1) {
          return Status::NotSupported("config: a chunker this version of basin does not know");
        }
        v.remove_prefix(1);
        if (!GetVarint32(&v, &s->chunker.min_size) || !GetVarint32(&v, &s->chunker.avg_size) ||
            !GetVarint32(&v, &s->chunker.max_size) || !v.empty()) {
          return Status::Corruption("config: malformed chunker setting");
        }
        break;
      }
      case kCompression: {
        uint32_t level = 0;
        if (v.empty()) return Status::Corruption("config: malformed compression setting");
        const auto type = static_cast<CompressionType>(v[0]);
        v.remove_prefix(1);
        if ((type != CompressionType::kNone && type != CompressionType::kZstd) ||
            !GetVarint32(&v, &level) || !v.empty() || level > 22) {
          return Status::Corruption("config: malformed compression setting");
        }
        s->compression = type;
        s->compression_level = static_cast<int>(level);
        break;
      }
      case kDataStratumSize: {
        BASIN_ASSIGN_OR_RETURN(s->data_stratum_size, FieldVarint(v, "config: data stratum size"));
        break;
      }
      case kMetaStratumSize: {
        BASIN_ASSIGN_OR_RETURN(s->meta_stratum_size, FieldVarint(v, "config: meta stratum size"));
        break;
      }
      case kCheckpointInterval: {
        BASIN_ASSIGN_OR_RETURN(uint64_t n, FieldVarint(v, "config: checkpoint interval"));
        if (n == 0 || n > 1'000'000) return Status::Corruption("config: checkpoint interval");
        s->checkpoint_interval = static_cast<uint32_t>(n);
        break;
      }
      case kColdUrl:
        s->cold_url.assign(v);
        break;
      default:
        BASIN_RETURN_IF_ERROR(r.Unknown(tag));
    }
  }
  const ChunkerParams& c = s->chunker;
  if (c.min_size == 0 || c.min_size > c.avg_size || c.avg_size > c.max_size ||
      (c.avg_size & (c.avg_size - 1)) != 0 || c.avg_size < (64u << 10) ||
      c.avg_size > (16u << 20) || c.max_size > kMaxGrainDataSize) {
    return Status::Corruption("config: impossible chunker sizes");
  }
  if (s->data_stratum_size < (1u << 20) || s->data_stratum_size > (uint64_t{4} << 30) ||
      s->meta_stratum_size < (1u << 20) || s->meta_stratum_size > (uint64_t{4} << 30)) {
    return Status::Corruption("config: impossible stratum sizes");
  }
  return Status::OK();
}

std::string EncodeConfig(const Config& config, const Keys& keys) {
  std::string out(kConfigMagic);
  PutFixed32(&out, kFormatVersion);
  out += config.basin_id_bytes();
  PutFixed32(&out, config.encrypted ? kConfigFlagEncrypted : 0);
  out += static_cast<char>(config.slots.size());
  for (const KeySlot& slot : config.slots) {
    out.append(reinterpret_cast<const char*>(slot.id.data()), slot.id.size());
    out += static_cast<char>(kKdfArgon2id);
    PutFixed32(&out, static_cast<uint32_t>(slot.kdf.ops));
    PutFixed64(&out, slot.kdf.mem_bytes);
    out.append(reinterpret_cast<const char*>(slot.salt.data()), slot.salt.size());
    out += static_cast<char>(slot.label.size());
    out += slot.label;
    out += slot.wrapped;
  }
  std::string ad(kConfigAd);
  ad += config.basin_id_bytes();
  std::string sealed;
  keys.SealRecord(EncodeSettings(config.settings), ad, &sealed);
  PutFixed32(&out, static_cast<uint32_t>(sealed.size()));
  out += sealed;
  out += keys.Mac(out).view();
  return out;
}

Result<Config> ParseConfig(std::string_view bytes, std::string* sealed_settings) {
  auto bad = [](std::string_view why) {
    return Status::Corruption(fmt::format("config (object 'config'): {}", why));
  };
  if (bytes.size() > kMaxConfigSize) return bad("larger than any config (64 KiB)");
  std::string_view in = bytes;
  std::string_view magic;
  uint32_t version = 0, flags = 0, settings_size = 0;
  if (!GetBytes(&in, kConfigMagic.size(), &magic) || magic != kConfigMagic) {
    return bad("not a basin config (wrong magic)");
  }
  if (!GetFixed32(&in, &version)) return bad("cut short");
  if (version != kFormatVersion) {
    return Status::NotSupported(fmt::format(
        "config: format version {}; this basin reads version {}", version, kFormatVersion));
  }
  Config config;
  std::string_view id;
  if (!GetBytes(&in, kBasinIdSize, &id) || !GetFixed32(&in, &flags) || in.empty()) {
    return bad("cut short");
  }
  std::copy(id.begin(), id.end(), reinterpret_cast<char*>(config.basin_id.data()));
  if ((flags & ~kConfigFlagEncrypted) != 0) return bad("unknown flags");
  config.encrypted = (flags & kConfigFlagEncrypted) != 0;
  const size_t slots = static_cast<unsigned char>(in[0]);
  in.remove_prefix(1);
  if (slots > kMaxSlots) return bad("too many key slots");
  if (config.encrypted == (slots == 0)) {
    return bad(config.encrypted ? "encrypted, but no key slot" : "unencrypted, but key slots");
  }
  for (size_t i = 0; i < slots; ++i) {
    KeySlot slot;
    std::string_view sid, salt, label, wrapped;
    uint32_t ops = 0;
    uint64_t mem = 0;
    if (!GetBytes(&in, slot.id.size(), &sid) || in.empty()) return bad("a key slot is cut short");
    if (static_cast<uint8_t>(in[0]) != kKdfArgon2id) {
      return Status::NotSupported("config: a key slot uses a KDF this basin does not know");
    }
    in.remove_prefix(1);
    if (!GetFixed32(&in, &ops) || !GetFixed64(&in, &mem) ||
        !GetBytes(&in, slot.salt.size(), &salt) || in.empty()) {
      return bad("a key slot is cut short");
    }
    const size_t label_size = static_cast<unsigned char>(in[0]);
    in.remove_prefix(1);
    if (!GetBytes(&in, label_size, &label) || !GetBytes(&in, kWrappedKeySize, &wrapped)) {
      return bad("a key slot is cut short");
    }
    // Hostile costs must not make opening take hours or all memory.
    if (ops < 1 || ops > kMaxKdfOps || mem < kMinKdfMem || mem > kMaxKdfMem) {
      return bad("a key slot has Argon2id costs out of range");
    }
    std::copy(sid.begin(), sid.end(), reinterpret_cast<char*>(slot.id.data()));
    std::copy(salt.begin(), salt.end(), reinterpret_cast<char*>(slot.salt.data()));
    slot.kdf = KdfParams{ops, mem};
    slot.label.assign(label);
    slot.wrapped.assign(wrapped);
    config.slots.push_back(std::move(slot));
  }
  std::string_view sealed;
  if (!GetFixed32(&in, &settings_size) || !GetBytes(&in, settings_size, &sealed)) {
    return bad("settings cut short");
  }
  if (in.size() != kMacSize) return bad("wrong length after the settings");
  sealed_settings->assign(sealed);
  return config;
}

Status OpenConfig(std::string_view bytes, std::string_view sealed_settings, const Keys& keys,
                  Config* config) {
  if (bytes.size() < kMacSize || keys.Mac(bytes.substr(0, bytes.size() - kMacSize)).view() !=
                                     bytes.substr(bytes.size() - kMacSize)) {
    return Status::Corruption(keys.encrypted()
                                  ? "config fails authentication: damaged or tampered with"
                                  : "config fails its checksum: damaged");
  }
  std::string ad(kConfigAd);
  ad += config->basin_id_bytes();
  std::string fields;
  BASIN_RETURN_IF_ERROR(keys.OpenRecord(sealed_settings, ad, "config settings", &fields));
  return DecodeSettings(fields, &config->settings);
}

}  // namespace basin::repo
