// The local cache's upkeep (docs/format/repository.md, "Local cache"): its CACHEDIR.TAG,
// the expiry of files not used for a month, and the cache files a listing shows gone.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>

#include <absl/container/flat_hash_set.h>

#include "store/cache_file.h"
#include "store/cache_store.h"

namespace basin {
namespace {

// The Cache Directory Tagging Specification's (https://bford.info/cachedir/) signature.
constexpr std::string_view kTag =
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by basin (a local copy of basins'\n"
    "# metadata, fetched again when missing). See https://bford.info/cachedir/\n";
constexpr std::string_view kExpiredMarker = ".basin-expired";
constexpr time_t kDay = 24 * 60 * 60;
constexpr time_t kTempMaxAge = 60 * 60;

// Calls fn(relative path, stat) for each regular file under dir/rel, depth first, in
// directories `enter` accepts (by their relative path). Unreadable directories are skipped.
void Walk(const std::string& dir, const std::string& rel,
          const std::function<bool(const std::string&)>& enter,
          const std::function<void(const std::string&, const struct stat&)>& fn) {
  const std::string path = rel.empty() ? dir : dir + "/" + rel;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return;
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      names.emplace_back(e->d_name);
    }
  }
  ::closedir(d);
  for (const std::string& name : names) {
    const std::string child = rel.empty() ? name : rel + "/" + name;
    struct stat st;
    if (::lstat((dir + "/" + child).c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (enter(child)) Walk(dir, child, enter, fn);
    } else if (S_ISREG(st.st_mode)) {
      fn(child, st);
    }
  }
}

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool IsHexName(std::string_view name) {
  return name.size() == 32 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

Status CacheStore::WriteTag() const {
  const std::string path = options_.root + "/CACHEDIR.TAG";
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return Status::OK();
  BASIN_ASSIGN_OR_RETURN(auto file, cache_file::TempFile::Create(path, ""));
  BASIN_RETURN_IF_ERROR(file->Append(kTag));
  return file->Commit();
}

void CacheStore::ExpireIfDue() const {
  const time_t now = std::time(nullptr);
  const time_t max_unused = static_cast<time_t>(options_.max_unused.count());
  const std::string marker = dir_ + "/" + std::string(kExpiredMarker);
  struct stat st;
  if (::stat(marker.c_str(), &st) == 0 && now - st.st_mtime < kDay) return;
  Walk(
      dir_, "", [](const std::string&) { return true; },
      [&](const std::string& rel, const struct stat& file) {
        const std::string_view name = BaseName(rel);
        if (name == kExpiredMarker) return;
        const bool temp = name.starts_with(cache_file::kTempPrefix);
        if (now - file.st_mtime > (temp ? kTempMaxAge : max_unused)) {
          ::unlink((dir_ + "/" + rel).c_str());
        }
      });
  // Other basins' directories, by the time their own expiry last ran (that is, they were
  // last opened).
  if (DIR* d = ::opendir(options_.root.c_str())) {
    std::vector<std::string> stale;
    while (const dirent* e = ::readdir(d)) {
      if (!IsHexName(e->d_name) || e->d_name == options_.name) continue;
      const std::string other = options_.root + "/" + e->d_name;
      struct stat m;
      const std::string other_marker = other + "/" + std::string(kExpiredMarker);
      if (::stat(other_marker.c_str(), &m) != 0 && ::stat(other.c_str(), &m) != 0) continue;
      if (now - m.st_mtime > max_unused) stale.push_back(other);
    }
    ::closedir(d);
    for (const std::string& other : stale) {
      std::error_code ec;
      std::filesystem::remove_all(other, ec);
    }
  }
  auto touched = cache_file::TempFile::Create(marker, "");
  if (touched.ok()) (*touched)->Commit().IgnoreError();
}

// The page answers for the keys under options.prefix after start_after, up to its last key
// (all of them when it is the last page): a cache file of such a key it lacks is gone.
void CacheStore::Reconcile(const ListOptions& options, const ListPage& page) {
  if (page.truncated && page.objects.empty()) return;
  const std::string& lo = options.start_after;
  std::optional<std::string> hi;
  if (page.truncated) hi = page.objects.back().key;
  absl::flat_hash_set<std::string> listed;
  for (const ObjectInfo& o : page.objects) listed.insert(o.key);
  auto in_range = [&](std::string_view key) {
    return key.starts_with(options.prefix) && key > lo && (!hi || key <= *hi);
  };
  // A directory D holds keys in ["D/", "D0"): enter it only when that can meet the range.
  auto enter = [&](const std::string& rel) {
    const std::string first = rel + "/", past = rel + "0";
    const bool prefix_meets =
        first.starts_with(options.prefix) || options.prefix.starts_with(first);
    return prefix_meets && past > lo && (!hi || first <= *hi);
  };
  std::vector<std::string> gone;
  for (const std::string& p : options_.prefixes) {
    if (!p.starts_with(options.prefix) && !options.prefix.starts_with(p)) continue;
    const std::string top = p.substr(0, p.rfind('/') == std::string::npos ? 0 : p.rfind('/'));
    if (top.empty()) continue;  // prefixes are directories ("index/")
    Walk(dir_, top, enter, [&](const std::string& key, const struct stat&) {
      if (!Caches(key) || BaseName(key).starts_with(".basin-")) return;
      if (in_range(key) && !listed.contains(key)) gone.push_back(key);
    });
  }
  for (const std::string& key : gone) Evict(key);
}

}  // namespace basin
