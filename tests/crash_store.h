// CrashStore: a store whose process "crashes" at its k-th mutating call, for tests that
// crash an operation at every point (src/snapshot/crash_points_test.cc).
//
// It forwards every call to a `durable` store (a memory store): what that store holds is
// what the medium holds. The mutating calls are counted: put, put-if-match, delete (each
// key of a DeleteMany), and of a streamed write its new-writer, each append and the close.
// Calls 1 .. k-1 run normally, and a call that returned OK is durable: that is the
// ObjectStore contract (object_store.h, "a put or a closed writer makes the object visible
// whole and durable"), which the file store keeps by fsyncing the temp file, renaming it,
// and fsyncing the directory before it answers (src/store/file_store.cc, steps 2-5).
// Call k is in flight when the process dies: it fails, and so does every later call, read
// or write, as if the process had stopped; what call k leaves on the medium depends on
// the crash state, one of the three a file store can be left in:
//
//   kUnsyncedDropped  The power went, and what call k had written but not yet fsynced is
//                     gone: its temp file (steps 2-3) or its rename (step 4, before the
//                     directory fsync of step 5). The medium holds calls 1 .. k-1 exactly.
//                     (A killed process whose call k had not reached its rename leaves the
//                     same visible state.)
//   kLastWriteTorn    The process was killed (or the power went) while call k was writing:
//                     its temp file DIR/.basin-tmp-<16 hex> survives with a prefix of the
//                     bytes (half of them; an empty file for a new-writer). The file store
//                     fsyncs a temp file before renaming it to its key, so an object torn
//                     under its final name is not a state the file store can be in; the
//                     torn temp file is. A memory store cannot hold it (its keys may not
//                     have ".basin-" segments), so torn() hands it to the test, which lays
//                     the survivor out as a file store directory (WriteFileStoreTree).
//                     A delete tears nothing: as kUnsyncedDropped.
//   kRenameNotDurable The crash came between call k's rename (or unlink) and the end of its
//                     directory fsync (step 5): the rename had not been made durable, and
//                     the crash kept it. The object of call k is there (a put, an
//                     if-match put, a writer's close), or gone (a delete), yet the process
//                     never learned that its call had succeeded. (The other outcome of
//                     that crash, the rename lost, is kUnsyncedDropped.) New-writer and
//                     append calls rename nothing: as kUnsyncedDropped.
//   kCallFails        Not a crash: call k fails with an I/O error (EIO, ENOSPC, a lost
//                     connection: nothing of it reaches the medium) and the process goes
//                     on; every later call runs normally. The operation must fail with
//                     that error or get past it (a retry, a best-effort delete), never
//                     acknowledge what did not land.
//
// What is NOT modelled, because the file store's contract excludes it: a call that
// returned OK and is then lost (the directory fsync of step 5 comes before the answer),
// and an object visible with part of its bytes. A test that dropped an acknowledged put
// would test a broken store, not basin.
//
// crash_at 0 never crashes (a dry run, to count the calls). Thread-safe; the tests make
// their store calls from one thread (tests/deterministic.h), so call k is the same call
// in every run of an operation.
#ifndef BASIN_TESTS_CRASH_STORE_H_
#define BASIN_TESTS_CRASH_STORE_H_

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "basin/object_store.h"

namespace basin::testing {

enum class CrashMode : uint8_t { kUnsyncedDropped, kLastWriteTorn, kRenameNotDurable, kCallFails };

inline std::string_view CrashModeName(CrashMode m) {
  switch (m) {
    case CrashMode::kUnsyncedDropped:
      return "unsynced writes dropped";
    case CrashMode::kLastWriteTorn:
      return "last write torn";
    case CrashMode::kRenameNotDurable:
      return "rename not yet durable";
    case CrashMode::kCallFails:
      return "I/O error, then on";
  }
  return "?";
}

// The temp file a torn write left: in the directory of `key`, holding `bytes`.
struct TornTemp {
  std::string key;
  std::string bytes;
};

class CrashStore : public ObjectStore {
 public:
  CrashStore(std::shared_ptr<ObjectStore> durable, uint64_t crash_at, CrashMode mode)
      : durable_(std::move(durable)), crash_at_(crash_at), mode_(mode) {}
  std::string url() const override { return durable_->url(); }

  uint64_t calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  bool crashed() const {
    std::lock_guard lock(mu_);
    return crashed_;
  }
  // Whether call k came (it crashed, or failed and the process went on).
  bool reached() const {
    std::lock_guard lock(mu_);
    return crashed_ || failed_;
  }
  std::optional<TornTemp> torn() const {
    std::lock_guard lock(mu_);
    return torn_;
  }
  // One line per mutating call: "7 put journal/0000000000000003".
  std::vector<std::string> trace() const {
    std::lock_guard lock(mu_);
    return trace_;
  }

  // One mutating call: `apply` makes it on the durable store. `visible`: the call renames or
  // unlinks (kRenameNotDurable applies it); `torn`: what its temp file would hold if torn
  // (null: it writes none).
  template <typename Apply>
  Status Mutate(std::string_view name, std::string_view key, bool visible,
                const std::function<std::string()>& torn, Apply&& apply) {
    bool crash = false;
    {
      std::lock_guard lock(mu_);
      if (crashed_) return Dead();
      ++calls_;
      trace_.push_back(fmt::format("{} {} {}", calls_, name, key));
      if (calls_ == crash_at_ && mode_ == CrashMode::kCallFails) {
        failed_ = true;
        return Status::IOError(
            fmt::format("an injected I/O error at store call {} ({} {})", calls_, name, key));
      }
      if (calls_ == crash_at_) {
        crash = crashed_ = true;
        if (mode_ == CrashMode::kLastWriteTorn && torn) torn_ = TornTemp{std::string(key), torn()};
        if (mode_ != CrashMode::kRenameNotDurable || !visible) return Dead();
      }
    }
    // Outside the lock: a writer's close puts to durable_.
    Status s = apply();
    return crash ? Dead() : s;
  }

  // Reads run only while the process lives.
  template <typename Fn>
  auto Read(Fn&& fn) -> decltype(fn()) {
    if (crashed()) return Dead();
    return fn();
  }

  Status Dead() const {
    return Status::IOError(
        fmt::format("the process crashed at store call {} (a test crash: it is gone)", crash_at_));
  }

 protected:
  Status DoPut(std::string_view key, std::string_view data, PutMode mode) override {
    return Mutate("put", key, true, Half(data), [&] { return durable_->Put(key, data, mode); });
  }
  Status DoPutIfMatch(std::string_view key, std::string_view data, std::string_view etag) override {
    return Mutate("put-if-match", key, true, Half(data),
                  [&] { return durable_->PutIfMatch(key, data, etag); });
  }
  Status DoDelete(std::string_view key) override {
    return Mutate("delete", key, true, nullptr, [&] { return durable_->Delete(key); });
  }
  Status DoGet(std::string_view key, const ByteRange& range, const GetOptions& options,
               std::string* out, ObjectInfo* info) override {
    return Read([&] { return durable_->Get(key, range, options, out, info); });
  }
  Result<ObjectInfo> DoStat(std::string_view key) override {
    return Read([&] { return durable_->Stat(key); });
  }
  Result<ListPage> DoList(const ListOptions& options) override {
    return Read([&] { return durable_->List(options); });
  }
  Result<std::unique_ptr<ObjectWriter>> DoNewWriter(std::string_view key, PutMode mode) override;

 private:
  // The first half of `data`: what a torn temp file of it holds.
  static std::function<std::string()> Half(std::string_view data) {
    return [data] { return std::string(data.substr(0, data.size() / 2)); };
  }

  const std::shared_ptr<ObjectStore> durable_;
  const uint64_t crash_at_;
  const CrashMode mode_;
  mutable std::mutex mu_;
  uint64_t calls_ = 0;
  bool crashed_ = false, failed_ = false;
  std::optional<TornTemp> torn_;
  std::vector<std::string> trace_;
};

// A streamed write through a CrashStore: each call is a mutating call of the store. Keeps
// the bytes appended, for the torn temp file of a crash in the middle of it.
class CrashWriter : public ObjectWriter {
 public:
  CrashWriter(CrashStore* store, std::string key, std::unique_ptr<ObjectWriter> base)
      : store_(store), key_(std::move(key)), base_(std::move(base)) {}
  Status Append(std::string_view data) override {
    return store_->Mutate(
        "append", key_, false,
        [&] { return written_ + std::string(data.substr(0, data.size() / 2)); },
        [&] {
          written_.append(data);
          return base_->Append(data);
        });
  }
  Status Close() override {
    return store_->Mutate(
        "close", key_, true, [&] { return written_.substr(0, written_.size() / 2); },
        [&] { return base_->Close(); });
  }
  void Abort() override { base_->Abort(); }
  uint64_t bytes_appended() const override { return base_->bytes_appended(); }

 private:
  CrashStore* const store_;
  const std::string key_;
  std::unique_ptr<ObjectWriter> base_;
  std::string written_;
};

inline Result<std::unique_ptr<ObjectWriter>> CrashStore::DoNewWriter(std::string_view key,
                                                                     PutMode mode) {
  std::unique_ptr<ObjectWriter> base;
  Status s = Mutate(
      "new-writer", key, false, [] { return std::string(); },
      [&] {
        auto w = durable_->NewWriter(key, mode);
        if (w.ok()) base = std::move(w).value();
        return w.status();
      });
  if (!s.ok()) return s;
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<CrashWriter>(this, std::string(key), std::move(base)));
}

// Lays out the objects of `durable` under `root` as a file store keeps them (a file per
// key: docs/format/file-store.md), with the torn temp file, if any, in its key's directory:
// what a file store's directory holds after the crash.
inline Status WriteFileStoreTree(ObjectStore& durable, const std::optional<TornTemp>& torn,
                                 const std::string& root) {
  auto keys = durable.ListAll("");
  if (!keys.ok()) return keys.status();
  auto write = [&](const std::string& path, std::string_view bytes) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    return out ? Status::OK() : Status::IOError("cannot write " + path);
  };
  for (const ObjectInfo& o : *keys) {
    auto bytes = durable.Get(o.key);
    if (!bytes.ok()) return bytes.status();
    BASIN_RETURN_IF_ERROR(write(root + "/" + o.key, *bytes));
  }
  if (!torn) return Status::OK();
  const std::string dir = std::filesystem::path(root + "/" + torn->key).parent_path();
  return write(dir + "/.basin-tmp-00000000000000c5", torn->bytes);
}

}  // namespace basin::testing

#endif  // BASIN_TESTS_CRASH_STORE_H_
