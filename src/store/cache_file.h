// One file of the local cache (docs/format/repository.md, "Local cache"): an object's bytes
// whole, then a footer binding them to their key. Written to a temporary name and renamed,
// never changed in place. The constants are frozen.
//
//   cache file := content | content length: u64 | check: u64 | magic "basincch"
//   check      := XXH3-64, seeded with XXH3-64 of the key, of the content
#ifndef BASIN_STORE_CACHE_FILE_H_
#define BASIN_STORE_CACHE_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "basin/status.h"

namespace basin::cache_file {

inline constexpr std::string_view kMagic = "basincch";
inline constexpr size_t kFooterSize = 8 + 8 + 8;  // content length | check | magic
// Temporary files start with this (object keys never do: ValidateKey reserves ".basin-").
inline constexpr std::string_view kTempPrefix = ".basin-tmp-";
inline constexpr uint32_t kDirMode = 0700;
inline constexpr uint32_t kFileMode = 0600;

// Whether `file` (a cache file's bytes, whole) is a sound cache file of `key`: its footer
// is there, its length matches and its check holds. *content_length is then the content's.
bool Verify(std::string_view key, std::string_view file, uint64_t* content_length);

// Makes `dir` and its missing parents, each with kDirMode. IOError naming the directory.
Status MakeDirs(const std::string& dir);

// A cache file being written: a temporary file beside `path`, renamed to it at Commit. The
// first error is sticky. Destroying an uncommitted one deletes the temporary file.
// Not thread-safe.
class TempFile {
 public:
  // `key` empty: a plain file (no footer), such as CACHEDIR.TAG. Makes the directories.
  static Result<std::unique_ptr<TempFile>> Create(std::string path, std::string key);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  Status Append(std::string_view data);
  // Writes the footer, closes the file and renames it to its path (no fsync: a torn file
  // fails Verify and is fetched again).
  Status Commit();
  uint64_t length() const { return length_; }

 private:
  struct Hasher;
  TempFile(std::string path, std::string temp, std::string key, int fd);

  const std::string path_, temp_, key_;
  int fd_;
  std::unique_ptr<Hasher> hasher_;
  uint64_t length_ = 0;
  bool committed_ = false;
  Status status_;
};

// Writes `content` as the cache file of `key` at `path` (TempFile, then Commit).
Status WriteFile(const std::string& path, std::string_view key, std::string_view content);

}  // namespace basin::cache_file

#endif  // BASIN_STORE_CACHE_FILE_H_
