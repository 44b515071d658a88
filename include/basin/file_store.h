// A store over a local directory: each object is a file at ROOT/KEY.
// The crash-safety protocol is described at the top of src/store/file_store.cc.
#ifndef BASIN_FILE_STORE_H_
#define BASIN_FILE_STORE_H_

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

}  // namespace basin

#endif  // BASIN_FILE_STORE_H_
