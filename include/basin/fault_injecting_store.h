// FaultInjectingStore: makes chosen calls on a store fail, for testing what sits above it.
//
// A plan picks the calls (by kind, and then the n-th such call, or each with a
// probability from a seeded generator, so runs repeat) and what happens to them:
//   kError         the call fails before reaching the store; nothing is applied.
//   kLostResponse  the call is applied, then reported as failed (a response lost in transit).
//   kShortWrite    a put stores only the first half of its bytes and fails; a writer's
//                  append passes on half of its bytes and fails (a store that is not
//                  atomic, or a crash mid-write). Other calls fail as with kError.
// Faults are retryable I/O errors unless the plan says otherwise. In a streamed write,
// NewWriter, each Append and Close each count as one kWrite call; for an appendable object,
// opening it and each Append, Flush, Sync and Truncate count as one kAppend call (a short
// write appends half the bytes and fails); a Sweep counts as one kList call. Thread-safe.
#ifndef BASIN_FAULT_INJECTING_STORE_H_
#define BASIN_FAULT_INJECTING_STORE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>

#include "basin/object_store.h"

namespace basin {

enum class FaultKind : uint8_t { kError, kLostResponse, kShortWrite };

inline constexpr uint32_t OpBit(StoreOp op) { return 1u << static_cast<int>(op); }
inline constexpr uint32_t kAllStoreOps = (1u << kStoreOpCount) - 1;

struct FaultPlan {
  uint32_t ops = kAllStoreOps;  // OpBit()s of the calls that may fail
  uint64_t fail_nth = 0;        // the n-th matching call fails (1-based); 0: none
  double probability = 0;       // each matching call fails with this probability
  uint64_t seed = 1;
  FaultKind kind = FaultKind::kError;
  bool retryable = true;
};

namespace internal {
class FaultyWriter;
class FaultyAppendable;
}  // namespace internal

class FaultInjectingStore : public ObjectStore {
 public:
  FaultInjectingStore(std::shared_ptr<ObjectStore> base, FaultPlan plan = {});

  // Replaces the plan and restarts the call count.
  void SetPlan(const FaultPlan& plan);
  uint64_t faults_injected() const { return faults_.load(std::memory_order_relaxed); }
  uint64_t matching_calls() const;

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
  friend class internal::FaultyWriter;
  friend class internal::FaultyAppendable;
  // Decides whether this call of kind `op` fails (also for the writers it hands out).
  bool ShouldFail(StoreOp op, FaultKind* kind);
  Status FaultStatus(StoreOp op, std::string_view key) const;

  std::shared_ptr<ObjectStore> base_;
  mutable std::mutex mu_;
  FaultPlan plan_;
  uint64_t calls_ = 0;
  std::mt19937_64 rng_;
  std::atomic<uint64_t> faults_{0};
};

}  // namespace basin

#endif  // BASIN_FAULT_INJECTING_STORE_H_
