// The content store (docs/format/repository.md, seed 003): a basin of strata holding
// grains keyed by their BLAKE3 content hash, on any ObjectStore (a local directory, memory,
// S3), with data optionally on a second, cold store.
//
//   BasinOptions o;  o.store = OpenStore("s3://bucket/backups").value();
//   auto basin = Basin::Init(o, InitOptions{.password = "..."});      // or Basin::Open
//   auto w = (*basin)->NewWriter();
//   GrainId id = (*w)->Put(GrainType::kBlob, "hello").value();
//   (*w)->Commit();                                  // atomic: all of it, or none
//   std::string data;  (*basin)->Get(id, &data);
//
// Thread safety: a Basin and a BasinWriter may be used from many threads at once. Several
// processes may open and write one basin at the same time; their commits both land.
#ifndef BASIN_BASIN_H_
#define BASIN_BASIN_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "basin/blake3.h"
#include "basin/block_cache.h"
#include "basin/compression.h"
#include "basin/crypto.h"
#include "basin/executor.h"
#include "basin/object_store.h"
#include "basin/status.h"

namespace basin {

// A grain's id: BLAKE3 of its contents, keyed per basin when the basin is encrypted.
using GrainId = Hash256;

// What a grain holds (docs/format/repository.md, "Grains"). Frozen values.
enum class GrainType : uint8_t {
  kChunk = 1,      // bytes of a file or blob (data stream)
  kClastList = 2,  // the chunks of a large blob, in order
  kTree = 3,       // a directory
  kSnapshot = 4,   // a snapshot
  kBlob = 5,       // a small blob stored whole
};
std::string_view GrainTypeName(GrainType type);  // "chunk", "clast list", ...
// Whether grains of `type` go to data strata (else metadata strata).
bool IsDataGrain(GrainType type);

// Content-defined chunking parameters, bytes. min <= avg <= max, avg a power of two,
// 64 KiB <= avg <= 16 MiB, max <= 64 MiB. Defaults chosen by measurement on versioned
// data (docs/BENCHMARKS.md, "Chunk size").
struct ChunkerParams {
  uint32_t min_size = 256 << 10;
  uint32_t avg_size = 512 << 10;
  uint32_t max_size = 2 << 20;
};

// A basin's settings, fixed at `basin init` and stored in its config.
struct BasinSettings {
  ChunkerParams chunker;
  CompressionType compression = CompressionType::kZstd;  // of every grain; none or zstd
  int compression_level = 3;
  // A data stratum is sealed at this size; metadata strata at theirs. Chosen by
  // measurement (docs/BENCHMARKS.md, "Stratum size"): requests per GB on S3 against what
  // an interrupted put re-sends and what prune rewrites.
  uint64_t data_stratum_size = uint64_t{64} << 20;
  uint64_t meta_stratum_size = uint64_t{8} << 20;
  uint32_t checkpoint_interval = 16;  // a checkpoint every this many commits
  std::string cold_url;               // where data strata live, when not with the rest
};

// A snapshot as the journal lists it: the snapshot grain's id and a summary, opaque to
// this layer (the snapshot layer defines it: docs/format/snapshots.md), enough to list
// snapshots without reading any grain.
struct SnapshotEntry {
  GrainId id;
  std::string summary;  // at most 64 KiB
  uint64_t seq = 0;     // the journal record that added it
};

struct BasinOptions {
  std::shared_ptr<ObjectStore> store;       // required: config, journal, index, metadata
  std::shared_ptr<ObjectStore> cold_store;  // data strata, when the basin keeps them apart
  // Cache of index-table blocks (null: a 64 MiB cache of the basin's own).
  std::shared_ptr<BlockCache> block_cache;
  Executor* executor = nullptr;  // null: DefaultExecutor()
  std::string host;              // names this machine in labels and records (default: hostname)
  // Opens the cold store its config names, when cold_store is null (the CLI passes
  // OpenStore). Null: a basin with a cold store opens without it, and reading or writing
  // data fails saying so.
  std::function<Result<std::shared_ptr<ObjectStore>>(std::string_view url)> open_store;
  // How often a writer re-puts the pending markers of its uncommitted strata, so that
  // their last-modified time on the store stays fresh while it runs (a heartbeat,
  // docs/format/maintenance.md W1). Prune's abandoned_after (24 hours by default) must be
  // well above it: a quarter by default.
  std::chrono::seconds marker_refresh{6 * 3600};
  // Called with what a writer passed over and why (a stratum it did not adopt because its
  // grains fail their checksums). Null: printed to standard error. May be called from
  // any thread.
  std::function<void(std::string_view message)> warning;
  // After each commit, a writer merges index tables that pile up, size-tiered: eight
  // tables of about one size become one (docs/format/repository.md, "Index tables").
  // False leaves them to `basin index compact` and prune.
  bool auto_compact_index = true;
  // Bytes of strata kept in memory for reads from a store reached over a network (windows
  // of 1 MiB: reading many grains of one stratum costs a few large requests, not one per
  // grain). 0 reads each grain alone, as local stores always do.
  size_t read_cache_bytes = size_t{32} << 20;
  // A directory for a local cache of the objects that never change (index tables,
  // metadata strata, tail copies: docs/format/repository.md, "Local cache"), kept in
  // cache_dir/<basin id>/ and shared safely by any number of processes. Empty: no cache.
  // The CLI sets it for stores reached over a network. A cache that cannot be made or
  // written is not an error: the store is read instead.
  std::string cache_dir;
};

struct InitOptions {
  bool encrypted = true;
  std::string password;                      // REQUIRED when encrypted
  KdfParams kdf = {20, uint64_t{64} << 20};  // see KdfParams
  BasinSettings settings;
};

// What `basin key list` shows of a key slot.
struct KeySlotInfo {
  std::string id;     // 16 hex digits
  std::string label;  // host and time of creation
  KdfParams kdf;
  bool current = false;  // the slot this basin was opened with
};

// A summary of one commit (journal record).
struct CommitInfo {
  uint64_t seq = 0;
  std::chrono::system_clock::time_point time;
  std::string host;
  uint64_t strata_added = 0, grains_added = 0, bytes_added = 0;
  uint64_t snapshots_added = 0, snapshots_removed = 0;
};

class BasinWriter;

class Basin {
 public:
  // Creates a basin in an empty store (AlreadyExists when it holds a config) and opens it.
  static Result<std::unique_ptr<Basin>> Init(const BasinOptions& options, const InitOptions& init);
  // Opens a basin: 3 requests plus one per commit since the last checkpoint (format doc,
  // "Opening"). PermissionDenied for a wrong password; Corruption for a damaged config;
  // NotFound when the store holds no basin.
  static Result<std::unique_ptr<Basin>> Open(const BasinOptions& options,
                                             std::string_view password);
  // The same, asking `password` for the password only when the basin is encrypted.
  static Result<std::unique_ptr<Basin>> Open(const BasinOptions& options,
                                             const std::function<Result<std::string>()>& password);
  virtual ~Basin() = default;

  virtual std::string id_hex() const = 0;  // 32 hex digits
  virtual bool encrypted() const = 0;
  virtual const BasinSettings& settings() const = 0;

  // The id a grain holding `plaintext` has in this basin.
  virtual GrainId IdOf(std::string_view plaintext) const = 0;
  // The gear table of this basin's chunker (keyed when encrypted): see chunker.h.
  virtual const std::array<uint64_t, 256>& GearTable() const = 0;

  // Committed grains. Has: whether the index holds `id`. Get: the grain's bytes (and type),
  // checked (XXH32, AEAD, id); NotFound when absent, Corruption when damaged.
  virtual Result<bool> Has(const GrainId& id) = 0;
  virtual Status Get(const GrainId& id, std::string* data, GrainType* type = nullptr) = 0;
  // A blob written by BasinWriter::PutBlob (a clast list, or a single grain), to `sink` in
  // order, piece by piece.
  virtual Status ReadBlob(const GrainId& id,
                          const std::function<Status(std::string_view)>& sink) = 0;

  // The pieces (id, size) a clast list grain lists, nested lists flattened, in order.
  virtual Result<std::vector<std::pair<GrainId, uint64_t>>> ReadClastList(const GrainId& id) = 0;

  // The state as of the last journal record read.
  virtual uint64_t sequence() const = 0;
  virtual std::vector<SnapshotEntry> Snapshots() const = 0;
  virtual std::vector<CommitInfo> Commits() const = 0;  // since the checkpoint read at open
  // Reads journal records written since (by this or another process).
  virtual Status Refresh() = 0;
  // Whether the journal goes on past a missing record, which opening cannot see (it reads
  // records in order and makes no LIST): one LIST of at most one key after the next
  // record's. OK when no later record exists (or the next one was written meanwhile: it is
  // read); Corruption naming the missing record when one does (a lost record: what it and
  // the records after it hold is not part of this basin's view; `check` reports it, and no
  // commit is made until it is put back). Thread-safe. docs/format/repository.md, "Commit
  // protocol", step 3.
  virtual Status CheckJournalEnd() = 0;

  // A writer; several may be open at once, in this process and others.
  virtual Result<std::unique_ptr<BasinWriter>> NewWriter() = 0;

  // Key slots (docs/format/repository.md, "config").
  virtual Result<std::vector<KeySlotInfo>> ListKeys() = 0;
  virtual Result<std::string> AddKey(std::string_view password, const KdfParams& kdf) = 0;
  // Refuses (InvalidArgument) to remove the last slot, or the one in use.
  virtual Status RemoveKey(std::string_view slot_id) = 0;
  // Replaces the slot in use with one for `new_password`.
  virtual Status ChangePassword(std::string_view new_password, const KdfParams& kdf) = 0;
};

// What a writer did, for progress and summaries.
struct WriterStats {
  uint64_t grains_new = 0, grains_known = 0;  // stored, and deduplicated
  uint64_t bytes_new = 0, bytes_known = 0;    // their data before compression
  uint64_t bytes_stored = 0;                  // grains as stored (compressed, sealed)
  uint64_t strata_written = 0;
  // Strata an interrupted writer uploaded but never committed, found at the writer's start
  // and committed with its next commit (resume: docs/format/maintenance.md, W2).
  uint64_t strata_adopted = 0, grains_adopted = 0;
  // Strata such a writer left that were not adopted, because they are damaged (a grain
  // fails its checksum) or could not be read whole; each one warned about.
  uint64_t strata_not_adopted = 0;
  uint64_t markers_refreshed = 0;  // pending markers re-put by the heartbeat (W1)
  // Index tables merged by the size-tiered policy after this writer's commits, and why the
  // last such merge failed ("" when none did; a failed merge leaves the commit landed and
  // the tables for a later commit to merge).
  uint64_t index_tables_merged = 0;
  std::string index_merge_error;
};

// The grains a metadata grain refers to (the snapshot layer supplies this for trees and
// snapshots; clast lists are the basin's own). Used by check, prune and commits.
using ReferencesFn =
    std::function<Status(GrainType type, std::string_view data, std::vector<GrainId>* refs)>;

// Adds grains to a basin. Grains go to strata as they come (uploaded in the background);
// none is visible to readers until Commit. Thread-safe. Destroying a writer without
// Commit leaves what it uploaded unreferenced (the next writer can adopt it; prune removes
// it).
class BasinWriter {
 public:
  virtual ~BasinWriter() = default;
  // Stores `data` as a grain of `type`, unless the basin (committed) or this writer
  // already holds its id; returns the id. *stored says whether it was new.
  virtual Result<GrainId> Put(GrainType type, std::string_view data, bool* stored = nullptr) = 0;
  // Chunks a blob read from `read` (which fills a buffer and returns how many bytes, 0 at
  // the end), stores its chunks and clast list (or, when it is no larger than the chunker's
  // minimum, one kBlob grain), and returns the blob's id.
  virtual Result<GrainId> PutBlob(const std::function<Result<size_t>(char*, size_t)>& read) = 0;
  // Stores a clast list of `pieces` (id, size) in order, nested when long (a piece with an
  // all-zero id is a hole the reader skips); returns its id.
  virtual Result<GrainId> PutClastList(const std::vector<std::pair<GrainId, uint64_t>>& pieces) = 0;
  // Whether the basin or this writer holds `id`.
  virtual Result<bool> Has(const GrainId& id) = 0;
  // Snapshots the next commit adds or removes (summary: see SnapshotEntry).
  virtual Status AddSnapshot(const GrainId& id, std::string summary) = 0;
  virtual Status RemoveSnapshot(const GrainId& id) = 0;
  // Makes everything put so far visible, atomically, in one journal record; the writer
  // stays usable. Returns the record's sequence number.
  // When a prune deleted strata while this writer lived, Commit walks the snapshots it
  // adds (through `fn`) and fails with Transient ("run it again") if any grain they
  // reference is gone (docs/format/maintenance.md, W3). Without `fn` such a commit of
  // snapshots fails. Set it before the first Put.
  virtual void SetReferences(ReferencesFn fn) = 0;
  virtual Result<uint64_t> Commit() = 0;
  virtual WriterStats stats() const = 0;
};

}  // namespace basin

#endif  // BASIN_BASIN_H_
