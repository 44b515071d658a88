// A local cache of a store's immutable objects: src/store/cache_store.h.
#include "store/cache_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include <fmt/format.h>

#include "store/cache_file.h"
#include "store/file_util.h"
#include "store/range.h"

namespace basin {

using file_util::ReadFd;

namespace {

// Reads [offset, offset + length) of `fd`; false when the file is shorter or unreadable.
bool ReadAt(int fd, uint64_t offset, uint64_t length, std::string* out) {
  out->resize(length);
  uint64_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, out->data() + done, length - done, offset + done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<uint64_t>(n);
  }
  return true;
}

// A day: how often a file's time is refreshed, and expiry runs.
constexpr time_t kDay = 24 * 60 * 60;

}  // namespace

// A writer that also writes the cache file, made a cache file once the store has the object.
class CachingWriter : public ObjectWriter {
 public:
  CachingWriter(CacheStore* store, std::string key, std::unique_ptr<ObjectWriter> base,
                std::unique_ptr<cache_file::TempFile> file)
      : store_(store), key_(std::move(key)), base_(std::move(base)), file_(std::move(file)) {}

  Status Append(std::string_view data) override {
    Status s = base_->Append(data);
    if (s.ok() && file_ && !file_->Append(data).ok()) Drop();
    return s;
  }
  Status Close() override {
    Status s = base_->Close();
    if (s.ok() && file_) {
      if (file_->Commit().ok()) {
        store_->MarkChecked(key_, file_->length());
      } else {
        ++store_->write_failures_;
      }
    }
    file_.reset();
    return s;
  }
  void Abort() override {
    base_->Abort();
    file_.reset();  // deletes the temporary file
  }
  uint64_t bytes_appended() const override { return base_->bytes_appended(); }

 private:
  void Drop() {
    ++store_->write_failures_;
    file_.reset();
  }
  CacheStore* store_;
  const std::string key_;
  std::unique_ptr<ObjectWriter> base_;
  std::unique_ptr<cache_file::TempFile> file_;
};

Result<std::shared_ptr<CacheStore>> CacheStore::Open(std::shared_ptr<ObjectStore> base,
                                                     const CacheStoreOptions& options) {
  if (!base) return Status::InvalidArgument("no store to cache");
  if (options.root.empty() || options.name.empty() || options.name.find('/') != std::string::npos) {
    return Status::InvalidArgument(
        fmt::format("a cache needs a root and a name ('{}', '{}')", options.root, options.name));
  }
  std::shared_ptr<CacheStore> store(new CacheStore(std::move(base), options));
  BASIN_RETURN_IF_ERROR(cache_file::MakeDirs(store->dir_));
  BASIN_RETURN_IF_ERROR(store->WriteTag());
  store->ExpireIfDue();
  return store;
}

CacheStore::CacheStore(std::shared_ptr<ObjectStore> base, const CacheStoreOptions& options)
    : base_(std::move(base)), options_(options), dir_(options.root + "/" + options.name) {}

bool CacheStore::Caches(std::string_view key) const {
  return std::any_of(options_.prefixes.begin(), options_.prefixes.end(),
                     [&](const std::string& p) { return key.starts_with(p); });
}

std::string CacheStore::PathOf(std::string_view key) const { return dir_ + "/" + std::string(key); }

void CacheStore::Evict(std::string_view key) {
  ::unlink(PathOf(key).c_str());
  std::lock_guard lock(mu_);
  checked_.erase(std::string(key));
}

void CacheStore::MarkChecked(std::string_view key, uint64_t length) {
  std::lock_guard lock(mu_);
  checked_[std::string(key)] = length;
}

CacheStats CacheStore::stats() const {
  return CacheStats{hits_.load(), fills_.load(), damaged_.load(), write_failures_.load()};
}

std::shared_ptr<std::mutex> CacheStore::FillLock(std::string_view key) {
  std::lock_guard lock(mu_);
  auto& m = filling_[std::string(key)];
  if (!m) m = std::make_shared<std::mutex>();
  return m;
}

Status CacheStore::ReadCached(std::string_view key, const ByteRange& range, std::string* out,
                              uint64_t* size) {
  const std::string path = PathOf(key);
  ReadFd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (f.fd < 0 || ::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::NotFound(path);
  }
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  bool checked = false;
  {
    std::lock_guard lock(mu_);
    auto it = checked_.find(std::string(key));
    checked = it != checked_.end() && it->second + cache_file::kFooterSize == file_size;
  }
  uint64_t begin = 0, end = 0;
  if (checked) {
    *size = file_size - cache_file::kFooterSize;
    BASIN_RETURN_IF_ERROR(ResolveRange(key, range, *size, &begin, &end));
    if (!ReadAt(f.fd, begin, end - begin, out)) {
      Evict(key);  // cut short after this process checked it
      return Status::NotFound(path);
    }
    ++hits_;
    return Status::OK();
  }
  // First use in this process: read it whole and check it.
  std::string whole;
  if (!ReadAt(f.fd, 0, file_size, &whole) || !cache_file::Verify(key, whole, size)) {
    ++damaged_;
    Evict(key);
    return Status::NotFound(path);
  }
  MarkChecked(key, *size);
  if (std::time(nullptr) - st.st_mtime > kDay) ::futimens(f.fd, nullptr);  // used now
  BASIN_RETURN_IF_ERROR(ResolveRange(key, range, *size, &begin, &end));
  out->assign(whole, begin, end - begin);
  ++hits_;
  return Status::OK();
}

Status CacheStore::Fill(std::string_view key, const ByteRange& range, std::string* out,
                        uint64_t* size) {
  const auto lock_of_key = FillLock(key);
  std::lock_guard lock(*lock_of_key);
  Status cached = ReadCached(key, range, out, size);  // another thread may have filled it
  if (!cached.IsNotFound()) return cached;
  std::string whole;
  BASIN_RETURN_IF_ERROR(base_->Get(key, ByteRange::All(), &whole));
  ++fills_;
  if (cache_file::WriteFile(PathOf(key), key, whole).ok()) {
    MarkChecked(key, whole.size());
  } else {
    ++write_failures_;
  }
  *size = whole.size();
  uint64_t begin = 0, end = 0;
  BASIN_RETURN_IF_ERROR(ResolveRange(key, range, *size, &begin, &end));
  out->assign(whole, begin, end - begin);
  return Status::OK();
}

Status CacheStore::Read(std::string_view key, const ByteRange& range, std::string* out,
                        uint64_t* size) {
  Status s = ReadCached(key, range, out, size);
  if (s.IsNotFound()) s = Fill(key, range, out, size);
  if (!s.ok()) out->clear();
  return s;
}

Status CacheStore::DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
                         std::string* out, ObjectInfo* info) {
  if (!Caches(key) || !options.if_match.empty()) {
    return base_->Get(key, range, options, out, info);
  }
  uint64_t size = 0;
  BASIN_RETURN_IF_ERROR(Read(key, range, out, &size));
  if (info != nullptr) {
    *info = ObjectInfo{};
    info->size = size;
  }
  return Status::OK();
}

Result<std::unique_ptr<ReadableObject>> CacheStore::DoOpenReadable(std::string_view key,
                                                                   uint64_t prefetch_tail) {
  if (!Caches(key)) return base_->OpenReadable(key, prefetch_tail);
  std::string none;
  uint64_t size = 0;
  BASIN_RETURN_IF_ERROR(Read(key, ByteRange::Span(0, 0), &none, &size));
  const std::string path = PathOf(key);
  ReadFd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (f.fd >= 0 && ::fstat(f.fd, &st) == 0 &&
      static_cast<uint64_t>(st.st_size) == size + cache_file::kFooterSize) {
    auto mapped = file_util::MapForReading(path, f.fd, size);
    if (mapped.ok()) return mapped;
  }
  // Not written (a cache failure) or deleted meanwhile: the store's reader.
  return base_->OpenReadable(key, prefetch_tail);
}

Status CacheStore::DoPut(std::string_view key, std::string_view data, PutMode mode) {
  BASIN_RETURN_IF_ERROR(base_->Put(key, data, mode));
  if (Caches(key)) {
    if (cache_file::WriteFile(PathOf(key), key, data).ok()) {
      MarkChecked(key, data.size());
    } else {
      ++write_failures_;
    }
  }
  return Status::OK();
}

Result<std::unique_ptr<ObjectWriter>> CacheStore::DoNewWriter(std::string_view key, PutMode mode) {
  BASIN_ASSIGN_OR_RETURN(auto writer, base_->NewWriter(key, mode));
  if (!Caches(key)) return writer;
  auto file = cache_file::TempFile::Create(PathOf(key), std::string(key));
  if (!file.ok()) {
    ++write_failures_;
    return writer;
  }
  return std::unique_ptr<ObjectWriter>(std::make_unique<CachingWriter>(
      this, std::string(key), std::move(writer), std::move(file).value()));
}

Status CacheStore::DoPutIfMatch(std::string_view key, std::string_view data,
                                std::string_view etag) {
  if (Caches(key)) Evict(key);  // never done to a cached key; if it were, refetch
  return base_->PutIfMatch(key, data, etag);
}

// The cache file goes after the object (a read between the two would fill it again), and
// also when the delete failed (the next read fills it again if the object is still there).
Status CacheStore::DoDelete(std::string_view key) {
  Status s = base_->Delete(key);
  if (Caches(key)) Evict(key);
  return s;
}

Status CacheStore::DoDeleteMany(const std::vector<std::string>& keys) {
  Status s = base_->DeleteMany(keys);
  for (const std::string& key : keys) {
    if (Caches(key)) Evict(key);
  }
  return s;
}

Result<ListPage> CacheStore::DoList(const ListOptions& options) {
  BASIN_ASSIGN_OR_RETURN(ListPage page, base_->List(options));
  Reconcile(options, page);
  return page;
}

Result<ObjectInfo> CacheStore::DoStat(std::string_view key) { return base_->Stat(key); }

Result<SweepReport> CacheStore::DoSweep(const SweepOptions& options) {
  return base_->Sweep(options);
}

Result<std::unique_ptr<AppendableObject>> CacheStore::DoOpenAppendable(std::string_view key) {
  return base_->OpenAppendable(key);
}

}  // namespace basin
