#include "repo/journal.h"

#include <algorithm>

#include <fmt/format.h>

#include "basin/coding.h"
#include "repo/fields.h"

namespace basin::repo {
namespace {

enum RecordTag : uint32_t {
  kTime = 2,
  kHost = 3,
  kProgram = 5,
  kStratumAdded = 6,
  kTableAdded = 8,
  kSnapshotAdded = 10,
  kSnapshotRemoved = 12,
  kTablesMerged = 14,
  kPruneIntent = 16,
  kStrataDeleted = 18,
};

enum CheckpointTag : uint32_t {
  kCovered = 2,
  kFolded = 4,
  kLiveTable = 6,
  kLiveSnapshot = 8,
  kTotals = 10,
  kPendingIntent = 12,
  kCondemned = 14,
  kDeleted = 16,
};

constexpr size_t kMaxSummary = 64 << 10;

void PutName(std::string* out, const ObjectName& n) { out->append(NameBytes(n)); }

bool GetName(std::string_view* in, ObjectName* n) {
  std::string_view b;
  if (!GetBytes(in, kObjectNameSize, &b)) return false;
  std::memcpy(n->data(), b.data(), kObjectNameSize);
  return true;
}

// A run of 16-byte names filling all of `in`.
bool GetNames(std::string_view in, std::vector<ObjectName>* out) {
  if (in.size() % kObjectNameSize != 0) return false;
  while (!in.empty()) {
    ObjectName n{};
    GetName(&in, &n);
    out->push_back(n);
  }
  return true;
}

bool GetHash(std::string_view* in, Hash256* h) {
  std::string_view b;
  if (!GetBytes(in, Hash256::kSize, &b)) return false;
  std::memcpy(h->bytes.data(), b.data(), Hash256::kSize);
  return true;
}

std::string EncodeTable(const TableRef& t) {
  std::string v;
  PutName(&v, t.name);
  PutVarint64(&v, t.size);
  PutVarint64(&v, t.entries);
  v += t.mac.view();
  return v;
}

bool DecodeTable(std::string_view* in, TableRef* t) {
  return GetName(in, &t->name) && GetVarint64(in, &t->size) && GetVarint64(in, &t->entries) &&
         GetHash(in, &t->mac);
}

std::string EncodeStratum(const StratumRef& s) {
  std::string v;
  PutName(&v, s.id);
  v += static_cast<char>(s.stream);
  PutVarint64(&v, s.size);
  PutVarint64(&v, s.grains);
  v += s.digest.view();
  return v;
}

bool DecodeStratum(std::string_view in, StratumRef* s) {
  if (!GetName(&in, &s->id) || in.empty()) return false;
  s->stream = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  return (s->stream == kStreamData || s->stream == kStreamMeta) && GetVarint64(&in, &s->size) &&
         GetVarint64(&in, &s->grains) && GetHash(&in, &s->digest) && in.empty();
}

// header := magic | version | seq, then the sealed body.
std::string Sealed(std::string_view magic, std::string_view ad_prefix, uint64_t seq,
                   std::string_view fields, const Keys& keys, std::string_view basin_id) {
  std::string out(magic);
  PutFixed32(&out, kFormatVersion);
  PutFixed64(&out, seq);
  std::string ad(ad_prefix);
  ad += basin_id;
  PutFixed64(&ad, seq);
  keys.SealRecord(fields, ad, &out);
  return out;
}

Status Unseal(std::string_view bytes, std::string_view magic, std::string_view ad_prefix,
              const std::string& what, const Keys& keys, std::string_view basin_id, uint64_t* seq,
              std::string* fields) {
  if (bytes.size() > kMaxRecordSize) return Status::Corruption(what + ": impossibly large");
  std::string_view in = bytes, m;
  uint32_t version = 0;
  if (!GetBytes(&in, magic.size(), &m) || m != magic || !GetFixed32(&in, &version) ||
      !GetFixed64(&in, seq)) {
    return Status::Corruption(what + ": not a basin record (wrong magic, or cut short)");
  }
  if (version != kFormatVersion) {
    return Status::NotSupported(fmt::format("{}: format version {}; this basin reads version {}",
                                            what, version, kFormatVersion));
  }
  std::string ad(ad_prefix);
  ad += basin_id;
  PutFixed64(&ad, *seq);
  return keys.OpenRecord(in, ad, what, fields);
}

}  // namespace

std::string NameHex(const ObjectName& name) {
  std::string out;
  out.reserve(2 * name.size());
  for (uint8_t b : name) out += fmt::format("{:02x}", b);
  return out;
}

bool ParseNameHex(std::string_view hex, ObjectName* name) {
  if (hex.size() != 2 * kObjectNameSize) return false;
  for (size_t i = 0; i < kObjectNameSize; ++i) {
    uint8_t b = 0;
    for (char c : hex.substr(2 * i, 2)) {
      const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (v < 0) return false;
      b = static_cast<uint8_t>(b * 16 + v);
    }
    (*name)[i] = b;
  }
  return true;
}

ObjectName RandomName() {
  ObjectName n;
  RandomBytes(n);
  return n;
}

std::string_view NameBytes(const ObjectName& name) {
  return {reinterpret_cast<const char*>(name.data()), name.size()};
}

std::string JournalKey(uint64_t seq) { return fmt::format("{}{:016x}", kJournalPrefix, seq); }

bool ParseJournalKey(std::string_view key, uint64_t* seq) {
  if (!key.starts_with(kJournalPrefix) || key.size() != kJournalPrefix.size() + 16) return false;
  *seq = 0;
  for (char c : key.substr(kJournalPrefix.size())) {
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return false;
    *seq = *seq * 16 + static_cast<uint64_t>(v);
  }
  return true;
}

std::string EncodeRecord(const JournalRecord& r, const Keys& keys, std::string_view basin_id) {
  FieldWriter w;
  w.Varint(kTime, static_cast<uint64_t>(r.time_ns));
  if (!r.host.empty()) w.Bytes(kHost, r.host);
  if (!r.program.empty()) w.Bytes(kProgram, r.program);
  for (const auto& s : r.strata) w.Bytes(kStratumAdded, EncodeStratum(s));
  for (const auto& t : r.tables) w.Bytes(kTableAdded, EncodeTable(t));
  for (const auto& s : r.snapshots_added)
    w.Bytes(kSnapshotAdded, std::string(s.id.view()) + s.summary);
  for (const auto& id : r.snapshots_removed) w.Bytes(kSnapshotRemoved, id.view());
  for (const auto& m : r.merges) {
    std::string v;
    PutLengthPrefixed(&v, EncodeTable(m.output));
    for (const auto& in : m.inputs) PutName(&v, in);
    w.Bytes(kTablesMerged, v);
  }
  if (r.intent) {
    std::string v;
    for (const auto& n : *r.intent) PutName(&v, n);
    w.Bytes(kPruneIntent, v);
  }
  if (r.deletion) {
    std::string v;
    PutVarint64(&v, r.deletion->intent_seq);
    for (const auto& n : r.deletion->strata) PutName(&v, n);
    w.Bytes(kStrataDeleted, v);
  }
  return Sealed(kJournalMagic, kJournalAd, r.seq, w.data(), keys, basin_id);
}

Result<JournalRecord> DecodeRecord(std::string_view bytes, uint64_t expected_seq, const Keys& keys,
                                   std::string_view basin_id) {
  const std::string what =
      fmt::format("journal record {} ({})", expected_seq, JournalKey(expected_seq));
  uint64_t seq = 0;
  std::string fields;
  BASIN_RETURN_IF_ERROR(
      Unseal(bytes, kJournalMagic, kJournalAd, what, keys, basin_id, &seq, &fields));
  if (seq != expected_seq) {
    return Status::Corruption(fmt::format("{} says it is record {}", what, seq));
  }
  return DecodeRecordFields(fields, seq, what);
}

Result<JournalRecord> DecodeRecordFields(std::string_view fields, uint64_t seq,
                                         const std::string& what) {
  JournalRecord r;
  r.seq = seq;
  FieldReader reader(fields, what);
  uint32_t tag;
  std::string_view v;
  auto bad = [&](std::string_view field) {
    return Status::Corruption(fmt::format("{}: malformed {}", what, field));
  };
  while (true) {
    BASIN_ASSIGN_OR_RETURN(bool more, reader.Next(&tag, &v));
    if (!more) break;
    switch (tag) {
      case kTime: {
        BASIN_ASSIGN_OR_RETURN(uint64_t t, FieldVarint(v, what + ": time"));
        r.time_ns = static_cast<int64_t>(t);
        break;
      }
      case kHost:
        r.host.assign(v.substr(0, 255));
        break;
      case kProgram:
        r.program.assign(v.substr(0, 255));
        break;
      case kStratumAdded: {
        StratumRef s;
        if (!DecodeStratum(v, &s)) return bad("stratum");
        r.strata.push_back(s);
        break;
      }
      case kTableAdded: {
        TableRef t;
        if (!DecodeTable(&v, &t) || !v.empty()) return bad("index table");
        r.tables.push_back(t);
        break;
      }
      case kSnapshotAdded: {
        SnapshotEntry s;
        if (!GetHash(&v, &s.id) || v.size() > kMaxSummary) return bad("snapshot");
        s.summary.assign(v);
        s.seq = r.seq;
        r.snapshots_added.push_back(std::move(s));
        break;
      }
      case kSnapshotRemoved: {
        Hash256 id;
        if (!GetHash(&v, &id) || !v.empty()) return bad("snapshot removal");
        r.snapshots_removed.push_back(id);
        break;
      }
      case kTablesMerged: {
        MergeRef m;
        std::string_view out;
        if (!GetLengthPrefixed(&v, &out) || !DecodeTable(&out, &m.output) || !out.empty() ||
            v.empty() || v.size() % kObjectNameSize != 0) {
          return bad("merge");
        }
        while (!v.empty()) {
          ObjectName n{};
          GetName(&v, &n);
          m.inputs.push_back(n);
        }
        r.merges.push_back(std::move(m));
        break;
      }
      case kPruneIntent: {
        std::vector<ObjectName> names;
        if (r.intent || !GetNames(v, &names)) return bad("prune intent");
        r.intent = std::move(names);
        break;
      }
      case kStrataDeleted: {
        DeletionRef d;
        if (r.deletion || !GetVarint64(&v, &d.intent_seq) || d.intent_seq == 0 ||
            d.intent_seq >= seq || !GetNames(v, &d.strata)) {
          return bad("strata deleted");
        }
        r.deletion = std::move(d);
        break;
      }
      default:
        BASIN_RETURN_IF_ERROR(reader.Unknown(tag));
    }
  }
  return r;
}

std::string EncodeCheckpoint(const Checkpoint& c, const Keys& keys, std::string_view basin_id) {
  FieldWriter w;
  w.Varint(kCovered, c.seq);
  w.Varint(kFolded, c.folded_through);
  for (const auto& t : c.tables) w.Bytes(kLiveTable, EncodeTable(t));
  for (const auto& s : c.snapshots) {
    std::string v(s.id.view());
    PutVarint64(&v, s.seq);
    v += s.summary;
    w.Bytes(kLiveSnapshot, v);
  }
  std::string totals;
  PutVarint64(&totals, c.strata);
  PutVarint64(&totals, c.strata_bytes);
  PutVarint64(&totals, c.grains);
  w.Bytes(kTotals, totals);
  if (c.pending_intent != 0) w.Varint(kPendingIntent, c.pending_intent);
  for (const auto& n : c.condemned) w.Bytes(kCondemned, NameBytes(n));
  for (const auto& n : c.deleted) w.Bytes(kDeleted, NameBytes(n));
  return Sealed(kCheckpointMagic, kCheckpointAd, c.seq, w.data(), keys, basin_id);
}

Result<Checkpoint> DecodeCheckpoint(std::string_view bytes, const Keys& keys,
                                    std::string_view basin_id) {
  const std::string what = "checkpoint (object 'checkpoint')";
  uint64_t seq = 0;
  std::string fields;
  BASIN_RETURN_IF_ERROR(
      Unseal(bytes, kCheckpointMagic, kCheckpointAd, what, keys, basin_id, &seq, &fields));
  return DecodeCheckpointFields(fields, seq);
}

Result<Checkpoint> DecodeCheckpointFields(std::string_view fields, uint64_t seq) {
  const std::string what = "checkpoint (object 'checkpoint')";
  Checkpoint c;
  FieldReader reader(fields, what);
  uint32_t tag;
  std::string_view v;
  bool covered = false;
  while (true) {
    BASIN_ASSIGN_OR_RETURN(bool more, reader.Next(&tag, &v));
    if (!more) break;
    switch (tag) {
      case kCovered: {
        BASIN_ASSIGN_OR_RETURN(c.seq, FieldVarint(v, "checkpoint: covered"));
        covered = true;
        break;
      }
      case kFolded: {
        BASIN_ASSIGN_OR_RETURN(c.folded_through, FieldVarint(v, "checkpoint: folded through"));
        break;
      }
      case kLiveTable: {
        TableRef t;
        if (!DecodeTable(&v, &t) || !v.empty()) {
          return Status::Corruption("checkpoint: malformed index table");
        }
        c.tables.push_back(t);
        break;
      }
      case kLiveSnapshot: {
        SnapshotEntry s;
        if (!GetHash(&v, &s.id) || !GetVarint64(&v, &s.seq) || v.size() > kMaxSummary) {
          return Status::Corruption("checkpoint: malformed snapshot");
        }
        s.summary.assign(v);
        c.snapshots.push_back(std::move(s));
        break;
      }
      case kTotals:
        if (!GetVarint64(&v, &c.strata) || !GetVarint64(&v, &c.strata_bytes) ||
            !GetVarint64(&v, &c.grains) || !v.empty()) {
          return Status::Corruption("checkpoint: malformed totals");
        }
        break;
      case kPendingIntent: {
        BASIN_ASSIGN_OR_RETURN(c.pending_intent, FieldVarint(v, "checkpoint: pending intent"));
        break;
      }
      case kCondemned:
      case kDeleted: {
        auto& out = tag == kCondemned ? c.condemned : c.deleted;
        if (v.size() != kObjectNameSize || !GetNames(v, &out)) {
          return Status::Corruption("checkpoint: malformed stratum id");
        }
        break;
      }
      default:
        BASIN_RETURN_IF_ERROR(reader.Unknown(tag));
    }
  }
  if (c.pending_intent > c.seq || (c.pending_intent == 0 && !c.condemned.empty())) {
    return Status::Corruption("checkpoint: inconsistent prune intent");
  }
  if (!covered || c.seq != seq || c.folded_through > c.seq) {
    return Status::Corruption("checkpoint: inconsistent sequence numbers");
  }
  return c;
}

BasinState BasinState::FromCheckpoint(const Checkpoint& c) {
  BasinState s;
  s.seq = c.seq;
  s.folded_through = c.folded_through;
  s.tables = c.tables;
  s.snapshots = c.snapshots;
  s.strata = c.strata;
  s.strata_bytes = c.strata_bytes;
  s.grains = c.grains;
  s.pending_intent = c.pending_intent;
  s.condemned.insert(c.condemned.begin(), c.condemned.end());
  s.deleted.insert(c.deleted.begin(), c.deleted.end());
  return s;
}

Checkpoint BasinState::ToCheckpoint() const {
  Checkpoint c;
  c.seq = seq;
  c.folded_through = folded_through;
  c.tables = tables;
  c.snapshots = snapshots;
  c.strata = strata;
  c.strata_bytes = strata_bytes;
  c.grains = grains;
  c.pending_intent = pending_intent;
  c.condemned.assign(condemned.begin(), condemned.end());
  c.deleted.assign(deleted.begin(), deleted.end());
  return c;
}

bool BasinState::MergeApplies(const MergeRef& merge) const {
  for (const auto& in : merge.inputs) {
    if (std::none_of(tables.begin(), tables.end(),
                     [&](const TableRef& t) { return t.name == in; })) {
      return false;
    }
  }
  return !merge.inputs.empty();
}

void BasinState::Apply(const JournalRecord& r) {
  seq = r.seq;
  for (const auto& s : r.strata) {
    if (deleted.contains(s.id)) continue;  // a late commit of a collected upload
    ++strata;
    strata_bytes += s.size;
    grains += s.grains;
  }
  for (const auto& t : r.tables) tables.push_back(t);
  for (const auto& m : r.merges) {
    if (!MergeApplies(m)) continue;  // void: another merge took its inputs
    // The output takes the place of the newest input, so that table order (newest wins)
    // is kept for the tables around it.
    size_t at = 0;
    for (size_t i = 0; i < tables.size(); ++i) {
      if (std::find(m.inputs.begin(), m.inputs.end(), tables[i].name) != m.inputs.end()) at = i;
    }
    tables[at] = m.output;
    std::erase_if(tables, [&](const TableRef& t) {
      return std::find(m.inputs.begin(), m.inputs.end(), t.name) != m.inputs.end();
    });
  }
  for (const auto& s : r.snapshots_added) {
    SnapshotEntry e = s;
    e.seq = r.seq;
    snapshots.push_back(std::move(e));
  }
  for (const auto& id : r.snapshots_removed) {
    std::erase_if(snapshots, [&](const SnapshotEntry& s) { return s.id == id; });
  }
  if (r.intent) {
    pending_intent = r.seq;
    condemned = std::set<ObjectName>(r.intent->begin(), r.intent->end());
  }
  if (r.deletion && r.deletion->intent_seq == pending_intent) {
    deleted.insert(r.deletion->strata.begin(), r.deletion->strata.end());
    pending_intent = 0;
    condemned.clear();
  }
}

}  // namespace basin::repo
