#include "basin/fault_injecting_store.h"

#include <fmt/format.h>

namespace basin {
namespace internal {

class FaultyWriter : public ObjectWriter {
 public:
  FaultyWriter(FaultInjectingStore* store, std::string key, std::unique_ptr<ObjectWriter> base)
      : store_(store), key_(std::move(key)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    if (!status_.ok()) return status_;
    FaultKind kind;
    if (!store_->ShouldFail(StoreOp::kWrite, &kind)) return status_ = base_->Append(data);
    if (kind == FaultKind::kShortWrite)
      base_->Append(data.substr(0, data.size() / 2)).IgnoreError();
    if (kind == FaultKind::kLostResponse) base_->Append(data).IgnoreError();
    return status_ = store_->FaultStatus(StoreOp::kWrite, key_);
  }
  Status Close() override {
    if (!status_.ok()) return status_;
    FaultKind kind;
    if (!store_->ShouldFail(StoreOp::kWrite, &kind)) return status_ = base_->Close();
    if (kind == FaultKind::kLostResponse) {
      base_->Close().IgnoreError();
    } else {
      base_->Abort();
    }
    return status_ = store_->FaultStatus(StoreOp::kWrite, key_);
  }
  void Abort() override { base_->Abort(); }
  uint64_t bytes_appended() const override { return base_->bytes_appended(); }

 private:
  FaultInjectingStore* store_;
  std::string key_;
  std::unique_ptr<ObjectWriter> base_;
  Status status_;
};

class FaultyAppendable : public AppendableObject {
 public:
  FaultyAppendable(FaultInjectingStore* store, std::string key,
                   std::unique_ptr<AppendableObject> base)
      : store_(store), key_(std::move(key)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    FaultKind kind;
    if (!store_->ShouldFail(StoreOp::kAppend, &kind)) return base_->Append(data);
    if (kind == FaultKind::kShortWrite) {
      base_->Append(data.substr(0, data.size() / 2)).IgnoreError();
    }
    if (kind == FaultKind::kLostResponse) base_->Append(data).IgnoreError();
    return store_->FaultStatus(StoreOp::kAppend, key_);
  }
  Status Flush() override {
    return Maybe([&] { return base_->Flush(); });
  }
  Status Sync() override {
    return Maybe([&] { return base_->Sync(); });
  }
  Status Truncate(uint64_t size) override {
    return Maybe([&] { return base_->Truncate(size); });
  }
  uint64_t size() const override { return base_->size(); }

 private:
  template <typename F>
  Status Maybe(F&& call) {
    FaultKind kind;
    if (!store_->ShouldFail(StoreOp::kAppend, &kind)) return call();
    if (kind == FaultKind::kLostResponse) call().IgnoreError();
    return store_->FaultStatus(StoreOp::kAppend, key_);
  }
  FaultInjectingStore* store_;
  std::string key_;
  std::unique_ptr<AppendableObject> base_;
};

}  // namespace internal

using internal::FaultyAppendable;
using internal::FaultyWriter;

FaultInjectingStore::FaultInjectingStore(std::shared_ptr<ObjectStore> base, FaultPlan plan)
    : base_(std::move(base)), plan_(plan), rng_(plan.seed) {}

void FaultInjectingStore::SetPlan(const FaultPlan& plan) {
  std::lock_guard lock(mu_);
  plan_ = plan;
  calls_ = 0;
  rng_.seed(plan.seed);
}

uint64_t FaultInjectingStore::matching_calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

bool FaultInjectingStore::ShouldFail(StoreOp op, FaultKind* kind) {
  std::lock_guard lock(mu_);
  if ((plan_.ops & OpBit(op)) == 0) return false;
  ++calls_;
  bool fail = plan_.fail_nth != 0 && calls_ == plan_.fail_nth;
  if (!fail && plan_.probability > 0) {
    fail = std::uniform_real_distribution<double>(0, 1)(rng_) < plan_.probability;
  }
  if (fail) {
    *kind = plan_.kind;
    faults_.fetch_add(1, std::memory_order_relaxed);
  }
  return fail;
}

Status FaultInjectingStore::FaultStatus(StoreOp op, std::string_view key) const {
  const std::string msg = fmt::format("injected fault in {} of '{}'", StoreOpName(op), key);
  std::lock_guard lock(mu_);
  return plan_.retryable ? Status::Transient(msg) : Status::IOError(msg);
}

Status FaultInjectingStore::DoPut(std::string_view key, std::string_view data, PutMode mode) {
  FaultKind kind;
  if (!ShouldFail(StoreOp::kPut, &kind)) return base_->Put(key, data, mode);
  if (kind == FaultKind::kShortWrite)
    base_->Put(key, data.substr(0, data.size() / 2), mode).IgnoreError();
  if (kind == FaultKind::kLostResponse) base_->Put(key, data, mode).IgnoreError();
  return FaultStatus(StoreOp::kPut, key);
}

Status FaultInjectingStore::DoPutIfMatch(std::string_view key, std::string_view data,
                                         std::string_view etag) {
  FaultKind kind;
  if (!ShouldFail(StoreOp::kPut, &kind)) return base_->PutIfMatch(key, data, etag);
  if (kind == FaultKind::kShortWrite) {
    base_->PutIfMatch(key, data.substr(0, data.size() / 2), etag).IgnoreError();
  }
  if (kind == FaultKind::kLostResponse) base_->PutIfMatch(key, data, etag).IgnoreError();
  return FaultStatus(StoreOp::kPut, key);
}

Status FaultInjectingStore::DoGet(std::string_view key, const ByteRange& range,
                                  const GetOptions& options, std::string* out, ObjectInfo* info) {
  FaultKind kind;
  if (!ShouldFail(StoreOp::kGet, &kind)) return base_->Get(key, range, options, out, info);
  out->clear();
  return FaultStatus(StoreOp::kGet, key);
}

Result<ObjectInfo> FaultInjectingStore::DoStat(std::string_view key) {
  FaultKind kind;
  if (!ShouldFail(StoreOp::kHead, &kind)) return base_->Stat(key);
  return FaultStatus(StoreOp::kHead, key);
}

Result<ListPage> FaultInjectingStore::DoList(const ListOptions& options) {
  FaultKind kind;
  if (!ShouldFail(StoreOp::kList, &kind)) return base_->List(options);
  return FaultStatus(StoreOp::kList, options.prefix);
}

Status FaultInjectingStore::DoDelete(std::string_view key) {
  FaultKind kind;
  if (!ShouldFail(StoreOp::kDelete, &kind)) return base_->Delete(key);
  if (kind == FaultKind::kLostResponse) base_->Delete(key).IgnoreError();
  return FaultStatus(StoreOp::kDelete, key);
}

Result<std::unique_ptr<ObjectWriter>> FaultInjectingStore::DoNewWriter(std::string_view key,
                                                                       PutMode mode) {
  FaultKind kind;
  if (ShouldFail(StoreOp::kWrite, &kind)) return FaultStatus(StoreOp::kWrite, key);
  BASIN_ASSIGN_OR_RETURN(auto base, base_->NewWriter(key, mode));
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<FaultyWriter>(this, std::string(key), std::move(base)));
}

Result<std::unique_ptr<AppendableObject>> FaultInjectingStore::DoOpenAppendable(
    std::string_view key) {
  FaultKind kind;
  if (ShouldFail(StoreOp::kAppend, &kind)) return FaultStatus(StoreOp::kAppend, key);
  BASIN_ASSIGN_OR_RETURN(auto base, base_->OpenAppendable(key));
  return std::unique_ptr<AppendableObject>(
      std::make_unique<FaultyAppendable>(this, std::string(key), std::move(base)));
}

Status FaultInjectingStore::DoDeleteMany(const std::vector<std::string>& keys) {
  FaultKind kind;
  if (!ShouldFail(StoreOp::kDelete, &kind)) return base_->DeleteMany(keys);
  if (kind == FaultKind::kLostResponse) base_->DeleteMany(keys).IgnoreError();
  return FaultStatus(StoreOp::kDelete, keys.empty() ? "" : keys[0]);
}

Result<SweepReport> FaultInjectingStore::DoSweep(const SweepOptions& options) {
  FaultKind kind;
  if (!ShouldFail(StoreOp::kList, &kind)) return base_->Sweep(options);
  if (kind == FaultKind::kLostResponse) base_->Sweep(options).status().IgnoreError();
  return FaultStatus(StoreOp::kList, options.prefix);
}

}  // namespace basin
