// basin check (docs/format/repository.md, "Verification"): every structure read and
// cross-checked; with read_data, every grain opened.
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "basin/maintenance.h"
#include "repo/basin_format.h"
#include "repo/basin_impl.h"
#include "repo/clast.h"
#include "repo/grain.h"
#include "repo/stratum.h"

namespace basin {
namespace {

using namespace repo;

struct NameHash {
  size_t operator()(const ObjectName& n) const {
    size_t v;
    std::memcpy(&v, n.data(), sizeof v);
    return v;
  }
};

class Checker {
 public:
  Checker(BasinImpl& basin, const CheckOptions& options) : b_(basin), o_(options) {}

  Result<CheckReport> Run() {
    BASIN_RETURN_IF_ERROR(b_.Refresh());
    state_ = b_.state();
    BASIN_RETURN_IF_ERROR(Journal());
    BASIN_RETURN_IF_ERROR(IndexTables());
    BASIN_RETURN_IF_ERROR(Tails());
    BASIN_RETURN_IF_ERROR(IndexEntries());
    BASIN_RETURN_IF_ERROR(Strata(kStreamMeta));
    BASIN_RETURN_IF_ERROR(Snapshots());
    if (o_.read_data) BASIN_RETURN_IF_ERROR(Strata(kStreamData));
    BASIN_RETURN_IF_ERROR(Unreferenced());
    return std::move(r_);
  }

 private:
  void Problem(std::string object, uint64_t offset, std::string message) {
    r_.problems.push_back(CheckProblem{std::move(object), offset, std::move(message)});
  }
  void Progress(std::string_view line) {
    if (o_.progress) o_.progress(line);
  }
  // A damaged object is a problem to report; any other failure stops the check.
  Status Note(const Status& s, const std::string& object) {
    if (s.IsCorruption() || s.IsNotFound() || s.IsNotSupported()) {
      Problem(object, 0, s.ToString());
      return Status::OK();
    }
    return s;
  }

  // Every journal record still stored, replayed from nothing, gives the state loaded.
  Status Journal() {
    Progress("journal");
    if (!b_.checkpoint_damaged().empty()) {
      Problem(std::string(kCheckpointKey), 0,
              b_.checkpoint_damaged() + " (passed over: the journal was replayed from record 1)");
    }
    // Records past the last one opening read: one below them is missing (deleted or
    // lost), and everything after the gap is invisible.
    BASIN_ASSIGN_OR_RETURN(auto listed, b_.hot()->ListAll(kJournalPrefix));
    for (const ObjectInfo& o : listed) {
      uint64_t seq = 0;
      if (ParseJournalKey(o.key, &seq) && seq > state_.seq) {
        Problem(o.key, 0,
                fmt::format("a journal record after a gap: record {} is missing, so this one and "
                            "any after it are not part of the basin",
                            state_.seq + 1));
      }
    }
    if (state_.folded_through > 0) return Status::OK();  // (no folding in format v1)
    BasinState replay;
    std::string bytes;
    for (uint64_t seq = 1; seq <= state_.seq; ++seq) {
      const std::string key = JournalKey(seq);
      Status s = b_.hot()->Get(key, ByteRange::All(), &bytes);
      if (!s.ok()) return Note(s, key);
      auto rec = DecodeRecord(bytes, seq, b_.keys(), b_.basin_id());
      if (!rec.ok()) return Note(rec.status(), key);
      r_.bytes_read += bytes.size();
      ++r_.journal_records;
      for (const StratumRef& st : rec->strata) journal_strata_.push_back(st);
      replay.Apply(*rec);
    }
    auto names = [](const std::vector<TableRef>& t) {
      std::vector<ObjectName> n;
      for (const auto& x : t) n.push_back(x.name);
      return n;
    };
    if (names(replay.tables) != names(state_.tables) ||
        replay.snapshots.size() != state_.snapshots.size()) {
      Problem(std::string(kCheckpointKey), 0,
              "the checkpoint disagrees with the journal records it folds");
    }
    return Status::OK();
  }

  // Each live index table, read whole: its MAC and size as its record says, and every
  // block's checksum.
  Status IndexTables() {
    Progress("index tables");
    return b_.index().ForEachTableObject([&](const TableRef& ref, TableReader* reader) {
      const std::string key = IndexTableKey(ref.name);
      ++r_.index_tables;
      std::string bytes;
      Status s = b_.hot()->Get(key, ByteRange::All(), &bytes);
      if (!s.ok()) return Note(s, key);
      r_.bytes_read += bytes.size();
      if (bytes.size() != ref.size || b_.keys().Mac(bytes) != ref.mac) {
        Problem(key, 0, "the index table fails authentication (damaged or tampered with)");
        bad_tables_ = true;
        return Status::OK();
      }
      return Note(reader->Verify(), key);
    });
  }

  // Every stratum the index lists: its tail (the stratum's own for metadata, the hot copy
  // for data) against the index's facts; its grains, kept for the cross-checks.
  Status Tails() {
    Progress("strata tails");
    std::vector<StratumRef> listed;
    Status s = b_.index().ForEachStratum([&](const StratumRef& st) {
      if (state_.deleted.contains(st.id)) return Status::OK();  // pruned; entries go next merge
      if (!strata_.contains(st.id)) listed.push_back(st);
      strata_[st.id];  // placeholder until its tail is read
      return Status::OK();
    });
    BASIN_RETURN_IF_ERROR(bad_tables_ ? Status::OK() : s);
    for (const StratumRef& j : journal_strata_) {
      if (!strata_.contains(j.id) && !state_.deleted.contains(j.id)) {
        Problem(StratumKey(j.stream, j.id), 0,
                "a journal record names this stratum, but no index table lists it");
      }
    }
    for (const StratumRef& st : listed) {
      const bool data = st.stream == kStreamData;
      const std::string key = data ? TailKey(st.id) : StratumKey(st.stream, st.id);
      auto tail = ReadStratumTail(b_.hot(), key, data, b_.keys(), b_.basin_id(), &st.id);
      ++r_.strata;
      if (!tail.ok()) {
        BASIN_RETURN_IF_ERROR(Note(tail.status(), key));
        continue;
      }
      if (data) ++r_.tails;
      r_.bytes_read += tail->bytes.size();
      if (tail->ref.stream != st.stream || tail->ref.grains != st.grains ||
          (st.size != 0 && tail->ref.size != st.size)) {
        Problem(key, tail->index_offset, "the stratum's footer disagrees with the index");
      }
      auto entries = tail->Entries();
      if (!entries.ok()) {
        BASIN_RETURN_IF_ERROR(Note(entries.status(), key));
        continue;
      }
      for (const GrainEntry& e : *entries) {
        ++r_.grains;
        BASIN_ASSIGN_OR_RETURN(auto loc, b_.index().Find(e.id));
        // Not indexed: a second copy of a grain (uploaded by two writers at once, or
        // adopted twice) whose entry an index merge dropped for the newer copy's, which a
        // prune then deleted as unused. Unused bytes a repack frees, not damage: a
        // snapshot that references the grain is reported by the walk.
        if (!loc) ++r_.grains_unindexed;
      }
      Held& h = strata_[st.id];
      h.ref = tail->ref;
      h.entries = std::move(entries).value();
      h.tail = std::move(tail->bytes);
    }
    return Status::OK();
  }

  // Every index entry points at its grain: the stratum holds it at that place.
  Status IndexEntries() {
    Progress("index entries");
    if (bad_tables_) return Status::OK();
    return b_.index().ForEach([&](const GrainLocation& loc) {
      auto it = strata_.find(loc.stratum);
      const std::string key = StratumKey(loc.stream, loc.stratum);
      if (it == strata_.end() || it->second.entries.empty()) return Status::OK();  // reported
      const auto& v = it->second.entries;
      auto e = std::lower_bound(v.begin(), v.end(), loc.entry.id,
                                [](const GrainEntry& a, const Hash256& id) { return a.id < id; });
      if (e == v.end() || e->id != loc.entry.id || e->offset != loc.entry.offset ||
          e->length != loc.entry.length || e->type != loc.entry.type) {
        Problem(key, loc.entry.offset,
                fmt::format("the index places grain {} here, the stratum does not",
                            loc.entry.id.ToHex()));
      }
      return Status::OK();
    });
  }

  // Reads whole strata of `stream` (metadata always; data with read_data, maybe a share)
  // and opens every grain; follows the references of metadata grains.
  Status Strata(uint8_t stream) {
    Progress(stream == kStreamData ? "data strata" : "metadata strata");
    BASIN_ASSIGN_OR_RETURN(ObjectStore * store, b_.StoreFor(stream));
    std::mt19937_64 rng{std::random_device{}()};
    std::bernoulli_distribution pick(std::clamp(o_.read_data_fraction, 0.0, 1.0));
    auto codec = b_.codecs().Take();
    for (auto& [name, h] : strata_) {
      if (h.ref.stream != stream || h.entries.empty()) continue;
      if (stream == kStreamData && !pick(rng)) continue;
      const std::string key = StratumKey(stream, name);
      std::string bytes;
      Status s = store->Get(key, ByteRange::All(), &bytes);
      if (!s.ok()) {
        BASIN_RETURN_IF_ERROR(Note(s, key));
        continue;
      }
      r_.bytes_read += bytes.size();
      uint8_t header_stream = 0;
      ObjectName header_id{};
      if (Status hs = ParseStratumHeader(bytes, b_.basin_id(), key, &header_stream, &header_id);
          !hs.ok()) {
        BASIN_RETURN_IF_ERROR(Note(hs, key));
      } else if (header_stream != stream || header_id != name) {
        Problem(key, 0, "the stratum's header names another stratum");
      }
      if (bytes.size() != h.ref.size ||
          std::string_view(bytes).substr(bytes.size() - std::min(bytes.size(), h.tail.size())) !=
              h.tail) {
        Problem(key, bytes.size() - std::min(bytes.size(), h.tail.size()),
                "the stratum's tail differs from the checked one (tail copy or size)");
        continue;
      }
      std::string data;
      for (const GrainEntry& e : h.entries) {
        const std::string what = fmt::format("{} at offset {}", key, e.offset);
        GrainHeader gh;
        Status g =
            OpenGrain(b_.keys(), b_.basin_id(), std::string_view(bytes).substr(e.offset, e.length),
                      what, codec.get(), &gh, &data);
        ++r_.grains_opened;
        if (!g.ok()) {
          Problem(key, e.offset, g.ToString());
          continue;
        }
        if (gh.id != e.id || gh.type != e.type) {
          Problem(key, e.offset, "the grain differs from its grain index entry");
          continue;
        }
        if (stream == kStreamMeta) BASIN_RETURN_IF_ERROR(References(key, e, data));
      }
    }
    b_.codecs().Give(std::move(codec));
    return Status::OK();
  }

  Status References(const std::string& key, const GrainEntry& e, std::string_view data) {
    std::vector<GrainId> refs;
    const auto type = static_cast<GrainType>(e.type);
    if (type == GrainType::kClastList) {
      auto list = DecodeClastList(data, key);
      if (!list.ok()) {
        Problem(key, e.offset, list.status().ToString());
        return Status::OK();
      }
      for (const auto& c : list->entries) {
        if (c.id != GrainId{}) refs.push_back(c.id);  // an all-zero id is a hole
      }
    } else if (o_.references) {
      if (Status s = o_.references(type, data, &refs); !s.ok()) {
        Problem(key, e.offset, s.ToString());
        return Status::OK();
      }
    }
    for (const GrainId& ref : refs) {
      ++r_.references;
      BASIN_ASSIGN_OR_RETURN(auto loc, b_.Find(ref));
      if (!loc) {
        Problem(key, e.offset,
                fmt::format("grain {} refers to {}, which is not in the basin", e.id.ToHex(),
                            ref.ToHex()));
      }
    }
    return Status::OK();
  }

  Status Snapshots() {
    for (const SnapshotEntry& s : state_.snapshots) {
      BASIN_ASSIGN_OR_RETURN(auto loc, b_.Find(s.id));
      if (!loc || loc->entry.type != static_cast<uint8_t>(GrainType::kSnapshot)) {
        Problem(JournalKey(s.seq), 0, fmt::format("snapshot {} is not in the basin", s.id.ToHex()));
      }
    }
    return Status::OK();
  }

  // Objects that no committed record names (interrupted writers leave them).
  Status Unreferenced() {
    Progress("unreferenced objects");
    absl::flat_hash_set<std::string> known;
    for (const auto& [name, h] : strata_) {
      known.insert(StratumKey(h.ref.stream, name));
      known.insert(TailKey(name));
    }
    for (const auto& t : state_.tables) known.insert(IndexTableKey(t.name));
    auto scan = [&](ObjectStore* store, std::string_view prefix) -> Status {
      BASIN_ASSIGN_OR_RETURN(auto objects, store->ListAll(prefix));
      for (const ObjectInfo& o : objects) {
        if (!known.contains(o.key)) r_.unreferenced.push_back(o.key);
      }
      return Status::OK();
    };
    BASIN_RETURN_IF_ERROR(scan(b_.hot(), kMetaStrataPrefix));
    BASIN_RETURN_IF_ERROR(scan(b_.hot(), kTailsPrefix));
    BASIN_RETURN_IF_ERROR(scan(b_.hot(), kIndexPrefix));
    // Data strata are listed when they are on the hot store (a cold one is touched only
    // with read_data): an indexed stratum the listing lacks is gone.
    auto data = b_.StoreFor(kStreamData);
    const bool list_data = data.ok() && (o_.read_data || *data == b_.hot());
    if (list_data) BASIN_RETURN_IF_ERROR(scan(*data, kDataStrataPrefix));
    absl::flat_hash_set<std::string> present;
    BASIN_ASSIGN_OR_RETURN(auto metas, b_.hot()->ListAll(kMetaStrataPrefix));
    for (const ObjectInfo& o : metas) present.insert(o.key);
    if (list_data) {
      BASIN_ASSIGN_OR_RETURN(auto datas, (*data)->ListAll(kDataStrataPrefix));
      for (const ObjectInfo& o : datas) present.insert(o.key);
    }
    for (const auto& [name, h] : strata_) {
      const std::string key = StratumKey(h.ref.stream, name);
      if ((h.ref.stream == kStreamMeta || list_data) && !present.contains(key)) {
        Problem(key, 0, "the index lists this stratum, but the store does not have it");
      }
    }
    return Status::OK();
  }

  struct Held {
    StratumRef ref;
    std::vector<GrainEntry> entries;  // by id
    std::string tail;
  };

  BasinImpl& b_;
  const CheckOptions& o_;
  CheckReport r_;
  BasinState state_;
  std::vector<StratumRef> journal_strata_;
  absl::flat_hash_map<ObjectName, Held, NameHash> strata_;
  bool bad_tables_ = false;
};

}  // namespace

Result<CheckReport> CheckBasin(Basin& basin, const CheckOptions& options) {
  return Checker(static_cast<BasinImpl&>(basin), options).Run();
}

Result<BasinStats> ComputeStats(Basin& basin) {
  auto& b = static_cast<BasinImpl&>(basin);
  BASIN_RETURN_IF_ERROR(b.Refresh());
  const BasinState st = b.state();
  BasinStats out;
  out.commits = st.seq;
  out.snapshots = st.snapshots.size();
  out.index_tables = st.tables.size();
  absl::flat_hash_set<std::string> strata;
  BASIN_RETURN_IF_ERROR(b.index().ForEachStratum([&](const StratumRef& s) {
    if (st.deleted.contains(s.id) || !strata.insert(std::string(NameBytes(s.id))).second) {
      return Status::OK();
    }
    ++out.strata;
    out.strata_bytes += s.size;
    return Status::OK();
  }));
  BASIN_RETURN_IF_ERROR(b.index().ForEach([&](const GrainLocation& loc) {
    if (st.deleted.contains(loc.stratum)) return Status::OK();
    // A grain in several tables (a concurrent duplicate) counts once per table: rare.
    ++out.grains;
    out.raw_bytes += loc.entry.raw_length;
    out.stored_bytes += loc.entry.length;
    ++out.grains_by_type[loc.entry.type < 8 ? loc.entry.type : 0];
    return Status::OK();
  }));
  return out;
}

}  // namespace basin
