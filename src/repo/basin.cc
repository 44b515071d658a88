// Opening, reading and committing (docs/format/repository.md, "Opening" and "Commit
// protocol"); key slots.
#include <unistd.h>

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "basin/coding.h"
#include "repo/basin_format.h"
#include "repo/basin_impl.h"
#include "repo/chunker.h"
#include "repo/clast.h"
#include "repo/stratum.h"

namespace basin::repo {
namespace {

constexpr std::string_view kProgram = "basin " BASIN_VERSION_STRING;

std::string Hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string SlotLabel(const std::string& host) {
  const auto now = std::chrono::system_clock::now();
  return fmt::format("{} {:%Y-%m-%d %H:%M:%S}", host,
                     std::chrono::floor<std::chrono::seconds>(now));
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs an index lookup; when it finds an index table gone (NotFound: another process
// merged it away and deleted it, docs/format/repository.md "Reading"), reads the journal
// with catch_up and runs it again against the tables the journal now names. A table still
// named and still missing after a catch-up that found no new record is damage, never a
// grain that is absent.
template <typename Lookup, typename CatchUp, typename Sequence>
auto LookupRefreshing(const Lookup& lookup, const CatchUp& catch_up, const Sequence& sequence)
    -> decltype(lookup()) {
  auto found = lookup();
  // Each catch-up that finds new records may show the table merged away; another process
  // may merge again before the next lookup, so this goes on while the journal moves (a
  // bounded number of times).
  for (int round = 0; round < 16 && found.status().IsNotFound(); ++round) {
    const uint64_t before = sequence();
    BASIN_RETURN_IF_ERROR(catch_up());
    found = lookup();
    if (sequence() == before) break;
  }
  if (!found.status().IsNotFound()) return found;
  return Status::Corruption(found.status().message() +
                            " (the journal still names this index table, but its object is "
                            "missing: the basin is damaged; run basin check)");
}

std::string IdHex(const Config& config) {
  std::string out;
  for (uint8_t b : config.basin_id) out += fmt::format("{:02x}", b);
  return out;
}

// What the cold store's kColdMarkerKey object holds (repository.md, "Objects").
std::string ColdMarker(const Config& config) {
  return fmt::format("basin cold store {}\n", IdHex(config));
}

}  // namespace

std::unique_ptr<GrainCodec> CodecPool::Take() {
  {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      auto c = std::move(free_.back());
      free_.pop_back();
      return c;
    }
  }
  return std::make_unique<GrainCodec>(compression_);
}

void CodecPool::Give(std::unique_ptr<GrainCodec> codec) {
  std::lock_guard lock(mu_);
  free_.push_back(std::move(codec));
}

void BasinImpl::Warn(std::string_view message) const {
  if (warning_) {
    warning_(message);
  } else {
    fmt::print(stderr, "basin: warning: {}\n", message);
  }
}

BasinImpl::BasinImpl(const BasinOptions& options, Config config, Keys keys, std::string slot_in_use)
    : hot_(options.store),
      cold_(options.cold_store),
      object_cache_(std::dynamic_pointer_cast<CacheStore>(options.store)),
      cache_(options.block_cache ? options.block_cache
                                 : std::make_shared<BlockCache>(size_t{64} << 20)),
      executor_(options.executor ? options.executor : DefaultExecutor()),
      host_(options.host.empty() ? Hostname() : options.host),
      marker_refresh_(options.marker_refresh),
      warning_(options.warning),
      auto_compact_index_(options.auto_compact_index),
      config_(std::move(config)),
      keys_(std::move(keys)),
      slot_in_use_(std::move(slot_in_use)),
      gear_(keys_.GearTable()),
      codecs_(CompressionOptions{config_.settings.compression, config_.settings.compression_level}),
      index_(hot_, cache_),
      read_cache_(ReadsAreRoundTrips(*options.store) ? options.read_cache_bytes : 0, kReadWindow) {
  // Without a cold store, data strata are kept with everything else.
  if (!cold_ && config_.settings.cold_url.empty()) cold_ = hot_;
  if (!cold_ && options.open_store) {
    auto opened = options.open_store(config_.settings.cold_url);
    if (opened.ok()) cold_ = *opened;  // else data reads say the cold store is missing
  }
}

std::string BasinImpl::id_hex() const { return IdHex(config_); }

Status BasinImpl::CheckColdStore() {
  std::lock_guard lock(cold_checked_mu_);
  if (cold_checked_) return Status::OK();
  BASIN_ASSIGN_OR_RETURN(ObjectStore * cold, StoreFor(kStreamData));
  if (cold == hot_.get()) {
    cold_checked_ = true;
    return Status::OK();
  }
  std::string got;
  Status s = cold->Get(kColdMarkerKey, ByteRange::Suffix(128), &got);  // bounded
  if (s.IsNotFound()) {
    return Status::NotFound(fmt::format(
        "the cold store {} holds no '{}' object: it is not the cold store this basin was made "
        "with ({}), or that store is not mounted; nothing was written",
        cold->url(), kColdMarkerKey, config_.settings.cold_url));
  }
  BASIN_RETURN_IF_ERROR(s.WithContext("reading the cold store's marker"));
  if (got != ColdMarker(config_)) {
    return Status::InvalidArgument(fmt::format(
        "the cold store {} belongs to another basin (its '{}' object does not name basin {}); "
        "nothing was written",
        cold->url(), kColdMarkerKey, id_hex()));
  }
  cold_checked_ = true;
  return Status::OK();
}

Result<ObjectStore*> BasinImpl::StoreFor(uint8_t stream) const {
  if (stream != kStreamData) return hot_.get();
  if (!cold_) {
    return Status::InvalidArgument(
        fmt::format("this basin keeps its data on a cold store ({}): open it with that store too",
                    config_.settings.cold_url));
  }
  return cold_.get();
}

BasinState BasinImpl::state() const {
  std::lock_guard lock(state_mu_);
  return state_;
}

uint64_t BasinImpl::sequence() const {
  std::lock_guard lock(state_mu_);
  return state_.seq;
}

std::vector<SnapshotEntry> BasinImpl::Snapshots() const {
  std::lock_guard lock(state_mu_);
  return state_.snapshots;
}

std::vector<CommitInfo> BasinImpl::Commits() const {
  std::lock_guard lock(state_mu_);
  return commits_;
}

std::shared_ptr<const BasinImpl::Skips> BasinImpl::skips() const {
  std::lock_guard lock(state_mu_);
  return skips_;
}

std::vector<ObjectName> BasinImpl::DeletedSince(uint64_t seq) const {
  std::lock_guard lock(state_mu_);
  std::vector<ObjectName> out;
  for (const auto& [at, ids] : deletions_) {
    if (at > seq) out.insert(out.end(), ids.begin(), ids.end());
  }
  return out;
}

std::vector<ObjectName> BasinImpl::CommittedSince(uint64_t seq) const {
  std::lock_guard lock(state_mu_);
  std::vector<ObjectName> out;
  for (auto it = committed_.rbegin(); it != committed_.rend() && it->first > seq; ++it) {
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  return out;
}

void BasinImpl::Applied(const JournalRecord& r) {
  const uint64_t pending_before = state_.pending_intent;
  state_.Apply(r);
  if (r.deletion && r.deletion->intent_seq == pending_before) {
    deletions_.emplace_back(r.seq, r.deletion->strata);
  }
  if (!r.strata.empty()) {
    std::vector<ObjectName> ids;
    ids.reserve(r.strata.size());
    for (const StratumRef& s : r.strata) ids.push_back(s.id);
    committed_.emplace_back(r.seq, std::move(ids));
  }
  if (r.intent || r.deletion) {
    auto skips = std::make_shared<Skips>();
    skips->deleted = state_.deleted;
    skips->condemned = state_.condemned;
    skips_ = std::move(skips);
  }
  CommitInfo c;
  c.seq = r.seq;
  c.time = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(r.time_ns)));
  c.host = r.host;
  c.strata_added = r.strata.size();
  for (const auto& s : r.strata) {
    c.grains_added += s.grains;
    c.bytes_added += s.size;
  }
  c.snapshots_added = r.snapshots_added.size();
  c.snapshots_removed = r.snapshots_removed.size();
  commits_.push_back(c);
}

Status BasinImpl::Load() {
  std::string bytes;
  Status s = hot_->Get(kCheckpointKey, ByteRange::All(), &bytes);
  if (s.ok()) {
    auto decoded = DecodeCheckpoint(bytes, keys_, basin_id());
    if (!decoded.ok()) {
      // A damaged checkpoint is only a shortcut lost: format v1 never deletes journal
      // records, so replaying them all from the first gives the same state (check reports
      // the damage; the next checkpoint write replaces it).
      checkpoint_damaged_ = decoded.status().message();
      return CatchUp();
    }
    const Checkpoint& c = *decoded;
    std::lock_guard lock(state_mu_);
    state_ = BasinState::FromCheckpoint(c);
    auto skips = std::make_shared<Skips>();
    skips->deleted = state_.deleted;
    skips->condemned = state_.condemned;
    skips_ = std::move(skips);
  } else if (!s.IsNotFound()) {
    return s;
  }
  return CatchUp();
}

Status BasinImpl::CatchUp() {
  std::string bytes;
  while (true) {
    const uint64_t next = sequence() + 1;
    Status s = hot_->Get(JournalKey(next), ByteRange::All(), &bytes);
    if (s.IsNotFound()) break;
    BASIN_RETURN_IF_ERROR(s);
    BASIN_ASSIGN_OR_RETURN(JournalRecord r, DecodeRecord(bytes, next, keys_, basin_id()));
    std::lock_guard lock(state_mu_);
    if (state_.seq + 1 == r.seq) Applied(r);  // else another thread applied it meanwhile
  }
  index_.Reset(state().tables);
  return Status::OK();
}

Result<bool> BasinImpl::CheckNoGapAt(uint64_t seq) {
  ListOptions o;
  o.prefix = std::string(kJournalPrefix);
  o.start_after = JournalKey(seq);
  o.max_keys = 1;
  BASIN_ASSIGN_OR_RETURN(ListPage later, hot_->List(o));
  uint64_t after = 0;
  for (const ObjectInfo& info : later.objects) {
    if (ParseJournalKey(info.key, &after) && after > seq) break;
    after = 0;  // a key under journal/ that names no record: not one
  }
  if (after == 0) return false;
  // Records are put in order, so a later one means `seq` was put: by another committer
  // since this one read the journal (catch up and take the next), or it is lost.
  BASIN_RETURN_IF_ERROR(CatchUp());
  if (sequence() >= seq) return true;
  return Status::Corruption(fmt::format(
      "journal record {} is missing but a later one ({}) exists: the basin is damaged, and "
      "committing now would fill the gap with another record; nothing was written; run "
      "'basin check'",
      JournalKey(seq), JournalKey(after)));
}

Status BasinImpl::CheckJournalEnd() {
  // Records written meanwhile are read, and the end looked at again (a bounded number of
  // times: each round needs another process to have committed).
  for (int round = 0; round < 8; ++round) {
    BASIN_ASSIGN_OR_RETURN(bool moved, CheckNoGapAt(sequence() + 1));
    if (!moved) return Status::OK();
  }
  return Status::OK();
}

Result<uint64_t> BasinImpl::CommitRecord(JournalRecord record,
                                         const std::function<Status(JournalRecord*)>& before_put) {
  record.time_ns = NowNs();
  record.host = host_;
  record.program = std::string(kProgram);
  while (true) {
    if (before_put) BASIN_RETURN_IF_ERROR(before_put(&record));
    {
      std::lock_guard lock(state_mu_);
      for (const MergeRef& m : record.merges) {
        if (!state_.MergeApplies(m)) {
          return Status::AlreadyExists(
              "the index tables to merge were merged by another process meanwhile");
        }
      }
      record.seq = state_.seq + 1;
    }
    BASIN_ASSIGN_OR_RETURN(bool raced, CheckNoGapAt(record.seq));
    if (raced) continue;
    const std::string bytes = EncodeRecord(record, keys_, basin_id());
    Status s = hot_->Put(JournalKey(record.seq), bytes, PutMode::kCreateOnly);
    if (s.IsAlreadyExists()) {  // another writer took the number: read it, try the next
      BASIN_RETURN_IF_ERROR(CatchUp());
      continue;
    }
    BASIN_RETURN_IF_ERROR(s.WithContext("writing the journal record"));
    // Step 5: a record at or below the fold boundary was made while this writer stalled.
    std::string cp;
    Status g = hot_->Get(kCheckpointKey, ByteRange::All(), &cp);
    // (A damaged checkpoint folds nothing in v1, and the next one written replaces it.)
    auto decoded = g.ok() ? DecodeCheckpoint(cp, keys_, basin_id()) : Result<Checkpoint>(g);
    if (decoded.ok()) {
      const Checkpoint& c = *decoded;
      if (c.folded_through >= record.seq) {
        hot_->Delete(JournalKey(record.seq)).IgnoreError();
        {
          std::lock_guard lock(state_mu_);
          state_ = BasinState::FromCheckpoint(c);
        }
        BASIN_RETURN_IF_ERROR(CatchUp());
        continue;
      }
    } else if (!g.ok() && !g.IsNotFound()) {
      return g;
    }
    {
      std::lock_guard lock(state_mu_);
      if (state_.seq + 1 == record.seq) Applied(record);
    }
    BASIN_RETURN_IF_ERROR(CatchUp());  // reads nothing unless others committed meanwhile
    if (record.seq % config_.settings.checkpoint_interval == 0) {
      // A commit has landed either way; a checkpoint that fails is written by a later one.
      MaybeCheckpoint(record.seq).IgnoreError();
    }
    return record.seq;
  }
}

Status BasinImpl::MaybeCheckpoint(uint64_t seq) {
  BasinState st = state();
  if (st.seq < seq) return Status::OK();
  std::string old;
  ObjectInfo info;
  Status g = hot_->Get(kCheckpointKey, ByteRange::All(), {}, &old, &info);
  const std::string bytes = EncodeCheckpoint(st.ToCheckpoint(), keys_, basin_id());
  if (g.IsNotFound()) return hot_->Put(kCheckpointKey, bytes, PutMode::kCreateOnly);
  BASIN_RETURN_IF_ERROR(g);
  auto c = DecodeCheckpoint(old, keys_, basin_id());
  // Only ever forward; a damaged one is replaced.
  if (c.ok() && c->seq >= st.seq) return Status::OK();
  return hot_->PutIfMatch(kCheckpointKey, bytes, info.etag);
}

std::function<bool(const ObjectName&)> BasinImpl::SkipFor(const Skips& skips, Lookup purpose) {
  if (skips.deleted.empty() && skips.condemned.empty()) return {};
  return [&skips, purpose](const ObjectName& stratum) {
    return skips.deleted.contains(stratum) ||
           (purpose == Lookup::kDedup && skips.condemned.contains(stratum));
  };
}

Result<std::optional<GrainLocation>> BasinImpl::Find(const GrainId& id, Lookup purpose) {
  const std::shared_ptr<const Skips> skips = this->skips();
  const auto skip = SkipFor(*skips, purpose);
  return LookupRefreshing([&] { return index_.Find(id, skip); }, [&] { return CatchUp(); },
                          [&] { return sequence(); });
}

Result<bool> BasinImpl::Has(const GrainId& id) {
  // Find(id, kDedup), without resolving where the grain is.
  const std::shared_ptr<const Skips> skips = this->skips();
  const auto skip = SkipFor(*skips, Lookup::kDedup);
  return LookupRefreshing([&] { return index_.Contains(id, skip); }, [&] { return CatchUp(); },
                          [&] { return sequence(); });
}

Status BasinImpl::ReadGrain(const GrainLocation& loc, std::string* data, GrainType* type) {
  BASIN_ASSIGN_OR_RETURN(ObjectStore * store, StoreFor(loc.stream));
  const std::string key = StratumKey(loc.stream, loc.stratum);
  const bool cached = store == hot_.get() && object_cache_ && object_cache_->Caches(key);
  Status s = ReadGrainFrom(store, key, cached, loc, data, type);
  if (cached && s.IsCorruption()) {
    // The cache file was damaged after this process checked it: drop it and read the
    // store's object (format doc, "Local cache"). Damage in the store stays an error.
    object_cache_->Evict(key);
    s = ReadGrainFrom(store, key, cached, loc, data, type);
  }
  return s;
}

Status BasinImpl::ReadGrainFrom(ObjectStore* store, const std::string& key, bool cached,
                                const GrainLocation& loc, std::string* data, GrainType* type) {
  std::string stored;
  auto fetch = [&](uint64_t offset, uint64_t length, std::string* out) {
    return store->Get(key, ByteRange::Span(offset, length), out);
  };
  // A cached stratum answers each grain with a pread: no windows to copy.
  Status got = cached ? fetch(loc.entry.offset, loc.entry.length, &stored)
                      : read_cache_.Read(key, loc.stratum_size, loc.entry.offset, loc.entry.length,
                                         fetch, &stored);
  // A range past the end is the stratum's damage (it was cut short), not the caller's.
  if (got.IsInvalidArgument()) return Status::Corruption(got.message());
  BASIN_RETURN_IF_ERROR(got);
  const std::string what = fmt::format("{} at offset {}", key, loc.entry.offset);
  auto codec = codecs_.Take();
  GrainHeader header;
  Status s = OpenGrain(keys_, basin_id(), stored, what, codec.get(), &header, data);
  codecs_.Give(std::move(codec));
  BASIN_RETURN_IF_ERROR(s);
  if (header.id != loc.entry.id || header.type != loc.entry.type) {
    data->clear();
    return Status::Corruption(fmt::format("{}: holds grain {}, the index says {}", what,
                                          header.id.ToHex(), loc.entry.id.ToHex()));
  }
  if (type != nullptr) *type = static_cast<GrainType>(header.type);
  return Status::OK();
}

Status BasinImpl::Get(const GrainId& id, std::string* data, GrainType* type) {
  auto deletions_seen = [this] {
    std::lock_guard lock(state_mu_);
    return deletions_.size();
  };
  size_t known = deletions_seen();
  for (int attempt = 0;; ++attempt) {
    BASIN_ASSIGN_OR_RETURN(auto loc, Find(id));
    Status s = loc ? ReadGrain(*loc, data, type)
                   : Status::NotFound(fmt::format("no grain {} in this basin", id.ToHex()));
    if (!s.IsNotFound()) return s;
    // The stratum (or the index table that listed the grain) is gone: a prune repacked the
    // grain elsewhere and deleted it (R1). The record that says where it went came first:
    // read it, and look again; again as long as each refresh brings a deletion the last
    // one did not (another prune moved the grain once more: model/README.md, finding 4).
    BASIN_RETURN_IF_ERROR(CatchUp());
    const size_t now = deletions_seen();
    if (attempt > 0 && now == known) return s;
    known = now;
  }
}

Status BasinImpl::ReadBlob(const GrainId& id, const std::function<Status(std::string_view)>& sink) {
  std::string data;
  GrainType type;
  BASIN_RETURN_IF_ERROR(Get(id, &data, &type));
  if (type != GrainType::kClastList) return sink(data);
  BASIN_ASSIGN_OR_RETURN(ClastList list, DecodeClastList(data, "blob " + id.ToHex()));
  for (const ClastEntry& e : list.entries) {
    if (list.level > 0) {
      BASIN_RETURN_IF_ERROR(ReadBlob(e.id, sink));
      continue;
    }
    BASIN_RETURN_IF_ERROR(Get(e.id, &data, &type));
    if (data.size() != e.size) {
      return Status::Corruption(fmt::format("blob {}: chunk {} holds {} bytes, the list says {}",
                                            id.ToHex(), e.id.ToHex(), data.size(), e.size));
    }
    BASIN_RETURN_IF_ERROR(sink(data));
  }
  return Status::OK();
}

Result<std::vector<std::pair<GrainId, uint64_t>>> BasinImpl::ReadClastList(const GrainId& id) {
  std::vector<std::pair<GrainId, uint64_t>> out;
  std::function<Status(const GrainId&, int)> walk = [&](const GrainId& list_id,
                                                        int depth) -> Status {
    std::string data;
    GrainType type;
    BASIN_RETURN_IF_ERROR(Get(list_id, &data, &type));
    if (type != GrainType::kClastList) {
      return Status::Corruption(fmt::format("{} is not a clast list", list_id.ToHex()));
    }
    BASIN_ASSIGN_OR_RETURN(ClastList list, DecodeClastList(data, "clast list " + list_id.ToHex()));
    if (list.level + depth > 8) return Status::Corruption("clast lists nest too deep");
    for (const ClastEntry& e : list.entries) {
      if (list.level > 0) {
        BASIN_RETURN_IF_ERROR(walk(e.id, depth + 1));
      } else {
        out.emplace_back(e.id, e.size);
      }
    }
    return Status::OK();
  };
  BASIN_RETURN_IF_ERROR(walk(id, 0));
  return out;
}

Result<std::unique_ptr<BasinWriter>> BasinImpl::NewWriter() { return NewBasinWriter(this); }

// ---- key slots ----

Result<std::vector<KeySlotInfo>> BasinImpl::ListKeys() {
  std::string bytes, sealed;
  BASIN_RETURN_IF_ERROR(hot_->Get(kConfigKey, ByteRange::All(), &bytes));
  BASIN_ASSIGN_OR_RETURN(Config c, ParseConfig(bytes, &sealed));
  std::vector<KeySlotInfo> out;
  for (const KeySlot& s : c.slots) {
    out.push_back(KeySlotInfo{s.IdHex(), s.label, s.kdf, s.IdHex() == slot_in_use_});
  }
  return out;
}

Status BasinImpl::UpdateSlots(const std::function<Status(std::vector<KeySlot>*)>& change) {
  if (!keys_.encrypted()) {
    return Status::InvalidArgument("this basin is not encrypted: it has no keys");
  }
  std::lock_guard lock(config_mu_);
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string bytes, sealed;
    ObjectInfo info;
    BASIN_RETURN_IF_ERROR(hot_->Get(kConfigKey, ByteRange::All(), {}, &bytes, &info));
    BASIN_ASSIGN_OR_RETURN(Config c, ParseConfig(bytes, &sealed));
    BASIN_RETURN_IF_ERROR(OpenConfig(bytes, sealed, keys_, &c));
    BASIN_RETURN_IF_ERROR(change(&c.slots));
    Status s = hot_->PutIfMatch(kConfigKey, EncodeConfig(c, keys_), info.etag);
    if (s.IsAlreadyExists()) continue;  // another key command changed it: redo on the new one
    BASIN_RETURN_IF_ERROR(s);
    config_.slots = c.slots;
    return Status::OK();
  }
  return Status::IOError("the config kept changing while the key slots were being updated");
}

Result<std::string> BasinImpl::AddKey(std::string_view password, const KdfParams& kdf) {
  std::string id;
  BASIN_RETURN_IF_ERROR(UpdateSlots([&](std::vector<KeySlot>* slots) -> Status {
    if (slots->size() >= kMaxSlots) {
      return Status::InvalidArgument(fmt::format("a basin holds at most {} keys", kMaxSlots));
    }
    BASIN_ASSIGN_OR_RETURN(
        KeySlot slot, WrapMasterKey(keys_.master(), password, kdf, basin_id(), SlotLabel(host_)));
    id = slot.IdHex();
    slots->push_back(std::move(slot));
    return Status::OK();
  }));
  return id;
}

Status BasinImpl::RemoveKey(std::string_view slot_id) {
  return UpdateSlots([&](std::vector<KeySlot>* slots) -> Status {
    auto it = std::find_if(slots->begin(), slots->end(),
                           [&](const KeySlot& s) { return s.IdHex() == slot_id; });
    if (it == slots->end()) return Status::NotFound(fmt::format("no key {}", slot_id));
    if (slot_id == slot_in_use_) {
      return Status::InvalidArgument(
          "this key is the one in use: open the basin with another password to remove it");
    }
    if (slots->size() == 1) return Status::InvalidArgument("the last key cannot be removed");
    slots->erase(it);
    return Status::OK();
  });
}

Status BasinImpl::ChangePassword(std::string_view new_password, const KdfParams& kdf) {
  std::string new_id;
  BASIN_RETURN_IF_ERROR(UpdateSlots([&](std::vector<KeySlot>* slots) -> Status {
    auto it = std::find_if(slots->begin(), slots->end(),
                           [&](const KeySlot& s) { return s.IdHex() == slot_in_use_; });
    if (it == slots->end()) return Status::NotFound("the key in use was removed meanwhile");
    BASIN_ASSIGN_OR_RETURN(KeySlot slot, WrapMasterKey(keys_.master(), new_password, kdf,
                                                       basin_id(), SlotLabel(host_)));
    new_id = slot.IdHex();
    *it = std::move(slot);
    return Status::OK();
  }));
  slot_in_use_ = new_id;
  return Status::OK();
}

}  // namespace basin::repo

namespace basin {

Result<std::unique_ptr<Basin>> Basin::Init(const BasinOptions& options, const InitOptions& init) {
  using namespace repo;
  if (!options.store) return Status::InvalidArgument("no store to create the basin in");
  BASIN_RETURN_IF_ERROR(ValidateChunkerParams(init.settings.chunker));
  if (init.encrypted && init.password.empty()) {
    return Status::InvalidArgument("an encrypted basin needs a password");
  }
  auto existing = options.store->Stat(kConfigKey);
  if (existing.ok()) {
    return Status::AlreadyExists(
        fmt::format("{} already holds a basin (its config)", options.store->url()));
  }
  if (!existing.status().IsNotFound()) return existing.status();
  Config config;
  RandomBytes(config.basin_id);
  config.encrypted = init.encrypted;
  config.settings = init.settings;
  Keys keys = Keys::Unencrypted();
  if (init.encrypted) {
    const SecretKey master = SecretKey::Random();
    keys = Keys::FromMaster(master);
    const std::string host = options.host.empty() ? Hostname() : options.host;
    BASIN_ASSIGN_OR_RETURN(KeySlot slot, WrapMasterKey(master, init.password, init.kdf,
                                                       config.basin_id_bytes(), SlotLabel(host)));
    config.slots.push_back(std::move(slot));
  }
  if (options.cold_store && options.cold_store != options.store) {
    // Create-only: a cold store another basin marked is refused before this one exists.
    Status m = options.cold_store->Put(kColdMarkerKey, ColdMarker(config), PutMode::kCreateOnly);
    if (m.IsAlreadyExists()) {
      return Status::AlreadyExists(
          fmt::format("{} is the cold store of another basin (it holds a '{}' object)",
                      options.cold_store->url(), kColdMarkerKey));
    }
    BASIN_RETURN_IF_ERROR(m.WithContext("marking the cold store"));
  }
  BASIN_RETURN_IF_ERROR(
      options.store->Put(kConfigKey, EncodeConfig(config, keys), PutMode::kCreateOnly));
  return Open(options, init.password);
}

Result<std::unique_ptr<Basin>> Basin::Open(const BasinOptions& options, std::string_view password) {
  return Open(options, [&]() -> Result<std::string> { return std::string(password); });
}

Result<std::unique_ptr<Basin>> Basin::Open(
    const BasinOptions& options, const std::function<Result<std::string>()>& ask_password) {
  using namespace repo;
  if (!options.store) return Status::InvalidArgument("no store to open the basin from");
  std::string bytes, sealed;
  Status s = options.store->Get(kConfigKey, ByteRange::All(), &bytes);
  if (s.IsNotFound()) {
    return Status::NotFound(fmt::format(
        "{} holds no basin (no config): create one with 'basin init'", options.store->url()));
  }
  BASIN_RETURN_IF_ERROR(s);
  BASIN_ASSIGN_OR_RETURN(Config config, ParseConfig(bytes, &sealed));
  Keys keys = Keys::Unencrypted();
  std::string slot_in_use;
  if (config.encrypted) {
    BASIN_ASSIGN_OR_RETURN(std::string password, ask_password());
    if (password.empty()) {
      return Status::PermissionDenied("this basin is encrypted: a password is needed");
    }
    for (const KeySlot& slot : config.slots) {
      auto master = UnwrapMasterKey(slot, password, config.basin_id_bytes());
      if (master.ok()) {
        keys = Keys::FromMaster(*master);
        slot_in_use = slot.IdHex();
        break;
      }
      if (!master.status().IsPermissionDenied()) return master.status();
    }
    WipeSecret(password);
    if (slot_in_use.empty()) {
      // A slot's bytes and the basin id are authenticated by the password's key alone:
      // damage there looks the same as a wrong password, so the message names both.
      return Status::PermissionDenied(
          "wrong password: no key of this basin opens with it (or, if the password is "
          "right, the config's key slots are damaged: restore object 'config' from a copy)");
    }
  }
  BASIN_RETURN_IF_ERROR(OpenConfig(bytes, sealed, keys, &config));
  BasinOptions opened = options;
  if (!options.cache_dir.empty()) {
    CacheStoreOptions cache;
    cache.root = options.cache_dir;
    for (uint8_t b : config.basin_id) cache.name += fmt::format("{:02x}", b);
    cache.prefixes = {std::string(kIndexPrefix), std::string(kMetaStrataPrefix),
                      std::string(kTailsPrefix)};
    auto store = CacheStore::Open(options.store, cache);
    if (store.ok()) opened.store = *store;  // else without a cache: the store answers
  }
  auto basin = std::make_unique<BasinImpl>(opened, std::move(config), std::move(keys),
                                           std::move(slot_in_use));
  BASIN_RETURN_IF_ERROR(basin->Load());
  return std::unique_ptr<Basin>(std::move(basin));
}

}  // namespace basin
