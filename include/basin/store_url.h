// Naming a store by URL:
//   file:///abs/path, or a plain path ("/srv/b", "backups")   a local directory
//   mem://            a new, empty store in memory
//   mem://NAME        the process-wide memory store NAME (created on first use)
//   s3://BUCKET/PREFIX?endpoint=URL&region=R&style=path|virtual   S3 and compatibles
//       (also part_mib=N, parts_in_flight=N: multipart tuning for large objects;
//       ca_file=PATH: the CAs to trust over HTTPS; see s3_store.h)
// Library basin::store_url: it links the S3 store (basin::s3) as well as basin::store.
#ifndef BASIN_STORE_URL_H_
#define BASIN_STORE_URL_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "basin/object_store.h"

namespace basin {

struct StoreUrl {
  enum class Scheme : uint8_t { kFile, kMemory, kS3 };
  Scheme scheme = Scheme::kFile;
  std::string path;    // kFile: absolute, normalised directory path; kMemory: the name
  std::string bucket;  // kS3
  std::string prefix;  // kS3: key prefix inside the bucket, without a trailing '/'
  std::map<std::string, std::string> params;  // the query: endpoint, region, style, ...
};

// InvalidArgument naming what is wrong with the URL.
Result<StoreUrl> ParseStoreUrl(std::string_view url);

// Opens the store a URL names.
Result<std::shared_ptr<ObjectStore>> OpenStore(std::string_view url);

// For commands that name one object (or a listing prefix) with one URL: the store, and
// the key inside it. A file URL or path names its store at the file-system root and its
// key is the absolute path without its leading '/' ("/tmp/x/a" -> key "tmp/x/a"); an S3
// URL's key is everything after the bucket; mem://NAME/KEY names KEY in store NAME.
// The key may be empty (the whole store) or end in '/' (a listing prefix).
struct StoreAndKey {
  std::shared_ptr<ObjectStore> store;
  std::string key;
};
Result<StoreAndKey> OpenStoreAndKey(std::string_view url);

}  // namespace basin

#endif  // BASIN_STORE_URL_H_
