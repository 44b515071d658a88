// Prune (docs/format/maintenance.md, "Prune"): mark, inventory, plan, repack, intent,
// re-mark, deletion record, physical deletes, index rewrite.
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <set>

#include "basin/maintenance.h"
#include "repo/basin_format.h"
#include "repo/basin_impl.h"
#include "repo/clast.h"
#include "repo/grain.h"
#include "repo/index.h"
#include "repo/index_compaction.h"
#include "repo/journal.h"
#include "repo/stratum.h"

namespace basin {
namespace {

using namespace repo;

// What a prune answers when a stratum it inventoried is gone: only prunes delete strata,
// so another prune is running (and moved what was live first); this one deletes nothing.
Status Superseded(std::string_view key) {
  return Status::AlreadyExists(fmt::format(
      "{} was deleted meanwhile: another prune is running; this one stopped and deleted nothing",
      key));
}

// What a prune answers when an index table it reads is gone because a merge replaced it
// (another prune's P8, or a writer compacting the index) after the prune's refresh.
Status TableSuperseded(std::string_view key) {
  return Status::AlreadyExists(fmt::format(
      "{} was replaced by a merge and deleted meanwhile (another prune is running, or a "
      "backup compacted the index): this prune stopped and deleted nothing; run it again",
      key));
}

struct HashOfId {
  size_t operator()(const Hash256& h) const {
    size_t v;
    std::memcpy(&v, h.bytes.data(), sizeof v);
    return v;
  }
};
struct HashOfName {
  size_t operator()(const ObjectName& n) const {
    size_t v;
    std::memcpy(&v, n.data(), sizeof v);
    return v;
  }
};

struct StratumUse {
  StratumRef ref;
  uint64_t grain_bytes = 0;  // of every grain in it (headers, index and footer are not)
  uint64_t live_bytes = 0;
  std::vector<GrainEntry> live;  // filled for strata to repack
};

// Reads of live grains merge across gaps up to this, up to this much per read.
constexpr uint64_t kReadGap = 256 << 10;
constexpr uint64_t kMaxRead = 16 << 20;

class Pruner {
 public:
  Pruner(BasinImpl& b, const PruneOptions& o) : b_(b), o_(o) {}
  Result<PruneReport> Run();

 private:
  void Progress(std::string_view what) {
    if (o_.progress) o_.progress(what);
  }
  Status Inventory();
  // Runs `read` (reads of the index); when it fails with NotFound, IndexReadFailed judges.
  Status ReadIndex(const std::function<Status()>& read);
  // A read of the index tables `used` failed with NotFound: superseded when the re-read
  // journal no longer names one of them (replaced by a merge: only a committed merge
  // deletes a table) and every one it still names is in the store; else `failed`, damage.
  Status IndexReadFailed(const Status& failed, const std::vector<TableRef>& used);
  // Marks from `roots`; a grain newly marked in a condemned stratum (not copied) rescues it.
  Status Mark(std::vector<GrainId> roots);
  // P5/P7: a stratum this prune condemned that a record after the inventory named (a
  // writer that adopted it before its first commit committed it again, so its entries are
  // now the newest, and a merge may have dropped the older copies' entries): kept.
  void KeepRecommitted();
  // Marks the snapshots records after marked_through_ added.
  Status MarkNewSnapshots();
  Status Plan();
  Status FindUncommitted();
  // Removes unfinished uploads (temporary files, S3 multipart uploads) older than
  // abandoned_after in the basin's stores; a failure is reported, not fatal.
  void SweepUnfinished();
  Status Repack();
  Status RepackOne(StratumUse& s);
  Status SealOutput(uint8_t stream);
  Status DeleteObjects();

  BasinImpl& b_;
  const PruneOptions& o_;
  PruneReport r_;
  uint64_t marked_through_ = 0;
  uint64_t inventory_seq_ = 0;                                   // the journal the inventory read
  absl::flat_hash_map<Hash256, GrainLocation, HashOfId> where_;  // resolved locations
  absl::flat_hash_set<Hash256, HashOfId> live_, copied_;
  absl::flat_hash_map<ObjectName, StratumUse, HashOfName> strata_;
  std::vector<ObjectName> whole_, repack_;  // planned
  std::set<ObjectName> condemned_;
  absl::flat_hash_map<ObjectName, uint8_t, HashOfName> abandoned_;  // id -> stream
  std::vector<std::string> stray_keys_[2];  // per stream: objects of strata already deleted
  std::vector<std::string> stray_hot_;      // markers of committed or deleted strata
  std::unique_ptr<StratumWriter> out_[2];   // per stream: data 0, metadata 1
  std::vector<IndexInput> written_;
};

int Slot(uint8_t stream) { return stream == kStreamData ? 0 : 1; }

Status Pruner::ReadIndex(const std::function<Status()>& read) {
  const std::vector<TableRef> used = b_.state().tables;
  Status s = read();
  return s.IsNotFound() ? IndexReadFailed(s, used) : s;
}

Status Pruner::IndexReadFailed(const Status& failed, const std::vector<TableRef>& used) {
  BASIN_RETURN_IF_ERROR(b_.Refresh());
  const BasinState st = b_.state();
  std::string replaced;
  for (const TableRef& t : used) {
    const std::string key = IndexTableKey(t.name);
    if (std::none_of(st.tables.begin(), st.tables.end(),
                     [&](const TableRef& live) { return live.name == t.name; })) {
      replaced = key;
    } else if (auto there = b_.hot()->Stat(key); !there.ok()) {
      return there.status().IsNotFound() ? failed : there.status();
    }
  }
  return replaced.empty() ? failed : TableSuperseded(replaced);
}

Status Pruner::Inventory() {
  const BasinState st = b_.state();
  inventory_seq_ = st.seq;
  BASIN_RETURN_IF_ERROR(ReadIndex([&] {
    BASIN_RETURN_IF_ERROR(b_.index().ForEachStratum([&](const StratumRef& s) {
      if (!st.deleted.contains(s.id)) strata_.try_emplace(s.id, StratumUse{s, 0, 0, {}});
      return Status::OK();
    }));
    // ForEach goes newest table first: the first entry seen of an id is where reads find it.
    return b_.index().ForEach([&](const GrainLocation& loc) {
      if (st.deleted.contains(loc.stratum)) return Status::OK();
      where_.try_emplace(loc.entry.id, loc);
      if (auto s = strata_.find(loc.stratum); s != strata_.end()) {
        s->second.grain_bytes += loc.entry.length;
      }
      return Status::OK();
    });
  }));
  r_.grains = where_.size();
  r_.strata = strata_.size();
  for (const auto& [id, s] : strata_) r_.strata_bytes += s.ref.size;
  return Status::OK();
}

Status Pruner::Mark(std::vector<GrainId> stack) {
  std::string data;
  while (!stack.empty()) {
    const GrainId id = stack.back();
    stack.pop_back();
    if (id == GrainId{} || !live_.insert(id).second) continue;
    auto it = where_.find(id);
    if (it == where_.end()) {  // indexed after the inventory (a newer backup)
      std::optional<GrainLocation> loc;
      BASIN_RETURN_IF_ERROR(ReadIndex([&]() -> Status {
        BASIN_ASSIGN_OR_RETURN(loc, b_.Find(id));
        if (loc) return Status::OK();
        return Status::NotFound(fmt::format(
            "a live snapshot references grain {}, which the basin lacks: nothing was pruned; "
            "run 'basin check'",
            id.ToHex()));
      }));
      it = where_.emplace(id, *loc).first;
    }
    const GrainLocation& loc = it->second;
    // An abandoned upload adopted and committed by a backup meanwhile is no longer one.
    if (abandoned_.erase(loc.stratum) > 0) ++r_.strata_rescued;
    if (condemned_.contains(loc.stratum) && !copied_.contains(id)) {
      // Rescued (a new snapshot needs it), unless the grain has a copy outside the
      // strata this prune condemns or collects (a backup that skipped them uploaded it
      // again). This prune's own condemned set, not the basin's view of it: before the
      // intent applies (P5), the view does not know it yet.
      const auto skips = b_.skips();
      auto elsewhere = b_.index().Find(id, [&](const ObjectName& s) {
        return skips->deleted.contains(s) || condemned_.contains(s) || abandoned_.contains(s);
      });
      if (!elsewhere.ok() && !elsewhere.status().IsNotFound()) return elsewhere.status();
      if (!elsewhere.ok() || !*elsewhere) {
        condemned_.erase(loc.stratum);
        ++r_.strata_rescued;
      }
    }
    const auto type = static_cast<GrainType>(loc.entry.type);
    if (type != GrainType::kTree && type != GrainType::kSnapshot && type != GrainType::kClastList) {
      continue;
    }
    if (Status read = b_.ReadGrain(loc, &data, nullptr); !read.ok()) {
      // A metadata stratum another prune deleted after this one's inventory (it moved the
      // live grains first): superseded, not damage.
      if (read.IsNotFound()) {
        BASIN_RETURN_IF_ERROR(b_.Refresh());
        if (b_.state().deleted.contains(loc.stratum)) {
          return Superseded(StratumKey(loc.stream, loc.stratum));
        }
      }
      return read;
    }
    if (type == GrainType::kClastList) {
      BASIN_ASSIGN_OR_RETURN(ClastList list, DecodeClastList(data, "clast list " + id.ToHex()));
      for (const ClastEntry& e : list.entries) stack.push_back(e.id);
    } else {
      BASIN_RETURN_IF_ERROR(o_.references(type, data, &stack));
    }
  }
  return Status::OK();
}

void Pruner::KeepRecommitted() {
  for (const ObjectName& id : b_.CommittedSince(inventory_seq_)) {
    if (condemned_.erase(id) > 0) ++r_.strata_rescued;
  }
}

Status Pruner::MarkNewSnapshots() {
  BASIN_RETURN_IF_ERROR(b_.Refresh());
  const BasinState st = b_.state();
  std::vector<GrainId> roots;
  for (const SnapshotEntry& s : st.snapshots) {
    if (s.seq <= marked_through_) continue;
    if (std::find(o_.assume_forgotten.begin(), o_.assume_forgotten.end(), s.id) !=
        o_.assume_forgotten.end()) {
      continue;
    }
    roots.push_back(s.id);
  }
  marked_through_ = st.seq;
  return Mark(std::move(roots));
}

Status Pruner::Plan() {
  for (const GrainId& id : live_) {
    const GrainLocation& loc = where_.at(id);
    auto s = strata_.find(loc.stratum);
    if (s != strata_.end()) s->second.live_bytes += loc.entry.length;
    r_.live_bytes += loc.entry.length;
  }
  r_.grains_live = live_.size();
  uint64_t total = 0, unused = 0;
  std::vector<StratumUse*> partial;
  auto cold = b_.StoreFor(kStreamData);
  const bool data_is_cold = cold.ok() && *cold != b_.hot();
  for (auto& [id, s] : strata_) {
    if (s.live_bytes == 0) {
      whole_.push_back(id);
      continue;
    }
    total += s.ref.size;
    const uint64_t dead = s.grain_bytes - std::min(s.grain_bytes, s.live_bytes);
    unused += dead;
    if (dead == 0) continue;
    if (s.ref.stream == kStreamData && (data_is_cold || !cold.ok()) && !o_.repack_cold) continue;
    partial.push_back(&s);
  }
  // Emptiest first (by the live share of their grains' bytes).
  std::sort(partial.begin(), partial.end(), [](const StratumUse* a, const StratumUse* b) {
    return static_cast<double>(a->live_bytes) * static_cast<double>(b->grain_bytes) <
           static_cast<double>(b->live_bytes) * static_cast<double>(a->grain_bytes);
  });
  uint64_t budget = o_.max_repack_bytes;
  for (StratumUse* s : partial) {
    if (static_cast<double>(unused) <= o_.max_unused * static_cast<double>(total)) break;
    if (s->live_bytes > budget) continue;
    budget -= s->live_bytes;
    const uint64_t dead = s->grain_bytes - std::min(s->grain_bytes, s->live_bytes);
    unused -= dead;
    total -= dead;
    repack_.push_back(s->ref.id);
  }
  return Status::OK();
}

Status Pruner::FindUncommitted() {
  struct Seen {
    uint8_t stream;
    ObjectName id;
    ObjectInfo info;
  };
  std::vector<Seen> seen;
  auto now = std::chrono::system_clock::time_point{};
  std::vector<ObjectInfo> probes;  // clock probes of prunes that stopped before deleting them
  BASIN_ASSIGN_OR_RETURN(auto markers, b_.hot()->ListAll(kPendingPrefix));
  for (ObjectInfo& m : markers) {
    Seen x{0, {}, {}};
    if (m.key.starts_with(kClockProbePrefix)) {
      probes.push_back(std::move(m));
      continue;
    }
    if (!ParsePendingKey(m.key, &x.stream, &x.id)) continue;
    now = std::max(now, m.last_modified);
    if (strata_.contains(x.id)) {  // committed: the marker is left over (W4 did not run)
      stray_hot_.push_back(m.key);
      continue;
    }
    x.info = std::move(m);
    seen.push_back(std::move(x));
  }
  // Strata objects no record names (a marker is put before each: these are leftovers).
  std::set<ObjectName> listed;
  std::set<uint8_t> listed_streams;
  for (uint8_t stream : {kStreamMeta, kStreamData}) {
    auto store = b_.StoreFor(stream);
    if (!store.ok()) continue;
    listed_streams.insert(stream);
    BASIN_ASSIGN_OR_RETURN(
        auto objects,
        (*store)->ListAll(stream == kStreamData ? kDataStrataPrefix : kMetaStrataPrefix));
    for (ObjectInfo& info : objects) {
      Seen x{0, {}, {}};
      if (!ParseStratumKey(info.key, &x.stream, &x.id)) continue;
      listed.insert(x.id);
      if (strata_.contains(x.id)) continue;
      now = std::max(now, info.last_modified);
      x.info = std::move(info);
      seen.push_back(std::move(x));
    }
  }
  // A stratum that holds live grains but is gone: the basin is damaged; deleting anything
  // now could only make it worse.
  for (const auto& [id, use] : strata_) {
    if (use.live_bytes > 0 && listed_streams.contains(use.ref.stream) && !listed.contains(id)) {
      // Unless another prune deleted it since the inventory (as in RepackOne).
      BASIN_RETURN_IF_ERROR(b_.Refresh());
      if (b_.state().deleted.contains(id)) {
        return Superseded(StratumKey(use.ref.stream, id));
      }
      return Status::NotFound(fmt::format(
          "{} holds grains live snapshots reference, but the store does not have it: nothing "
          "was pruned; run 'basin check'",
          StratumKey(use.ref.stream, id)));
    }
  }
  if (!o_.dry_run) {
    // The store's now: the last-modified time of an object put now (no client clock).
    // A dry run writes nothing and takes the newest time it listed instead (earlier: it
    // may show fewer uploads as abandoned, never more).
    // Another prune may collect the probe between its put and its read (its leftovers
    // look alike when --abandoned-after is short): a new probe is tried.
    Result<ObjectInfo> info = Status::NotFound("no probe");
    for (int attempt = 0; attempt < 4 && info.status().IsNotFound(); ++attempt) {
      const std::string probe = fmt::format("{}{}", kClockProbePrefix, NameHex(RandomName()));
      BASIN_RETURN_IF_ERROR(b_.hot()->Put(probe, ""));
      info = b_.hot()->Stat(probe);
      b_.hot()->Delete(probe).IgnoreError();
    }
    BASIN_RETURN_IF_ERROR(info.status().WithContext("reading the store's clock"));
    now = info->last_modified;
  }
  const auto cutoff = now - o_.abandoned_after;
  for (ObjectInfo& p : probes) {
    if (p.last_modified < cutoff) stray_hot_.push_back(std::move(p.key));
  }
  const BasinState st = b_.state();
  // An upload is as young as its freshest trace: a live writer re-puts its markers (W1)
  // while the strata it sealed long ago keep their old times.
  absl::flat_hash_map<ObjectName, std::chrono::system_clock::time_point, HashOfName> freshest;
  for (const Seen& x : seen) {
    auto& t = freshest[x.id];
    t = std::max(t, x.info.last_modified);
  }
  // Tail copies of deleted strata: a prune that stopped in P8 deleted the stratum but not
  // its tail, or a writer put the tail after a prune collected the stratum.
  BASIN_ASSIGN_OR_RETURN(auto tails, b_.hot()->ListAll(kTailsPrefix));
  for (ObjectInfo& t : tails) {
    const std::string_view hex = std::string_view(t.key).substr(kTailsPrefix.size());
    ObjectName id{};
    if (hex.size() == 3 + 2 * kObjectNameSize && ParseNameHex(hex.substr(3), &id) &&
        st.deleted.contains(id)) {
      stray_hot_.push_back(std::move(t.key));
    }
  }
  for (const Seen& x : seen) {
    if (st.deleted.contains(x.id)) {  // deleted by an earlier prune that stopped short
      if (x.info.key.starts_with(kPendingPrefix)) {
        stray_hot_.push_back(x.info.key);
      } else {
        stray_keys_[Slot(x.stream)].push_back(x.info.key);
      }
    } else if (freshest.at(x.id) < cutoff) {
      abandoned_.emplace(x.id, x.stream);
    }
  }
  r_.strata_abandoned = abandoned_.size();
  return Status::OK();
}

void Pruner::SweepUnfinished() {
  SweepOptions so;
  so.min_age = o_.abandoned_after;
  so.dry_run = o_.dry_run;
  // Everything under the hot store's root is the basin's; on a cold store, its data strata.
  std::vector<std::pair<ObjectStore*, std::string_view>> places = {{b_.hot(), ""}};
  if (auto cold = b_.StoreFor(kStreamData); cold.ok() && *cold != b_.hot()) {
    places.emplace_back(*cold, kDataStrataPrefix);
  }
  for (const auto& [store, prefix] : places) {
    so.prefix = std::string(prefix);
    auto swept = store->Sweep(so);
    if (!swept.ok()) {
      r_.sweep_problem = swept.status().ToString();
      return;
    }
    r_.uploads_swept += swept->removed;
  }
}

Status Pruner::SealOutput(uint8_t stream) {
  std::unique_ptr<StratumWriter>& w = out_[Slot(stream)];
  if (!w) return Status::OK();
  std::string tail;
  BASIN_ASSIGN_OR_RETURN(StratumRef ref, w->Seal(&tail));
  if (stream == kStreamData) BASIN_RETURN_IF_ERROR(b_.hot()->Put(TailKey(ref.id), tail));
  written_.push_back(IndexInput{ref, w->entries()});
  r_.bytes_written += ref.size;
  ++r_.strata_written;
  w.reset();
  return Status::OK();
}

Status Pruner::RepackOne(StratumUse& s) {
  const uint8_t stream = s.ref.stream;
  BASIN_ASSIGN_OR_RETURN(ObjectStore * store, b_.StoreFor(stream));
  const std::string key = StratumKey(stream, s.ref.id);
  std::sort(s.live.begin(), s.live.end(),
            [](const GrainEntry& a, const GrainEntry& b) { return a.offset < b.offset; });
  const uint64_t target =
      stream == kStreamData ? b_.settings().data_stratum_size : b_.settings().meta_stratum_size;
  std::string bytes, data;
  auto codec = b_.codecs().Take();
  Status status;
  for (size_t i = 0; i < s.live.size() && status.ok();) {
    // One read for a run of grains with small gaps between them.
    size_t j = i + 1;
    while (j < s.live.size() &&
           s.live[j].offset <= s.live[j - 1].offset + s.live[j - 1].length + kReadGap &&
           s.live[j].offset + s.live[j].length - s.live[i].offset <= kMaxRead) {
      ++j;
    }
    const uint64_t begin = s.live[i].offset;
    const uint64_t end = s.live[j - 1].offset + s.live[j - 1].length;
    status = store->Get(key, ByteRange::Span(begin, end - begin), &bytes);
    if (status.IsInvalidArgument()) status = Status::Corruption(status.message());
    if (status.IsNotFound()) {
      // Gone since the inventory: only another prune deletes strata.
      status = Superseded(key);
    }
    if (!status.ok()) break;
    if (bytes.size() != end - begin) {
      status = Status::Corruption(fmt::format("{}: short read at offset {}", key, begin));
      break;
    }
    r_.bytes_repack_read += bytes.size();
    for (size_t k = i; k < j && status.ok(); ++k) {
      const GrainEntry& e = s.live[k];
      const std::string_view stored(bytes.data() + (e.offset - begin), e.length);
      GrainHeader header;
      status =
          OpenGrain(b_.keys(), b_.basin_id(), stored, fmt::format("{} at offset {}", key, e.offset),
                    codec.get(), &header, &data);
      if (!status.ok()) break;
      std::unique_ptr<StratumWriter>& w = out_[Slot(stream)];
      if (!w) {
        const ObjectName id = RandomName();
        status = b_.hot()->Put(PendingKey(stream, id), "", PutMode::kCreateOnly);
        if (!status.ok()) break;
        auto opened = StratumWriter::Open(store, stream, id, &b_.keys(), b_.basin_id());
        if (!opened.ok()) {
          status = opened.status();
          break;
        }
        w = std::move(opened).value();
      }
      GrainEntry copy = e;
      status = w->Add(stored, copy);
      if (status.ok()) copied_.insert(e.id);
      if (status.ok() && w->size() >= target) status = SealOutput(stream);
    }
    i = j;
  }
  b_.codecs().Give(std::move(codec));
  return status;
}

Status Pruner::Repack() {
  if (repack_.empty()) return Status::OK();
  std::set<ObjectName> chosen(repack_.begin(), repack_.end());
  for (const GrainId& id : live_) {
    const GrainLocation& loc = where_.at(id);
    if (chosen.contains(loc.stratum)) strata_.at(loc.stratum).live.push_back(loc.entry);
  }
  size_t done = 0;
  for (const ObjectName& id : repack_) {
    Progress(fmt::format("repacking stratum {} of {}", ++done, repack_.size()));
    BASIN_RETURN_IF_ERROR(RepackOne(strata_.at(id)));
  }
  for (uint8_t stream : {kStreamData, kStreamMeta}) BASIN_RETURN_IF_ERROR(SealOutput(stream));
  return Status::OK();
}

Status Pruner::DeleteObjects() {
  std::vector<std::string> keys[2];  // per stream's store; markers and tails: hot
  std::vector<std::string> hot_keys;
  auto add = [&](uint8_t stream, const ObjectName& id) {
    keys[Slot(stream)].push_back(StratumKey(stream, id));
    if (stream == kStreamData) hot_keys.push_back(TailKey(id));
    hot_keys.push_back(PendingKey(stream, id));
  };
  const BasinState st = b_.state();
  for (const ObjectName& id : st.deleted) {
    auto s = strata_.find(id);
    if (s != strata_.end()) {
      add(s->second.ref.stream, id);
      r_.bytes_freed += s->second.ref.size;
    }
  }
  for (const auto& [id, stream] : abandoned_) add(stream, id);
  for (int i = 0; i < 2; ++i) {
    for (auto& k : stray_keys_[i]) keys[i].push_back(std::move(k));
  }
  for (auto& k : stray_hot_) hot_keys.push_back(std::move(k));
  for (const IndexInput& in : written_)
    hot_keys.push_back(PendingKey(in.stratum.stream, in.stratum.id));
  for (uint8_t stream : {kStreamData, kStreamMeta}) {
    auto& list = keys[Slot(stream)];
    if (list.empty()) continue;
    auto store = b_.StoreFor(stream);
    if (!store.ok()) continue;  // a cold store not given: its strata stay (logically deleted)
    r_.objects_deleted += list.size();
    BASIN_RETURN_IF_ERROR((*store)->DeleteMany(list));
  }
  r_.objects_deleted += hot_keys.size();
  return b_.hot()->DeleteMany(hot_keys);
}

Result<PruneReport> Pruner::Run() {
  if (!o_.references) return Status::InvalidArgument("prune needs PruneOptions::references");
  if (!o_.assume_forgotten.empty() && !o_.dry_run) {
    return Status::InvalidArgument("PruneOptions::assume_forgotten is for dry runs only");
  }
  BASIN_RETURN_IF_ERROR(b_.Refresh());
  Progress("reading the index");
  BASIN_RETURN_IF_ERROR(Inventory());
  Progress("marking what the snapshots reference");
  for (const SnapshotEntry& s : b_.state().snapshots) {
    r_.snapshots += std::find(o_.assume_forgotten.begin(), o_.assume_forgotten.end(), s.id) ==
                    o_.assume_forgotten.end();
  }
  BASIN_RETURN_IF_ERROR(MarkNewSnapshots());
  BASIN_RETURN_IF_ERROR(Plan());
  BASIN_RETURN_IF_ERROR(FindUncommitted());
  SweepUnfinished();
  r_.strata_deleted = whole_.size();
  r_.strata_repacked = repack_.size();
  if (o_.dry_run) {
    for (const ObjectName& id : whole_) r_.bytes_freed += strata_.at(id).ref.size;
    for (const ObjectName& id : repack_) {
      const StratumUse& s = strata_.at(id);
      r_.bytes_freed += s.ref.size - s.live_bytes;
      r_.bytes_repack_read += s.live_bytes;
    }
    return r_;
  }
  if (whole_.empty() && repack_.empty() && abandoned_.empty()) {
    BASIN_RETURN_IF_ERROR(DeleteObjects());  // leftovers of earlier runs only
    return r_;
  }
  BASIN_RETURN_IF_ERROR(Repack());
  // P5: the copies and the intent, in one record.
  condemned_.insert(whole_.begin(), whole_.end());
  condemned_.insert(repack_.begin(), repack_.end());
  JournalRecord intent;
  if (!written_.empty()) {
    BASIN_ASSIGN_OR_RETURN(TableRef table, WriteIndexTable(b_.hot(), written_, b_.keys()));
    intent.tables.push_back(table);
    for (const IndexInput& in : written_) intent.strata.push_back(in.stratum);
  }
  Progress("committing the prune's intent");
  BASIN_ASSIGN_OR_RETURN(r_.intent_seq, b_.CommitRecord(intent, [&](JournalRecord* rec) {
    BASIN_RETURN_IF_ERROR(MarkNewSnapshots());
    KeepRecommitted();
    // P5: the copies are uncommitted until this record, so another prune may have collected
    // them as abandoned; this record would then name them in vain (a late commit) and
    // condemn the only other copies of the grains they hold (finding 10).
    for (const IndexInput& in : written_) {
      if (b_.state().deleted.contains(in.stratum.id)) {
        return Status::AlreadyExists(fmt::format(
            "{} (this prune's repack output) was collected by another prune meanwhile: this "
            "prune stopped and deleted nothing; run it again",
            StratumKey(in.stratum.stream, in.stratum.id)));
      }
    }
    rec->intent = std::vector<ObjectName>(condemned_.begin(), condemned_.end());
    return Status::OK();
  }));
  // P6-P7: whatever snapshots landed meanwhile are marked; then the deletion record.
  JournalRecord deletion;
  deletion.deletion = DeletionRef{r_.intent_seq, {}};
  BASIN_ASSIGN_OR_RETURN(r_.deletion_seq, b_.CommitRecord(deletion, [&](JournalRecord* rec) {
    BASIN_RETURN_IF_ERROR(MarkNewSnapshots());
    KeepRecommitted();
    if (b_.state().pending_intent != r_.intent_seq) {
      return Status::AlreadyExists(
          "another prune took over (its intent replaced this one's): nothing was deleted");
    }
    // P7: collection is judged at Y. An upload that any record below Y names (a backup's
    // commit, another prune's intent) is not abandoned, whether or not a snapshot marked
    // since reaches it through this prune's inventory.
    BASIN_RETURN_IF_ERROR(ReadIndex([&] {
      return b_.index().ForEachStratum([&](const StratumRef& s) {
        abandoned_.erase(s.id);
        return Status::OK();
      });
    }));
    rec->deletion->strata.assign(condemned_.begin(), condemned_.end());
    for (const auto& [id, stream] : abandoned_) rec->deletion->strata.push_back(id);
    return Status::OK();
  }));
  r_.strata_abandoned = abandoned_.size();
  r_.strata_deleted = 0;
  r_.strata_repacked = 0;
  for (const ObjectName& id : whole_) r_.strata_deleted += condemned_.contains(id);
  for (const ObjectName& id : repack_) r_.strata_repacked += condemned_.contains(id);
  // P8.
  Progress("deleting");
  BASIN_RETURN_IF_ERROR(DeleteObjects());
  r_.bytes_freed -= std::min(r_.bytes_freed, r_.bytes_written);  // net, as a dry run shows
  Progress("rewriting the index");
  // A merge another process made meanwhile (AlreadyExists) is as good as ours.
  if (auto c = CompactIndexTables(b_, 1); !c.ok() && !c.status().IsAlreadyExists()) {
    return c.status();
  }
  return r_;
}

}  // namespace

Result<PruneReport> Prune(Basin& basin, const PruneOptions& options) {
  Pruner p(static_cast<BasinImpl&>(basin), options);
  return p.Run();
}

}  // namespace basin
