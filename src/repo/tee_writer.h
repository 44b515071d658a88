// An ObjectWriter that forwards to another and also hashes (and may copy) what passes:
// how a stratum's tail and an index table get their digests while they stream out.
#ifndef BASIN_REPO_TEE_WRITER_H_
#define BASIN_REPO_TEE_WRITER_H_

#include <string>
#include <string_view>

#include "basin/blake3.h"
#include "basin/object_store.h"

namespace basin::repo {

class TeeWriter : public ObjectWriter {
 public:
  // hasher, copy: may be null. Close and Abort go to `base` only when `owns_close`.
  TeeWriter(ObjectWriter* base, Blake3* hasher, std::string* copy, bool owns_close)
      : base_(base), hasher_(hasher), copy_(copy), owns_close_(owns_close) {}
  Status Append(std::string_view data) override {
    if (hasher_ != nullptr) hasher_->Update(data);
    if (copy_ != nullptr) copy_->append(data);
    appended_ += data.size();
    return base_->Append(data);
  }
  Status Close() override {
    return owns_close_ ? base_->Close() : Status::InvalidArgument("closed by its owner");
  }
  void Abort() override {
    if (owns_close_) base_->Abort();
  }
  uint64_t bytes_appended() const override { return appended_; }

 private:
  ObjectWriter* base_;
  Blake3* hasher_;
  std::string* copy_;
  const bool owns_close_;
  uint64_t appended_ = 0;
};

}  // namespace basin::repo

#endif  // BASIN_REPO_TEE_WRITER_H_
