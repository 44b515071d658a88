#include "basin/counting_store.h"

#include <fmt/format.h>

namespace basin {

uint64_t StoreCounts::total_requests() const {
  uint64_t n = 0;
  for (const auto& o : ops) n += o.requests;
  return n;
}

uint64_t StoreCounts::total_bytes_sent() const {
  uint64_t n = 0;
  for (const auto& o : ops) n += o.bytes_sent;
  return n;
}

uint64_t StoreCounts::total_bytes_received() const {
  uint64_t n = 0;
  for (const auto& o : ops) n += o.bytes_received;
  return n;
}

std::string StoreCounts::ToString() const {
  std::string out;
  for (int i = 0; i < kStoreOpCount; ++i) {
    const OpCounts& o = ops[i];
    if (o.requests == 0) continue;
    out += fmt::format("{}: {} requests, {} errors, {} bytes out, {} bytes in\n",
                       StoreOpName(static_cast<StoreOp>(i)), o.requests, o.errors, o.bytes_sent,
                       o.bytes_received);
  }
  return out;
}

namespace internal {

class CountingWriter : public ObjectWriter {
 public:
  CountingWriter(CountingStore* store, std::unique_ptr<ObjectWriter> base)
      : store_(store), base_(std::move(base)) {}
  ~CountingWriter() override {
    if (!recorded_) Abort();
  }

  Status Append(std::string_view data) override { return base_->Append(data); }
  Status Close() override {
    Status s = base_->Close();
    if (!recorded_) {
      store_->Record(StoreOp::kWrite, s.ok(), base_->bytes_appended(), 0);
      recorded_ = true;
    }
    return s;
  }
  void Abort() override {
    base_->Abort();
    if (!recorded_) {
      store_->Record(StoreOp::kWrite, false, base_->bytes_appended(), 0);
      recorded_ = true;
    }
  }
  uint64_t bytes_appended() const override { return base_->bytes_appended(); }

 private:
  CountingStore* store_;
  std::unique_ptr<ObjectWriter> base_;
  bool recorded_ = false;
};

class CountingAppendable : public AppendableObject {
 public:
  CountingAppendable(CountingStore* store, std::unique_ptr<AppendableObject> base)
      : store_(store), base_(std::move(base)) {}
  Status Append(std::string_view data) override { return Count(base_->Append(data), data.size()); }
  Status Flush() override { return Count(base_->Flush(), 0); }
  Status Sync() override { return Count(base_->Sync(), 0); }
  Status Truncate(uint64_t size) override { return Count(base_->Truncate(size), 0); }
  uint64_t size() const override { return base_->size(); }

 private:
  Status Count(Status s, uint64_t sent) {
    store_->Record(StoreOp::kAppend, s.ok(), sent, 0);
    return s;
  }
  CountingStore* store_;
  std::unique_ptr<AppendableObject> base_;
};

}  // namespace internal

using internal::CountingAppendable;
using internal::CountingWriter;

CountingStore::CountingStore(std::shared_ptr<ObjectStore> base) : base_(std::move(base)) {}

void CountingStore::Record(StoreOp op, bool ok, uint64_t sent, uint64_t received) {
  AtomicCounts& c = counts_[static_cast<int>(op)];
  c.requests.fetch_add(1, std::memory_order_relaxed);
  if (!ok) c.errors.fetch_add(1, std::memory_order_relaxed);
  c.bytes_sent.fetch_add(sent, std::memory_order_relaxed);
  c.bytes_received.fetch_add(received, std::memory_order_relaxed);
}

StoreCounts CountingStore::counts() const {
  StoreCounts out;
  for (int i = 0; i < kStoreOpCount; ++i) {
    out.ops[i].requests = counts_[i].requests.load(std::memory_order_relaxed);
    out.ops[i].errors = counts_[i].errors.load(std::memory_order_relaxed);
    out.ops[i].bytes_sent = counts_[i].bytes_sent.load(std::memory_order_relaxed);
    out.ops[i].bytes_received = counts_[i].bytes_received.load(std::memory_order_relaxed);
  }
  return out;
}

void CountingStore::Reset() {
  for (auto& c : counts_) {
    c.requests = 0;
    c.errors = 0;
    c.bytes_sent = 0;
    c.bytes_received = 0;
  }
}

Status CountingStore::DoPut(std::string_view key, std::string_view data, PutMode mode) {
  Status s = base_->Put(key, data, mode);
  Record(StoreOp::kPut, s.ok(), data.size(), 0);
  return s;
}

Status CountingStore::DoPutIfMatch(std::string_view key, std::string_view data,
                                   std::string_view etag) {
  Status s = base_->PutIfMatch(key, data, etag);
  Record(StoreOp::kPut, s.ok(), data.size(), 0);
  return s;
}

Status CountingStore::DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
                            std::string* out, ObjectInfo* info) {
  Status s = base_->Get(key, range, options, out, info);
  Record(StoreOp::kGet, s.ok(), 0, s.ok() ? out->size() : 0);
  return s;
}

Result<ObjectInfo> CountingStore::DoStat(std::string_view key) {
  auto r = base_->Stat(key);
  Record(StoreOp::kHead, r.ok(), 0, 0);
  return r;
}

Result<ListPage> CountingStore::DoList(const ListOptions& options) {
  auto r = base_->List(options);
  Record(StoreOp::kList, r.ok(), 0, 0);
  return r;
}

Status CountingStore::DoDelete(std::string_view key) {
  Status s = base_->Delete(key);
  Record(StoreOp::kDelete, s.ok(), 0, 0);
  return s;
}

Result<std::unique_ptr<ObjectWriter>> CountingStore::DoNewWriter(std::string_view key,
                                                                 PutMode mode) {
  auto r = base_->NewWriter(key, mode);
  if (!r.ok()) {
    Record(StoreOp::kWrite, false, 0, 0);
    return r.status();
  }
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<CountingWriter>(this, std::move(r).value()));
}

Result<std::unique_ptr<AppendableObject>> CountingStore::DoOpenAppendable(std::string_view key) {
  auto r = base_->OpenAppendable(key);
  Record(StoreOp::kAppend, r.ok(), 0, 0);
  if (!r.ok()) return r.status();
  return std::unique_ptr<AppendableObject>(
      std::make_unique<CountingAppendable>(this, std::move(r).value()));
}

Status CountingStore::DoDeleteMany(const std::vector<std::string>& keys) {
  Status s = base_->DeleteMany(keys);
  Record(StoreOp::kDelete, s.ok(), 0, 0);
  return s;
}

Result<SweepReport> CountingStore::DoSweep(const SweepOptions& options) {
  auto r = base_->Sweep(options);
  Record(StoreOp::kList, r.ok(), 0, 0);
  return r;
}

}  // namespace basin
