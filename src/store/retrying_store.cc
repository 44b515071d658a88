#include "basin/retrying_store.h"

#include "store/retrier.h"

namespace basin {

RetryingStore::RetryingStore(std::shared_ptr<ObjectStore> base, RetryPolicy policy)
    : base_(std::move(base)), retrier_(std::make_unique<Retrier>(std::move(policy))) {}

RetryingStore::~RetryingStore() = default;

uint64_t RetryingStore::retries() const { return retrier_->retries(); }

Status RetryingStore::DoPut(std::string_view key, std::string_view data, PutMode mode) {
  if (mode != PutMode::kCreateOnly) {
    return retrier_->Run([&] { return base_->Put(key, data, mode); });
  }
  return RetryConditionalWrite(
      *retrier_, [&] { return base_->Put(key, data, mode); },
      [&] { return StoredBytesAre(key, data); });
}

Status RetryingStore::DoPutIfMatch(std::string_view key, std::string_view data,
                                   std::string_view etag) {
  return RetryConditionalWrite(
      *retrier_, [&] { return base_->PutIfMatch(key, data, etag); },
      [&] { return StoredBytesAre(key, data); });
}

bool RetryingStore::StoredBytesAre(std::string_view key, std::string_view data) {
  std::string stored;
  Status g = retrier_->Run([&] { return base_->Get(key, ByteRange::All(), &stored); });
  return g.ok() && stored == data;
}

Status RetryingStore::DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
                            std::string* out, ObjectInfo* info) {
  return retrier_->Run([&] { return base_->Get(key, range, options, out, info); });
}

Result<ObjectInfo> RetryingStore::DoStat(std::string_view key) {
  return retrier_->Run([&] { return base_->Stat(key); });
}

Result<ListPage> RetryingStore::DoList(const ListOptions& options) {
  return retrier_->Run([&] { return base_->List(options); });
}

Status RetryingStore::DoDelete(std::string_view key) {
  return retrier_->Run([&] { return base_->Delete(key); });
}

Result<std::unique_ptr<ObjectWriter>> RetryingStore::DoNewWriter(std::string_view key,
                                                                 PutMode mode) {
  return retrier_->Run([&] { return base_->NewWriter(key, mode); });
}

Result<std::unique_ptr<AppendableObject>> RetryingStore::DoOpenAppendable(std::string_view key) {
  return retrier_->Run([&] { return base_->OpenAppendable(key); });
}

Status RetryingStore::DoDeleteMany(const std::vector<std::string>& keys) {
  return retrier_->Run([&] { return base_->DeleteMany(keys); });
}

// A sweep repeated whole: listing again, and aborting what is already gone, is harmless.
Result<SweepReport> RetryingStore::DoSweep(const SweepOptions& options) {
  return retrier_->Run([&] { return base_->Sweep(options); });
}

}  // namespace basin
