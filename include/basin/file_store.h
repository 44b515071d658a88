// A store over a local directory: each object is a file at ROOT/KEY.
// The crash-safety protocol is described at the top of src/store/file_store.cc.
#ifndef BASIN_FILE_STORE_H_
#define BASIN_FILE_STORE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "basin/object_store.h"

namespace basin {

struct FileStoreOptions {
  // Create the root directory (and its parents) when it does not exist.
  bool create_root = true;
};

// Opens the store rooted at `root`. NotFound when root is absent and create_root is off;
// InvalidArgument when it is not a directory.
Result<std::shared_ptr<ObjectStore>> OpenFileStore(const std::string& root,
                                                   const FileStoreOptions& options = {});

// Removes the temporary files that writers killed mid-put left under `root` (invisible to
// every read, but they take space). A file is removed only when no writer holds it (each
// holds an flock on its temp file until it is renamed) and it was last written at least
// `min_age` ago, so a put running in another process is never disturbed. The store's
// Sweep does the same for the directories its prefix names.
Result<SweepReport> SweepFileStore(const std::string& root,
                                   std::chrono::seconds min_age = std::chrono::minutes(15),
                                   bool dry_run = false);

}  // namespace basin

#endif  // BASIN_FILE_STORE_H_
