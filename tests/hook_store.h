// HookStore: forwards every call to another store, with a hook before each call (which may
// fail it, as a crash would, or hold it until another process has taken its step) and one
// after (which sees the result). For tests that interleave processes at chosen store calls:
// src/repo/prune_test.cc, src/snapshot/schedule_test.cc.
//
// A streamed write shows as "new-writer", then "append" per Append, then "close" (when the
// object appears). Ranged reads through OpenReadable and DeleteMany go through the base
// class's defaults, so they show as the "get", "stat" and "delete" calls they are made of.
// Thread-safe as far as the hooks are: set them before the store is used.
#ifndef BASIN_TESTS_HOOK_STORE_H_
#define BASIN_TESTS_HOOK_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "basin/object_store.h"
#include "test_util.h"

namespace basin::testing {

struct StoreCall {
  std::string_view name;  // "put", "put-if-match", "get", "stat", "list", "delete",
                          // "new-writer", "append", "close"
  std::string_view key;   // the object's key; for "list", the prefix
};

class HookStore : public ObjectStore {
 public:
  explicit HookStore(std::shared_ptr<ObjectStore> base) : base_(std::move(base)) {}
  std::string url() const override { return base_->url(); }

  // Runs before each call; a status that is not OK fails the call, which then never
  // reaches the base store. May be null.
  std::function<Status(const StoreCall&)> before;
  // Runs after each call that reached the base store, with its result. May be null.
  std::function<void(const StoreCall&, const Status&)> after;

  // Runs `fn` (a call on the base store) between the hooks.
  template <typename Fn>
  auto Call(const StoreCall& call, Fn&& fn) -> decltype(fn()) {
    if (before) {
      if (Status s = before(call); !s.ok()) return s;
    }
    auto result = fn();
    if (after) after(call, StatusOf(result));
    return result;
  }

 protected:
  Status DoPut(std::string_view key, std::string_view data, PutMode mode) override {
    return Call({"put", key}, [&] { return base_->Put(key, data, mode); });
  }
  Status DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
               std::string* out, ObjectInfo* info) override {
    return Call({"get", key}, [&] { return base_->Get(key, range, options, out, info); });
  }
  Result<ObjectInfo> DoStat(std::string_view key) override {
    return Call({"stat", key}, [&] { return base_->Stat(key); });
  }
  Status DoPutIfMatch(std::string_view key, std::string_view data, std::string_view etag) override {
    return Call({"put-if-match", key}, [&] { return base_->PutIfMatch(key, data, etag); });
  }
  Result<ListPage> DoList(const ListOptions& options) override {
    return Call({"list", options.prefix}, [&] { return base_->List(options); });
  }
  Status DoDelete(std::string_view key) override {
    return Call({"delete", key}, [&] { return base_->Delete(key); });
  }
  Result<std::unique_ptr<ObjectWriter>> DoNewWriter(std::string_view key, PutMode mode) override;

 private:
  std::shared_ptr<ObjectStore> base_;
};

// A writer of the base store whose calls go through the hooks of the HookStore that made it.
class HookWriter : public ObjectWriter {
 public:
  HookWriter(HookStore* store, std::string key, std::unique_ptr<ObjectWriter> base)
      : store_(store), key_(std::move(key)), base_(std::move(base)) {}
  Status Append(std::string_view data) override {
    return store_->Call({"append", key_}, [&] { return base_->Append(data); });
  }
  Status Close() override {
    return store_->Call({"close", key_}, [&] { return base_->Close(); });
  }
  void Abort() override { base_->Abort(); }
  uint64_t bytes_appended() const override { return base_->bytes_appended(); }

 private:
  HookStore* const store_;
  const std::string key_;
  std::unique_ptr<ObjectWriter> base_;
};

inline Result<std::unique_ptr<ObjectWriter>> HookStore::DoNewWriter(std::string_view key,
                                                                    PutMode mode) {
  auto w = Call({"new-writer", key}, [&] { return base_->NewWriter(key, mode); });
  if (!w.ok()) return w.status();
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<HookWriter>(this, std::string(key), std::move(w).value()));
}

}  // namespace basin::testing

#endif  // BASIN_TESTS_HOOK_STORE_H_
