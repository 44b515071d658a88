// Journal records and checkpoints (docs/format/repository.md, "The journal"), and the
// state of a basin they describe.
//
//   record     := magic "basinjnl" | version: u32 | seq: u64 | sealed fields
//   checkpoint := magic "basinckp" | version: u32 | seq: u64 | sealed fields
#ifndef BASIN_REPO_JOURNAL_H_
#define BASIN_REPO_JOURNAL_H_

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "basin/basin.h"
#include "repo/basin_format.h"
#include "repo/keys.h"

namespace basin::repo {

// 16 random bytes naming a stratum or an index table.
using ObjectName = std::array<uint8_t, kObjectNameSize>;
std::string NameHex(const ObjectName& name);
// The name 32 lowercase hex digits spell; false for anything else.
bool ParseNameHex(std::string_view hex, ObjectName* name);
ObjectName RandomName();
std::string_view NameBytes(const ObjectName& name);

struct StratumRef {
  ObjectName id{};
  uint8_t stream = kStreamData;
  uint64_t size = 0;    // bytes of the stratum object
  uint64_t grains = 0;  // grains in it
  Hash256 digest;       // the footer's digest
};

struct TableRef {
  ObjectName name{};
  uint64_t size = 0;  // bytes of the index table object
  uint64_t entries = 0;
  Hash256 mac;  // of the whole object
};

struct MergeRef {
  TableRef output;
  std::vector<ObjectName> inputs;
};

// Prune's deletion record (docs/format/maintenance.md, P7): applies only while the intent
// at intent_seq is still the pending one.
struct DeletionRef {
  uint64_t intent_seq = 0;
  std::vector<ObjectName> strata;
};

struct JournalRecord {
  uint64_t seq = 0;
  int64_t time_ns = 0;  // writer's clock
  std::string host, program;
  std::vector<StratumRef> strata;
  std::vector<TableRef> tables;
  std::vector<SnapshotEntry> snapshots_added;  // seq fields unused here
  std::vector<Hash256> snapshots_removed;
  std::vector<MergeRef> merges;
  // Prune (docs/format/maintenance.md): an intent condemns strata (replacing any pending
  // intent); a deletion deletes them.
  std::optional<std::vector<ObjectName>> intent;
  std::optional<DeletionRef> deletion;
};

struct Checkpoint {
  uint64_t seq = 0;             // records 1..seq are folded in
  uint64_t folded_through = 0;  // records at or below this may have been deleted
  std::vector<TableRef> tables;
  std::vector<SnapshotEntry> snapshots;
  uint64_t strata = 0, strata_bytes = 0, grains = 0;
  uint64_t pending_intent = 0;  // seq of the prune intent not yet followed by its deletion
  std::vector<ObjectName> condemned, deleted;
};

// What a basin holds, as its records say: the live index tables (oldest first) and
// snapshots. Applying records in sequence order gives the same state in every process.
struct BasinState {
  uint64_t seq = 0;
  uint64_t folded_through = 0;
  std::vector<TableRef> tables;
  std::vector<SnapshotEntry> snapshots;
  uint64_t strata = 0, strata_bytes = 0, grains = 0;
  // Prune (docs/format/maintenance.md): the pending intent's seq (0: none) and the strata
  // it condemned; the strata deleted for good.
  uint64_t pending_intent = 0;
  std::set<ObjectName> condemned, deleted;

  static BasinState FromCheckpoint(const Checkpoint& c);
  Checkpoint ToCheckpoint() const;
  // REQUIRES: record.seq == seq + 1. A merge whose inputs are not all live is void, and
  // so is a deletion whose intent is no longer the pending one.
  void Apply(const JournalRecord& record);
  // Whether a merge's inputs are all live now.
  bool MergeApplies(const MergeRef& merge) const;
};

std::string JournalKey(uint64_t seq);  // "journal/000000000000002a"
// The sequence number a journal key names; false for any other key.
bool ParseJournalKey(std::string_view key, uint64_t* seq);

std::string EncodeRecord(const JournalRecord& record, const Keys& keys, std::string_view basin_id);
// Corruption naming the record for damage, tampering, a wrong seq, or bad fields.
Result<JournalRecord> DecodeRecord(std::string_view bytes, uint64_t expected_seq, const Keys& keys,
                                   std::string_view basin_id);

// The fields of a record or checkpoint once opened (for the decoders above and fuzzing).
Result<JournalRecord> DecodeRecordFields(std::string_view fields, uint64_t seq,
                                         const std::string& what);
Result<Checkpoint> DecodeCheckpointFields(std::string_view fields, uint64_t seq);

std::string EncodeCheckpoint(const Checkpoint& checkpoint, const Keys& keys,
                             std::string_view basin_id);
Result<Checkpoint> DecodeCheckpoint(std::string_view bytes, const Keys& keys,
                                    std::string_view basin_id);

}  // namespace basin::repo

#endif  // BASIN_REPO_JOURNAL_H_
