// Strata (docs/format/repository.md, "Strata"): sealed pack objects of grains, each ending
// in its own grain index (an embedded sorted table) and a footer.
//
//   stratum := header (48) | grain* | grain index (a table) | footer (104)
//   footer  := index offset u64 | index length u64 | grains u32 | version u32 | stratum id 16
//              | basin id 16 | stream u8 | reserved 7 | digest 32 | magic "basinSTR"
#ifndef BASIN_REPO_STRATUM_H_
#define BASIN_REPO_STRATUM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "basin/object_store.h"
#include "basin/table.h"
#include "repo/journal.h"
#include "repo/keys.h"

namespace basin::repo {

// Where a grain is in its stratum, as the grain index says.
struct GrainEntry {
  Hash256 id;
  uint64_t offset = 0;  // of the grain's first byte in the stratum
  uint64_t length = 0;  // of the whole stored grain
  uint8_t type = 0;
  uint64_t raw_length = 0;  // its data before compression
};

std::string EncodeGrainEntryValue(const GrainEntry& e);
// Corruption naming `what` unless `value` is one entry value.
Status DecodeGrainEntryValue(std::string_view value, std::string_view what, GrainEntry* e);

// The object key of a stratum, or of a data stratum's tail copy.
std::string StratumKey(uint8_t stream, const ObjectName& id);
std::string TailKey(const ObjectName& id);
// "pending/<32 hex>-data" or "-meta": the marker of an upload under way.
std::string PendingKey(uint8_t stream, const ObjectName& id);
// The stream and id a marker key names; false for any other key.
bool ParsePendingKey(std::string_view key, uint8_t* stream, ObjectName* id);
// The stream and id of a stratum's key (StratumKey); false for any other key.
bool ParseStratumKey(std::string_view key, uint8_t* stream, ObjectName* id);

// Writes one stratum, streaming. Not thread-safe (the basin writer serializes appends).
class StratumWriter {
 public:
  // Starts stratum `id` of `stream` in `store` (its header is the first append).
  static Result<std::unique_ptr<StratumWriter>> Open(ObjectStore* store, uint8_t stream,
                                                     const ObjectName& id, const Keys* keys,
                                                     std::string_view basin_id);
  ~StratumWriter();  // without Seal: aborts the object

  // Appends a stored grain (EncodeGrain's output); *entry (offset set here) goes to the
  // grain index.
  Status Add(std::string_view stored_grain, GrainEntry entry);
  uint64_t size() const { return size_; }
  size_t grains() const { return entries_.size(); }
  // The grains added, in id order (after Seal).
  const std::vector<GrainEntry>& entries() const { return entries_; }
  const ObjectName& id() const { return id_; }
  uint8_t stream() const { return stream_; }

  // Writes the grain index and footer and closes the object, which makes it durable.
  // *tail receives the bytes from the index to the end (the tail copy). The first error
  // is returned; the object is then not created.
  Result<StratumRef> Seal(std::string* tail);

 private:
  StratumWriter(std::unique_ptr<ObjectWriter> writer, uint8_t stream, const ObjectName& id,
                const Keys* keys, std::string_view basin_id);

  std::unique_ptr<ObjectWriter> writer_;
  const uint8_t stream_;
  const ObjectName id_;
  const Keys* keys_;
  const std::string basin_id_;
  uint64_t size_ = 0;
  std::vector<GrainEntry> entries_;
  Status status_;
};

// A stratum's tail, read and checked: its footer's facts and its grain index.
struct StratumTail {
  StratumRef ref;  // id, stream, size, grains, digest
  uint64_t index_offset = 0, index_length = 0;
  std::string bytes;  // index and footer
  std::unique_ptr<TableReader> index;

  // Every grain entry, in id order. Corruption for a malformed index.
  Result<std::vector<GrainEntry>> Entries() const;
};

// Reads the tail of `key` (a stratum, or a tail copy when `is_copy`) with one suffix read
// (two when the index is larger than the probe) and checks magic, version, ids (against
// `expected_id` when given), and the digest. Corruption naming `key` for anything wrong.
Result<StratumTail> ReadStratumTail(ObjectStore* store, const std::string& key, bool is_copy,
                                    const Keys& keys, std::string_view basin_id,
                                    const ObjectName* expected_id = nullptr);

// The two steps of ReadStratumTail, for readers that already hold the bytes (and for
// fuzzing): the 104-byte footer of an object of `object_size` bytes (a stratum, or a tail
// copy when `is_copy`), then the tail itself in t->bytes (index and footer), its digest
// checked unless `check_digest` is false. Corruption naming `key`.
Result<StratumTail> ParseStratumFooter(std::string_view footer, uint64_t object_size, bool is_copy,
                                       std::string_view basin_id, const ObjectName* expected_id,
                                       const std::string& key);
Status OpenStratumTail(StratumTail* t, const Keys& keys, const std::string& key, bool check_digest);

// Reads the body of sealed stratum `key` (ranged reads of up to 16 MiB; a larger grain in
// one read of its own) and checks its header (stream and id as the tail says) and every
// grain of `grains` (the tail's index): header and length as the entry says, same id and
// type, and the XXH32, without decrypting (damage, not tampering: reads check the AEAD).
// Reads the stratum once. Corruption naming `key` and the offset of the first damage.
Status VerifyStratumGrains(ObjectStore* store, const std::string& key, const StratumTail& tail,
                           std::vector<GrainEntry> grains, std::string_view basin_id);

// Decodes a stratum's 48-byte header: stream and id. Corruption naming `what`.
Status ParseStratumHeader(std::string_view bytes, std::string_view basin_id, std::string_view what,
                          uint8_t* stream, ObjectName* id);

}  // namespace basin::repo

#endif  // BASIN_REPO_STRATUM_H_
