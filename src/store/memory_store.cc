// MemoryStore: a sorted map under a mutex. Objects are immutable shared strings, so a get
// copies outside the lock and a put never disturbs a reader.
#include "basin/memory_store.h"

#include <map>
#include <mutex>

#include <fmt/format.h>

namespace basin {
namespace {

class MemoryStore : public ObjectStore, public std::enable_shared_from_this<MemoryStore> {
 public:
  Status DoPut(std::string_view key, std::string_view data, PutMode mode) override {
    auto value = std::make_shared<const std::string>(data);
    std::lock_guard lock(mu_);
    auto [it, inserted] = objects_.try_emplace(std::string(key), value);
    if (!inserted) {
      if (mode == PutMode::kCreateOnly) {
        return Status::AlreadyExists(fmt::format("'{}' already exists", key));
      }
      it->second = std::move(value);
    }
    return Status::OK();
  }

  Status DoGet(std::string_view key, const ByteRange& range, std::string* out) override {
    std::shared_ptr<const std::string> value;
    {
      std::lock_guard lock(mu_);
      auto it = objects_.find(key);
      if (it == objects_.end()) return Status::NotFound(fmt::format("no object '{}'", key));
      value = it->second;
    }
    uint64_t begin = 0, end = 0;
    BASIN_RETURN_IF_ERROR(ResolveRange(key, range, value->size(), &begin, &end));
    out->assign(*value, begin, end - begin);
    return Status::OK();
  }

  Result<uint64_t> DoHead(std::string_view key) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Status::NotFound(fmt::format("no object '{}'", key));
    return static_cast<uint64_t>(it->second->size());
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
      page.objects.push_back({it->first, it->second->size()});
    }
    return page;
  }

  Status DoDelete(std::string_view key) override {
    std::lock_guard lock(mu_);
    if (auto it = objects_.find(key); it != objects_.end()) objects_.erase(it);
    return Status::OK();
  }

  Result<std::unique_ptr<ObjectWriter>> DoNewWriter(std::string_view key, PutMode mode) override;

  std::string url() const override { return "mem://"; }

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const std::string>, std::less<>> objects_;
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

Result<std::unique_ptr<ObjectWriter>> MemoryStore::DoNewWriter(std::string_view key, PutMode mode) {
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<MemoryWriter>(shared_from_this(), std::string(key), mode));
}

}  // namespace

std::shared_ptr<ObjectStore> NewMemoryStore() { return std::make_shared<MemoryStore>(); }

}  // namespace basin
