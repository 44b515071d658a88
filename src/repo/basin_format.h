// The basin repository's on-disk constants. FROZEN: version 1 of
// docs/format/repository.md; change only with a new format version.
#ifndef BASIN_REPO_BASIN_FORMAT_H_
#define BASIN_REPO_BASIN_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace basin::repo {

// Format versions, in order. Each entry's comment is its changelog.
enum class FormatVersion : uint32_t {
  kV1 = 1,  // 2026-12: strata with embedded grain-index tables, journal, checkpoint.
};
inline constexpr uint32_t kFormatVersion = static_cast<uint32_t>(FormatVersion::kV1);

inline constexpr size_t kIdSize = 32;          // grain ids: BLAKE3-256
inline constexpr size_t kBasinIdSize = 16;     // random
inline constexpr size_t kObjectNameSize = 16;  // random names of strata and index tables
inline constexpr size_t kMacSize = 32;         // keyed BLAKE3

// Object keys.
inline constexpr std::string_view kConfigKey = "config";
inline constexpr std::string_view kCheckpointKey = "checkpoint";
// On a cold store only: "basin cold store <basin id, 32 hex>\n", put at init; a writer
// reads it before its first data stratum (repository.md, "Layout").
inline constexpr std::string_view kColdMarkerKey = "cold-store";
inline constexpr std::string_view kJournalPrefix = "journal/";
inline constexpr std::string_view kIndexPrefix = "index/";
inline constexpr std::string_view kDataStrataPrefix = "strata/data/";
inline constexpr std::string_view kMetaStrataPrefix = "strata/meta/";
inline constexpr std::string_view kTailsPrefix = "tails/";
// Markers of stratum uploads under way (docs/format/maintenance.md).
inline constexpr std::string_view kPendingPrefix = "pending/";
// Prune's probe of the store's clock: put, read back and deleted (maintenance.md, P3).
inline constexpr std::string_view kClockProbePrefix = "pending/clock-";

// Key derivation contexts (BLAKE3 derive_key), frozen.
inline constexpr std::string_view kGrainKeyContext = "basin 2026-12 grain encryption";
inline constexpr std::string_view kIdKeyContext = "basin 2026-12 grain id";
inline constexpr std::string_view kChunkerKeyContext = "basin 2026-12 chunker gear table";
inline constexpr std::string_view kMetadataKeyContext = "basin 2026-12 metadata encryption";
inline constexpr std::string_view kMacKeyContext = "basin 2026-12 mac";
// The chunker's key in an unencrypted basin (a fixed gear table).
inline constexpr std::string_view kPlainChunkerKey = "basin 2026-12 unkeyed chunker";

// Associated-data prefixes.
inline constexpr std::string_view kSlotAd = "basin key slot v1";
inline constexpr std::string_view kConfigAd = "basin config v1";
inline constexpr std::string_view kGrainAd = "basin grain v1";
inline constexpr std::string_view kJournalAd = "basin journal v1";
inline constexpr std::string_view kCheckpointAd = "basin checkpoint v1";

// config
inline constexpr std::string_view kConfigMagic = "basincfg";
inline constexpr uint32_t kConfigFlagEncrypted = 1;
inline constexpr size_t kMaxSlots = 64;
inline constexpr size_t kMaxConfigSize = 64 << 10;
inline constexpr size_t kSlotIdSize = 8;
inline constexpr uint8_t kKdfArgon2id = 1;
inline constexpr size_t kWrappedKeySize = 24 + 32 + 16;  // nonce, sealed master key, tag
// Argon2id costs a key slot may ask for (a hostile config must not exhaust the machine).
inline constexpr uint64_t kMaxKdfOps = 64;
inline constexpr uint64_t kMinKdfMem = 8 << 10;
inline constexpr uint64_t kMaxKdfMem = uint64_t{4} << 30;

// Grains: check u32 | length u32 | type u8 | flags u8 | id 32 | body.
inline constexpr size_t kGrainHeaderSize = 4 + 4 + 1 + 1 + kIdSize;  // 42
inline constexpr size_t kGrainLengthFieldEnd = 8;  // length counts the bytes after this
inline constexpr uint64_t kMaxGrainDataSize = uint64_t{64} << 20;
inline constexpr uint64_t kMaxGrainLength = kMaxGrainDataSize + 1024;
inline constexpr uint8_t kSafeToIgnoreType = 0x80;

// Strata.
inline constexpr std::string_view kStratumHeaderMagic = "basinstr";
inline constexpr std::string_view kStratumFooterMagic = "basinSTR";
inline constexpr size_t kStratumHeaderSize = 8 + 4 + 1 + 3 + kObjectNameSize + kBasinIdSize;  // 48
inline constexpr size_t kStratumFooterSize =
    8 + 8 + 4 + 4 + kObjectNameSize + kBasinIdSize + 1 + 7 + kMacSize + 8;  // 104
inline constexpr uint64_t kStratumTailProbe = 64 << 10;  // the suffix read that opens one
inline constexpr uint8_t kStreamData = 1;
inline constexpr uint8_t kStreamMeta = 2;

// Index tables: the stratum entries' key prefix (0x00 'S'), then a u32 big-endian ordinal.
inline constexpr std::string_view kStratumEntryPrefix = std::string_view("\0S", 2);
inline constexpr size_t kStratumEntryKeySize = 2 + 4;

// Journal records and checkpoints: magic | version u32 | seq u64 | body.
inline constexpr std::string_view kJournalMagic = "basinjnl";
inline constexpr std::string_view kCheckpointMagic = "basinckp";
inline constexpr size_t kRecordHeaderSize = 8 + 4 + 8;
inline constexpr size_t kMaxRecordSize = 64 << 20;

// Clast lists.
inline constexpr size_t kMaxClastEntries = 16384;

}  // namespace basin::repo

#endif  // BASIN_REPO_BASIN_FORMAT_H_
