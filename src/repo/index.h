// The global index (docs/format/repository.md, "Index tables"): sorted tables mapping
// grain ids to where the grains are, one added per commit, merged when they pile up.
//
//   grain entry   id: 32                      -> stratum: varint | offset: varint |
//                                                length: varint | type: u8 | raw: varint
//   stratum entry 0x00 'S' | ordinal: u32 BE  -> stratum id: 16 | stream: u8 | size: varint |
//                                                grains: varint
#ifndef BASIN_REPO_INDEX_H_
#define BASIN_REPO_INDEX_H_

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "basin/block_cache.h"
#include "basin/object_store.h"
#include "basin/table.h"
#include "repo/journal.h"
#include "repo/keys.h"
#include "repo/stratum.h"

namespace basin::repo {

// Where a committed grain is.
struct GrainLocation {
  ObjectName stratum{};
  uint8_t stream = 0;
  GrainEntry entry;           // offset, length, type, raw length in that stratum
  uint64_t stratum_size = 0;  // the stratum's bytes, as its index table says (0: unknown)
};

// A stratum and the grains of it an index table lists.
struct IndexInput {
  StratumRef stratum;
  std::vector<GrainEntry> grains;
};

std::string IndexTableKey(const ObjectName& name);

// Writes a new index table of `inputs` (a grain listed twice keeps its first place) to
// the store, durably, and returns its reference (with the MAC of its bytes).
Result<TableRef> WriteIndexTable(ObjectStore* store, const std::vector<IndexInput>& inputs,
                                 const Keys& keys);

// The live index tables of a basin, for lookups. Thread-safe: many lookups at once, and
// Reset while they run.
class IndexSet {
 public:
  IndexSet(std::shared_ptr<ObjectStore> store, std::shared_ptr<BlockCache> cache);

  // Makes the set hold exactly `tables` (oldest first), keeping readers of tables it
  // already had open.
  void Reset(const std::vector<TableRef>& tables);
  // Where `id` is (the newest table that lists it wins), or nothing. Entries whose stratum
  // `skip` (when given) says true of are passed over, for an older table's entry.
  // Nothing means no live table lists `id`; a table that cannot be read is an error,
  // never "absent": NotFound (naming the table) when its object is gone, which the basin
  // answers by refreshing the set from the journal and searching once more.
  Result<std::optional<GrainLocation>> Find(
      const Hash256& id, const std::function<bool(const ObjectName&)>& skip = {});
  // Whether Find would find `id`, with the same checks of the entry it finds, but without
  // resolving its stratum unless `skip` needs it (one memory access less per lookup).
  Result<bool> Contains(const Hash256& id, const std::function<bool(const ObjectName&)>& skip = {});
  size_t size() const;

  // Calls fn for every grain of every live table (a grain in several tables once per
  // table), table by table, for checks and stats.
  Status ForEach(const std::function<Status(const GrainLocation&)>& fn);
  // Calls fn for every stratum entry of every live table (a stratum once per table).
  Status ForEachStratum(const std::function<Status(const StratumRef&)>& fn);
  // Reads each live table whole: fn(ref, bytes) (for checks of its MAC).
  Status ForEachTableObject(const std::function<Status(const TableRef&, TableReader*)>& fn);

 private:
  friend Result<TableRef> MergeIndexTables(ObjectStore*, std::shared_ptr<BlockCache>,
                                           const std::vector<TableRef>&, const Keys&,
                                           const std::set<ObjectName>*);
  struct Table;
  Result<std::shared_ptr<Table>> OpenTable(const TableRef& ref);
  // Find's search; the stratum is resolved into *loc when `resolve` or `skip` is given.
  Result<bool> Search(const Hash256& id, const std::function<bool(const ObjectName&)>& skip,
                      bool resolve, GrainLocation* loc);

  std::shared_ptr<ObjectStore> store_;
  std::shared_ptr<BlockCache> cache_;
  mutable std::shared_mutex mu_;
  std::vector<std::shared_ptr<Table>> tables_;  // newest first
};

// Merges `inputs` (live tables, oldest first) into one new table written to the store,
// leaving out the strata in `drop` (when given) and every entry of theirs.
Result<TableRef> MergeIndexTables(ObjectStore* store, std::shared_ptr<BlockCache> cache,
                                  const std::vector<TableRef>& inputs, const Keys& keys,
                                  const std::set<ObjectName>* drop = nullptr);

// The table options of index tables (also what readers open them with).
TableOptions IndexTableOptions(std::shared_ptr<BlockCache> cache);

}  // namespace basin::repo

#endif  // BASIN_REPO_INDEX_H_
