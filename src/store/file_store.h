// FileStore internals, for the store's own tests (the public face is basin/file_store.h).
#ifndef BASIN_STORE_FILE_STORE_H_
#define BASIN_STORE_FILE_STORE_H_

#include <memory>
#include <string>

#include "basin/file_store.h"
#include "basin/object_store.h"
#include "store/fs_ops.h"

namespace basin {

class FileStore : public ObjectStore {
 public:
  // root: absolute, without a trailing '/' ("" for the file system root).
  // REQUIRES: ops outlives the store.
  FileStore(std::string root, FsOps* ops);

  std::string url() const override;

  // Used by FileWriter.
  FsOps* ops() const { return ops_; }
  Status SyncDir(const std::string& dir);
  Status EnsureParentDirs(const std::string& path);
  // Holds the store's lock file (ROOT/.basin-lock) with flock, shared (renames and
  // unlinks of puts and deletes) or exclusive (an if-match put's check and rename), so
  // that a compare-and-swap is atomic against every writer of the store. Returns the fd to
  // close (which releases the lock), or the error.
  Result<int> LockStore(bool exclusive);

 protected:
  Status DoPut(std::string_view key, std::string_view data, PutMode mode) override;
  Status DoPutIfMatch(std::string_view key, std::string_view data, std::string_view etag) override;
  Status DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
               std::string* out, ObjectInfo* info) override;
  Result<ObjectInfo> DoStat(std::string_view key) override;
  Result<ListPage> DoList(const ListOptions& options) override;
  Status DoDelete(std::string_view key) override;
  Result<std::unique_ptr<ObjectWriter>> DoNewWriter(std::string_view key, PutMode mode) override;
  Result<std::unique_ptr<AppendableObject>> DoOpenAppendable(std::string_view key) override;
  Result<std::unique_ptr<ReadableObject>> DoOpenReadable(std::string_view key,
                                                         uint64_t prefetch_tail) override;
  Result<SweepReport> DoSweep(const SweepOptions& options) override;

 private:
  std::string PathOf(std::string_view key) const;
  Status Walk(const std::string& dir, const std::string& key_prefix, const ListOptions& options,
              ListPage* page);

  const std::string root_;
  FsOps* const ops_;
};

// OpenFileStore with the file-system calls of `ops` (tests inject failures through it).
Result<std::shared_ptr<ObjectStore>> OpenFileStoreWithOps(const std::string& root,
                                                          const FileStoreOptions& options,
                                                          FsOps* ops);

}  // namespace basin

#endif  // BASIN_STORE_FILE_STORE_H_
