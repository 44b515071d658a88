// The Basin and BasinWriter implementations (include/basin/basin.h), shared by basin.cc
// (opening, reading, committing, keys) and basin_writer.cc (putting grains).
#ifndef BASIN_REPO_BASIN_IMPL_H_
#define BASIN_REPO_BASIN_IMPL_H_

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "basin/basin.h"
#include "basin/maintenance.h"
#include "repo/config.h"
#include "repo/grain.h"
#include "repo/index.h"
#include "repo/journal.h"
#include "repo/keys.h"
#include "repo/read_cache.h"
#include "store/cache_store.h"

namespace basin::repo {

// Per-thread scratch for grains, handed out and taken back (contexts are costly to make).
class CodecPool {
 public:
  explicit CodecPool(CompressionOptions compression) : compression_(compression) {}
  std::unique_ptr<GrainCodec> Take();
  void Give(std::unique_ptr<GrainCodec> codec);

 private:
  const CompressionOptions compression_;
  std::mutex mu_;
  std::vector<std::unique_ptr<GrainCodec>> free_;
};

class BasinImpl : public Basin {
 public:
  BasinImpl(const BasinOptions& options, Config config, Keys keys, std::string slot_in_use);

  // Reads the checkpoint and the journal after it.
  Status Load();

  std::string id_hex() const override;
  bool encrypted() const override { return keys_.encrypted(); }
  const BasinSettings& settings() const override { return config_.settings; }
  GrainId IdOf(std::string_view plaintext) const override {
    return keys_.GrainId(static_cast<uint8_t>(GrainType::kChunk), plaintext);
  }
  const std::array<uint64_t, 256>& GearTable() const override { return gear_; }

  Result<bool> Has(const GrainId& id) override;
  Status Get(const GrainId& id, std::string* data, GrainType* type) override;
  Status ReadBlob(const GrainId& id, const std::function<Status(std::string_view)>& sink) override;

  Result<std::vector<std::pair<GrainId, uint64_t>>> ReadClastList(const GrainId& id) override;
  uint64_t sequence() const override;
  std::vector<SnapshotEntry> Snapshots() const override;
  std::vector<CommitInfo> Commits() const override;
  Status Refresh() override { return CatchUp(); }
  Status CheckJournalEnd() override;

  Result<std::unique_ptr<BasinWriter>> NewWriter() override;

  Result<std::vector<KeySlotInfo>> ListKeys() override;
  Result<std::string> AddKey(std::string_view password, const KdfParams& kdf) override;
  Status RemoveKey(std::string_view slot_id) override;
  Status ChangePassword(std::string_view new_password, const KdfParams& kdf) override;

  // For writers, checks and maintenance.
  const Keys& keys() const { return keys_; }
  std::string_view basin_id() const { return config_.basin_id_bytes(); }
  ObjectStore* hot() const { return hot_.get(); }
  // The store of a stream's strata; InvalidArgument when it is a cold store not given.
  Result<ObjectStore*> StoreFor(uint8_t stream) const;
  // Before a writer's first data stratum: that the cold store (when the basin has one) holds
  // this basin's marker (kColdMarkerKey), so that a store not mounted, or another basin's,
  // is never written. One read per process; OK at once without a cold store.
  Status CheckColdStore();
  CodecPool& codecs() { return codecs_; }
  IndexSet& index() { return index_; }
  Executor* executor() const { return executor_; }
  const std::string& host() const { return host_; }
  std::chrono::seconds marker_refresh() const { return marker_refresh_; }
  // Reports what a writer passed over (BasinOptions::warning, or standard error).
  void Warn(std::string_view message) const;
  std::shared_ptr<BlockCache> cache() const { return cache_; }
  bool auto_compact_index() const { return auto_compact_index_; }
  BasinState state() const;
  // Why the checkpoint could not be used at open ("" when it could, or there is none).
  const std::string& checkpoint_damaged() const { return checkpoint_damaged_; }

  // Writes `record` at the next free sequence number (the commit protocol's steps 3 to 6)
  // and applies it. Returns the sequence number. A merge that became void fails with
  // AlreadyExists (its inputs were merged by another process). `before_put`, when given,
  // runs before each attempt, once every record below the attempted number is applied: it
  // may change the record or fail the commit (docs/format/maintenance.md, W3, P5, P7).
  Result<uint64_t> CommitRecord(JournalRecord record,
                                const std::function<Status(JournalRecord*)>& before_put = {});
  // Why a grain is looked up (docs/format/maintenance.md, "Lookups"): reads skip entries
  // of deleted strata; deduplication also skips condemned ones.
  enum class Lookup { kRead, kDedup };
  // Where a committed grain is; reads new journal records once when an index table is
  // gone (merged away by another process).
  Result<std::optional<GrainLocation>> Find(const GrainId& id, Lookup purpose = Lookup::kRead);
  // The strata deleted by deletion records applied after `seq` (in this process's view).
  std::vector<ObjectName> DeletedSince(uint64_t seq) const;
  // The strata named by records (commits, prune intents) applied after `seq`, in this
  // process's view: a stratum committed again shows here (maintenance.md, P5/P7).
  std::vector<ObjectName> CommittedSince(uint64_t seq) const;
  // Before a commit puts journal/<seq>: whether a later record exists (one bounded LIST).
  // None: false. One, and `seq` was put meanwhile by another committer: catches up, true
  // (choose the next seq). One, and `seq` is still missing: Corruption (a lost record; a
  // commit there would hide the damage for good).
  Result<bool> CheckNoGapAt(uint64_t seq);
  // The strata lookups skip, as of the state (rebuilt when an intent or deletion applies).
  struct Skips {
    std::set<ObjectName> deleted, condemned;
  };
  std::shared_ptr<const Skips> skips() const;
  // What a lookup for `purpose` passes over, given `skips` (which must outlive it): empty
  // when nothing is skipped.
  static std::function<bool(const ObjectName&)> SkipFor(const Skips& skips, Lookup purpose);

  // Reads and checks the grain at `loc`.
  Status ReadGrain(const GrainLocation& loc, std::string* data, GrainType* type);

 private:
  // ReadGrain from `key` of `store`, through the read windows unless the key is cached.
  Status ReadGrainFrom(ObjectStore* store, const std::string& key, bool cached,
                       const GrainLocation& loc, std::string* data, GrainType* type);
  Status CatchUp();
  Status MaybeCheckpoint(uint64_t seq);
  // Rewrites the config with changed slots (compare-and-swap on its entity tag).
  Status UpdateSlots(const std::function<Status(std::vector<KeySlot>*)>& change);
  void Applied(const JournalRecord& r);  // REQUIRES: state_mu_ held

  std::shared_ptr<ObjectStore> hot_, cold_;
  // hot_, when it is a local cache (BasinOptions::cache_dir); else null.
  std::shared_ptr<CacheStore> object_cache_;
  std::shared_ptr<BlockCache> cache_;
  Executor* executor_;
  std::string host_;
  std::chrono::seconds marker_refresh_;
  std::function<void(std::string_view)> warning_;
  bool auto_compact_index_;
  Config config_;
  const Keys keys_;
  std::string slot_in_use_;
  std::array<uint64_t, 256> gear_;
  CodecPool codecs_;
  IndexSet index_;
  StratumReadCache read_cache_;
  mutable std::mutex state_mu_;
  BasinState state_;
  std::vector<CommitInfo> commits_;
  std::shared_ptr<const Skips> skips_ = std::make_shared<Skips>();  // guarded by state_mu_
  std::string checkpoint_damaged_;  // why the checkpoint was passed over at open, or empty
  std::vector<std::pair<uint64_t, std::vector<ObjectName>>> deletions_;  // likewise
  std::vector<std::pair<uint64_t, std::vector<ObjectName>>> committed_;  // likewise
  std::mutex config_mu_;
  std::mutex cold_checked_mu_;
  bool cold_checked_ = false;  // guarded by cold_checked_mu_
};

Result<std::unique_ptr<BasinWriter>> NewBasinWriter(BasinImpl* basin);

}  // namespace basin::repo

#endif  // BASIN_REPO_BASIN_IMPL_H_
