// ObjectStore: the one narrow interface every basin layer stores bytes through.
//
// An object store maps keys to immutable byte strings, like S3. Implementations: a local
// directory (file_store.h), memory (memory_store.h), S3. Retry, counting and fault
// injection are wrappers around any store (retrying_store.h, counting_store.h,
// fault_injecting_store.h), never code inside one.
//
// Keys: 1 to 1024 bytes of '/'-separated segments; no empty, "." or ".." segment, no
// leading or trailing '/', no control characters, segments of at most 255 bytes, and no
// segment starting with ".basin-" (reserved for a store's own temporary files). A store
// whose medium is a file system cannot hold both "a" and "a/b" (a file cannot be a
// directory): the second put fails with InvalidArgument.
//
// Guarantees every store gives:
//   - A put or a closed writer makes the object visible whole and durable, or not at all:
//     a reader never sees part of an object, even after a crash.
//   - Create-only puts are atomic: of two racing creators exactly one succeeds and the
//     other gets AlreadyExists. So are if-match puts (compare-and-swap on the entity tag):
//     of two racing writers naming the same version, exactly one succeeds.
//   - Every object has an entity tag that changes whenever it is replaced, and a
//     last-modified time on the store's own clock (never the client's).
//   - List returns keys in bytewise order.
//   - Every method may be called from any thread at the same time.
#ifndef BASIN_OBJECT_STORE_H_
#define BASIN_OBJECT_STORE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "basin/status.h"

namespace basin {

inline constexpr size_t kMaxKeyLength = 1024;
inline constexpr size_t kMaxKeySegmentLength = 255;

// OK, or InvalidArgument saying what is wrong with the key and where.
Status ValidateKey(std::string_view key);

// Which bytes of an object a get returns.
//   All():            the whole object.
//   Span(off, len):   bytes [off, off+len). The span must lie within the object
//                     (off + len <= size), else InvalidArgument; len 0 gives no bytes.
//   Suffix(len):      the last min(len, size) bytes (like HTTP's "bytes=-len").
struct ByteRange {
  enum class Kind : uint8_t { kAll, kSpan, kSuffix };
  Kind kind = Kind::kAll;
  uint64_t offset = 0;
  uint64_t length = 0;

  static ByteRange All() { return {}; }
  static ByteRange Span(uint64_t offset, uint64_t length) { return {Kind::kSpan, offset, length}; }
  static ByteRange Suffix(uint64_t length) { return {Kind::kSuffix, 0, length}; }
  std::string ToString() const;  // "all", "[10, 20)", "last 8 bytes"
};

enum class PutMode : uint8_t {
  kOverwrite,   // replace any existing object
  kCreateOnly,  // fail with AlreadyExists if the key exists
};

// The kinds of call a store takes, for the wrappers that count or fail them.
// kWrite covers a streamed object: NewWriter, its Appends and its Close. kAppend covers an
// appendable object: opening it, and each Append, Flush, Sync and Truncate.
enum class StoreOp : uint8_t {
  kPut = 0,
  kGet = 1,
  kHead = 2,
  kList = 3,
  kDelete = 4,
  kWrite = 5,
  kAppend = 6,
};
inline constexpr int kStoreOpCount = 7;
std::string_view StoreOpName(StoreOp op);  // "put", "get", ...

// What a store knows of an object without reading it (Stat, List).
struct ObjectInfo {
  std::string key;
  uint64_t size = 0;  // bytes
  // Changes whenever the object is replaced; opaque, compared only for equality. Every
  // store gives one from Stat; S3 listings give one too.
  std::string etag;
  // When the object was last written, on the store's clock (a file's mtime, S3's
  // Last-Modified, to the second there). The epoch when the store cannot tell.
  std::chrono::system_clock::time_point last_modified{};
};

// Conditions a get checks, and what it reports besides the bytes.
struct GetOptions {
  // When not empty: the get fails with IOError ("changed while being read") unless the
  // object's entity tag is this one, so that several reads of one object see one version.
  std::string if_match;
};

struct ListOptions {
  std::string prefix;       // only keys starting with this
  std::string start_after;  // only keys strictly greater than this
  size_t max_keys = 1000;   // page size, at least 1
};

struct ListPage {
  std::vector<ObjectInfo> objects;  // in bytewise key order
  bool truncated = false;           // more keys follow: list again after objects.back().key
};

// Unfinished writes a killed writer left behind: invisible to every read, but they take
// space (a file store's temporary files, S3's incomplete multipart uploads).
struct SweepOptions {
  // Only those of keys starting with this. The file store sweeps the directories the
  // prefix names, whole (its temporary files do not carry their key).
  std::string prefix;
  // Leave those started (S3: the upload's Initiated time) or last written (a temporary
  // file) less than this long ago, on the store's own clock: longer than the longest
  // single upload that may be running (a live writer's upload is otherwise removed).
  std::chrono::seconds min_age{900};
  bool dry_run = false;  // count what would be removed; remove nothing
};

struct SweepReport {
  uint64_t removed = 0;         // temporary files deleted, multipart uploads aborted
  uint64_t bytes_freed = 0;     // file store: their bytes (S3 does not say: 0)
  uint64_t skipped_in_use = 0;  // file store: a live writer holds them
  uint64_t skipped_young = 0;   // younger than min_age
};

// Streams one object into a store. The object becomes visible only at a successful
// Close(); destroying an unclosed writer aborts it. The first error is sticky: later
// calls return it. Not thread-safe. A writer must not outlive the store that made it.
class ObjectWriter {
 public:
  virtual ~ObjectWriter() = default;
  virtual Status Append(std::string_view data) = 0;
  // Makes the object visible, whole and durable. On failure nothing new is visible.
  virtual Status Close() = 0;
  // Discards what was written; the object is not created. Safe to call more than once.
  virtual void Abort() = 0;
  virtual uint64_t bytes_appended() const = 0;
};

// An object that grows in place, for logs kept on stores that can do that (a local
// directory, memory). Object stores such as S3 cannot: OpenAppendable returns
// NotSupported there, and logs use one object per block instead.
// Appended bytes reach readers at Flush() and the medium at Sync(). After a crash the
// object holds what was synced plus any prefix of what came after (a torn tail), never
// other bytes. The first error is sticky; after a failed Sync nothing more is accepted.
// Not thread-safe. Must not outlive the store that made it.
class AppendableObject {
 public:
  virtual ~AppendableObject() = default;  // flushes (best effort), does not sync
  virtual Status Append(std::string_view data) = 0;
  virtual Status Flush() = 0;
  virtual Status Sync() = 0;
  // Cuts the object to `size` bytes (recovery cuts a torn tail). REQUIRES: size <= size().
  virtual Status Truncate(uint64_t size) = 0;
  // Bytes in the object, counting appends not yet flushed.
  virtual uint64_t size() const = 0;
};

// A handle for many range reads of one object (a table's blocks): it keeps open what the
// store can keep open (a file descriptor). Its reads all see the version of the object
// that was there when it was opened (a local file: the open descriptor; S3: If-Match on
// the entity tag), or fail with IOError when that version is gone. Thread-safe.
class ReadableObject {
 public:
  virtual ~ReadableObject() = default;
  virtual uint64_t size() const = 0;
  // Replaces *out with bytes [offset, offset + length). InvalidArgument past the end.
  virtual Status Read(uint64_t offset, uint64_t length, std::string* out) = 0;
  // All of the object's bytes when the store maps it into memory (valid while the handle
  // lives), so that readers can use them without copying; empty otherwise.
  virtual std::string_view Mapped() const { return {}; }
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The public calls validate the key (InvalidArgument) and hand over to the Do* methods
  // a store implements.
  Status Put(std::string_view key, std::string_view data, PutMode mode = PutMode::kOverwrite);
  // Replaces *out with the requested bytes. NotFound when the key does not exist. With
  // `object_size`, also says how long the whole object is, from the same request (S3 tells
  // it in Content-Range): a suffix get then reads a file's tail without a HEAD.
  Status Get(std::string_view key, const ByteRange& range, std::string* out,
             uint64_t* object_size = nullptr);
  Result<std::string> Get(std::string_view key, const ByteRange& range = ByteRange::All());
  // The full form: checks `options` and, with `info`, reports the whole object's size,
  // entity tag and last-modified time (key left empty) from the same request.
  Status Get(std::string_view key, const ByteRange& range, const GetOptions& options,
             std::string* out, ObjectInfo* info);
  // What the store knows of the object (one HEAD on S3). NotFound when the key does not
  // exist.
  Result<ObjectInfo> Stat(std::string_view key);
  // The object's size: Stat's size.
  Result<uint64_t> Head(std::string_view key);
  // Replaces the object only if its entity tag is `etag` (as Stat or List reported it): a
  // compare-and-swap. NotFound when the object does not exist; AlreadyExists when it holds
  // another version; NotSupported when the store cannot do it atomically (an S3-compatible
  // server that ignores If-Match is found out by a probe on first use, and refused).
  Status PutIfMatch(std::string_view key, std::string_view data, std::string_view etag);
  // One page of keys; InvalidArgument when max_keys is 0.
  Result<ListPage> List(const ListOptions& options);
  // Every key under `prefix`, following pages.
  Result<std::vector<ObjectInfo>> ListAll(std::string_view prefix);
  // Removes the object; deleting an absent key succeeds.
  Status Delete(std::string_view key);
  // Removes many objects, in as few requests as the store allows (S3: 1000 a request).
  // Absent keys succeed; the first failure is returned, naming its key.
  Status DeleteMany(const std::vector<std::string>& keys);
  Result<std::unique_ptr<ObjectWriter>> NewWriter(std::string_view key,
                                                  PutMode mode = PutMode::kOverwrite);
  // Opens the object for appending, creating it empty when absent. NotSupported on stores
  // that cannot grow an object in place.
  Result<std::unique_ptr<AppendableObject>> OpenAppendable(std::string_view key);
  // Opens the object for repeated range reads. NotFound when absent. The handle must not
  // outlive the store. Every read sees the version that was there at open, or fails with
  // IOError saying the object changed. With `prefetch_tail`, a store that reads by request fetches
  // the object's last prefetch_tail bytes in the request that opens it, and serves reads that lie
  // within them without another: a table's footer and metadata cost one suffix read.
  Result<std::unique_ptr<ReadableObject>> OpenReadable(std::string_view key,
                                                       uint64_t prefetch_tail = 0);
  // Removes what killed writers left unfinished under options.prefix (SweepOptions), and
  // says what it found. Safe while other processes write: only what is older than
  // min_age (and, on a file store, held by no writer) is removed. Stores whose writers
  // leave nothing behind (memory) find nothing. InvalidArgument for a prefix that is
  // neither empty nor a valid key prefix; otherwise the store's errors (S3: the listing,
  // malformed answers included, or an abort that failed, naming the upload).
  Result<SweepReport> Sweep(const SweepOptions& options);

  // The URL this store was opened with, e.g. "file:///srv/backups" (never a secret).
  virtual std::string url() const = 0;

 protected:
  // What a store implements. REQUIRES: the key is valid, max_keys >= 1; object_size may be
  // null.
  virtual Status DoPut(std::string_view key, std::string_view data, PutMode mode) = 0;
  // REQUIRES additionally: info may be null.
  virtual Status DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
                       std::string* out, ObjectInfo* info) = 0;
  virtual Result<ObjectInfo> DoStat(std::string_view key) = 0;
  virtual Status DoPutIfMatch(std::string_view key, std::string_view data,
                              std::string_view etag) = 0;
  virtual Result<ListPage> DoList(const ListOptions& options) = 0;
  virtual Status DoDelete(std::string_view key) = 0;
  virtual Result<std::unique_ptr<ObjectWriter>> DoNewWriter(std::string_view key, PutMode mode) = 0;
  virtual Result<std::unique_ptr<AppendableObject>> DoOpenAppendable(std::string_view key);
  // Default: a suffix Get of prefetch_tail bytes (a Head when 0), then a ranged Get per
  // read outside them.
  virtual Result<std::unique_ptr<ReadableObject>> DoOpenReadable(std::string_view key,
                                                                 uint64_t prefetch_tail);
  // Default: one DoDelete per key. REQUIRES: every key is valid.
  virtual Status DoDeleteMany(const std::vector<std::string>& keys);
  // Default: nothing to sweep (an empty report).
  virtual Result<SweepReport> DoSweep(const SweepOptions& options);
};

}  // namespace basin

#endif  // BASIN_OBJECT_STORE_H_
