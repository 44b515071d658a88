// MemoryStore: a sorted map under one mutex. Every access to an object's bytes happens
// under the lock, so appendable objects can grow in place while others read them. An
// object's entity tag is a number the store gives each version (a counter), so it changes
// whenever the object is replaced or appended to.
#include "basin/memory_store.h"
#include "store/range.h"

#include <chrono>
#include <map>
#include <mutex>

#include <fmt/format.h>

namespace basin {
namespace {

struct Version {
  std::shared_ptr<std::string> bytes;
  uint64_t number = 0;  // the entity tag
  std::chrono::system_clock::time_point modified;
};

class MemoryStore : public ObjectStore, public std::enable_shared_from_this<MemoryStore> {
 public:
  std::string url() const override { return "mem://"; }

  Status DoPut(std::string_view key, std::string_view data, PutMode mode) override {
    auto value = std::make_shared<std::string>(data);
    std::lock_guard lock(mu_);
    auto [it, inserted] = objects_.try_emplace(std::string(key));
    if (!inserted && mode == PutMode::kCreateOnly) {
      return Status::AlreadyExists(fmt::format("'{}' already exists", key));
    }
    Replace(it->second, std::move(value));
    return Status::OK();
  }

  Status DoPutIfMatch(std::string_view key, std::string_view data, std::string_view etag) override {
    auto value = std::make_shared<std::string>(data);
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Status::NotFound(fmt::format("no object '{}'", key));
    if (EtagOf(it->second) != etag) {
      return Status::AlreadyExists(
          fmt::format("'{}' is no longer version {} (it is {})", key, etag, EtagOf(it->second)));
    }
    Replace(it->second, std::move(value));
    return Status::OK();
  }

  Status DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
               std::string* out, ObjectInfo* info) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Status::NotFound(fmt::format("no object '{}'", key));
    BASIN_RETURN_IF_ERROR(CheckVersion(key, it->second, options));
    uint64_t begin = 0, end = 0;
    BASIN_RETURN_IF_ERROR(ResolveRange(key, range, it->second.bytes->size(), &begin, &end));
    out->assign(*it->second.bytes, begin, end - begin);
    if (info != nullptr) *info = InfoOf({}, it->second);
    return Status::OK();
  }

  Result<ObjectInfo> DoStat(std::string_view key) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Status::NotFound(fmt::format("no object '{}'", key));
    return InfoOf(std::string(key), it->second);
  }

  Result<ListPage> DoList(const ListOptions& options) override {
    ListPage page;
    std::lock_guard lock(mu_);
    auto it = options.start_after < options.prefix ? objects_.lower_bound(options.prefix)
                                                   : objects_.upper_bound(options.start_after);
    for (; it != objects_.end() && it->first.starts_with(options.prefix); ++it) {
      if (page.objects.size() == options.max_keys) {
        page.truncated = true;
        break;
      }
      page.objects.push_back(InfoOf(it->first, it->second));
    }
    return page;
  }

  Status DoDelete(std::string_view key) override {
    std::lock_guard lock(mu_);
    if (auto it = objects_.find(key); it != objects_.end()) objects_.erase(it);
    return Status::OK();
  }

  Result<std::unique_ptr<ObjectWriter>> DoNewWriter(std::string_view key, PutMode mode) override;
  Result<std::unique_ptr<AppendableObject>> DoOpenAppendable(std::string_view key) override;

  // For appendable objects: runs fn on the object's bytes (created empty if absent); a
  // new version when `changes`.
  template <typename F>
  auto WithObject(const std::string& key, bool changes, F&& fn) {
    std::lock_guard lock(mu_);
    Version& v = objects_[key];
    if (!v.bytes) Replace(v, std::make_shared<std::string>());
    if (changes) Replace(v, v.bytes);
    return fn(*v.bytes);
  }

 private:
  // REQUIRES: mu_ held.
  void Replace(Version& v, std::shared_ptr<std::string> bytes) {
    v.bytes = std::move(bytes);
    v.number = ++versions_;
    v.modified = std::chrono::system_clock::now();
  }
  static std::string EtagOf(const Version& v) { return fmt::format("m{}", v.number); }
  static ObjectInfo InfoOf(std::string key, const Version& v) {
    return ObjectInfo{std::move(key), v.bytes->size(), EtagOf(v), v.modified};
  }
  static Status CheckVersion(std::string_view key, const Version& v, const GetOptions& options) {
    if (options.if_match.empty() || options.if_match == EtagOf(v)) return Status::OK();
    return Status::IOError(
        fmt::format("'{}' changed while being read (version {}, now {}): read it again", key,
                    options.if_match, EtagOf(v)));
  }

  std::mutex mu_;
  std::map<std::string, Version, std::less<>> objects_;
  uint64_t versions_ = 0;
};

// Buffers the object and puts it at Close().
class MemoryWriter : public ObjectWriter {
 public:
  MemoryWriter(std::shared_ptr<MemoryStore> store, std::string key, PutMode mode)
      : store_(std::move(store)), key_(std::move(key)), mode_(mode) {}

  Status Append(std::string_view data) override {
    if (!status_.ok()) return status_;
    buffer_.append(data);
    appended_ += data.size();
    return Status::OK();
  }
  Status Close() override {
    if (!status_.ok()) return status_;
    Status s = store_->Put(key_, buffer_, mode_);
    buffer_.clear();
    status_ = s.ok() ? Status::InvalidArgument("writer for '" + key_ + "' is closed") : s;
    return s;
  }
  void Abort() override {
    buffer_.clear();
    if (status_.ok()) status_ = Status::InvalidArgument("writer aborted");
  }
  uint64_t bytes_appended() const override { return appended_; }

 private:
  std::shared_ptr<MemoryStore> store_;
  std::string key_;
  PutMode mode_;
  std::string buffer_;
  uint64_t appended_ = 0;
  Status status_;
};

// Appends reach the object at Flush(); "durable" is the same as flushed, in memory.
class MemoryAppendable : public AppendableObject {
 public:
  MemoryAppendable(std::shared_ptr<MemoryStore> store, std::string key, uint64_t size)
      : store_(std::move(store)), key_(std::move(key)), size_(size) {}
  ~MemoryAppendable() override { Flush().IgnoreError(); }

  Status Append(std::string_view data) override {
    buffer_.append(data);
    size_ += data.size();
    return Status::OK();
  }
  Status Flush() override {
    if (buffer_.empty()) return Status::OK();
    store_->WithObject(key_, true, [&](std::string& v) { v.append(buffer_); });
    buffer_.clear();
    return Status::OK();
  }
  Status Sync() override { return Flush(); }
  Status Truncate(uint64_t size) override {
    if (size > size_) return Status::InvalidArgument("truncate past the end of '" + key_ + "'");
    BASIN_RETURN_IF_ERROR(Flush());
    store_->WithObject(key_, true,
                       [&](std::string& v) { v.resize(std::min<uint64_t>(size, v.size())); });
    size_ = size;
    return Status::OK();
  }
  uint64_t size() const override { return size_; }

 private:
  std::shared_ptr<MemoryStore> store_;
  std::string key_;
  uint64_t size_;
  std::string buffer_;
};

Result<std::unique_ptr<ObjectWriter>> MemoryStore::DoNewWriter(std::string_view key, PutMode mode) {
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<MemoryWriter>(shared_from_this(), std::string(key), mode));
}

Result<std::unique_ptr<AppendableObject>> MemoryStore::DoOpenAppendable(std::string_view key) {
  const std::string k(key);
  const uint64_t size = WithObject(k, false, [](std::string& v) { return v.size(); });
  return std::unique_ptr<AppendableObject>(
      std::make_unique<MemoryAppendable>(shared_from_this(), k, size));
}

}  // namespace

std::shared_ptr<ObjectStore> NewMemoryStore() { return std::make_shared<MemoryStore>(); }

}  // namespace basin
