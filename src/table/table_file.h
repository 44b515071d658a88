// A table's bytes: [base, base + size) of a ReadableObject (the whole object, or a table
// embedded in one). Offsets given to it are relative to the table's first byte.
#ifndef BASIN_TABLE_TABLE_FILE_H_
#define BASIN_TABLE_TABLE_FILE_H_

#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "basin/object_store.h"

namespace basin::table {

class TableFile {
 public:
  // REQUIRES: base + size <= object->size().
  TableFile(std::shared_ptr<ReadableObject> object, uint64_t base, uint64_t size, std::string name)
      : object_(std::move(object)), base_(base), size_(size), name_(std::move(name)) {}

  uint64_t size() const { return size_; }
  // Names the table in messages: its key, or what the caller named an embedded table.
  const std::string& name() const { return name_; }
  const std::shared_ptr<ReadableObject>& object() const { return object_; }

  // Replaces *out with bytes [offset, offset + length) of the table; Corruption when they
  // lie outside it.
  Status Read(uint64_t offset, uint64_t length, std::string* out) const {
    if (offset > size_ || length > size_ - offset) {
      return Status::Corruption(fmt::format("{}: bytes [{}, +{}) lie outside the table of {}",
                                            name_, offset, length, size_));
    }
    return object_->Read(base_ + offset, length, out);
  }
  // The table's bytes, when the object is mapped into memory; empty otherwise.
  std::string_view Mapped() const {
    const std::string_view all = object_->Mapped();
    if (all.size() < base_ + size_) return {};
    return all.substr(base_, size_);
  }

 private:
  std::shared_ptr<ReadableObject> object_;
  const uint64_t base_;
  const uint64_t size_;
  const std::string name_;
};

}  // namespace basin::table

#endif  // BASIN_TABLE_TABLE_FILE_H_
