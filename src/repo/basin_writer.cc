// BasinWriter: grains into strata, strata sealed in the background, commits
// (docs/format/repository.md, "Commit protocol", steps 1-2).
//
// Put: the id is computed and the grain sealed on the calling thread (so several callers
// compress and encrypt in parallel); appending to a stream's open stratum is serialized.
// A stratum that reaches its target size is sealed (index, footer, close: the upload) on
// the executor, at most two at a time, while puts fill the next one.
//
// Heartbeat (docs/format/maintenance.md, W1): the pending markers of the strata this writer
// uploaded or adopted and has not committed are kept oldest first; Put, Has and Commit
// re-put those older than BasinOptions::marker_refresh (by this machine's steady clock:
// an interval, never compared with another machine's), one caller at a time, without a
// thread of their own.
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <optional>
#include <set>
#include <thread>

#include "repo/basin_format.h"
#include "repo/basin_impl.h"
#include "repo/chunker.h"
#include "repo/clast.h"
#include "repo/index_compaction.h"
#include "repo/stratum.h"
#include "util/read_window.h"
#include "util/task_group.h"

namespace basin::repo {
namespace {

struct HashOf {
  size_t operator()(const Hash256& h) const {
    size_t v;
    std::memcpy(&v, h.bytes.data(), sizeof v);
    return v;
  }
};

constexpr size_t kSealsInFlight = 2;

class Writer : public BasinWriter {
 public:
  explicit Writer(BasinImpl* basin)
      : basin_(basin),
        sealing_(kSealsInFlight, kSealsInFlight, basin->executor()),
        opened_seq_(basin->sequence()),
        refresh_every_(basin->marker_refresh()) {}

  // Adopts the sealed data strata that interrupted writers left uncommitted (W2).
  Status Adopt();

  ~Writer() override {
    sealing_.Wait().IgnoreError();  // uncommitted strata stay behind, unreferenced
  }

  Result<GrainId> Put(GrainType type, std::string_view data, bool* stored) override;
  Result<GrainId> PutBlob(const std::function<Result<size_t>(char*, size_t)>& read) override;
  Result<bool> Has(const GrainId& id) override;
  // The heartbeat: re-puts the markers due (at most one caller at a time; cheap when none
  // is).
  void RefreshMarkers();
  // Takes `keys` out of the heartbeat, then deletes them (best effort: prune removes a
  // marker left behind).
  void ForgetMarkers(const std::set<std::string>& keys);
  Result<GrainId> PutClastList(const std::vector<std::pair<GrainId, uint64_t>>& pieces) override {
    std::vector<ClastEntry> entries;
    entries.reserve(pieces.size());
    for (const auto& [id, size] : pieces) entries.push_back(ClastEntry{id, size});
    return PutClastLists(std::move(entries), 0);
  }
  Status AddSnapshot(const GrainId& id, std::string summary) override;
  Status RemoveSnapshot(const GrainId& id) override;
  Result<uint64_t> Commit() override;
  WriterStats stats() const override;
  void SetReferences(ReferencesFn fn) override { refs_ = std::move(fn); }

 private:
  struct Stream {
    std::mutex mu;  // serializes appends to `open`
    std::unique_ptr<StratumWriter> open;
  };

  Stream& StreamOf(GrainType type) { return IsDataGrain(type) ? data_ : meta_; }
  uint64_t TargetSize(const Stream& s) const {
    return &s == &data_ ? basin_->settings().data_stratum_size
                        : basin_->settings().meta_stratum_size;
  }
  // Whether `id` was put or adopted and is not committed yet; a caller that is told so may
  // reference it, so an adopted stratum holding it is marked used (kept in every commit).
  bool Pending(const GrainId& id) {
    std::lock_guard lock(mu_);
    if (!pending_.contains(id)) return false;
    if (auto a = adopted_of_.find(id); a != adopted_of_.end()) adopted_used_.insert(a->second);
    return true;
  }
  // The adopted strata among `collected` that no caller of Put or Has was told about:
  // dropped from this writer (their grains forgotten, so a later Put stores them anew).
  // Empty unless every stratum of `collected` can be dropped so.
  std::vector<ObjectName> DropUnusedAdopted(const std::vector<ObjectName>& collected);
  // Hands `w` to the sealing tasks. REQUIRES: w not null.
  Status SealInBackground(std::unique_ptr<StratumWriter> w);
  Status Seal(StratumWriter* w);
  // Clast lists for `entries`, nested until one list is left; its id.
  Result<GrainId> PutClastLists(std::vector<ClastEntry> entries, uint8_t level);
  // A new stratum of `stream`, its marker put first (W1).
  Result<std::unique_ptr<StratumWriter>> NewStratum(uint8_t stream);
  // W3: fails when a prune deleted, since this writer opened, a stratum of this commit or
  // a grain the snapshots of this commit reference. `inputs`: the strata of this commit,
  // with their grains.
  Status CheckAgainstDeletions(const JournalRecord& record, const std::vector<IndexInput>& inputs);
  // W3's walk from the snapshots `record` adds: through this commit's own metadata grains
  // (read from its strata) and the committed ones, to every grain they reference.
  Status WalkForDeletions(const JournalRecord& record, const std::vector<IndexInput>& inputs);
  // Starts the heartbeat of a marker put (or re-put) now.
  void TrackMarker(std::string key);
  // W2: whether the stratum a marker names can be adopted (sealed, its grains intact);
  // warns naming the stratum when it is sealed but cannot be.
  Result<std::optional<IndexInput>> AdoptOne(uint8_t stream, const ObjectName& id);

  BasinImpl* const basin_;
  Stream data_, meta_;
  TaskGroup sealing_;
  mutable std::mutex mu_;
  absl::flat_hash_set<Hash256, HashOf> pending_;  // put, not yet committed
  // The grains of adopted strata (W2), and which of those strata a caller may reference.
  absl::flat_hash_map<Hash256, ObjectName, HashOf> adopted_of_;
  std::set<ObjectName> adopted_strata_, adopted_used_;
  std::vector<ObjectName> collected_;  // W3: strata of this commit a prune collected
  std::vector<IndexInput> sealed_;     // sealed strata for the next commit
  std::vector<SnapshotEntry> snapshots_added_;
  std::vector<Hash256> snapshots_removed_;
  std::mutex commit_mu_;
  std::atomic<uint64_t> grains_new_{0}, grains_known_{0}, bytes_new_{0}, bytes_known_{0},
      bytes_stored_{0}, strata_written_{0}, strata_adopted_{0}, grains_adopted_{0},
      index_tables_merged_{0};
  std::string index_merge_error_;  // guarded by mu_
  const uint64_t opened_seq_;      // the journal as this writer's lookups first saw it
  ReferencesFn refs_;

  using Clock = std::chrono::steady_clock;
  struct Marker {
    std::string key;
    Clock::time_point put;
  };
  const std::chrono::seconds refresh_every_;
  std::mutex refresh_mu_;                         // one heartbeat round at a time; W4 waits for it
  std::mutex markers_mu_;                         // guards markers_
  std::deque<Marker> markers_;                    // uncommitted strata's markers, oldest put first
  std::atomic<int64_t> next_refresh_{INT64_MAX};  // Clock ticks; when a marker falls due
  std::atomic<uint64_t> strata_not_adopted_{0}, markers_refreshed_{0};
};

void Writer::TrackMarker(std::string key) {
  const auto now = Clock::now();
  std::lock_guard lock(markers_mu_);
  markers_.push_back(Marker{std::move(key), now});
  const int64_t due = (now + refresh_every_).time_since_epoch().count();
  int64_t seen = next_refresh_.load();
  while (due < seen && !next_refresh_.compare_exchange_weak(seen, due)) {
  }
}

void Writer::ForgetMarkers(const std::set<std::string>& keys) {
  {
    std::lock_guard round(refresh_mu_);
    std::lock_guard lock(markers_mu_);
    std::erase_if(markers_, [&](const Marker& m) { return keys.contains(m.key); });
  }
  for (const std::string& key : keys) basin_->hot()->Delete(key).IgnoreError();
}

void Writer::RefreshMarkers() {
  if (Clock::now().time_since_epoch().count() < next_refresh_.load(std::memory_order_relaxed)) {
    return;
  }
  std::unique_lock round(refresh_mu_, std::try_to_lock);
  if (!round.owns_lock()) return;  // another caller is at it
  const auto now = Clock::now();
  std::vector<std::string> due;
  {
    std::lock_guard lock(markers_mu_);
    while (!markers_.empty() && markers_.front().put + refresh_every_ <= now) {
      due.push_back(std::move(markers_.front().key));
      markers_.pop_front();
    }
  }
  size_t done = 0;
  for (; done < due.size(); ++done) {
    // An overwrite: a marker that a prune collected meanwhile comes back, and the next
    // prune removes it (its stratum is deleted); this writer's commit fails at W3.
    if (!basin_->hot()->Put(due[done], "").ok()) break;  // tried again soon
    ++markers_refreshed_;
  }
  const auto after = Clock::now();
  std::lock_guard lock(markers_mu_);
  for (size_t i = done; i < due.size(); ++i) {  // not refreshed: still the oldest
    markers_.push_front(Marker{std::move(due[due.size() - 1 - (i - done)]), now - refresh_every_});
  }
  for (size_t i = 0; i < done; ++i) markers_.push_back(Marker{std::move(due[i]), after});
  const auto next = markers_.empty()    ? Clock::time_point::max()
                    : done < due.size() ? after + refresh_every_ / 16
                                        : markers_.front().put + refresh_every_;
  next_refresh_ = next.time_since_epoch().count();
}

Result<std::unique_ptr<StratumWriter>> Writer::NewStratum(uint8_t stream) {
  if (stream == kStreamData) BASIN_RETURN_IF_ERROR(basin_->CheckColdStore());
  BASIN_ASSIGN_OR_RETURN(ObjectStore * store, basin_->StoreFor(stream));
  const ObjectName id = RandomName();
  BASIN_RETURN_IF_ERROR(basin_->hot()
                            ->Put(PendingKey(stream, id), "", PutMode::kCreateOnly)
                            .WithContext("writing the marker of a new stratum"));
  TrackMarker(PendingKey(stream, id));
  return StratumWriter::Open(store, stream, id, &basin_->keys(), basin_->basin_id());
}

Result<std::optional<IndexInput>> Writer::AdoptOne(uint8_t stream, const ObjectName& id) {
  auto store = basin_->StoreFor(stream);
  using Adopted = std::optional<IndexInput>;
  if (!store.ok()) return Adopted();  // a data stratum on a cold store not given
  const std::string key = StratumKey(stream, id);
  auto tail = ReadStratumTail(*store, key, false, basin_->keys(), basin_->basin_id(), &id);
  if (!tail.ok()) return Adopted();  // still being uploaded, or died before it was sealed
  auto grains = tail->Entries();
  Status verified = grains.status();
  if (verified.ok()) {
    verified = VerifyStratumGrains(*store, key, *tail, *grains, basin_->basin_id());
  }
  if (!verified.ok()) {
    ++strata_not_adopted_;
    basin_->Warn(fmt::format(
        "stratum {} left by an interrupted backup is not adopted: {} (its grains are uploaded "
        "again; prune removes it)",
        key, verified.message()));
    return Adopted();
  }
  if (stream == kStreamData) {
    BASIN_RETURN_IF_ERROR(basin_->hot()->Put(TailKey(id), tail->bytes));
  }
  // Its marker is this writer's now: fresh, and refreshed until the commit.
  BASIN_RETURN_IF_ERROR(basin_->hot()->Put(PendingKey(stream, id), ""));
  TrackMarker(PendingKey(stream, id));
  return Adopted(IndexInput{tail->ref, std::move(grains).value()});
}

Status Writer::Adopt() {
  BASIN_ASSIGN_OR_RETURN(auto markers, basin_->hot()->ListAll(kPendingPrefix));
  const auto skips = basin_->skips();
  std::optional<std::set<ObjectName>> committed;  // read once, when a marker needs it
  for (const ObjectInfo& m : markers) {
    uint8_t stream = 0;
    ObjectName id{};
    if (!ParsePendingKey(m.key, &stream, &id)) continue;  // not a marker: left alone
    // Data strata only: chunks reference nothing. A metadata stratum's trees reference what
    // its writer deduplicated against, which a prune may have deleted before this writer
    // opened, out of this writer's W3 (maintenance.md, W2).
    if (stream != kStreamData) continue;
    if (skips->deleted.contains(id) || skips->condemned.contains(id)) continue;
    // A committed stratum's marker is left when its writer died after the commit (before
    // W4). Adopting it again would index its grains anew, newer than the entries a prune's
    // inventory resolved them to, which a merge may then drop (model/README.md, seed 362).
    if (!committed) {
      committed.emplace();
      basin_->index()
          .ForEachStratum([&](const StratumRef& s) {
            committed->insert(s.id);
            return Status::OK();
          })
          .IgnoreError();  // unknown: adopt as before (W3 still guards the commit)
    }
    if (committed->contains(id)) continue;
    BASIN_ASSIGN_OR_RETURN(std::optional<IndexInput> adopted, AdoptOne(stream, id));
    if (!adopted) continue;
    std::lock_guard lock(mu_);
    for (const GrainEntry& g : adopted->grains) {
      pending_.insert(g.id);
      adopted_of_.emplace(g.id, id);
    }
    grains_adopted_ += adopted->grains.size();
    ++strata_adopted_;
    adopted_strata_.insert(id);
    sealed_.push_back(std::move(*adopted));
  }
  return Status::OK();
}

std::vector<ObjectName> Writer::DropUnusedAdopted(const std::vector<ObjectName>& collected) {
  std::lock_guard lock(mu_);
  for (const ObjectName& id : collected) {
    if (!adopted_strata_.contains(id) || adopted_used_.contains(id)) return {};
  }
  const std::set<ObjectName> dropped(collected.begin(), collected.end());
  for (auto it = adopted_of_.begin(); it != adopted_of_.end();) {
    if (dropped.contains(it->second)) {
      pending_.erase(it->first);
      adopted_of_.erase(it++);
    } else {
      ++it;
    }
  }
  for (const ObjectName& id : dropped) adopted_strata_.erase(id);
  return collected;
}

bool IsMetadata(uint8_t type) {
  const auto t = static_cast<GrainType>(type);
  return t == GrainType::kTree || t == GrainType::kSnapshot || t == GrainType::kClastList;
}

Status Writer::CheckAgainstDeletions(const JournalRecord& record,
                                     const std::vector<IndexInput>& inputs) {
  collected_.clear();
  const std::vector<ObjectName> gone_list = basin_->DeletedSince(opened_seq_);
  if (gone_list.empty()) return Status::OK();
  const std::set<ObjectName> gone(gone_list.begin(), gone_list.end());
  for (const StratumRef& s : record.strata) {
    if (gone.contains(s.id)) collected_.push_back(s.id);
  }
  if (!collected_.empty()) {
    return Status::Transient(fmt::format(
        "a prune collected stratum {} of this backup as abandoned (it ran longer than the "
        "prune's --abandoned-after, or its machine slept): nothing was committed; run it again",
        NameHex(collected_.front())));
  }
  if (record.snapshots_added.empty()) return Status::OK();
  if (!refs_) {
    return Status::Transient(
        "a prune deleted data while this writer ran, and its snapshots cannot be checked: run "
        "it again");
  }
  return WalkForDeletions(record, inputs);
}

Status Writer::WalkForDeletions(const JournalRecord& record,
                                const std::vector<IndexInput>& inputs) {
  // This commit's own trees, clast lists and snapshots: not indexed yet, but what they
  // reference (chunks deduplicated against older snapshots) must be walked all the same.
  absl::flat_hash_map<Hash256, GrainLocation, HashOf> own;
  for (const IndexInput& in : inputs) {
    for (const GrainEntry& g : in.grains) {
      if (IsMetadata(g.type)) own.emplace(g.id, GrainLocation{in.stratum.id, in.stratum.stream, g});
    }
  }
  std::vector<GrainId> stack;
  for (const auto& s : record.snapshots_added) stack.push_back(s.id);
  absl::flat_hash_set<Hash256, HashOf> seen;
  std::string data;
  while (!stack.empty()) {
    const GrainId id = stack.back();
    stack.pop_back();
    if (id == GrainId{} || !seen.insert(id).second) continue;
    std::optional<GrainLocation> loc;
    if (auto o = own.find(id); o != own.end()) {
      loc = o->second;
    } else if (Pending(id)) {
      continue;  // a chunk of this commit
    } else {
      BASIN_ASSIGN_OR_RETURN(loc, basin_->Find(id));
      if (!loc) {
        return Status::Transient(fmt::format(
            "a prune removed grain {}, which this backup deduplicated against, while it ran: "
            "nothing was committed; run it again (what it uploaded is reused)",
            id.ToHex()));
      }
    }
    if (!IsMetadata(loc->entry.type)) continue;
    const auto type = static_cast<GrainType>(loc->entry.type);
    GrainType got;
    BASIN_RETURN_IF_ERROR(basin_->ReadGrain(*loc, &data, &got));
    if (type == GrainType::kClastList) {
      BASIN_ASSIGN_OR_RETURN(ClastList list, DecodeClastList(data, "clast list " + id.ToHex()));
      for (const ClastEntry& e : list.entries) stack.push_back(e.id);
    } else {
      BASIN_RETURN_IF_ERROR(refs_(type, data, &stack));
    }
  }
  return Status::OK();
}

Result<GrainId> Writer::Put(GrainType type, std::string_view data, bool* stored) {
  RefreshMarkers();
  if (data.size() > kMaxGrainDataSize) {
    return Status::InvalidArgument(
        fmt::format("a grain holds at most {} bytes ({} given)", kMaxGrainDataSize, data.size()));
  }
  const auto t = static_cast<uint8_t>(type);
  const GrainId id = basin_->keys().GrainId(t, data);
  auto known = [&]() -> Result<GrainId> {
    if (stored != nullptr) *stored = false;
    ++grains_known_;
    bytes_known_ += data.size();
    return id;
  };
  if (Pending(id)) return known();
  BASIN_ASSIGN_OR_RETURN(bool committed, basin_->Has(id));
  if (committed) return known();

  auto codec = basin_->codecs().Take();
  std::string grain;
  EncodeGrain(basin_->keys(), basin_->basin_id(), t, id, data, codec.get(), &grain);
  basin_->codecs().Give(std::move(codec));

  Stream& s = StreamOf(type);
  std::unique_ptr<StratumWriter> full;
  {
    std::lock_guard lock(s.mu);
    {
      std::lock_guard plock(mu_);
      if (!pending_.insert(id).second) return known();  // another thread stored it meanwhile
    }
    if (!s.open) {
      auto w = NewStratum(IsDataGrain(type) ? kStreamData : kStreamMeta);
      if (!w.ok()) {
        std::lock_guard plock(mu_);
        pending_.erase(id);
        return w.status();
      }
      s.open = std::move(w).value();
    }
    GrainEntry e;
    e.id = id;
    e.type = t;
    e.raw_length = data.size();
    if (Status a = s.open->Add(grain, e); !a.ok()) {
      std::lock_guard plock(mu_);
      pending_.erase(id);
      s.open.reset();  // aborts it; its grains were never committed
      return a;
    }
    if (s.open->size() >= TargetSize(s)) full = std::move(s.open);
  }
  if (full) BASIN_RETURN_IF_ERROR(SealInBackground(std::move(full)));
  if (stored != nullptr) *stored = true;
  ++grains_new_;
  bytes_new_ += data.size();
  bytes_stored_ += grain.size();
  return id;
}

Status Writer::SealInBackground(std::unique_ptr<StratumWriter> w) {
  std::shared_ptr<StratumWriter> held(std::move(w));
  return sealing_.Run([this, held](size_t) { return Seal(held.get()); });
}

Status Writer::Seal(StratumWriter* w) {
  std::string tail;
  BASIN_ASSIGN_OR_RETURN(StratumRef ref, w->Seal(&tail));
  if (ref.stream == kStreamData) {
    // The tail copy on the hot store: checks and stats never read the cold one.
    BASIN_RETURN_IF_ERROR(basin_->hot()->Put(TailKey(ref.id), tail));
  }
  ++strata_written_;
  std::lock_guard lock(mu_);
  sealed_.push_back(IndexInput{ref, w->entries()});
  return Status::OK();
}

Result<bool> Writer::Has(const GrainId& id) {
  RefreshMarkers();
  if (Pending(id)) return true;
  return basin_->Has(id);
}

Status Writer::AddSnapshot(const GrainId& id, std::string summary) {
  if (summary.size() > (64 << 10)) {
    return Status::InvalidArgument("a snapshot summary holds at most 64 KiB");
  }
  std::lock_guard lock(mu_);
  snapshots_added_.push_back(SnapshotEntry{id, std::move(summary), 0});
  return Status::OK();
}

Status Writer::RemoveSnapshot(const GrainId& id) {
  std::lock_guard lock(mu_);
  snapshots_removed_.push_back(id);
  return Status::OK();
}

Result<uint64_t> Writer::Commit() {
  std::lock_guard commit_lock(commit_mu_);
  RefreshMarkers();
  // Step 1: seal what is open, and wait for every seal.
  for (Stream* s : {&data_, &meta_}) {
    std::unique_ptr<StratumWriter> w;
    {
      std::lock_guard lock(s->mu);
      w = std::move(s->open);
    }
    if (w) BASIN_RETURN_IF_ERROR(SealInBackground(std::move(w)));
  }
  BASIN_RETURN_IF_ERROR(sealing_.Wait());
  JournalRecord record;
  std::vector<IndexInput> inputs;
  {
    std::lock_guard lock(mu_);
    inputs.swap(sealed_);
    record.snapshots_added.swap(snapshots_added_);
    record.snapshots_removed.swap(snapshots_removed_);
  }
  auto restore = [&] {  // a failed commit leaves everything for the next attempt
    std::lock_guard lock(mu_);
    for (auto& in : inputs) sealed_.push_back(std::move(in));
    for (auto& s : record.snapshots_added) snapshots_added_.push_back(std::move(s));
    for (auto& s : record.snapshots_removed) snapshots_removed_.push_back(s);
  };
  // Steps 2-6, and W3 before each attempt. A prune may have collected, as abandoned, an
  // adopted stratum that nothing of this writer references: it is dropped from the commit,
  // which is tried again without it (maintenance.md, W3).
  Result<uint64_t> seq = basin_->sequence();
  for (int attempt = 0;; ++attempt) {
    record.tables.clear();
    record.strata.clear();
    if (inputs.empty() && record.snapshots_added.empty() && record.snapshots_removed.empty()) {
      return basin_->sequence();
    }
    // Step 2: the index table of this commit's grains.
    if (!inputs.empty()) {
      auto table = WriteIndexTable(basin_->hot(), inputs, basin_->keys());
      if (!table.ok()) {
        restore();
        return table.status();
      }
      record.tables.push_back(*table);
      for (const auto& in : inputs) record.strata.push_back(in.stratum);
    }
    bool refused = false;  // by W3: the record was not put
    seq = basin_->CommitRecord(record, [&](JournalRecord* r) {
      Status check = CheckAgainstDeletions(*r, inputs);
      refused = !check.ok();
      return check;
    });
    if (seq.ok()) break;
    if (refused) {  // no record names this table, and none will
      for (const TableRef& t : record.tables) {
        basin_->hot()->Delete(IndexTableKey(t.name)).IgnoreError();
      }
    }
    const std::vector<ObjectName> dropped =
        attempt < 3 ? DropUnusedAdopted(collected_) : std::vector<ObjectName>{};
    if (dropped.empty()) {
      record.tables.clear();
      restore();
      return seq.status();
    }
    std::set<std::string> markers;
    for (const ObjectName& id : dropped) markers.insert(PendingKey(kStreamData, id));
    ForgetMarkers(markers);
    std::erase_if(inputs, [&](const IndexInput& in) {
      return std::find(dropped.begin(), dropped.end(), in.stratum.id) != dropped.end();
    });
  }
  // W4: the markers of what is now committed (one left behind is harmless: prune removes it).
  std::set<std::string> committed;
  for (const auto& in : inputs) committed.insert(PendingKey(in.stratum.stream, in.stratum.id));
  ForgetMarkers(committed);
  {
    std::lock_guard lock(mu_);
    for (const auto& in : inputs) {
      for (const auto& g : in.grains) pending_.erase(g.id);
    }
  }
  // Index tables that piled up are merged; the commit has landed whatever happens here.
  if (basin_->auto_compact_index()) {
    auto merged = CompactIndexTiers(*basin_);
    std::lock_guard lock(mu_);
    if (merged.ok()) {
      index_tables_merged_ += merged->tables_merged;
    } else {
      index_merge_error_ = merged.status().ToString();
    }
  }
  return seq;
}

WriterStats Writer::stats() const {
  WriterStats s;
  s.grains_new = grains_new_;
  s.grains_known = grains_known_;
  s.bytes_new = bytes_new_;
  s.bytes_known = bytes_known_;
  s.bytes_stored = bytes_stored_;
  s.strata_written = strata_written_;
  s.strata_adopted = strata_adopted_;
  s.grains_adopted = grains_adopted_;
  s.strata_not_adopted = strata_not_adopted_;
  s.markers_refreshed = markers_refreshed_;
  s.index_tables_merged = index_tables_merged_;
  std::lock_guard lock(mu_);
  s.index_merge_error = index_merge_error_;
  return s;
}

Result<GrainId> Writer::PutClastLists(std::vector<ClastEntry> entries, uint8_t level) {
  while (true) {
    if (entries.size() <= kMaxClastEntries) {
      ClastList list{level, std::move(entries)};
      return Put(GrainType::kClastList, EncodeClastList(list), nullptr);
    }
    std::vector<ClastEntry> upper;
    for (size_t i = 0; i < entries.size(); i += kMaxClastEntries) {
      ClastList list{level, {}};
      list.entries.assign(entries.begin() + i,
                          entries.begin() + std::min(entries.size(), i + kMaxClastEntries));
      const uint64_t size = list.total_size();
      BASIN_ASSIGN_OR_RETURN(GrainId id,
                             Put(GrainType::kClastList, EncodeClastList(list), nullptr));
      upper.push_back(ClastEntry{id, size});
    }
    entries = std::move(upper);
    ++level;
  }
}

Result<GrainId> Writer::PutBlob(const std::function<Result<size_t>(char*, size_t)>& read) {
  const ChunkerParams& params = basin_->settings().chunker;
  const Chunker chunker(basin_->GearTable(), params);
  // The window holds at least one largest chunk ahead, unless the input ends.
  ReadWindow window(params.max_size + (1 << 20));
  bool eof = false;
  auto fill = [&]() -> Status {
    while (!eof && window.size() < params.max_size) {
      const std::span<char> room = window.Room();
      auto n = read(room.data(), room.size());
      if (!n.ok()) return n.status();
      if (*n == 0) eof = true;
      window.Commit(*n);
    }
    return Status::OK();
  };
  BASIN_RETURN_IF_ERROR(fill());
  if (eof && window.size() <= params.min_size) {
    return Put(GrainType::kBlob, window.data(), nullptr);
  }

  // Chunks are stored on the executor, several at once, their ids kept in order.
  const size_t parallel = std::max<size_t>(2, std::thread::hardware_concurrency());
  TaskGroup group(parallel, parallel, basin_->executor());
  std::deque<ClastEntry> entries;
  std::mutex entries_mu;
  while (true) {
    if (window.size() < params.max_size && !eof) BASIN_RETURN_IF_ERROR(fill());
    if (window.size() == 0) break;
    const size_t n = chunker.Cut(window.data());
    size_t slot;
    {
      std::lock_guard lock(entries_mu);
      slot = entries.size();
      entries.push_back(ClastEntry{{}, n});
    }
    auto chunk = std::make_shared<std::string>(window.data().substr(0, n));
    window.Consume(n);
    BASIN_RETURN_IF_ERROR(group.Run([this, chunk, slot, &entries, &entries_mu](size_t) -> Status {
      BASIN_ASSIGN_OR_RETURN(GrainId id, Put(GrainType::kChunk, *chunk, nullptr));
      std::lock_guard lock(entries_mu);
      entries[slot].id = id;
      return Status::OK();
    }));
  }
  BASIN_RETURN_IF_ERROR(group.Wait());
  return PutClastLists(std::vector<ClastEntry>(entries.begin(), entries.end()), 0);
}

}  // namespace

Result<std::unique_ptr<BasinWriter>> NewBasinWriter(BasinImpl* basin) {
  auto w = std::make_unique<Writer>(basin);
  BASIN_RETURN_IF_ERROR(w->Adopt().WithContext("adopting uncommitted strata"));
  return std::unique_ptr<BasinWriter>(std::move(w));
}

}  // namespace basin::repo
