// The tagged field encoding of basin's records (config settings, journal records,
// checkpoints, snapshot summaries): docs/format/repository.md, "config".
//
//   fields := field*        field := tag: varint | length: varint | value: length bytes
//
// Writers emit fields in tag order. A reader skips an unknown field whose tag is odd; an
// unknown even tag means the record needs a newer basin.
#ifndef BASIN_REPO_FIELDS_H_
#define BASIN_REPO_FIELDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "basin/status.h"

namespace basin::repo {

// Builds a record's fields. Not thread-safe.
class FieldWriter {
 public:
  void Bytes(uint32_t tag, std::string_view value);
  void Varint(uint32_t tag, uint64_t value);
  // A field whose value is itself fields (built by `nested`).
  void Nested(uint32_t tag, const FieldWriter& nested) { Bytes(tag, nested.data()); }
  const std::string& data() const { return out_; }
  std::string Release() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads fields one by one. `what` names the record in error messages.
class FieldReader {
 public:
  FieldReader(std::string_view data, std::string_view what) : in_(data), what_(what) {}
  // The next field in *tag and *value; false at the end. Corruption for a truncated
  // field or tags out of order (a field that repeats keeps its tag).
  Result<bool> Next(uint32_t* tag, std::string_view* value);
  // For a field the reader does not know: OK (skip it) when its tag is odd, NotSupported
  // when it is even.
  Status Unknown(uint32_t tag) const;

 private:
  std::string_view in_;
  std::string_view what_;
  uint32_t last_tag_ = 0;
};

// Value decoders: Corruption naming `what` unless `value` is exactly one varint (or a
// varint-free fixed size).
Result<uint64_t> FieldVarint(std::string_view value, std::string_view what);
Status FieldFixed(std::string_view value, size_t size, std::string_view what);

}  // namespace basin::repo

#endif  // BASIN_REPO_FIELDS_H_
