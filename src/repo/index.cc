#include "repo/index.h"

#include <algorithm>
#include <queue>

#include <absl/container/flat_hash_map.h>
#include <fmt/format.h>

#include "basin/coding.h"
#include "repo/basin_format.h"
#include "repo/tee_writer.h"

namespace basin::repo {
namespace {

std::string StratumEntryKey(uint32_t ordinal) {
  std::string k(kStratumEntryPrefix);
  k += static_cast<char>(ordinal >> 24);
  k += static_cast<char>(ordinal >> 16);
  k += static_cast<char>(ordinal >> 8);
  k += static_cast<char>(ordinal);
  return k;
}

std::string StratumEntryValue(const StratumRef& s) {
  std::string v(NameBytes(s.id));
  v += static_cast<char>(s.stream);
  PutVarint64(&v, s.size);
  PutVarint64(&v, s.grains);
  return v;
}

std::string GrainValue(uint32_t ordinal, const GrainEntry& e) {
  std::string v;
  PutVarint32(&v, ordinal);
  v += EncodeGrainEntryValue(e);
  return v;
}

// Writes sorted (key, value) pairs as a table at `key`, returning its size and MAC.
Result<TableRef> WriteTable(ObjectStore* store, const ObjectName& name,
                            const std::function<Status(TableBuilder*)>& fill, const Keys& keys) {
  BASIN_ASSIGN_OR_RETURN(auto writer, store->NewWriter(IndexTableKey(name)));
  Blake3 mac = keys.MacHasher();
  TeeWriter tee(writer.get(), &mac, nullptr, /*owns_close=*/true);
  BASIN_ASSIGN_OR_RETURN(auto table, TableBuilder::Open(&tee, IndexTableOptions(nullptr)));
  BASIN_RETURN_IF_ERROR(fill(table.get()));
  BASIN_RETURN_IF_ERROR(table->Finish());
  TableRef ref;
  ref.name = name;
  ref.entries = table->entries();
  ref.size = tee.bytes_appended();
  BASIN_RETURN_IF_ERROR(tee.Close());
  ref.mac = mac.Finalize();
  return ref;
}

}  // namespace

TableOptions IndexTableOptions(std::shared_ptr<BlockCache> cache) {
  TableOptions o;
  o.block_size = 4096;
  o.bloom_bits_per_key = 10;
  o.max_key_size = kIdSize;
  o.max_value_size = 64;
  o.block_cache = std::move(cache);
  return o;
}

std::string IndexTableKey(const ObjectName& name) {
  const std::string hex = NameHex(name);
  return fmt::format("{}{}/{}", kIndexPrefix, hex.substr(0, 2), hex);
}

Result<TableRef> WriteIndexTable(ObjectStore* store, const std::vector<IndexInput>& inputs,
                                 const Keys& keys) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (uint32_t i = 0; i < inputs.size(); ++i) {
    rows.emplace_back(StratumEntryKey(i), StratumEntryValue(inputs[i].stratum));
    for (const GrainEntry& e : inputs[i].grains) {
      rows.emplace_back(std::string(e.id.view()), GrainValue(i, e));
    }
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  rows.erase(std::unique(rows.begin(), rows.end(),
                         [](const auto& a, const auto& b) { return a.first == b.first; }),
             rows.end());
  return WriteTable(
      store, RandomName(),
      [&](TableBuilder* t) {
        for (const auto& [k, v] : rows) BASIN_RETURN_IF_ERROR(t->Add(k, v));
        return Status::OK();
      },
      keys);
}

// One live index table: its reader, and its stratum list (loaded on first use).
struct IndexSet::Table {
  TableRef ref;
  std::string key;
  std::unique_ptr<TableReader> reader;
  std::once_flag strata_once;
  Status strata_status;
  std::vector<StratumRef> strata;  // by ordinal

  Status LoadStrata() {
    std::call_once(strata_once, [&] {
      strata_status = reader->GetRange(
          kStratumEntryPrefix, std::string_view("\0T", 2),
          [&](std::string_view k, std::string_view v) {
            const uint32_t ordinal = (uint32_t{static_cast<uint8_t>(k[2])} << 24) |
                                     (uint32_t{static_cast<uint8_t>(k[3])} << 16) |
                                     (uint32_t{static_cast<uint8_t>(k[4])} << 8) |
                                     uint32_t{static_cast<uint8_t>(k[5])};
            StratumRef s;
            std::string_view id;
            if (k.size() != kStratumEntryKeySize || ordinal != strata.size() ||
                !GetBytes(&v, kObjectNameSize, &id) || v.empty()) {
              strata_status = Status::Corruption(key + ": malformed stratum entry");
              return false;
            }
            std::memcpy(s.id.data(), id.data(), kObjectNameSize);
            s.stream = static_cast<uint8_t>(v[0]);
            v.remove_prefix(1);
            if (!GetVarint64(&v, &s.size) || !GetVarint64(&v, &s.grains) || !v.empty()) {
              strata_status = Status::Corruption(key + ": malformed stratum entry");
              return false;
            }
            strata.push_back(s);
            return true;
          });
    });
    return strata_status;
  }

  // Decodes a grain entry's value into *loc; its stratum too when `resolve` (its
  // ordinal is checked either way).
  Status Decode(const Hash256& id, std::string_view v, GrainLocation* loc, bool resolve = true) {
    uint32_t ordinal = 0;
    if (!GetVarint32(&v, &ordinal)) return Status::Corruption(key + ": malformed grain entry");
    loc->entry.id = id;
    BASIN_RETURN_IF_ERROR(DecodeGrainEntryValue(v, key, &loc->entry));
    BASIN_RETURN_IF_ERROR(LoadStrata());
    if (ordinal >= strata.size()) {
      return Status::Corruption(fmt::format("{}: grain {} names stratum {} of {}", key, id.ToHex(),
                                            ordinal, strata.size()));
    }
    if (resolve) {
      loc->stratum = strata[ordinal].id;
      loc->stream = strata[ordinal].stream;
      loc->stratum_size = strata[ordinal].size;
    }
    return Status::OK();
  }

  // Calls fn(id, value) for every grain entry in id order.
  Status ForEachGrain(const std::function<Status(const Hash256&, std::string_view)>& fn) {
    auto it = reader->NewIterator();
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() == kStratumEntryKeySize) continue;
      if (it->key().size() != kIdSize) return Status::Corruption(key + ": malformed key");
      Hash256 id;
      std::memcpy(id.bytes.data(), it->key().data(), kIdSize);
      BASIN_RETURN_IF_ERROR(fn(id, it->value()));
    }
    return it->status();
  }
};

IndexSet::IndexSet(std::shared_ptr<ObjectStore> store, std::shared_ptr<BlockCache> cache)
    : store_(std::move(store)), cache_(std::move(cache)) {}

Result<std::shared_ptr<IndexSet::Table>> IndexSet::OpenTable(const TableRef& ref) {
  auto t = std::make_shared<Table>();
  t->ref = ref;
  t->key = IndexTableKey(ref.name);
  BASIN_ASSIGN_OR_RETURN(t->reader, TableReader::Open(store_, t->key, IndexTableOptions(cache_)));
  return t;
}

void IndexSet::Reset(const std::vector<TableRef>& tables) {
  std::vector<std::shared_ptr<Table>> next;
  {
    std::shared_lock lock(mu_);
    // By name: a commit resets the set, so a linear search per table would make commits
    // quadratic in the number of live tables.
    absl::flat_hash_map<ObjectName, std::shared_ptr<Table>> open;
    open.reserve(tables_.size());
    for (const auto& t : tables_) open.emplace(t->ref.name, t);
    for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
      if (auto found = open.find(it->name); found != open.end()) {
        next.push_back(found->second);
      } else if (auto opened = OpenTable(*it); opened.ok()) {
        next.push_back(*opened);
      } else {
        // Opening a table reader does no I/O; a failure here is a bad key, kept as a
        // table whose lookups fail.
        auto t = std::make_shared<Table>();
        t->ref = *it;
        t->key = IndexTableKey(it->name);
        next.push_back(t);
      }
    }
  }
  std::unique_lock lock(mu_);
  tables_ = std::move(next);
}

size_t IndexSet::size() const {
  std::shared_lock lock(mu_);
  return tables_.size();
}

Result<bool> IndexSet::Search(const Hash256& id, const std::function<bool(const ObjectName&)>& skip,
                              bool resolve, GrainLocation* loc) {
  std::shared_lock lock(mu_);
  std::string value;
  for (const auto& t : tables_) {
    if (!t->reader) return Status::IOError(t->key + ": the index table could not be opened");
    // Absent from this table is *found false; a NotFound status is the table object's
    // (merged away by another process, or lost), for the caller to refresh and retry.
    bool found = false;
    Status s = t->reader->Lookup(id.view(), &value, &found);
    if (!s.ok()) return s.WithContext("index table " + t->key);
    if (!found) continue;
    BASIN_RETURN_IF_ERROR(t->Decode(id, value, loc, resolve || skip));
    if (skip && skip(loc->stratum)) continue;
    return true;
  }
  return false;
}

Result<std::optional<GrainLocation>> IndexSet::Find(
    const Hash256& id, const std::function<bool(const ObjectName&)>& skip) {
  GrainLocation loc;
  BASIN_ASSIGN_OR_RETURN(bool found, Search(id, skip, /*resolve=*/true, &loc));
  if (!found) return std::optional<GrainLocation>();
  return std::optional<GrainLocation>(loc);
}

Result<bool> IndexSet::Contains(const Hash256& id,
                                const std::function<bool(const ObjectName&)>& skip) {
  GrainLocation loc;
  return Search(id, skip, /*resolve=*/false, &loc);
}

Status IndexSet::ForEach(const std::function<Status(const GrainLocation&)>& fn) {
  std::vector<std::shared_ptr<Table>> tables;
  {
    std::shared_lock lock(mu_);
    tables = tables_;
  }
  for (const auto& t : tables) {
    if (!t->reader) return Status::IOError(t->key + ": the index table could not be opened");
    BASIN_RETURN_IF_ERROR(t->ForEachGrain([&](const Hash256& id, std::string_view v) {
      GrainLocation loc;
      BASIN_RETURN_IF_ERROR(t->Decode(id, v, &loc));
      return fn(loc);
    }));
  }
  return Status::OK();
}

Status IndexSet::ForEachStratum(const std::function<Status(const StratumRef&)>& fn) {
  std::vector<std::shared_ptr<Table>> tables;
  {
    std::shared_lock lock(mu_);
    tables = tables_;
  }
  for (const auto& t : tables) {
    if (!t->reader) return Status::IOError(t->key + ": the index table could not be opened");
    BASIN_RETURN_IF_ERROR(t->LoadStrata());
    for (const StratumRef& s : t->strata) BASIN_RETURN_IF_ERROR(fn(s));
  }
  return Status::OK();
}

Status IndexSet::ForEachTableObject(
    const std::function<Status(const TableRef&, TableReader*)>& fn) {
  std::vector<std::shared_ptr<Table>> tables;
  {
    std::shared_lock lock(mu_);
    tables = tables_;
  }
  for (const auto& t : tables) {
    if (!t->reader) return Status::IOError(t->key + ": the index table could not be opened");
    BASIN_RETURN_IF_ERROR(fn(t->ref, t->reader.get()));
  }
  return Status::OK();
}

Result<TableRef> MergeIndexTables(ObjectStore* store, std::shared_ptr<BlockCache> cache,
                                  const std::vector<TableRef>& inputs, const Keys& keys,
                                  const std::set<ObjectName>* drop) {
  constexpr uint32_t kDropped = UINT32_MAX;
  // A streaming k-way merge: memory is the joint stratum list and one block per input.
  std::shared_ptr<ObjectStore> shared(store, [](ObjectStore*) {});
  IndexSet set(shared, cache);
  std::vector<std::shared_ptr<IndexSet::Table>> tables;  // oldest first
  absl::flat_hash_map<ObjectName, uint32_t> ordinals;    // stratum id -> output ordinal
  std::vector<StratumRef> strata;                        // output ordinal -> stratum
  std::vector<std::vector<uint32_t>> remap;              // per input: its ordinal -> output's
  for (const TableRef& ref : inputs) {
    BASIN_ASSIGN_OR_RETURN(auto t, set.OpenTable(ref));
    BASIN_RETURN_IF_ERROR(t->LoadStrata());
    std::vector<uint32_t> m;
    for (const StratumRef& s : t->strata) {
      if (drop != nullptr && drop->contains(s.id)) {
        m.push_back(kDropped);
        continue;
      }
      auto [it, added] = ordinals.try_emplace(s.id, static_cast<uint32_t>(strata.size()));
      if (added) strata.push_back(s);
      m.push_back(it->second);
    }
    remap.push_back(std::move(m));
    tables.push_back(std::move(t));
  }
  // Moves past stratum entries and grain entries of dropped strata.
  struct Cursor {
    std::unique_ptr<TableIterator> it;
    size_t input;
    const std::vector<uint32_t>* remap;
    void SkipStrata() {
      while (it->Valid()) {
        if (it->key().size() != kStratumEntryKeySize) {
          std::string_view v = it->value();
          uint32_t ordinal = 0;
          // A malformed entry stops here, for the merge to report.
          if (!GetVarint32(&v, &ordinal) || ordinal >= remap->size() ||
              (*remap)[ordinal] != kDropped) {
            return;
          }
        }
        it->Next();
      }
    }
  };
  std::vector<Cursor> cursors;
  for (size_t i = 0; i < tables.size(); ++i) {
    Cursor c{tables[i]->reader->NewIterator(), i, &remap[i]};
    c.it->SeekToFirst();
    c.SkipStrata();
    cursors.push_back(std::move(c));
  }
  return WriteTable(
      store, RandomName(),
      [&](TableBuilder* out) -> Status {
        uint32_t next_stratum = 0;
        auto emit_strata_before = [&](std::string_view key) -> Status {
          while (next_stratum < strata.size()) {
            const std::string sk = StratumEntryKey(next_stratum);
            if (!key.empty() && sk >= key) break;
            BASIN_RETURN_IF_ERROR(out->Add(sk, StratumEntryValue(strata[next_stratum])));
            ++next_stratum;
          }
          return Status::OK();
        };
        std::string value;
        while (true) {
          // The smallest key; among equal keys, the newest input's.
          Cursor* best = nullptr;
          for (Cursor& c : cursors) {
            if (!c.it->Valid()) continue;
            if (best == nullptr || c.it->key() < best->it->key() ||
                (c.it->key() == best->it->key() && c.input > best->input)) {
              best = &c;
            }
          }
          if (best == nullptr) break;
          const std::string key(best->it->key());
          if (key.size() != kIdSize) {
            return Status::Corruption(tables[best->input]->key + ": malformed key");
          }
          std::string_view v = best->it->value();
          uint32_t ordinal = 0;
          if (!GetVarint32(&v, &ordinal) || ordinal >= remap[best->input].size()) {
            return Status::Corruption(tables[best->input]->key + ": malformed grain entry");
          }
          value.clear();
          PutVarint32(&value, remap[best->input][ordinal]);
          value.append(v);
          BASIN_RETURN_IF_ERROR(emit_strata_before(key));
          BASIN_RETURN_IF_ERROR(out->Add(key, value));
          for (Cursor& c : cursors) {
            while (c.it->Valid() && c.it->key() == key) {
              c.it->Next();
              c.SkipStrata();
            }
          }
        }
        for (Cursor& c : cursors) BASIN_RETURN_IF_ERROR(c.it->status());
        return emit_strata_before({});
      },
      keys);
}

}  // namespace basin::repo
