// CountingStore: counts the calls made on a store, per kind of call, with the bytes sent
// and received and the calls that failed. On paid object storage these are the figures
// the bill is made of (requests per kind, bytes out). Thread-safe.
//
// It counts calls on the ObjectStore interface: one streamed object (NewWriter to Close)
// is one kWrite request, however the store below splits it; for an appendable object,
// opening it and each Append, Flush, Sync and Truncate is one kAppend request; a DeleteMany
// is one kDelete request; a Sweep is one kList request.
#ifndef BASIN_COUNTING_STORE_H_
#define BASIN_COUNTING_STORE_H_

#include <array>
#include <atomic>
#include <memory>
#include <string>

#include "basin/object_store.h"

namespace basin {

struct OpCounts {
  uint64_t requests = 0;
  uint64_t errors = 0;
  uint64_t bytes_sent = 0;      // to the store (puts, writes)
  uint64_t bytes_received = 0;  // from the store (gets)
};

struct StoreCounts {
  std::array<OpCounts, kStoreOpCount> ops;

  const OpCounts& operator[](StoreOp op) const { return ops[static_cast<int>(op)]; }
  uint64_t total_requests() const;
  uint64_t total_bytes_sent() const;
  uint64_t total_bytes_received() const;
  // One line per kind of call that was made: "get: 12 requests, 0 errors, 4.0 MiB in".
  std::string ToString() const;
};

namespace internal {
class CountingWriter;
class CountingAppendable;
}  // namespace internal

class CountingStore : public ObjectStore {
 public:
  explicit CountingStore(std::shared_ptr<ObjectStore> base);

  StoreCounts counts() const;
  void Reset();

  std::string url() const override { return base_->url(); }

 protected:
  Status DoPut(std::string_view key, std::string_view data, PutMode mode) override;
  Status DoPutIfMatch(std::string_view key, std::string_view data, std::string_view etag) override;
  Status DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
               std::string* out, ObjectInfo* info) override;
  Result<ObjectInfo> DoStat(std::string_view key) override;
  Result<ListPage> DoList(const ListOptions& options) override;
  Status DoDelete(std::string_view key) override;
  Status DoDeleteMany(const std::vector<std::string>& keys) override;
  Result<SweepReport> DoSweep(const SweepOptions& options) override;
  Result<std::unique_ptr<ObjectWriter>> DoNewWriter(std::string_view key, PutMode mode) override;
  Result<std::unique_ptr<AppendableObject>> DoOpenAppendable(std::string_view key) override;

 private:
  friend class internal::CountingWriter;
  friend class internal::CountingAppendable;
  // One call's outcome (also for the writers it hands out).
  void Record(StoreOp op, bool ok, uint64_t sent, uint64_t received);

  struct AtomicCounts {
    std::atomic<uint64_t> requests{0}, errors{0}, bytes_sent{0}, bytes_received{0};
  };
  std::shared_ptr<ObjectStore> base_;
  std::array<AtomicCounts, kStoreOpCount> counts_;
};

}  // namespace basin

#endif  // BASIN_COUNTING_STORE_H_
