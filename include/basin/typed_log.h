// Typed records over a record log: a writer and an iterator for values of type T, with a
// pluggable serializer (seed 001's RecordFile<E>).
//
//   struct Event { ... };
//   template <> struct basin::Serializer<Event> {
//     static void Encode(const Event& e, std::string* out);
//     static Status Decode(std::string_view in, Event* e);  // Corruption on bad input
//   };
//   TypedLogWriter<Event> w(std::move(writer));  w.Append(event);
#ifndef BASIN_TYPED_LOG_H_
#define BASIN_TYPED_LOG_H_

#include <memory>
#include <string>
#include <string_view>

#include "basin/log_reader.h"
#include "basin/log_writer.h"

namespace basin {

// Specialise for each record type, or pass a serializer type as the second parameter.
template <typename T>
struct Serializer;

// Strings as themselves.
template <>
struct Serializer<std::string> {
  static void Encode(const std::string& v, std::string* out) { out->append(v); }
  static Status Decode(std::string_view in, std::string* v) {
    v->assign(in);
    return Status::OK();
  }
};

template <typename T, typename S = Serializer<T>>
class TypedLogWriter {
 public:
  explicit TypedLogWriter(std::unique_ptr<LogWriter> writer) : writer_(std::move(writer)) {}
  Result<uint64_t> Append(const T& value) {
    scratch_.clear();
    S::Encode(value, &scratch_);
    return writer_->Append(scratch_);
  }
  LogWriter& raw() { return *writer_; }

 private:
  std::unique_ptr<LogWriter> writer_;
  std::string scratch_;
};

template <typename T, typename S = Serializer<T>>
class TypedLogIterator {
 public:
  explicit TypedLogIterator(std::unique_ptr<LogIterator> it) : it_(std::move(it)) {}
  // Moves to the next record and decodes it; false at the end or on error (status()).
  bool Next() {
    if (!status_.ok() || !it_->Next()) return false;
    status_ = S::Decode(it_->value(), &value_);
    if (!status_.ok()) {
      status_ = status_.WithContext("record " + std::to_string(it_->entry_id()));
      return false;
    }
    return true;
  }
  const T& value() const { return value_; }
  uint64_t position() const { return it_->position(); }
  uint64_t entry_id() const { return it_->entry_id(); }
  const Status& status() const { return status_.ok() ? it_->status() : status_; }
  LogIterator& raw() { return *it_; }

 private:
  std::unique_ptr<LogIterator> it_;
  T value_{};
  Status status_;
};

}  // namespace basin

#endif  // BASIN_TYPED_LOG_H_
